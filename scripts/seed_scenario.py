"""The seed scenario, regenerated from the article by the text pipeline plus analyst decisions.

``scripts/seed_decisions.json`` is the small, reviewed file of decisions. For every
event it names the supporting quote; the script runs the offline pipeline
(:mod:`mapdata.text.extract`) on the article and takes each field of the event from the
pipeline's proposal for the sentence that contains the quote (date, precision,
places, forces, kind, verification), except where the decisions give the field —
those are the analyst's corrections. Guards keep the two honest:

- a place the pipeline did not find in the sentence must come with a ``place_note``;
- a date that differs from the pipeline's must come with a ``date_note``;
- the quote must occur exactly once in the article (its offsets are computed here).

Control periods are the analyst's reading of the events (``periods`` in the file).
``--report`` prints, per event, which fields came from the pipeline and which from
the analyst.

Called by ``scripts/build_geodata.py`` (after places.geojson and the gazetteer are
written); also runnable alone: ``python scripts/seed_scenario.py --out geodata``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DECISIONS = HERE / "seed_decisions.json"
PERIOD_COLUMNS = ("id", "place_id", "force_id", "role", "start", "end", "event_ids", "source_ids", "note")
EVENT_FIELDS = (
    "date",
    "date_precision",
    "place_ids",
    "force_ids",
    "kind",
    "summary",
    "verification",
    "claimed_by",
    "verification_note",
)


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def load_decisions(path: Path = DECISIONS) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def run_pipeline(out_dir: Path, text: str, decisions: dict[str, Any]):  # -> mapdata.text.mentions.Extraction
    """The pipeline's reading of the article, with the places and forces of this scenario."""
    from mapdata.model.load import read_places
    from mapdata.model.models import Force, Scenario
    from mapdata.text.extract import Pipeline

    forces = tuple(
        Force(id=f["id"], name=f["name"], colour=f["colour"], aliases=tuple(f["aliases"])) for f in decisions["forces"]
    )
    places = read_places(out_dir / "places.geojson")
    scenario = Scenario(
        title=decisions["scenario"]["title"], forces=forces, places=places, sources=(), events=(), periods=()
    )
    gazetteer = out_dir / "gazetteer" / "gazetteer.json"
    actions = out_dir / "lexicon" / "actions.json"  # hand-authored: not rebuilt, so fall back to the repo's
    pipeline = Pipeline.build(
        scenario,
        gazetteer_path=gazetteer if gazetteer.exists() else None,
        actions_path=actions if actions.exists() else HERE.parent / "geodata" / "lexicon" / "actions.json",
    )
    published = dt.date.fromisoformat(decisions["published_for_pipeline"])
    return pipeline.extract(text, published=published)


