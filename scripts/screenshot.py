"""Take docs/screenshot.png: the dashboard on 4 June 2018, in a 1400x900 headless Chromium.

Starts the app exactly as the end-to-end tests do (``mapdata serve``, i.e. ``streamlit run dashboard.py``, on a
free port, health-checked), opens ``/?date=2018-06-04`` with every request outside
localhost blocked, waits until the map has drawn that day, and saves the page.

    .venv/bin/python scripts/screenshot.py [--query '?date=2018-06-04'] [--out docs/screenshot.png]
                                           [--store big.gpkg]   # another store, e.g. from `mapdata synth`

Needs Chromium (default /usr/bin/chromium; set MAPDATA_CHROMIUM to change it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from e2e_server import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, AppServer

if TYPE_CHECKING:
    from playwright.sync_api import Route

ROOT = Path(__file__).resolve().parents[1]

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="?date=2018-06-04", help="query string of the view to take")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--store", type=Path, help="the store to show (default: a new one seeded from geodata/)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    date = (parse_qs(urlsplit(args.query).query).get("date") or [None])[0]
    blocked: list[str] = []
    errors: list[str] = []
    env = {"MAPDATA_STORE": str(args.store.resolve())} if args.store else {}
    with AppServer(env=env, startup_timeout=120) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": args.width, "height": args.height})

        def guard(route: Route) -> None:
            if (urlsplit(route.request.url).hostname or "") in LOCAL_HOSTS or route.request.url.startswith("data:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", guard)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/{args.query}")
        body = f'body[data-mapdata-date="{date}"]' if date else "body[data-mapdata-date]"
        frame = page.frame_locator(MAP_IFRAME)
        frame.locator(body).wait_for(state="attached", timeout=60_000)
        # places drawn: as SVG paths (server-rendered map) or on the browser-side map's canvas
        frame.locator("body").evaluate(
            "() => new Promise(done => { const check = () => (document.querySelector('path.mapdata-place')"
            " || (window.mapdataClient && window.mapdataClient.ready)) ? done() : setTimeout(check, 100); check(); })"
        )
        page.get_by_test_id("stCode").first.wait_for()  # the share box: the page has finished its run
        page.wait_for_function("() => document.fonts.status === 'loaded'")
        page.wait_for_timeout(800)  # let the map's tiles of boundaries and the legend settle
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    for url in blocked:
        print(f"blocked (not localhost): {url}", file=sys.stderr)
    for error in errors:
        print(f"page error: {error}", file=sys.stderr)
    print(f"wrote {args.out} ({args.width}x{args.height}, {args.query})")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
