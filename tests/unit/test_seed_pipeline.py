"""The seed scenario is the pipeline's reading of the article plus the reviewed analyst decisions."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt"


def _seed_module():
    spec = importlib.util.spec_from_file_location("seed_scenario", ROOT / "scripts" / "seed_scenario.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seed():
    module = _seed_module()
    decisions = module.load_decisions()
    text = ARTICLE.read_text(encoding="utf-8")
    extraction = module.run_pipeline(ROOT / "geodata", text, decisions)
    return module, decisions, text, extraction


def test_merge_reproduces_the_committed_events(seed) -> None:
    module, decisions, text, extraction = seed
    events, report = module.merge_events(text, extraction, decisions)
    assert events == json.loads((ROOT / "geodata" / "events.json").read_text(encoding="utf-8"))
    # the pipeline really contributes: the SOHR claim and the agreement's date/places come from it
    sohr = next(line for line in report if line.startswith("ev_refuse_dabaa"))
    assert "from the pipeline: date, date_precision, place_ids, force_ids, kind, verification, claimed_by" in sohr


def test_pipeline_resolves_the_article_dates_with_the_weekday_warning(seed) -> None:
    _, _, _, extraction = seed
    dates = {d.text: d for d in extraction.dates}
    assert dates["Monday, June 4"].date.isoformat() == "2018-06-04"
    friday = dates["Friday June 5"]
    assert "Tuesday" in friday.warning and "8 June 2018" in friday.warning
    assert all(d.date is not None for d in extraction.dates)


def test_a_place_not_in_the_sentence_needs_a_note(seed) -> None:
    module, decisions, text, extraction = seed
    changed = copy.deepcopy(decisions)
    agreement = next(e for e in changed["events"] if e["id"] == "ev_russia_israel_agreement")
    agreement["place_ids"] = ["al_dabaa_airport"]
    with pytest.raises(ValueError, match="not found in the sentence"):
        module.merge_events(text, extraction, changed)


def test_a_date_against_the_text_needs_a_note(seed) -> None:
    module, decisions, text, extraction = seed
    changed = copy.deepcopy(decisions)
    deploy = next(e for e in changed["events"] if e["id"] == "ev_russia_deploys_qusayr")
    deploy["date"] = "2018-06-05"
    with pytest.raises(ValueError, match="add a date_note"):
        module.merge_events(text, extraction, changed)
