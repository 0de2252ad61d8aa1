"""The SQLite store: schema, one transaction per document, skipping unchanged files, interruption."""
from __future__ import annotations

import csv
import shutil
import sqlite3

import pytest

from conftest import SEEDS
from extract.api import run
from extract.codebook import load_codebook
from extract.output import _cell, document_row, fact_rows, problem_rows, section_rows
from extract.store import DEFAULT_NAME, Store, doc_fields_stored, file_hash, rules_fingerprint


@pytest.fixture()
def corpus(tmp_path):
    src = tmp_path / "corpus"
    shutil.copytree(SEEDS, src)
    return src


class Stop(Exception):
    pass


def stopping_at(n: int):
    """A progress bar that stops the run once ``n`` documents are in."""
    class Bar:
        def __init__(self, total):
            self.n = 0

        def update(self, k):
            self.n += k
            if self.n == n:
                raise Stop

        def close(self):
            pass
    return Bar


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# -- schema ---------------------------------------------------------------------
def test_schema_has_keys_foreign_keys_and_indexes(tmp_path):
    st = Store(tmp_path / "s.sqlite")
    st.close()
    c = sqlite3.connect(tmp_path / "s.sqlite")
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"documents", "texts", "runs", "sections", "problems", "facts", "indicators", "problem_register",
            "checks", "meta"} <= tables
    pk = {r[1]: r[5] for r in c.execute("PRAGMA table_info(facts)") if r[5]}
    assert pk == {"doc_id": 1, "fact_id": 2}
    fks = {(r[2], r[3], r[4], r[6]) for r in c.execute("PRAGMA foreign_key_list(facts)")}
    assert ("documents", "doc_id", "doc_id", "CASCADE") in fks
    assert ("problems", "problem_id", "problem_id", "CASCADE") in fks
    assert {r[2] for r in c.execute("PRAGMA foreign_key_list(checks)")} == {"documents"}
    idx = {r[1] for r in c.execute("PRAGMA index_list(checks)")}
    assert "checks_kind_verdict" in idx
    types = {r[1]: r[2] for r in c.execute("PRAGMA table_info(indicators)")}
    assert (types["value"], types["start"], types["indicator"]) == ("REAL", "INTEGER", "TEXT")
    # every column of the store is in the codebook, in its order
    cb = load_codebook()
    for t in ("documents", "sections", "problems", "facts", "indicators", "problem_register", "checks"):
        assert [r[1] for r in c.execute(f"PRAGMA table_info({t})")] == cb[t].names(store=True)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # the file stands alone once closed


def test_the_store_keeps_every_field_of_sections_problems_and_facts():
    cb = load_codebook()
    fields = doc_fields_stored()
    assert set(fields["Section"]) <= set(cb["sections"].names(store=True))
    assert set(fields["Problem"]) - {"attrs"} <= set(cb["problems"].names(store=True))
    span_cols = set(cb["facts"].names(store=True))
    assert set(fields["Span"]) <= span_cols


# -- one document ---------------------------------------------------------------------
def test_a_document_comes_back_as_it_was_put(seed_docs):
    doc = seed_docs["001"]
    st = Store()
    st.begin_run("r1")
    st.put(doc, "h1")
    back = st.load_doc(doc.doc_id)
    assert back.text == doc.text and back.status == "ok"
    assert document_row(back) == document_row(doc)
    assert list(section_rows(back)) == list(section_rows(doc))
    # as the CSV files write them (a list of status words comes back joined with ；)
    assert [{k: _cell(v) for k, v in r.items()} for r in problem_rows(back)] == \
        [{k: _cell(v) for k, v in r.items()} for r in problem_rows(doc)]
    assert list(fact_rows(back)) == list(fact_rows(doc))
    assert [s.heading_end for s in back.sections] == [s.heading_end for s in doc.sections]


def test_putting_a_document_again_replaces_it_and_never_doubles(seed_docs):
    doc = seed_docs["004"]
    st = Store()
    st.put(doc, "h1", "r1")
    st.put(doc, "h1", "r1")
    st.put(doc, "h2", "r1")
    n = {t: st.conn.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", (doc.doc_id,)).fetchone()[0]
         for t in ("documents", "texts", "sections", "problems", "facts")}
    assert n == {"documents": 1, "texts": 1, "sections": len(doc.sections), "problems": len(doc.problems),
                 "facts": len(doc.spans)}
    assert st.is_current(doc.doc_id, "h2", "r1")
    assert not st.is_current(doc.doc_id, "h1", "r1")
    assert not st.is_current(doc.doc_id, "h2", "r2")
    assert not st.is_current("other", "h2", "r1")
    assert st.check_integrity() == []


