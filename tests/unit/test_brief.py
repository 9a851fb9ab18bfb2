"""The briefing (PNG and PDF) and the control areas behind it, read back as files: sizes, pages and text."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

import numpy as np
import pypdf
import pytest
import shapely
from shapely.geometry import Point, shape

from mapdata import cli
from mapdata.exchange.brief import BriefError, BriefRequest, brief_bytes, brief_name, view_bbox
from mapdata.map.areas import control_areas
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.timeline import Timeline
from mapdata.synth import synth_scenario

SCENARIO = load_scenario()
D3, D4, D10 = dt.date(2018, 6, 3), dt.date(2018, 6, 4), dt.date(2018, 6, 10)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pdf_pages(data: bytes) -> list[str]:
    assert data[:5] == b"%PDF-", "not a PDF"
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:  # A4 landscape: 297 x 210 mm
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.fixture(scope="module")
def compare_pdf() -> list[str]:
    return pdf_pages(brief_bytes(SCENARIO, BriefRequest(day=D10, since=D3), fmt="pdf"))


def test_png_is_a_16_9_slide() -> None:
    data = brief_bytes(SCENARIO, BriefRequest(day=D10, since=D3), fmt="png")
    assert png_size(data) == (1920, 1080)
    assert b"As of 2018-06-10" not in data  # the title is drawn, and in the file's metadata:
    assert b"as of 2018-06-10, changes since 2018-06-03" in data


def test_pdf_page_one_has_title_dates_legend_scale_and_attribution(compare_pdf: list[str]) -> None:
    first = compare_pdf[0]
    assert SCENARIO.title in first
    assert "As of Sunday 10 June 2018" in first and "Changes since Sunday 3 June 2018" in first
    assert "Syrian regime forces (Assad)" in first and "holds 3 places" in first  # the legend, with counts
    assert "km" in first and " N " in f" {first} "  # scale bar and north arrow
    assert "Natural Earth" in first and "Enab Baladi" in first  # the attribution
    assert "Position 1 near al-Qusayr" in first  # place names on the map
    assert "Russian forces" in first  # chosen, with nothing in view: said so, not drawn as if it were
    assert "Chosen, nothing in view" in first


def test_pdf_lists_the_changes_with_their_reports(compare_pdf: list[str]) -> None:
    assert len(compare_pdf) == 2
    second = compare_pdf[1]
    assert "What changed between Sunday 3 June 2018 and Sunday 10 June 2018" in second
    for n in (1, 2, 3):
        assert f"Position {n} near" in second
    assert "Hezbollah → Syrian regime forces (Assad)" in second
    assert "Division 11" in second  # the quote
    assert "2018-06-08" in second  # the day it changed


def test_events_page_is_as_of_the_date() -> None:
    """On 4 June the deployment is evidence, but the article saying so was published later: marked, not hidden;
    nothing dated after 4 June is listed."""
    pages = pdf_pages(brief_bytes(SCENARIO, BriefRequest(day=D4), fmt="pdf"))
    events = " ".join(pages[1:])
    assert "Events up to Monday 4 June 2018" in events
    assert "reported later (" in events
    later = [e for e in SCENARIO.events if e.date > D4]
    assert later and not any(e.quote[:40] in events for e in later)


def test_empty_view_says_so_instead_of_failing() -> None:
    pages = pdf_pages(brief_bytes(SCENARIO, BriefRequest(day=D10, forces=()), fmt="pdf"))
    assert "No force layer is chosen" in pages[0]
    box = pdf_pages(brief_bytes(SCENARIO, BriefRequest(day=D10, bbox=(30.0, 30.0, 31.0, 31.0)), fmt="pdf"))
    assert "No place held by or with a chosen force lies in this area" in box[0]
    assert png_size(brief_bytes(SCENARIO, BriefRequest(day=D10, forces=()), fmt="png")) == (1920, 1080)


@pytest.mark.parametrize(
    ("request_", "argument"),
    [
        (BriefRequest(day=D3, since=D10), "since"),
        (BriefRequest(day=D10, since=D10), "since"),
        (BriefRequest(day=D10, forces=("nobody",)), "forces"),
        (BriefRequest(day=D10, bbox=(37.0, 34.0, 36.0, 35.0)), "bbox"),
        (BriefRequest(day=D10, bbox=(36.0, 95.0, 37.0, 96.0)), "bbox"),
    ],
)
def test_bad_requests_name_the_argument(request_: BriefRequest, argument: str) -> None:
    with pytest.raises(BriefError) as caught:
        brief_bytes(SCENARIO, request_, fmt="pdf")
    assert caught.value.argument == argument and str(caught.value).startswith(f"{argument}: ")


def test_file_name_and_view_box() -> None:
    assert brief_name(BriefRequest(day=D10, since=D3), "pdf") == "mapdata-brief-2018-06-10-since-2018-06-03.pdf"
    west, south, east, north = view_bbox((34.5, 36.5), 10, width_px=1000, height_px=620)
    assert west < 36.5 < east and south < 34.5 < north
    assert east - west == pytest.approx(1000 * 360 / (256 * 1024))


# -- control areas ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    return synth_scenario(400, 3000, seed=3)


def test_areas_are_disjoint_bounded_and_inside_their_country(synthetic) -> None:
    areas = control_areas(synthetic, max_radius_km=10)
    cells = [c for c in areas.cells if not c.is_empty]
    assert len(cells) > 100
    union = shapely.union_all(cells)
    assert union.area == pytest.approx(sum(c.area for c in cells), rel=1e-3)  # no two cells overlap
    countries = [shape(f["geometry"]) for f in synthetic.basemap["countries"]["features"]]
    for row, cell in zip(areas.rows, areas.cells, strict=True):
        if cell.is_empty:
            continue
        place = synthetic.places[int(row)].geometry
        # within the radius (in degrees: 10 km is under 0.13 deg of longitude at these latitudes)
        assert cell.hausdorff_distance(Point(place.x, place.y)) < 0.14
        home = next((c for c in countries if c.contains(place)), None)
        if home is not None:
            assert home.buffer(0.01).contains(cell), "a cell crosses out of its place's country"
    assert areas.area_km2.sum() > 0


def test_area_shares_follow_the_date(synthetic) -> None:
    areas = control_areas(synthetic)
    index = Timeline(synthetic).index
    first, last = synthetic.date_range
    shares = areas.shares(index, first + (last - first) / 2)
    assert shares and sum(s.area_share for s in shares) <= 1 + 1e-9
    assert sum(s.place_share for s in shares) <= 1 + 1e-9
    status, holder, _ = index.states_on(first + (last - first) / 2)
    held = {index.force_ids[h] for h in np.unique(holder[areas.rows][holder[areas.rows] >= 0])}
    assert {s.force_id for s in shares} == held


def test_area_briefing_draws_the_shading_and_states_the_method(synthetic) -> None:
    first, last = synthetic.date_range
    day = first + (last - first) / 2
    pages = pdf_pages(brief_bytes(synthetic, BriefRequest(day=day, areas=True), fmt="pdf"))
    assert "of the area" in pages[0] and "derived from place control and approximate" in pages[0]


# -- mapdata brief ------------------------------------------------------------------------------------------------


def run(argv: list[str]) -> int | str | None:
    """``mapdata`` with ``argv``: its exit status (argparse's refusals exit through SystemExit)."""
    try:
        return cli.main([*argv, "--data", str(DEFAULT_DATA_DIR)])
    except SystemExit as exc:
        return exc.code


def test_cli_writes_the_briefing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "brief.pdf"
    assert run(["brief", "--date", "2018-06-10", "--since", "2018-06-03", "--out", str(out)]) == 0
    assert "What changed" in " ".join(pdf_pages(out.read_bytes()))
    png = tmp_path / "brief.png"
    assert run(["brief", "--date", "2018-06-10", "--forces", "syrian_regime", "--out", str(png)]) == 0
    assert png_size(png.read_bytes()) == (1920, 1080)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--date", "2018-06-31"], "--date"),
        (["--date", "2018-06-10", "--bbox", "36,34,37"], "--bbox"),
        (["--date", "2018-06-10", "--bbox", "37,34,36,35"], "--bbox"),
        (["--date", "2018-06-10", "--since", "2018-06-12"], "--since"),
        (["--date", "2001-01-01"], "--date"),
        (["--date", "2018-06-10", "--forces", "nobody"], "nobody"),
    ],
)
def test_cli_bad_arguments_exit_2_naming_them(
    args: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.pdf"
    assert run(["brief", *args, "--out", str(out)]) == 2
    assert named in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("name", "words"), [("b.svg", ".pdf or .png"), ("missing/b.pdf", "does not exist")])
def test_cli_bad_out_path_exits_2(name: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["brief", "--date", "2018-06-10", "--out", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and words in err


def test_arabic_place_names_on_request_with_every_glyph(synthetic) -> None:
    """names="ar" writes the places' Arabic names on the map, and no letter is missing from the font (an oblique
    Arabic letter would print as a box): the seed, and a synthetic scenario's names and quotes in both formats."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pages = pdf_pages(brief_bytes(SCENARIO, BriefRequest(day=D10, since=D3, names="ar"), fmt="pdf"))
        first, last = synthetic.date_range
        day = first + (last - first) / 2
        for fmt in ("png", "pdf"):
            brief_bytes(synthetic, BriefRequest(day=day, since=day - dt.timedelta(days=60), names="ar"), fmt=fmt)
    assert "القصير" in pages[0]
    assert not [w for w in caught if "missing from font" in str(w.message)]
