"""Are the force colours still distinguishable for colour-blind readers?

Simulates protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes
2009, severity 1.0, applied in linear RGB) and measures the CIE76 colour difference
(ΔE*ab in CIELAB) between every pair of force colours, for normal vision and each
deficiency. Pairs closer than ``MIN_DELTA_E`` are reported.

Small marks need more: a 12 px marker shows less of its colour than an area does, and
pairs such as amber (#E69F00) and vermilion (#D55E00), about 30 apart, read as one.
So every force's point marker also has a shape (:func:`marker_shapes`), and two forces
closer than ``SMALL_MARK_DELTA_E`` in any vision never share one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

MIN_DELTA_E = 15.0
SMALL_MARK_DELTA_E = 45.0  # below this (in any vision), two forces' small markers need different shapes
MARKER_SHAPES = ("circle", "square", "diamond", "triangle", "triangle-down", "hexagon")

_MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = ("normal", *_MACHADO)


@dataclass(frozen=True)
class ColourClash:
    first: str
    second: str
    vision: str
    delta_e: float


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    red, green, blue = (_linear(int(value[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return red, green, blue


def _simulate(rgb: tuple[float, float, float], vision: str) -> tuple[float, float, float]:
    if vision == "normal":
        return rgb
    matrix = _MACHADO[vision]
    red, green, blue = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix)
    return red, green, blue


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def delta_e(first: str, second: str, *, vision: str = "normal") -> float:
    """CIE76 difference between two ``#rrggbb`` colours as seen with ``vision``."""
    a, b = (_lab(_simulate(_rgb(c), vision)) for c in (first, second))
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5


def clashes(colours: Iterable[tuple[str, str]], *, minimum: float = MIN_DELTA_E) -> list[ColourClash]:
    """Pairs of (name, colour) that fall closer than ``minimum`` for some vision."""
    out = []
    for (name_a, colour_a), (name_b, colour_b) in combinations(list(colours), 2):
        for vision in VISIONS:
            distance = delta_e(colour_a, colour_b, vision=vision)
            if distance < minimum:
                out.append(ColourClash(name_a, name_b, vision, round(distance, 1)))
    return out


def min_delta_e(first: str, second: str) -> float:
    """The smallest difference between two colours over normal vision and the three deficiencies."""
    return min(delta_e(first, second, vision=vision) for vision in VISIONS)


def marker_shapes(colours: Iterable[tuple[str, str]], *, minimum: float = SMALL_MARK_DELTA_E) -> dict[str, str]:
    """A point-marker shape per (name, colour), in order: the least used shape that no earlier
    name with a colour closer than ``minimum`` (in any vision) has. With no more names than
    :data:`MARKER_SHAPES`, every name gets its own shape."""
    shapes: dict[str, str] = {}
    seen: list[tuple[str, str]] = []
    for name, colour in colours:
        near = {shapes[other] for other, other_colour in seen if min_delta_e(colour, other_colour) < minimum}
        free = [shape for shape in MARKER_SHAPES if shape not in near] or list(MARKER_SHAPES)
        used = list(shapes.values())
        shapes[name] = min(free, key=lambda shape: (used.count(shape), MARKER_SHAPES.index(shape)))
        seen.append((name, colour))
    return shapes


@lru_cache(maxsize=4096)
def _seen(colour: str, vision: str) -> tuple[float, float, float]:
    return _lab(_simulate(_rgb(colour), vision))


@lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    """Candidate colours for a new force: a 16-step grid of sRGB at mid lightness (visible on the basemap, a label on
    it readable), in a fixed order, so the same forces get the same suggestion."""
    out = []
    for red in range(0, 256, 17):
        for green in range(0, 256, 17):
            for blue in range(0, 256, 17):
                colour = f"#{red:02X}{green:02X}{blue:02X}"
                if 30 <= _lab(_rgb(colour))[0] <= 80:
                    out.append(colour)
    return tuple(out)


def suggest_colour(taken: Iterable[str]) -> str:
    """The colour farthest (in the smallest ΔE over normal vision and the three deficiencies) from every colour in
    ``taken``: what a new force is offered."""
    used = [colour.upper() for colour in taken]
    if not used:
        return "#0072B2"

    def nearest(colour: str) -> float:
        return min(math.dist(_seen(colour, vision), _seen(other, vision)) for other in used for vision in VISIONS)

    return max(_candidates(), key=nearest)
