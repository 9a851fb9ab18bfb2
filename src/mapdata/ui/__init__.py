"""The Streamlit side of mapdata: the only package that imports streamlit.

Pages call these functions; the domain logic they use lives in the rest of
``mapdata`` and knows nothing of Streamlit.

Data comes from the store (``MAPDATA_STORE``: a GeoPackage path or a PostgreSQL
URL; by default the embedded ``data/mapdata.gpkg``, created and seeded from the
scenario folder ``MAPDATA_DATA`` — the bundled ``geodata/`` — on first run).
Viewers read through a read-only connection (``MAPDATA_STORE_READ``, a read-only
database role, if set); editors' writes open their own. Store locations are shown
with their passwords hidden (:func:`mapdata.store.redact`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from mapdata.config import settings
from mapdata.heap import collector_paused, settle_long_lived
from mapdata.map.clientmap import CacheSpace, cache_space, prune_cache
from mapdata.map.mapview import MapBuilder
from mapdata.model.errors import ScenarioError
from mapdata.model.models import Scenario
from mapdata.store import DEFAULT_STORE_PATH, Store, StoreError, StoreUnavailableError, open_store, redact


def store_location() -> str:
    return settings().store or str(DEFAULT_STORE_PATH)


def read_location() -> str:
    """Where viewers read: ``MAPDATA_STORE_READ`` (e.g. a read-only database role), else the store itself."""
    return settings().store_read or store_location()


def shown(text: object) -> str:
    """``text`` (a store location or a message about one) with every password of the stores in use hidden."""
    return redact(text, store_location(), read_location())


@st.cache_resource(show_spinner="Opening the data store…", max_entries=4)
def _reader(location: str, seed_from: str) -> Store:
    """A read-only connection shared by all viewers (created and seeded once if new)."""
    with open_store(location, seed_from=Path(seed_from)) as store:  # create, seed or upgrade: needs write access once
        if not store.known_valid():  # changed by another program (or an older mapdata) since last checked
            try:
                store.scenario()  # checks every record once and records it, so viewers' reads need not
            except ScenarioError:
                pass  # the page shows the problems
    return open_store(settings().store_read or location, read_only=True)


@st.cache_resource(show_spinner="Loading the scenario…", max_entries=8)
def _builder(location: str, revision: int, tiles_key: tuple[str, ...], client_map: bool | None) -> MapBuilder:
    config = settings()
    with collector_paused(collect_first=True):
        space = _cache_space(location, revision)
        builder = MapBuilder(
            _reader(location, str(config.data_dir)).scenario(), tiles=config.tiles, client=client_map, cache=space
        )
        builder.prepare(wait=False)  # the browser's files are written in the background: the page loads meanwhile
        _prune(space, force=True)
        # The server keeps this: later collections need not walk it again (frozen before the collector
        # resumes, or its first pass would walk every new object at once).
        settle_long_lived()
    return builder


def _data_version_key(location: str, revision: int) -> str:
    """This version of the store's data: its revision and (for a file) size and time (keyed by
    :func:`mapdata.map.clientmap.cache_space` with the store's location and the deployment's secret)."""
    stamp = ""
    path = Path(location)
    if "://" not in location and path.exists():
        info = path.stat()
        stamp = f"{info.st_size}:{info.st_mtime_ns}"
    return f"{revision}\n{stamp}"


def _cache_space(location: str, revision: int) -> CacheSpace:
    """The folder of this version of the store's published files (unguessable, one per store)."""
    return cache_space(location, _data_version_key(location, revision))


_pruned: dict[CacheSpace, float] = {}
_prune_lock = threading.Lock()
PRUNE_EVERY_S = 60.0


def _prune(space: CacheSpace, *, force: bool = False) -> None:
    """Mark ``space`` as the version in use and remove superseded ones past their grace period
    (:func:`mapdata.map.clientmap.prune_cache`): on publishing, then at most once a minute per process."""
    now = time.monotonic()
    with _prune_lock:
        if not force and now - _pruned.get(space, -PRUNE_EVERY_S) < PRUNE_EVERY_S:
            return
        _pruned[space] = now
    try:
        prune_cache(space)
    except OSError:
        pass  # another process is pruning the same folder; the next call tidies up


def _show_and_stop(title: str, lines: list[str]) -> None:
    st.error(plain(shown(title)))
    st.code(shown("\n".join(lines)), language=None, wrap_lines=True)
    st.stop()


RETRY_SECONDS = 5


@st.fragment(run_every=RETRY_SECONDS)
def _retry_store() -> None:
    """While the store is unavailable: try it again every few seconds, and reload the page once it answers."""
    try:
        _reader(store_location(), str(settings().data_dir)).revision()
    except (StoreError, ScenarioError):
        return
    st.rerun(scope="app")


def _show_unavailable(exc: StoreUnavailableError) -> None:
    st.warning(
        "The data store is unavailable right now; retrying. This page reloads by itself when the store is "
        "back (your place in it is kept).",
        icon=":material/hourglass_top:",
    )
    st.caption(plain(shown(exc)))
    _retry_store()
    st.stop()


def reader() -> Store:
    """The read-only store; shows the problem and stops the page when it cannot be opened."""
    config = settings()
    location = store_location()
    try:
        return _reader(location, str(config.data_dir))
    except ScenarioError as exc:
        _show_and_stop(
            f"The scenario in {config.data_dir} cannot be loaded into the store {location}: "
            f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in the data. "
            "Fix them (each names the file, record and field) and reload.",
            [str(p) for p in exc.problems],
        )
    except StoreUnavailableError as exc:
        _show_unavailable(exc)
    except StoreError as exc:
        _show_and_stop(f"The data store {location} cannot be opened.", [str(exc)])
    raise AssertionError("unreachable")  # st.stop() raises


def _builder_for(store: Store) -> MapBuilder:
    config = settings()
    tiles_key = (config.tiles.url, config.tiles.attribution) if config.tiles else ()
    builder = _builder(store_location(), store.revision(), tiles_key, config.client_map)
    if builder.cache is not None:
        _prune(builder.cache)
        builder.ensure_published()  # a file removed while the server ran (the cache cleaned) is written again
    return builder


def preload() -> MapBuilder:
    """Load now what the first page view needs, into the pages' caches (``mapdata serve``).

    Raises :class:`StoreError` or :class:`ScenarioError` where a page would show them.
    """
    return _builder_for(_reader(store_location(), str(settings().data_dir)))


def map_builder() -> MapBuilder:
    """The prepared scenario, rebuilt only when the store's revision changes (any edit, by anyone)."""
    store = reader()
    try:
        try:
            return _builder_for(store)
        except StoreUnavailableError as exc:
            if exc.retry_in > 0:
                raise
            return _builder_for(store)  # the connection dropped during the read: read once more, on a new one
    except ScenarioError as exc:
        _show_and_stop("The data in the store does not validate.", [str(p) for p in exc.problems])
    except StoreUnavailableError as exc:
        _show_unavailable(exc)
    except StoreError as exc:
        _show_and_stop(f"The data store {store_location()} cannot be read.", [str(exc)])
    raise AssertionError("unreachable")


def scenario() -> Scenario:
    return map_builder().scenario


@contextmanager
def writer() -> Iterator[Store]:
    """A writable connection for one editor action (closed afterwards)."""
    store = open_store(store_location())
    try:
        yield store
    finally:
        store.close()


def plain(text: str) -> str:
    """Markdown-escape user text so Streamlit renders it literally (no links, HTML or formatting)."""
    specials = "\\`*_{}[]()#+-.!|<>~$:"
    return "".join("\\" + ch if ch in specials else ch for ch in text)
