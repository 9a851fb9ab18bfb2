"""The Edit page's background import (ImportJob): progress while checking, one transaction to write (both backends)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from mapdata.exchange import ImportJob
from mapdata.store import Store


def _rows(path: Path, count: int) -> Path:
    lines = ["name,lat,lon,force,start,source,quote"]
    lines += [f"Village {n},34.{n:04d},36.5,russia,2018-01-01,Agency,Report {n}." for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_import_job_reports_progress_then_writes_in_one_transaction(
    store: Store, store_url: str, opener: Callable[..., Store], tmp_path: Path
) -> None:
    job = ImportJob(_rows(tmp_path / "rows.csv", 1_000), existing=store.scenario())
    seen: list[str] = []
    job.check()
    while job.running:
        seen.append(job.text)
        job.join(0.01)
    assert job.state == "checked" and job.additions is not None, (job.problems, job.error)
    assert job.additions.summary() == "1000 places, 1 source, 1000 events, 1000 control periods"
    assert job.text == "rows.csv: 1000 places, 1 source, 1000 events, 1000 control periods to add"
    assert any(text.startswith("Checking rows.csv") for text in seen)
    before = store.revision()

    @contextlib.contextmanager
    def writer() -> Iterator[Store]:
        yield opener(store_url)

    job.write(writer, user="rana")
    job.join()
    assert job.state == "done" and job.text == "Imported rows.csv: 3,001 records added."
    assert store.revision() == job.revision > before
    assert len(store.scenario().places) == 11 + 1_000


def test_an_import_job_that_is_refused_lists_the_problems(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,lat,lon,uncertainty_m\nX,34.5,36.5,inf\n", encoding="utf-8")
    job = ImportJob(path, existing=store.scenario())
    job.check()
    job.join()
    assert job.state == "refused"
    assert [str(p) for p in job.problems] == ["bad.csv, row 2, field 'uncertainty_m': inf is not a finite number"]


def test_an_uploaded_file_leaves_nothing_behind_and_is_written_once(
    store: Store, store_url: str, opener: Callable[..., Store], tmp_path: Path
) -> None:
    data = _rows(tmp_path / "rows.csv", 20).read_bytes()
    job = ImportJob.of_upload("rows.csv", data, existing=store.scenario())
    folder = job.path.parent
    assert folder.is_dir()
    job.check()
    job.join()
    assert job.state == "checked"
    assert not folder.exists()  # the temporary copy is gone once read, whatever happens next
    refused = ImportJob.of_upload(
        "bad.csv", b"name,lat,lon,uncertainty_m\nX,34.5,36.5,inf\n", existing=store.scenario()
    )
    refused.check()
    refused.join()
    assert refused.state == "refused" and not refused.path.parent.exists()

    @contextlib.contextmanager
    def writer() -> Iterator[Store]:
        yield opener(store_url)

    before = store.revision()
    job.write(writer, user="rana")
    job.write(writer, user="rana")  # a second click while it writes
    job.join()
    job.write(writer, user="rana")  # and after it is done
    job.join()
    assert job.state == "done"
    assert store.revision() == job.revision > before
    assert len(store.scenario().places) == 11 + 20
