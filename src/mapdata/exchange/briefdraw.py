"""The briefing drawn with matplotlib (:func:`draw`): page 1 (the map, its legend, scale and sources) and the
PDF's list pages. What a briefing shows, its checks and names are :mod:`mapdata.exchange.brief`, which loads
this module with the first briefing.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import matplotlib
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from mapdata.exchange.brief import BriefFormat, BriefRequest, brief_title, view_bbox
from mapdata.map.areas import METHOD, ControlAreas, ForceShare
from mapdata.map.colours import marker_shapes
from mapdata.map.labels import label_ranks
from mapdata.model.compare import PlaceChange, compare, status_words
from mapdata.model.geometry import km_per_degree_lon
from mapdata.model.models import Event, Place, PlaceKind, Scenario, Status
from mapdata.model.timeline import CONTESTED, CONTROL, REPORTED_LATER, Evidence, Timeline
from mapdata.text.normalise import is_arabic

matplotlib.use("Agg")  # no display on a server (the figures below never touch pyplot)
# TrueType fonts (not Type 3): the PDF's text can be selected, searched and read out. Set once, here: an rc_context
# per briefing would change the global settings under another thread's briefing.
matplotlib.rcParams["pdf.fonttype"] = 42

#: Page sizes in inches: a 16:9 slide (1920 x 1080 px at PNG_DPI) and A4 landscape.
PNG_DPI = 144
PNG_SIZE = (1920.4 / PNG_DPI, 1080.4 / PNG_DPI)  # rounds to exactly 1920 x 1080 pixels
PDF_SIZE = (11.69, 8.27)
MAX_LABELS = 40  # place names on the map at most (the changed places and towns first)
AREA_LABELS = 15  # ... over control areas
MAX_LIST_ROWS = 100  # rows of the change list or event list in the PDF (the dashboard and `mapdata diff` list all)

INK, MUTED, FAINT = "#1A1A1A", "#5C5C5C", "#8C8C8C"
LAND, OUTSIDE, BORDER, ADMIN = "#F3F0E8", "#DDE5EA", "#8C8C8C", "#A3A3A3"
UNKNOWN_COLOUR, CHANGE_COLOUR = "#7A7A7A", "#111111"
FADED = 0.4  # compare mode: the opacity of places that did not change

_MARKERS = {"circle": "o", "square": "s", "diamond": "D", "triangle": "^", "triangle-down": "v", "hexagon": "h"}


# -- what is drawn -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mark:
    """One place as drawn for one force (or for none: no control reported)."""

    place: Place
    force: str | None
    status: Status
    changed: bool


@dataclass(frozen=True)
class _Content:
    request: BriefRequest
    marks: tuple[_Mark, ...]
    changes: tuple[PlaceChange, ...]
    forces: tuple[str, ...]  # the forces shown, in the scenario's order
    extent: tuple[float, float, float, float]
    empty: str  # why nothing is drawn ("" when something is)
    held: dict[str, Counter[Status]]  # force -> statuses of the places it holds or is present at, in the extent
    areas: ControlAreas | None = None  # drawn instead of markers
    shares: tuple[ForceShare, ...] = ()  # of the whole scenario, on the day (with areas)
    codes: tuple[Any, Any] | None = None  # (status codes, holder indices) per place on the day (with areas)


def _content(scenario: Scenario, request: BriefRequest, timeline: Timeline, areas: ControlAreas | None) -> _Content:
    mapped = [f.id for f in scenario.mapped_forces]
    shown = tuple(f for f in mapped if request.forces is None or f in request.forces)
    changes = compare(scenario, since=request.since, until=request.day, timeline=timeline) if request.since else ()
    changed = {c.place_id for c in changes}
    marks: list[_Mark] = []
    for state in timeline.states(request.day).values():
        place = scenario.place_by_id[state.place_id]
        if state.status is Status.UNKNOWN:
            if shown:  # context: drawn grey while some force is shown
                marks.append(_Mark(place, None, Status.UNKNOWN, place.id in changed))
            continue
        if state.force in shown:
            marks.append(_Mark(place, state.force, state.status, place.id in changed))
        for force in state.forces_present:
            if force != state.force and force in shown:
                marks.append(_Mark(place, force, Status.PRESENCE, place.id in changed))
    empty = ""
    if not shown:
        empty = "No force layer is chosen, so the map has nothing to show. Choose layers and make the briefing again."
    extent = _extent(scenario, request, [m for m in marks if m.force])
    window = box(*extent)
    in_view = [m for m in marks if m.place.geometry.intersects(window)]
    if shown and not any(m.force for m in in_view):
        empty = (
            "No place held by or with a chosen force lies in this area on "
            f"{request.day.isoformat()} ({', '.join(f'{v:.3f}' for v in extent)})."
        )
    held: dict[str, Counter[Status]] = {f: Counter() for f in shown}
    for mark in in_view:
        if mark.force:
            held[mark.force][mark.status] += 1
    if areas is None:
        return _Content(request, tuple(in_view), changes, shown, extent, empty, held)
    status, holder, _ = timeline.index.states_on(request.day)
    shares = tuple(s for s in areas.shares(timeline.index, request.day) if s.force_id in shown)
    return _Content(request, tuple(in_view), changes, shown, extent, empty, held, areas, shares, (status, holder))


def _extent(scenario: Scenario, request: BriefRequest, marks: Sequence[_Mark]) -> tuple[float, float, float, float]:
    if request.bbox is not None:
        return request.bbox
    if marks:  # the sites and towns drawn (areas and regions only when nothing else is)
        wide = (PlaceKind.AREA, PlaceKind.REGION, PlaceKind.BORDER)
        bounds = [m.place.geometry.bounds for m in marks if m.place.kind not in wide] or [
            m.place.geometry.bounds for m in marks
        ]
        west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
        east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
    else:
        west, south, east, north = view_bbox(scenario.view_center, scenario.view_zoom)  # the map's opening view
    pad_x, pad_y = max((east - west) * 0.15, 0.08), max((north - south) * 0.15, 0.06)
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def _fit(extent: tuple[float, float, float, float], width: float, height: float) -> tuple[float, float, float, float]:
    """``extent`` widened in one direction to the shape of a ``width`` x ``height`` frame (north up, the
    longitude scaled by the cosine of the middle latitude), about the same centre."""
    west, south, east, north = extent
    cos = math.cos(math.radians((south + north) / 2))
    dx, dy = (east - west) * cos, north - south
    if dx / dy < width / height:
        grow = (dy * width / height / cos - (east - west)) / 2
        west, east = west - grow, east + grow
    else:
        grow = (dx * height / width - dy) / 2
        south, north = south - grow, north + grow
    return west, south, east, north


# -- text --------------------------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters. (matplotlib shapes Arabic itself: joined letters, right to left.)"""
    return textwrap.wrap(" ".join(text.split()), width=max(width, 8), break_long_words=True) or [""]


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# -- drawing -----------------------------------------------------------------------------------------------------


