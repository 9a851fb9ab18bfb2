"""Helpers for tests of code that reads or uses scenarios (like ``geopandas.testing``).

Two kinds of helpers:

- scenario *folders*: :func:`copy_scenario` copies a scenario (by default the bundled
  ``geodata/``) into a temporary folder, and the ``*_json_*`` and ``*_csv_*`` helpers
  edit one record of it, so a test can break exactly one thing and check the report;
- in-memory *scenarios*: :func:`make_scenario` and the ``make_*`` record factories
  build a :class:`~mapdata.model.models.Scenario` without any files.

:func:`find_problems` and :func:`assert_problem` pick the problems a test expects out
of a list of :class:`~mapdata.model.errors.Problem`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from mapdata.model.errors import Problem
from mapdata.model.load import DEFAULT_DATA_DIR, PERIOD_COLUMNS, PERIODS_FILE, PLACES_FILE
from mapdata.model.models import (
    ControlPeriod,
    DatePrecision,
    Event,
    Force,
    Place,
    PlaceKind,
    Role,
    Scenario,
    Source,
    Verification,
)

__all__ = [
    "DELETE",
    "append_csv_row",
    "append_json_record",
    "assert_problem",
    "copy_scenario",
    "csv_line_of",
    "edit_csv_row",
    "edit_json_record",
    "find_problems",
    "json_index_of",
    "make_event",
    "make_force",
    "make_period",
    "make_place",
    "make_scenario",
    "make_source",
    "read_csv_rows",
    "read_json",
    "remove_json_record",
    "write_csv_rows",
    "write_json",
]

_DELETE = object()
#: Pass as a value to :func:`edit_json_record` / :func:`edit_csv_row` to remove the field.
DELETE: Any = _DELETE


# -- scenario folders ----------------------------------------------------------------


def copy_scenario(tmp_path: str | Path, source: str | Path | None = None, *, name: str = "scenario") -> Path:
    """Copy the scenario folder ``source`` (default: the bundled one) to ``tmp_path/name``."""
    target = Path(tmp_path) / name
    shutil.copytree(Path(source) if source is not None else DEFAULT_DATA_DIR, target)
    return target


def read_json(folder: str | Path, file: str) -> Any:
    return json.loads((Path(folder) / file).read_text(encoding="utf-8"))


def write_json(folder: str | Path, file: str, data: Any) -> None:
    """Write ``data`` as indented JSON (one key per line, so line numbers are meaningful)."""
    (Path(folder) / file).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _json_records(data: Any, file: str) -> list[dict[str, Any]]:
    return data["features"] if file == PLACES_FILE else data


def _record_id(record: Mapping[str, Any], file: str) -> Any:
    return record.get("properties", {}).get("id") if file == PLACES_FILE else record.get("id")


def json_index_of(folder: str | Path, file: str, record_id: str) -> int:
    """The 1-based position of the record with ``record_id`` in ``file`` (as problems count them)."""
    for index, record in enumerate(_json_records(read_json(folder, file), file), start=1):
        if _record_id(record, file) == record_id:
            return index
    raise KeyError(f"no record with id {record_id!r} in {file}")


def _apply(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if value is _DELETE:
            target.pop(key, None)
        else:
            target[key] = value


def edit_json_record(folder: str | Path, file: str, record_id: str, **changes: Any) -> dict[str, Any]:
    """Change fields of one record of a JSON file and return the edited record.

    In ``places.geojson`` the changes apply to the feature's ``properties``, except
    ``geometry`` (the feature's geometry; a shapely geometry or a GeoJSON mapping).
    A value of :data:`DELETE` removes the field.
    """
    data = read_json(folder, file)
    records = _json_records(data, file)
    for record in records:
        if _record_id(record, file) == record_id:
            break
    else:
        raise KeyError(f"no record with id {record_id!r} in {file}")
    if file == PLACES_FILE:
        changes = dict(changes)
        if "geometry" in changes:
            geometry = changes.pop("geometry")
            if isinstance(geometry, BaseGeometry):
                geometry = geometry.__geo_interface__
            _apply(record, {"geometry": geometry})
        if "id" in changes and changes["id"] is not _DELETE:
            record["id"] = changes["id"]
        _apply(record["properties"], changes)
    else:
        _apply(record, changes)
    write_json(folder, file, data)
    return record


def append_json_record(folder: str | Path, file: str, record: Mapping[str, Any]) -> int:
    """Append ``record`` (a feature for ``places.geojson``) and return its 1-based position."""
    data = read_json(folder, file)
    records = _json_records(data, file)
    records.append(dict(record))
    write_json(folder, file, data)
    return len(records)


def remove_json_record(folder: str | Path, file: str, record_id: str) -> None:
    data = read_json(folder, file)
    records = _json_records(data, file)
    kept = [r for r in records if _record_id(r, file) != record_id]
    if len(kept) == len(records):
        raise KeyError(f"no record with id {record_id!r} in {file}")
    records[:] = kept
    write_json(folder, file, data)


def _csv_rows_with_lines(folder: str | Path, file: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header, and each row with the line it starts on (header is line 1)."""
    text = (Path(folder) / file).read_bytes().decode("utf-8-sig")
    lines = io.StringIO(text, newline="").readlines()  # physical lines, as the csv module counts them
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        start = before + 1
        while start <= len(lines) and not lines[start - 1].strip():  # blank lines before the row
            start += 1
        rows.append((start, row))
    return header, rows


def read_csv_rows(folder: str | Path, file: str = PERIODS_FILE) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file."""
    header, rows = _csv_rows_with_lines(folder, file)
    return header, [row for _, row in rows]


def write_csv_rows(
    folder: str | Path,
    rows: Iterable[Mapping[str, Any]],
    file: str = PERIODS_FILE,
    *,
    columns: Sequence[str] = PERIOD_COLUMNS,
) -> None:
    """Write ``rows`` with the header ``columns`` (one physical line per row when no field has a newline)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    (Path(folder) / file).write_text(buffer.getvalue(), encoding="utf-8")


def csv_line_of(folder: str | Path, row_id: str, file: str = PERIODS_FILE) -> int:
    """The line number (header is line 1) of the row with ``row_id``."""
    for line, row in _csv_rows_with_lines(folder, file)[1]:
        if row.get("id") == row_id:
            return line
    raise KeyError(f"no row with id {row_id!r} in {file}")


def edit_csv_row(folder: str | Path, row_id: str, file: str = PERIODS_FILE, **changes: Any) -> int:
    """Change fields of the row with ``row_id`` and return its line number."""
    columns, numbered = _csv_rows_with_lines(folder, file)
    rows = [row for _, row in numbered]
    for line, row in numbered:
        if row.get("id") == row_id:
            _apply(row, {k: ("" if v is _DELETE else v) for k, v in changes.items()})
            write_csv_rows(folder, rows, file, columns=columns)
            return line
    raise KeyError(f"no row with id {row_id!r} in {file}")


def append_csv_row(folder: str | Path, row: Mapping[str, Any], file: str = PERIODS_FILE) -> int:
    """Append ``row`` and return its line number."""
    columns, rows = read_csv_rows(folder, file)
    rows.append({column: row.get(column, "") for column in columns})
    write_csv_rows(folder, rows, file, columns=columns)
    return _csv_rows_with_lines(folder, file)[1][-1][0]


# -- problems -----------------------------------------------------------------------


def find_problems(
    problems: Iterable[Problem],
    *,
    file: str | None = None,
    record: str | None = None,
    field: str | None = None,
    contains: str | None = None,
) -> list[Problem]:
    """The problems matching every given criterion (``contains`` is a case-insensitive substring of the message)."""
    return [
        p
        for p in problems
        if (file is None or p.file == file)
        and (record is None or p.record == record)
        and (field is None or p.field == field)
        and (contains is None or contains.lower() in p.message.lower())
    ]


def assert_problem(
    problems: Iterable[Problem],
    *,
    file: str | None = None,
    record: str | None = None,
    field: str | None = None,
    contains: str | None = None,
) -> Problem:
    """Assert exactly one problem matches and return it."""
    problems = list(problems)
    found = find_problems(problems, file=file, record=record, field=field, contains=contains)
    listing = "\n".join(f"  {p}" for p in problems) or "  (none)"
    assert len(found) == 1, (
        f"expected one problem with file={file!r} record={record!r} field={field!r} contains={contains!r}, "
        f"found {len(found)} among:\n{listing}"
    )
    return found[0]


# -- in-memory scenarios ------------------------------------------------------------


def _day(value: dt.date | str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def make_force(ident: str, *, name: str | None = None, colour: str = "#0072B2", aliases: Sequence[str] = ()) -> Force:
    return Force(
        id=ident,
        name=name if name is not None else ident.replace("_", " ").title(),
        colour=colour,
        aliases=tuple(aliases),
    )


def make_place(
    ident: str,
    *,
    name_en: str | None = None,
    kind: PlaceKind = PlaceKind.TOWN,
    geometry: BaseGeometry | None = None,
    **extra: Any,
) -> Place:
    return Place(
        id=ident,
        name_en=name_en if name_en is not None else ident.replace("_", " ").title(),
        kind=kind,
        geometry=geometry if geometry is not None else Point(36.6, 34.5),
        geometry_source="test",
        **extra,
    )


def make_source(
    ident: str = "src", *, text: str = "Some report text.", publisher: str = "Test Publisher", **extra: Any
) -> Source:
    return Source(
        id=ident, publisher=publisher, title=f"Title of {ident}", text=text, text_file=f"sources/{ident}.txt", **extra
    )


def make_event(
    ident: str,
    day: dt.date | str,
    place_ids: Sequence[str],
    force_ids: Sequence[str] = (),
    *,
    source: Source | None = None,
    quote: str | None = None,
    **extra: Any,
) -> Event:
    """An event quoting ``quote`` (default: the whole text) from ``source`` (offsets computed)."""
    source = source or make_source()
    quote = source.text if quote is None else quote
    start = source.text.index(quote)
    fields: dict[str, Any] = dict(
        date_precision=DatePrecision.DAY,
        kind="statement",
        summary=f"Summary of {ident}",
        verification=Verification.REPORTED,
    )
    fields.update(extra)
    return Event(
        id=ident,
        date=dt.date.fromisoformat(day) if isinstance(day, str) else day,
        place_ids=tuple(place_ids),
        force_ids=tuple(force_ids),
        source_id=source.id,
        quote=quote,
        quote_start=start,
        quote_end=start + len(quote),
        **fields,
    )


def make_period(
    ident: str,
    place_id: str,
    force_id: str,
    role: Role | str = Role.CONTROL,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    *,
    event_ids: Sequence[str] = (),
    source_ids: Sequence[str] = ("src",),
    note: str = "",
) -> ControlPeriod:
    return ControlPeriod(
        id=ident,
        place_id=place_id,
        force_id=force_id,
        role=Role(role),
        start=_day(start),
        end=_day(end),
        event_ids=tuple(event_ids),
        source_ids=tuple(source_ids),
        note=note,
    )


def make_scenario(
    periods: Iterable[ControlPeriod] = (),
    *,
    forces: Iterable[Force | str] | None = None,
    places: Iterable[Place | str] | None = None,
    sources: Iterable[Source] | None = None,
    events: Iterable[Event] = (),
    title: str = "Test scenario",
    **extra: Any,
) -> Scenario:
    """A scenario holding ``periods``; forces and places they (and the events) name are made up when not given.

    Strings in ``forces`` / ``places`` are turned into records with :func:`make_force` /
    :func:`make_place`. The default source is ``make_source()`` (id ``src``).
    """
    periods, events = tuple(periods), tuple(events)
    if forces is None:
        names = [p.force_id for p in periods] + [f for e in events for f in e.force_ids]
        forces = list(dict.fromkeys(names))
    if places is None:
        names = [p.place_id for p in periods] + [pl for e in events for pl in e.place_ids]
        places = list(dict.fromkeys(names))
    return Scenario(
        title=title,
        forces=tuple(make_force(f) if isinstance(f, str) else f for f in forces),
        places=tuple(make_place(p) if isinstance(p, str) else p for p in places),
        sources=tuple(sources) if sources is not None else (make_source(),),
        events=events,
        periods=periods,
        **extra,
    )


def published_client_files(scenario: Scenario, folder: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The browser-side map's scenario file and evidence files for ``scenario``, published under ``folder/static`` as
    the app publishes them (:class:`mapdata.map.mapview.MapBuilder` with a cache folder), read back from disk."""
    from mapdata.map.clientmap import cache_space, read_published
    from mapdata.map.mapview import MapBuilder

    static = Path(folder) / "static"
    builder = MapBuilder(
        scenario, client=True, assets_url="", cache=cache_space("store", "1", static_dir=static, secret=b"test")
    )
    builder.prepare()
    if builder.evidence_writer is not None:
        builder.evidence_writer.join(60)
    bundle = read_published(static / builder._client_urls["scenario"])
    chunks = [read_published(static / url) for url in bundle["evidence"]["urls"]]
    return bundle, chunks


MAP_JS_PREAMBLE = """
global.window = global;
require(process.argv[1]);
const card = window.mapdata.card;
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
"""


def run_map_js(body: str, payload: Any) -> Any:
    """Run ``body`` in node after loading the app's ``static/mapdata/mapdata.js`` (its pure functions are
    ``card``; ``payload`` is ``input``); the script writes its JSON result to stdout, which is returned."""
    import subprocess

    from mapdata.resources import APP_DIR

    node = shutil.which("node")
    assert node, "node (v20) runs the browser's map code in these tests"
    done = subprocess.run(
        [node, "-e", MAP_JS_PREAMBLE + body, str(APP_DIR / "static" / "mapdata" / "mapdata.js")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
