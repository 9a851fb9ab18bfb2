"""Benchmark the date slider at scale: the server-rendered map against the browser-side one.

Usage (one run; about 25 minutes on 2 CPUs for the default sizes, 10 of them the naive
path's 20 steps at 50,000 places, and the first time about 2 more to synthesize the stores)::

    .venv/bin/python bench/slider.py [--sizes 1000,10000,50000] [--steps 20] [--seed 1]
                                     [--naive-cap 3 --naive-cap-from N --naive-slow S] [--start YYYY-MM-DD]
                                     [--store-dir DIR] [--no-write] [--keep-cache] [--json FILE]
    .venv/bin/python bench/slider.py --quick      # smoke run: 1,000 places, 5 steps, docs untouched

For each size N (N places, 10 control periods per place, ``mapdata.synth`` with the
seed; each store is synthesized once into ``--store-dir``, by default
``$TMPDIR/mapdata-bench-slider/``, and reused when present) it measures two paths:

* **naive**: the existing server-rendered map (the app started with
  ``MAPDATA_CLIENT_MAP=off``): every slider step builds a fresh Folium map and sends
  every feature (geometry, style, tooltip, popup) of the day;
* **app**: the browser-side map (``MAPDATA_CLIENT_MAP=on``): the scenario is published
  once to ``static/cache/`` and fetched by the map frame; a step sends only the day
  (``mapdata.clientShow``) and the browser restyles the places it already has.

and for each path:

* **server time per step**, in this process on the same scenario (read back from the
  store): ``MapBuilder.force_layers(day, visible=<all forces>, highlight=())`` plus the
  rendering of those groups to JavaScript exactly as ``st_folium`` does it
  (``streamlit_folium._get_feature_group_string``); median over the step days. The
  fresh base map that each step also needs is built outside the timer;
* in real headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright), against
  the app started by ``tests/e2e/e2e_server.AppServer`` with ``MAPDATA_STORE`` set to
  the synthetic store:

  - **cold start to first map**: from launching the app server (``mapdata serve``, which
    starts reading the store at once) to the first ``body[data-mapdata-date]`` in the map
    frame with the places painted, the page being opened in a new browser context as
    soon as the server answers its health check; the part from ``page.goto``
    (navigation start) is reported beside it. The store exists, so nothing is seeded;
    reading it and preparing the map are inside both figures;
  - **browser step time**: focus ``get_by_role("slider", name="Date")``, press
    ArrowRight, until the map frame shows the new day (``data-mapdata-date`` flips to
    it; on the app path ``window.mapdataClient.shownDay`` too) and two animation frames
    have run after that, so the new colours are painted. Timed inside the page (the
    keydown in the page, a MutationObserver in the map frame), median and p95 over the
    steps; each step starts once the previous rerun has finished and the websocket has
    been quiet for 0.5 s;
  - **bytes per step**: the payload lengths of the page's websocket frames
    (Playwright ``page.on("websocket")`` -> ``ws.on("framereceived")``) received between
    the key press and the map showing the new day (in-page timestamps of the same
    frames decide which fall in that window). The bytes of the whole rerun (tables
    and sidebar included, until the script finished) are reported beside them.

Both paths run ``--steps`` steps at every size; the naive path runs only ``--naive-cap``
where its server side alone is estimated above ``--naive-slow`` seconds a step or the
scenario has ``--naive-cap-from`` places or more (off by default; the table says so). The start day is picked (unless
``--start``) among 2016-2018 so that places change control on every step day.

Also recorded: browser console errors and uncaught errors in the page and the map
frame, steps that never finished, the time from the key press to the widget value
leaving the browser, the whole rerun, the app's in-browser ``clientShow`` (timeline of
all places + restyle), and the server's ``Timeline.states(day)`` (the naive path's
per-step query). Prints the tables and (unless ``--no-write`` or ``--quick``) puts them in
``docs/benchmarks.md`` under "Slider at scale", keeping the other sections. Files this
run adds to ``static/cache/`` are removed at the end unless ``--keep-cache``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

import _host
from _host import machine
from e2e_server import CHROMIUM, CHROMIUM_ARGS, AppServer
from mapdata.map.clientmap import STATIC_DIR, read_published
from mapdata.map.mapview import MapBuilder
from mapdata.model.models import Scenario
from mapdata.model.timeline import ControlIndex
from mapdata.store import open_store
from mapdata.synth import synth_scenario, write_store

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Slider at scale"
PERIODS_PER_PLACE = 10
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TARGET_SIZE = 10_000
TARGET_STEP_MS = 250.0
TARGET_SPEEDUP = 10.0
TARGET_BYTES_SHARE = 0.02
TARGET_QUERY_MS = 10.0
TARGET_COLD_S = 6.0
QUIET_MS = 500  # websocket silence that ends a step's rerun
# The script of a step's feature groups: mapdata.sync(...) on the naive path, mapdata.clientShow(...) on the app's.
MAP_MARKERS = (b"mapdata.sync(", b"mapdata.clientShow(")

# Runs in every frame before its own scripts. Top page: keydown times, the Streamlit
# websocket's frames (time, size) and sends, and the script-run state. Map frame: every
# change of body[data-mapdata-date], and when the second animation frame after it ran.
INIT_JS = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  if (window.top === window) {
    const bench = window.__bench = { keys: [], recv: [], sent: [], runs: [] };
    window.addEventListener('keydown', e => { if (e.key === 'ArrowRight') bench.keys.push(now()); }, true);
    const Native = window.WebSocket;
    class Logged extends Native {
      constructor(...args) {
        super(...args);
        this.__stream = String(args[0]).includes('/_stcore/stream');
        if (this.__stream) {
          this.addEventListener('message', e => {
            const d = e.data;
            const n = typeof d === 'string' ? new TextEncoder().encode(d).length
              : (d.byteLength !== undefined ? d.byteLength : d.size);
            bench.recv.push([now(), n]);
          });
        }
      }
      send(data) { if (this.__stream) { bench.sent.push(now()); } return super.send(data); }
    }
    window.WebSocket = Logged;
    new MutationObserver(records => {
      for (const r of records) {
        if (r.attributeName === 'data-test-script-state' && r.target.getAttribute('data-testid') === 'stApp') {
          bench.runs.push([now(), r.target.getAttribute('data-test-script-state')]);
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-test-script-state'] });
  } else {
    // The map frame's document replaces its initial about:blank in the same Window, and the
    // init script does not run again for it: (re)install when mapdata.js sets window.mapdata.
    const onError = e => window.__errors.push(String(e.message || e));
    const onRejection = e => window.__errors.push('unhandled rejection: ' + String(e.reason));
    const install = () => {
      if (window.__observed === document) { return; }
      window.__observed = document;
      window.__flips = window.__flips || [];
      window.__errors = window.__errors || [];
      window.addEventListener('error', onError);
      window.addEventListener('unhandledrejection', onRejection);
      new MutationObserver(records => {
        for (const r of records) {
          if (r.target !== document.body || r.attributeName !== 'data-mapdata-date') { continue; }
          const entry = { date: document.body.getAttribute('data-mapdata-date'), t: now() };
          window.__flips.push(entry);
          requestAnimationFrame(() => requestAnimationFrame(() => {
            entry.painted = now();
            const c = window.mapdataClient;
            if (c) {
              entry.shownDay = c.shownDay; entry.changed = c.lastChanged;
              entry.shown = c.visible.filter(Boolean).length;
              entry.showMs = window.__showMs === undefined ? null : window.__showMs;
            } else {
              entry.shown = document.querySelectorAll('path.mapdata-place').length;
            }
          }));
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-mapdata-date'] });
    };
    if (location.href !== 'about:blank') { install(); }
    let api;
    Object.defineProperty(window, 'mapdata', {
      configurable: true,
      get() { return api; },
      set(value) {
        api = value;
        install();
        if (value && typeof value.clientShow === 'function' && !value.__timed) {
          const show = value.clientShow;  // a step's whole work in the browser: timeline of every place + restyle
          value.clientShow = function (map, data) {
            const t = performance.now();
            try { return show(map, data); } finally { window.__showMs = performance.now() - t; }
          };
          value.__timed = true;
        }
      }
    });
  }
})();
"""

