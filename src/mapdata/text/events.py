"""Join places, forces, dates and actions found in a report into proposed events.

:func:`propose_events` works sentence by sentence (offsets kept). A sentence with at least
one place and a force or an action becomes a :class:`~mapdata.text.mentions.ProposedEvent`: its
exact quote, the places, the forces (agents first), the nearest date (else the publication
date, precision ``reported_by``), a kind, a one-line summary, the verification status read from
attribution phrases, a confidence, the date warnings, and the control periods the actions
imply. Everything is a proposal for the analyst to accept, correct or reject.

How the pieces are read:

* **Agents.** An action's agent is the force written just before it, together with forces
  coordinated with that one ("both Iran and Hezbollah refuse"); a passive "by <force>" or a
  nominal "the control of <force>" takes the force after it; with no force before, the nearest
  one after. A first-person action in a quote ("no one could get us out") belongs to the
  force that speaks (a force followed by "said", "challenged", ...); failing that it has no agent.
* **Roles** (what each agent gets at each place, from the event date): control -> ``control``;
  presence -> ``presence``; contested (objection, clashes) -> the disputing force is present, and a
  force that took control earlier in the same sentence is downgraded to ``contested``; an
  ending action (withdraw) -> ``presence`` ending on the date; a negated ending ("has not
  withdrawn", "refuse to leave") -> ``presence`` without start or end (it continues; the source
  does not date its start). Per place and force the strongest role is kept.
* **Hypothetical actions** - those after "agreement", "demand", "need to", "on the condition that",
  "would", "if", ... in the same stretch of the sentence - imply no period; the event says so.
* **Actors are not places.** A place mention on the same words as a force mention ("to
  reassure Israel, Russia spread soldiers") is the actor and is dropped, unless a locative
  preposition makes it the place ("talks in Moscow").
* **Places carried over.** A sentence with an action but no place that refers back ("the
  positions", "there", or opening with "This"/"It") takes the places of the earlier sentence
  that used the same noun (else of the nearest earlier sentence with places), with a warning
  and a lower confidence.
* **Verification.** "according to X" -> ``claimed`` by X (known names expanded, e.g.
  "Syrian Observatory for Human Rights (SOHR)"); "denied" -> ``disputed``; "reportedly",
  "allegedly" -> ``unverified``; otherwise ``reported`` (the publisher's own or attributed
  speech: "told the Agency", "Reuters quoted"). "X has not been able to verify" in the
  sentence or the next one adds a verification note to the warnings (and makes a merely
  reported event ``unverified``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mapdata.model.models import DatePrecision, Role, Verification
from mapdata.text.dates import date_from_previous
from mapdata.text.lexicon import ActionSpec, load_actions
from mapdata.text.mentions import (
    ActionMention,
    DateMention,
    ForceMention,
    PlaceMention,
    ProposedEvent,
    ProposedPeriod,
)
from mapdata.text.normalise import is_arabic

# -- sentences ------------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen col lt maj capt sgt brig adm gov sen rep st mt vs etc al approx dept est fig "
    "inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
MAX_SENTENCE_CHARS = 2000
"""Longer "sentences" (run-on text without full stops or line breaks) are cut at white space."""
_BOUNDARY = re.compile(r"[.!?؟]+[”\"’'»)\]]*(?=\s)|\n")
_OPENERS = "“\"‘'«([ \t\u00a0"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, white space trimmed; line breaks always end one, and a
    sentence longer than :data:`MAX_SENTENCE_CHARS` is cut at white space.

    A full stop ends a sentence when white space and a character that is not a lower-case
    letter follow, unless it ends a known abbreviation (Gen., Jan.), an initial (A.) or a dotted
    acronym (U.S.).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group() != "\n":
            k = end
            while k < n and (text[k] in _OPENERS or (text[k].isspace() and text[k] != "\n")):
                k += 1
            if k < n and text[k] != "\n" and text[k].islower():
                continue
            if m.group() == ".":  # not '."' or '?': a full stop alone may end an abbreviation
                word_start = m.start()
                while word_start > start and not text[word_start - 1].isspace():
                    word_start -= 1
                word = text[word_start : m.start()].strip("“\"‘'«([").lower()
                if (
                    word in _ABBREVIATIONS
                    or (len(word) == 1 and word.isalpha())
                    or "." in word
                    or (word in {"no", "nos"} and k < n and text[k].isdigit())
                ):
                    continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, n, spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end:
        while start < end and text[start].isspace():
            start += 1
        stop = end
        if stop - start > MAX_SENTENCE_CHARS:  # run-on text: cut at white space, so every step stays small
            limit = start + MAX_SENTENCE_CHARS
            cut = max(text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit), text.rfind("\t", start, limit))
            stop = cut if cut > start else limit
        piece_end = stop
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        if start < piece_end:
            spans.append((start, piece_end))
        start = stop


# -- cues -----------------------------------------------------------------------------------------

_HYPOTHETICAL = re.compile(
    r"\b(?:agreement|agreed|agree|deal|accord|demands?|demanded|calls?\s+for|called\s+for|need(?:s|ed)?\s+to|"
    r"necessity|must|should|would|will|plans?\s+to|planned|intend(?:s|ed)?|intention|threat(?:en(?:s|ed)?)?|"
    r"on\s+the\s+condition|condition\s+that|if|unless|proposal|proposed|expected\s+to|(?-i:may|might)|could)\b",
    re.IGNORECASE,
)
_AR_HYPOTHETICAL = re.compile(
    r"(?<!\w)[وف]?(?:اتفاق|اتفاقا|اتفاقاً|الاتفاق|اتفاقية|طالب|طالبت|يطالب|تطالب|مطالبة|مطالب|طلب|يجب|ينبغي|سوف|إذا|اذا|لو|"
    r"شرط|بشرط|يعتزم|تعتزم|ينوي|تنوي|خطة|يتوقع|المتوقع|تهدد|يهدد|هدد|هددت)(?!\w)"
)
_AGREEMENT = re.compile(r"\b(?:agreement|agreed|deal|accord)\b", re.IGNORECASE)
_DEMAND = re.compile(r"\b(?:demands?|demanded|calls?\s+for|called\s+for|need(?:s|ed)?\s+to)\b", re.IGNORECASE)
_SPEECH = re.compile(
    r"\W*(?:\w+\W+)?(?:said|says|saying|stressed|told|added|announced|declared|warned|challenged|vowed|insisted|"
    r"affirmed|stated|claimed|confirmed|denied)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:us|we|our|ourselves)\b", re.IGNORECASE)
_ANAPHOR = re.compile(
    r"\b(?:the|these|those|this|that|its|their|such)\s+(positions?|areas?|sites?|bases?|towns?|city|cities|"
    r"villages?|airports?|airbases?|region|regions|borders?|posts?|points?|checkpoints?|countryside)\b|\b(there)\b",
    re.IGNORECASE,
)
_OPENS_WITH_REFERENCE = re.compile(
    r"^[“\"]?(?:This|That|These|It|They|The\s+(?:move|step|deployment))\b"
    r"|^[«“\"]?و?(?:هذا|هذه|ذلك|تلك)(?!\w)|^[«“\"]?[وف]?\w+\s+(?:هذا|هذه|ذلك|تلك)(?:\s+(?:ال)?(?:خطوة|الخطوة|التحرك|الانتشار))?(?!\w)"
)
# Arabic: "هذه النقاط" (these positions), "النقاط التي" (the positions that), "هناك" (there): the noun, without ال
_AR_ANAPHOR = re.compile(
    r"(?<!\w)(?:هذه|هذا|تلك|ذلك)\s+ال(?P<ar1>نقاط|نقطة|مواقع|موقع|مناطق|منطقة|قواعد|قاعدة|قرية|قرى|بلدة|مدينة|مطار|حدود|ريف)(?!\w)"
    r"|(?<!\w)[وفب]?ال(?P<ar2>نقاط|مواقع|مناطق|قواعد|قاعدة|قرية|بلدة|مدينة|مطار)\s+(?:التي|الذي|المذكورة|نفسها|ذاتها)(?!\w)"
    r"|(?<!\w)(?P<ar3>هناك)(?!\w)"
)
_ACCORDING_TO = re.compile(
    r"\baccording\s+to\s+(?:the\s+|a\s+|an\s+)?[“\"‘']?\s*(?P<who>[^,.;:“”\"()\n]{2,80}?)\s*[”\"’']?\s*"
    r"(?=[,.;:()]|\s+(?:which|who|that|as|in|on)\b|$)",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"\b(?:denied|denies|deny|refuted|rejected\s+(?:the\s+)?(?:claims?|reports?))\b|(?<!\w)[وف]?(?:نفى|نفت|ينفي|تنفي|نفوا)(?!\w)",
    re.IGNORECASE,
)
_UNVERIFIED = re.compile(
    r"\b(?:reportedly|allegedly|unconfirmed|rumou?rs?|purportedly)\b|غير\s+مؤكدة|(?<!\w)(?:يُزعم|يزعم|مزاعم|أنباء\s+عن)(?!\w)",
    re.IGNORECASE,
)
# Arabic attribution: "بحسب المرصد", "وفقاً لـ", "نقلاً عن"
_AR_ACCORDING_TO = re.compile(
    r"(?<!\w)[وف]?(?:بحسب|حسب|وفقا\s*لـ?|وفقاً\s*لـ?|نقلا\s+عن|نقلاً\s+عن|بحسب\s+ما\s+(?:أفاد|ذكر|نقل)(?:ت)?)\s+"
    r"(?P<who>[^،,.;:«»“”\"()\n\s]+(?:\s+[^،,.;:«»“”\"()\n\s]+){0,3})"
)
_NOT_VERIFIED = re.compile(
    r"\b(?:has|have|had)\s+not\s+been\s+able\s+to\s+(?:independently\s+)?(?:verify|confirm)|"
    r"\b(?:could|can|did)\s*(?:not|n['’]t)\s+(?:independently\s+)?(?:verify|confirm)|\bcannot\s+(?:independently\s+)?"
    r"(?:verify|confirm)|\b(?:was|were|is|are)\s+unable\s+to\s+(?:independently\s+)?(?:verify|confirm)|"
    r"\bcould\s+not\s+be\s+(?:independently\s+)?(?:verified|confirmed)",
    re.IGNORECASE,
)
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|inside|into|outside|around)\s+(?:the\s+)?$|(?<!\w)[وف]?(?:في|داخل|قرب)\s+$|(?<!\w)[وف]?ب$",
    re.IGNORECASE,
)
_BY_BEFORE = re.compile(r"\bby\s+(?:the\s+)?[“\"‘']?\s*$", re.IGNORECASE)
_WITH_BEFORE = re.compile(r"^\s*(?:\w+\s+)?(?:with\s+(?:the\s+)?|مع\s+)[“\"‘'«]?\s*$", re.IGNORECASE)
_NOMINAL_BEFORE = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
_OF_BETWEEN = re.compile(r"^\s*(?:of\s+)?(?:the\s+)?[“\"‘']?\s*$", re.IGNORECASE)
_COORDINATED = re.compile(
    r"[\s,،“”\"‘’'«»]*(?:and|or|as\s+well\s+as|along\s+with|و|أو|او|إلى\s+جانب|الى\s+جانب)[\s“”\"‘’'«»]*(?:both\s+)?",
    re.IGNORECASE,
)
_LISTED = re.compile(r"[\s“”\"‘’'«»]*[,،][\s“”\"‘’'«»]*")

KNOWN_CLAIMANTS = {
    "syrian observatory for human rights": "Syrian Observatory for Human Rights (SOHR)",
    "sohr": "Syrian Observatory for Human Rights (SOHR)",
    "observatory": "Syrian Observatory for Human Rights (SOHR)",
    "sana": "Syrian Arab News Agency (SANA)",
    "syrian arab news agency": "Syrian Arab News Agency (SANA)",
    "reuters": "Reuters",
    "afp": "Agence France-Presse (AFP)",
    "ap": "Associated Press (AP)",
}

_STRENGTH: dict[Role | None, int] = {Role.CONTROL: 3, Role.CONTESTED: 2, Role.PRESENCE: 1}
# "X, backed by Y, captured Z": Y supports the action, it does not act (no period for it)
_PRONOUN_BEFORE = re.compile(
    r"\b(?:they|these\s+forces|those\s+forces|the\s+latter|the\s+same\s+forces)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)
_WITH_BEFORE_FORCE = re.compile(r"\bwith\s+(?:the\s+)?$", re.IGNORECASE)
_SUPPORT_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:air\s+|aerial\s+|artillery\s+)?(?:cover|support|backing|help)\b", re.IGNORECASE
)
_TO_BEFORE = re.compile(r"\bto\s+(?:the\s+)?[“\"‘']?\s*$|(?<!\w)(?:إلى|الى)\s+[«“\"]?$|(?<=\s)ل$", re.IGNORECASE)
_BACKER_BEFORE = re.compile(
    r"(?:\b(?:backed|supported|aided|assisted|escorted|covered|accompanied|reinforced)\s+by|"
    r"\bwith\s+(?:the\s+)?(?:air\s+|aerial\s+|artillery\s+)?(?:support|cover|backing|help)\s+(?:of|from))"
    r"\s+(?:the\s+)?$"
    # Arabic: "بدعم من", "بغطاء جوي", "بإسناد مدفعي من قبل", "مدعومة من", "تحت غطاء"
    r"|(?<!\w)[وف]?(?:بدعم|بمساندة|بإسناد|بغطاء|بمؤازرة|بمشاركة|تحت\s+غطاء|مدعوم[ةه]?|المدعوم[ةه]?|تدعمها|يدعمها)"
    r"(?:\s+(?:جوي|ناري|مدفعي|بري|عسكري|مباشر))?(?:\s+من)?(?:\s+قبل)?\s+$",
    re.IGNORECASE,
)
# "the village of al-Hirak in the eastern countryside of Daraa": the area says where the village is
_INSIDE_BETWEEN = re.compile(
    r"^\s*,?\s*(?:(?:in|inside|within|of)\s+(?:the\s+)?)?$|^\s*[،,]?\s*(?:(?:في|داخل|ضمن|من)\s+|ب)?$", re.IGNORECASE
)
# "قرية الحراك في ريف درعا الشرقي", "X in the countryside of Y": Y is where X is, whatever kind of place Y is
_CONTAINER_BETWEEN = re.compile(
    r"^\s*[،,]?\s*(?:في\s+|ب)(?:ريف|محافظة|محافظه|منطقة|منطقه|ناحية|ناحيه)\s+$"
    r"|^\s*,?\s*in\s+(?:the\s+)?(?:countryside|province|governorate|outskirts)\s+of\s+$",
    re.IGNORECASE,
)
_AREA_KINDS = frozenset({"area", "region", "admin1", "admin2", "admin3", "country"})


@functools.lru_cache(maxsize=1)
def _default_specs() -> dict[str, ActionSpec]:
    try:
        specs, _ = load_actions()
    except (OSError, ValueError):
        return {}
    return {spec.action: spec for spec in specs}


# -- per-sentence reading -------------------------------------------------------------------------


@dataclass
class _Sentence:
    index: int
    start: int
    end: int
    places: list[PlaceMention] = field(default_factory=list)
    forces: list[ForceMention] = field(default_factory=list)
    actions: list[ActionMention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)


@dataclass
class _Reading:
    """One action with its agents and whether it is hypothetical."""

    action: ActionMention
    agents: list[str]
    hypothetical: bool
    counterparts: list[str] = field(default_factory=list)  # "clashes with <force>"
    recipients: list[str] = field(default_factory=list)  # "handed the positions over to <force>"


class _Mention(Protocol):
    @property
    def start(self) -> int: ...


def _bucket(sentences: list[_Sentence], mentions: Sequence[_Mention], attr: str) -> None:
    starts = [s.start for s in sentences]
    for mention in sorted(mentions, key=lambda m: m.start):
        index = bisect.bisect_right(starts, mention.start) - 1
        if index >= 0 and mention.start < sentences[index].end:
            getattr(sentences[index], attr).append(mention)


def _is_actor(text: str, place: PlaceMention, forces: list[ForceMention]) -> bool:
    """A place name that is also a force mention is the actor ("to reassure Israel, Russia spread
    soldiers"), unless a locative preposition makes it the place ("talks in Moscow")."""
    if not any(f.start < place.end and place.start < f.end for f in forces):
        return False
    return not _LOCATIVE_BEFORE.search(text, max(0, place.start - 12), place.start)


def _coordinated(text: str, forces: list[ForceMention], index: int, step: int) -> list[int]:
    """Indices of the forces coordinated with ``forces[index]``, walking by ``step``.

    "Iran and Hezbollah", "Iran, Hezbollah and Russia": a bare comma joins only a list that
    "and" has already joined nearer the action (walking back), so "to reassure Israel, Russia
    spread" gives Russia alone.
    """
    out = [index]
    joined = False
    while 0 <= index + step < len(forces):
        a, b = (forces[index + step], forces[index]) if step < 0 else (forces[index], forces[index + step])
        between = text[a.end : b.start]
        if _COORDINATED.fullmatch(between):
            joined = True
        elif not (step < 0 and joined and _LISTED.fullmatch(between)):
            break
        index += step
        out.append(index)
    return out


def _agents(text: str, sentence: _Sentence, action: ActionMention) -> list[str]:
    forces = sentence.forces
    if not forces:
        return []
    backers = _backers(text, sentence)
    before = [i for i, f in enumerate(forces) if f.end <= action.start and i not in backers]
    after = [i for i, f in enumerate(forces) if f.start >= action.end]
    if after:
        first = forces[after[0]]
        gap = text[action.end : first.start]
        # passive "taken over by Russian forces" / nominal "the control of Assad's forces"
        if (_BY_BEFORE.search(gap) and len(gap) <= 40) or (
            _NOMINAL_BEFORE.search(text, max(sentence.start, action.start - 6), action.start) and _OF_BETWEEN.match(gap)
        ):
            return _unique(forces[i].force for i in _coordinated(text, forces, after[0], +1))
    if _FIRST_PERSON.search(action.text) or _FIRST_PERSON.search(
        text, max(sentence.start, action.start - 12), action.start
    ):
        speakers = [i for i in before if _SPEECH.match(text, forces[i].end, action.start)]
        return [forces[speakers[0]].force] if speakers else []  # the first speaker: usually the subject
    subject = _subject_after_verb(text, sentence, action, backers)
    if subject is not None:  # Arabic verb-subject order: "سيطرت قوات النظام على", "بسيطرة قوات الأسد"
        return _unique(forces[i].force for i in _coordinated(text, forces, subject, +1))
    if before:
        return _unique(forces[i].force for i in reversed(_coordinated(text, forces, before[-1], -1)))
    if after:
        return _unique(forces[i].force for i in _coordinated(text, forces, after[0], +1))
    return []


# between an Arabic verb and its subject: a pronoun or adverb ("انتشر فيها الروس") or one noun ("انسحب مقاتلو المعارضة")
_VERB_SUBJECT_GAP = re.compile(
    r"(?:\s+(?:فيها|فيه|بها|به|عليها|عليه|منها|منه|أمس|اليوم|مجددا|مجدداً|أيضا|أيضاً)){0,2}(?:\s+[^\W\d_]+)?\s+"
)


def _subject_after_verb(text: str, sentence: _Sentence, action: ActionMention, backers: set[int]) -> int | None:
    """The index of the force right after an Arabic verb or verbal noun (its subject in verb-subject order), or None:
    the force may stand inside a phrase with a gap ("رفض حزب الله الخروج"), or after a pronoun ("انتشر فيها الروس")."""
    if not is_arabic(action.text[:1]):
        return None
    verb_end = action.start + len(action.text.split()[0])
    for i, force in enumerate(sentence.forces):
        if force.start >= verb_end and i not in backers:
            return i if _VERB_SUBJECT_GAP.fullmatch(text, verb_end, force.start) else None
    return None


def _backers(text: str, sentence: _Sentence) -> set[int]:
    """Indices of the forces that back the action rather than act: "backed by Y", "with air cover from Y"
    (and the forces listed with Y)."""
    forces = sentence.forces
    out: set[int] = set()
    for i, force in enumerate(forces):
        if i in out:
            continue
        if _BACKER_BEFORE.search(text, max(sentence.start, force.start - 40), force.start) or (
            _WITH_BEFORE_FORCE.search(text, max(sentence.start, force.start - 12), force.start)
            and _SUPPORT_AFTER.match(text, force.end)
        ):  # "backed by Y", "with air cover from Y", "with Y air cover"
            out.update(_coordinated(text, forces, i, +1))
    return out


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _counterparts(text: str, sentence: _Sentence, action: ActionMention) -> list[str]:
    """The forces a contested action is "with": "clashes with Hezbollah", "a dispute with the regime"."""
    forces = sentence.forces
    after = [i for i, f in enumerate(forces) if f.start >= action.end]
    if action.role is not Role.CONTESTED or not after:
        return []
    if not _WITH_BEFORE.match(text[action.end : forces[after[0]].start]):
        return []
    return _unique(forces[i].force for i in _coordinated(text, forces, after[0], +1))


def _recipients(text: str, sentence: _Sentence, action: ActionMention) -> list[str]:
    """The forces a place is handed to: "X handed over the positions to Y", "X withdrew, handing Z to Y"."""
    if action.role is not None or action.negated or not action.implies:
        return []
    forces = sentence.forces
    for i, force in enumerate(forces):  # the first force after the verb that "to" introduces (not its subject)
        if force.start < action.end:
            continue
        if force.start - action.end > 80:
            break
        if _TO_BEFORE.search(text, action.end, force.start):
            return _unique(forces[k].force for k in _coordinated(text, forces, i, +1))
    return []


def _readings(text: str, sentence: _Sentence, previous_agents: Sequence[str] = ()) -> list[_Reading]:
    """The actions of a sentence with their agents; "they stormed X" takes the agents of the last action before
    (``previous_agents``) when the sentence names no force before the verb."""
    out = []
    scope_start = sentence.start
    for action in sentence.actions:
        window = max(scope_start, action.start - 90)
        hypothetical = bool(
            _HYPOTHETICAL.search(text, window, action.start) or _AR_HYPOTHETICAL.search(text, window, action.start)
        )
        agents = _agents(text, sentence, action)
        if (
            not agents
            and previous_agents
            and (
                _PRONOUN_BEFORE.search(text, max(sentence.start, action.start - 30), action.start)
                or (is_arabic(action.text[:1]) and not sentence.forces)  # Arabic drops the subject: "اقتحمت X"
            )
        ):
            agents = list(previous_agents)
        out.append(
            _Reading(
                action,
                agents,
                hypothetical,
                _counterparts(text, sentence, action),
                _recipients(text, sentence, action),
            )
        )
        scope_start = action.end
    return out


def _carried_places(text: str, sentences: list[_Sentence], index: int) -> tuple[list[PlaceMention], str]:
    sentence = sentences[index]
    quote = text[sentence.start : sentence.end]
    anaphor = _ANAPHOR.search(quote) or _AR_ANAPHOR.search(quote)
    if anaphor is None and not _OPENS_WITH_REFERENCE.match(quote):
        return [], ""
    noun = next((g for g in anaphor.groups() if g), "") if anaphor else ""
    if noun in ("there", "هناك"):
        noun = ""
    if noun:
        if is_arabic(noun):  # the noun without its article, after a proclitic or article or not
            pattern = re.compile(rf"(?<!\w)(?:[وفبل]?ال|[وفبل])?{re.escape(noun)}(?!\w)")
        else:
            stem = re.escape(noun.lower().rstrip("s") if not noun.lower().endswith("ies") else noun.lower()[:-3])
            pattern = re.compile(rf"\b{stem}", re.IGNORECASE)
        for earlier in reversed(sentences[max(0, index - 6) : index]):
            if earlier.places and pattern.search(text, earlier.start, earlier.end):
                return earlier.places, f"{noun!r} refers back to sentence {earlier.index}"
    for earlier in reversed(sentences[max(0, index - 2) : index]):
        if earlier.places:
            what = f"{anaphor.group()!r}" if anaphor else "the opening reference"
            return earlier.places, f"{what} refers back to sentence {earlier.index}"
    return [], ""


def _claimant(who: str) -> str:
    who = " ".join(who.split()).strip(" “”\"‘’'")
    key = re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.IGNORECASE).lower()
    return KNOWN_CLAIMANTS.get(key, who)


