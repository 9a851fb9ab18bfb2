"""The shared store: PostgreSQL with PostGIS (psycopg 3).

Tables live in the connection's current schema (the first of ``search_path``; pass
``?options=-csearch_path%3Dmyschema,public`` in the URL to pick another). Places
keep their shape in a ``geometry(Geometry, 4326)`` column. Writers are serialised
with a transaction-scoped advisory lock; reads run in REPEATABLE READ transactions
(one consistent snapshot). A read-only store sets the session to
``TRANSACTION READ ONLY``; a client may lift that (``SET TRANSACTION READ WRITE``), so
deployments give viewers a role that may only SELECT (``MAPDATA_STORE_READ``, see
docs/deployment.md). A dropped connection is replaced at the next transaction, with
back-off while the server cannot be reached (:class:`StoreUnavailableError`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import shapely
from psycopg.types.json import Jsonb

from mapdata.store import schema
from mapdata.store.base import Cursor, Store
from mapdata.store.errors import StoreError, StoreFullError, StoreUnavailableError, StoreWriteError, redact as _redact

POSTGIS_MISSING = (
    "PostGIS is not installed on the PostgreSQL server {where}: the store needs it for place geometries. "
    "On Debian: apt-get install postgresql-15-postgis-3 (match your server's major version), then retry."
)

#: Seconds before the first attempt to reconnect after a failed one; doubled per failure, up to RECONNECT_MAX.
RECONNECT_FIRST = 1.0
RECONNECT_MAX = 30.0
# What a server that is down, restarting or failing over answers (as opposed to a wrong password or database).
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "timed out",
    "starting up",
    "shutting down",
    "in recovery mode",
    "server closed the connection",
    "connection is lost",
    "connection is closed",
    "terminating connection",
    "no route to host",
    "network is unreachable",
    "consistent recovery state",
    "not currently accepting connections",
    "too many clients",
)


def redact(url: str) -> str:
    """The URL with any password replaced by *** (see :func:`mapdata.store.errors.redact`)."""
    return _redact(url)


def _unreachable(exc: BaseException) -> bool:
    return isinstance(exc, psycopg.OperationalError) and any(word in str(exc).lower() for word in _UNREACHABLE)


class _PgCursor(Cursor):
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params) if params else None)
        return self.cursor.fetchall() if self.cursor.description is not None else []

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self.cursor.executemany(sql.replace("?", "%s"), [tuple(p) for p in params])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``COPY``: one statement for any number of rows (one statement per row would fire the store's
        per-statement change-counting trigger once per row, and thousands of updates of one counter row
        in one transaction grow its version chain: quadratic time), and no SQL text to build or parse."""
        if not rows:
            return
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


