"""Folding place-name tokens so that spellings of one name meet.

Two levels:

* :func:`normalise` (the *fold*): case, diacritics, transliteration marks (ayn, hamza), Arabic letter
  forms, the article and its sun-letter forms (al-/el-/as-/ash-/ad-/an-...), q/k, ou/u, ei/ay, doubled
  letters and final -ah/-eh. ``al-Qusayr``, ``El Quseir`` and ``القصير`` meet here; matching on the fold
  is safe for any capitalised word.
* :func:`loose` (the *skeleton*): the fold reduced to its consonants, the way Arabic itself writes a name:
  vowels, w and y after the first letter dropped, an initial vowel written "a", th/t, dh/z, ch/sh, dj/j,
  c/k, p/b, v/f. ``Maarat al-Numan``, ``Ma`arrat an Nu`man``, ``Maret Numan``; ``Tayr Ma'lah``/``Ter
  Maela``; ``Talmenes``/``Tallmannis``; ``Kafr``/``Kfar``/``Kafar``; ``Tal``/``Tell``/``Tall``;
  ``Deir``/``Dayr``/``Dair``; ``Khirbet``/``Khirbat`` all meet here, and so does an Arabic-script name
  (:func:`loose` romanises its consonants): the Arabic name is the bridge between Latin spellings that
  share no vowel. The geoparser matches on the skeleton only where the text gives a reason (a place cue, a
  governorate named nearby), since many different names share one.

Tokens with their offsets: :func:`tokens`."""

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


def is_arabic(text: str) -> bool:
    """Whether ``text`` has a letter of the Arabic script (the one test the text pipeline uses)."""
    return _ARABIC.search(text) is not None


