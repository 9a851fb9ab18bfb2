"""scripts/build_gazetteer.py on bad Who's On First archives: a clear message naming the file (and the record), and
the gazetteer already written left whole."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import shutil
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "geodata" / "raw" / "geodata-sources"


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_gazetteer_bad_input", ROOT / "scripts" / "build_gazetteer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    """A copy of the raw inputs whose Who's On First archives the tests can spoil."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    return target


def _archive(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_missing_archive_is_named(build: ModuleType, sources: Path) -> None:
    target = sources / build.WOF_ARCHIVES[1]
    target.unlink()
    with pytest.raises(build.BuildError, match=r"whosonfirst-data-admin-lb_b881be30\.tar\.gz: .*not found"):
        build.read_wof_archive(target)


def test_a_truncated_archive_is_named(build: ModuleType, sources: Path) -> None:
    target = sources / build.WOF_ARCHIVES[1]
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(build.BuildError, match=r"whosonfirst-data-admin-lb_b881be30\.tar\.gz: not a readable gzip tar"):
        build.read_wof_archive(target)


def test_a_file_that_is_not_an_archive_is_named(build: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "wof.tar.gz"
    target.write_bytes(gzip.compress(b"this is not a tar archive at all" * 40))
    with pytest.raises(build.BuildError, match=r"wof\.tar\.gz: not a readable gzip tar"):
        build.read_wof_archive(target)


def test_an_archive_without_records_is_named(build: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "empty.tar.gz"
    _archive(target, {"repo/README.md": b"nothing here"})
    with pytest.raises(build.BuildError, match=r"empty\.tar\.gz: no Who's On First records"):
        build.read_wof_archive(target)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not GeoJSON"),
        (
            json.dumps({"type": "Feature", "properties": {"wof:id": 1, "wof:placetype": "locality"}}).encode(),
            "field geom:latitude missing",
        ),
        (
            json.dumps(
                {
                    "type": "Feature",
                    "properties": {
                        "wof:id": "x1",
                        "wof:placetype": "locality",
                        "geom:latitude": 1,
                        "geom:longitude": 2,
                    },
                }
            ).encode(),
            "field wof:id is not a number",
        ),
    ],
)
def test_a_bad_record_is_named_with_its_file(build: ModuleType, tmp_path: Path, content: bytes, says: str) -> None:
    target = tmp_path / "bad.tar.gz"
    _archive(target, {"repo/data/101/1.geojson": content})
    with pytest.raises(build.BuildError) as caught:
        build.read_wof_archive(target)
    assert "bad.tar.gz: record repo/data/101/1.geojson" in str(caught.value) and says in str(caught.value)


def test_a_failed_build_leaves_the_written_gazetteer_whole(
    build: ModuleType, sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "gazetteer").mkdir(parents=True)
    (out / "places.geojson").write_bytes((ROOT / "geodata" / "places.geojson").read_bytes())
    before = b'{"entries":[]}\n'
    (out / "gazetteer" / "gazetteer.json").write_bytes(before)
    target = sources / build.WOF_ARCHIVES[0]
    target.write_bytes(target.read_bytes()[:100_000])
    assert build.main(["--sources", str(sources), "--out", str(out)]) == 1
    assert "whosonfirst-data-admin-sy_2db0f03b.tar.gz" in capsys.readouterr().err
    assert (out / "gazetteer" / "gazetteer.json").read_bytes() == before
    assert sorted(p.name for p in (out / "gazetteer").iterdir()) == ["gazetteer.json"]  # no temporary file left
