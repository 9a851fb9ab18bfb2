"""From a report's text to places, dates, forces and proposed events (all offline).

``extract(text, published=...)`` runs the whole pipeline: :mod:`mapdata.geoparse`
(places, spatial phrases), :mod:`mapdata.dates`, :mod:`mapdata.lexicon` (forces and
actions) and :mod:`mapdata.events` (proposed events with their quotes). Nothing is
stored: the analyst reviews the result and :mod:`mapdata.review` turns the accepted
parts into records.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mapdata.dates import find_dates
from mapdata.events import propose_events
from mapdata.gazetteer import load_gazetteer
from mapdata.geoparse import Geoparser
from mapdata.lexicon import Lexicon
from mapdata.mentions import Extraction
from mapdata.models import Scenario

MAX_CHARS = 20_000_000
"""Longest text accepted (about 20 MB of English); longer input is refused with a message."""


class ExtractError(ValueError):
    """The input cannot be analysed; the message says why and what to do."""


def read_report(data: bytes, *, name: str = "the file") -> str:
    """Decode an uploaded or read report, refusing binary and non-UTF-8 input clearly."""
    if b"\x00" in data[:65536]:
        raise ExtractError(f"{name} looks like a binary file (it contains NUL bytes): give a plain-text report (.txt, UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExtractError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}): "
            "save it as UTF-8 and try again"
        ) from None


@dataclass(frozen=True)
class Pipeline:
    """The matchers, built once (gazetteer trie, force and action lexicons) and reused for every text."""

    scenario: Scenario
    geoparser: Geoparser
    lexicon: Lexicon

    @classmethod
    def build(cls, scenario: Scenario, *, gazetteer_path: Path | None = None, actions_path: Path | None = None) -> Pipeline:
        gazetteer = load_gazetteer(gazetteer_path) if gazetteer_path else load_gazetteer()
        geoparser = Geoparser(gazetteer, scenario=scenario)
        lexicon = Lexicon.from_forces(scenario.forces, actions_path=actions_path)
        return cls(scenario=scenario, geoparser=geoparser, lexicon=lexicon)

    def extract(self, text: str, *, published: dt.date | None = None, today: dt.date | None = None) -> Extraction:
        if not isinstance(text, str):
            raise ExtractError("the report must be text")
        if not text.strip():
            raise ExtractError("the text is empty: paste a report or upload a .txt file")
        if len(text) > MAX_CHARS:
            raise ExtractError(
                f"the text has {len(text):,} characters; the limit is {MAX_CHARS:,} (about 20 MB): split the report"
            )
        started = time.perf_counter()
        places = self.geoparser.find_places(text)
        dates, year_basis = find_dates(text, published=published, today=today)
        forces = self.lexicon.find_forces(text)
        actions = self.lexicon.find_actions(text)
        events = propose_events(
            text, places=places, dates=dates, forces=forces, actions=actions, published=published,
            action_specs=self.lexicon.actions,
        )
        elapsed = time.perf_counter() - started
        warnings = [f"“{m.text}”: {m.warning}" for m in dates if m.warning]
        if not places:
            warnings.append("No places were found in the text: nothing can be put on the map.")
        return Extraction(
            text=text, published=published, places=tuple(places), dates=tuple(dates), forces=tuple(forces),
            actions=tuple(actions), events=tuple(events), warnings=tuple(warnings), year_basis=year_basis,
            stats={"characters": len(text), "words": len(text.split()), "seconds": round(elapsed, 4)},
        )


@lru_cache(maxsize=4)
def _default(folder: str) -> Pipeline:
    from mapdata.load import load_scenario

    return Pipeline.build(load_scenario(folder))


def default_pipeline(folder: str | Path | None = None) -> Pipeline:
    """The pipeline for a scenario folder (default: the configured one), built once per process."""
    if folder is None:
        from mapdata.config import settings

        folder = settings().data_dir
    return _default(str(Path(folder).resolve()))


def extract(text: str, *, published: dt.date | None = None, pipeline: Pipeline | None = None) -> Extraction:
    """Run the whole pipeline on ``text`` with the default (or given) pipeline."""
    return (pipeline or default_pipeline()).extract(text, published=published)
