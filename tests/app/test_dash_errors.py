"""A viewer never sees a traceback: the pages' guard, and Streamlit's own error display setting."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR

ENTRY_SCRIPTS = [APP_DIR / "dashboard.py", *sorted((APP_DIR / "pages").glob("*.py"))]


def _failing_page() -> None:
    import streamlit as st

    from mapdata.ui.guard import guarded

    def render() -> None:
        st.markdown("before the failure")
        raise KeyError("/srv/mapdata/secret/path.py")

    guarded(render)
    st.markdown("the page went on")


def _stopping_page() -> None:
    import streamlit as st

    from mapdata.ui.guard import guarded

    def render() -> None:
        st.markdown("shown")
        st.stop()
        st.markdown("never shown")  # pragma: no cover

    guarded(render)
    st.markdown("after the guard")


def _rerunning_page() -> None:
    import streamlit as st

    from mapdata.ui.guard import guarded

    def render() -> None:
        count = st.session_state.get("runs", 0) + 1
        st.session_state["runs"] = count
        if count == 1:
            st.rerun()
        st.markdown(f"run {count}")

    guarded(render)


def test_an_unexpected_error_shows_a_plain_message_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    at = AppTest.from_function(_failing_page, default_timeout=30)
    with caplog.at_level(logging.ERROR, logger="mapdata.ui"):
        at.run()
    assert not at.exception  # no traceback element
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Something went wrong while showing this page.")
    assert "/srv" not in message and "KeyError" not in message and "Traceback" not in message
    reference = message.rsplit("reference ", 1)[1].rstrip(").")
    assert any(
        reference in record.getMessage() and record.exc_info for record in caplog.records
    )  # the server keeps the details
    assert [m.value for m in at.markdown] == ["before the failure", "the page went on"]


def test_st_stop_and_st_rerun_pass_through_the_guard() -> None:
    at = AppTest.from_function(_stopping_page, default_timeout=30)
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.markdown] == ["shown"]

    at = AppTest.from_function(_rerunning_page, default_timeout=30)
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.markdown] == ["run 2"]


def test_streamlit_shows_no_error_details_to_viewers() -> None:
    config = tomllib.loads((APP_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"  # no type, message or traceback in the browser


PAGE_RENDERS = {  # entry script -> the mapdata.ui function it renders with
    "dashboard.py": ("mapdata.ui.dashboard", "render"),
    "1_Add_a_report.py": ("mapdata.ui.report", "render"),
    "2_Edit.py": ("mapdata.ui.edit", "render"),
    "3_Sources.py": ("mapdata.ui.pages", "render_sources"),
    "4_Data_check.py": ("mapdata.ui.pages", "render_data_check"),
}


@pytest.mark.parametrize("script", ENTRY_SCRIPTS, ids=lambda p: p.name)
def test_every_page_shows_a_plain_message_when_its_render_fails(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    module_name, function = PAGE_RENDERS[script.name]

    def broken() -> None:
        raise RuntimeError(f"{script} failed at /srv/secret")

    monkeypatch.setattr(importlib.import_module(module_name), function, broken)
    at = AppTest.from_file(str(script), default_timeout=60)
    at.run()
    assert not at.exception
    assert [e.value.split(".")[0] for e in at.error] == ["Something went wrong while showing this page"]
    assert "/srv/secret" not in " ".join(e.value for e in at.error)


def _box(at: AppTest) -> Any:
    """The "Go to date" box (a new widget for each day shown: its key is date_typed:<date>:<generation>)."""
    boxes = [d for d in at.date_input if d.label == "Go to date"]
    assert len(boxes) == 1
    return boxes[0]


def test_the_date_box_and_the_slider_stay_in_step() -> None:
    """Item 14: a date typed in the box moves the slider (and the map, the link); the slider moves the box."""
    import datetime as dt

    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.query_params["date"] = "2018-06-10"
    at.run()
    assert _box(at).value == dt.date(2018, 6, 10)
    _box(at).set_value(dt.date(2018, 6, 4)).run()
    assert not at.exception
    assert at.slider(key="date").value == dt.date(2018, 6, 4)
    assert at.query_params["date"] == "2018-06-04"
    at.slider(key="date").set_value(dt.date(2018, 6, 20)).run()
    assert not at.exception
    assert _box(at).value == dt.date(2018, 6, 20)


def test_a_typed_date_outside_the_scenario_goes_to_its_nearest_day_and_says_so() -> None:
    import datetime as dt

    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.query_params["date"] = "2018-06-10"
    at.run()
    _box(at).set_value(dt.date(1999, 1, 1)).run()
    assert not at.exception
    first = dt.date(2018, 5, 14)  # the seed scenario's first day
    assert at.slider(key="date").value == first and _box(at).value == first
    assert any(c.value.startswith("1999-01-01 is before the scenario begins: showing") for c in at.caption)
    _box(at).set_value(dt.date(2018, 6, 4)).run()
    assert at.slider(key="date").value == dt.date(2018, 6, 4)
    assert not any("is before the scenario" in c.value for c in at.caption)
    _box(at).set_value(None).run()  # emptied: the box shows the slider's date again, the slider stays
    assert not at.exception
    assert at.slider(key="date").value == dt.date(2018, 6, 4) and _box(at).value == dt.date(2018, 6, 4)


def test_uploads_are_capped_at_the_import_limit() -> None:
    """Streamlit's own upload cap (200 MB by default) matches the largest file a page takes."""
    from mapdata.ui.edit import IMPORT_LIMIT

    config = tomllib.loads((APP_DIR / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == IMPORT_LIMIT
