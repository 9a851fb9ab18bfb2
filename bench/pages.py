"""Benchmark the Sources and Data check pages on a large store: server time per page view.

Usage::

    .venv/bin/mapdata synth --places 10000 --periods 100000 --seed 1 --out /tmp/big.gpkg
    .venv/bin/python bench/pages.py --store /tmp/big.gpkg [--views 3] [--json FILE] [--before FILE] [--no-write]

Each page runs in Streamlit's AppTest (the page script as the server runs it, no browser)
with ``MAPDATA_STORE`` set to the store: the first view (cold: the store is read and the
scenario prepared) and then ``--views`` more views of the same page in the same process
(what every later visitor pays until the data changes); the figure is the wall time of
``AppTest.run()`` (CPU time of the process; wall time is printed too). To time older code, run this file with ``PYTHONPATH=<old checkout>/src``
and ``--root <old checkout>`` and ``--json``, then pass that file as ``--before``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _host import machine, save

ROOT = Path(__file__).resolve().parents[1]

HEADING = "## Sources and Data check at scale"
PAGES = {"Sources": "pages/3_Sources.py", "Data check": "pages/4_Data_check.py"}


def app_folder(root: Path) -> Path:
    """Where ``root``'s pages/ is: the root of the checkout."""
    return root


def measure(root: Path, store: Path, views: int) -> dict[str, dict[str, float]]:
    os.environ["MAPDATA_STORE"] = str(store)
    from streamlit.testing.v1 import AppTest

    out: dict[str, dict[str, float]] = {}
    for name, page in PAGES.items():
        times, cpu = [], []
        for _ in range(views + 1):
            at = AppTest.from_file(str(app_folder(root) / page), default_timeout=900)
            began, began_cpu = time.perf_counter(), time.process_time()
            at.run()
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            if at.exception:
                raise SystemExit(f"{name}: {at.exception}")
        out[name] = {
            "first": cpu[0],
            "later": statistics.median(cpu[1:]),
            "first_wall": times[0],
            "later_wall": statistics.median(times[1:]),
        }
        print(
            f"{name}: CPU first view {cpu[0]:.2f} s, later views {', '.join(f'{t:.2f}' for t in cpu[1:])} s; "
            f"wall {', '.join(f'{t:.2f}' for t in times)} s",
            flush=True,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose pages/ to run")
    parser.add_argument("--views", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--before", type=Path, help="figures of older code (this script's --json)")
    parser.add_argument(
        "--figures", type=Path, help="write the section from these figures (--json) instead of measuring"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    host = machine()
    figures = (
        json.loads(args.figures.read_text(encoding="utf-8"))
        if args.figures
        else measure(args.root, args.store, args.views)
    )
    if args.json:
        args.json.write_text(json.dumps(figures), encoding="utf-8")
    before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else None
    rows = []
    for name, now in figures.items():
        old = before.get(name) if before else None
        was = {key: f"{old[key]:.2f} s" if old else "–" for key in ("first", "later")}
        rows.append(f"| {name} | {was['first']} | {now['first']:.2f} s | {was['later']} | {now['later']:.2f} s |")
    section = "\n".join(
        [
            HEADING,
            "",
            f"Measured {time.strftime('%Y-%m-%d')} by `bench/pages.py --store STORE --views {args.views}` on "
            f"`mapdata synth --places 10000 --periods 100000 --seed 1`; machine: {host['nproc']} CPUs (nproc), "
            f"{host['cpu']}, Python {host['python']}, 1-minute load average {host['loadavg']} at the start (other "
            "work shared the CPUs). Server time of one page view: the CPU time of this process during Streamlit's "
            "`AppTest.run()` of the page script (no browser; CPU rather than wall time, as other work shared the "
            "machine). The pages are measured in this order in one process: the first view of Sources reads the store "
            "and prepares the scenario (shared with the map and the other pages afterwards), so the first view of "
            "Data check finds it ready, as every view does after `mapdata serve` has preloaded it; later views: "
            f"median of {args.views} more. Before: the pages that drew every source and re-read "
            "and re-validated the whole store on every view; after: cached per store revision and paged "
            "(25 sources, 500 problems a page).",
            "",
            "| page | first view before | first view after | later views before | later views after |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(section)
    return save(section, heading=HEADING, path=ROOT / "docs" / "benchmarks.md", root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    raise SystemExit(main())
