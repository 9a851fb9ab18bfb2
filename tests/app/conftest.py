"""Each app test gets its own store, seeded from MAPDATA_DATA (the bundled geodata/ unless a test sets another)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def fresh_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.gpkg"
    monkeypatch.setenv("MAPDATA_STORE", str(path))
    return path
