"""In a browser: after Restore the Edit page stays on its History tab (issue 8 item 13), and the change
picker and the difference table read as people expect."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e_server import AppServer
from mapdata.store import open_store
from test_team import PASSWORD, _sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def edited_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    store = tmp_path_factory.mktemp("history") / "store.gpkg"
    writer = open_store(store, seed_from=ROOT / "geodata")
    item = writer.get("place", "homs")
    writer.update(
        dataclasses.replace(item.record, name_en="Homs city (renamed by mistake)"),
        expected_version=item.version,
        user="Omar",
    )
    writer.close()
    server = AppServer(env={"MAPDATA_STORE": str(store), "MAPDATA_EDITOR_PASSWORD": PASSWORD}, startup_timeout=120)
    server.start()
    yield server
    server.close()


def _settle(page: Page) -> None:
    """Wait until the page's script run has finished."""
    page.wait_for_timeout(300)
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning")


def _choose(page: Page, label: str, text: str) -> None:
    _settle(page)
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    _settle(page)


def test_restore_stays_on_the_history_tab(page: Page, edited_app: AppServer) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    _sign_in(page, edited_app.url)
    _settle(page)
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_role("tab", selected=True)).to_have_text("History")
    _choose(page, "Record type", "place")
    expect(page.get_by_role("combobox", name="Record", exact=True)).to_be_visible()
    _choose(page, "Record", "homs")
    expect(page.get_by_role("combobox", name="Change", exact=True)).to_have_value(
        re.compile(r"^rev \d+ · \d{4}-\d\d-\d\d \d\d:\d\d · Omar · update place homs \(v2\)$")
    )
    expect(
        page.get_by_text("Homs city (renamed by mistake)").first
    ).to_be_attached()  # a canvas grid: its cells are hidden
    page.get_by_text("the state before this change").click()
    _settle(page)
    page.get_by_role("button", name="Restore place homs to the state before").click()
    expect(page.get_by_text("Restored place homs")).to_be_visible()
    expect(page.get_by_role("tab", selected=True)).to_have_text("History")
    expect(page.get_by_role("combobox", name="Record", exact=True)).to_be_visible()
    assert (
        open_store(Path(edited_app.extra_env["MAPDATA_STORE"]), read_only=True).get("place", "homs").record.name_en
        == "Homs"
    )
