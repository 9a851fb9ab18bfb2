"""Run-time settings, from environment variables (all optional).

| variable | default | meaning |
|---|---|---|
| ``MAPDATA_DATA`` | the bundled ``geodata/`` | scenario folder to show |
| ``MAPDATA_TILES_URL`` | OpenStreetMap's standard tiles | online tile URL template, offered as a base layer |
| ``MAPDATA_TILES_ATTRIBUTION`` | OpenStreetMap's credit | attribution shown with those tiles |
| ``MAPDATA_TILES`` | ``on`` | ``off`` removes the online tiles option (strictly air-gapped sites) |
| ``MAPDATA_STORE_READ`` | ``MAPDATA_STORE`` | the store URL viewers read through (a read-only database role) |
| ``MAPDATA_CLIENT_MAP`` | ``auto`` | ``on``/``off``: the browser applies the timeline (large scenarios; auto above 2,000 places) |
| ``MAPDATA_VIEWER_ANALYSIS`` | ``auto`` | ``on``/``off``: viewers (not signed in) may analyse texts on "Add a report"; auto = on for a GeoPackage store, off for a ``postgresql://`` (team) store |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mapdata.map.mapview import TileConfig
from mapdata.model.load import DEFAULT_DATA_DIR

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tiles: TileConfig | None
    store: str | None = None  # MAPDATA_STORE: a .gpkg path or postgresql:// URL; None = the embedded default
    client_map: bool | None = None  # MAPDATA_CLIENT_MAP: on/off; None (auto) = on for large scenarios
    store_read: str | None = None  # MAPDATA_STORE_READ: the same store, for viewers' reads; None = MAPDATA_STORE
    viewer_analysis: bool = True  # MAPDATA_VIEWER_ANALYSIS: may viewers analyse reports (auto: not in team mode)


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env["MAPDATA_DATA"]) if env.get("MAPDATA_DATA") else DEFAULT_DATA_DIR
    tiles: TileConfig | None = None
    if env.get("MAPDATA_TILES", "on").strip().lower() not in {"off", "0", "no", "false"}:
        tiles = TileConfig(
            url=env.get("MAPDATA_TILES_URL") or DEFAULT_TILES_URL,
            attribution=env.get("MAPDATA_TILES_ATTRIBUTION") or DEFAULT_TILES_ATTRIBUTION,
        )
    store = (env.get("MAPDATA_STORE") or "").strip() or None
    mode = (env.get("MAPDATA_CLIENT_MAP") or "auto").strip().lower()
    client_map = True if mode in {"on", "1", "yes", "true"} else False if mode in {"off", "0", "no", "false"} else None
    store_read = (env.get("MAPDATA_STORE_READ") or "").strip() or None
    analysis = (env.get("MAPDATA_VIEWER_ANALYSIS") or "auto").strip().lower()
    viewer_analysis = (analysis in {"on", "1", "yes", "true"} if analysis not in {"", "auto"}
                       else not (store or "").lower().startswith(("postgresql:", "postgres:")))
    return Settings(data_dir=data_dir, tiles=tiles, store=store, client_map=client_map, store_read=store_read,
                    viewer_analysis=viewer_analysis)
