"""One exception root: everything mapdata refuses on purpose is a MapdataError (callers catch one class)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import mapdata
from mapdata.model.errors import MapdataError


def _error_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(mapdata.__path__, "mapdata."):
        if info.name.startswith("mapdata.ui"):
            continue  # the pages' private control flow (st.stop and friends) is not an error of mapdata
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_public_error_of_mapdata_is_a_mapdata_error() -> None:
    classes = _error_classes()
    assert {
        "mapdata.store.errors.StoreError",
        "mapdata.model.errors.ScenarioError",
        "mapdata.text.extract.ExtractError",
        "mapdata.text.review.ReviewError",
    } <= set(classes)
    strays = sorted(name for name, cls in classes.items() if not issubclass(cls, MapdataError))
    assert strays == []


def test_old_catches_still_work() -> None:
    """ExtractError and ReviewError were ValueErrors: code that caught them so still does."""
    from mapdata.text.extract import ExtractError
    from mapdata.text.review import ReviewError

    assert issubclass(ExtractError, ValueError) and issubclass(ReviewError, ValueError)
