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


def test_the_workers_put_their_documents_into_the_store_and_the_parent_puts_none(tmp_path, monkeypatch):
    import os

    from extract.api import run
    from extract.store import Store

    parent, puts = os.getpid(), []
    real = Store.put

    def put(self, doc, *a, **k):
        puts.append((os.getpid(), doc.doc_id))  # (a worker appends to its own copy of the list)
        return real(self, doc, *a, **k)
    monkeypatch.setattr(Store, "put", put)
    one = run([SEEDS], out=tmp_path / "one")
    assert [p for p, _ in puts] == [parent] * 5
    puts.clear()
    two = run([SEEDS], out=tmp_path / "two", jobs=2)
    assert puts == []
    for name in ("documents", "sections", "problems", "facts", "indicators", "checks"):
        a, b = one[name], two[name]
        if name == "documents":
            a, b = a.drop(columns=["path"]), b.drop(columns=["path"])
        assert a.equals(b), name
    # the content hashes the workers stored let the next run skip every document
    assert (run([SEEDS], out=tmp_path / "two", jobs=2).skipped) == 5
    # and the store stands alone once the run is over: the workers' connections are closed
    assert not (tmp_path / "two" / "zhenggai.sqlite-wal").exists()
    assert (tmp_path / "two" / "zhenggai.sqlite").read_bytes()[18:20] == b"\x01\x01"  # not WAL (2, 2)


def test_a_batch_the_store_cannot_take_goes_back_to_the_parent_unstored(seed_docs, tmp_path):
    import sqlite3

    from extract.rules import load_rules
    from extract.store import Incremental, Store
    from extract.workers import Preparer, store_batch

    docs = [seed_docs[k] for k in sorted(seed_docs)][:2]
    st = Store(tmp_path / "z.sqlite")
    prepare = Preparer(load_rules(), lean=True)
    cr = prepare.cr
    st.use_derive(cr, prepare.derive_hash)
    st.begin_run("r")
    writer = Store.writer(st.writer_spec(), prepare.cb, cr)
    writer.conn.execute("PRAGMA busy_timeout = 50")
    prepared = [prepare(_copy(d)) for d in docs]
    other = sqlite3.connect(tmp_path / "z.sqlite", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # someone else holds the store
    store_batch(writer, prepared, ["h0", "h1"], lean=True)
    assert [getattr(d, "stored", False) for d in prepared] == [False, False]
    assert all(d.prepared and d.text for d in prepared)  # all the parent needs to put them
    other.execute("ROLLBACK")
    other.close()
    inc = Incremental(st, "r")
    inc.hashes = {d.doc_id: "h" for d in prepared}
    assert [d.doc_id for d in inc.merge([("", d.doc_id) for d in prepared], iter(prepared))] == [d.doc_id for d in docs]
    assert st.doc_ids() == sorted(d.doc_id for d in docs)
    # a batch it can take is stored, each document marked, and what only putting it needed is gone
    again = [prepare(_copy(d)) for d in docs]
    for d in again:
        d.text_written = True
    store_batch(writer, again, ["h0", "h1"], lean=True)
    assert [(d.stored, d.prepared, d.text) for d in again] == [(True, None, "")] * 2
    assert [r for r in st.conn.execute("SELECT doc_id, content_hash, run_id FROM documents ORDER BY doc_id")] == \
        sorted((d.doc_id, h, st.run_id) for d, h in zip(docs, ["h0", "h1"]))
    writer.conn.close()
    st.close()


def _copy(doc):
    import pickle

    return pickle.loads(pickle.dumps(doc))


def test_a_detached_store_holds_no_file_open_and_reconnects_as_it_was(tmp_path):
    import os

    from extract.store import Store

    def open_files():
        return {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                if os.path.exists(f"/proc/self/fd/{fd}")}

    st = Store(tmp_path / "z.sqlite")
    run_id = st.begin_run("r")
    path = str((tmp_path / "z.sqlite").resolve())
    assert path in open_files()
    with st.detached():
        assert st.conn is None
        assert not any(f.startswith(path) for f in open_files())
    assert st.run_id == run_id and st.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    st.close()


def test_a_parallel_run_that_stops_midway_raises_its_own_error_and_keeps_whole_documents(tmp_path):
    from extract.api import run
    from extract.store import Store

    class Stop(Exception):
        pass

    class Bar:
        n = 0

        def update(self, k):
            Bar.n += k
            if Bar.n == 2:
                raise Stop()

        def close(self):
            pass

    with pytest.raises(Stop):  # (not an error of closing the store the workers still had open)
        run([SEEDS], out=tmp_path / "out", jobs=2, progress=lambda total: Bar())
    with Store(tmp_path / "out" / "zhenggai.sqlite") as st:
        ids = st.doc_ids()
        assert ids and set(ids) <= {p.stem for p in SEEDS.glob("*.txt")}
        for d in ids:  # each stored document is whole
            assert st.conn.execute("SELECT COUNT(*) FROM facts WHERE doc_id = ?", (d,)).fetchone()[0] > 0
    again = run([SEEDS], out=tmp_path / "out", jobs=2)
    assert (again.processed + again.skipped, again.errors) == (5, 0)


def test_a_worker_killed_while_it_writes_to_the_store_leaves_it_whole(tmp_path, monkeypatch):
    import os

    from extract.api import run
    from extract.store import Store

    parent = os.getpid()
    real = Store.put
    once = tmp_path / "stuck-once"

    def put(self, doc, *a, **k):
        real(self, doc, *a, **k)
        if os.getpid() != parent and doc.doc_id == "b_stuck" and not once.exists():
            once.touch()
            time.sleep(30)  # inside the worker's transaction, with rows of the batch written
    monkeypatch.setattr(Store, "put", put)
    (tmp_path / "in").mkdir()
    for n in ("a_fine", "b_stuck", "c_fine"):
        (tmp_path / "in" / f"{n}.txt").write_text("关于整改情况的通报\n", encoding="utf-8")
    t0 = time.monotonic()
    res = run([tmp_path / "in"], out=tmp_path / "out", jobs=2, budget=1.0)
    assert time.monotonic() - t0 < 20
    # the batch was done again, a document at a time
    assert once.exists() and (res.processed, res.errors) == (3, 0)
    with Store(tmp_path / "out" / "zhenggai.sqlite") as st:
        assert st.doc_ids() == ["a_fine", "b_stuck", "c_fine"]
        assert st.check_integrity() == []
    assert run([tmp_path / "in"], out=tmp_path / "out", jobs=2).skipped == 3
