"""Benchmark the whole-map control-state query on a large synthetic scenario.

Usage::

    .venv/bin/python bench/controlindex.py [--places 10000] [--periods 100000] [--seed 1]
                                           [--days 200] [--naive-days 20] [--no-store] [--no-write]

Builds a synthetic scenario in memory (:func:`mapdata.synth.synth_scenario`) and measures,
on one core:

* generation of the scenario, and (unless ``--no-store``) writing it to a new GeoPackage
  store (:func:`mapdata.synth.write_store`: ``open_store`` + ``replace_scenario``), with the
  store's whole-scenario validation (record checks + consistency rules) timed apart, and
  reading it back (``store.scenario()``, which validates again);
* :class:`mapdata.model.timeline.ControlIndex` (``Timeline.index``): the one-time build, then ``states_on`` for
  ``--days`` random days (median, 95th percentile, maximum), and ``changed_between`` for
  as many random pairs of days;
* the naive reference, :meth:`mapdata.model.timeline.Timeline.states` (one Python call per
  place), for ``--naive-days`` of the same days, after checking on them that both answer
  the same.

Prints a Markdown section and (unless ``--no-write``) puts it in ``docs/benchmarks.md``
under "Control-state query", keeping the other sections.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _host
from _host import machine, pin_one_core
from mapdata.model.models import Scenario
from mapdata.model.timeline import STATUSES, ControlIndex, Timeline
from mapdata.store import open_store
from mapdata.store.base import scenario_problems
from mapdata.synth import synth_scenario, write_store

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Control-state query"
TARGET_QUERY_MS = 5.0  # "a few milliseconds per query"
TARGET_SYNTH_S = 60.0  # generation + store write "well under a minute"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def spread(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"median": float(np.median(ms)), "p95": float(np.percentile(ms, 95)), "max": float(ms.max()), "n": len(ms)}


def same_answers(index: ControlIndex, timeline: Timeline, day: dt.date) -> None:
    status, holder, presence = index.states_on(day)
    states = timeline.states(day)
    for i, place in enumerate(index.place_ids):
        state = states[place]
        assert STATUSES[status[i]] is state.status, (place, day)
        assert (index.force_ids[holder[i]] if holder[i] >= 0 else None) == state.force, (place, day)
        assert index.forces_present(int(holder[i]), presence[i]) == state.forces_present, (place, day)


def run(places: int, periods: int, seed: int, days: int, naive_days: int, store: bool) -> dict[str, Any]:
    host = machine() | {"numpy": np.__version__}
    pinned = pin_one_core()
    out: dict[str, Any] = {"machine": host, "pinned": pinned, "places": places, "periods": periods, "seed": seed}

    scenario, out["generate_s"] = timed(lambda: synth_scenario(places, periods, seed))
    assert isinstance(scenario, Scenario)
    out["events"], out["sources"], out["forces"] = len(scenario.events), len(scenario.sources), len(scenario.forces)
    out["roles"] = {
        role.value: sum(p.role is role for p in scenario.periods) for role in {p.role for p in scenario.periods}
    }
    if store:
        problems, out["validate_s"] = timed(lambda: scenario_problems(scenario))
        assert problems == [], problems[:5]
        with tempfile.TemporaryDirectory(prefix="mapdata-bench-") as folder:
            path = Path(folder) / "synth.gpkg"
            _, out["write_s"] = timed(lambda: write_store(scenario, path))
            out["store_mb"] = path.stat().st_size / 1e6
            with open_store(path, read_only=True) as opened:
                back, out["read_s"] = timed(opened.scenario)
            assert back == scenario
            del back

    # recent_days=0: every query is worked out (the app's index keeps the last few days it was asked)
    index, out["build_s"] = timed(lambda: ControlIndex(scenario, recent_days=0))
    out["rebuild_s"] = statistics.median(timed(lambda: ControlIndex(scenario, recent_days=0))[1] for _ in range(3))
    first, last = scenario.date_range
    rng = random.Random(seed)
    span = (last - first).days
    sample = [first + dt.timedelta(days=rng.randrange(-30, span + 31)) for _ in range(days)]
    index.states_on(sample[0])  # warm-up
    out["query"] = spread([timed(partial(index.states_on, d))[1] for d in sample])
    pairs = list(zip(sample, sample[1:] + sample[:1], strict=True))
    out["changed"] = spread([timed(partial(index.changed_between, a, b))[1] for a, b in pairs])
    out["changed_places"] = statistics.median(len(index.changed_between(a, b)) for a, b in pairs[:50])

    timeline, out["naive_build_s"] = timed(lambda: Timeline(scenario))
    naive_sample = sample[:naive_days]
    for day in naive_sample[:5]:
        same_answers(index, timeline, day)
    out["naive"] = spread([timed(partial(timeline.states, d))[1] for d in naive_sample])
    out["speedup"] = out["naive"]["median"] / out["query"]["median"]
    return out


def markdown(r: dict[str, Any]) -> str:
    M, Q, C, N = r["machine"], r["query"], r["changed"], r["naive"]
    yes = {True: "met", False: "**not met**"}
    roles = ", ".join(f"{n:,} {role}" for role, n in sorted(r["roles"].items()))
    lines = [
        HEADING,
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/controlindex.py` on a synthetic scenario "
        f"(`mapdata synth`, seed {r['seed']}: {r['places']:,} places, {r['periods']:,} control periods ({roles}), "
        f"{r['events']:,} events, {r['sources']:,} sources, {r['forces']} forces); machine: {M['nproc']} CPUs (nproc), "
        f"{M['cpu']}, Python {M['python']}, numpy {M['numpy']}, {M['platform']}; timings on one core ({r['pinned']}; "
        f"1-minute load average {M['loadavg']} when the run started: other work may share the CPUs). "
        "Reproduce with `.venv/bin/python bench/controlindex.py`.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| generate the scenario in memory (`synth_scenario`) | {r['generate_s']:.1f} s | |",
    ]
    if "write_s" in r:
        total = r["generate_s"] + r["write_s"]
        lines += [
            f"| write it to a new GeoPackage store (`open_store` + `replace_scenario`; {r['store_mb']:.0f} MB) | "
            f"{r['write_s']:.1f} s | generation + write < {TARGET_SYNTH_S:.0f} s: {total:.1f} s "
            f"({yes[total < TARGET_SYNTH_S]}) |",
            f"| whole-scenario validation, once (`scenario_problems`; `replace_scenario` runs it twice, before and at commit) | "
            f"{r['validate_s']:.1f} s | |",
            f"| read it back (`store.scenario()`; nothing changed since mapdata checked every record at the write, so the read does not check them again: a change by another program adds the validation above) | {r['read_s']:.1f} s | |",
        ]
    lines += [
        f"| `ControlIndex(scenario)` one-time build (first; median of 3 more) | "
        f"{r['build_s'] * 1000:.0f} ms; {r['rebuild_s'] * 1000:.0f} ms | |",
        f"| `states_on(day)`, every place, {Q['n']} random days: median / p95 / max | "
        f"{Q['median']:.2f} / {Q['p95']:.2f} / {Q['max']:.2f} ms | a few ms ({yes[Q['p95'] < TARGET_QUERY_MS]}) |",
        f"| `changed_between(a, b)`, {C['n']} random pairs: median / p95 (median {r['changed_places']:,.0f} places "
        f"changed) | {C['median']:.2f} / {C['p95']:.2f} ms | |",
        f"| naive `Timeline.states(day)` ({N['n']} of the same days): median / p95 (`Timeline` build "
        f"{r['naive_build_s'] * 1000:.0f} ms) | {N['median']:.0f} / {N['p95']:.0f} ms | |",
        f"| speed-up of `states_on` over `Timeline.states` (medians) | {r['speedup']:,.0f}× | |",
        "",
        "Both answer the same on the days checked (status, holder and forces present of every place); "
        "`tests/unit/test_controlindex.py` compares them on random period sets and on every day of the "
        "bundled scenario.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--places", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=200, help="random days to query (default 200)")
    ap.add_argument(
        "--naive-days", type=int, default=20, help="of those, how many the naive Timeline answers (default 20)"
    )
    ap.add_argument("--no-store", action="store_true", help="skip writing and reading the GeoPackage store")
    ap.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = ap.parse_args(argv)
    result = run(args.places, args.periods, args.seed, args.days, max(1, args.naive_days), not args.no_store)
    section = markdown(result)
    print(section)
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