def _verification(text: str, sentence: _Sentence, following: _Sentence | None) -> tuple[Verification, str, str]:
    quote = text[sentence.start : sentence.end]
    verification, claimed_by = Verification.REPORTED, ""
    according = _ACCORDING_TO.search(quote) or _AR_ACCORDING_TO.search(quote)
    if according:
        verification, claimed_by = Verification.CLAIMED, _claimant(according.group("who"))
    elif _DENIED.search(quote):
        verification = Verification.DISPUTED
    elif _UNVERIFIED.search(quote):
        verification = Verification.UNVERIFIED
    note = ""
    for candidate in (sentence, following):
        if candidate is not None and _NOT_VERIFIED.search(text, candidate.start, candidate.end):
            note = text[candidate.start : candidate.end]
            if verification is Verification.REPORTED:
                verification = Verification.UNVERIFIED
            break
    return verification, claimed_by, note


def _pick_date(
    sentence: _Sentence, readings: list[_Reading], published: dt.date | None
) -> tuple[dt.date | None, DatePrecision, list[str]]:
    warnings = [d.warning for d in sentence.dates if d.warning]
    resolved = [d for d in sentence.dates if d.date is not None]
    anchor = next((r.action.start for r in readings if not r.hypothetical), sentence.start)
    if resolved:
        best = min(resolved, key=lambda d: (abs(d.start - anchor), d.start))
        if best.warning:
            warnings = [best.warning] + [w for w in warnings if w != best.warning]
        return best.date, best.precision, warnings
    if published is not None:
        return published, DatePrecision.REPORTED_BY, warnings
    return None, DatePrecision.REPORTED_BY, warnings + ["no date in the sentence and no publication date"]


