"""The register of personal-data incidents (漏えい等), kept as the contract's 個人情報取扱特記事項
第12 demands: on a leak, loss or damage of personal data, or a suspicion of one, the contractor
reports its content, quantity, place and circumstances to the city promptly, follows the city's
instructions, takes measures to limit the damage and, as instructed, tells the persons concerned.

Managers record and update incidents; every update appends a revision (who, when, what changed
from what) so the register's history is never silently overwritten. An incident may describe
personal data, so every page and export of it writes a handling-log row (record type
`incident`). Incidents are not erased by the deletion run: the city's register outlives the
bookings it mentions (it names them by receipt number only).
"""
