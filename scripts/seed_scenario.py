"""The seed scenario's forces, source, events and control periods, written to geodata/.

These are the analyst's decisions about the seed article (Enab Baladi, English
edition, June 2018): which passage supports which event, how sure each is, and
what each event means for control of each place. The quote offsets are computed
here from the article text, so they always point at the quoted passage.

Called by ``scripts/build_geodata.py``; also runnable on its own:
``python scripts/seed_scenario.py --out geodata --article ../shared/seed/article.txt``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

SOURCE_ID = "enab_baladi_2018_06_russia_iran"
SOURCE_TEXT_FILE = f"sources/{SOURCE_ID}.txt"

SCENARIO = {
    "title": "Russian–Iranian friction in western Homs, June 2018",
    "description": (
        "Seed scenario from an Enab Baladi (English edition) article of June 2018: Russian forces deploy at "
        "al-Qusayr near the Lebanese border on Monday 4 June 2018 and take three positions; Hezbollah objects "
        "and Division 11 of the regime's army takes them over; Iran and Hezbollah refuse to leave the al-Dabaa "
        "military airport and bases in the western and south-western Homs countryside; Russia and Israel agree "
        "on southern Syria."
    ),
    "view": {"center": [34.62, 36.62], "zoom": 9},
    "dates": {"start": "2018-05-14", "end": "2018-06-30"},
    "attribution": [
        "Boundaries: Natural Earth; OCHA COD-AB Syria (CC BY-IGO); Lebanon: OCHA via Free Lebanon Data Hub (CC BY-SA 4.0)",
        "Places: GeoNames (CC BY 4.0); Open-Syria data-geography (CC BY 4.0); Arabic Wikipedia (CC BY-SA 4.0)",
        "Reports: Enab Baladi",
    ],
}

# Okabe & Ito (2008) palette: distinguishable with the common colour-vision deficiencies
# and in print; the regime keeps the conventional red-orange, the opposition green.
FORCES = [
    {"id": "russia", "name": "Russian forces", "colour": "#0072B2",
     "aliases": ["Russia", "Moscow", "Russian forces", "Russians", "Russian military police"]},
    {"id": "iran", "name": "Iranian forces", "colour": "#CC79A7",
     "aliases": ["Iran", "Tehran", "Iranian forces", "IRGC", "Islamic Revolutionary Guard Corps", "Quds Force"]},
    {"id": "hezbollah", "name": "Hezbollah", "colour": "#E69F00",
     "aliases": ["Hezbollah", "Hizbollah", "Hizballah", "Nasrallah's party", "حزب الله"]},
    {"id": "syrian_regime", "name": "Syrian regime forces (Assad)", "colour": "#D55E00",
     "aliases": ["Assad's forces", "the regime", "regime forces", "Syrian army", "Syrian Arab Army",
                 "Division 11", "11th Division", "government forces"]},
    {"id": "opposition", "name": "Opposition factions", "colour": "#009E73",
     "aliases": ["opposition factions", "the opposition", "rebels", "Free Syrian Army", "FSA"]},
    {"id": "israel", "name": "Israel", "colour": "#56B4E9",
     "aliases": ["Israel", "Israeli forces", "IDF", "Israel Defense Forces"]},
]

SOURCE = {
    "id": SOURCE_ID,
    "publisher": "Enab Baladi",
    "title": "Russian–Iranian friction in Syria: Russian deployment at al-Qusayr and Nasrallah's challenge "
             "(headline not in the supplied text)",
    "published": None,
    "published_inferred": "2018-06-08",
    "published_basis": (
        "No date is printed in the supplied text. The article reports as past Nasrallah's Quds Day speech, "
        "and Quds Day 2018 was Friday 8 June; it also cites the Reuters report of the al-Qusayr dispute. "
        "So it was published on or after 8 June 2018."
    ),
    "url": "",
    "language": "en",
    "text_file": SOURCE_TEXT_FILE,
    "licence": "© Enab Baladi; full text carried with attribution for analysis and verification of the quotes.",
}

REPORTED_VIA_REUTERS = "Enab Baladi citing Reuters, which quotes unnamed officials of the pro-regime regional alliance"

EVENTS: list[dict[str, Any]] = [
    {
        "id": "ev_sochi_meeting",
        "date": "2018-05-17", "date_precision": "day",
        "date_as_written": "the latest meeting",
        "date_note": "The article does not date the meeting; Putin and Assad met in Sochi on 17 May 2018 (public record).",
        "place_ids": ["sochi"], "force_ids": ["russia", "syrian_regime", "iran", "hezbollah"],
        "kind": "meeting",
        "summary": "Putin and Assad meet in Sochi; Putin says foreign forces must leave Syria, meaning Hezbollah and Iran.",
        "quote": ("In the latest meeting that joined the Syrian President Bashar al-Assad and Vladimir Putin in Sochi, "
                  "the latter stressed the foreign forces’ need to pull-out from Syria, referring to “Hezbollah” and "
                  "Iran’s forces"),
        "verification": "confirmed",
        "verification_note": "public, on-the-record meeting",
    },
    {
        "id": "ev_russia_israel_agreement",
        "date": "2018-06-08", "date_precision": "reported_by",
        "place_ids": ["southern_syria"], "force_ids": ["russia", "israel", "syrian_regime", "opposition", "iran"],
        "kind": "agreement",
        "summary": ("Russian–Israeli military meetings agree that Assad's forces retake southern Syria from the "
                    "opposition factions, on condition that Iranian forces withdraw from the area."),
        "quote": ("the two sides arrived at an agreement, providing for the necessity of Assad’s recapture of Southern "
                  "Syria at the expense of the opposition factions, on the condition that Iranian forces withdraw from "
                  "the area tentatively before they would leave Syria entirely"),
        "verification": "reported",
        "verification_note": "Enab Baladi, no source named",
    },
    {
        "id": "ev_russia_deploys_qusayr",
        "date": "2018-06-04", "date_precision": "day", "date_as_written": "Monday, June 4",
        "place_ids": ["al_qusayr", "qusayr_position_1", "qusayr_position_2", "qusayr_position_3"],
        "force_ids": ["russia", "hezbollah"],
        "kind": "deployment",
        "summary": "Russian forces spread soldiers in the al-Qusayr area and take over three positions.",
        "quote": ("it spread soldiers in the area of al-Qusayr, western countryside of Homs, and took over three "
                  "positions, on Monday, June 4"),
        "verification": "reported",
        "verification_note": REPORTED_VIA_REUTERS,
    },
    {
        "id": "ev_russia_near_border",
        "date": "2018-06-04", "date_precision": "day",
        "date_note": "Same deployment as ev_russia_deploys_qusayr (Monday 4 June 2018).",
        "place_ids": ["lebanese_border"], "force_ids": ["russia"],
        "kind": "deployment",
        "summary": "Russian forces spread in areas near the Lebanese border without coordinating with the regime's allies.",
        "quote": ("the Russian forces spread in the areas near the Lebanese borders in a “unilateral step” and without "
                  "any coordination with the regime’s allies and the forces backing it"),
        "verification": "claimed",
        "claimed_by": "a military commander of the pro-regime alliance, quoted by Reuters",
    },
    {
        "id": "ev_division11_takeover",
        "date": "2018-06-08", "date_precision": "reported_by",
        "date_note": "The article gives no date for the handover; it is reported with the 4 June deployment, by 8 June 2018.",
        "place_ids": ["qusayr_position_1", "qusayr_position_2", "qusayr_position_3"],
        "force_ids": ["syrian_regime", "hezbollah", "russia"],
        "kind": "takeover",
        "summary": "Hezbollah objects; the dispute ends with Division 11 of Assad's forces taking over the positions Russia had taken.",
        "quote": ("Hezbollah expressed objection to the step and the situation was resolved by the control of Assad’s "
                  "forces, from “Division 11”, over the positions in which Russians have spread."),
        "verification": "reported",
        "verification_note": REPORTED_VIA_REUTERS,
    },
    {
        "id": "ev_refuse_dabaa",
        "date": "2018-06-08", "date_precision": "reported_by",
        "place_ids": ["al_dabaa_airport", "western_homs_countryside", "southwestern_homs_countryside"],
        "force_ids": ["iran", "hezbollah", "russia"],
        "kind": "refusal",
        "summary": ("Iran and Hezbollah refuse Moscow's demand to leave the al-Dabaa military airport and bases in the "
                    "western and south-western countryside of Homs."),
        "quote": ("both Iran and “Hezbollah” refuse Moscow’s demand, as to retreat from the al-Dabaa military airport "
                  "and the bases in the western and southern western countryside of Homs according to the “Syrian "
                  "Observatory for Human Rights,”"),
        "verification": "claimed",
        "claimed_by": "Syrian Observatory for Human Rights (SOHR)",
        "verification_note": "Enab Baladi could not verify it",
    },
    {
        "id": "ev_nasrallah_quds_day",
        "date": "2018-06-08", "date_precision": "day", "date_as_written": "Friday June 5",
        "date_note": ("The article says “Friday June 5”, but 5 June 2018 was a Tuesday; Quds Day 2018 was "
                      "Friday 8 June, which is recorded here. The discrepancy is the article's."),
        "place_ids": ["al_qusayr"], "force_ids": ["hezbollah", "russia"],
        "kind": "statement",
        "summary": "Nasrallah, in his Quds Day speech, says no one could get Hezbollah out of Syria.",
        "quote": ("Hassan Nasrallah’s clear and unequivocal challenge to Russia in the televised speech he gave on "
                  "Quds Day, Friday June 5"),
        "verification": "confirmed",
        "verification_note": "televised speech",
    },
]

# id, place, force, role, start, end, events, note. Start/end inclusive; empty = open.
PERIODS: list[tuple[str, str, str, str, str, str, str, str]] = []
for n in (1, 2, 3):
    place = f"qusayr_position_{n}"
    PERIODS += [
        (f"pos{n}_hezbollah_control", place, "hezbollah", "control", "", "2018-06-03",
         "ev_russia_deploys_qusayr;ev_division11_takeover",
         "Held by Hezbollah alongside the regime before the Russian deployment (start not dated by the source)."),
        (f"pos{n}_regime_presence", place, "syrian_regime", "presence", "", "2018-06-07",
         "ev_division11_takeover", "Regime forces present with Hezbollah until Division 11 takes the position."),
        (f"pos{n}_russia_contested", place, "russia", "contested", "2018-06-04", "2018-06-07",
         "ev_russia_deploys_qusayr;ev_division11_takeover",
         "Taken by Russian forces on 4 June; Hezbollah objects."),
        (f"pos{n}_hezbollah_presence", place, "hezbollah", "presence", "2018-06-04", "2018-06-07",
         "ev_russia_deploys_qusayr;ev_division11_takeover", "Hezbollah still on the ground, disputing the Russian move."),
        (f"pos{n}_regime_control", place, "syrian_regime", "control", "2018-06-08", "",
         "ev_division11_takeover", "Division 11 takes over; the exact day is not given (reported by 8 June)."),
    ]
PERIODS += [
    ("qusayr_russia_presence", "al_qusayr", "russia", "presence", "2018-06-04", "2018-06-07",
     "ev_russia_deploys_qusayr;ev_division11_takeover", "Russian soldiers spread in the al-Qusayr area until the handover."),
    ("qusayr_hezbollah_presence", "al_qusayr", "hezbollah", "presence", "", "",
     "ev_russia_deploys_qusayr;ev_nasrallah_quds_day", "Hezbollah in the al-Qusayr area throughout."),
    ("border_russia_presence", "lebanese_border", "russia", "presence", "2018-06-04", "2018-06-07",
     "ev_russia_near_border", "Russian forces in areas near the Lebanese border."),
    ("dabaa_iran_presence", "al_dabaa_airport", "iran", "presence", "", "", "ev_refuse_dabaa",
     "Per SOHR (unverified): Iran refuses to leave."),
    ("dabaa_hezbollah_presence", "al_dabaa_airport", "hezbollah", "presence", "", "", "ev_refuse_dabaa",
     "Per SOHR (unverified): Hezbollah has not withdrawn."),
    ("western_iran_presence", "western_homs_countryside", "iran", "presence", "", "", "ev_refuse_dabaa",
     "Bases in the western countryside of Homs, per SOHR (unverified)."),
    ("western_hezbollah_presence", "western_homs_countryside", "hezbollah", "presence", "", "", "ev_refuse_dabaa",
     "Bases in the western countryside of Homs, per SOHR (unverified)."),
    ("southwestern_iran_presence", "southwestern_homs_countryside", "iran", "presence", "", "", "ev_refuse_dabaa",
     "Bases in the south-western countryside of Homs, per SOHR (unverified)."),
    ("southwestern_hezbollah_presence", "southwestern_homs_countryside", "hezbollah", "presence", "", "",
     "ev_refuse_dabaa", "Bases in the south-western countryside of Homs, per SOHR (unverified)."),
    ("south_opposition_presence", "southern_syria", "opposition", "presence", "", "", "ev_russia_israel_agreement",
     "Opposition factions hold parts of the south, which the agreement has the regime retake."),
    ("south_iran_presence", "southern_syria", "iran", "presence", "", "", "ev_russia_israel_agreement",
     "Iranian forces in the south, which the agreement asks to withdraw."),
]

PERIOD_COLUMNS = ("id", "place_id", "force_id", "role", "start", "end", "event_ids", "source_ids", "note")


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def events_with_offsets(text: str) -> list[dict[str, Any]]:
    """The seed events with ``source_id`` and the quote's character offsets in ``text``."""
    out = []
    for event in EVENTS:
        quote = event["quote"]
        start = text.find(quote)
        if start < 0 or text.find(quote, start + 1) >= 0:
            raise ValueError(f"event {event['id']}: the quote must occur exactly once in the article: {quote!r}")
        out.append({**event, "source_id": SOURCE_ID, "quote_start": start, "quote_end": start + len(quote)})
    return out


