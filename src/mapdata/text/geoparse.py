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

import difflib
import json
import math
import threading
from collections.abc import Iterable, Sequence, Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mapdata.model.models import Place, Scenario
from mapdata.text.gazetteer import Entry, Gazetteer, load_gazetteer
from mapdata.text.mentions import Candidate, PlaceMention
from mapdata.text.normalise import (
    _ARABIC,
    _ARTICLES_ANY_SEPARATOR,
    _ARTICLES_ENGLISH,
    _HYPHENS,
    _MARKS,
    _PREFIX_OK,
    ARABIC_COMMON,
    ARTICLES,
    COMMON_WORDS,
    OUTLET_WORDS,
    _fold_token,
    _key,
    _skeleton,
    _strip_marks,
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
    "military_site": 0.4,
    "region": 0.35,
    "area": 0.35,
    "border": 0.35,
    "admin2": 0.15,
    "admin3": 0.1,
}
ANCHOR_KINDS = frozenset({"town", "military_site", "admin2", "admin3", "area", "region"})
SCENARIO_BONUS = 0.2
EXACT_BONUS = 0.1
COUNTRY_CONTEXT = 1.2
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
_KIND_GROUP = {
    "town": "p",
    "admin2": "p",
    "admin3": "p",
    "military_site": "m",
    "area": "a",
    "region": "a",
    "border": "b",
    "country": "c",
    "admin1": "g",
}


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


