"""Synthetic scenarios for scale tests: many places, periods, events and reports.

    scenario = synth_scenario(places=10_000, periods=100_000, seed=1)
    write_store(scenario, Path("synth.gpkg"))          # then MAPDATA_STORE=synth.gpkg ./dev.sh dashboard

or ``mapdata synth --places 10000 --periods 100000 --seed 1 --out synth.gpkg``.

What it makes (deterministic for a seed, with the same mapdata and Python version):

- **places** inside Syria and Lebanon (the bundled basemap's governorate polygons,
  ``geodata/basemap/syr_adm1.geojson`` and ``lbn_adm1.geojson``; a governorate is
  picked with a weight that grows with the square root of its area): towns and military
  sites (points, some with a position uncertainty), areas (small polygons, 0.5-3 km
  across) and front-line segments (short lines), each wholly inside its governorate;
  made-up Arabic-style names in English and Arabic;
- **forces**: the bundled ``geodata/forces.json``; which force holds a place depends on
  its governorate (e.g. the SDF in al-Hasakeh, Hezbollah in southern Lebanon);
- **control periods** over 2014-2019 (by default): per place a chain of holding spells
  (control, or contested with the disputing force present), hand-overs between allies and
  captures by enemies, gaps with no report, allies and others present without control,
  open starts and ends, one-day spells; never breaking the consistency rules of
  ``docs/data-format.md`` (holding periods of a place never overlap; a force's presence
  periods at a place never overlap; end >= start);
- **events**: one per period, dated at its start (``reported_by`` the first day for an
  open start), quoting one generated sentence of a **source** whose text is the
  concatenation of those sentences, at the right offsets; one source per
  ``PERIODS_PER_SOURCE`` periods, in date order, like a series of situation reports.
  Every text says it is synthetic.

The count of periods is exact; how they spread over places is random (a few places
change hands often, many rarely).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from mapdata.model.errors import MapdataError
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.model.models import (
    ControlPeriod,
    DatePrecision,
    Event,
    Force,
    Place,
    PlaceKind,
    Role,
    Scenario,
    Source,
    Verification,
)
from mapdata.text.dates import MONTHS, WEEKDAYS

DEFAULT_START = dt.date(2014, 1, 1)
DEFAULT_END = dt.date(2019, 12, 31)
PERIODS_PER_SOURCE = 500
MAX_PERIODS_PER_PLACE = 200
MIN_FORCES = 4
SYNTH_USER = "synth"
PUBLISHER = "Synthetic Monitor"
GEOMETRY_SOURCE = "synthetic"
BASEMAP_LAYERS = ("syr_adm1", "lbn_adm1")

# Forces of one camp hand places over to each other; any other force is an enemy.
CAMPS = {"syrian_regime": "regime", "russia": "regime", "iran": "regime", "hezbollah": "regime"}

# How forces are named inside sentences.
SHORT_NAMES = {
    "russia": "Russian forces",
    "iran": "Iranian forces",
    "hezbollah": "Hezbollah",
    "syrian_regime": "regime forces",
    "opposition": "opposition factions",
    "israel": "Israeli forces",
    "sdf": "the SDF",
    "isis": "the Islamic State group",
}

_PLURAL_NAMES = frozenset(
    {"Russian forces", "Iranian forces", "regime forces", "opposition factions", "Israeli forces"}
)

# Who tends to hold places in each governorate (relative weights; other forces never hold there).
_REGIONS: dict[str, dict[str, float]] = {
    "Damascus": {"syrian_regime": 8, "iran": 1, "hezbollah": 1, "opposition": 1.5, "russia": 0.5},
    "Rural Damascus": {
        "syrian_regime": 5,
        "opposition": 3,
        "hezbollah": 1.5,
        "iran": 1,
        "isis": 0.5,
        "russia": 0.5,
    },
    "Aleppo": {
        "syrian_regime": 4,
        "opposition": 4,
        "sdf": 2,
        "isis": 1.5,
        "iran": 1,
        "russia": 1,
        "hezbollah": 0.5,
    },
    "Idleb": {"opposition": 6, "syrian_regime": 3, "russia": 0.5, "iran": 0.3, "hezbollah": 0.2},
    "Homs": {"syrian_regime": 5, "hezbollah": 2, "iran": 1.5, "russia": 1.5, "isis": 1.5, "opposition": 1.5},
    "Hama": {"syrian_regime": 5, "opposition": 3, "russia": 1, "iran": 1, "isis": 0.5},
    "Lattakia": {"syrian_regime": 6, "russia": 2, "opposition": 1},
    "Tartous": {"syrian_regime": 7, "russia": 2, "opposition": 0.3},
    "Al-Hasakeh": {"sdf": 6, "isis": 2, "syrian_regime": 1.5, "russia": 0.5},
    "Ar-Raqqa": {"sdf": 4, "isis": 4, "syrian_regime": 1, "russia": 0.5},
    "Deir-ez-Zor": {"isis": 4, "syrian_regime": 3, "sdf": 3, "iran": 1.5, "russia": 1},
    "Dar'a": {"opposition": 4, "syrian_regime": 4, "iran": 0.7, "hezbollah": 0.7, "russia": 0.5, "isis": 0.3},
    "Quneitra": {"opposition": 3, "syrian_regime": 3, "israel": 1.5, "hezbollah": 0.5, "iran": 0.5},
    "As-Sweida": {"syrian_regime": 5, "isis": 1, "russia": 0.5, "opposition": 0.5},
    "Bekaa": {"hezbollah": 6, "opposition": 0.3, "isis": 0.3, "syrian_regime": 0.3},
    "Baalbek-El Hermel": {"hezbollah": 6, "isis": 0.7, "opposition": 0.7, "syrian_regime": 0.3},
    "South": {"hezbollah": 6, "israel": 1.5},
    "El Nabatieh": {"hezbollah": 6, "israel": 1.5},
}
_DEFAULT_REGION = {"hezbollah": 3, "syrian_regime": 1, "opposition": 0.3, "isis": 0.2}

_PREFIXES = (
    ("Tall", "تل"),
    ("Ain", "عين"),
    ("Kafr", "كفر"),
    ("Deir", "دير"),
    ("Beit", "بيت"),
    ("Khirbet", "خربة"),
    ("Jisr", "جسر"),
    ("Qasr", "قصر"),
    ("Bir", "بئر"),
    ("Umm", "أم"),
    ("Arab", "عرب"),
    ("Marj", "مرج"),
)
_ROOTS = (
    ("al-Hamra", "الحمراء"),
    ("al-Sharqiya", "الشرقية"),
    ("al-Gharbiya", "الغربية"),
    ("al-Zaytun", "الزيتون"),
    ("al-Nahr", "النهر"),
    ("al-Jabal", "الجبل"),
    ("Hasan", "حسن"),
    ("al-Qamh", "القمح"),
    ("al-Tuffah", "التفاح"),
    ("al-Rumman", "الرمان"),
    ("al-Khadra", "الخضراء"),
    ("al-Saghir", "الصغير"),
    ("al-Kabir", "الكبير"),
    ("Shams", "شمس"),
    ("al-Ward", "الورد"),
    ("Abbas", "عباس"),
    ("Salim", "سليم"),
    ("al-Hajar", "الحجر"),
    ("al-Ramla", "الرملة"),
    ("al-Qasab", "القصب"),
    ("al-Bustan", "البستان"),
    ("al-Bayda", "البيضاء"),
    ("al-Sawda", "السوداء"),
    ("Musa", "موسى"),
    ("Ali", "علي"),
    ("Yusuf", "يوسف"),
    ("al-Tahta", "التحتا"),
    ("al-Fawqa", "الفوقا"),
    ("al-Arab", "العرب"),
    ("al-Sultan", "السلطان"),
    ("al-Hawa", "الهوا"),
    ("al-Ghazal", "الغزال"),
)

# Shares and mean lengths (days) of the spells of a place's chain.
_CONTESTED_SHARE = 0.3
_GAP_SHARE = 0.12
_MEAN_DAYS = {"control": 300.0, "contested": 25.0, "gap": 90.0}
_VERIFICATIONS = (
    (Verification.REPORTED, 50),
    (Verification.CONFIRMED, 15),
    (Verification.CLAIMED, 20),
    (Verification.UNVERIFIED, 10),
    (Verification.DISPUTED, 5),
)


class SynthError(MapdataError, ValueError):
    """The requested scenario cannot be made (bad counts or dates)."""


# -- geography ---------------------------------------------------------------------------


@dataclass
class _Region:
    name: str
    country: str
    polygon: BaseGeometry
    weight: float
    buffer: list[tuple[float, float]]

    def __post_init__(self) -> None:
        shapely.prepare(self.polygon)


def _regions(basemap: Mapping[str, Any]) -> list[_Region]:
    out: list[_Region] = []
    for layer, country in (("syr_adm1", "Syria"), ("lbn_adm1", "Lebanon")):
        for feature in basemap[layer]["features"]:
            polygon = shape(feature["geometry"])
            name = feature["properties"].get("name_en") or feature["properties"].get("pcode") or layer
            out.append(_Region(name, country, polygon, math.sqrt(polygon.area), []))
    return out


def _point_in(rng: random.Random, region: _Region) -> tuple[float, float]:
    """A uniformly random (lon, lat) inside the region (rejection sampling, in batches)."""
    while not region.buffer:
        minx, miny, maxx, maxy = region.polygon.bounds
        xs = np.array([minx + rng.random() * (maxx - minx) for _ in range(256)])
        ys = np.array([miny + rng.random() * (maxy - miny) for _ in range(256)])
        inside = shapely.contains_xy(region.polygon, xs, ys)
        region.buffer = [(float(x), float(y)) for x, y in zip(xs[inside], ys[inside], strict=True)][::-1]
    return region.buffer.pop()


def _km_to_deg(lat: float) -> tuple[float, float]:
    """Degrees of (longitude, latitude) per km near ``lat``."""
    return 1 / (111.32 * math.cos(math.radians(lat))), 1 / 110.57


def _polygon(rng: random.Random, lon: float, lat: float) -> Polygon:
    """A small star-shaped (hence simple and valid) polygon around (lon, lat)."""
    dx, dy = _km_to_deg(lat)
    radius = rng.uniform(0.5, 3.0)
    count = rng.randint(5, 9)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(count))
    ring = []
    for angle in angles:
        r = radius * rng.uniform(0.6, 1.0)
        ring.append((round(lon + r * math.cos(angle) * dx, 5), round(lat + r * math.sin(angle) * dy, 5)))
    return Polygon(ring)


def _line(rng: random.Random, lon: float, lat: float) -> LineString:
    """A front-line segment of 2-4 vertices, 1-8 km long, starting at (lon, lat)."""
    dx, dy = _km_to_deg(lat)
    heading = rng.uniform(0, 2 * math.pi)
    points = [(round(lon, 5), round(lat, 5))]
    for _ in range(rng.randint(1, 3)):
        heading += rng.uniform(-0.6, 0.6)
        step = rng.uniform(0.8, 3.0)
        lon, lat = lon + step * math.cos(heading) * dx, lat + step * math.sin(heading) * dy
        points.append((round(lon, 5), round(lat, 5)))
    return LineString(points)


def _geometry(rng: random.Random, region: _Region, kind: str) -> BaseGeometry:
    for _ in range(100):
        lon, lat = _point_in(rng, region)
        if kind == "point":
            return Point(round(lon, 5), round(lat, 5))
        geometry: BaseGeometry = _polygon(rng, lon, lat) if kind == "area" else _line(rng, lon, lat)
        if geometry.is_valid and region.polygon.contains(geometry):
            return geometry
    return Point(round(lon, 5), round(lat, 5))  # a region too thin for the shape: fall back to a point


def _name(rng: random.Random) -> tuple[str, str]:
    (pre_en, pre_ar), (root_en, root_ar) = rng.choice(_PREFIXES), rng.choice(_ROOTS)
    return f"{pre_en} {root_en}", f"{pre_ar} {root_ar}"


@dataclass
class _PlaceDraft:
    place: Place
    region: _Region
    label: str  # how sentences name it


def _places(rng: random.Random, count: int, regions: Sequence[_Region], seed: int) -> list[_PlaceDraft]:
    out: list[_PlaceDraft] = []
    width = max(5, len(str(count)))
    picked = rng.choices(range(len(regions)), weights=[r.weight for r in regions], k=count)
    for index, region_index in enumerate(picked, start=1):
        region = regions[region_index]
        roll = rng.random()
        name_en, name_ar = _name(rng)
        uncertainty: float | None = None
        if roll < 0.5:
            kind, shape_kind = PlaceKind.TOWN, "point"
        elif roll < 0.7:
            kind, shape_kind = PlaceKind.MILITARY_SITE, "point"
            if rng.random() < 0.5:
                height = rng.randrange(200, 1400)
                name_en, name_ar = f"Hill {height} near {name_en}", f"التلة {height} قرب {name_ar}"
            else:
                name_en, name_ar = f"{name_en} checkpoint", f"حاجز {name_ar}"
        elif roll < 0.9:
            kind, shape_kind = PlaceKind.AREA, "area"
            name_en, name_ar = f"Farms of {name_en}", f"مزارع {name_ar}"
        else:
            kind, shape_kind = PlaceKind.BORDER, "line"
            name_en, name_ar = f"Front line near {name_en}", f"خط التماس قرب {name_ar}"
        geometry = _geometry(rng, region, shape_kind)
        if geometry.geom_type == "Point" and rng.random() < 0.2:
            uncertainty = float(rng.choice((500, 1000, 2000, 5000)))
        place = Place(
            id=f"syn_p{index:0{width}d}",
            name_en=name_en,
            name_ar=name_ar,
            kind=kind,
            geometry=geometry,
            geometry_source=GEOMETRY_SOURCE,
            uncertainty_m=uncertainty,
            location_note=f"Synthetic place in {region.name} ({region.country}), made by mapdata synth "
            f"(seed {seed}); not a real location.",
        )
        out.append(_PlaceDraft(place, region, f"{name_en} ({region.name})"))
    return out


# -- control periods ---------------------------------------------------------------------


@dataclass
class _Draft:
    """A period before it gets ids, with what its sentence tells."""

    place: int
    force: str
    role: Role
    start: int | None  # day offset from the first day; None = open
    end: int | None
    story: str
    other: str | None = None  # the other force the sentence names
    successor: int | None = None  # index (in the place's drafts) of the holding period that ended this one


class _Forces:
    def __init__(self, forces: Sequence[Force]) -> None:
        self.ids = [f.id for f in forces]
        self.camp = {f: CAMPS.get(f, f) for f in self.ids}

    def pick(self, rng: random.Random, weights: Mapping[str, float], among: Sequence[str] | None = None) -> str:
        candidates = [f for f in (among if among is not None else self.ids) if weights.get(f, 0) > 0]
        if not candidates:
            candidates = list(among if among is not None else self.ids)
            return rng.choice(candidates)
        return rng.choices(candidates, weights=[weights[f] for f in candidates])[0]

    def enemy(self, rng: random.Random, weights: Mapping[str, float], of: str) -> str:
        return self.pick(rng, weights, [f for f in self.ids if self.camp[f] != self.camp[of]])

    def ally(self, rng: random.Random, weights: Mapping[str, float], of: str) -> str | None:
        allies = [f for f in self.ids if f != of and self.camp[f] == self.camp[of]]
        return self.pick(rng, weights, allies) if allies else None


def _spread(rng: random.Random, places: Sequence[_PlaceDraft], periods: int) -> list[int]:
    """How many periods each place gets: exact total, skewed (front lines and bases change hands more)."""
    count = len(places)
    weights = []
    for draft in places:
        w = rng.lognormvariate(0, 0.6)
        if draft.place.kind in (PlaceKind.BORDER, PlaceKind.MILITARY_SITE):
            w *= 1.8
        weights.append(w)
    base = 1 if periods >= count else 0
    budget = [base] * count
    extra = Counter(rng.choices(range(count), weights=weights, k=periods - base * count))
    for index, n in extra.items():
        budget[index] += n
    overflow = sum(max(0, b - MAX_PERIODS_PER_PLACE) for b in budget)
    budget = [min(b, MAX_PERIODS_PER_PLACE) for b in budget]
    while overflow:
        index = rng.randrange(count)
        if budget[index] < MAX_PERIODS_PER_PLACE:
            budget[index] += 1
            overflow -= 1
    return budget


def _lengths(rng: random.Random, kinds: Sequence[str], days: int) -> list[int]:
    lengths = [max(1, round(rng.expovariate(1 / _MEAN_DAYS[k]))) for k in kinds]
    total = sum(lengths)
    if total > days:
        lengths = [max(1, int(n * days / total)) for n in lengths]
        excess = sum(lengths) - days
        while excess > 0:  # only when many spells were rounded up to one day
            longest = max(range(len(lengths)), key=lengths.__getitem__)
            cut = min(excess, lengths[longest] - 1)
            lengths[longest] -= cut
            excess -= cut
    return lengths


def _sub_span(rng: random.Random, start: int | None, end: int | None, days: int) -> tuple[int | None, int | None]:
    """A random part of the span [start, end] (None = open), sometimes all of it, sometimes one day."""
    roll = rng.random()
    if roll < 0.45:
        return start, end
    lo = start if start is not None else 0
    hi = end if end is not None else days - 1
    a = rng.randint(lo, hi)
    if roll < 0.5:
        return a, a
    b = rng.randint(a, hi)
    if end is None and rng.random() < 0.5:
        return a, None
    return a, b


def _place_periods(
    rng: random.Random, index: int, budget: int, weights: Mapping[str, float], forces: _Forces, days: int
) -> list[_Draft]:
    if budget == 0:
        return []
    holds = max(1, min(budget, round(budget * rng.uniform(0.45, 0.7))))
    presences = budget - holds
    kinds: list[str] = []
    for j in range(holds):
        if j and rng.random() < _GAP_SHARE:
            kinds.append("gap")
        kinds.append("control")
    hold_at = [i for i, k in enumerate(kinds) if k == "control"]
    contested = min(presences, sum(rng.random() < _CONTESTED_SHARE for _ in range(holds)))
    for i in rng.sample(hold_at, contested):
        kinds[i] = "contested"
    lengths = _lengths(rng, kinds, days)
    total = sum(lengths)
    open_start, open_end = rng.random() < 0.4, rng.random() < 0.55
    cursor = 0 if open_start else rng.randrange(0, days - total + 1)
    spans: list[tuple[int | None, int | None]] = []
    for i, length in enumerate(lengths):
        spans.append(
            (
                None if open_start and i == 0 else cursor,
                None if open_end and i == len(lengths) - 1 else cursor + length - 1,
            )
        )
        cursor += length

    drafts: list[_Draft] = []
    holder_of: list[str | None] = []  # per spell
    present_in: list[set[str]] = []  # forces with a presence period per spell
    prev: _Draft | None = None  # the previous holding period, if it ended the day before this spell
    disputer: str | None = None
    for kind, (start, end) in zip(kinds, spans, strict=True):
        present: set[str] = set()
        if kind == "gap":
            holder_of.append(None)
            present_in.append(present)
            prev, disputer = None, None
            continue
        if kind == "control":
            if start is None:
                force, story, other = forces.pick(rng, weights), "held", None
            elif prev is not None and prev.role is Role.CONTESTED and disputer is not None:
                if rng.random() < 0.75:
                    force, story, other = prev.force, "secured", disputer
                else:
                    force, story, other = disputer, "retook", prev.force
            elif prev is not None:
                ally = forces.ally(rng, weights, prev.force) if rng.random() < 0.25 else None
                if ally is not None:
                    force, story, other = ally, "handover", prev.force
                else:
                    force, story, other = forces.enemy(rng, weights, prev.force), "took", prev.force
            else:
                force, story, other = forces.pick(rng, weights), "entered", None
            disputer = None
        else:
            if start is None:
                force = forces.pick(rng, weights)
                disputer = forces.enemy(rng, weights, force)
                story = "contested_old"
            elif prev is not None and rng.random() < 0.7:
                force, disputer, story = forces.enemy(rng, weights, prev.force), prev.force, "seized"
            elif prev is not None:
                force, disputer, story = prev.force, forces.enemy(rng, weights, prev.force), "attacked"
            else:
                force = forces.pick(rng, weights)
                disputer, story = forces.enemy(rng, weights, force), "clash"
            other = disputer
        draft = _Draft(index, force, Role.CONTROL if kind == "control" else Role.CONTESTED, start, end, story, other)
        if prev is not None:
            prev.successor = len(drafts)
        drafts.append(draft)
        if kind == "contested":
            assert disputer is not None
            a, b = (start, end) if rng.random() < 0.8 else _sub_span(rng, start, end, days)
            drafts.append(_Draft(index, disputer, Role.PRESENCE, a, b, "disputing", force))
            present.add(disputer)
            presences -= 1
        holder_of.append(force)
        present_in.append(present)
        prev = draft

    # the other presence periods: allies or others alongside the holder, or forces in a spell nobody holds;
    # one per force and spell, inside the spell, so a force's presence periods never overlap
    n_forces = len(forces.ids)
    while presences > 0:
        open_spells = [i for i in range(len(kinds)) if len(present_in[i]) + (holder_of[i] is not None) < n_forces]
        if not open_spells:  # cannot happen with >= MIN_FORCES forces (see synth_scenario)
            raise SynthError("too few forces for the presence periods asked for")
        spell = rng.choice(open_spells)
        holder = holder_of[spell]
        taken = present_in[spell] | ({holder} if holder else set())
        ally = forces.ally(rng, weights, holder) if holder and rng.random() < 0.6 else None
        if ally is not None and ally not in taken:
            force = ally
        else:
            force = forces.pick(rng, weights, [f for f in forces.ids if f not in taken])
        start, end = _sub_span(rng, *spans[spell], days)
        story = "alongside" if holder else "present"
        if start is None:
            story = "present_old"
        drafts.append(_Draft(index, force, Role.PRESENCE, start, end, story, holder))
        present_in[spell].add(force)
        presences -= 1
    return drafts


# -- events and sources ------------------------------------------------------------------

_TEMPLATES: dict[str, tuple[str, ...]] = {
    # {F} the force, {O} the other force, {P} the place; {has}, {was} agree with {F}; {on}/{On}/{date} the date
    "held": (
        "{F} {has} held {P} since before this reporting began, residents said.",
        "Since before the period covered here, {F} {has} controlled {P}.",
    ),
    "entered": (
        "{F} entered {P} {on} and set up positions there.",
        "{On}, {F} announced full control of {P}.",
    ),
    "took": (
        "{F} took control of {P} {on} after {O} withdrew.",
        "{On}, {F} captured {P} from {O}.",
        "{P} fell to {F} {on}, ending the hold of {O} on it.",
    ),
    "handover": (
        "{F} took over {P} from allied {O} {on}.",
        "{On}, {O} handed {P} over to {F}.",
    ),
    "secured": (
        "{F} secured full control of {P} {on}; the last fighters of {O} left.",
        "{On}, {O} withdrew from {P}, leaving {F} in control.",
    ),
    "retook": (
        "{F} retook {P} from {O} {on}.",
        "{On}, {F} drove {O} out of {P} again.",
    ),
    "seized": (
        "{On}, {F} seized {P}, but fighters of {O} remained inside and disputed it.",
        "{F} claimed {P} {on}; {O} denied leaving.",
    ),
    "attacked": (
        "{O} attacked {P} {on}; {F} still held it as the fighting went on.",
        "Clashes broke out at {P} {on}: {F} held the site while {O} contested it.",
    ),
    "clash": (
        "Clashes broke out at {P} {on}: {F} held the site while {O} contested it.",
        "{On}, {F} {was} reported holding {P}, with {O} fighting for it.",
    ),
    "contested_old": ("{F} {has} held {P} since before this reporting began, against repeated attacks by {O}.",),
    "disputing": (
        "Fighters of {F} stayed at {P} from {date}, disputing the hold of {O}.",
        "{On}, units of {F} at {P} refused to leave, contesting {O}.",
    ),
    "alongside": (
        "{F} deployed at {P} {on} alongside {O}, without taking control.",
        "A unit of {F} was stationed at {P} from {date}, sources said.",
    ),
    "present": (
        "Units of {F} were reported at {P} {on}; who controlled it was unclear.",
        "{On}, fighters of {F} were seen at {P}.",
    ),
    "present_old": ("{F} {has} had fighters at {P} since before this reporting began.",),
}
_EVENT_KIND = {
    "held": "statement",
    "contested_old": "statement",
    "present_old": "statement",
    "entered": "takeover",
    "took": "takeover",
    "handover": "takeover",
    "secured": "takeover",
    "retook": "takeover",
    "seized": "clashes",
    "attacked": "clashes",
    "clash": "clashes",
    "disputing": "clashes",
    "alongside": "deployment",
    "present": "deployment",
}
_OPEN_STORIES_BY_ROLE = {Role.CONTROL: "held", Role.CONTESTED: "contested_old", Role.PRESENCE: "present_old"}
_OPEN_STORIES = frozenset(_OPEN_STORIES_BY_ROLE.values())
_SUMMARY = {
    Role.CONTROL: "{F} in control of {P}.",
    Role.CONTESTED: "{F} holding {P}, contested by {O}.",
    Role.PRESENCE: "{F} present at {P}.",
}


def _written(day: dt.date, rng: random.Random) -> str:
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if rng.random() < 0.3 else text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(rng: random.Random, draft: _Draft, label: str, names: Mapping[str, str], day: dt.date) -> tuple[str, str]:
    """The sentence for a period, and the date as it writes it."""
    story = draft.story
    if draft.start is None and story not in _OPEN_STORIES:
        story = _OPEN_STORIES_BY_ROLE[draft.role]
    written = _written(day, rng)
    template = rng.choice(_TEMPLATES[story])
    other = names.get(draft.other, draft.other) if draft.other else "other forces"
    force = names[draft.force]
    text = template.format(
        F=force,
        P=label,
        O=other,
        on=f"on {written}",
        On=f"On {written}",
        date=written,
        has="have" if force in _PLURAL_NAMES else "has",
        was="were" if force in _PLURAL_NAMES else "was",
    )
    dated = any(key in template for key in ("{on}", "{On}", "{date}"))
    return _cap(text), (written if dated else "")


# -- the scenario ------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def synth_scenario(
    places: int,
    periods: int,
    seed: int = 0,
    *,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    data_dir: Path | None = None,
) -> Scenario:
    """A consistent synthetic scenario of exactly ``places`` places and ``periods`` control periods.

    ``data_dir`` (default: the bundled ``geodata/``) supplies the forces and the basemap
    (it must hold ``basemap/syr_adm1.geojson`` and ``basemap/lbn_adm1.geojson``).
    """
    if places < 1:
        raise SynthError("places must be at least 1")
    if periods < 0:
        raise SynthError("periods must not be negative")
    if periods > places * MAX_PERIODS_PER_PLACE:
        raise SynthError(
            f"at most {MAX_PERIODS_PER_PLACE} periods per place: ask for at most "
            f"{places * MAX_PERIODS_PER_PLACE:,} periods for {places:,} places"
        )
    days = (end - start).days + 1
    if days < 2 * MAX_PERIODS_PER_PLACE:
        raise SynthError(f"the date range must span at least {2 * MAX_PERIODS_PER_PLACE} days")
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    rng = random.Random(seed)

    bundled = [
        Force(f["id"], f["name"], f["colour"].upper(), tuple(f.get("aliases", ())))
        for f in _read_json(folder / "forces.json")
    ]
    force_list = bundled
    if len(force_list) < MIN_FORCES:
        raise SynthError(f"{folder / 'forces.json'} has {len(force_list)} forces; at least {MIN_FORCES} are needed")
    names = {f.id: SHORT_NAMES.get(f.id, f.name) for f in force_list}
    basemap = {p.stem: _read_json(p) for p in sorted((folder / "basemap").glob("*.geojson"))}
    missing = [layer for layer in BASEMAP_LAYERS if layer not in basemap]
    if missing:
        raise SynthError(f"{folder / 'basemap'} lacks {', '.join(m + '.geojson' for m in missing)}")
    regions = _regions(basemap)

    place_drafts = _places(rng, places, regions, seed)
    forces = _Forces(force_list)
    budgets = _spread(rng, place_drafts, periods)
    drafts: list[_Draft] = []
    successor_of: dict[int, int] = {}
    for index, (pd, budget) in enumerate(zip(place_drafts, budgets, strict=True)):
        weights = _REGIONS.get(pd.region.name, _DEFAULT_REGION)
        weights = {f: w for f, w in weights.items() if f in forces.camp}
        mine = _place_periods(rng, index, budget, weights, forces, days)
        for j, draft in enumerate(mine):
            if draft.successor is not None:
                successor_of[len(drafts) + j] = len(drafts) + draft.successor
        drafts += mine
    assert len(drafts) == periods, (len(drafts), periods)

    # one event per period, dated at its start; ids and sources in date order
    def when(draft: _Draft) -> int:
        return draft.start if draft.start is not None else 0

    order = sorted(range(len(drafts)), key=lambda i: (when(drafts[i]), i))
    width = max(6, len(str(periods)))
    event_id = {i: f"syn_e{n:0{width}d}" for n, i in enumerate(order, start=1)}
    n_sources = math.ceil(periods / PERIODS_PER_SOURCE) if periods else 0
    chunk = math.ceil(periods / n_sources) if n_sources else 0
    sources: list[Source] = []
    events: list[Event] = []
    for s in range(n_sources):
        members = order[s * chunk : (s + 1) * chunk]
        if not members:
            break
        source_id = f"syn_s{s + 1:04d}"
        first = start + dt.timedelta(days=when(drafts[members[0]]))
        last = start + dt.timedelta(days=when(drafts[members[-1]]))
        header = (
            f"{PUBLISHER} situation report {s + 1}, {first.isoformat()} to {last.isoformat()}.\n\n"
            f"Synthetic text made by mapdata synth (seed {seed}) to test the app at scale; "
            "it is not real reporting and its places do not exist.\n\n"
        )
        parts = [header]
        offset = len(header)
        previous_day: int | None = None
        for n, i in enumerate(members):
            draft = drafts[i]
            day = start + dt.timedelta(days=when(draft))
            if previous_day is not None:
                gap = "\n\n" if when(draft) != previous_day or n % 6 == 0 else " "
                parts.append(gap)
                offset += len(gap)
            previous_day = when(draft)
            sentence, written = _sentence(rng, draft, place_drafts[draft.place].label, names, day)
            verification, claimed_by, note = _verification(rng, names[draft.force])
            involved = (draft.force,) + ((draft.other,) if draft.other and draft.other != draft.force else ())
            events.append(
                Event(
                    id=event_id[i],
                    date=day,
                    date_precision=DatePrecision.DAY if draft.start is not None else DatePrecision.REPORTED_BY,
                    place_ids=(place_drafts[draft.place].place.id,),
                    force_ids=involved,
                    kind=_EVENT_KIND[draft.story],
                    summary=_cap(
                        _SUMMARY[draft.role].format(
                            F=names[draft.force],
                            P=place_drafts[draft.place].place.name_en,
                            O=names.get(draft.other or "", "another force"),
                        )
                    ),
                    source_id=source_id,
                    quote=sentence,
                    quote_start=offset,
                    quote_end=offset + len(sentence),
                    verification=verification,
                    claimed_by=claimed_by,
                    verification_note=note,
                    date_as_written=written,
                    date_note=""
                    if draft.start is not None
                    else "Held since before the first report; dated by the first day of the record.",
                )
            )
            parts.append(sentence)
            offset += len(sentence)
        text = "".join(parts) + "\n"
        sources.append(
            Source(
                id=source_id,
                publisher=PUBLISHER,
                title=f"Situation report {s + 1} (synthetic)",
                text=text,
                text_file=f"sources/{source_id}.txt",
                published=last,
                language="en",
                licence="Synthetic text, no rights reserved.",
            )
        )
    events.sort(key=lambda e: e.id)

    period_records: list[ControlPeriod] = []
    pwidth = max(6, len(str(periods)))
    for i, draft in enumerate(drafts):
        ids = (event_id[i],) + ((event_id[successor_of[i]],) if i in successor_of else ())
        period_records.append(
            ControlPeriod(
                id=f"syn_c{i + 1:0{pwidth}d}",
                place_id=place_drafts[draft.place].place.id,
                force_id=draft.force,
                role=draft.role,
                start=None if draft.start is None else start + dt.timedelta(days=draft.start),
                end=None if draft.end is None else start + dt.timedelta(days=draft.end),
                event_ids=ids,
            )
        )

    bundled_meta = _read_json(folder / "scenario.json") if (folder / "scenario.json").exists() else {}
    boundaries = [a for a in bundled_meta.get("attribution", ()) if a.startswith("Boundaries")]
    return Scenario(
        title=f"Synthetic scenario: {places:,} places, {periods:,} control periods (seed {seed})",
        description=(
            "Made by `mapdata synth` to test the app at scale. Places, control periods, events and "
            "reports are synthetic: none of it is real."
        ),
        forces=tuple(force_list),
        places=tuple(pd.place for pd in place_drafts),
        sources=tuple(sources),
        events=tuple(events),
        periods=tuple(period_records),
        view_center=(34.9, 38.0),
        view_zoom=7,
        date_start=start,
        date_end=end,
        attribution=tuple(boundaries) + ("Places, control periods, events and reports: synthetic (mapdata synth)",),
        basemap=basemap,
    )


def _verification(rng: random.Random, force_name: str) -> tuple[Verification, str, str]:
    verification = rng.choices([v for v, _ in _VERIFICATIONS], weights=[w for _, w in _VERIFICATIONS])[0]
    if verification is Verification.CLAIMED:
        by = rng.choice((f"media close to {force_name}", "local activists", "a monitoring group"))
        return verification, by, f"{PUBLISHER} could not verify it" if rng.random() < 0.5 else ""
    if verification is Verification.DISPUTED:
        return verification, "", "the other side denies it"
    return verification, "", ""


# -- the store ---------------------------------------------------------------------------


def write_store(scenario: Scenario, out: Path, *, force: bool = False, user: str = SYNTH_USER) -> int:
    """Write ``scenario`` to a new GeoPackage store at ``out``; returns the store's revision.

    Refuses (``FileExistsError``) to replace an existing file unless ``force``. The store is
    written to a temporary file next to ``out`` and moved into place when complete, so a
    failure leaves ``out`` as it was.
    """
    from mapdata.store import open_store

    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp.gpkg", dir=out.parent)
    os.close(handle)
    temp = Path(temp_name)
    temp.unlink()  # the store creates the file
    try:
        with open_store(temp) as store:
            revision = store.replace_scenario(scenario, user=user)
        if force:
            os.replace(temp, out)
        else:
            try:
                os.link(temp, out)  # atomic: fails if someone created ``out`` meanwhile
            except FileExistsError:
                raise FileExistsError(f"{out} exists; pass --force to replace it") from None
            except OSError:  # no hard links on this file system
                if out.exists():
                    raise FileExistsError(f"{out} exists; pass --force to replace it") from None
                os.replace(temp, out)
    finally:
        for leftover in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            if leftover.exists():
                leftover.unlink()
    return revision
