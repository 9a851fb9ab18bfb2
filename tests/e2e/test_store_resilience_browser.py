"""In a browser: while the PostgreSQL store refuses connections, a page says "unavailable, retrying",
and it comes back by itself (no reload by the viewer) once the store answers again."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
from e2e_server import AppServer
from store_pages_support import PASSWORD, allow_connections, pg_database, terminate_backends

pytestmark = pytest.mark.e2e


@pytest.fixture
def pg_server() -> Iterator[tuple[AppServer, str]]:
    with pg_database() as url:
        server = AppServer(env={"MAPDATA_STORE": url})
        try:
            server.start()
            yield server, url
        finally:
            server.close()


def test_sources_page_says_retrying_and_comes_back_by_itself(pg_server: tuple[AppServer, str], page: Page) -> None:
    server, url = pg_server
    page.goto(f"{server.url}/Sources")
    expect(page.get_by_text("passages used as evidence").first).to_be_visible(timeout=90_000)

    allow_connections(url, False)
    try:
        terminate_backends(url)
        page.reload()
        expect(page.get_by_text("The data store is unavailable right now; retrying")).to_be_visible(timeout=60_000)
        assert PASSWORD not in page.content()
    finally:
        allow_connections(url, True)
    # no reload: the page polls the store every few seconds and redraws itself once it answers
    expect(page.get_by_text("passages used as evidence").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("The data store is unavailable right now; retrying")).to_have_count(0)
