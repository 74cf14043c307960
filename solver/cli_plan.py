"""`python -m solver plan` and `python -m solver check` (SCENARIO.md "Commands").

- `plan SCENARIO.json [--time-limit S] [--out PLAN.json]`: the hindsight season plan.
- `check SCENARIO.json PLAN.json`: exit 0 when the plan obeys every rule, 1 with one line per
  violation otherwise, 2 with one line when either file is malformed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from solver.cli import EXIT_MALFORMED, MalformedScenario, load_scenario_file, write_json
from solver.plan_types import Plan, PlanFormatError, plan_from_dict, plan_to_dict
from solver.problem import PlanningProblem
from solver.season import Scenario

DEFAULT_TIME_LIMIT_S = 60.0


def add_parser(subparsers: Any) -> None:
    plan = subparsers.add_parser("plan", help="the best season plan in hindsight (CP-SAT)")
    plan.add_argument("scenario", help="SCENARIO.json")
    plan.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S,
                      metavar="SECONDS", help="solver time limit over all stages")
    plan.add_argument("--out", help="write the plan here instead of stdout")
    plan.set_defaults(run=run_plan)

    check = subparsers.add_parser("check", help="verify a plan against every rule")
    check.add_argument("scenario", help="SCENARIO.json")
    check.add_argument("plan", help="PLAN.json")
    check.set_defaults(run=run_check)


def _problem(scenario: Scenario, plan: Plan | None = None) -> PlanningProblem:
    """The problem of a scenario; a plan's own calendar is used when the scenario has none."""
    from solver.travel_table import build_problem

    days = None
    if scenario.config.season.visit_days is None and plan is not None:
        days = plan.visit_days
    try:
        return build_problem(scenario, visit_days=days)
    except ModuleNotFoundError as exc:
        if exc.name != "solver.calendar":
            raise
        print("season.visit_days: absent, and no calendar generator is installed",
              file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None
    except Exception as exc:  # the calendar could not be built
        if type(exc).__name__ != "CalendarInfeasible":
            raise
        print(f"season.visit_days: absent, and no visit-day calendar fits ({exc})",
              file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None


def run_plan(args: argparse.Namespace) -> int:
    from solver.plan_model import solve_plan

    if args.time_limit <= 0:
        print("--time-limit: must be greater than 0", file=sys.stderr)
        return EXIT_MALFORMED
    scenario = load_scenario_file(args.scenario)
    plan = solve_plan(_problem(scenario), time_limit_s=args.time_limit)
    write_json(plan_to_dict(plan), args.out)
    return 0


def load_plan_file(path: str) -> Plan:
    """Read a plan file; on any problem print one line and exit 2."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"plan: cannot read {path}: {exc.strerror}", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None
    try:
        return plan_from_dict(json.loads(text))
    except json.JSONDecodeError as exc:
        print(f"plan: not valid JSON (line {exc.lineno}: {exc.msg})", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None
    except PlanFormatError as exc:
        print(f"plan: {exc}", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None


def run_check(args: argparse.Namespace) -> int:
    from solver.check import check_plan, check_visit_days

    scenario = load_scenario_file(args.scenario)
    plan = load_plan_file(args.plan)
    problem = _problem(scenario, plan)
    problems = check_plan(problem, plan)
    if scenario.config.season.visit_days is None:  # the plan brought its own calendar
        problems = check_visit_days(problem) + problems
    for line in problems:
        print(line)
    if not problems:
        print(f"ok: {len(plan.visits)} visits, {len(plan.unassigned)} unassigned, "
              "every rule holds", file=sys.stderr)
    return 1 if problems else 0
