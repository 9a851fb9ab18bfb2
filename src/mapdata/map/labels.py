"""Which place names a map writes first: the order both maps (``mapdata.js``'s label layer) and the briefing use.

The scenario has no populations, so a place's weight is what the reporting says about it: towns before
military sites before borders, areas and regions, then the most reported (events, then control periods),
then the shorter name. A map writes names in this order and skips any that would overlap one already
written, so at country zoom only the first few towns are named and at operational zoom nearly all.
"""

from __future__ import annotations

from collections import Counter

from mapdata.model.models import PlaceKind, Scenario

KIND_ORDER = {
    PlaceKind.TOWN: 0,
    PlaceKind.MILITARY_SITE: 1,
    PlaceKind.BORDER: 2,
    PlaceKind.AREA: 3,
    PlaceKind.REGION: 4,
}
#: The web map's zoom from which every kind of place may be named (below it: towns only, at most
#: COUNTRY_LABELS of them), and the most names it writes at once at operational zoom.
LABEL_ALL_FROM_ZOOM = 10
COUNTRY_LABELS = 25
MAX_LABELS = 200


def label_ranks(scenario: Scenario) -> list[int]:
    """Per place (scenario order), its position in the naming order: 0 is named first."""
    events: Counter[str] = Counter(p for e in scenario.events for p in e.place_ids)
    periods: Counter[str] = Counter(p.place_id for p in scenario.periods)
    order = sorted(
        range(len(scenario.places)),
        key=lambda i: (
            KIND_ORDER.get(scenario.places[i].kind, 9),
            -events[scenario.places[i].id],
            -periods[scenario.places[i].id],
            len(scenario.places[i].name_en),
            scenario.places[i].name_en,
        ),
    )
    ranks = [0] * len(order)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


def label_settings() -> dict[str, int]:
    """The zoom rules, as ``mapdata.js`` reads them."""
    return {"all_from_zoom": LABEL_ALL_FROM_ZOOM, "country_labels": COUNTRY_LABELS, "max_labels": MAX_LABELS}


__all__ = ["COUNTRY_LABELS", "KIND_ORDER", "LABEL_ALL_FROM_ZOOM", "MAX_LABELS", "label_ranks", "label_settings"]