class _Page:
    """A page in inches: places text by points so that the PNG and the PDF share one layout."""

    def __init__(self, size: tuple[float, float], dpi: int) -> None:
        self.fig = Figure(figsize=size, dpi=dpi, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.width, self.height = size

    def text(self, x: float, y: float, text: str, **kw: Any) -> None:
        """Text at (x, y) inches from the bottom left."""
        kw.setdefault("color", INK)
        self.fig.text(x / self.width, y / self.height, text, **kw)

    def axes(self, left: float, bottom: float, width: float, height: float) -> Axes:
        return self.fig.add_axes((left / self.width, bottom / self.height, width / self.width, height / self.height))


def _header(page: _Page, scenario: Scenario, request: BriefRequest, *, page_no: int, pages: int | None) -> float:
    """Title, dates and the small print along the top; returns the top of the space left (inches)."""
    top = page.height - 0.38
    title = request.title or scenario.title
    page.fig.add_artist(
        Rectangle(
            (0, (page.height - 0.12) / page.height),
            1,
            0.12 / page.height,
            color="#23395B",
            transform=page.fig.transFigure,
        )
    )
    size = min(17.0, (page.width - 3.4) * 72 / (0.62 * max(len(title), 1)))  # clear of the small print
    page.text(0.45, top - 0.05, title, fontsize=size, fontweight="bold", va="top")
    when = f"As of {_long_date(request.day)}"
    if request.since:
        when += f"   ·   Changes since {_long_date(request.since)}"
    page.text(0.45, top - 0.48, when, fontsize=11.5, color="#23395B", va="top", fontweight="bold")
    right = page.width - 0.45
    page.text(right, top - 0.05, "BRIEFING", fontsize=9, color=MUTED, ha="right", va="top", fontweight="bold")
    count = f"Page {page_no}" + (f" of {pages}" if pages else "")
    page.text(
        right,
        top - 0.25,
        f"Made {request.made.isoformat()} · mapdata · {count}",
        fontsize=7.5,
        color=MUTED,
        ha="right",
        va="top",
    )
    page.text(
        right,
        top - 0.42,
        f"Evidence as known on {request.day.isoformat()}; later reports are marked",
        fontsize=7.5,
        color=MUTED,
        ha="right",
        va="top",
    )
    return top - 0.78


def _footer(page: _Page, scenario: Scenario, *, note: str) -> float:
    """The attribution along the bottom; returns the bottom of the space above it (inches)."""
    lines = [note] if note else []
    lines += textwrap.wrap("Data: " + " · ".join(scenario.attribution), width=int(page.width * 19)) or []
    y = 0.3
    for line in reversed(lines[:4]):
        page.text(0.45, y, line, fontsize=6.5, color=MUTED, va="bottom")
        y += 0.13
    page.fig.add_artist(
        Line2D([0.45 / page.width, 1 - 0.45 / page.width], [(y + 0.04) / page.height] * 2, color="#D0D0D0", lw=0.6)
    )
    return y + 0.12


def _geometry_paths(geometry: BaseGeometry) -> tuple[list[MplPath], list[Any]]:
    """Polygons as matplotlib paths (with holes), lines as vertex arrays."""
    polygons, lines = [], []
    parts = getattr(geometry, "geoms", [geometry])
    for part in parts:
        kind = part.geom_type
        if kind == "Polygon":
            rings = [part.exterior, *part.interiors]
            vertices, codes = [], []
            for ring in rings:
                coords = list(ring.coords)
                vertices += coords
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
            polygons.append(MplPath(vertices, codes))
        elif kind in ("LineString", "LinearRing"):
            lines.append(list(part.coords))
        elif kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
            more_polygons, more_lines = _geometry_paths(part)
            polygons += more_polygons
            lines += more_lines
    return polygons, lines


@dataclass(frozen=True)
class _Label:
    """A name to place on the map: beside a place (``style`` "place" or "area"), or centred on a basemap area."""

    text: str
    x: float
    y: float
    style: str = "place"


_LABEL_STYLE: dict[str, dict[str, Any]] = {
    "place": {"color": INK, "fontweight": "bold"},
    "area": {"color": "#4A4A4A", "style": "italic"},
    "country": {"color": "#9A9488", "fontweight": "bold", "size_scale": 1.15},
    "admin": {"color": "#A39C92", "style": "italic", "size_scale": 0.9},
}


def _basemap(ax: Axes, scenario: Scenario, extent: tuple[float, float, float, float]) -> list[_Label]:
    """Draw the offline basemap (countries filled, provinces dashed); returns the names to place on it."""
    labels: list[_Label] = []
    window = box(*extent).buffer(max(extent[2] - extent[0], extent[3] - extent[1]) * 0.2)
    span = max(extent[2] - extent[0], extent[3] - extent[1])
    for name in sorted(scenario.basemap, key=lambda n: (n != "countries", n)):
        countries = name == "countries"
        for feature in scenario.basemap[name].get("features", []):
            if not feature.get("geometry"):
                continue
            geometry = shape(feature["geometry"])
            if not geometry.intersects(window):
                continue
            geometry = geometry.intersection(window)
            polygons, lines = _geometry_paths(geometry if countries else geometry.boundary)
            if countries:
                ax.add_collection(
                    PatchCollection(
                        [PathPatch(p) for p in polygons], facecolor=LAND, edgecolor=BORDER, linewidth=0.9, zorder=1
                    )
                )
            else:
                ax.add_collection(
                    LineCollection(lines, colors=ADMIN, linewidths=0.55, linestyles=(0, (4, 3)), zorder=2)
                )
            props = feature.get("properties") or {}
            label = props.get("name_en") or props.get("name")
            if label and (countries or span < 4):
                point = shape(feature["geometry"]).intersection(box(*extent)).representative_point()
                if not point.is_empty:
                    labels.append(
                        _Label(
                            str(label).upper() if countries else str(label),
                            point.x,
                            point.y,
                            style="country" if countries else "admin",
                        )
                    )
    return labels


def _draw_areas(ax: Axes, content: _Content, scenario: Scenario, window: BaseGeometry) -> None:
    """Control areas: each cell in its holder's colour (hatched when contested); changed cells outlined."""
    areas, codes = content.areas, content.codes
    assert areas is not None and codes is not None
    status, holder = codes[0][areas.rows], codes[1][areas.rows]
    force_index = {f.id: j for j, f in enumerate(scenario.forces)}
    in_view = shapely.intersects(areas.cells, window)
    changed_ids = {c.place_id for c in content.changes}
    changed = np.array([scenario.places[int(row)].id in changed_ids for row in areas.rows], dtype=bool)
    comparing = content.request.since is not None
    for force_id in content.forces:
        colour = scenario.force_by_id[force_id].colour
        mine = in_view & (holder == force_index[force_id])
        for code, hatch, alpha in ((CONTROL, None, 0.62), (CONTESTED, "////", 0.3)):
            for bright in (True, False) if comparing else (True,):
                pick = mine & (status == code) & ((changed == bright) if comparing else True)
                if not pick.any():
                    continue
                paths = [PathPatch(path) for cell in areas.cells[pick] for path in _geometry_paths(cell)[0]]
                ax.add_collection(
                    PatchCollection(
                        paths,
                        facecolor=colour,
                        edgecolor=colour if hatch else "none",
                        linewidth=0,
                        alpha=alpha if bright else alpha * FADED,
                        hatch=hatch,
                        zorder=3,
                    )
                )
    if comparing and changed.any():
        outlines = [PathPatch(path) for cell in areas.cells[in_view & changed] for path in _geometry_paths(cell)[0]]
        ax.add_collection(PatchCollection(outlines, facecolor="none", edgecolor=CHANGE_COLOUR, linewidth=0.5, zorder=4))


def _draw_marks(ax: Axes, content: _Content, scenario: Scenario, shapes: dict[str, str], size: float) -> None:
    comparing = content.request.since is not None
    by_style: dict[tuple[str | None, Status, bool], list[_Mark]] = {}
    for mark in content.marks:
        by_style.setdefault((mark.force, mark.status, not comparing or mark.changed), []).append(mark)
    for (force, status, bright), marks in sorted(
        by_style.items(), key=lambda kv: (kv[0][1] is not Status.UNKNOWN, kv[0][1] is Status.PRESENCE, kv[0][2])
    ):
        colour = scenario.force_by_id[force].colour if force else UNKNOWN_COLOUR
        alpha = 1.0 if bright else FADED
        points, polygons, lines = [], [], []
        for mark in marks:
            geometry = mark.place.geometry
            if geometry.geom_type == "Point":
                points.append((geometry.x, geometry.y))
            else:
                more_polygons, more_lines = _geometry_paths(geometry)
                polygons += more_polygons
                lines += more_lines
        hatch = "////" if status is Status.CONTESTED else None
        if polygons:
            ax.add_collection(
                PatchCollection(
                    [PathPatch(p) for p in polygons],
                    facecolor=colour if status is not Status.PRESENCE else "none",
                    edgecolor=colour,
                    linewidth=1.6 if status is not Status.UNKNOWN else 0.8,
                    linestyle=(0, (1, 2)) if status is Status.PRESENCE else "solid",
                    alpha=alpha * (0.28 if status is Status.CONTROL else 0.6),
                    hatch=hatch,
                    zorder=4,
                )
            )
        if lines:
            ax.add_collection(
                LineCollection(
                    lines,
                    colors=colour,
                    linewidths=3 if status is not Status.UNKNOWN else 1.5,
                    linestyles=(0, (1, 1.5)) if status is Status.PRESENCE else (0, (5, 2)) if hatch else "solid",
                    alpha=alpha,
                    zorder=5,
                )
            )
        if points:
            xs, ys = zip(*points, strict=True)
            marker = _MARKERS.get(shapes.get(force or "", "circle"), "o") if status is not Status.UNKNOWN else "o"
            if status is Status.PRESENCE:
                ax.scatter(
                    xs,
                    ys,
                    s=size * 2.2,
                    marker=marker,
                    facecolors="none",
                    edgecolors=colour,
                    linewidths=1.8,
                    linestyle=(0, (1, 1)),
                    alpha=alpha,
                    zorder=6,
                )
            elif status is Status.UNKNOWN:
                ax.scatter(
                    xs,
                    ys,
                    s=size * 0.45,
                    marker="o",
                    facecolors="#D9D9D9",
                    edgecolors=UNKNOWN_COLOUR,
                    linewidths=0.6,
                    alpha=alpha,
                    zorder=5,
                )
            else:
                ax.scatter(
                    xs,
                    ys,
                    s=size,
                    marker=marker,
                    facecolors=colour if status is Status.CONTROL else "white",
                    edgecolors=colour if status is Status.CONTESTED else "white",
                    linewidths=1.4 if status is Status.CONTESTED else 0.8,
                    hatch=hatch,
                    alpha=alpha,
                    zorder=7,
                )
    if comparing:
        ringed = {m.place.id: m.place for m in content.marks if m.changed}
        points = [shapely.get_coordinates(p.geometry.representative_point())[0] for p in ringed.values()]
        if points:
            ax.scatter(
                [p[0] for p in points],
                [p[1] for p in points],
                s=size * 3.4,
                marker="o",
                facecolors="none",
                edgecolors=CHANGE_COLOUR,
                linewidths=1.3,
                linestyle=(0, (3, 1.5)),
                zorder=8,
            )


def _place_labels(content: _Content, scenario: Scenario) -> list[_Label]:
    """The places to name, most important first: the changed ones, then in the maps' naming order
    (:func:`mapdata.map.labels.label_ranks`: towns, sites, borders, areas; the most reported first)."""
    changed = {c.place_id for c in content.changes}
    candidates: dict[str, Place] = {}
    for mark in content.marks:
        if mark.force or mark.place.id in changed:
            candidates.setdefault(mark.place.id, mark.place)
    rank = dict(zip((p.id for p in scenario.places), label_ranks(scenario), strict=True))  # the maps' naming order
    ranked = sorted(candidates.values(), key=lambda p: (p.id not in changed, rank[p.id]))
    out = []
    for place in ranked:
        area = place.kind in (PlaceKind.AREA, PlaceKind.REGION)
        anchor = place.geometry if place.geometry.geom_type == "Point" else place.geometry.representative_point()
        name = place.name_ar if content.request.names == "ar" and place.name_ar else place.name_en
        text = name if len(name) <= 48 else name[:46] + "…"
        out.append(_Label(text, anchor.x, anchor.y, style="area" if area else "place"))
    return out


def _place_names(
    ax: Axes,
    labels: Sequence[_Label],
    obstacles: Sequence[tuple[float, float]],
    *,
    fontsize: float,
    limit: int = MAX_LABELS,
) -> int:
    """Write ``labels`` in order, each beside its point (or centred, for areas), skipping any that would overlap
    a name already written, a marker in ``obstacles`` (lon, lat) or the map's edge. Returns how many were written."""
    to_px = ax.transData
    frame = ax.get_window_extent()
    px_per_pt = ax.figure.dpi / 72
    marker = 6 * px_per_pt
    taken = (
        [(x - marker, y - marker, x + marker, y + marker) for x, y in to_px.transform(list(obstacles))]
        if obstacles
        else []
    )
    # the scale bar (bottom left) and the north arrow (top right) keep their corners
    taken.append((frame.x0, frame.y0, frame.x0 + frame.width * 0.22, frame.y0 + frame.height * 0.12))
    taken.append((frame.x1 - frame.width * 0.09, frame.y1 - frame.height * 0.32, frame.x1, frame.y1))
    written = 0
    for label in labels:
        if written >= limit and label.style in ("place", "area"):
            continue
        style = dict(_LABEL_STYLE[label.style])
        size = fontsize * style.pop("size_scale", 1.0)
        if is_arabic(label.text):
            style.pop("style", None)  # DejaVu Sans has no oblique Arabic letters (they would print as boxes)
        x, y = to_px.transform((label.x, label.y))
        width = len(label.text) * size * 0.6 * px_per_pt
        height = size * 1.3 * px_per_pt
        gap = 8 * px_per_pt
        if label.style == "place":
            options = [
                (x + gap, y - height / 2),
                (x - gap - width, y - height / 2),
                (x - width / 2, y + gap),
                (x - width / 2, y - gap - height),
            ]
        else:
            options = [(x - width / 2, y - height / 2), (x - width / 2, y + height), (x - width / 2, y - 2 * height)]
        for left, bottom in options:
            rect = (left - 2, bottom - 1, left + width + 2, bottom + height + 1)
            inside = frame.x0 < rect[0] and rect[2] < frame.x1 and frame.y0 < rect[1] and rect[3] < frame.y1
            if not inside or any(
                rect[0] < t[2] and t[0] < rect[2] and rect[1] < t[3] and t[1] < rect[3] for t in taken
            ):
                continue
            taken.append(rect)
            lx, ly = to_px.inverted().transform((left, bottom + height / 2))
            halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
            ax.text(
                lx,
                ly,
                label.text,
                fontsize=size,
                ha="left",
                va="center",
                zorder=9,
                bbox=halo if label.style == "place" else None,
                **style,
            )
            written += 1
            break
    return written


def _scale_bar(ax: Axes, lat0: float, fontsize: float) -> None:
    """A scale bar in the bottom left (kilometres at the map's middle latitude)."""
    west, south, east, north = ax.get_xlim()[0], ax.get_ylim()[0], ax.get_xlim()[1], ax.get_ylim()[1]
    km_per_degree = km_per_degree_lon(lat0)
    target = (east - west) * km_per_degree / 5
    nice = max(v * 10**e for e in range(-1, 5) for v in (1, 2, 5) if v * 10**e <= target) if target >= 0.1 else 0.1
    length = nice / km_per_degree
    x0, y0 = west + (east - west) * 0.035, south + (north - south) * 0.045
    thick = (north - south) * 0.008
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + i * length / 4, y0),
                length / 4,
                thick,
                facecolor=INK if i % 2 == 0 else "white",
                edgecolor=INK,
                linewidth=0.6,
                zorder=10,
            )
        )
    ax.text(x0, y0 + thick * 1.8, "0", fontsize=fontsize, ha="center", va="bottom", zorder=10, color=INK)
    unit = f"{nice:g} km"
    ax.text(x0 + length, y0 + thick * 1.8, unit, fontsize=fontsize, ha="center", va="bottom", zorder=10, color=INK)


