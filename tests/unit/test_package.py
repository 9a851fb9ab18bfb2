"""mapdata as a package: a regular package with a version, and ``mapdata --version``."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

import mapdata
from mapdata.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_mapdata_is_a_regular_package_of_this_checkout() -> None:
    assert mapdata.__file__ == str(ROOT / "src" / "mapdata" / "__init__.py")  # not a namespace merged with another copy
    assert mapdata.__version__ == version("mapdata")


def test_the_command_tells_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"mapdata {mapdata.__version__}"
