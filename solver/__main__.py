"""`python -m solver plan | simulate | check | calendar` — the file contract of SCENARIO.md."""

from __future__ import annotations

import argparse
import sys

from solver.cli import commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in commands():
        command.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
