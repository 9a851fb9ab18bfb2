"""The offline gazetteer: every known reading of a place name, with its source and licence.

``geodata/gazetteer/gazetteer.json`` is written by ``scripts/build_gazetteer.py`` (via
``scripts/build_geodata.py``) from Who's On First (every Syrian and Lebanese locality, district and
neighbourhood it has), GeoNames, Open-Syria, Natural Earth, the Lebanon governorates, the scenario's
``places.geojson`` and a few curated entries: one entry per real place, with every name kept. The text
geoparser (:mod:`mapdata.text.geoparse`) builds its matcher from it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapdata.model.errors import Problem, ScenarioError
from mapdata.model.load import DEFAULT_DATA_DIR

DEFAULT_GAZETTEER = DEFAULT_DATA_DIR / "gazetteer" / "gazetteer.json"

KINDS = (
    "country",
    "admin1",
    "admin2",
    "admin3",
    "town",
    "neighbourhood",
    "military_site",
    "area",
    "border",
    "region",
)
POINT_KINDS = frozenset({"town", "neighbourhood", "military_site", "admin2", "admin3"})

THEATRE_FILE = "theatre.json"  # beside the gazetteer file


@dataclass(frozen=True)
class Theatre:
    """What the text pipeline knows of the conflict's geography (``theatre.json`` beside the gazetteer):
    the home countries (a reading there is likelier), their neighbours, the basemap layers of
    first-level administrative areas, and the ids of the countries in the countries layer (Natural
    Earth's ISO 3166-1 numeric ids -> alpha-2). Without the file: no home, no layers."""

    home_countries: frozenset[str] = frozenset()
    neighbours: frozenset[str] = frozenset()
    admin1_layers: tuple[str, ...] = ()
    countries_layer: str = "countries"
    country_ids: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def read(cls, path: Path) -> Theatre:
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("must hold a JSON object")
            lists = {name: data.get(name) or [] for name in ("home_countries", "neighbours", "admin1_layers")}
            ids = data.get("country_ids") or {}
            if not all(isinstance(v, list) for v in lists.values()) or not isinstance(ids, dict):
                raise ValueError("home_countries, neighbours and admin1_layers must be lists, country_ids an object")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ScenarioError([Problem(f"gazetteer/{path.name}", "", "", str(exc))]) from None
        return cls(
            home_countries=frozenset(str(c) for c in lists["home_countries"]),
            neighbours=frozenset(str(c) for c in lists["neighbours"]),
            admin1_layers=tuple(str(n) for n in lists["admin1_layers"]),
            countries_layer=str(data.get("countries_layer") or "countries"),
            country_ids={str(k): str(v) for k, v in ids.items()},
        )


@dataclass(frozen=True)
class Entry:
    """One reading of a place name."""

    id: str
    name: str
    names: tuple[str, ...]  # every alias kept, the name first (Latin and Arabic script)
    kind: str  # one of KINDS
    lat: float
    lon: float
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # governorate pcode (SY04, LB2, ...) or ""
    population: int | None
    source: str
    source_id: str
    licence: str
    place_id: str | None = None  # the bundled scenario's place this entry stands for
    prior: float = 0.0  # < 0 for deliberate out-of-region distractors
    border: str | None = None  # a border line: its two countries, ISO alpha-2 codes joined by "-"
    uncertainty_m: float | None = None
    pcode: str = ""  # its own OCHA pcode (administrative units)
    note: str = ""
    feature: str = ""  # what it is, finer than the kind: city, town, village, neighbourhood, airport, district...
    status: str = ""  # "" (current), "abandoned", "destroyed", "historical" or "deprecated"
    same_as: tuple[str, ...] = ()  # records of other sources merged into this entry (e.g. "wof:1193129627")

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(
            id=data["id"],
            name=data["name"],
            names=tuple(data.get("names") or (data["name"],)),
            kind=data["kind"],
            lat=float(data["lat"]),
            lon=float(data["lon"]),
            country=data.get("country", ""),
            admin1=data.get("admin1", "") or "",
            population=data.get("population"),
            source=data.get("source", ""),
            source_id=str(data.get("source_id", "")),
            licence=data.get("licence", ""),
            place_id=data.get("place_id"),
            prior=float(data.get("prior", 0.0)),
            border=data.get("border"),
            uncertainty_m=data.get("uncertainty_m"),
            pcode=data.get("pcode", "") or "",
            note=data.get("note", "") or "",
            feature=data.get("feature", "") or "",
            status=data.get("status", "") or "",
            same_as=tuple(data.get("same_as") or ()),
        )


@dataclass(frozen=True)
class Gazetteer:
    """All entries, in file order (sorted by id), with lookups."""

    entries: tuple[Entry, ...]
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    theatre: Theatre = field(default_factory=Theatre, compare=False, hash=False)
    _by_id: dict[str, Entry] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not self._by_id:
            self._by_id.update({e.id: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def __getitem__(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def by_place_id(self, place_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.place_id == place_id)

    @property
    def basemap_dir(self) -> Path:
        """``basemap/`` of the scenario folder the gazetteer file lives in."""
        base = self.path.parent.parent if self.path is not None else DEFAULT_DATA_DIR
        return base / "basemap"


def read_gazetteer(path: str | Path) -> Gazetteer:
    """Read a gazetteer file (no caching)."""
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    raw = data["entries"] if isinstance(data, dict) else data
    entries = tuple(Entry.from_json(item) for item in raw)
    meta = {k: v for k, v in data.items() if k != "entries"} if isinstance(data, dict) else {}
    return Gazetteer(entries=entries, path=path, meta=meta, theatre=Theatre.read(path.parent / THEATRE_FILE))


_CACHE: dict[Path, Gazetteer] = {}
_LOCK = threading.Lock()


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer at ``path`` (default: the bundled one), read once per path and cached."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_GAZETTEER
    with _LOCK:
        cached = _CACHE.get(resolved)
        if cached is None:
            cached = _CACHE[resolved] = read_gazetteer(resolved)
        return cached


__all__ = [
    "DEFAULT_GAZETTEER",
    "Entry",
    "Gazetteer",
    "KINDS",
    "THEATRE_FILE",
    "Theatre",
    "load_gazetteer",
    "read_gazetteer",
]
