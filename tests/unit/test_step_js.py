"""The browser-side map's steps repaint only the places that may change (issue 14), and none is missed.

``changeEdges`` / ``changedBetween`` in ``static/mapdata/mapdata.js`` (run here in node on a
scenario published as the app does) list the places with a period starting, or ending the day
before, between two days. Every place whose state differs between the two days must be in the
list (else a drag would leave it painted as on an earlier day); the list stays small for a small
step; a step across most of the scenario asks for a full repaint instead (``null``).
The slider's value (microseconds from 1970, as Streamlit's date slider holds it) reads back
as the same day in Python's ordinal count.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from mapdata.synth import synth_scenario
from mapdata.testing import published_client_files, run_map_js

HARNESS = """
const b = input.bundle, index = card.indexPeriods(b), edges = card.changeEdges(b, index);
const look = (i, day) => { const s = card.stateAt(b, index, i, day); return [s.status, s.holder, s.present.join(",")].join("|"); };
const out = input.steps.map(([a, z]) => {
  const changed = [];
  for (let i = 0; i < b.places.length; i += 1) { if (look(i, a) !== look(i, z)) { changed.push(i); } }
  const listed = card.changedBetween(edges, a, z, b.places.length);
  return { changed: changed, listed: listed === null ? null : Array.from(listed) };
});
const days = input.sliders.map((us) => card.sliderDay({ value: String(us) }));
process.stdout.write(JSON.stringify({ steps: out, days: days }));
"""


def _bundle(tmp_path: Path) -> dict[str, Any]:
    bundle, _ = published_client_files(synth_scenario(400, 4000, 7), tmp_path)
    return bundle


def _run(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = run_map_js(HARNESS, payload)
    return result


def test_a_step_lists_every_place_that_changes_and_few_others(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    first, last = bundle["range"]
    rng = random.Random(3)
    steps = [(d, d + 1) for d in rng.sample(range(first, last), 60)]  # a key press
    steps += [(d + 1, d) for d in rng.sample(range(first, last), 30)]  # back a day
    steps += [(d, min(d + rng.randint(2, 40), last)) for d in rng.sample(range(first, last), 30)]  # a drag's frame
    steps += [(first, last), (last, first), (first, first)]
    sliders = [int((dt.datetime(2018, 6, 4, tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())]
    result = _run({"bundle": bundle, "steps": steps, "sliders": [s * 1_000_000 for s in sliders]})
    places = len(bundle["places"])
    small = []
    for (a, z), got in zip(steps, result["steps"], strict=True):
        if got["listed"] is None:  # most places may change: the map repaints them all
            assert abs(z - a) > 1, f"a one-day step from {a} to {z} asked for a full repaint"
            continue
        missed = set(got["changed"]) - set(got["listed"])
        assert not missed, f"step {a} -> {z}: places {sorted(missed)[:5]} change but are not repainted"
        assert len(got["listed"]) == len(set(got["listed"])), "a place listed twice"
        if abs(z - a) == 1:
            small.append(len(got["listed"]))
    assert result["steps"][-3]["listed"] is None  # the whole scenario: repaint all
    assert result["steps"][-1]["listed"] == []  # the same day: nothing to do
    assert max(small) < places / 4, f"a one-day step repaints {max(small)} of {places} places"
    assert sum(1 for s in result["steps"] if s["changed"]) > 50  # the test steps do change places
    assert result["days"] == [dt.date(2018, 6, 4).toordinal()]
