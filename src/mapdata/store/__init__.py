"""Where a team keeps its scenario: one interface, two backends.

    store = open_store("data/mapdata.gpkg", seed_from=Path("geodata"))   # embedded GeoPackage
    store = open_store("postgresql://user@host/dbname")                  # shared PostgreSQL + PostGIS

    scenario = store.scenario()                         # validated models.Scenario
    item = store.get("place", "al_qusayr")              # Versioned(record, version, updated_at, updated_by)
    store.update(dataclasses.replace(item.record, name_ar="القصير"), expected_version=item.version, user="rana")

Every change is a validated transaction with an audit entry; editing a stale
version raises :class:`ConflictError`. See :class:`mapdata.store.base.Store`.
"""

from __future__ import annotations

from pathlib import Path

from mapdata.config import is_postgres
from mapdata.model.records import KINDS, TABLES, Kind, Record, kind_of
from mapdata.resources import default_store_path
from mapdata.store.base import Store
from mapdata.store.changes import (
    Add,
    AuditEntry,
    Change,
    Current,
    Delete,
    Update,
    Versioned,
    changes_between,
    meta_of,
)
from mapdata.store.errors import (
    ConflictError,
    ReadOnlyStoreError,
    RecordNotFoundError,
    StoreError,
    StoreUnavailableError,
    StoreVersionError,
    redact,
)
from mapdata.store.schema import LATEST as SCHEMA_VERSION, MIGRATIONS

#: The embedded store used when neither --store nor MAPDATA_STORE names one: ``data/mapdata.gpkg`` in a
#: checkout, else in the user's data folder (:func:`mapdata.resources.home`).
DEFAULT_STORE_PATH = default_store_path()


def gpkg_path(url: str | Path) -> Path | None:
    """The file a GeoPackage store location names (a path ending .gpkg or gpkg:///path), else None."""
    if isinstance(url, Path):
        return url
    if url.startswith("gpkg://"):
        return Path(url[len("gpkg://") :])
    if url.startswith("gpkg:"):
        return Path(url[len("gpkg:") :])
    if url.lower().endswith(".gpkg"):
        return Path(url)
    return None


def open_store(
    url: str | Path,
    *,
    read_only: bool = False,
    seed_from: Path | None = None,
    upgrade: bool = True,
    max_version: int = SCHEMA_VERSION,
) -> Store:
    """Open (creating if needed) the store at ``url``.

    - a path ending ``.gpkg`` (or ``gpkg:///path``): an embedded GeoPackage file;
    - ``postgresql://...``: PostgreSQL with PostGIS (the extension is created if missing).

    ``seed_from`` (a scenario folder) fills a store that has never held records.
    An older store is upgraded in one transaction (unless ``upgrade=False`` or
    read-only: it then refuses data access with :class:`StoreVersionError`); a store
    newer than ``max_version`` (this mapdata's schema version; lower it only to
    simulate an older mapdata) is refused with :class:`StoreVersionError`.
    """
    if is_postgres(url):
        from mapdata.store.postgres import PostgresStore

        store: Store = PostgresStore(str(url), read_only=read_only, max_version=max_version)
    else:
        path = gpkg_path(url)
        if path is None:
            raise StoreError(
                f"unknown store location {redact(str(url))!r}: give a file ending .gpkg, gpkg:///path/file, "
                "or postgresql://user@host/database"
            )
        from mapdata.store.gpkg import GeoPackageStore

        store = GeoPackageStore(path, read_only=read_only, max_version=max_version)
    try:
        store._open(upgrade=upgrade, seed_from=Path(seed_from) if seed_from is not None else None)
    except BaseException:
        store.close()
        raise
    return store


__all__ = [
    "DEFAULT_STORE_PATH",
    "KINDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TABLES",
    "Add",
    "AuditEntry",
    "Change",
    "ConflictError",
    "Current",
    "Delete",
    "Kind",
    "ReadOnlyStoreError",
    "Record",
    "RecordNotFoundError",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "StoreVersionError",
    "Update",
    "Versioned",
    "changes_between",
    "gpkg_path",
    "is_postgres",
    "kind_of",
    "meta_of",
    "open_store",
    "redact",
]
