"""Fixtures for the store suite: every behaviour test runs on both backends.

- ``gpkg``: a fresh GeoPackage file in ``tmp_path``;
- ``postgres``: a fresh schema in a PostGIS database created for the test module
  (``mapdata_test_<random>``, dropped at teardown) on the local PostgreSQL server
  (``MAPDATA_TEST_POSTGRES``, default ``postgresql://postgres@localhost:5432/postgres``).

No skips: if PostgreSQL or PostGIS is missing, the postgres fixture FAILS and says
how to install it (``.ci/run`` and ``./dev.sh test`` do).
"""

from __future__ import annotations

import itertools
import os
import secrets
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import Scenario
from mapdata.store import Store, open_store

ADMIN_URL = os.environ.get("MAPDATA_TEST_POSTGRES", "postgresql://postgres@localhost:5432/postgres")
BACKENDS = ("gpkg", "postgres")


@dataclass
class PgDatabase:
    name: str
    url: str  # postgresql://.../<name>
    counter: Iterator[int]

    def schema_url(self, schema: str) -> str:
        return f"{self.url}?options=" + urllib.parse.quote(f"-csearch_path={schema},public", safe="")

    def new_schema(self) -> str:
        schema = f"t{next(self.counter)}_{secrets.token_hex(2)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return self.schema_url(schema)


def _db_url(name: str) -> str:
    return urllib.parse.urlsplit(ADMIN_URL)._replace(path=f"/{name}").geturl()


def admin_connection() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {ADMIN_URL} ({str(exc).strip()}). The store tests need it: start it with "
            "`pg_ctlcluster --skip-systemctl-redirect 15 main start` (./dev.sh test and .ci/run do), or point "
            "MAPDATA_TEST_POSTGRES at a server.",
            pytrace=False,
        )


def require_postgis(admin: psycopg.Connection[Any]) -> None:
    if admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone() is None:
        pytest.fail(
            "PostGIS is not installed on the PostgreSQL server, and the store tests need it: "
            "apt-get install postgresql-15-postgis-3 (./dev.sh test and .ci/run install it).",
            pytrace=False,
        )


def create_database(admin: psycopg.Connection[Any], *, postgis: bool) -> tuple[str, str]:
    name = f"mapdata_test_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE {name}")
    url = _db_url(name)
    if postgis:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis SCHEMA public")
    return name, url


@pytest.fixture(scope="module")
def pg_admin() -> Iterator[psycopg.Connection[Any]]:
    admin = admin_connection()
    require_postgis(admin)
    yield admin
    admin.close()


@pytest.fixture(scope="module")
def pg_database(pg_admin: psycopg.Connection[Any]) -> Iterator[PgDatabase]:
    """A PostGIS database for this test module; each test gets its own schema in it."""
    name, url = create_database(pg_admin, postgis=True)
    try:
        yield PgDatabase(name=name, url=url, counter=itertools.count(1))
    finally:
        pg_admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def make_pg_database(pg_admin: psycopg.Connection[Any]) -> Iterator[Callable[..., str]]:
    """Creates extra databases for one test (``postgis=False`` for one without the extension); drops them after."""
    names: list[str] = []

    def make(*, postgis: bool) -> str:
        name, url = create_database(pg_admin, postgis=postgis)
        names.append(name)
        return url

    yield make
    for name in names:
        pg_admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def folder_scenario() -> Scenario:
    return load_scenario(DEFAULT_DATA_DIR)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """Makes the location of a new, empty store on this test's backend."""
    counter = itertools.count(1)
    if backend == "postgres":
        database: PgDatabase = request.getfixturevalue("pg_database")
        return database.new_schema
    return lambda: str(tmp_path / f"store{next(counter)}.gpkg")


@pytest.fixture
def opener() -> Iterator[Callable[..., Store]]:
    """open_store, closing every store the test opened at teardown."""
    stores: list[Store] = []

    def open_(url: str | Path, **kwargs: Any) -> Store:
        store = open_store(url, **kwargs)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        store.close()


@pytest.fixture
def store_url(new_url: Callable[[], str]) -> str:
    return new_url()


@pytest.fixture
def store(store_url: str, opener: Callable[..., Store]) -> Store:
    """A store seeded from the bundled scenario folder."""
    return opener(store_url, seed_from=DEFAULT_DATA_DIR)
