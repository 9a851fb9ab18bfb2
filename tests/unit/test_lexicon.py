"""Force and action mentions: aliases from forces.json, possessives, plurals, whole words, case,
longest match, the action lexicon file, negation, and offsets on arbitrary text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mapdata.model.load import load_scenario
from mapdata.model.models import Role
from mapdata.testing import make_force
from mapdata.text.lexicon import DEFAULT_ACTIONS_PATH, Lexicon, load_actions

SCENARIO = load_scenario()
LEXICON = Lexicon.from_forces(SCENARIO.forces)
ARTICLE = SCENARIO.sources[0].text


def forces_in(text: str, lexicon: Lexicon = LEXICON) -> list[tuple[str, str]]:
    mentions = lexicon.find_forces(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return [(m.text, m.force) for m in mentions]


def actions_in(text: str) -> list[tuple[str, str, Role | None, bool]]:
    mentions = LEXICON.find_actions(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return [(m.text, m.action, m.role, m.negated) for m in mentions]


# -- forces -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "alias", "force"),
    [
        ("the regime shelled the town", "the regime", "syrian_regime"),
        ("The regime shelled the town", "The regime", "syrian_regime"),
        ("fighters of “Division 11” arrived", "Division 11", "syrian_regime"),
        ("the Syrian regime and its officials", "Syrian regime", "syrian_regime"),
        ("Assad’s forces took over", "Assad’s forces", "syrian_regime"),
        ("Assad's forces took over", "Assad's forces", "syrian_regime"),
        ("Nasrallah said that", "Nasrallah", "hezbollah"),
        ("Hassan Nasrallah’s challenge", "Hassan Nasrallah", "hezbollah"),
        ("Nasrallah’s party refused", "Nasrallah’s party", "hezbollah"),
        ("“Hezbollah” objected", "Hezbollah", "hezbollah"),
        ("HEZBOLLAH objected", "HEZBOLLAH", "hezbollah"),
        ("حزب الله في القصير", "حزب الله", "hezbollah"),
        ("Tehran denied it", "Tehran", "iran"),
        ("the IRGC sent advisers", "IRGC", "iran"),
        ("Iran’s forces", "Iran", "iran"),
        ("the Iranian presence", "Iranian", "iran"),
        ("Iranians left", "Iranians", "iran"),
        ("the opposition factions withdrew", "the opposition factions", "opposition"),
        ("opposition factions withdrew", "opposition factions", "opposition"),
        ("the regime forces withdrew", "the regime forces", "syrian_regime"),
        ("Israel struck", "Israel", "israel"),
        ("an Israeli strike", "Israeli", "israel"),
        ("the Israelis agreed", "Israelis", "israel"),
        ("Russia's intention", "Russia", "russia"),
        ("Moscow’s intention to dwarf Iran", "Moscow", "russia"),
        ("Russians have spread", "Russians", "russia"),
        ("the Russian forces spread", "Russian forces", "russia"),
        ("Russian military police patrolled", "Russian military police", "russia"),
    ],
)
def test_aliases(text: str, alias: str, force: str) -> None:
    assert forces_in(text)[0] == (alias, force)


def test_moscows_intention_in_the_article() -> None:
    start = ARTICLE.index("Moscow’s intention")
    mention = next(m for m in LEXICON.find_forces(ARTICLE) if m.start == start)
    assert (mention.text, mention.force) == ("Moscow", "russia")


def test_longest_match_wins() -> None:
    assert forces_in("the Russian forces and Nasrallah's party") == [
        ("Russian forces", "russia"),
        ("Nasrallah's party", "hezbollah"),
    ]


def test_whole_words_only() -> None:
    # "Iranian" is its own alias; "Israelite" is a different word and deliberately not Israel
    assert forces_in("an Israelite tribe, Iranistan, Russianness, Moscowitz") == []
    assert forces_in("Iran and Iranian") == [("Iran", "iran"), ("Iranian", "iran")]


def test_hyphenated_compounds_give_both_forces() -> None:
    assert forces_in("Russian-Israeli meetings and the Russian-Iranian duet") == [
        ("Russian", "russia"),
        ("Israeli", "israel"),
        ("Russian", "russia"),
        ("Iranian", "iran"),
    ]


def test_acronyms_are_case_sensitive() -> None:
    assert forces_in("the irgc, the idf and an fsa unit") == []
    assert forces_in("the IRGC, the IDF and an FSA unit") == [
        ("IRGC", "iran"),
        ("IDF", "israel"),
        ("FSA", "opposition"),
    ]


def test_every_force_of_the_article() -> None:
    found = {force for _, force in forces_in(ARTICLE)}
    assert found == {"russia", "iran", "hezbollah", "syrian_regime", "opposition", "israel"}


def test_aliases_come_from_the_forces_and_conflicts_are_reported() -> None:
    forces = [
        make_force("red", name="Red army (north)", aliases=["Reds", "the Crimson"]),
        make_force("blue", aliases=["the Crimson", "Azure"]),
    ]
    lexicon = Lexicon.from_forces(forces)
    assert forces_in("Red army, the crimson, Azure and the Reds", lexicon) == [
        ("Red army", "red"),
        ("the crimson", "red"),
        ("Azure", "blue"),
        ("Reds", "red"),
    ]
    assert any("the Crimson" in c and "blue" in c for c in lexicon.conflicts)


# -- actions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "action", "role", "negated"),
    [
        ("Russia took over three positions", "took over", "take_over", Role.CONTROL, False),
        ("the army took control of the town", "took control of", "take_over", Role.CONTROL, False),
        ("rebels captured the airport", "captured", "take_over", Role.CONTROL, False),
        ("rebels seized the airport", "seized", "take_over", Role.CONTROL, False),
        ("Assad’s recapture of Southern Syria", "recapture", "take_over", Role.CONTROL, False),
        ("the control of Assad’s forces over the positions", "control of", "take_over", Role.CONTROL, False),
        ("it spread soldiers in the area", "spread soldiers", "deploy", Role.PRESENCE, False),
        ("Russian forces spread in the areas", "spread in", "deploy", Role.PRESENCE, False),
        ("troops were deployed near the border", "deployed", "deploy", Role.PRESENCE, False),
        ("Russians have spread.", "have spread", "deploy", Role.PRESENCE, False),
        (
            "Iran refuses Moscow’s demand, as to retreat from the airport",
            "refuses Moscow’s demand, as to retreat",
            "refuse_withdrawal",
            Role.PRESENCE,
            True,
        ),
        ("they refused to leave the base", "refused to leave", "refuse_withdrawal", Role.PRESENCE, True),
        ("“Hezbollah” has not withdrawn", "has not withdrawn", "refuse_withdrawal", Role.PRESENCE, True),
        ("no one could get us out", "no one could get us out", "refuse_withdrawal", Role.PRESENCE, True),
        ("Iranian forces withdraw from the area", "withdraw", "withdraw", None, False),
        ("they pulled out of the town", "pulled out", "withdraw", None, False),
        ("the need to pull-out from Syria", "pull-out", "withdraw", None, False),
        ("the army did not withdraw", "did not withdraw", "refuse_withdrawal", Role.PRESENCE, True),
        ("they stayed without withdrawing", "withdrawing", "withdraw", Role.PRESENCE, True),
        ("Hezbollah expressed objection", "objection", "object", Role.CONTESTED, False),
        ("This enticed a dispute with Hezbollah", "dispute", "object", Role.CONTESTED, False),
        ("clashes broke out", "clashes", "clash", Role.CONTESTED, False),
        ("the rebels never captured the town", "captured", "take_over", None, True),
    ],
)
def test_actions(text: str, phrase: str, action: str, role: Role | None, negated: bool) -> None:
    assert actions_in(text) == [(phrase, action, role, negated)]


def test_no_action_in_neutral_text() -> None:
    assert actions_in("The two sides arrived at an agreement; the spread of rumours; the positions") == []


def test_actions_of_the_article() -> None:
    found = {(m.action, m.text) for m in LEXICON.find_actions(ARTICLE)}
    assert {
        ("deploy", "spread soldiers"),
        ("take_over", "took over"),
        ("object", "objection"),
        ("take_over", "control of"),
        ("refuse_withdrawal", "has not withdrawn"),
    } <= found


def test_the_action_lexicon_is_data(tmp_path: Path) -> None:
    specs, max_gap = load_actions()
    assert {s.action for s in specs} >= {"take_over", "deploy", "refuse_withdrawal", "withdraw", "object", "clash"}
    assert DEFAULT_ACTIONS_PATH.is_file() and max_gap > 0
    custom = tmp_path / "actions.json"
    custom.write_text(
        json.dumps(
            {
                "max_gap": 2,
                "actions": [
                    {
                        "action": "hoist_flag",
                        "kind": "takeover",
                        "role": "control",
                        "patterns": ["raised|hoisted ... flag"],
                    }
                ],
            }
        )
    )
    lexicon = Lexicon.from_forces(SCENARIO.forces, actions_path=custom)
    mentions = lexicon.find_actions("They raised their flag; they raised a very big old flag; they took over.")
    assert [(m.text, m.action, m.role) for m in mentions] == [("raised their flag", "hoist_flag", Role.CONTROL)]


def test_a_bad_role_in_the_action_lexicon_is_named(tmp_path: Path) -> None:
    custom = tmp_path / "actions.json"
    custom.write_text(json.dumps({"actions": [{"action": "x", "role": "owns", "patterns": ["x"]}]}))
    with pytest.raises(ValueError, match="actions\\[0\\].*owns"):
        Lexicon.from_forces([], actions_path=custom)


def test_bounded_time_on_two_megabytes() -> None:
    """Bounded CPU time (this process's own, so other work on the machine does not count)."""
    text = (ARTICLE * (2_000_000 // len(ARTICLE) + 1))[:2_000_000]
    started = time.process_time()
    forces, actions = LEXICON.find_forces(text), LEXICON.find_actions(text)
    assert time.process_time() - started < 6
    assert len(forces) > 20_000 and len(actions) > 5_000


# -- robustness ---------------------------------------------------------------------------------------

VOCAB = [
    "Russia",
    "Moscow’s",
    "Iran",
    "Iranian",
    "IRGC",
    "irgc",
    "the",
    "regime",
    "Division",
    "11",
    "Nasrallah",
    "'s",
    "’",
    "refuse",
    "to",
    "retreat",
    "has",
    "not",
    "withdrawn",
    "took",
    "over",
    "control",
    "of",
    "-",
    ",",
    ".",
    "\n",
    "İran",
    "ſ",
    "ß",
    "حزب",
    "الله",
    "pull",
    "out",
    "Israelite",
    "Israel",
]
TEXTS = st.lists(st.one_of(st.sampled_from(VOCAB), st.text(max_size=4)), max_size=40).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(TEXTS, st.text(max_size=200)))
def test_never_crashes_and_offsets_point_at_the_text(text: str) -> None:
    for mentions in (LEXICON.find_forces(text), LEXICON.find_actions(text)):
        previous_end = 0
        for m in mentions:
            assert text[m.start : m.end] == m.text and m.text
            assert m.start >= previous_end  # in order, not overlapping
            previous_end = m.end
