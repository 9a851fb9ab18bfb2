"""Forces whose colours are close in a small marker (amber and vermilion) differ in shape; presence is dots, not dashes."""

from __future__ import annotations

from itertools import combinations

from mapdata.map.colours import MARKER_SHAPES, SMALL_MARK_DELTA_E, clashes, marker_shapes, min_delta_e
from mapdata.map.mapview import MapBuilder, style_for
from mapdata.model.load import load_scenario
from mapdata.model.models import Status

AMBER, VERMILION = "#E69F00", "#D55E00"


def test_amber_and_vermilion_are_too_close_for_small_markers() -> None:
    assert clashes([("hezbollah", AMBER), ("regime", VERMILION)]) == []  # fine for areas
    assert min_delta_e(AMBER, VERMILION) < SMALL_MARK_DELTA_E  # not for a 12 px marker


def test_bundled_forces_have_distinct_marker_shapes() -> None:
    scenario = load_scenario()
    shapes = marker_shapes([(f.id, f.colour) for f in scenario.forces])
    assert shapes["hezbollah"] != shapes["syrian_regime"]
    assert len(set(shapes.values())) == len(MARKER_SHAPES) < len(scenario.forces)  # eleven forces, six shapes
    for a, b in combinations(scenario.forces, 2):
        if min_delta_e(a.colour, b.colour) < SMALL_MARK_DELTA_E:
            assert shapes[a.id] != shapes[b.id], (a.id, b.id)


def test_near_colours_never_share_a_shape_even_with_more_forces_than_shapes() -> None:
    palette = [AMBER, VERMILION, "#0072B2", "#56B4E9", "#009E73", "#CC79A7", "#F0E442", "#000000"]  # all of Okabe-Ito
    named = [(f"f{i}", colour) for i, colour in enumerate(palette)]
    shapes = marker_shapes(named)
    assert len(named) > len(MARKER_SHAPES)
    for (a, ca), (b, cb) in combinations(named, 2):
        if min_delta_e(ca, cb) < SMALL_MARK_DELTA_E:
            assert shapes[a] != shapes[b], (a, b)


def test_points_carry_their_force_shape() -> None:
    builder = MapBuilder(load_scenario(), client=False)
    layers = builder.layer_features(builder.scenario.date_range[1])
    points = [
        f
        for layer, features in layers.items()
        if layer != "unknown"
        for f in features
        if f["kind"] == "point" and "mapdata-status-presence" not in f["className"]
    ]
    assert points
    for feature in points:
        force = next(
            c.removeprefix("mapdata-force-") for c in feature["className"].split() if c.startswith("mapdata-force-")
        )
        assert feature["style"]["shape"] == builder.shapes[force]
    legend = builder._chrome_payload()["legend"]["forces"]
    assert {f["shape"] for f in legend} == set(builder.shapes.values())


def test_presence_is_round_dots_and_contested_long_dashes() -> None:
    for geometry in ("area", "line", "point"):
        presence = style_for(Status.PRESENCE, AMBER, geometry=geometry)
        contested = style_for(Status.CONTESTED, AMBER, geometry=geometry)
        dash, gap = (float(x) for x in presence["dashArray"].split())
        assert dash == 0 and presence["lineCap"] == "round" and gap >= 2 * presence["weight"]  # separate round dots
        long_dash, _ = (float(x) for x in contested["dashArray"].split())
        assert contested["lineCap"] == "butt" and long_dash >= 3 * contested["weight"]  # square dashes
