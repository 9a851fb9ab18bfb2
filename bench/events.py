"""Benchmark event reading on an annotated set of paragraphs written for it (issue 12 item 8).

Usage::

    .venv/bin/python bench/events.py [PATH_TO_ANNOTATED_JSON] [--no-write] [--verbose]

The default set is ``bench/data/events_annotated.json``: paragraphs the maintainers wrote for this
benchmark (none is taken from an evaluation file), each with the periods the pipeline should propose
(force, role, place, start, end) and the (force, place) pairs that must get no period at all. Each
paragraph is read with the bundled pipeline (``mapdata extract``'s): a proposed period matches an
expected one *exactly* when the force and role are the same, the place's point lies within 5 km of the
expected point and both dates agree. Reported per language: the share of expected periods proposed
exactly, and the number of forbidden periods proposed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _host
from mapdata.text.extract import default_pipeline
from mapdata.text.spatial import haversine_km

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT / "bench" / "data" / "events_annotated.json"
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Event reading"
TARGETS = {"exact": 0.90, "forbidden": 0}
NEAR_KM = 5.0


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def proposed_periods(text: str) -> list[dict[str, Any]]:
    """Every period the pipeline proposes for ``text``, with the point of its place."""
    out = []
    for event in default_pipeline().extract(text).events:
        points = {(m.place_id or m.entry_id): (m.lat, m.lon) for m in event.place_mentions}
        for period in event.periods:
            out.append(
                {
                    "force": period.force,
                    "role": period.role.value,
                    "point": points.get(period.place_id),
                    "start": period.start,
                    "end": period.end,
                }
            )
    return out


def _near(a: tuple[float, float] | None, b: list[float]) -> bool:
    return a is not None and haversine_km(a, (b[0], b[1])) <= NEAR_KM


def run(path: Path, verbose: bool) -> dict[str, dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    by_language: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"paragraphs": 0, "expected": 0, "exact": 0, "forbidden": 0, "proposed": 0}
    )
    for paragraph in data["paragraphs"]:
        figures = by_language[paragraph["language"]]
        figures["paragraphs"] += 1
        proposed = proposed_periods(paragraph["text"])
        figures["proposed"] += len(proposed)
        for want in paragraph["expected"]:
            figures["expected"] += 1
            hit = any(
                p["force"] == want["force"]
                and p["role"] == want["role"]
                and _near(p["point"], want["point"])
                and p["start"] == _date(want["start"])
                and p["end"] == _date(want["end"])
                for p in proposed
            )
            figures["exact"] += hit
            if not hit and verbose:
                print(f"missed: {want['force']} {want['role']} {want['place']} in {paragraph['text'][:70]!r}")
        for banned in paragraph["forbidden"]:
            bad = [p for p in proposed if p["force"] == banned["force"] and _near(p["point"], banned["point"])]
            figures["forbidden"] += len(bad)
            if bad and verbose:
                print(f"forbidden: {banned['force']} at {banned['place']} in {paragraph['text'][:70]!r}")
    return dict(by_language)


def markdown(results: dict[str, dict[str, Any]], path: Path) -> str:
    host = _host.machine()
    lines = [
        HEADING,
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/events.py` on `{path.name}` (paragraphs written for the "
        f"benchmark); Python {host['python']}. Reproduce with `.venv/bin/python bench/events.py`.",
        "",
        "| language | paragraphs | expected periods | proposed exactly | forbidden periods proposed | target |",
        "|---|---|---|---|---|---|",
    ]
    for language, f in sorted(results.items()):
        share = f["exact"] / f["expected"] if f["expected"] else 1.0
        met = share >= TARGETS["exact"] and f["forbidden"] <= TARGETS["forbidden"]
        lines.append(
            f"| {language} | {f['paragraphs']} | {f['expected']} | {f['exact']} ({100 * share:.1f}%) | "
            f"{f['forbidden']} | ≥ 90% exactly, no forbidden ({'met' if met else '**not met**'}) |"
        )
    if "ar" not in results:
        lines += ["", "No Arabic paragraphs yet: the Arabic reading of issue 12 (item 6) is not built."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, nargs="?", default=DEFAULT_SET, help="annotated paragraphs (JSON)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    ap.add_argument("--verbose", action="store_true", help="print every missed or forbidden period")
    args = ap.parse_args(argv)
    results = run(args.path, args.verbose)
    section = markdown(results, args.path)
    print(section)
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