@dataclass(frozen=True)
class _Ranking:
    """The readings of one name in one text, best first."""

    ranked: tuple[tuple[float, int], ...]  # (score, entry index)
    probs: tuple[float, ...]
    confidence: float
    candidates: tuple[Candidate, ...]
    spread: bool  # readings more than SAME_PLACE_KM apart (context can change the choice)


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

    def __init__(self, gazetteer: Gazetteer, *, scenario: Scenario | None = None) -> None:
        self.gazetteer = gazetteer
        self.scenario = scenario
        self._scenario_places: dict[str, Place] = {p.id: p for p in scenario.places} if scenario else {}
        self._lock = threading.Lock()
        self._geo: dict[str, Any] | None = None
        entries: list[Entry] = [
            e for e in gazetteer.entries if not (e.place_id and e.place_id in self._scenario_places)
        ]
        self._scenario_first = len(entries)
        entries += [self._scenario_entry(p) for p in (scenario.places if scenario else ())]
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._index = {e.id: i for i, e in enumerate(self.entries)}
        self._light_names = [frozenset(_light(n) for n in e.names) for e in self.entries]
        self._root: dict[str, Any] = {}
        self._by_key: dict[tuple[str, ...], list[int]] = {}
        for i, e in enumerate(self.entries):
            for name in e.names:
                key = _key(name)
                if not key:
                    continue
                bucket = self._by_key.setdefault(key, [])
                if i not in bucket:
                    bucket.append(i)
        for key, bucket in self._by_key.items():
            node = self._root
            for tok in key:
                node = node.setdefault(tok, {})
            node[_TERM] = tuple(bucket)
        self._fold_cache: dict[str, str] = {}
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
            if e.kind in ("town", "military_site")
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
        point_kinds = {"town", "military_site", "admin1", "admin2", "admin3", "country"}
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
        entries = self.entries
        out: list[_Raw] = []
        i = 0
        while i < n:
            node = root.get(norms[i])
            if node is None:
                i += 1
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
            out.append(accepted)
            i = accepted.last_token + 1
        return out

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
            if initial and not has_article and len(latin) > 1:
                lowered[0] = True  # "The south" at the start of a sentence is still "the south"
            if all(lowered) and not (has_article and len(content) == 1):
                return None
            if all(w.lower() in COMMON_WORDS for w in latin) and not has_article:
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
        elif len(content) == 1 and norms[i] in ARABIC_COMMON:
            return None
        key = tuple(norms[k] for k in range(i, j + 1) if norms[k] and not (k > i and self._is_article(text, toks, k)))
        return _Raw(toks[first][0], toks[j][1], key, term, first, j, initial)

    # ------------------------------------------------------------------ scoring

    def _base_score(self, idx: int, *, countries: AbstractSet[str], demonyms: AbstractSet[str], light: str) -> float:
        e = self.entries[idx]
        home, neighbours = self.gazetteer.theatre.home_countries, self.gazetteer.theatre.neighbours
        score = KIND_PRIOR.get(e.kind, 0.2) + e.prior
        if e.kind == "town":
            score += 0.2 * min(1.0, math.log10(e.population) / 6.5) if e.population and e.population > 1 else 0.05
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
        if light in self._light_names[idx]:
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

    def _ranking(self, ranked: list[tuple[float, int]]) -> _Ranking:
        probs = self._probabilities(ranked)
        points = [self.entries[x].point for _, x in ranked]
        spread = len(ranked) > 1 and max(haversine_km(points[0], p) for p in points[1:]) > SAME_PLACE_KM
        return _Ranking(
            tuple(ranked), tuple(probs), self._confidence(ranked, probs), self._candidates(ranked, probs), spread
        )

    def _first_pass(self, raw: _Raw, text: str, countries: frozenset[str], demonyms: frozenset[str]) -> _Ranking:
        """Candidates ranked on priors and the countries the text names (cached: texts repeat names)."""
        light = _light(text[raw.start : raw.end])
        cache_key = (raw.entries, countries, demonyms, light)
        found = self._rank_cache.get(cache_key)
        if found is None:
            scored = [
                (self._base_score(x, countries=countries, demonyms=demonyms, light=light), x) for x in raw.entries
            ]
            found = self._ranking(self._dedupe(scored))
            if len(self._rank_cache) > 50_000:
                self._rank_cache.clear()
            self._rank_cache[cache_key] = found
        return found

    def _resolve(
        self,
        raws: Sequence[_Raw],
        text: str,
        *,
        extra_anchors: Sequence[tuple[tuple[float, float], float]] = (),
        extra_countries: Iterable[str] = (),
    ) -> list[_Ranking]:
        """Ranked candidates per raw match, in two passes: priors (and the countries named), then
        nearness to the other places of the text. One reading per name and text."""
        demonyms = frozenset(_DEMONYMS[m.group().lower()] for m in _DEMONYM_RE.finditer(text)) if text else frozenset()
        countries_set = set(extra_countries)
        for raw in raws:
            if all(self.entries[x].kind == "country" for x in raw.entries):
                countries_set.update(self.entries[x].country for x in raw.entries)
        countries = frozenset(countries_set)
        first_pass: dict[tuple[str, ...], _Ranking] = {}
        for raw in raws:
            if raw.key not in first_pass:
                first_pass[raw.key] = self._first_pass(raw, text, countries, demonyms)
        # anchors: each name's first-pass reading, weighted by its probability
        anchors: list[tuple[tuple[str, ...], tuple[float, float], float]] = []
        for key, ranking in first_pass.items():
            e = self.entries[ranking.ranked[0][1]]
            if e.kind in ANCHOR_KINDS:
                anchors.append((key, e.point, ranking.probs[0]))
        result: dict[tuple[str, ...], _Ranking] = {}
        for key, ranking in first_pass.items():
            own_anchors = [(p, w) for k, p, w in anchors if k != key] + list(extra_anchors)
            if not ranking.spread or not own_anchors:
                result[key] = ranking
                continue
            rescored = []
            for score, x in ranking.ranked:
                pt = self.entries[x].point
                if self.entries[x].kind == "country":
                    rescored.append((score, x))
                    continue
                near = max(w * math.exp(-haversine_km(pt, p) / PROXIMITY_KM) for p, w in own_anchors)
                rescored.append((score + PROXIMITY_WEIGHT * near, x))
            result[key] = self._ranking(sorted(rescored, key=lambda si: (-si[0], self.entries[si[1]].id)))
        out = []
        for raw in raws:
            ranking = result[raw.key]
            if _AFTER_PROVINCE.match(text[raw.end : raw.end + 40]) or _BEFORE_PROVINCE.search(
                text[max(0, raw.start - 40) : raw.start]
            ):
                ranking = self._ranking(
                    sorted(
                        ((s + (1.0 if self.entries[x].kind == "admin1" else 0.0), x) for s, x in ranking.ranked),
                        key=lambda si: (-si[0], self.entries[si[1]].id),
                    )
                )
            out.append(ranking)
        return out

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
        if not (_SPATIAL_HINT.search(before) or _SPATIAL_HINT.search(after, 0, 40)):
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
        is_point = anchor.kind in ("town", "military_site", "admin2", "admin3")
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

    def _candidates(self, ranked: list[tuple[float, int]], probs: list[float], limit: int = 5) -> tuple[Candidate, ...]:
        out = []
        for (_, x), p in list(zip(ranked, probs, strict=True))[:limit]:
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
        )

    def _scenario_area(self, bearing: float | None, cls: str, key: tuple[str, ...]) -> Entry | None:
        found = self._registry.get((bearing, cls, key))
        if found is None and cls == "part":
            found = self._registry.get((bearing, "countryside", key))
        return self.entry(found) if found else None

    def _spatial_mentions(
        self, text: str, raw: _Raw, hit: _Spatial, anchor: Entry, confidence: float, candidates: tuple[Candidate, ...]
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
                    text, hit.start, raw.end, anchor, confidence, candidates, geometry=geometry, phrase=hit.phrase
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
                )
            )
        return out

    def find_places(self, text: str, *, nested: bool = False) -> list[PlaceMention]:
        """Every place mention in ``text``, in text order, with offsets into ``text``.

        Mentions do not overlap: "the western countryside of Homs" is one area mention. With
        ``nested=True`` the places named inside such phrases ("Homs") are added as well (their
        spans lie inside the phrase's span; sorted by start, outer mention first).
        """
        if not text:
            return []
        raws = self._raw_matches(text)
        if not raws:
            return []
        resolved = self._resolve(raws, text)
        mentions: list[PlaceMention] = []
        for raw, ranking in zip(raws, resolved, strict=True):
            entry = self.entries[ranking.ranked[0][1]]
            confidence = ranking.confidence
            if raw.sentence_initial and raw.last_token == raw.first_token:
                confidence *= 0.9
            candidates = ranking.candidates
            hit = self._spatial_at(text, raw.start, raw.end, border=entry.kind == "border")
            if hit is not None:
                spatial = self._spatial_mentions(text, raw, hit, entry, confidence, candidates)
                if spatial:
                    mentions.extend(spatial)
                    continue
            if entry.kind in ("area", "region", "border", "admin1"):
                own = self._phrase_of.get(self._index[entry.id])
                geometry = self._entry_geometry(entry)
                mentions.append(
                    self._mention(text, raw.start, raw.end, entry, confidence, candidates, geometry=geometry)
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
                            mentions.append(
                                self._mention(
                                    text,
                                    s,
                                    s + len(word),
                                    other,
                                    confidence * 0.9,
                                    candidates,
                                    geometry=self._entry_geometry(other),
                                    phrase=f"{word} {own[1]} of",
                                )
                            )
                        else:
                            anchor = self._best_for_key(own[2])
                            geometry = self._derive(bearing, own[1], anchor) if anchor is not None else None
                            if anchor is not None and geometry is not None:
                                mentions.append(
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
                                    )
                                )
                continue
            mentions.append(self._mention(text, raw.start, raw.end, entry, confidence, candidates))
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
        inner_kinds = {"town", "military_site", "admin1", "admin2", "admin3", "country"}
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