def _north_arrow(ax: Axes, fontsize: float) -> None:
    """A north arrow in the top right (the map is drawn with north up)."""
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    x = east - (east - west) * 0.045
    y = north - (north - south) * 0.2
    height = (north - south) * 0.1
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            height,
            width=(east - west) * 0.006,
            head_width=(east - west) * 0.022,
            head_length=height * 0.45,
            length_includes_head=True,
            color=INK,
            zorder=10,
        )
    )
    ax.text(x, y + height * 1.08, "N", fontsize=fontsize + 2, fontweight="bold", ha="center", va="bottom", zorder=10)


def _map(
    page: _Page, scenario: Scenario, content: _Content, rect: tuple[float, float, float, float], shapes: dict[str, str]
) -> None:
    left, bottom, width, height = rect
    ax = page.axes(left, bottom, width, height)
    west, south, east, north = _fit(content.extent, width, height)
    lat0 = (south + north) / 2
    ax.set_facecolor(OUTSIDE)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians(lat0)), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#6E6E6E")
        spine.set_linewidth(0.8)
    page.fig.canvas.draw_idle()
    basemap_labels = _basemap(ax, scenario, (west, south, east, north))
    scale = min(width / 8.5, 1.0)
    if content.areas is not None:
        _draw_areas(ax, content, scenario, box(west, south, east, north))
        # what has no cell of its own keeps its mark: borders, areas, regions, and a town at another's position
        areas = content.areas
        with_cell = {scenario.places[int(r)].id for r, c in zip(areas.rows, areas.cells, strict=True) if not c.is_empty}
        rest = replace(content, marks=tuple(m for m in content.marks if m.place.id not in with_cell))
        _draw_marks(ax, rest, scenario, shapes, size=40 * scale)
    else:
        dots = sum(1 for m in content.marks if m.place.geometry.geom_type == "Point")
        _draw_marks(ax, content, scenario, shapes, size=70 * scale * min(1.0, max(0.15, math.sqrt(250 / max(dots, 1)))))
    ax.apply_aspect()
    points = [m.place.geometry for m in content.marks if m.place.geometry.geom_type == "Point"]
    if content.empty:
        _place_names(ax, basemap_labels, [], fontsize=7.2)
        ax.text(
            0.5,
            0.5,
            "\n".join(textwrap.wrap(content.empty, 60)),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color=INK,
            zorder=11,
            bbox={"boxstyle": "round,pad=0.8", "facecolor": "white", "edgecolor": "#B00020", "linewidth": 1.2},
        )
    else:
        if content.areas is not None:  # country scale: a few names over the shading, nothing to keep clear
            _place_names(ax, _place_labels(content, scenario) + basemap_labels, [], fontsize=7.2, limit=AREA_LABELS)
        else:
            _place_names(
                ax, _place_labels(content, scenario) + basemap_labels, [(p.x, p.y) for p in points], fontsize=7.2
            )
    _scale_bar(ax, lat0, fontsize=7)
    _north_arrow(ax, fontsize=7)


