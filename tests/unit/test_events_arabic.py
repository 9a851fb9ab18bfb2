"""Arabic reports give what English ones give: dates, forces, actions, roles, scope (issue 12 item 6), each rule on
its own sentence; and the new forces are recognised in both languages (item 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from mapdata.model.models import DatePrecision
from mapdata.text.dates import find_dates
from mapdata.text.extract import default_pipeline
from mapdata.text.geoparse import default_geoparser

PUBLISHED = dt.date(2018, 6, 6)


def periods(text: str, published: dt.date | None = PUBLISHED) -> set[tuple[str, str, str, str | None, str | None]]:
    out = set()
    for event in default_pipeline().extract(text, published=published).events:
        for p in event.periods:
            start = p.start.isoformat() if p.start else None
            end = p.end.isoformat() if p.end else None
            out.add((p.place_id, p.force, p.role.value, start, end))
    return out


def forces(text: str) -> list[tuple[str, str]]:
    return [(f.text, f.force) for f in default_pipeline().extract(text).forces]


@pytest.mark.parametrize(
    ("text", "written", "date", "precision"),
    [
        ("انتشرت القوات يوم الاثنين ٤ حزيران ٢٠١٨.", "يوم الاثنين ٤ حزيران ٢٠١٨", "2018-06-04", "day"),
        ("في 21 يونيو سيطرت", "21 يونيو", "2018-06-21", "day"),  # Egyptian month name, year from publication
        ("في ٤ حزيران/يونيو", "٤ حزيران/يونيو", "2018-06-04", "day"),  # both names, Arabic-Indic digits
        ("الإثنين، 4 من شهر حزيران 2018", "الإثنين، 4 من شهر حزيران 2018", "2018-06-04", "day"),
        ("قال أمس إن", "أمس", "2018-06-05", "day"),
        ("أول أمس", "أول أمس", "2018-06-04", "day"),
        ("منذ ثلاثة أيام", "منذ ثلاثة أيام", "2018-06-03", "day"),
        ("منذ يومين", "منذ يومين", "2018-06-04", "day"),
        ("الأسبوع الماضي", "الأسبوع الماضي", "2018-06-03", "reported_by"),
        ("مطلع آذار", "مطلع آذار", "2018-03-01", "month"),
        ("الشهر الماضي", "الشهر الماضي", "2018-05-01", "month"),
        ("يوم الجمعة", "يوم الجمعة", "2018-06-01", "day"),
        ("في تشرين الأول 2017", "تشرين الأول 2017", "2017-10-01", "month"),
    ],
)
def test_arabic_dates(text: str, written: str, date: str, precision: str) -> None:
    found, _ = find_dates(text, published=PUBLISHED)
    assert [(d.text, d.date.isoformat() if d.date else None, d.precision.value) for d in found] == [
        (written, date, precision)
    ]


def test_arabic_weekday_and_date_infer_the_year_without_a_publication_date() -> None:
    found, basis = find_dates("يوم الاثنين ٤ حزيران سيطرت", today=dt.date(2026, 11, 30))
    assert found[0].date == dt.date(2018, 6, 4) and found[0].precision is DatePrecision.DAY
    assert "2018" in basis


@pytest.mark.parametrize("text", ["بعد صلاة الجمعة", "في اليوم التالي", "الفرقة 11", "في ذلك اليوم"])
def test_arabic_words_that_are_not_dates_here(text: str) -> None:
    assert find_dates(text, published=PUBLISHED)[0] == []


def test_arabic_force_names_with_proclitics_spellings_and_digits() -> None:
    found = forces("قوات النظام وحزب الله والقوات الروسية وقسد وداعش والفرقة ١١ وهيئة تحرير الشام والجيش التركي")
    assert [force for _, force in found] == [
        "syrian_regime",
        "hezbollah",
        "russia",
        "sdf",
        "isis",
        "syrian_regime",
        "hts",
        "turkey",
    ]
    assert found[1][0] == "حزب الله"  # the proclitic و is not part of the mention
    assert forces("انضم إلى الجيش السوري الحر") == [("الجيش السوري الحر", "opposition")]  # the longest name wins
    assert forces("ايران") == [("ايران", "iran")]  # alef written without hamza


@pytest.mark.parametrize(
    ("text", "force"),
    [
        ("Hayat Tahrir al-Sham attacked.", "hts"),
        ("Jabhat al-Nusra attacked.", "hts"),
        ("The YPG attacked.", "sdf"),
        ("Daesh attacked.", "isis"),
        ("The Turkish army attacked.", "turkey"),
        ("The US-led coalition attacked.", "us_coalition"),
        ("The Syrian National Army attacked.", "opposition"),
        ("The National Liberation Front attacked.", "opposition"),
    ],
)
def test_the_new_forces_in_english(text: str, force: str) -> None:
    assert [f for _, f in forces(text)] == [force]


def test_arabic_control_with_a_backer_gives_the_backer_no_period() -> None:
    got = periods("سيطرت قوات النظام، بدعم من الطيران الروسي، على مدينة تلبيسة في ٢١ حزيران ٢٠١٨.")
    assert {(force, role, start) for _, force, role, start, _ in got} == {("syrian_regime", "control", "2018-06-21")}
    got = periods("استعادت قوات النظام بغطاء جوي روسي السيطرة على تلبيسة في ١٩ حزيران ٢٠١٨.")
    assert {force for _, force, *_ in got} == {"syrian_regime"}


def test_arabic_deployment_is_presence_and_a_strike_is_no_period() -> None:
    assert {(p[1], p[2]) for p in periods("انتشرت الشرطة العسكرية الروسية في تلبيسة في 16 أيار 2018.")} == {
        ("russia", "presence")
    }
    assert periods("قصفت الطائرات الروسية خان شيخون ومعرة النعمان في 5 حزيران 2018.") == set()
    assert periods("شنت الطائرات الروسية غارات على خان شيخون في 5 حزيران 2018.") == set()


def test_arabic_withdrawal_refusal_clashes_and_handover() -> None:
    assert {(p[1], p[3], p[4]) for p in periods("انسحب مقاتلو المعارضة من تلبيسة في 16 أيار 2018.")} == {
        ("opposition", None, "2018-05-16")
    }
    assert {
        (p[1], p[2], p[3], p[4]) for p in periods("رفضت القوات الإيرانية وحزب الله الخروج من مطار الضبعة العسكري.")
    } == {
        ("iran", "presence", None, None),
        ("hezbollah", "presence", None, None),
    }
    assert {
        (p[1], p[2]) for p in periods("اندلعت اشتباكات بين قوات النظام وفصائل المعارضة في تلبيسة في ٨ أيار ٢٠١٨.")
    } == {
        ("syrian_regime", "presence"),
        ("opposition", "presence"),
    }
    assert {
        (p[1], p[2], p[3], p[4]) for p in periods("سلّم حزب الله مواقعه في القصير إلى الفرقة ١١ في 5 حزيران 2018.")
    } == {
        ("hezbollah", "presence", None, "2018-06-05"),
        ("syrian_regime", "control", "2018-06-05", None),
    }


def test_arabic_scope_the_area_says_where_the_village_is() -> None:
    got = periods("سيطرت فصائل المعارضة على قرية الحراك في ريف درعا الشرقي في ٢٠ يونيو ٢٠١٨.")
    assert {(p[1], p[2]) for p in got} == {("opposition", "control")}
    assert len(got) == 1  # al-Hirak only, not Daraa


def test_arabic_dates_across_sentences_and_a_dropped_subject() -> None:
    got = periods(
        "في ١٩ حزيران ٢٠١٨، استعادت قوات النظام السيطرة على مليحة العطش. وفي اليوم التالي اقتحمت تلبيسة.", None
    )
    assert {(p[1], p[2], p[3]) for p in got} == {
        ("syrian_regime", "control", "2018-06-19"),
        ("syrian_regime", "control", "2018-06-20"),
    }
    got = periods(
        "انتشرت القوات الروسية في القصير يوم الاثنين ٤ حزيران ٢٠١٨. وبعد يومين تسلمت الفرقة 11 النقاط في القصير.", None
    )
    assert ("al_qusayr", "syrian_regime", "control", "2018-06-06", None) in got


def test_arabic_common_words_are_not_places_and_proclitics_are_not_part_of_names() -> None:
    found = default_geoparser().find_places("سيطرت على ثلاث نقاط في منطقة القصير بريف حمص الغربي قرب الحدود اللبنانية.")
    assert [(m.text, m.place_id) for m in found] == [
        ("القصير", "al_qusayr"),
        ("ريف حمص الغربي", "western_homs_countryside"),
        ("الحدود اللبنانية", "lebanese_border"),
    ]


SEED_EN = (
    "Russia has already started taking action on the ground; it spread soldiers in the area of al-Qusayr, western "
    "countryside of Homs, and took over three positions, on Monday, June 4. This enticed a dispute with “Hezbollah,” "
    "according to the regional coalition. An official told the Agency that the Russian forces spread in the areas near "
    "the Lebanese borders. Hezbollah expressed objection to the step and the situation was resolved by the control of "
    "Assad’s forces, from “Division 11”, over the positions in which Russians have spread."
)
SEED_AR = (
    "بدأت روسيا التحرك على الأرض، إذ نشرت جنوداً في منطقة القصير بريف حمص الغربي، وسيطرت على ثلاث نقاط، يوم الاثنين "
    "٤ حزيران. وأثارت هذه الخطوة خلافاً مع حزب الله، بحسب مسؤولين في التحالف الإقليمي. وقال مسؤول للوكالة إن القوات "
    "الروسية انتشرت في مناطق قرب الحدود اللبنانية. وأبدى حزب الله اعتراضه على الخطوة، وحُلّ الوضع بسيطرة قوات الأسد، "
    "من الفرقة 11، على النقاط التي انتشر فيها الروس."
)


def test_the_seed_paragraph_in_arabic_gives_the_same_events_as_in_english() -> None:
    english = default_pipeline().extract(SEED_EN, published=PUBLISHED).events
    arabic = default_pipeline().extract(SEED_AR, published=PUBLISHED).events
    assert periods(SEED_AR) == periods(SEED_EN)
    assert ("al_qusayr", "russia", "control", "2018-06-04", None) in periods(SEED_AR)
    assert ("al_qusayr", "syrian_regime", "control", "2018-06-06", None) in periods(SEED_AR)
    assert not any(p[0] == "western_homs_countryside" for p in periods(SEED_AR))  # where al-Qusayr is, not taken
    assert [(e.kind, e.verification.value, e.date) for e in arabic] == [
        (e.kind, e.verification.value, e.date) for e in english
    ]
    quote = arabic[0].quote
    assert quote in SEED_AR and "نشرت جنوداً" in quote  # the quote stays verbatim in Arabic
    assert arabic[0].summary.startswith("russia deploy")  # the summary is in English


@pytest.mark.parametrize(
    ("text", "phrase", "name"),
    [
        ("في ريف درعا الشرقي", "ريف درعا الشرقي", "Eastern countryside of Dar‘ā"),
        ("في ريف حماة الشمالي الغربي", "ريف حماة الشمالي الغربي", "North-western countryside of Ḩamāh"),
        ("على أطراف حلب", "أطراف حلب", "Outskirts of Aleppo"),
        ("في ريف إدلب", "ريف إدلب", "Countryside of Idlib"),
    ],
)
def test_arabic_spatial_phrases_make_the_same_areas_as_english(text: str, phrase: str, name: str) -> None:
    (found,) = default_geoparser().find_places(text)
    assert (found.text, found.kind, found.name) == (phrase, "area", name)
