"""The browser's timeline and cards against Python's, on shared test vectors (issue 10, issue 8 item 3).

The files the browser-side map fetches are published as the app does (``MapBuilder`` with a
cache folder), then ``static/mapdata/mapdata.js`` runs in node on them: for the same scenario
and days it must give the same states as :class:`mapdata.model.timeline.Timeline`, the same evidence
as ``Timeline.evidence`` (ids, order and "reported later" marks) and a card with the same text
as the server's ``MapBuilder.popup_html``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest

from evidence_vectors import DAYS, vectors_scenario
from mapdata.map.clientmap import EVIDENCE_CHUNK
from mapdata.map.mapview import MapBuilder
from mapdata.model.load import load_scenario
from mapdata.model.models import Scenario
from mapdata.synth import synth_scenario
from mapdata.testing import published_client_files, run_map_js

HARNESS = """
const b = input.bundle, index = card.indexPeriods(b);
const out = input.cases.map(([i, day]) => {
  const st = card.stateAt(b, index, i, day);
  const chunk = input.chunks[Math.floor(i / b.evidence.places_per_file)];
  return {
    status: st.status, force: st.holder >= 0 ? b.forces[st.holder].id : null,
    present: st.present.map((k) => b.forces[k].id), since: st.since,
    evidence: card.evidenceOf(chunk, i, st, day).map((e) => [e.event.id, e.later]),
    card: card.cardHtml(b, i, st, day, chunk),
  };
});
process.stdout.write(JSON.stringify(out));
"""


def _text(card: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card)).split())


def _published(scenario: Scenario, tmp_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The scenario's file and evidence files, as the app publishes them (read back from disk)."""
    return published_client_files(scenario, tmp_path)


def _node(bundle: dict[str, Any], chunks: list[dict[str, Any]], cases: list[tuple[int, int]]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = run_map_js(HARNESS, {"bundle": bundle, "chunks": chunks, "cases": cases})
    return result


def _check(scenario: Scenario, days: list[dt.date], tmp_path: Path) -> int:
    bundle, chunks = _published(scenario, tmp_path)
    builder = MapBuilder(scenario, client=False)
    timeline = builder.timeline
    cases = [(i, day) for i in range(len(scenario.places)) for day in days]
    got = _node(bundle, chunks, [(i, day.toordinal()) for i, day in cases])
    compared = 0
    for (i, day), js in zip(cases, got, strict=True):
        state = timeline.state(scenario.places[i].id, day)
        where = f"{scenario.places[i].id} on {day}"
        assert (js["status"], js["force"], js["present"]) == (
            state.status.value,
            state.force,
            list(state.forces_present),
        ), where
        assert js["since"] == (state.since.toordinal() if state.since else None), where
        assert js["evidence"] == [[ev.event.id, ev.later] for ev in timeline.evidence(state)], where
        assert _text(js["card"]) == _text(builder.popup_html(state)), where
        compared += 1
    return compared


def test_seed_scenario_every_place_every_day(tmp_path: Path) -> None:
    scenario = load_scenario()
    first, last = scenario.date_range
    days = [first + dt.timedelta(days=n) for n in range(-2, (last - first).days + 3)]
    assert _check(scenario, days, tmp_path) == len(scenario.places) * len(days)


def test_vectors_scenario(tmp_path: Path) -> None:
    scenario = vectors_scenario()
    assert _check(scenario, list(DAYS), tmp_path) == len(scenario.places) * len(DAYS)


@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_scenario_across_chunks(tmp_path: Path, seed: int) -> None:
    scenario = synth_scenario(EVIDENCE_CHUNK + 40, 900, seed)  # two evidence files
    first, last = scenario.date_range
    changes = sorted({p.start for p in scenario.periods if p.start} | {p.end for p in scenario.periods if p.end})
    days = [first - dt.timedelta(days=1), last + dt.timedelta(days=1)] + changes[:: max(1, len(changes) // 12)]
    assert _check(scenario, days, tmp_path) == len(scenario.places) * len(days)
