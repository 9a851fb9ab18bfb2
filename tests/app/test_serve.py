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
    monkeypatch.setattr(
        MapBuilder, "prepare", lambda self, _p=MapBuilder.prepare, **kw: built.append(self) or _p(self, **kw)
    )

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


def test_a_cache_file_that_vanishes_while_the_server_starts_does_not_stop_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit's start-up walk of static/ (the 1 GB check) meets a file renamed or pruned since it was
    listed (a dangling link stands for it, deterministically): ``mapdata serve`` starts all the same."""
    from streamlit import config, file_util
    from streamlit.web import bootstrap, cli

    cache = tmp_path / "static" / "cache"
    cache.mkdir(parents=True)
    (cache / "kept.json.gz").write_bytes(b"x" * 10)
    (cache / "basemap-1.json.gz.11606.1.part").symlink_to(tmp_path / "renamed-meanwhile")
    with pytest.raises(FileNotFoundError):  # what stopped a server in CI
        file_util.get_directory_size(str(tmp_path / "static"))
    assert serve.static_folder_size(str(tmp_path / "static")) == 10

    started: list[str] = []

    def streamlit_run(*, args: list[str], prog_name: str) -> None:
        bootstrap._maybe_print_static_folder_warning(args[1])  # the step of the server's start that failed
        started.append(args[1])

    monkeypatch.setattr(file_util, "get_directory_size", file_util.get_directory_size)  # restored after
    monkeypatch.setattr(
        config, "get_option", lambda key, _g=config.get_option: True if key == "server.enableStaticServing" else _g(key)
    )
    monkeypatch.setattr(cli.main, "main", streamlit_run)
    monkeypatch.setattr(serve, "prepare_served_app", lambda: tmp_path)
    monkeypatch.setattr(serve, "warm_up", lambda: None)
    assert serve.main() == 0
    assert started == [str(tmp_path / "dashboard.py")]
