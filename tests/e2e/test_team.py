"""Team mode end to end: two app processes on one PostGIS store; an edit in one is seen in the other."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Page, TimeoutError as PlaywrightTimeoutError, expect

from e2e_server import AppServer, ServerError
from e2e_support import Dashboard

pytestmark = pytest.mark.e2e

ADMIN_URL = "postgresql://postgres@localhost:5432/postgres"
PASSWORD = "e2e-team-password"


@pytest.fixture(scope="module")
def postgis_url() -> Iterator[str]:
    name = f"mapdata_e2e_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed for the team test (localhost:5432, user postgres): {exc}", pytrace=False)
    yield f"postgresql://postgres@localhost:5432/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two_apps(postgis_url: str) -> Iterator[tuple[AppServer, AppServer]]:
    env = {"MAPDATA_STORE": postgis_url, "MAPDATA_EDITOR_PASSWORD": PASSWORD}
    servers = []
    try:
        for _ in range(2):
            servers.append(AppServer(env=env).start())
    except ServerError as exc:
        for server in servers:
            server.close()
        pytest.fail(f"an app process did not start:\n{exc}", pytrace=False)
    yield servers[0], servers[1]
    for server in servers:
        server.close()


def _tooltip(dashboard: Dashboard, place_id: str) -> str:
    marker = dashboard.map.locator(f"path.mapdata-place-{place_id}").first
    marker.hover(force=True)
    tooltip = dashboard.map.locator(".leaflet-tooltip:not(.mapdata-label)").last
    expect(tooltip).to_be_visible()
    return tooltip.inner_text()


def test_an_edit_in_one_app_process_is_seen_by_the_other(page: Page, two_apps: tuple[AppServer, AppServer]) -> None:
    app_a, app_b = two_apps
    assert app_a.port != app_b.port
    page.set_viewport_size({"width": 1400, "height": 1000})  # wide enough for the sidebar to stay open
    viewer = Dashboard(page, app_b).open("?date=2018-06-04&zoom=9&lat=34.62&lon=36.62", date="2018-06-04")
    assert "Homs" in _tooltip(viewer, "homs") and "edited in app A" not in _tooltip(viewer, "homs")

    # An editor signs in on app A and renames Homs on the Edit page.
    page.goto(f"{app_a.url}/Edit")
    expect(page.get_by_role("dialog")).to_have_count(0)  # a deep link to a page opens it, no "page not found"
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("Your name (recorded with your edits)").fill("Rana")
    sidebar.get_by_label("Team password").fill(PASSWORD)
    sidebar.get_by_role("button", name="Sign in to edit").click()
    expect(sidebar.get_by_text("Signed in as Rana")).to_be_visible()
    page.get_by_role("tab", name="Places").click()
    page.wait_for_timeout(300)  # the tabs keep their state: switching reruns the page; let that run finish
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning")
    panel = page.get_by_role("tabpanel", name="Places")
    panel.get_by_role("combobox").first.click()
    page.keyboard.type("Homs")
    page.get_by_role("option", name="Homs (حمص)").first.click()
    # choosing a place reruns the page; while it runs the old form may still be on screen (marked stale)
    name = panel.locator('[data-testid="stElementContainer"]:not([data-stale="true"])').get_by_label("Name (English)")
    expect(name).to_have_value("Homs")
    name.fill("Homs (edited in app A)")
    panel.get_by_role("button", name="Save place").click()
    expect(page.get_by_text("Saved place homs.")).to_be_visible()

    # App B, a separate process on another port, shows the edit.
    viewer.open("?date=2018-06-04&zoom=9&lat=34.62&lon=36.62", date="2018-06-04")
    expect_text = _tooltip(viewer, "homs")
    assert "Homs (edited in app A)" in expect_text


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/Edit")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("Your name (recorded with your edits)").fill("Rana")
    sidebar.get_by_label("Team password").fill(PASSWORD)
    sidebar.get_by_role("button", name="Sign in to edit").click()
    expect(sidebar.get_by_text("Signed in as Rana")).to_be_visible()


@pytest.mark.flaky(
    reruns=2
)  # a safety net: the cause (a polling fragment that lost its rerun under load) is mended in ui/edit.py, see there
def test_import_page_refuses_a_bad_file_then_imports_a_good_one(
    page: Page, two_apps: tuple[AppServer, AppServer], postgis_url: str, tmp_path
) -> None:
    from mapdata.store import open_store

    app_a, app_b = two_apps
    page.set_viewport_size({"width": 1400, "height": 1000})
    Dashboard(page, app_a).open("?date=2018-06-04", date="2018-06-04")  # the store exists and is seeded
    store = open_store(postgis_url, read_only=True)
    revision = store.revision()
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "X", '
        '"force": "martians", "role": "control", "start": "2018-06-01", "source": "Wire", '
        '"quote": "Martians landed near al-Qusayr."}, '
        '"geometry": {"type": "Point", "coordinates": [36.5, 34.5]}}]}',
        encoding="utf-8",
    )
    _sign_in(page, app_a.url)
    page.get_by_role("tab", name="Import").click()
    panel = page.get_by_role("tabpanel", name="Import")
    panel.locator('input[type="file"]').set_input_files(str(bad))
    expect(panel.get_by_text("cannot be imported; nothing was changed")).to_be_visible()
    expect(panel.get_by_text("unknown force 'martians'").first).to_be_visible()
    assert store.revision() == revision

    good = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import-example.geojson"
    # the refusal's rerun must be over before the next file goes in, or the uploader may drop it
    page.wait_for_timeout(300)
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning")
    button = panel.get_by_role("button", name="Import import-example.geojson")
    for attempt in range(3):  # a file the uploader dropped is given again (never more than three times)
        panel.locator('input[type="file"]').set_input_files(str(good))
        try:
            button.wait_for(state="visible", timeout=30_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    button.click()
    expect(page.get_by_text("Imported import-example.geojson")).to_be_visible(timeout=60_000)  # a loaded CI machine
    assert store.revision() > revision
    assert any(p.name_en == "Tal Kalakh" for p in store.scenario().places)
    # the other app process shows the imported place
    viewer = Dashboard(page, app_b).open("?date=2018-06-22&zoom=9&lat=34.62&lon=36.5", date="2018-06-22")
    expect(viewer.map.locator("path.mapdata-place-tal_kalakh").first).to_be_attached()
