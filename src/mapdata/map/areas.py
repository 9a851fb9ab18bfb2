"""Control areas: territory shaded by the force that holds the nearest place, for maps at country scale.

Each place drawn as a point gets the area nearer to it than to any other place (its Voronoi cell), clipped
to the country it lies in (the basemap's ``countries`` layer) and to :data:`MAX_RADIUS_KM` around it, so
empty desert is not claimed. On a date, a cell takes the colour of the force holding its place; a contested
place's cell is hatched; a place no force holds leaves its cell blank. The cells depend only on the places,
so they are computed once per scenario revision (:func:`control_areas`) and only restyled per date
(:meth:`ControlAreas.shares`). The shading is derived from place control and approximate: :data:`METHOD`
says so wherever it is drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, shape
from shapely.geometry.base import BaseGeometry

from mapdata.model.geometry import KM_PER_DEGREE_LAT, km_per_degree_lon
from mapdata.model.models import PlaceKind, Scenario
from mapdata.model.timeline import CONTESTED, CONTROL, ControlIndex

MAX_RADIUS_KM = 10.0
AREAS_DEFAULT_ABOVE = 3000  # places: above this many, the map opens on control areas (circles overlap)
METHOD = (
    "Control areas are derived from place control and approximate: each place's nearest-place area (Voronoi "
    f"cell), clipped to its country and to {MAX_RADIUS_KM:g} km around it, takes the colour of the force "
    "holding the place; hatched where contested."
)
_POINT_KINDS = (PlaceKind.TOWN, PlaceKind.MILITARY_SITE)


@dataclass(frozen=True)
class ForceShare:
    """What one force holds on a date: places (contested ones included) and derived area."""

    force_id: str
    places: int
    contested: int
    area_km2: float
    place_share: float  # of all towns and sites (those at one position share its cell)
    area_share: float  # of all the cells' area


@dataclass(frozen=True, eq=False)
class ControlAreas:
    """The cells of a scenario's point places: ``rows`` index into the scenario's places, ``cells`` (lon/lat
    polygons) and ``area_km2`` are aligned with them."""

    rows: np.ndarray
    cells: np.ndarray
    area_km2: np.ndarray
    max_radius_km: float

    @property
    def total_km2(self) -> float:
        return float(self.area_km2.sum())

    def shares(self, index: ControlIndex, day: dt.date) -> tuple[ForceShare, ...]:
        """Per force holding something on ``day``: its places and area, largest area first."""
        status, holder, _ = index.states_on(day)
        status, holder = status[self.rows], holder[self.rows]
        held = (status == CONTROL) | (status == CONTESTED)
        total_places = max(len(self.rows), 1)
        total_area = max(self.total_km2, 1e-9)
        out = []
        for force in np.unique(holder[held]):
            mine = held & (holder == force)
            area = float(self.area_km2[mine].sum())
            out.append(
                ForceShare(
                    force_id=index.force_ids[int(force)],
                    places=int(mine.sum()),
                    contested=int((mine & (status == CONTESTED)).sum()),
                    area_km2=area,
                    place_share=float(mine.sum()) / total_places,
                    area_share=area / total_area,
                )
            )
        return tuple(sorted(out, key=lambda s: (-s.area_km2, s.force_id)))

    def geojson(self, scenario: Scenario, *, precision: int = 4) -> dict[str, Any]:
        """The cells as a FeatureCollection (property ``place_id``), coordinates rounded to ``precision``."""
        rounded = shapely.set_precision(self.cells, 10**-precision)
        features = [
            {
                "type": "Feature",
                "properties": {"place_id": scenario.places[int(row)].id, "i": int(row)},
                "geometry": shapely.geometry.mapping(cell),
            }
            for row, cell in zip(self.rows, rounded, strict=True)
            if not cell.is_empty
        ]
        return {"type": "FeatureCollection", "features": features}


def control_areas(scenario: Scenario, *, max_radius_km: float = MAX_RADIUS_KM) -> ControlAreas:
    """The Voronoi cells of the scenario's towns and sites, clipped to their countries and ``max_radius_km``."""
    rows = [i for i, p in enumerate(scenario.places) if p.kind in _POINT_KINDS and not p.geometry.is_empty]
    if not rows:
        empty = np.zeros(0)
        return ControlAreas(np.zeros(0, dtype=np.int64), np.array([], dtype=object), empty, max_radius_km)
    anchors = [scenario.places[i].geometry for i in rows]
    lon = np.array([g.x if g.geom_type == "Point" else g.representative_point().x for g in anchors])
    lat = np.array([g.y if g.geom_type == "Point" else g.representative_point().y for g in anchors])
    lat0 = float(np.mean(lat))
    kx, ky = km_per_degree_lon(lat0), KM_PER_DEGREE_LAT  # a local equirectangular plane, in km
    x, y = lon * kx, lat * ky

    # one cell per distinct position: places at the same point share it (the first one in order colours it)
    keys = np.round(x, 4) + 1j * np.round(y, 4)
    _, first = np.unique(keys, return_index=True)
    points = shapely.points(x[first], y[first])
    if len(points) == 1:
        cells = np.array([shapely.buffer(points[0], max_radius_km)], dtype=object)
    else:
        envelope = MultiPoint(list(points)).envelope.buffer(max_radius_km * 2)
        diagram = shapely.voronoi_polygons(MultiPoint(list(points)), extend_to=envelope, ordered=True)
        cells = np.array(list(diagram.geoms), dtype=object)
    cells = shapely.intersection(cells, shapely.buffer(points, max_radius_km, quad_segs=8))
    cells = _clip_to_countries(cells, points, scenario, kx, ky)
    cells = shapely.simplify(cells, 0.05)
    area = shapely.area(cells)
    per_place = np.empty(len(rows), dtype=object)
    per_place[:] = [shapely.Polygon()] * len(rows)
    per_place[first] = cells  # the first place at each position keeps its cell, the others none
    area_km2 = np.zeros(len(rows))
    area_km2[first] = area
    lonlat = shapely.transform(per_place, lambda xy: xy / np.array([kx, ky]))
    return ControlAreas(np.array(rows, dtype=np.int64), lonlat, area_km2, max_radius_km)


def _clip_to_countries(cells: np.ndarray, points: np.ndarray, scenario: Scenario, kx: float, ky: float) -> np.ndarray:
    """Each cell cut to the country its place lies in (cells of places in no country: left as they are)."""
    layer = scenario.basemap.get("countries") or {}
    countries: list[BaseGeometry] = []
    for feature in layer.get("features", []):
        if feature.get("geometry"):
            geometry = shapely.transform(shape(feature["geometry"]), lambda xy: xy * np.array([kx, ky]))
            countries.append(shapely.make_valid(geometry))
    out = cells.copy()
    for country in countries:
        shapely.prepare(country)
        inside = shapely.contains(country, points)
        if inside.any():
            out[inside] = shapely.intersection(cells[inside], country)
    return out


__all__ = ["AREAS_DEFAULT_ABOVE", "ControlAreas", "ForceShare", "MAX_RADIUS_KM", "METHOD", "control_areas"]
