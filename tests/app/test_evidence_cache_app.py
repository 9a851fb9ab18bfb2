"""The app publishes each revision of a store into its own keyed folder and retires the old one (issue 9 item 8)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.map.clientmap import CACHE_GRACE_S, SUPERSEDED, CacheSpace, prune_cache, read_published
from mapdata.resources import APP_DIR
from mapdata.store import open_store

ROOT = Path(__file__).resolve().parents[2]
STATIC = APP_DIR / "static"
NOTE = "Placed from an informant's message: do not share"


@pytest.fixture(autouse=True)
def client_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_CLIENT_MAP", "on")


def _published(at: AppTest) -> list[str]:
    """The paths under static/ of the files this run's map uses (its evidence written, waited for)."""
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    urls = [u.removeprefix("../../app/static/") for u in re.findall(r'"url":"([^"]+)"', script) if "cache/" in u]
    bundle = read_published(STATIC / next(u for u in urls if "/scenario-" in u))
    evidence = [u.removeprefix("../../app/static/") for u in bundle["evidence"]["urls"]]
    deadline = time.monotonic() + 30
    while not all((STATIC / p).exists() for p in evidence) and time.monotonic() < deadline:
        time.sleep(0.05)
    return urls + evidence


def _text(paths: list[str]) -> str:
    return "".join(gzip.decompress((STATIC / p).read_bytes()).decode("utf-8") for p in paths)


def test_a_cleared_note_leaves_the_cache_after_the_revision_changes(fresh_store: Path) -> None:
    writer = open_store(fresh_store, seed_from=ROOT / "geodata")
    item = writer.get("place", "homs")
    writer.update(dataclasses.replace(item.record, location_note=NOTE), expected_version=item.version, user="Omar")
    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    before = _published(at)
    store_folder, old_version = before[0].split("/")[1:3]
    try:
        assert all(re.fullmatch(rf"cache/{store_folder}/{old_version}/[\w.-]+", p) for p in before)
        assert re.fullmatch(r"[0-9a-f]{32}", store_folder) and re.fullmatch(r"[0-9a-f]{32}", old_version)
        assert NOTE in _text(before)

        item = writer.get("place", "homs")
        writer.update(dataclasses.replace(item.record, location_note=""), expected_version=item.version, user="Omar")
        writer.close()
        at.run()  # the next page view reads the new revision
        assert not at.exception, at.exception
        after = _published(at)
        new_version = after[0].split("/")[2]
        assert new_version != old_version and all(p.startswith(f"cache/{store_folder}/{new_version}/") for p in after)
        assert NOTE not in _text(after)
        assert (STATIC / "cache" / store_folder / old_version / SUPERSEDED).exists()  # the app marked it replaced
        space = CacheSpace(static_dir=STATIC, store=store_folder, version=new_version)
        prune_cache(space, now=time.time() + CACHE_GRACE_S)  # what the app does once the grace period is over
        assert not (STATIC / "cache" / store_folder / old_version).exists()
        left = [p.relative_to(STATIC).as_posix() for p in (STATIC / "cache" / store_folder).rglob("*.json.gz")]
        assert left and NOTE not in _text(left)
    finally:
        shutil.rmtree(STATIC / "cache" / store_folder, ignore_errors=True)
