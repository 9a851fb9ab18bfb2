"""The store interface and the logic both backends share.

A store holds one scenario in tables (forces, places, sources, events,
control_periods), every row with ``version`` / ``updated_at`` / ``updated_by``, an
append-only ``audit`` table and a ``meta`` table (schema version, scenario title,
view, dates, attribution), plus the basemap layers. Backends (GeoPackage,
PostgreSQL + PostGIS) only supply connections, transactions and value encodings.

Every write is one transaction that:

1. takes the store's write lock (SQLite ``BEGIN IMMEDIATE``, a Postgres advisory lock),
2. reads the current scenario, applies the change in memory and checks versions
   (a stale ``expected_version`` raises :class:`ConflictError`),
3. validates the whole resulting scenario (record checks, geometry validity and
   :func:`mapdata.model.validate.check_consistency`) and raises ``ScenarioError`` —
   rolling back — if any rule would break,
4. writes the rows and one audit entry per change.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, overload

from mapdata.heap import collector_paused
from mapdata.model.errors import Problem, ScenarioError
from mapdata.model.models import ControlPeriod, Event, Force, Place, Scenario, Source
from mapdata.model.records import (
    FIELDS,
    KINDS,
    TABLES,
    Record,
    check_kind,
    from_values,
    record_reader,
    records_of,
    values,
)
from mapdata.store import schema
from mapdata.store.batch import _Batch, _Op, _Row, _State
from mapdata.store.changes import (
    BASEMAP_KIND,
    BULK_ADDS,
    META_KEYS,
    SCENARIO_KIND,
    SCHEMA_KIND,
    SEED_USER,
    SYSTEM_USER,
    Add,
    AuditEntry,
    Change,
    Current,
    Delete,
    Update,
    Versioned,
    _meta_problems,
    meta_of,
    scenario_problems,
)
from mapdata.store.errors import (
    ReadOnlyStoreError,
    RecordNotFoundError,
    StoreError,
    StoreVersionError,
)

# -- the store ---------------------------------------------------------------------------


class Cursor(ABC):
    """What the shared logic needs from a backend's connection (``?`` placeholders)."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        """One statement (no result rows) for each parameter set; backends send them in bulk."""
        for one in params:
            self.execute(sql, one)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """New rows of ``table`` (values already encoded by the store's ``_encode``), in bulk: a backend
        may use its own bulk path (PostgreSQL: ``COPY``)."""
        if rows:
            self.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
            )

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a large read, a few at a time where the backend can (a whole table of 100,000s of rows is
        never held at once beside the records made of it)."""
        yield from self.execute(sql, params)


_AUDIT_COLUMNS = ("at", "who", "kind", "record_id", "action", "version", '"before"', '"after"')
_AUDIT_INSERT = f"INSERT INTO audit ({', '.join(_AUDIT_COLUMNS)}) VALUES ({', '.join('?' * len(_AUDIT_COLUMNS))})"


def _q(name: str) -> str:
    return f'"{name}"'


class Store(ABC):
    """One scenario in a database, edited record by record with versions and an audit trail.

    Use :func:`mapdata.store.open_store`. Kinds are ``force``, ``place``, ``source``,
    ``event`` and ``period``. Every change needs the editing ``user``'s name.
    """

    backend: str = ""
    dialect: str = ""

    def __init__(self, url: str, *, read_only: bool, max_version: int) -> None:
        if not 1 <= max_version <= schema.LATEST:
            raise ValueError(f"max_version must be 1..{schema.LATEST}")
        self.url = url
        self.read_only = read_only
        self.max_version = max_version
        self.schema_version = 0
        self.upgraded_from: int | None = None
        self._lock = threading.RLock()

    # -- backend primitives ------------------------------------------------------------
    @abstractmethod
    def _transaction(self, *, write: bool) -> Any: ...  # context manager yielding a Cursor

    @abstractmethod
    def _encode(self, type_: str, value: Any) -> Any: ...

    @abstractmethod
    def _decode(self, type_: str, value: Any) -> Any: ...

    @abstractmethod
    def _table_exists(self, cur: Cursor, name: str) -> bool: ...

    @abstractmethod
    def _prepare_new(self, cur: Cursor) -> None:
        """Make an empty database ready for the first migration."""

    def _after_migration(self, cur: Cursor) -> None:  # noqa: B027 - an optional hook: nothing by default
        """Backend bookkeeping after the schema changed (the GeoPackage registers its tables)."""

    def _after_write(self, cur: Cursor, state: _State, tables: set[str], now: dt.datetime) -> None:  # noqa: B027 - an optional hook
        """Backend bookkeeping after rows changed (the GeoPackage updates gpkg_contents)."""

    def _geometry_out(self, column: str) -> str:
        return column

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<{type(self).__name__} {self.describe()} v{self.schema_version} {mode}>"

    def describe(self) -> str:
        """Where the store is (passwords hidden)."""
        return self.url

    @staticmethod
    def _now() -> dt.datetime:
        now = dt.datetime.now(dt.UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    # -- opening and migrations ----------------------------------------------------------
    def _open(self, *, upgrade: bool, seed_from: Path | None) -> None:
        with self._transaction(write=False) as cur:
            found = self._read_schema_version(cur)
        self._refuse_newer(found or 0)
        if found is None and self.read_only:
            raise StoreError(
                f"{self.describe()} is not a mapdata store yet; open it read-write (or run `mapdata store init`)"
            )
        self.schema_version = found or 0
        if (found is None or (upgrade and found < self.max_version)) and not self.read_only:
            self.migrate()
        if seed_from is not None and not self.read_only and self.schema_version == self.max_version:
            with self._transaction(write=False) as cur:
                row = cur.one(
                    f"SELECT COUNT(*) FROM audit WHERE kind IN ({', '.join('?' for _ in KINDS)})", list(KINDS)
                )
            if row and row[0] == 0:
                from mapdata.model.load import load_scenario

                self.replace_scenario(load_scenario(seed_from), user=SEED_USER)

    def _refuse_newer(self, found: int) -> None:
        if found > self.max_version:
            raise StoreVersionError(
                f"{self.describe()} has schema version {found}, newer than this mapdata supports "
                f"(schema version {self.max_version}); upgrade mapdata to open it",
                store_version=found,
                app_version=self.max_version,
            )

    def _read_schema_version(self, cur: Cursor) -> int | None:
        """The store's schema version; None for a database without the store's tables."""
        if not self._table_exists(cur, "meta"):
            clashing = [t for t in schema.STORE_TABLES if self._table_exists(cur, t)]
            if clashing:
                raise StoreError(
                    f"{self.describe()} is not a mapdata store: it has table(s) {', '.join(clashing)} "
                    "but no meta table with a schema version"
                )
            return None
        row = cur.one("SELECT value FROM meta WHERE key = ?", ("schema_version",))
        if row is None:
            raise StoreError(f"{self.describe()}: the meta table has no schema_version")
        return int(json.loads(row[0]))

    def migrate(self) -> tuple[int, int]:
        """Bring the store to this app's schema version, in one transaction; returns (from, to)."""
        self._check_writable()
        with self._transaction(write=True) as cur:
            found = self._read_schema_version(cur) or 0  # again, under the write lock
            self._refuse_newer(found)
            if found < self.max_version:
                if found == 0:
                    self._prepare_new(cur)
                for migration in schema.steps(found, self.max_version):
                    for statement in migration.sql(self.dialect):
                        cur.execute(statement)
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    ("schema_version", json.dumps(self.max_version)),
                )
                self._after_migration(cur)
                if found:
                    self._insert_audit(
                        cur,
                        self._now(),
                        SYSTEM_USER,
                        SCHEMA_KIND,
                        "schema_version",
                        "update",
                        None,
                        {"schema_version": found},
                        {"schema_version": self.max_version},
                    )
        if found and found < self.max_version:
            self.upgraded_from = found
        self.schema_version = max(found, self.max_version)
        return (found, self.schema_version)

    @property
    def needs_upgrade(self) -> bool:
        return self.schema_version < self.max_version

    def _check_usable(self) -> None:
        if self.schema_version != self.max_version:
            raise StoreVersionError(
                f"{self.describe()} has schema version {self.schema_version} but this mapdata needs "
                f"schema version {self.max_version}; run `mapdata store migrate` (or open it read-write)",
                store_version=self.schema_version,
                app_version=self.max_version,
            )

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"{self.describe()} is open read-only; nothing was changed")

    # -- reading -------------------------------------------------------------------------
    def _columns(self, kind: str) -> list[str]:
        return (
            [_q("id")]
            + [self._geometry_out(_q(f.column)) if f.type == "geometry" else _q(f.column) for f in FIELDS[kind]]
            + [_q("version"), _q("updated_at"), _q("updated_by")]
        )

    def _rows(
        self, cur: Cursor, kind: str, where: str = "", params: Sequence[Any] = ()
    ) -> tuple[dict[str, _Row], list[Problem]]:
        sql = f"SELECT {', '.join(self._columns(kind))} FROM {TABLES[kind]} {where} ORDER BY fid"
        rows: dict[str, _Row] = {}
        problems: list[Problem] = []
        read = record_reader(kind, self._decode)
        width = len(FIELDS[kind])
        stamps: dict[Any, dt.datetime] = {}  # rows written together share a timestamp
        editors: dict[str, str] = {}  # and the few editors' names, one string each
        for raw in cur.stream(sql, params):
            ident = raw[0]
            try:
                record = read(ident, raw[1 : width + 1])
            except Exception:  # a value edited outside mapdata that does not decode: the slow path says why
                try:
                    data = {
                        f.name: self._decode(f.type, value) for f, value in zip(FIELDS[kind], raw[1:], strict=False)
                    }
                    record = from_values(kind, ident, data)
                except Exception as exc:
                    problems.append(Problem(TABLES[kind], f"id '{ident}'", "", f"cannot be read: {exc}"))
                    continue
            version, updated_at, updated_by = raw[-3:]
            stamp = stamps.get(updated_at)
            if stamp is None:
                stamp = stamps[updated_at] = self._decode("timestamp", updated_at)
            rows[ident] = _Row(record, int(version), stamp, editors.setdefault(updated_by, updated_by))
        return rows, problems

    def _state(self, cur: Cursor) -> _State:
        rows: dict[str, dict[str, _Row]] = {}
        problems: list[Problem] = []
        for kind in KINDS:
            rows[kind], found = self._rows(cur, kind)
            problems += found
        if problems:
            raise ScenarioError(problems)
        meta = {key: json.loads(value) for key, value in cur.execute("SELECT key, value FROM meta")}
        basemap = {
            name: json.loads(text) for name, text in cur.execute("SELECT name, geojson FROM basemap ORDER BY fid")
        }
        return _State(rows=rows, meta=meta, basemap=basemap)

    def _revision(self, cur: Cursor) -> int:
        row = cur.one("SELECT COALESCE(MAX(id), 0) FROM audit")
        return int(row[0]) if row else 0

    def scenario(self) -> Scenario:
        """The stored scenario, validated (``ScenarioError`` if it was edited into an inconsistent state)."""
        return self._read(versions=False).scenario

    def current(self) -> Current:
        """The scenario, every record's version and the revision, from one consistent read."""
        return self._read(versions=True)

    def _read(self, *, versions: bool) -> Current:
        self._check_usable()
        with collector_paused():  # hundreds of thousands of records at scale
            with self._transaction(write=False) as cur:
                state = self._state(cur)
                revision = self._revision(cur)
                changes, checked = self._change_counts(cur)
            scenario = state.scenario()
            # Every record is checked unless none changed since mapdata last knew them all valid.
            known_valid = changes is not None and changes == checked
            problems = [] if known_valid else scenario_problems(scenario)
            problems += _meta_problems(meta_of(scenario))
            if problems:
                raise ScenarioError(problems)
            found: dict[tuple[str, str], int] = (
                {(kind, ident): row.version for kind in KINDS for ident, row in state.rows[kind].items()}
                if versions
                else {}
            )
        if changes is not None and not known_valid and not self.read_only:
            self._mark_checked(changes)
        return Current(scenario=scenario, versions=found, revision=revision)

    def known_valid(self) -> bool:
        """Whether no record changed (by mapdata or any other program) since mapdata last checked them all."""
        self._check_usable()
        with self._transaction(write=False) as cur:
            changes, checked = self._change_counts(cur)
        return changes is not None and changes == checked

    def _change_counts(self, cur: Cursor) -> tuple[str | None, str | None]:
        """(changes to the record tables so far, the count at which mapdata last knew every record valid);
        (None, None) before schema v3, which does not count."""
        if self.schema_version < 3:
            return None, None
        rows = {
            key: str(value)
            for key, value in cur.execute(
                "SELECT key, value FROM meta WHERE key IN (?, ?)", (schema.DATA_CHANGES, schema.VALIDATED_CHANGES)
            )
        }
        return rows.get(schema.DATA_CHANGES), rows.get(schema.VALIDATED_CHANGES)

    def _mark_checked(self, changes: str) -> None:
        """Record that every record was valid at change count ``changes`` (unless something changed since)."""
        try:
            with self._transaction(write=True) as cur:
                cur.execute(
                    "UPDATE meta SET value = ? WHERE key = ? AND (SELECT value FROM meta WHERE key = ?) = ?",
                    (changes, schema.VALIDATED_CHANGES, schema.DATA_CHANGES, changes),
                )
        except StoreError:
            pass  # e.g. a database the user may read but not write: the next read checks again

    def revision(self) -> int:
        """A number that grows with every change (the last audit id); 0 for a store never written."""
        self._check_usable()
        with self._transaction(write=False) as cur:
            return self._revision(cur)

    @overload
    def get(self, kind: Literal["force"], ident: str) -> Versioned[Force]: ...
    @overload
    def get(self, kind: Literal["place"], ident: str) -> Versioned[Place]: ...
    @overload
    def get(self, kind: Literal["source"], ident: str) -> Versioned[Source]: ...
    @overload
    def get(self, kind: Literal["event"], ident: str) -> Versioned[Event]: ...
    @overload
    def get(self, kind: Literal["period"], ident: str) -> Versioned[ControlPeriod]: ...
    @overload
    def get(self, kind: str, ident: str) -> Versioned[Any]: ...

    def get(self, kind: str, ident: str) -> Versioned[Any]:
        """One record with its version; ``RecordNotFoundError`` if there is none (or it was deleted)."""
        kind = check_kind(kind)
        self._check_usable()
        with self._transaction(write=False) as cur:
            rows, problems = self._rows(cur, kind, "WHERE id = ?", (ident,))
            last = None if rows or problems else self._last_audit(cur, kind, ident)
        if problems:
            raise ScenarioError(problems)
        if ident not in rows:
            if last is not None:
                raise RecordNotFoundError(
                    f"{kind} {ident!r} was deleted by {last[1]} at {last[2]:%Y-%m-%d %H:%M:%S} UTC (version {last[0]})"
                )
            raise RecordNotFoundError(f"there is no {kind} with id {ident!r}")
        row = rows[ident]
        return Versioned(row.record, row.version, row.updated_at, row.updated_by)

    def history(self, kind: str, ident: str) -> list[AuditEntry]:
        """Every change of one record, oldest first."""
        kind = check_kind(kind)
        self._check_usable()
        with self._transaction(write=False) as cur:
            return self._audit(cur, "WHERE kind = ? AND record_id = ?", (kind, ident))

    def audit(self, *, since: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries with an id above ``since``, oldest first."""
        self._check_usable()
        with self._transaction(write=False) as cur:
            tail = f" LIMIT {int(limit)}" if limit is not None else ""
            return self._audit(cur, "WHERE id > ?", (since,), tail=tail)

    def _audit(self, cur: Cursor, where: str, params: Sequence[Any], *, tail: str = "") -> list[AuditEntry]:
        sql = (
            'SELECT id, at, who, kind, record_id, action, version, "before", "after" FROM audit '
            f"{where} ORDER BY id{tail}"
        )
        return [
            AuditEntry(
                id=int(r[0]),
                at=self._decode("timestamp", r[1]),
                who=r[2],
                kind=r[3],
                record_id=r[4],
                action=r[5],
                version=r[6],
                before=self._decode("json", r[7]),
                after=self._decode("json", r[8]),
            )
            for r in cur.execute(sql, params)
        ]

    def _audit_since(self, cur: Cursor, kind: str, ident: str, version: int) -> list[AuditEntry]:
        return self._audit(cur, "WHERE kind = ? AND record_id = ? AND version > ?", (kind, ident, version))

    def _last_audit(self, cur: Cursor, kind: str, ident: str) -> tuple[int, str, dt.datetime | None] | None:
        row = cur.one(
            "SELECT version, who, at FROM audit WHERE kind = ? AND record_id = ? ORDER BY id DESC LIMIT 1",
            (kind, ident),
        )
        return None if row is None else (int(row[0]), row[1], self._decode("timestamp", row[2]))

    def info(self) -> dict[str, Any]:
        """What ``mapdata store info`` prints."""
        out: dict[str, Any] = {
            "store": self.describe(),
            "backend": self.backend,
            "schema_version": self.schema_version,
            "app_schema_version": self.max_version,
            "read_only": self.read_only,
        }
        if self.schema_version == self.max_version:
            with self._transaction(write=False) as cur:
                out["records"] = {TABLES[k]: int(cur.one(f"SELECT COUNT(*) FROM {TABLES[k]}")[0]) for k in KINDS}
                out["audit_entries"] = int(cur.one("SELECT COUNT(*) FROM audit")[0])
                out["revision"] = self._revision(cur)
                meta = {key: json.loads(value) for key, value in cur.execute("SELECT key, value FROM meta")}
                out["title"] = meta.get("title") or ""
        return out

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def _batch(self, user: str) -> Iterator[_Batch]:
        if not isinstance(user, str) or not user.strip():
            raise StoreError("every change needs the editor's name (user)")
        self._check_writable()
        self._check_usable()
        with self._transaction(write=True) as cur:
            changes, checked = self._change_counts(cur)
            batch = _Batch(self, cur, self._state(cur), known_valid=changes is not None and changes == checked)
            yield batch
            self._commit(batch, user.strip())

    def _commit(self, batch: _Batch, user: str) -> None:
        if not batch.ops:
            batch.revision = self._revision(batch.cur)
            return
        scenario = batch.state.scenario()
        problems = scenario_problems(scenario, batch.touched())
        if any(op.kind == SCENARIO_KIND for op in batch.ops):
            problems += _meta_problems(batch.state.meta)
        if problems:
            raise ScenarioError(problems)
        now = self._now()
        stamp = self._encode("timestamp", now)
        cur = batch.cur
        tables: set[str] = set()
        audit: list[tuple[Any, ...]] = []
        adds: list[_Op] = []  # consecutive new rows of one kind, inserted in one go (imports add thousands)
        for op in batch.ops:
            if op.kind in TABLES and op.after_record is not None and not op.existed:
                if adds and adds[0].kind != op.kind:
                    self._insert_rows(cur, adds, stamp, user)
                    adds = []
                adds.append(op)
                tables.add(TABLES[op.kind])
                audit.append(
                    self._audit_row(stamp, user, op.kind, op.ident, op.action, op.version, op.before, op.after)
                )
                continue
            if adds:
                self._insert_rows(cur, adds, stamp, user)
                adds = []
            if op.kind == SCENARIO_KIND:
                for key in META_KEYS:
                    cur.execute(
                        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, json.dumps(batch.state.meta.get(key), ensure_ascii=False)),
                    )
                tables.add("meta")
            elif op.kind == BASEMAP_KIND:
                self._write_layer(cur, op, batch.state.basemap)
                tables.add("basemap")
            else:
                self._write_row(cur, op, now, user)
                tables.add(TABLES[op.kind])
            audit.append(self._audit_row(stamp, user, op.kind, op.ident, op.action, op.version, op.before, op.after))
        if adds:
            self._insert_rows(cur, adds, stamp, user)
        cur.insert_rows("audit", _AUDIT_COLUMNS, audit)
        tables.add("audit")
        self._after_write(cur, batch.state, tables, now)
        if batch.known_valid and self.schema_version >= 3:
            # the records this batch touched were checked above, the others were known valid: all are
            cur.execute(
                "UPDATE meta SET value = (SELECT value FROM meta WHERE key = ?) WHERE key = ?",
                (schema.DATA_CHANGES, schema.VALIDATED_CHANGES),
            )
        batch.revision = self._revision(cur)

    def _write_row(self, cur: Cursor, op: _Op, now: dt.datetime, user: str) -> None:
        table = TABLES[op.kind]
        if op.after_record is None:
            gone = cur.execute(f"DELETE FROM {table} WHERE id = ? RETURNING fid", (op.ident,))
            if len(gone) != 1:
                raise StoreError(f"{op.kind} {op.ident!r} vanished during the transaction")
            return
        plain = values(op.after_record)
        kind_fields = FIELDS[op.kind]
        params = [self._encode(f.type, plain[f.name]) for f in kind_fields]
        params += [op.version, self._encode("timestamp", now), user]
        columns = [_q(f.column) for f in kind_fields] + [_q("version"), _q("updated_at"), _q("updated_by")]
        if op.existed:
            assignments = ", ".join(f"{c} = ?" for c in columns)
            done = cur.execute(f"UPDATE {table} SET {assignments} WHERE id = ? RETURNING fid", params + [op.ident])
        else:
            done = cur.execute(
                f"INSERT INTO {table} (id, {', '.join(columns)}) VALUES (?, {', '.join('?' * len(columns))}) RETURNING fid",
                [op.ident] + params,
            )
        if len(done) != 1:
            raise StoreError(f"{op.kind} {op.ident!r} could not be written")

    def _insert_rows(self, cur: Cursor, ops: Sequence[_Op], stamp: Any, user: str) -> None:
        """New rows of one kind (what :meth:`_write_row` does for one added record), in one statement."""
        kind = ops[0].kind
        kind_fields = FIELDS[kind]
        columns = ["id"] + [_q(f.column) for f in kind_fields] + [_q("version"), _q("updated_at"), _q("updated_by")]
        encode = self._encode
        params = []
        for op in ops:
            # the audit's JSON holds every plain value already (dates and geometries come from the record)
            record, after = op.after_record, op.after
            assert after is not None
            params.append(
                [op.ident]
                + [
                    encode(f.type, getattr(record, f.name) if f.type in ("date", "geometry") else after[f.name])
                    for f in kind_fields
                ]
                + [op.version, stamp, user]
            )
        cur.insert_rows(TABLES[kind], columns, params)

    def _write_layer(self, cur: Cursor, op: _Op, layers: Mapping[str, Any]) -> None:
        if op.action == "delete":
            cur.execute("DELETE FROM basemap WHERE name = ?", (op.ident,))
        else:
            text = json.dumps(layers[op.ident], ensure_ascii=False)
            cur.execute(
                "INSERT INTO basemap (name, geojson) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET geojson = excluded.geojson",
                (op.ident, text),
            )

    def _audit_row(
        self, stamp: Any, user: str, kind: str, ident: str, action: str, version: int | None, before: Any, after: Any
    ) -> tuple[Any, ...]:
        return (stamp, user, kind, ident, action, version, self._encode("json", before), self._encode("json", after))

    def _insert_audit(
        self,
        cur: Cursor,
        now: dt.datetime,
        user: str,
        kind: str,
        ident: str,
        action: str,
        version: int | None,
        before: Any,
        after: Any,
    ) -> None:
        cur.execute(
            _AUDIT_INSERT,
            self._audit_row(self._encode("timestamp", now), user, kind, ident, action, version, before, after),
        )

    def add(self, record: Record, *, user: str) -> int:
        """Add a new record; returns its version (1 for a new id)."""
        with self._batch(user) as batch:
            return batch.add(record)

    def update(self, record: Record, *, expected_version: int, user: str) -> int:
        """Save a changed record read at ``expected_version``; returns the new version.

        Raises :class:`ConflictError` (saving nothing) if the record changed since.
        """
        with self._batch(user) as batch:
            return batch.update(record, expected_version)

    def delete(self, kind: str, ident: str, *, expected_version: int, user: str) -> None:
        """Delete a record read at ``expected_version`` (refused if anything still refers to it)."""
        with self._batch(user) as batch:
            batch.delete(kind, ident, expected_version)

    def restore(
        self,
        kind: str,
        ident: str,
        audit_id: int,
        *,
        expected_version: int,
        user: str,
        state: Literal["before", "after"] | None = None,
    ) -> int:
        """Put back the state recorded by audit entry ``audit_id`` as a new version; returns it.

        By default that is the state the entry produced (``after``), or for a deletion
        the state it deleted (``before``); ``state`` picks one explicitly (restoring a
        state in which the record did not exist deletes it).
        """
        kind = check_kind(kind)
        with self._batch(user) as batch:
            entries = self._audit(batch.cur, "WHERE id = ?", (audit_id,))
            if not entries or entries[0].kind != kind or entries[0].record_id != ident:
                raise RecordNotFoundError(f"audit entry {audit_id} is not a change of {kind} {ident!r}")
            entry = entries[0]
            if state is None:
                state = "before" if entry.after is None else "after"
            return batch.restore(kind, ident, entry.record(state), expected_version)

    def apply(self, changes: Sequence[Change], *, user: str) -> int:
        """Apply several adds, updates and deletes in one transaction (all or nothing); returns the revision."""
        with self._batch(user) as batch:
            if sum(isinstance(change, Add) for change in changes) > BULK_ADDS:
                batch.audited = {
                    (str(k), str(i)) for k, i in batch.cur.execute("SELECT DISTINCT kind, record_id FROM audit")
                }
            for change in changes:
                if isinstance(change, Add):
                    batch.add(change.record)
                elif isinstance(change, Update):
                    batch.update(change.record, change.expected_version)
                elif isinstance(change, Delete):
                    batch.delete(change.kind, change.id, change.expected_version)
                else:
                    raise TypeError(f"not a change: {change!r}")
        return batch.revision

    def replace_scenario(self, scenario: Scenario, *, user: str) -> int:
        """Make the store hold exactly ``scenario`` (records, metadata, basemap), all or nothing.

        Records that did not change keep their version. Returns the revision.
        """
        problems = scenario_problems(scenario) + _meta_problems(meta_of(scenario))
        if problems:
            raise ScenarioError(problems)
        with self._batch(user) as batch:
            batch.known_valid = True  # the whole scenario was checked above, and the store will hold exactly it
            for kind in KINDS:
                wanted = {r.id: r for r in records_of(scenario, kind)}
                current = batch.state.rows[kind]
                for ident in [i for i in current if i not in wanted]:
                    batch.delete(kind, ident, current[ident].version)
                for ident, record in wanted.items():
                    if ident in current:
                        batch.update(record, current[ident].version)
                    else:
                        batch.add(record)
            batch.set_meta(meta_of(scenario))
            batch.set_basemap(scenario.basemap)
        return batch.revision
