"""Pure scheduling domain: season configuration, visit-day calendar, planner, checker.

Nothing here imports Flask, SQLAlchemy or `app`; the models take plain immutable data and
return result dataclasses.
"""
