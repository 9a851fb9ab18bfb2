"""The wheel works on its own: built from this checkout, installed into a fresh venv, ``mapdata serve`` shows the seed map.

The wheel is built from a copy of the checkout (so no build/ folder of an earlier build, nor
the app's run-time cache, can slip into it) with ``pip wheel``, and installed without its
dependencies into a new venv; the venv reaches the third-party packages (streamlit, geopandas…)
through a .pth line naming this test environment's site-packages, whose own .pth files (this
checkout's editable install among them) Python does not run. So mapdata itself comes only from
the wheel, which the test checks. Then ``mapdata --version`` answers, and ``mapdata serve``,
run outside the checkout, shows the seed map offline in Chromium; it writes its store and the
browser-side map's files in its data folder (``$XDG_DATA_HOME/mapdata``), never into the
installed package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e_server import ROOT, AppServer, ServerError
from e2e_support import MAP_IFRAME, Dashboard, NetworkLog
from mapdata import resources

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SKIPPED_AT_THE_TOP = {
    ".git",
    ".venv",
    "build",
    "dist",
    "data",
    "tmp",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".benchmarks",
}
WHEEL_LIMIT = 5 * 1024 * 1024  # the wheel is about 0.5 MB; geodata/raw/ alone is 9 MB


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    work: Path  # an empty folder to run the commands from, outside the checkout

    @property
    def mapdata(self) -> Path:
        return self.venv / "bin" / "mapdata"

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.work,
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAPDATA_") and k != "PYTHONPATH"}
        return {**env, "XDG_DATA_HOME": str(self.work / "xdg"), **extra}


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
    if Path(folder) == ROOT:
        skipped |= SKIPPED_AT_THE_TOP & set(names)
    if Path(folder) == resources.APP_DIR / "static":
        skipped.add("cache")  # the app's run-time cache (a fake one is put in the copy)
    return skipped


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_ignore)
    cache = source / "static" / "cache" / "0123abcd"
    cache.mkdir(parents=True)
    (cache / "scenario-0123.json.gz").write_bytes(b"published while an app ran: never shipped")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            str(base / "dist"),
        ]
    )
    (wheel,) = (base / "dist").glob("mapdata-*.whl")

    target = base / "venv"
    venv.create(target, with_pip=False, symlinks=True)
    python = target / "bin" / "python"
    # Installed before the .pth below exists, so that pip sees an empty environment (and never the checkout's mapdata).
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "--disable-pip-version-check",
            str(wheel),
        ]
    )
    site_packages = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=base).stdout.strip()
    )
    ours = dict.fromkeys(str(Path(p)) for p in (sysconfig.get_path("purelib"), sysconfig.get_path("platlib")))
    (site_packages / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    work = base / "work"
    work.mkdir()
    return Installed(wheel=wheel, venv=target, site_packages=site_packages, work=work)


def test_the_wheel_carries_the_app_and_the_scenario_and_no_more(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    app = {f"mapdata/app/{rel}" for rel in resources.app_files()}
    scenario = {
        f"mapdata/geodata/{p.relative_to(resources.DATA_DIR).as_posix()}"
        for p in resources.DATA_DIR.rglob("*")
        if p.is_file() and p.relative_to(resources.DATA_DIR).parts[0] != "raw"
    }
    assert app <= names and scenario <= names
    assert {
        "mapdata/__init__.py",
        "mapdata/resources.py",
        "mapdata/geodata/SOURCES.md",
        "mapdata/app/static/vendor/leaflet/leaflet.js",
        "mapdata/app/.streamlit/config.toml",
    } <= names
    assert not [
        n for n in names if n.startswith(("mapdata/geodata/raw/", "mapdata/app/static/cache/")) or "__pycache__" in n
    ]
    assert installed.wheel.stat().st_size < WHEEL_LIMIT


def test_the_installed_command_tells_its_version_and_runs_the_wheel_s_code(installed: Installed) -> None:
    done = installed.run(str(installed.mapdata), "--version")
    assert done.returncode == 0, done.stderr
    version = installed.wheel.name.split("-")[1]
    assert done.stdout.strip() == f"mapdata {version}"

    probe = (
        "import json, mapdata\nfrom mapdata import resources\n"
        "print(json.dumps({'file': mapdata.__file__, 'version': mapdata.__version__, 'checkout': str(resources.CHECKOUT),"
        " 'data': str(resources.DATA_DIR), 'app': str(resources.APP_DIR), 'home': str(resources.home())}))"
    )
    done = installed.run(str(installed.venv / "bin" / "python"), "-c", probe)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["file"]) == installed.site_packages / "mapdata" / "__init__.py"  # the wheel's, not the checkout's
    assert found["version"] == version and found["checkout"] == "None"
    assert Path(found["data"]) == installed.site_packages / "mapdata" / "geodata"
    assert (Path(found["data"]) / "SOURCES.md").is_file() and not (Path(found["data"]) / "raw").exists()
    assert Path(found["app"]) == installed.site_packages / "mapdata" / "app"
    assert Path(found["home"]) == installed.work / "xdg" / "mapdata"

    done = installed.run(str(installed.mapdata), "validate")  # the bundled scenario, as installed
    assert done.returncode == 0, done.stderr
    assert str(installed.site_packages / "mapdata" / "geodata") in done.stdout
    article = installed.site_packages / "mapdata" / "geodata" / "sources" / "enab_baladi_2018_06_russia_iran.txt"
    done = installed.run(str(installed.mapdata), "extract", str(article), "--published", "2018-06-08")
    assert done.returncode == 0, done.stderr  # the text pipeline finds its gazetteer and lexicon in the package
    assert "al_qusayr" in done.stdout


def _serve(installed: Installed, **env: str) -> AppServer:
    server = AppServer(mapdata=[str(installed.mapdata)], cwd=installed.work, env=installed.env(MAPDATA_STORE="", **env))
    try:
        return server.start()
    except ServerError as exc:
        server.close()
        pytest.fail(f"the installed dashboard did not start:\n{exc}", pytrace=False)


def test_mapdata_serve_shows_the_seed_map(installed: Installed, page: Page, network_log: NetworkLog) -> None:
    server = _serve(installed)
    try:
        dashboard = Dashboard(page, server).open("?date=2018-06-10", date="2018-06-10")
        expect(dashboard.map.locator(".mapdata-asof-date")).to_have_text(re.compile(r"10 June 2018"))
        for place_id in ("qusayr_position_1", "qusayr_position_2", "qusayr_position_3"):
            expect(
                dashboard.places(f".mapdata-place-{place_id}.mapdata-force-syrian_regime.mapdata-status-control")
            ).to_have_count(1)
        assert dashboard.map.locator(".leaflet-pane path:not(.mapdata-place)").count() > 0, "no base-map boundaries"
        assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in network_log.requested)
        assert "11 places preloaded" in server.output()
    finally:
        server.close()
    home = installed.work / "xdg" / "mapdata"
    assert (home / "mapdata.gpkg").is_file()  # the default store, seeded from the bundled scenario
    assert (home / "app" / "dashboard.py").is_file()  # the served copy of the app
    assert not list(installed.work.glob("*.gpkg")) and not (installed.work / "data").exists()


def test_the_browser_side_map_writes_its_files_in_the_data_folder(installed: Installed, page: Page) -> None:
    server = _serve(installed, MAPDATA_CLIENT_MAP="on")
    try:
        page.goto(f"{server.url}/?date=2018-06-04")
        frame = page.frame_locator(MAP_IFRAME)
        frame.locator('body[data-mapdata-date="2018-06-04"]').wait_for(state="attached", timeout=30_000)
        state = frame.locator("body").evaluate(
            "() => { const c = window.mapdataClient; const i = c.bundle.places.findIndex(p => p.id === 'qusayr_position_1');"
            " return c.style[i]; }"
        )
        assert state == "contested|russia"
    finally:
        server.close()
    home = installed.work / "xdg" / "mapdata"
    assert list((home / "app" / "static" / "cache").rglob("scenario-*.json.gz"))
    assert (home / "cache.secret").is_file()
    assert not (installed.site_packages / "mapdata" / "app" / "static" / "cache").exists()  # nothing written there
