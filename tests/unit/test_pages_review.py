"""A corrected proposal gets a summary written from its corrected fields (issue 8 item 4)."""

from __future__ import annotations

import datetime as dt

from mapdata.model.load import load_scenario
from mapdata.model.models import DatePrecision, Verification
from mapdata.text.events import describe_event
from mapdata.text.extract import extract
from mapdata.text.review import EventDecision, ReportMeta, apply_report, reviewed_summary

TEXT = "On Monday, June 4, 2018, Russian forces took over three positions in al-Qusayr."
META = ReportMeta(publisher="Test Wire", title="Russians at al-Qusayr", published=dt.date(2018, 6, 8))


def test_the_parser_summary_names_the_force_it_found() -> None:
    proposal = extract(TEXT, published=META.published).events[0]
    assert proposal.summary.startswith("russia take over")


def test_a_corrected_force_gets_a_new_summary_not_the_old_one() -> None:
    scenario = load_scenario()
    proposal = extract(TEXT, published=META.published).events[0]
    summary = reviewed_summary(proposed=proposal.summary, summary=proposal.summary, corrected=True)
    assert summary == ""
    decision = EventDecision(
        key=proposal.id,
        quote_start=proposal.start,
        quote_end=proposal.end,
        date=dt.date(2018, 6, 8),
        date_precision=DatePrecision.DAY,
        place_keys=("al_qusayr",),
        force_ids=("syrian_regime",),
        kind="takeover",
        summary=summary,
        verification=Verification.REPORTED,
    )
    result = apply_report(scenario, meta=META, text=TEXT, events=[decision])
    event = result.scenario.event_by_id[result.event_ids[0]]
    regime = scenario.force_by_id["syrian_regime"].name
    assert "russia" not in event.summary.lower()
    assert event.summary == f"{regime}: takeover at {scenario.place_by_id['al_qusayr'].name_en}, on 2018-06-08"


def test_the_analysts_own_summary_is_kept() -> None:
    assert (
        reviewed_summary(proposed="russia take over", summary="Regime retakes it", corrected=True)
        == "Regime retakes it"
    )
    assert (
        reviewed_summary(proposed="russia take over", summary="russia take over", corrected=False) == "russia take over"
    )


def test_describe_event_reads_the_date_precision() -> None:
    assert (
        describe_event(
            kind="deployment", forces=["A", "B"], places=["X"], date=dt.date(2018, 6, 1), precision=DatePrecision.MONTH
        )
        == "A and B: deployment at X, in June 2018"
    )
    assert describe_event(kind="", forces=[], places=[], date=None, precision=DatePrecision.DAY) == (
        "no force named: report at no place named, undated"
    )
