"""Force colours stay distinguishable for colour-blind readers."""

from __future__ import annotations

from mapdata.map.colours import VISIONS, clashes, delta_e
from mapdata.map.mapview import UNKNOWN_COLOUR
from mapdata.model.load import load_scenario


def test_bundled_palette_has_no_clash_in_any_vision() -> None:
    scenario = load_scenario()
    colours = [(f.id, f.colour) for f in scenario.forces] + [("unknown", UNKNOWN_COLOUR)]
    assert clashes(colours) == []


def test_red_green_pair_clashes_for_deuteranopes_only() -> None:
    red, green = "#D62728", "#2CA02C"
    assert delta_e(red, green) > 40
    found = {c.vision for c in clashes([("a", red), ("b", green)])}
    assert "deuteranopia" in found and "normal" not in found


def test_delta_e_extremes() -> None:
    assert round(delta_e("#000000", "#FFFFFF")) == 100
    for vision in VISIONS:
        assert delta_e("#0072B2", "#0072B2", vision=vision) == 0
