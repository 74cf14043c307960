"""Shared plumbing of the solver's command line: loading scenarios, writing JSON output.

Each sub-command lives in its own module (`solver.cli_calendar`, `solver.cli_plan`, `solver.cli_simulate`) and exposes
`add_parser(subparsers)`, which registers its arguments and sets `run` as the default handler.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from solver.scenario_io import ScenarioError, parse_scenario
from solver.season import Scenario

EXIT_MALFORMED = 2


class MalformedScenario(SystemExit):
    """Raised to stop the CLI with exit status 2 after printing a one-line message."""


def load_scenario_file(path: str) -> Scenario:
    """Read and validate a scenario file; on any problem print one line and exit 2."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"scenario: cannot read {path}: {exc.strerror}", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"scenario: not valid JSON (line {exc.lineno}: {exc.msg})", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        print(f"scenario: {exc}", file=sys.stderr)
        raise MalformedScenario(EXIT_MALFORMED) from None


def write_json(data: Any, out: str | None) -> None:
    """Print `data` as JSON to stdout, or write it to `out`."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def commands() -> list[ModuleType]:
    """The sub-command modules, imported lazily so one broken command cannot hide the rest."""
    import importlib

    found = []
    for name in ("solver.cli_calendar", "solver.cli_plan", "solver.cli_simulate"):
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found
