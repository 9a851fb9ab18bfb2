"""Bounded analysis (issue 9 item 1): size and time limits, pieces, the viewer-analysis setting, and the
memory one analysis costs (measured in a fresh process)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from mapdata.config import settings
from mapdata.text.extract import CHUNK_CHARS, MAX_CHARS, PAGE_MAX_CHARS, ExtractError, chunks, default_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from report_memory import measure

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = (ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt").read_text(encoding="utf-8")

PAGE_REFUSAL_CEILING_MB = 100
"""What refusing a 2,000,000-character text may add to the page process's peak RSS (it was gigabytes)."""


def test_viewer_analysis_is_off_by_default_in_team_mode_only() -> None:
    assert settings({}).viewer_analysis is True
    assert settings({"MAPDATA_STORE": "data/x.gpkg"}).viewer_analysis is True
    assert settings({"MAPDATA_STORE": "postgresql://u@db/mapdata"}).viewer_analysis is False
    assert settings({"MAPDATA_STORE": "postgresql://u@db/mapdata", "MAPDATA_VIEWER_ANALYSIS": "on"}).viewer_analysis
    assert not settings({"MAPDATA_VIEWER_ANALYSIS": "off"}).viewer_analysis


def test_limits_are_bounded() -> None:
    assert PAGE_MAX_CHARS == 200_000 and MAX_CHARS == 2_000_000
    pipeline = default_pipeline()
    with pytest.raises(ExtractError, match="the limit here is 200,000"):
        pipeline.extract("a " * PAGE_MAX_CHARS, max_chars=PAGE_MAX_CHARS)
    with pytest.raises(ExtractError, match="stopped after 0 s"):
        pipeline.extract(ARTICLE, time_limit=0.0)


def test_a_long_text_is_analysed_in_pieces_with_one_numbering() -> None:
    text = (ARTICLE + "\n\n") * (2 * CHUNK_CHARS // len(ARTICLE) + 2)
    pieces = chunks(text)
    assert len(pieces) >= 3 and pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] and a[1] - a[0] <= CHUNK_CHARS for a, b in pairwise(pieces))
    result = default_pipeline().extract(text)
    for item in (*result.places, *result.dates, *result.forces):
        assert text[item.start : item.end] == item.text
    assert all(text[e.start : e.end] == e.quote for e in result.events)
    assert len({e.id for e in result.events}) == len(result.events)
    single = default_pipeline().extract(ARTICLE)
    assert len(result.events) >= (len(pieces) - 1) * len(single.events) // 2


def test_the_command_line_is_bounded_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mapdata.cli", "extract", "-"],
        input=b"a " * (MAX_CHARS // 2 + 1),
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 2 and b"the limit here is 2,000,000" in done.stderr and b"Traceback" not in done.stderr


def test_the_page_refuses_2m_characters_under_a_fixed_memory_ceiling() -> None:
    result = measure("page", 2_000_000)
    assert result["refused"] and not result["exception"]
    assert result["peak_mb"] - result["peak_before_mb"] < PAGE_REFUSAL_CEILING_MB, result


def test_a_year_written_early_carries_to_dates_in_later_pieces() -> None:
    """The text is analysed in pieces; the year is still inferred from the whole text, as one reading would."""
    filler = ("Nothing happened here worth a date. " * 40 + "\n\n") * (CHUNK_CHARS // 1400 + 2)
    text = "In March 2016 the front was quiet.\n\n" + filler + "On 4 June, regime forces entered al-Qusayr."
    assert len(text) > CHUNK_CHARS
    result = default_pipeline().extract(text)
    june = [m for m in result.dates if "4 June" in m.text]
    assert june and june[0].date == dt.date(2016, 6, 4), june
    assert not any("no year" in w for w in result.warnings)
