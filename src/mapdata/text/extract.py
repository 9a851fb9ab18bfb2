"""From a report's text to places, dates, forces and proposed events (all offline).

``extract(text, published=...)`` runs the whole pipeline: :mod:`mapdata.text.geoparse`
(places, spatial phrases), :mod:`mapdata.text.dates`, :mod:`mapdata.text.lexicon` (forces and
actions) and :mod:`mapdata.text.events` (proposed events with their quotes). Nothing is
stored: the analyst reviews the result and :mod:`mapdata.text.review` turns the accepted
parts into records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from mapdata.model.errors import MapdataError
from mapdata.model.models import Scenario
from mapdata.text.dates import find_dates
from mapdata.text.events import propose_events, split_sentences
from mapdata.text.gazetteer import load_gazetteer
from mapdata.text.geoparse import Geoparser
from mapdata.text.lexicon import Lexicon
from mapdata.text.mentions import ActionMention, DateMention, Extraction, ForceMention, PlaceMention, ProposedEvent

MAX_CHARS = 2_000_000
"""Longest text :meth:`Pipeline.extract` accepts by default (the command line's limit: about 2 MB of English).
The "Add a report" page allows less (:data:`PAGE_MAX_CHARS`); longer input is refused with a message."""

PAGE_MAX_CHARS = 200_000
"""Longest text the "Add a report" page analyses (about 30,000 words, a long report)."""

CHUNK_CHARS = 20_000
"""Texts are analysed in pieces of about this size, cut at paragraph (else sentence, else word) breaks,
so what the matchers build for one piece is freed before the next and a time limit can stop between them."""


_T = TypeVar("_T", PlaceMention, DateMention, ForceMention, ActionMention, ProposedEvent)  # what _shifted moves


class ExtractError(MapdataError, ValueError):
    """The input cannot be analysed; the message says why and what to do."""


def read_report(data: bytes, *, name: str = "the file") -> str:
    """Decode an uploaded or read report, refusing binary and non-UTF-8 input clearly."""
    if b"\x00" in data[:65536]:
        raise ExtractError(
            f"{name} looks like a binary file (it contains NUL bytes): give a plain-text report (.txt, UTF-8)"
        )
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
    def build(
        cls, scenario: Scenario, *, gazetteer_path: Path | None = None, actions_path: Path | None = None
    ) -> Pipeline:
        gazetteer = load_gazetteer(gazetteer_path) if gazetteer_path else load_gazetteer()
        geoparser = Geoparser(gazetteer, scenario=scenario)
        lexicon = Lexicon.from_forces(scenario.forces, actions_path=actions_path)
        return cls(scenario=scenario, geoparser=geoparser, lexicon=lexicon)

    def extract(
        self,
        text: str,
        *,
        published: dt.date | None = None,
        today: dt.date | None = None,
        max_chars: int = MAX_CHARS,
        time_limit: float | None = None,
    ) -> Extraction:
        """Everything found in ``text``; refused above ``max_chars``; stopped after ``time_limit`` seconds."""
        if not isinstance(text, str):
            raise ExtractError("the report must be text")
        if not text.strip():
            raise ExtractError("the text is empty: paste a report or upload a .txt file")
        if len(text) > max_chars:
            raise ExtractError(
                f"the text has {len(text):,} characters; the limit here is {max_chars:,}: "
                "split the report into parts and add them one by one"
            )
        started = time.perf_counter()
        places: list = []
        forces: list = []
        actions: list = []
        events: list[ProposedEvent] = []
        # Dates are read over the whole text at once (a fast scan): a year written in one piece carries to the
        # dates of the next, as it would in one reading. Each piece's events get that piece's dates.
        all_dates, year_basis = find_dates(text, published=published, today=today)
        all_dates = sorted(all_dates, key=lambda m: m.start)
        date_starts = [m.start for m in all_dates]
        sentences_before = 0
        for start, end in chunks(text):
            if time_limit is not None and time.perf_counter() - started > time_limit:
                raise ExtractError(
                    f"the analysis was stopped after {time_limit:.0f} s, at character {start:,} of {len(text):,}: "
                    "the text is too long to analyse here; split it into shorter parts"
                )
            piece = text[start:end]
            found_places = self.geoparser.find_places(piece)
            found_dates = [
                _shifted(m, -start)
                for m in all_dates[bisect_left(date_starts, start) : bisect_left(date_starts, end)]
                if m.end <= end
            ]
            found_forces = self.lexicon.find_forces(piece)
            found_actions = self.lexicon.find_actions(piece)
            found_events = propose_events(
                piece,
                places=found_places,
                dates=found_dates,
                forces=found_forces,
                actions=found_actions,
                published=published,
                action_specs=self.lexicon.actions,
                first_sentence=sentences_before,
            )
            if end < len(text):
                sentences_before += len(split_sentences(piece))
            if start:
                found_places = [_shifted(m, start) for m in found_places]
                found_forces = [_shifted(m, start) for m in found_forces]
                found_actions = [_shifted(m, start) for m in found_actions]
                found_events = [
                    dataclasses.replace(
                        _shifted(e, start), place_mentions=tuple(_shifted(m, start) for m in e.place_mentions)
                    )
                    for e in found_events
                ]
            places += found_places
            forces += found_forces
            actions += found_actions
            events += found_events
        elapsed = time.perf_counter() - started
        warnings = [f"“{m.text}”: {m.warning}" for m in all_dates if m.warning]
        if not places:
            warnings.append("No places were found in the text: nothing can be put on the map.")
        return Extraction(
            text=text,
            published=published,
            places=tuple(places),
            dates=tuple(all_dates),
            forces=tuple(forces),
            actions=tuple(actions),
            events=tuple(events),
            warnings=tuple(warnings),
            year_basis=year_basis,
            stats={"characters": len(text), "words": len(text.split()), "seconds": round(elapsed, 4)},
        )


def _shifted(mention: _T, offset: int) -> _T:
    return dataclasses.replace(mention, start=mention.start + offset, end=mention.end + offset)


def chunks(text: str, *, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces of ``text`` of about ``size`` characters that cover it, cut after a paragraph break
    (a blank line), else a line break, else a sentence's full stop, else white space."""
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        low, high = start + size // 2, start + size
        cut = -1
        for mark in ("\n\n", "\n", ". ", " "):
            found = text.rfind(mark, low, high)
            if found >= 0:
                cut = found + len(mark)
                break
        if cut <= start:
            cut = high
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out


def warning_kind(warning: str) -> str:
    """What a warning is about, without the words it quotes: "weekday contradicts the date", "ambiguous", ..."""
    body = warning.split("”: ", 1)[1] if warning.startswith("“") and "”: " in warning else warning
    body = re.sub(r"'[^']*'|“[^”]*”|\"[^\"]*\"", "…", body)
    body = re.split(r"[:;]", body, maxsplit=1)[0]
    return " ".join(re.sub(r"\d[\d-]*", "…", body).split()) or "other"


def group_warnings(warnings: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The warnings by kind (:func:`warning_kind`), the most frequent kind first, each kind's warnings in order."""
    groups: dict[str, list[str]] = {}
    for warning in warnings:
        groups.setdefault(warning_kind(warning), []).append(warning)
    return sorted(groups.items(), key=lambda item: -len(item[1]))


@lru_cache(maxsize=4)
def _default(folder: str) -> Pipeline:
    from mapdata.model.load import load_scenario

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