def test_a_failure_inside_put_leaves_the_document_wholly_absent(seed_docs, monkeypatch):
    st = Store()
    st.put(seed_docs["000"], "h0", "r")
    doc = seed_docs["001"]
    real = st._insert_tuples

    def failing(table, rows):
        if table == "facts":
            raise RuntimeError("disk full")
        return real(table, rows)

    monkeypatch.setattr(st, "_insert_tuples", failing)
    with pytest.raises(RuntimeError):
        st.put(doc, "h1", "r")
    for t in ("documents", "texts", "sections", "problems", "facts"):
        assert st.conn.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", (doc.doc_id,)).fetchone()[0] == 0
    assert st.doc_ids() == [seed_docs["000"].doc_id]


def test_an_error_document_is_stored_with_its_reason(tmp_path):
    st = Store()
    from extract.doc import Doc

    d = Doc("", doc_id="bad", path="bad.txt")
    d.status, d.error = "error", "empty file"
    st.put(d, "h", "r")
    back = st.load_doc("bad")
    assert (back.status, back.error, back.sections, back.spans) == ("error", "empty file", [], [])
    assert st.table("documents").to_dict("records")[0]["error"] == "empty file"


def test_file_hash(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"abc")
    assert file_hash(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_hash(tmp_path / "missing.txt") == ""


def test_rules_fingerprint_changes_with_a_rule_file_but_not_with_checks(tmp_path):
    from extract.rules import RuleSet

    base = rules_fingerprint(RuleSet())
    (tmp_path / "checks.yaml").write_text("text_reuse:\n  min_chars: 30\n", encoding="utf-8")
    assert rules_fingerprint(RuleSet([tmp_path])) == base  # checks change derived tables only
    (tmp_path / "problems.yaml").write_text("single_cue_window: 500\n", encoding="utf-8")
    assert rules_fingerprint(RuleSet([tmp_path])) != base


# -- runs -------------------------------------------------------------------------------
def test_a_second_run_on_an_unchanged_corpus_processes_no_document(corpus, tmp_path):
    out = tmp_path / "out"
    first = run([corpus], out=out)
    assert (first.processed, first.skipped, first.derived_rebuilt) == (5, 0, True)
    tables1 = {n: (out / f"{n}.csv").read_bytes() for n in ("documents", "sections", "problems", "facts", "indicators",
                                                             "problem_register", "checks")}
    second = run([corpus], out=out)
    assert (second.processed, second.skipped, second.derived_rebuilt) == (0, 5, False)
    for n, data in tables1.items():
        assert (out / f"{n}.csv").read_bytes() == data, n
    # a changed file is processed again, alone, and the derived tables follow
    p = sorted(corpus.glob("*.txt"))[2]
    p.write_text(p.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    third = run([corpus], out=out)
    assert (third.processed, third.skipped, third.derived_rebuilt) == (1, 4, True)
    # --force processes everything
    assert run([corpus], out=out, force=True).processed == 5
    runs = sqlite3.connect(out / DEFAULT_NAME).execute("SELECT processed, skipped FROM runs ORDER BY run_id").fetchall()
    assert runs == [(5, 0), (0, 5), (1, 4), (5, 0)]


def test_an_interrupted_run_leaves_a_consistent_store_and_the_next_run_finishes(corpus, tmp_path):
    out = tmp_path / "out"

    with pytest.raises(Stop):
        run([corpus], out=out, progress=stopping_at(3))
    c = sqlite3.connect(out / DEFAULT_NAME)
    assert c.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    assert c.execute("SELECT finished FROM runs").fetchall() == [(None,)]
    assert not (out / "documents.csv").exists()  # the CSV files appear only with a completed run
    c.close()
    res = run([corpus], out=out)
    assert (res.processed, res.skipped) == (2, 3)
    assert len(res.documents) == 5 and res.documents.doc_id.is_unique
    c = sqlite3.connect(out / DEFAULT_NAME)
    for t in ("documents", "texts"):
        assert c.execute(f"SELECT count(*), count(DISTINCT doc_id) FROM {t}").fetchone() == (5, 5)
    assert c.execute("SELECT count(*) FROM facts").fetchone()[0] == len(res.facts)
    assert [r["doc_id"] for r in read(out / "documents.csv")] == sorted(p.stem for p in corpus.glob("*.txt"))


def test_a_file_gone_from_the_corpus_leaves_the_store(corpus, tmp_path):
    out = tmp_path / "out"
    run([corpus], out=out)
    gone = sorted(corpus.glob("*.txt"))[0]
    gone.unlink()
    res = run([corpus], out=out)
    assert (res.processed, res.skipped, res.removed) == (0, 4, 1)
    assert gone.stem not in set(res.documents.doc_id)
    c = sqlite3.connect(out / DEFAULT_NAME)
    assert c.execute("SELECT count(*) FROM facts WHERE doc_id = ?", (gone.stem,)).fetchone()[0] == 0
    assert c.execute("SELECT count(*) FROM checks WHERE doc_id = ? OR ref_doc_id = ?",
                     (gone.stem, gone.stem)).fetchone()[0] == 0


def test_a_store_of_another_schema_is_rebuilt(tmp_path):
    path = tmp_path / "s.sqlite"
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    c.execute("INSERT INTO meta VALUES ('schema', 'old')")
    c.execute("CREATE TABLE documents (doc_id TEXT)")
    c.commit()
    c.close()
    st = Store(path)
    assert st.rebuilt
    assert "content_hash" in [r[1] for r in st.conn.execute("PRAGMA table_info(documents)")]
    st.close()
    assert not Store(path).rebuilt


def test_a_document_given_up_for_time_is_tried_again_next_run(corpus, tmp_path, monkeypatch):
    from extract.pipeline import Pipeline
    from extract.workers import budget_error

    out = tmp_path / "out"
    one = sorted(corpus.glob("*.txt"))[:1]
    with monkeypatch.context() as m:
        m.setattr(Pipeline, "process_files", lambda self, tasks: [budget_error(p, i, 120) for p, i in tasks])
        first = run(one, out=out)
    assert first.documents.error.tolist() == ["time budget exceeded (120 s per document)"]
    second = run(one, out=out)
    assert (second.processed, second.skipped, second.errors) == (1, 0, 0)
    assert run(one, out=out).skipped == 1


def test_worker_processes_give_the_same_tables_and_the_store_skips_them_next_time(corpus, tmp_path):
    serial = run([corpus], out=tmp_path / "a")
    parallel = run([corpus], out=tmp_path / "b", jobs=2)
    for name in ("documents", "facts", "checks"):
        a, b = serial[name], parallel[name]
        if name == "documents":
            a, b = a.drop(columns=["path"]), b.drop(columns=["path"])
        assert a.equals(b), name
    for name in ("indicators", "problem_register", "checks"):  # (written while text reuse runs elsewhere)
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes(), name
    again = run([corpus], out=tmp_path / "b", jobs=2)
    assert (again.processed, again.skipped) == (0, 5)


def test_documents_put_in_one_batch_are_kept_whole_when_one_of_them_fails(seed_docs, monkeypatch, tmp_path):
    # a run commits documents in batches; a document whose put fails is wholly absent, the ones
    # put before it in the same batch are kept, and the error still stops the run
    from extract.store import Incremental

    docs = [seed_docs[k] for k in sorted(seed_docs)]
    tasks = [(tmp_path / f"{d.doc_id}.txt", d.doc_id) for d in docs]
    for (path, _), d in zip(tasks, docs):
        path.write_text(d.text, encoding="utf-8")
    st = Store(tmp_path / "z.sqlite")
    st.begin_run("r")
    inc = Incremental(st, "r")
    todo = inc.plan(tasks)
    real = st._insert_tuples

    def failing(table, rows):
        if table == "facts" and rows and rows[0][0] == docs[2].doc_id:
            raise RuntimeError("disk full")
        return real(table, rows)

    monkeypatch.setattr(st, "_insert_tuples", failing)
    got = []
    with pytest.raises(RuntimeError, match="disk full"):
        for doc in inc.merge(tasks, iter(docs)):
            got.append(doc.doc_id)
    assert got == [docs[0].doc_id, docs[1].doc_id]
    st.close()
    again = Store(tmp_path / "z.sqlite")  # what was committed is on disk
    assert again.doc_ids() == [docs[0].doc_id, docs[1].doc_id]
    for t in ("texts", "sections", "problems", "facts", "indicators"):
        n = again.conn.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", (docs[2].doc_id,)).fetchone()[0]
        assert n == 0, t
    again.close()


@pytest.mark.parametrize("sql, params", [
    ("CHANGES_SQL", ("d",)),
    ("evidence_sql", ("d", "indicator", "quantity")),
])
def test_a_documents_facts_of_some_kinds_are_read_through_its_doc_id(tmp_path, sql, params):
    """Through the (kind, name) index the lookup would read every fact of those kinds in the corpus for each
    document: a 10,000-document run spent 100 s in it."""
    from extract import checks

    q = checks.CHANGES_SQL if sql == "CHANGES_SQL" else checks.evidence_sql(len(params) - 1)
    st = Store(str(tmp_path / "s.sqlite"))
    plan = " ".join(r[-1] for r in st.conn.execute("EXPLAIN QUERY PLAN " + q, params))
    st.close()
    assert "SEARCH facts USING INDEX sqlite_autoindex_facts_1 (doc_id=?)" in plan, plan
    assert "facts_kind_name" not in plan


# -- bulk loads: indexes dropped while many documents go in, built again at the end -------------------
def indexes(path):
    c = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    finally:
        c.close()


def test_a_bulk_load_drops_the_indexes_while_documents_go_in_and_ends_with_the_same_store(corpus, tmp_path,
                                                                                          monkeypatch):
    normal = run([corpus], out=tmp_path / "normal")  # 5 documents: fewer than BULK_MIN
    want = indexes(tmp_path / "normal" / DEFAULT_NAME)
    assert "facts_kind_name" in want and len(want) == 11
    monkeypatch.setattr(Store, "BULK_MIN", 1)
    seen = []

    class Bar:  # looks at the store's indexes after each document
        def __init__(self, total):
            pass

        def update(self, k):
            seen.append(indexes(out / DEFAULT_NAME))

        def close(self):
            pass

    for jobs in (1, 2):
        seen.clear()
        out = tmp_path / f"bulk{jobs}"
        bulk = run([corpus], out=out, progress=Bar, jobs=jobs)
        assert len(seen) == 5
        # the per-document tables' indexes are gone while documents go in; the derived tables' stay
        assert all(s == ["checks_doc_id", "checks_kind_verdict", "checks_ref_doc_id",
                         "problem_register_category_group", "problem_register_status"] for s in seen)
        assert indexes(out / DEFAULT_NAME) == want
        for name in ("documents", "sections", "problems", "facts", "indicators", "problem_register", "checks"):
            a, b = normal[name], bulk[name]
            if name == "documents":
                a, b = a.drop(columns=["path"]), b.drop(columns=["path"])
            assert a.equals(b), name


def test_a_run_that_stops_in_a_bulk_load_leaves_the_indexes_to_the_next_open(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(Store, "BULK_MIN", 1)
    out = tmp_path / "out"

    with pytest.raises(Stop):
        run([corpus], out=out, progress=stopping_at(3))
    assert "facts_kind_name" not in indexes(out / DEFAULT_NAME)
    Store(out / DEFAULT_NAME).close()
    assert "facts_kind_name" in indexes(out / DEFAULT_NAME)


def test_a_bulk_load_only_when_adding_at_least_bulk_min_and_as_many_as_are_stored(corpus, tmp_path, monkeypatch):
    run([corpus], out=tmp_path / "out")  # 5 documents stored
    with Store(tmp_path / "out" / DEFAULT_NAME) as st:
        monkeypatch.setattr(Store, "BULK_MIN", 10)
        assert st.begin_bulk(9) is False
        monkeypatch.setattr(Store, "BULK_MIN", 1)
        assert st.begin_bulk(4) is False  # fewer than the store holds: the rebuild would cost more
        assert "facts_kind_name" in indexes(tmp_path / "out" / DEFAULT_NAME)
        assert st.begin_bulk(5) is True
        assert "facts_kind_name" not in indexes(tmp_path / "out" / DEFAULT_NAME)
        st.ensure_indexes()
    assert "facts_kind_name" in indexes(tmp_path / "out" / DEFAULT_NAME)


def test_a_store_another_process_holds_open_closes_and_stays_whole(tmp_path):
    import subprocess
    import sys
    import time

    st = Store(tmp_path / "z.sqlite")
    st.begin_run("r")
    # a reader in another process, in the middle of a read transaction (a browser of the store, say)
    reader = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                               "c.execute('BEGIN'); c.execute('SELECT COUNT(*) FROM runs').fetchone(); "
                               "print('reading', flush=True); sys.stdin.read()", str(tmp_path / "z.sqlite")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline() == "reading\n"
    t0 = time.monotonic()
    st.close()  # it cannot leave WAL mode now, and says nothing: what was committed is there
    assert time.monotonic() - t0 < 5  # nor waits long for the reader
    reader.communicate("")
    with Store(tmp_path / "z.sqlite") as again:
        assert again.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    assert (tmp_path / "z.sqlite").read_bytes()[18:20] == b"\x01\x01"  # and the next close does
