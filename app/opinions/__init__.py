"""Opinions from citizens and facility staff, kept for the report to the city (seed 004 §10(3),
SPEC §11: progress and opinions are reported to Otaru city as needed).

An opinion is recorded as a short summary with no personal data: the form says so and the
service refuses a summary holding a phone-number-like run of digits or an e-mail address.
Because it is meant to hold no personal data, an opinion is kept for the report and is not
erased with the call-log notes (app/privacy/deletion.py); and since no page shows personal
data, none of the opinion pages writes a handling-log entry.
"""
