"""Records <-> table rows and JSON (for the audit), and per-record checks.

One place lists, for every record kind, its table and its fields with a neutral
column type; the backends map those types to SQL (``mapdata.store.schema``).
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import math
import re
import unicodedata
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeAlias

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from mapdata.model.errors import Problem
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

Kind: TypeAlias = Literal["force", "place", "source", "event", "period"]
Record: TypeAlias = Force | Place | Source | Event | ControlPeriod

KINDS: tuple[Kind, ...] = ("force", "place", "source", "event", "period")
TABLES: dict[str, str] = {
    "force": "forces",
    "place": "places",
    "source": "sources",
    "event": "events",
    "period": "control_periods",
}
MODELS: dict[str, type] = {"force": Force, "place": Place, "source": Source, "event": Event, "period": ControlPeriod}
KIND_OF_MODEL: dict[type, Kind] = {MODELS[kind]: kind for kind in KINDS}
GEOMETRY_COLUMN = "geom"

ColumnType = Literal["text", "list", "date", "int", "real", "geometry"]

# -- limits on every value from outside (import files, scenario folders, edits) ------------
# The one place they are set: record_problems() applies them to every record a store writes
# or reads and a scenario folder loads; the import reads files against the file limits.
# docs/import-format.md ("Limits") states them.

#: Dates (event dates, period start / end, publication dates) lie in this range.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
#: Characters in one text field, unless the field says otherwise (names, ids, titles, URLs, ...).
MAX_TEXT_CHARS = 2_000
#: Characters in a record id.
MAX_ID_CHARS = 200
#: Characters in a note, a summary or a quote.
MAX_NOTE_CHARS = 20_000
#: Characters in a source's full text.
MAX_SOURCE_TEXT_CHARS = 5_000_000
#: Values in one list field (aliases, an event's places and forces, a period's evidence).
MAX_LIST_ITEMS = 1_000
#: A place's position uncertainty, in metres (1,000 km).
MAX_UNCERTAINTY_M = 1_000_000.0
#: Import files: size of a GeoJSON or CSV file, of a GeoPackage, and rows (features) in one file.
MAX_TEXT_BYTES = 32 * 1024 * 1024
MAX_GPKG_BYTES = 256 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
#: Characters no text may hold: NUL (PostgreSQL cannot store it) and the other C0 control characters
#: that are no kind of line or page break (all but tab, LF, VT, FF, CR), and lone surrogates (not
#: encodable as UTF-8). KML export drops VT and FF, which XML cannot hold.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff]")


@dataclass(frozen=True)
class Field:
    name: str  # the model's field name
    type: ColumnType
    enum: builtins.type[StrEnum] | None = None
    max_chars: int = MAX_TEXT_CHARS  # text fields
    high: float = math.inf  # numbers: the range is 0..high

    @property
    def column(self) -> str:
        return GEOMETRY_COLUMN if self.type == "geometry" else self.name


FIELDS: dict[str, tuple[Field, ...]] = {
    "force": (Field("name", "text"), Field("colour", "text"), Field("aliases", "list")),
    "place": (
        Field("name_en", "text"),
        Field("name_ar", "text"),
        Field("aliases", "list"),
        Field("kind", "text", PlaceKind),
        Field("uncertainty_m", "real", high=MAX_UNCERTAINTY_M),
        Field("location_note", "text", max_chars=MAX_NOTE_CHARS),
        Field("geometry_source", "text"),
        Field("geometry", "geometry"),
    ),
    "source": (
        Field("publisher", "text"),
        Field("title", "text"),
        Field("text", "text", max_chars=MAX_SOURCE_TEXT_CHARS),
        Field("text_file", "text"),
        Field("published", "date"),
        Field("published_inferred", "date"),
        Field("published_basis", "text", max_chars=MAX_NOTE_CHARS),
        Field("url", "text"),
        Field("language", "text"),
        Field("licence", "text"),
    ),
    "event": (
        Field("date", "date"),
        Field("date_precision", "text", DatePrecision),
        Field("date_as_written", "text"),
        Field("date_note", "text", max_chars=MAX_NOTE_CHARS),
        Field("place_ids", "list"),
        Field("force_ids", "list"),
        Field("kind", "text"),
        Field("summary", "text", max_chars=MAX_NOTE_CHARS),
        Field("source_id", "text"),
        Field("quote", "text", max_chars=MAX_NOTE_CHARS),
        Field("quote_start", "int", high=MAX_SOURCE_TEXT_CHARS),
        Field("quote_end", "int", high=MAX_SOURCE_TEXT_CHARS),
        Field("verification", "text", Verification),
        Field("claimed_by", "text"),
        Field("verification_note", "text", max_chars=MAX_NOTE_CHARS),
    ),
    "period": (
        Field("place_id", "text"),
        Field("force_id", "text"),
        Field("role", "text", Role),
        Field("start", "date"),
        Field("end", "date"),
        Field("event_ids", "list"),
        Field("source_ids", "list"),
        Field("note", "text", max_chars=MAX_NOTE_CHARS),
    ),
}

_FIELD_BY_NAME = {(kind, f.name): f for kind, fields in FIELDS.items() for f in fields}
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
GEOMETRY_TYPES = {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def slug(text: str, *, limit: int | None = 40) -> str:
    """An id fragment from any text: ASCII lower-case letters, digits and underscores (:data:`ID_PATTERN`),
    at most ``limit`` characters (None: no limit)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return value[:limit].strip("_") or "x"


