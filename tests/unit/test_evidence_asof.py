"""As of a day, a card shows what was reported by then (issue 8 item 2, issue 13 item 7).

The rule lives in :meth:`mapdata.model.timeline.Timeline.evidence`: an event dated after the day
is not yet evidence; one whose source was published after the day is kept, marked
"reported later (date)". Cards (both maps), snapshots and day exports follow it.
"""

from __future__ import annotations

import datetime as dt
import re

from evidence_vectors import vectors_scenario
from mapdata.exchange import export_rows
from mapdata.exchange.snapshot import snapshot_geojson
from mapdata.map.mapview import MapBuilder
from mapdata.model.load import load_scenario
from mapdata.model.timeline import Timeline, evidence_dates

SEED = load_scenario()
JUNE = dt.date(2018, 6, 1)


def _ids(timeline: Timeline, place: str, day: dt.date) -> list[tuple[str, bool]]:
    return [(ev.event.id, ev.later) for ev in timeline.evidence(timeline.state(place, day))]


def test_position_1_on_4_june_shows_only_what_happened_by_then_marked_as_reported_later() -> None:
    tl = Timeline(SEED)
    on_4th = tl.evidence(tl.state("qusayr_position_1", dt.date(2018, 6, 4)))
    assert [ev.event.id for ev in on_4th] == ["ev_russia_deploys_qusayr"]  # the handover (by 8 June) is not yet
    assert on_4th[0].later and on_4th[0].reported == dt.date(2018, 6, 8)
    assert on_4th[0].reported_label == "on or after 2018-06-08"  # the source's date is inferred
    # once the article is out, nothing is marked
    assert _ids(tl, "qusayr_position_1", dt.date(2018, 6, 7)) == [("ev_russia_deploys_qusayr", True)]
    assert _ids(tl, "qusayr_position_1", dt.date(2018, 6, 10)) == [("ev_division11_takeover", False)]


def test_the_server_card_marks_later_reports_and_leaves_out_later_events() -> None:
    builder = MapBuilder(SEED, client=False)
    card = builder.popup_html(builder.timeline.state("qusayr_position_1", dt.date(2018, 6, 4)))
    assert "Division 11" not in card
    assert re.findall(r'data-event="([^"]+)"', card) == ["ev_russia_deploys_qusayr"]
    assert "reported later (on or after 2018-06-08)" in card
    before = builder.popup_html(builder.timeline.state("qusayr_position_1", dt.date(2018, 6, 3)))
    assert "data-event" not in before  # every report of the positions is dated 4 June or later
    assert "Nothing dated by 2018-06-03 supports this yet" in before
    after = builder.popup_html(builder.timeline.state("qusayr_position_1", dt.date(2018, 6, 10)))
    assert "Division 11" in after and "reported later" not in after


def test_the_rule_on_every_kind_of_date() -> None:
    scenario = vectors_scenario()
    tl = Timeline(scenario)
    day = dt.date
    # the town: red holds (open start) until 7 June, blue present from the 4th, blue holds from the 8th
    assert _ids(tl, "town", day(2020, 5, 31)) == []  # red's period cites events dated later only
    assert _ids(tl, "town", day(2020, 6, 1)) == [("ev_red_takes", True)]  # inferred source: on or after 9 June
    assert _ids(tl, "town", day(2020, 6, 5)) == [("ev_red_takes", True), ("ev_blue_arrives", False)]  # printed 5 June
    assert _ids(tl, "town", day(2020, 6, 8)) == [("ev_blue_arrives", False), ("ev_red_leaves", False)]
    # the village has no periods: the events at it up to the day (a source with no date: known on its event's day)
    assert _ids(tl, "village", day(2020, 6, 1)) == [("ev_smoke", True)]  # month precision, inferred source
    assert _ids(tl, "village", day(2020, 6, 2)) == [("ev_smoke", True), ("ev_raid", False)]
    assert _ids(tl, "village", day(2020, 6, 9)) == [("ev_smoke", False), ("ev_raid", False)]
    assert _ids(tl, "village", day(2020, 6, 19))[-1] == ("ev_raid", False)
    assert _ids(tl, "village", day(2020, 6, 20))[-1] == ("ev_news", False)
    raid = scenario.event_by_id["ev_raid"]
    assert evidence_dates(raid, scenario.source_by_id["undated"]) == (day(2020, 6, 2), day(2020, 6, 2))


def test_snapshot_and_day_export_follow_the_rule() -> None:
    day = dt.date(2018, 6, 4)
    features = {f["id"]: f["properties"] for f in snapshot_geojson(SEED, day)["features"]}
    sources = features["qusayr_position_1"]["sources"]
    assert [s["event_id"] for s in sources] == ["ev_russia_deploys_qusayr"]
    assert sources[0]["reported_later"] is True and sources[0]["reported"] == "2018-06-08"
    rows = [props for props, _ in export_rows(SEED, day=day) if props["place_id"] == "qusayr_position_1"]
    # every cited event stays (the file imports back whole), marked by the as-of rule
    notes = {r.get("event_id"): r["as_of"] for r in rows if r.get("event_id")}
    assert notes["ev_division11_takeover"] == "dated after 2018-06-04: not yet evidence on that day"
    assert notes["ev_russia_deploys_qusayr"] == "reported later (on or after 2018-06-08)"
    # every period covering the day is listed
    assert {r["period_id"] for r in rows} == {
        p.id for p in SEED.periods if p.place_id == "qusayr_position_1" and p.covers(day)
    }
    later = [
        props for props, _ in export_rows(SEED, day=dt.date(2018, 6, 10)) if props["place_id"] == "qusayr_position_1"
    ]
    assert any(r.get("event_id") == "ev_division11_takeover" for r in later)
