"""The briefing: the map of one date to hand over, as a PNG for a slide (16:9) or a PDF (A4 landscape).

    data = brief_bytes(scenario, BriefRequest(day=dt.date(2018, 6, 10), since=dt.date(2018, 6, 3)), fmt="pdf")

Page 1 (both formats): the title, "as of" date (and "changes since" in compare mode), the map of the chosen
forces on the offline basemap with place names that do not overlap, the legend of exactly what is drawn, a
scale bar, a north arrow, a summary of who holds how many places, and the data's attribution. The PDF adds
pages listing the change list (compare mode) or the events up to the date, each with its source, verification
and "reported later (date)" when it was published after the date shown: evidence is as known on the date
(:meth:`mapdata.model.timeline.Timeline.evidence_of`).

The renderer is matplotlib, on the server: no browser, no tile server and no network, so the same bytes come
from the dashboard's button and from ``mapdata brief``; the PDF is vector (text stays text). Arabic names and
quotes are drawn joined and right to left (matplotlib 3.11 shapes text). An empty view (no force chosen,
no place in the box) makes a briefing that says so instead of failing.

This module holds what a briefing is (the request, its checks and names); the drawing is
:mod:`mapdata.exchange.briefdraw` (matplotlib), loaded with the first briefing, so that the app does not carry
matplotlib until someone asks for one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from mapdata.map.areas import AREAS_DEFAULT_ABOVE, ControlAreas, control_areas
from mapdata.model.errors import MapdataError
from mapdata.model.models import Scenario
from mapdata.model.timeline import Timeline

BriefFormat = Literal["png", "pdf"]
BRIEF_FORMATS: tuple[BriefFormat, ...] = ("png", "pdf")
BRIEF_MIME = {"png": "image/png", "pdf": "application/pdf"}


class BriefError(MapdataError):
    """A briefing that cannot be made as asked; ``argument`` names what to fix (``--date``, ``--bbox``…)."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


@dataclass(frozen=True)
class BriefRequest:
    """What a briefing shows: the date, the date to compare with, the forces and the area.

    ``forces`` None: every force with a layer (an empty tuple: none, and the briefing says so). ``bbox``
    (min lon, min lat, max lon, max lat) None: the places drawn, with a margin.
    """

    day: dt.date
    since: dt.date | None = None
    forces: tuple[str, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    title: str = ""
    names: str = "en"  # the language of the place names on the map: "en", or "ar" (where the gazetteer has one)
    areas: bool | None = None  # control areas instead of markers (None: above AREAS_DEFAULT_ABOVE places)
    made: dt.date = field(default_factory=dt.date.today)

    def with_areas(self, scenario: Scenario) -> bool:
        return self.areas if self.areas is not None else len(scenario.places) > AREAS_DEFAULT_ABOVE

    def check(self, scenario: Scenario) -> None:
        """Raise :class:`BriefError` naming the argument when the request cannot be drawn."""
        if self.since is not None and self.since >= self.day:
            raise BriefError(
                "since", f"{self.since.isoformat()} must be before the date of the briefing ({self.day.isoformat()})"
            )
        unknown = [f for f in self.forces or () if f not in scenario.force_by_id]
        if unknown:
            known = ", ".join(f.id for f in scenario.forces)
            raise BriefError("forces", f"no force {', '.join(unknown)} in this scenario (its forces: {known})")
        if self.bbox is not None:
            check_bbox(self.bbox)


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """``bbox`` as (min lon, min lat, max lon, max lat) when it is a real box in degrees, else BriefError."""
    if len(bbox) != 4 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox):
        raise BriefError("bbox", "give four numbers: min lon, min lat, max lon, max lat")
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west < east <= 180):
        raise BriefError("bbox", f"longitudes {west}, {east}: need -180 <= min lon < max lon <= 180")
    if not (-90 <= south < north <= 90):
        raise BriefError("bbox", f"latitudes {south}, {north}: need -90 <= min lat < max lat <= 90")
    return west, south, east, north


def view_bbox(
    center: tuple[float, float], zoom: int, *, width_px: int = 1000, height_px: int = 620
) -> tuple[float, float, float, float]:
    """The box a web map of ``width_px`` x ``height_px`` shows at ``center`` (lat, lon) and ``zoom`` (Web Mercator
    tiles of 256 px), as (min lon, min lat, max lon, max lat)."""
    lat, lon = center
    degrees_per_px = 360 / (256 * 2**zoom)
    half_w = width_px / 2 * degrees_per_px
    half_h = height_px / 2 * degrees_per_px * math.cos(math.radians(lat))
    return (
        max(lon - half_w, -180.0),
        max(lat - half_h, -85.0),
        min(lon + half_w, 180.0),
        min(lat + half_h, 85.0),
    )


# -- entry points ------------------------------------------------------------------------------------------------


def brief_bytes(
    scenario: Scenario,
    request: BriefRequest,
    *,
    fmt: BriefFormat,
    timeline: Timeline | None = None,
    areas: ControlAreas | None = None,
) -> bytes:
    """The briefing as PNG (page 1, 1920 x 1080) or PDF (A4 landscape, page 1 and the list pages).

    ``timeline`` and ``areas`` (the scenario's, when the caller has them already) save building them again."""
    if fmt not in BRIEF_FORMATS:
        raise BriefError("format", f"{fmt!r}: a briefing is a png or a pdf")
    request.check(scenario)
    from mapdata.exchange.briefdraw import draw  # matplotlib: loaded with the first briefing, not with the app

    shown = (areas or control_areas(scenario)) if request.with_areas(scenario) else None
    return draw(scenario, request, fmt, timeline or Timeline(scenario), shown)


def brief_title(scenario: Scenario, request: BriefRequest) -> str:
    """The briefing's title, as its file's metadata gives it."""
    title = f"{request.title or scenario.title}: as of {request.day.isoformat()}"
    return title + (f", changes since {request.since.isoformat()}" if request.since else "")


def brief_name(request: BriefRequest, fmt: BriefFormat) -> str:
    """The file name a download gets: ``mapdata-brief-2018-06-10-since-2018-06-03.pdf``."""
    since = f"-since-{request.since.isoformat()}" if request.since else ""
    return f"mapdata-brief-{request.day.isoformat()}{since}.{fmt}"


__all__ = [
    "BRIEF_FORMATS",
    "BRIEF_MIME",
    "BriefError",
    "BriefRequest",
    "brief_bytes",
    "brief_name",
    "brief_title",
    "check_bbox",
    "view_bbox",
]