def _periods(readings: list[_Reading], places: list[PlaceMention], date: dt.date | None) -> list[ProposedPeriod]:
    by_key: dict[tuple[str, str], tuple[int, ProposedPeriod]] = {}
    controllers: list[tuple[int, str]] = []  # (action start, force) of control actions so far
    downgraded: set[str] = set()
    roles: list[tuple[str, Role, dt.date | None, dt.date | None, int]] = []
    for reading in readings:
        action = reading.action
        if reading.hypothetical or not (reading.agents or reading.counterparts) or not action.implies:
            continue  # a strike, a shelling: the attacker is neither present nor in control
        entries: list[tuple[str, Role, dt.date | None, dt.date | None, int]]  # (force, role, start, end, strength)
        if action.negated:
            if action.role is None:
                continue
            entries = [(force, Role.PRESENCE, None, None, 1) for force in reading.agents]
        elif action.role is Role.CONTROL:
            entries = [(force, Role.CONTROL, date, None, 3) for force in reading.agents]
            controllers += [(action.start, force) for force in reading.agents]
        elif action.role is Role.CONTESTED:
            # the parties to a dispute are present; a party that took control earlier in the
            # sentence keeps holding it, now contested, when someone else is party to the dispute
            parties = _unique([*reading.agents, *reading.counterparts])
            holders = {force for _, force in controllers}
            if any(force not in holders for force in parties):
                downgraded |= holders
            entries = [(force, Role.PRESENCE, date, None, 1) for force in parties if force not in holders]
        elif action.role is Role.PRESENCE:
            entries = [(force, Role.PRESENCE, date, None, 1) for force in reading.agents]
        else:  # ends presence; the forces it is handed to take control
            entries = [(force, Role.PRESENCE, None, date, 0) for force in reading.agents]
            entries += [(force, Role.CONTROL, date, None, 3) for force in reading.recipients]
        roles += entries
    for force, role, start, end, strength in roles:
        if role is Role.CONTROL and force in downgraded:
            role, strength = Role.CONTESTED, 2
        for place in places:
            place_id = place.place_id or place.entry_id
            key = (place_id, force)
            if key not in by_key or strength > by_key[key][0]:
                by_key[key] = (strength, ProposedPeriod(place_id, force, role, start, end))
    return [period for _, period in by_key.values()]


