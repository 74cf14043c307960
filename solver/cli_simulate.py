"""`python -m solver simulate SCENARIO.json --policy {fcfs,smart} [--out PLAN.json]`.

The season replayed call by call (SCENARIO.md "simulate"): each request, in `received`
order, takes the first slot the policy offers with only the earlier calls known.
"""

from __future__ import annotations

import argparse
from typing import Any

from solver.cli import load_scenario_file, write_json
from solver.plan_types import plan_to_dict
from solver.policy import POLICIES


def add_parser(subparsers: Any) -> None:
    sim = subparsers.add_parser("simulate", help="replay the calls one by one with a policy")
    sim.add_argument("scenario", help="SCENARIO.json")
    sim.add_argument("--policy", choices=POLICIES, required=True,
                     help="fcfs: earliest slot (paper calendar); smart: the product's policy")
    sim.add_argument("--out", help="write the plan here instead of stdout")
    sim.set_defaults(run=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from solver.cli_plan import _problem
    from solver.simulate import simulate

    scenario = load_scenario_file(args.scenario)
    plan = simulate(_problem(scenario), args.policy)
    write_json(plan_to_dict(plan), args.out)
    return 0
