"""`python -m solver calendar SCENARIO.json [--out CALENDAR.json]` (SCENARIO.md "Commands").

Prints `{"visit_days": [...], "status": "..."}`. A scenario that gives its own
`season.visit_days` gets them back with status "GIVEN" and the rules they break under
"problems". Settings no calendar can meet give status "INFEASIBLE", no days, the
conflicting rules under "problems", and exit status 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from solver.calendar import generate_calendar
from solver.calendar_rules import calendar_problems
from solver.cli import load_scenario_file, write_json
from solver.scenario_io import visit_day_to_dict


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("calendar", help="the visit-day calendar alone (CP-SAT)")
    parser.add_argument("scenario", help="SCENARIO.json")
    parser.add_argument("--out", help="write the calendar here instead of stdout")
    parser.set_defaults(run=run_calendar)


def run_calendar(args: argparse.Namespace) -> int:
    scenario = load_scenario_file(args.scenario)
    config = scenario.config
    given = config.season.visit_days
    if given is not None:
        problems = [p.message for p in calendar_problems(given, config)]
        out: dict[str, Any] = {"visit_days": [visit_day_to_dict(d) for d in given],
                               "status": "GIVEN"}
        if problems:
            out["problems"] = problems
        write_json(out, args.out)
        return 0
    result = generate_calendar(config)
    out = {"visit_days": [visit_day_to_dict(d) for d in result.visit_days],
           "status": result.status, "seconds": round(result.seconds, 3)}
    if result.problems:
        out["problems"] = [p.message for p in result.problems]
    write_json(out, args.out)
    return 0 if result.visit_days else 1