class PostgresStore(Store):
    """A connection that comes back by itself: when the server dropped it (``pg_terminate_backend``,
    a restart, a failover) the next transaction reconnects and runs; while the server cannot be
    reached, transactions raise :class:`StoreUnavailableError` at once and a new connection is tried
    after a back-off (1 s, doubling to 30 s)."""

    backend = "PostgreSQL + PostGIS"
    dialect = "postgres"

    def __init__(self, url: str, *, read_only: bool = False, max_version: int = schema.LATEST) -> None:
        super().__init__(url, read_only=read_only, max_version=max_version)
        self._failures = 0
        self._next_attempt = 0.0
        self._conn: psycopg.Connection[Any] | None = None
        self._conn = self._connect()

    def describe(self) -> str:
        return redact(self.url)

    def _words(self, exc: BaseException) -> str:
        """A driver's message, credentials hidden (libpq may echo the connection string)."""
        return _redact(str(exc).strip(), self.url)

    def _connect(self, *, again: bool = False) -> psycopg.Connection[Any]:
        """A new connection; ``again``: the server was reached before, so any failure to connect means it is unavailable."""
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            if _unreachable(exc) or (again and isinstance(exc, psycopg.OperationalError)):
                raise self._unavailable(exc) from None
            raise StoreError(f"cannot connect to {self.describe()}: {self._words(exc)}") from None
        try:
            if self.read_only:
                conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        except psycopg.Error as exc:
            conn.close()
            raise self._unavailable(exc) from None
        self._failures = 0
        return conn

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        """The error for a server that cannot be reached; sets when the next attempt to reconnect may run."""
        self._failures += 1
        delay = min(RECONNECT_MAX, RECONNECT_FIRST * 2 ** (self._failures - 1))
        self._next_attempt = time.monotonic() + delay
        return StoreUnavailableError(
            f"the PostgreSQL store {self.describe()} is unavailable ({self._words(exc)}); "
            f"mapdata reconnects by itself (next attempt in {delay:.0f} s)",
            retry_in=delay,
        )

    def _connection(self) -> psycopg.Connection[Any]:
        """The open connection; a new one if the server dropped it (not before the back-off has passed)."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._discard()
        wait = self._next_attempt - time.monotonic()
        if wait > 0:
            raise StoreUnavailableError(
                f"the PostgreSQL store {self.describe()} is unavailable; mapdata reconnects by itself "
                f"(next attempt in {wait:.0f} s)",
                retry_in=wait,
            )
        self._conn = self._connect(again=True)
        return self._conn

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _begin(self, write: bool) -> psycopg.Cursor[Any]:
        """A cursor in a new transaction. A connection found dropped here (nothing was read or
        written yet) is replaced and the transaction begun once more."""
        for attempt in (1, 2):
            conn = self._connection()
            raw = conn.cursor()
            try:
                if write:
                    raw.execute("BEGIN")
                    raw.execute("SELECT pg_advisory_xact_lock(hashtext('mapdata:' || current_schema()))")
                else:
                    raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                return raw
            except psycopg.OperationalError as exc:
                if not (conn.closed or conn.broken):
                    try:  # e.g. a lock or statement timeout: leave no failed transaction behind for the next one
                        raw.execute("ROLLBACK")
                    except psycopg.Error:
                        self._discard()
                    raw.close()
                    raise StoreError(f"{self.describe()}: cannot start a transaction: {self._words(exc)}") from None
                self._discard()
                if attempt == 2:
                    raise self._unavailable(exc) from None
        raise AssertionError("unreachable")

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._lock:
            raw = self._begin(write)
            conn = raw.connection
            try:
                yield _PgCursor(raw)
            except BaseException as exc:
                if not (conn.closed or conn.broken):
                    try:
                        raw.execute("ROLLBACK")
                    except psycopg.Error:
                        self._discard()
                self._translate(exc, conn)
                raise
            else:
                try:
                    raw.execute("COMMIT")
                except psycopg.Error as exc:
                    self._translate(exc, conn, committing=write)
                    raise
            finally:
                raw.close()

    def _translate(self, exc: BaseException, conn: psycopg.Connection[Any], *, committing: bool = False) -> None:
        """Raise the store's own error for a driver error inside a transaction (returns for any other)."""
        if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
            raise StoreError(f"{self.describe()} is read-only: {self._words(exc)}") from None
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            raise StoreError(f"{self.describe()}: permission denied: {self._words(exc)}") from None
        # write errors, mapped to what they mean (the transaction was rolled back: nothing changed)
        if isinstance(exc, (psycopg.errors.DiskFull, psycopg.errors.ProgramLimitExceeded)):
            raise StoreFullError(
                f"{self.describe()}: the database server is out of space or past a limit "
                f"({self._words(exc)}); nothing was changed. Ask its administrator to free "
                "space, then try again."
            ) from None
        if isinstance(exc, psycopg.DataError):
            raise StoreWriteError(
                f"{self.describe()}: the database refused a value ({self._words(exc)}); nothing was changed."
            ) from None
        if isinstance(exc, psycopg.OperationalError) and (conn.closed or conn.broken):
            self._discard()  # the next transaction reconnects at once (a failure to reconnect starts the back-off)
            lost = f"the connection to the PostgreSQL store {self.describe()} was lost ({self._words(exc)})"
            if committing:
                raise StoreUnavailableError(
                    f"{lost} while saving: the change may or may not have been saved; reload and check before "
                    "trying again",
                    retry_in=0.0,
                ) from None
            raise StoreUnavailableError(f"{lost}; reading again reconnects", retry_in=0.0) from None

    def _table_exists(self, cur: Cursor, name: str) -> bool:
        row = cur.one("SELECT to_regclass(?) IS NOT NULL", (name,))
        return bool(row and row[0])

    def _prepare_new(self, cur: Cursor) -> None:
        if cur.one("SELECT 1 FROM pg_extension WHERE extname = 'postgis'") is not None:
            return
        if cur.one("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'") is None:
            raise StoreError(POSTGIS_MISSING.format(where=self.describe()))
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def _geometry_out(self, column: str) -> str:
        return f"ST_AsBinary({column})"

    def _encode(self, type_: str, value: Any) -> Any:
        if value is None:
            return None
        if type_ == "list":
            return [str(v) for v in value]
        if type_ == "geometry":  # hex EWKB text: the geometry type's own input form (parameters and COPY)
            return shapely.to_wkb(
                shapely.set_srid(value, schema.SRID), hex=True, include_srid=True, flavor="extended", output_dimension=2
            )
        if type_ == "json":
            return Jsonb(value)
        return value

    def _decode(self, type_: str, value: Any) -> Any:
        if value is None:
            return None
        if type_ == "geometry":
            return shapely.from_wkb(bytes(value))
        if type_ == "list":
            return list(value)
        if type_ == "timestamp" and isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC)
        return value
