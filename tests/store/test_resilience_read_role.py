"""PostgreSQL: viewers read through a separate read-only role (MAPDATA_STORE_READ).

The session's ``default_transaction_read_only`` is no barrier (``SET TRANSACTION READ
WRITE`` lifts it); a role with only SELECT rights is. The role is created as
docs/deployment.md says.
"""

from __future__ import annotations

import dataclasses
import secrets
import urllib.parse
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mapdata.config import settings
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import Store, StoreError, open_store


def as_role(url: str, role: str, password: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port or 5432}").geturl()


@pytest.fixture
def read_role(pg_admin: psycopg.Connection[Any], pg_database: Any) -> Iterator[tuple[str, str]]:
    """(the writer's URL, the read-only role's URL) for one seeded store."""
    writer_url = pg_database.new_schema()
    open_store(writer_url, seed_from=DEFAULT_DATA_DIR).close()
    schema = urllib.parse.unquote(writer_url.split("search_path%3D", 1)[1]).split(",")[0]
    role = f"mapdata_read_{secrets.token_hex(3)}"
    password = secrets.token_hex(8)
    with psycopg.connect(writer_url, autocommit=True) as conn:  # the SQL of docs/deployment.md, "read-only role"
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        conn.execute(f"GRANT CONNECT ON DATABASE {pg_database.name} TO {role}")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT ON TABLES TO {role}')
        conn.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
    try:
        yield writer_url, as_role(writer_url, role, password)
    finally:
        with psycopg.connect(pg_database.url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
        pg_admin.execute(f"DROP ROLE {role}")


def _write_behind_the_stores_back(store: Store) -> None:
    """What a hostile page run could try on the viewers' connection: lift read-only, then write."""
    conn = store._conn  # type: ignore[attr-defined]
    with conn.transaction():
        conn.execute("SET TRANSACTION READ WRITE")
        conn.execute("UPDATE meta SET value = '\"defaced\"' WHERE key = 'title'")


def test_the_same_role_read_only_is_no_barrier(read_role: tuple[str, str]) -> None:
    writer_url, _ = read_role
    with open_store(writer_url, read_only=True) as viewer:
        _write_behind_the_stores_back(viewer)  # the session setting alone lets this through
        assert viewer.scenario().title == "defaced"


def test_the_read_role_cannot_write_even_after_set_transaction_read_write(read_role: tuple[str, str]) -> None:
    writer_url, reader_url = read_role
    with open_store(reader_url, read_only=True) as viewer:
        title = viewer.scenario().title
        assert viewer.info()["records"]["places"] == 11
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _write_behind_the_stores_back(viewer)
        assert viewer.scenario().title == title
        with open_store(writer_url) as writer:  # editors write through their own role, seen by viewers at once
            place = writer.get("place", writer.scenario().places[0].id)
            writer.update(
                dataclasses.replace(place.record, name_en="Renamed"), expected_version=place.version, user="rana"
            )
        assert viewer.get("place", place.record.id).record.name_en == "Renamed"
    with pytest.raises(StoreError, match="is read-only|permission denied"):
        with open_store(reader_url) as wrongly:  # opened read-write by mistake: the server still refuses writes
            wrongly.update(place.record, expected_version=place.version + 1, user="mallory")


def test_the_app_reads_through_mapdata_store_read(read_role: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    writer_url, reader_url = read_role
    assert settings({"MAPDATA_STORE": writer_url, "MAPDATA_STORE_READ": f" {reader_url} "}).store_read == reader_url
    assert settings({"MAPDATA_STORE": writer_url}).store_read is None
    monkeypatch.setenv("MAPDATA_STORE", writer_url)
    monkeypatch.setenv("MAPDATA_STORE_READ", reader_url)
    from mapdata import ui

    viewer = ui._reader(ui.store_location(), str(DEFAULT_DATA_DIR))  # the viewers' shared connection
    try:
        assert viewer.read_only and viewer.url == reader_url
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _write_behind_the_stores_back(viewer)
    finally:
        ui._reader.clear()
        viewer.close()
