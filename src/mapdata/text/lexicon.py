"""Find the forces and the actions a report mentions, with exact character offsets.

The force lexicon is built from the scenario's forces: each force's ``name`` (without a
parenthetical) and its ``aliases`` (``forces.json``, editable). The action lexicon is data too:
``geodata/lexicon/actions.json`` (hand-authored; its ``about`` field describes the phrase
syntax). Both matchers are compiled once, in :meth:`Lexicon.from_forces`, and scan a text in
a single pass each.

Force matching:

* whole words only: "Iran" does not match inside "Iranian" (which is an alias of its own) and
  "Israel" does not match "Israelite" (a different word, deliberately not a force);
* case-insensitive, except for short all-capital aliases (acronyms such as ``IRGC``, ``IDF``,
  ``FSA``), which must be written as they are;
* ``'`` in an alias matches both ``'`` and ``’``; a space matches any run of white space; a
  hyphen also matches a space;
* possessives need nothing special ("Russia's", "Moscow’s": the mention is the name, the
  apostrophe ends the word); single-word aliases also match their plural in ``-s`` ("Russian"
  gives "Russians", "Israeli" gives "Israelis");
* the longest alias starting first wins ("Russian forces" rather than "Russian",
  "Nasrallah's party" rather than "Nasrallah"); where an alias opening with "the" would hide a
  longer one ("the opposition" in "the opposition factions"), the longer one with "the" is added;
* two forces sharing an alias is a conflict: the first force keeps it and
  :attr:`Lexicon.conflicts` says so.

Action matching: the phrases of ``actions.json``, case-insensitive, whole words, the longest
phrase starting first wins; a "not", "never", "no longer", "failed to" or "without" just
before a phrase negates it (its role becomes the entry's ``negated_role``). Each mention keeps
the entry's ``action`` name and ``role``; ``role=None`` with ``negated=False`` ends a presence,
``role=None`` with ``negated=True`` implies nothing; ``"implies": false`` marks actions that say nothing
about who holds the place at all (an air strike, a shelling: the attacker is neither present nor in control).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapdata.model.errors import MapdataError
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.model.models import Force, Role
from mapdata.text.mentions import ActionMention, ForceMention
from mapdata.text.normalise import WORD_START, is_arabic

DEFAULT_ACTIONS_PATH = DEFAULT_DATA_DIR / "lexicon" / "actions.json"

_APOSTROPHES = "'’‘ʼ"
_HYPHENS = "-‐‑"
_NEGATION_BEFORE = re.compile(
    r"(?:\bnot|n['’]t|\bnever|\bno\s+longer|\bfailed\s+to|\bwithout|\bnor"
    r"|(?<!\w)[وف]?(?:لم|لن|لا|ليس|دون|بدون|عدم))\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
# Arabic letter forms written either way (hamza on alef, alef maqsura, ta marbuta): one form in keys
_ARABIC_FOLD = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"}
_ARABIC_CLASS = {"ا": "[اأإآٱ]", "ي": "[يى]", "ه": "[هة]"}
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _fold_char(char: str) -> str:
    if char in _ARABIC_FOLD:
        return _ARABIC_FOLD[char]
    folded = char.casefold()
    return folded if len(folded) == 1 else char.lower()[:1] or char


def _normalise(text: str, *, fold: bool) -> str:
    """Apostrophes to ', runs of white space and hyphens to one space; case-folded when ``fold``."""
    out: list[str] = []
    space = False
    for char in text:
        if char.isspace() or char in _HYPHENS:
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        if char in _APOSTROPHES:
            char = "'"
        out.append(_fold_char(char) if fold else char)
    return "".join(out)


def _char_pattern(char: str) -> str:
    if char in _ARABIC_CLASS:
        return _ARABIC_CLASS[char]
    if char == "'":
        return "['’‘ʼ]"
    if char == " ":
        return r"[\s\-‐‑]+"
    return re.escape(char)


