"""The ``mapdata`` command: snapshots, validation, import/export and the team store.

    mapdata snapshot --date 2018-06-10 [--format geojson|csv] [--forces russia,iran] [--data DIR | --store URL]
    mapdata validate [DIR]
    mapdata diff --from D1 --to D2 [--format csv|geojson]
    mapdata brief --date D [--since D0] [--forces a,b] [--bbox W,S,E,N] [--areas|--no-areas] --out FILE.pdf|FILE.png
    mapdata extract FILE|- [--published YYYY-MM-DD] [--format json|geojson] [--data DIR]
    mapdata import FILE [--store URL] [--user NAME]
    mapdata export --format geojson|csv|kml|gpkg --out FILE [--date D] [--forces a,b] [--store URL]
    mapdata store init|migrate|info [--store URL]
    mapdata synth --places N --periods M [--seed S] --out FILE.gpkg [--force]
    mapdata --version

``--data`` (or ``MAPDATA_DATA``) picks the scenario folder; the default is the bundled one.
``--store`` (or ``MAPDATA_STORE``) picks the store: a ``.gpkg`` file or a ``postgresql://`` URL;
import, export and store default to the embedded ``data/mapdata.gpkg`` (created from the
scenario folder on first use). ``snapshot`` reads the store only when one is named.
Exit status: 0 on success, 1 when ``validate`` finds problems, 2 on bad arguments or unusable data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shapely.geometry import mapping

from mapdata import __version__
from mapdata.config import settings
from mapdata.exchange.snapshot import changes_csv, changes_geojson, snapshot_csv, snapshot_geojson
from mapdata.map.areas import AREAS_DEFAULT_ABOVE
from mapdata.model.errors import MapdataError, ScenarioError
from mapdata.model.load import check_folder, load_scenario
from mapdata.model.models import Scenario

if TYPE_CHECKING:
    from mapdata.store import Store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _bbox(text: str) -> tuple[float, float, float, float]:
    from mapdata.exchange.brief import BriefError, check_bbox  # matplotlib: only for `mapdata brief`

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not four numbers: min lon,min lat,max lon,max lat") from None
    try:
        return check_bbox(values)
    except BriefError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {str(exc).removeprefix('bbox: ')}") from None


STORE_HELP = "store: a .gpkg file or postgresql://user@host/db (default: MAPDATA_STORE, else data/mapdata.gpkg)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mapdata", description="Who controls what, where and since when.")
    parser.add_argument("--version", action="version", version=f"mapdata {__version__}")
    parser.add_argument("--store", default=None, help=STORE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    def store_option(command: argparse.ArgumentParser) -> None:
        command.add_argument("--store", default=argparse.SUPPRESS, help=STORE_HELP)

    snap = sub.add_parser("snapshot", help="the state of every place on one date")
    snap.add_argument("--date", type=_date, required=True, help="day to describe (YYYY-MM-DD)")
    snap.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    snap.add_argument("--forces", help="only places where these forces are (comma-separated ids)")
    snap.add_argument("--data", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)")
    store_option(snap)

    dif = sub.add_parser("diff", help="what changed between two dates: place, from, to, the day, the reports")
    dif.add_argument("--from", dest="since", type=_date, required=True, help="the earlier day (YYYY-MM-DD)")
    dif.add_argument("--to", dest="until", type=_date, required=True, help="the later day (YYYY-MM-DD)")
    dif.add_argument("--format", choices=("csv", "geojson"), default="csv")
    dif.add_argument("--data", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)")
    store_option(dif)

    bri = sub.add_parser("brief", help="the briefing of a date: a PDF (A4 landscape) or a PNG (16:9 slide)")
    bri.add_argument("--date", type=_date, required=True, help="the day shown (YYYY-MM-DD)")
    bri.add_argument("--since", type=_date, help="compare mode: mark what changed since this earlier day")
    bri.add_argument("--forces", help="only these forces' layers (comma-separated ids; default: all)")
    bri.add_argument("--bbox", type=_bbox, help="the area: min lon,min lat,max lon,max lat (default: the places shown)")
    bri.add_argument(
        "--areas",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"shade control areas instead of drawing markers (default: above {AREAS_DEFAULT_ABOVE:,} places)",
    )
    bri.add_argument("--title", default="", help="title (default: the scenario's)")
    bri.add_argument("--names", choices=("en", "ar"), default="en", help="place names on the map in English or Arabic")
    bri.add_argument("--out", type=Path, required=True, help="the file to write: .pdf or .png")
    bri.add_argument("--data", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)")
    store_option(bri)

    imp = sub.add_parser("import", help="add the places, periods and events of a GeoJSON, CSV or GeoPackage file")
    imp.add_argument("file", type=Path, help="the file (format: docs/import-format.md)")
    imp.add_argument("--user", help="editor name recorded in the audit (default: MAPDATA_USER or the login name)")
    store_option(imp)

    exp = sub.add_parser("export", help="write the store's data as GeoJSON, CSV, KML or GeoPackage")
    exp.add_argument("--format", choices=("geojson", "csv", "kml", "gpkg"), required=True)
    exp.add_argument("--out", type=Path, required=True, help="file to write")
    exp.add_argument("--date", type=_date, help="only what holds on this day (YYYY-MM-DD)")
    exp.add_argument("--forces", help="only places where these forces are (comma-separated ids)")
    store_option(exp)

    sto = sub.add_parser("store", help="create, upgrade or describe a store")
    sto.add_argument("action", choices=("init", "migrate", "info", "dump"))
    sto.add_argument(
        "--seed",
        type=Path,
        help="init: scenario folder to fill a new store from (default: MAPDATA_DATA or the bundled geodata/)",
    )
    sto.add_argument("--empty", action="store_true", help="init: create the store without data")
    sto.add_argument(
        "--out",
        type=Path,
        help="dump: the scenario folder to write (the open file format, "
        "docs/data-format.md; init --seed reads it back); an existing "
        "folder is replaced all or nothing, keeping files the format does not cover",
    )
    store_option(sto)

    ext = sub.add_parser("extract", help="find places, dates, forces and proposed events in a report")
    ext.add_argument("file", help="the report as UTF-8 text; - reads standard input")
    ext.add_argument("--published", type=_date, help="publication date, to resolve weekdays and relative dates")
    ext.add_argument("--format", choices=("json", "geojson"), default="json")
    ext.add_argument(
        "--data", type=Path, help="scenario whose places and forces to match (default: the configured one)"
    )

    syn = sub.add_parser("synth", help="write a synthetic scenario (for scale tests) to a new GeoPackage store")
    syn.add_argument("--places", type=int, default=10_000, help="number of places (default 10000)")
    syn.add_argument("--periods", type=int, default=100_000, help="number of control periods (default 100000)")
    syn.add_argument(
        "--seed", type=int, default=0, help="random seed; the same seed gives the same scenario (default 0)"
    )
    syn.add_argument("--out", type=Path, required=True, help="the GeoPackage store to create (a .gpkg file)")
    syn.add_argument("--force", action="store_true", help="replace --out if it exists")

    srv = sub.add_parser(
        "serve", help="start the dashboard (streamlit run dashboard.py), loading the data while it starts"
    )
    srv.add_argument(
        "streamlit_args",
        nargs=argparse.REMAINDER,
        help="options for streamlit run, e.g. --server.port 8502 --server.address 0.0.0.0",
    )
    store_option(srv)
    val = sub.add_parser("validate", help="check a scenario folder; report every problem with file, record and field")
    val.add_argument(
        "folder", nargs="?", type=Path, help="scenario folder (default: MAPDATA_DATA or the bundled geodata/)"
    )
    return parser


def _read_scenario(args: argparse.Namespace, default_folder: Path) -> Scenario | None:
    """The scenario of ``--data`` (a folder), else of the store; None (the problem printed) when it cannot be read."""
    named_store = args.store or settings().store
    try:
        if named_store and not args.data:
            from mapdata.store import StoreError

            try:
                with _open_store(named_store, write=False) as store:
                    return store.scenario()
            except StoreError as exc:
                print(f"mapdata {args.command}: {exc}", file=sys.stderr)
                return None
        return load_scenario(args.data or default_folder)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _diff(args: argparse.Namespace, scenario: Scenario) -> int:
    """``mapdata diff``: the places that changed between --from and --to, as CSV or GeoJSON on standard output."""
    if args.since >= args.until:
        print(
            f"mapdata diff: --from {args.since.isoformat()} must be before --to {args.until.isoformat()}",
            file=sys.stderr,
        )
        return 2
    if args.format == "geojson":
        collection = changes_geojson(scenario, since=args.since, until=args.until)
        sys.stdout.write(json.dumps(collection, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(changes_csv(scenario, since=args.since, until=args.until))
    return 0


def _brief_out(out: Path) -> str:
    """Why ``out`` cannot take a briefing ("" when it can)."""
    if out.suffix.lower() not in (".pdf", ".png"):
        return "a briefing is written as .pdf or .png"
    if not out.parent.is_dir():
        return f"the folder {out.parent} does not exist"
    if out.is_dir():
        return "is a folder"
    return ""


def _brief(args: argparse.Namespace, scenario: Scenario) -> int:
    """``mapdata brief``: the briefing as a PDF or PNG file (written whole, or not at all)."""
    from mapdata.exchange.brief import BriefError, BriefRequest, brief_bytes

    first, last = scenario.date_range
    for option, day in (("--date", args.date), ("--since", args.since)):
        if day is not None and not first <= day <= last:
            print(
                f"mapdata brief: {option} {day.isoformat()} is outside the scenario "
                f"({first.isoformat()} to {last.isoformat()})",
                file=sys.stderr,
            )
            return 2
    forces = _forces(args.forces, scenario, "brief")
    if forces == []:
        return 2
    request = BriefRequest(
        day=args.date,
        since=args.since,
        forces=tuple(forces) if forces is not None else None,
        bbox=args.bbox,
        areas=args.areas,
        title=args.title,
        names=args.names,
    )
    try:
        data = brief_bytes(scenario, request, fmt="pdf" if args.out.suffix.lower() == ".pdf" else "png")
    except BriefError as exc:
        print(f"mapdata brief: --{exc}", file=sys.stderr)  # "--since: ... must be before ..."
        return 2
    partial = args.out.with_name(f".{args.out.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(args.out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        print(f"mapdata brief: --out {args.out}: {exc.strerror or exc}; nothing was written", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(data):,} bytes")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "serve":  # everything mapdata does not know is for streamlit run
        args.streamlit_args = [*unknown, *args.streamlit_args]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
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

    if args.command == "serve":
        if args.store:
            os.environ["MAPDATA_STORE"] = args.store  # read by the app's settings, in this process
        from mapdata.ui.serve import main as serve  # the only command that needs streamlit

        return serve(args.streamlit_args)

    if args.command == "extract":
        return _extract(args, args.data or default_folder)

    if args.command == "synth":
        return _synth(args)

    if args.command in ("import", "export", "store"):
        try:
            return {"import": _import, "export": _export, "store": _store}[args.command](args)
        except MapdataError as exc:
            print(f"mapdata {args.command}: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # e.g. an export into a folder this user may not write
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"mapdata {args.command}: {where}{exc.strerror or exc}; nothing was written", file=sys.stderr)
            return 2

    if args.command == "brief":
        refusal = _brief_out(args.out)
        if refusal:
            print(f"mapdata brief: --out {args.out}: {refusal}", file=sys.stderr)
            return 2
    scenario = _read_scenario(args, default_folder)
    if scenario is None:
        return 2
    if args.command == "diff":
        return _diff(args, scenario)
    if args.command == "brief":
        return _brief(args, scenario)
    forces = _forces(args.forces, scenario, "snapshot")
    if forces == []:
        return 2
    if args.format == "geojson":
        sys.stdout.write(
            json.dumps(snapshot_geojson(scenario, args.date, forces=forces), ensure_ascii=False, indent=1) + "\n"
        )
    else:
        sys.stdout.write(snapshot_csv(scenario, args.date, forces=forces))
    return 0


def _forces(option: str | None, scenario: Scenario, command: str) -> list[str] | None:
    """The ids of ``--forces``; [] (after a message) when one is unknown."""
    if not option:
        return None
    forces = [f.strip() for f in option.split(",") if f.strip()]
    unknown = [f for f in forces if f not in scenario.force_by_id]
    if unknown:
        known = ", ".join(scenario.force_by_id)
        print(f"mapdata {command}: unknown force id(s) {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return []
    return forces


def _store_url(args: argparse.Namespace) -> str | None:
    """--store, else MAPDATA_STORE; None means the embedded default."""
    return args.store or settings().store


def _open_store(url: str | None, *, write: bool, upgrade: bool = True) -> Store:
    """The named store (read-only unless ``write``), or the embedded default, created and seeded on first use."""
    from mapdata.store import DEFAULT_STORE_PATH, open_store

    if url is None:
        return open_store(DEFAULT_STORE_PATH, seed_from=settings().data_dir, upgrade=upgrade)
    return open_store(url, read_only=not write, upgrade=upgrade)


def _user(args: argparse.Namespace) -> str:
    if args.user:
        return str(args.user)
    import getpass

    try:
        return settings().user or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _import(args: argparse.Namespace) -> int:
    from mapdata.exchange import import_file

    with _open_store(_store_url(args), write=True) as store:
        additions = import_file(store, args.file, user=_user(args))
        for warning in additions.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{args.file}: added {additions.summary()} to {store.describe()} (revision {store.revision()})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from mapdata.exchange import export

    with _open_store(_store_url(args), write=False) as store:
        scenario = store.scenario()
    forces = _forces(args.forces, scenario, "export")
    if forces == []:
        return 2
    count = export(scenario, fmt=args.format, out=args.out, day=args.date, forces=forces)
    print(f"{args.out}: {count} {'placemarks' if args.format == 'kml' else 'rows'}")
    return 0


def _store(args: argparse.Namespace) -> int:
    from mapdata.store import open_store

    url = _store_url(args)
    if args.action == "init":
        seed = None if args.empty else (args.seed or settings().data_dir)
        from mapdata.store import DEFAULT_STORE_PATH

        with open_store(url or DEFAULT_STORE_PATH, seed_from=seed) as store:
            info = store.info()
        print(
            f"{info['store']}: schema version {info['schema_version']}, "
            + ", ".join(f"{n} {t}" for t, n in info["records"].items())
        )
        return 0
    if args.action == "dump":
        if args.out is None:
            print("mapdata store dump: --out FOLDER is needed", file=sys.stderr)
            return 2
        from mapdata.exchange.folder import save_scenario
        from mapdata.model.records import records_summary

        with _open_store(url, write=False) as store:
            scenario = store.scenario()
        save_scenario(scenario, args.out)
        print(f"{args.out}: {records_summary(scenario)}")
        return 0
    if args.action == "migrate":
        with _open_store(url, write=True, upgrade=False) as store:
            before, after = store.migrate()
            where = store.describe()
        print(
            f"{where}: migrated from schema version {before} to {after}"
            if before != after
            else f"{where}: already at schema version {after}"
        )
        return 0
    with _open_store(url, write=False, upgrade=False) as store:
        info = store.info()
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        print(f"{key}: {value}")
    if info["schema_version"] < info["app_schema_version"]:
        print("run `mapdata store migrate` to upgrade it", file=sys.stderr)
    return 0


def _synth(args: argparse.Namespace) -> int:
    import time

    from mapdata.synth import SYNTH_USER, synth_scenario, write_store

    out: Path = args.out
    if out.suffix.lower() != ".gpkg":
        print(
            f"mapdata synth: {out} must end in .gpkg (MAPDATA_STORE recognises a GeoPackage by that)", file=sys.stderr
        )
        return 2
    if out.exists() and not args.force:
        print(f"mapdata synth: {out} exists; pass --force to replace it", file=sys.stderr)
        return 2
    try:
        began = time.perf_counter()
        scenario = synth_scenario(args.places, args.periods, args.seed)
        generated = time.perf_counter()
        revision = write_store(scenario, out, force=args.force, user=SYNTH_USER)
        written = time.perf_counter()
    except (MapdataError, FileExistsError) as exc:
        print(f"mapdata synth: {exc}", file=sys.stderr)
        return 2
    print(
        f"{out}: {len(scenario.places):,} places, {len(scenario.periods):,} control periods, "
        f"{len(scenario.events):,} events, {len(scenario.sources):,} sources, {len(scenario.forces)} forces "
        f"(seed {args.seed}; revision {revision}); generated in {generated - began:.1f} s, "
        f"written in {written - generated:.1f} s"
    )
    print(f"open it with: MAPDATA_STORE={out} ./dev.sh dashboard")
    return 0


def _extract(args: argparse.Namespace, folder: Path) -> int:
    from mapdata.text.extract import default_pipeline, read_report

    name = "standard input" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"mapdata extract: cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        text = read_report(data, name=name)
        extraction = default_pipeline(folder).extract(text, published=args.published)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except MapdataError as exc:  # the report (ExtractError), a lexicon file (LexiconError), ...
        print(f"mapdata extract: {exc}", file=sys.stderr)
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
                    "geometry": mapping(mention.geometry)
                    if mention.geometry is not None
                    else {"type": "Point", "coordinates": [round(mention.lon, 6), round(mention.lat, 6)]},
                }
                for mention in extraction.places
            ],
        }
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
