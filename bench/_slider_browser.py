"""``bench/slider.py --browser-date``: the date applied in the browser (issue 14), measured side by side.

For each size (default 10,000 and 50,000 places, 10 periods each), in real headless Chromium against
the app (``MAPDATA_CLIENT_MAP=on``), ``--runs`` runs (default 3), each with the machine's load
averages at its start and end; every figure is the median of the runs' figures:

* **first map from launch**: from starting ``mapdata serve`` to the first map painted in a new page;
* **JS heap** of the page once the map is shown (``Runtime.getHeapUsage``: the page and its map frame
  share one isolate);
* **key-press step**: ArrowRight on the focused slider until the map frame has painted the new day
  (two animation frames after ``data-mapdata-date`` flips), median of ``--steps`` steps; the server's
  answer (``data-mapdata-served``) is timed beside it;
* **drag**: the slider's thumb dragged with the mouse across 100 days, one move every 16 ms (a hand's
  pace: 1.6 s). Frames per second: animation frames run in the map frame during the drag, per second
  (the main thread is shared: a long repaint shows as fewer frames). Days painted: distinct days the map
  showed during the drag. Messages sent: the page's websocket sends during the drag (0: the server
  hears nothing until the drag ends). Settle: from the mouse button's release to the first animation
  frame with the final day painted; the server's answer and the address bar follow (timed beside);
* **many viewers** (``--viewers``, default 1,10,20; the first size only): that many pages, each in its
  own browser context (a session each), opened one after another; the server's RSS once all show the
  map. Then every page presses ArrowRight at once, five times over: the step median across pages
  (painted in each page) and the server's answers;
* **folium's own plugins** on the same scenario (the first size only), as a Python user would build
  them: ``TimeSliderChoropleth`` (dense: one style per place per day, for ``--folium-days`` days; the
  points buffered into small polygons, as the plugin styles paths only) and ``TimestampedGeoJson``
  (one feature per control period, with its days), saved as HTML with their JavaScript from npm
  (``--npm-dir``; installed there with npm if missing) and served on localhost: the file's size,
  first paint, JS heap and step time (the slider's input event, or the time dimension's next time,
  until two animation frames later).
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from e2e_server import AppServer
from mapdata.model.models import Scenario
from mapdata.model.timeline import Timeline
from mapdata.ui.dashboard import DATE_KEY, DATE_SLIDER_SELECTOR, DATE_THUMB_SELECTOR
from slider import (
    MAP_IFRAME,
    PageRun,
    log,
    server_cpu_share,
    server_rss_mb,
)

DRAG_DAYS = 100
DRAG_MOVE_MS = 16
NPM_PACKAGES = (
    "d3@4",
    "jquery@3.7.1",
    "jquery-ui-dist@1.13.3",
    "iso8601-js-period@0.2.1",
    "leaflet-timedimension@1.1.1",
    "leaflet@1.9.4",
    "moment@2.18.1",
)

# Top page: sends on the Streamlit websocket and pointerup times (INIT_JS keeps the rest).
DRAG_JS = r"""
(() => {
  if (window.top !== window) { return; }
  window.__ups = [];
  window.addEventListener('pointerup', () => window.__ups.push(performance.timeOrigin + performance.now()), true);
})();
"""


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def quiet_machine(*, below: float = 1.5, limit_s: float = 120.0) -> float:
    """Wait (up to ``limit_s``) until the 1-minute load average is under ``below`` (the machine is shared, and a
    previous run's browser pages and servers take a while to go); returns the seconds waited."""
    started = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - started < limit_s:
        time.sleep(2)
    return time.monotonic() - started


def idle_server(server: AppServer, *, limit_s: float = 90.0) -> float:
    """Wait (up to ``limit_s``) until the server uses under a tenth of a CPU (its start-up work in the background:
    the evidence files, the control areas), so that the browser's steps are measured on their own."""
    started = time.monotonic()
    while server_cpu_share(server, 0.5) > 0.1 and time.monotonic() - started < limit_s:
        pass
    return time.monotonic() - started


def wait_preloaded(server: AppServer, *, limit_s: float = 300.0) -> None:
    started = time.monotonic()
    while "preloaded" not in server.output() and time.monotonic() - started < limit_s:
        time.sleep(0.2)


def heap_mb(page: Any) -> float:
    session = page.context.new_cdp_session(page)
    try:
        used = session.send("Runtime.getHeapUsage")["usedSize"]
    finally:
        session.detach()
    return float(used) / 1e6


def _frame_clock(frame: Any) -> float:
    return float(frame.evaluate("() => performance.timeOrigin + performance.now()"))


def _served_at(frame: Any, date: str, since: float, timeout_ms: float) -> float | None:
    """When the map frame got the server's answer for ``date`` (body[data-mapdata-served] flipped), or None."""
    try:
        return float(
            frame.wait_for_function(
                "([date, since]) => { const s = (window.__served || []).find(e => e[0] === date && e[1] > since);"
                " return s ? s[1] : null; }",
                arg=[date, since],
                timeout=timeout_ms,
                polling=20,
            ).json_value()
        )
    except Exception:
        return None


SERVED_LOG = """() => {
  if (window.__servedLog) { return; }
  window.__servedLog = true;
  window.__served = [];
  new MutationObserver(() => window.__served.push([document.body.getAttribute('data-mapdata-served'),
                                                   performance.timeOrigin + performance.now()]))
    .observe(document.body, { attributes: true, attributeFilter: ['data-mapdata-served'] });
}"""


def _open(run: PageRun, url: str, start: dt.date, timeout_s: float) -> dict[str, Any]:
    run.page.goto(f"{url}/?date={start.isoformat()}", timeout=timeout_s * 1000)
    flip = run.wait_painted(start.isoformat(), start.toordinal(), timeout_s * 1000)
    run.page.wait_for_function(
        f"() => {{ const f = document.querySelector('{MAP_IFRAME}');"
        " const c = f && f.contentWindow.mapdataClient; return !!(c && c.ready && c.follow); }",
        timeout=timeout_s * 1000,
    )
    run.frame().evaluate(SERVED_LOG)
    return flip


def _quiet(run: PageRun, ms: int = 800, timeout_s: float = 60) -> None:
    """Until the page has sent nothing for ``ms`` and its script run is over."""
    run.page.wait_for_function(
        f"() => {{ const s = window.__bench.sent; const a = document.querySelector('[data-testid=stApp]');"
        f" return (!s.length || performance.timeOrigin + performance.now() - s[s.length - 1] > {ms})"
        " && a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout_s * 1000,
        polling=100,
    )


def key_steps(run: PageRun, start: dt.date, steps: int) -> dict[str, Any]:
    frame = run.frame()
    day, painted, answered = start, [], []
    for _ in range(steps):
        _quiet(run)
        day += dt.timedelta(days=1)
        keys = len(run.bench()["keys"])
        slider = run.page.get_by_role("slider", name="Date")
        slider.focus()
        slider.press("ArrowRight")
        key_at = float(
            run.page.wait_for_function(
                f"() => window.__bench.keys.length > {keys} ? window.__bench.keys[{keys}] : null", timeout=10_000
            ).json_value()
        )
        flip = run.wait_painted(day.isoformat(), day.toordinal(), 30_000, since=key_at)
        painted.append(flip["painted"] - key_at)
        served = _served_at(frame, day.isoformat(), key_at, 30_000)
        if served is not None:
            answered.append(served - key_at)
    _quiet(run)
    # The map's own step, timed as folium's plugins are below: the day set in the page, until two frames later.
    restyle = []
    for _ in range(steps):
        day += dt.timedelta(days=1)
        restyle.append(
            float(
                frame.evaluate(
                    """(d) => new Promise(r => { const t = performance.now(); mapdataClient.showDay(d);
                         requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t))); })""",
                    day.toordinal(),
                )
            )
        )
    return {
        "page_step_ms": statistics.median(restyle),
        "key_ms": statistics.median(painted),
        "key_p95_ms": sorted(painted)[int(0.95 * (len(painted) - 1))],
        "key_served_ms": statistics.median(answered) if answered else None,
        "key_steps": len(painted),
    }


def drag(run: PageRun, first: dt.date, last: dt.date, start: dt.date) -> dict[str, Any]:
    """Drag the thumb across DRAG_DAYS days (to the right from ``start``) at one move per DRAG_MOVE_MS."""
    page, frame = run.page, run.frame()
    _quiet(run)
    box = page.locator(DATE_THUMB_SELECTOR).locator("..").bounding_box()
    track = page.locator(f".st-key-{DATE_KEY} [data-testid=stSliderTickBar]").bounding_box()
    assert box is not None and track is not None
    px_per_day = track["width"] / max((last - first).days, 1)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    frame.evaluate(
        """() => { window.__raf = []; window.__rafOn = true;
                   const tick = () => { window.__raf.push(performance.timeOrigin + performance.now());
                                        if (window.__rafOn) requestAnimationFrame(tick); };
                   requestAnimationFrame(tick);
                   const f = mapdataClient.follow; f.applied = 0; f.workMs = 0; f.maxMs = 0;
                   window.__flips.length = 0; }"""
    )
    sent_before = len(run.bench()["sent"])
    page.mouse.move(x, y)
    page.mouse.down()
    t_down = _frame_clock(frame)
    for k in range(1, DRAG_DAYS + 1):
        page.mouse.move(x + k * px_per_day, y)
        page.wait_for_timeout(DRAG_MOVE_MS)
    t_end = _frame_clock(frame)
    sent_during = len(run.bench()["sent"]) - sent_before
    final_us = int(page.evaluate(f"() => document.querySelector('{DATE_SLIDER_SELECTOR}').value"))
    final = dt.date(1970, 1, 1) + dt.timedelta(microseconds=final_us)
    page.mouse.up()
    up_at = float(
        page.wait_for_function("() => window.__ups.length ? window.__ups[window.__ups.length - 1] : null").json_value()
    )
    settled = frame.wait_for_function(
        "([day, up]) => { const c = mapdataClient; if (c.shownDay !== day) return null;"
        " return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>"
        " r(performance.timeOrigin + performance.now())))); }",
        arg=[final.toordinal(), up_at],
        timeout=30_000,
        polling="raf",
    ).json_value()
    served = _served_at(frame, final.isoformat(), up_at, 30_000)
    url_at = None
    try:
        page.wait_for_function(
            f"() => new URLSearchParams(location.search).get('date') === '{final.isoformat()}'", timeout=30_000
        )
        url_at = _frame_clock(frame)
    except Exception:
        pass
    stats = frame.evaluate(
        "() => { window.__rafOn = false; const f = mapdataClient.follow;"
        " return { raf: window.__raf, applied: f.applied, workMs: f.workMs, maxMs: f.maxMs,"
        " days: Array.from(new Set(window.__flips.map(e => e.date))).length }; }"
    )
    frames = [t for t in stats["raf"] if t_down <= t <= t_end]
    fps = (len(frames) - 1) / ((frames[-1] - frames[0]) / 1000) if len(frames) > 1 else 0.0
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    _quiet(run)
    return {
        "drag_days": (final - start).days,
        "drag_s": (t_end - t_down) / 1000,
        "drag_fps": fps,
        "drag_worst_frame_ms": max(gaps) if gaps else None,
        "drag_days_painted": stats["days"],
        "drag_repaints": stats["applied"],
        "drag_repaint_ms": stats["workMs"] / stats["applied"] if stats["applied"] else None,
        "drag_repaint_max_ms": stats["maxMs"],
        "drag_sent": sent_during,
        "settle_ms": float(settled) - up_at,
        "settle_served_ms": served - up_at if served is not None else None,
        "settle_url_ms": url_at - up_at if url_at is not None else None,
    }


def size_run(
    browser: Any, store: Path, start: dt.date, scenario_range: tuple[dt.date, dt.date], args: Any
) -> dict[str, Any]:
    """One run at one size: cold start, heap, key steps, drag."""
    env = {"MAPDATA_STORE": str(store), "MAPDATA_CLIENT_MAP": "on", "MAPDATA_TILES": "off"}
    out: dict[str, Any] = {"load_start": loadavg()}
    server = AppServer(env=env, startup_timeout=300)
    launch = time.time()
    server.start()
    run = PageRun(browser, server.url)
    run.context.add_init_script(DRAG_JS)
    try:
        flip = _open(run, server.url, start, args.cold_timeout)
        out["launch_s"] = flip["painted"] / 1000 - launch
        _quiet(run)
        out["server_busy_s"] = idle_server(server)
        out["rss_one_mb"] = server_rss_mb(server)
        out["heap_mb"] = heap_mb(run.page)
        out.update(key_steps(run, start, args.steps))
        idle_server(server)
        out.update(drag(run, scenario_range[0], scenario_range[1], start))
        out["heap_after_mb"] = heap_mb(run.page)
        errors = run.console_errors + run.page_errors + run.frame_errors()
        # a map file still being written answers 404 until it is there (the page waits for it): not an error
        out["waited_404"] = sum("status of 404" in e for e in errors)
        out["errors"] = sorted({e for e in errors if "status of 404" not in e})
    finally:
        run.close()
        server.close()
    out["load_end"] = loadavg()
    return out


def viewers_run(browser: Any, store: Path, start: dt.date, counts: list[int], args: Any) -> dict[str, Any]:
    """RSS with 1, 10, 20... sessions; then all press ArrowRight at once, five times."""
    env = {"MAPDATA_STORE": str(store), "MAPDATA_CLIENT_MAP": "on", "MAPDATA_TILES": "off"}
    out: dict[str, Any] = {"load_start": loadavg(), "rss_mb": {}}
    server = AppServer(env=env, startup_timeout=300)
    server.start()
    runs: list[PageRun] = []
    try:
        wait_preloaded(server)
        idle_server(server)
        out["rss_mb"]["0"] = server_rss_mb(server)
        for count in counts:
            while len(runs) < count:
                run = PageRun(browser, server.url)
                run.context.add_init_script(DRAG_JS)
                runs.append(run)
                _open(run, server.url, start, args.cold_timeout)
            for run in runs:
                _quiet(run)
            idle_server(server)
            out["rss_mb"][str(count)] = server_rss_mb(server)
            log(f"  {count} viewers: server RSS {out['rss_mb'][str(count)]:.0f} MB")
        painted, answered = [], []
        day = start
        for _ in range(5):
            day += dt.timedelta(days=1)
            marks = []
            for run in runs:
                slider = run.page.get_by_role("slider", name="Date")
                slider.focus()
                marks.append(len(run.bench()["keys"]))
            for run in runs:
                run.page.keyboard.press("ArrowRight")
            for run, keys in zip(runs, marks, strict=True):
                key_at = float(
                    run.page.wait_for_function(
                        f"() => window.__bench.keys.length > {keys} ? window.__bench.keys[{keys}] : null"
                    ).json_value()
                )
                flip = run.wait_painted(day.isoformat(), day.toordinal(), 60_000, since=key_at)
                painted.append(flip["painted"] - key_at)
                served = _served_at(run.frame(), day.isoformat(), key_at, 60_000)
                if served is not None:
                    answered.append(served - key_at)
            for run in runs:
                _quiet(run, timeout_s=120)
        out["step_ms"] = statistics.median(painted)
        out["served_ms"] = statistics.median(answered) if answered else None
        out["served_p95_ms"] = sorted(answered)[int(0.95 * (len(answered) - 1))] if answered else None
        out["rss_after_steps_mb"] = server_rss_mb(server)
        for run in runs[1:]:  # the viewers leave (tabs closed): the server lets their sessions go
            run.close()
        runs = runs[:1]
        time.sleep(5)
        out["rss_after_close_mb"] = server_rss_mb(server)
    finally:
        for run in runs:
            run.close()
        server.close()
    out["load_end"] = loadavg()
    return out


# -- folium's plugins ------------------------------------------------------------------------------------------


def ensure_npm(folder: Path) -> Path:
    """The plugins' JavaScript and CSS, from the npm registry, in ``folder/node_modules``."""
    modules = folder / "node_modules"
    if not (modules / "leaflet-timedimension").exists() or not (modules / "moment").exists():
        folder.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        assert npm, "npm is needed for folium's plugins' assets"
        if not (folder / "package.json").exists():
            subprocess.run([npm, "init", "-y"], cwd=folder, check=True, capture_output=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", *NPM_PACKAGES], cwd=folder, check=True)
    return modules


def _octagon(lon: float, lat: float, r: float = 0.01) -> list[list[float]]:
    import math

    ring = [[lon + r * math.cos(k * math.pi / 4), lat + r * math.sin(k * math.pi / 4)] for k in range(8)]
    return [*ring, ring[0]]


def folium_files(scenario: Scenario, start: dt.date, days: int, folder: Path) -> dict[str, Path]:
    """The two plugin maps of the scenario (days ``start`` .. ``start + days - 1``), with local assets."""
    import folium
    from folium.plugins import TimeSliderChoropleth, TimestampedGeoJson

    timeline = Timeline(scenario)
    colours = {f.id: f.colour for f in scenario.forces}
    day_list = [start + dt.timedelta(days=k) for k in range(days)]
    features: list[dict[str, Any]] = []
    styles: dict[str, dict[str, dict[str, Any]]] = {}
    points = {}
    for n, place in enumerate(scenario.places):
        c = place.geometry.centroid
        points[place.id] = (c.x, c.y)
        features.append(
            {
                "type": "Feature",
                "id": str(n),
                "properties": {"name": place.name_en},
                "geometry": {"type": "Polygon", "coordinates": [_octagon(c.x, c.y)]},
            }
        )
        styles[str(n)] = {}
    for day in day_list:
        stamp = str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))
        for n, place in enumerate(scenario.places):
            state = timeline.state(place.id, day)
            colour = colours.get(state.force or "", "#7A7A7A")
            styles[str(n)][stamp] = {"color": colour, "opacity": 0.8 if state.force else 0.3}
    local = "/node_modules"
    leaflet_js = [("leaflet", f"{local}/leaflet/dist/leaflet.js")]
    leaflet_css = [("leaflet_css", f"{local}/leaflet/dist/leaflet.css")]
    out = {}

    m = folium.Map(location=list(scenario.view_center), zoom_start=scenario.view_zoom, tiles=None)
    m.default_js, m.default_css = leaflet_js, leaflet_css
    slider = TimeSliderChoropleth({"type": "FeatureCollection", "features": features}, styledict=styles)
    slider.default_js = [
        ("jquery", f"{local}/jquery/dist/jquery.min.js"),  # the base map's, which folium's own default loads
        ("d3v4", f"{local}/d3/build/d3.min.js"),
        ("moment", f"{local}/moment/min/moment.min.js"),
    ]
    slider.add_to(m)
    out["TimeSliderChoropleth"] = folder / "timeslider.html"
    m.save(str(out["TimeSliderChoropleth"]))

    timed = []
    last = day_list[-1]
    for period in scenario.periods:
        a = max(period.start or start, start)
        z = min(period.end or last, last)
        if a > z or period.role.value == "presence":
            continue
        lon, lat = points[period.place_id]
        timed.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "times": [(a + dt.timedelta(days=k)).isoformat() for k in range((z - a).days + 1)],
                    "icon": "circle",
                    "iconstyle": {
                        "fillColor": colours.get(period.force_id, "#7A7A7A"),
                        "fillOpacity": 0.8,
                        "stroke": False,
                        "radius": 5,
                    },
                },
            }
        )
    m2 = folium.Map(location=list(scenario.view_center), zoom_start=scenario.view_zoom, tiles=None)
    m2.default_js, m2.default_css = leaflet_js, leaflet_css
    stamped = TimestampedGeoJson(
        {"type": "FeatureCollection", "features": timed},
        period="P1D",
        duration="PT1H",
        add_last_point=False,
        auto_play=False,
        loop=False,
    )
    stamped.default_js = [
        ("jquery3.7.1", f"{local}/jquery/dist/jquery.min.js"),
        ("jqueryui", f"{local}/jquery-ui-dist/jquery-ui.min.js"),
        ("iso8601", f"{local}/iso8601-js-period/iso8601.js"),
        ("leaflet.timedimension", f"{local}/leaflet-timedimension/dist/leaflet.timedimension.min.js"),
        ("moment", f"{local}/moment/min/moment.min.js"),
    ]
    stamped.default_css = [
        ("leaflet.timedimension_css", f"{local}/leaflet-timedimension/dist/leaflet.timedimension.control.css")
    ]
    stamped.add_to(m2)
    out["TimestampedGeoJson"] = folder / "timestamped.html"
    m2.save(str(out["TimestampedGeoJson"]))
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def folium_run(browser: Any, files: dict[str, Path], npm: Path, steps: int) -> dict[str, Any]:
    """Open each plugin map from a local server: file size, first paint, heap, step time (median)."""
    root = files["TimeSliderChoropleth"].parent
    link = root / "node_modules"
    if not link.exists():
        link.symlink_to(npm)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    out: dict[str, Any] = {"load_start": loadavg()}
    try:
        for name, path in files.items():
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            blocked: list[str] = []

            def guard(route: Any, *_: Any, blocked: list[str] = blocked) -> None:  # offline, as the app: localhost only
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            t0 = time.time()
            page.goto(f"{base}/{path.name}", timeout=180_000, wait_until="domcontentloaded")
            if name == "TimeSliderChoropleth":
                page.wait_for_function(
                    "() => document.querySelectorAll('path.leaflet-interactive').length > 0", timeout=180_000
                )
            else:
                page.wait_for_function(
                    "() => { const m = Object.values(window).find(v => v instanceof L.Map && v.timeDimension); return !!m; }",
                    timeout=180_000,
                )
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            first_paint = time.time() - t0
            heap = heap_mb(page)
            times = []
            for k in range(steps):
                if name == "TimeSliderChoropleth":
                    ms = page.evaluate(
                        """(k) => new Promise(r => { const i = document.querySelector('input[type=range]');
                             const t = performance.now(); i.value = String(Math.min(Number(i.value) + 1, Number(i.max)));
                             i.dispatchEvent(new Event('input', { bubbles: true }));
                             requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t))); })""",
                        k,
                    )
                else:
                    ms = page.evaluate(
                        """() => new Promise(r => { const m = Object.values(window).find(v => v instanceof L.Map && v.timeDimension);
                             const td = m.timeDimension; const t = performance.now();
                             const h = () => { td.off('timeload', h); requestAnimationFrame(() =>
                               requestAnimationFrame(() => r(performance.now() - t))); };
                             td.on('timeload', h);
                             td.nextTime(1); })"""
                    )
                times.append(float(ms))
            out[name] = {
                "file_mb": path.stat().st_size / 1e6,
                "first_paint_s": first_paint,
                "heap_mb": heap,
                "step_ms": statistics.median(times),
                "errors": errors[:3],
                "blocked": blocked[:3],
            }
            log(
                f"  {name}: {out[name]['file_mb']:.1f} MB file, first paint {first_paint:.1f} s, heap {heap:.0f} MB,"
                f" step {out[name]['step_ms']:.0f} ms" + (f", errors {errors[:1]}" if errors else "")
            )
            context.close()
    finally:
        httpd.shutdown()
    out["load_end"] = loadavg()
    return out


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def save_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


