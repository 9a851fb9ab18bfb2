"""Records <-> table rows and JSON (for the audit), and per-record checks.

One place lists, for every record kind, its table and its fields with a neutral
column type; the backends map those types to SQL (``mapdata.store.sql``).
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable, Literal, Mapping, Sequence, TypeAlias, Union

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from mapdata.errors import Problem
from mapdata.models import (
    ControlPeriod, DatePrecision, Event, Force, Place, PlaceKind, Role, Source, Verification,
)

Kind: TypeAlias = Literal["force", "place", "source", "event", "period"]
Record: TypeAlias = Union[Force, Place, Source, Event, ControlPeriod]

KINDS: tuple[Kind, ...] = ("force", "place", "source", "event", "period")
TABLES: dict[str, str] = {
    "force": "forces", "place": "places", "source": "sources", "event": "events", "period": "control_periods",
}
MODELS: dict[str, type] = {"force": Force, "place": Place, "source": Source, "event": Event, "period": ControlPeriod}
KIND_OF_MODEL: dict[type, Kind] = {model: kind for kind, model in MODELS.items()}  # type: ignore[misc]
GEOMETRY_COLUMN = "geom"

ColumnType = Literal["text", "list", "date", "int", "real", "geometry"]


@dataclass(frozen=True)
class Field:
    name: str  # the model's field name
    type: ColumnType
    enum: builtins.type[StrEnum] | None = None

    @property
    def column(self) -> str:
        return GEOMETRY_COLUMN if self.type == "geometry" else self.name


FIELDS: dict[str, tuple[Field, ...]] = {
    "force": (Field("name", "text"), Field("colour", "text"), Field("aliases", "list")),
    "place": (
        Field("name_en", "text"), Field("name_ar", "text"), Field("aliases", "list"),
        Field("kind", "text", PlaceKind), Field("uncertainty_m", "real"), Field("location_note", "text"),
        Field("geometry_source", "text"), Field("geometry", "geometry"),
    ),
    "source": (
        Field("publisher", "text"), Field("title", "text"), Field("text", "text"), Field("text_file", "text"),
        Field("published", "date"), Field("published_inferred", "date"), Field("published_basis", "text"),
        Field("url", "text"), Field("language", "text"), Field("licence", "text"),
    ),
    "event": (
        Field("date", "date"), Field("date_precision", "text", DatePrecision), Field("date_as_written", "text"),
        Field("date_note", "text"), Field("place_ids", "list"), Field("force_ids", "list"), Field("kind", "text"),
        Field("summary", "text"), Field("source_id", "text"), Field("quote", "text"), Field("quote_start", "int"),
        Field("quote_end", "int"), Field("verification", "text", Verification), Field("claimed_by", "text"),
        Field("verification_note", "text"),
    ),
    "period": (
        Field("place_id", "text"), Field("force_id", "text"), Field("role", "text", Role), Field("start", "date"),
        Field("end", "date"), Field("event_ids", "list"), Field("source_ids", "list"), Field("note", "text"),
    ),
}

ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
GEOMETRY_TYPES = {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def kind_of(record: Any) -> Kind:
    try:
        return KIND_OF_MODEL[type(record)]
    except KeyError:
        raise TypeError(f"not a scenario record: {type(record).__name__}") from None


def check_kind(kind: str) -> Kind:
    if kind not in TABLES:
        raise ValueError(f"unknown record kind {kind!r} (one of: {', '.join(KINDS)})")
    return kind  # type: ignore[return-value]


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

    # One generated function per kind, as dataclasses generate their __init__: trivial columns inline.
    inline = {"text": "('' if c[{i}] is None else c[{i}])", "int": "(-1 if c[{i}] is None else int(c[{i}]))",
              "real": "(None if c[{i}] is None else float(c[{i}]))"}
    namespace: dict[str, Any] = {}
    arguments = []
    for i, f in enumerate(FIELDS[kind]):
        if f.type in inline and f.enum is None:
            arguments.append(f"{f.name}=" + inline[f.type].format(i=i))
        else:
            namespace[f"convert_{i}"] = converter(f)
            arguments.append(f"{f.name}=convert_{i}(c[{i}])")
    # The models are frozen dataclasses without __post_init__: their __init__ only sets each field through
    # object.__setattr__. Filling __dict__ at once is the same object, made several times faster.
    model = MODELS[kind]
    assert not hasattr(model, "__post_init__") and not hasattr(model, "__slots__")
    assert {f.name for f in dataclasses.fields(model)} == {"id"} | {f.name for f in FIELDS[kind]}, kind
    namespace["model"], namespace["new"] = model, object.__new__
    source = (f"def read(ident, c):\n    record = new(model)\n"
              f"    record.__dict__.update(id=ident, {', '.join(arguments)})\n    return record\n")
    exec(compile(source, f"<mapdata record reader: {kind}>", "exec"), namespace)  # noqa: S102 - our own field list
    return namespace["read"]  # type: ignore[no-any-return]


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
    return dataclasses.replace(record, **changes)  # type: ignore[type-var]


# -- per-record checks (the cross-record rules are mapdata.validate.check_consistency) -----


def _geometry_problem(value: Any) -> str | None:
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


def record_problems(record: Record, *, file: str | None = None, label: str | None = None) -> list[Problem]:
    """What is wrong with one record on its own: ids, required text, enums, colour, geometry, numbers."""
    kind = kind_of(record)
    found: list[tuple[str, str]] = []
    report = found.append
    if not isinstance(record.id, str) or not ID_PATTERN.match(record.id):
        report(("id", f"{record.id!r} is not a valid id (lower-case letters, digits and _)"))
    required = _REQUIRED[kind]
    for f in FIELDS[kind]:
        value = getattr(record, f.name)
        type_ = f.type
        if type_ == "text":
            if not isinstance(value, str):
                report((f.name, f"must be text, not {type(value).__name__}"))
            elif f.name in required and not value.strip():
                report((f.name, "is empty"))
            elif f.enum is not None and not isinstance(value, f.enum):
                try:
                    f.enum(value)
                except ValueError:
                    report((f.name, f"{value!r} is not one of: {', '.join(m.value for m in f.enum)}"))
        elif type_ == "list":
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
                report((f.name, "must be a list of non-empty text values"))
        elif type_ == "date":
            if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
                report((f.name, f"must be a date, not {value!r}"))
        elif type_ == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                report((f.name, f"must be a whole number, not {value!r}"))
        elif type_ == "real":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0
            ):
                report((f.name, f"{value!r} must be a non-negative number"))
        elif type_ == "geometry":
            message = _geometry_problem(value)
            if message:
                report(("geometry", message))
    if kind == "force" and record.colour and not COLOUR_PATTERN.match(record.colour):  # type: ignore[union-attr]
        report(("colour", f"{record.colour!r} is not a colour like #0072B2"))  # type: ignore[union-attr]
    elif kind == "source" and record.published_inferred and not record.published_basis.strip():  # type: ignore[union-attr]
        report(("published_basis", "is empty (needed with published_inferred)"))
    elif kind == "event":
        event: Event = record  # type: ignore[assignment]
        if event.date is None:
            report(("date", "is missing"))
        if not event.place_ids:
            report(("place_ids", "must name at least one value"))
        if not event.force_ids:
            report(("force_ids", "must name at least one value"))
        if event.verification == Verification.CLAIMED and not event.claimed_by.strip():
            report(("claimed_by", "is empty (needed when verification is 'claimed')"))
    if not found:
        return []
    file = file or TABLES[kind]
    label = label or f"id '{record.id}'"
    return [Problem(file, label, field_name, message) for field_name, message in found]
