"""Run-time settings, from environment variables (all optional).

| variable | default | meaning |
|---|---|---|
| ``MAPDATA_STORE`` | ``data/mapdata.gpkg`` (installed: in the user's data folder) | the store: a ``.gpkg`` path or a ``postgresql://`` URL |
| ``MAPDATA_DATA`` | the bundled ``geodata/`` | scenario folder that seeds a new store |
| ``MAPDATA_TILES_URL`` | OpenStreetMap's standard tiles | online tile URL template, offered as a base layer |
| ``MAPDATA_TILES_ATTRIBUTION`` | OpenStreetMap's credit | attribution shown with those tiles |
| ``MAPDATA_TILES`` | ``on`` | ``off`` removes the online tiles option (strictly air-gapped sites) |
| ``MAPDATA_STORE_READ`` | ``MAPDATA_STORE`` | the store URL viewers read through (a read-only database role) |
| ``MAPDATA_CLIENT_MAP`` | ``auto`` | ``on``/``off``: the browser applies the timeline (large scenarios; auto above 2,000 places) |
| ``MAPDATA_VIEWER_ANALYSIS`` | ``auto`` | ``on``/``off``: viewers (not signed in) may analyse texts on "Add a report"; auto = on for a GeoPackage store, off for a ``postgresql://`` (team) store |
| ``MAPDATA_USER`` | the login name | the editor name the command line records in the audit |
| ``MAPDATA_EDITOR_PASSWORD`` | none | the team password that lets people sign in to edit (``.streamlit/secrets.toml``'s ``[mapdata] editor_password`` comes first) |
| ``MAPDATA_CACHE_SECRET`` | made once in the data folder | the key of the browser-side map's file names |

This is the one place mapdata reads its settings. (``XDG_DATA_HOME``, the platform's own variable, is read
by :mod:`mapdata.resources`, below this module.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mapdata.model.load import DEFAULT_DATA_DIR

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
ON, OFF = frozenset({"on", "1", "yes", "true"}), frozenset({"off", "0", "no", "false"})
DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


def is_postgres(url: str | Path) -> bool:
    """Whether a store setting names a PostgreSQL database (else it is a GeoPackage file)."""
    return isinstance(url, str) and url.lower().startswith(POSTGRES_SCHEMES)


def _flag(value: str | None) -> bool | None:
    """``on``/``off`` (and 1/0, yes/no, true/false) as True/False; anything else (``auto``, empty) as None."""
    word = (value or "").strip().lower()
    return True if word in ON else False if word in OFF else None


@dataclass(frozen=True)
class TileConfig:
    """Optional online tiles, offered as a base layer (the offline basemap stays the default)."""

    url: str
    attribution: str
    label: str = "Online map tiles"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tiles: TileConfig | None
    store: str | None = None  # MAPDATA_STORE: a .gpkg path or postgresql:// URL; None = the embedded default
    client_map: bool | None = None  # MAPDATA_CLIENT_MAP: on/off; None (auto) = on for large scenarios
    store_read: str | None = None  # MAPDATA_STORE_READ: the same store, for viewers' reads; None = MAPDATA_STORE
    viewer_analysis: bool = True  # MAPDATA_VIEWER_ANALYSIS: may viewers analyse reports (auto: not in team mode)
    user: str | None = None  # MAPDATA_USER: the CLI's editor name; None = the login name
    editor_password: str = ""  # MAPDATA_EDITOR_PASSWORD: "" = no sign-in by environment
    cache_secret: str = ""  # MAPDATA_CACHE_SECRET: "" = the secret made once in the data folder


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env["MAPDATA_DATA"]) if env.get("MAPDATA_DATA") else DEFAULT_DATA_DIR
    tiles: TileConfig | None = None
    if _flag(env.get("MAPDATA_TILES")) is not False:
        tiles = TileConfig(
            url=env.get("MAPDATA_TILES_URL") or DEFAULT_TILES_URL,
            attribution=env.get("MAPDATA_TILES_ATTRIBUTION") or DEFAULT_TILES_ATTRIBUTION,
        )
    store = (env.get("MAPDATA_STORE") or "").strip() or None
    store_read = (env.get("MAPDATA_STORE_READ") or "").strip() or None
    analysis = _flag(env.get("MAPDATA_VIEWER_ANALYSIS"))
    viewer_analysis = analysis if analysis is not None else not (store and is_postgres(store))
    return Settings(
        data_dir=data_dir,
        tiles=tiles,
        store=store,
        client_map=_flag(env.get("MAPDATA_CLIENT_MAP")),
        store_read=store_read,
        viewer_analysis=viewer_analysis,
        user=(env.get("MAPDATA_USER") or "").strip() or None,
        editor_password=env.get("MAPDATA_EDITOR_PASSWORD") or "",
        cache_secret=env.get("MAPDATA_CACHE_SECRET") or "",
    )
