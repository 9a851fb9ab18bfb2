"""The briefer's and analyst's views in a real browser: place names on the map (English and Arabic), finding a
place by name, the control areas on both map paths, compare mode on the browser-side map, and the events filter.

The seed scenario on the server-rendered map (``dashboard``) and on the browser-side map (``MAPDATA_CLIENT_MAP=on``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e_server import AppServer
from e2e_support import Dashboard
from mapdata.model.load import load_scenario
from mapdata.model.timeline import Timeline

pytestmark = pytest.mark.e2e

ZOOMED = "?date=2018-06-10&lat=34.55&lon=36.56&zoom=11"


@pytest.fixture(scope="module")
def client_server(browser: Browser) -> Iterator[AppServer]:
    with AppServer(env={"MAPDATA_CLIENT_MAP": "on"}) as server:
        yield server


@pytest.fixture
def client_dashboard(page: Page, client_server: AppServer) -> Dashboard:
    return Dashboard(page, client_server)


def _client_ready(dashboard: Dashboard, query: str) -> None:
    dashboard.open_client(query)


def _names(dashboard: Dashboard) -> list[str]:
    return dashboard.frame.evaluate(
        "() => Array.from(document.querySelectorAll('.mapdata-name')).filter(d => d.style.display !== 'none')"
        ".map(d => d.textContent)"
    )


def _overlaps(dashboard: Dashboard) -> int:
    return dashboard.frame.evaluate(
        """() => {
            const r = Array.from(document.querySelectorAll('.mapdata-name')).filter(d => d.style.display !== 'none')
                .map(d => d.getBoundingClientRect());
            let n = 0;
            for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)
                if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++;
            return n;
        }"""
    )


# -- place names ---------------------------------------------------------------------------------------------------


def test_place_names_are_written_without_overlap_and_in_arabic_on_request(dashboard: Dashboard) -> None:
    dashboard.open(ZOOMED, date="2018-06-10")
    dashboard.page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " return f && f.contentDocument.querySelectorAll('.mapdata-name').length > 0; }"
    )
    names = _names(dashboard)
    assert "al-Qusayr" in names and "al-Dabaa military airport" in names
    assert _overlaps(dashboard) == 0
    # country zoom: towns only, and few
    dashboard.frame.evaluate("() => window.map.setZoom(7)")
    dashboard.page.wait_for_timeout(800)
    assert not [n for n in _names(dashboard) if n.startswith("Position")]
    # Arabic, from the sidebar; the link keeps it
    dashboard.sidebar.get_by_text("Arabic place names").click()
    dashboard.wait_for_query("params.get('names') === 'ar'")
    dashboard.frame.evaluate("() => window.map.setView([34.55, 36.56], 11)")
    dashboard.page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " return Array.from(f.contentDocument.querySelectorAll('.mapdata-name')).some(d => d.textContent === 'القصير'); }"
    )
    assert _overlaps(dashboard) == 0


# -- find a place --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Kusair", "القصير"])
def test_find_a_place_flies_to_it_with_its_card_open(dashboard: Dashboard, typed: str) -> None:
    dashboard.open("?date=2018-06-10&lat=34.2&lon=36.2&zoom=8", date="2018-06-10")
    box = dashboard.page.get_by_label("Find a place", exact=True)
    box.fill(typed)
    box.press("Enter")
    choice = dashboard.page.get_by_role("radiogroup", name="Places found").get_by_role(
        "radio", name="al-Qusayr · القصير", exact=True
    )
    expect(choice).to_be_visible()
    choice.click()
    card = dashboard.map.locator(".leaflet-popup .mapdata-popup[data-place='al_qusayr']")
    expect(card).to_be_visible(timeout=15_000)
    expect(card.locator("h4")).to_have_text("al-Qusayr")
    expect(dashboard.map.locator("path.mapdata-highlight-al_qusayr").first).to_be_attached()
    view = dashboard.map_view()
    assert abs(view["lat"] - 34.51) < 0.2 and abs(view["lon"] - 36.58) < 0.2 and view["zoom"] >= 10


def test_a_name_nobody_has_says_so(dashboard: Dashboard) -> None:
    dashboard.open("?date=2018-06-10", date="2018-06-10")
    box = dashboard.page.get_by_label("Find a place", exact=True)
    box.fill("Xyzzyville")
    box.press("Enter")
    expect(dashboard.page.get_by_text("No place matches “Xyzzyville”")).to_be_visible()


# -- control areas -------------------------------------------------------------------------------------------------


def test_control_areas_toggle_on_the_server_map(dashboard: Dashboard) -> None:
    dashboard.open(ZOOMED, date="2018-06-10")
    expect(dashboard.map.locator("path.mapdata-cell")).to_have_count(0)
    dashboard.sidebar.get_by_text("Control areas").click()
    dashboard.wait_for_query("params.get('areas') === '1'")
    expect(dashboard.map.locator("path.mapdata-cell").first).to_be_attached()
    # the three positions held by the regime on 10 June: their cells are in its colour
    fills = dashboard.frame.evaluate(
        "() => Array.from(document.querySelectorAll('path.mapdata-cell')).map(p => (p.getAttribute('fill') || '').toUpperCase())"
    )
    assert fills.count("#D55E00") >= 3 or len(fills) >= 3
    expect(dashboard.map.locator(".mapdata-legend-only-areas").first).to_be_visible()
    expect(dashboard.page.get_by_text("Held on this date")).to_be_visible()
    expect(dashboard.page.get_by_text("derived from place control and approximate").first).to_be_visible()
    dashboard.sidebar.get_by_text("Control areas").click()
    dashboard.wait_for_query("params.get('areas') === '0'")
    expect(dashboard.map.locator("path.mapdata-cell")).to_have_count(0)


def test_control_areas_and_compare_on_the_browser_side_map(client_dashboard: Dashboard) -> None:
    _client_ready(client_dashboard, "?date=2018-06-10&areas=1&since=2018-06-03&lat=34.55&lon=36.56&zoom=11")
    frame = client_dashboard.frame
    client_dashboard.page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const c = f.contentWindow.mapdataClient; return !!(c.cells && Object.keys(c.cellShown).some(k => c.cellShown[k])); }",
        timeout=30_000,
    )
    shown = frame.evaluate("() => Object.keys(mapdataClient.cellShown).filter(k => mapdataClient.cellShown[k]).length")
    assert shown >= 3
    assert frame.evaluate("() => document.querySelectorAll('path.mapdata-cell').length") >= 3
    # compare mode: the three positions changed (rings); the rest is faded
    assert frame.evaluate("() => mapdataClient.rings.getLayers().length") == 3
    assert frame.evaluate("() => document.querySelector('.leaflet-container').classList.contains('mapdata-compare')")
    # another day: the rings follow (the three positions taken by Russia on 4 June, and who arrived or left)
    client_dashboard.page.goto(
        f"{client_dashboard.server.url}/?date=2018-06-05&areas=1&since=2018-06-03&lat=34.55&lon=36.56&zoom=11"
    )
    client_dashboard.map.locator('body[data-mapdata-date="2018-06-05"]').wait_for(state="attached", timeout=30_000)
    client_dashboard.page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const c = f.contentWindow.mapdataClient; return c && c.ready && c.rings && c.ringsKey !== undefined; }",
        timeout=30_000,
    )
    rings = client_dashboard.frame.evaluate("() => mapdataClient.rings.getLayers().length")
    # the browser's changes are the server's (model/timeline.py)
    assert rings == len(Timeline(load_scenario()).changed_between(dt.date(2018, 6, 3), dt.date(2018, 6, 5))) != 3


# -- the events filter ---------------------------------------------------------------------------------------------


def test_events_filter_narrows_the_table(dashboard: Dashboard) -> None:
    dashboard.open("?date=2018-06-10", date="2018-06-10")
    events = dashboard.dataframe_with("Nasrallah")
    expect(events).to_have_count(1)
    before = events.locator("tbody tr").count()
    dashboard.page.get_by_text("Filter the events").click()
    verification = dashboard.page.get_by_test_id("stMultiSelect").filter(has_text="Verification")
    caption = dashboard.page.get_by_text("events up to this date match the filters", exact=False)
    for _attempt in range(3):  # a rerun of the page (the map reporting its first view) may close the menu: again
        box = verification.locator("input")
        box.click()
        box.press_sequentially("confirmed")
        box.press("Enter")
        dashboard.page.keyboard.press("Escape")
        try:
            expect(caption).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            continue
    expect(caption).to_be_visible()
    filtered = dashboard.dataframe_with("Nasrallah")  # the confirmed event (a televised speech) stays
    expect(filtered).to_have_count(1)
    expect(filtered.locator("tbody tr")).not_to_have_count(before)
    assert 0 < filtered.locator("tbody tr").count() < before
