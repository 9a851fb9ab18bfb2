"""Find the dates a report mentions, with exact character offsets, and resolve them.

:func:`find_dates` returns one :class:`~mapdata.text.mentions.DateMention` per date expression
and a sentence saying where the years come from (the *year basis*).

Handled expressions (English):

* full dates: ``June 4, 2018``, ``4 June 2018``, ``the 4th of June``, ``2018-06-04``;
  numeric ``4/6/2018`` only when the day and month cannot be swapped (``13/6/2018``) -
  an ambiguous one is reported with ``date=None`` and a warning;
* dates with a weekday: ``Monday, June 4``, ``on Monday, June 4``, ``Friday June 5``; a
  weekday that contradicts its date is a *warning* naming the real weekday and the nearest
  date that fits (the date as written is kept; the analyst decides);
* months: ``June 2018``, ``in June``, ``early June``, ``mid-June``, ``last May`` (precision ``month``);
* weekdays alone: ``on Monday``, ``last Friday``, ``next Sunday``, resolved against the
  publication date (the most recent such weekday on or before it; ``last`` = strictly before,
  ``next`` = strictly after);
* relative phrases: ``yesterday``, ``today``, ``last night``, ``three days ago`` (precision
  ``day``); ``in the past few days``, ``recently``, ``this week``, ``a few days ago`` (precision
  ``reported_by``, dated the publication day); ``last week`` (``reported_by`` the last day of
  that week); ``last month``, ``earlier this month`` (``month``). Title-like uses such as
  "Yesterday's Allies, Today's Enemies" are not dates.

Years: with a publication date, a date without a year is the occurrence nearest the
publication date, allowing at most :data:`FUTURE_WINDOW_DAYS` days after it (reports
mostly look back). Without one, the year is inferred from the weekday + day + month
combinations in the text: each fits a handful of years; the chosen year fits the most
combinations, then is preferably written elsewhere in the text, then fits the first
combination, then is the latest not after ``today``. Failing that, the nearest year written
before the date in the text, else the latest occurrence not after ``today`` (with a warning).

Runs in linear time: one compiled regular expression without nested unbounded
repetition, scanned once (a 20 MB text takes seconds).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mapdata.model.models import DatePrecision
from mapdata.text.mentions import DateMention
from mapdata.text.normalise import WORD_START, is_arabic

FUTURE_WINDOW_DAYS = 60
"""With a publication date, a yearless date may fall at most this many days after it."""

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_BY_NAME = {name.lower(): i for i, name in enumerate(MONTHS, 1)}
_MONTH_BY_NAME.update({name[:3].lower(): i for i, name in enumerate(MONTHS, 1)})
_MONTH_BY_NAME["sept"] = 9
_WEEKDAY_BY_NAME = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_OLDEST_YEAR = 1900

# -- the pattern ---------------------------------------------------------------------------------
# Month and weekday names must be capitalised ("may" is a verb); the small words around them
# are case-insensitive. Every repetition is bounded or cannot overlap its neighbour, so there
# is no catastrophic backtracking.
_S = r"\s{1,3}"
_WD = "|".join(WEEKDAYS)
_MONTH_FULL = "|".join(MONTHS)
_MONTH = rf"(?:{_MONTH_FULL}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?!\w)\.?"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?!\w)"
_YEAR = r"(?:19|20)\d\d(?!\w)"
_NUM = r"\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten"


def _wd_prefix(name: str) -> str:
    return rf"(?:(?P<{name}>{_WD}),?{_S}(?:the{_S})?)?"


# (first-character gate, alternative): the gate lets the scan skip an alternative at once,
# which keeps the cost per word small on large inputs.
_ALTERNATIVES = [
    # Monday, June 4[, 2018]
    ("[JFMASONDTW]", rf"{_wd_prefix('mdw')}(?P<mdm>{_MONTH}){_S}(?P<mdd>{_DAY})(?:,?{_S}(?P<mdy>{_YEAR}))?"),
    # Monday 4 June [2018] / 4th of June
    (r"[\dMTWFS]", rf"{_wd_prefix('dmw')}(?P<dmd>{_DAY})(?:{_S}of)?{_S}(?P<dmm>{_MONTH})(?:,?{_S}(?P<dmy>{_YEAR}))?"),
    # 2018-06-04
    (r"\d", r"(?P<iy>(?:19|20)\d\d)-(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01])(?!\d)"),
    # 4/6/2018, 4.6.2018, 4-6-2018
    (r"\d", r"(?P<na>\d{1,2})(?P<nsep>[/.\-])(?P<nb>\d{1,2})(?P=nsep)(?P<ny>(?:19|20)\d\d)(?![\d/])"),
    # June 2018
    ("[JFMASOND]", rf"(?P<mym>{_MONTH}),?{_S}(?P<myy>{_YEAR})"),
    # early June [2018], mid-June, the end of May, last May
    (
        "[emltbsnEMLTBSN]",
        rf"(?P<qmq>(?i:early|mid|late|(?:the{_S})?(?:end|beginning|start|middle){_S}of|last|this|next))[\s\-]{{1,3}}"
        rf"(?P<qmm>{_MONTH_FULL})(?!\w)(?:,?{_S}(?P<qmy>{_YEAR}))?(?!\.?,?\s{{0,3}}\d)",
    ),
    # in June (the preposition is not part of the mention)
    (
        "[idsutbfaIDSUTBFA]",
        rf"(?i:in|during|since|until|till|by|from|throughout|before|after){_S}(?P<pmm>{_MONTH_FULL})(?!\w)"
        rf"(?!\.?,?\s{{0,3}}\d)",
    ),
    # the day before yesterday
    ("[tT]", rf"(?P<dby>(?i:the{_S}day{_S}before{_S}yesterday))"),
    # yesterday, today, last night ...
    ("[ytlYTL]", rf"(?P<rw>(?i:yesterday|today|tonight|last{_S}night|this{_S}(?:morning|afternoon|evening)))(?!\w)"),
    # three days ago, a few weeks ago
    (
        r"[\daotfsencAOTFSENC]",
        rf"(?P<ago>(?i:(?P<agon>{_NUM}|(?:a{_S})?(?:few|several|couple{_S}of)){_S}(?P<agou>days?|weeks?){_S}ago))(?!\w)",
    ),
    # in the past (a) few days, over the last two weeks
    (
        "[iodwftIODWFT]",
        rf"(?P<past>(?i:(?:(?:in|over|during|within|for){_S})?the{_S}(?:past|last|previous){_S}"
        rf"(?:(?:a{_S})?(?:few|several|couple{_S}of|{_NUM}){_S})?(?:days|weeks?|hours|months?)))(?!\w)",
    ),
    # in recent days, recently
    ("[irIR]", rf"(?P<recent>(?i:(?:in{_S})?recent{_S}(?:days|weeks)|recently))(?!\w)"),
    # last week, earlier this week
    ("[ltepnLTEPN]", rf"(?P<week>(?i:(?P<wkq>last|this|earlier{_S}this|previous|next){_S}week))(?!\w)"),
    # last month, earlier this month
    ("[ltepnLTEPN]", rf"(?P<month>(?i:(?P<mnq>last|this|earlier{_S}this|previous|next){_S}month))(?!\w)"),
    # on Monday, last Friday (not followed by a date, which the first two alternatives take)
    (
        "[ltpnLTPNMWFS]",
        rf"(?:(?P<waq>(?i:last|this{_S}past|this|next|past)){_S})?(?P<wa>{_WD})(?!\w)"
        rf"(?!,?{_S}(?:the{_S})?(?:\d|{_MONTH}))(?!{_S}(?i:prayers?|sermons?))",
    ),
]
_PATTERN = re.compile(r"(?<!\w)(?=[0-9A-Za-z])(?:" + "|".join(f"(?={gate}){alt}" for gate, alt in _ALTERNATIVES) + ")")
_YEAR_TOKEN = re.compile(r"(?<![\w\-/.])((?:19|20)\d\d)(?![\w\-/])")
# "in 2007 the base" is a year; "2000 fighters" is not: a number followed by a lower-case word
# counts only after a word that introduces a year
_YEAR_INTRO = re.compile(
    r"(?:\b(?:in|since|of|by|until|till|from|during|before|after|year|summer|winter|spring|autumn|fall|early|late)"
    r"|mid)[\s\-]{1,3}$",
    re.IGNORECASE,
)
_LOWER_WORD_AFTER = re.compile(r"\s+[a-z]")
_TITLE_AFTER = re.compile(r"['’]s\s{1,3}[A-Z]")


@dataclass
class _Raw:
    """A matched expression before its year and date are settled."""

    kind: str  # "day", "month", "numeric_ambiguous", "weekday", "relative"
    start: int
    end: int
    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    qualifier: str = ""  # "last", "next", "early", ...
    relative: str = ""  # for kind == "relative": yesterday, ago_day, reported, last_week, month_rel ...
    amount: int = 0
    note: str = ""


# -- small helpers --------------------------------------------------------------------------------


def _fmt(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _shift(day: dt.date, days: int) -> dt.date | None:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _month_start(day: dt.date, months_back: int) -> dt.date | None:
    index = day.year * 12 + day.month - 1 - months_back
    year, month = divmod(index, 12)
    return _safe_date(year, month + 1, 1) if dt.MINYEAR <= year <= dt.MAXYEAR else None


def _nearest_weekday(day: dt.date, weekday: int) -> dt.date | None:
    forward = (weekday - day.weekday()) % 7
    backward = 7 - forward
    return _shift(day, forward if forward <= backward else -backward)


def _number(word: str) -> int | None:
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _ago(start: int, end: int, number: int, *, weeks: bool) -> _Raw:
    """ "three days ago", "two weeks ago", "منذ يومين": a day count back from the publication date (weeks are
    approximate: reported by that day)."""
    return _Raw(
        "relative", start, end, relative="days_ago", amount=number * (7 if weeks else 1), note="week" if weeks else ""
    )


# -- step 1: match --------------------------------------------------------------------------------


def _scan(text: str) -> list[_Raw]:
    out: list[_Raw] = []
    for m in _PATTERN.finditer(text):
        g = m.group
        if g("mdm") is not None or g("dmm") is not None:
            pre = "md" if g("mdm") is not None else "dm"
            wd = g(f"{pre}w")
            month = _MONTH_BY_NAME[g(f"{pre}m").rstrip(".").lower()]
            day = int(re.sub(r"\D", "", g(f"{pre}d")))  # "4th" -> 4
            year = int(g(f"{pre}y")) if g(f"{pre}y") else None
            start = m.start(f"{pre}w") if wd else min(m.start(f"{pre}m"), m.start(f"{pre}d"))
            out.append(
                _Raw(
                    "day",
                    start,
                    m.end(),
                    day=day,
                    month=month,
                    year=year,
                    weekday=_WEEKDAY_BY_NAME[wd.lower()] if wd else None,
                )
            )
        elif g("iy") is not None:
            out.append(_Raw("day", m.start(), m.end(), day=int(g("id")), month=int(g("im")), year=int(g("iy"))))
        elif g("na") is not None:
            a, b, year = int(g("na")), int(g("nb")), int(g("ny"))
            if a == b or (a > 12 >= b) or (b > 12 >= a):
                day, month = (a, b) if b <= 12 and (a > 12 or a == b) else (b, a)
                out.append(_Raw("day", m.start(), m.end(), day=day, month=month, year=year))
            else:
                readings = [_safe_date(year, b, a), _safe_date(year, a, b)]
                shown = " or ".join(_fmt(d) for d in readings if d) or "no valid date"
                kind = "numeric_ambiguous" if all(readings) else "invalid"
                out.append(_Raw(kind, m.start(), m.end(), note=f"{m.group()!r} could be {shown}"))
        elif g("mym") is not None:
            out.append(
                _Raw(
                    "month", m.start(), m.end(), month=_MONTH_BY_NAME[g("mym").rstrip(".").lower()], year=int(g("myy"))
                )
            )
        elif g("qmm") is not None:
            qualifier = _clean(g("qmq")).lower()
            out.append(
                _Raw(
                    "month",
                    m.start(),
                    m.end(),
                    month=_MONTH_BY_NAME[g("qmm").lower()],
                    year=int(g("qmy")) if g("qmy") else None,
                    qualifier=qualifier,
                )
            )
        elif g("pmm") is not None:
            out.append(_Raw("month", m.start("pmm"), m.end("pmm"), month=_MONTH_BY_NAME[g("pmm").lower()]))
        elif g("dby") is not None:
            out.append(_Raw("relative", m.start(), m.end(), relative="days_ago", amount=2))
        elif g("rw") is not None:
            word = _clean(g("rw")).lower()
            if g("rw")[0].isupper() and _TITLE_AFTER.match(text, m.end()):
                continue  # "Yesterday's Allies, Today's Enemies": a title, not a date
            amount = 1 if word in {"yesterday", "last night"} else 0
            out.append(_Raw("relative", m.start(), m.end(), relative="days_ago", amount=amount, note=word))
        elif g("ago") is not None:
            unit = g("agou").lower()
            number = _number(g("agon"))
            if number is None:  # a few / several days ago
                out.append(_Raw("relative", m.start(), m.end(), relative="reported"))
            else:
                out.append(_ago(m.start(), m.end(), number, weeks=unit.startswith("week")))
        elif g("past") is not None or g("recent") is not None:
            out.append(_Raw("relative", m.start(), m.end(), relative="reported"))
        elif g("week") is not None:
            qualifier = _clean(g("wkq")).lower()
            out.append(
                _Raw(
                    "relative",
                    m.start(),
                    m.end(),
                    qualifier=qualifier,
                    relative="last_week"
                    if qualifier in {"last", "previous"}
                    else "next"
                    if qualifier == "next"
                    else "reported",
                )
            )
        elif g("month") is not None:
            qualifier = _clean(g("mnq")).lower()
            relative = "next" if qualifier == "next" else "month_rel"
            out.append(
                _Raw(
                    "relative",
                    m.start(),
                    m.end(),
                    qualifier=qualifier,
                    relative=relative,
                    amount=1 if qualifier in {"last", "previous"} else 0,
                )
            )
        elif g("wa") is not None:
            qualifier = _clean(g("waq")).lower() if g("waq") else ""
            start = m.start("waq") if g("waq") else m.start("wa")
            out.append(
                _Raw("weekday", start, m.end("wa"), weekday=_WEEKDAY_BY_NAME[g("wa").lower()], qualifier=qualifier)
            )
    return out


# -- Arabic ---------------------------------------------------------------------------------------
# Levantine and Egyptian month names, weekdays, relative words; Arabic-Indic digits (int() reads them).
# A word may carry a proclitic (و and, ف so, ب in/on, ل for) that is not part of the mention.

_AR_LETTER = {
    "ا": "[اأإآ]",
    "أ": "[اأإآ]",
    "إ": "[اأإآ]",
    "آ": "[اأإآ]",
    "ي": "[يى]",
    "ى": "[يى]",
    "ة": "[ةه]",
    "ه": "[هة]",
}


def _ar(word: str) -> str:
    """A regular expression for an Arabic word or phrase: alef, ya and ta marbuta forms alike, any white space."""
    return "".join(_AR_LETTER.get(c, r"\s+" if c == " " else re.escape(c)) for c in word)


AR_MONTHS: tuple[tuple[str, ...], ...] = (
    ("كانون الثاني", "يناير"),
    ("شباط", "فبراير"),
    ("آذار", "مارس"),
    ("نيسان", "أبريل", "ابريل", "إبريل"),
    ("أيار", "مايو", "مايس"),
    ("حزيران", "يونيو", "يونيه"),
    ("تموز", "يوليو", "يوليه"),
    ("آب", "أغسطس", "اغسطس"),
    ("أيلول", "سبتمبر"),
    ("تشرين الأول", "أكتوبر"),
    ("تشرين الثاني", "نوفمبر"),
    ("كانون الأول", "ديسمبر"),
)
"""Arabic month names (Levantine first, then Egyptian / Gulf), January first."""
AR_WEEKDAYS: tuple[tuple[str, ...], ...] = (
    ("الاثنين", "الإثنين"),
    ("الثلاثاء",),
    ("الأربعاء", "الاربعاء"),
    ("الخميس",),
    ("الجمعة",),
    ("السبت",),
    ("الأحد", "الاحد"),
)
"""Arabic weekday names, Monday first (as :data:`WEEKDAYS`)."""


def _ar_fold(word: str) -> str:
    return re.sub(r"\s+", " ", word.translate(str.maketrans("أإآىة", "ااايه")))


_AR_MONTH_BY_NAME = {_ar_fold(name): i for i, names in enumerate(AR_MONTHS, 1) for name in names}
_AR_WEEKDAY_BY_NAME = {_ar_fold(name): i for i, names in enumerate(AR_WEEKDAYS) for name in names}
_AR_MONTH = "(?:" + "|".join(sorted({_ar(n) for names in AR_MONTHS for n in names}, key=len, reverse=True)) + ")"
# "حزيران/يونيو", "حزيران (يونيو)": the second name repeats the first
_AR_MONTH_PAIR = rf"(?:{_AR_MONTH})(?:\s*[/(\-]\s*{_AR_MONTH}\)?)?"
_AR_WD = "(?:" + "|".join(sorted({_ar(n) for names in AR_WEEKDAYS for n in names}, key=len, reverse=True)) + ")"
_AR_DIGIT = "[0-9٠-٩۰-۹]"
_AR_DAY = rf"(?:3[01]|[12][0-9]|0?[1-9]|[٣][٠١]|[١٢][٠-٩]|[٠]?[١-٩]|[۳][۰۱]|[۱۲][۰-۹]|[۰]?[۱-۹])(?!{_AR_DIGIT})"
_AR_YEAR = rf"(?:19|20|١٩|٢٠|۱۹|۲۰){_AR_DIGIT}{{2}}(?!{_AR_DIGIT})"
_AR_START = WORD_START  # a word start, after a proclitic or not
_AR_END = r"(?!\w)"
_AR_NUMBER_WORDS = {
    _ar_fold(w): n
    for n, words in {
        1: ("واحد", "يوم"),
        2: ("اثنين", "يومين"),
        3: ("ثلاثة", "ثلاث"),
        4: ("أربعة", "أربع"),
        5: ("خمسة", "خمس"),
        6: ("ستة", "ست"),
        7: ("سبعة", "سبع"),
        8: ("ثمانية",),
        9: ("تسعة",),
        10: ("عشرة",),
    }.items()
    for w in words
}
_AR_NUM = "(?:" + "|".join(_ar(w) for w in sorted(_AR_NUMBER_WORDS, key=len, reverse=True)) + rf"|{_AR_DIGIT}{{1,2}})"
_AR_QUALIFIER = {
    _ar_fold(w): q
    for q, words in {
        "early": ("مطلع", "بداية", "أوائل", "بدايات", "أول"),
        "mid": ("منتصف", "أواسط"),
        "late": ("أواخر", "نهاية", "أواخر", "آخر"),
    }.items()
    for w in words
}
_AR_PATTERN = re.compile(
    _AR_START
    + "(?:"
    # (يوم) الاثنين (،) (الموافق) 4 (من) حزيران(/يونيو) (من عام) (2018)
    + rf"(?:(?:{_ar('يوم')}\s+)?(?P<aw>{_AR_WD})\s*[،,]?\s*(?:{_ar('الموافق')}\s+|{_ar('في')}\s+)?)?"
    + rf"(?P<ad>{_AR_DAY})\s*(?:{_ar('من')}\s+)?(?:{_ar('شهر')}\s+)?(?P<am>{_AR_MONTH_PAIR})"
    + rf"(?:\s*[،,]?\s*(?:{_ar('من')}\s+)?(?:{_ar('عام')}\s+|{_ar('العام')}\s+|{_ar('سنة')}\s+)?(?P<ay>{_AR_YEAR}))?"
    # (شهر) حزيران (من عام) 2018
    + rf"|(?:{_ar('شهر')}\s+)?(?P<amy>{_AR_MONTH_PAIR})\s*(?:{_ar('من')}\s+)?(?:{_ar('عام')}\s+|{_ar('العام')}\s+)?(?P<ayy>{_AR_YEAR})"
    # مطلع / منتصف / أواخر (شهر) حزيران (2018)
    + rf"|(?P<aq>{'|'.join(_ar(w) for w in ('مطلع', 'بدايات', 'بداية', 'أوائل', 'منتصف', 'أواسط', 'أواخر', 'نهاية'))})\s+"
    + rf"(?:{_ar('شهر')}\s+)?(?P<aqm>{_AR_MONTH_PAIR})(?:\s+(?P<aqy>{_AR_YEAR}))?"
    # حزيران الماضي / المقبل
    + rf"|(?:{_ar('شهر')}\s+)?(?P<alm>{_AR_MONTH_PAIR})\s+(?P<alq>{_ar('الماضي')}|{_ar('المنصرم')}|{_ar('المقبل')}|{_ar('القادم')})"
    # في / خلال / منذ (شهر) حزيران
    + rf"|(?:{_ar('في')}|{_ar('خلال')}|{_ar('منذ')}|{_ar('حتى')}|{_ar('مطلع')})\s+(?:{_ar('شهر')}\s+)?(?P<apm>{_AR_MONTH_PAIR})(?!\s*{_AR_DIGIT})"
    # أول (من) أمس: the day before yesterday
    + rf"|(?P<adby>{_ar('أول')}\s+(?:{_ar('من')}\s+)?{_ar('أمس')})"
    # أمس, البارحة, الليلة الماضية, (صباح / مساء) أمس / اليوم
    + rf"|(?P<arw>(?:(?:{_ar('يوم')}|{_ar('صباح')}|{_ar('مساء')}|{_ar('ليلة')})\s+)?{_ar('أمس')}|{_ar('الأمس')}|{_ar('البارحة')}"
    + rf"|{_ar('الليلة الماضية')}|(?:{_ar('صباح')}\s+|{_ar('مساء')}\s+)?{_ar('اليوم')}(?!\s+(?:{_ar('التالي')}|{_ar('نفسه')}|{_ar('ذاته')}|{_ar('السابق')}|{_ar('الذي')})))"
    # منذ / قبل ثلاثة أيام, منذ يومين, قبل أسبوع(ين)
    + rf"|(?P<aago>(?:{_ar('منذ')}|{_ar('قبل')})\s+(?:(?P<aagon>{_AR_NUM})\s+)?(?P<aagou>{_ar('أيام')}|{_ar('يوما')}|{_ar('يوماً')}|{_ar('يومين')}|{_ar('يوم')}|{_ar('أسابيع')}|{_ar('أسبوعين')}|{_ar('أسبوع')}))"
    # الأيام (القليلة) الماضية, مؤخرا
    + rf"|(?P<arecent>(?:{_ar('خلال')}\s+|{_ar('في')}\s+)?{_ar('الأيام')}\s+(?:{_ar('القليلة')}\s+)?(?:{_ar('الماضية')}|{_ar('الأخيرة')})|{_ar('مؤخرا')}ً?)"
    # الأسبوع الماضي / هذا الأسبوع / الأسبوع المقبل
    + rf"|(?P<aweek>{_ar('الأسبوع')}\s+(?P<awkq>{_ar('الماضي')}|{_ar('المنصرم')}|{_ar('الفائت')}|{_ar('الحالي')}|{_ar('الجاري')}|{_ar('المقبل')}|{_ar('القادم')})|{_ar('هذا الأسبوع')})"
    # الشهر الماضي / هذا الشهر / الشهر المقبل
    + rf"|(?P<amonth>{_ar('الشهر')}\s+(?P<amnq>{_ar('الماضي')}|{_ar('المنصرم')}|{_ar('الفائت')}|{_ar('الحالي')}|{_ar('الجاري')}|{_ar('المقبل')}|{_ar('القادم')})|{_ar('هذا الشهر')})"
    # (يوم) الجمعة (الماضي / المقبل), not followed by a date
    + rf"|(?:(?P<awy>{_ar('يوم')})\s+)?(?P<awa>{_AR_WD})(?:\s+(?P<awaq>{_ar('الماضي')}|{_ar('المنصرم')}|{_ar('الفائت')}|{_ar('المقبل')}|{_ar('القادم')}))?"
    + rf"(?!\s*[،,]?\s*(?:{_ar('الموافق')}\s+|{_ar('في')}\s+)?{_AR_DIGIT})"
    + ")"
    + _AR_END
)
_AR_NOT_A_DAY_BEFORE = re.compile(rf"(?:{_ar('صلاة')}|{_ar('خطبة')}|{_ar('صلوات')}|{_ar('ذلك')}|{_ar('نفس')})\s+$")
_AR_PAST = frozenset(_ar_fold(w) for w in ("الماضي", "المنصرم", "الفائت"))
_AR_NEXT = frozenset(_ar_fold(w) for w in ("المقبل", "القادم"))


def _ar_month(name: str) -> int:
    """The month of "حزيران" or "حزيران/يونيو" (the first name)."""
    first = re.split(r"\s*[/(\-]\s*", name.strip())[0]
    return _AR_MONTH_BY_NAME[_ar_fold(first)]


def _scan_arabic(text: str) -> list[_Raw]:
    out: list[_Raw] = []
    for m in _AR_PATTERN.finditer(text):
        g = m.group
        if g("am") is not None:
            wd = g("aw")
            year = int(g("ay")) if g("ay") else None
            out.append(
                _Raw(
                    "day",
                    m.start(),
                    m.end(),
                    day=int(g("ad")),
                    month=_ar_month(g("am")),
                    year=year,
                    weekday=_AR_WEEKDAY_BY_NAME[_ar_fold(wd)] if wd else None,
                )
            )
        elif g("amy") is not None:
            out.append(_Raw("month", m.start(), m.end(), month=_ar_month(g("amy")), year=int(g("ayy"))))
        elif g("aqm") is not None:
            qualifier = _AR_QUALIFIER.get(_ar_fold(g("aq")), "early")
            year = int(g("aqy")) if g("aqy") else None
            out.append(_Raw("month", m.start(), m.end(), month=_ar_month(g("aqm")), year=year, qualifier=qualifier))
        elif g("alm") is not None:
            qualifier = "last" if _ar_fold(g("alq")) in _AR_PAST else "next"
            out.append(_Raw("month", m.start(), m.end(), month=_ar_month(g("alm")), qualifier=qualifier))
        elif g("apm") is not None:
            out.append(_Raw("month", m.start("apm"), m.end("apm"), month=_ar_month(g("apm"))))
        elif g("adby") is not None:
            out.append(_Raw("relative", m.start(), m.end(), relative="days_ago", amount=2))
        elif g("arw") is not None:
            if _AR_NOT_A_DAY_BEFORE.search(text, max(0, m.start() - 8), m.start()):
                continue  # "ذلك اليوم": that day, read against the last date (see date_from_previous)
            amount = 0 if _ar_fold(g("arw")).endswith("اليوم") else 1
            out.append(_Raw("relative", m.start(), m.end(), relative="days_ago", amount=amount))
        elif g("aago") is not None:
            unit = _ar_fold(g("aagou"))
            if g("aagon"):
                word = _ar_fold(g("aagon"))
                number = int(word) if word.isdigit() else _AR_NUMBER_WORDS.get(word, 1)
            else:
                number = 2 if unit.endswith("ين") else 1  # يومين, أسبوعين: two
            out.append(_ago(m.start(), m.end(), number, weeks=unit.startswith("اسب")))
        elif g("arecent") is not None:
            out.append(_Raw("relative", m.start(), m.end(), relative="reported"))
        elif g("aweek") is not None:
            q = _ar_fold(g("awkq") or "")
            relative = "last_week" if q in _AR_PAST else "next" if q in _AR_NEXT else "reported"
            out.append(_Raw("relative", m.start(), m.end(), relative=relative))
        elif g("amonth") is not None:
            q = _ar_fold(g("amnq") or "")
            relative = "next" if q in _AR_NEXT else "month_rel"
            out.append(_Raw("relative", m.start(), m.end(), relative=relative, amount=1 if q in _AR_PAST else 0))
        elif g("awa") is not None:
            if not g("awy") and _AR_NOT_A_DAY_BEFORE.search(text, max(0, m.start() - 8), m.start()):
                continue  # صلاة الجمعة: Friday prayers, not a date
            q = _ar_fold(g("awaq") or "")
            qualifier = "last" if q in _AR_PAST else "next" if q in _AR_NEXT else ""
            out.append(
                _Raw(
                    "weekday", m.start(), m.end(), weekday=_AR_WEEKDAY_BY_NAME[_ar_fold(g("awa"))], qualifier=qualifier
                )
            )
    return out


# -- step 2: the year basis -----------------------------------------------------------------------


def _written_years(text: str, raws: list[_Raw], today: dt.date) -> tuple[list[int], list[int]]:
    """Years written in the text (positions, years), from dates and plain year tokens."""
    found = {r.start: r.year for r in raws if r.year is not None}
    for m in _YEAR_TOKEN.finditer(text):
        if _LOWER_WORD_AFTER.match(text, m.end()) and not _YEAR_INTRO.search(text, max(0, m.start() - 10), m.start()):
            continue
        found.setdefault(m.start(), int(m.group(1)))
    items = sorted((pos, year) for pos, year in found.items() if year is not None and year <= today.year)
    return [p for p, _ in items], [y for _, y in items]


def _fitting_years(day: int, month: int, weekday: int, today: dt.date) -> list[int]:
    years = []
    for year in range(today.year, _OLDEST_YEAR - 1, -1):
        date = _safe_date(year, month, day)
        if date is not None and date <= today and date.weekday() == weekday:
            years.append(year)
    return years


def _infer_year(text: str, raws: list[_Raw], written: set[int], today: dt.date) -> tuple[int | None, str]:
    combos: list[tuple[str, list[int]]] = []
    seen: set[tuple[int, int, int]] = set()
    for r in raws:
        if r.kind == "day" and r.year is None and r.weekday is not None and r.day and r.month:
            key = (r.weekday, r.day, r.month)
            if key not in seen:
                seen.add(key)
                combos.append((_clean(text[r.start : r.end]), _fitting_years(r.day, r.month, r.weekday, today)))
    combos = [(label, years) for label, years in combos if years]
    if not combos:
        return None, ""
    candidates = {year for _, years in combos for year in years}
    first = set(combos[0][1])

    def rank(year: int) -> tuple[int, bool, bool, int]:
        return (sum(year in years for _, years in combos), year in written, year in first, year)

    chosen = max(candidates, key=rank)
    parts = []
    for label, years in combos:
        also = [y for y in years if y != years[0]][:2]
        parts.append(f"{label} fits {years[0]}" + (f" (also {', '.join(map(str, also))})" if also else ""))
    fits_all = rank(chosen)[0] == len(combos)
    if len(combos) > 1:
        parts.append("a year fits all of them" if fits_all else "no year fits all of them")
    if chosen in written:
        reason = f"chose {chosen}, which is also written in the text"
    elif len(combos) > 1 and not fits_all and rank(chosen)[0] == 1 and chosen in first:
        reason = f"chose {chosen}, the latest year not in the future that fits the first of them"
    else:
        reason = f"chose {chosen}, the latest year not in the future"
    return chosen, "; ".join(parts) + "; " + reason


# -- step 3: resolve ------------------------------------------------------------------------------


class _Resolver:
    def __init__(self, text: str, raws: list[_Raw], published: dt.date | None, today: dt.date) -> None:
        self.published = published
        self.today = today
        self.year_positions, self.year_values = _written_years(text, raws, today)
        self.inferred: int | None = None
        if published is not None:
            self.basis = (
                f"publication date {published.isoformat()}: a date without a year is the occurrence "
                f"nearest it, at most {FUTURE_WINDOW_DAYS} days after it"
            )
        else:
            self.inferred, self.basis = _infer_year(text, raws, set(self.year_values), today)
            if self.inferred is None:
                if self.year_values:
                    self.basis = (
                        "no publication date and no weekday-date combination: a date without a year "
                        "takes the nearest year written before it in the text"
                    )
                else:
                    self.basis = (
                        "no publication date, no year in the text and no weekday-date combination: "
                        "a date without a year is assumed to be its latest occurrence not after today "
                        f"({today.isoformat()})"
                    )
            else:
                self.basis = f"no publication date; year inferred from the text: {self.basis}"

    def year_for(self, raw: _Raw) -> tuple[int | None, str, str]:
        """Year for a yearless day or month, its basis and any warning."""
        month, day = raw.month or 1, raw.day or 1
        if self.published is not None:
            pub = self.published
            if raw.qualifier in {"last", "this", "next"} and raw.kind == "month":
                offset = {"last": -1, "this": 0, "next": 1}[raw.qualifier]
                year = pub.year + offset if raw.qualifier == "this" else self._last_next(pub, month, offset)
                return year, f"{raw.qualifier} {MONTHS[month - 1]} relative to the publication date", ""
            limit = _shift(pub, FUTURE_WINDOW_DAYS) or pub
            for year in (pub.year + 1, pub.year, pub.year - 1):
                if dt.MINYEAR <= year <= dt.MAXYEAR:
                    date = _safe_date(year, month, day)
                    if date is not None and date <= limit:
                        return year, f"year from the publication date {pub.isoformat()}", ""
            return pub.year, f"year from the publication date {pub.isoformat()}", ""
        if self.inferred is not None:
            return self.inferred, f"year {self.inferred} inferred from weekday-date combinations in the text", ""
        index = bisect.bisect_right(self.year_positions, raw.start) - 1
        if index >= 0:
            year = self.year_values[index]
            return year, f"year {year}: the nearest year written before it in the text", ""
        if self.year_values:
            year = self.year_values[0]
            return year, f"year {year}: the first year written in the text (none before it)", ""
        for year in (self.today.year, self.today.year - 1):
            date = _safe_date(year, month, day)
            if date is not None and date <= self.today:
                break
        return (
            year,
            f"year {year} assumed: its latest occurrence not after today",
            f"no year: assumed {year} (no publication date and no year in the text)",
        )

    @staticmethod
    def _last_next(pub: dt.date, month: int, offset: int) -> int:
        if offset < 0:
            return pub.year if month < pub.month else pub.year - 1
        return pub.year if month > pub.month else pub.year + 1

    def resolve(self, text: str, raw: _Raw) -> DateMention:
        as_written = text[raw.start : raw.end]
        if raw.kind in {"numeric_ambiguous", "invalid"}:
            what = "ambiguous" if raw.kind == "numeric_ambiguous" else "not a valid date"
            return DateMention(
                as_written,
                raw.start,
                raw.end,
                None,
                DatePrecision.DAY,
                warning=f"{what}: {raw.note}; not resolved",
                basis="numeric date",
            )
        if raw.kind == "day":
            return self._day(as_written, raw)
        if raw.kind == "month":
            return self._month(as_written, raw)
        if raw.kind == "weekday":
            return self._weekday(as_written, raw)
        return self._relative(as_written, raw)

    def _day(self, as_written: str, raw: _Raw) -> DateMention:
        assert raw.month is not None and raw.day is not None
        warning = ""
        year: int | None
        if raw.year is not None:
            year, basis = raw.year, "year as written"
        else:
            year, basis, warning = self.year_for(raw)
        date = _safe_date(year, raw.month, raw.day) if year is not None else None
        if date is None:
            return DateMention(
                as_written,
                raw.start,
                raw.end,
                None,
                DatePrecision.DAY,
                warning=f"{as_written!r} is not a valid date in {year}",
                basis=basis,
            )
        if raw.weekday is not None and date.weekday() != raw.weekday:
            nearest = _nearest_weekday(date, raw.weekday)
            said = WEEKDAYS[raw.weekday]
            mismatch = f"weekday contradicts the date: {_fmt(date)} was a {WEEKDAYS[date.weekday()]}, not a {said}" + (
                f"; the nearest {said} is {_fmt(nearest)}" if nearest else ""
            )
            warning = f"{warning}; {mismatch}" if warning else mismatch
        return DateMention(as_written, raw.start, raw.end, date, DatePrecision.DAY, warning=warning, basis=basis)

    def _month(self, as_written: str, raw: _Raw) -> DateMention:
        assert raw.month is not None
        warning = ""
        year: int | None
        if raw.year is not None:
            year, basis = raw.year, "month and year as written"
        else:
            year, basis, warning = self.year_for(raw)
        date = _safe_date(year, raw.month, 1) if year is not None else None
        if raw.qualifier in {"early", "mid", "late"} or "of" in raw.qualifier:
            basis = f"{basis}; {raw.qualifier} in the month"
        return DateMention(as_written, raw.start, raw.end, date, DatePrecision.MONTH, warning=warning, basis=basis)

    def _weekday(self, as_written: str, raw: _Raw) -> DateMention:
        assert raw.weekday is not None
        name = WEEKDAYS[raw.weekday]
        pub = self.published
        if pub is None:
            return DateMention(
                as_written,
                raw.start,
                raw.end,
                None,
                DatePrecision.DAY,
                warning="weekday alone and no publication date: not resolved",
                basis="a weekday alone needs the publication date",
            )
        back = (pub.weekday() - raw.weekday) % 7
        if raw.qualifier == "next":
            date = _shift(pub, (raw.weekday - pub.weekday()) % 7 or 7)
            basis = f"the first {name} after the publication date {pub.isoformat()}"
        elif raw.qualifier in {"last", "past", "this past"}:
            date = _shift(pub, -(back or 7))
            basis = f"the last {name} before the publication date {pub.isoformat()}"
        else:
            date = _shift(pub, -back)
            basis = f"the most recent {name} on or before the publication date {pub.isoformat()}"
        return DateMention(as_written, raw.start, raw.end, date, DatePrecision.DAY, basis=basis)

    def _relative(self, as_written: str, raw: _Raw) -> DateMention:
        pub = self.published
        phrase = _clean(as_written).lower()
        if pub is None:
            return DateMention(
                as_written,
                raw.start,
                raw.end,
                None,
                DatePrecision.REPORTED_BY,
                warning="relative to the publication date, which is not known: not resolved",
                basis=f"{phrase!r} is relative to the publication date",
            )
        p = pub.isoformat()
        if raw.relative == "days_ago":
            date = _shift(pub, -raw.amount)
            precision = DatePrecision.DAY
            basis = f"{phrase!r}: {raw.amount} day(s) before the publication date {p}"
            if raw.note == "week":
                precision, basis = DatePrecision.REPORTED_BY, f"{phrase!r}: about {raw.amount} days before {p}"
            elif raw.amount == 0:
                basis = f"{phrase!r}: the publication date {p}"
        elif raw.relative == "last_week":
            week_start = _shift(pub, -pub.weekday() - 7)
            date = _shift(pub, -pub.weekday() - 1)
            precision = DatePrecision.REPORTED_BY
            basis = (
                (
                    f"{phrase!r}: the week of {_fmt(week_start)} to {_fmt(date)} (Monday to Sunday) before the "
                    f"publication date {p}; recorded as on or before its last day"
                )
                if week_start and date
                else phrase
            )
        elif raw.relative == "month_rel":
            date = _month_start(pub, raw.amount)
            precision = DatePrecision.MONTH
            basis = f"{phrase!r}: the month {'before' if raw.amount else 'of'} the publication date {p}"
        elif raw.relative == "next":
            return DateMention(
                as_written,
                raw.start,
                raw.end,
                None,
                DatePrecision.REPORTED_BY,
                warning="refers to the future: not resolved",
                basis=f"{phrase!r} is after the publication date {p}",
            )
        else:  # reported: a range ending at the publication date
            date, precision = pub, DatePrecision.REPORTED_BY
            basis = f"{phrase!r}: a range of days ending at the publication date {p}; recorded as on or before it"
        return DateMention(as_written, raw.start, raw.end, date, precision, basis=basis)


# -- dates read against the last date of the text -------------------------------------------------

_EN_NUMBERS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
_FROM_LAST = re.compile(
    r"\b(?:(?P<same>(?:on\s+)?the\s+same\s+day|that\s+(?:same\s+)?(?:day|morning|afternoon|evening|night)|"
    r"later\s+that\s+day|hours\s+later)|"
    r"(?P<next>the\s+(?:next|following)\s+(?:day|morning|evening|night)|a\s+day\s+later)|"
    r"(?P<count>\d+|one|two|three|four|five|six|seven|ten)\s+days\s+(?P<dir>later|afterwards|after\s+that|earlier|before))\b"
    # Arabic: في اليوم نفسه / ذاته, في نفس اليوم, مساء ذلك اليوم; في اليوم التالي; بعد يومين, بعد ثلاثة أيام
    + rf"|{_AR_START}(?:(?P<asame>{_ar('اليوم')}\s+(?:{_ar('نفسه')}|{_ar('ذاته')})|{_ar('نفس اليوم')}|{_ar('ذلك اليوم')}"
    + rf"|{_ar('ذات اليوم')}|{_ar('الليلة نفسها')}|{_ar('مساء اليوم نفسه')})"
    + rf"|(?P<anext>{_ar('اليوم التالي')}|{_ar('صباح اليوم التالي')}|{_ar('بعد يوم')}{_AR_END}|{_ar('في الغد')}|{_ar('غداة')})"
    + rf"|{_ar('بعد')}\s+(?:(?P<acount>{_AR_NUM})\s+)?(?P<aunit>{_ar('أيام')}|{_ar('يومين')}|{_ar('يوما')}ً?))"
    + _AR_END,
    re.IGNORECASE,
)
_ANY_WEEKDAY = re.compile(
    r"\b(?P<en>mon|tues|wednes|thurs|fri|satur|sun)day\b" + rf"|{_AR_START}(?P<ar>{_AR_WD}){_AR_END}", re.IGNORECASE
)
_EN_WEEKDAY_BY_STEM = {"mon": 0, "tues": 1, "wednes": 2, "thurs": 3, "fri": 4, "satur": 5, "sun": 6}


def date_from_previous(
    text: str, *, start: int, end: int, dates: Sequence[DateMention], last: dt.date
) -> tuple[dt.date, DatePrecision, str] | None:
    """The date of ``text[start:end]`` (a sentence without a date of its own) read against ``last``, the last date
    of the text before it: "the same day", "the next day", "two days later", "في اليوم التالي", "بعد يومين", or a
    weekday alone ("on Thursday", "يوم الخميس": the first such day from ``last`` on). None when it gives none;
    else the date, its precision and its basis in words."""
    for mention in dates:
        weekday = _ANY_WEEKDAY.search(mention.text)
        if mention.date is None and weekday is not None:
            number = (
                _EN_WEEKDAY_BY_STEM[weekday.group("en").lower()]
                if weekday.group("en")
                else _AR_WEEKDAY_BY_NAME[_ar_fold(weekday.group("ar"))]
            )
            date = last + dt.timedelta(days=(number - last.weekday()) % 7)
            return (
                date,
                DatePrecision.DAY,
                f"“{' '.join(mention.text.split())}”: the first {WEEKDAYS[number]} from the last date in the text, "
                f"{last.isoformat()}",
            )
    m = _FROM_LAST.search(text, start, end)
    if m is None:
        return None
    if m.group("same") or m.group("asame"):
        days = 0
    elif m.group("next") or m.group("anext"):
        days = 1
    elif m.group("aunit"):
        unit = _ar_fold(m.group("aunit"))
        count = _ar_fold(m.group("acount") or "")
        days = int(count) if count.isdigit() else _AR_NUMBER_WORDS.get(count, 2 if unit.endswith("ين") else 1)
    else:
        count = m.group("count").lower()
        days = int(count) if count.isdigit() else _EN_NUMBERS.get(count, 0)
        if m.group("dir").lower() in ("earlier", "before"):
            days = -days
    date = last + dt.timedelta(days=days)
    phrase = " ".join(m.group().split())
    return date, DatePrecision.DAY, f"“{phrase}”: dated from the last date in the text, {last.isoformat()}"


def find_dates(
    text: str, *, published: dt.date | None = None, today: dt.date | None = None
) -> tuple[list[DateMention], str]:
    """Every date expression in ``text`` (in order) and the year basis.

    ``published`` is the report's publication date (printed or inferred); ``today`` bounds the
    year inference when there is none (default: the system date).
    """
    today = today or dt.date.today()
    raws = _scan(text)
    if is_arabic(text):
        raws = sorted(raws + _scan_arabic(text), key=lambda r: r.start)
    resolver = _Resolver(text, raws, published, today)
    return [resolver.resolve(text, raw) for raw in raws], resolver.basis


__all__ = ["AR_MONTHS", "AR_WEEKDAYS", "FUTURE_WINDOW_DAYS", "MONTHS", "WEEKDAYS", "date_from_previous", "find_dates"]
