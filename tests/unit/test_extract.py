"""The whole text pipeline and its command: bad input gets a clear message, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mapdata.text.extract import MAX_CHARS, ExtractError, default_pipeline, extract, read_report

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = (ROOT / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt").read_text(encoding="utf-8")


def test_binary_and_non_utf8_files_are_refused_clearly() -> None:
    with pytest.raises(ExtractError, match="binary"):
        read_report(b"\x89PNG\r\n\x1a\n\x00\x00", name="map.png")
    with pytest.raises(ExtractError, match=r"report.txt is not UTF-8 text \(byte 0xe9 at offset 8, line 2\)"):
        read_report("Homs\nCaf\xe9 ".encode("latin-1"), name="report.txt")
    assert read_report("\ufeffal-Qusayr".encode("utf-8")) == "al-Qusayr"


def test_empty_and_oversized_text() -> None:
    with pytest.raises(ExtractError, match="empty"):
        extract(" \n\t ")
    with pytest.raises(ExtractError, match="limit"):
        extract("a" * (MAX_CHARS + 1))


def test_text_without_places_is_a_warning_not_an_error() -> None:
    result = extract("Nothing happened today, said the spokesman.")
    assert result.places == ()
    assert any("No places" in w for w in result.warnings)


def test_html_in_the_text_is_just_text() -> None:
    text = "<script>alert(1)</script> Russian forces took over positions in al-Qusayr on June 4, 2018."
    result = extract(text)
    assert any(m.place_id == "al_qusayr" and text[m.start : m.end] == m.text for m in result.places)


def test_seed_article_places_and_events() -> None:
    result = extract(ARTICLE)
    resolved = {m.place_id for m in result.places if m.place_id}
    assert {
        "al_qusayr",
        "sochi",
        "southern_syria",
        "western_homs_countryside",
        "southwestern_homs_countryside",
        "al_dabaa_airport",
        "lebanese_border",
    } <= resolved
    for item in (*result.places, *result.dates, *result.forces, *result.events):
        start, end = (item.start, item.end)
        assert ARTICLE[start:end] == (item.quote if hasattr(item, "quote") else item.text)


def test_long_input_takes_bounded_time() -> None:
    pipeline = default_pipeline()
    text = (ARTICLE + "\n") * 150  # about 0.7 MB, 110,000 words
    started = time.perf_counter()
    result = pipeline.extract(text)
    elapsed = time.perf_counter() - started
    assert len(result.places) > 1000
    assert elapsed < 30, f"{elapsed:.1f} s for {len(text):,} characters"


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "mapdata.cli", *args], input=stdin, capture_output=True, timeout=120)


def test_cli_extract_json_from_stdin() -> None:
    done = _cli("extract", "-", stdin=ARTICLE.encode("utf-8"))
    assert done.returncode == 0, done.stderr.decode()
    payload = json.loads(done.stdout)
    assert {"places", "dates", "forces", "events"} <= set(payload)
    first = payload["places"][0]
    assert {"text", "start", "end", "place_id", "name", "lat", "lon", "kind", "confidence"} <= set(first)
    friday = next(d for d in payload["dates"] if d["text"] == "Friday June 5")
    assert "Tuesday" in friday["warning"]
    assert b"warning:" in done.stderr


def test_cli_extract_geojson_and_bad_files(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("Regime forces entered al-Qusayr.", encoding="utf-8")
    done = _cli("extract", str(report), "--format", "geojson", "--published", "2018-06-10")
    assert done.returncode == 0, done.stderr.decode()
    features = json.loads(done.stdout)["features"]
    assert features[0]["properties"]["place_id"] == "al_qusayr"
    assert features[0]["geometry"]["type"] == "Point"
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02")
    done = _cli("extract", str(binary))
    assert done.returncode == 2 and b"binary" in done.stderr and b"Traceback" not in done.stderr
    done = _cli("extract", str(tmp_path / "missing.txt"))
    assert done.returncode == 2 and b"cannot read" in done.stderr
