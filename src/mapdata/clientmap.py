"""The map for large scenarios: geometry and timeline go to the browser once, each step sends a date.

With thousands of places, re-sending every feature on every slider step (the
server-rendered path of :class:`mapdata.mapview.MapBuilder`) costs megabytes and
seconds. Here the scenario is published once as a static JSON file served by the app
(``static/cache/``, content-addressed and gzipped, so browsers cache it), the browser builds one
canvas layer per place, applies the timeline itself (same rules as
:mod:`mapdata.timeline`) and restyles in place; a step sends only the day, the hidden
forces and the highlighted places.

The map's file holds what the first paint needs (places, forces, periods). The evidence
(each event's quote, publisher, date and verification: most of the bytes) is split by
place into chunks of ``EVIDENCE_CHUNK`` places; the browser fetches a chunk when a popup
in it first opens, so no step or first paint ever waits for it, and an edit rewrites
only the chunks it touches.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from mapdata.geometry import geometry_json
from mapdata.models import Role, Scenario, Status

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
CACHE_DIR = "cache"
ROLE_CODES = {Role.CONTROL: 1, Role.CONTESTED: 2, Role.PRESENCE: 3}
NO_DAY_BEFORE = -1  # open start
NO_DAY_AFTER = 10**7  # open end
EVIDENCE_CHUNK = 250  # places per evidence file (about half a megabyte with ten reports a place)
EVIDENCE_DELAY_S = 2.0  # keyed evidence files are written this long after the map's own files


def publish_json(payload: Any, *, prefix: str, static_dir: Path = STATIC_DIR) -> str:
    """Write ``payload`` as ``static/cache/<prefix>-<digest>.json.gz`` (once) and return its path under static/.

    Compressed once here: Streamlit would otherwise gzip the file again on every request,
    at level 9 (a second per request for a 5 MB scenario). Served as ``application/gzip``,
    it is inflated in the page (``DecompressionStream``; see ``fetchJson`` in mapdata.js).
    """
    data = _json_bytes(payload)
    name = f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.json.gz"
    _write_once(static_dir / CACHE_DIR / name, data)
    return f"{CACHE_DIR}/{name}"


def read_published(path: Path) -> Any:
    """A published file's payload (for tests and benchmarks)."""
    return json.loads(gzip.decompress(Path(path).read_bytes()))


def publish_evidence(scenario: Scenario, *, key: str | None = None, chunk: int = EVIDENCE_CHUNK,
                     static_dir: Path = STATIC_DIR, delay: float = EVIDENCE_DELAY_S
                     ) -> tuple[list[str], threading.Thread | None]:
    """The popups' evidence files (paths under static/, one per ``chunk`` places), and the thread writing them.

    Without ``key`` they are content-addressed and written now. With ``key`` (one per
    version of the data, e.g. from the store's location and revision) they are named by it
    and written by a background thread, ``delay`` seconds later, so the first map does
    not wait for them; the browser retries a file that is not there yet.
    """
    if key is None:
        return [publish_json(payload, prefix="evidence", static_dir=static_dir)
                for payload in client_evidence(scenario, chunk=chunk)], None
    names = [f"{CACHE_DIR}/evidence-{key}-{k}.json.gz" for k in range(_chunks(scenario, chunk))]
    if all((static_dir / name).exists() for name in names):
        return names, None

    def write() -> None:
        time.sleep(delay)  # after the first map has gone out: it needs the server more
        for name, payload in zip(names, _iter_evidence(scenario, chunk=chunk)):
            _write_once(static_dir / name, _json_bytes(payload))
            time.sleep(0.002)  # let the server's own threads (the first page view) run in between

    thread = threading.Thread(target=write, name="mapdata-evidence", daemon=True)
    thread.start()
    return names, thread


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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
    """What the browser needs to draw and restyle: places, forces and periods (sorted by place).

    ``periods.event`` indexes :func:`client_evidence`'s ``events`` (scenario order).
    """
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    force_index = {f.id: i for i, f in enumerate(scenario.forces)}
    event_index = {e.id: i for i, e in enumerate(scenario.events)}
    periods = sorted(scenario.periods, key=lambda p: (place_index[p.place_id], p.start.toordinal() if p.start else -1))
    return {
        "forces": [{"id": f.id, "name": f.name, "colour": f.colour} for f in scenario.forces],
        "places": [
            {"id": p.id, "name": p.name_en, "ar": p.name_ar, "kind": p.kind.value, "g": geometry_json(p.geometry),
             "u": p.uncertainty_m}
            for p in scenario.places
        ],
        "periods": {
            "place": [place_index[p.place_id] for p in periods],
            "force": [force_index[p.force_id] for p in periods],
            "role": [ROLE_CODES[p.role] for p in periods],
            "start": [p.start.toordinal() if p.start else NO_DAY_BEFORE for p in periods],
            "end": [p.end.toordinal() if p.end else NO_DAY_AFTER for p in periods],
            "event": [event_index.get(p.event_ids[0], -1) if p.event_ids else -1 for p in periods],
        },
        "styles": styles,
        "status_labels": {s.value: label for s, label in _status_labels().items()},
        "range": [scenario.date_range[0].toordinal(), scenario.date_range[1].toordinal()],
    }


def client_evidence(scenario: Scenario, *, chunk: int = EVIDENCE_CHUNK) -> list[dict[str, Any]]:
    """The popups' evidence, one payload per ``chunk`` places (scenario order).

    Chunk ``k`` covers places ``k * chunk`` up to ``(k + 1) * chunk``: ``events`` maps the
    index (in :func:`client_bundle`'s ``periods.event``) of every event their periods
    cite to its date, quote, publisher and verification.
    """
    return list(_iter_evidence(scenario, chunk=chunk))


def _chunks(scenario: Scenario, chunk: int) -> int:
    """How many evidence files: one per ``chunk`` places, at least one."""
    return max(1, -(-len(scenario.places) // chunk))


def _iter_evidence(scenario: Scenario, *, chunk: int) -> Iterator[dict[str, Any]]:
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    event_index = {e.id: i for i, e in enumerate(scenario.events)}
    cited: list[set[int]] = [set() for _ in range(_chunks(scenario, chunk))]
    for period in scenario.periods:
        if period.event_ids and period.event_ids[0] in event_index:
            cited[place_index[period.place_id] // chunk].add(event_index[period.event_ids[0]])
    sources, events = scenario.source_by_id, scenario.events
    for indices in cited:
        payload = {}
        for i in sorted(indices):
            e = events[i]
            payload[str(i)] = {"date": e.date_label, "quote": e.quote, "publisher": sources[e.source_id].publisher,
                               "verification": e.verification_label}
        yield {"events": payload}


def _status_labels() -> dict[Status, str]:
    from mapdata.mapview import STATUS_LABELS

    return STATUS_LABELS
