"""Shared test vectors for the as-of evidence rule: a small scenario covering every case of
:func:`mapdata.model.timeline.evidence_dates` (printed, inferred and no publication date; an event
dated after the day; month precision; a date note; a place with no periods; an open start)."""

from __future__ import annotations

import datetime as dt

from mapdata.model.models import DatePrecision, Role, Scenario
from mapdata.testing import make_event, make_period, make_place, make_scenario, make_source

TEXT = "Red took the town. Blue arrived. Red left. A raid nearby. Smoke in June. Later news."
PRINTED = make_source("printed", text=TEXT, published=dt.date(2020, 6, 5))
INFERRED = make_source("inferred", text=TEXT, publisher="Inferred Daily", published_inferred=dt.date(2020, 6, 9))
UNDATED = make_source("undated", text=TEXT, publisher="No Date Weekly")

EVENTS = (
    make_event("ev_red_takes", "2020-06-01", ["town"], ["red"], source=INFERRED, quote="Red took the town."),
    make_event("ev_blue_arrives", "2020-06-04", ["town"], ["blue"], source=PRINTED, quote="Blue arrived."),
    make_event(
        "ev_red_leaves",
        "2020-06-08",
        ["town"],
        ["red"],
        source=PRINTED,
        quote="Red left.",
        date_precision=DatePrecision.REPORTED_BY,
        date_as_written="last week",
        date_note="Read as the week before.",
    ),
    make_event("ev_raid", "2020-06-02", ["village", "town"], ["blue"], source=UNDATED, quote="A raid nearby."),
    make_event(
        "ev_smoke",
        "2020-06-01",
        ["village"],
        [],
        source=INFERRED,
        quote="Smoke in June.",
        date_precision=DatePrecision.MONTH,
    ),
    make_event("ev_news", "2020-06-20", ["village"], [], source=PRINTED, quote="Later news."),
)


def vectors_scenario() -> Scenario:
    return make_scenario(
        [
            make_period(
                "red_hold",
                "town",
                "red",
                Role.CONTROL,
                None,
                "2020-06-07",
                event_ids=["ev_red_takes", "ev_red_leaves"],
                source_ids=(),
            ),
            make_period(
                "blue_here",
                "town",
                "blue",
                Role.PRESENCE,
                "2020-06-04",
                None,
                event_ids=["ev_blue_arrives"],
                source_ids=(),
            ),
            make_period(
                "blue_hold",
                "town",
                "blue",
                Role.CONTESTED,
                "2020-06-08",
                None,
                event_ids=["ev_red_leaves", "ev_blue_arrives"],
                source_ids=(),
            ),
            make_period("red_fort", "fort", "red", Role.PRESENCE, "2020-06-03", "2020-06-05", source_ids=("printed",)),
        ],
        places=["town", "village", make_place("fort", location_note="Placed from a sketch map.", uncertainty_m=1500.0)],
        forces=["red", "blue"],
        sources=[PRINTED, INFERRED, UNDATED],
        events=EVENTS,
    )


DAYS = tuple(dt.date(2020, 5, 30) + dt.timedelta(days=n) for n in range(25))
