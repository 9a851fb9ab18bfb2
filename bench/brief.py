"""Benchmark the briefing and the views behind it on a large synthetic scenario.

Usage::

    .venv/bin/python bench/brief.py [--store FILE.gpkg] [--places 10000] [--periods 100000] [--seed 1]
                                    [--repeat 3] [--no-write]

Reads the store (``--store``; by default the slider benchmark's synthetic store of ``--places`` places and
``--periods`` periods with ``--seed``, made once with ``mapdata synth`` into ``$TMPDIR/mapdata-bench-slider/``) and
measures, in this process, the median of ``--repeat`` runs of:

* the one-time work per data revision: the control index (``Timeline.index``), the control areas
  (:func:`mapdata.map.areas.control_areas`), the naming order (:func:`mapdata.map.labels.label_ranks`), the place
  finder's index (:class:`mapdata.text.search.PlaceFinder`) and the control-over-time series
  (:func:`mapdata.map.history.control_over_time`, with areas);
* per date: the shares of area and places (``ControlAreas.shares``), and a place search (three queries: a name as
  stored, another spelling, a typo);
* the briefing (:func:`mapdata.exchange.brief.brief_bytes`) as the dashboard makes it (the timeline and areas
  already built): PNG and PDF, with and without a "since" date 30 days earlier; and as ``mapdata brief`` makes it
  from scratch (the timeline and areas built inside the timer).

Prints a Markdown section and (unless ``--no-write``) puts it in ``docs/benchmarks.md`` under
"Briefing, control areas and search", keeping the other sections.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import _host
from mapdata.exchange.brief import BriefFormat, BriefRequest, brief_bytes
from mapdata.map.areas import control_areas
from mapdata.map.history import control_over_time
from mapdata.map.labels import label_ranks
from mapdata.model.timeline import Timeline
from mapdata.store import open_store
from mapdata.synth import synth_scenario, write_store
from mapdata.text.search import PlaceFinder

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Briefing, control areas and search"
TARGET_BRIEF_S = 10.0


def median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="a GeoPackage store (default: the synthetic one, made if missing)")
    ap.add_argument("--places", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = ap.parse_args(argv)

    store = args.store or Path(tempfile.gettempdir()) / "mapdata-bench-slider" / (
        f"synth-{args.places}p-{args.periods}c-seed{args.seed}.gpkg"
    )
    if not store.exists():
        store.parent.mkdir(parents=True, exist_ok=True)
        write_store(synth_scenario(args.places, args.periods, args.seed), store)
    read_s, scenario = median_s(lambda: _read(store), 1)
    first, last = scenario.date_range
    day = first + (last - first) * 3 // 5
    since = day - dt.timedelta(days=30)
    rows: list[tuple[str, str]] = []

    def row(what: str, seconds: float) -> None:
        text = f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:,.0f} ms"
        rows.append((what, text if seconds < 10 else f"{seconds:,.1f} s"))
        print(f"{what}: {rows[-1][1]}", flush=True)

    timeline = Timeline(scenario)
    row("control index (`Timeline.index`), once per revision", median_s(lambda: Timeline(scenario).index, 1)[0])
    _ = timeline.index
    areas_s, areas = median_s(lambda: control_areas(scenario), args.repeat)
    row(f"control areas: {len(areas.rows):,} cells, once per revision", areas_s)
    row("naming order (`label_ranks`), once per revision", median_s(lambda: label_ranks(scenario), args.repeat)[0])
    finder_s, finder = median_s(lambda: PlaceFinder(scenario.places), args.repeat)
    row("place finder's index, once per revision", finder_s)
    series_s, series = median_s(lambda: control_over_time(timeline, areas=areas), 1)
    row(f"control over time with areas ({len({r.day for r in series.rows})} dates), once per revision", series_s)
    other = day + dt.timedelta(days=1)  # a date the index has not answered yet
    row("shares of area and places on a new date", median_s(lambda: areas.shares(timeline.index, other), 1)[0])
    name = scenario.places[len(scenario.places) // 2].name_en
    spelling = name.lower().replace("al-", "el ").replace("-", " ").replace("ei", "ay").replace("u", "ou")
    for query in (name, spelling, name[:-1] + "x"):  # as stored, another transliteration, a typo
        row(f"find a place: “{query}”", median_s(partial(finder.find, query), args.repeat)[0])

    sizes = {}
    formats: tuple[BriefFormat, ...] = ("png", "pdf")
    for fmt in formats:
        for compare in (False, True):
            request = BriefRequest(day=day, since=since if compare else None)
            make = partial(brief_bytes, scenario, request, fmt=fmt, timeline=timeline, areas=areas)
            seconds, data = median_s(make, args.repeat)
            label = f"briefing {fmt.upper()}{' in compare mode (since 30 days before)' if compare else ''}"
            row(f"{label}, as the dashboard makes it", seconds)
            sizes[label] = len(data)
    cold_s, _ = median_s(
        lambda: brief_bytes(scenario, BriefRequest(day=day, since=since), fmt="pdf"), max(1, args.repeat - 1)
    )
    row("briefing PDF in compare mode as `mapdata brief` makes it (timeline and areas built in the timer)", cold_s)

    host = _host.machine()
    lines = [
        HEADING,
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/brief.py` on `{store.name}` ({len(scenario.places):,} places, "
        f"{len(scenario.periods):,} control periods, {len(scenario.events):,} events; read in {read_s:.1f} s); date "
        f"{day.isoformat()}, compare mode since {since.isoformat()}; median of {args.repeat} runs (once for the "
        f"one-time work); machine: {host['nproc']} CPUs (nproc), {host['cpu']}, Python {host['python']}, "
        f"{host['platform']}, 1-minute load average {host['loadavg']}. Reproduce with "
        "`.venv/bin/python bench/brief.py`.",
        "",
        "| what | time |",
        "|---|---|",
        *(f"| {what} | {value} |" for what, value in rows),
        "",
        "File sizes: " + "; ".join(f"{label}: {size / 1e6:.2f} MB" for label, size in sizes.items()) + ".",
        "",
        f"Target (issue 13): a briefing PDF in under {TARGET_BRIEF_S:.0f} s at 10,000 places and 100,000 periods: "
        + ("met" if cold_s < TARGET_BRIEF_S else "**not met**")
        + f" ({cold_s:.1f} s from scratch).",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


def _read(store: Path) -> Any:
    with open_store(store, read_only=True) as opened:
        return opened.scenario()


if __name__ == "__main__":
    sys.exit(main())
