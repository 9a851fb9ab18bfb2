"""When the PostgreSQL store is unavailable viewers see "unavailable, retrying", and the pages come back by themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR
from mapdata.store import postgres as pg_backend
from store_pages_support import PASSWORD, allow_connections, everything_shown, pg_database, terminate_backends

PAGES = [
    str(APP_DIR / "dashboard.py"),
    str(APP_DIR / "pages" / "3_Sources.py"),
    str(APP_DIR / "pages" / "4_Data_check.py"),
]


def assert_unavailable(at: AppTest) -> None:
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any("The data store is unavailable right now; retrying" in w for w in warnings), warnings
    assert not at.error, [e.value for e in at.error]
    assert PASSWORD not in everything_shown(at)


@pytest.mark.parametrize("page", PAGES)
def test_a_server_that_is_down_shows_unavailable_retrying(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_STORE", f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/mapdata")  # nothing listens
    assert_unavailable(AppTest.from_file(page, default_timeout=60).run())


@pytest.fixture
def pg_store_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with pg_database() as url:
        monkeypatch.setenv("MAPDATA_STORE", url)
        yield url


@pytest.mark.store  # a PostgreSQL store: runs with the store tier, not in ./dev.sh quick
def test_pages_come_back_after_the_connections_are_dropped(pg_store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_backend, "RECONNECT_FIRST", 0.0)  # no waiting between attempts in this test
    for page in PAGES:
        assert not AppTest.from_file(page, default_timeout=120).run().exception

    assert terminate_backends(pg_store_url) >= 1  # as pg_terminate_backend, a restart or a failover would
    for page in PAGES:
        at = AppTest.from_file(page, default_timeout=60).run()
        assert not at.exception, at.exception
        assert not at.warning and not at.error, [*map(str, at.warning), *map(str, at.error)]

    allow_connections(pg_store_url, False)  # the server is there but refuses us (as while it restarts)
    try:
        terminate_backends(pg_store_url)
        for page in PAGES:
            assert_unavailable(AppTest.from_file(page, default_timeout=60).run())
    finally:
        allow_connections(pg_store_url, True)
    for page in PAGES:
        at = AppTest.from_file(page, default_timeout=60).run()
        assert not at.exception and not at.warning, [*map(str, at.warning), at.exception]


def test_a_read_cut_off_midway_is_read_again_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from mapdata import ui
    from mapdata.store import StoreUnavailableError

    builder_for = ui._builder_for
    calls: list[int] = []

    def cut_off_once(store: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise StoreUnavailableError("the connection was lost; reading again reconnects", retry_in=0.0)
        return builder_for(store)  # type: ignore[arg-type]

    monkeypatch.setattr(ui, "_builder_for", cut_off_once)
    at = AppTest.from_file(PAGES[1], default_timeout=60).run()
    assert not at.exception and not at.warning, [*map(str, at.warning), at.exception]
    assert len(calls) == 2 and any("passages used as evidence" in m.value for m in at.markdown)