#: A word start, in a regular expression: after a non-word character, or after an Arabic proclitic (و and, ف so,
#: ب in/by, ل for), which is written joined to the word and is not part of the mention ("وحزب الله", "بسيطرة").
WORD_START = r"(?:(?<!\w)|(?<=(?<!\w)[وفبل])|(?<=(?<!\w)[وف][بل]))"
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
    monday tuesday wednesday thursday friday saturday sunday january february march april june july august
    september october november december
    allah muhammad mohammed abu ibn bin umm
    abyad ahmar akhdar aswad kabir kabira saghir saghira sharqi gharbi shamali janubi jadid jadida qadim
    bab bir birr tall tal tell jabal jebel wadi ras ain ayn deir dayr kafr khirbat khirbet hay hayy qalat qasr
    sheikh shaykh markaz mazraa nahr ard sahl jisr tahtani fawqani
    amal bulbul mari salt sinai shin tiny hish nabi sultan sultana homsi tel khan sham
    alley damask haul hole hums humus murk seen soda tiro tyros
    """.split()
)

#: The Arabic words of :data:`COMMON_WORDS` (hill, spring, gate, village...): a name on their own only with
#: an article, but two of them can make one ("Tell Sultan").
_ARABIC_GENERIC = frozenset(
    """abyad ahmar akhdar aswad kabir kabira saghir saghira sharqi gharbi shamali janubi jadid jadida qadim
    bab bir birr tall tal tell jabal jebel wadi ras ain ayn deir dayr kafr khirbat khirbet hay hayy qalat qasr
    sheikh shaykh markaz mazraa nahr ard sahl jisr tahtani fawqani sultan sultana nabi khan sham abu ibn bin umm
    """.split()
)

#: Names of armed groups and leaders that are also (parts of) village names: never the start of a
#: spelling-variant match or of a place the gazetteer does not know.
ORGANISATION_WORDS = frozenset("assad nusra hezbollah hizbullah daesh isis tahrir jaish ahrar islamic".split())

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
ARABIC_COMMON = frozenset(
    """باب مركز شمال جنوب شرق غرب ريف مدينه قريه منطقه حي
    علي في من الي عن مع بعد قبل بين حول ضد خلال عند لدي حتي منذ ان كان كانت قال قالت الذي التي هذا هذه ذلك تلك
    او ثم كما اي كل بعض غير دون عبر نحو قرب داخل خارج فوق تحت امام وراء اليوم امس يوم عام شهر اسبوع ليله
    قوات قوه جيش فصائل فصيل عناصر جنود مقاتلين مسؤول مسؤولين وكاله خطوه نقاط نقطه مواقع موقع مناطق اطراف محيط
    حدود طريق حاجز قاعده مطار معبر جسر نهر جبل تل سهل وادي عين بير دير كفر
    روس روسي روسيه ايران ايراني ايرانيه سوري سوريه لبناني لبنانيه تركي تركيه اسرائيلي امريكي اميركي كردي عربي
    دوله نظام معارضه حزب اله ثوار حر وطني سلام امن شعب حريه نصر فتح عز كرامه
    شرقي غربي شمالي جنوبي اوسط اعلي ادني كبير صغير جديد قديم""".split()
)
"""Arabic words that must not be read as places on their own (folded, article removed): generic place words,
function words, common nouns and demonyms (Arabic has no capitals to tell a name from a word)."""

_TOKEN = re.compile(
    "(?<!\\w)[Rr][Aa]['’‘`ʼ][Ss](?!\\w)|"  # "Ra's" (head, cape) is a word, not "Ra" with a possessive
    "[ʿʾ]?[^\\W_][\\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]*"
    "(?:['’‘`ʼʿʾ](?![sS]\\b)[^\\W_][\\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]*)*"
)  # a possessive "'s" is not part of the word


# every non-spacing mark of the Basic Multilingual Plane, deleted by str.translate (much faster than a loop)
_NONSPACING = dict.fromkeys(c for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) == "Mn")


def _strip_marks(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).translate(_NONSPACING)
    if any(ord(ch) > 0xFFFF for ch in text):  # non-spacing marks beyond the BMP: rare, checked one by one
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _COMBINING.sub("", text)


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
    if "ou" in text or "oo" in text:
        text = _OU.sub("u", text)
    text = _DOUBLE.sub(r"\1", text)
    if "ei" in text or "ey" in text or "ai" in text:
        text = _AY.sub("ay", text)
        text = _DOUBLE.sub(r"\1", text)
    return _FINAL_AH.sub("a", text) if text.endswith(("ah", "eh")) else text


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


_LOOSE_PAIRS = (("ch", "sh"), ("dj", "j"), ("th", "t"), ("dh", "z"), ("ph", "f"), ("c", "k"), ("p", "b"), ("v", "f"))
_LOOSE_DROP = re.compile("[aeiouyw]")
# Arabic letters -> the Latin consonants of the skeleton (vowel letters, ayn, hamza and ta marbuta drop)
_ARABIC_CONSONANTS = str.maketrans(
    {
        "ب": "b",
        "ت": "t",
        "ث": "t",
        "ج": "j",
        "ح": "h",
        "خ": "kh",
        "د": "d",
        "ذ": "z",
        "ر": "r",
        "ز": "z",
        "س": "s",
        "ش": "sh",
        "ص": "s",
        "ض": "d",
        "ط": "t",
        "ظ": "z",
        "غ": "gh",
        "ف": "f",
        "ق": "k",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "ة": "",
        "ء": "",
        "ئ": "",
        "ؤ": "",
        "ع": "",
        "ا": "",
        "أ": "",
        "إ": "",
        "آ": "",
        "و": "",
        "ي": "",
        "ى": "",
        "پ": "b",
        "چ": "j",
        "ڤ": "f",
        "گ": "k",
    }
)
_ARABIC_INITIAL_VOWEL = frozenset("اأإآعءئؤ")


def loose(folded: str, *, last: bool = True) -> str:
    """The consonant skeleton of one folded token (see the module doc): ``loose("marat") == loose("maret")
    == "mrt"``; an Arabic-script token is romanised: ``loose(normalise("تلمنس")) == loose("talmanis")``.
    ``last=False`` for a token that another follows in the name: its Arabic ta marbuta is read -at
    ("معرة النعمان", Maarat al-Numan)."""
    if not folded:
        return ""
    if _ARABIC.search(folded):
        # an initial alef, ayn or hamza is the initial vowel; an initial waw or ya is a consonant (Wadi, Yabroud)
        head = "a" if folded[0] in _ARABIC_INITIAL_VOWEL else {"و": "w", "ي": "y"}.get(folded[0], "")
        if head in ("w", "y"):
            folded = folded[1:]
        if (
            folded and folded[-1] in "هة"
        ):  # the -ah ending (the fold writes ة as ه): -at inside a name, silent at its end
            folded = folded[:-1] + ("ت" if not last else "")
        text = folded.translate(_ARABIC_CONSONANTS)
        return head + re.sub(r"[^a-z]", "", text)
    text = folded
    for a, b in _LOOSE_PAIRS:
        if a in text:
            text = text.replace(a, b)
    head = "a" if text[0] in "aeiou" else text[0]
    text = head + _LOOSE_DROP.sub("", text[1:])
    if len(text) > 2 and text.endswith("h") and folded[-2:-1] in ("a", "e"):  # the -ah/-eh ending (not Salih)
        text = text[:-1]
    return text


def loose_key(key: tuple[str, ...]) -> tuple[str, ...]:
    """The skeleton of a folded name (a :func:`normalise` token sequence)."""
    n = len(key)
    return tuple(loose(tok, last=i == n - 1) for i, tok in enumerate(key))


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
