"""Seasons: the rule configuration and the visit-day calendar the whole product uses."""
