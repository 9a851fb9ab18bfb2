"""``mapdata import / export / store`` and ``snapshot --store``, on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mapdata.cli import main
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import-example.geojson"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_store_commands_import_export_and_snapshot(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "store", "init", "--store", store_url, "--seed", str(DEFAULT_DATA_DIR))
    assert code == 0, err
    assert "schema version 3" in out and "11 places" in out
    code, out, _ = run(capsys, "--store", store_url, "store", "info")  # --store before the command works too
    assert code == 0 and "schema_version: 3" in out and "revision: " in out

    # snapshot from the store is the snapshot from the folder
    code, from_store, _ = run(capsys, "snapshot", "--date", "2018-06-04", "--store", store_url)
    code2, from_folder, _ = run(capsys, "snapshot", "--date", "2018-06-04", "--data", str(DEFAULT_DATA_DIR))
    assert code == code2 == 0 and from_store == from_folder

    code, out, err = run(capsys, "import", str(EXAMPLE), "--store", store_url, "--user", "rana")
    assert code == 0, err
    assert "added 2 places, 1 source, 2 events, 2 control periods" in out
    code, out, _ = run(capsys, "snapshot", "--date", "2018-06-22", "--store", store_url, "--forces", "syrian_regime")
    tal_kalakh = next(f for f in json.loads(out)["features"] if f["id"] == "tal_kalakh")["properties"]
    assert (tal_kalakh["holder"], tal_kalakh["status"], tal_kalakh["since"]) == (
        "syrian_regime",
        "control",
        "2018-06-20",
    )
    assert tal_kalakh["sources"][0]["verification_label"] == "claimed by Example News Agency"

    # importing the same file again adds nothing; a bad file is refused with row and field, and changes nothing
    code, out, err = run(capsys, "import", str(EXAMPLE), "--store", store_url, "--user", "rana")
    assert code == 0 and "added nothing" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,lat,lon,force,start,source,quote\nTell Nabi Mando,34.56,36.52,russia,2018-06-31,Agency,"
        "Russian forces entered Tell Nabi Mando.\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(bad), "--store", store_url, "--user", "rana")
    assert code == 2 and "bad.csv, row 2, field 'start': '2018-06-31' is not a date" in err
    code, out, _ = run(capsys, "store", "info", "--store", store_url)
    assert "places 13" in out

    for fmt in ("geojson", "csv", "kml", "gpkg"):
        out_file = tmp_path / f"out.{fmt}"
        code, out, err = run(
            capsys,
            "export",
            "--format",
            fmt,
            "--out",
            str(out_file),
            "--date",
            "2018-06-22",
            "--forces",
            "russia,syrian_regime",
            "--store",
            store_url,
        )
        assert code == 0, err
        assert out_file.stat().st_size > 0
    code, _, err = run(
        capsys,
        "export",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "x.csv"),
        "--forces",
        "nobody",
        "--store",
        store_url,
    )
    assert code == 2 and "unknown force id(s) nobody" in err


def test_store_from_the_environment_and_migrate(
    store_url: str, opener: Callable[..., Store], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opener(store_url, seed_from=DEFAULT_DATA_DIR, max_version=1).close()
    monkeypatch.setenv("MAPDATA_STORE", store_url)
    code, out, err = run(capsys, "store", "info")
    assert code == 0 and "schema_version: 1" in out and "mapdata store migrate" in err
    code, out, err = run(capsys, "snapshot", "--date", "2018-06-04")
    assert code == 2 and "schema version 1" in err and "store migrate" in err
    code, out, _ = run(capsys, "store", "migrate")
    assert code == 0 and "migrated from schema version 1 to 3" in out
    code, out, _ = run(capsys, "store", "migrate")
    assert code == 0 and "already at schema version 3" in out
    code, out, _ = run(capsys, "snapshot", "--date", "2018-06-04", "--format", "csv")
    assert code == 0 and out.startswith("place_id,")


def test_store_dump_writes_the_open_format_that_seeds_a_store_again(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mapdata store dump --out FOLDER`: the store as a scenario folder (docs/data-format.md), which loads with
    the same records and seeds another store; dumping again replaces it, keeping files the format does not cover."""
    from mapdata.model.load import load_scenario
    from mapdata.store import open_store

    assert run(capsys, "store", "init", "--store", store_url, "--seed", str(DEFAULT_DATA_DIR))[0] == 0
    code, out, err = run(capsys, "store", "dump", "--store", store_url, "--out", str(tmp_path / "dumped"))
    assert code == 0, err
    assert "places" in out
    with open_store(store_url, read_only=True) as store:
        stored = store.scenario()
    dumped = load_scenario(tmp_path / "dumped")
    for name in ("forces", "places", "sources", "events", "periods", "title", "attribution"):
        assert getattr(dumped, name) == getattr(stored, name), name
    again = tmp_path / "again.gpkg"
    assert run(capsys, "store", "init", "--store", str(again), "--seed", str(tmp_path / "dumped"))[0] == 0
    with open_store(str(again), read_only=True) as store:
        assert store.scenario().periods == stored.periods
    (tmp_path / "dumped" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert run(capsys, "store", "dump", "--store", store_url, "--out", str(tmp_path / "dumped"))[0] == 0
    assert (tmp_path / "dumped" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert run(capsys, "store", "dump", "--store", store_url)[0] == 2  # no --out: said, nothing written