# -- machine and helpers -------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": float("nan"), "p95": float("nan"), "max": float("nan"), "n": 0}
    arr = np.array(values, dtype=float)
    return {
        "median": float(np.median(arr)),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
        "n": len(values),
    }


# -- the scenario ------------------------------------------------------------------------------------


def ensure_store(places: int, seed: int, folder: Path) -> tuple[Path, float | None]:
    """The synthetic store for ``places`` (10 periods each); synthesized once, then reused."""
    path = folder / f"synth-{places}p-{places * PERIODS_PER_PLACE}c-seed{seed}.gpkg"
    if path.exists():
        return path, None
    log(f"synthesizing {places:,} places / {places * PERIODS_PER_PLACE:,} periods into {path}")
    start = time.perf_counter()
    scenario = synth_scenario(places, places * PERIODS_PER_PLACE, seed)
    write_store(scenario, path)
    return path, time.perf_counter() - start


def read_scenario(path: Path) -> Scenario:
    with open_store(path, read_only=True) as store:
        return store.scenario()


def pick_start(scenario: Scenario, steps: int) -> tuple[dt.date, list[int]]:
    """A start day in 2016-2018 after which places change state on each of the next ``steps`` days."""
    index = ControlIndex(scenario)
    first, last = scenario.date_range
    lo, hi = max(first, dt.date(2016, 1, 1)), min(last, dt.date(2018, 12, 31))
    if (hi - lo).days < steps + 1:
        lo, hi = first, last
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    states = [index.states_on(day) for day in days]
    changes = []
    for (sa, ha, pa), (sb, hb, pb) in pairwise(states):
        differ = (sa != sb) | (ha != hb)
        differ |= (pa != pb).any(axis=1) if pa.ndim > 1 else (pa != pb)
        changes.append(int(differ.sum()))
    best, best_key = 0, (-1, -1)
    for i in range(0, max(1, len(changes) - steps + 1)):
        window = changes[i : i + steps]
        key = (min(window), sum(window))
        if key > best_key:
            best, best_key = i, key
    return days[best], changes[best : best + steps]


# -- server side, in process -----------------------------------------------------------------------


def server_steps(
    builder: MapBuilder,
    days: list[dt.date],
    forces: tuple[str, ...],
    *,
    warm: bool = True,
    since: dt.date | None = None,
    areas: bool = False,
) -> dict[str, Any]:
    """force_layers + st_folium's rendering of the groups, per day (fresh base map built outside the timer).
    ``since``: compare mode, the change list computed in the timer as the dashboard does; ``areas``: control areas."""
    from streamlit_folium import _get_feature_group_string

    from mapdata.model.compare import compare

    def one(day: dt.date) -> tuple[float, int]:
        folium_map = builder.base_map()
        folium_map.render()
        start = time.perf_counter()
        changes = (  # as the dashboard: the server-rendered map gets the change list, the browser-side one `since`
            {c.place_id: c.kind for c in compare(builder.scenario, since=since, until=day, timeline=builder.timeline)}
            if since and not builder.client
            else None
        )
        groups = builder.force_layers(day, visible=forces, highlight=(), changes=changes, areas=areas, since=since)
        script = "".join(_get_feature_group_string(g, map=folium_map, idx=i) for i, g in enumerate(groups))
        return time.perf_counter() - start, len(script.encode("utf-8"))

    if warm:
        one(days[0] - dt.timedelta(days=1))  # warm-up: the builder's caches, as in the running app
    seconds, sizes = [], []
    for day in days:
        s, n = one(day)
        seconds.append(s * 1000)
        sizes.append(n)
    return {"ms": spread(seconds), "script_bytes": statistics.median(sizes)}


def since_day(args: argparse.Namespace, start: dt.date) -> dt.date | None:
    """Compare mode (``--since-days N``): the earlier date, N days before the first day shown."""
    return start - dt.timedelta(days=args.since_days) if args.since_days else None


def mode_query(args: argparse.Namespace, start: dt.date) -> str:
    """The link's extra parameters for ``--since-days`` and ``--areas``."""
    since = since_day(args, start)
    return (f"&since={since.isoformat()}" if since else "") + ("&areas=1" if args.areas else "&areas=0")


def timeline_states_ms(builder: MapBuilder, days: list[dt.date]) -> dict[str, float]:
    """The app's per-step control-state query on the server (the 'Control on this date' table)."""
    return spread([timed(partial(builder.timeline.states, d))[1] * 1000 for d in days])


