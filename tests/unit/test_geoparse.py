"""The offline geoparser: normalisation, matching, disambiguation, spatial phrases, the seed article."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pyproj import Geod
from shapely.geometry import Point, shape

from mapdata.model.load import load_scenario
from mapdata.text.gazetteer import load_gazetteer
from mapdata.text.geoparse import Geoparser, default_geoparser, normalise
from mapdata.text.mentions import PlaceMention

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt"
GEOD = Geod(ellps="WGS84")


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return default_geoparser()


@pytest.fixture(scope="module")
def plain() -> Geoparser:
    """Gazetteer only, no scenario."""
    return Geoparser(load_gazetteer())


def only(mentions: list[PlaceMention], text: str) -> PlaceMention:
    found = [m for m in mentions if m.text == text]
    assert len(found) == 1, [m.text for m in mentions]
    return found[0]


def offsets_ok(text: str, mentions: list[PlaceMention]) -> None:
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert 0.0 <= m.confidence <= 1.0


# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("variants", "why"),
    [
        (["Homs", "HOMS", "homs"], "case"),
        (["Ḩimş", "Hims", "Ḥimṣ"], "diacritics"),
        (["Dab'a", "Dab’a", "Dabʿa", "Dab‘a", "Dabʾa", "Daba"], "transliteration marks"),
        (["Deir ez-Zor", "Deir ez Zor", "Deir-ez-Zor"], "hyphens"),
        (["al-Qusayr", "Al Qusayr", "el-Qusayr", "Qusayr"], "article al-/el-"),
        (["ad-Dabaa", "ar-Dabaa", "as-Dabaa", "ash-Dabaa", "at-Dabaa", "az-Dabaa", "Dabaa"], "sun-letter articles"),
        (["en-Nabk", "ed-Nabk", "er-Nabk", "es-Nabk", "et-Nabk", "ez-Nabk", "Nabk"], "French-style articles"),
        (["Qusayr", "Kusayr"], "q/k"),
        (["Qoussair", "Qusair", "Koosair"], "ou/u/oo"),
        (["Quseir", "Qusayr", "Qusair", "Quseyr"], "ei/ay/ai/ey"),
        (["Dabaa", "Daba"], "doubled letters"),
        (["Tallbisah", "Talbisa", "Talbiseh"], "doubled letters, final -ah/-eh"),
    ],
)
def test_normalise_folds_transliteration_variants(variants: list[str], why: str) -> None:
    keys = {normalise(v) for v in variants}
    assert len(keys) == 1, (why, {v: normalise(v) for v in variants})


def test_normalise_examples() -> None:
    assert normalise("al-Qusayr") == normalise("El Quseir") == "kusayr"
    assert normalise("Al-Dab'a") == normalise("Dabaa") == normalise("ad-Dabaa") == "daba"
    assert normalise("Ma'arrat al-Nu'man") == normalise("Maarat An-Numan")
    assert normalise("Al") == "al"  # an article alone is kept


@pytest.mark.parametrize(
    ("variants", "why"),
    [
        (["القصير", "قصير", "الْقُصَيْر"], "article ال, tashkeel"),
        (["أدلب", "إدلب", "ادلب", "آدلب"], "alef forms"),
        (["حماة", "حماه"], "ta marbuta"),
        (["مصطفى", "مصطفي"], "alef maqsura"),
    ],
)
def test_normalise_arabic(variants: list[str], why: str) -> None:
    assert len({normalise(v) for v in variants}) == 1, (why, {v: normalise(v) for v in variants})


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "text",
    [
        "Russian troops entered al-Qusayr on Monday.",
        "Russian troops entered Al-Qusayr on Monday.",
        "RUSSIAN TROOPS ENTERED AL-QUSAYR ON MONDAY.",
        "Russian troops entered el-Quseir on Monday.",
        "Russian troops entered Qoussair on Monday.",
        "Russian troops entered Al Qusayr on Monday.",
    ],
)
def test_offsets_point_at_the_text_and_include_the_article(gp: Geoparser, text: str) -> None:
    mentions = gp.find_places(text)
    offsets_ok(text, mentions)
    (m,) = mentions
    assert m.place_id == "al_qusayr"
    assert m.start == text.lower().index("entered ") + len("entered ")
    assert m.end == text.lower().index(" on ")


def test_arabic_script(gp: Geoparser, plain: Geoparser) -> None:
    text = "قصفت الطائرات مدينة القصير في ريف حمص"
    for parser in (gp, plain):
        mentions = parser.find_places(text)
        offsets_ok(text, mentions)
        m = only(mentions, "القصير")
        assert km((m.lat, m.lon), (34.5078, 36.58029)) < 1
    assert only(gp.find_places(text), "القصير").place_id == "al_qusayr"


@pytest.mark.parametrize("spelling", ["al-Dab'a", "Dabaa", "ad-Dabaa", "al-Dabaa", "Al-Dab’a", "Dab'a"])
def test_dabaa_spellings(gp: Geoparser, spelling: str) -> None:
    text = f"Hezbollah refused to leave {spelling} near al-Qusayr."
    mentions = gp.find_places(text)
    offsets_ok(text, mentions)
    m = only(mentions, spelling)
    assert m.place_id == "al_dabaa_airport" and m.kind == "military_site"


def test_longest_match_wins(gp: Geoparser) -> None:
    text = "They retreated from the al-Dabaa military airport."
    m = only(gp.find_places(text), "al-Dabaa military airport")
    assert m.place_id == "al_dabaa_airport"


# --------------------------------------------------------------------------- disambiguation


def test_qusayr_in_a_homs_story_is_the_syrian_town(gp: Geoparser, plain: Geoparser) -> None:
    text = "Hezbollah fighters left al-Qusayr, south-west of Homs, for the Dabaa airbase."
    for parser in (gp, plain):
        m = only(parser.find_places(text), "al-Qusayr")
        assert m.country == "SY" and km((m.lat, m.lon), (34.5078, 36.58029)) < 5
        assert any(c.country == "EG" for c in m.candidates)  # the confusable is offered, ranked lower
        assert m.candidates[0].country == "SY"


def test_qusayr_and_dabaa_in_an_egypt_story_are_egyptian(gp: Geoparser) -> None:
    text = (
        "Egypt is building its first nuclear power plant at El Dabaa on the Mediterranean coast, "
        "while divers flock to El Quseir on Egypt's Red Sea coast."
    )
    mentions = gp.find_places(text)
    offsets_ok(text, mentions)
    dabaa, quseir = only(mentions, "El Dabaa"), only(mentions, "El Quseir")
    assert dabaa.country == quseir.country == "EG"
    assert dabaa.place_id is None and quseir.place_id is None
    assert km((dabaa.lat, dabaa.lon), (31.03, 28.43)) < 20 and km((quseir.lat, quseir.lon), (26.1, 34.28)) < 20


def test_dabaa_near_qusayr_is_the_airbase(gp: Geoparser, plain: Geoparser) -> None:
    text = "Iranian forces refused to leave Dabaa, north-east of al-Qusayr."
    assert only(gp.find_places(text), "Dabaa").place_id == "al_dabaa_airport"
    assert only(plain.find_places(text), "Dabaa").entry_id == "places:al_dabaa_airport"


@pytest.mark.parametrize(
    "text",
    [
        "The area is western and the center of the city is quiet.",
        "Western powers met. Area residents fled. Center for Documentation. Central command.",
        "The south was calm; the regime shelled the town.",
        "hama and homs are spelled in lower case here, sochi too.",
        "Tall buildings and a market street.",
        "Bashar al-Assad met Putin; President Assad returned.",
        "Fighters of Ahrar al-Sham and the Shahba Press reporter.",
    ],
)
def test_common_words_are_not_places(gp: Geoparser, text: str) -> None:
    assert gp.find_places(text) == []


def test_lower_case_after_an_article_is_a_place(gp: Geoparser) -> None:
    text = "troops entered al-qusayr yesterday"
    assert only(gp.find_places(text), "al-qusayr").place_id == "al_qusayr"


def test_sentence_initial_place_names_are_kept(gp: Geoparser) -> None:
    text = "Homs was shelled. Aleppo too."
    assert [m.text for m in gp.find_places(text)] == ["Homs", "Aleppo"]


# --------------------------------------------------------------------------- spatial phrases


def test_western_countryside_of_homs_is_the_scenario_area(gp: Geoparser) -> None:
    for text, phrase in [
        ("Bases in the western countryside of Homs were shelled.", "western countryside of Homs"),
        ("Bases in the western Homs countryside were shelled.", "western Homs countryside"),
        ("Bases in Homs' western countryside were shelled.", "Homs' western countryside"),
    ]:
        m = only(gp.find_places(text), phrase)
        assert m.place_id == "western_homs_countryside" and m.kind == "area"
        assert m.geometry is not None and m.geometry.geom_type in ("Polygon", "MultiPolygon")


def test_south_western_countryside_variants(gp: Geoparser) -> None:
    for phrase in (
        "south-western countryside of Homs",
        "southern western countryside of Homs",
        "southwestern countryside of Homs",
    ):
        text = f"Bases in the {phrase} remain."
        m = only(gp.find_places(text), phrase)
        assert m.place_id == "southwestern_homs_countryside", phrase
        assert m.geometry.contains(Point(36.58029, 34.5078))  # al-Qusayr lies in it


def test_coordinated_directions_give_two_areas(gp: Geoparser) -> None:
    text = "the bases in the western and southern western countryside of Homs according to SOHR"
    mentions = gp.find_places(text)
    offsets_ok(text, mentions)
    assert [(m.text, m.place_id) for m in mentions] == [
        ("western", "western_homs_countryside"),
        ("southern western countryside of Homs", "southwestern_homs_countryside"),
    ]


def test_derived_countryside_is_a_sector_of_the_governorate(gp: Geoparser, plain: Geoparser) -> None:
    text = "Warplanes struck the northern countryside of Homs."
    rastan, qusayr, homs = Point(36.733, 34.917), Point(36.58029, 34.5078), Point(36.72559, 34.72405)
    for parser in (gp, plain):
        m = only(parser.find_places(text), "northern countryside of Homs")
        assert m.kind == "area" and m.place_id is None and m.phrase == "northern countryside of"
        assert m.geometry.contains(rastan)  # Ar Rastan, 21 km north
        assert not m.geometry.contains(homs) and not m.geometry.contains(qusayr)
        syr_homs = shape(
            next(f for f in load_scenario().basemap["syr_adm1"]["features"] if f["id"] == "SY04")["geometry"]
        )
        assert m.geometry.difference(syr_homs.buffer(1e-6)).area < 1e-9  # inside the governorate


def test_eastern_outskirts(gp: Geoparser) -> None:
    text = "Shelling hit the eastern outskirts of Aleppo."
    m = only(gp.find_places(text), "eastern outskirts of Aleppo")
    aleppo = gp.geocode("Aleppo")
    assert aleppo is not None
    east = GEOD.fwd(aleppo.lon, aleppo.lat, 90, 5000)
    west = GEOD.fwd(aleppo.lon, aleppo.lat, 270, 5000)
    assert m.geometry.contains(Point(east[0], east[1])) and not m.geometry.contains(Point(west[0], west[1]))
    assert not m.geometry.contains(Point(aleppo.lon, aleppo.lat))


def test_near_the_lebanese_border_is_a_buffered_line(gp: Geoparser) -> None:
    text = "Russian forces spread in the areas near the Lebanese border."
    m = only(gp.find_places(text), "near the Lebanese border")
    assert m.place_id == "lebanese_border" and m.kind == "border" and m.phrase == "near the"
    line = load_scenario().place_by_id["lebanese_border"].geometry
    assert m.geometry.contains(line.interpolate(0.5, normalized=True))
    on_line = line.interpolate(0.3, normalized=True)
    five_km = GEOD.fwd(on_line.x, on_line.y, 90, 5000)
    forty_km = GEOD.fwd(on_line.x, on_line.y, 90, 40000)
    assert m.geometry.contains(Point(five_km[0], five_km[1]))
    assert not m.geometry.contains(Point(forty_km[0], forty_km[1]))
    plain_m = only(gp.find_places("They patrol the Lebanese border."), "Lebanese border")
    assert plain_m.geometry.geom_type in ("LineString", "MultiLineString")


def test_borders_and_regions_without_a_scenario(plain: Geoparser) -> None:
    text = "Refugees gathered near the Turkish border; the army advanced in southern Syria."
    mentions = plain.find_places(text)
    offsets_ok(text, mentions)
    border = only(mentions, "near the Turkish border")
    assert border.kind == "border" and border.geometry.geom_type in ("Polygon", "MultiPolygon")
    jarabulus = plain.geocode("Jarabulus")  # a Syrian town on the Turkish border
    assert jarabulus is not None and border.geometry.contains(Point(jarabulus.lon, jarabulus.lat))
    assert not border.geometry.contains(Point(36.72559, 34.72405))  # Homs
    south = only(mentions, "southern Syria")
    assert south.kind == "region" and south.geometry.contains(Point(36.10213, 32.61889))  # Daraa


def test_province(gp: Geoparser) -> None:
    m = only(gp.find_places("Raids in Idlib province."), "Idlib province")
    assert m.kind == "admin1" and m.geometry.contains(Point(36.634, 35.931))


# --------------------------------------------------------------------------- the seed article


def test_every_place_the_seed_article_names_is_found(gp: Geoparser) -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    mentions = gp.find_places(text)
    offsets_ok(text, mentions)
    by_place: dict[str | None, list[PlaceMention]] = {}
    for m in mentions:
        by_place.setdefault(m.place_id, []).append(m)
    qusayr = by_place["al_qusayr"]
    assert len(qusayr) == 3 and all(km((m.lat, m.lon), (34.5078, 36.58029)) < 1 for m in qusayr)
    assert [m.text for m in by_place["al_dabaa_airport"]] == ["al-Dabaa military airport"]
    assert {m.text for m in by_place["western_homs_countryside"]} == {"western countryside of Homs", "western"}
    assert [m.text for m in by_place["southwestern_homs_countryside"]] == ["southern western countryside of Homs"]
    assert [m.text for m in by_place["lebanese_border"]] == ["near the Lebanese borders"]
    assert [m.text for m in by_place["southern_syria"]] == ["Southern Syria"]
    assert [m.text for m in by_place["sochi"]] == ["Sochi"]
    assert {m.text for m in mentions if m.kind == "country"} == {"Syria", "Iran", "Israel", "Russia"}
    # Homs is named only inside the two countryside phrases: it is there with nested=True
    nested = gp.find_places(text, nested=True)
    offsets_ok(text, nested)
    homs = [m for m in nested if m.place_id == "homs"]
    assert len(homs) == 2 and all(m.text == "Homs" for m in homs)


# --------------------------------------------------------------------------- geocoding labels


def test_geocode_short_labels(gp: Geoparser) -> None:
    talbiseh = gp.geocode("Talbiseh", context="Homs")
    assert talbiseh is not None and km((talbiseh.lat, talbiseh.lon), (34.8336, 36.7357)) < 2
    assert gp.geocode("Xqzzyv") is None
    # a spelling no gazetteer name has: read on its consonants (Harbinafsah, Hama governorate)
    variant = gp.geocode("Hirbinafsah", context="Hama")
    assert variant is not None and variant.phrase in ("part of the label", "") or variant.phrase.startswith("closest")
    assert km((variant.lat, variant.lon), (34.937, 36.5)) < 15
    assert gp.geocode("Homs").place_id == "homs"


def test_default_geoparser_is_built_once() -> None:
    assert default_geoparser() is default_geoparser()


# --------------------------------------------------------------------------- properties

_NAMES = [
    "al-Qusayr",
    "Homs",
    "القصير",
    "Dab'a",
    "the western countryside of Homs",
    "near the Lebanese border",
    "southern Syria",
    "Al-",
    "al",
    "’s",
    "Aleppo's",
    "-",
    "ال",
    "\u0301",
    "ʿ",
]
_NAMES += [
    "Busr al-Harir",
    "the Jobar neighbourhood of Damascus",
    "in Sakhour, in Aleppo governorate,",
    "Kafr aweed",
    "Aldar alkabera",
    "Ma`arrat an Nu`man",
    "Kuwayris airbase",
    "Saida",
]
_pieces = st.one_of(
    st.text(max_size=30),
    st.sampled_from(_NAMES),
    st.text(alphabet=st.characters(min_codepoint=0x600, max_codepoint=0x6FF), max_size=20),
    st.text(alphabet=st.characters(categories=("Cc", "Zs", "Mn", "Pd", "Po")), max_size=10),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz'-", min_size=200, max_size=2000),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pieces, max_size=12).map(" ".join))
def test_find_places_never_crashes_and_offsets_hold(text: str) -> None:
    gp = default_geoparser()
    for nested in (False, True):
        mentions = gp.find_places(text, nested=nested)
        offsets_ok(text, mentions)
        if not nested:
            assert all(a.end <= b.start for a, b in pairwise(mentions))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_normalise_never_crashes(text: str) -> None:
    from mapdata.text.normalise import loose_key

    folded = normalise(text)
    assert isinstance(folded, str)
    assert all(isinstance(t, str) for t in loose_key(tuple(folded.split())))
