"""GeoJSON geometry as written everywhere in mapdata: coordinates rounded to 6 decimals (~0.1 m)."""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

DIGITS = 6


def round_coords(value: Any, digits: int = DIGITS) -> Any:
    """Round every float in nested coordinate lists (tuples become lists, as in JSON)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, (list, tuple)):
        return [round_coords(v, digits) for v in value]
    return value


def geometry_json(geometry: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry object with rounded coordinates."""
    shape_json = mapping(geometry)
    return {"type": shape_json["type"], "coordinates": round_coords(shape_json["coordinates"])}


KM_PER_DEGREE_LAT = 110.574  # km per degree of latitude (mean)


def km_per_degree_lon(lat: float) -> float:
    """km per degree of longitude at latitude ``lat`` (degrees): the local equirectangular scale every map,
    briefing and spatial phrase uses."""
    return 111.320 * math.cos(math.radians(lat))