def sampled_step(builder: MapBuilder, day: dt.date, forces: tuple[str, ...], sample: list[str]) -> dict[str, float]:
    """Per-step server time and rendered bytes, estimated from ``sample`` places and scaled to all of them.

    The real code runs (``force_layers`` + st_folium's rendering) with ``Timeline.states`` narrowed to the
    sample on this builder only: every place costs about the same whatever the others are (the slow part,
    the evidence and the popup of each place), so the cost scales with
    the number of places.
    """
    timeline = builder.timeline
    timeline.states = lambda day: {pid: timeline.state(pid, day) for pid in sample}  # type: ignore[method-assign]
    try:
        step = server_steps(builder, [day], forces, warm=False)
    finally:
        del timeline.states
    scale = len(builder.scenario.places) / len(sample)
    return {"ms": step["ms"]["median"] * scale, "script_bytes": step["script_bytes"] * scale, "sample": len(sample)}


def server_cpu_share(server: AppServer, seconds: float) -> float:
    """The app server's CPU use over ``seconds`` (1.0 = one CPU busy)."""
    if server.process is None:
        return 0.0
    stat = Path(f"/proc/{server.process.pid}/stat")

    def ticks() -> int:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    try:
        before = ticks()
        time.sleep(seconds)
        return (ticks() - before) / os.sysconf("SC_CLK_TCK") / seconds
    except (OSError, AttributeError, ValueError):
        return 0.0


def server_rss_mb(server: AppServer) -> float:
    if server.process is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, AttributeError):
        pass
    return float("nan")


# -- in the browser --------------------------------------------------------------------------------------


class PageRun:
    """One page of one server: the websocket frames as Playwright sees them, errors, and the in-page log."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(INIT_JS)
        self.page = self.context.new_page()
        self.url = url
        self.frames: list[int] = []  # payload lengths, in order, of the Streamlit websocket's received frames
        self.map_frames: set[int] = set()  # indices of the frames that carry a map step (st_folium's new groups)
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.static_bytes: dict[str, int] = {}
        self.static_done: dict[str, float] = {}
        self.page.on("websocket", self._on_websocket)
        self.page.on(
            "console",
            lambda msg: (
                self.console_errors.append(f"{msg.type}: {msg.text}") if msg.type in {"error", "assert"} else None
            ),
        )
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.on("requestfinished", self._on_request)

    def _on_websocket(self, ws: Any) -> None:
        if "/_stcore/stream" not in ws.url:
            return

        def received(payload: str | bytes) -> None:
            data = payload.encode("utf-8") if isinstance(payload, str) else payload
            if any(marker in data for marker in MAP_MARKERS):
                self.map_frames.add(len(self.frames))
            self.frames.append(len(data))

        ws.on("framereceived", received)

    def _on_request(self, request: Any) -> None:
        if "/app/static/cache/" in request.url:
            try:
                name = request.url.rsplit("/", 1)[-1]
                self.static_bytes[name] = request.sizes()["responseBodySize"]
                timing = request.timing  # ms relative to startTime (s since the epoch)
                self.static_done[name] = timing["startTime"] + timing["responseEnd"]  # ms since the epoch
            except Exception:  # sizes are best effort
                pass

    def frame(self) -> Any:
        handle = self.page.locator(MAP_IFRAME).element_handle(timeout=5000)
        frame = handle.content_frame() if handle else None
        assert frame is not None, "no map frame"
        return frame

    def bench(self) -> dict[str, Any]:
        return self.page.evaluate("() => window.__bench")

    def frame_errors(self) -> list[str]:
        try:
            return self.frame().evaluate("() => window.__errors || []")
        except Exception:
            return []

    def wait_painted(self, date: str, ordinal: int | None, timeout_ms: float, *, since: float = 0.0) -> dict[str, Any]:
        """Wait in the map frame for a painted flip to ``date`` (and shownDay == ordinal on the app path)."""
        self.page.frame_locator(MAP_IFRAME).locator(f'body[data-mapdata-date="{date}"]').wait_for(
            state="attached", timeout=timeout_ms
        )
        frame = self.frame()
        check = (
            "([date, day, since]) => { const f = (window.__flips || []).find(e => e.date === date && e.t > since"
            " && e.painted); if (!f) return null; if (day !== null && f.shownDay !== day) return null;"
            " return f; }"
        )
        handle = frame.wait_for_function(check, arg=[date, ordinal, since], timeout=timeout_ms, polling=50)
        return handle.json_value()

    def settle(self, timeout_s: float, since: float, server: AppServer) -> tuple[float | None, bool]:
        """Wait up to ``timeout_s`` for the rerun started after ``since`` to finish and for the server to be idle
        (under 10% of a CPU over 0.3 s: a rerun abandoned by a newer one keeps running unseen by the page), then
        for QUIET_MS of websocket silence. Returns (seconds from ``since`` to the rerun's end, or None if it did
        not finish; whether the server went idle)."""
        deadline = time.monotonic() + timeout_s
        try:
            end = self.page.wait_for_function(
                "since => { const r = window.__bench.runs.filter(x => x[0] > since && x[1] === 'notRunning');"
                " const s = document.querySelector('[data-testid=stApp]');"
                " return r.length && s && s.getAttribute('data-test-script-state') === 'notRunning' ? r[0][0] : null; }",
                arg=since,
                timeout=timeout_s * 1000,
                polling=100,
            ).json_value()
            rerun = (end - since) / 1000
        except Exception:  # still running
            rerun = None
        idle = False
        while rerun is not None and time.monotonic() < deadline:
            if server_cpu_share(server, 0.3) < 0.1:
                idle = True
                break
        if rerun is not None:
            self.page.wait_for_function(
                f"() => {{ const r = window.__bench.recv; const last = r.length ? r[r.length - 1][0] : 0;"
                f" return performance.timeOrigin + performance.now() - last > {QUIET_MS}; }}",
                timeout=60_000,
                polling=100,
            )
        self.sync_frames()
        return rerun, idle

    def static_timing(self, origin: float) -> dict[str, Any]:
        """The scenario JSON the map frame fetched (app path): bytes and when it had arrived (s after navigation)."""
        return {
            "bytes": sum(self.static_bytes.values()),
            "done_s": max(((t - origin) / 1000 for t in self.static_done.values()), default=None),
        }

    def sync_frames(self) -> None:
        """Let Playwright deliver the websocket events the page has already logged."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if len(self.frames) >= len(self.bench()["recv"]):
                return
            self.page.wait_for_timeout(50)

    def close(self) -> None:
        self.context.close()