def _legend(page: _Page, scenario: Scenario, content: _Content, x: float, top: float, shapes: dict[str, str]) -> None:
    """The legend: each force drawn (marker, name, places held), the statuses and lines drawn, and the method."""
    y = top
    page.text(x, y, "LEGEND", fontsize=8.5, fontweight="bold", color=MUTED, va="top")
    y -= 0.3
    ax = page.axes(x, 0, 0.3, page.height)
    ax.set_xlim(0, 0.3)
    ax.set_ylim(0, page.height)
    ax.axis("off")

    def swatch(
        yy: float,
        *,
        colour: str,
        marker: str = "o",
        face: str | None = None,
        edge: str | None = None,
        hatch: str | None = None,
        ring: bool = False,
        linestyle: Any = "solid",
    ) -> None:
        ax.scatter(
            [0.1],
            [yy],
            s=75,
            marker=marker,
            facecolors=face or colour,
            edgecolors=edge or "white",
            linewidths=1.6 if (ring or hatch) else 0.8,
            hatch=hatch,
            linestyle=linestyle,
            clip_on=False,
        )

    shares = {share.force_id: share for share in content.shares}
    if content.areas is not None:
        drawn = [f for f in content.forces if f in shares]
    else:
        drawn = [f for f in content.forces if sum(content.held.get(f, Counter()).values())]
    compact = len(drawn) > 6
    step, name_size, detail_size = (0.33, 8.2, 6.8) if compact else (0.42, 9.0, 7.2)
    for force_id in drawn:
        force = scenario.force_by_id[force_id]
        if content.areas is not None:
            share = shares[force_id]
            swatch(y - 0.07, colour=force.colour, marker="s", edge=force.colour)
            detail = f"{share.places:,} places ({share.place_share:.0%}) · {share.area_share:.0%} of the area" + (
                f" · {share.contested:,} contested" if share.contested else ""
            )
        else:
            counts = content.held[force_id]
            held = counts[Status.CONTROL] + counts[Status.CONTESTED]
            swatch(y - 0.08, colour=force.colour, marker=_MARKERS.get(shapes.get(force_id, "circle"), "o"))
            parts = [f"holds {held:,} place{'s' if held != 1 else ''}" if held else "holds no place in view"]
            if counts[Status.CONTESTED]:
                parts[0] += f" ({counts[Status.CONTESTED]:,} contested)"
            if counts[Status.PRESENCE]:
                parts.append(f"present at {counts[Status.PRESENCE]:,}")
            detail = "; ".join(parts)
        page.text(x + 0.3, y, force.name, fontsize=name_size, va="top", fontweight="bold")
        page.text(x + 0.3, y - (0.15 if compact else 0.17), detail, fontsize=detail_size, color=MUTED, va="top")
        y -= step
    idle = [scenario.force_by_id[f].name for f in content.forces if f not in drawn]
    if not content.forces:
        page.text(x, y, "No force layer chosen", fontsize=9, va="top", color="#B00020")
        y -= 0.35
    elif idle:
        lines = textwrap.wrap(
            ("Chosen, holds nothing: " if content.areas else "Chosen, nothing in view: ") + ", ".join(idle), 46
        )
        page.text(x, y, "\n".join(lines), fontsize=detail_size, color=MUTED, va="top")
        y -= 0.06 + 0.15 * len(lines)
    y -= 0.05
    page.text(x, y, "HOW TO READ IT", fontsize=8.5, fontweight="bold", color=MUTED, va="top")
    y -= 0.3
    rows: list[tuple[dict[str, Any], str]]
    if content.areas is not None:
        rows = [
            ({"colour": "#555555", "marker": "s", "edge": "#555555"}, "Held: the area nearest its places"),
            (
                {"colour": "#555555", "marker": "s", "face": "#DDDDDD", "edge": "#555555", "hatch": "////"},
                "Contested (hatched)",
            ),
            ({"colour": LAND, "marker": "s", "edge": "#BBBBBB"}, "No force holds the nearest place"),
        ]
        if content.request.since:
            rows.append(
                (
                    {"colour": "none", "marker": "s", "face": "none", "edge": CHANGE_COLOUR},
                    f"Changed since {content.request.since.isoformat()} (outlined); others faded",
                )
            )
        note = METHOD
    else:
        statuses = {m.status for m in content.marks}
        rows = [({"colour": "#555555"}, "In control (filled)")]
        if Status.CONTESTED in statuses or not content.marks:
            rows.append(
                (
                    {"colour": "#555555", "face": "white", "edge": "#555555", "hatch": "////"},
                    "Holds it, contested (hatched)",
                )
            )
        if Status.PRESENCE in statuses or not content.marks:
            rows.append(
                (
                    {"colour": "#555555", "face": "none", "edge": "#555555", "ring": True, "linestyle": (0, (1, 1))},
                    "Present, not in control (dotted ring)",
                )
            )
        if Status.UNKNOWN in statuses:
            rows.append(({"colour": "#D9D9D9", "edge": UNKNOWN_COLOUR}, "No control reported"))
        if content.request.since:
            rows.append(
                (
                    {"colour": "none", "face": "none", "edge": CHANGE_COLOUR, "ring": True, "linestyle": (0, (3, 1.5))},
                    f"Changed since {content.request.since.isoformat()}; others faded",
                )
            )
        note = "Places are drawn where the reports put them; a marker is the place, not the extent of control."
    for style, words in rows:
        swatch(y - 0.07, **style)
        page.text(x + 0.3, y, words, fontsize=7.6, va="top")
        y -= 0.27
    page.fig.add_artist(
        Line2D([(x + 0.02) / page.width, (x + 0.22) / page.width], [(y - 0.07) / page.height] * 2, color=BORDER, lw=0.9)
    )
    page.text(x + 0.3, y, "Country border", fontsize=7.6, va="top")
    y -= 0.22
    page.fig.add_artist(
        Line2D(
            [(x + 0.02) / page.width, (x + 0.22) / page.width],
            [(y - 0.07) / page.height] * 2,
            color=ADMIN,
            lw=0.8,
            linestyle=(0, (4, 3)),
        )
    )
    page.text(x + 0.3, y, "Province boundary", fontsize=7.6, va="top")
    y -= 0.32
    if content.request.since:
        in_view = {m.place.id for m in content.marks}
        kinds = Counter(c.kind for c in content.changes if c.place_id in in_view)
        page.text(x, y, "CHANGES IN VIEW", fontsize=8.5, fontweight="bold", color=MUTED, va="top")
        y -= 0.25
        words = " · ".join(f"{count:,} {kind}" for kind, count in kinds.most_common()) or "None"
        lines = textwrap.wrap(words, 44)
        page.text(x, y, "\n".join(lines), fontsize=7.6, va="top", linespacing=1.35)
        y -= 0.15 * len(lines) + 0.15
    page.text(x, y, "\n".join(textwrap.wrap(note, 48)), fontsize=6.5, color=MUTED, va="top")


