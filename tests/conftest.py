"""Suite-wide rules.

- In CI (CI=true) a skipped test fails the run.
- Tests never touch the developer's own store (data/mapdata.gpkg): the session gets a
  throw-away GeoPackage store via MAPDATA_STORE (tests may set their own).
- Every test is marked with its tier, the folder it lives in (unit, app, store, e2e; the markers are
  registered in pyproject.toml), so that ``pytest -m unit`` or ``-m "unit or app"`` selects tiers.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

TIERS = ("unit", "app", "store", "e2e")  # the folders of tests/, each one a marker
HERE = Path(__file__).resolve().parent

if not os.environ.get("MAPDATA_STORE"):
    os.environ["MAPDATA_STORE"] = os.path.join(tempfile.mkdtemp(prefix="mapdata-tests-"), "session-store.gpkg")


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path).resolve()
        if not path.is_relative_to(HERE):
            continue
        parts = path.relative_to(HERE).parts
        if len(parts) > 1 and parts[0] in TIERS and item.get_closest_marker(parts[0]) is None:
            item.add_marker(getattr(pytest.mark, parts[0]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() not in {"1", "true", "yes"}:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; no test may be skipped in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
