"""The columns of mapdata's import and export rows (``docs/import-format.md``), shared by both ways, and which
places an export takes (:func:`places_selected`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mapdata.model.errors import ScenarioError
from mapdata.model.models import (
    ControlPeriod,
    Place,
    Scenario,
)

if TYPE_CHECKING:
    from mapdata.model.timeline import PlaceState


E = TypeVar("E", bound=StrEnum)

Format = Literal["geojson", "csv", "kml", "gpkg"]
EXPORT_FORMATS: tuple[str, ...] = ("geojson", "csv", "kml", "gpkg")
IMPORT_FORMAT_VERSION = 1
SNIFF_BYTES = 64 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
EXPORT_LAYER = "mapdata"
DEFAULT_GEOMETRY_SOURCE = "import"
DEFAULT_EVENT_KIND = "report"
#: How far (degrees) around the stored places a new point still counts as inside the scenario's region.
REGION_MARGIN_DEG = 0.5

PLACE_FIELDS = ("place_id", "name", "name_ar", "aliases", "kind", "uncertainty_m", "location_note", "geometry_source")
FORCE_FIELDS = ("force", "force_name", "force_colour", "force_aliases")
PERIOD_FIELDS = ("role", "start", "end", "period_id", "period_note")
SOURCE_FIELDS = (
    "source",
    "publisher",
    "title",
    "published",
    "published_inferred",
    "published_basis",
    "url",
    "language",
    "licence",
    "text_file",
    "source_text",
)
EVENT_FIELDS = (
    "event_id",
    "date",
    "date_precision",
    "date_as_written",
    "date_note",
    "event_kind",
    "summary",
    "event_places",
    "event_forces",
    "quote",
    "quote_start",
    "verification",
    "claimed_by",
    "verification_note",
)
#: Columns an export adds that import ignores (computed, or the CSV's geometry columns).
OUTPUT_ONLY = (
    "verification_label",
    "as_of",
    "on_date",
    "status",
    "holder",
    "forces_present",
    "since",
    "wkt",
    "lat",
    "lon",
)
#: A place's state on a day (:func:`state_columns`): what every output bound to a day writes, under these names
#: (an export with a date, beside each row; a snapshot, one row per place).
STATE_COLUMNS = ("on_date", "status", "holder", "forces_present", "since")
#: A snapshot's row: the place (named as in the import/export rows), its state, its evidence, its geometry.
SNAPSHOT_COLUMNS = (
    "place_id",
    "name",
    "name_ar",
    "kind",
    *STATE_COLUMNS,
    "uncertainty_m",
    "sources",
    "lat",
    "lon",
    "wkt",
)
COLUMNS = PLACE_FIELDS + FORCE_FIELDS + PERIOD_FIELDS + SOURCE_FIELDS + EVENT_FIELDS
#: The record field whose limits a column's text is held to (the others: MAX_TEXT_CHARS).
COLUMN_FIELDS = {
    "name": ("place", "name_en"),
    "name_ar": ("place", "name_ar"),
    "location_note": ("place", "location_note"),
    "geometry_source": ("place", "geometry_source"),
    "force_name": ("force", "name"),
    "period_note": ("period", "note"),
    "published_basis": ("source", "published_basis"),
    "source_text": ("source", "text"),
    "date_note": ("event", "date_note"),
    "summary": ("event", "summary"),
    "quote": ("event", "quote"),
    "verification_note": ("event", "verification_note"),
}
#: Other spellings accepted on import.
ALIASES = {
    "id": "place_id",
    "name_en": "name",
    "latitude": "lat",
    "longitude": "lon",
    "lng": "lon",
    "note": "period_note",
    "colour": "force_colour",
    "color": "force_colour",
    "force_color": "force_colour",
}


class ImportRefused(ScenarioError):
    """The file cannot be imported; ``problems`` say where and why. Nothing was changed."""


def places_selected(
    scenario: Scenario, day: dt.date | None, forces: Sequence[str] | None
) -> list[tuple[Place, list[ControlPeriod]]]:
    """The places (scenario order) with their periods on ``day`` (all periods if None), only those where one
    of ``forces`` has a period when forces are given."""
    by_place: dict[str, list[ControlPeriod]] = {}
    for period in scenario.periods:
        if day is None or period.covers(day):
            by_place.setdefault(period.place_id, []).append(period)
    wanted = set(forces) if forces is not None else None
    out = []
    for place in scenario.places:
        periods = by_place.get(place.id, [])
        if wanted is not None and not wanted & {p.force_id for p in periods}:
            continue
        out.append((place, periods))
    return out


def state_columns(state: PlaceState) -> dict[str, Any]:
    """:data:`STATE_COLUMNS` of one place's state (``holder``: the force that holds it, or None)."""
    return {
        "on_date": state.day.isoformat(),
        "status": state.status.value,
        "holder": state.force,
        "forces_present": list(state.forces_present),
        "since": state.since.isoformat() if state.since else None,
    }


def flat_cell(value: Any) -> Any:
    """A row value for a flat format (CSV, GeoPackage, KML data): a list as ``a;b;c``, anything else as it is."""
    if isinstance(value, list):
        return ";".join(value)
    return value
