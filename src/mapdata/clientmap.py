"""The map for large scenarios: geometry and timeline go to the browser once, each step sends a date.

With thousands of places, re-sending every feature on every slider step (the
server-rendered path of :class:`mapdata.mapview.MapBuilder`) costs megabytes and
seconds. Here the scenario is published once as a static JSON file served by the app
(``static/cache/``, content-addressed, so browsers cache it), the browser builds one
canvas layer per place, applies the timeline itself (same rules as
:mod:`mapdata.timeline`) and restyles in place; a step sends only the day, the hidden
forces and the highlighted places.
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
    """Everything the browser needs: places, forces, periods (sorted by place) and their evidence."""
    place_index = {p.id: i for i, p in enumerate(scenario.places)}
    force_index = {f.id: i for i, f in enumerate(scenario.forces)}
    event_index = {e.id: i for i, e in enumerate(scenario.events)}
    periods = sorted(scenario.periods, key=lambda p: (place_index[p.place_id], p.start.toordinal() if p.start else -1))
    sources = scenario.source_by_id
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
        "events": [
            {"date": e.date_label, "quote": e.quote, "publisher": sources[e.source_id].publisher,
             "verification": e.verification_label}
            for e in scenario.events
        ],
        "styles": styles,
        "status_labels": {s.value: label for s, label in _status_labels().items()},
    }


def _status_labels() -> dict[Status, str]:
    from mapdata.mapview import STATUS_LABELS

    return STATUS_LABELS
