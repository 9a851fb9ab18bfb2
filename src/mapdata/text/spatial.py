"""Spatial phrases and the geometry behind them: direction words and their bearings, relative-place words
("countryside", "outskirts", "near the border"), demonyms, and small geometry helpers in kilometres
(:func:`haversine_km`, local projections, sectors and buffers)."""

from __future__ import annotations

import math
import re

from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from mapdata.model.geometry import KM_PER_DEGREE_LAT, km_per_degree_lon

# --------------------------------------------------------------------------- spatial vocabulary

_DIR = r"(?:north|south)(?:ern)?(?:[\s\-]?(?:east|west)(?:ern)?)?|(?:east|west)(?:ern)?|central|centre|center|middle"
_FEATURE = r"countryside|outskirts|suburbs|periphery|environs|rural\s+areas|parts?"
_BEFORE_OF = re.compile(
    rf"(?:\b(?P<dir1>{_DIR})\s*(?:,\s*|\s+(?:and|or|&)\s+))?\b(?P<dir>{_DIR})?\s*\b(?P<feat>{_FEATURE})\s+of\s+"
    r"(?:the\s+)?(?:(?:city|town|province|governorate)\s+of\s+)?\Z",
    re.IGNORECASE,
)
_BEFORE_DIR = re.compile(
    rf"(?:\b(?P<dir1>{_DIR})\s*(?:,\s*|\s+(?:and|or|&)\s+))?\b(?P<dir>{_DIR})\s+(?P<rural>rural\s+)?\Z", re.IGNORECASE
)
_BEFORE_RURAL = re.compile(r"\brural\s+\Z", re.IGNORECASE)
_AFTER_FEATURE = re.compile(
    rf"\A(?:['’]s?)?\s+(?:(?P<dir>{_DIR})(?:\s*(?:,\s*|\s+(?:and|or|&)\s+)(?P<dir2>{_DIR}))?\s+)?"
    r"(?P<feat>countryside|outskirts|suburbs|periphery|environs)\b",
    re.IGNORECASE,
)
_AFTER_PROVINCE = re.compile(r"\A\s+(?:province|governorate|muhafazat)\b", re.IGNORECASE)
_BEFORE_PROVINCE = re.compile(r"\b(?:province|governorate)\s+of\s+(?:the\s+)?\Z", re.IGNORECASE)
_BEFORE_NEAR = re.compile(
    r"\b(?:near|along|alongside|close\s+to|next\s+to|by|on|at|towards?|across)\s+(?:the\s+)?\Z", re.IGNORECASE
)
_BEFORE_COORD = re.compile(rf"\b(?P<dir1>{_DIR})\s*(?:,\s*|\s+(?:and|or|&)\s+)\Z", re.IGNORECASE)
_SPATIAL_HINT = re.compile(
    r"countryside|outskirts|suburb|periphery|environs|rural|province|governorate|muhafazat|north|south|east|west|"
    r"central|centre|center|middle|part",
    re.IGNORECASE,
)
_WINDOW = 70
_TERM = "\x00"  # trie key of the entries ending at a node (never a folded token: no control characters)

_FEATURE_CLASS = {
    "countryside": "countryside",
    "rural areas": "countryside",
    "villages": "countryside",
    "environs": "countryside",
    "areas": "countryside",
    "area": "countryside",
    "region": "countryside",
    "regions": "countryside",
    "outskirts": "outskirts",
    "suburbs": "outskirts",
    "periphery": "outskirts",
    "part": "part",
    "parts": "part",
    "side": "part",
}

_DEMONYMS = {
    "syrian": "SY",
    "syrians": "SY",
    "lebanese": "LB",
    "egyptian": "EG",
    "egyptians": "EG",
    "libyan": "LY",
    "iraqi": "IQ",
    "iraqis": "IQ",
    "jordanian": "JO",
    "turkish": "TR",
    "israeli": "IL",
    "palestinian": "PS",
    "cypriot": "CY",
    "russian": "RU",
    "iranian": "IR",
}
_DEMONYM_RE = re.compile(r"\b(?:" + "|".join(sorted(_DEMONYMS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def _direction(words: str | None) -> float | None:
    """Compass bearing of a direction word ("south-western" -> 225); None for central / no direction."""
    if not words:
        return None
    w = words.lower()
    ns = 0.0 if w.startswith("north") else 180.0 if w.startswith("south") else None
    ew = 90.0 if "east" in w else 270.0 if "west" in w else None
    if ns is None and ew is None:
        return None
    if ns is None:
        return ew
    if ew is None:
        return ns
    return {(0.0, 90.0): 45.0, (0.0, 270.0): 315.0, (180.0, 90.0): 135.0, (180.0, 270.0): 225.0}[(ns, ew)]


_BEARING_WORD = {
    None: "central",
    0.0: "northern",
    45.0: "north-eastern",
    90.0: "eastern",
    135.0: "south-eastern",
    180.0: "southern",
    225.0: "south-western",
    270.0: "western",
    315.0: "north-western",
}


# --------------------------------------------------------------------------- geometry helpers

_KY = KM_PER_DEGREE_LAT
_kx = km_per_degree_lon


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _to_local(geom: BaseGeometry, lat0: float, lon0: float) -> BaseGeometry:
    kx = _kx(lat0)
    return affinity.affine_transform(geom, [kx, 0, 0, _KY, -lon0 * kx, -lat0 * _KY])


def _from_local(geom: BaseGeometry, lat0: float, lon0: float) -> BaseGeometry:
    kx = _kx(lat0)
    return affinity.affine_transform(geom, [1 / kx, 0, 0, 1 / _KY, lon0, lat0])


def _sector_local(bearing: float, half_angle: float, radius_km: float = 2000.0) -> Polygon:
    steps = max(2, int(half_angle * 2 / 5))
    pts = [(0.0, 0.0)]
    for k in range(steps + 1):
        a = math.radians(bearing - half_angle + 2 * half_angle * k / steps)
        pts.append((radius_km * math.sin(a), radius_km * math.cos(a)))
    return Polygon(pts)


def _buffer_km(geom: BaseGeometry, km: float) -> BaseGeometry:
    c = geom.centroid
    return _from_local(_to_local(geom, c.y, c.x).buffer(km), c.y, c.x)
