"""Suite-wide rules.

- In CI (CI=true) a skipped test fails the run.
- Tests never touch the developer's own store (data/mapdata.gpkg): the session gets a
  throw-away GeoPackage store via MAPDATA_STORE (tests may set their own).
"""

from __future__ import annotations

import os
import tempfile

import pytest

if not os.environ.get("MAPDATA_STORE"):
    os.environ["MAPDATA_STORE"] = os.path.join(tempfile.mkdtemp(prefix="mapdata-tests-"), "session-store.gpkg")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() not in {"1", "true", "yes"}:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; no test may be skipped in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
