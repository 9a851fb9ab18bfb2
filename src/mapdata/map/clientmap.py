"""The map for large scenarios: geometry and timeline go to the browser once, each step sends a date.

With thousands of places, re-sending every feature on every slider step (the
server-rendered path of :class:`mapdata.map.mapview.MapBuilder`) costs megabytes and
seconds. Here the scenario is published once as a static JSON file served by the app
(under ``static/cache/``, gzipped, so browsers cache it), the browser builds one
canvas layer per place, applies the timeline itself (same rules as
:mod:`mapdata.model.timeline`) and restyles in place; a step sends only the day, the hidden
forces and the highlighted places.

The map's file holds what the first paint needs (places, forces, periods). The evidence
(each event's quote, publisher, date and verification: most of the bytes) is split by
place into chunks of ``EVIDENCE_CHUNK`` places; the browser fetches a chunk when a popup
in it first opens, so no step or first paint ever waits for it, and an edit rewrites
only the chunks it touches. A chunk holds, for its places, the events each period cites
and the events at each place, with the two dates of :func:`mapdata.model.timeline.evidence_dates`,
so the browser's cards show what the server's show as of the day (``evidenceOf`` in
mapdata.js; tests/unit/test_evidence_js_parity.py checks both on the same days).

The map's files are written in the background (:func:`publish_later`) under names known before their content,
so the first page loads while they are made and the browser waits for a file not there yet; a server started
again on the same data finds them made, and a file removed while it runs is written again on the next page run
(:meth:`mapdata.map.mapview.MapBuilder.ensure_published`).

The app publishes each version of a store's data into its own folder (:class:`CacheSpace`):
``static/cache/<store>/<version>/``, both names keyed by a random secret of the deployment
(``data/cache.secret``, or ``MAPDATA_CACHE_SECRET``), so no one can compute the address of
another store's or an older revision's files. A version superseded by a newer one is
removed once :data:`CACHE_GRACE_S` has passed (the sessions still showing it have had
time to move on; their map then asks for a reload).

Every number published is finite: a non-finite one (which JSON cannot hold) becomes
``null``, and the page skips the record it spoils and says so.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapdata.config import settings
from mapdata.map.labels import label_ranks, label_settings
from mapdata.model.geometry import geometry_json
from mapdata.model.models import KIND_LABELS, Role, Scenario
from mapdata.model.timeline import (
    HISTORY_HEADING,
    NO_EVIDENCE_YET,
    NO_REPORT_YET,
    REPORTED_LATER,
    ROLE_WORDS,
    STATUS_LABELS,
    evidence_dates,
    reported_label,
)
from mapdata.resources import code_stamp, home, served_static_dir

STATIC_DIR = served_static_dir()  # the static/ Streamlit serves beside the entry script (mapdata.resources)
CACHE_DIR = "cache"
ROLE_CODES = {Role.CONTROL: 1, Role.CONTESTED: 2, Role.PRESENCE: 3}
NO_DAY_BEFORE = -1  # open start
NO_DAY_AFTER = 10**7  # open end
EVIDENCE_CHUNK = 250  # places per evidence file (about half a megabyte with ten reports a place)
EVIDENCE_DELAY_S = 2.0  # keyed evidence files are written this long after the map's own files
CACHE_GRACE_S = 600.0  # a superseded version's files stay this long (for the sessions still showing it)
SECRET_ENV = "MAPDATA_CACHE_SECRET"
SECRET_FILE = Path("data") / "cache.secret"  # beside static/, never under it (static/ is served)
SECRET_NAME = SECRET_FILE.name  # the app's own static/: in the mapdata home (data/ in a checkout)
SUPERSEDED = ".superseded"
LEGACY_EVIDENCE = re.compile(
    r"evidence-[0-9a-f]{16}-[0-9]+\.json\.gz"
)  # marker in a version's folder: its mtime is when a newer version replaced it


@dataclass(frozen=True)
class CacheSpace:
    """Where one version of one store's data is published: ``static/cache/<store>/<version>/``.

    Both names are keyed hashes (HMAC with the deployment's secret): unguessable from the
    store's location and revision, the same in every process that shares the secret.
    """

    static_dir: Path
    store: str
    version: str

    @property
    def folder(self) -> str:
        """The folder under static/."""
        return f"{CACHE_DIR}/{self.store}/{self.version}"


def deployment_secret(static_dir: Path = STATIC_DIR, environ: Mapping[str, str] | None = None) -> bytes:
    """The deployment's cache secret: ``MAPDATA_CACHE_SECRET``, else ``data/cache.secret`` beside static/
    (for the app's own static/, ``cache.secret`` in :func:`mapdata.resources.home`: ``data/`` in a checkout;
    made once, 32 random bytes, readable by its owner only)."""
    given = settings(environ).cache_secret
    if given:
        return given.encode("utf-8")
    path = home() / SECRET_NAME if static_dir == STATIC_DIR else static_dir.parent / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    try:
        os.link(partial, path)  # the first process to get here wins; the others read its secret
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def cache_space(
    location: str, version: str, *, static_dir: Path = STATIC_DIR, secret: bytes | None = None
) -> CacheSpace:
    """The folder for ``version`` (e.g. the revision and a file stamp) of the store at ``location``."""
    key = deployment_secret(static_dir) if secret is None else secret

    def keyed(text: str) -> str:
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    return CacheSpace(
        static_dir=static_dir, store=keyed(f"store\n{location}"), version=keyed(f"version\n{location}\n{version}")
    )


def prune_cache(space: CacheSpace, *, grace_s: float = CACHE_GRACE_S, now: float | None = None) -> list[str]:
    """Remove the versions of ``space``'s store that a newer one replaced more than ``grace_s`` ago.

    ``space`` is the version in use: it is (again) marked current. Every other version is
    marked superseded (now, if not already) and removed once the mark is older than
    ``grace_s``. Processes sharing the folder each mark their own version current on
    every call, so one still in use elsewhere is not removed. Returns the removed folders.
    """
    now = time.time() if now is None else now
    for legacy in (space.static_dir / CACHE_DIR).glob("evidence-*-*.json.gz"):
        if LEGACY_EVIDENCE.fullmatch(legacy.name):  # named by a computable key (before the folders): retire
            legacy.unlink(missing_ok=True)
    root = space.static_dir / CACHE_DIR / space.store
    (root / space.version / SUPERSEDED).unlink(missing_ok=True)
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.name == space.version or not folder.is_dir():
            continue
        marker = folder / SUPERSEDED
        try:
            superseded = marker.stat().st_mtime
        except FileNotFoundError:
            marker.touch()
            os.utime(marker, (now, now))
            continue
        if now - superseded >= grace_s:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"{CACHE_DIR}/{space.store}/{folder.name}")
    return removed


def publish_json(payload: Any, *, prefix: str, static_dir: Path = STATIC_DIR, space: CacheSpace | None = None) -> str:
    """Write ``payload`` as ``<folder>/<prefix>-<digest>.json.gz`` (once) and return its path under static/.

    The folder is ``space``'s, else ``static/cache/``. Compressed once here: Streamlit would
    otherwise gzip the file again on every request, at level 9 (a second per request for a
    5 MB scenario). Served as ``application/gzip``, it is inflated in the page
    (``DecompressionStream``; see ``fetchJson`` in mapdata.js).
    """
    data = _json_bytes(payload)
    folder = space.folder if space is not None else CACHE_DIR
    root = space.static_dir if space is not None else static_dir
    name = f"{folder}/{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.json.gz"
    _write_once(root / name, data)
    return name


# What the published files' content depends on besides the data: the code that makes them (mapdata.map's
# modules). A file published by another version of mapdata for the same data has another name.
CODE_STAMP = code_stamp("map")


def publish_later(make: Callable[[], Any], *, prefix: str, space: CacheSpace) -> tuple[str, threading.Thread | None]:
    """``make()``'s payload as ``<space>/<prefix>-<code stamp>.json.gz``, written by a background thread; returns
    its path under static/ at once (and the thread; None when the file is there already).

    A space is one version of one store's data, so the name is known before the content: the page that
    asks for it can load while it is made (the browser waits for a missing file, ``fetchPublished`` in
    mapdata.js), and a server started again on the same data finds it made. The file appears whole (renamed
    into place) or not at all; a failure is logged, and the next call (the next page run) tries again.
    """
    name = f"{space.folder}/{prefix}-{CODE_STAMP}.json.gz"
    target = space.static_dir / name
    if target.exists():
        return name, None

    def write() -> None:
        try:
            _write_once(target, _json_bytes(make()))
        except Exception:  # the page waits for the file, then says it could not be loaded; a rerun tries again
            logging.getLogger(__name__).exception("mapdata: %s could not be published", name)

    thread = threading.Thread(target=write, name=f"mapdata-publish-{prefix}", daemon=True)
    thread.start()
    return name, thread


def read_published(path: Path) -> Any:
    """A published file's payload (for tests and benchmarks)."""
    return json.loads(gzip.decompress(Path(path).read_bytes()))


def publish_evidence(
    scenario: Scenario,
    *,
    space: CacheSpace | None = None,
    chunk: int = EVIDENCE_CHUNK,
    static_dir: Path = STATIC_DIR,
    delay: float = EVIDENCE_DELAY_S,
) -> tuple[list[str], threading.Thread | None]:
    """The popups' evidence files (paths under static/, one per ``chunk`` places), and the thread writing them.

    Without ``space`` they are content-addressed and written now. With ``space`` (one per
    version of a store's data, see :func:`cache_space`) they are written into its folder by
    a background thread, ``delay`` seconds later, so the first map does not wait for them;
    the browser retries a file that is not there yet.
    """
    if space is None:
        return [
            publish_json(payload, prefix="evidence", static_dir=static_dir)
            for payload in client_evidence(scenario, chunk=chunk)
        ], None
    static_dir = space.static_dir
    names = [f"{space.folder}/evidence-{k}.json.gz" for k in range(_chunks(scenario, chunk))]
    if all((static_dir / name).exists() for name in names):
        return names, None

    def write() -> None:
        time.sleep(delay)  # after the first map has gone out: it needs the server more
        for name, payload in zip(names, _iter_evidence(scenario, chunk=chunk), strict=True):
            _write_once(static_dir / name, _json_bytes(payload))
            time.sleep(0.002)  # let the server's own threads (the first page view) run in between

    thread = threading.Thread(target=write, name="mapdata-evidence", daemon=True)
    thread.start()
    return names, thread


def _json_bytes(payload: Any) -> bytes:
    """Valid JSON, always: a non-finite number (NaN, ±Infinity) is written as null."""
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(payload), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _write_once(target: Path, data: bytes) -> None:
    """Write ``data`` gzipped to ``target`` unless it exists, atomically (processes sharing static/ never
    see half a file); mtime 0 in the gzip header, so the same data gives the same bytes."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    partial.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    partial.replace(target)


def client_bundle(scenario: Scenario, styles: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs to draw and restyle: places, forces and periods (sorted by place, then as
    :class:`mapdata.model.timeline.Timeline` orders them: by start, then id).

    :func:`client_evidence` refers to periods by their index here.
    """
    periods = _client_periods(scenario)
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    force_index = {f.id: i for i, f in enumerate(scenario.mapped_forces)}
    return {
        "forces": [{"id": f.id, "name": f.name, "colour": f.colour} for f in scenario.mapped_forces],
        "places": [
            {
                "id": p.id,
                "name": p.name_en,
                "ar": p.name_ar,
                "kind": p.kind.value,
                "g": geometry_json(p.geometry),
                "u": p.uncertainty_m,
            }
            for p in scenario.places
        ],
        "periods": {
            "place": [place_index[p.place_id] for p in periods],
            "force": [force_index[p.force_id] for p in periods],
            "role": [ROLE_CODES[p.role] for p in periods],
            "start": [p.start.toordinal() if p.start else NO_DAY_BEFORE for p in periods],
            "end": [p.end.toordinal() if p.end else NO_DAY_AFTER for p in periods],
        },
        "styles": styles,
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "kind_labels": {k.value: label for k, label in KIND_LABELS.items()},
        "card_text": {  # the server's words
            "no_evidence_yet": NO_EVIDENCE_YET,
            "reported_later": REPORTED_LATER,
            "history": HISTORY_HEADING,
            "no_report_yet": NO_REPORT_YET,
            "roles": {str(code): ROLE_WORDS[role] for role, code in ROLE_CODES.items()},
        },
        "range": [scenario.date_range[0].toordinal(), scenario.date_range[1].toordinal()],
        "rank": label_ranks(scenario),  # the order in which places are named (mapdata.map.labels)
        "label_settings": label_settings(),
    }


def client_evidence(scenario: Scenario, *, chunk: int = EVIDENCE_CHUNK) -> list[dict[str, Any]]:
    """The popups' evidence, one payload per ``chunk`` places (scenario order).

    Chunk ``k`` covers places ``k * chunk`` up to ``(k + 1) * chunk``: ``periods`` maps the
    index (in :func:`client_bundle`'s periods) of each of their periods that cites events
    to those events; ``places`` maps a place's index to the events at it (oldest first,
    where no period applies); ``notes`` a place's index to its location note; and
    ``events`` each event's index (scenario order) to what a card shows of it, its
    ``rank`` in the cards' order, and ``from``/``known`` (ordinals of
    :func:`mapdata.model.timeline.evidence_dates`): on day D it is evidence if ``from <= D``,
    reported later if ``known > D``.
    """
    return list(_iter_evidence(scenario, chunk=chunk))


def _chunks(scenario: Scenario, chunk: int) -> int:
    """How many evidence files: one per ``chunk`` places, at least one."""
    return max(1, -(-len(scenario.places) // chunk))


def _client_periods(scenario: Scenario) -> list[Any]:
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    return sorted(scenario.periods, key=lambda p: (place_index[p.place_id], p.start or dt.date.min, p.id))


def _iter_evidence(scenario: Scenario, *, chunk: int) -> Iterator[dict[str, Any]]:
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    event_index = {e.id: i for i, e in enumerate(scenario.events)}
    count = _chunks(scenario, chunk)
    periods: list[dict[str, list[int]]] = [{} for _ in range(count)]
    at_place: list[dict[str, list[int]]] = [{} for _ in range(count)]
    notes: list[dict[str, str]] = [{} for _ in range(count)]
    for k, period in enumerate(_client_periods(scenario)):
        cited = [event_index[e] for e in period.event_ids if e in event_index]
        if cited:
            periods[place_index[period.place_id] // chunk][str(k)] = cited
    for i, place in enumerate(scenario.places):
        events = [event_index[e.id] for e in scenario.events_at(place.id)]
        if events:
            at_place[i // chunk][str(i)] = events
        if place.location_note:
            notes[i // chunk][str(i)] = place.location_note
    rank = {e.id: r for r, e in enumerate(scenario.events_until(dt.date.max))}
    sources = scenario.source_by_id
    for n in range(count):
        cited_events = {i for ids in periods[n].values() for i in ids} | {
            i for ids in at_place[n].values() for i in ids
        }
        payload = {}
        for i in sorted(cited_events):
            e = scenario.events[i]
            source = sources[e.source_id]
            dated, reported = evidence_dates(e, source)
            entry: dict[str, Any] = {
                "id": e.id,
                "date": e.date_label,
                "quote": e.quote,
                "publisher": source.publisher,
                "verification": e.verification_label,
                "rank": rank[e.id],
                "from": dated.toordinal(),
                "known": reported.toordinal(),
                "reported": reported_label(e, source),
            }
            if e.date_note and e.date_as_written:
                entry["as_written"], entry["date_note"] = e.date_as_written, e.date_note
            payload[str(i)] = entry
        yield {"events": payload, "periods": periods[n], "places": at_place[n], "notes": notes[n]}