def _first_page(page: _Page, scenario: Scenario, content: _Content, shapes: dict[str, str]) -> None:
    top = _header(page, scenario, content.request, page_no=1, pages=None)
    bottom = _footer(page, scenario, note="")
    side = 2.75
    rect = (0.45, bottom + 0.05, page.width - 0.45 * 2 - side - 0.2, top - bottom - 0.1)
    _map(page, scenario, content, rect, shapes)
    _legend(page, scenario, content, page.width - 0.45 - side, top, shapes)


# -- the list pages (PDF) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    cells: tuple[list[str], ...]


def _evidence_cell(evidence: Iterable[Evidence]) -> list[str]:
    lines: list[str] = []
    for ev in evidence:
        meta = f"{ev.source.publisher}, {ev.event.date_label} · {ev.event.verification_label}"
        if ev.later:
            meta += " · " + REPORTED_LATER.format(date=ev.reported_label)
        lines += _wrap(meta, 40)
    return lines or ["no report dated by then"]


def _change_rows(scenario: Scenario, content: _Content) -> list[_Row]:
    names = {f.id: f.name for f in scenario.forces}
    rows = []
    for change in content.changes[:MAX_LIST_ROWS]:
        place = scenario.place_by_id[change.place_id]
        latest = change.evidence[-1] if change.evidence else None
        rows.append(
            _Row(
                (
                    _wrap(place.name_en, 22) + ([place.name_ar] if place.name_ar else []),
                    _wrap(change.summary(names), 34) + _wrap(f"was: {status_words(change.before, names)}", 34),
                    [change.day.isoformat() if change.day else "not dated"],
                    _evidence_cell(change.evidence[-2:]),
                    _wrap(f"“{latest.event.quote}”", 62) if latest else [""],
                )
            )
        )
    return rows


