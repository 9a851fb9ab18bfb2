"""One write transaction in memory (:class:`_Batch`): the rows as read, the changes applied to them with
version checks, and what the commit writes (see :mod:`mapdata.store.base`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mapdata.model.models import Scenario
from mapdata.model.records import (
    KINDS,
    SCENARIO_FIELD,
    TABLES,
    Record,
    check_kind,
    kind_of,
    to_json,
)
from mapdata.store.changes import BASEMAP_KIND, META_KEYS, SCENARIO_KIND, Action, _layer_summary, _scenario_kwargs
from mapdata.store.errors import (
    ConflictError,
    RecordNotFoundError,
)

if TYPE_CHECKING:
    from mapdata.store.base import Cursor, Store


# -- internal state ----------------------------------------------------------------------


@dataclass
class _Row:
    record: Record
    version: int
    updated_at: dt.datetime
    updated_by: str


@dataclass
class _State:
    rows: dict[str, dict[str, _Row]]
    meta: dict[str, Any]
    basemap: dict[str, Any]

    def scenario(self) -> Scenario:
        records: dict[str, Any] = {
            SCENARIO_FIELD[kind]: tuple(row.record for row in self.rows[kind].values()) for kind in KINDS
        }
        return Scenario(**records, basemap=dict(self.basemap), **_scenario_kwargs(self.meta))


@dataclass
class _Op:
    kind: str
    ident: str
    action: Action
    before: dict[str, Any] | None
    after_record: Record | None = None
    after: dict[str, Any] | None = None
    version: int | None = None
    existed: bool = False  # a row was there before this op


@dataclass
class _Batch:
    """Changes planned inside one write transaction, checked against the current state."""

    store: Store
    cur: Cursor
    state: _State
    ops: list[_Op] = field(default_factory=list)
    revision: int = 0
    # every record other than those this batch touches (which its commit checks) is known valid: at the
    # start, when nothing changed since mapdata last checked them all, or because the caller checked them
    known_valid: bool = False
    # (kind, id) of every record the audit knows, when read up front (large batches): an id not in it
    # never existed, so its version needs no query of its own
    audited: set[tuple[str, str]] | None = None
    _last: dict[tuple[str, str], tuple[int, str, dt.datetime | None] | None] = field(default_factory=dict)

    # the latest version of an id, counting deletions (a deleted record's version is its delete's)
    def _latest(self, kind: str, ident: str) -> tuple[int, str, dt.datetime | None] | None:
        row = self.state.rows[kind].get(ident)
        if row is not None:
            return (row.version, row.updated_by, row.updated_at)
        key = (kind, ident)
        if key not in self._last:
            if self.audited is not None and key not in self.audited:
                return None
            self._last[key] = self.store._last_audit(self.cur, kind, ident)
        return self._last[key]

    def _conflict(self, kind: str, ident: str, expected: int, current: int) -> ConflictError:
        entries = self.store._audit_since(self.cur, kind, ident, expected)
        fields_changed: list[str] = []
        for entry in entries:
            fields_changed += [f for f in entry.changed_fields if f not in fields_changed]
        last = entries[-1] if entries else None
        return ConflictError(
            kind=kind,
            record_id=ident,
            expected_version=expected,
            current_version=current,
            changed_by=last.who if last else "",
            changed_at=last.at if last else None,
            changed_fields=fields_changed,
            deleted=ident not in self.state.rows[kind],
        )

    @staticmethod
    def _deleted(kind: str, ident: str, version: int) -> RecordNotFoundError:
        return RecordNotFoundError(
            f"{kind} {ident!r} was deleted (version {version}); restore it from its history to change it"
        )

    def _check_version(self, kind: str, ident: str, expected: int) -> int:
        latest = self._latest(kind, ident)
        if latest is None:
            raise RecordNotFoundError(f"there is no {kind} with id {ident!r}")
        if latest[0] != expected:
            raise self._conflict(kind, ident, expected, latest[0])
        return latest[0]

    def _record_op(self, op: _Op) -> None:
        self.ops.append(op)
        self._last[(op.kind, op.ident)] = (op.version or 0, "", None)

    def add(self, record: Record) -> int:
        kind = kind_of(record)
        row = self.state.rows[kind].get(record.id)
        if row is not None:
            raise ConflictError(
                kind=kind,
                record_id=record.id,
                expected_version=None,
                current_version=row.version,
                changed_by=row.updated_by,
                changed_at=row.updated_at,
                exists=True,
            )
        latest = self._latest(kind, record.id)
        version = latest[0] + 1 if latest else 1
        self._put(kind, record, version, action="add", before=None, existed=False)
        return version

    def update(self, record: Record, expected_version: int, *, action: Action = "update") -> int:
        kind = kind_of(record)
        current = self._check_version(kind, record.id, expected_version)
        row = self.state.rows[kind].get(record.id)
        if row is None:
            raise self._deleted(kind, record.id, current)
        if row.record == record and action == "update":
            return row.version  # nothing changed: no new version
        self._put(kind, record, current + 1, action=action, before=to_json(row.record), existed=True)
        return current + 1

    def delete(self, kind: str, ident: str, expected_version: int, *, action: Action = "delete") -> int:
        kind = check_kind(kind)
        current = self._check_version(kind, ident, expected_version)
        row = self.state.rows[kind].get(ident)
        if row is None:
            raise self._deleted(kind, ident, current)
        del self.state.rows[kind][ident]
        self._record_op(_Op(kind, ident, action, before=to_json(row.record), version=current + 1, existed=True))
        return current + 1

    def restore(self, kind: str, ident: str, target: Record | None, expected_version: int) -> int:
        current = self._check_version(kind, ident, expected_version)
        row = self.state.rows[kind].get(ident)
        if target is None:
            if row is None:
                return current  # already absent
            return self.delete(kind, ident, expected_version, action="restore")
        if row is None:
            self._put(kind, target, current + 1, action="restore", before=None, existed=False)
            return current + 1
        return self.update(target, expected_version, action="restore")

    def _put(
        self, kind: str, record: Record, version: int, *, action: Action, before: dict[str, Any] | None, existed: bool
    ) -> None:
        now = self.store._now()
        self.state.rows[kind][record.id] = _Row(record, version, now, "")
        self._record_op(
            _Op(
                kind,
                record.id,
                action,
                before=before,
                after_record=record,
                after=to_json(record),
                version=version,
                existed=existed,
            )
        )

    def set_meta(self, meta: Mapping[str, Any]) -> None:
        old = {key: self.state.meta.get(key) for key in META_KEYS}
        new = {key: meta.get(key) for key in META_KEYS}
        if old != new:
            self.state.meta.update(new)
            self.ops.append(_Op(SCENARIO_KIND, "metadata", "update", before=old, after=new))

    def set_basemap(self, layers: Mapping[str, Any]) -> None:
        current = self.state.basemap
        for name, data in layers.items():
            if name not in current:
                self.ops.append(
                    _Op(BASEMAP_KIND, name, "add", before=None, after=_layer_summary(data), after_record=None)
                )
            elif current[name] != data:
                self.ops.append(
                    _Op(
                        BASEMAP_KIND,
                        name,
                        "update",
                        before=_layer_summary(current[name]),
                        after=_layer_summary(data),
                        existed=True,
                    )
                )
        for name in current:
            if name not in layers:
                self.ops.append(_Op(BASEMAP_KIND, name, "delete", before=_layer_summary(current[name]), existed=True))
        self.state.basemap = dict(layers)

    def touched(self) -> list[Record]:
        """The records added or changed (their final state), for the record checks."""
        out: dict[tuple[str, str], Record] = {}
        for op in self.ops:
            if op.kind in TABLES:
                row = self.state.rows[op.kind].get(op.ident)
                if row is not None:
                    out[(op.kind, op.ident)] = row.record
        return list(out.values())
