"""Benchmark the offline geoparser on a labelled evaluation file.

Usage::

    .venv/bin/python bench/geoparse.py PATH_TO_EVAL_CSV [--limit N] [--no-write] [--verbose]

The CSV needs the columns ``location_label`` ("GOVERNORATE : Place"), ``latitude``,
``longitude`` (decimal degrees or D°M'S" with N/E) and ``description``. The file is read
from the given path only; nothing of it is copied anywhere: ``docs/benchmarks.md`` gets
aggregate figures only (``--verbose`` prints the misses to the terminal for diagnosis).

Measures:

* labels: the place part geocoded with the governorate as context
  (:meth:`Geoparser.geocode`; when the place cannot be found at all, the governorate's
  namesake is used, and counted apart): share within 5 km and 10 km of the gold point, median
  error;
* descriptions: share whose gold place is found (a mention within 10 km, or an area
  containing it), precision (mentions within 10 km / all mentions, also without country-level
  mentions), median error of the most confident mention;
* speed: words per second of ``find_places`` on one core over all descriptions repeated to at
  least one second (best round, and the mean), and on one long synthetic text (the bundled seed
  article repeated); words are whitespace-separated tokens;
* load: reading the gazetteer and building the matcher (cold, in this process).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _host
from _host import machine, pin_one_core
from mapdata.model.load import load_scenario
from mapdata.text.gazetteer import DEFAULT_GAZETTEER, read_gazetteer
from mapdata.text.geoparse import Geoparser, haversine_km
from mapdata.text.mentions import PlaceMention

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Geoparser"
TARGETS = {
    "labels_10km": 0.90,  # issue 11 asks >= 85%; the earlier target of 90% is kept
    "median_km": 2.0,
    "words_per_s": 100_000,
    "load_s": 2.0,
    "running_10km": 0.60,
    "running_far_25km": 0.10,
}
_DMS = re.compile(r"""(\d+(?:\.\d+)?)\s*°\s*(\d+(?:\.\d+)?)?\s*['′]?\s*(\d+(?:\.\d+)?)?\s*(?:"|″|'')?\s*([NSEW])""")


def parse_coordinate(lat: str, lon: str) -> tuple[float, float] | None:
    """(lat, lon) from decimal degrees, or from D°M'S" text (possibly HTML-escaped) in either column."""
    try:
        return float(lat), float(lon)
    except ValueError:
        pass
    text = html.unescape(f"{lat} {lon}")
    values: dict[str, float] = {}
    for m in _DMS.finditer(text):
        deg, minutes, seconds, hemi = m.groups()
        value = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
        values["lat" if hemi in "NS" else "lon"] = -value if hemi in "SW" else value
    if "lat" in values and "lon" in values:
        return values["lat"], values["lon"]
    return None


def split_label(label: str) -> tuple[str, str]:
    """("ALEPPO", "Karfur Mall") from "ALEPPO : Karfur Mall"; ("", label) without a colon."""
    gov, sep, place = label.partition(":")
    return (gov.strip(), place.strip()) if sep else ("", label.strip())


def distance_km(mention: PlaceMention, gold: tuple[float, float]) -> float:
    if mention.geometry is not None and mention.geometry.geom_type in ("Polygon", "MultiPolygon"):
        if mention.geometry.contains(Point(gold[1], gold[0])):
            return 0.0
    return haversine_km((mention.lat, mention.lon), gold)


def read_rows(path: Path, limit: int | None) -> tuple[list[dict[str, Any]], int]:
    rows, skipped = [], 0
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            gold = parse_coordinate(row.get("latitude", ""), row.get("longitude", ""))
            if gold is None:
                skipped += 1
                continue
            rows.append(
                {
                    "label": html.unescape(row.get("location_label", "")),
                    "description": row.get("description", "") or "",
                    "gold": gold,
                }
            )
            if limit and len(rows) >= limit:
                break
    return rows, skipped


def words_per_second(
    parser: Geoparser, texts: list[str], min_seconds: float = 1.0, min_rounds: int = 3
) -> tuple[float, float, int, float]:
    """(best round, mean over all rounds) in words/s, words processed, seconds: the texts are run
    through find_places round after round until ``min_seconds`` and ``min_rounds`` are reached.
    The best round is the timeit convention: it is the least disturbed by other work on the machine."""
    words = sum(len(t.split()) for t in texts)
    rounds: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(rounds) < min_rounds:
        t0 = time.perf_counter()
        for t in texts:
            parser.find_places(t)
        rounds.append(time.perf_counter() - t0)
    elapsed = sum(rounds)
    return words / min(rounds), words * len(rounds) / elapsed, words * len(rounds), elapsed


RUNNING_TEMPLATE = "Shelling was reported in {place}, in {governorate} governorate, Syria."
RUNNING_TEMPLATE_NO_GOVERNORATE = "Shelling was reported in {place}, Syria."


def governorate_name(code: str) -> str:
    """ "DEIR EZ-ZOR" -> "Deir Ez-Zor": the label's governorate as a report would write it."""
    return " ".join(w.capitalize() if w.isupper() or w.islower() else w for w in code.split())


def _mention_distance(parser: Geoparser, mention: PlaceMention, golds: list[tuple[float, float]]) -> float:
    """Distance from a mention to the nearest of ``golds``: 0 inside its area (a country's outline for a
    country); for an approximate mention, the distance beyond its stated radius."""
    if mention.kind == "country":
        outline = parser._geodata()["countries"].get(mention.country)
        if outline is not None and any(outline.contains(Point(g[1], g[0])) for g in golds):
            return 0.0
    best = min(distance_km(mention, g) for g in golds)
    radius = getattr(mention, "uncertainty_m", None)
    if getattr(mention, "approximate", False) and radius:
        best = max(0.0, best - radius / 1000)
    return best


def in_gazetteer(parser: Geoparser, place: str, gold: tuple[float, float]) -> bool:
    """Whether an entry within 10 km of the gold point carries the label's place name (fold or, where the
    parser has one, consonant skeleton): the place is in the gazetteer at all."""
    from mapdata.text import normalise as norm

    key = tuple(norm.normalise(place).split())
    skeleton = norm.loose_key(key) if hasattr(norm, "loose_key") else None
    for e in parser.entries:
        if abs(e.lat - gold[0]) > 0.1 or haversine_km(e.point, gold) > 10:
            continue
        for name in e.names:
            other = tuple(norm.normalise(name).split())
            if other == key or (skeleton is not None and other and norm.loose_key(other) == skeleton):
                return True
    return False


def running_text(parser: Geoparser, rows: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    """Each distinct label written into a sentence of its own and parsed with find_places, as a report is.

    Resolved: a mention over the place's words whose point is within 10 km of one of the label's gold
    points (an area or an approximate mention counts by its point only). Precision: every mention of
    every sentence against the nearest gold point of any label (inside an area or a country counts as 0;
    an approximate mention by the distance beyond its stated radius)."""
    golds: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        golds.setdefault(row["label"], []).append(row["gold"])
    all_golds = [g for gs in golds.values() for g in gs]
    resolved = 0
    in_gaz = 0
    mentions_total = near_10 = far_25 = approximate = 0
    slot_total = slot_near = 0
    misses: list[str] = []
    for label, points in sorted(golds.items()):
        gov, place = split_label(label)
        if not place:
            continue
        template = RUNNING_TEMPLATE if gov else RUNNING_TEMPLATE_NO_GOVERNORATE
        text = template.format(place=place, governorate=governorate_name(gov))
        start = text.index(place)
        end = start + len(place)
        mentions = parser.find_places(text)
        slot = [m for m in mentions if m.start < end and start < m.end]
        ok = any(min(haversine_km((m.lat, m.lon), g) for g in points) <= 10 for m in slot)
        resolved += ok
        in_gaz += any(in_gazetteer(parser, place, g) for g in points[:1])
        if not ok and verbose:
            got = "; ".join(
                f"{m.name} ({m.entry_id}{', approximate' if getattr(m, 'approximate', False) else ''})" for m in slot
            )
            misses.append(f"  {label!r}: {got or 'nothing found'}")
        for m in mentions:
            d = _mention_distance(parser, m, all_golds)
            mentions_total += 1
            near_10 += d <= 10
            far_25 += d > 25
            approximate += bool(getattr(m, "approximate", False))
            if m in slot:
                slot_total += 1
                slot_near += d <= 10
    n = sum(1 for label in golds if split_label(label)[1])
    if verbose:
        print("running-text misses:")
        print("\n".join(misses))
    return {
        "labels": n,
        "resolved_10km": resolved / n if n else 0.0,
        "in_gazetteer": in_gaz / n if n else 0.0,
        "mentions": mentions_total,
        "precision_10km": near_10 / mentions_total if mentions_total else 0.0,
        "far_25km": far_25 / mentions_total if mentions_total else 0.0,
        "approximate": approximate,
        "slot_mentions": slot_total,
        "slot_precision_10km": slot_near / slot_total if slot_total else 0.0,
    }


def extract_process_seconds(runs: int = 3) -> float:
    """Best wall time of ``mapdata extract`` on the seed article as a whole process (start-up, imports,
    gazetteer, matcher, extraction, JSON out)."""
    import subprocess

    article = ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt"
    command = [sys.executable, "-m", "mapdata.cli", "extract", str(article)]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def run(path: Path, limit: int | None, verbose: bool) -> dict[str, Any]:
    host = machine()
    pinned = pin_one_core()
    # ---- load
    t0 = time.perf_counter()
    gazetteer = read_gazetteer(DEFAULT_GAZETTEER)
    t1 = time.perf_counter()
    scenario = load_scenario()
    t2 = time.perf_counter()
    try:
        Geoparser(gazetteer, scenario=scenario, cache_keys=False)  # every name folded now: a first run
    except TypeError:  # a version before the key cache (to measure "before")
        Geoparser(gazetteer, scenario=scenario)
    t3 = time.perf_counter()
    Geoparser(gazetteer, scenario=scenario)  # writes the key cache if it is not there yet
    t4 = time.perf_counter()
    parser = Geoparser(gazetteer, scenario=scenario)  # as every later process: keys from the cache
    t5 = time.perf_counter()
    load = {
        "gazetteer_s": t1 - t0,
        "matcher_s": t3 - t2,
        "total_s": (t1 - t0) + (t3 - t2),
        "cached_matcher_s": t5 - t4,
        "entries": len(gazetteer),
        "size_kb": DEFAULT_GAZETTEER.stat().st_size / 1024,
        "extract_s": extract_process_seconds(),
    }

    rows, skipped = read_rows(path, limit)
    # ---- labels
    errors: list[float] = []
    methods: Counter[str] = Counter()
    misses: list[tuple[str, float, str]] = []
    cache: dict[str, tuple[PlaceMention | None, str]] = {}
    for row in rows:
        label = row["label"]
        if label not in cache:
            gov, place = split_label(label)
            found = parser.geocode(place, context=gov or None) if place else None
            if found is None:
                method = "not found: governorate namesake" if gov else "not found"
                found = parser.geocode(gov) if gov else None
            elif found.phrase.startswith("closest spelling"):
                method = "closest spelling"
            elif found.phrase:
                method = "part of the label"
            else:
                method = "whole label"
            cache[label] = (found, method)
        found, method = cache[label]
        methods[method] += 1
        err = distance_km(found, row["gold"]) if found is not None else float("inf")
        errors.append(err)
        if err > 10 and verbose:
            misses.append((label, err, f"{method}: {found.name if found else '-'} ({found.entry_id if found else ''})"))
    n = len(rows)
    finite = [e for e in errors if e != float("inf")]
    labels = {
        "n": n,
        "skipped_no_coords": skipped,
        "unique": len(cache),
        "within_5km": sum(e <= 5 for e in errors) / n if n else 0.0,
        "within_10km": sum(e <= 10 for e in errors) / n if n else 0.0,
        "median_km": statistics.median(errors) if errors else float("nan"),
        "median_found_km": statistics.median(finite) if finite else float("nan"),
        "methods": dict(methods),
    }
    own = [
        e
        for e, r in zip(errors, rows, strict=True)
        if cache[r["label"]][1] in ("whole label", "part of the label", "closest spelling")
    ]
    labels["own_n"] = len(own)
    labels["own_within_10km"] = sum(e <= 10 for e in own) / len(own) if own else 0.0
    labels["own_median_km"] = statistics.median(own) if own else float("nan")

    # ---- descriptions
    found_rows = 0
    mentions_all = mentions_near = 0
    mentions_nc = mentions_nc_near = 0
    best_errors: list[float] = []
    with_mentions = 0
    for row in rows:
        mentions = parser.find_places(row["description"])
        dists = [distance_km(m, row["gold"]) for m in mentions]
        mentions_all += len(mentions)
        mentions_near += sum(d <= 10 for d in dists)
        for m, d in zip(mentions, dists, strict=True):
            if m.kind != "country":
                mentions_nc += 1
                mentions_nc_near += d <= 10
        if any(d <= 10 for d in dists):
            found_rows += 1
        if mentions:
            with_mentions += 1
            best = max(range(len(mentions)), key=lambda i: (mentions[i].confidence, -i))
            best_errors.append(dists[best])
    descriptions = {
        "n": n,
        "found_10km": found_rows / n if n else 0.0,
        "with_mentions": with_mentions / n if n else 0.0,
        "mentions": mentions_all,
        "precision_10km": mentions_near / mentions_all if mentions_all else 0.0,
        "precision_no_country": mentions_nc_near / mentions_nc if mentions_nc else 0.0,
        "median_best_km": statistics.median(best_errors) if best_errors else float("nan"),
    }

    running = running_text(parser, rows, verbose)

    # ---- speed
    texts = [r["description"] for r in rows]
    wps, wps_mean, words, secs = words_per_second(parser, texts)
    article = (ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt").read_text(encoding="utf-8")
    reps = max(1, 200_000 // max(1, len(article.split())))
    long_text = "\n".join([article] * reps)
    long_wps, long_mean, long_words, long_secs = words_per_second(parser, [long_text])
    cold_parser = Geoparser(gazetteer, scenario=scenario)
    t = time.perf_counter()
    for text in texts:
        cold_parser.find_places(text)
    cold_secs = time.perf_counter() - t
    speed = {
        "descriptions_wps": wps,
        "descriptions_mean_wps": wps_mean,
        "descriptions_words": words,
        "descriptions_s": secs,
        "long_mean_wps": long_mean,
        "descriptions_cold_wps": sum(len(x.split()) for x in texts) / cold_secs if cold_secs else 0.0,
        "long_wps": long_wps,
        "long_words": len(long_text.split()),
        "long_s": long_secs,
        "long_mentions": len(parser.find_places(long_text)),
        "pinned": pinned,
    }
    if verbose:
        print("label misses (> 10 km):")
        for label, err, how in sorted(set(misses), key=lambda m: -m[1]):
            print(f"  {err:8.1f} km  {label!r}  -> {how}")
    return {
        "load": load,
        "labels": labels,
        "descriptions": descriptions,
        "running": running,
        "speed": speed,
        "machine": host,
        "file": path.name,
        "limit": limit,
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def markdown(r: dict[str, Any]) -> str:
    L, D, S, Ld, M, R = r["labels"], r["descriptions"], r["speed"], r["load"], r["machine"], r["running"]
    met = {
        "running_10km": R["resolved_10km"] >= TARGETS["running_10km"],
        "running_far_25km": R["far_25km"] <= TARGETS["running_far_25km"],
        "labels_10km": L["within_10km"] >= TARGETS["labels_10km"],
        "median_km": L["median_km"] < TARGETS["median_km"],
        "words_per_s": S["descriptions_wps"] >= TARGETS["words_per_s"] and S["long_wps"] >= TARGETS["words_per_s"],
        "load_s": Ld["total_s"] < TARGETS["load_s"],
    }
    yes = {True: "met", False: "**not met**"}
    methods = ", ".join(f"{k} {v}" for k, v in sorted(L["methods"].items(), key=lambda kv: -kv[1]))
    fallback = L["methods"].get("not found: governorate namesake", 0)
    lines = [
        HEADING,
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/geoparse.py` on `{r['file']}`"
        + (f" (first {r['limit']} rows)" if r["limit"] else "")
        + f"; machine: {M['nproc']} CPUs (nproc), {M['cpu']}, Python {M['python']}, {M['platform']}; "
        f"timings on one core ({S['pinned']}; 1-minute load average {M['loadavg']} when the run started: other "
        "work shared the CPUs, and on a loaded machine speed figures vary up to threefold between runs, which is "
        "why the best round is reported next to the mean). Reproduce with "
        "`.venv/bin/python bench/geoparse.py PATH_TO_EVAL_CSV`.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| labels geocoded within 5 km | {_pct(L['within_5km'])} | |",
        f"| labels geocoded within 10 km | {_pct(L['within_10km'])} | ≥ 90% ({yes[met['labels_10km']]}) |",
        f"| label median error | {L['median_km']:.2f} km | < 2 km ({yes[met['median_km']]}) |",
        f"| labels whose place itself was found (no governorate fallback): share, within 10 km, median error | "
        f"{_pct(L['own_n'] / L['n'] if L['n'] else 0)}, {_pct(L['own_within_10km'])}, {L['own_median_km']:.2f} km | |",
        f'| running text: distinct labels, each in a sentence of its own ("{RUNNING_TEMPLATE}"), with a mention '
        f"of the place within 10 km ({R['labels']} labels) | {_pct(R['resolved_10km'])} | ≥ 60% "
        f"({yes[met['running_10km']]}) |",
        f"| running text: mentions farther than 25 km from every label ({R['mentions']} mentions, "
        f"{R['approximate']} approximate) | {_pct(R['far_25km'])} | ≤ 10% ({yes[met['running_far_25km']]}) |",
        f"| running text: mentions within 10 km of a label (precision); the place's own mentions alone "
        f"({R['slot_mentions']}) | {_pct(R['precision_10km'])}; {_pct(R['slot_precision_10km'])} | |",
        f"| labels whose place is in the gazetteer at all (an entry within 10 km carries the name, folded or "
        f"as its consonant skeleton) | {_pct(R['in_gazetteer'])} | |",
        f"| descriptions whose gold place is found (mention within 10 km) | {_pct(D['found_10km'])} | |",
        f"| descriptions with any place mention | {_pct(D['with_mentions'])} | |",
        f"| precision of description mentions (within 10 km of gold / all, {D['mentions']} mentions) | "
        f"{_pct(D['precision_10km'])} | |",
        f"| same, country-level mentions left out | {_pct(D['precision_no_country'])} | |",
        f"| description median error (most confident mention) | {D['median_best_km']:.2f} km | |",
        f"| find_places speed, all descriptions, best round of those run for ≥ 1 s ({S['descriptions_words']:,} words "
        f"in {S['descriptions_s']:.2f} s; mean {S['descriptions_mean_wps']:,.0f} words/s) | "
        f"{S['descriptions_wps']:,.0f} words/s | ≥ 100,000 ({yes[met['words_per_s']]}) |",
        f"| same, one pass on a fresh parser (cold caches) | {S['descriptions_cold_wps']:,.0f} words/s | |",
        f"| find_places speed, one synthetic text of {S['long_words']:,} words (seed article repeated; "
        f"{S['long_mentions']:,} mentions), best round (mean {S['long_mean_wps']:,.0f}) | {S['long_wps']:,.0f} words/s | "
        "≥ 100,000 |",
        f"| load: read gazetteer ({Ld['entries']} entries, {Ld['size_kb']:.0f} KB) + build matcher, every name "
        f"folded (a first run) | {Ld['gazetteer_s']:.2f} s + {Ld['matcher_s']:.2f} s = {Ld['total_s']:.2f} s | "
        f"< 2 s ({yes[met['load_s']]}) |",
        f"| same, the folded names read from the key cache (every later process) | {Ld['gazetteer_s']:.2f} s + "
        f"{Ld['cached_matcher_s']:.2f} s = {Ld['gazetteer_s'] + Ld['cached_matcher_s']:.2f} s | |",
        f"| `mapdata extract` on the seed article, whole process (best of 3) | {Ld['extract_s']:.2f} s | < 1.5 s "
        f"({yes[Ld['extract_s'] < 1.5]}) |",
        "",
        f"Rows: {L['n']} with coordinates ({L['skipped_no_coords']} without were skipped), {L['unique']} distinct labels. "
        f"How labels were resolved (rows): {methods}. A label whose place is not in the gazetteer at all "
        f'({fallback} rows) is put at its governorate\'s namesake (e.g. the city of Aleppo for "ALEPPO : ..."); '
        "these are counted in the label figures above and shown apart in the row on labels whose place itself was found.",
        "",
    ]
    notes = []
    if not met["labels_10km"] or not met["median_km"]:
        missing = [
            name
            for name, key in (("≥ 90% of labels within 10 km", "labels_10km"), ("median error < 2 km", "median_km"))
            if not met[key]
        ]
        notes.append(f"Not met: {' and '.join(missing)}.")
    if not met["running_10km"] or not met["running_far_25km"]:
        notes.append("Running-text target not met on this run.")
    if not met["words_per_s"]:
        notes.append(
            "Speed target not met on this run: the machine's speed varies with its load (see the mean next to the "
            "best round)."
        )
    if not met["load_s"]:
        notes.append("Load target not met on this machine.")
    notes.append(
        f"{_pct(fallback / L['n'] if L['n'] else 0)} of the label rows name a place the gazetteer does not hold at "
        "all: mostly city neighbourhoods and facilities of Aleppo, Homs and Damascus (no open list of them could be "
        "obtained; Who's On First has 4 Syrian neighbourhoods) and spellings too far from any name. In the label "
        "mode they fall back to the governorate's namesake town; in running text such a name after a place cue "
        '("in X, in Aleppo governorate", "the X neighbourhood of Damascus") becomes an approximate mention '
        "at the place it is said to be in, with that place's radius, and counts as a miss in the 10 km figure. No "
        "entry is taken from an evaluation file."
    )
    notes.append(
        "Known weaknesses: several villages share most names (al-Hamra, al-Bustan...): without a governorate, a "
        "nearby place or a known population the first of them is taken, and the review offers the others; a "
        'one-word village name with no cue, article or nearby place is not read as a place ("Nahtah was quiet"), '
        "to keep common words out; skeleton matching (consonants only) needs a cue or context, so a variant "
        "spelling alone in a sentence can be missed; country mentions count as within 10 km only when the label "
        'lies in that country; derived areas ("northern countryside of X") are geometric sectors of the '
        "governorate, not surveyed lines."
    )
    lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", type=Path, help="evaluation CSV (read only)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N rows with coordinates")
    ap.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    ap.add_argument("--verbose", action="store_true", help="print the label misses (> 10 km) to the terminal")
    args = ap.parse_args(argv)
    result = run(args.csv, args.limit, args.verbose)
    section = markdown(result)
    print(section)
    return _host.save(section, heading=HEADING, path=DOC, root=ROOT, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
