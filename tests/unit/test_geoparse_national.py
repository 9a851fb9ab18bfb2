"""The geoparser on the national gazetteer: spellings that survive transliteration, context that picks the namesake,
places the gazetteer lacks put where the text says they are, and common words that stay words."""

from __future__ import annotations

import pytest
from pyproj import Geod

from mapdata.text.geoparse import Geoparser, default_geoparser
from mapdata.text.mentions import PlaceMention
from mapdata.text.normalise import loose_key, normalise

GEOD = Geod(ellps="WGS84")

# Who's On First points (GeoNames-level) of the villages the tests name
BUSRA_AL_HARIR = (32.845, 36.341)
NAHTAH = (32.788, 36.349)
KAFR_NABUDAH = (35.432, 36.494)
SAYDA_DARAA = (32.629, 36.226)
SIDON = (33.558, 35.371)
DAMASCUS = (33.510, 36.291)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / 1000


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return default_geoparser()


def at(mentions: list[PlaceMention], text: str) -> PlaceMention:
    found = [m for m in mentions if m.text == text]
    assert len(found) == 1, [(m.text, m.name) for m in mentions]
    return found[0]


def skeleton(name: str) -> tuple[str, ...]:
    return loose_key(tuple(normalise(name).split()))


@pytest.mark.parametrize(
    "spellings",
    [
        ["Maarat al-Numan", "Ma`arrat an Nu`man", "Maret Numan", "Ma'arat al-No'man", "معرة النعمان"],
        ["Tayr Ma'lah", "Ter Maela", "طير معلة"],
        ["Talmenes", "Tallmannis", "تلمنس"],
        ["Bshantara", "Bashantarah"],
        ["Hobait", "al-Habit", "الهبيط"],
        ["Termanin", "Turmanin", "ترمانين"],
        ["Sneisel", "Sunaysil", "سنيسل"],
        ["Kafr Nabudah", "Kfar Nbouda", "Kafar Nabuda", "كفر نبودة"],
        ["Tal Hamid", "Tell Hamid", "Tall Hameed"],
        ["Deir al-Asafir", "Dayr al Asafir", "Dair el-Asafeer"],
        ["Jisr al-Shughur", "Jasr ash-Shughur", "جسر الشغور"],
        ["Khirbet Ghazaleh", "Khirbat Ghazalah"],
        ["Ras al-Ain", "Ras el Ayn", "Ra's al `Ayn", "رأس العين"],
        ["Yabroud", "Yabrud", "يبرود"],
        ["Wadi Barada", "Wadi Barada", "وادي بردى"],
        ["Salih", "صالح"],
    ],
)
def test_spellings_of_one_name_share_a_skeleton(spellings: list[str]) -> None:
    """Articles and sun letters, ayn and hamza marks, doubled letters, vowels, Kafr/Kfar, Tal/Tell, Deir/Dayr,
    Jisr/Jasr, Khirbet/Khirbat, -eh/-ah endings: one consonant skeleton, the Arabic-script name's included."""
    assert len({skeleton(s) for s in spellings}) == 1, {s: skeleton(s) for s in spellings}


def test_different_names_keep_different_skeletons() -> None:
    assert skeleton("Nahtah") != skeleton("Nawa")
    assert skeleton("Busr al-Harir") != skeleton("Busra ash-Sham")
    assert skeleton("Kafr Nabudah") != skeleton("Kafr Nabl")


PARAGRAPH = (
    "Regime forces shelled Busr al-Harir and Nahtah in the eastern Daraa countryside on Sunday, while clashes "
    "continued in Kafr Nabudah in the northern Hama countryside."
)


def test_the_villages_of_a_daraa_and_hama_report_are_found_where_they_are(gp: Geoparser) -> None:
    mentions = gp.find_places(PARAGRAPH)
    for text, point in (("Busr al-Harir", BUSRA_AL_HARIR), ("Nahtah", NAHTAH), ("Kafr Nabudah", KAFR_NABUDAH)):
        m = at(mentions, text)
        assert km((m.lat, m.lon), point) < 2, (text, m.name, m.entry_id)
        assert m.kind == "town" and m.country == "SY" and m.reason and not m.approximate
    assert "spelled differently" in at(mentions, "Busr al-Harir").reason  # Busra al Hariri, read on its consonants


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ("Shelling hit Saida, in the eastern Daraa countryside, on Sunday.", SAYDA_DARAA, "Daraa"),
        ("Regime artillery shelled Saida and Busra al-Hariri in Daraa governorate.", SAYDA_DARAA, "Daraa"),
        ("Israeli jets struck near Saida in south Lebanon.", SIDON, "South"),
    ],
)
def test_context_picks_the_namesake_and_says_why(
    gp: Geoparser, text: str, where: tuple[float, float], why: str
) -> None:
    saida = at(gp.find_places(text), "Saida")
    assert km((saida.lat, saida.lon), where) < 3, saida
    assert why in saida.reason
    others = [c for c in saida.candidates[1:] if km((c.lat, c.lon), where) > 50]
    assert others, "the other readings are kept for the analyst"