def _event_rows(scenario: Scenario, content: _Content, events: Sequence[Event], timeline: Timeline) -> list[_Row]:
    rows = []
    day = content.request.day
    for event in events[:MAX_LIST_ROWS]:
        places = ", ".join(scenario.place_by_id[p].name_en for p in event.place_ids if p in scenario.place_by_id)
        forces = ", ".join(scenario.force_by_id[f].name for f in event.force_ids if f in scenario.force_by_id)
        rows.append(
            _Row(
                (
                    [event.date_label],
                    _wrap(places, 22),
                    _wrap(event.summary, 34) + (_wrap(forces, 34) if forces else []),
                    _evidence_cell(timeline.evidence_of([event.id], day)),
                    _wrap(f"“{event.quote}”", 62),
                )
            )
        )
    return rows


def _list_pages(pdf: PdfPages, scenario: Scenario, content: _Content, timeline: Timeline, pages_before: int) -> int:
    request = content.request
    if request.since:
        heading = f"What changed between {_long_date(request.since)} and {_long_date(request.day)}"
        columns = ("Place", "Change", "Changed on", "Report (as known on the date)", "Quote")
        rows = _change_rows(scenario, content)
        total = len(content.changes)
        none = "No place changed holder, status or forces present between the two dates."
        scope = "every place of the scenario, whatever the layers and area shown"
    else:
        events = [
            e
            for e in scenario.events_until(request.day)
            if not content.forces or not e.force_ids or set(e.force_ids) & set(content.forces)
        ]
        events = sorted(events, key=lambda e: (e.date, e.id), reverse=True)
        heading = f"Events up to {_long_date(request.day)}, latest first"
        columns = ("Date", "Places", "Event", "Report (as known on the date)", "Quote")
        rows = _event_rows(scenario, content, events, timeline)
        total = len(events)
        none = "No event is dated on or before this date."
        scope = "events naming a chosen force, or no force; anywhere" if content.forces else "every event"
    widths = (1.45, 2.2, 1.0, 2.55, 3.6) if request.since else (1.0, 1.6, 2.6, 2.55, 3.6)
    line_h = 0.135
    page_no = pages_before
    index = 0
    while True:
        page_no += 1
        page = _Page(PDF_SIZE, 100)
        top = _header(page, scenario, request, page_no=page_no, pages=None)
        bottom = _footer(page, scenario, note="")
        page.text(0.45, top, heading, fontsize=11, fontweight="bold", va="top")
        shown = min(total, MAX_LIST_ROWS)
        sub = f"{total:,} in all ({scope})" + (
            f"; the first {shown:,} are listed here (the dashboard and `mapdata diff` list them all)"
            if total > shown
            else ""
        )
        page.text(0.45, top - 0.24, sub, fontsize=7.5, color=MUTED, va="top")
        y = top - 0.55
        x = 0.45
        for name, width in zip(columns, widths, strict=True):
            page.text(x, y, name.upper(), fontsize=6.8, fontweight="bold", color=MUTED, va="top")
            x += width
        y -= 0.2
        page.fig.add_artist(
            Line2D([0.45 / page.width, 1 - 0.45 / page.width], [y / page.height] * 2, color="#9A9A9A", lw=0.7)
        )
        y -= 0.06
        if not rows:
            page.text(0.45, y - 0.1, none, fontsize=9, va="top")
        while index < len(rows):
            row = rows[index]
            height = max(len(cell) for cell in row.cells) * line_h + 0.1
            if y - height < bottom and y < top - 1.0:
                break
            x = 0.45
            for cell, width in zip(row.cells, widths, strict=True):
                # one text per cell (line_h is 7.2 pt x 1.35): a PDF of many rows stays quick to write
                page.text(x, y, "\n".join(cell), fontsize=7.2, va="top", linespacing=1.35)
                x += width
            y -= height
            page.fig.add_artist(
                Line2D(
                    [0.45 / page.width, 1 - 0.45 / page.width], [(y + 0.04) / page.height] * 2, color="#E2E2E2", lw=0.5
                )
            )
            index += 1
        pdf.savefig(page.fig)
        if index >= len(rows):
            return page_no


def draw(
    scenario: Scenario, request: BriefRequest, fmt: BriefFormat, timeline: Timeline, areas: ControlAreas | None
) -> bytes:
    """The briefing of a checked request (:func:`mapdata.exchange.brief.brief_bytes`); ``areas``: the control
    areas when the request shows them."""
    content = _content(scenario, request, timeline, areas)
    shapes = marker_shapes([(f.id, f.colour) for f in scenario.mapped_forces])
    out = io.BytesIO()
    if fmt == "png":
        page = _Page(PNG_SIZE, PNG_DPI)
        _first_page(page, scenario, content, shapes)
        page.fig.savefig(out, format="png", dpi=PNG_DPI, metadata={"Title": brief_title(scenario, request)})
        return out.getvalue()
    with PdfPages(
        out, metadata={"Title": brief_title(scenario, request), "Creator": "mapdata", "Subject": "Briefing"}
    ) as pdf:
        page = _Page(PDF_SIZE, 100)
        _first_page(page, scenario, content, shapes)
        pdf.savefig(page.fig)
        _list_pages(pdf, scenario, content, timeline, pages_before=1)
    return out.getvalue()
