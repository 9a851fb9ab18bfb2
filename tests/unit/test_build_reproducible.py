"""The committed geodata/ is exactly what scripts/build_geodata.py makes from the raw inputs."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "geodata" / "raw"  # the vendored raw inputs (a copy of ../shared/geodata-sources and the seed article)
HAND_AUTHORED = (
    "lexicon/",
    "raw/",
    "gazetteer/theatre.json",
)  # edited in place (lexicon, the theatre) or the build's inputs (raw): read, not written


def _files(folder: Path) -> set[str]:
    names = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    return {n for n in names if not n.startswith(HAND_AUTHORED)}


def test_build_script_reproduces_the_committed_geodata(tmp_path: Path) -> None:
    out = tmp_path / "geodata"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_geodata.py"),
            "--sources",
            str(RAW / "geodata-sources"),
            "--out",
            str(out),
            "--article",
            str(RAW / "seed" / "article.txt"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    committed = ROOT / "geodata"
    assert _files(out) == _files(committed)
    different = [name for name in sorted(_files(out)) if not filecmp.cmp(out / name, committed / name, shallow=False)]
    assert different == [], f"rebuild differs from the committed files: {different}"