def _what_changed_hands(text: str, places: list[PlaceMention]) -> list[PlaceMention]:
    """The places an action applies to: an area named only to say where a place is ("the village of al-Hirak in
    the eastern countryside of Daraa") is where it is, not what changed hands. An area alone is kept."""
    out = []
    for i, place in enumerate(places):
        between = text[places[i - 1].end : place.start] if i > 0 else ""
        inside = (
            i > 0
            and places[i - 1].kind not in _AREA_KINDS
            and (
                (place.kind in _AREA_KINDS and bool(_INSIDE_BETWEEN.match(between)))
                or bool(_CONTAINER_BETWEEN.match(between))
            )
        )
        if not inside:
            out.append(place)
    return out or list(places)


def _date_label(date: dt.date | None, precision: DatePrecision) -> str:
    if date is None:
        return "undated"
    if precision is DatePrecision.REPORTED_BY:
        return f"by {date.isoformat()}"
    if precision is DatePrecision.MONTH:
        return f"in {date:%B %Y}"
    return f"on {date.isoformat()}"


def describe_event(
    *, kind: str, forces: Sequence[str], places: Sequence[str], date: dt.date | None, precision: DatePrecision
) -> str:
    """A one-line summary written from an event's fields (names, not ids), e.g. after an analyst corrected
    the force, place, date or kind of a proposal: "Syrian regime forces: takeover at al-Qusayr, on 2018-06-08"."""
    who = " and ".join(forces) or "no force named"
    where = ", ".join(places) or "no place named"
    return f"{who}: {kind or 'report'} at {where}, {_date_label(date, precision)}"


