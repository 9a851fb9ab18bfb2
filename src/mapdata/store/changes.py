"""What a store holds and how a change is said: versioned records, the audit entry, the changes
(:class:`Add`, :class:`Update`, :class:`Delete`; :func:`changes_between` two scenarios), the
scenario-level metadata in the ``meta`` table, and the checks a write must pass (:func:`scenario_problems`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields as dataclass_fields
from typing import Any, Generic, Literal, TypeVar

from mapdata.model.errors import Problem
from mapdata.model.models import Scenario
from mapdata.model.records import (
    KINDS,
    TABLES,
    Record,
    changed_fields,
    from_json,
    record_problems,
    records_of,
)
from mapdata.model.validate import check_consistency

T = TypeVar("T")

SYSTEM_USER = "mapdata"
SEED_USER = "mapdata seed"
SCENARIO_KIND = "scenario"  # audit kind of scenario-level metadata changes
BASEMAP_KIND = "basemap"  # audit kind of basemap layer changes
SCHEMA_KIND = "schema"  # audit kind of schema upgrades

#: Above this many added records in one apply, the ids the audit knows are read at once, not one by one.
BULK_ADDS = 50

Action = Literal["add", "update", "delete", "restore"]


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A record as stored, with its version and who saved it when."""

    record: T
    version: int
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class AuditEntry:
    """One change: the state before and after (JSON; ``None`` when the record did not exist)."""

    id: int
    at: dt.datetime
    who: str
    kind: str
    record_id: str
    action: str
    version: int | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    @property
    def changed_fields(self) -> list[str]:
        return changed_fields(self.before, self.after)

    def record(self, state: Literal["before", "after"] = "after") -> Record | None:
        """The record as it was before or after this change (``None`` if it did not exist then)."""
        data = self.before if state == "before" else self.after
        return None if data is None else from_json(self.kind, data)


@dataclass(frozen=True)
class Add:
    record: Record


@dataclass(frozen=True)
class Update:
    record: Record
    expected_version: int


@dataclass(frozen=True)
class Delete:
    kind: str
    id: str
    expected_version: int


Change = Add | Update | Delete


@dataclass(frozen=True)
class Current:
    """The scenario with every record's version, read in one transaction."""

    scenario: Scenario
    versions: Mapping[tuple[str, str], int]
    revision: int

    def version(self, kind: str, ident: str) -> int:
        return self.versions[(kind, ident)]


def changes_between(current: Current, new: Scenario) -> list[Change]:
    """The adds, updates and deletes that turn ``current.scenario`` into ``new``.

    Updates and deletes carry the versions read in ``current``, so applying them with
    :meth:`Store.apply` refuses (``ConflictError``) if someone changed those records since.
    """
    adds: list[Change] = []
    deletes: list[Change] = []
    for kind in KINDS:
        old = {r.id: r for r in records_of(current.scenario, kind)}
        wanted = {r.id: r for r in records_of(new, kind)}
        for ident, record in wanted.items():
            if ident not in old:
                adds.append(Add(record))
            elif old[ident] != record:
                adds.append(Update(record, expected_version=current.versions[(kind, ident)]))
        for ident in old:
            if ident not in wanted:
                deletes.append(Delete(kind, ident, expected_version=current.versions[(kind, ident)]))
    return adds + deletes[::-1]


# -- scenario-level metadata ------------------------------------------------------------

META_KEYS = ("title", "description", "view_center", "view_zoom", "date_start", "date_end", "attribution")
_DEFAULTS = {f.name: f.default for f in dataclass_fields(Scenario) if f.name in META_KEYS and f.name != "title"}


def meta_of(scenario: Scenario) -> dict[str, Any]:
    """Scenario-level metadata as JSON values (stored in the meta table)."""
    return {
        "title": scenario.title,
        "description": scenario.description,
        "view_center": list(scenario.view_center),
        "view_zoom": scenario.view_zoom,
        "date_start": scenario.date_start.isoformat() if scenario.date_start else None,
        "date_end": scenario.date_end.isoformat() if scenario.date_end else None,
        "attribution": list(scenario.attribution),
    }


def _scenario_kwargs(meta: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": meta.get("title") or ""}
    out["description"] = meta.get("description") or ""
    center = meta.get("view_center")
    out["view_center"] = tuple(float(c) for c in center) if center else _DEFAULTS["view_center"]
    out["view_zoom"] = int(meta["view_zoom"]) if meta.get("view_zoom") is not None else _DEFAULTS["view_zoom"]
    for key in ("date_start", "date_end"):
        out[key] = dt.date.fromisoformat(meta[key]) if meta.get(key) else None
    out["attribution"] = tuple(meta.get("attribution") or ())
    return out


def _meta_problems(meta: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    center = meta.get("view_center")
    if not (
        isinstance(center, (list, tuple))
        and len(center) == 2
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in center)
        and -90 <= center[0] <= 90
        and -180 <= center[1] <= 180
    ):
        problems.append(Problem("meta", "scenario", "view_center", "must be [latitude, longitude]"))
    zoom = meta.get("view_zoom")
    if not (isinstance(zoom, int) and not isinstance(zoom, bool) and 1 <= zoom <= 18):
        problems.append(Problem("meta", "scenario", "view_zoom", "must be a whole number from 1 to 18"))
    start, end = meta.get("date_start"), meta.get("date_end")
    if start and end and end < start:
        problems.append(Problem("meta", "scenario", "date_end", f"{end} is before date_start {start}"))
    return problems


def _layer_summary(data: Any) -> dict[str, Any]:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    features = data.get("features") if isinstance(data, Mapping) else None
    return {
        "features": len(features) if isinstance(features, list) else None,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def locate(kind: str, ident: str) -> tuple[str, str]:
    """Where a problem with a stored record is reported: table and id."""
    return (TABLES.get(kind, kind), f"id '{ident}'")


def scenario_problems(scenario: Scenario, records: Sequence[Record] | None = None) -> list[Problem]:
    """Record checks (of ``records``, default all) plus the cross-record consistency rules."""
    if records is None:
        records = [r for kind in KINDS for r in records_of(scenario, kind)]
    problems = [p for record in records for p in record_problems(record)]
    return problems + check_consistency(scenario, locate=locate)
