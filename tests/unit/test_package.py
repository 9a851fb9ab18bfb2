"""mapdata as a package: a regular package with a version (``mapdata --version``), and its files found by
one module, mapdata.resources, in this checkout and as installed (tests/e2e/test_wheel.py runs a built wheel)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

import mapdata
from mapdata import resources
from mapdata.cli import main
from mapdata.map.clientmap import STATIC_DIR
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.store import DEFAULT_STORE_PATH

ROOT = Path(__file__).resolve().parents[2]


def test_mapdata_is_a_regular_package_of_this_checkout() -> None:
    assert mapdata.__file__ == str(ROOT / "src" / "mapdata" / "__init__.py")  # not a namespace merged with another copy
    assert mapdata.__version__ == version("mapdata")


def test_the_command_tells_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"mapdata {mapdata.__version__}"


def test_the_checkout_s_files_are_found_where_they_are() -> None:
    assert resources.CHECKOUT == ROOT
    assert resources.DATA_DIR == ROOT / "geodata" == DEFAULT_DATA_DIR
    assert resources.home() == ROOT / "data" and DEFAULT_STORE_PATH == ROOT / "data" / "mapdata.gpkg"
    app = ROOT
    assert resources.APP_DIR == app == resources.served_app_dir() == resources.prepare_served_app()
    assert STATIC_DIR == app / "static"  # Streamlit serves the static/ beside the entry script
    shipped = resources.app_files()
    assert {
        "dashboard.py",
        ".streamlit/config.toml",
        "pages/3_Sources.py",
        "static/mapdata/mapdata.js",
        "static/vendor/leaflet/leaflet.js",
    } <= set(shipped)
    assert not [f for f in shipped if f.startswith("static/cache/") or "__pycache__" in f]


def test_only_resources_locates_files_from_its_own_path() -> None:
    package = ROOT / "src" / "mapdata"
    locating = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "__file__" in p.read_text(encoding="utf-8") and "app" not in p.relative_to(package).parts[:1]
    )
    assert locating == ["resources.py"]


def test_installed_the_app_runs_from_a_writable_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed (no checkout), nothing is written into the package: the store, the secret and the served
    app (whose static/cache/ the browser-side map fills) are in $XDG_DATA_HOME/mapdata."""
    monkeypatch.setattr(resources, "CHECKOUT", None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    home = tmp_path / "xdg" / "mapdata"
    assert resources.home() == home and resources.default_store_path() == home / "mapdata.gpkg"
    monkeypatch.setenv("XDG_DATA_HOME", "relative")  # not absolute: ignored, as the XDG spec says
    assert resources.home() == Path.home() / ".local" / "share" / "mapdata"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))

    served = resources.prepare_served_app()
    assert served == home / "app" == resources.served_app_dir() and resources.served_static_dir() == served / "static"
    for rel in resources.app_files():
        assert (served / rel).read_bytes() == (resources.APP_DIR / rel).read_bytes()
    assert (served / "static" / "cache").is_dir()

    # a later start: an edited file is brought back, a file an older version shipped goes, the rest stays
    (served / "pages" / "3_Sources.py").write_text("stale", encoding="utf-8")
    (served / "pages" / "9_Gone.py").write_text("from an older version", encoding="utf-8")
    listing = served / resources.COPIED_LIST
    listing.write_text(listing.read_text(encoding="utf-8") + "pages/9_Gone.py\n", encoding="utf-8")
    (served / ".streamlit" / "secrets.toml").write_text("[mapdata]\n", encoding="utf-8")
    (served / "static" / "cache" / "kept.json.gz").write_bytes(b"published")
    resources.prepare_served_app()
    assert (served / "pages" / "3_Sources.py").read_bytes() == (
        resources.APP_DIR / "pages" / "3_Sources.py"
    ).read_bytes()
    assert not (served / "pages" / "9_Gone.py").exists()
    assert (served / ".streamlit" / "secrets.toml").is_file() and (
        served / "static" / "cache" / "kept.json.gz"
    ).is_file()
    assert not list(served.rglob("*.part"))
