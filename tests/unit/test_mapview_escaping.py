"""Strings from the data never reach the page as markup; places land in the right layers."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import folium
import pytest

from mapdata.map.mapview import UNKNOWN_COLOUR, UNKNOWN_LAYER, MapBuilder
from mapdata.model.load import load_scenario
from mapdata.model.models import Scenario, Status
from mapdata.testing import append_json_record, copy_scenario, edit_csv_row, edit_json_record, read_csv_rows

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTE = f"A witness wrote {IMG} on the wall."
FORCE_NAME = 'Regime <script>alert("force")</script>'
DAY = dt.date(2018, 6, 10)
POPUP_TAGS = {"div", "h4", "span", "b", "blockquote", "details", "summary", "br", "ul", "li"}  # ul, li: control history


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The bundled scenario with markup in names, notes, quotes and summaries."""
    folder = copy_scenario(tmp_path_factory.mktemp("hostile"))
    text_path = folder / "sources" / "enab_baladi_2018_06_russia_iran.txt"
    text = text_path.read_text(encoding="utf-8")
    text += f"\n{QUOTE}\n"
    text_path.write_text(text, encoding="utf-8")
    start = text.index(QUOTE)
    append_json_record(
        folder,
        "events.json",
        {
            "id": "ev_xss",
            "date": "2018-06-09",
            "date_precision": "day",
            "date_as_written": "<b>9 June</b>",
            "date_note": "<script>alert('note')</script>",
            "place_ids": ["qusayr_position_1"],
            "force_ids": ["syrian_regime"],
            "kind": "statement",
            "summary": f"Summary with {IMG}",
            "source_id": "enab_baladi_2018_06_russia_iran",
            "quote": QUOTE,
            "quote_start": start,
            "quote_end": start + len(QUOTE),
            "verification": "claimed",
            "claimed_by": "<i>someone</i>",
            "verification_note": "<img src=y onerror=alert(2)>",
        },
    )
    edit_json_record(
        folder,
        "places.geojson",
        "qusayr_position_1",
        name_en=SCRIPT,
        name_ar="<b>عربي</b>",
        location_note="<iframe src=javascript:alert(3)>",
    )
    edit_json_record(folder, "places.geojson", "sochi", name_en="<script>alert('sochi')</script>")
    edit_json_record(folder, "forces.json", "syrian_regime", name=FORCE_NAME)
    _, rows = read_csv_rows(folder)
    pos1 = next(r for r in rows if r["id"] == "pos1_regime_control")
    edit_csv_row(folder, "pos1_regime_control", event_ids=pos1["event_ids"] + ";ev_xss")
    return load_scenario(folder)


@pytest.fixture(scope="module")
def builder(hostile: Scenario) -> MapBuilder:
    return MapBuilder(hostile)


@pytest.fixture(scope="module")
def bundled() -> MapBuilder:
    return MapBuilder(load_scenario())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def assert_no_markup_from_data(markup: str) -> _Tags:
    assert "<script" not in markup.lower()
    assert "<img" not in markup.lower() and "<iframe" not in markup.lower() and "<i>" not in markup
    parsed = parse_html(markup)
    assert parsed.tags <= POPUP_TAGS, parsed.tags
    assert not any(a.startswith("on") or a == "src" for a in parsed.attrs), parsed.attrs
    return parsed


# -- popup and tooltip ----------------------------------------------------------------------------


def test_hostile_scenario_loaded(hostile: Scenario) -> None:
    assert hostile.place_by_id["qusayr_position_1"].name_en == SCRIPT
    event = hostile.event_by_id["ev_xss"]
    assert hostile.source_by_id[event.source_id].text[event.quote_start : event.quote_end] == QUOTE


def test_popup_escapes_names_quotes_and_notes(builder: MapBuilder) -> None:
    state = builder.timeline.state("qusayr_position_1", DAY)
    assert state.force == "syrian_regime"
    popup = builder.popup_html(state)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in popup
    assert html.escape(IMG) in popup
    assert html.escape(FORCE_NAME) in popup
    assert "&lt;b&gt;عربي&lt;/b&gt;" in popup
    assert html.escape("<iframe src=javascript:alert(3)>") in popup
    assert "&lt;img src=y onerror=alert(2)&gt;" in popup  # verification note
    assert "&lt;i&gt;someone&lt;/i&gt;" in popup  # claimed by
    assert "&lt;script&gt;alert(&#x27;note&#x27;)&lt;/script&gt;" in popup  # date note
    parsed = assert_no_markup_from_data(popup)
    # the text is shown to the reader literally, not dropped
    shown = "".join(parsed.text)
    assert SCRIPT in shown and QUOTE in shown and FORCE_NAME in shown


