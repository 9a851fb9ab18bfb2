"""The dashboard in a real browser: map, slider, layer toggles, links, popups, events, escaping.

Every test runs offline: the ``page`` fixture aborts any request that leaves localhost
and fails the test if one was attempted or if any JavaScript error was thrown.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect

from e2e_support import EVIL_EVENT, EVIL_NAME, EVIL_PLACE, EVIL_QUOTE, EVIL_SCRIPT, EVIL_SUMMARY, Dashboard, NetworkLog

pytestmark = pytest.mark.e2e

HEZBOLLAH_ORANGE = "#E69F00"
RUSSIAN_BLUE = "#0072B2"
SEED_PLACES = [
    "al_qusayr",
    "qusayr_position_1",
    "qusayr_position_2",
    "qusayr_position_3",
    "al_dabaa_airport",
    "homs",
    "western_homs_countryside",
    "southwestern_homs_countryside",
    "lebanese_border",
    "southern_syria",
    "sochi",
]


def holder(dashboard: Dashboard, place_id: str) -> list[dict[str, str]]:
    """The paths drawing ``place_id`` as held (controlled or contested)."""
    return [
        p
        for p in dashboard.place_paths()
        if f"mapdata-place-{place_id}" in p["cls"].split()
        and ({"mapdata-status-control", "mapdata-status-contested"} & set(p["cls"].split()))
    ]


def test_map_renders_the_seed_features_offline(dashboard: Dashboard, network_log: NetworkLog, seed) -> None:
    dashboard.open("?date=2018-06-10", date="2018-06-10")
    frame = dashboard.frame

    # Leaflet itself, from the app (no CDN), with its map, base map and controls.
    leaflet = frame.evaluate(
        "() => ({version: window.L && L.version, src: document.querySelector('script[src*=\"leaflet.js\"]').src})"
    )
    assert leaflet["version"], "Leaflet did not load in the map frame"
    assert leaflet["src"].startswith(dashboard.server.url + "/app/static/"), leaflet
    expect(dashboard.map.locator(".leaflet-container")).to_be_visible()
    assert dashboard.map.locator(".leaflet-pane path:not(.mapdata-place)").count() > 0, "no base-map boundaries"
    expect(dashboard.map.locator(".leaflet-control-layers")).to_be_visible()
    expect(dashboard.map.locator(".mapdata-asof-date")).to_have_text(re.compile(r"10 June 2018"))

    # Every place of the scenario is drawn (points, areas and the border line).
    drawn = {
        cls.removeprefix("mapdata-place-")
        for p in dashboard.place_paths()
        for cls in p["cls"].split()
        if cls.startswith("mapdata-place-")
    }
    assert set(SEED_PLACES) <= drawn
    assert {p.id for p in seed.places} <= drawn
    assert dashboard.places(".mapdata-place-lebanese_border").count() >= 1
    for place_id in ("qusayr_position_1", "qusayr_position_2", "qusayr_position_3"):
        expect(
            dashboard.places(f".mapdata-place-{place_id}.mapdata-force-syrian_regime.mapdata-status-control")
        ).to_have_count(1)

    # Nothing left localhost: every request went to the app, and none had to be blocked.
    assert network_log.requested, "no requests were seen"
    assert [u for u in network_log.requested if not u.startswith(dashboard.server.url)] == []
    assert network_log.blocked == []
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in network_log.requested)


def test_moving_the_slider_restyles_in_place_and_keeps_the_view(dashboard: Dashboard) -> None:
    dashboard.open("?date=2018-06-03", date="2018-06-03")
    held = holder(dashboard, "qusayr_position_1")
    assert len(held) == 1
    assert held[0]["stroke"] == HEZBOLLAH_ORANGE
    assert {"mapdata-force-hezbollah", "mapdata-status-control"} <= set(held[0]["cls"].split())

    # Pan the map with a real drag, and wait until the app has the new view (it goes into the URL).
    box = dashboard.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    assert box is not None
    before_drag = dashboard.map_view()
    dashboard.frame.evaluate(
        "() => { window.__moved = false; window.map.once('moveend', () => { window.__moved = true; }); }"
    )
    start_x, start_y = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.80
    mouse = dashboard.page.mouse
    mouse.move(start_x, start_y)
    mouse.down()
    mouse.move(start_x + 150, start_y - 90, steps=12)
    mouse.up()
    dashboard.frame.wait_for_function("() => window.__moved")  # after any inertia
    panned = dashboard.map_view()
    assert abs(panned["lon"] - before_drag["lon"]) > 0.05, "the drag did not pan the map"
    dashboard.wait_for_query(f"Math.abs(parseFloat(params.get('lon')) - {panned['lon']}) < 0.001")

    # Mark the frame and the map, then move the slider one day with the keyboard.
    dashboard.frame.evaluate("() => { window.__marker = 1; window.__mapBefore = window.map; }")
    dashboard.slider.focus()
    dashboard.page.keyboard.press("ArrowRight")
    expect(dashboard.slider).to_have_attribute("aria-valuetext", re.compile(r"4 Jun 2018"))
    dashboard.map.locator('body[data-mapdata-date="2018-06-04"]').wait_for(state="attached")

    held = holder(dashboard, "qusayr_position_1")
    assert len(held) == 1
    assert held[0]["stroke"] == RUSSIAN_BLUE
    assert {"mapdata-force-russia", "mapdata-status-contested"} <= set(held[0]["cls"].split())
    expect(
        dashboard.places(".mapdata-place-qusayr_position_1.mapdata-force-hezbollah.mapdata-status-presence")
    ).to_have_count(1)
    expect(dashboard.map.locator(".mapdata-asof-date")).to_have_text(re.compile(r"4 June 2018"))
    assert dashboard.query()["date"] == ["2018-06-04"]

    # Same frame, same Leaflet map, same view.
    assert dashboard.frame.evaluate("() => window.__marker") == 1, "the map frame was reloaded"
    assert dashboard.frame.evaluate("() => window.map === window.__mapBefore"), "the Leaflet map was rebuilt"
    after = dashboard.map_view()
    assert after["zoom"] == panned["zoom"]
    assert after["lat"] == pytest.approx(panned["lat"], abs=1e-4)
    assert after["lon"] == pytest.approx(panned["lon"], abs=1e-4)


def test_force_toggles_stay_in_step_between_sidebar_and_map(dashboard: Dashboard) -> None:
    dashboard.open("?date=2018-06-10", date="2018-06-10")
    expect(dashboard.sidebar_checkbox("Hezbollah")).to_be_checked()
    expect(dashboard.layer_checkbox("Hezbollah")).to_be_checked()
    assert dashboard.places(".mapdata-force-hezbollah").count() > 0

    # Untick in the sidebar: the features go and the map's layer control follows.
    dashboard.click_sidebar_checkbox("Hezbollah")
    expect(dashboard.sidebar_checkbox("Hezbollah")).not_to_be_checked()
    expect(dashboard.places(".mapdata-force-hezbollah")).to_have_count(0)
    expect(dashboard.layer_checkbox("Hezbollah")).not_to_be_checked()
    expect(dashboard.layer_checkbox("Russian forces")).to_be_checked()
    assert dashboard.places(".mapdata-force-iran").count() > 0
    dashboard.wait_for_query("params.get('layers') !== null && !params.get('layers').split(',').includes('hezbollah')")

    # Tick it in the map's layer control: the sidebar follows, and so do the features and the link.
    dashboard.layer_checkbox("Hezbollah").check()
    expect(dashboard.sidebar_checkbox("Hezbollah")).to_be_checked()
    expect(dashboard.places(".mapdata-force-hezbollah").first).to_be_attached()
    expect(dashboard.layer_checkbox("Hezbollah")).to_be_checked()
    dashboard.wait_for_query("params.get('layers') === null")
    for name in ("Russian forces", "Iranian forces", "Syrian regime forces (Assad)", "Opposition factions"):
        expect(dashboard.sidebar_checkbox(name)).to_be_checked()


def test_a_shared_link_restores_date_layers_and_view(dashboard: Dashboard, seed) -> None:
    dashboard.open("?date=2018-06-10&layers=russia,syrian_regime&lat=34.55&lon=36.58&zoom=11", date="2018-06-10")

    expect(dashboard.slider).to_have_attribute("aria-valuetext", re.compile(r"\b10 Jun 2018"))
    expect(dashboard.page.get_by_test_id("stSliderThumbValue")).to_contain_text("10 Jun 2018")
    expect(dashboard.map.locator(".mapdata-asof-date")).to_have_text(re.compile(r"\b10 June 2018"))

    shown = {"russia", "syrian_regime"}
    for force in seed.mapped_forces:  # the layers: the forces with periods
        sidebar, layer = dashboard.sidebar_checkbox(force.name), dashboard.layer_checkbox(force.name)
        if force.id in shown:
            expect(sidebar).to_be_checked()
            expect(layer).to_be_checked()
        else:
            expect(sidebar).not_to_be_checked()
            expect(layer).not_to_be_checked()
            expect(dashboard.places(f".mapdata-force-{force.id}")).to_have_count(0)
    expect(dashboard.places(".mapdata-force-syrian_regime").first).to_be_attached()  # Russia holds nothing on 10 June

    view = dashboard.map_view()
    assert view["zoom"] == 11
    assert view["lat"] == pytest.approx(34.55, abs=0.005)
    assert view["lon"] == pytest.approx(36.58, abs=0.005)

    # The "Share this view" box offers a link to this same view.
    code = dashboard.sidebar.get_by_test_id("stCode").filter(has_text="date=")
    expect(code).to_contain_text("date=2018-06-10")
    link = (code.text_content() or "").strip()
    assert link.startswith(dashboard.server.url), link
    params = parse_qs(urlsplit(link).query)
    assert params["date"] == ["2018-06-10"]
    assert params["layers"] == ["russia,syrian_regime"]
    assert params["zoom"] == ["11"]
    assert float(params["lat"][0]) == pytest.approx(34.55, abs=0.005)
    assert float(params["lon"][0]) == pytest.approx(36.58, abs=0.005)


def test_clicking_a_place_opens_its_evidence_card(dashboard: Dashboard, seed) -> None:
    place = seed.place_by_id["qusayr_position_1"]
    event = seed.event_by_id["ev_russia_deploys_qusayr"]
    lon, lat = place.geometry.x, place.geometry.y
    dashboard.open(f"?date=2018-06-04&lat={lat}&lon={lon}&zoom=12", date="2018-06-04")

    dashboard.places(".mapdata-place-qusayr_position_1.mapdata-status-contested").click()
    popup = dashboard.map.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator("h4")).to_have_text(place.name_en)
    expect(popup.locator("[lang=ar]")).to_have_text(place.name_ar)
    expect(popup.locator(".mapdata-state")).to_contain_text("Russian forces")
    expect(popup.locator(".mapdata-state")).to_contain_text("since 2018-06-04")
    expect(popup.locator("blockquote").filter(has_text=event.quote)).to_have_count(1)
    expect(popup).to_contain_text("Enab Baladi")
    expect(popup).to_contain_text(event.verification_label)


def test_selecting_an_event_row_highlights_its_places(dashboard: Dashboard, seed) -> None:
    event = seed.event_by_id["ev_refuse_dabaa"]
    dashboard.open("?date=2018-06-10", date="2018-06-10")
    assert dashboard.map.locator("path.mapdata-highlight").count() == 0

    table = dashboard.dataframe_with(event.summary)
    row = dashboard.select_table_row(table, event.summary)
    expect(row).to_have_attribute("aria-selected", "true")
    for place_id in event.place_ids:
        expect(dashboard.map.locator(f"path.mapdata-highlight-{place_id}").first).to_be_attached()
    dashboard.wait_for_query(f"params.get('event') === '{event.id}'")
    expect(dashboard.page.get_by_text(event.quote, exact=False).first).to_be_visible()

    # Clearing the selection removes the highlight, unticks the row and drops the event from the link.
    dashboard.page.get_by_role("button", name="Clear selection").filter(has_text="Clear selection").click()
    expect(dashboard.map.locator("path.mapdata-highlight")).to_have_count(0)
    dashboard.wait_for_query("params.get('event') === null")
    row = dashboard.dataframe_with(event.summary).locator("tbody tr").filter(has_text=event.summary)
    expect(row).to_have_attribute("aria-selected", "false")
    expect(
        dashboard.page.get_by_role("button", name="Clear selection").filter(has_text="Clear selection")
    ).to_have_count(0)


def test_an_event_link_highlights_its_places_and_selects_its_row(dashboard: Dashboard, seed) -> None:
    event = seed.event_by_id["ev_refuse_dabaa"]
    dashboard.open(f"?date=2018-06-10&event={event.id}", date="2018-06-10")
    for place_id in event.place_ids:
        expect(dashboard.map.locator(f"path.mapdata-highlight-{place_id}").first).to_be_attached()
    row = dashboard.dataframe_with(event.summary).locator("tbody tr").filter(has_text=event.summary)
    expect(row).to_have_attribute("aria-selected", "true")


def test_html_in_the_data_is_shown_as_text(evil_dashboard: Dashboard, network_log: NetworkLog, seed) -> None:
    place = seed.place_by_id[EVIL_PLACE]
    lon, lat = place.geometry.x, place.geometry.y
    dashboard = evil_dashboard
    dashboard.open(f"?date=2018-06-10&lat={lat}&lon={lon}&zoom=12&event={EVIL_EVENT}", date="2018-06-10")
    target = dashboard.places(f".mapdata-place-{EVIL_PLACE}.mapdata-status-control")

    # Tooltip on hover: the name's markup is text.
    target.hover()
    tooltip = dashboard.map.locator(".leaflet-tooltip:not(.mapdata-label)").filter(has_text="Evil")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(EVIL_NAME)
    expect(tooltip.locator("img")).to_have_count(0)

    # Popup on click: the name and the quote are text; no <img>, no <script> made from them.
    target.click()
    popup = dashboard.map.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator("h4")).to_have_text(EVIL_NAME)
    expect(popup).to_contain_text("<img src=x")
    expect(popup.locator("blockquote").filter(has_text=EVIL_SCRIPT)).to_have_count(1)
    expect(popup.locator("img")).to_have_count(0)
    expect(popup.locator("script")).to_have_count(0)
    assert dashboard.frame.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0

    # The tables and the selected-event box show the script as text.
    # (The grid draws on a canvas; its accessible mirror holds the text of the columns in view.)
    events = dashboard.dataframe_with("Division 11 takes over")
    expect(events.locator("td").filter(has_text=EVIL_SUMMARY)).to_have_count(1)
    expect(events.locator("td").filter(has_text=EVIL_NAME).first).to_be_attached()
    expect(events.locator("script, img")).to_have_count(0)
    main = dashboard.page.get_by_test_id("stMain")
    expect(main.get_by_text(EVIL_QUOTE, exact=False).filter(visible=True)).to_have_count(1)
    expect(main.get_by_text(EVIL_SUMMARY, exact=False).filter(visible=True)).to_have_count(1)
    assert (
        dashboard.page.evaluate(
            "() => Array.from(document.querySelectorAll('script')).filter(s => s.textContent.includes('__xss')).length"
        )
        == 0
    )
    assert dashboard.page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0

    # Nothing ran, and the <img src=x> was never even requested.
    assert dashboard.frame.evaluate("() => typeof window.__xss") == "undefined"
    assert dashboard.page.evaluate("() => typeof window.__xss") == "undefined"
    assert [u for u in network_log.requested if urlsplit(u).path.endswith("/x")] == []


def test_compare_mode_rings_the_changed_places_fades_the_rest_and_lists_the_changes(dashboard: Dashboard) -> None:
    dashboard.open("?date=2018-06-10&since=2018-06-03", date="2018-06-10")
    changes = dashboard.dataframe_with("Hezbollah in control")  # the change list (From column)
    expect(changes.locator("tbody tr")).to_have_count(3)
    expect(changes.locator("tbody tr").first).to_contain_text("Hezbollah in control")
    expect(dashboard.page.get_by_text("3 places changed since 2018-06-03").first).to_be_visible()
    expect(dashboard.map.locator(".mapdata-compare")).to_have_count(1)
    expect(dashboard.map.locator("path.mapdata-change-mark")).to_have_count(3)
    changed = dashboard.places(".mapdata-place-qusayr_position_1.mapdata-changed").first
    expect(changed).to_have_css("opacity", "1")
    expect(dashboard.places(".mapdata-place-homs").first).to_have_css("opacity", "0.3")  # unchanged: faded

    # selecting a change highlights its place; clearing the date leaves compare mode
    dashboard.select_table_row(changes, "Position 2 near al-Qusayr")
    expect(dashboard.map.locator("path.mapdata-highlight-qusayr_position_2").first).to_be_attached()
    dashboard.sidebar.get_by_role("button", name="Stop comparing").click()
    dashboard.wait_for_query("params.get('since') === null")
    expect(dashboard.map.locator(".mapdata-compare")).to_have_count(0)


def test_briefing_downloads_a_png_slide_and_an_a4_pdf_of_the_view(dashboard: Dashboard, tmp_path: Path) -> None:
    """The sidebar's Briefing buttons: the files are the view's (date, compare mode), of the promised size."""
    dashboard.open("?date=2018-06-10&since=2018-06-03", date="2018-06-10")
    sidebar = dashboard.sidebar
    sidebar.get_by_text("Whole area of the places shown").click()  # the places, not the map's current view
    files = {}
    for fmt in ("PNG", "PDF"):
        for attempt in range(3):  # a rerun (the map reporting its view) may redraw the button under the click: again
            try:
                with dashboard.page.expect_download(timeout=20_000) as download:
                    sidebar.get_by_test_id("stDownloadButton").filter(has_text=fmt).click()
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise
        files[fmt] = tmp_path / download.value.suggested_filename
        download.value.save_as(files[fmt])
    assert files["PNG"].name == "mapdata-brief-2018-06-10-since-2018-06-03.png"
    png = files["PNG"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1920, 1080)
    reader = pypdf.PdfReader(files["PDF"])
    assert len(reader.pages) == 2
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (842, 595)
    first = " ".join((reader.pages[0].extract_text() or "").split())
    assert "As of Sunday 10 June 2018" in first and "Changes since Sunday 3 June 2018" in first
    assert "Russian–Iranian friction" in first
    # the change list's CSV (under the map): the three positions, as `mapdata diff` writes them
    with dashboard.page.expect_download(timeout=30_000) as download:
        dashboard.page.get_by_test_id("stDownloadButton").filter(has_text="Download the change list (CSV)").click()
    assert download.value.suggested_filename == "mapdata-changes-2018-06-03-to-2018-06-10.csv"
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("place_id,") and len(rows) == 4
    assert {r.split(",")[0] for r in rows[1:]} == {f"qusayr_position_{n}" for n in (1, 2, 3)}
    expect(dashboard.page.get_by_test_id("stException")).to_have_count(0)
