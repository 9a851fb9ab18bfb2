"""The database password never shows: not in messages, the CLI, exports or logs.

``PASSWORD`` is put into every PostgreSQL URL used here (the test server trusts local
connections, so any password opens it); a grep over everything the code printed,
logged or wrote asserts it never appears.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from mapdata.cli import main as cli
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import StoreError, open_store, redact

PASSWORD = "s3cret-Hunter2"


def with_password(url: str, password: str = PASSWORD) -> str:
    """``url`` (postgresql://user@host/...) with a password in its user-info."""
    head, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{head}://{user}:{password}@{host}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://user:secret@db:5432/x", "postgresql://user:***@db:5432/x"),
        (
            "postgres://u:s%40cret@h/d?password=other&sslmode=require",
            "postgres://u:***@h/d?password=***&sslmode=require",
        ),
        ("host=h password=secret user=u", "host=h password=*** user=u"),
        ("dbname=x password='se cret' port=5", "dbname=x password=*** port=5"),
        ('in URI: "postgresql://u:p@ss@[bad/db"', 'in URI: "postgresql://u:***@[bad/db"'),
        ("postgresql://:secret@h/d", "postgresql://:***@h/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("data/mapdata.gpkg", "data/mapdata.gpkg"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_hides_a_password_a_driver_echoes_in_its_own_words() -> None:
    location = "postgresql://u:p%2Fw%40rd@h/d"
    assert redact("FATAL: bad p/w@rd here and p%2Fw%40rd there", location) == "FATAL: bad *** here and *** there"


def _everything(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, *more: Any) -> str:
    captured = capsys.readouterr()
    return "\n".join([captured.out, captured.err, caplog.text, *map(str, more)])


def test_cli_store_info_export_and_errors_never_show_the_password(
    pg_database: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = with_password(pg_database.new_schema())
    with open_store(url, seed_from=DEFAULT_DATA_DIR) as store:
        described = [store.describe(), repr(store), store.info()]

    assert cli(["store", "info", "--store", url]) == 0
    info = capsys.readouterr().out
    assert "store: postgresql://postgres:***@" in info and "places 11" in info  # the location is shown, redacted
    out = tmp_path / "export.csv"
    assert cli(["export", "--format", "csv", "--out", str(out), "--date", "2018-06-10", "--store", url]) == 0
    assert cli(["snapshot", "--date", "2018-06-10", "--store", url]) == 0

    failures = [
        url.replace(pg_database.name, pg_database.name + "_missing"),  # no such database
        with_password("postgresql://postgres@[bad/db"),  # libpq echoes the whole URL
        with_password("postgresql://postgres@127.0.0.1:1/db"),  # nothing listens: unavailable
        f"mysql://postgres:{PASSWORD}@host/db",  # not a store location
    ]
    for bad in failures:
        with pytest.raises(StoreError) as caught:
            open_store(bad, read_only=True)
        described.append(caught.value)
        assert cli(["store", "info", "--store", bad]) == 2
        assert cli(["export", "--format", "geojson", "--out", str(tmp_path / "x.geojson"), "--store", bad]) == 2

    shown = _everything(capsys, caplog, *described)
    assert "***" in shown and "cannot connect to postgresql://postgres:***@" in shown
    assert PASSWORD not in shown
    for written in tmp_path.iterdir():
        assert PASSWORD.encode() not in written.read_bytes()
