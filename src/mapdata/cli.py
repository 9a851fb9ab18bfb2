"""The ``mapdata`` command: snapshots and validation for scripts and checks.

    mapdata snapshot --date 2018-06-10 [--format geojson|csv] [--forces russia,iran] [--data DIR]
    mapdata validate [DIR]
    mapdata extract FILE|- [--published YYYY-MM-DD] [--format json|geojson] [--data DIR]

``--data`` (or ``MAPDATA_DATA``) picks the scenario folder; the default is the bundled one.
Exit status: 0 on success, 1 when ``validate`` finds problems, 2 on bad arguments or unusable data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Sequence

from shapely.geometry import mapping

from mapdata.config import settings
from mapdata.errors import ScenarioError
from mapdata.load import check_folder, load_scenario
from mapdata.snapshot import snapshot_csv, snapshot_geojson


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mapdata", description="Who controls what, where and since when.")
    sub = parser.add_subparsers(dest="command", required=True)

    snap = sub.add_parser("snapshot", help="the state of every place on one date")
    snap.add_argument("--date", type=_date, required=True, help="day to describe (YYYY-MM-DD)")
    snap.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    snap.add_argument("--forces", help="only places where these forces are (comma-separated ids)")
    snap.add_argument("--data", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)")

    ext = sub.add_parser("extract", help="find places, dates, forces and proposed events in a report")
    ext.add_argument("file", help="the report as UTF-8 text; - reads standard input")
    ext.add_argument("--published", type=_date, help="publication date, to resolve weekdays and relative dates")
    ext.add_argument("--format", choices=("json", "geojson"), default="json")
    ext.add_argument("--data", type=Path, help="scenario whose places and forces to match (default: the configured one)")

    val = sub.add_parser("validate", help="check a scenario folder; report every problem with file, record and field")
    val.add_argument("folder", nargs="?", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    default_folder = settings().data_dir

    if args.command == "validate":
        folder = args.folder or default_folder
        problems = check_folder(folder)
        if problems:
            print(f"{folder}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        print(f"{folder}: OK")
        return 0

    if args.command == "extract":
        return _extract(args, args.data or default_folder)

    try:
        scenario = load_scenario(args.data or default_folder)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    forces = None
    if args.forces:
        forces = [f.strip() for f in args.forces.split(",") if f.strip()]
        unknown = [f for f in forces if f not in scenario.force_by_id]
        if unknown:
            known = ", ".join(scenario.force_by_id)
            print(f"mapdata snapshot: unknown force id(s) {', '.join(unknown)} (known: {known})", file=sys.stderr)
            return 2
    if args.format == "geojson":
        sys.stdout.write(json.dumps(snapshot_geojson(scenario, args.date, forces=forces), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(snapshot_csv(scenario, args.date, forces=forces))
    return 0


def _extract(args: argparse.Namespace, folder: Path) -> int:
    from mapdata.extract import ExtractError, default_pipeline, read_report

    name = "standard input" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"mapdata extract: cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        text = read_report(data, name=name)
        extraction = default_pipeline(folder).extract(text, published=args.published)
    except ExtractError as exc:
        print(f"mapdata extract: {exc}", file=sys.stderr)
        return 2
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for warning in extraction.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.format == "json":
        payload = extraction.to_json()
    else:
        payload = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": mention.to_json(),
                    "geometry": mapping(mention.geometry) if mention.geometry is not None
                    else {"type": "Point", "coordinates": [round(mention.lon, 6), round(mention.lat, 6)]},
                }
                for mention in extraction.places
            ],
        }
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
