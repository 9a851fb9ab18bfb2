"""A full disk and a read-only store file give clear messages that say what to do (issue 9 item 9).

The GeoPackage is the store whose file the user manages. The disk is made "full" with SQLite's
``PRAGMA max_page_count`` (the same SQLITE_FULL a full disk gives); the read-only file is a real
0444 file written by a real non-root process (a child that drops to ``nobody``: root ignores file
permissions, so the test must not write as root).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapdata.cli import main
from mapdata.exchange import import_file
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import open_store
from mapdata.store.errors import StoreFullError, StoreNotWritableError
from mapdata.store.gpkg import GeoPackageStore

NOBODY = 65534


def _rows(path: Path, count: int) -> Path:
    lines = ["name,lat,lon,force,start,source,quote"]
    lines += [f"Village {n},34.{n:04d},36.5,russia,2018-01-01,Agency,Report {n}: {'words ' * 40}" for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_full_disk_says_so_and_leaves_the_store_usable(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store.gpkg", seed_from=DEFAULT_DATA_DIR)
    assert isinstance(store, GeoPackageStore)
    before = store.revision()
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 3}")  # the file cannot grow: SQLITE_FULL
    with pytest.raises(StoreFullError) as caught:
        import_file(store, _rows(tmp_path / "rows.csv", 400), user="tester")
    message = str(caught.value)
    assert "the disk holding the store is full" in message and "nothing was changed" in message
    assert "Free some space" in message and "cannot rollback" not in message
    assert store.revision() == before  # rolled back, and the connection still works
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    assert import_file(store, _rows(tmp_path / "few.csv", 3), user="tester").summary().startswith("3 places")
    store.close()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder other users may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mapdata_ro_"))
    folder.chmod(0o755)
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _as_nobody(argv: list[str]) -> tuple[int, str]:
    """Run ``mapdata`` in a child process as user nobody; (exit code, stderr)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: everything it needs is imported already
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            sys.stderr = sys.stdout = os.fdopen(write, "w")
            code = main(argv)
            sys.stderr.flush()
        except BaseException as exc:  # report anything to the parent
            print(f"child failed: {exc!r}", file=sys.stderr)
            sys.stderr.flush()
            code = 99
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def test_a_read_only_store_file_says_what_to_do(shared_dir: Path) -> None:
    path = shared_dir / "store.gpkg"
    with open_store(path, seed_from=DEFAULT_DATA_DIR) as store:
        revision = store.revision()
    path.chmod(0o444)
    rows = _rows(shared_dir / "rows.csv", 3)
    rows.chmod(0o644)
    code, output = _as_nobody(["import", str(rows), "--store", str(path), "--user", "tester"])
    assert code == 2, output
    assert output.startswith(f"mapdata import: {path} cannot be written: the file or its folder is read-only"), output
    assert "chmod" in output and "nothing was changed" in output and "Traceback" not in output
    path.chmod(0o644)
    with open_store(path) as store:
        assert store.revision() == revision


def test_a_store_that_refuses_writes_raises_the_store_error_pages_show(tmp_path: Path) -> None:
    """The Edit page shows a StoreError's message ("Not saved: ..."): the same mapping as the CLI."""
    store = open_store(tmp_path / "store.gpkg", seed_from=DEFAULT_DATA_DIR)
    assert isinstance(store, GeoPackageStore)
    store._conn.execute("PRAGMA query_only = 1")  # SQLITE_READONLY, as from a read-only file
    with pytest.raises(StoreNotWritableError, match="read-only for this user.*nothing was changed"):
        import_file(store, _rows(tmp_path / "rows.csv", 2), user="tester")
    store.close()


def test_a_failed_read_is_not_reported_as_a_refused_change(tmp_path: Path) -> None:
    """Only a write is told "nothing was changed" and what to do about the disk or the file's rights."""
    from mapdata.store import StoreError
    from mapdata.store.errors import StoreWriteError

    store = open_store(tmp_path / "store.gpkg", seed_from=DEFAULT_DATA_DIR)
    with pytest.raises(StoreError) as caught:
        with store._transaction(write=False) as cur:
            cur.execute("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, StoreWriteError)
    assert "cannot be read" in str(caught.value) and "no_such_table" in str(caught.value)
    assert store.revision() > 0  # the connection is still usable
