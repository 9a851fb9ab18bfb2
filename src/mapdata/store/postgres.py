"""The shared store: PostgreSQL with PostGIS (psycopg 3).

Tables live in the connection's current schema (the first of ``search_path``; pass
``?options=-csearch_path%3Dmyschema,public`` in the URL to pick another). Places
keep their shape in a ``geometry(Geometry, 4326)`` column. Writers are serialised
with a transaction-scoped advisory lock; reads run in REPEATABLE READ transactions
(one consistent snapshot). A read-only store sets the session to
``TRANSACTION READ ONLY``, so the server itself refuses any write.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import psycopg
import shapely
from psycopg.types.json import Jsonb

from mapdata.store import schema
from mapdata.store.base import Cursor, Store
from mapdata.store.errors import StoreError, StoreFullError, StoreWriteError

POSTGIS_MISSING = (
    "PostGIS is not installed on the PostgreSQL server {where}: the store needs it for place geometries. "
    "On Debian: apt-get install postgresql-15-postgis-3 (match your server's major version), then retry."
)


def redact(url: str) -> str:
    """The URL with any password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


class _PgCursor(Cursor):
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params) if params else None)
        return self.cursor.fetchall() if self.cursor.description is not None else []

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self.cursor.executemany(sql.replace("?", "%s"), [tuple(p) for p in params])


class PostgresStore(Store):
    backend = "PostgreSQL + PostGIS"
    dialect = "postgres"

    def __init__(self, url: str, *, read_only: bool = False, max_version: int = schema.LATEST) -> None:
        super().__init__(url, read_only=read_only, max_version=max_version)
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {redact(url)}: {str(exc).strip()}") from None
        if read_only:
            self._conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def describe(self) -> str:
        return redact(self.url)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._lock:
            try:
                with self._conn.transaction():
                    with self._conn.cursor() as raw:
                        cur = _PgCursor(raw)
                        if write:
                            cur.execute("SELECT pg_advisory_xact_lock(hashtext('mapdata:' || current_schema()))")
                        else:
                            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        yield cur
            except psycopg.errors.ReadOnlySqlTransaction as exc:
                raise StoreError(f"{self.describe()} is read-only: {str(exc).strip()}") from None
            except psycopg.errors.InsufficientPrivilege as exc:
                raise StoreError(f"{self.describe()}: permission denied: {str(exc).strip()}") from None
            # write errors, mapped to what they mean (the transaction was rolled back: nothing changed)
            except (psycopg.errors.DiskFull, psycopg.errors.ProgramLimitExceeded) as exc:
                raise StoreFullError(f"{self.describe()}: the database server is out of space or past a limit "
                                     f"({str(exc).strip()}); nothing was changed. Ask its administrator to free "
                                     "space, then try again.") from None
            except psycopg.DataError as exc:
                raise StoreWriteError(f"{self.describe()}: the database refused a value ({str(exc).strip()}); "
                                      "nothing was changed.") from None

    def _table_exists(self, cur: Cursor, name: str) -> bool:
        row = cur.one("SELECT to_regclass(?) IS NOT NULL", (name,))
        return bool(row and row[0])

    def _prepare_new(self, cur: Cursor) -> None:
        if cur.one("SELECT 1 FROM pg_extension WHERE extname = 'postgis'") is not None:
            return
        if cur.one("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'") is None:
            raise StoreError(POSTGIS_MISSING.format(where=self.describe()))
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def _geometry_in(self) -> str:
        return "ST_GeomFromWKB(?, 4326)"

    def _geometry_out(self, column: str) -> str:
        return f"ST_AsBinary({column})"

    def _encode(self, type_: str, value: Any) -> Any:
        if value is None:
            return None
        if type_ == "list":
            return [str(v) for v in value]
        if type_ == "geometry":
            return shapely.to_wkb(value, byte_order=1, flavor="iso", output_dimension=2)
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
            return value.astimezone(dt.timezone.utc)
        return value
