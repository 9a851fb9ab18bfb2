"""Benchmark ``mapdata import`` of synthetic CSV rows into both stores.

Usage::

    .venv/bin/python bench/import_rows.py [--sizes 2500,5000,10000,20000] [--into-big 10000:1000]
                                          [--backends gpkg,postgres] [--no-write] [--label after]

Every row is a new place (a point in the scenario's region) held by one of the bundled
scenario's forces from a date, backed by a quote from one of 20 synthetic publishers
(so each row adds a place, a control period and an event; the sources' texts are made
of their quotes). Each size is imported into a fresh store seeded from the bundled
``geodata/`` scenario; ``--into-big P:N`` also imports N rows into a store that already
holds P imported places (the "1,000 rows into a 10,000-place store" case).

Measured per run, wall clock: **read** (``read_import``: parse and validate against the
store's scenario), **write** (``Store.apply``: one transaction with every record and its
audit entry) and the **total** of ``import_file`` as the CLI runs it (store read + read +
write). PostgreSQL runs in a fresh schema of a new database on
``MAPDATA_BENCH_POSTGRES`` (default ``postgresql://postgres@localhost:5432/postgres``),
dropped at the end.

Prints a table and (unless ``--no-write``) puts it in ``docs/benchmarks.md`` under
"Import rows" (a ``--label`` column says which code was measured, e.g. before / after a
change; rows of other labels already in the section are kept).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _host
from _host import machine
from mapdata.exchange import import_file, read_import  # import_file: the base of --into-big
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Import rows"
ADMIN_URL = os.environ.get("MAPDATA_BENCH_POSTGRES", "postgresql://postgres@localhost:5432/postgres")
FORCES = ("russia", "iran", "syrian_regime", "hezbollah")
PUBLISHERS = 20
TARGET_ROWS = 20_000
TARGET_S = 15.0


def write_rows(path: Path, count: int, *, offset: int = 0) -> Path:
    """``count`` synthetic import rows (see the module doc) as CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["place_id", "name", "lat", "lon", "force", "role", "start", "source", "published", "quote"])
        for n in range(offset, offset + count):
            lat = 33.0 + (n * 7919 % 40000) / 10000  # 33..37 N
            lon = 36.0 + (n * 104729 % 50000) / 10000  # 36..41 E
            day = dt.date(2018, 1, 1) + dt.timedelta(days=n % 365)
            publisher = n % PUBLISHERS
            out.writerow(
                [
                    f"bench_{n}",
                    f"Bench village {n}",
                    f"{lat:.4f}",
                    f"{lon:.4f}",
                    FORCES[n % len(FORCES)],
                    "control",
                    day.isoformat(),
                    f"Bench Agency {publisher}",
                    "2019-01-01",
                    f"Report {n}: forces took Bench village {n} on {day.isoformat()}.",
                ]
            )
    return path


class _Postgres:
    def __init__(self) -> None:
        import psycopg

        self.psycopg = psycopg
        self.name = f"mapdata_bench_{secrets.token_hex(4)}"
        self.admin = psycopg.connect(ADMIN_URL, autocommit=True)
        self.admin.execute(f"CREATE DATABASE {self.name}")
        self.url = urllib.parse.urlsplit(ADMIN_URL)._replace(path=f"/{self.name}").geturl()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis SCHEMA public")
        self.count = 0

    def new_store_url(self) -> str:
        self.count += 1
        schema = f"s{self.count}"
        with self.psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options=" + urllib.parse.quote(f"-csearch_path={schema},public", safe="")

    def close(self) -> None:
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.admin.close()


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(store: Store, path: Path) -> dict[str, float]:
    """What ``import_file`` does, step by step: read the store, read the file against it, write."""
    cpu = time.process_time()
    current_s, current = _timed(store.current)
    read_s, additions = _timed(lambda: read_import(path, existing=current.scenario))
    write_s, _ = _timed(lambda: store.apply(additions.changes(), user="bench"))
    return {
        "read": read_s,
        "write": write_s,
        "total": current_s + read_s + write_s,
        "cpu": time.process_time() - cpu,
        "records": float(len(additions.records())),
    }