def bytes_between(run: PageRun, recv: list[list[float]], start: float, end: float) -> tuple[int, bool]:
    """Payload bytes (Playwright's lengths) of the frames the page received in (start, end]."""
    aligned = len(run.frames) == len(recv) and all(run.frames[i] == int(recv[i][1]) for i in range(len(recv)))
    sizes = run.frames if aligned else [int(n) for _, n in recv]
    return sum(sizes[i] for i, (t, _) in enumerate(recv) if start < t <= end), aligned


def bytes_to_map_frame(
    run: PageRun, recv: list[list[float]], start: float, end: float
) -> tuple[int | None, float | None]:
    """Bytes received after ``start`` up to and including the frame carrying the map's step (received by ``end``),
    and when that frame arrived; (None, None) if no such frame was seen."""
    window = [i for i, (t, _) in enumerate(recv) if start < t <= end and i < len(run.frames)]
    carrying = [i for i in window if i in run.map_frames]
    if not carrying:
        return None, None
    last = carrying[-1]
    return sum(run.frames[i] for i in window if i <= last), recv[last][0]


def browser_path(
    browser: Any,
    store: Path,
    client: bool,
    start: dt.date,
    steps: int,
    args: argparse.Namespace,
    *,
    step_timeout_s: float,
    idle_wait_s: float,
) -> dict[str, Any]:
    """Start the app on ``store`` (client map on/off), measure the cold start and ``steps`` slider steps.

    After the cold start, wait up to ``--idle-wait`` s for that first rerun to finish, so that the first
    step starts on an idle server. Between steps, wait up to ``--settle`` s for the step's rerun to
    finish (then for 0.5 s of websocket silence); a rerun still running then (on the naive path, what
    comes after the map) keeps running on the server while the next step runs: Streamlit's
    fastReruns starts the new rerun at once in another thread. Each step records whether it started so.
    """
    env = {"MAPDATA_STORE": str(store), "MAPDATA_CLIENT_MAP": "on" if client else "off", "MAPDATA_TILES": "off"}
    out: dict[str, Any] = {"steps": [], "problems": [], "notes": []}
    server = AppServer(env=env, startup_timeout=120)
    launch = time.time()
    _, out["server_start_s"] = timed(server.start)
    run = PageRun(browser, server.url)
    try:
        # cold start: the first visit after the server started
        wall = time.perf_counter()
        run.page.goto(
            f"{server.url}/?date={start.isoformat()}{mode_query(args, start)}", timeout=args.cold_timeout * 1000
        )
        flip = run.wait_painted(start.isoformat(), start.toordinal() if client else None, args.cold_timeout * 1000)
        out["cold_wall_s"] = time.perf_counter() - wall
        origin = run.page.evaluate("() => performance.timeOrigin")
        out["cold_s"] = (flip["painted"] - origin) / 1000
        out["launch_s"] = flip["painted"] / 1000 - launch  # both are the system clock (ms / s since the epoch)
        out["cold_flip_s"] = (flip["t"] - origin) / 1000
        out["cold_shown"] = flip.get("shown")
        if not flip.get("shown"):
            out["problems"].append("the first map showed no places")
        run.sync_frames()
        recv = run.bench()["recv"]
        map_frames_at = [recv[i][0] for i in sorted(run.map_frames) if i < len(recv)]
        out["cold_map_frame_s"] = (map_frames_at[0] - origin) / 1000 if map_frames_at else None
        out["cold_map_frame_bytes"] = max((run.frames[i] for i in run.map_frames), default=0)
        out["cold_first_frame_s"] = (recv[0][0] - origin) / 1000 if recv else None
        out["static_fetch"] = run.static_timing(origin)
        waited = time.monotonic()
        out["cold_rerun_s"], idle = run.settle(idle_wait_s, origin, server)
        if idle:  # the component reports its first value back: one more rerun may follow
            run.page.wait_for_timeout(1500)
            _, idle = run.settle(max(5.0, idle_wait_s - (time.monotonic() - waited)), origin, server)
        out["cold_idle"] = idle
        out["idle_wait_s"] = time.monotonic() - waited
        if not idle:
            out["notes"].append(
                f"the server was still busy {out['idle_wait_s']:.0f} s after the first map showed "
                ": the first step ran alongside its work"
            )
        out["cold_ws_bytes"] = sum(run.frames)
        if client and not run.frame().evaluate("() => !!(window.mapdata && window.mapdata.__timed)"):
            out["problems"].append("could not time mapdata.clientShow")
        run.frame().evaluate("() => { window.__marker = 1; }")

        day, busy = start, not idle
        budget_end = time.monotonic() + args.path_budget
        for i in range(steps):
            if time.monotonic() > budget_end:
                out["notes"].append(
                    f"steps stopped after {i} of {steps}: the {args.path_budget:.0f} s budget "
                    "for this path's steps was spent"
                )
                break
            day = day + dt.timedelta(days=1)
            n_keys = len(run.bench()["keys"])
            slider = run.page.get_by_role("slider", name="Date")
            slider.focus()
            wall = time.perf_counter()
            slider.press("ArrowRight")
            try:
                key_at = run.page.wait_for_function(
                    f"() => window.__bench.keys.length > {n_keys} ? window.__bench.keys[{n_keys}] : null",
                    timeout=10_000,
                ).json_value()
                flip = run.wait_painted(
                    day.isoformat(), day.toordinal() if client else None, step_timeout_s * 1000, since=key_at
                )
            except Exception as exc:  # a step that never finished is a result
                out["problems"].append(
                    f"step {i + 1} to {day.isoformat()} did not finish within "
                    f"{step_timeout_s:.0f} s: {str(exc).splitlines()[0]}"
                )
                break
            wall = time.perf_counter() - wall
            rerun_s, idle = run.settle(args.settle, key_at, server)
            bench = run.bench()
            recv = bench["recv"]
            window, aligned = bytes_between(run, recv, key_at, flip["t"])
            to_map, map_at = bytes_to_map_frame(run, recv, key_at, flip["t"])
            if to_map is None:
                out["problems"].append(f"step {i + 1}: no websocket frame with the map's step before the map showed it")
            rerun, _ = bytes_between(run, recv, key_at, float("inf"))
            sent = [t for t in bench["sent"] if t > key_at]
            reloaded = run.frame().evaluate("() => window.__marker") != 1
            step = {
                "day": day.isoformat(),
                "ms": flip["painted"] - key_at,
                "flip_ms": flip["t"] - key_at,
                "wall_ms": wall * 1000,
                "bytes_to_map": to_map if to_map is not None else window,
                "bytes_window": window,
                "map_recv_ms": (map_at - key_at) if map_at else None,
                "bytes_rerun": rerun,
                "aligned": aligned,
                "sent_ms": (sent[0] - key_at) if sent else None,
                "rerun_ms": rerun_s * 1000 if rerun_s is not None else None,
                "shown": flip.get("shown"),
                "changed": flip.get("changed"),
                "show_ms": flip.get("showMs"),
                "reloaded": reloaded,
                "after_busy": busy,
                "server_rss_mb": server_rss_mb(server),
            }
            busy = not idle
            if reloaded:
                out["problems"].append(f"step {i + 1}: the map frame was reloaded")
                run.frame().evaluate("() => { window.__marker = 1; }")
            out["steps"].append(step)
            log(
                f"  step {i + 1}/{steps} {day}{' (server busy)' if step['after_busy'] else ''}: {step['ms']:.0f} ms (map frame in {step['map_recv_ms'] or 0:.0f} ms, "
                f"flip {step['flip_ms']:.0f} ms), {step['bytes_to_map']:,} B to the map ({window:,} B until it "
                f"showed, {rerun:,} B rerun), rerun {f'{rerun_s:.1f} s' if rerun_s is not None else 'still running'}"
                + (
                    f", clientShow {step['show_ms']:.1f} ms, {step['changed']} restyled"
                    if client and step["show_ms"] is not None
                    else ""
                )
                + f", server RSS {step['server_rss_mb']:,.0f} MB"
            )
            if step["server_rss_mb"] > args.max_server_mb:
                out["problems"].append(
                    f"stopped after step {i + 1}: the app server holds {step['server_rss_mb']:,.0f} MB "
                    f"(limit {args.max_server_mb:,} MB)"
                )
                break
    except Exception as exc:  # report what broke, keep the rest of the run
        out["problems"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        traceback.print_exc()
    finally:
        out["console_errors"] = sorted(set(run.console_errors))
        out["page_errors"] = sorted(set(run.page_errors + run.frame_errors()))
        run.close()
        server_log = server.output()
        out["server_errors"] = [
            line for line in server_log.splitlines() if re.search(r"Traceback|Error|exceeds", line)
        ][:10]
        server.close()
    return out


# -- the run ---------------------------------------------------------------------------------------------


def run_size(browser: Any, places: int, args: argparse.Namespace, store_dir: Path) -> dict[str, Any]:
    import random

    store, synth_s = ensure_store(places, args.seed, store_dir)
    scenario, read_s = timed(lambda: read_scenario(store))
    log(f"{places:,} places: store {store.stat().st_size / 1e6:.0f} MB read in {read_s:.1f} s")
    changes: list[int]
    if args.start:
        start, changes = dt.date.fromisoformat(args.start), []
    else:
        start, changes = pick_start(scenario, args.steps)
    forces = tuple(f.id for f in scenario.forces)
    days = [start + dt.timedelta(days=i + 1) for i in range(args.steps)]
    result: dict[str, Any] = {
        "places": places,
        "periods": len(scenario.periods),
        "events": len(scenario.events),
        "synth_s": synth_s,
        "read_s": read_s,
        "store_mb": store.stat().st_size / 1e6,
        "start": start.isoformat(),
        "changes": changes,
        "steps": args.steps,
    }

    log(f"{places:,} places: server side in process (start {start})")
    naive_builder = MapBuilder(scenario, tiles=None, client=False)
    server_steps(naive_builder, [start], forces)  # caches, as in the running app
    sample = random.Random(args.seed).sample([p.id for p in scenario.places], min(places, args.sample))
    result["naive_estimate"] = sampled_step(naive_builder, days[0], forces, sample)
    estimate_s = result["naive_estimate"]["ms"] / 1000
    if estimate_s > args.naive_max_step or args.app_only:
        naive_steps = 0
    elif estimate_s > args.naive_slow or places >= args.naive_cap_from:
        naive_steps = min(args.steps, args.naive_cap)
    else:
        naive_steps = args.steps
    result["naive_steps"] = naive_steps
    log(
        f"{places:,} places: naive step estimated at {estimate_s:.1f} s from {len(sample)} places: "
        f"{naive_steps} naive steps"
    )
    result["naive_server"] = (
        server_steps(naive_builder, days[:naive_steps], forces, warm=False)
        if naive_steps
        else {"ms": spread([]), "script_bytes": float("nan")}
    )
    result["timeline_states"] = timeline_states_ms(naive_builder, days[:5])
    del naive_builder
    app = MapBuilder(scenario, tiles=None, client=True)
    started = time.perf_counter()
    urls = app._client_urls
    result["publish_s"] = time.perf_counter() - started
    core = STATIC_DIR / urls["scenario"].split("static/", 1)[1]
    evidence = [STATIC_DIR / u.split("static/", 1)[1] for u in read_published(core)["evidence"]["urls"]]
    if app.evidence_writer is not None:
        app.evidence_writer.join()
    result["bundle_mb"] = len(json.dumps(read_published(core), separators=(",", ":")).encode("utf-8")) / 1e6
    result["bundle_gz_mb"] = core.stat().st_size / 1e6
    result["evidence_mb"] = sum(path.stat().st_size for path in evidence) / 1e6  # gzipped
    result["evidence_files"] = len(evidence)
    result["app_server"] = server_steps(app, days, forces, since=since_day(args, days[0]), areas=args.areas)
    del app
    del scenario
    gc.collect()

    for name, client, count in (("naive", False, naive_steps), ("app", True, args.steps)):
        if count == 0:
            result[name] = {"skipped": True, "steps": [], "problems": [], "notes": [], "step_ms": spread([])}
            log(f"{places:,} places: {name} path not run in the browser (estimated {estimate_s:.0f} s per step)")
            continue
        log(f"{places:,} places: {name} path in Chromium ({count} steps)")
        # Wait for an idle server before the first step (the map's first value report starts a second rerun).
        result[name] = browser_path(
            browser,
            store,
            client,
            start,
            count,
            args,
            idle_wait_s=args.idle_wait,
            step_timeout_s=max(180.0, 4 * estimate_s) if not client else 180.0,
        )
        steps = result[name]["steps"]
        result[name]["step_ms"] = spread([s["ms"] for s in steps])
        result[name]["idle_step_ms"] = spread([s["ms"] for s in steps if not s["after_busy"]])
        result[name]["busy_steps"] = sum(s["after_busy"] for s in steps)
        for key in (
            "bytes_to_map",
            "bytes_rerun",
            "bytes_window",
            "sent_ms",
            "rerun_ms",
            "show_ms",
            "changed",
            "flip_ms",
            "map_recv_ms",
        ):
            values = [s[key] for s in steps if s.get(key) is not None]
            result[name][key] = statistics.median(values) if values else None
        result[name]["reruns_finished"] = sum(s["rerun_ms"] is not None for s in steps)
        log(
            f"{places:,} places: {name}: launch to map {result[name].get('launch_s', float('nan')):.1f} s (page open "
            f"to map {result[name].get('cold_s', float('nan')):.1f} s), step median "
            f"{result[name]['step_ms']['median']:.0f} ms, problems: {result[name]['problems'] or 'none'}"
        )
    return result


# -- the report ------------------------------------------------------------------------------------------


def fmt_bytes(n: float) -> str:
    if n != n:  # nan
        return "–"
    for unit, size in (("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} B"


def fmt_ms(ms: float) -> str:
    if ms != ms:
        return "–"
    return f"{ms / 1000:,.2f} s" if ms >= 10_000 else f"{ms:,.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def ratio(a: float, b: float) -> str:
    if not (a == a and b == b) or b <= 0:
        return "–"
    r = a / b
    return f"{r:,.0f}×" if r >= 10 else f"{r:,.1f}×"


def control_query_from_doc() -> tuple[float, float] | None:
    """(median, p95) ms of states_on from the existing "Control-state query" section."""
    if not DOC.exists():
        return None
    match = re.search(r"`states_on\(day\)`[^|]*\|\s*([\d.]+)\s*/\s*([\d.]+)\s*/\s*[\d.]+\s*ms", DOC.read_text("utf-8"))
    return (float(match.group(1)), float(match.group(2))) if match else None


def markdown(
    results: list[dict[str, Any]], host: dict[str, str], args: argparse.Namespace, when: str, total_s: float
) -> str:
    lines = [
        HEADING,
        "",
        f"Measured {when} by `bench/slider.py` (one run, {total_s / 60:.0f} min); machine: {host['nproc']} CPUs (nproc), "
        f"{host['cpu']}, Python {host['python']}, {host['chromium']} (headless, through Playwright), "
        f"{host['platform']}; the app server, Chromium and the benchmark share the CPUs (1-minute load average "
        f"{host['load_start']} when the run started, {host.get('load_end', '?')} at the end: other work may have "
        "shared them too). Reproduce with `.venv/bin/python bench/slider.py` "
        "(`--quick` for a smoke run).",
        "",
        f"Scenarios: `mapdata synth` seed {args.seed}, {PERIODS_PER_PLACE} control periods and as many events per place. "
        "**naive** is the server-rendered map (`MAPDATA_CLIENT_MAP=off`: every step builds a fresh Folium map and sends "
        "every feature of the day); **app** is the browser-side map (`MAPDATA_CLIENT_MAP=on`: the scenario is "
        "published once to `static/cache/`, a step sends only the day to `mapdata.clientShow`). Server time: "
        "`MapBuilder.force_layers(day, visible=all, highlight=())` plus `st_folium`'s rendering of those groups, "
        "in process, median over the step days. Browser step: from the ArrowRight keydown on the focused Date "
        "slider to the second animation frame after the map frame's `data-mapdata-date` flipped to the new day "
        "(app path: with `mapdataClient.shownDay` updated), timed in the page. Bytes per step: payload of the "
        "websocket frames received in that window (Playwright `framereceived`). Cold start: from launching the "
        "app server (`mapdata serve`, which starts reading the store at once) to the first map with its places "
        "painted, the page opened as soon as the server answers its health check; in brackets, from `page.goto` "
        "to the same moment.",
        "",
        "| places (periods) | path | server time / step | bytes / step to the map | browser step median | "
        "browser step p95 (steps) | cold start: launch → first map (page open → map) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        label = f"{r['places']:,} ({r['periods']:,})"
        rows = {}
        for name in ("naive", "app"):
            b = r.get(name, {})
            srv = r[f"{name}_server"]["ms"]["median"]
            step = b.get("step_ms", spread([]))
            capped = name == "naive" and r["naive_steps"] < r["steps"]
            n_note = f"{step['n']}" + (" (capped)" if capped else "")
            rows[name] = (
                srv,
                b.get("bytes_to_map", float("nan")),
                step["median"],
                step["p95"],
                b.get("launch_s", float("nan")),
            )
            cold = f"{b['launch_s']:.1f} s ({b['cold_s']:.1f} s)" if b.get("launch_s") is not None else "–"
            lines.append(
                f"| {label} | {name} | {fmt_ms(srv)} | {fmt_bytes(rows[name][1])} | {fmt_ms(step['median'])} | "
                f"{fmt_ms(step['p95'])} ({n_note}) | {cold} |"
            )
        n, a = rows["naive"], rows["app"]
        lines.append(
            f"| {label} | **naive / app** | {ratio(n[0], a[0])} | {ratio(n[1], a[1])} | {ratio(n[2], a[2])} | "
            f"{ratio(n[3], a[3])} | {ratio(n[4], a[4])} |"
        )
    lines += [
        "",
        "Where the time and bytes go (medians over the steps):",
        "",
        "| places | path | key → widget value sent | key → map shows the day | key → rerun finished | "
        "bytes / whole rerun | server `Timeline.states(day)` (the naive path's query; the app's server runs none) | in-browser `clientShow` "
        "(all places' state + restyle) | places restyled / step | first-load static JSON | server rendered JS / step |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name in ("naive", "app"):
            b = r.get(name, {})
            show = b.get("show_ms")
            lines.append(
                f"| {r['places']:,} | {name} | {fmt_ms(b.get('sent_ms') or float('nan'))} | "
                f"{fmt_ms(b.get('flip_ms') or float('nan'))} | {fmt_ms(b.get('rerun_ms') or float('nan'))} | "
                f"{fmt_bytes(b.get('bytes_rerun', float('nan')))} | "
                f"{fmt_ms(r['timeline_states']['median'])} | "
                f"{fmt_ms(show) if show is not None else '–'} | "
                f"{'–' if name == 'naive' or b.get('changed') is None else format(b['changed'], ',.0f')} | "
                f"{fmt_bytes(b.get('static_fetch', {}).get('bytes', 0)) if name == 'app' else '–'} | "
                f"{fmt_bytes(r[f'{name}_server']['script_bytes'])} |"
            )
    lines += ["", "Scenarios and start days:", ""]
    for r in results:
        changes = r["changes"]
        change_note = (
            f"places changing state per step day: min {min(changes):,}, median {statistics.median(changes):,.0f}"
            if changes
            else "start day given"
        )
        lines.append(
            f"- {r['places']:,} places, {r['periods']:,} periods, {r['events']:,} events (store {r['store_mb']:.0f} MB, "
            f"read in {r['read_s']:.1f} s; for the browser: the map's JSON {r['bundle_mb']:.1f} MB ({r['bundle_gz_mb']:.1f} MB "
            f"gzipped) plus the popups' evidence in {r['evidence_files']:,} files of {r['evidence_mb']:.1f} MB gzipped "
            f"in all, fetched when a popup opens; "
            f"published in {r['publish_s']:.1f} s): steps from {r['start']}; {change_note}; naive path {r['naive_steps']} steps"
            + (
                f" (capped at {args.naive_cap}: one step takes tens of seconds)"
                if r["naive_steps"] < r["steps"]
                else ""
            )
            + done_note(r, "naive")
            + f", app path {r['steps']} steps"
            + done_note(r, "app")
            + "."
        )
    lines += ["", "Targets (from the issue) at 10,000 places / 100,000 periods:", ""]
    lines += target_lines(results)
    problems = problem_lines(results)
    lines += ["", "Problems seen in the app during the run:", ""] + (
        problems or ["- none: no console errors, no uncaught errors, every step finished."]
    )
    return "\n".join(lines) + "\n"


def done_note(r: dict[str, Any], name: str) -> str:
    """ ", N done" when a path ran fewer steps than planned (a step that never finished ends it)."""
    planned = r["naive_steps"] if name == "naive" else r["steps"]
    done = len(r.get(name, {}).get("steps", []))
    return f" ({done} done: see the problems below)" if planned and done < planned else ""


def target_lines(results: list[dict[str, Any]]) -> list[str]:
    yes = {True: "met", False: "**not met**"}
    r = next((x for x in results if x["places"] == TARGET_SIZE), None)
    query = control_query_from_doc()
    lines = ["| target | measured | |", "|---|---|---|"]
    if r is None or "app" not in r or not r.get("naive", {}).get("bytes_to_map"):
        lines.append(f"| (no {TARGET_SIZE:,}-place run of both paths in this measurement) | | |")
        return lines
    app, naive = r["app"], r["naive"]
    med, nmed = app["step_ms"]["median"], naive["step_ms"]["median"]
    speed = nmed / med if med == med and med > 0 else float("nan")
    share = app["bytes_to_map"] / naive["bytes_to_map"] if naive.get("bytes_to_map") else float("nan")
    cold = app.get("launch_s", float("nan"))
    lines += [
        f"| browser step median ≤ {TARGET_STEP_MS:.0f} ms | {fmt_ms(med)} (p95 {fmt_ms(app['step_ms']['p95'])}) | "
        f"{yes[med <= TARGET_STEP_MS]} |",
        f"| ≥ {TARGET_SPEEDUP:.0f}× faster than naive in the same run | {speed:,.1f}× ({fmt_ms(nmed)} / {fmt_ms(med)}) | "
        f"{yes[speed >= TARGET_SPEEDUP]} |",
        f"| bytes per step ≤ {TARGET_BYTES_SHARE:.0%} of naive | {share:.3%} ({fmt_bytes(app['bytes_to_map'])} / "
        f"{fmt_bytes(naive['bytes_to_map'])}); whole rerun {app['bytes_rerun'] / naive['bytes_rerun']:.1%} "
        f"({fmt_bytes(app['bytes_rerun'])} / {fmt_bytes(naive['bytes_rerun'])}) | {yes[share <= TARGET_BYTES_SHARE]} |",
    ]
    if query:
        show = app.get("show_ms")
        lines.append(
            f"| control-state query < {TARGET_QUERY_MS:.0f} ms | `ControlIndex.states_on`: {query[0]:.2f} ms "
            f'median, {query[1]:.2f} ms p95 (section "Control-state query"); per step the app answers it '
            f"in the browser (sorted periods per place): `clientShow`, every place's state plus the restyle, "
            f"{fmt_ms(show) if show is not None else '–'} median | {yes[query[1] < TARGET_QUERY_MS]} |"
        )
    else:
        lines.append(f'| control-state query < {TARGET_QUERY_MS:.0f} ms | (no "Control-state query" section) | |')
    lines.append(
        f"| cold start to first map < {TARGET_COLD_S:.0f} s | {cold:.1f} s from launching the server "
        f"({app.get('cold_s', float('nan')):.1f} s from opening the page), app path | {yes[cold < TARGET_COLD_S]} |"
    )
    return lines


def problem_lines(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for r in results:
        for name in ("naive", "app"):
            b = r.get(name, {})
            where = f"{r['places']:,} places, {name}"
            for p in b.get("problems", []):
                lines.append(f"- {where}: {p}")
            for e in b.get("console_errors", [])[:5]:
                lines.append(f"- {where}: browser console: `{e[:300]}`")
            for e in b.get("page_errors", [])[:5]:
                lines.append(f"- {where}: uncaught error: `{e[:300]}`")
            for e in b.get("server_errors", [])[:5]:
                lines.append(f"- {where}: server log: `{e[:300]}`")
            if any(not s["aligned"] for s in b.get("steps", [])):
                lines.append(
                    f"- {where}: Playwright's websocket frames and the page's did not line up on some steps "
                    "(the page's own byte counts were used there)"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000", help="places per scenario, comma-separated")
    ap.add_argument("--steps", type=int, default=20, help="slider steps per path (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive-cap", type=int, default=3, help="naive-path steps when it is slow (default 3)")
    ap.add_argument(
        "--naive-cap-from",
        type=int,
        default=10**9,
        help="size from which the cap always applies (default: never; --quick uses it)",
    )
    ap.add_argument(
        "--naive-slow",
        type=float,
        default=60.0,
        help="estimated naive server seconds per step above which its steps are capped (default 60)",
    )
    ap.add_argument(
        "--naive-max-step",
        type=float,
        default=120.0,
        help="estimated naive server seconds per step above which it is not run in the browser (default 120)",
    )
    ap.add_argument("--sample", type=int, default=500, help="places sampled for the naive estimate (default 500)")
    ap.add_argument(
        "--idle-wait",
        type=float,
        default=60.0,
        help="seconds to wait for the server to go idle after the first map (default 60)",
    )
    ap.add_argument(
        "--settle", type=float, default=3.0, help="seconds to wait for a step's rerun to finish (default 3)"
    )
    ap.add_argument(
        "--path-budget",
        type=float,
        default=1800.0,
        help="seconds of slider steps per path and size; steps stop when it is spent (default 1800)",
    )
    ap.add_argument("--cold-timeout", type=float, default=900.0, help="seconds allowed for the first map (default 900)")
    ap.add_argument("--max-server-mb", type=int, default=12_000, help="stop a path when the app server holds more")
    ap.add_argument("--start", help="first day shown (default: picked so that places change on every step)")
    ap.add_argument("--store-dir", type=Path, default=Path(tempfile.gettempdir()) / "mapdata-bench-slider")
    ap.add_argument("--since-days", type=int, default=0, help="compare mode: since N days before the first day shown")
    ap.add_argument("--app-only", action="store_true", help="measure only the browser-side map (no naive steps)")
    ap.add_argument("--areas", action="store_true", help="control areas on (default: off, markers)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1,000 places, 5 steps, docs untouched")
    ap.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    ap.add_argument("--keep-cache", action="store_true", help="keep the files this run adds to static/cache/")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument(
        "--browser-date",
        action="store_true",
        help="issue 14's measurements instead (bench/_slider_browser.py): drag, key steps, cold start, heap, many "
        "viewers, folium's own plugins; default sizes 10000,50000",
    )
    ap.add_argument("--runs", type=int, default=3, help="--browser-date: runs per figure (the median is reported)")
    ap.add_argument("--viewers", default="1,10,20", help="--browser-date: concurrent sessions measured")
    ap.add_argument("--folium-days", type=int, default=100, help="--browser-date: days in folium's dense slider")
    ap.add_argument(
        "--npm-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mapdata-bench-npm",
        help="--browser-date: where npm installs folium's plugins' assets",
    )
    args = ap.parse_args(argv)
    if args.browser_date:
        if args.sizes == ap.get_default("sizes"):
            args.sizes = "10000,50000"
        if args.steps == ap.get_default("steps"):
            args.steps = 10
        return browser_date_main(args)
    if args.quick:
        args.sizes, args.steps, args.no_write = "1000", 5, True
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.store_dir.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    host = machine() | {"chromium": "unknown"}
    host["load_start"] = host["loadavg"]
    when = dt.date.today().isoformat()
    cache_before = set((STATIC_DIR / "cache").glob("*")) if (STATIC_DIR / "cache").exists() else set()
    results = []
    started = time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            host["chromium"] = f"Chromium {browser.version}"
            try:
                for places in sizes:
                    results.append(run_size(browser, places, args, args.store_dir))
            finally:
                browser.close()
    finally:
        if not args.keep_cache:
            for path in set((STATIC_DIR / "cache").glob("*")) - cache_before:  # this run's files (and its servers')
                if path.is_dir():  # a store's folder (mapdata.map.clientmap.CacheSpace)
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    host["load_end"] = f"{os.getloadavg()[0]:.1f}"
    section = markdown(results, host, args, when, time.perf_counter() - started)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"machine": host, "results": results}, indent=1, default=str), encoding="utf-8")
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


def browser_date_main(args: argparse.Namespace) -> int:
    """``--browser-date``: issue 14's measurements (bench/_slider_browser.py), the median of ``--runs`` runs."""
    from playwright.sync_api import sync_playwright

    import _slider_browser as sb

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    counts = [int(c) for c in args.viewers.split(",") if c.strip()]
    args.store_dir.mkdir(parents=True, exist_ok=True)
    host = machine() | {"chromium": "unknown"}
    when = dt.date.today().isoformat()
    started = time.perf_counter()
    cache_before = set((STATIC_DIR / "cache").glob("*")) if (STATIC_DIR / "cache").exists() else set()
    by_size: dict[int, list[dict[str, Any]]] = {}
    viewers: list[dict[str, Any]] = []
    folium_runs: list[dict[str, Any]] = []
    files: dict[str, Path] | None = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            host["chromium"] = f"Chromium {browser.version}"
            try:
                # All the sizes' runs first, then the many viewers, then folium's plugins: the heavy parts
                # (20 pages, a 50 MB page) do not run just before a measurement; each run also waits for a
                # quiet machine first (its load averages are recorded).
                plans = []
                for places in sizes:
                    store, _ = ensure_store(places, args.seed, args.store_dir)
                    scenario = read_scenario(store)
                    first, last = scenario.date_range
                    start, _ = pick_start(scenario, args.steps)
                    start = min(start, last - dt.timedelta(days=sb.DRAG_DAYS + 2 * args.steps + 2))
                    plans.append((places, store, start, (first, last)))
                    if places == sizes[0] and args.folium_days:
                        folder = Path(tempfile.mkdtemp(prefix="mapdata-bench-folium-"))
                        files = sb.folium_files(scenario, start, args.folium_days, folder)
                    del scenario
                for places, store, start, span in plans:
                    by_size[places] = []
                    for r in range(args.runs):
                        waited = sb.quiet_machine()
                        log(
                            f"{places:,} places, run {r + 1}/{args.runs} (start {start}; waited {waited:.0f} s for quiet)"
                        )
                        got = sb.size_run(browser, store, start, span, args)
                        by_size[places].append(got)
                        log("  " + ", ".join(f"{k} {v:.1f}" for k, v in got.items() if isinstance(v, float)))
                places, store, start, _ = plans[0]
                for r in range(args.runs if counts else 0):
                    sb.quiet_machine()
                    log(f"{places:,} places, many viewers, run {r + 1}/{args.runs}")
                    viewers.append(sb.viewers_run(browser, store, start, counts, args))
                if files:
                    npm = sb.ensure_npm(args.npm_dir)
                    for r in range(args.runs):
                        sb.quiet_machine()
                        log(f"folium's plugins, run {r + 1}/{args.runs}")
                        folium_runs.append(sb.folium_run(browser, files, npm, args.steps))
                    shutil.rmtree(next(iter(files.values())).parent, ignore_errors=True)
            finally:
                browser.close()
    finally:
        if not args.keep_cache:
            for path in set((STATIC_DIR / "cache").glob("*")) - cache_before:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    section = sb.markdown(by_size, viewers, folium_runs, host, args, when, time.perf_counter() - started)
    print(section)
    if args.json:
        sb.save_json(args.json, {"machine": host, "sizes": by_size, "viewers": viewers, "folium": folium_runs})
    return _host.save(section, heading=sb.HEADING, path=DOC, root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
