"""The browser-side map's published files forget retracted data (issue 9 item 8).

Names are keyed by a secret of the deployment (not computable from the store's location and
revision), each store has its own folder, and a version replaced by a newer one is removed
after a grace period.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import stat
from pathlib import Path

from mapdata.map.clientmap import (
    CACHE_GRACE_S,
    SECRET_ENV,
    CacheSpace,
    cache_space,
    deployment_secret,
    prune_cache,
)
from mapdata.map.mapview import MapBuilder
from mapdata.model.load import load_scenario
from mapdata.model.models import Scenario

NOTE = "Placed from an informant's message: do not share"


def _publish(scenario: Scenario, space: CacheSpace) -> list[str]:
    """Publish as the app does; the paths (under static/) the page is given."""
    builder = MapBuilder(scenario, client=True, assets_url="", cache=space)
    builder.prepare()
    if builder.evidence_writer is not None:
        builder.evidence_writer.join(60)
    urls = builder._client_urls
    from mapdata.map.clientmap import read_published

    bundle = read_published(space.static_dir / urls["scenario"])
    return [urls["basemap"], urls["scenario"], *bundle["evidence"]["urls"]]


def _served(static: Path) -> str:
    """Everything under static/cache, inflated."""
    return "".join(gzip.decompress(p.read_bytes()).decode("utf-8") for p in (static / "cache").rglob("*.json.gz"))


def test_names_are_keyed_by_a_secret_of_the_deployment(tmp_path: Path) -> None:
    one, two = tmp_path / "one" / "static", tmp_path / "two" / "static"
    a = cache_space("data/mapdata.gpkg", "56", static_dir=one)
    assert a == cache_space("data/mapdata.gpkg", "56", static_dir=one)  # stable: every process finds the same files
    b = cache_space("data/mapdata.gpkg", "56", static_dir=two)  # another deployment: another secret
    assert (a.store, a.version) != (b.store, b.version)
    # the old scheme (a hash of the location and the revision) does not give them
    for text in ("data/mapdata.gpkg\n56\n", "data/mapdata.gpkg\n56", "store\ndata/mapdata.gpkg"):
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert digest[:16] not in a.folder and digest[:32] not in a.folder
    secret = one.parent / "data" / "cache.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600  # readable by its owner only, and not under static/
    assert len(deployment_secret(one)) == 32 and deployment_secret(one) == deployment_secret(one)
    assert deployment_secret(one, {SECRET_ENV: "shared"}) == b"shared"  # several hosts can share one


def test_a_superseded_revision_is_removed_after_the_grace_period(tmp_path: Path) -> None:
    static = tmp_path / "static"
    scenario = load_scenario()
    old, new = cache_space("s.gpkg", "56", static_dir=static), cache_space("s.gpkg", "57", static_dir=static)
    old_paths = _publish(scenario, old)
    prune_cache(old, now=1000.0)
    assert all((static / p).exists() for p in old_paths)  # the current one stays
    new_paths = _publish(scenario, new)
    assert prune_cache(new, now=2000.0) == []  # replaced now: kept for the sessions still showing it
    assert all((static / p).exists() for p in old_paths)
    assert prune_cache(new, now=2000.0 + CACHE_GRACE_S) == [old.folder]
    assert not (static / old.folder).exists()
    assert all((static / p).exists() for p in new_paths)
    # a process still on the old version marks it current again: not removed under it
    _publish(scenario, old)
    prune_cache(new, now=3000.0)
    prune_cache(old, now=3000.0 + CACHE_GRACE_S / 2)
    assert prune_cache(new, now=3000.0 + CACHE_GRACE_S) == []
    assert (static / old.folder).exists() and (static / new.folder).exists()


def test_two_stores_are_kept_apart(tmp_path: Path) -> None:
    static = tmp_path / "static"
    scenario = load_scenario()
    a, b = cache_space("a.gpkg", "1", static_dir=static), cache_space("postgresql://x/b", "1", static_dir=static)
    assert a.store != b.store
    a_paths, b_paths = _publish(scenario, a), _publish(scenario, b)
    assert all(p.startswith(f"cache/{a.store}/{a.version}/") for p in a_paths)
    assert all(p.startswith(f"cache/{b.store}/{b.version}/") for p in b_paths)
    a2 = cache_space("a.gpkg", "2", static_dir=static)
    _publish(scenario, a2)
    prune_cache(a2, now=0.0)
    prune_cache(a2, now=CACHE_GRACE_S)
    assert not (static / a.folder).exists()
    assert all((static / p).exists() for p in b_paths)  # the other store's files are not its to remove


def test_a_cleared_note_is_not_served_once_the_revision_changes(tmp_path: Path) -> None:
    static = tmp_path / "static"
    scenario = load_scenario()
    place = scenario.places[0]
    noted = dataclasses.replace(
        scenario, places=(dataclasses.replace(place, location_note=NOTE),) + scenario.places[1:]
    )
    r56, r57 = cache_space("s.gpkg", "56", static_dir=static), cache_space("s.gpkg", "57", static_dir=static)
    _publish(noted, r56)
    assert NOTE in _served(static)
    paths = _publish(scenario, r57)  # the note cleared at revision 57
    assert all(NOTE not in gzip.decompress((static / p).read_bytes()).decode("utf-8") for p in paths)
    prune_cache(r57, now=0.0)
    prune_cache(r57, now=CACHE_GRACE_S)
    assert NOTE not in _served(static)


def test_files_named_by_the_old_computable_key_are_retired(tmp_path: Path) -> None:
    static = tmp_path / "static"
    legacy = static / "cache" / f"evidence-{hashlib.sha256(b'data/mapdata.gpkg').hexdigest()[:16]}-0.json.gz"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(gzip.compress(NOTE.encode()))
    content_addressed = static / "cache" / "basemap-0123456789abcdef.json.gz"  # e.g. a benchmark's: left alone
    content_addressed.write_bytes(gzip.compress(b"{}"))
    prune_cache(cache_space("data/mapdata.gpkg", "1", static_dir=static))
    assert not legacy.exists() and content_addressed.exists()
