"""The README's commands name files that ship with the project."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"^\s*(?:\S*/)?mapdata\s+(\S+)\s+(.*)$")


def _commands(name: str) -> list[list[str]]:
    found = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        match = COMMAND.match(line.split("  #", 1)[0])
        if match and match.group(1) == name:
            found.append(shlex.split(match.group(2)))
    return found


def test_the_readme_imports_a_file_that_ships() -> None:
    imports = _commands("import")
    assert imports, "the README shows no `mapdata import` command"
    for args in imports:
        files = [arg for arg in args if not arg.startswith("-") and "." in Path(arg).name]
        assert files, args
        for name in files:
            assert (ROOT / name).is_file(), (
                f"the README's `mapdata import {' '.join(args)}` names {name}, which does not ship"
            )
