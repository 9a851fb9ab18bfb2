"""The bundled gazetteer (geodata/gazetteer/gazetteer.json, written by scripts/build_gazetteer.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import time
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import shape

from mapdata.text.gazetteer import DEFAULT_GAZETTEER, KINDS, Entry, Gazetteer, load_gazetteer, read_gazetteer

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "geodata" / "raw" / "geodata-sources"  # vendored raw inputs
GEOD = Geod(ellps="WGS84")


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def places() -> dict[str, dict]:
    data = json.loads((ROOT / "geodata" / "places.geojson").read_text(encoding="utf-8"))
    return {f["id"]: f for f in data["features"]}


def test_load_is_cached_per_path_and_fast() -> None:
    start = time.perf_counter()
    fresh = read_gazetteer(DEFAULT_GAZETTEER)
    assert time.perf_counter() - start < 2.0
    assert load_gazetteer() is load_gazetteer()
    assert load_gazetteer(DEFAULT_GAZETTEER) is load_gazetteer()
    assert len(fresh) == len(load_gazetteer())


def test_file_stays_a_reasonable_size() -> None:
    """Every Syrian and Lebanese locality, with its names: a few MB of JSON lines, read in well under a second."""
    assert DEFAULT_GAZETTEER.stat().st_size < 6 * 1024 * 1024


def test_the_national_gazetteer_holds_the_villages_of_a_report(gaz: Gazetteer) -> None:
    """Who's On First brings the villages GeoNames cities500 lacks, with Arabic names and variant spellings."""
    by_name = {}
    for e in gaz:
        for name in e.names:
            by_name.setdefault(name, []).append(e)
    busra = next(e for e in by_name["Busra al Hariri"] if e.country == "SY")
    assert busra.kind == "town" and busra.admin1 == "SY12"  # Dar'a and "بصرى الحريري" in busra.names
    assert "Busr el Hariri" in busra.names  # a variant spelling kept
    assert busra.source == "wof" and busra.licence == "CC BY 4.0" and busra.feature == "village"
    assert busra.uncertainty_m and busra.uncertainty_m <= 2000
    nahtah = next(e for e in by_name["Nahtah"] if e.admin1 == "SY12")
    assert km(nahtah.point, (32.788, 36.349)) < 1
    assert any(e.admin1 == "SY05" for e in by_name["Kafr Nabudah"])
    towns = [e for e in gaz if e.country == "SY" and e.kind == "town"]
    assert len(towns) > 9000
    assert sum(1 for e in gaz if e.country == "LB" and e.kind == "town") > 2000
    assert any(e.kind == "neighbourhood" for e in gaz)


def test_one_entry_per_place_across_sources(gaz: Gazetteer) -> None:
    """A Who's On First record of a place GeoNames cities500 already has is merged into that entry, its names added."""
    qusayr = gaz["geonames:173322"]
    assert any(other.startswith("wof:") for other in qusayr.same_as)
    assert not any(f"wof:{w.split(':')[1]}" in gaz for w in qusayr.same_as)
    ids = {e.id for e in gaz}
    merged = {other for e in gaz for other in e.same_as}
    assert not ids & merged


def test_abandoned_villages_are_kept_and_marked(gaz: Gazetteer) -> None:
    abandoned = [e for e in gaz if e.status in ("abandoned", "destroyed", "historical")]
    assert len(abandoned) > 100
    assert all(e.prior < 0 and e.feature.endswith(("village", "place")) for e in abandoned)
    assert all(e.status in ("", "abandoned", "destroyed", "historical", "deprecated") for e in gaz)


def test_every_entry_is_complete(gaz: Gazetteer) -> None:
    assert len(gaz) > 13_000
    ids = [e.id for e in gaz]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    for e in gaz:
        assert isinstance(e, Entry)
        assert e.kind in KINDS, e.id
        assert e.name and e.names[0] == e.name, e.id
        assert -90 <= e.lat <= 90 and -180 <= e.lon <= 180, e.id
        assert re.fullmatch(r"[A-Z]{2}", e.country), e.id
        assert e.source and e.source_id and e.id == f"{e.source}:{e.source_id}", e.id
        assert e.licence, e.id
        assert e.population is None or e.population > 0, e.id


def test_lookups_by_id(gaz: Gazetteer) -> None:
    qusayr = gaz["geonames:173322"]
    assert qusayr.kind == "town" and qusayr.country == "SY" and qusayr.admin1 == "SY04"
    assert "القصير" in qusayr.names and "Qusayr" in qusayr.names
    assert "geonames:173322" in gaz and "nope:0" not in gaz
    assert gaz.get("nope:0") is None
    with pytest.raises(KeyError):
        gaz["nope:0"]


def test_syrian_points_carry_their_governorate(gaz: Gazetteer) -> None:
    for e in gaz:
        if e.country == "SY" and e.kind == "town":
            assert re.fullmatch(r"SY\d\d", e.admin1), e.id
    homs = gaz["opensyria:sy-homs"]
    assert homs.kind == "admin1" and homs.pcode == "SY04" and "حمص" in homs.names


def test_sources_and_licences(gaz: Gazetteer) -> None:
    by_source: dict[str, set[str]] = {}
    for e in gaz:
        by_source.setdefault(e.source, set()).add(e.licence)
    assert {"opensyria", "geonames", "naturalearth", "lbn_hub", "places", "curated", "wof"} <= set(by_source)
    assert by_source["geonames"] == {"CC BY 4.0"} and by_source["opensyria"] == {"CC BY 4.0"}
    assert by_source["naturalearth"] == {"public domain"}
    assert by_source["lbn_hub"] == {"CC BY-SA 4.0"}
    assert by_source["wof"] <= {"CC BY 4.0", "CC0 (Who's On First; credit and link to its licence required)"}
    kinds = {e.kind for e in gaz}
    assert set(KINDS) <= kinds