def test_a_bare_name_goes_to_the_largest_namesake_and_says_so(gp: Geoparser) -> None:
    saida = at(gp.find_places("Protests were reported in Saida."), "Saida")
    assert km((saida.lat, saida.lon), SIDON) < 3
    assert "largest" in saida.reason and len(saida.candidates) >= 3


@pytest.mark.parametrize(
    "text",
    [
        "The Army said on Sunday that Tal and Ain were quiet.",
        "Bab and Kafr are words, not places, and so is Army.",
        "On Sunday, the Syrian Army and the SOHR reported clashes.",
        "Fighters of Ahrar al-Sham and Jaish al-Islam withdrew.",
    ],
)
def test_bare_common_words_are_not_places(gp: Geoparser, text: str) -> None:
    assert [m.text for m in gp.find_places(text) if m.kind != "country"] == []


def test_a_village_alone_needs_a_cue_or_context(gp: Geoparser) -> None:
    """A one-word village name with nothing around it is not read as a place; with "in" or a nearby place it is."""
    assert not [m for m in gp.find_places("Nahtah was quiet.") if m.text == "Nahtah"]
    assert at(gp.find_places("Shelling hit Nahtah."), "Nahtah")
    assert at(gp.find_places("Nahtah and Busr al-Harir were shelled."), "Nahtah")


def test_a_neighbourhood_the_gazetteer_lacks_is_put_in_its_city_approximately(gp: Geoparser) -> None:
    mentions = gp.find_places("Regime shells fell on the Jobar neighbourhood of Damascus on Monday.")
    jobar = at(mentions, "Jobar neighbourhood")
    assert jobar.approximate and jobar.kind == "neighbourhood" and jobar.name == "Jobar"
    assert km((jobar.lat, jobar.lon), DAMASCUS) < 1 and jobar.uncertainty_m and 5_000 <= jobar.uncertainty_m <= 20_000
    assert "pin it" in jobar.reason and jobar.confidence <= 0.5
    assert at(mentions, "Damascus").kind == "town"


def test_a_place_said_to_be_in_a_governorate_is_never_silently_dropped(gp: Geoparser) -> None:
    mentions = gp.find_places("Shelling was reported in Sakhour, in Aleppo governorate, Syria.")
    sakhour = at(mentions, "Sakhour")
    assert sakhour.approximate and "Aleppo" in sakhour.phrase
    assert sakhour.uncertainty_m and sakhour.uncertainty_m > 50_000  # the governorate's extent: honest, not precise
    other = gp.find_places("Shelling was reported in Sakhour, in Aleppo governorate, Syria.")
    assert [m.entry_id for m in other] == [m.entry_id for m in mentions]  # deterministic


def test_a_facility_the_gazetteer_holds_is_found_as_itself(gp: Geoparser) -> None:
    base = at(gp.find_places("Kuwayris airbase was hit."), "Kuwayris airbase")
    assert base.kind == "military_site" and not base.approximate and base.entry_id == "curated:kuweires_airbase"


def test_an_unknown_facility_near_a_city_is_approximate(gp: Geoparser) -> None:
    mall = at(gp.find_places("An airstrike hit the Karfur Mall in Aleppo."), "Karfur Mall")
    assert mall.approximate and mall.kind == "facility" and "Aleppo" in mall.reason


def test_spelling_variants_in_running_text(gp: Geoparser) -> None:
    mentions = gp.find_places("Fighting continued in Maret Numan, Talmenes and Ter Maela.")
    assert km((at(mentions, "Maret Numan").lat, at(mentions, "Maret Numan").lon), (35.648, 36.677)) < 3
    assert at(mentions, "Talmenes").name == "Tallmannis"
    assert at(mentions, "Ter Maela").name.startswith("Tayr Ma")


def test_a_governorate_that_says_where_a_village_is_rules_out_its_namesakes(gp: Geoparser) -> None:
    """ "X, in Idlib governorate": a reading of X in Homs is not this place."""
    sneisel = [m for m in gp.find_places("Shelling hit Sneisel, in Idlib governorate.") if m.text == "Sneisel"]
    assert not sneisel or sneisel[0].approximate