def _kind_and_summary(
    text: str,
    sentence: _Sentence,
    readings: list[_Reading],
    places: list[PlaceMention],
    forces: list[str],
    date_label: str,
    specs: dict[str, ActionSpec],
) -> tuple[str, str, bool]:
    effective = [r for r in readings if not r.hypothetical]
    place_names = ", ".join(_unique(p.name or p.text for p in places))
    if effective:
        best = max(
            effective, key=lambda r: (_STRENGTH.get(r.action.role, 0) if not r.action.negated else 1, -r.action.start)
        )
        spec = specs.get(best.action.action)
        kind = spec.kind if spec else best.action.action
        parts = []
        for r in effective:
            label = specs[r.action.action].label if r.action.action in specs else r.action.action
            who = " and ".join(r.agents or r.counterparts) or "unknown force"
            parts.append(
                f"{who} {'(negated) ' if r.action.negated and not label.startswith('refuse') else ''}"
                f"{label} (“{' '.join(r.action.text.split())}”)"
            )
        return kind, f"{'; '.join(parts)} at {place_names}, {date_label}", False
    quote = text[sentence.start : sentence.end]
    if _AGREEMENT.search(quote):
        kind = "agreement"
    elif _DEMAND.search(quote):
        kind = "demand"
    elif readings:
        kind = "statement"
    else:
        kind = "mention"
    who = ", ".join(forces) or "no force"
    hypothetical = bool(readings)
    if hypothetical:
        labels = ", ".join(_unique(f"“{' '.join(r.action.text.split())}”" for r in readings))
        return kind, f"{kind}: {who} at {place_names} ({labels} stated as hypothetical), {date_label}", True
    return kind, f"{who} mentioned at {place_names}, {date_label}", False


