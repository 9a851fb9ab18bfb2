"""The browser-side map's cards as of the day, and a map that survives bad records (issues 8, 9 and 13)."""

from __future__ import annotations

import gzip
import json
import math

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from e2e_server import AppServer
from e2e_support import MAP_IFRAME

pytestmark = pytest.mark.e2e


def _open_card(page: Page, place_id: str) -> Locator:
    """Open the place's card as a click does (Leaflet's own openPopup on its layer) and wait for its reports."""
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("body").evaluate(
        "(body, id) => { const c = window.mapdataClient; const i = c.bundle.places.findIndex(p => p.id === id);"
        " c.layers[i].openPopup(); }",
        place_id,
    )
    popup = frame.locator(f'.leaflet-popup-content .mapdata-popup[data-place="{place_id}"]')
    expect(popup).to_be_attached()
    expect(popup.locator(".mapdata-loading")).to_have_count(0)
    return popup


def _show(page: Page, server: AppServer, day: str) -> None:
    page.goto(f"{server.url}/?date={day}")
    page.frame_locator(MAP_IFRAME).locator(f'body[data-mapdata-date="{day}"]').wait_for(
        state="attached", timeout=120_000
    )


def test_a_card_on_4_june_shows_only_what_was_reported_by_then(page: Page, client_server: AppServer) -> None:
    _show(page, client_server, "2018-06-04")
    popup = _open_card(page, "qusayr_position_1")
    expect(popup).to_contain_text("spread soldiers in the area of al-Qusayr")
    expect(popup).not_to_contain_text("Division 11")  # the handover is dated "by 2018-06-08": not yet
    expect(popup.locator(".mapdata-ev")).to_have_count(1)
    expect(popup.locator(".mapdata-later")).to_have_text("reported later (on or after 2018-06-08)")
    expect(popup).to_contain_text("military site")  # the same card as the server's, not a shorter one


def test_a_place_with_no_periods_shows_its_reports(page: Page, client_server: AppServer) -> None:
    _show(page, client_server, "2018-06-10")
    popup = _open_card(page, "sochi")
    expect(popup).to_contain_text("No control reported")
    expect(popup.locator(".mapdata-ev")).to_have_count(1)  # the meeting in Sochi, dated 17 May
    expect(popup.locator(".mapdata-ev")).to_have_attribute("data-event", "ev_sochi_meeting")


def test_one_bad_record_is_skipped_and_said_so(page: Page, client_server: AppServer) -> None:
    """A non-finite number (not JSON) and a malformed geometry in the published file: the rest is drawn."""

    def poison(route: Route) -> None:
        response = route.fetch()
        bundle = json.loads(gzip.decompress(response.body()))
        ids = [p["id"] for p in bundle["places"]]
        bundle["places"][ids.index("sochi")]["g"]["coordinates"][0] = math.inf  # written as Infinity: invalid JSON
        bundle["places"][ids.index("homs")]["g"] = {"type": "Polygon", "coordinates": [[36.7]]}
        bundle["places"][ids.index("al_qusayr")]["u"] = math.nan
        bundle["periods"]["start"][0] = None
        body = gzip.compress(json.dumps(bundle).encode("utf-8"))
        route.fulfill(response=response, body=body)

    page.route("**/scenario-*.json.gz", poison)
    _show(page, client_server, "2018-06-04")
    frame = page.frame_locator(MAP_IFRAME)
    notice = frame.locator(".mapdata-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("2 places were not drawn")
    expect(notice).to_contain_text("sochi")
    expect(notice).to_contain_text("1 control period was left out")
    drawn = frame.locator("body").evaluate(
        "() => { const c = window.mapdataClient; return c.bundle.places.map((p, i) => [p.id, !!c.layers[i], c.visible[i]]); }"
    )
    assert {place for place, made, _ in drawn if not made} == {"homs", "sochi"}
    assert all(shown for place, made, shown in drawn if made and place.startswith("qusayr_position"))
    popup = _open_card(page, "al_qusayr")  # its bad uncertainty is read as none; the card still opens
    expect(popup).to_contain_text("area")
    frame.locator(".mapdata-notice-close").click()
    expect(notice).to_have_count(0)
