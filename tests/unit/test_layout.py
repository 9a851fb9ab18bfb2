"""The package's layout is its architecture: each part imports only the parts below it, and the README's
Layout section names every module there is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "mapdata"
#: Bottom to top (docs/architecture.md): a module may import from its own part and the parts before it.
LAYERS = ("resources", "heap", "model", "config", "store", "map", "text", "exchange", "synth", "ui", "cli", "testing")


def _part(module: str) -> str:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else ""


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("mapdata", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        out[name] = path
    return out


def test_every_part_is_a_layer() -> None:
    parts = {_part(name) for name in _modules()} - {""}
    assert parts == set(LAYERS)


def test_each_part_imports_only_the_parts_below_it() -> None:
    upward = []
    for name, path in _modules().items():
        here = _part(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mapdata."):
                there = _part(node.module)
                if there != here and LAYERS.index(there) > LAYERS.index(here):
                    upward.append(f"{name} imports {node.module}")
    assert upward == []


def test_only_ui_imports_streamlit() -> None:
    users = sorted(
        name
        for name, path in _modules().items()
        if re.search(r"^\s*(import|from) streamlit\b", path.read_text(encoding="utf-8"), re.M) and _part(name) != "ui"
    )
    assert users == []


def test_the_readme_layout_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") : readme.index("## Licence")]
    words = set(re.findall(r"[A-Za-z_]+", layout))
    missing = sorted(
        name for name in _modules() if name != "mapdata" and name.rsplit(".", 1)[-1] not in words | {"__init__"}
    )
    assert missing == []
    for folder in sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert f"{folder}/" in layout, folder


def test_the_readme_lists_the_parts_top_down_in_layer_order() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") : readme.index("## Licence")]
    listed = [m.group(1) for m in re.finditer(r"^  (\w+)(?:\.py|/)\s", layout, re.M)]
    parts = [name for name in listed if name in LAYERS and name != "testing"]
    assert parts == [name for name in reversed(LAYERS) if name in parts]


def test_only_config_reads_the_environment() -> None:
    """One settings object: config.settings() reads mapdata's variables (resources reads the platform's
    XDG_DATA_HOME; the CLI hands --store to the app it starts by setting MAPDATA_STORE)."""
    readers = sorted(
        name
        for name, path in _modules().items()
        if re.search(r"os\.environ(?!\[\"MAPDATA_STORE\"\] =)|os\.getenv", path.read_text(encoding="utf-8"))
        and name not in ("mapdata.config", "mapdata.resources")
    )
    assert readers == []
