"""Write a :class:`Scenario` back to the open-file format (``docs/data-format.md``): ``mapdata store dump``.

A team's store written out as a folder can be kept under version control, read by other tools, or
seed another store (``mapdata store init --seed FOLDER``). ``save_scenario`` writes it safely: the
new files go into a sibling folder, which is loaded and validated in full and only then swapped in;
if anything fails, the old folder (if any) is untouched.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mapdata.model.geometry import geometry_json
from mapdata.model.load import (
    BASEMAP_DIR,
    EVENTS_FILE,
    FORCES_FILE,
    PERIOD_COLUMNS,
    PERIODS_FILE,
    PLACES_FILE,
    SCENARIO_FILE,
    SOURCES_FILE,
    load_scenario,
)
from mapdata.model.models import ControlPeriod, Event, Force, Place, Scenario, Source


def force_record(force: Force) -> dict[str, Any]:
    return {"id": force.id, "name": force.name, "colour": force.colour, "aliases": list(force.aliases)}


def place_feature(place: Place) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": place.id,
        "properties": {
            "id": place.id,
            "name_en": place.name_en,
            "name_ar": place.name_ar,
            "aliases": list(place.aliases),
            "kind": place.kind.value,
            "uncertainty_m": place.uncertainty_m,
            "location_note": place.location_note,
            "geometry_source": place.geometry_source,
        },
        "geometry": geometry_json(place.geometry),
    }


def source_record(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "publisher": source.publisher,
        "title": source.title,
        "published": source.published.isoformat() if source.published else None,
        "published_inferred": source.published_inferred.isoformat() if source.published_inferred else None,
        "published_basis": source.published_basis,
        "url": source.url,
        "language": source.language,
        "text_file": source.text_file,
        "licence": source.licence,
    }


def event_record(event: Event) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": event.id,
        "date": event.date.isoformat(),
        "date_precision": event.date_precision.value,
        "place_ids": list(event.place_ids),
        "force_ids": list(event.force_ids),
        "kind": event.kind,
        "summary": event.summary,
        "source_id": event.source_id,
        "quote": event.quote,
        "quote_start": event.quote_start,
        "quote_end": event.quote_end,
        "verification": event.verification.value,
    }
    for name in ("claimed_by", "verification_note", "date_as_written", "date_note"):
        if getattr(event, name):
            record[name] = getattr(event, name)
    return record


def periods_csv(periods: tuple[ControlPeriod, ...] | list[ControlPeriod]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PERIOD_COLUMNS)
    for p in periods:
        writer.writerow(
            (
                p.id,
                p.place_id,
                p.force_id,
                p.role.value,
                p.start.isoformat() if p.start else "",
                p.end.isoformat() if p.end else "",
                ";".join(p.event_ids),
                ";".join(p.source_ids),
                p.note,
            )
        )
    return buffer.getvalue()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write_scenario(scenario: Scenario, folder: Path) -> None:
    """Write every file of ``scenario`` into ``folder`` (which must exist)."""
    meta: dict[str, Any] = {
        "title": scenario.title,
        "description": scenario.description,
        "view": {"center": list(scenario.view_center), "zoom": scenario.view_zoom},
    }
    if scenario.date_start or scenario.date_end:
        meta["dates"] = {
            "start": scenario.date_start.isoformat() if scenario.date_start else None,
            "end": scenario.date_end.isoformat() if scenario.date_end else None,
        }
    if scenario.attribution:
        meta["attribution"] = list(scenario.attribution)
    (folder / SCENARIO_FILE).write_text(_json(meta), encoding="utf-8")
    (folder / FORCES_FILE).write_text(_json([force_record(f) for f in scenario.forces]), encoding="utf-8")
    places = {"type": "FeatureCollection", "features": [place_feature(p) for p in scenario.places]}
    (folder / PLACES_FILE).write_text(_json(places), encoding="utf-8")
    (folder / SOURCES_FILE).write_text(_json([source_record(s) for s in scenario.sources]), encoding="utf-8")
    for source in scenario.sources:
        path = folder / source.text_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.text, encoding="utf-8")
    (folder / EVENTS_FILE).write_text(_json([event_record(e) for e in scenario.events]), encoding="utf-8")
    (folder / PERIODS_FILE).write_text(periods_csv(scenario.periods), encoding="utf-8")
    if scenario.basemap:
        (folder / BASEMAP_DIR).mkdir(exist_ok=True)
        for name, data in scenario.basemap.items():
            path = folder / BASEMAP_DIR / f"{name}.geojson"
            if not path.exists():
                path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def save_scenario(scenario: Scenario, folder: Path) -> Scenario:
    """Replace the scenario in ``folder`` with ``scenario``, all or nothing.

    Files in the folder that the format does not cover (a gazetteer, lexicons, notes)
    are kept. Raises :class:`mapdata.model.errors.ScenarioError` if the result would not
    validate; the folder is then unchanged.
    """
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-new-", dir=folder.parent))
    try:
        if folder.exists():
            shutil.copytree(folder, staging, dirs_exist_ok=True)
        write_scenario(scenario, staging)
        saved = load_scenario(staging)  # full validation of what would be swapped in
        if not folder.exists():
            os.replace(staging, folder)
            return saved
        backup = folder.parent / f".{folder.name}-old-{os.getpid()}"
        os.replace(folder, backup)
        try:
            os.replace(staging, folder)
        except OSError:
            os.replace(backup, folder)
            raise
        shutil.rmtree(backup, ignore_errors=True)
        return saved
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
