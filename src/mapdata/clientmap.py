"""The map for large scenarios: geometry and timeline go to the browser once, each step sends a date.

With thousands of places, re-sending every feature on every slider step (the
server-rendered path of :class:`mapdata.mapview.MapBuilder`) costs megabytes and
seconds. Here the scenario is published once as a static JSON file served by the app
(``static/cache/``, content-addressed, so browsers cache it), the browser builds one
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

import hashlib
import json
from pathlib import Path
from typing import Any

from mapdata.geometry import geometry_json
from mapdata.models import Role, Scenario, Status

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
CACHE_DIR = "cache"
ROLE_CODES = {Role.CONTROL: 1, Role.CONTESTED: 2, Role.PRESENCE: 3}
NO_DAY_BEFORE = -1  # open start
NO_DAY_AFTER = 10**7  # open end
EVIDENCE_CHUNK = 250  # places per evidence file (about half a megabyte with ten reports a place)


def publish_json(payload: Any, *, prefix: str, static_dir: Path = STATIC_DIR) -> str:
    """Write ``payload`` as ``static/cache/<prefix>-<digest>.json`` (once) and return its path under static/."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    name = f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.json"
    folder = static_dir / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return f"{CACHE_DIR}/{name}"


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
    }


def client_evidence(scenario: Scenario, *, chunk: int = EVIDENCE_CHUNK) -> list[dict[str, Any]]:
    """The popups' evidence, one payload per ``chunk`` places (scenario order).

    Chunk ``k`` covers places ``k * chunk`` up to ``(k + 1) * chunk``: ``events`` maps the
    index (in :func:`client_bundle`'s ``periods.event``) of every event their periods
    cite to its date, quote, publisher and verification.
    """
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    event_index = {e.id: i for i, e in enumerate(scenario.events)}
    cited: list[set[int]] = [set() for _ in range(max(1, -(-len(scenario.places) // chunk)))]
    for period in scenario.periods:
        if period.event_ids and period.event_ids[0] in event_index:
            cited[place_index[period.place_id] // chunk].add(event_index[period.event_ids[0]])
    sources, events = scenario.source_by_id, scenario.events
    out = []
    for indices in cited:
        payload = {}
        for i in sorted(indices):
            e = events[i]
            payload[str(i)] = {"date": e.date_label, "quote": e.quote, "publisher": sources[e.source_id].publisher,
                               "verification": e.verification_label}
        out.append({"events": payload})
    return out


def _status_labels() -> dict[Status, str]:
    from mapdata.mapview import STATUS_LABELS

    return STATUS_LABELS
