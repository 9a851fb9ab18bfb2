"""End-to-end fixtures: the real app (``streamlit run``) in a real headless Chromium, offline.

- ``app_server`` / ``evil_server``: one app process per session (bundled data, and a copy
  of it with HTML in a place name and in an event), on a free port, health-checked.
- ``client_server``: the app with the browser-side map (MAPDATA_CLIENT_MAP=on), one per test module.
- ``browser``: Debian's Chromium (never a downloaded one).
- ``page``: a fresh context per test in which every request to a host other than
  localhost is aborted and recorded, and every uncaught JS error (page or map frame)
  is recorded; either fails the test at teardown.
- ``dashboard`` / ``evil_dashboard``: a small page object for the map page.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_server import CHROMIUM, CHROMIUM_ARGS, AppServer, ServerError
from e2e_support import TIMEOUT_MS, Dashboard, NetworkLog, is_local, make_evil_scenario

expect.set_options(timeout=TIMEOUT_MS)

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


@pytest.fixture(scope="session")
def evil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The dashboard on a copy of the scenario with HTML and script in the data."""
    folder = make_evil_scenario(tmp_path_factory.mktemp("evil"))
    server = _start(AppServer(folder))
    yield server
    server.close()


# -- browser and page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def client_server() -> Iterator[AppServer]:
    """The dashboard on the bundled scenario with the browser-side map."""
    server = AppServer(env={"MAPDATA_CLIENT_MAP": "on"})
    try:
        server.start()
    except ServerError as exc:
        server.close()
        pytest.fail(f"the dashboard did not start:\n{exc}", pytrace=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (set MAPDATA_CHROMIUM)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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

    def on_error(error: Any) -> None:  # fired for the map frame's errors too
        network_log.page_errors.append(f"{error}\n{getattr(error, 'stack', '') or ''}")

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


def _alive(server: AppServer) -> AppServer:
    """The session's server, started again if something outside the suite stopped it.

    (A test that was running when it stopped has already failed; later ones need not.)
    """
    if not server.running():
        code = server.process.returncode if server.process is not None else None
        warnings.warn(
            f"the dashboard on {server.url} had stopped (exit code {code}); starting it again\n{server.output()}",
            stacklevel=2,
        )
        server.stop()
        _start(server)
    return server


@pytest.fixture
def dashboard(page: Page, app_server: AppServer) -> Dashboard:
    return Dashboard(page, _alive(app_server))


@pytest.fixture
def evil_dashboard(page: Page, evil_server: AppServer) -> Dashboard:
    return Dashboard(page, _alive(evil_server))


@pytest.fixture(scope="session")
def seed():
    """The bundled scenario, as the app loads it (for expected names, quotes and labels)."""
    from mapdata.model.load import load_scenario

    return load_scenario()
