"""PostgreSQL: the store reconnects after its connections are dropped, and says so while it cannot.

Backends are terminated from an admin connection (``pg_terminate_backend``), as a database
restart or a failover would drop them; the next read reconnects and succeeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import Store, StoreUnavailableError, open_store, postgres as pg_backend


def terminate_backends(admin: psycopg.Connection[Any], url: str) -> int:
    """Terminate every connection to ``url``'s database (as a restart or failover would); returns how many."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    ).fetchall()
    return len(rows)


@pytest.fixture
def pg_url(make_pg_database: Callable[..., str]) -> str:
    return make_pg_database(postgis=True)


@pytest.fixture
def stores(pg_url: str) -> Iterator[tuple[Store, Store]]:
    """(editors' read-write store, viewers' read-only store) on one seeded database."""
    writer = open_store(pg_url, seed_from=DEFAULT_DATA_DIR)
    viewer = open_store(pg_url, read_only=True)
    yield writer, viewer
    viewer.close()
    writer.close()


def test_reads_and_writes_work_again_after_the_backends_are_terminated(
    pg_admin: psycopg.Connection[Any],
    pg_url: str,
    stores: tuple[Store, Store],
) -> None:
    writer, viewer = stores
    before = viewer.current()
    assert terminate_backends(pg_admin, pg_url) >= 2

    after = viewer.current()  # no AdminShutdown: the viewer's connection came back
    assert after.scenario == before.scenario and after.revision == before.revision
    assert viewer.revision() == before.revision

    place = writer.get("place", before.scenario.places[0].id)
    terminate_backends(pg_admin, pg_url)
    version = writer.update(
        dataclasses.replace(place.record, name_en="Renamed"), expected_version=place.version, user="rana"
    )
    assert version == place.version + 1
    terminate_backends(pg_admin, pg_url)
    assert viewer.get("place", place.record.id).record.name_en == "Renamed"


def test_while_the_server_refuses_connections_reads_fail_fast_then_recover(
    pg_admin: psycopg.Connection[Any],
    pg_url: str,
    stores: tuple[Store, Store],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, viewer = stores
    revision = viewer.revision()
    name = psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"]
    pg_admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    try:
        terminate_backends(pg_admin, pg_url)
        with pytest.raises(StoreUnavailableError, match="is unavailable.*reconnects by itself") as first:
            viewer.revision()
        assert first.value.retry_in == pytest.approx(pg_backend.RECONNECT_FIRST)
        with pytest.raises(StoreUnavailableError, match="next attempt in"):  # backing off: no new attempt yet
            viewer.revision()
    finally:
        pg_admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    monkeypatch.setattr(viewer, "_next_attempt", 0.0)  # the back-off has passed
    assert viewer.revision() == revision


def test_back_off_doubles_up_to_its_ceiling(pg_url: str, stores: tuple[Store, Store]) -> None:
    _, viewer = stores
    assert isinstance(viewer, pg_backend.PostgresStore)
    waits = []
    for _ in range(8):
        waits.append(viewer._unavailable(psycopg.OperationalError("connection refused")).retry_in)
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_read_cut_off_midway_says_so_and_the_next_read_reconnects_at_once(
    pg_admin: psycopg.Connection[Any],
    pg_url: str,
    stores: tuple[Store, Store],
) -> None:
    _, viewer = stores
    revision = viewer.revision()
    with pytest.raises(StoreUnavailableError, match="was lost.*reading again reconnects") as lost:
        with viewer._transaction(write=False) as cur:  # type: ignore[attr-defined]
            cur.execute("SELECT 1")
            terminate_backends(pg_admin, pg_url)  # the server goes away in the middle of a read
            cur.execute("SELECT COUNT(*) FROM places")
    assert lost.value.retry_in == 0  # no back-off: nothing says the server is down
    assert viewer.revision() == revision


def test_a_transaction_that_cannot_start_leaves_the_connection_usable(pg_url: str) -> None:
    """A write that times out waiting for the store's lock fails with a message; the next read works."""
    from mapdata.store import StoreError

    open_store(pg_url, seed_from=DEFAULT_DATA_DIR).close()
    impatient = open_store(pg_url + "?options=-c%20lock_timeout%3D200")
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtext('mapdata:' || current_schema()))")
        with pytest.raises(StoreError, match="cannot start a transaction"):
            with impatient._transaction(write=True):
                pass
    assert impatient.revision() > 0  # no failed transaction left open on its connection
    impatient.close()
