"""Batches: the stages run over several documents at once, each stage over all of them before the next
(Pipeline.process_batch / process_files), and each document comes out as it does alone."""
from pathlib import Path

import pytest

from extract.pipeline import BATCH, Pipeline
from extract.workers import BATCH_BYTES, batches

from conftest import SEEDS, SHARED

DOCS = sorted(SEEDS.glob("*.txt")) + sorted((SHARED / "dev" / "docs").glob("*"))


def state(doc):
    """All a Doc holds (spans, sections and problems as tuples of their fields), but its timings."""
    s = doc.__getstate__()
    del s["timings"]
    return s


@pytest.fixture(scope="module")
def alone():
    p = Pipeline()
    return [state(p.process_file(path, path.stem)) for path in DOCS]


def test_the_real_documents_are_all_here():
    assert len(DOCS) == 15


def test_a_batch_gives_each_document_what_it_gets_alone(alone):
    docs = Pipeline().process_files([(path, path.stem) for path in DOCS])
    assert [d.doc_id for d in docs] == [path.stem for path in DOCS]
    assert all(d.status == "ok" for d in docs)
    for path, d, want in zip(DOCS, docs, alone):
        assert state(d) == want, path.name


def test_in_reverse_order_too(alone):
    docs = Pipeline().process_files([(path, path.stem) for path in reversed(DOCS)])
    assert [state(d) for d in reversed(docs)] == alone


def test_stage_timings_cover_every_stage():
    p = Pipeline()
    d = p.process_files([(DOCS[0], "a"), (DOCS[1], "b")])[1]
    assert list(d.timings) == p.stage_names
    assert all(v >= 0 for v in d.timings.values())


class Boom:
    """A stage with a bug that only one document finds."""
    name = "boom"

    def __call__(self, doc):
        if "审计" in doc.text:
            raise RuntimeError("boom")


def test_a_stage_that_fails_on_one_document_fails_only_that_one(alone, tmp_path):
    p = Pipeline()
    p.stages.insert(5, Boom())
    hit = [i for i, d in enumerate(Pipeline().process_files([(path, path.stem) for path in DOCS])) if "审计" in d.text]
    assert 1 <= len(hit) < len(DOCS)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    tasks = [(path, path.stem) for path in DOCS]
    tasks.insert(3, (empty, "empty"))
    docs = p.process_files(tasks)
    assert docs.pop(3).status == "error"
    for i, (d, want) in enumerate(zip(docs, alone)):
        if i in hit:
            assert (d.status, d.error, d.spans) == ("error", f"internal error: RuntimeError: boom (at {Path(__file__).name}:{Boom.__call__.__code__.co_firstlineno + 2})", [])
        else:
            assert d.status == "ok" and state(d) == want, DOCS[i].name


def test_a_failed_read_keeps_its_reason_in_a_batch(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    p = Pipeline()
    with_others = p.process_files([(DOCS[0], "a"), (empty, "empty"), (tmp_path / "missing.txt", "missing")])
    alone = [p.process_file(empty, "empty"), p.process_file(tmp_path / "missing.txt", "missing")]
    assert [(d.status, d.error) for d in with_others[1:]] == [(d.status, d.error) for d in alone]
    assert all(d.status == "error" and d.error for d in alone)
    assert with_others[0].status == "ok"


def test_process_text_still_raises_what_a_stage_raises():
    p = Pipeline()
    p.stages.insert(0, Boom())
    with pytest.raises(RuntimeError, match="boom"):
        p.process_text("关于审计查出问题整改情况的报告")
    assert p.process_text("关于整改情况的通报").status == "ok"


def test_an_empty_batch():
    assert Pipeline().process_files([]) == []
    assert Pipeline().process_batch([]) == {}


def test_batches_are_at_most_the_size(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("通报", encoding="utf-8")
    tasks = [(small, str(i)) for i in range(2 * BATCH + 5)]
    assert [len(b) for b in batches(tasks)] == [BATCH, BATCH, 5]
    assert [t for b in batches(tasks) for t in b] == tasks
    assert [len(b) for b in batches(tasks[:3], size=1)] == [1, 1, 1]
    assert list(batches([])) == []


def test_a_large_file_closes_its_batch(tmp_path):
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text("通报", encoding="utf-8")
    big.write_bytes(b"a" * BATCH_BYTES)
    tasks = [(small, "a"), (big, "b"), (small, "c"), (tmp_path / "missing.txt", "d")]
    assert [[i for _, i in b] for b in batches(tasks)] == [["a", "b"], ["c", "d"]]


def test_more_files_than_a_batch_go_in_batches(monkeypatch):
    p = Pipeline()
    sizes = []
    real = p.process_batch
    monkeypatch.setattr(p, "process_batch", lambda docs: sizes.append(len(docs)) or real(docs))
    tasks = [(DOCS[i % len(DOCS)], str(i)) for i in range(BATCH + 3)]
    docs = p.process_files(tasks)
    assert sizes == [BATCH, 3]
    assert [d.doc_id for d in docs] == [str(i) for i in range(BATCH + 3)]


def test_the_batch_benchmark_runs(tmp_path):
    """benchmarks/batch_ab.py keeps working (figures only, no timing thresholds)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "batch_ab.py"), "--docs", "12", "--batch", "5",
                        "--keep", str(tmp_path)], capture_output=True, text=True, cwd=str(root), timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "12 documents, batches of 5; CPU ms per document"
    assert "gain" in lines[1] and "pipeline/jieba ratio" in lines[2]
    stages = [ln.split()[0] for ln in lines[4:]]
    assert sorted(stages) == sorted(Pipeline().stage_names)
