"""Find place names in text and resolve them: an offline geoparser.

Three steps, all offline and deterministic:

1. **Matching.** Every gazetteer name (and every name of the scenario's places) is cut into
   tokens and each token is folded by :func:`normalise` (case, diacritics, transliteration
   marks, Arabic letter forms, the article, q/k, ou/u, ei/ay, doubled letters...). The
   folded token sequences go into a token trie built once. A text is tokenised once and
   walked through the trie left to right, longest match first, so the cost grows with the
   text, not with the gazetteer. Offsets are those of the original text, and a leading
   article ("al-", "el ", "ad-") belongs to the mention.
2. **Filtering.** Lower-case single words ("area", "hama"), common English words
   ("Western", "Center") and matches that are not one name (separated by punctuation) are
   not places.
3. **Disambiguation.** Each reading is scored: kind and size, the theatre's home countries first, the
   countries the text names, and nearness to the other places of the same text (two
   passes); a low-prior out-of-region confusable only wins with context. Spatial phrases
   ("the western countryside of Homs", "near the Lebanese border", "southern Syria") become
   areas or lines: the scenario's own place when it has one, otherwise derived from the
   governorate polygons (the basemap's first-level layers named in ``gazetteer/theatre.json``) and
   country outlines.

Use :func:`default_geoparser` for the bundled gazetteer and scenario.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import hashlib
import inspect
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence, Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mapdata import resources
from mapdata.model.models import Place, Scenario
from mapdata.text import normalise as _normalise_module
from mapdata.text.gazetteer import POINT_KINDS, Entry, Gazetteer, load_gazetteer
from mapdata.text.mentions import Candidate, PlaceMention
from mapdata.text.normalise import (
    _ARABIC,
    _ARABIC_GENERIC,
    _ARTICLES_ANY_SEPARATOR,
    _ARTICLES_ENGLISH,
    _HYPHENS,
    _MARKS,
    _PREFIX_OK,
    ARABIC_COMMON,
    ARTICLES,
    COMMON_WORDS,
    ORGANISATION_WORDS,
    OUTLET_WORDS,
    _fold_token,
    _key,
    _skeleton,
    _strip_marks,
    loose_key,
    normalise,
    tokens,
)
from mapdata.text.spatial import (
    _AFTER_FEATURE,
    _AFTER_PROVINCE,
    _BEARING_WORD,
    _BEFORE_COORD,
    _BEFORE_DIR,
    _BEFORE_NEAR,
    _BEFORE_OF,
    _BEFORE_PROVINCE,
    _BEFORE_RURAL,
    _DEMONYM_RE,
    _DEMONYMS,
    _FEATURE_CLASS,
    _SPATIAL_HINT,
    _TERM,
    _WINDOW,
    _buffer_km,
    _direction,
    _from_local,
    _sector_local,
    _to_local,
    haversine_km,
)

# --------------------------------------------------------------------------- scoring constants

KIND_PRIOR = {
    "country": 0.5,
    "admin1": 0.3,
    "town": 0.4,
    "neighbourhood": 0.3,
    "military_site": 0.5,  # bases and airports are what conflict reports name; a hamlet of the same name less so
    "region": 0.35,
    "area": 0.35,
    "border": 0.35,
    "admin2": 0.15,
    "admin3": 0.1,
}
ANCHOR_KINDS = frozenset({"town", "neighbourhood", "military_site", "admin2", "admin3", "area", "region"})
SCENARIO_BONUS = 0.2
EXACT_BONUS = 0.1
COUNTRY_CONTEXT = 1.5
DEMONYM_CONTEXT = 0.5
PROXIMITY_WEIGHT = 0.8
PROXIMITY_KM = 50.0
TEMPERATURE = 0.25
SAME_PLACE_KM = 15.0
DEDUPE_KM = 3.0
NEAR_BORDER_KM = 10.0
CITY_BUFFER_KM = 5.0
OUTSKIRTS_KM = (1.5, 8.0)
TOWN_PART_KM = 8.0
FOREIGN_COUNTRYSIDE_KM = 30.0
FUZZY_MIN = 0.75  # geocode(): spelling similarity (difflib ratio of folded names) to consider
FUZZY_ACCEPT = 0.85  # ... and the mean of that and the consonant-skeleton similarity to accept
CONTEXT_KM = 60.0  # geocode(): a reading this far from the context place and outside its governorate is implausible
ADMIN_CONTEXT = 1.0  # a reading inside a governorate the text names (in the same sentence; less elsewhere)
ADMIN_CONTEXT_ELSEWHERE = 0.6  # ... named in another sentence of the text: this share of the bonus
POPULATION_WEIGHT = 0.6  # a town of a million people gets this much over a hamlet of unknown size
SPATIAL_ANCHOR = 0.5  # "the X countryside", "X governorate": X is a governorate or a city, not a hamlet
ADMIN_CITY_POPULATION = 50_000  # a city this large names its governorate ("in Daraa")
LOOSE_SPELLING = 0.4  # a skeleton match: this much for the reading spelled closest to the text
SUPPORT_KM = 35.0  # a village named alone is kept when it lies this close to another place of the text
MINOR_POPULATION = 10_000  # below this a single-word village name needs a cue, an article or context
LOOSE_MIN_CONSONANTS = 3  # a skeleton this short is too common to match on
LOOSE_RATIO = 0.72  # spelling similarity (difflib) a skeleton match needs with one of the entry's Latin names
LOOSE_SKELETON_ALONE = 6  # ... unless the skeleton is this long (the Arabic name is the bridge)
_KIND_GROUP = {
    "town": "p",
    "neighbourhood": "p",
    "admin2": "p",
    "admin3": "p",
    "military_site": "m",
    "area": "a",
    "region": "a",
    "border": "b",
    "country": "c",
    "admin1": "g",
}


_PLACE_WORD = (
    r"villages?|towns?|cit(?:y|ies)|hamlets?|areas?|outskirts|suburbs?|neighbou?rhoods?|quarters?|districts?|"
    r"camps?|farms|vicinity|countryside|environs"
)
_CUE_WORDS = frozenset(
    """in at near from into to towards toward outside around between on via through across of inside reached
    entered stormed shelled bombed captured besieged targeted hit struck seized retook""".split()
)
_DEMONYM_LOWER = re.compile(_DEMONYM_RE.pattern)  # on lower-cased text
_NOT_A_START = (COMMON_WORDS - _ARABIC_GENERIC) | _PREFIX_OK | ORGANISATION_WORDS  # no skeleton match starts so
_SPATIAL_HINT_LOWER = re.compile(_SPATIAL_HINT.pattern)  # on lower-cased text: much faster than IGNORECASE
_PLACE_WORDS = frozenset(
    """village villages town towns city cities hamlet hamlets area areas outskirts suburb suburbs neighbourhood
    neighbourhoods neighborhood neighborhoods quarter quarters district districts camp camps farms vicinity
    countryside environs""".split()
)
_CUE_AFTER = re.compile(
    r"\A(?:['’]s)?\s+(?:village|town|city|hamlet|neighbou?rhood|quarter|district|suburb|camp|area|countryside|"
    r"outskirts|governorate|province|farms)\b|\A,?\s+(?:in|near|north\s+of|south\s+of|east\s+of|west\s+of)\s",
    re.IGNORECASE,
)
_LIST_AFTER = re.compile(r"\s*(?:,|and\s|&)")  # "Talmenes, Tallmannis and ...": a list of places goes on
_LIST_GAP = re.compile(r"\A\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)(?:the\s+)?\Z", re.IGNORECASE)
_IN_GAP = re.compile(
    r"\A,?\s+(?:in|of|near)\s+(?:the\s+)?(?:(?:north|south|east|west|central)[a-z]*(?:[\s-]+[a-z]+)?\s+)?\Z",
    re.IGNORECASE,
)
_PART_OF_GAP = re.compile(
    r"\A\s+(?:neighbou?rhood|district|quarter|suburb|camp)\s+(?:of|in)\s+(?:the\s+)?(?:city\s+of\s+)?\Z",
    re.IGNORECASE,
)
PART_OF_KM = 15.0  # "X neighbourhood of <city>": a reading of X this close to the city
_SENTENCE_END = re.compile(r"[.!?؟\n]+(?=\s|\Z)")


_PROCLITICS = frozenset("وفبلك")
#: Arabic words (folded) before a place that make the next word a place: prepositions, "village of", "town of"...
_AR_CUE_WORDS = frozenset(
    "في الي من علي نحو قرب داخل اطراف محيط قريه قري بلده بلدات بلدتي قريتي مدينه مدن منطقه حي احياء مخيم ناحيه ريف "
    "مدخل شرق غرب شمال جنوب شرقي غربي شمالي جنوبي".split()
)
_AR_LIST_GAP = re.compile(r"\A\s*(?:[،,]\s*)?(?:و|او\s+)?\Z")


# Arabic spatial phrases: "ريف X" (countryside), "محافظة X" (province), "أطراف X" (outskirts), then a direction after X
_AR_BEFORE_FEATURE = re.compile(
    r"(?:(?<!\w)|(?<=(?<!\w)[وفب]))(?P<feat>ريف|أرياف|ارياف|محافظة|محافظه|أطراف|اطراف|ضواحي|محيط)\s+\Z"
)
_AR_FEATURE_CLASS = {
    "ريف": "countryside",
    "ارياف": "countryside",
    "محافظة": "province",
    "محافظه": "province",
    "اطراف": "outskirts",
    "ضواحي": "outskirts",
    "محيط": "outskirts",
}
_AR_AFTER_DIRECTION = re.compile(
    r"\A\s+(?P<dir>(?:ال)?(?:شمالي|جنوبي)(?:\s+(?:ال)?(?:شرقي|غربي))?|(?:ال)?(?:شرقي|غربي)|(?:ال)?(?:أوسط|اوسط))(?!\w)"
)
_AR_DIRECTIONS = {
    "شمالي": "north",
    "جنوبي": "south",
    "شرقي": "east",
    "غربي": "west",
    "اوسط": "central",
    "أوسط": "central",
}


def _with_cue(raw: _Raw) -> _Raw:
    """The match with its cue noted (``dataclasses.replace`` is slow on the hot path)."""
    return _Raw(
        raw.start,
        raw.end,
        raw.key,
        raw.entries,
        raw.first_token,
        raw.last_token,
        raw.sentence_initial,
        raw.loose,
        True,
        raw.bridge,
    )


def _slug(text: str) -> str:
    return "_".join(re.findall(r"\w+", _strip_marks(text).casefold()))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and word[:1].isalpha() and not _ARABIC.match(word)


# an article: "al"/"el" also before a space, the others (which are English words too) only hyphenated or capitalised
_ARTICLE_RE = (
    r"(?:(?:[Aa]l|[Ee]l)[-\s]|(?:ad|an|ar|as|ash|at|az|ez|es|ed|en|er)-|(?:Ad|An|Ar|As|Ash|At|Az|Ez|Es|Ed|En|Er)[-\s])"
)
_NAME_WORD = r"[A-Z][\w'’`]*[\w]"
_NAME = rf"(?:(?<![\w'’`-]){_ARTICLE_RE}?{_NAME_WORD}(?:[-\s]{_ARTICLE_RE}?{_NAME_WORD}){{0,2}})"
# what a named place not in the gazetteer can be, and the kind of the approximate mention
_APPROX_WHAT = {
    "neighbourhood": "neighbourhood",
    "neighborhood": "neighbourhood",
    "quarter": "neighbourhood",
    "district": "neighbourhood",
    "suburb": "neighbourhood",
    "camp": "neighbourhood",
    "airport": "military_site",
    "airbase": "military_site",
    "air base": "military_site",
    "military airport": "military_site",
    "military base": "military_site",
    "crossing": "facility",
    "border crossing": "facility",
    "mall": "facility",
    "hospital": "facility",
    "roundabout": "facility",
    "square": "facility",
    "dam": "facility",
    "bridge": "facility",
    "prison": "facility",
    "checkpoint": "facility",
    "market": "facility",
    "village": "town",
    "town": "town",
}
_WHAT = "|".join(sorted((w.replace(" ", r"\s+") for w in _APPROX_WHAT), key=len, reverse=True))
_CONTAINER = rf"(?:\s+(?:of|in|near|outside)\s+(?:the\s+)?(?:city\s+of\s+)?(?P<city>{_NAME}))?"
_APPROX_PATTERNS = (
    # "the Jobar neighbourhood of Damascus", "Kuwayris airbase", "Karfur Mall in Aleppo"
    re.compile(rf"(?P<name>{_NAME})\s+(?P<what>(?i:{_WHAT}))\b{_CONTAINER}"),
    # "the village of Tal Bisa in Homs", "the neighbourhood of Jobar of Damascus"
    re.compile(
        rf"\b(?i:the)\s+(?P<what>(?i:village|town|neighbou?rhood|district|suburb|quarter))\s+of\s+"
        rf"(?P<name>{_NAME}){_CONTAINER}"
    ),
    # "in Sakhour, in Aleppo governorate" / "in Sakhour, in the northern Hama countryside"
    re.compile(
        rf"\b(?i:in|at)\s+(?P<name>{_NAME}),?\s+(?i:in)\s+(?:(?i:the)\s+)?"
        rf"(?:(?i:north|south|east|west)(?i:ern)?\s+)?(?P<city>{_NAME})\s+(?i:governorate|province|countryside)"
    ),
)
_NAME_TOKEN = re.compile(r"[\w'’`]+(?:-[\w'’`]+)*")
_CONTAINER_KINDS = frozenset({"town", "admin1", "admin2", "admin3", "neighbourhood", "area", "region"})


def _a(kind: str) -> str:
    """ "a town", "an admin2", "an area": a kind with its indefinite article."""
    word = kind.replace("_", " ")
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _not_a_name(word: str) -> bool:
    """A word that does not begin (or belong to) the name of a place: an English word, a demonym, a group."""
    low = word.lower()
    return low in COMMON_WORDS - _ARABIC_GENERIC or low in _PREFIX_OK or low in _DEMONYMS or low in ORGANISATION_WORDS


_LAST_WORD = re.compile(r"[\w'’`-]+\s*\Z")
_PART_WORDS = frozenset("village town neighbourhood neighborhood district suburb quarter".split())
_APPROX_HINT = re.compile(rf"{_WHAT}|governorate|province|countryside")  # on the lower-cased text
APPROX_UNCERTAINTY_M = {"neighbourhood": 6000.0, "military_site": 15000.0, "facility": 10000.0, "town": 20000.0}


MATCH_KEYS_VERSION = 1  # bump when the folding of names changes in a way normalise.py's text does not show


def _gazetteer_keys(
    gazetteer: Gazetteer, name_key: Any, *, use_cache: bool = True
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Every gazetteer entry's names folded (entry id -> one key per name), from a cache file when one was written
    for this very gazetteer file and folding code, else computed with ``name_key`` and cached for the next process
    (folding 70,000 names is most of the time it takes to build the matcher). The cache is JSON in
    ``<home>/cache/``, written whole or not at all; any trouble with it only means computing again."""
    path = gazetteer.path
    cache = None
    if path is not None and use_cache:
        try:
            digest = hashlib.sha256(path.read_bytes())
            digest.update(inspect.getsource(_normalise_module).encode())  # the folding code, as it is now
            digest.update(inspect.getsource(Geoparser._name_key).encode())
            digest.update(f"{MATCH_KEYS_VERSION}:{len(gazetteer)}".encode())
            cache = resources.home() / "cache" / f"gazetteer-keys-{digest.hexdigest()[:32]}.json"
            data = json.loads(cache.read_text(encoding="utf-8"))
            if isinstance(data, dict) and len(data) == len(gazetteer):
                return {k: tuple(tuple(key) for key in keys) for k, keys in data.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            pass
    found = {e.id: tuple(name_key(n) for n in e.names) for e in gazetteer.entries}
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".gazetteer-keys-", suffix=".json", dir=cache.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(found, f, ensure_ascii=False, separators=(",", ":"))
                os.chmod(tmp, 0o644)
                os.replace(tmp, cache)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return found


@dataclass(frozen=True)
class _Raw:
    """A trie match before resolution."""

    start: int
    end: int
    key: tuple[str, ...]
    entries: tuple[int, ...]
    first_token: int
    last_token: int
    sentence_initial: bool
    loose: bool = False  # matched on the consonant skeleton, not the fold
    cue: bool = False  # a place cue next to it: "in", "village of", "X neighbourhood", a list of places
    bridge: bool = False  # a skeleton match no Latin spelling confirms: kept only with context nearby


@dataclass(frozen=True)
class _Ranking:
    """The readings of one name in one text, best first."""

    ranked: tuple[tuple[float, int], ...]  # (score, entry index)
    probs: tuple[float, ...]
    confidence: float
    candidates: tuple[Candidate, ...]
    spread: bool  # readings more than SAME_PLACE_KM apart (context can change the choice)
    reason: str = ""  # why the first reading won


@dataclass(frozen=True)
class _Spatial:
    bearing: float | None
    cls: str  # countryside, outskirts, part, province, near
    start: int
    end: int
    phrase: str
    coordinated: tuple[tuple[float | None, int, int], ...] = ()  # (bearing, start, end) of "western and ..."


def _light(text: str) -> str:
    """Spelling-sensitive comparison form (exact-name bonus)."""
    return " ".join(_MARKS.sub(" ", _strip_marks(text).casefold()).split())


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘«([*•":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r|"


class Geoparser:
    """Find and resolve place mentions. Built once (gazetteer + scenario); thread-safe to use."""

    def __init__(self, gazetteer: Gazetteer, *, scenario: Scenario | None = None, cache_keys: bool = True) -> None:
        """``cache_keys=False``: fold every name now, neither reading nor writing the key cache (benchmarks)."""
        self.gazetteer = gazetteer
        self.scenario = scenario
        self._scenario_places: dict[str, Place] = {p.id: p for p in scenario.places} if scenario else {}
        self._lock = threading.Lock()
        self._geo: dict[str, Any] | None = None
        self._fold_cache: dict[str, str] = {}
        self._loose_tokens: dict[str, str] = {}  # folded token -> skeleton ("\x01" appended: not the last word)
        entries: list[Entry] = [
            e for e in gazetteer.entries if not (e.place_id and e.place_id in self._scenario_places)
        ]
        self._scenario_first = len(entries)
        entries += [self._scenario_entry(p) for p in (scenario.places if scenario else ())]
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._index = {e.id: i for i, e in enumerate(self.entries)}
        self._light_names: dict[int, frozenset[str]] = {}  # filled on demand (exact-spelling bonus)
        self._root: dict[str, Any] = {}
        self._by_key: dict[tuple[str, ...], list[int]] = {}
        known = _gazetteer_keys(gazetteer, self._name_key, use_cache=cache_keys)
        for i, e in enumerate(self.entries):
            keys = known.get(e.id) if i < self._scenario_first else None
            for key in keys if keys is not None else (self._name_key(n) for n in e.names):
                if not key or sum(map(len, key)) < 3:  # "Al `Al" folds to "al": no name to match on
                    continue
                bucket = self._by_key.setdefault(key, [])
                if i not in bucket:
                    bucket.append(i)
        self._loose_root: dict[str, Any] = {}
        by_loose: dict[tuple[str, ...], list[int]] = {}
        for key, bucket in self._by_key.items():
            node = self._root
            for tok in key:
                node = node.setdefault(tok, {})
            node[_TERM] = tuple(bucket)
            skeleton = self._skeleton_of(key)
            if sum(map(len, skeleton)) >= LOOSE_MIN_CONSONANTS and all(skeleton):
                found = by_loose.setdefault(skeleton, [])
                found.extend(x for x in bucket if x not in found)
        for skeleton, bucket in by_loose.items():
            node = self._loose_root
            for tok in skeleton:
                node = node.setdefault(tok, {})
            node[_TERM] = tuple(bucket)
        self._latin_keys: dict[int, tuple[str, ...]] = {}  # entry -> its Latin names folded (loose checks)
        self._loose_cache: dict[tuple[str, int], bool] = {}
        self._context_cache: dict[tuple[Any, ...], _Ranking] = {}
        self._last_sentences: tuple[str, list[int]] | None = None
        self._light_cache: dict[str, str] = {}
        self._near_admin1: dict[tuple[str, str, float], bool] = {}
        self._admin1_names = {
            (e.pcode or e.admin1): e.name for e in self.entries if e.kind == "admin1" and (e.pcode or e.admin1)
        }
        self._rank_cache: dict[tuple[Any, ...], _Ranking] = {}
        self._derived: dict[tuple[Any, ...], BaseGeometry | None] = {}
        self._registry: dict[tuple[Any, ...], str] = {}  # (bearing, cls, anchor key) -> scenario entry id
        self._phrase_of: dict[int, tuple[float | None, str, tuple[str, ...]]] = {}  # area entry -> its parse
        self._build_registry()

    # ------------------------------------------------------------------ construction helpers

    def _scenario_entry(self, place: Place) -> Entry:
        names = (place.name_en, place.name_ar, *place.aliases)
        lat, lon = place.anchor
        keys = {_key(n) for n in names if n}
        country, admin1, population, border = "", "", None, None
        linked = [e for e in self.gazetteer.entries if e.place_id == place.id]
        near = [
            e
            for e in self.gazetteer.entries
            if e.kind in ("town", "neighbourhood", "military_site")
            and abs(e.lat - lat) < 0.1
            and abs(e.lon - lon) < 0.15
            and haversine_km((lat, lon), e.point) < 10
            and any(_key(n) in keys for n in e.names)
        ]
        for e in linked + near:
            country, admin1, population = e.country, e.admin1, e.population
            break
        if place.kind.value == "border":  # which border: the gazetteer's entry for this place says (e.g. SY-LB)
            border = next((e.border for e in linked if e.border), None)
        if not country:
            country = self._country_at(lat, lon) or ""
        return Entry(
            id=f"scenario:{place.id}",
            name=place.name_en,
            names=tuple(n for n in names if n),
            kind=place.kind.value,
            lat=lat,
            lon=lon,
            country=country,
            admin1=admin1,
            population=population,
            source="scenario",
            source_id=place.id,
            licence="",
            place_id=place.id,
            uncertainty_m=place.uncertainty_m,
            border=border,
        )

    def _country_at(self, lat: float, lon: float) -> str | None:
        geo = self._geodata()
        point = Point(lon, lat)
        for iso2, geom in geo["countries"].items():
            if geom.contains(point):
                return iso2
        return None

    def _build_registry(self) -> None:
        """Parse the names of area / region entries ("Western countryside of Homs") into
        (direction, class, anchor key), so a phrase in text finds the scenario's own area."""
        point_kinds = {*POINT_KINDS, "admin1", "country"}
        for i, e in enumerate(self.entries):
            if e.kind not in ("area", "region"):
                continue
            for name in e.names:
                for raw in self._raw_matches(name, allowed_kinds=point_kinds):
                    hit = self._spatial_at(name, raw.start, raw.end)
                    if hit is None or hit.cls in ("province", "near"):
                        continue
                    self._phrase_of.setdefault(i, (hit.bearing, hit.cls, raw.key))
                    if i >= self._scenario_first:
                        self._registry.setdefault((hit.bearing, hit.cls, raw.key), e.id)

    # ------------------------------------------------------------------ geodata (lazy)

    def _geodata(self) -> dict[str, Any]:
        if self._geo is not None:
            return self._geo
        with self._lock:
            if self._geo is None:
                layers: dict[str, Any] = dict(self.scenario.basemap) if self.scenario is not None else {}
                folder = self.gazetteer.basemap_dir
                theatre = self.gazetteer.theatre
                for name in (*theatre.admin1_layers, theatre.countries_layer):
                    if name not in layers and (folder / f"{name}.geojson").exists():
                        layers[name] = json.loads((folder / f"{name}.geojson").read_text(encoding="utf-8"))
                adm1: dict[str, BaseGeometry] = {}
                for name in theatre.admin1_layers:
                    for feat in (layers.get(name) or {}).get("features", []):
                        code = (feat.get("properties") or {}).get("pcode") or feat.get("id")
                        adm1[str(code)] = shapely.make_valid(shape(feat["geometry"]))
                countries: dict[str, BaseGeometry] = {}
                for feat in (layers.get(theatre.countries_layer) or {}).get("features", []):
                    iso2 = theatre.country_ids.get(str(feat.get("id")))
                    if iso2:
                        countries[iso2] = shapely.make_valid(shape(feat["geometry"]))
                for geom in list(adm1.values()) + list(countries.values()):
                    shapely.prepare(geom)
                self._geo = {"adm1": adm1, "countries": countries}
        return self._geo

    # ------------------------------------------------------------------ matching

    def _fold(self, token: str) -> str:
        folded = self._fold_cache.get(token)
        if folded is None:
            folded = _fold_token(token)
            if len(self._fold_cache) > 200_000:
                self._fold_cache.clear()
            self._fold_cache[token] = folded
        return folded

    def _name_key(self, name: str) -> tuple[str, ...]:
        """:func:`mapdata.text.normalise._key` with the token fold cached (names repeat their words)."""
        toks = [t for _, _, t in tokens(name)]
        out = []
        last = len(toks) - 1
        for i, tok in enumerate(toks):
            if i < last and _MARKS.sub("", tok.casefold()) in ARTICLES:
                continue
            folded = self._fold(tok)
            if folded:
                out.append(folded)
        return tuple(out)

    def _light_of(self, idx: int) -> frozenset[str]:
        found = self._light_names.get(idx)
        if found is None:
            found = self._light_names[idx] = frozenset(_light(n) for n in self.entries[idx].names)
        return found

    def _latin_of(self, idx: int) -> tuple[str, ...]:
        found = self._latin_keys.get(idx)
        if found is None:
            found = tuple(
                " ".join(k) for k in {self._name_key(n) for n in self.entries[idx].names if not _ARABIC.search(n)} if k
            )
            self._latin_keys[idx] = found
        return found

    @staticmethod
    def _is_article(text: str, toks: Sequence[tuple[int, int, str]], j: int) -> bool:
        """Whether token j is an article joined to the next token."""
        s, e, word = toks[j]
        low = word.lower()
        if low not in ARTICLES or j + 1 >= len(toks) or e >= len(text):
            return False
        sep = text[e : toks[j + 1][0]]
        if len(sep) != 1:
            return False
        if sep in _HYPHENS:
            return True
        if sep != " ":
            return False
        if low in _ARTICLES_ANY_SEPARATOR:
            return True
        # "Ash Shaykh", "As Suwayda": capitalised, mid-sentence, before a capitalised word
        nxt = toks[j + 1][2]
        return (
            word[0].isupper() and nxt[:1].isupper() and (low not in _ARTICLES_ENGLISH or not _sentence_initial(text, s))
        )

    def _raw_matches(self, text: str, *, allowed_kinds: set[str] | None = None) -> list[_Raw]:
        toks = tokens(text)
        n = len(toks)
        fold, cache = self._fold, self._fold_cache
        norms = [cache.get(w) or fold(w) for _, _, w in toks]
        root = self._root
        if _ARABIC.search(text):
            toks, norms = self._without_proclitics(toks, norms)
        entries = self.entries
        out: list[_Raw] = []
        i = 0
        while i < n:
            node = root.get(norms[i])
            if node is None or (norms[i] in ARTICLES and self._is_article(text, toks, i)):
                i += 1  # an article joined to the next word ("ad-Dabaa") belongs to the name after it
                continue
            found: list[tuple[int, tuple[int, ...]]] = []
            j = i
            while True:
                term = node.get(_TERM)
                if term:
                    if allowed_kinds is not None:
                        term = tuple(x for x in term if entries[x].kind in allowed_kinds)
                    if term:
                        found.append((j, term))
                k = j + 1
                while k < n and self._is_article(text, toks, k):
                    k += 1
                if k >= n:
                    break
                gap = text[toks[k - 1][1] : toks[k][0]]
                if not gap or len(gap) > 2 or gap.strip(" " + _HYPHENS + "'’"):
                    break
                child = node.get(norms[k]) if norms[k] else None
                if child is None:
                    break
                node, j = child, k
            accepted = None
            previous_end = out[-1].last_token if out else -1
            for j, term in reversed(found):
                raw = self._accept(text, toks, norms, i, j, term, previous_end)
                if raw is not None:
                    accepted = raw
                    break
            if accepted is None:
                i += 1
                continue
            if self._has_cue(text, accepted, out[-1] if out else None):
                accepted = _with_cue(accepted)
            out.append(accepted)
            i = accepted.last_token + 1
        if self._loose_root and allowed_kinds is None:
            extra = self._loose_matches(text, toks, norms, out)
            if extra:
                out = sorted(out + extra, key=lambda r: r.start)
        return out

    def _scenario_term(self, norms: Sequence[str], first: int, last: int) -> bool:
        """Whether norms[first..last] is a name of one of the scenario's own places."""
        node: dict[str, Any] | None = self._root
        for k in range(first, last + 1):
            node = node.get(norms[k]) if node is not None else None
        term: tuple[int, ...] = (node.get(_TERM) or ()) if node is not None else ()
        return any(x >= self._scenario_first for x in term)

    def _without_proclitics(
        self, toks: list[tuple[int, int, str]], norms: list[str]
    ) -> tuple[list[tuple[int, int, str]], list[str]]:
        """Arabic words with a joined proclitic (و and, ف so, ب in, ل to, ك as; "بريف", "وبالقصير") that no name
        starts with, read as the word after it, when a name starts with that."""
        root = self._root
        toks, norms = list(toks), list(norms)
        for k, (start, end, word) in enumerate(toks):
            if word[:1] not in _PROCLITICS or norms[k] in root or not _ARABIC.match(word):
                continue
            for cut in (1, 2):
                if cut == 2 and word[1:2] not in "بلك":
                    break
                rest = word[cut:]
                if len(rest) < 2:
                    break
                folded = self._fold(rest)
                if folded in root:
                    toks[k], norms[k] = (start + cut, end, rest), folded
                    break
        return toks, norms

    @staticmethod
    def _has_cue(text: str, raw: _Raw, previous: _Raw | None) -> bool:
        """A place cue next to the match: a preposition or "the village of" before it, "village",
        "neighbourhood", ", in ..." after it, or the previous place right before it in a list."""
        if _ARABIC.match(text, raw.start):  # "في X", "قرية X", "بX" (a proclitic), "X، Y و Z"
            if raw.start and text[raw.start - 1] in _PROCLITICS:
                return True
            before = text[max(0, raw.start - 30) : raw.start].split()
            if before and _fold_token(before[-1]) in _AR_CUE_WORDS:
                return True
            return previous is not None and bool(_AR_LIST_GAP.match(text[previous.end : raw.start]))
        if raw.start and text[raw.start - 1].isspace():
            words = text[max(0, raw.start - 40) : raw.start].lower().split()[-4:]
            if words and words[-1] == "the":
                words.pop()
            if words and words[-1] in _CUE_WORDS:
                if words[-1] != "of" or len(words) < 2 or words[-2] in _PLACE_WORDS or words[-2] in _CUE_WORDS:
                    return True
        if _CUE_AFTER.match(text[raw.end : raw.end + 30]):
            return True
        return previous is not None and bool(_LIST_GAP.match(text[previous.end : raw.start]))

    def _loose_matches(
        self, text: str, toks: Sequence[tuple[int, int, str]], norms: Sequence[str], exact: Sequence[_Raw]
    ) -> list[_Raw]:
        """Matches on the consonant skeleton, for the capitalised words no exact match covers; each keeps only
        the readings spelled close enough (or, for a long skeleton, bridged by the Arabic name)."""
        covered: set[int] = set()
        for match in exact:
            covered.update(range(match.first_token, match.last_token + 1))
        exact_ends = [match.end for match in exact]  # in text order
        n = len(toks)
        out: list[_Raw] = []
        starts = [
            i
            for i, (_, _, word) in enumerate(toks)
            if word[:1].isupper() and i not in covered and word.lower() not in _NOT_A_START
        ]
        if not starts:
            return out
        i = starts[0]
        while i < n:
            word = toks[i][2]
            if (
                i in covered
                or not _capitalised(word)
                or word.lower() in _NOT_A_START
                or (word.lower() in ARTICLES and self._is_article(text, toks, i))
            ):
                i += 1
                continue
            norm = norms[i]
            if not norm or (
                self._loose_token(norm) not in self._loose_root
                and not (len(norm) > 4 and norm[:2] in ("al", "el") and self._loose_token(norm[2:]) in self._loose_root)
            ):
                i += 1  # no name's skeleton starts with this word
                continue
            found: list[tuple[int, tuple[int, ...]]] = []
            self._loose_walk(text, toks, norms, covered, i, self._loose_root, found)
            found.sort(key=lambda jt: jt[0])
            accepted: _Raw | None = None
            for j, term in reversed(found):
                folded = " ".join(norms[m] for m in range(i, j + 1) if norms[m] and not self._is_article(text, toks, m))
                skeleton = sum(len(self._loose_token(norms[m])) for m in range(i, j + 1))
                keep = tuple(x for x in term if self._loose_ok(folded, x, skeleton))
                raw = self._accept(text, toks, norms, i, j, keep or term, out[-1].last_token if out else -1)
                if raw is not None:
                    accepted = replace(raw, loose=True, bridge=not keep)
                    break
            if (
                accepted is not None
                and accepted.sentence_initial
                and accepted.first_token == accepted.last_token
                and not _LIST_AFTER.match(text, accepted.end)
            ):
                accepted = None  # "Shells fell...": one capitalised word opening a sentence is no sign of a name
            if accepted is None:
                i += 1
                continue
            at = bisect.bisect_right(exact_ends, accepted.start)
            previous = exact[at - 1] if at else None
            if out and (previous is None or out[-1].end > previous.end):
                previous = out[-1]
            out.append(replace(accepted, cue=self._has_cue(text, accepted, previous)))
            i = accepted.last_token + 1
        return out

    def _skeleton_of(self, key: tuple[str, ...]) -> tuple[str, ...]:
        """:func:`loose_key` of a folded name, token by token through the cache (names share their words)."""
        last = len(key) - 1
        cache = self._loose_tokens
        out = []
        for i, tok in enumerate(key):
            slot = tok if i == last else tok + "\x01"
            found = cache.get(slot)
            if found is None:
                found = cache[slot] = loose_key((tok, ""))[0] if i != last else loose_key((tok,))[0]
            out.append(found)
        return tuple(out)

    def _loose_token(self, folded: str) -> str:
        found = self._loose_tokens.get(folded)
        if found is None:
            if len(self._loose_tokens) > 200_000:
                self._loose_tokens.clear()
            found = self._loose_tokens[folded] = loose_key((folded,))[0]
        return found

    def _spelling(self, folded: str, idx: int) -> float:
        """How close the text's folded spelling is to the entry's closest Latin name (difflib ratio)."""
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(folded)
        best = 0.0
        for name in self._latin_of(idx):
            matcher.set_seq1(name)
            if matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
        return best

    def _loose_walk(
        self,
        text: str,
        toks: Sequence[tuple[int, int, str]],
        norms: Sequence[str],
        covered: AbstractSet[int],
        k: int,
        node: dict[str, Any],
        found: list[tuple[int, tuple[int, ...]]],
    ) -> None:
        """Walk the skeleton trie from token k; each (last token, readings) that ends a name goes to ``found``.
        A token with the article written on ("Aldar", "Alhara") is tried both whole and without it."""
        if k >= len(toks) or k in covered or not norms[k]:
            return
        variants = [self._loose_token(norms[k])]
        if len(norms[k]) > 4 and norms[k][:2] in ("al", "el"):
            variants.append(self._loose_token(norms[k][2:]))
        for variant in variants:
            child = node.get(variant)
            if child is None:
                continue
            term = child.get(_TERM)
            if term:
                found.append((k, term))
            nxt = k + 1
            while nxt < len(toks) and self._is_article(text, toks, nxt):
                nxt += 1
            if nxt >= len(toks) or not toks[nxt][2][:1].isalpha():
                continue
            if toks[nxt][2].lower() in COMMON_WORDS - _ARABIC_GENERIC:
                continue
            gap = text[toks[nxt - 1][1] : toks[nxt][0]]
            if not gap or len(gap) > 2 or gap.strip(" " + _HYPHENS + "'’"):
                continue
            self._loose_walk(text, toks, norms, covered, nxt, child, found)

    def _loose_ok(self, folded: str, idx: int, skeleton: int) -> bool:
        """A skeleton match is kept when the text's spelling is close to one of the entry's Latin names, or
        when the skeleton is long enough to be that name's alone (an Arabic-script name bridges it)."""
        if skeleton >= LOOSE_SKELETON_ALONE:
            return True
        key = (folded, idx)
        found = self._loose_cache.get(key)
        if found is None:
            if len(self._loose_cache) > 100_000:
                self._loose_cache.clear()
            found = self._loose_cache[key] = self._spelling(folded, idx) >= LOOSE_RATIO
        return found

    def _major(self, term: tuple[int, ...]) -> bool:
        """Whether a reading is well known enough to stand inside a longer capitalised phrase."""
        for x in term:
            e = self.entries[x]
            if e.kind in ("country", "admin1", "region", "area", "border") or x >= self._scenario_first:
                return True
            if e.population and e.population >= 100_000:
                return True
        return False

    def _accept(
        self,
        text: str,
        toks: Sequence[tuple[int, int, str]],
        norms: Sequence[str],
        i: int,
        j: int,
        term: tuple[int, ...],
        previous_end: int = -1,
    ) -> _Raw | None:
        """Filter one candidate match toks[i..j]; None when it is not a place mention.

        ``previous_end`` is the index of the last token of the previous accepted match."""
        first = i
        if i > 0 and self._is_article(text, toks, i - 1) and toks[i - 1][1] >= toks[i][0] - 1:
            first = i - 1
        has_article = first < i
        content = [toks[k][2] for k in range(i, j + 1) if not (k > i and self._is_article(text, toks, k))]
        initial = _sentence_initial(text, toks[first][0])
        latin = [w for w in content if w[:1].isalpha() and not _ARABIC.match(w)]
        if latin and len(latin) == len(content):
            lowered = [w[0].islower() for w in latin]
            if initial and not has_article and len(latin) > 1 and latin[0].lower() in COMMON_WORDS:
                lowered[0] = True  # "The south" at the start of a sentence is still "the south"
            if all(lowered) and not (has_article and len(content) == 1):
                return None
            if not has_article and all(w.lower() in COMMON_WORDS for w in latin):
                # "Tell Sultan", "Bab Amr": Arabic generic words make a name together; English words do not
                if len(latin) == 1 or any(w.lower() in COMMON_WORDS - _ARABIC_GENERIC for w in latin):
                    return None
            # part of a longer capitalised name we do not know: "Ahrar al-Sham", "Bashar al-Assad",
            # "Teir Maalah" (not Malah), "Shahba Press" (an outlet)
            if first > 0 and first - 1 > previous_end and len(content) == 1:
                p_start, p_end, p_word = toks[first - 1]
                gap = text[p_end : toks[first][0]]
                if (
                    gap == " "
                    and p_word[:1].isupper()
                    and not p_word.isupper()
                    and not _ARABIC.match(p_word)
                    and p_word.lower() not in COMMON_WORDS
                    and p_word.lower() not in _PREFIX_OK
                    and p_word.lower() not in _DEMONYMS
                    and (has_article or (not _sentence_initial(text, p_start) and not self._major(term)))
                ):
                    return None
            if j + 1 < len(toks) and text[toks[j][1] : toks[j + 1][0]] == " ":
                nxt = toks[j + 1][2]
                if nxt[:1].isupper() and nxt.lower() in OUTLET_WORDS:
                    return None
            # "SOHR", "SDF": an acronym is not a village
            if len(content) == 1 and content[0].isupper() and len(content[0]) <= 5 and not has_article:
                if not self._major(term) and text.upper() != text:
                    return None
            # "Salma Zarbuta": a village's name followed by an unknown capitalised word is part of a longer name
            if len(content) == 1 and j + 1 < len(toks) and not self._major(term) and not has_article:
                nxt = toks[j + 1][2]
                if (
                    text[toks[j][1] : toks[j + 1][0]] == " "
                    and _capitalised(nxt)
                    and not nxt.isupper()
                    and nxt.lower() not in COMMON_WORDS
                    and nxt.lower() not in _PREFIX_OK
                    and norms[j + 1] not in self._root
                ):
                    return None
            # "Salah al-Din", "Bustan al-Qasr": a village's name is the start of a longer one we do not know
            if len(content) == 1 and j + 2 < len(toks) and not self._major(term):
                if self._is_article(text, toks, j + 1) and _capitalised(toks[j + 2][2]):
                    if text[toks[j][1] : toks[j + 1][0]] in (" ", "-"):
                        return None
        elif len(content) == 1 and norms[i] in ARABIC_COMMON:
            return None
        elif len(content) > 1 and norms[i] in ARABIC_COMMON and self._scenario_term(norms, i + 1, j):
            return None  # "منطقة القصير" (the area of al-Qusayr): the scenario's al-Qusayr, read from the next word
        key = tuple(norms[k] for k in range(i, j + 1) if norms[k] and not (k > i and self._is_article(text, toks, k)))
        return _Raw(toks[first][0], toks[j][1], key, term, first, j, initial)

    # ------------------------------------------------------------------ scoring

    def _base_score(self, idx: int, *, countries: AbstractSet[str], demonyms: AbstractSet[str], light: str) -> float:
        e = self.entries[idx]
        home, neighbours = self.gazetteer.theatre.home_countries, self.gazetteer.theatre.neighbours
        score = KIND_PRIOR.get(e.kind, 0.2) + e.prior
        if e.kind == "town":  # the gazetteer holds every hamlet: the size of a place is a strong prior
            score += (
                POPULATION_WEIGHT * min(1.0, math.log10(e.population) / 6) if e.population and e.population > 1 else 0.0
            )
        if countries:
            score += 0.4 if (e.country in home and countries & home) else 0.1 if e.country in home else 0.0
        else:
            score += 0.4 if e.country in home else 0.15 if e.country in neighbours else 0.0
        if e.country in countries and e.kind != "country":
            score += COUNTRY_CONTEXT
        elif e.country in demonyms and e.kind != "country":
            score += DEMONYM_CONTEXT
        if idx >= self._scenario_first:
            score += SCENARIO_BONUS
        if light in self._light_of(idx):
            score += EXACT_BONUS
        return score

    def _dedupe(self, scored: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Best first; a candidate within 3 km of a better one of the same kind group is the same place."""
        kept: list[tuple[float, int]] = []
        for score, idx in sorted(scored, key=lambda si: (-si[0], self.entries[si[1]].id)):
            e = self.entries[idx]
            group = _KIND_GROUP.get(e.kind, e.kind)
            if any(
                _KIND_GROUP.get(self.entries[k].kind) == group
                and haversine_km(e.point, self.entries[k].point) < DEDUPE_KM
                for _, k in kept
            ):
                continue
            kept.append((score, idx))
        return kept

    def _probabilities(self, ranked: list[tuple[float, int]]) -> list[float]:
        top = ranked[0][0]
        weights = [math.exp((s - top) / TEMPERATURE) for s, _ in ranked]
        total = sum(weights)
        return [w / total for w in weights]

    def _ranking(self, ranked: list[tuple[float, int]], *, countries: AbstractSet[str] = frozenset()) -> _Ranking:
        probs = self._probabilities(ranked)
        points = [self.entries[x].point for _, x in ranked]
        spread = len(ranked) > 1 and max(haversine_km(points[0], p) for p in points[1:]) > SAME_PLACE_KM
        return _Ranking(
            tuple(ranked),
            tuple(probs),
            self._confidence(ranked, probs),
            self._candidates(ranked, probs),
            spread,
            self._reason(ranked, countries),
        )

    def _first_pass(
        self, raw: _Raw, text: str, countries: frozenset[str], demonyms: frozenset[str], *, regional: bool = False
    ) -> _Ranking:
        """Candidates ranked on priors and the countries the text names (cached: texts repeat names);
        ``regional``: the text calls it a region ("the X countryside"), so governorates and cities first."""
        span = text[raw.start : raw.end]
        light = self._light_cache.get(span)
        if light is None:
            if len(self._light_cache) > 100_000:
                self._light_cache.clear()
            light = self._light_cache[span] = _light(span)
        cache_key = (raw.entries, countries, demonyms, light, raw.loose, regional)
        found = self._rank_cache.get(cache_key)
        if found is None:
            folded = " ".join(raw.key)
            scored = [
                (
                    self._base_score(x, countries=countries, demonyms=demonyms, light=light)
                    + (LOOSE_SPELLING * self._spelling(folded, x) if raw.loose else 0.0)
                    + (SPATIAL_ANCHOR if regional and self._regional(x) else 0.0),
                    x,
                )
                for x in raw.entries
            ]
            found = self._ranking(self._dedupe(scored), countries=countries)
            if len(self._rank_cache) > 50_000:
                self._rank_cache.clear()
            self._rank_cache[cache_key] = found
        return found

    def _minor(self, raw: _Raw) -> bool:
        """A match that could be any of many small places: one Latin word, no article, every reading a
        village or neighbourhood below MINOR_POPULATION (or a skeleton match)."""
        if raw.loose:
            return True
        if raw.first_token != raw.last_token:
            return False
        for x in raw.entries:
            e = self.entries[x]
            if x >= self._scenario_first or e.kind not in ("town", "neighbourhood"):
                return False
            if (e.population and e.population >= MINOR_POPULATION) or e.source not in ("wof", "geonames"):
                return False
        return True

    def _supported(self, raws: list[_Raw], text: str) -> list[_Raw]:
        """Drop the small-place matches nothing in the text supports. A village named by one word (or found
        on its skeleton) is kept when one of its readings lies near another place of the text or in a
        governorate the text names, or with a place cue ("in X", "the village of X", "X, in Y"); a skeleton
        match then keeps only the supported readings, and one no spelling confirms needs that support. When
        the text says where it is ("X, in Y governorate", "X in the Y countryside", "X neighbourhood of Z") and no
        reading lies there, the match is not this place (an approximate mention may take it instead)."""
        weak = {i for i, r in enumerate(raws) if self._minor(r)}
        if not weak:
            return raws
        anchors: list[tuple[float, float]] = []
        admins: set[str] = set()
        admin_of: dict[int, str] = {}  # raw -> the governorate it names (itself, or as its district / city)
        for i, r in enumerate(raws):
            if i in weak:
                continue
            top = self.entries[self._first_pass(r, text, frozenset(), frozenset()).ranked[0][1]]
            if top.kind == "admin1":
                admin_of[i] = top.pcode or top.admin1
            elif top.kind in ANCHOR_KINDS:
                anchors.append(top.point)
                if top.kind == "admin2" or (top.population or 0) >= ADMIN_CITY_POPULATION:
                    admin_of[i] = top.admin1
        admins.update(code for code in admin_of.values() if code)
        anchors = sorted({(round(a[0], 2), round(a[1], 2)) for a in anchors})  # a long text repeats its places
        kept: dict[int, _Raw] = {i: r for i, r in enumerate(raws) if i not in weak}
        pending: list[int] = []  # no support yet: the villages kept below may give it (a list of villages)
        for i, r in enumerate(raws):
            if i not in weak:
                continue
            # "X in the eastern Daraa countryside", "X, in Aleppo governorate": the text says where X is
            following = next((k for k in range(i + 1, len(raws)) if k not in weak), None)
            if following is not None:
                gap = text[r.end : raws[following].start]
                if following in admin_of and _IN_GAP.match(gap):
                    if not any(self._in_admin1(self.entries[x], admin_of[following]) for x in r.entries):
                        continue
                if _PART_OF_GAP.match(gap):
                    city = self.entries[self._first_pass(raws[following], text, frozenset(), frozenset()).ranked[0][1]]
                    if not any(haversine_km(self.entries[x].point, city.point) <= PART_OF_KM for x in r.entries):
                        continue
            near = tuple(
                x
                for x in r.entries
                if self.entries[x].admin1 in admins
                or any(haversine_km(self.entries[x].point, a) <= SUPPORT_KM for a in anchors)
            )
            if near:
                kept[i] = replace(r, entries=near) if r.loose else r
            elif r.cue and not r.bridge:
                kept[i] = r
            else:
                pending.append(i)
        if pending:
            villages: dict[
                tuple[float, float], set[tuple[str, ...]]
            ] = {}  # point -> the names that put a village there
            for k, r in kept.items():
                if k in weak:
                    ranking = self._first_pass(r, text, frozenset(), frozenset())
                    if ranking.confidence >= 0.5:  # a village of many namesakes supports nothing
                        point = self.entries[ranking.ranked[0][1]].point
                        villages.setdefault(point, set()).add(r.key)
            for i in pending:
                r = raws[i]
                near = tuple(
                    x
                    for x in r.entries
                    if any(
                        haversine_km(self.entries[x].point, p) <= SUPPORT_KM and keys != {r.key}
                        for p, keys in villages.items()
                    )
                )
                if near:
                    kept[i] = replace(r, entries=near) if r.loose else r
        return [kept[i] for i in sorted(kept)]

    def _in_admin1(self, entry: Entry, code: str, *, reach: float = 0.1) -> bool:
        """In the governorate, or within ``reach`` degrees of its outline (0.1: about 10 km; points near a
        border, simplified outlines)."""
        if entry.admin1 == code:
            return True
        key = (entry.id, code, reach)
        found = self._near_admin1.get(key)
        if found is None:
            outline = self._geodata()["adm1"].get(code)
            found = outline is not None and outline.distance(Point(entry.lon, entry.lat)) < reach
            if len(self._near_admin1) > 100_000:
                self._near_admin1.clear()
            self._near_admin1[key] = found
        return found

    @staticmethod
    def _names_a_region(text: str, raw: _Raw) -> bool:
        """ "the X countryside", "countryside of X", "X governorate", "rural X": X is a governorate or a city."""
        before, after = text[max(0, raw.start - _WINDOW) : raw.start], text[raw.end : raw.end + _WINDOW]
        if not (_SPATIAL_HINT_LOWER.search(before.lower()) or _SPATIAL_HINT_LOWER.search(after.lower())):
            return False
        return bool(
            _AFTER_FEATURE.match(after)
            or _AFTER_PROVINCE.match(after)
            or _BEFORE_OF.search(before)
            or _BEFORE_PROVINCE.search(before)
            or _BEFORE_RURAL.search(before)
        )

    def _regional(self, idx: int) -> bool:
        e = self.entries[idx]
        return e.kind in ("admin1", "admin2", "region") or (e.kind == "town" and (e.population or 0) >= 50_000)

    def _sentences(self, text: str) -> list[int]:
        """Offsets where the text's sentences end (the last text's, kept: one find_places asks three times)."""
        last = self._last_sentences
        if last is not None and last[0] is text:
            return last[1]
        bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
        self._last_sentences = (text, bounds)
        return bounds

    def _resolve(
        self,
        raws: Sequence[_Raw],
        text: str,
        *,
        extra_anchors: Sequence[tuple[tuple[float, float], float]] = (),
        extra_countries: Iterable[str] = (),
    ) -> list[_Ranking]:
        """Ranked candidates per raw match, in two passes: priors (and the countries named), then the
        context: a governorate (or district, or large city) the text names near the mention first, then
        nearness to the other places of the text. One reading per name and text; each says why it won."""
        demonyms = (
            frozenset(_DEMONYMS[m.group()] for m in _DEMONYM_LOWER.finditer(text.lower())) if text else frozenset()
        )
        countries_set = set(extra_countries)
        for raw in raws:
            if all(self.entries[x].kind == "country" for x in raw.entries):
                countries_set.update(self.entries[x].country for x in raw.entries)
        countries = frozenset(countries_set)
        bounds = self._sentences(text)
        first_pass: dict[tuple[str, ...], _Ranking] = {}
        sentence_of: dict[tuple[str, ...], int] = {}
        for raw in raws:
            if raw.key not in first_pass:
                ranking = self._first_pass(raw, text, countries, demonyms)
                if ranking.spread and self._names_a_region(text, raw):
                    ranking = self._first_pass(raw, text, countries, demonyms, regional=True)
                first_pass[raw.key] = ranking
                sentence_of[raw.key] = bisect.bisect_right(bounds, raw.start)
        # context: each name's first-pass reading; a governorate, district or large city names its governorate
        anchors: list[tuple[tuple[str, ...], tuple[float, float], float, str]] = []
        admins: list[tuple[tuple[str, ...], str, float, int, str]] = []  # (key, pcode, weight, sentence, name)
        for key, ranking in first_pass.items():
            e = self.entries[ranking.ranked[0][1]]
            if e.kind in ANCHOR_KINDS:
                anchors.append((key, e.point, ranking.probs[0], e.name))
            code = (e.pcode or e.admin1) if e.kind == "admin1" else e.admin1
            weight = (
                1.0
                if e.kind == "admin1"
                else 0.8
                if e.kind == "admin2"
                else 0.6
                if e.kind == "town" and (e.population or 0) >= ADMIN_CITY_POPULATION
                else 0.0
            )
            if code and weight:
                admins.append((key, code, weight * ranking.probs[0], sentence_of[key], e.name))
        result: dict[tuple[str, ...], _Ranking] = {}
        for key, ranking in first_pass.items():
            own_anchors = [(p, w, name) for k, p, w, name in anchors if k != key] + [
                (p, w, "") for p, w in extra_anchors
            ]
            own_admins = [(code, w, sent, name) for k, code, w, sent, name in admins if k != key]
            if not ranking.spread or not (own_anchors or own_admins):
                result[key] = ranking
                continue
            cache_key = (
                ranking.ranked,
                tuple((round(p[0], 3), round(p[1], 3), round(w, 3), name) for p, w, name in own_anchors),
                tuple((code, round(w, 3), sent == sentence_of[key], name) for code, w, sent, name in own_admins),
                countries,
            )
            cached = self._context_cache.get(cache_key)
            if cached is not None:
                result[key] = cached
                continue
            rescored = []
            why: dict[int, tuple[float, str, float, str]] = {}  # entry -> (admin bonus, its why, near bonus, why)
            for score, x in ranking.ranked:
                e = self.entries[x]
                if e.kind == "country":
                    rescored.append((score, x))
                    continue
                admin_bonus, admin_why = 0.0, ""
                for code, w, sent, name in own_admins:
                    closeness = 1.0 if e.admin1 == code else 0.5 if self._in_admin1(e, code, reach=0.25) else 0.0
                    if closeness:
                        same = sent == sentence_of[key]
                        bonus = ADMIN_CONTEXT * w * closeness * (1.0 if same else ADMIN_CONTEXT_ELSEWHERE)
                        if bonus > admin_bonus:
                            where = "in the same sentence" if same else "in the text"
                            inside = "in" if closeness == 1.0 else "just outside"
                            gov = self._admin1_names.get(code, code)
                            admin_bonus, admin_why = bonus, f"{inside} {gov}, named {where}"
                            if name and name != gov:
                                admin_why += f" ({name})"
                near_bonus, near_why = 0.0, ""
                for p, w, name in own_anchors:
                    d = haversine_km(e.point, p)
                    bonus = PROXIMITY_WEIGHT * w * math.exp(-d / PROXIMITY_KM)
                    if bonus > near_bonus:
                        near_bonus = bonus
                        near_why = f"{d:.0f} km from {name}, named in the same text" if name else "near the context"
                why[x] = (admin_bonus, admin_why, near_bonus, near_why)
                rescored.append((score + admin_bonus + near_bonus, x))
            ranked = sorted(rescored, key=lambda si: (-si[0], self.entries[si[1]].id))
            found = self._ranking(ranked, countries=countries)
            best = ranked[0][1]
            alt = next(
                (x for _, x in ranked[1:] if not self._compatible(self.entries[best], self.entries[x])),
                None,
            )
            if alt is not None and best in why:
                b, a = why[best], why.get(alt, (0.0, "", 0.0, ""))
                changed = best != ranking.ranked[0][1]  # the context, not the priors, chose this reading
                admin_gain, near_gain = b[0] - a[0], b[2] - a[2]
                if admin_gain > 0.2 or (changed and admin_gain > 0 and admin_gain >= near_gain):
                    found = replace(found, reason=b[1])
                elif near_gain > 0.1 or (changed and near_gain > 0):
                    found = replace(found, reason=b[3])
            if len(self._context_cache) > 50_000:
                self._context_cache.clear()
            self._context_cache[cache_key] = result[key] = found
        out = []
        for raw in raws:
            ranking = result[raw.key]
            window = text[max(0, raw.start - 40) : raw.start]
            if _AFTER_PROVINCE.match(text[raw.end : raw.end + 40]) or (
                ("province" in window.lower() or "governorate" in window.lower()) and _BEFORE_PROVINCE.search(window)
            ):
                province_key = ("province", ranking.ranked, countries)
                cached = self._context_cache.get(province_key)
                if cached is None:
                    cached = self._ranking(
                        sorted(
                            ((s + (1.0 if self.entries[x].kind == "admin1" else 0.0), x) for s, x in ranking.ranked),
                            key=lambda si: (-si[0], self.entries[si[1]].id),
                        ),
                        countries=countries,
                    )
                    if self.entries[cached.ranked[0][1]].kind == "admin1":
                        cached = replace(cached, reason="called a governorate or province in the text")
                    self._context_cache[province_key] = cached
                ranking = cached
            out.append(ranking)
        return out

    def _reason(self, ranked: Sequence[tuple[float, int]], countries: AbstractSet[str]) -> str:
        """Why the first reading beats the best reading elsewhere, on the priors alone."""
        best = self.entries[ranked[0][1]]
        alts = [self.entries[x] for _, x in ranked[1:] if not self._compatible(best, self.entries[x])]
        if not alts:
            return "the only reading" if len(ranked) == 1 else "its readings are one place"
        alt = alts[0]
        many = f"{len(alts) + 1} places of this name"
        if ranked[0][1] >= self._scenario_first:
            return f"a place of the scenario (of {many})"
        if best.country in countries and alt.country not in countries:
            return f"in a country the text names ({best.country}; of {many})"
        if alt.prior < best.prior:
            return f"the other readings are less likely ({alt.status or 'out of the region'}; of {many})"
        home = self.gazetteer.theatre.home_countries
        if best.country in home and alt.country not in home:
            return f"in the theatre's own countries (of {many})"
        if KIND_PRIOR.get(best.kind, 0.2) > KIND_PRIOR.get(alt.kind, 0.2):
            return f"{_a(best.kind)} is likelier than {_a(alt.kind)} (of {many})"
        if (best.population or 0) > (alt.population or 0):
            return f"the largest (population {best.population:,}) of {many}; nothing in the text points elsewhere"
        return f"the first of {many} by the gazetteer's order; nothing in the text points elsewhere"

    # ------------------------------------------------------------------ spatial phrases

    def _spatial_at(self, text: str, start: int, end: int, *, border: bool = False) -> _Spatial | None:
        """A spatial phrase built around the anchor text[start:end], if any ("near the" for borders)."""
        lo = max(0, start - _WINDOW)
        before = text[lo:start]
        if border:
            m = _BEFORE_NEAR.search(before[-30:])
            if m is None:
                return None
            s = start - len(before[-30:]) + m.start()
            return _Spatial(None, "near", s, end, " ".join(text[s:start].split()))
        after = text[end : end + _WINDOW]
        if _ARABIC.match(text, start):
            return self._arabic_spatial(text, lo, before, start, end, after)
        if not (_SPATIAL_HINT_LOWER.search(before.lower()) or _SPATIAL_HINT_LOWER.search(after[:40].lower())):
            return None
        m = _AFTER_PROVINCE.match(after)
        if m:
            return _Spatial(None, "province", start, end + m.end(), "province")
        m = _BEFORE_PROVINCE.search(before)
        if m:
            return _Spatial(None, "province", lo + m.start(), end, "province of")
        m = _BEFORE_OF.search(before)
        if m:
            feat = " ".join(m.group("feat").lower().split())
            cls = _FEATURE_CLASS.get(feat, "countryside")
            direction = m.group("dir")
            s = lo + m.start("dir") if direction else lo + m.start("feat")
            coord: tuple[tuple[float | None, int, int], ...] = ()
            if m.group("dir1"):
                coord = ((_direction(m.group("dir1")), lo + m.start("dir1"), lo + m.end("dir1")),)
            phrase = " ".join(text[s:start].split())
            if (
                direction
                and _direction(direction) is None
                and direction.lower() not in ("central", "centre", "center", "middle")
            ):
                return None
            return _Spatial(_direction(direction) if direction else None, cls, s, end, phrase, coord)
        m = _AFTER_FEATURE.match(after)
        if m:
            feat = m.group("feat").lower()
            cls = _FEATURE_CLASS.get(feat, "countryside")
            b = _BEFORE_DIR.search(before)
            if m.group("dir"):
                if m.group("dir2"):
                    # "Aleppo's western and southern countryside": two areas, "Aleppo's western" and
                    # "southern countryside" (spans must not overlap)
                    coord = ((_direction(m.group("dir2")), end + m.start("dir2"), end + m.end()),)
                    return _Spatial(
                        _direction(m.group("dir")),
                        cls,
                        start,
                        end + m.end("dir"),
                        " ".join(after[: m.end()].split()),
                        coord,
                    )
                return _Spatial(
                    _direction(m.group("dir")), cls, start, end + m.end(), " ".join(after[: m.end()].split())
                )
            if b:
                return _Spatial(
                    _direction(b.group("dir")),
                    cls,
                    lo + b.start("dir"),
                    end + m.end(),
                    f"{' '.join(b.group('dir').lower().split())} {feat}",
                )
            return _Spatial(None, cls, start, end + m.end(), " ".join(after[: m.end()].split()))
        m = _BEFORE_DIR.search(before)
        if m:
            coord = ()
            if m.group("dir1"):
                coord = ((_direction(m.group("dir1")), lo + m.start("dir1"), lo + m.end("dir1")),)
            cls = "countryside" if m.group("rural") else "part"
            s = lo + m.start("dir")
            return _Spatial(_direction(m.group("dir")), cls, s, end, " ".join(text[s:start].split()), coord)
        m = _BEFORE_RURAL.search(before)
        if m:
            return _Spatial(None, "countryside", lo + m.start(), end, "rural")
        return None

    @staticmethod
    def _arabic_spatial(text: str, lo: int, before: str, start: int, end: int, after: str) -> _Spatial | None:
        """ "ريف درعا الشرقي" (the eastern countryside of Daraa), "محافظة حمص", "أطراف حلب", "ريف حماة الشمالي الغربي"."""
        m = _AR_BEFORE_FEATURE.search(before)
        if m is None:
            return None
        cls = _AR_FEATURE_CLASS[m.group("feat").replace("أ", "ا")]
        s = lo + m.start("feat")
        if cls == "province":
            return _Spatial(None, "province", s, end, "province of")
        d = _AR_AFTER_DIRECTION.match(after)
        if d is None:
            return _Spatial(None, cls, s, end, " ".join(text[s:end].split()))
        words = [w.removeprefix("ال") for w in d.group("dir").split()]
        english = "-".join(_AR_DIRECTIONS[w] for w in words)
        english += "" if english == "central" else "ern"
        bearing = _direction(english)
        return _Spatial(bearing, cls, s, end + d.end(), " ".join(text[s : end + d.end()].split()))

    def _containing_admin1(self, lat: float, lon: float) -> tuple[str, BaseGeometry] | None:
        point = Point(lon, lat)
        adm1 = self._geodata()["adm1"]
        for code, geom in adm1.items():
            if geom.contains(point):
                return code, geom
        best = min(adm1.items(), key=lambda kv: kv[1].distance(point), default=None)
        if best is not None and best[1].distance(point) < 0.05:
            return best
        return None

    def _border_line(self, border: str) -> BaseGeometry | None:
        a, _, b = border.partition("-")
        countries = self._geodata()["countries"]
        if a not in countries or b not in countries:
            return None
        line = shapely.line_merge(countries[a].boundary.intersection(countries[b].boundary))
        return None if line.is_empty else line

    def _derive(self, bearing: float | None, cls: str, anchor: Entry) -> BaseGeometry | None:
        """Area for "<direction> <cls> of <anchor>" from the governorate polygons / country outlines."""
        cache_key = (bearing, cls, anchor.id)
        if cache_key in self._derived:
            return self._derived[cache_key]
        lat0, lon0 = anchor.lat, anchor.lon
        geo = self._geodata()
        region: BaseGeometry | None = None
        is_point = anchor.kind in POINT_KINDS
        if anchor.kind == "country":
            region = geo["countries"].get(anchor.country)
        elif anchor.kind == "admin1":
            region = geo["adm1"].get(anchor.pcode or anchor.admin1)
        if region is None and cls in ("countryside", "part") and not (is_point and cls == "part"):
            found = self._containing_admin1(lat0, lon0)
            region = found[1] if found else None
        local_region = _to_local(region, lat0, lon0) if region is not None else None
        half = 67.5 if bearing is None or bearing % 90 == 0 else 45.0
        sector = _sector_local(bearing, half) if bearing is not None else None
        centre = Point(0, 0)
        if cls == "outskirts":
            area = centre.buffer(OUTSKIRTS_KM[1]).difference(centre.buffer(OUTSKIRTS_KM[0]))
        elif cls == "part" and (is_point or local_region is None):
            area = centre.buffer(TOWN_PART_KM)
        elif local_region is not None:
            area = local_region
            if is_point:
                area = area.difference(centre.buffer(CITY_BUFFER_KM))
        else:
            area = centre.buffer(FOREIGN_COUNTRYSIDE_KM).difference(centre.buffer(CITY_BUFFER_KM))
        if bearing is not None:
            area = area.intersection(sector)
        elif cls in ("part",) and local_region is not None:  # "central X": the middle third around the anchor
            reach = max(math.hypot(x, y) for x, y in local_region.envelope.exterior.coords)
            area = area.intersection(centre.buffer(reach / 3))
        geom = _from_local(area, lat0, lon0) if not area.is_empty else None
        if geom is not None:
            geom = shapely.make_valid(geom)
            if geom.geom_type == "GeometryCollection":
                polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
                geom = shapely.union_all(polys) if polys else None
        self._derived[cache_key] = geom
        return geom

    def _entry_geometry(self, entry: Entry) -> BaseGeometry | None:
        """Geometry of an area / region / border / admin1 reading (None = the point)."""
        if entry.place_id and entry.place_id in self._scenario_places and entry.source == "scenario":
            place = self._scenario_places[entry.place_id]
            return None if place.geometry.geom_type == "Point" else place.geometry
        if entry.border:
            cache_key = ("border", entry.border)
            if cache_key not in self._derived:
                self._derived[cache_key] = self._border_line(entry.border)
            return self._derived[cache_key]
        if entry.kind == "admin1":
            return self._geodata()["adm1"].get(entry.pcode or entry.admin1)
        if entry.kind == "country":
            return None
        idx = self._index.get(entry.id)
        if idx is not None and idx in self._phrase_of:
            bearing, cls, key = self._phrase_of[idx]
            anchor = self._best_for_key(key)
            return self._derive(bearing, cls, anchor) if anchor is not None else None
        return None

    def _best_for_key(self, key: tuple[str, ...]) -> Entry | None:
        bucket = self._by_key.get(key)
        if not bucket:
            return None
        ranked = self._dedupe([(self._base_score(x, countries=set(), demonyms=set(), light=""), x) for x in bucket])
        return self.entries[ranked[0][1]]

    # ------------------------------------------------------------------ public API

    def entry(self, entry_id: str) -> Entry:
        return self.entries[self._index[entry_id]]

    def _candidates(
        self, ranked: Sequence[tuple[float, int]], probs: Sequence[float], limit: int = 5
    ) -> tuple[Candidate, ...]:
        """The best ``limit`` readings, and the best reading in each other country after them (however unlikely:
        the analyst sees that an Egyptian El Quseir was considered)."""
        pairs = list(zip(ranked, probs, strict=True))
        chosen = pairs[:limit]
        countries = {self.entries[x].country for (_, x), _ in chosen}
        for (score, x), p in pairs[limit:]:
            if self.entries[x].country not in countries:
                countries.add(self.entries[x].country)
                chosen.append(((score, x), p))
        out = []
        for (_, x), p in chosen:
            e = self.entries[x]
            out.append(
                Candidate(entry_id=e.id, name=e.name, lat=e.lat, lon=e.lon, kind=e.kind, country=e.country, score=p)
            )
        return tuple(out)

    def _compatible(self, a: Entry, b: Entry) -> bool:
        """Two readings that put the mention in the same place: within 15 km, or one is the
        administrative unit the other lies in (Hama the city / Hama the governorate)."""
        if haversine_km(a.point, b.point) <= SAME_PLACE_KM:
            return True
        for unit, other in ((a, b), (b, a)):
            if unit.kind == "admin1" and (unit.pcode or unit.admin1) and other.admin1 == (unit.pcode or unit.admin1):
                return True
        return False

    def _confidence(self, ranked: list[tuple[float, int]], probs: list[float]) -> float:
        best = self.entries[ranked[0][1]]
        return min(
            1.0, sum(p for (_, x), p in zip(ranked, probs, strict=True) if self._compatible(best, self.entries[x]))
        )

    def _mention(
        self,
        text: str,
        start: int,
        end: int,
        entry: Entry,
        confidence: float,
        candidates: tuple[Candidate, ...],
        *,
        geometry: BaseGeometry | None = None,
        phrase: str = "",
        kind: str | None = None,
        name: str | None = None,
        entry_id: str | None = None,
        reason: str = "",
    ) -> PlaceMention:
        place_id = entry.place_id if entry.place_id in self._scenario_places and entry.source == "scenario" else None
        lat, lon = entry.lat, entry.lon
        if entry_id is not None:  # derived from the entry (an anchor), not the entry itself
            place_id = None
        if geometry is not None and entry_id is not None:
            point = geometry.representative_point()
            lat, lon = point.y, point.x
        return PlaceMention(
            text=text[start:end],
            start=start,
            end=end,
            entry_id=entry_id or entry.id,
            name=name or entry.name,
            lat=lat,
            lon=lon,
            kind=kind or entry.kind,
            confidence=max(0.0, min(1.0, confidence)),
            place_id=place_id,
            geometry=geometry,
            country=entry.country,
            candidates=candidates,
            phrase=phrase,
            uncertainty_m=entry.uncertainty_m if entry_id is None else None,
            reason=reason,
        )

    def _scenario_area(self, bearing: float | None, cls: str, key: tuple[str, ...]) -> Entry | None:
        found = self._registry.get((bearing, cls, key))
        if found is None and cls == "part":
            found = self._registry.get((bearing, "countryside", key))
        return self.entry(found) if found else None

    def _spatial_mentions(
        self,
        text: str,
        raw: _Raw,
        hit: _Spatial,
        anchor: Entry,
        confidence: float,
        candidates: tuple[Candidate, ...],
        reason: str = "",
    ) -> list[PlaceMention]:
        """The area mention(s) of a spatial phrase around an anchor (scenario place first, else derived)."""
        if hit.cls == "province":
            admin = anchor if anchor.kind == "admin1" else None
            if admin is None:
                return []
            return [
                self._mention(
                    text,
                    hit.start,
                    hit.end,
                    admin,
                    confidence,
                    candidates,
                    geometry=self._entry_geometry(admin),
                    phrase=hit.phrase,
                    reason=reason,
                )
            ]
        if hit.cls == "near":
            if anchor.kind != "border":
                return []
            cache_key = ("near", anchor.id)
            if cache_key not in self._derived:
                line = self._entry_geometry(anchor)
                self._derived[cache_key] = _buffer_km(line, NEAR_BORDER_KM) if line is not None else None
            geometry = self._derived[cache_key]
            return [
                self._mention(
                    text,
                    hit.start,
                    raw.end,
                    anchor,
                    confidence,
                    candidates,
                    geometry=geometry,
                    phrase=hit.phrase,
                    reason=reason,
                )
            ]
        if anchor.kind in ("border", "area"):
            return []
        out = []
        parts = [(hit.bearing, hit.start, hit.end, True)] + [(b, s, e, False) for b, s, e in hit.coordinated]
        for bearing, s, e, main in parts:
            if bearing is None and hit.cls == "part" and anchor.kind not in ("country", "admin1", "region"):
                continue
            scenario_area = self._scenario_area(bearing, hit.cls, raw.key)
            word = _BEARING_WORD.get(bearing, "") if bearing is not None or hit.cls == "part" else ""
            cls_word = {"part": "part", "outskirts": "outskirts", "countryside": "countryside"}[hit.cls]
            phrase = hit.phrase if main else f"{word} {cls_word} of".strip()
            if scenario_area is not None:
                out.append(
                    self._mention(
                        text,
                        s,
                        e,
                        scenario_area,
                        confidence * 0.95,
                        candidates,
                        geometry=self._entry_geometry(scenario_area),
                        phrase=phrase,
                        reason=reason,
                    )
                )
                continue
            geometry = self._derive(bearing, hit.cls, anchor)
            if geometry is None:
                continue
            kind = "region" if anchor.kind in ("country", "admin1", "region") and hit.cls == "part" else "area"
            name = f"{word} {cls_word} of {anchor.name}".replace("  ", " ").strip()
            if hit.cls == "part" and anchor.kind in ("country", "admin1", "region"):
                name = f"{word} {anchor.name}"
            label = f"{'c' if bearing is None else int(bearing)}"
            out.append(
                self._mention(
                    text,
                    s,
                    e,
                    anchor,
                    confidence * 0.9,
                    candidates,
                    geometry=geometry,
                    phrase=phrase,
                    kind=kind,
                    name=name[:1].upper() + name[1:],
                    entry_id=f"derived:{hit.cls}_{label}:{anchor.id}",
                    reason=reason,
                )
            )
        return out

    def _mentions_for(self, text: str, raw: _Raw, ranking: _Ranking) -> list[PlaceMention]:
        """The mention(s) of one resolved match: the place, or the area or line of the spatial phrase around it."""
        made: list[PlaceMention] = []
        entry = self.entries[ranking.ranked[0][1]]
        reason = ranking.reason
        if raw.loose:
            reason = f"spelled differently from {entry.name}, read as it (same consonants); {reason}"
        confidence = ranking.confidence
        if raw.sentence_initial and raw.last_token == raw.first_token:
            confidence *= 0.9
        candidates = ranking.candidates
        hit = self._spatial_at(text, raw.start, raw.end, border=entry.kind == "border")
        if hit is not None:
            spatial = self._spatial_mentions(text, raw, hit, entry, confidence, candidates, ranking.reason)
            if spatial:
                made.extend(spatial)
                return made
        if entry.kind in ("area", "region", "border", "admin1"):
            own = self._phrase_of.get(self._index[entry.id])
            geometry = self._entry_geometry(entry)
            made.append(
                self._mention(text, raw.start, raw.end, entry, confidence, candidates, geometry=geometry, reason=reason)
            )
            # "the western and southern western countryside of Homs": the first direction is its own area
            if own is not None:
                m = _BEFORE_COORD.search(text[max(0, raw.start - 40) : raw.start])
                if m:
                    s = max(0, raw.start - 40) + m.start("dir1")
                    bearing = _direction(m.group("dir1"))
                    other = self._scenario_area(bearing, own[1], own[2])
                    word = m.group("dir1")
                    if other is not None:
                        made.append(
                            self._mention(
                                text,
                                s,
                                s + len(word),
                                other,
                                confidence * 0.9,
                                candidates,
                                geometry=self._entry_geometry(other),
                                phrase=f"{word} {own[1]} of",
                                reason=reason,
                            )
                        )
                    else:
                        anchor = self._best_for_key(own[2])
                        geometry = self._derive(bearing, own[1], anchor) if anchor is not None else None
                        if anchor is not None and geometry is not None:
                            made.append(
                                self._mention(
                                    text,
                                    s,
                                    s + len(word),
                                    anchor,
                                    confidence * 0.85,
                                    candidates,
                                    geometry=geometry,
                                    phrase=f"{word} {own[1]} of",
                                    kind="area",
                                    name=f"{_BEARING_WORD.get(bearing, word)} {own[1]} of {anchor.name}",
                                    entry_id=f"derived:{own[1]}_{'c' if bearing is None else int(bearing)}:{anchor.id}",
                                    reason=reason,
                                )
                            )
            return made
        made.append(self._mention(text, raw.start, raw.end, entry, confidence, candidates, reason=reason))
        return made

    def _approximate(self, text: str, mentions: Sequence[PlaceMention]) -> list[PlaceMention]:
        """Named places the gazetteer does not hold, said to be in a place it does: "the Jobar neighbourhood of
        Damascus", "X airbase" near a city, "in X, in Aleppo governorate". Each is put at that place (or, when its
        sentence names none, at the nearest place the report names, with a lower confidence) with the radius it
        honestly has, marked approximate, for the analyst to pin. Only a report that names no place at all to put
        it near leaves it out."""
        lower = text.lower()
        if not mentions or not _APPROX_HINT.search(lower):
            return []
        bounds = self._sentences(text)
        taken = sorted((m.start, m.end) for m in mentions)
        mentions = sorted(mentions, key=lambda m: m.start)
        starts = [m.start for m in mentions]
        out: list[PlaceMention] = []
        # each pattern runs only where its trigger word is, and only when a cheap look says it can match there
        found: dict[tuple[int, int], re.Match[str]] = {}
        for hint in _APPROX_HINT.finditer(lower):
            hs, he = hint.span()
            word = lower[hs:he]
            before = text[max(0, hs - 80) : hs]
            last = _LAST_WORD.search(before)
            if last is not None and last.group()[:1].isupper():  # "Jobar neighbourhood", "Karfur Mall"
                for m in _APPROX_PATTERNS[0].finditer(text, max(0, hs - 80), min(len(text), he + 60)):
                    found.setdefault(m.span("name"), m)
            if lower.startswith(" of ", he) and word in _PART_WORDS:  # "the village of X"
                for m in _APPROX_PATTERNS[1].finditer(text, max(0, hs - 6), min(len(text), he + 80)):
                    found.setdefault(m.span("name"), m)
            if word in ("governorate", "province", "countryside") and " in " in before:  # "in X, in Y governorate"
                for m in _APPROX_PATTERNS[2].finditer(text, max(0, hs - 100), he):
                    found.setdefault(m.span("name"), m)
        matches = [found[span] for span in sorted(found)]
        for pattern in _APPROX_PATTERNS:
            for match in (m for m in matches if m.re is pattern):  # in pattern order: the most specific first
                name_at = self._approximate_name(match)
                if name_at is None:
                    continue
                start, end, name = name_at
                at = bisect.bisect_left(taken, (end, -1))
                if any(s < end and start < e for s, e in taken[max(0, at - 3) : at]):
                    continue
                found_in = self._container(match, mentions, starts, bounds, start)
                if found_in is None:
                    continue
                container, nearby = found_in
                what = " ".join(match.group("what").lower().split()) if "what" in pattern.groupindex else "place"
                kind = _APPROX_WHAT.get(what, "town")
                span_end = match.end("what") if pattern is _APPROX_PATTERNS[0] else end
                radius = self._approx_radius(container, kind)
                label = f"{what} in {container.name}" if what != "place" else f"in {container.name}"
                said = "the nearest place the report names" if nearby else "which the text says it is in"
                out.append(
                    PlaceMention(
                        text=text[start:span_end],
                        start=start,
                        end=span_end,
                        entry_id=f"approx:{_slug(name)}@{container.entry_id}",
                        name=name,
                        lat=container.lat,
                        lon=container.lon,
                        kind=kind,
                        confidence=min(0.5 if not nearby else 0.3, container.confidence * 0.5),
                        country=container.country,
                        candidates=container.candidates[:1],
                        phrase=f"{label}, approximate",
                        reason=f"not in the gazetteer: placed at {container.name}, {said} "
                        f"(within about {radius / 1000:.0f} km); pin it on the map",
                        approximate=True,
                        uncertainty_m=radius,
                    )
                )
                bisect.insort(taken, (start, span_end))
        return out

    @staticmethod
    def _approximate_name(match: re.Match[str]) -> tuple[int, int, str] | None:
        """(start, end, name) of the unknown place a pattern found, leading words that cannot begin a place name
        ("The", "In", "Russian", "Hezbollah") trimmed; None when nothing of a name is left."""
        base = match.start("name")
        words = [(m.start() + base, m.end() + base, m.group()) for m in _NAME_TOKEN.finditer(match.group("name"))]
        while words and _not_a_name(words[0][2]):
            words.pop(0)
        content = [w for _, _, w in words if w.lower() not in ARTICLES]
        if not content or all(w.lower() in COMMON_WORDS for w in content) or any(_not_a_name(w) for w in content):
            return None
        start, end = words[0][0], words[-1][1]
        return start, end, " ".join(match.string[start:end].split())

    def _container(
        self,
        match: re.Match[str],
        mentions: Sequence[PlaceMention],
        starts: Sequence[int],
        bounds: Sequence[int],
        start: int,
    ) -> tuple[PlaceMention, bool] | None:
        """The known place an unknown one is said to be in, and whether it is only the nearest place the report
        names: the one the phrase names ("of Damascus"), else the nearest town, district or governorate before
        it in the same sentence, else the one after it, else the nearest in the rest of the text. Never a
        country or a border: too vague to place anything. ``starts``: the mentions' start offsets (in order)."""

        def usable(m: PlaceMention) -> bool:
            return not m.approximate and m.kind in _CONTAINER_KINDS

        if "city" in match.re.groupindex and match.group("city"):
            cs, ce = match.span("city")
            at = bisect.bisect_left(starts, cs)
            found = [m for m in mentions[max(0, at - 1) : at + 2] if m.start < ce and cs < m.end and usable(m)]
            if found:
                return found[0], False
        sentence = bisect.bisect_right(bounds, start)
        lo = bounds[sentence - 1] if sentence else 0
        hi = bounds[sentence] if sentence < len(bounds) else len(match.string)
        here = [m for m in mentions[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)] if usable(m)]
        before = [m for m in here if m.end <= start]
        if before:
            return before[-1], False
        after = [m for m in here if m.start >= start]
        if after:
            return after[0], False
        elsewhere = [m for m in mentions if usable(m)]
        if not elsewhere:
            return None
        return min(elsewhere, key=lambda m: (abs(m.start - start), m.start)), True

    def _approx_radius(self, container: PlaceMention, kind: str) -> float:
        """How far from the container's point an unknown place in it can be: a town's own radius plus the
        class's reach, or the radius of a governorate / area's whole extent."""
        if container.geometry is not None or container.kind in ("admin1", "admin2", "admin3", "region", "area"):
            geom = container.geometry
            if geom is None and container.kind == "admin1":
                try:
                    geom = self._entry_geometry(self.entry(container.entry_id))
                except KeyError:
                    geom = None
            if geom is not None:
                minx, miny, maxx, maxy = geom.bounds
                return 1000.0 * haversine_km((miny, minx), (maxy, maxx)) / 2
            return 50_000.0
        return (container.uncertainty_m or 3000.0) + APPROX_UNCERTAINTY_M.get(kind, 10_000.0)

    def find_places(self, text: str, *, nested: bool = False) -> list[PlaceMention]:
        """Every place mention in ``text``, in text order, with offsets into ``text``.

        Mentions do not overlap: "the western countryside of Homs" is one area mention. With
        ``nested=True`` the places named inside such phrases ("Homs") are added as well (their
        spans lie inside the phrase's span; sorted by start, outer mention first).
        """
        if not text:
            return []
        raws = self._supported(self._raw_matches(text), text)
        if not raws:
            return []
        resolved = self._resolve(raws, text)
        mentions: list[PlaceMention] = []
        for raw, ranking in zip(raws, resolved, strict=True):
            mentions.extend(self._mentions_for(text, raw, ranking))
        mentions.extend(self._approximate(text, mentions))
        mentions.sort(key=lambda m: (m.start, m.end))
        out: list[PlaceMention] = []
        for mention in mentions:  # spatial phrases may reach over a neighbouring match: keep the first
            if out and mention.start < out[-1].end:
                continue
            out.append(mention)
        if nested:
            out = self._with_nested(text, out)
        return out

    def _with_nested(self, text: str, mentions: list[PlaceMention]) -> list[PlaceMention]:
        """Add the places named inside area / region / border mentions ("Homs" in "western countryside of Homs")."""
        inner_kinds = {*POINT_KINDS, "admin1", "country"}
        inner: list[_Raw] = []
        for m in mentions:
            if m.kind not in ("area", "region", "border") and not m.phrase:
                continue
            for raw in self._raw_matches(m.text, allowed_kinds=inner_kinds):
                inner.append(replace(raw, start=raw.start + m.start, end=raw.end + m.start))
        if not inner:
            return mentions
        extra = []
        for raw, ranking in zip(inner, self._resolve(inner, text), strict=True):
            entry = self.entries[ranking.ranked[0][1]]
            extra.append(
                self._mention(
                    text, raw.start, raw.end, entry, ranking.confidence, ranking.candidates, phrase="inside a phrase"
                )
            )
        return sorted(mentions + extra, key=lambda m: (m.start, -m.end))

    # ------------------------------------------------------------------ geocoding short labels

    def _admin1_entry(self, name: str) -> Entry | None:
        bucket = self._by_key.get(_key(name), [])
        admins = [self.entries[x] for x in bucket if self.entries[x].kind == "admin1"]
        home = self.gazetteer.theatre.home_countries
        return sorted(admins, key=lambda e: (e.country not in home, e.id))[0] if admins else None

    @lru_cache(maxsize=4096)  # noqa: B019 - the parser lives as long as the process
    def geocode(self, name: str, *, context: str | None = None, fuzzy: bool = True) -> PlaceMention | None:
        """Resolve a short label (a place name alone, e.g. a table cell) to one reading.

        ``context`` is a larger place it lies in ("Aleppo", "Homs governorate"): readings in that
        governorate and near its namesake town are preferred. Tries the whole label, then the
        places found in it, then (``fuzzy``) the closest spelling among names near the context.
        ``None`` when nothing fits.
        """
        name = name.strip()
        if not name:
            return None
        anchors: list[tuple[tuple[float, float], float]] = []
        admin = self._admin1_entry(context) if context else None
        countries: set[str] = set()
        if context:
            ctx = self.geocode(context, fuzzy=False)
            if ctx is not None and ctx.kind != "country":
                anchors.append(((ctx.lat, ctx.lon), 1.0))
            if ctx is not None:
                countries.add(ctx.country)

        admin_code = (admin.pcode or admin.admin1) if admin is not None else ""

        def plausible(x: int) -> bool:
            """Inside the context: its governorate, or within 60 km of the context's namesake."""
            e = self.entries[x]
            if not context or e.kind == "country":
                return True
            if admin_code and e.admin1 == admin_code:
                return True
            return any(haversine_km(e.point, p) <= CONTEXT_KM for p, _ in anchors)

        def rank(bucket: Iterable[int], light: str) -> list[tuple[float, int]]:
            scored = []
            for x in bucket:
                if not plausible(x):
                    continue
                e = self.entries[x]
                s = self._base_score(x, countries=countries, demonyms=set(), light=light)
                if admin is not None and (e.admin1 == (admin.pcode or admin.admin1)):
                    s += 0.6
                if anchors and e.kind != "country":
                    s += PROXIMITY_WEIGHT * max(
                        w * math.exp(-haversine_km(e.point, p) / PROXIMITY_KM) for p, w in anchors
                    )
                scored.append((s, x))
            return self._dedupe(scored)

        def mention(ranked: list[tuple[float, int]], start: int, end: int, phrase: str, factor: float) -> PlaceMention:
            probs = self._probabilities(ranked)
            entry = self.entries[ranked[0][1]]
            return self._mention(
                name,
                start,
                end,
                entry,
                self._confidence(ranked, probs) * factor,
                self._candidates(ranked, probs),
                geometry=self._entry_geometry(entry) if entry.kind in ("area", "region", "border", "admin1") else None,
                phrase=phrase,
            )

        ranked = rank(self._by_key.get(_key(name), ()), _light(name))
        if ranked:
            return mention(ranked, 0, len(name), "", 1.0)
        raws = sorted(self._raw_matches(name), key=lambda r: (-len(r.key), -(r.end - r.start), r.start))
        for raw in raws:
            ranked = rank(raw.entries, _light(name[raw.start : raw.end]))
            if ranked:
                return mention(ranked, raw.start, raw.end, "part of the label", 0.8)
        if not fuzzy:
            return None
        target = normalise(name)
        if len(target) < 3:
            return None
        best: tuple[float, tuple[str, ...]] | None = None
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        skeleton = difflib.SequenceMatcher(autojunk=False)
        skeleton.set_seq2(_skeleton(target))
        for key, bucket in self._by_key.items():
            if context and not any(plausible(x) for x in bucket):
                continue
            candidate = " ".join(key)
            if abs(len(candidate) - len(target)) > max(3, len(target) // 3):
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < FUZZY_MIN or matcher.quick_ratio() < FUZZY_MIN:
                continue
            ratio = matcher.ratio()
            if ratio < FUZZY_MIN:
                continue
            # vowels are where transliterations differ most: the consonant skeleton must agree too
            skeleton.set_seq1(_skeleton(candidate))
            score = (ratio + skeleton.ratio()) / 2
            if score >= FUZZY_ACCEPT and (best is None or score > best[0] or (score == best[0] and key < best[1])):
                best = (score, key)
        if best is None:
            return None
        return mention(rank(self._by_key[best[1]], ""), 0, len(name), f"closest spelling ({best[0]:.2f})", best[0])


_DEFAULT: Geoparser | None = None
_DEFAULT_LOCK = threading.Lock()


def default_geoparser() -> Geoparser:
    """The geoparser on the bundled gazetteer and the bundled scenario, built once."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            from mapdata.model.load import load_scenario

            _DEFAULT = Geoparser(load_gazetteer(), scenario=load_scenario())
        return _DEFAULT


def find_places(text: str) -> list[PlaceMention]:
    """:meth:`Geoparser.find_places` of the :func:`default_geoparser`."""
    return default_geoparser().find_places(text)


__all__ = [
    "ARTICLES",
    "COMMON_WORDS",
    "Geoparser",
    "default_geoparser",
    "find_places",
    "haversine_km",
    "normalise",
    "tokens",
]
