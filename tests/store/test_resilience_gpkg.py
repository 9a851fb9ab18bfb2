"""A GeoPackage writer killed mid-transaction (SIGKILL, leaving a hot journal) breaks no viewer.

The viewers' read-only connections, a fresh read-only open, ``mapdata store info`` and
``mapdata export`` all work afterwards, and the data is what was last committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mapdata.cli import main as cli
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import open_store

# A writer in the middle of a large change: its cache is small, so SQLite has already synced the
# journal (with its header) and written changed pages into the database file when it is killed.
WRITER = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 5")
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE places SET name_en = 'HALF-WRITTEN'")
conn.execute("INSERT INTO meta (key, value) VALUES ('half_written', hex(randomblob(400000)))")
print("mid-transaction", flush=True)
time.sleep(600)
"""


def _kill_writer_mid_transaction(path: Path) -> Path:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "mid-transaction"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
    journal = path.with_name(path.name + "-journal")
    assert journal.exists() and journal.read_bytes()[:1] != b"\x00", "the writer left no hot journal"
    return journal


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "team.gpkg"
    open_store(path, seed_from=DEFAULT_DATA_DIR).close()
    return path


def test_viewer_already_open_reads_after_a_writer_is_killed(seeded: Path) -> None:
    viewer = open_store(seeded, read_only=True)  # the app's cached read-only connection
    try:
        before = viewer.scenario()
        revision = viewer.revision()
        journal = _kill_writer_mid_transaction(seeded)
        after = viewer.scenario()
        assert after == before
        assert viewer.revision() == revision
        assert not journal.exists()
        assert all(place.name_en != "HALF-WRITTEN" for place in after.places)
    finally:
        viewer.close()


def test_fresh_read_only_open_after_a_writer_is_killed(seeded: Path) -> None:
    with open_store(seeded, read_only=True) as store:
        before = store.current()
    _kill_writer_mid_transaction(seeded)
    with open_store(seeded, read_only=True) as store:
        after = store.current()
        info = store.info()
    assert after.scenario == before.scenario and after.revision == before.revision
    assert info["records"]["places"] == len(before.scenario.places)


def test_store_info_and_export_after_a_writer_is_killed(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(seeded, read_only=True) as store:
        places = len(store.scenario().places)
    _kill_writer_mid_transaction(seeded)
    assert cli(["store", "info", "--store", str(seeded)]) == 0
    assert f"places {places}" in capsys.readouterr().out
    out = tmp_path / "export.geojson"
    assert (
        cli(["export", "--format", "geojson", "--out", str(out), "--date", "2018-06-10", "--store", str(seeded)]) == 0
    )
    names = [f["properties"].get("name_en") for f in json.loads(out.read_text())["features"]]
    assert names and "HALF-WRITTEN" not in names
