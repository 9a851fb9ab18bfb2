"""End-to-end fixtures: the real app (``streamlit run``) in a real headless Chromium, offline.

- ``app_server`` / ``evil_server``: one app process per session (bundled data, and a copy
  of it with HTML in a place name and in an event), on a free port, health-checked.
- ``browser``: Debian's Chromium (never a downloaded one).
- ``page``: a fresh context per test in which every request to a host other than
  localhost is aborted and recorded, and every uncaught JS error (page or map frame)
  is recorded; either fails the test at teardown.
- ``dashboard`` / ``evil_dashboard``: a small page object for the map page.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, FrameLocator, Locator, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_server import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, AppServer, ServerError  # noqa: E402

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)

EVIL_PLACE = "qusayr_position_2"
EVIL_NAME = '<img src=x onerror="window.__xss=1">Evil <b>place</b>'
EVIL_EVENT = "ev_division11_takeover"
EVIL_SCRIPT = "<script>window.__xss=2</script>"
EVIL_QUOTE = f"Division 11 took over the positions {EVIL_SCRIPT} near al-Qusayr"
EVIL_SUMMARY = f"Division 11 takes over {EVIL_SCRIPT} the positions"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# -- servers -----------------------------------------------------------------------------


def _start(server: AppServer) -> AppServer:
    try:
        return server.start()
    except ServerError as exc:
        server.close()
        pytest.fail(f"the dashboard did not start:\n{exc}", pytrace=False)


@pytest.fixture(scope="session")
def app_server() -> Iterator[AppServer]:
    """The dashboard on the bundled scenario."""
    server = _start(AppServer())
    yield server
    server.close()


def _copy_scenario(target_parent: Path) -> Path:
    try:
        from mapdata.testing import copy_scenario
    except ImportError:  # pragma: no cover - the helper module is optional
        import shutil

        from mapdata.load import DEFAULT_DATA_DIR

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

    from mapdata.load import load_scenario

    scenario = load_scenario(folder)  # raises if the copy does not validate
    assert scenario.place_by_id[EVIL_PLACE].name_en == EVIL_NAME
    assert scenario.event_by_id[EVIL_EVENT].quote == EVIL_QUOTE
    return folder


@pytest.fixture(scope="session")
def evil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The dashboard on a copy of the scenario with HTML and script in the data."""
    folder = make_evil_scenario(tmp_path_factory.mktemp("evil"))
    server = _start(AppServer(folder))
    yield server
    server.close()


# -- browser and page ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (set MAPDATA_CHROMIUM)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


@pytest.fixture
def network_log() -> NetworkLog:
    return NetworkLog()


@pytest.fixture
def context(browser: Browser, network_log: NetworkLog) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)

    def guard(route: Any) -> None:
        url = route.request.url
        network_log.requested.append(url)
        if is_local(url):
            route.continue_()
        else:
            network_log.blocked.append(url)
            route.abort("blockedbyclient")

    def guard_socket(ws: Any) -> None:
        network_log.blocked.append(ws.url)
        ws.close()

    context.route("**/*", guard)
    context.route_web_socket(lambda url: not is_local(url), guard_socket)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, network_log: NetworkLog) -> Iterator[Page]:
    """A page that may only talk to localhost, and whose JS errors (page or map frame) fail the test."""
    page = context.new_page()

    def on_error(error: Any) -> None:
        where = ""
        network_log.page_errors.append(f"{error}{where}\n{getattr(error, 'stack', '') or ''}")

    page.on("pageerror", on_error)
    yield page
    problems = []
    if network_log.page_errors:
        problems.append("JavaScript errors in the page or the map frame:\n" + "\n".join(network_log.page_errors))
    if network_log.blocked:
        problems.append("requests to hosts other than localhost (blocked):\n" + "\n".join(network_log.blocked))
    page.close()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


# -- the map page -------------------------------------------------------------------------------


class Dashboard:
    """The map page of one server, in one page."""

    def __init__(self, page: Page, server: AppServer) -> None:
        self.page = page
        self.server = server

    # navigation
    def open(self, query: str = "", *, date: str | None = None) -> "Dashboard":
        """Open the page with ``query`` ("?date=..."), and wait until the map has drawn its features."""
        self.page.goto(f"{self.server.url}/{query}")
        self.wait_for_map(date)
        return self

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
        self.page.wait_for_function(f"() => {{ const params = new URLSearchParams(location.search); return {predicate_js}; }}")

    def dataframe_with(self, text: str) -> Locator:
        """The st.dataframe whose (accessible, canvas-mirrored) cells contain ``text``."""
        return self.page.get_by_test_id("stDataFrame").filter(has=self.page.locator("td", has_text=text))

    def select_table_row(self, table: Locator, row_text: str) -> Locator:
        """Tick the row-marker checkbox of the row containing ``row_text`` in a selectable st.dataframe.

        The grid is drawn on a canvas (glide-data-grid); its accessible mirror (a <table>
        inside the canvas) gives the row's index, from which the marker cell's position
        follows: the header and each row are 35 px high, the marker column is about 33 px wide.
        """
        canvas = table.get_by_test_id("data-grid-canvas")
        canvas.scroll_into_view_if_needed()
        row = table.locator("tbody tr").filter(has_text=row_text)
        expect(row).to_have_count(1)
        index = int(row.get_attribute("aria-rowindex") or "0") - 2  # 1 is the header row
        rows = table.locator("tbody tr").count()
        box = canvas.bounding_box()
        assert box is not None
        header = box["height"] - 35 * rows if box["height"] - 35 * rows in range(30, 40) else 35
        x, y = box["x"] + 16, box["y"] + header + 35 * index + 17
        self.page.mouse.move(x, y)
        self.page.mouse.click(x, y)
        return row


@pytest.fixture
def dashboard(page: Page, app_server: AppServer) -> Dashboard:
    return Dashboard(page, app_server)


@pytest.fixture
def evil_dashboard(page: Page, evil_server: AppServer) -> Dashboard:
    return Dashboard(page, evil_server)


@pytest.fixture(scope="session")
def seed():
    """The bundled scenario, as the app loads it (for expected names, quotes and labels)."""
    from mapdata.load import load_scenario

    return load_scenario()
