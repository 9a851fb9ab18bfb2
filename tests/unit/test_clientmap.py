"""The browser-side map's files: the evidence is split by place, and each chunk holds what its places cite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mapdata.map.clientmap import cache_space, client_bundle, client_evidence, read_published
from mapdata.synth import synth_scenario


def test_each_chunk_holds_the_events_its_places_cite() -> None:
    scenario = synth_scenario(23, 120, 5)
    bundle = client_bundle(scenario, styles={})
    chunks = client_evidence(scenario, chunk=5)
    assert len(chunks) == 5  # 23 places, 5 a file
    periods = bundle["periods"]
    index = {e.id: i for i, e in enumerate(scenario.events)}
    ordered = sorted(
        scenario.periods,
        key=lambda p: ([q.id for q in scenario.places].index(p.place_id), p.start or dt.date.min, p.id),
    )
    wanted: list[set[str]] = [set() for _ in chunks]
    for place, period in zip(periods["place"], ordered, strict=True):
        wanted[place // 5] |= {str(index[e]) for e in period.event_ids}
    for i, place in enumerate(scenario.places):
        wanted[i // 5] |= {str(index[e.id]) for e in scenario.events_at(place.id)}
    assert [set(c["events"]) for c in chunks] == wanted
    for chunk in chunks:
        for index, entry in chunk["events"].items():
            event = scenario.events[int(index)]
            assert entry["quote"] == event.quote and entry["date"] == event.date_label
            assert entry["publisher"] == scenario.source_by_id[event.source_id].publisher
    assert "events" not in bundle  # the first paint does not carry the evidence


def test_keyed_evidence_is_written_in_the_background_once(tmp_path: Path) -> None:
    from mapdata.map.clientmap import publish_evidence

    scenario = synth_scenario(23, 120, 5)
    space = cache_space("store", "1", static_dir=tmp_path, secret=b"s")
    names, writer = publish_evidence(scenario, space=space, chunk=10, delay=0)
    assert names == [f"{space.folder}/evidence-{k}.json.gz" for k in range(3)]
    assert writer is not None
    writer.join(10)
    written = [read_published(tmp_path / name) for name in names]
    assert written == client_evidence(scenario, chunk=10)
    again, writer = publish_evidence(scenario, space=space, chunk=10)
    assert again == names and writer is None  # already there: nothing to write
    assert not list(tmp_path.rglob("*.part"))
    # without a key: content-addressed, written before it returns
    plain, writer = publish_evidence(scenario, chunk=10, static_dir=tmp_path)
    assert writer is None and all(name.startswith("cache/evidence-") for name in plain)


def test_the_map_files_are_published_in_the_background_kept_per_version_and_rebuilt_when_missing(
    tmp_path: Path,
) -> None:
    """Issue 14: the first page need not wait for the map's files; a server started again on the same data finds
    them made; a file removed while the server runs (the cache cleaned) is written again, whole."""
    from mapdata.map.mapview import MapBuilder

    scenario = synth_scenario(300, 2000, 4)
    space = cache_space("store", "7", static_dir=tmp_path / "static", secret=b"test")
    builder = MapBuilder(scenario, client=True, cache=space, assets_url="")
    builder.prepare(wait=False)  # returns at once: the file names are known before their content
    urls = builder._client_urls
    assert set(builder._publishing) == {"basemap", "scenario"}
    builder.wait_published(60)
    bundle_path = tmp_path / "static" / urls["scenario"]
    made = bundle_path.read_bytes()
    assert read_published(bundle_path)["places"][0]["id"] == scenario.places[0].id
    assert not list(bundle_path.parent.glob("*.part"))  # renamed into place: never half a file

    again = MapBuilder(scenario, client=True, cache=space, assets_url="")  # the server started again
    again.prepare(wait=False)
    assert again._client_urls == urls and again._publishing == {}  # nothing to write

    bundle_path.unlink()  # the cache was cleaned under the running server
    again.ensure_published()
    assert set(again._publishing) == {"scenario"}
    again.wait_published(60)
    assert bundle_path.read_bytes() == made  # the same bytes (gzip without a time stamp)
    again.ensure_published()  # all there: nothing to do
    assert not any(t.is_alive() for t in again._publishing.values())
