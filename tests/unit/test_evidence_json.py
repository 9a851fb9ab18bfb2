"""The published map files are always valid JSON, and the page reads around a bad record (issue 9 item 5)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from mapdata.map.clientmap import cache_space, read_published
from mapdata.map.mapview import MapBuilder
from mapdata.model.load import load_scenario
from mapdata.testing import run_map_js


def _strict(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_are_published_as_null(tmp_path: Path) -> None:
    scenario = load_scenario()
    bad = dataclasses.replace(scenario.places[0], uncertainty_m=math.inf, geometry=Point(math.nan, 34.5))
    scenario = dataclasses.replace(scenario, places=(bad,) + scenario.places[1:])
    static = tmp_path / "static"
    builder = MapBuilder(
        scenario, client=True, assets_url="", cache=cache_space("s", "1", static_dir=static, secret=b"k")
    )
    builder.prepare()
    path = static / builder._client_urls["scenario"]
    bundle = read_published(path)
    _strict(json.dumps(bundle))  # what read_published parsed was strict JSON: no NaN/Infinity tokens
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert "Infinity" not in text and "NaN" not in text
    first = bundle["places"][0]
    assert first["u"] is None and first["g"]["coordinates"][0] is None
    assert bundle["places"][1] == json.loads(json.dumps(bundle["places"][1]))  # the others untouched


def _node(script: str) -> Any:
    return run_map_js(script, None)


def test_the_page_reads_bare_non_finite_numbers_as_missing_and_rejects_bad_geometry() -> None:
    out = _node("""
      let repaired = 0;
      const value = card.parseJson('{"a":[1,NaN,-Infinity,"NaN in a string",Infinity]}', n => { repaired = n; });
      const geometries = [
        {type: "Point", coordinates: [36.5, 34.5]}, {type: "Point", coordinates: [null, 34.5]},
        {type: "Polygon", coordinates: [[36.7]]}, {type: "LineString", coordinates: [[36, 34], [36.1, 34.2]]},
        {type: "MultiPolygon", coordinates: [[[[36, 34], [36.1, 34], [36, 34.1], [36, 34]]]]},
        {type: "Point", coordinates: [500, 34]}, {type: "Circle", coordinates: [1, 2]}, null,
      ];
      const b = {places: [{}, {}], forces: [{id: "f"}], periods: {place: [0, 1, 0, 7], force: [0, 0, 0, 0], role: [1, 2, 9, 1],
                 start: [1, null, 1, 1], end: [5, 5, 5, 5]}};
      const index = card.indexPeriods(b);
      process.stdout.write(JSON.stringify({value, repaired, valid: geometries.map(card.validGeometry),
                                           bad: index.bad, order: Array.from(index.order), offsets: Array.from(index.offsets)}));
    """)
    assert out["value"] == {"a": [1, None, None, "NaN in a string", None]} and out["repaired"] == 3
    assert out["valid"] == [True, False, False, True, True, False, False, False]
    # of four periods, a null start, an unknown role and an unknown place are left out
    assert out["bad"] == 3 and out["order"] == [0] and out["offsets"] == [0, 1, 1]