def test_tooltip_escapes_place_and_force_names(builder: MapBuilder) -> None:
    for day in (dt.date(2018, 6, 3), dt.date(2018, 6, 4), DAY):
        tooltip = builder.tooltip_html(builder.timeline.state("qusayr_position_1", day))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tooltip
        assert_no_markup_from_data(tooltip)
    regime = builder.tooltip_html(builder.timeline.state("qusayr_position_1", DAY))
    assert html.escape(FORCE_NAME) in regime


def test_every_popup_and_tooltip_on_every_change_day_is_clean(builder: MapBuilder) -> None:
    days = {*builder.timeline.change_days(), *builder.scenario.date_range, DAY}
    for day in sorted(days):
        for state in builder.timeline.states(day).values():
            assert_no_markup_from_data(builder.popup_html(state))
            assert_no_markup_from_data(builder.tooltip_html(state))


# -- the scripts folium renders -------------------------------------------------------------------------


def rendered_scripts(groups: list[folium.FeatureGroup]) -> list[str]:
    scripts = []
    for group in groups:
        for child in group._children.values():
            scripts.append(child._template.module.script(child, {}))
    return scripts


CALL = re.compile(r"mapdata\.(\w+)\(([\w.]+), (.*)\);\s*$", re.S)


def test_force_layer_scripts_contain_no_raw_markup(builder: MapBuilder) -> None:
    groups = builder.force_layers(
        DAY,
        visible=[f.id for f in builder.scenario.mapped_forces],
        highlight=["qusayr_position_1"],
        changes={"qusayr_position_2": "Changed: <img src=x onerror=alert(2)> → <b>them</b>"},
        areas=True,
    )
    scripts = rendered_scripts(groups)
    assert len(groups) == len(builder.scenario.mapped_forces) + 5  # + control areas, unknown, highlight, changes, sync
    assert len(scripts) == len(groups) + 1  # the changes group: its rings, and which places changed
    popups, tooltips = [], []
    for script in scripts:
        assert "<script" not in script.lower() and "</" not in script and "<img" not in script.lower()
        assert "<" not in script  # every < in the JSON is written \u003c
        match = CALL.search(script)
        assert match, script[:200]
        payload = json.loads(match.group(3))
        popups += [f["popup"] for f in payload.get("features", []) if f.get("popup")]
        tooltips += [
            f["tooltip"] for f in payload.get("features", []) if "mapdata-change-mark" in f.get("className", "")
        ]
    assert tooltips == ["Changed: &lt;img src=x onerror=alert(2)&gt; → &lt;b&gt;them&lt;/b&gt;"]
    # the JSON decodes to exactly the escaped popups
    state = builder.timeline.state("qusayr_position_1", DAY)
    assert builder.popup_html(state) in popups


def test_full_map_page_has_no_injected_script(builder: MapBuilder) -> None:
    m = builder.base_map()
    for group in builder.force_layers(DAY, visible=["russia"]):
        group.add_to(m)
    page = m.get_root().render()
    assert "<script>alert" not in page
    assert "<img src=x" not in page and "<iframe" not in page
    assert page.count("</script>") == page.lower().count("<script")
    assert "alert(1)" in page  # the data is there, escaped


# -- layers ----------------------------------------------------------------------------------------------


def layer_of(layers: dict[str, list[dict]], place_id: str) -> dict[str, dict]:
    return {layer: f for layer, features in layers.items() for f in features if f["place_id"] == place_id}


def test_layers_one_per_force_plus_unknown(bundled: MapBuilder) -> None:
    layers = bundled.layer_features(DAY)
    assert list(layers) == [f.id for f in bundled.scenario.mapped_forces] + [UNKNOWN_LAYER]


