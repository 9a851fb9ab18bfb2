"""The date slider dragged on the browser-side map (issue 14), in a real browser.

While the slider's thumb is dragged, the map shows every day it passes from the data it already
holds; nothing goes to the server until the drag ends. Then Streamlit sends the final date once,
the rerun brings it back, and it lands in the address bar. Key presses take the same path: the map
shows the new day before the server has answered. The map a drag leaves behind is the one opened
at that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from e2e_server import AppServer
from e2e_support import Dashboard
from mapdata.ui.dashboard import DATE_SLIDER_SELECTOR, DATE_THUMB_SELECTOR

# The page's websocket sends (Streamlit's messages to the server), counted in the page itself.
SEND_LOG = """(() => {
  if (window.top !== window) { return; }
  window.__mapdataSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { window.__mapdataSent.push(Date.now()); return send.call(this, data); };
})();"""
# In the map frame, once the map is drawn: when body[data-mapdata-date] (what the map shows) and
# body[data-mapdata-served] (the day the server last sent) change.
FRAME_LOG = """() => {
  window.__mapdataLog = [];
  new MutationObserver((records) => records.forEach((r) => window.__mapdataLog.push(
    [r.attributeName, document.body.getAttribute(r.attributeName), Date.now()])))
    .observe(document.body, { attributes: true, attributeFilter: ["data-mapdata-date", "data-mapdata-served"] });
}"""


@pytest.fixture
def drag_dashboard(page: Page, client_server: AppServer) -> Iterator[Dashboard]:
    page.add_init_script(SEND_LOG)
    yield Dashboard(page, client_server)


def _open(dashboard: Dashboard, query: str) -> None:
    dashboard.open_client(query, ready="c.ready && c.shownDay && c.follow")
    _quiet(dashboard)
    dashboard.frame.evaluate(FRAME_LOG)


def _quiet(dashboard: Dashboard, ms: int = 1000) -> None:
    """Until the page has sent nothing for ``ms`` (the map's first report of its view, and its rerun, are over)."""
    dashboard.page.wait_for_function(
        f"() => {{ const s = window.__mapdataSent; return !s.length || Date.now() - s[s.length - 1] > {ms}; }}",
        timeout=30_000,
        polling=100,
    )
    dashboard.page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=30_000)


def _sent(dashboard: Dashboard) -> int:
    return int(dashboard.page.evaluate("() => window.__mapdataSent.length"))


def _slider_date(dashboard: Dashboard) -> str:
    micros = int(dashboard.page.evaluate(f"() => document.querySelector('{DATE_SLIDER_SELECTOR}').value"))
    return (dt.date(1970, 1, 1) + dt.timedelta(microseconds=micros)).isoformat()


def _map_date(dashboard: Dashboard) -> str:
    return str(dashboard.frame.evaluate("() => document.body.getAttribute('data-mapdata-date')"))


def _looks(dashboard: Dashboard) -> list[object]:
    """What the map draws for every place: shown or not, and its look (status, force, faded)."""
    return list(
        dashboard.frame.evaluate(
            "() => mapdataClient.layers.map((l, i) => mapdataClient.visible[i] ? mapdataClient.style[i] : null)"
        )
    )


def test_a_drag_moves_the_map_in_the_browser_and_sends_the_date_once_at_its_end(drag_dashboard: Dashboard) -> None:
    dashboard, page = drag_dashboard, drag_dashboard.page
    _open(dashboard, "?date=2018-06-08")
    thumb = page.locator(DATE_THUMB_SELECTOR).locator("..")
    box = thumb.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = _sent(dashboard)
    page.mouse.move(x, y)
    page.mouse.down()
    shown = []
    for k in range(1, 16):  # to the left: earlier days, across 4 June (the three positions change hands)
        page.mouse.move(x - 15 * k, y)
        page.wait_for_timeout(40)
        shown.append((_slider_date(dashboard), _map_date(dashboard)))
    during = _sent(dashboard) - before
    served = dashboard.frame.evaluate("() => document.body.getAttribute('data-mapdata-served')")
    final = _slider_date(dashboard)
    page.mouse.up()

    assert during == 0, f"{during} messages went to the server during the drag"
    assert served == "2018-06-08", "the server sent another day during the drag"
    days = [m for _, m in shown]
    assert len(set(days)) >= 8, f"the map did not follow the drag: {days}"
    assert final < "2018-06-04" and days[-1] == final, (final, shown[-3:])
    assert all(s == m for s, m in shown[-3:]), f"the map lags the slider: {shown[-3:]}"

    dashboard.wait_for_query(f"params.get('date') === '{final}'")  # the server learned the final date
    dashboard.map.locator(f'body[data-mapdata-served="{final}"]').wait_for(state="attached")
    _quiet(dashboard)
    assert _sent(dashboard) - before >= 1
    assert _map_date(dashboard) == final
    log = dashboard.frame.evaluate("() => window.__mapdataLog")
    served_days = [v for name, v, _ in log if name == "data-mapdata-served"]
    assert served_days[-1] == final and "2018-06-05" not in served_days, "the server was sent a day the drag passed"
    dragged = _looks(dashboard)

    _open(dashboard, f"?date={final}")  # the same date, opened afresh: the same map
    assert _looks(dashboard) == dragged
    assert any(dragged), "no place is drawn"


def test_key_presses_show_on_the_map_before_the_server_answers(drag_dashboard: Dashboard) -> None:
    dashboard, page = drag_dashboard, drag_dashboard.page
    _open(dashboard, "?date=2018-06-02")
    dashboard.slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    dashboard.wait_for_query("params.get('date') === '2018-06-05'")
    dashboard.map.locator('body[data-mapdata-served="2018-06-05"]').wait_for(state="attached")
    _quiet(dashboard)
    assert _map_date(dashboard) == "2018-06-05"
    log = dashboard.frame.evaluate("() => window.__mapdataLog")
    shown = {v: t for name, v, t in reversed(log) if name == "data-mapdata-date"}  # the first time each day showed
    served = {v: t for name, v, t in reversed(log) if name == "data-mapdata-served"}
    assert "2018-06-03" in shown, log
    first_answer = min(served.values())
    assert shown["2018-06-03"] < first_answer, "the map waited for the server"
    # the map never went back to a day it had left (a late answer for an earlier press)
    order = [v for name, v, _ in log if name == "data-mapdata-date"]
    assert order == sorted(order), order