class IdMaker:
    """New ids no record has: ``base``, else ``base_2``, ``base_3``… (``taken`` says which are used). It
    remembers each base's next suffix, so thousands of new ids from one base (an import) stay linear."""

    def __init__(self, taken: Callable[[str], bool]) -> None:
        self._taken = taken
        self._next: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        if not self._taken(base):
            return base
        n = self._next.get(base, 2)  # the suffixes below were taken when last asked
        while self._taken(f"{base}_{n}"):
            n += 1
        self._next[base] = n + 1
        return f"{base}_{n}"


def unique_id(base: str, taken: Collection[str]) -> str:
    """``base``, or ``base_2``, ``base_3``…: the first not in ``taken``."""
    return IdMaker(taken.__contains__)(base)


def field_of(kind: str, name: str) -> Field | None:
    """The field ``name`` of records of ``kind`` (None for ``id`` and names that are no field)."""
    return _FIELD_BY_NAME.get((kind, name))


#: The Scenario field that holds each kind of record.
SCENARIO_FIELD = {"force": "forces", "place": "places", "source": "sources", "event": "events", "period": "periods"}


def records_of(scenario: Scenario, kind: str) -> tuple[Record, ...]:
    """The scenario's records of one kind (``force``, ``place``, ``source``, ``event``, ``period``)."""
    records: tuple[Record, ...] = getattr(scenario, SCENARIO_FIELD[kind])
    return records


def records_summary(records: Any) -> str:
    """'2 places, 1 source, 2 events' for anything holding forces, places, sources, events and periods (a
    scenario, an import's additions); kinds it has none of are left out."""
    parts = []
    for kind, name in (
        ("force", "force"),
        ("place", "place"),
        ("source", "source"),
        ("event", "event"),
        ("period", "control period"),
    ):
        count = len(getattr(records, SCENARIO_FIELD[kind]))
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return ", ".join(parts) or "nothing"


def kind_of(record: Any) -> Kind:
    try:
        return KIND_OF_MODEL[type(record)]
    except KeyError:
        raise TypeError(f"not a scenario record: {type(record).__name__}") from None


_KIND_BY_NAME: dict[str, Kind] = {kind: kind for kind in KINDS}


def check_kind(kind: str) -> Kind:
    known = _KIND_BY_NAME.get(kind)
    if known is None:
        raise ValueError(f"unknown record kind {kind!r} (one of: {', '.join(KINDS)})")
    return known


