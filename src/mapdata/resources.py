"""Where mapdata's files are, in a source checkout and in an installed wheel: the one module that knows.

What ships with the code (read-only):

- :data:`APP_DIR`, the Streamlit app (:data:`APP_PARTS`): ``dashboard.py`` (the entry script),
  ``pages/`` (the other pages), ``static/`` (``mapdata/``: the map's own JS and CSS; ``vendor/``:
  Leaflet, so that the map works offline) and ``.streamlit/config.toml``. Streamlit reads that
  config beside the entry script and serves the ``static/`` beside it at ``<base>/app/static/``
  (``server.enableStaticServing``). In a checkout they are at the top of the repository; a wheel
  carries them as ``mapdata/app/`` (``setup.py`` copies them there when it builds).
- :data:`DATA_DIR`, the bundled scenario: ``geodata/`` in a checkout; in a wheel, the same files
  (less ``geodata/raw/``, the inputs of its build) as ``mapdata/geodata/`` (``setup.py`` maps the
  folder into the package).

What the app writes, never into the installed package:

- :func:`home`: the default store (``mapdata.gpkg``) and the secret of the map's cache
  (``cache.secret``): ``data/`` in a checkout; installed, ``$XDG_DATA_HOME/mapdata``
  (``~/.local/share/mapdata`` by default).
- :func:`served_app_dir`: the folder Streamlit runs the app from. The browser-side map publishes
  files under its ``static/cache/`` while the app runs (:mod:`mapdata.map.clientmap`), so it must be
  writable: in a checkout it is :data:`APP_DIR` itself (``static/cache/`` is git-ignored);
  installed, ``<home>/app``, a copy of :data:`APP_DIR` that :func:`prepare_served_app` (run by
  ``mapdata serve``) brings up to date with the installed version.

Only the standard library is imported here: every module may ask where things are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when this is a source checkout (``<root>/src/mapdata``), else None (installed).
CHECKOUT: Path | None = (
    PACKAGE_DIR.parents[1]
    if PACKAGE_DIR.parent.name == "src" and (PACKAGE_DIR.parents[1] / "pyproject.toml").is_file()
    else None
)

APP_DIR = CHECKOUT if CHECKOUT is not None else PACKAGE_DIR / "app"
ENTRY_SCRIPT = "dashboard.py"
#: What makes up the app, relative to APP_DIR (folders whole, less ``static/cache/`` and bytecode).
APP_PARTS = (ENTRY_SCRIPT, "pages", "static", ".streamlit/config.toml")
STATIC = "static"
CACHE = "cache"  # under static/: written while the app runs, never shipped
DATA_DIR = CHECKOUT / "geodata" if CHECKOUT is not None else PACKAGE_DIR / "geodata"
DEFAULT_STORE_FILE = "mapdata.gpkg"
SERVED_APP = "app"  # installed: the served copy of APP_DIR, in home()
COPIED_LIST = ".mapdata-files"  # in the served copy: the files taken from APP_DIR (any other file is left alone)


def code_stamp(subpackage: str) -> str:
    """A short hash of the Python sources of ``mapdata.<subpackage>``: files that code publishes are named with it,
    so that another version of mapdata never takes them for its own."""
    digest = hashlib.sha256()
    for path in sorted((PACKAGE_DIR / subpackage).glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the files the app writes: ``data/`` in a checkout, else ``$XDG_DATA_HOME/mapdata``."""
    if CHECKOUT is not None:
        return CHECKOUT / "data"
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share") / "mapdata"


def default_store_path() -> Path:
    """The embedded store used when neither ``--store`` nor ``MAPDATA_STORE`` names one."""
    return home() / DEFAULT_STORE_FILE


def served_app_dir() -> Path:
    """The folder Streamlit runs the app from (its ``static/`` is served): APP_DIR in a checkout, else ``<home>/app``."""
    return APP_DIR if CHECKOUT is not None else home() / SERVED_APP


def served_static_dir() -> Path:
    """The ``static/`` folder the app serves, whose ``cache/`` the browser-side map writes."""
    return served_app_dir() / STATIC


def app_files() -> list[str]:
    """The files of the app as shipped (paths relative to APP_DIR, with /): not the cache, not bytecode."""
    return app_files_in(APP_DIR)


def app_files_in(folder: Path) -> list[str]:
    """The app's files under ``folder`` (a checkout's root, or an installed ``mapdata/app``), as :func:`app_files`."""
    files = []
    for part in APP_PARTS:
        top = folder / part
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and "__pycache__" not in rel.parts and rel.parts[:2] != (STATIC, CACHE):
                files.append(rel.as_posix())
    return sorted(files)


def prepare_served_app() -> Path:
    """The folder to run the app from, brought up to date first (installed: copy APP_DIR's files over).

    A file that changed is replaced whole (written beside, then renamed), so two servers starting
    at once never see half a file; a file an older version shipped and this one does not is
    removed (a page that is gone leaves the navigation); ``static/cache/`` and any file not taken
    from APP_DIR (``.streamlit/secrets.toml``, say) are left alone.
    """
    target = served_app_dir()
    if target == APP_DIR:
        return target
    files = app_files()
    for rel in files:
        source, copy = APP_DIR / rel, target / rel
        data = source.read_bytes()
        if copy.is_file() and copy.read_bytes() == data:
            continue
        _write(copy, data)
    listing = target / COPIED_LIST
    previous = listing.read_text(encoding="utf-8").splitlines() if listing.is_file() else []
    for rel in set(previous) - set(files):
        if rel and ".." not in rel.split("/"):
            (target / rel).unlink(missing_ok=True)
    _write(listing, "".join(f"{rel}\n" for rel in files).encode("utf-8"))
    (target / STATIC / CACHE).mkdir(parents=True, exist_ok=True)
    return target


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


__all__ = [
    "APP_DIR",
    "APP_PARTS",
    "CHECKOUT",
    "DATA_DIR",
    "ENTRY_SCRIPT",
    "PACKAGE_DIR",
    "app_files",
    "app_files_in",
    "default_store_path",
    "home",
    "prepare_served_app",
    "served_app_dir",
    "served_static_dir",
]