def _trie_pattern(keys: Iterable[str]) -> str:
    """A regular expression matching any of ``keys``, factored by common prefix, longest first."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = [_char_pattern(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # an alias ends here: try the longer ones first, fall back to this one
            return f"(?:{body})?"
        return body

    return emit(trie)


def _case_sensitive(alias: str) -> bool:
    """Acronyms (short, no lower-case letter) must match exactly: "IDF" but not "idf" (Arabic has no case)."""
    letters = [c for c in alias if c.isalpha() and (c.isupper() or c.islower())]
    return bool(letters) and not any(c.islower() for c in letters) and len(alias) <= 6


class LexiconError(MapdataError, ValueError):
    """A lexicon file (``lexicon/actions.json``) that cannot be used; the message names the entry and field."""


@dataclass(frozen=True)
class _Alias:
    force: str
    written: str  # normalised, not case-folded: for case-sensitive aliases
    case_sensitive: bool


@dataclass(frozen=True)
class ActionSpec:
    """One entry of the action lexicon."""

    action: str
    label: str
    kind: str
    role: Role | None
    negated_role: Role | None = None
    negated: bool = False  # the phrases are negations in themselves ("has not withdrawn")
    patterns: tuple[str, ...] = ()
    implies: bool = True  # False: says nothing about who holds the place (a strike, a shelling)


def _role(value: Any, where: str) -> Role | None:
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError:
        raise LexiconError(f"{where}: role {value!r} is not one of {[r.value for r in Role]} or null") from None


def load_actions(path: str | Path | None = None) -> tuple[list[ActionSpec], int]:
    """The action entries of an action lexicon file and its ``max_gap``."""
    path = Path(path) if path is not None else DEFAULT_ACTIONS_PATH
    data = json.loads(path.read_text(encoding="utf-8"))
    specs = []
    for index, entry in enumerate(data.get("actions", [])):
        where = f"{path.name}: actions[{index}]"
        try:
            specs.append(
                ActionSpec(
                    action=str(entry["action"]),
                    label=str(entry.get("label") or entry["action"]),
                    kind=str(entry.get("kind") or entry["action"]),
                    role=_role(entry.get("role"), where),
                    negated_role=_role(entry.get("negated_role"), where),
                    negated=bool(entry.get("negated", False)),
                    patterns=tuple(str(p) for p in entry["patterns"]),
                    implies=bool(entry.get("implies", True)),
                )
            )
        except KeyError as missing:
            raise LexiconError(f"{where}: {missing} is missing") from None
    return specs, int(data.get("max_gap", 8))


_SEPARATOR = r"[\s\-‐‑]+"


def _word_pattern(word: str) -> str:
    out = []
    for char in word:
        if _fold_char(char) in _ARABIC_CLASS:
            out.append(_ARABIC_CLASS[_fold_char(char)])
        elif char in _APOSTROPHES:
            out.append("['’‘ʼ]")
        elif char in _HYPHENS:
            out.append(r"[\-‐‑\s]?")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _phrase_pattern(tokens: Sequence[str], max_gap: int) -> str:
    gap = rf"(?:[^\w.;!?؟\n]+\w+){{0,{max_gap}}}?[^\w.;!?؟\n]+"
    out = ""
    for index, token in enumerate(tokens):
        if token == "...":
            out += gap
            continue
        if index and tokens[index - 1] != "...":
            out += _SEPARATOR
        words = sorted(set(token.split("|")), key=lambda w: (-len(w), w))
        out += "(?:" + "|".join(_word_pattern(w) for w in words) + ")"
    return out + r"(?!\w)"


@dataclass
class Lexicon:
    """Compiled force and action matchers; build with :meth:`from_forces`."""

    aliases: dict[str, list[_Alias]]
    actions: list[ActionSpec]
    max_gap: int = 8
    conflicts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._force_re = (
            re.compile(WORD_START + r"(?=\w)(?:" + _trie_pattern(self.aliases) + r")(?!\w)", re.IGNORECASE)
            if self.aliases
            else None
        )
        self._action_re, self._group_spec = self._compile_actions()

    @classmethod
    def from_forces(cls, forces: Iterable[Force], *, actions_path: str | Path | None = None) -> Lexicon:
        """Build from the scenario's forces and an action lexicon file (default: the bundled one)."""
        aliases: dict[str, list[_Alias]] = {}
        conflicts: list[str] = []
        for force in forces:
            names = [re.sub(r"\s*\(.*?\)\s*", " ", force.name).strip(), *force.aliases]
            for name in names:
                written = _normalise(name, fold=False).strip()
                if not written:
                    continue
                variants = [written]
                if " " not in written and written[-1].islower() and written[-1].isascii() and written[-1] != "s":
                    variants.append(written + "s")  # Russian -> Russians
                if is_arabic(written):
                    if any(c.isdigit() and c.isascii() for c in written):
                        variants.append(written.translate(_ARABIC_DIGITS))  # الفرقة 11 -> الفرقة ١١
                    if written.startswith("ال") and len(written) > 3:
                        variants.append(written[1:])  # ل + القوات is written للقوات
                for variant in variants:
                    key = _normalise(variant, fold=True)
                    entry = _Alias(force.id, variant, _case_sensitive(variant))
                    taken = aliases.setdefault(key, [])
                    other = next((a for a in taken if a.force != force.id), None)
                    if other is not None:
                        conflicts.append(
                            f"alias {variant!r} of {force.id} is already an alias of {other.force}; kept {other.force}"
                        )
                        continue
                    if entry not in taken:
                        taken.append(entry)
        # "the opposition factions": the alias "the opposition" starts first and would hide the
        # longer "opposition factions"; adding "the opposition factions" lets the longest win.
        with_the = [key for key in aliases if key.startswith("the ")]
        for key in [k for k in aliases if not k.startswith("the ")]:
            longer = "the " + key
            if longer not in aliases and any(longer.startswith(prefix + " ") for prefix in with_the):
                aliases[longer] = [_Alias(a.force, "the " + a.written, False) for a in aliases[key]]
        actions, max_gap = load_actions(actions_path)
        return cls(aliases=aliases, actions=actions, max_gap=max_gap, conflicts=conflicts)

    # -- forces --------------------------------------------------------------------------------

    def find_forces(self, text: str) -> list[ForceMention]:
        """Every force mention in ``text``, in order, not overlapping."""
        if self._force_re is None:
            return []
        out = []
        for m in self._force_re.finditer(text):
            matched = m.group()
            candidates = self.aliases.get(_normalise(matched, fold=True), [])
            written = _normalise(matched, fold=False)
            force = next((a.force for a in candidates if not a.case_sensitive or a.written == written), None)
            if force is not None:
                out.append(ForceMention(matched, m.start(), m.end(), force))
        return out

    # -- actions -------------------------------------------------------------------------------

    def _compile_actions(self) -> tuple[re.Pattern[str] | None, dict[str, ActionSpec]]:
        # Split every phrase by the first letter of its first word, so the scan tries only the
        # phrases that can start at a word; within a letter, the longest phrases come first.
        by_letter: dict[str, list[tuple[tuple[int, int], str, ActionSpec]]] = {}
        for spec in self.actions:
            for phrase in spec.patterns:
                tokens = phrase.split()
                if not tokens or tokens[0] == "...":
                    raise LexiconError(f"action {spec.action}: phrase {phrase!r} must start with a word")
                firsts: dict[str, list[str]] = {}
                for word in tokens[0].split("|"):
                    firsts.setdefault(_fold_char(word[0]), []).append(word)
                for letter, words in firsts.items():
                    variant = ["|".join(words), *tokens[1:]]
                    rank = (-len([t for t in tokens if t != "..."]), -len(phrase))
                    by_letter.setdefault(letter, []).append((rank, _phrase_pattern(variant, self.max_gap), spec))
        if not by_letter:
            return None, {}
        groups: dict[str, ActionSpec] = {}
        parts = []
        for letter, items in sorted(by_letter.items()):
            alternatives = []
            for _, pattern, spec in sorted(items, key=lambda item: item[0]):
                name = f"a{len(groups)}"
                groups[name] = spec
                alternatives.append(f"(?P<{name}>{pattern})")
            gate = (
                _ARABIC_CLASS[letter]
                if letter in _ARABIC_CLASS
                else "[" + re.escape(letter) + (re.escape(letter.upper()) if letter.upper() != letter else "") + "]"
            )
            parts.append(f"(?={gate})(?:" + "|".join(alternatives) + ")")
        return re.compile(WORD_START + r"(?=\w)(?:" + "|".join(parts) + ")", re.IGNORECASE), groups

    def find_actions(self, text: str) -> list[ActionMention]:
        """Every action phrase in ``text``, in order, not overlapping."""
        if self._action_re is None:
            return []
        out = []
        for m in self._action_re.finditer(text):
            spec = self._group_spec[m.lastgroup or ""]
            role, negated = spec.role, spec.negated
            if not spec.negated and _NEGATION_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                role, negated = spec.negated_role, True
            out.append(ActionMention(m.group(), m.start(), m.end(), spec.action, role, negated, spec.implies))
        return out


__all__ = ["DEFAULT_ACTIONS_PATH", "ActionSpec", "Lexicon", "load_actions"]
