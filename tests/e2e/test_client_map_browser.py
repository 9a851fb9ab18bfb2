"""The large-scenario map path in a real browser: the timeline runs in the page; a step carries no geometry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e_server import AppServer
from e2e_support import MAP_IFRAME

pytestmark = pytest.mark.e2e


def _style(page: Page, place_id: str) -> str:
    frame = page.frame_locator(MAP_IFRAME)
    return frame.locator("body").evaluate(
        "(body, id) => { const c = window.mapdataClient; const i = c.bundle.places.findIndex(p => p.id === id);"
        " return c.style[i] + '|' + (c.visible[i] ? 'shown' : 'hidden'); }",
        place_id,
    )


def test_slider_restyles_in_the_browser_without_geometry(page: Page, client_server: AppServer) -> None:
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace")),
        ),
    )
    page.goto(f"{client_server.url}/?date=2018-06-03")
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator('body[data-mapdata-date="2018-06-03"]').wait_for(state="attached", timeout=30_000)
    assert _style(page, "qusayr_position_1") == "control|hezbollah|shown"
    page.locator(MAP_IFRAME).evaluate("f => { f.contentWindow.__marker = 1; }")
    frames.clear()

    page.get_by_role("slider", name="Date").focus()
    page.keyboard.press("ArrowRight")
    frame.locator('body[data-mapdata-date="2018-06-04"]').wait_for(state="attached", timeout=30_000)
    assert _style(page, "qusayr_position_1") == "contested|russia|shown"
    assert page.locator(MAP_IFRAME).evaluate("f => f.contentWindow.__marker") == 1  # same frame, not reloaded
    step = "".join(frames)
    assert frames and "coordinates" not in step and "Polygon" not in step
    assert sum(len(f) for f in frames) < 60_000

    # hiding Hezbollah in the sidebar hides the places only it is at
    page.locator('[data-testid="stSidebar"]').get_by_text("Hezbollah", exact=True).click()
    expect(frame.locator("body")).to_have_attribute("data-mapdata-date", "2018-06-04")
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]').contentWindow;"
        " const c = f.mapdataClient; return c && c.hidden.hezbollah === true; }"
    )
    assert _style(page, "al_qusayr").endswith("|shown")  # Russia is still present there
    assert _style(page, "al_dabaa_airport").endswith("|shown")  # Iran too


def test_a_click_opens_the_popup_with_its_evidence(page: Page, client_server: AppServer) -> None:
    """The evidence is fetched when a popup first opens; a click on a place then shows its quotes."""
    page.goto(f"{client_server.url}/?date=2018-06-04&zoom=12&lat=34.56&lon=36.55")
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator('body[data-mapdata-date="2018-06-04"]').wait_for(state="attached", timeout=30_000)
    assert frame.locator("body").evaluate("() => window.mapdataClient.evidence === undefined")  # nothing fetched yet
    # centre the place, let the canvas redraw (and the map's own rerun settle), then click where it is drawn
    # (the places are on a canvas: there is no element to click)
    frame.locator("body").evaluate(
        "(body, id) => new Promise(done => { const c = window.mapdataClient;"
        " const i = c.bundle.places.findIndex(p => p.id === id); c.map.setView(c.layers[i].getLatLng(), 12, { animate: false });"
        " requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300))); })",
        "qusayr_position_1",
    )
    page.wait_for_timeout(1000)
    popup = frame.locator(".leaflet-popup-content .mapdata-popup")
    for _attempt in range(3):
        point = frame.locator("body").evaluate(
            "(body, id) => { const c = window.mapdataClient; const i = c.bundle.places.findIndex(p => p.id === id);"
            " const p = c.map.latLngToContainerPoint(c.layers[i].getLatLng());"
            " const r = c.map.getContainer().getBoundingClientRect(); return { x: p.x + r.left, y: p.y + r.top }; }",
            "qusayr_position_1",
        )
        page.locator(MAP_IFRAME).click(position=point)
        try:
            popup.wait_for(state="attached", timeout=3000)
            break
        except Exception:  # the map was still settling: look again and click again
            continue
    expect(popup).to_have_attribute("data-place", "qusayr_position_1", timeout=10_000)
    expect(popup).to_contain_text("Russia")
    expect(popup).to_contain_text("spread soldiers in the area of al-Qusayr")
    expect(popup.locator(".mapdata-loading")).to_have_count(0)


def test_play_animates_in_the_browser_and_returns_to_the_slider(page: Page, client_server: AppServer) -> None:
    """Play steps through the dates in the page (no rerun, the slider and the link stay); Back returns."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: frames.append(str(payload))))
    page.goto(f"{client_server.url}/?date=2018-05-20")
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator('body[data-mapdata-date="2018-05-20"]').wait_for(state="attached", timeout=30_000)
    assert _style(page, "qusayr_position_1") == "control|hezbollah|shown"
    page.wait_for_timeout(1500)  # the first run's messages, and the map's first value report
    assert frames  # the listener sees what the page sends
    frames.clear()

    frame.locator(".mapdata-play-step").select_option("1")
    frame.locator(".mapdata-play-button").click()
    expect(frame.locator("body")).to_have_attribute("data-mapdata-playing", "playing")
    expect(frame.locator(".mapdata-play-button")).to_have_text("❚❚ Pause")
    # it runs to the scenario's last day and pauses there, with the regime holding the positions
    expect(frame.locator("body")).to_have_attribute("data-mapdata-date", "2018-06-30", timeout=40_000)
    expect(frame.locator("body")).to_have_attribute("data-mapdata-playing", "paused")
    assert _style(page, "qusayr_position_1") == "control|syrian_regime|shown"
    expect(frame.locator(".mapdata-asof-date")).to_have_text("❚❚ 30 June 2018 (slider: 20 May 2018)")
    assert "date=2018-05-20" in page.url
    expect(page.get_by_role("slider", name="Date")).to_have_attribute("aria-valuetext", re.compile(r"\b20 May 2018"))
    assert not frames  # the animation never asked the server for anything

    frame.get_by_role("button", name="✕ Back to the slider's date").click()
    expect(frame.locator("body")).to_have_attribute("data-mapdata-date", "2018-05-20")
    assert _style(page, "qusayr_position_1") == "control|hezbollah|shown"
    expect(frame.locator(".mapdata-asof-date")).to_have_text("As of 20 May 2018")
