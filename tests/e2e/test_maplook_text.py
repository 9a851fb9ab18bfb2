"""Text from the data is text in the map's own chrome, on both map paths (issue 8, item 16, map part).

A force name, the scenario's title, a credit line and a publisher carrying an image, bold Markdown
and a javascript: link show as those characters in the legend, the layer control, the "As of" box,
the attribution and the card, and no image is fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e_server import AppServer
from e2e_support import MAP_IFRAME, NetworkLog

pytestmark = pytest.mark.e2e


def _img(name: str) -> str:
    return f'<img src="http://localhost:9/img-{name}.png">'


FORCE = f"{_img('force_name')}**Opposition** [click](javascript:alert(1))"
TITLE = f"{_img('title')}Friction *in* Homs"
CREDIT = f"{_img('credit')}Boundaries: [them](javascript:alert(2))"
PUBLISHER = f"{_img('publisher')}Enab **Baladi**"


def _scenario(parent: Path) -> Path:
    from mapdata.model.load import load_scenario
    from mapdata.testing import copy_scenario, edit_json_record, read_json, write_json

    folder = copy_scenario(parent)
    edit_json_record(folder, "forces.json", "opposition", name=FORCE)
    meta = read_json(folder, "scenario.json")
    meta["title"] = TITLE
    meta["attribution"] = [CREDIT, *meta["attribution"]]
    write_json(folder, "scenario.json", meta)
    source = read_json(folder, "events.json")[0]["source_id"]
    edit_json_record(folder, "sources.json", source, publisher=PUBLISHER)
    scenario = load_scenario(folder)
    assert scenario.force_by_id["opposition"].name == FORCE and scenario.title == TITLE
    return folder


@pytest.fixture(scope="module", params=["server", "client"])
def marked_up_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    env = {"MAPDATA_CLIENT_MAP": "on"} if request.param == "client" else {}
    with AppServer(_scenario(tmp_path_factory.mktemp("marked")), env={**env, "MAPDATA_TILES": "off"}) as server:
        yield server  # (a server that does not start raises ServerError with its output)


def test_names_titles_and_credits_are_text_in_the_map(
    page: Page, marked_up_server: AppServer, network_log: NetworkLog
) -> None:
    page.goto(f"{marked_up_server.url}/?date=2018-06-04&legend=1&layerctl=1&lat=34.56&lon=36.55&zoom=11")
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator('body[data-mapdata-date="2018-06-04"]').wait_for(state="attached", timeout=30_000)
    frame.locator(".mapdata-credits-text").wait_for(state="attached")
    expect(frame.locator(".mapdata-legend")).to_contain_text(FORCE)
    expect(frame.locator(".leaflet-control-layers-overlays")).to_contain_text(FORCE)
    expect(frame.locator(".mapdata-asof-title")).to_have_text(TITLE)
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text(CREDIT)

    # a card citing the publisher
    frame.locator("body").evaluate("""() => new Promise(done => {
      const map = window.map; let layer = null;
      if (window.mapdataClient) { const c = window.mapdataClient; layer = c.layers[c.bundle.places.findIndex(p => p.id === 'qusayr_position_1')]; }
      else { map.eachLayer(l => { const p = l.getPopup && l.getPopup(); if (!layer && l.getLatLng && p && String(p.getContent()).includes('data-place="qusayr_position_1"')) { layer = l; } }); }
      layer.openPopup(); setTimeout(done, 500); })""")
    card = frame.locator(".leaflet-popup .mapdata-popup")
    expect(card).to_contain_text("Enab **Baladi**", timeout=15_000)
    expect(card).to_contain_text(PUBLISHER)

    assert frame.locator("img[src*='img-']").count() == 0
    assert frame.locator("a[href^='javascript']").count() == 0
    assert [u for u in network_log.requested if "img-" in u] == []