def test_al_dabaa_airport_comes_from_places_geojson(gaz: Gazetteer, places: dict[str, dict]) -> None:
    (airport,) = gaz.by_place_id("al_dabaa_airport")
    lon, lat = places["al_dabaa_airport"]["geometry"]["coordinates"]
    assert km(airport.point, (lat, lon)) < 0.01
    assert airport.kind == "military_site" and airport.licence == "CC BY-SA 4.0"
    assert {"al-Dab'a airbase", "Dabaa", "الضبعة"} <= set(airport.names)


@pytest.mark.parametrize(
    ("place_id", "phrase", "kind"),
    [
        ("western_homs_countryside", "western countryside of Homs", "area"),
        ("southwestern_homs_countryside", "south-western countryside of Homs", "area"),
        ("southwestern_homs_countryside", "southern western countryside of Homs", "area"),
        ("southern_syria", "southern Syria", "region"),
        ("lebanese_border", "Lebanese border", "border"),
    ],
)
def test_named_regions_link_to_scenario_places(
    gaz: Gazetteer, places: dict[str, dict], place_id: str, phrase: str, kind: str
) -> None:
    (entry,) = gaz.by_place_id(place_id)
    assert phrase in entry.names and entry.kind == kind
    geom = shape(places[place_id]["geometry"])
    assert geom.distance(shape({"type": "Point", "coordinates": [entry.lon, entry.lat]})) < 1e-6


def test_out_of_region_confusables_are_low_prior_and_say_so(gaz: Gazetteer) -> None:
    quseir, dabaa = gaz["curated:el_quseir_egypt"], gaz["curated:el_dabaa_egypt"]
    for e in (quseir, dabaa):
        assert e.country == "EG" and e.prior < 0 and "approximate" in e.note
    assert "القصير" in quseir.names and "Dabaa" in dabaa.names
    assert km(quseir.point, (26.1, 34.28)) < 10 and km(dabaa.point, (31.03, 28.43)) < 10


def test_military_sites_and_borders(gaz: Gazetteer) -> None:
    sites = [e for e in gaz if e.kind == "military_site"]
    assert len(sites) >= 10 and all(e.uncertainty_m for e in sites)
    assert km(gaz["curated:hmeimim_airbase"].point, (35.40, 35.95)) < 3
    borders = {e.border for e in gaz if e.kind == "border"}
    assert {"SY-LB", "SY-TR", "SY-IQ", "SY-JO"} <= borders


def test_build_is_deterministic_and_matches_the_committed_file(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "scripts" / "build_gazetteer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outputs = []
    for n in range(2):
        out = tmp_path / str(n)
        out.mkdir()
        (out / "places.geojson").write_bytes((ROOT / "geodata" / "places.geojson").read_bytes())
        result = module.write_gazetteer(out, sources=SOURCES)
        assert result["rows"] and set(result["counts"]) >= {"geonames", "opensyria", "curated"}
        outputs.append((out / "gazetteer" / "gazetteer.json").read_bytes())
    assert outputs[0] == outputs[1] == DEFAULT_GAZETTEER.read_bytes()


def test_the_theatre_is_data_beside_the_gazetteer(tmp_path) -> None:
    """Home countries, neighbours and the basemap's layers come from gazetteer/theatre.json, not from code:
    another conflict changes that file. Without it the pipeline has no home country."""
    import shutil

    from mapdata.model.load import DEFAULT_DATA_DIR
    from mapdata.text.gazetteer import THEATRE_FILE, Theatre, read_gazetteer

    bundled = read_gazetteer(DEFAULT_DATA_DIR / "gazetteer" / "gazetteer.json")
    assert bundled.theatre.home_countries == {"SY", "LB"} and bundled.theatre.admin1_layers == ("syr_adm1", "lbn_adm1")
    assert bundled.theatre.country_ids["760"] == "SY"
    elsewhere = tmp_path / "gazetteer"
    elsewhere.mkdir()
    shutil.copyfile(DEFAULT_DATA_DIR / "gazetteer" / "gazetteer.json", elsewhere / "gazetteer.json")
    assert read_gazetteer(elsewhere / "gazetteer.json").theatre == Theatre()
    (elsewhere / THEATRE_FILE).write_text('{"home_countries": ["UA"], "admin1_layers": ["ukr_adm1"]}', encoding="utf-8")
    assert read_gazetteer(elsewhere / "gazetteer.json").theatre.home_countries == {"UA"}
    for module in ("geoparse", "gazetteer"):
        code = (Path(__file__).resolve().parents[2] / "src" / "mapdata" / "text" / f"{module}.py").read_text(
            encoding="utf-8"
        )
        assert not re.search(r'"SY-LB"|syr_adm1|lbn_adm1|HOME =|NEIGHBOURS =|"760"', code), (
            module
        )  # demonyms are language


def test_a_malformed_theatre_file_is_refused_with_its_name(tmp_path) -> None:
    import pytest

    from mapdata.model.errors import ScenarioError
    from mapdata.text.gazetteer import Theatre

    bad = tmp_path / "theatre.json"
    for text in ("{not json", '["SY"]', '{"home_countries": "SY"}'):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError, match="gazetteer/theatre.json"):
            Theatre.read(bad)
