"""What the end-to-end tests share: the map page object, the offline log and the evil scenario.

(Kept out of conftest.py so that test modules can import it by a name of its own.)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect

from e2e_server import LOCAL_HOSTS, AppServer

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 20_000
ROW_PX = 35  # st.dataframe's header and row height

EVIL_PLACE = "qusayr_position_2"
EVIL_NAME = '<img src=x onerror="window.__xss=1">Evil <b>place</b>'
EVIL_EVENT = "ev_division11_takeover"
EVIL_SCRIPT = "<script>window.__xss=2</script>"
EVIL_QUOTE = f"Division 11 took over the positions {EVIL_SCRIPT} near al-Qusayr"
EVIL_SUMMARY = f"Division 11 takes over {EVIL_SCRIPT} the positions"


def _copy_scenario(target_parent: Path) -> Path:
    try:
        from mapdata.testing import copy_scenario
    except ImportError:  # pragma: no cover - mapdata.testing is optional
        import shutil

        from mapdata.model.load import DEFAULT_DATA_DIR

        def copy_scenario(tmp_path: Path) -> Path:
            target = Path(tmp_path) / "scenario"
            shutil.copytree(DEFAULT_DATA_DIR, target)
            return target

    return copy_scenario(target_parent)


def make_evil_scenario(parent: Path) -> Path:
    """A copy of the bundled scenario with HTML in one place's name and in one event.

    The event's quote is appended to the copied source text and its offsets point at it,
    so the scenario still validates.
    """
    folder = _copy_scenario(parent)
    places_path = folder / "places.geojson"
    places = json.loads(places_path.read_text(encoding="utf-8"))
    for feature in places["features"]:
        if (feature.get("properties") or {}).get("id") == EVIL_PLACE:
            feature["properties"]["name_en"] = EVIL_NAME
            break
    else:
        raise AssertionError(f"{EVIL_PLACE} not in the bundled places")
    places_path.write_text(json.dumps(places, ensure_ascii=False, indent=2), encoding="utf-8")

    events_path = folder / "events.json"
    events = json.loads(events_path.read_text(encoding="utf-8"))
    sources = {s["id"]: s for s in json.loads((folder / "sources.json").read_text(encoding="utf-8"))}
    for event in events:
        if event["id"] == EVIL_EVENT:
            text_path = folder / sources[event["source_id"]]["text_file"]
            text = text_path.read_text(encoding="utf-8")
            start = len(text) + 1
            text_path.write_text(text + "\n" + EVIL_QUOTE + "\n", encoding="utf-8", newline="")
            event.update(quote=EVIL_QUOTE, quote_start=start, quote_end=start + len(EVIL_QUOTE), summary=EVIL_SUMMARY)
            break
    else:
        raise AssertionError(f"{EVIL_EVENT} not in the bundled events")
    events_path.write_text(json.dumps(events, ensure_ascii=False, indent=2), encoding="utf-8")

    from mapdata.model.load import load_scenario

    scenario = load_scenario(folder)  # raises if the copy does not validate
    assert scenario.place_by_id[EVIL_PLACE].name_en == EVIL_NAME
    assert scenario.event_by_id[EVIL_EVENT].quote == EVIL_QUOTE
    return folder


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class NetworkLog:
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


class Dashboard:
    """The map page of one server, in one page."""

    def __init__(self, page: Page, server: AppServer) -> None:
        self.page = page
        self.server = server

    # navigation
    def open(self, query: str = "", *, date: str | None = None) -> Dashboard:
        """Open the page with ``query`` ("?date=..."), and wait until the map has drawn its features."""
        self.page.goto(f"{self.server.url}/{query}")
        self.wait_for_map(date)
        return self

    def open_client(self, query: str = "", *, ready: str = "c.ready && c.shownDay") -> None:
        """Open the page on the browser-side map and wait until ``ready`` (over ``c``, its mapdataClient) holds."""
        self.page.goto(f"{self.server.url}/{query}")
        self.map.locator("body[data-mapdata-date]").wait_for(state="attached", timeout=30_000)
        self.page.wait_for_function(
            f"() => {{ const f = document.querySelector('{MAP_IFRAME}');"
            f" const c = f && f.contentWindow.mapdataClient; return !!(c && {ready}); }}",
            timeout=30_000,
        )

    def wait_for_map(self, date: str | None = None) -> None:
        selector = f'body[data-mapdata-date="{date}"]' if date else "body[data-mapdata-date]"
        self.map.locator(selector).wait_for(state="attached", timeout=30_000)
        self.map.locator("path.mapdata-place").first.wait_for(state="attached")

    # the map frame
    @property
    def map(self) -> FrameLocator:
        return self.page.frame_locator(MAP_IFRAME)

    @property
    def frame(self) -> Frame:
        handle = self.page.locator(MAP_IFRAME).element_handle()
        frame = handle.content_frame() if handle else None
        assert frame is not None, "the map frame is not there"
        return frame

    def map_view(self) -> dict[str, float]:
        return self.frame.evaluate(
            "() => { const c = window.map.getCenter(); return {lat: c.lat, lon: c.lng, zoom: window.map.getZoom()}; }"
        )

    def places(self, css: str = "") -> Locator:
        return self.map.locator(f"path.mapdata-place{css}")

    def place_paths(self) -> list[dict[str, str]]:
        return self.frame.evaluate(
            """() => Array.from(document.querySelectorAll('path.mapdata-place')).map(p => ({
                   cls: p.getAttribute('class'), stroke: (p.getAttribute('stroke') || '').toUpperCase()}))"""
        )

    def layer_checkbox(self, label: str) -> Locator:
        """The map layer control's checkbox for the overlay labelled ``label``."""
        overlay = self.map.locator(".leaflet-control-layers-overlays label").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
        )
        return overlay.locator("input[type=checkbox]")

    # the page around it
    @property
    def sidebar(self) -> Locator:
        return self.page.get_by_test_id("stSidebar")

    def sidebar_checkbox(self, label: str) -> Locator:
        return self.sidebar.get_by_role("checkbox", name=label, exact=True)

    def click_sidebar_checkbox(self, label: str) -> None:
        """Click the label (Streamlit's checkbox input itself is covered by its styled box)."""
        self.sidebar.locator("label").filter(has=self.page.get_by_role("checkbox", name=label, exact=True)).click()

    @property
    def slider(self) -> Locator:
        return self.page.get_by_role("slider", name="Date")

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def wait_for_query(self, predicate_js: str) -> None:
        """Wait until ``predicate_js`` (an expression over ``params``, a URLSearchParams) holds for the address bar."""
        self.page.wait_for_function(
            f"() => {{ const params = new URLSearchParams(location.search); return {predicate_js}; }}"
        )

    def dataframe_with(self, text: str) -> Locator:
        """The st.dataframe whose (accessible, canvas-mirrored) cells contain ``text``."""
        return self.page.get_by_test_id("stDataFrame").filter(has=self.page.locator("td", has_text=text))

    def select_table_row(self, table: Locator, row_text: str) -> Locator:
        """Tick the row-marker checkbox of the row containing ``row_text`` in a selectable st.dataframe.

        The grid is drawn on a canvas (glide-data-grid); its accessible mirror (a <table>
        inside the canvas) gives the row's index, from which the marker cell's position
        follows: the header and each row are 35 px high (Streamlit's default), the marker
        column is about 33 px wide. The table must show all its rows (no inner scrolling).
        """
        canvas = table.get_by_test_id("data-grid-canvas")
        canvas.scroll_into_view_if_needed()
        row = table.locator("tbody tr").filter(has_text=row_text)
        expect(row).to_have_count(1)
        index = int(row.get_attribute("aria-rowindex") or "0") - 2  # 1 is the header row
        box = canvas.bounding_box()
        assert box is not None
        rows = table.locator("tbody tr").count()
        assert box["height"] >= ROW_PX * (rows + 1) - 1, "the table scrolls: its rows are not all on screen"
        x, y = box["x"] + 16, box["y"] + ROW_PX * (index + 1) + ROW_PX / 2
        self.page.mouse.move(x, y)
        self.page.mouse.click(x, y)
        return row