def test_holder_in_its_layer_with_control_style_others_with_presence_style(bundled: MapBuilder) -> None:
    colours = {f.id: f.colour for f in bundled.scenario.forces}
    layers = bundled.layer_features(dt.date(2018, 6, 3))
    drawn = layer_of(layers, "qusayr_position_1")
    assert set(drawn) == {"hezbollah", "syrian_regime"}
    holder, present = drawn["hezbollah"], drawn["syrian_regime"]
    assert holder["style"]["color"] == colours["hezbollah"]
    assert present["style"]["color"] == colours["syrian_regime"]
    assert "dashArray" not in holder["style"]  # control: solid
    assert present["style"]["dashArray"] == "0 12"  # presence: round dots
    assert holder["style"]["fill"] is True and present["style"]["fill"] is False
    assert present["style"]["radius"] > holder["style"]["radius"]  # ring around the holder's dot
    assert "mapdata-status-control" in holder["className"] and "mapdata-force-hezbollah" in holder["className"]
    assert "mapdata-status-presence" in present["className"]
    assert (
        holder["popup"]
        == present["popup"]
        == bundled.popup_html(bundled.timeline.state("qusayr_position_1", dt.date(2018, 6, 3)))
    )


def test_contested_style_differs_from_control_and_presence(bundled: MapBuilder) -> None:
    layers = bundled.layer_features(dt.date(2018, 6, 4))
    drawn = layer_of(layers, "qusayr_position_2")
    assert set(drawn) == {"russia", "hezbollah", "syrian_regime"}
    contested = drawn["russia"]["style"]
    assert contested["dashArray"] not in (None, "0 12")
    assert drawn["hezbollah"]["style"]["dashArray"] == drawn["syrian_regime"]["style"]["dashArray"] == "0 12"
    assert contested["dashArray"] != drawn["hezbollah"]["style"]["dashArray"]
    assert "mapdata-status-contested" in drawn["russia"]["className"]
    control = layer_of(bundled.layer_features(DAY), "qusayr_position_2")
    assert set(control) == {"syrian_regime"}
    assert "dashArray" not in control["syrian_regime"]["style"]
    assert control["syrian_regime"]["style"]["fillOpacity"] > contested["fillOpacity"]


def test_presence_without_holder(bundled: MapBuilder) -> None:
    drawn = layer_of(bundled.layer_features(dt.date(2018, 6, 4)), "al_qusayr")
    assert set(drawn) == {"russia", "hezbollah"}
    for feature in drawn.values():
        assert feature["style"]["dashArray"] == "0 12"
        assert "mapdata-status-presence" in feature["className"]
    # polygons: presence is dotted with (almost) no fill, line features never fill
    area = layer_of(bundled.layer_features(DAY), "western_homs_countryside")
    assert set(area) == {"iran", "hezbollah"}
    assert all(f["style"]["dashArray"] == "0 12" and f["kind"] == "area" for f in area.values())


def test_unknown_places_in_the_unknown_layer(bundled: MapBuilder) -> None:
    layers = bundled.layer_features(DAY)
    unknown = {f["place_id"] for f in layers[UNKNOWN_LAYER]}
    expected = {pid for pid, s in bundled.timeline.states(DAY).items() if s.status is Status.UNKNOWN}
    assert unknown == expected
    assert {"homs", "sochi", "lebanese_border"} <= unknown
    for feature in layers[UNKNOWN_LAYER]:
        assert feature["style"]["color"] == UNKNOWN_COLOUR
        assert "mapdata-force-unknown" in feature["className"]


@pytest.mark.parametrize("day", [dt.date(2018, 5, 14), dt.date(2018, 6, 3), dt.date(2018, 6, 4), DAY])
def test_each_place_drawn_in_exactly_its_forces_layers(bundled: MapBuilder, day: dt.date) -> None:
    layers = bundled.layer_features(day)
    for place_id, state in bundled.timeline.states(day).items():
        drawn = layer_of(layers, place_id)
        if state.status is Status.UNKNOWN:
            assert set(drawn) == {UNKNOWN_LAYER}
        else:
            assert set(drawn) == set(state.forces_present)
            assert sum(f["draw_uncertainty"] for f in drawn.values()) == 1
            for force, feature in drawn.items():
                expected = state.status if force == state.force else Status.PRESENCE
                assert f"mapdata-status-{expected.value}" in feature["className"]


def test_hidden_layers_are_sent_but_listed_in_sync(bundled: MapBuilder) -> None:
    groups = bundled.force_layers(DAY, visible=["russia", "iran"])
    sync = json.loads(CALL.search(rendered_scripts(groups)[-1]).group(3))
    assert set(sync["hidden"]) == {f.id for f in bundled.scenario.mapped_forces} - {"russia", "iran"}
    assert sync["date"] == DAY.isoformat() and sync["fit"] is None
    assert "Selected" not in [g.layer_name for g in groups]


def test_bundled_data_is_untouched() -> None:
    # the hostile copy lives in its own temporary folder; the bundled data is untouched
    assert "<script" not in load_scenario().place_by_id["qusayr_position_1"].name_en
