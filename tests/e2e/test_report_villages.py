"""In a browser: a pasted report naming villages in Daraa and Hama shows each at its village on the report page's
preview map (issue 11), and a neighbourhood the gazetteer lacks as an approximate circle around its city."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e_server import AppServer
from e2e_support import MAP_IFRAME

PARAGRAPH = (
    "Regime forces shelled Busr al-Harir and Nahtah in the eastern Daraa countryside on Sunday, June 10, 2018, "
    "while clashes continued in Kafr Nabudah in the northern Hama countryside. Shells also fell on the Jobar "
    "neighbourhood of Damascus."
)
VILLAGES = {"Busr al-Harir": (32.845, 36.341), "Nahtah": (32.788, 36.349), "Kafr Nabudah": (35.432, 36.494)}
MARKERS_JS = """() => {
  const out = [];
  window.map.eachLayer(layer => {
    const cls = (layer.options || {}).className || "";
    if (cls.includes("mapdata-preview") && layer.getLatLng && layer.getTooltip && layer.getTooltip()) {
      const ll = layer.getLatLng();
      out.push({cls: cls, lat: ll.lat, lon: ll.lng, tip: layer.getTooltip().getContent()});
    }
    if (cls.includes("mapdata-uncertainty")) { out.push({cls: cls, radius: layer.getRadius()}); }
  });
  return out;
}"""


def test_pasted_villages_land_on_their_villages_in_the_preview(page: Page, app_server: AppServer) -> None:
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{app_server.url}/Add_a_report")
    page.get_by_role("textbox", name="Report text").fill(PARAGRAPH)
    page.get_by_role("textbox", name="Publisher (required)").fill("Test Wire")
    page.get_by_role("textbox", name="Title (required)").fill("Shelling in Daraa and Hama")
    page.get_by_role("button", name="Analyse").click()
    frame_locator = page.frame_locator(MAP_IFRAME)
    frame_locator.locator("path.mapdata-preview").first.wait_for(state="attached", timeout=60_000)
    handle = page.locator(MAP_IFRAME).element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    markers = frame.evaluate(MARKERS_JS)
    for name, (lat, lon) in VILLAGES.items():
        found = [m for m in markers if "lat" in m and name in m["tip"]]
        assert found, (name, markers)
        assert abs(found[0]["lat"] - lat) < 0.02 and abs(found[0]["lon"] - lon) < 0.02, found[0]
    circles = [m for m in markers if "radius" in m]
    assert circles and all(5_000 <= c["radius"] <= 20_000 for c in circles)  # Jobar: around Damascus
    expect(page.get_by_text("Jobar neighbourhood").first).to_be_attached()