def propose_events(
    text: str,
    *,
    places: Sequence[PlaceMention],
    dates: Sequence[DateMention],
    forces: Sequence[ForceMention],
    actions: Sequence[ActionMention],
    published: dt.date | None,
    action_specs: Sequence[ActionSpec] | None = None,
    first_sentence: int = 0,
) -> list[ProposedEvent]:
    """One proposed event per sentence with at least one place (or a place it refers back to) and a
    force or an action; ids are ``cand_<sentence index>`` (counted from ``first_sentence``: a text analysed
    in pieces keeps one numbering).

    ``action_specs`` give each action's kind and label (default: the bundled action lexicon;
    pass ``Lexicon.actions`` when a custom one found the actions).
    """
    specs = {spec.action: spec for spec in action_specs} if action_specs is not None else _default_specs()
    sentences = [_Sentence(i, s, e) for i, (s, e) in enumerate(split_sentences(text))]
    _bucket(sentences, places, "places")
    _bucket(sentences, forces, "forces")
    _bucket(sentences, actions, "actions")
    _bucket(sentences, dates, "dates")
    for sentence in sentences:
        sentence.places = [p for p in sentence.places if not _is_actor(text, p, sentence.forces)]
    out: list[ProposedEvent] = []
    last_date: dt.date | None = None  # of the last sentence that named a date
    previous_agents: list[str] = []  # the forces of the last action read: what "they" refers to
    for index, sentence in enumerate(sentences):
        named = [d.date for d in sentence.dates if d.date is not None and d.precision is DatePrecision.DAY]
        if not (sentence.forces or sentence.actions):
            if named:
                last_date = named[-1]
            continue
        event_places, carried_note = sentence.places, ""
        if not event_places and sentence.actions:
            event_places, carried_note = _carried_places(text, sentences, index)
        if not event_places:
            continue
        readings = _readings(text, sentence, previous_agents)
        date, precision, warnings = _pick_date(sentence, readings, published)
        if not any(d.date for d in sentence.dates) and last_date is not None:
            relative = date_from_previous(
                text, start=sentence.start, end=sentence.end, dates=sentence.dates, last=last_date
            )
            if relative is not None:
                date, precision, basis = relative
                warnings = [w for w in warnings if "no date in the sentence" not in w and "weekday alone" not in w] + [
                    basis
                ]
        following = sentences[index + 1] if index + 1 < len(sentences) else None
        verification, claimed_by, note = _verification(text, sentence, following)
        force_ids = _unique(
            [a for r in readings if not r.hypothetical for a in r.agents] + [f.force for f in sentence.forces]
        )
        kind, summary, hypothetical = _kind_and_summary(
            text, sentence, readings, event_places, force_ids, _date_label(date, precision), specs
        )
        periods = _periods(readings, _what_changed_hands(text, event_places), date)
        acted = [r.agents for r in readings if r.agents and not r.hypothetical]
        if acted:
            previous_agents = acted[-1]
        if named:
            last_date = named[-1]
        elif date is not None and precision is DatePrecision.DAY:
            last_date = date
        if carried_note:
            warnings.append(f"places carried over: {carried_note}")
        if hypothetical:
            warnings.append("the actions are hypothetical (agreement, demand, condition): no control change proposed")
        if note:
            warnings.append(f"verification note: {' '.join(note.split())}")
            note = " ".join(note.split())
        if (
            precision is DatePrecision.REPORTED_BY
            and date is not None
            and date == published
            and not any(d.date for d in sentence.dates)
        ):
            warnings.append(f"no date in the sentence: dated by the publication date {date.isoformat()}")
        out.append(
            ProposedEvent(
                id=f"cand_{first_sentence + sentence.index}",
                quote=text[sentence.start : sentence.end],
                start=sentence.start,
                end=sentence.end,
                date=date,
                date_precision=precision,
                place_mentions=tuple(event_places),
                forces=tuple(force_ids),
                kind=kind,
                summary=summary,
                verification=verification,
                confidence=_confidence(
                    sentence,
                    readings,
                    event_places,
                    date,
                    precision,
                    verification,
                    bool(carried_note),
                    hypothetical,
                    warnings,
                ),
                periods=tuple(periods),
                claimed_by=claimed_by,
                verification_note=note or "",
                warnings=tuple(warnings),
            )
        )
    return out


def _confidence(
    sentence: _Sentence,
    readings: list[_Reading],
    places: list[PlaceMention],
    date: dt.date | None,
    precision: DatePrecision,
    verification: Verification,
    carried: bool,
    hypothetical: bool,
    warnings: list[str],
) -> float:
    score = 0.2
    if any(r.agents and not r.hypothetical for r in readings):
        score += 0.3
    elif sentence.forces:
        score += 0.1
    if date is not None and any(d.date == date for d in sentence.dates):
        score += 0.15 if precision is DatePrecision.DAY else 0.1
    elif date is not None:
        score += 0.05
    score += 0.2 * sum(max(0.0, min(1.0, p.confidence)) for p in places) / len(places)
    if carried:
        score -= 0.15
    if verification in {Verification.CLAIMED, Verification.UNVERIFIED, Verification.DISPUTED}:
        score -= 0.1
    if any("weekday contradicts" in w for w in warnings):
        score -= 0.1
    if hypothetical:
        score = min(score, 0.3)
    return round(max(0.05, min(0.95, score)), 3)


__all__ = ["KNOWN_CLAIMANTS", "describe_event", "propose_events", "split_sentences"]
