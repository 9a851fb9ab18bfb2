"""``mapdata serve`` loads the data at start into the caches the pages use: the first view reads nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.map.mapview import MapBuilder
from mapdata.resources import APP_DIR
from mapdata.store.base import Store
from mapdata.ui import serve


def test_the_first_page_view_uses_the_preloaded_data(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reads: list[str] = []
    original = Store.scenario

    def counted(self: Store) -> object:
        reads.append(self.describe())
        return original(self)

    monkeypatch.setattr(Store, "scenario", counted)
    built: list[MapBuilder] = []
    monkeypatch.setattr(MapBuilder, "prepare", lambda self, _p=MapBuilder.prepare: built.append(self) or _p(self))

    serve.warm_up()
    assert "11 places preloaded" in capsys.readouterr().err
    assert len(reads) == 1 and len(built) == 1

    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.query_params["date"] = "2018-06-04"
    at.run()
    assert not at.exception, at.exception
    assert len(reads) == 1 and len(built) == 1  # the page found the warm-up's builder in the cache


def test_a_store_that_cannot_be_opened_is_left_to_the_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "not-a-store.gpkg"
    bad.write_text("this is not a GeoPackage", encoding="utf-8")
    monkeypatch.setenv("MAPDATA_STORE", str(bad))
    serve.warm_up()  # does not raise
    err = capsys.readouterr().err
    assert "the data was not preloaded" in err
    assert "is not a GeoPackage" in err and "unreachable" not in err  # the store's own words, for the operator
    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("cannot be opened" in e.value for e in at.error), [e.value for e in at.error]