def merge_events(text: str, extraction: Any, decisions: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Events from pipeline proposals plus decisions; and a line per event saying where each field came from."""
    source_id = decisions["source"]["id"]
    events, report = [], []
    for decision in decisions["events"]:
        quote = decision["quote"]
        start = text.find(quote)
        if start < 0 or text.find(quote, start + 1) >= 0:
            raise ValueError(f"event {decision['id']}: the quote must occur exactly once in the article: {quote!r}")
        end = start + len(quote)
        proposal = next((p for p in extraction.events if p.start <= start and end <= p.end), None)
        found: dict[str, Any] = {}
        if proposal is not None:
            found = {
                "date": proposal.date.isoformat() if proposal.date else None,
                "date_precision": proposal.date_precision.value,
                "place_ids": [m.place_id for m in proposal.place_mentions if m.place_id],
                "force_ids": list(proposal.forces),
                "kind": proposal.kind,
                "summary": proposal.summary,
                "verification": proposal.verification.value,
                "claimed_by": proposal.claimed_by,
                "verification_note": proposal.verification_note,
            }
        in_sentence = {
            m.place_id
            for m in extraction.places
            if m.place_id and (proposal.start if proposal else start) <= m.start < (proposal.end if proposal else end)
        }
        event: dict[str, Any] = {"id": decision["id"]}
        origin = {}
        for name in EVENT_FIELDS:
            if name in decision:
                event[name], origin[name] = decision[name], "analyst"
            elif found.get(name) not in (None, "", []):
                event[name], origin[name] = found[name], "pipeline"
        missing = [
            name
            for name in ("date", "date_precision", "place_ids", "force_ids", "kind", "summary", "verification")
            if name not in event
        ]
        if missing:
            raise ValueError(f"event {decision['id']}: no proposal gives {', '.join(missing)}; decide them")
        unfound = [p for p in event["place_ids"] if p not in in_sentence]
        if unfound and not decision.get("place_note"):
            raise ValueError(
                f"event {decision['id']}: places {unfound} are not found in the sentence; add a place_note"
            )
        if (
            origin.get("date") == "analyst"
            and found.get("date") not in (None, event["date"])
            and not decision.get("date_note")
        ):
            raise ValueError(
                f"event {decision['id']}: date {event['date']} differs from the text's {found['date']}; add a date_note"
            )
        for name in ("date_as_written", "date_note"):
            if decision.get(name):
                event[name] = decision[name]
        event.update({"source_id": source_id, "quote": quote, "quote_start": start, "quote_end": end})
        ordered = {
            key: event[key]
            for key in (
                "id",
                "date",
                "date_precision",
                "date_as_written",
                "date_note",
                "place_ids",
                "force_ids",
                "kind",
                "summary",
                "quote",
                "verification",
                "claimed_by",
                "verification_note",
                "source_id",
                "quote_start",
                "quote_end",
            )
            if event.get(key) not in (None, "")
        }
        events.append(ordered)
        pipeline_fields = [n for n, o in origin.items() if o == "pipeline"]
        report.append(
            f"{decision['id']}: proposal {proposal.id if proposal else '(none)'}; from the pipeline: "
            f"{', '.join(pipeline_fields) or '-'}; decided by the analyst: "
            f"{', '.join(n for n, o in origin.items() if o == 'analyst') or '-'}"
            + (f"; places not in the sentence: {', '.join(unfound)}" if unfound else "")
        )
    return events, report


def periods_csv(periods: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PERIOD_COLUMNS)
    for p in periods:
        writer.writerow(
            (p["id"], p["place_id"], p["force_id"], p["role"], p["start"], p["end"], p["event_ids"], "", p["note"])
        )
    return buffer.getvalue()


def write_scenario(out_dir: Path, *, article_path: Path, report: bool = False) -> list[str]:
    """Write scenario.json, forces.json, sources.json (+ text), events.json and control_periods.csv."""
    decisions = load_decisions()
    text = article_path.read_text(encoding="utf-8")
    source = decisions["source"]
    (out_dir / source["text_file"]).parent.mkdir(parents=True, exist_ok=True)
    (out_dir / source["text_file"]).write_text(text, encoding="utf-8")
    (out_dir / "scenario.json").write_text(_dump_json(decisions["scenario"]), encoding="utf-8")
    (out_dir / "forces.json").write_text(_dump_json(decisions["forces"]), encoding="utf-8")
    (out_dir / "sources.json").write_text(_dump_json([source]), encoding="utf-8")
    events, lines = merge_events(text, run_pipeline(out_dir, text, decisions), decisions)
    (out_dir / "events.json").write_text(_dump_json(events), encoding="utf-8")
    (out_dir / "control_periods.csv").write_text(periods_csv(decisions["periods"]), encoding="utf-8")
    if report:
        print("\n".join(lines))
    return lines


def main() -> None:
    root = HERE.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "geodata")
    parser.add_argument("--article", type=Path, default=root / "geodata" / "raw" / "seed" / "article.txt")
    parser.add_argument("--report", action="store_true", help="say where each event field came from")
    args = parser.parse_args()
    write_scenario(args.out, article_path=args.article, report=args.report)


if __name__ == "__main__":
    main()
