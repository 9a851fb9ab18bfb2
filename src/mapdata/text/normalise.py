"""Folding place-name tokens so that spellings of one name meet: case, diacritics, transliteration
marks, Arabic letter forms, the article, q/k, ou/u, ei/ay, doubled letters (:func:`normalise`), tokens with
their offsets (:func:`tokens`) and the consonant skeleton used for near spellings."""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------- normalisation

_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u08d3-\u08ff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_MARKS = re.compile("['’‘`´ʿʾʻʼ′ʹ\u02c8\u055a\u0640\\-\u2010-\u2015]")
_LATIN_SPECIAL = str.maketrans(
    {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe", "ħ": "h", "ŧ": "t"}
)
_ARABIC_LETTERS = str.maketrans({"ة": "ه", "ى": "ي", "ٱ": "ا", "ک": "ك", "ی": "ي", "ۀ": "ه", "ە": "ه", "ں": "ن"})
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_OU = re.compile("ou|oo")
_DOUBLE = re.compile(r"(.)\1+")
_AY = re.compile("ei|ey|ai")
_FINAL_AH = re.compile("(?<=..)[ae]h$")

#: Article forms dropped from names; "al"/"el" also when written with a space in text.
ARTICLES = frozenset(
    {
        "al",
        "el",
        "il",
        "ul",
        "ad",
        "adh",
        "ar",
        "as",
        "ash",
        "at",
        "ath",
        "az",
        "an",
        "ed",
        "en",
        "er",
        "es",
        "esh",
        "et",
        "ez",
        "ej",
        "ech",
    }
)
_ARTICLES_ANY_SEPARATOR = frozenset({"al", "el"})
_ARTICLES_ENGLISH = frozenset({"as", "at", "an", "en", "es", "et", "ed", "er"})  # also English/French words
_HYPHENS = "-\u2010\u2011\u2012\u2013"

#: Capitalised English words that are also (parts of) gazetteer names: never a place on their own.
COMMON_WORDS = frozenset(
    """a about above across after again against all along also am among an and another any are area areas army
    around as at attack attacks back base be because been before being below between both but by camp can center
    centre central city could countryside day did do does down during each east eastern end even every few first
    for free from front further general government had has have he her here high his hospital how i if in into is
    it its just last like local made mall many market may media middle military more most mount much must my
    national near never new next no north northern not now of off old on once one only or other our out outside
    over own part people place police public regime region road rural said same school second see she should since
    so some south southern state still street such than that the their them then there these they third this those
    through to today too town two under until up upon us very village was we well were west western what when where
    which while who why will with within without would year yet you
    abyad ahmar akhdar aswad kabir kabira saghir saghira sharqi gharbi shamali janubi jadid jadida qadim
    bab bir birr tall tal tell jabal jebel wadi ras ain ayn deir dayr kafr khirbat khirbet hay hayy qalat qasr
    sheikh shaykh markaz mazraa nahr ard sahl jisr tahtani fawqani
    amal bulbul mari salt sinai shin tiny hish nabi sultan sultana homsi tel khan sham
    alley damask haul hole hums humus murk seen soda tiro tyros
    """.split()
)

#: Capitalised words after a place name that make it the name of an outlet, not a location ("Shahba Press").
OUTLET_WORDS = frozenset({"press", "news", "network", "agency", "tv", "channel", "radio", "times", "post"})
#: Capitalised words before a name that do not make it part of a longer, unknown name.
_PREFIX_OK = frozenset(
    {
        "syrian",
        "lebanese",
        "russian",
        "iranian",
        "turkish",
        "israeli",
        "iraqi",
        "jordanian",
        "egyptian",
        "libyan",
        "regime",
        "rebel",
        "opposition",
        "downtown",
        "greater",
        "rural",
        "besieged",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "north",
        "south",
        "east",
        "west",
        "old",
        "new",
        "in",
        "at",
        "near",
        "from",
        "to",
    }
)

#: Arabic words that must not be read as places on their own (folded, article removed).
ARABIC_COMMON = frozenset({"باب", "مركز", "شمال", "جنوب", "شرق", "غرب", "ريف", "مدينه", "قريه", "منطقه", "حي"})

_TOKEN = re.compile(
    "[ʿʾ]?[^\\W_][\\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]*"
    "(?:['’‘`ʼʿʾ](?![sS]\\b)[^\\W_][\\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]*)*"
)  # a possessive "'s" is not part of the word


def _strip_marks(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


def _fold_token(token: str) -> str:
    """One token, folded (no article handling across tokens)."""
    if token.isascii():
        text = token.lower()
        if "'" in text or "`" in text or "-" in text:
            text = _MARKS.sub("", text)
    else:
        text = _MARKS.sub("", _strip_marks(token).casefold().translate(_LATIN_SPECIAL))
    if not text:
        return ""
    if _ARABIC.search(text):
        text = text.translate(_ARABIC_LETTERS)
        for prefix in ("وال", "بال", "فال", "كال"):
            if text.startswith(prefix) and len(text) >= 5:
                return text[3:]
        if text.startswith("ال") and len(text) >= 4:
            return text[2:]
        if text.startswith("لل") and len(text) >= 4:
            return text[2:]
        return text
    text = text.replace("q", "k")
    text = _OU.sub("u", text)
    text = _DOUBLE.sub(r"\1", text)
    text = _AY.sub("ay", text)
    text = _DOUBLE.sub(r"\1", text)
    return _FINAL_AH.sub("a", text)


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of every word; a possessive "'s" is left out of the token."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _key(name: str) -> tuple[str, ...]:
    """The folded token sequence of a name, articles dropped (while another token follows)."""
    toks = [t for _, _, t in tokens(name)]
    out = []
    for i, tok in enumerate(toks):
        low = _MARKS.sub("", tok.casefold())
        if low in ARTICLES and i + 1 < len(toks):
            continue
        folded = _fold_token(tok)
        if folded:
            out.append(folded)
    return tuple(out)


def _skeleton(folded: str) -> str:
    """Consonants of a folded name, each word's first letter kept ("ariha" -> "arh")."""
    return " ".join(w[:1] + re.sub("[aeiouy]", "", w[1:]) for w in folded.split())


def normalise(token: str) -> str:
    """Fold transliteration variants of a name (or one token) to one spelling key.

    Case; diacritics; the marks ʿ ʾ ‘ ’ ' and hyphens; the article (al-, el-, ad-, ar-, as-,
    ash-, at-, az-, an-, en-, ed-, er-, es-, et-, ez-); q/k; ou/oo/u; ei/ey/ai/ay; doubled
    letters; final -ah/-eh; in Arabic script: tashkeel, alef forms, ة/ه, ى/ي and the article ال.
    ``normalise("al-Qusayr") == normalise("El Quseir") == "kusayr"``,
    ``normalise("القصير") == normalise("قصير")``.
    """
    return " ".join(_key(token))
