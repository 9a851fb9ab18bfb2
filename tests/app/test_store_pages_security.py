"""Sources and Data check: no password on any page, user text as text, paged and cached per revision."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.resources import APP_DIR
from mapdata.store import open_store
from store_pages_support import PASSWORD, everything_shown, pg_database, unescaped_markup

DASHBOARD = str(APP_DIR / "dashboard.py")
SOURCES = str(APP_DIR / "pages" / "3_Sources.py")
DATA_CHECK = str(APP_DIR / "pages" / "4_Data_check.py")
HOSTILE = "![seen](http://127.0.0.1:9/img-publisher.png) [click](javascript:alert(1)) <img src=x>"


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


@pytest.mark.store  # a PostgreSQL store: runs with the store tier, not in ./dev.sh quick
def test_data_check_shows_the_store_without_its_password(pg_store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_STORE", pg_store_url)
    at = AppTest.from_file(DATA_CHECK, default_timeout=120).run()
    assert not at.exception, at.exception
    caption = " ".join(c.value for c in at.caption)
    assert "postgresql\\://postgres\\:\\*\\*\\*@localhost" in caption and "PostgreSQL" in caption
    assert any(s.value.startswith("Valid: 11 places") for s in at.success)
    assert PASSWORD not in everything_shown(at)


@pytest.mark.parametrize(
    "bad",
    [
        "postgresql://postgres:{pw}@[bad/db",  # libpq's message quotes the whole URL
        "postgresql://postgres:{pw}@localhost:5432/mapdata_no_such_database",
        "mysql://postgres:{pw}@localhost/db",
    ],
)
@pytest.mark.parametrize("page", [DASHBOARD, SOURCES, DATA_CHECK])
def test_a_store_that_cannot_be_opened_does_not_show_its_password(
    page: str, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAPDATA_STORE", bad.format(pw=PASSWORD))
    at = AppTest.from_file(page, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("cannot be opened" in e.value for e in at.error), [e.value for e in at.error]
    shown = everything_shown(at)
    assert "***" in shown and PASSWORD not in shown


def test_user_text_on_sources_and_data_check_is_text(fresh_store: Path) -> None:
    with open_store(fresh_store, seed_from=DEFAULT_DATA_DIR) as store:
        source = store.scenario().sources[0]
        version = store.get("source", source.id).version
        store.update(dataclasses.replace(source, publisher=HOSTILE), expected_version=version, user="mallory")
    at = AppTest.from_file(SOURCES, default_timeout=60).run()
    assert not at.exception, at.exception
    publisher = [m.value for m in at.markdown if "seen" in m.value]
    assert len(publisher) == 1 and unescaped_markup(publisher[0].strip("*")) == []
    assert "\\!\\[seen\\]\\(http" in publisher[0] and "\\[click\\]\\(javascript" in publisher[0]
    at = AppTest.from_file(DATA_CHECK, default_timeout=60).run()
    assert not at.exception, at.exception
    assert all("](" not in m.value for m in [*at.markdown, *at.caption])


def test_sources_are_paged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mapdata.synth import synth_scenario, write_store
    from mapdata.ui import pages

    scenario = synth_scenario(200, 2000, 1)
    total = len(scenario.sources)
    assert total > 2
    write_store(scenario, tmp_path / "synth.gpkg", force=False, user="synth")
    monkeypatch.setenv("MAPDATA_STORE", str(tmp_path / "synth.gpkg"))
    monkeypatch.setattr(pages, "SOURCES_PER_PAGE", 2)
    at = AppTest.from_file(SOURCES, default_timeout=60).run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown if m.value.endswith("passages used as evidence**")]
    assert len(shown) == 2
    assert at.caption[-1].value == f"Sources 1–2 of {total}."
    at.number_input(key="sources_page").set_value(2).run()
    assert not at.exception, at.exception
    assert at.caption[-1].value == f"Sources 3–{min(4, total)} of {total}."


def test_each_page_reads_the_store_once_per_revision(fresh_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mapdata.store.base import Store
    from mapdata.ui import pages

    calls = {"info": 0, "folder": 0}
    info, check_folder = Store.info, pages.check_folder

    def counting_info(self: Store) -> dict[str, Any]:
        calls["info"] += 1
        return info(self)

    def counting_check(folder: Any) -> Any:
        calls["folder"] += 1
        return check_folder(folder)

    monkeypatch.setattr(Store, "info", counting_info)
    monkeypatch.setattr(pages, "check_folder", counting_check)
    pages._folder_check.clear()  # the seed folder's check may be cached by an earlier test in this process
    for _ in range(3):
        at = AppTest.from_file(DATA_CHECK, default_timeout=60).run()
        assert not at.exception, at.exception
    assert calls == {"info": 1, "folder": 1}
    with open_store(fresh_store) as store:  # an edit makes a new revision: checked again
        place = store.get("place", store.scenario().places[0].id)
        store.update(dataclasses.replace(place.record, name_en="Renamed"), expected_version=place.version, user="rana")
    at = AppTest.from_file(DATA_CHECK, default_timeout=60).run()
    assert not at.exception, at.exception
    assert calls == {"info": 2, "folder": 1}


def test_the_servers_log_does_not_show_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapdata.ui import serve

    monkeypatch.setenv("MAPDATA_STORE", f"postgresql://postgres:{PASSWORD}@[bad/db")
    serve.warm_up()
    err = capsys.readouterr().err
    assert "the data was not preloaded" in err and "postgres:***@" in err and PASSWORD not in err
