"""Writing a scenario back to files: round trip, and all-or-nothing saves."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from mapdata.exchange.folder import save_scenario, write_scenario
from mapdata.model.errors import ScenarioError
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import ControlPeriod, Role


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_round_trip_gives_the_same_scenario(tmp_path: Path) -> None:
    scenario = load_scenario()
    write_scenario(scenario, tmp_path)
    again = load_scenario(tmp_path)
    for name in (
        "forces",
        "places",
        "sources",
        "events",
        "periods",
        "title",
        "view_center",
        "view_zoom",
        "attribution",
        "date_start",
        "date_end",
    ):
        assert getattr(again, name) == getattr(scenario, name), name


def test_save_validates_before_replacing(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    before = _digest(folder)
    scenario = load_scenario(folder)
    clash = ControlPeriod(
        id="clash",
        place_id="qusayr_position_1",
        force_id="israel",
        role=Role.CONTROL,
        event_ids=("ev_division11_takeover",),
    )
    with pytest.raises(ScenarioError) as caught:
        save_scenario(dataclasses.replace(scenario, periods=scenario.periods + (clash,)), folder)
    assert "overlaps" in str(caught.value)
    assert _digest(folder) == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # no staging or backup folders left behind


def test_save_replaces_and_keeps_unrelated_files(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    scenario = load_scenario(folder)
    extra = ControlPeriod(
        id="israel_south",
        place_id="southern_syria",
        force_id="israel",
        role=Role.PRESENCE,
        event_ids=("ev_russia_israel_agreement",),
    )
    saved = save_scenario(dataclasses.replace(scenario, periods=scenario.periods + (extra,)), folder)
    assert "israel_south" in {p.id for p in saved.periods}
    assert "israel_south" in {p.id for p in load_scenario(folder).periods}
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
