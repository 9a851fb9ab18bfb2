"""One behaviour suite for the store, run on both backends (GeoPackage and PostgreSQL + PostGIS).

No mocks: every test talks to a real SQLite file or the local PostgreSQL server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from shapely.geometry import Point, Polygon

from mapdata.exchange import ImportRefused, export, import_file
from mapdata.exchange.snapshot import snapshot_geojson
from mapdata.model.errors import ScenarioError
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.model.models import Role, Scenario
from mapdata.store import (
    SCHEMA_VERSION,
    Add,
    ConflictError,
    Delete,
    ReadOnlyStoreError,
    RecordNotFoundError,
    Store,
    StoreError,
    StoreVersionError,
    Update,
    changes_between,
    open_store,
)
from mapdata.store.base import SEED_USER
from mapdata.testing import make_force, make_period, make_place


def _days(scenario: Scenario) -> list[dt.date]:
    first, last = scenario.date_range
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _source_id(scenario: Scenario) -> str:
    return scenario.sources[0].id


def _indexes(url: str) -> set[str]:
    if url.startswith("postgresql://"):
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()
    else:
        with sqlite3.connect(url) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {r[0] for r in rows}


def _state(store: Store) -> tuple[int, int, Scenario]:
    """What must not change when a write is refused: revision, audit length, scenario."""
    return store.revision(), len(store.audit()), store.scenario()


# -- seeding and reading ------------------------------------------------------------------


def test_seed_gives_the_folder_scenario(
    store: Store, store_url: str, folder_scenario: Scenario, opener: Callable[..., Store]
) -> None:
    assert store.scenario() == folder_scenario  # records, order, title, view, dates, attribution, basemap
    current = store.current()
    assert set(current.versions.values()) == {1}
    assert current.revision == store.revision() > 0
    item = store.get("place", "al_qusayr")
    assert item.record == folder_scenario.place_by_id["al_qusayr"]
    assert (item.version, item.updated_by) == (1, SEED_USER)
    assert item.updated_at.tzinfo is not None
    # seeding happens once: reopening with seed_from changes nothing
    again = opener(store_url, seed_from=DEFAULT_DATA_DIR)
    assert again.revision() == current.revision
    assert again.scenario() == folder_scenario


def test_add_update_delete_count_versions(store: Store, folder_scenario: Scenario) -> None:
    place = make_place("test_village", name_en="Test village", geometry=Point(36.7, 34.6))
    assert store.add(place, user="alice") == 1
    item = store.get("place", "test_village")
    assert (item.record, item.version, item.updated_by) == (place, 1, "alice")
    assert abs((dt.datetime.now(dt.UTC) - item.updated_at).total_seconds()) < 60

    renamed = dataclasses.replace(place, name_ar="قرية")
    assert store.update(renamed, expected_version=1, user="bob") == 2
    assert store.update(renamed, expected_version=2, user="bob") == 2  # no change, no new version
    item = store.get("place", "test_village")
    assert (item.record, item.version, item.updated_by) == (renamed, 2, "bob")

    store.delete("place", "test_village", expected_version=2, user="carol")
    with pytest.raises(RecordNotFoundError, match="deleted by carol"):
        store.get("place", "test_village")
    history = store.history("place", "test_village")
    assert [(e.action, e.version, e.who) for e in history] == [
        ("add", 1, "alice"),
        ("update", 2, "bob"),
        ("delete", 3, "carol"),
    ]
    assert history[1].changed_fields == ["name_ar"]
    assert history[2].before is not None and history[2].after is None
    assert store.scenario() == folder_scenario
    # the id's history goes on when it is added again
    assert store.add(place, user="alice") == 4
    with pytest.raises(ConflictError, match="already exists"):
        store.add(place, user="dave")
    with pytest.raises(RecordNotFoundError):
        store.update(make_place("nowhere"), expected_version=1, user="alice")
    with pytest.raises(StoreError, match="editor"):
        store.add(make_force("nameless"), user=" ")


# -- two editors ----------------------------------------------------------------------------


def test_second_editor_of_a_stale_version_is_refused(
    store: Store, store_url: str, opener: Callable[..., Store]
) -> None:
    alice, bob = store, opener(store_url)
    seen_by_alice = alice.get("place", "al_qusayr")
    seen_by_bob = bob.get("place", "al_qusayr")
    alice.update(
        dataclasses.replace(seen_by_alice.record, name_ar="مدينة القصير"),
        expected_version=seen_by_alice.version,
        user="alice",
    )

    with pytest.raises(ConflictError) as refused:
        bob.update(
            dataclasses.replace(seen_by_bob.record, location_note="Bob's note"),
            expected_version=seen_by_bob.version,
            user="bob",
        )
    message = str(refused.value)
    for part in ("place 'al_qusayr'", "alice", "version 1", "version 2", "name_ar"):
        assert part in message, message
    assert refused.value.changed_fields == ("name_ar",)
    assert (refused.value.expected_version, refused.value.current_version) == (1, 2)
    assert refused.value.changed_by == "alice" and refused.value.changed_at is not None

    kept = bob.get("place", "al_qusayr")  # the first save is kept, the second did not land
    assert kept.version == 2 and kept.record.name_ar == "مدينة القصير"
    assert kept.record.location_note == seen_by_bob.record.location_note
    with pytest.raises(ConflictError):
        bob.delete("place", "al_qusayr", expected_version=1, user="bob")
    # an edit of a record someone deleted meanwhile is refused too
    homs = bob.get("place", "homs")
    alice.delete("place", "homs", expected_version=homs.version, user="alice")
    with pytest.raises(ConflictError, match="place 'homs' was deleted by alice .*you edited version 1"):
        bob.update(dataclasses.replace(homs.record, name_ar="x"), expected_version=homs.version, user="bob")
    # after reloading, Bob's edit goes through on top of Alice's
    assert bob.update(dataclasses.replace(kept.record, location_note="Bob's note"), expected_version=2, user="bob") == 3
    final = alice.get("place", "al_qusayr").record
    assert (final.name_ar, final.location_note) == ("مدينة القصير", "Bob's note")


def test_concurrent_overlapping_saves_one_wins(
    store: Store, store_url: str, opener: Callable[..., Store], folder_scenario: Scenario
) -> None:
    """Validation runs under the write lock: two editors cannot both add clashing periods."""
    editors = [store, opener(store_url)]
    src = _source_id(folder_scenario)
    periods = [
        make_period(f"homs_{force}_control", "homs", force, Role.CONTROL, "2018-06-20", source_ids=(src,))
        for force in ("russia", "iran")
    ]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def save(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = editors[index].add(periods[index], user=f"editor{index}")
        except ScenarioError as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(type(o).__name__ for o in outcomes) == ["ScenarioError", "int"], outcomes
    refused = next(o for o in outcomes if isinstance(o, ScenarioError))
    assert "overlaps" in str(refused)
    held = [p for p in store.scenario().periods if p.place_id == "homs" and p.role.holds]
    assert len(held) == 1


# -- validation ----------------------------------------------------------------------------


def test_a_write_that_breaks_a_rule_is_rolled_back(store: Store, folder_scenario: Scenario) -> None:
    before = _state(store)
    src = _source_id(folder_scenario)
    overlap = make_period(
        "pos1_iran_control", "qusayr_position_1", "iran", Role.CONTROL, "2018-06-05", "2018-06-06", source_ids=(src,)
    )
    with pytest.raises(ScenarioError, match="overlaps") as refused:
        store.add(overlap, user="alice")
    assert "control_periods, id 'pos1_iran_control', field 'start'" in str(refused.value)
    with pytest.raises(ScenarioError, match="unknown place id 'nowhere'"):
        store.add(make_period("ghost", "nowhere", "russia", source_ids=(src,)), user="alice")
    with pytest.raises(ScenarioError, match="before start"):
        store.add(
            make_period("backwards", "homs", "russia", Role.PRESENCE, "2018-06-10", "2018-06-01", source_ids=(src,)),
            user="alice",
        )
    with pytest.raises(ScenarioError, match="unknown place id 'al_dabaa_airport'"):
        store.delete("place", "al_dabaa_airport", expected_version=1, user="alice")  # periods still refer to it
    bowtie = Polygon([(36.0, 34.0), (36.1, 34.1), (36.1, 34.0), (36.0, 34.1), (36.0, 34.0)])
    with pytest.raises(ScenarioError, match="invalid Polygon"):
        store.add(make_place("bowtie", geometry=bowtie), user="alice")
    with pytest.raises(ScenarioError, match="not a valid id"):
        store.add(make_force("Bad Id"), user="alice")
    pos1 = store.get("period", "pos1_russia_contested")
    with pytest.raises(ScenarioError, match="overlaps"):
        store.update(
            dataclasses.replace(pos1.record, end=dt.date(2018, 6, 9)), expected_version=pos1.version, user="alice"
        )
    # several changes in one transaction: one bad change and none is written
    with pytest.raises(ScenarioError, match="overlaps"):
        store.apply([Add(make_place("fine_place", geometry=Point(36.5, 34.5))), Add(overlap)], user="alice")
    assert _state(store) == before


# -- audit and restore ----------------------------------------------------------------------


def test_history_and_restore(store: Store) -> None:
    original = store.get("force", "russia").record
    assert (
        store.update(dataclasses.replace(original, name="Russian armed forces"), expected_version=1, user="alice") == 2
    )
    assert (
        store.update(
            dataclasses.replace(original, name="Russian armed forces", colour="#123456"), expected_version=2, user="bob"
        )
        == 3
    )
    history = store.history("force", "russia")
    assert [(e.action, e.who, e.version) for e in history] == [
        ("add", SEED_USER, 1),
        ("update", "alice", 2),
        ("update", "bob", 3),
    ]
    assert history[0].before is None and history[0].record() == original
    assert [e.changed_fields for e in history[1:]] == [["name"], ["colour"]]
    assert history[1].record("before") == original

    # undo alice's change and everything after it: put back the state before it
    assert store.restore("force", "russia", history[1].id, expected_version=3, user="carol", state="before") == 4
    assert store.get("force", "russia").record == original
    restored = store.history("force", "russia")[-1]
    assert (restored.action, restored.who, restored.version) == ("restore", "carol", 4)
    assert restored.before == history[2].after and restored.after == history[1].before
    # by default an entry's own result comes back: bob's version
    assert store.restore("force", "russia", history[2].id, expected_version=4, user="carol") == 5
    assert store.get("force", "russia").record.colour == "#123456"
    with pytest.raises(ConflictError, match="version 4"):
        store.restore("force", "russia", history[1].id, expected_version=4, user="dave", state="before")
    with pytest.raises(RecordNotFoundError, match="not a change of force 'iran'"):
        store.restore("force", "iran", history[1].id, expected_version=1, user="dave")

    # a deleted record comes back from its deletion entry
    place = make_place("short_lived", geometry=Point(36.6, 34.6))
    store.add(place, user="alice")
    store.delete("place", "short_lived", expected_version=1, user="bob")
    deletion = store.history("place", "short_lived")[-1]
    assert deletion.action == "delete" and deletion.version == 2
    with pytest.raises(RecordNotFoundError, match="restore it from its history"):
        store.update(place, expected_version=2, user="dave")
    assert store.restore("place", "short_lived", deletion.id, expected_version=deletion.version, user="carol") == 3
    assert store.get("place", "short_lived").record == place


# -- schema versions ------------------------------------------------------------------------


def test_upgrade_from_v1_and_refusal_of_a_newer_store(
    store_url: str, opener: Callable[..., Store], folder_scenario: Scenario
) -> None:
    assert SCHEMA_VERSION == 3
    old = opener(store_url, seed_from=DEFAULT_DATA_DIR, max_version=1)  # what mapdata with schema v1 made
    assert old.schema_version == 1
    assert old.scenario() == folder_scenario
    assert "audit_record" not in _indexes(store_url)
    old.close()

    reader = opener(store_url, read_only=True)  # cannot upgrade, so it refuses to read
    assert reader.needs_upgrade
    with pytest.raises(StoreVersionError, match="store migrate"):
        reader.scenario()
    reader.close()

    new = opener(store_url)
    assert (new.upgraded_from, new.schema_version) == (1, 3)
    assert {"audit_record", "control_periods_place", "events_source"} <= _indexes(store_url)
    assert new.scenario() == folder_scenario
    upgrade = new.audit()[-1]
    assert (upgrade.kind, upgrade.before, upgrade.after) == ("schema", {"schema_version": 1}, {"schema_version": 3})
    new.close()

    with pytest.raises(StoreVersionError) as refused:
        open_store(store_url, max_version=1)  # an older mapdata
    message = str(refused.value)
    assert "schema version 3" in message and "schema version 1" in message and "upgrade mapdata" in message
    assert (refused.value.store_version, refused.value.app_version) == (3, 1)


# -- read-only -----------------------------------------------------------------------------


def test_read_only_store_refuses_every_write(
    store: Store, store_url: str, opener: Callable[..., Store], folder_scenario: Scenario, new_url: Callable[[], str]
) -> None:
    before = _state(store)
    reader = opener(store_url, read_only=True)
    assert reader.scenario() == folder_scenario
    item = reader.get("place", "homs")
    attempts: list[Callable[[], Any]] = [
        lambda: reader.add(make_force("new_force"), user="x"),
        lambda: reader.update(dataclasses.replace(item.record, name_ar="x"), expected_version=item.version, user="x"),
        lambda: reader.delete("place", "homs", expected_version=item.version, user="x"),
        lambda: reader.restore("place", "homs", reader.history("place", "homs")[0].id, expected_version=1, user="x"),
        lambda: reader.apply([Delete("place", "homs", item.version)], user="x"),
        lambda: reader.replace_scenario(folder_scenario, user="x"),
        reader.migrate,
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            attempt()
    # not just the API: the connection itself refuses to write
    with pytest.raises((sqlite3.OperationalError, StoreError)) as refused:
        with reader._transaction(write=False) as cur:
            cur.execute("UPDATE places SET name_en = 'hacked'")
    assert "read" in str(refused.value).lower() and "only" in str(refused.value).lower()
    assert _state(store) == before
    with pytest.raises(StoreError):
        open_store(new_url(), read_only=True)  # a read-only open never creates a store


# -- import and export ----------------------------------------------------------------------


def test_import_of_a_bad_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    before = _state(store)
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        """{"type": "FeatureCollection", "features": [
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.3, 34.7]},
       "properties": {"name": "Good town", "force": "russia", "start": "2018-06-20", "source": "Agency",
                      "quote": "Russian forces entered Good town.", "date": "2018-06-20"}},
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.4, 34.8]},
       "properties": {"name": "Bad town", "force": "russia", "start": "2018-13-01", "source": "Agency",
                      "quote": "Russian forces entered Bad town."}}]}""",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(store, bad, user="alice")
    assert "bad.geojson, feature 2, field 'start': '2018-13-01' is not a date" in str(refused.value)

    clash = tmp_path / "clash.csv"
    clash.write_text(
        "place_id,force,role,start,end,source,quote,date\n"
        "homs,russia,control,2018-06-20,,Agency,Russia took Homs.,2018-06-20\n"
        "qusayr_position_1,iran,control,2018-06-05,2018-06-06,Agency,Iran took position 1.,2018-06-05\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused, match="overlaps") as refused:
        import_file(store, clash, user="alice")
    assert "clash.csv, row 3" in str(refused.value)

    garbage = tmp_path / "garbage.geojson"
    garbage.write_bytes(os.urandom(50 * 1024 * 1024))
    huge = tmp_path / "huge.geojson"
    with huge.open("wb") as handle:
        handle.write(b'{"type": "FeatureCollection", "features": [' + b" " * 70_000)
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(ImportRefused, match="is not a GeoJSON, CSV or GeoPackage file"):
        import_file(store, garbage, user="alice")
    with pytest.raises(ImportRefused, match=r"52\.4 MB; GEOJSON imports are limited to"):
        import_file(store, huge, user="alice")
    assert time.perf_counter() - started < 2
    assert _state(store) == before


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_export_then_import_into_an_empty_store_keeps_every_date(
    fmt: str,
    store: Store,
    new_url: Callable[[], str],
    opener: Callable[..., Store],
    tmp_path: Path,
    folder_scenario: Scenario,
) -> None:
    original = store.scenario()
    out = tmp_path / f"export.{fmt}"
    export(original, fmt=fmt, out=out)  # type: ignore[arg-type]
    empty = opener(new_url())
    assert empty.scenario().places == ()
    additions = import_file(empty, out, user="importer")
    assert len(additions.places) == len(original.places)
    copy = empty.scenario()
    for day in _days(folder_scenario):
        assert snapshot_geojson(copy, day) == snapshot_geojson(original, day), day
    assert set(copy.events) == set(original.events) and set(copy.periods) == set(original.periods)


def test_filtered_export_round_trip(
    store: Store, new_url: Callable[[], str], opener: Callable[..., Store], tmp_path: Path
) -> None:
    original = store.scenario()
    day = dt.date(2018, 6, 5)
    out = tmp_path / "russia-0605.geojson"
    export(original, fmt="geojson", out=out, day=day, forces=["russia"])
    empty = opener(new_url())
    import_file(empty, out, user="importer")
    copy = empty.scenario()
    assert snapshot_geojson(copy, day, forces=["russia"]) == snapshot_geojson(original, day, forces=["russia"])
    assert {p.id for p in copy.places} == {
        f["id"] for f in snapshot_geojson(original, day, forces=["russia"])["features"]
    }


# -- changes from the "Add a report" page, and whole-scenario imports ----------------------


def test_apply_changes_between_versions(store: Store, store_url: str, opener: Callable[..., Store]) -> None:
    current = store.current()
    scenario = current.scenario
    src = _source_id(scenario)
    open_period = next(p for p in scenario.periods if p.id == "pos1_regime_control")
    closed = dataclasses.replace(open_period, end=dt.date(2018, 6, 19))
    new = dataclasses.replace(
        scenario,
        places=scenario.places + (make_place("new_post", geometry=Point(36.55, 34.52)),),
        periods=tuple(closed if p.id == open_period.id else p for p in scenario.periods)
        + (
            make_period(
                "pos1_russia_control", "qusayr_position_1", "russia", Role.CONTROL, "2018-06-20", source_ids=(src,)
            ),
        ),
    )
    changes = changes_between(current, new)
    assert [type(c).__name__ for c in changes] == ["Add", "Update", "Add"]
    assert isinstance(changes[1], Update) and changes[1].expected_version == 1

    other = opener(store_url)  # someone edits the period the report closes
    other.update(dataclasses.replace(open_period, note="checked"), expected_version=1, user="bob")
    before = _state(store)
    with pytest.raises(ConflictError, match="period 'pos1_regime_control'.*bob"):
        store.apply(changes, user="analyst")
    assert _state(store) == before

    current = store.current()
    rebased = dataclasses.replace(
        new, periods=tuple(dataclasses.replace(closed, note="checked") if p.id == closed.id else p for p in new.periods)
    )
    revision = store.apply(changes_between(current, rebased), user="analyst")
    assert revision == store.revision() > current.revision
    assert store.scenario() == rebased


def test_replace_scenario_keeps_unchanged_versions(store: Store, folder_scenario: Scenario) -> None:
    forces = folder_scenario.forces
    referenced = {p.place_id for p in folder_scenario.periods} | {
        i for e in folder_scenario.events for i in e.place_ids
    }
    unused = next(p.id for p in folder_scenario.places if p.id not in referenced)  # homs
    modified = dataclasses.replace(
        folder_scenario,
        title="Renamed scenario",
        view_zoom=10,
        forces=(dataclasses.replace(forces[0], name="Renamed force"),) + forces[1:],
        places=tuple(p for p in folder_scenario.places if p.id != unused)
        + (make_place("extra_place", geometry=Point(36.9, 34.9)),),
    )
    store.replace_scenario(modified, user="importer")
    assert store.scenario() == modified
    assert store.get("force", forces[0].id).version == 2
    assert store.get("force", forces[1].id).version == 1
    kinds = [(e.kind, e.action) for e in store.audit()[-4:]]
    assert ("scenario", "update") in kinds and ("place", "delete") in kinds

    before = _state(store)
    src = _source_id(folder_scenario)
    broken = dataclasses.replace(
        modified,
        periods=modified.periods
        + (
            make_period(
                "pos1_iran_control",
                "qusayr_position_1",
                "iran",
                Role.CONTROL,
                "2018-06-05",
                "2018-06-06",
                source_ids=(src,),
            ),
        ),
    )
    with pytest.raises(ScenarioError, match="overlaps"):
        store.replace_scenario(broken, user="importer")
    assert _state(store) == before


# -- records checked once, until something changes them ---------------------------------------


def _raw_sql(url: str, sql: str) -> None:
    """A change made by another program (QGIS, psql, …), not through mapdata."""
    if url.startswith("postgresql://"):
        with psycopg.connect(url) as conn:
            conn.execute(sql)
    else:
        with sqlite3.connect(url) as conn:
            conn.execute(sql)


def test_reads_skip_rechecking_until_another_program_changes_a_record(
    store: Store,
    store_url: str,
    opener: Callable[..., Store],
    folder_scenario: Scenario,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mapdata.store.base as base

    checks: list[int] = []
    real = base.scenario_problems
    monkeypatch.setattr(
        base, "scenario_problems", lambda scenario, *a, **k: checks.append(1) or real(scenario, *a, **k)
    )
    reader = opener(store_url, read_only=True)
    assert store.known_valid() and reader.known_valid()  # seeded through mapdata, which checked everything
    assert reader.scenario() == folder_scenario and checks == []

    # mapdata's own edits keep it so: the edit itself is checked
    homs = store.get("place", "homs")
    store.update(dataclasses.replace(homs.record, name_ar="حمص"), expected_version=homs.version, user="ana")
    checks.clear()
    assert reader.known_valid() and reader.scenario().place_by_id["homs"].name_ar == "حمص" and checks == []

    # another program's change: every read checks again and reports what is wrong, with table, record, field
    _raw_sql(
        store_url, "UPDATE control_periods SET force_id = 'nobody' WHERE id = (SELECT min(id) FROM control_periods)"
    )
    assert not reader.known_valid() and not store.known_valid()
    for _ in range(2):
        with pytest.raises(ScenarioError, match="nobody"):
            reader.scenario()
    assert len(checks) == 2

    # fixed by that program, then read once through a writable connection: known valid again
    _raw_sql(store_url, "UPDATE control_periods SET force_id = 'hezbollah' WHERE force_id = 'nobody'")
    checks.clear()
    assert store.scenario() is not None and checks == [1]
    assert reader.known_valid()
    reader.scenario()
    assert checks == [1]
    reader.close()


def test_an_edit_on_an_unchecked_store_does_not_vouch_for_the_rest(
    store: Store, store_url: str, opener: Callable[..., Store]
) -> None:
    _raw_sql(store_url, "UPDATE places SET uncertainty_m = -5 WHERE id = 'al_qusayr'")
    homs = store.get("place", "homs")
    store.update(dataclasses.replace(homs.record, name_ar="حمص"), expected_version=homs.version, user="ana")
    assert not store.known_valid()  # only the edited record was checked
    with pytest.raises(ScenarioError, match="al_qusayr.*uncertainty_m.*non-negative"):
        opener(store_url, read_only=True).scenario()


def test_a_bulk_add_keeps_awkward_text_and_shapes_exactly(store: Store) -> None:
    """Imports add rows in bulk (PostgreSQL: COPY): tabs, newlines, backslashes, COPY's own null marker,
    quotes and commas in list items, Arabic, and polygons come back exactly, in the records and the audit."""
    awkward = ["tab\there", "line\nbreak\r\nand CR", "back\\slash \\N \\.", "quote \" and ' , comma", "حمص {x}", "\\"]
    places = [
        make_place(
            f"awkward_{n}",
            name_en=text,
            name_ar=text[::-1],
            aliases=(text, "a,b", '"c"', "{d}", "NULL"),
            location_note=text,
            uncertainty_m=1234.5,
            geometry=Polygon([(36.5, 34.5), (36.6 + n / 100, 34.5), (36.6, 34.6)])
            if n % 2
            else Point(36.5, 34.5 + n / 10),
        )
        for n, text in enumerate(awkward)
    ]
    extra = [
        make_place(f"bulk_{n}", geometry=Point(36 + n / 1000, 34.5)) for n in range(120)
    ]  # over the bulk threshold
    store.apply([Add(place) for place in places + extra], user="importer\tname")
    back = {p.id: p for p in store.scenario().places}
    for place in places:
        got = back[place.id]
        assert dataclasses.replace(got, geometry=place.geometry) == place
        assert got.geometry.equals_exact(place.geometry, 1e-12)
    audit = {(entry.kind, entry.record_id): entry for entry in store.audit() if entry.record_id.startswith("awkward_")}
    assert len(audit) == len(places)
    entry = audit[("place", "awkward_2")]
    assert entry.who == "importer\tname" and entry.after["name_en"] == "back\\slash \\N \\."
