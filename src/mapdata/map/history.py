"""Control over time: how many places (and how much derived area) each force holds on each of the scenario's dates.

Holdings only change on the days a control period starts or the day after one ends, so the series is exact
when it is taken on those days (:meth:`mapdata.model.timeline.Timeline.change_days`); a scenario with more of
them than ``max_days`` is sampled evenly across its range instead, and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from mapdata.map.areas import ControlAreas
from mapdata.model.timeline import CONTESTED, CONTROL, Timeline

MAX_DAYS = 300  # dates in the series at most (each is one whole-map query of the control index)


@dataclass(frozen=True)
class HeldOn:
    """One force on one day: places held (contested ones included) and their derived area (km²; 0 without areas)."""

    day: dt.date
    force_id: str
    places: int
    area_km2: float


@dataclass(frozen=True)
class ControlSeries:
    rows: tuple[HeldOn, ...]
    exact: bool  # taken on every day holdings change (else sampled evenly)


def control_over_time(
    timeline: Timeline, *, areas: ControlAreas | None = None, max_days: int = MAX_DAYS
) -> ControlSeries:
    """Places and area held by each force on the scenario's change days (sampled when there are too many)."""
    first, last = timeline.scenario.date_range
    days = sorted({first, last, *(d for d in timeline.change_days() if first <= d <= last)})
    exact = len(days) <= max_days
    if not exact:
        span = (last - first).days
        days = sorted({first + dt.timedelta(days=round(k * span / (max_days - 1))) for k in range(max_days)})
    index = timeline.index
    forces = index.force_ids
    places = np.zeros((len(days), len(forces)), dtype=np.int64)
    area = np.zeros((len(days), len(forces)))
    for k, day in enumerate(days):
        status, holder, _ = index.states_on(day)
        held = (status == CONTROL) | (status == CONTESTED)
        places[k] = np.bincount(holder[held], minlength=len(forces))
        if areas is not None and len(areas.rows):
            cell_status, cell_holder = status[areas.rows], holder[areas.rows]
            cell_held = (cell_status == CONTROL) | (cell_status == CONTESTED)
            area[k] = np.bincount(cell_holder[cell_held], weights=areas.area_km2[cell_held], minlength=len(forces))
    ever = [j for j in range(len(forces)) if places[:, j].any()]  # a force that holds nothing all along: no line
    rows = [
        HeldOn(day=day, force_id=forces[j], places=int(places[k, j]), area_km2=float(area[k, j]))
        for k, day in enumerate(days)
        for j in ever
    ]
    return ControlSeries(tuple(rows), exact)


__all__ = ["MAX_DAYS", "ControlSeries", "HeldOn", "control_over_time"]
