"""What changed between two dates (issue 13 item 1): the change list, its days and reports, as of the later date;
``mapdata diff`` writes the same list as CSV or GeoJSON."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

import pytest

from mapdata import cli
from mapdata.model.compare import compare
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import Role

SCENARIO = load_scenario()
NAMES = {f.id: f.name for f in SCENARIO.forces}
D = dt.date


def test_the_seed_week_the_three_positions_change_hands() -> None:
    changes = compare(SCENARIO, since=D(2018, 6, 3), until=D(2018, 6, 10))
    assert [(c.place_id, c.kind, c.day) for c in changes] == [
        (f"qusayr_position_{n}", "taken", D(2018, 6, 8)) for n in (1, 2, 3)
    ]
    first = changes[0]
    assert first.summary(NAMES) == "Hezbollah → Syrian regime forces (Assad)"
    assert "ev_division11_takeover" in [ev.event.id for ev in first.evidence]


def test_arrivals_and_contested_takeovers_on_the_day() -> None:
    changes = {c.place_id: c for c in compare(SCENARIO, since=D(2018, 6, 3), until=D(2018, 6, 4))}
    assert changes["al_qusayr"].kind == "arrived" and changes["al_qusayr"].arrived == ("russia",)
    assert changes["qusayr_position_1"].summary(NAMES) == "Hezbollah → Russian forces (contested)"
    assert changes["lebanese_border"].day == D(2018, 6, 4)


def test_evidence_published_after_the_later_date_is_marked() -> None:
    """As of 4 June, the article (published 8 June) is evidence reported later, and says so."""
    change = next(c for c in compare(SCENARIO, since=D(2018, 6, 3), until=D(2018, 6, 4)) if c.place_id == "al_qusayr")
    assert [(ev.event.id, ev.later, ev.reported) for ev in change.evidence] == [
        ("ev_russia_deploys_qusayr", True, D(2018, 6, 8))
    ]


def test_control_ended_and_no_longer_contested() -> None:
    holding = next(p for p in SCENARIO.periods if p.id == "pos1_regime_control")
    ended = dataclasses.replace(holding, end=D(2018, 6, 20))
    scenario = dataclasses.replace(SCENARIO, periods=tuple(ended if p is holding else p for p in SCENARIO.periods))
    change = next(c for c in compare(scenario, since=D(2018, 6, 10), until=D(2018, 6, 25)))
    assert (change.place_id, change.kind, change.day) == ("qusayr_position_1", "control ended", D(2018, 6, 21))
    contested = dataclasses.replace(holding, id="p_contested", role=Role.CONTESTED, start=D(2018, 6, 21), end=None)
    scenario = dataclasses.replace(scenario, periods=(*scenario.periods, contested))
    change = next(c for c in compare(scenario, since=D(2018, 6, 10), until=D(2018, 6, 25)))
    assert (change.kind, change.day) == ("newly contested", D(2018, 6, 21))


def test_the_dates_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="must be before"):
        compare(SCENARIO, since=D(2018, 6, 10), until=D(2018, 6, 3))


def test_mapdata_diff_csv_and_geojson(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", "--from", "2018-06-03", "--to", "2018-06-10", "--data", str(DEFAULT_DATA_DIR)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["place_id"], r["change"], r["changed_on"]) for r in rows] == [
        (f"qusayr_position_{n}", "taken", "2018-06-08") for n in (1, 2, 3)
    ]
    assert rows[0]["from"] == "Hezbollah in control" and rows[0]["to"] == "Syrian regime forces (Assad) in control"
    assert json.loads(rows[0]["sources"])[-1]["event_id"] == "ev_division11_takeover"
    assert float(rows[0]["lat"]) == pytest.approx(34.54, abs=0.01)

    assert (
        cli.main(
            [
                "diff",
                "--from",
                "2018-06-03",
                "--to",
                "2018-06-04",
                "--format",
                "geojson",
                "--data",
                str(DEFAULT_DATA_DIR),
            ]
        )
        == 0
    )
    collection = json.loads(capsys.readouterr().out)
    assert (collection["since"], collection["until"]) == ("2018-06-03", "2018-06-04")
    by_id = {f["id"]: f["properties"] for f in collection["features"]}
    assert by_id["al_qusayr"]["change"] == "arrived" and by_id["al_qusayr"]["sources"][0]["reported_later"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2018-06-10", "--to", "2018-06-03"], "--from 2018-06-10 must be before --to 2018-06-03"),
        (["--from", "2018-13-01", "--to", "2018-06-03"], "argument --from: '2018-13-01' is not a date"),
    ],
)
def test_mapdata_diff_refuses_bad_dates(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = cli.main(["diff", *argv, "--data", str(DEFAULT_DATA_DIR)])
    except SystemExit as exc:  # argparse refuses a malformed date
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_event_filter_by_force_kind_verification_and_dates() -> None:
    from mapdata.model.timeline import EventFilter

    events = SCENARIO.events_until(D(2018, 6, 30))
    assert EventFilter()(events) == events  # nothing chosen: everything
    regime = EventFilter(forces=frozenset({"syrian_regime"}))(events)
    assert regime and all("syrian_regime" in e.force_ids for e in regime) and len(regime) < len(events)
    kinds = EventFilter(kinds=frozenset({events[0].kind}))(events)
    assert kinds and {e.kind for e in kinds} == {events[0].kind}
    dated = EventFilter(start=D(2018, 6, 8), end=D(2018, 6, 8))(events)
    assert dated and {e.date for e in dated} == {D(2018, 6, 8)}
    claimed = EventFilter(verifications=frozenset({"claimed"}))(events)
    assert all(e.verification.value == "claimed" for e in claimed)
