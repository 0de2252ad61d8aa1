"""Worker processes: the same tables as one process, and a per-document time budget."""
import csv
import time

import pytest

from conftest import SEEDS
from extract.pipeline import Pipeline
from extract.run import run_files

TABLES = ("documents", "sections", "problems", "facts")


def rows(out, name):
    with open(out / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_two_jobs_give_the_same_tables_as_one(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"")
    inputs = [str(SEEDS), str(tmp_path / "bad.txt")]
    one = run_files(inputs, tmp_path / "one", jobs=1)
    two = run_files(inputs, tmp_path / "two", jobs=2)
    assert (one.ok, one.error) == (two.ok, two.error) == (5, 1)
    for t in TABLES:
        assert (tmp_path / "one" / f"{t}.csv").read_bytes() == (tmp_path / "two" / f"{t}.csv").read_bytes(), t


@pytest.fixture
def slow_pipeline(monkeypatch):
    real = Pipeline.new_doc

    def new_doc(self, raw, doc_id="doc", path="", **kw):
        if "慢" in raw:
            time.sleep(30)
        return real(self, raw, doc_id, path, **kw)
    monkeypatch.setattr(Pipeline, "new_doc", new_doc)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_over_its_time_budget_is_an_error_and_the_run_goes_on(tmp_path, slow_pipeline, jobs):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_slow.txt").write_text("慢\n", encoding="utf-8")
    (tmp_path / "in" / "b_fine.txt").write_text("关于整改情况的通报\n", encoding="utf-8")
    (tmp_path / "in" / "c_fine.txt").write_text("关于整改情况的公示\n", encoding="utf-8")
    t0 = time.monotonic()
    summary = run_files([str(tmp_path / "in")], tmp_path / "out", jobs=jobs, budget=1.0)
    assert time.monotonic() - t0 < 20
    docs = rows(tmp_path / "out", "documents")
    assert [(d["doc_id"], d["status"]) for d in docs] == [("a_slow", "error"), ("b_fine", "ok"), ("c_fine", "ok")]
    assert docs[0]["error"] == "time budget exceeded (1 s per document)"
    assert (summary.ok, summary.error) == (2, 1)