def test_the_seed_places_resolve_as_before(gp: Geoparser) -> None:
    text = (
        "Russian forces deployed in al-Qusayr, in the western countryside of Homs near the Lebanese border, "
        "and Iran and Hezbollah refused to leave al-Dabaa military airport."
    )
    mentions = gp.find_places(text)
    assert at(mentions, "al-Qusayr").place_id == "al_qusayr"
    assert at(mentions, "al-Dabaa military airport").place_id == "al_dabaa_airport"
    assert any(m.place_id == "western_homs_countryside" for m in mentions)
    assert any(m.place_id == "lebanese_border" for m in mentions)


def test_the_folded_names_are_cached_for_the_next_process(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher's keys are written once per gazetteer file and folding code, read back the same, and a damaged
    cache file only means computing them again."""
    import shutil

    from mapdata import resources
    from mapdata.text.gazetteer import DEFAULT_GAZETTEER, read_gazetteer

    folder = tmp_path / "gazetteer"
    shutil.copytree(DEFAULT_GAZETTEER.parent, folder)
    monkeypatch.setattr(resources, "home", lambda environ=None: tmp_path / "home")
    gazetteer = read_gazetteer(folder / DEFAULT_GAZETTEER.name)
    first = Geoparser(gazetteer)
    (cache,) = (tmp_path / "home" / "cache").glob("gazetteer-keys-*.json")
    second = Geoparser(gazetteer)
    assert second._by_key == first._by_key
    cache.write_text("{not json", encoding="utf-8")
    third = Geoparser(gazetteer)
    assert third._by_key == first._by_key
    uncached = Geoparser(gazetteer, cache_keys=False)
    assert uncached._by_key == first._by_key
    text = "Regime forces shelled Busr al-Harir and Nahtah in Daraa."
    assert [m.entry_id for m in third.find_places(text)] == [m.entry_id for m in uncached.find_places(text)]


def test_a_report_of_the_page_limit_in_mixed_scripts_parses(gp: Geoparser) -> None:
    """Text of any script, up to the report page's limit, never crashes the matcher (with the hypothesis tests)."""
    import random

    from mapdata.text.extract import PAGE_MAX_CHARS

    rng = random.Random(11)
    pieces = [
        "Busr al-Harir",
        "نحتة",
        "the Jobar neighbourhood of Damascus",
        "in Sakhour, in Aleppo governorate,",
        "Ma`arrat an Nu`man",
        "Ра́сул",
        "北京",
        "Kafr aweed",
        "ALL CAPS SOHR",
        "ʿAyn al-ʿArab",
        "\u0301\u064b",
        "Tal",
        ",",
        ".",
        "\n",
    ]
    text = ""
    while len(text) < PAGE_MAX_CHARS:
        text += rng.choice(pieces) + rng.choice([" ", " and ", ", ", ". "])
    text = text[:PAGE_MAX_CHARS]
    mentions = gp.find_places(text)
    assert mentions and all(text[m.start : m.end] == m.text for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


@pytest.mark.parametrize(
    ("text", "name", "near"),
    [
        ("Troops attacked Zarbuta neighbourhood in Homs.", "Zarbuta", (34.73, 36.71)),
        ("Clashes at Zarbuta airbase, near Hama.", "Zarbuta", (35.13, 36.75)),
        ("The Zarbuta neighbourhood of Damascus was shelled.", "Zarbuta", DAMASCUS),
        ("In Zarbuta neighbourhood of Damascus, shells fell.", "Zarbuta", DAMASCUS),
        ("Shells fell on the Salma Zarbuta neighbourhood of Damascus.", "Salma Zarbuta", DAMASCUS),
    ],
)
def test_an_unknown_place_keeps_its_own_name_and_nothing_before_it(
    gp: Geoparser, text: str, name: str, near: tuple[float, float]
) -> None:
    """No English word, preposition or first word of the sentence taken into the name; no word read as a village."""
    mentions = gp.find_places(text)
    (approx,) = [m for m in mentions if m.approximate]
    assert approx.name == name and km((approx.lat, approx.lon), near) < 10
    assert not [m for m in mentions if not m.approximate and m.kind == "town" and m.text in ("Shells", "Salma")]


def test_an_unknown_place_is_put_near_the_report_s_places_when_its_sentence_names_none(gp: Geoparser) -> None:
    mentions = gp.find_places("Fighting continued in Homs. Rebels then took the village of Zarbuta.")
    (approx,) = [m for m in mentions if m.approximate]
    assert approx.name == "Zarbuta" and "nearest place the report names" in approx.reason and approx.confidence < 0.5


def test_a_country_or_border_is_too_vague_to_place_an_unknown_place_in(gp: Geoparser) -> None:
    for text in ("The Zarbuta neighbourhood of Syria was hit.", "Zarbuta airbase near the Lebanese border was hit."):
        assert not [m for m in gp.find_places(text) if m.approximate]