def periods_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PERIOD_COLUMNS)
    for ident, place, force, role, start, end, events, note in PERIODS:
        writer.writerow((ident, place, force, role, start, end, events, "", note))
    return buffer.getvalue()


def write_scenario(out_dir: Path, *, article_path: Path) -> None:
    """Write scenario.json, forces.json, sources.json (+ text), events.json and control_periods.csv."""
    text = article_path.read_text(encoding="utf-8")
    (out_dir / "sources").mkdir(parents=True, exist_ok=True)
    (out_dir / SOURCE_TEXT_FILE).write_text(text, encoding="utf-8")
    (out_dir / "scenario.json").write_text(_dump_json(SCENARIO), encoding="utf-8")
    (out_dir / "forces.json").write_text(_dump_json(FORCES), encoding="utf-8")
    (out_dir / "sources.json").write_text(_dump_json([SOURCE]), encoding="utf-8")
    (out_dir / "events.json").write_text(_dump_json(events_with_offsets(text)), encoding="utf-8")
    (out_dir / "control_periods.csv").write_text(periods_csv(), encoding="utf-8")


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "geodata")
    parser.add_argument("--article", type=Path, default=root.parent / "shared" / "seed" / "article.txt")
    args = parser.parse_args()
    write_scenario(args.out, article_path=args.article)


if __name__ == "__main__":
    main()