# -- the run and its table -------------------------------------------------------------------------------------

HEADING = "## Slider in the browser, 50,000 places and many viewers (issue 14)"


def _fmt(value: float | None, unit: str, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f} {unit}"


def _verdict(value: float | None, target: float, *, below: bool = True) -> str:
    if value is None:
        return "not measured"
    return "met" if (value <= target if below else value >= target) else "**not met**"


def markdown(
    sizes: dict[int, list[dict[str, Any]]],
    viewers: list[dict[str, Any]],
    folium_runs: list[dict[str, Any]],
    host: dict[str, Any],
    args: Any,
    when: str,
    elapsed_s: float,
) -> str:
    lines = [
        HEADING,
        "",
        f"Measured {when} with `bench/slider.py --browser-date --sizes {args.sizes} --runs {args.runs}` "
        f"({elapsed_s / 60:.0f} min) on {host.get('nproc', '?')} CPUs ({host.get('cpu', '?')}), {host.get('chromium', '')}, "
        "browser and server on the same machine. Every figure is the median of the runs; each run's load averages "
        "(1, 5, 15 min) at its start and end are listed under the tables. Method: the docstring of "
        "`bench/_slider_browser.py`.",
        "",
        "| Target | Measured (median of runs) | Runs | Verdict |",
        "|---|---|---|---|",
    ]

    def row(
        label: str,
        runs: list[dict[str, Any]],
        key: str,
        unit: str,
        target: float,
        *,
        below: bool = True,
        digits: int = 0,
    ) -> None:
        value = median_of(runs, key)
        each = ", ".join(_fmt(r.get(key), "", digits).strip() for r in runs)
        lines.append(f"| {label} | {_fmt(value, unit, digits)} | {each} | {_verdict(value, target, below=below)} |")

    small = sizes.get(10_000, [])
    large = sizes.get(50_000, [])
    if small:
        row("10,000 places: map repaints during a drag ≥ 30 frames/s", small, "drag_fps", "frames/s", 30, below=False)
        row("10,000 places: map settled ≤ 100 ms after the drag ends", small, "settle_ms", "ms", 100)
        row("10,000 places: key-press step ≤ 60 ms (median)", small, "key_ms", "ms", 60)
        row("10,000 places: first map ≤ 3 s from launch", small, "launch_s", "s", 3, digits=1)
    if large:
        row("50,000 places: step ≤ 150 ms (median)", large, "key_ms", "ms", 150)
        row("50,000 places: first map ≤ 8 s from launch", large, "launch_s", "s", 8, digits=1)
        row("50,000 places: JS heap < 500 MB", large, "heap_after_mb", "MB", 500)
    if viewers:
        one = [{"v": v["rss_mb"].get("1")} for v in viewers]
        row("Server RSS, 10,000 places, one viewer ≤ 300 MB", one, "v", "MB", 300)
        per = [{"v": (v["rss_mb"]["20"] - v["rss_mb"]["1"]) / 19} for v in viewers if "20" in v["rss_mb"]]
        row("Server RSS per further viewer ≤ 5 MB (1 → 20 viewers)", per, "v", "MB", 5, digits=1)
        row("20 concurrent viewers: step median ≤ 300 ms", viewers, "step_ms", "ms", 300)
    if folium_runs and small:
        ours = median_of(small, "page_step_ms")  # timed as folium's are: the day set in the page, two frames
        dense = [f["TimeSliderChoropleth"] for f in folium_runs if "TimeSliderChoropleth" in f]
        theirs = median_of(dense, "step_ms")
        speed = theirs / ours if ours and theirs else None
        lines.append(
            f"| ≥ 2× faster per step than folium's dense TimeSliderChoropleth (both timed in the page) | {speed:.1f}× "
            f"({_fmt(ours, 'ms')} against {_fmt(theirs, 'ms')}) | | {_verdict(speed, 2, below=False)} |"
            if speed
            else "| ≥ 2× faster per step than folium's dense TimeSliderChoropleth | — | | not measured |"
        )
    lines += [
        "",
        "### The browser-side map",
        "",
        "| Places | First map from launch | JS heap (after the drag) | Key step (painted) | Step in the page | "
        "Server's answer to a key | Drag: frames/s | worst frame | days painted of 100 | repaint (mean / max) | sent during drag | "
        "Settled after release | Server and link updated after release | Server RSS (one viewer) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for places, runs in sorted(sizes.items()):
        m = partial(median_of, runs)
        lines.append(
            f"| {places:,} | {_fmt(m('launch_s'), 's', 1)} | {_fmt(m('heap_mb'), 'MB')} ({_fmt(m('heap_after_mb'), 'MB')}) | "
            f"{_fmt(m('key_ms'), 'ms')} (p95 {_fmt(m('key_p95_ms'), 'ms')}) | {_fmt(m('page_step_ms'), 'ms')} | "
            f"{_fmt(m('key_served_ms'), 'ms')} | "
            f"{_fmt(m('drag_fps'), '')} | {_fmt(m('drag_worst_frame_ms'), 'ms')} | {_fmt(m('drag_days_painted'), '')} | "
            f"{_fmt(m('drag_repaint_ms'), 'ms', 1)} / {_fmt(m('drag_repaint_max_ms'), 'ms', 1)} | {_fmt(m('drag_sent'), '')} | "
            f"{_fmt(m('settle_ms'), 'ms')} | {_fmt(m('settle_served_ms'), 'ms')} / {_fmt(m('settle_url_ms'), 'ms')} | "
            f"{_fmt(m('rss_one_mb'), 'MB')} |"
        )
    if viewers:
        counts = sorted({int(k) for v in viewers for k in v["rss_mb"]})
        lines += [
            "",
            "### Many viewers (10,000 places, one server process)",
            "",
            "| "
            + " | ".join(
                f"RSS, {c} viewer{'s' if c != 1 else ''}" if c else "RSS, no viewer (data loaded)" for c in counts
            )
            + " | Step, all pressing at once (painted) | Server's answers (median / p95) | RSS after the steps | RSS after all but one tab closed |",
            "|" + "---|" * (len(counts) + 4),
        ]
        cells = [
            _fmt(statistics.median([v["rss_mb"][str(c)] for v in viewers if str(c) in v["rss_mb"]]), "MB")
            for c in counts
        ]
        lines.append(
            "| " + " | ".join(cells) + f" | {_fmt(median_of(viewers, 'step_ms'), 'ms')} | "
            f"{_fmt(median_of(viewers, 'served_ms'), 'ms')} / {_fmt(median_of(viewers, 'served_p95_ms'), 'ms')} | "
            f"{_fmt(median_of(viewers, 'rss_after_steps_mb'), 'MB')} | {_fmt(median_of(viewers, 'rss_after_close_mb'), 'MB')} |"
        )
    if folium_runs:
        lines += [
            "",
            f"### Against folium's own plugins (10,000 places; {args.folium_days} days for the dense slider)",
            "",
            "| Map | File | First paint | JS heap | Step (median) | Holds |",
            "|---|---|---|---|---|---|",
        ]
        if small:
            lines.append(
                f'| mapdata (browser-side map) | scenario file, gzipped: see "Slider at scale" | '
                f"{_fmt(median_of(small, 'launch_s'), 's', 1)} from launch | {_fmt(median_of(small, 'heap_mb'), 'MB')} | "
                f"{_fmt(median_of(small, 'page_step_ms'), 'ms')} in the page ({_fmt(median_of(small, 'key_ms'), 'ms')} from "
                "a key press) | every day of the scenario, with the evidence |"
            )
        for name, holds in (
            ("TimeSliderChoropleth", f"{args.folium_days} days (one style per place per day)"),
            ("TimestampedGeoJson", f"{args.folium_days} days (one feature per period, its days listed)"),
        ):
            got = [f[name] for f in folium_runs if name in f]
            if got:
                lines.append(
                    f"| folium {name} | {_fmt(median_of(got, 'file_mb'), 'MB', 1)} | "
                    f"{_fmt(median_of(got, 'first_paint_s'), 's', 1)} from navigation | {_fmt(median_of(got, 'heap_mb'), 'MB')} | "
                    f"{_fmt(median_of(got, 'step_ms'), 'ms')} | {holds} |"
                )
    lines += ["", "Load averages (1, 5, 15 min) at each run's start → end:", ""]
    for places, runs in sorted(sizes.items()):
        lines.append(f"- {places:,} places: " + "; ".join(f"{r['load_start']} → {r['load_end']}" for r in runs))
    if viewers:
        lines.append("- many viewers: " + "; ".join(f"{v['load_start']} → {v['load_end']}" for v in viewers))
    if folium_runs:
        lines.append("- folium's plugins: " + "; ".join(f"{f['load_start']} → {f['load_end']}" for f in folium_runs))
    errors = sorted({e for runs in sizes.values() for r in runs for e in r.get("errors", [])})
    if errors:
        lines += ["", "Errors in the page: " + "; ".join(errors[:5])]
    return "\n".join(lines) + "\n"
