"""Synthetic scenarios (mapdata.synth) and `mapdata synth`."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from mapdata.cli import main
from mapdata.config import settings
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import DatePrecision, Role, Scenario
from mapdata.model.validate import check_consistency
from mapdata.store import open_store
from mapdata.store.base import scenario_problems
from mapdata.synth import PERIODS_PER_SOURCE, SynthError, synth_scenario, write_store

PLACES, PERIODS, SEED = 80, 1200, 3


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return synth_scenario(PLACES, PERIODS, SEED)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_scenario_other_seed_other_scenario(scenario: Scenario) -> None:
    assert synth_scenario(PLACES, PERIODS, SEED) == scenario
    other = synth_scenario(PLACES, PERIODS, SEED + 1)
    assert other.places != scenario.places and other.periods != scenario.periods


def test_exact_counts_and_valid(scenario: Scenario) -> None:
    assert len(scenario.places) == PLACES and len(scenario.periods) == PERIODS
    assert len(scenario.events) == PERIODS  # one event per period
    assert len(scenario.sources) == -(-PERIODS // PERIODS_PER_SOURCE)
    assert check_consistency(scenario) == []
    assert scenario_problems(scenario) == []  # the store's checks: every record on its own, then consistency


def test_every_period_is_backed_by_a_quote_at_its_offsets(scenario: Scenario) -> None:
    events, sources = scenario.event_by_id, scenario.source_by_id
    for period in scenario.periods:
        assert period.event_ids
        first = events[period.event_ids[0]]
        assert first.place_ids == (period.place_id,) and period.force_id in first.force_ids
        assert first.date == (period.start or scenario.date_start)
        assert first.date_precision is (DatePrecision.DAY if period.start else DatePrecision.REPORTED_BY)
    for event in scenario.events:
        text = sources[event.source_id].text
        assert text[event.quote_start : event.quote_end] == event.quote
        assert event.quote.endswith(".") and event.quote[0].isupper()
    for source in scenario.sources:
        assert "synthetic" in source.text.lower()
        assert sum(e.source_id == source.id for e in scenario.events) <= PERIODS_PER_SOURCE
        assert all(e.date <= source.published for e in scenario.events if e.source_id == source.id)  # type: ignore[operator]


def test_variety(scenario: Scenario) -> None:
    periods = scenario.periods
    assert Counter(p.role for p in periods).keys() == set(Role)
    assert any(p.start is None for p in periods) and any(p.end is None for p in periods)
    assert any(p.start is not None and p.start == p.end for p in periods)  # one-day periods
    assert any(p.start is not None and p.end is not None and p.start < p.end for p in periods)
    assert {p.geometry.geom_type for p in scenario.places} == {"Point", "Polygon", "LineString"}
    bundled = {f.id for f in load_scenario().forces}
    forces = {f.id for f in scenario.forces}
    assert bundled == forces and {"sdf", "isis"} <= forces
    assert len({p.force_id for p in periods}) >= 6
    assert scenario.date_start and scenario.date_end and (scenario.date_end - scenario.date_start).days > 3 * 365
    assert all(d >= scenario.date_start and d <= scenario.date_end for p in periods for d in (p.start, p.end) if d)
    assert set(scenario.basemap) == set(load_scenario().basemap)


def test_places_lie_inside_syria_and_lebanon(scenario: Scenario) -> None:
    polygons = [
        shape(feature["geometry"])
        for layer in ("syr_adm1", "lbn_adm1")
        for feature in scenario.basemap[layer]["features"]
    ]
    countries = shapely.union_all(polygons)
    for place in scenario.places:
        assert countries.covers(place.geometry), place.id
    regions = {
        f"in {feature['properties']['name_en']} ({country})"
        for layer, country in (("syr_adm1", "Syria"), ("lbn_adm1", "Lebanon"))
        for feature in scenario.basemap[layer]["features"]
    }
    for place in scenario.places:
        assert "not a real location" in place.location_note
        assert any(region in place.location_note for region in regions), place.location_note


def test_small_and_empty_requests() -> None:
    empty = synth_scenario(3, 0, seed=1)
    assert len(empty.places) == 3 and empty.periods == () and empty.events == () and empty.sources == ()
    assert scenario_problems(empty) == []
    few = synth_scenario(10, 4, seed=1)  # fewer periods than places
    assert len(few.periods) == 4 and check_consistency(few) == []
    with pytest.raises(SynthError):
        synth_scenario(0, 0)
    with pytest.raises(SynthError):
        synth_scenario(2, -1)
    with pytest.raises(SynthError, match="at most"):
        synth_scenario(2, 100_000)


# -- the store and the command ----------------------------------------------------------------


def test_cli_writes_a_store_that_mapdata_store_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "synth.gpkg"
    assert main(["synth", "--places", "40", "--periods", "300", "--seed", "5", "--out", str(out)]) == 0
    assert "40 places, 300 control periods" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synth.gpkg"]  # no temporary files left
    expected = synth_scenario(40, 300, 5)

    monkeypatch.setenv("MAPDATA_STORE", str(out))
    location = settings().store
    assert location == str(out)
    # as the app does: open read-write with the seed folder once (it must not re-seed), then read-only
    open_store(location, seed_from=DEFAULT_DATA_DIR).close()
    with open_store(location, read_only=True) as store:
        assert store.scenario() == expected
        assert store.info()["records"]["control_periods"] == 300
        assert {entry.who for entry in store.audit(limit=5)} == {"synth"}


def test_cli_refuses_to_overwrite_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synth.gpkg"
    assert main(["synth", "--places", "10", "--periods", "40", "--seed", "1", "--out", str(out)]) == 0
    before = _sha(out)
    capsys.readouterr()
    assert main(["synth", "--places", "10", "--periods", "40", "--seed", "2", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert _sha(out) == before
    assert main(["synth", "--places", "10", "--periods", "40", "--seed", "2", "--out", str(out), "--force"]) == 0
    with open_store(out, read_only=True) as store:
        assert store.scenario() == synth_scenario(10, 40, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synth.gpkg"]


def test_cli_bad_requests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--places", "10", "--periods", "10", "--out", str(tmp_path / "x.sqlite")]) == 2
    assert ".gpkg" in capsys.readouterr().err
    assert main(["synth", "--places", "2", "--periods", "100000", "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "at most" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_write_store_refuses_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "taken.gpkg"
    out.write_bytes(b"someone else's file")
    with pytest.raises(FileExistsError):
        write_store(synth_scenario(5, 10, 0), out)
    assert out.read_bytes() == b"someone else's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.gpkg"]
