"""The "Add a report" review tables read back as decisions (issue 10: domain logic leaves the pages)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import Point, box

from mapdata.model.load import load_scenario
from mapdata.model.models import DatePrecision, PlaceKind, Role, Scenario, Verification
from mapdata.text import reviewtables
from mapdata.text.mentions import Candidate, Extraction, PlaceMention, ProposedEvent, ProposedPeriod
from mapdata.text.review import ReportMeta, ReviewError, apply_report
from mapdata.text.reviewtables import Decisions, event_labels, mention_key

SCENARIO = load_scenario()
QUSAYR = SCENARIO.place_by_id["al_qusayr"]
TEXT = (
    "On Monday, June 4, 2018, Russian forces took over three positions in al-Qusayr. "
    "On June 5, regime forces entered Talbiseh and Homs, and the western countryside of Homs."
)
SECOND = TEXT.index("On June 5")
ALT = Candidate("gn:talbiseh_2", "Talbisa", 35.1, 36.9, "military_site", "SY", 0.2)
AREA = box(36.3, 34.6, 36.6, 34.9)


def _mention(
    text: str,
    entry_id: str,
    name: str,
    lat: float,
    lon: float,
    kind: str = "town",
    *,
    place_id: str | None = None,
    geometry: Any = None,
    candidates: tuple[Candidate, ...] = (),
) -> PlaceMention:
    start = TEXT.index(text)
    return PlaceMention(
        text,
        start,
        start + len(text),
        entry_id,
        name,
        lat,
        lon,
        kind,
        0.9,
        place_id=place_id,
        geometry=geometry,
        country="SY",
        candidates=candidates,
    )


MENTIONS = (
    _mention("al-Qusayr", "gn:qusayr", "al-Qusayr", *QUSAYR.anchor, place_id="al_qusayr"),
    _mention(
        "Talbiseh",
        "gn:talbiseh",
        "Talbiseh",
        34.84,
        36.73,
        candidates=(Candidate("gn:talbiseh", "Talbiseh", 34.84, 36.73, "town", "SY", 0.8), ALT),
    ),
    _mention("Homs", "gn:homs", "Homs", *SCENARIO.place_by_id["homs"].anchor, place_id="homs"),
    _mention(
        "western countryside of Homs",
        "derived:west_270:gn:homs",
        "western countryside of Homs",
        34.75,
        36.45,
        "area",
        geometry=AREA,
    ),
)
EVENTS = (
    ProposedEvent(
        "cand_0",
        TEXT[: SECOND - 1],
        0,
        SECOND - 1,
        dt.date(2018, 6, 4),
        DatePrecision.DAY,
        MENTIONS[:1],
        ("russia",),
        "takeover",
        "russia take over at al-Qusayr",
        Verification.REPORTED,
        0.8,
        periods=(ProposedPeriod("al_qusayr", "russia", Role.CONTROL, dt.date(2018, 6, 4)),),
    ),
    ProposedEvent(
        "cand_1",
        TEXT[SECOND:],
        SECOND,
        len(TEXT),
        dt.date(2018, 6, 5),
        DatePrecision.DAY,
        MENTIONS[1:],
        ("syrian_regime",),
        "entry",
        "syrian_regime entry at Talbiseh",
        Verification.REPORTED,
        0.7,
        periods=(
            ProposedPeriod("gn:talbiseh", "syrian_regime", Role.PRESENCE, dt.date(2018, 6, 5)),
            ProposedPeriod("homs", "syrian_regime", Role.PRESENCE, dt.date(2018, 6, 5)),
        ),
    ),
)
EXTRACTION = Extraction(text=TEXT, published=dt.date(2018, 6, 6), places=MENTIONS, events=EVENTS)
LABELS = reviewtables.place_labels(SCENARIO, MENTIONS)
FORCES = reviewtables.force_names(SCENARIO)
REGIME = FORCES["syrian_regime"]


def label(key: str) -> str:
    return LABELS[key]


class Tables:
    """The three review tables as the page proposes them (only the columns read back), for a test to edit."""

    def __init__(self) -> None:
        self.places = [
            {
                "use": True,
                "resolved as": LABELS[mention_key(m)],
                "lat": round(m.lat, 5),
                "lon": round(m.lon, 5),
                "key": mention_key(m),
                "index": i,
            }
            for i, m in enumerate(MENTIONS)
        ]
        self.proposed = [
            {
                "accept": True,
                "event": event_labels(EVENTS)[e.id],
                "date": e.date,
                "precision": e.date_precision.value,
                "places": [LABELS[mention_key(m)] for m in e.place_mentions],
                "forces": [FORCES[f] for f in e.forces],
                "kind": e.kind,
                "summary": e.summary,
                "verification": e.verification.value,
                "claimed by": e.claimed_by,
                "id": e.id,
            }
            for e in EVENTS
        ]
        self.events = [dict(row) for row in self.proposed]
        keys = {"al_qusayr": "al_qusayr", "gn:talbiseh": "gaz:gn:talbiseh", "homs": "homs"}
        self.periods = [
            {
                "accept": True,
                "event": event_labels(EVENTS)[e.id],
                "place": LABELS[keys[p.place_id]],
                "force": FORCES[p.force],
                "role": p.role.value,
                "start": p.start,
                "end": p.end,
            }
            for e in EVENTS
            for p in e.periods
        ]
        self.moves: dict[int, tuple[float, float]] = {}

    def decide(self, scenario: Scenario = SCENARIO) -> Decisions:
        return reviewtables.decisions_from_tables(
            scenario,
            EXTRACTION,
            places=self.places,
            proposed_events=self.proposed,
            events=self.events,
            periods=self.periods,
            moves=self.moves,
        )


def test_accepted_proposals_become_decisions_with_ids_not_names() -> None:
    decisions = Tables().decide()
    first, second = decisions.events
    assert (first.key, first.date, first.place_keys, first.force_ids) == (
        "cand_0",
        dt.date(2018, 6, 4),
        ("al_qusayr",),
        ("russia",),
    )
    assert (first.quote_start, first.quote_end, first.summary) == (0, SECOND - 1, "russia take over at al-Qusayr")
    assert second.place_keys == ("gaz:gn:talbiseh", "homs", "gaz:derived:west_270:gn:homs")
    assert [(p.event_key, p.place_key, p.force_id, p.role) for p in decisions.periods] == [
        ("cand_0", "al_qusayr", "russia", Role.CONTROL),
        ("cand_1", "gaz:gn:talbiseh", "syrian_regime", Role.PRESENCE),
        ("cand_1", "homs", "syrian_regime", Role.PRESENCE),
    ]
    talbiseh, area = decisions.new_places  # the scenario's places are not new
    assert (talbiseh.key, talbiseh.kind) == ("gaz:gn:talbiseh", PlaceKind.TOWN)
    assert talbiseh.geometry_source == "gazetteer:gn:talbiseh"
    assert talbiseh.geometry.equals(Point(36.73, 34.84))
    assert (area.kind, area.geometry) == (PlaceKind.AREA, AREA)  # a spatial phrase keeps its area
    result = apply_report(
        SCENARIO,
        meta=ReportMeta(publisher="Test Wire", title="Qusayr"),
        text=TEXT,
        events=decisions.events,
        periods=decisions.periods,
        new_places=decisions.new_places,
    )
    assert len(result.event_ids) == 2 and len(result.period_ids) == 3 and len(result.place_ids) == 2


def test_unaccepted_events_and_their_periods_are_left_out() -> None:
    tables = Tables()
    tables.events[1]["accept"] = False
    tables.periods[0]["accept"] = False
    decisions = tables.decide()
    assert [d.key for d in decisions.events] == ["cand_0"]
    assert decisions.periods == ()  # the first one not accepted, the others belong to an event not accepted


def test_force_names_map_back_to_ids() -> None:
    tables = Tables()
    tables.events[0]["forces"] = [REGIME, FORCES["hezbollah"]]
    tables.periods[0]["force"] = FORCES["hezbollah"]
    decisions = tables.decide()
    assert decisions.events[0].force_ids == ("syrian_regime", "hezbollah")
    assert decisions.periods[0].force_id == "hezbollah"


@pytest.mark.parametrize(
    "field, value",
    [
        ("forces", [REGIME]),
        ("date", dt.date(2018, 6, 3)),
        ("precision", "month"),
        ("kind", "entry"),
        ("places", [label("homs")]),
    ],
)
def test_a_corrected_field_makes_a_new_summary(field: str, value: Any) -> None:
    tables = Tables()
    tables.events[0][field] = value
    assert tables.decide().events[0].summary == ""  # apply_report writes it from the corrected fields
    tables.events[0]["summary"] = "Regime forces hold al-Qusayr"
    assert tables.decide().events[0].summary == "Regime forces hold al-Qusayr"  # the analyst's own is kept


def test_cells_as_a_data_frame_gives_them_are_not_corrections() -> None:
    tables = Tables()
    tables.events[0] |= {"date": pd.Timestamp("2018-06-04"), "forces": pd.Series([FORCES["russia"]]).to_numpy()}
    decision = tables.decide().events[0]
    assert (decision.summary, decision.date, decision.force_ids) == (
        "russia take over at al-Qusayr",
        dt.date(2018, 6, 4),
        ("russia",),
    )
    same = reviewtables.same_cell
    assert same(None, math.nan) and same(pd.NaT, None) and same(None, [])
    assert same(dt.date(2018, 6, 4), pd.Timestamp("2018-06-04")) and not same(dt.date(2018, 6, 4), "2018-06-04")


def test_a_mention_not_used_is_dropped_from_events_and_periods() -> None:
    tables = Tables()
    tables.places[2]["use"] = False  # Homs
    decisions = tables.decide()
    assert decisions.events[1].place_keys == ("gaz:gn:talbiseh", "gaz:derived:west_270:gn:homs")
    assert [p.place_key for p in decisions.periods] == ["al_qusayr", "gaz:gn:talbiseh"]
    tables.places[1]["use"] = False  # Talbiseh: not a new place either
    assert [p.key for p in tables.decide().new_places] == ["gaz:derived:west_270:gn:homs"]


def test_a_reading_still_used_by_another_mention_stays() -> None:
    tables = Tables()
    tables.places.append(dict(tables.places[2], use=False, index=4))  # a second mention of Homs, not a place
    assert tables.decide().events[1].place_keys == ("gaz:gn:talbiseh", "homs", "gaz:derived:west_270:gn:homs")


@pytest.mark.parametrize("how", ["map", "coordinates"])
def test_a_moved_marker_makes_a_manual_point_place(how: str) -> None:
    tables = Tables()
    if how == "map":
        tables.moves[0] = (34.6, 36.6)
    else:
        tables.places[0] |= {"lat": 34.6, "lon": 36.6}
    decisions = tables.decide()
    (moved,) = [p for p in decisions.new_places if p.key == "manual:0"]
    assert (moved.name_en, moved.name_ar, moved.kind) == ("al-Qusayr", "القصير", PlaceKind.TOWN)
    assert (moved.geometry_source, moved.location_note) == ("analyst", "position set by the analyst")
    assert moved.geometry.equals(Point(36.6, 34.6))
    assert decisions.events[0].place_keys == ("manual:0",)
    assert decisions.periods[0].place_key == "manual:0"


def test_choosing_another_reading() -> None:
    tables = Tables()
    tables.places[1]["resolved as"] = label("gaz:gn:talbiseh_2")
    decisions = tables.decide()
    chosen = decisions.new_places[0]
    assert (chosen.key, chosen.name_en, chosen.kind) == ("gaz:gn:talbiseh_2", "Talbisa", PlaceKind.MILITARY_SITE)
    assert chosen.geometry.equals(Point(ALT.lon, ALT.lat))  # the chosen reading's own position
    assert chosen.geometry_source == "gazetteer:gn:talbiseh_2"
    assert decisions.events[1].place_keys[0] == "gaz:gn:talbiseh_2"  # events and periods follow the choice
    assert decisions.periods[1].place_key == "gaz:gn:talbiseh_2"
    tables.places[1]["resolved as"] = label("homs")  # a place of the scenario: nothing new
    decisions = tables.decide()
    assert "gaz:gn:talbiseh" not in {p.key for p in decisions.new_places}
    assert decisions.events[1].place_keys[0] == "homs"


@pytest.mark.parametrize("empty", [None, math.nan, pd.NaT, ""])
def test_an_accepted_event_without_a_date_is_refused(empty: Any) -> None:
    tables = Tables()
    tables.events[1]["date"] = empty
    with pytest.raises(ReviewError, match=r"^Event 2: field 'date' is empty: give a date before saving$"):
        tables.decide()
    tables.events[1]["accept"] = False
    assert [d.key for d in tables.decide().events] == ["cand_0"]


def test_a_date_that_is_no_date_is_named() -> None:
    tables = Tables()
    tables.periods[0]["start"] = "soon"
    with pytest.raises(ReviewError, match=r"period of Event 1: field 'start': 'soon' is not a date"):
        tables.decide()
    tables.periods[0]["start"] = "2018-06-02"
    assert tables.decide().periods[0].start == dt.date(2018, 6, 2)


def test_labels_are_names_and_distinct() -> None:
    assert label("al_qusayr") == "al-Qusayr · القصير (in the scenario)"
    assert label("gaz:gn:talbiseh") == "Talbiseh (new town, Syria)"
    assert label("gaz:gn:talbiseh_2") == "Talbisa (other reading: military site, Syria)"
    assert label("gaz:derived:west_270:gn:homs") == "western countryside of Homs (new area drawn from gn:homs)"
    assert len(set(LABELS.values())) == len(LABELS)
    assert event_labels(EVENTS) == {"cand_0": "Event 1", "cand_1": "Event 2"}


def test_periods_follow_the_force_place_and_date_corrected_on_their_event() -> None:
    """Issue 12 item 7: what the analyst changes on the event is what its periods say."""
    tables = Tables()
    tables.events[0] |= {"forces": [REGIME], "date": dt.date(2018, 6, 5)}
    decisions = tables.decide()
    first = [p for p in decisions.periods if p.event_key == tables.events[0]["id"]]
    assert [(p.force_id, p.start) for p in first] == [("syrian_regime", dt.date(2018, 6, 5))]
    assert decisions.events[0].summary == ""  # written afresh from the corrected fields when saved


def test_a_force_removed_from_its_event_takes_its_periods_with_it() -> None:
    tables = Tables()
    tables.events[0]["forces"] = []
    assert [p for p in tables.decide().periods if p.event_key == tables.events[0]["id"]] == []


def test_a_period_the_analyst_changed_keeps_what_they_wrote() -> None:
    tables = Tables()
    tables.events[0]["forces"] = [REGIME]
    tables.periods[0]["force"] = FORCES["hezbollah"]
    assert tables.decide().periods[0].force_id == "hezbollah"