def values(record: Record) -> dict[str, Any]:
    """The record's fields (without ``id``) as plain values: enums as text, tuples as lists."""
    out: dict[str, Any] = {}
    for f in FIELDS[kind_of(record)]:
        value = getattr(record, f.name)
        if isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def from_values(kind: str, ident: str, data: Mapping[str, Any]) -> Record:
    """Build a record from plain values (as :func:`values` returns them); raises ValueError on bad values."""
    kwargs: dict[str, Any] = {"id": ident}
    for f in FIELDS[kind]:
        value = data.get(f.name)
        if f.type == "list":
            value = tuple(value or ())
        elif f.type == "text":
            value = "" if value is None else value
            if f.enum is not None:
                try:
                    value = f.enum(value)
                except ValueError:
                    allowed = ", ".join(m.value for m in f.enum)
                    raise ValueError(f"field '{f.name}': {value!r} is not one of: {allowed}") from None
        elif f.type == "int":
            value = int(value) if value is not None else -1
        elif f.type == "real":
            value = None if value is None else float(value)
        kwargs[f.name] = value
    return MODELS[kind](**kwargs)


SHARED_TEXT = 64  # texts up to this long are shared between the records read (record_reader)


def record_reader(kind: str, decode: Callable[[str, Any], Any]) -> Callable[[str, Sequence[Any]], Record]:
    """A fast ``row -> record`` builder for one kind: ``decode(type, column value)`` then :func:`from_values`.

    The converters are chosen once per field instead of per value; lists and dates, which
    repeat across rows, are decoded once per distinct stored value (the memo lives as long
    as the returned function: one read). Raises on a value :func:`from_values` refuses; the
    caller asks :func:`from_values` again for the exact message.
    """
    memo: dict[tuple[str, Any], Any] = {}

    def remembered(type_: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def run(value: Any) -> Any:
            if value is None:
                return convert(None)
            try:
                key = (type_, value)
                hit = memo.get(key, memo)
            except TypeError:  # unhashable (e.g. a list from PostgreSQL)
                return convert(value)
            if hit is memo:
                hit = memo[key] = convert(value)
            return hit

        return run

    def converter(f: Field) -> Callable[[Any], Any]:
        """Lists, dates, enums and geometries (text, int and real columns decode to themselves: inlined below)."""
        if f.type == "list":
            return remembered("list", lambda v: tuple(decode("list", v) or ()))
        if f.type == "date":
            return remembered("date", lambda v: None if v is None else decode("date", v))
        if f.enum is not None:
            members = {m.value: m for m in f.enum}
            return lambda v: members[v if v is not None else ""]
        return lambda v: None if v is None else decode(f.type, v)

    shared: dict[str, str] = {}

    def share(text: str) -> str:
        """One string object for each short text that repeats (a force, a source, a kind): read 100,000 times,
        it is held once. Long texts (quotes, summaries) are each their own."""
        return text if len(text) > SHARED_TEXT else shared.setdefault(text, text)

    # One generated function per kind, as dataclasses generate their __init__: trivial columns inline.
    inline = {
        "text": "('' if c[{i}] is None else share(c[{i}]))",
        "int": "(-1 if c[{i}] is None else int(c[{i}]))",
        "real": "(None if c[{i}] is None else float(c[{i}]))",
    }
    model = MODELS[kind]
    assert not hasattr(model, "__post_init__"), kind
    assert {f.name for f in dataclasses.fields(model)} == {"id"} | {f.name for f in FIELDS[kind]}, kind
    namespace: dict[str, Any] = {"model": model, "new": object.__new__, "share": share}
    values_ = []
    for i, f in enumerate(FIELDS[kind]):
        if f.type in inline and f.enum is None:
            values_.append((f.name, inline[f.type].format(i=i)))
        else:
            namespace[f"convert_{i}"] = converter(f)
            values_.append((f.name, f"convert_{i}(c[{i}])"))
    # The models are frozen dataclasses without __post_init__: their __init__ only sets each field through
    # object.__setattr__. Setting the fields directly is the same object, made several times faster: through
    # the slots' descriptors for a model with __slots__ (no __dict__ per record), else by filling __dict__.
    if hasattr(model, "__slots__"):
        lines = ["    set_id(record, ident)"]
        namespace["set_id"] = model.__dict__["id"].__set__
        for n, (name, expression) in enumerate(values_):
            namespace[f"set_{n}"] = model.__dict__[name].__set__
            lines.append(f"    set_{n}(record, {expression})")
        body = "\n".join(lines)
    else:
        body = f"    record.__dict__.update(id=ident, {', '.join(f'{name}={e}' for name, e in values_)})"
    source = f"def read(ident, c):\n    record = new(model)\n{body}\n    return record\n"
    exec(compile(source, f"<mapdata record reader: {kind}>", "exec"), namespace)  # our own field list
    return namespace["read"]


def _jsonable_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    def lists(value: Any) -> Any:
        return [lists(v) for v in value] if isinstance(value, (list, tuple)) else value

    data = mapping(geometry)
    return {"type": data["type"], "coordinates": lists(data["coordinates"])}


def to_json(record: Record) -> dict[str, Any]:
    """The record as JSON (dates ISO, geometry GeoJSON at full precision), for the audit."""
    out: dict[str, Any] = {"id": record.id}
    plain = values(record)
    for f in FIELDS[kind_of(record)]:
        value = plain[f.name]
        if f.type == "date":
            value = value.isoformat() if value else None
        elif f.type == "geometry":
            value = _jsonable_geometry(value)
        out[f.name] = value
    return out


def from_json(kind: str, data: Mapping[str, Any]) -> Record:
    plain: dict[str, Any] = {}
    for f in FIELDS[kind]:
        value = data.get(f.name)
        if f.type == "date" and value:
            value = dt.date.fromisoformat(value)
        elif f.type == "geometry" and value is not None:
            value = shape(value)
        plain[f.name] = value
    return from_values(kind, data["id"], plain)


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Names of the fields that differ between two JSON states (all fields when one is missing)."""
    if before is None or after is None:
        return sorted(set((before or {}).keys()) | set((after or {}).keys()))
    return [key for key in after if before.get(key) != after.get(key)] + [key for key in before if key not in after]


def replace(record: Record, **changes: Any) -> Record:
    return dataclasses.replace(record, **changes)


# -- per-record checks (the cross-record rules are mapdata.model.validate.check_consistency) -----


def geometry_problem(value: Any) -> str | None:
    if not isinstance(value, BaseGeometry):
        return "is missing" if value is None else f"must be a geometry, not {type(value).__name__}"
    if value.geom_type not in GEOMETRY_TYPES:
        return f"type {value.geom_type!r} is not one of {', '.join(sorted(GEOMETRY_TYPES))}"
    if value.is_empty:
        return f"{value.geom_type} is empty"
    if shapely.get_coordinate_dimension(value) != 2:
        return "must be two-dimensional (longitude, latitude)"
    minx, miny, maxx, maxy = value.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates are outside longitude -180..180 / latitude -90..90 (order is [lon, lat])"
    if not value.is_valid:
        return f"invalid {value.geom_type}: {shapely.is_valid_reason(value)}"
    return None


_REQUIRED: dict[str, frozenset[str]] = {
    "force": frozenset({"name", "colour"}),
    "place": frozenset({"name_en", "geometry_source"}),
    "source": frozenset({"publisher", "title", "text_file"}),
    "event": frozenset({"kind", "summary", "source_id", "quote"}),
    "period": frozenset({"place_id", "force_id"}),
}


def _shown(value: Any) -> str:
    """A value in a message: its repr, cut short (a message never repeats a 10 MB value)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def id_problem(value: Any) -> str | None:
    """What is wrong with an id (lower-case letters, digits and _, at most MAX_ID_CHARS), or None."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        return f"{_shown(value)} is not a valid id (lower-case letters, digits and _)"
    if len(value) > MAX_ID_CHARS:
        return f"is {len(value):,} characters long; the limit is {MAX_ID_CHARS}"
    return None


def colour_problem(value: Any) -> str | None:
    """What is wrong with a colour (#RRGGBB), or None."""
    if not isinstance(value, str) or not COLOUR_PATTERN.match(value):
        return f"{_shown(value)} is not a colour like #0072B2"
    return None


def text_problem(value: str, *, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """What is wrong with a text value: too long, or a character no text may hold."""
    if len(value) > max_chars:
        return f"is {len(value):,} characters long; the limit is {max_chars:,}"
    bad = FORBIDDEN_CHARACTERS.search(value)
    if bad is not None:
        return (
            f"holds the control character U+{ord(bad.group()):04X} at character {bad.start() + 1:,}, "
            "which text may not hold (remove it)"
        )
    return None


def number_problem(value: Any, *, high: float = math.inf, whole: bool = False) -> str | None:
    """What is wrong with a number: not a (whole) number, not finite, or outside 0..``high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, not {_shown(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_shown(value)} is not a finite number"
    if whole and not isinstance(value, int):
        return f"must be a whole number, not {_shown(value)}"
    if not 0 <= value <= high:
        upto = "" if high == math.inf else f" up to {high:,.0f}"
        return f"{_shown(value)} must be a non-negative number{upto}"
    return None


def date_problem(value: dt.date) -> str | None:
    """What is wrong with a date: outside DATE_MIN..DATE_MAX."""
    if not DATE_MIN <= value <= DATE_MAX:
        return f"{value.isoformat()} is outside the dates mapdata accepts ({DATE_MIN.isoformat()} to {DATE_MAX.isoformat()})"
    return None


def field_problem(f: Field, value: Any, *, required: bool = False) -> str | None:
    """What is wrong with one field's value on its own (None: nothing), by the limits above."""
    type_ = f.type
    if type_ == "text":
        if not isinstance(value, str):
            return f"must be text, not {type(value).__name__}"
        if required and not value.strip():
            return "is empty"
        if f.enum is not None and not isinstance(value, f.enum):
            try:
                f.enum(value)
            except ValueError:
                return f"{_shown(value)} is not one of: {', '.join(m.value for m in f.enum)}"
        return text_problem(value, max_chars=f.max_chars)
    if type_ == "list":
        if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            return "must be a list of non-empty text values"
        if len(value) > MAX_LIST_ITEMS:
            return f"has {len(value):,} values; the limit is {MAX_LIST_ITEMS:,}"
        for item in value:
            message = text_problem(item)
            if message:
                return f"value {_shown(item)} {message}"
        return None
    if type_ == "date":
        if value is None:
            return None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            return f"must be a date, not {_shown(value)}"
        return date_problem(value)
    if type_ == "int":
        return number_problem(value, high=f.high, whole=True)
    if type_ == "real":
        return None if value is None else number_problem(value, high=f.high)
    if type_ == "geometry":
        return geometry_problem(value)
    return None


# Records found valid, by identity: records are frozen, so one checked by an import is not checked again
# when the store writes it. A weak reference, so the entry dies with the record (and an id used again
# by another object never matches: the reference must point at this very record).
_VALID: dict[int, weakref.ref[Any]] = {}


def _remember_valid(record: Record) -> None:
    key = id(record)

    def forget(ref: weakref.ref[Any]) -> None:
        if _VALID.get(key) is ref:
            del _VALID[key]

    _VALID[key] = weakref.ref(record, forget)


def record_problems(record: Record, *, file: str | None = None, label: str | None = None) -> list[Problem]:
    """What is wrong with one record on its own: ids, required text, enums, colour, geometry, numbers, limits."""
    known = _VALID.get(id(record))
    if known is not None and known() is record:
        return []
    kind = kind_of(record)
    found: list[tuple[str, str]] = []
    report = found.append
    message = id_problem(record.id)
    if message:
        report(("id", message))
    required = _REQUIRED[kind]
    for f in FIELDS[kind]:
        message = field_problem(f, getattr(record, f.name), required=f.name in required)
        if message:
            report((f.name, message))
    if isinstance(record, Force) and record.colour and (message := colour_problem(record.colour)):
        report(("colour", message))
    elif isinstance(record, Source) and record.published_inferred and not record.published_basis.strip():
        report(("published_basis", "is empty (needed with published_inferred)"))
    elif isinstance(record, Event):
        event = record
        if event.date is None:
            report(("date", "is missing"))
        if not event.place_ids:
            report(("place_ids", "must name at least one value"))
        if not event.force_ids:
            report(("force_ids", "must name at least one value"))
        if event.verification == Verification.CLAIMED and not event.claimed_by.strip():
            report(("claimed_by", "is missing (needed when verification is 'claimed')"))
    elif isinstance(record, ControlPeriod) and not record.event_ids and not record.source_ids:
        report(("event_ids", "a period needs at least one supporting event or source id"))
    if not found:
        _remember_valid(record)
        return []
    file = file or TABLES[kind]
    label = label or f"id '{record.id}'"
    return [Problem(file, label, field_name, message) for field_name, message in found]
