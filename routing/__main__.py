"""Command line for scripts and checks.

    python -m routing locate "小樽市稲穂2丁目5-1"     -> {"lat", "lng", "precision", "matched"}
    python -m routing matrix POINTS.json [--date YYYY-MM-DD] [--model osrm --url URL]

Exit status: 0 success, 1 address not found (message on stderr), 2 bad input.
POINTS.json is a list of [lat, lng] pairs or of {"lat": .., "lng": ..} objects; the matrix is
printed as a JSON list of rows of minutes (two decimals). When an engine failed and the
estimate stood in, the reason is logged on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

from routing.base import LocateError, Point
from routing.params import MODELS, TravelParams
from routing.service import as_points, build_service


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def read_points(path: Path) -> tuple[Point, ...]:
    """POINTS.json -> points; `ValueError` with a one-line reason for anything malformed."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of [lat, lng] or {{\"lat\", \"lng\"}}")
    pairs: list[list[Any]] = []
    for k, item in enumerate(data):
        if isinstance(item, dict) and "lat" in item and "lng" in item:
            pair = [item["lat"], item["lng"]]
        elif isinstance(item, list):
            pair = item
        else:
            raise ValueError(f"{path}: point {k} is not [lat, lng] or {{\"lat\", \"lng\"}}")
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in pair):
            raise ValueError(f"{path}: point {k} must hold two numbers")
        pairs.append(pair)
    try:
        return as_points(pairs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    locate = commands.add_parser("locate", help="place an Otaru address (offline gazetteer)")
    locate.add_argument("address")
    matrix = commands.add_parser("matrix", help="travel minutes between points")
    matrix.add_argument("points", type=Path)
    matrix.add_argument("--date", type=_date, default=None, help="YYYY-MM-DD (winter factor)")
    matrix.add_argument("--model", choices=MODELS, default="estimate")
    matrix.add_argument("--url", default="", help="ORS / OSRM server for --model ors|osrm")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    if args.command == "locate":
        try:
            found = build_service(TravelParams()).locate(args.address)
        except LocateError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(json.dumps(dataclasses.asdict(found), ensure_ascii=False))
        return 0

    try:
        points = read_points(args.points)
        service = build_service(TravelParams(model=args.model, url=args.url))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = service.matrix(points, args.date)
    json.dump([[round(float(v), 2) for v in row] for row in result.minutes], sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