def runs(
    sizes: list[int], big: tuple[int, int] | None, backends: list[str], folder: Path
) -> Iterator[tuple[str, str, dict[str, float]]]:
    postgres = _Postgres() if "postgres" in backends else None
    try:
        counter = iter(range(1_000_000))

        def new_url(backend: str) -> str:
            if backend == "postgres":
                assert postgres is not None
                return postgres.new_store_url()
            return str(folder / f"store{next(counter)}.gpkg")

        for backend in backends:
            for size in sizes:
                rows = write_rows(folder / f"rows_{size}.csv", size)
                with open_store(new_url(backend), seed_from=DEFAULT_DATA_DIR) as store:
                    figures = measure(store, rows)
                yield backend, f"{size:,} rows into the seed store", figures
            if big is not None:
                places, size = big
                base = write_rows(folder / f"base_{places}.csv", places)
                rows = write_rows(folder / f"more_{size}.csv", size, offset=places)
                with open_store(new_url(backend), seed_from=DEFAULT_DATA_DIR) as store:
                    import_file(store, base, user="bench")
                    figures = measure(store, rows)
                yield backend, f"{size:,} rows into a store of {places:,} imported places", figures
    finally:
        if postgres is not None:
            postgres.close()


def _keep_rows(path: Path, label: str) -> list[str]:
    """Table rows of other labels already in the section (so before / after sit side by side)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    start = text.find(HEADING)
    if start < 0:
        return []
    end = text.find("\n## ", start + len(HEADING))
    section = text[start : end if end >= 0 else len(text)]
    return [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| code") and f"| {label} |" not in line[:40]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2500,5000,10000,20000")
    parser.add_argument("--into-big", default="10000:1000", help="P:N (empty to skip)")
    parser.add_argument("--backends", default="gpkg,postgres")
    parser.add_argument("--label", default="after")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    big: tuple[int, int] | None = None
    if args.into_big:
        places, records = (int(v) for v in args.into_big.split(":"))
        big = (places, records)
    backends = [b for b in args.backends.split(",") if b]
    host = machine()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for backend, what, figures in runs(sizes, big, backends, Path(folder)):
            line = (
                f"| {args.label} | {backend} | {what} | {int(figures['records']):,} | {figures['read']:.1f} | "
                f"{figures['write']:.1f} | {figures['total']:.1f} | {figures['cpu']:.1f} |"
            )
            print(line, flush=True)
            lines.append(line)
    kept = _keep_rows(DOC, args.label) if not args.no_write else []
    section = (
        "\n".join(
            [
                HEADING,
                "",
                f"Measured {dt.date.today().isoformat()} by `bench/import_rows.py`; machine: {host['nproc']} CPUs (nproc), "
                f"{host['cpu']}, Python {host['python']}, {host['platform']}; 1-minute load average {host['loadavg']} when "
                "the last run started (other work shared the CPUs). Wall-clock seconds. Each row adds a place, a control "
                "period and an event (20 sources in all); *read* is `read_import` (parse and check against the store), "
                "*write* is the store transaction, *total* is all that `import_file` does as `mapdata import` runs "
                "it (store read + read + write); *mapdata CPU s* is the CPU time of the mapdata process over the same "
                "steps (what the total would be on an idle core; PostgreSQL's own work is not in it). "
                f"Target: {TARGET_ROWS:,} rows in under {TARGET_S:.0f} s into either store. Reproduce with "
                "`.venv/bin/python bench/import_rows.py --label after`.",
                "",
                "| code | store | import | records added | read s | write s | total s | mapdata CPU s |",
                "|---|---|---|---|---|---|---|---|",
                *kept,
                *lines,
            ]
        )
        + "\n"
    )
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
