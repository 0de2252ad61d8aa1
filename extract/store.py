"""The embedded store: one SQLite file (``outputs/zhenggai.sqlite``) holding a run's tables.

Readable by any SQLite client and by Datasette as it is: one table per
codebook table (``rules/codebook.yaml``), column types from the codebook,
primary keys, foreign keys (``ON DELETE CASCADE`` from a document to its
rows) and indexes on what users filter by.

Incremental and safe to interrupt:

* :meth:`Store.put` writes one document's rows in ONE transaction, deleting
  that document's old rows first, so a document is either wholly there or
  wholly absent and a re-run never doubles it;
* :meth:`Store.load_current` returns the stored document, rebuilt as a
  :class:`~extract.doc.Doc`, when the file's content hash and the rules hash
  are the ones it was processed with, so a re-run skips it;
* a document's ``indicators`` rows and the sentences it offers to the
  text-reuse check (``reuse_sentences``, not a codebook table) are stored with
  it, stamped with the derive rules they were made with (``derive_hash``);
* ``problem_register`` and ``checks`` are replaced together in one
  transaction, and carry a fingerprint of the corpus they were built from, so
  a run that stopped before deriving leaves them stale and the next run
  rebuilds them.

A run puts its documents 25 to a transaction, each as a savepoint: a commit
costs as much as writing a document.

Empty cells are stored as NULL; lists as text joined with ； (as in the CSV
files); JSON columns as text.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import datetime as _dt
import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Iterable

import pandas as pd

from .codebook import Codebook, load_codebook, sql_type
from .doc import Doc, Problem, Section, Span

MULTI = "；"
BASE = ("documents", "sections", "problems", "facts")
DERIVED = ("indicators", "problem_register", "checks")
DEFAULT_NAME = "zhenggai.sqlite"

# Foreign keys: (columns, parent table, parent columns). All deferred to the
# end of the transaction, so rows of one document go in in any order.
FOREIGN_KEYS = {
    "documents": [(["run_id"], "runs", ["run_id"])],
    "texts": [(["doc_id"], "documents", ["doc_id"])],
    "sections": [(["doc_id"], "documents", ["doc_id"]), (["doc_id", "parent_id"], "sections", ["doc_id", "section_id"])],
    "problems": [(["doc_id"], "documents", ["doc_id"]), (["doc_id", "section_id"], "sections", ["doc_id", "section_id"])],
    "facts": [(["doc_id"], "documents", ["doc_id"]), (["doc_id", "section_id"], "sections", ["doc_id", "section_id"]),
              (["doc_id", "problem_id"], "problems", ["doc_id", "problem_id"])],
    "indicators": [(["doc_id", "fact_id"], "facts", ["doc_id", "fact_id"])],
    "problem_register": [(["doc_id", "problem_id"], "problems", ["doc_id", "problem_id"])],
    "checks": [(["doc_id"], "documents", ["doc_id"]), (["ref_doc_id"], "documents", ["doc_id"])],
}
INDEXES = {
    "documents": [["content_hash"], ["doc_type"], ["date"]],
    "facts": [["kind", "name"]],  # (a document's facts: the key's doc_id; ~100 rows a document)
    "problems": [["status"]],
    "indicators": [["indicator", "subject_key", "unit", "period"]],
    "problem_register": [["category_group"], ["status"]],
    "checks": [["kind", "verdict"], ["doc_id"], ["ref_doc_id"]],
}
ORDER = ["runs", "documents", "texts", "sections", "problems", "facts", "indicators", "problem_register", "checks"]
# Tables read in document order (the key's first column, then as inserted); the others as inserted.
PER_DOCUMENT = {"documents", "texts", "sections", "problems", "facts", "indicators"}
# The tables put() writes that have secondary indexes (dropped during a bulk load: Store.begin_bulk)
BULK_TABLES = ("documents", "problems", "facts", "indicators")

# Not a table of the codebook: the sentences each document offers for the text-reuse check (squeezed,
# with their MinHash signature), made where the document is processed, so that the check reads them
# from disk instead of holding every sentence of the corpus in memory.
REUSE_DDL = ('CREATE TABLE "reuse_sentences" (\n  "doc_id" TEXT, "n" INTEGER, "start" INTEGER, "end" INTEGER, '
             '"q" TEXT, "sig" BLOB,\n  PRIMARY KEY ("doc_id", "n"),\n  FOREIGN KEY ("doc_id") REFERENCES '
             '"documents" ("doc_id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED\n) WITHOUT ROWID')

# Modules and rule files that do not change what a document's rows are: a
# change to them does not make the stored documents stale.
NOT_EXTRACTION_CODE = {"store.py", "derive.py", "checks.py", "exports.py", "codebook.py", "api.py", "cli.py",
                       "output.py", "run.py", "__main__.py", "report.py"}
DERIVE_CODE = ("derive.py", "checks.py", "codebook.py")
DERIVE_RULES = ("checks.yaml", "codebook.yaml")
RULE_SUFFIXES = (".yaml", ".yml", ".tsv", ".txt")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes ('' when it cannot be read: the run records the error)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return ""
    return h.hexdigest()


def _hash_files(h, paths: Iterable[Path]) -> None:
    for p in paths:
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")


def rules_fingerprint(rules) -> str:
    """What a document's rows depend on: the rule files (but the derive-only ones) and the extractor code."""
    from . import __version__

    h = hashlib.sha256(f"zhenggai {__version__}".encode())
    for d in rules.dirs:
        _hash_files(h, [p for p in sorted(Path(d).glob("*")) if p.suffix in RULE_SUFFIXES
                        and p.name not in DERIVE_RULES])
    code = Path(__file__).resolve().parent
    _hash_files(h, [p for p in sorted(code.rglob("*.py")) if p.name not in NOT_EXTRACTION_CODE])
    return h.hexdigest()[:20]


def derive_fingerprint(rules) -> str:
    """What the derived tables depend on besides the documents: their rule files and code."""
    from . import __version__

    h = hashlib.sha256(f"zhenggai {__version__} derive".encode())
    for d in rules.dirs:
        _hash_files(h, [Path(d) / n for n in DERIVE_RULES if (Path(d) / n).is_file()])
    code = Path(__file__).resolve().parent
    _hash_files(h, [code / n for n in DERIVE_CODE])
    return h.hexdigest()[:20]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)  # (json.dumps builds one per call)


def _sql_value(v, typ: str):
    """A Python value as stored: NULL for empty, lists joined, dicts as JSON, booleans 1/0."""
    if v is None:
        return None
    if isinstance(v, float) and v != v:  # NaN
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool):
        return int(v)
    if typ == "boolean" and isinstance(v, str):
        return {"true": 1, "false": 0}.get(v.lower())
    if isinstance(v, (list, tuple)):
        return MULTI.join(str(x) for x in v) or None
    if isinstance(v, dict):
        return _JSON.encode(v) if v else None
    if typ in ("integer", "real"):
        if isinstance(v, str):
            if not v.strip():
                return None
            try:
                v = float(v)
            except ValueError:
                return v
        if typ == "integer":
            return int(v)
        return float(v)
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    s = str(v)
    return s if s != "" else None


def _typed_frame(cols, rows) -> pd.DataFrame:
    data = {}
    for k, c in enumerate(cols):
        vals = [r[k] for r in rows]
        if c.type == "integer":
            data[c.name] = pd.array(vals, dtype="Int64")
        elif c.type == "real":
            data[c.name] = pd.array([float("nan") if v is None else float(v) for v in vals], dtype="float64")
        elif c.type == "boolean":
            data[c.name] = pd.array([None if v is None else bool(v) for v in vals], dtype="boolean")
        else:
            data[c.name] = pd.Series(["" if v is None else v for v in vals], dtype=object)
    return pd.DataFrame(data, columns=[c.name for c in cols])


def insert_sql(cb: Codebook, table: str) -> str:
    cols = list(cb[table].columns.values())
    return (f"INSERT INTO {_q(table)} ({', '.join(_q(c.name) for c in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})")


def _text_value(v):
    # most cells are non-empty strings or ints: those go straight through
    t = type(v)
    if t is str:
        return v or None
    if t is int:
        return v
    return _sql_value(v, "text")


@functools.lru_cache(maxsize=64)
def converters(cb: Codebook, table: str, derived: bool = False) -> list[tuple]:
    """(column, function) pairs making a row dict's cells what the store holds, in column order.

    ``derived``: the cells of a derived table as the cross-document code makes them (integers and reals
    read leniently, text columns as text), store-only columns left empty.
    """
    from .derive import _f, _i, _s

    def d_int(v):
        return v if type(v) is int else _sql_value(_i(v), "integer")

    def d_real(v):
        return (v if v == v else None) if type(v) is float else _sql_value(_f(v), "real")

    def d_text(v, typ="text"):
        return (v or None) if type(v) is str else _sql_value(_s(v), typ)

    out = []
    for c in cb[table].columns.values():
        typ = c.type
        if derived and c.store_only:
            out.append((c.name, lambda v: None))
        elif derived and typ == "integer":
            out.append((c.name, d_int))
        elif derived and typ == "real":
            out.append((c.name, d_real))
        elif derived and typ in ("text", "date", "list"):
            out.append((c.name, d_text))
        elif derived:
            out.append((c.name, lambda v, typ=typ: _sql_value(_s(v), typ)))
        elif typ in ("text", "date", "list"):
            out.append((c.name, _text_value))
        else:
            out.append((c.name, lambda v, typ=typ: _sql_value(v, typ)))
    return out


def _int_value(v):
    return v if type(v) is int else _sql_value(v, "integer")  # offsets are ints: straight through


def _real_value(v):
    if type(v) is float:
        return v if v == v else None  # NaN is empty
    return _sql_value(v, "real")


def _json_value(v):
    if type(v) is dict:
        return _JSON.encode(v) if v else None
    return _sql_value(v, "json")


def _fact_tuples(doc: Doc) -> list[tuple]:
    """The facts rows as converters() makes them, without a dict per fact (the facts are most rows)."""
    t, n, r, j = _text_value, _int_value, _real_value, _json_value
    d = t(doc.doc_id)
    return [(d, f"f{i}", t(s.kind), t(s.text), n(s.start), n(s.end), t(s.section_id), t(s.problem_id), t(s.norm),
             r(s.value), t(s.unit), t(s.name), t(s.period), t(s.role), j(s.attrs))
            for i, s in enumerate(doc.spans, 1)]


def doc_rows(doc: Doc, cb: Codebook, check_rules=None, derive_hash: str = "") -> dict:
    """One document's rows for the store, ready for executemany (the documents row as a dict, to which
    the store adds its hashes), with its derived parts when ``check_rules`` are given.

    Made where the document was processed (a worker process), so the parent only writes.
    """
    from .output import FACT_COLUMNS, document_row, fact_rows, problem_rows, section_rows

    drow = document_row(doc)
    drow.update(meta={k: v for k, v in doc.meta.items() if not k.startswith("_")})
    # an error document has no parts to make: its rows are current for any derive rules
    out: dict = {"documents": drow, "derive_hash": (derive_hash or None) if check_rules is not None else None}
    if doc.status != "ok":
        return out
    srows = list(section_rows(doc))
    heading_end = {s.section_id: s.heading_end for s in doc.sections}
    for r in srows:
        r["heading_end"] = heading_end.get(r["section_id"])
    prows = list(problem_rows(doc))
    pattrs = {p.problem_id: p.attrs for p in doc.problems}
    for r in prows:
        r["attrs"] = pattrs.get(r["problem_id"]) or {}

    def tuples(table, rows):
        conv = converters(cb, table)
        return [tuple(f(r.get(n)) for n, f in conv) for r in rows]

    out["texts"] = [(doc.doc_id, doc.text)]
    out["sections"] = tuples("sections", srows)
    out["problems"] = tuples("problems", prows)
    fast = cb["facts"].names(store=True) == FACT_COLUMNS
    out["facts"] = _fact_tuples(doc) if fast else tuples("facts", fact_rows(doc))
    out["facts_in_csv_order"] = fast  # (then the CSV cells can be read from them)
    if check_rules is not None:
        from .derive import doc_parts

        parts = doc_parts(drow, list(fact_rows(doc, {"indicator"})), doc.text, check_rules)
        conv = converters(cb, "indicators", derived=True)
        out["indicators"] = [tuple(f(r.get(n)) for n, f in conv) for r in parts["indicators"]]
        out["reuse_sentences"] = parts["reuse_sentences"]
        out["derive_hash"] = derive_hash or None
        drow["derive_hash"] = derive_hash or None
    return out


class Store:
    """A SQLite store at ``path`` (``':memory:'`` for one that lives only as long as the object)."""

    def __init__(self, path: str | Path = ":memory:", codebook: Codebook | None = None, setup: bool = True):
        """``setup``: make the schema when missing and build missing indexes (False: only connect,
        for a second connection to a store another one set up)."""
        self.path = str(path)
        self.cb = codebook or load_codebook()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._connect()
        self.rebuilt = self._ensure_schema() if setup else False
        if setup:
            self.ensure_indexes()  # a run that died during a bulk load left them dropped
        self.run_id: int | None = None
        self.rules_hash = ""
        self._insert_sql = None
        # With derive rules set (use_derive), put() also stores each document's derived parts.
        self.check_rules = None
        self.derive_hash = ""

    def _connect(self) -> sqlite3.Connection:
        # (a worker process writing at the same time holds the lock for a batch of documents)
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)  # transactions made explicit
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            # WAL while writing: a commit per document without an fsync each, and other processes
            # (the workers of a parallel run) write beside this one; put back to a plain rollback
            # journal on close so the file stands alone.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextlib.contextmanager
    def detached(self):
        """The connection closed meanwhile: a process forked in the block inherits no SQLite state of
        this file (SQLite forbids using across a fork what was open before it) and can open its own."""
        self.conn.close()
        self.conn = None
        try:
            yield
        finally:
            self.conn = self._connect()

    def writer_spec(self) -> dict | None:
        """What another process needs to put documents into this store for this run (:meth:`writer`);
        None for a store in memory, which only this connection sees."""
        if self.path == ":memory:":
            return None
        return {"path": self.path, "run_id": self.run_id, "rules_hash": self.rules_hash,
                "derive_hash": self.derive_hash}

    @classmethod
    def writer(cls, spec: dict, codebook: Codebook, check_rules) -> "Store":
        """A second connection to the store of ``spec`` (:meth:`writer_spec`), to put documents: it does
        no schema or index work (the first connection's; a bulk load has its indexes dropped)."""
        st = cls(spec["path"], codebook, setup=False)
        st.run_id, st.rules_hash = spec["run_id"], spec["rules_hash"]
        st.use_derive(check_rules, spec["derive_hash"])
        return st

    def use_derive(self, check_rules, derive_hash: str) -> None:
        self.check_rules, self.derive_hash = check_rules, derive_hash

    # -- schema ---------------------------------------------------------------
    @staticmethod
    def index_ddl(name: str) -> list[tuple[str, str]]:
        """(index name, CREATE INDEX statement) of each secondary index of table ``name``."""
        out = []
        for idx in INDEXES.get(name, []):
            iname = f"{name}_" + "_".join(idx)
            out.append((iname, f"CREATE INDEX {_q(iname)} ON {_q(name)} ({', '.join(_q(c) for c in idx)})"))
        return out

    def ddl(self) -> list[str]:
        stmts = []
        for name in ORDER:
            t = self.cb[name]
            cols = [f"{_q(c.name)} {sql_type(c)}" for c in t.columns.values()]
            if name == "runs":
                cols[0] = f"{_q('run_id')} INTEGER PRIMARY KEY"
            else:
                cols.append(f"PRIMARY KEY ({', '.join(_q(k) for k in t.key)})")
            for child, parent, pcols in FOREIGN_KEYS.get(name, []):
                cascade = " ON DELETE CASCADE" if parent != "runs" else ""
                cols.append(f"FOREIGN KEY ({', '.join(_q(c) for c in child)}) REFERENCES {_q(parent)} "
                            f"({', '.join(_q(c) for c in pcols)}){cascade} DEFERRABLE INITIALLY DEFERRED")
            stmts.append(f"CREATE TABLE {_q(name)} (\n  " + ",\n  ".join(cols) + "\n)")
            stmts.extend(sql for _, sql in self.index_ddl(name))
        stmts.append(REUSE_DDL)
        return stmts

    def _ensure_schema(self) -> bool:
        """Create the tables; rebuild them when the store was made with another schema. True when (re)built."""
        ddl = self.ddl()
        digest = hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:16]
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = c.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row and row[0] == digest:
            return False
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("PRAGMA defer_foreign_keys = ON")
            c.execute('DROP TABLE IF EXISTS "reuse_sentences"')
            for name in reversed(ORDER):
                c.execute(f"DROP TABLE IF EXISTS {_q(name)}")
            for stmt in ddl:
                c.execute(stmt)
            c.execute("DELETE FROM meta")
            c.execute("INSERT INTO meta VALUES ('schema', ?)", (digest,))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return True

    def columns(self, table: str) -> list[str]:
        return self.cb[table].names(store=True)

    # -- indexes during a bulk load -------------------------------------------------
    # A run that adds many documents drops the secondary indexes of the tables put() writes and
    # builds each again once at the end, in one sorted pass. Inserted row by row, facts (kind, name)
    # goes to a random page of an index larger than SQLite's page cache: at 10,000 documents that
    # cost 1.6 ms a document, and the rebuild 1.1 s in all.
    BULK_MIN = 1000  # documents to add, at least, and at least as many as the store holds

    def begin_bulk(self, adding: int) -> bool:
        """Drop the per-document tables' secondary indexes when ``adding`` documents make it worth it
        (see BULK_MIN); :meth:`ensure_indexes` builds them again. True when dropped."""
        if adding < self.BULK_MIN or adding < self.count("documents"):
            return False
        for name in BULK_TABLES:
            for iname, _ in self.index_ddl(name):
                self.conn.execute(f"DROP INDEX IF EXISTS {_q(iname)}")
        return True

    def ensure_indexes(self) -> None:
        """Build the secondary indexes that are missing (after a bulk load, or a run that died in one)."""
        for name in ORDER:
            for _, sql in self.index_ddl(name):
                self.conn.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))

    # -- runs -----------------------------------------------------------------
    def begin_run(self, rules_hash: str) -> int:
        from . import __version__

        self.rules_hash = rules_hash
        cur = self.conn.execute("INSERT INTO runs (started, rules_hash, version, processed, skipped, removed) "
                                "VALUES (?, ?, ?, 0, 0, 0)", (_now(), rules_hash, __version__))
        self.run_id = cur.lastrowid
        return self.run_id

    def finish_run(self, keep: Iterable[str] | None = None, processed: int = 0, skipped: int = 0) -> int:
        """Close the run; with ``keep``, remove documents not among them (the store mirrors the run's inputs).

        Returns how many documents were removed.
        """
        c = self.conn
        removed = 0
        c.execute("BEGIN IMMEDIATE")
        try:
            if keep is not None:
                keep = set(keep)
                stored = [r[0] for r in c.execute("SELECT doc_id FROM documents")]
                gone = [d for d in stored if d not in keep]
                for d in gone:
                    c.execute("DELETE FROM documents WHERE doc_id = ?", (d,))
                removed = len(gone)
            if self.run_id is not None:
                c.execute("UPDATE runs SET finished = ?, processed = ?, skipped = ?, removed = ? WHERE run_id = ?",
                          (_now(), processed, skipped, removed, self.run_id))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return removed

    # -- documents ------------------------------------------------------------
    def is_current(self, doc_id: str, content_hash: str, rules_hash: str) -> bool:
        """Whether ``doc_id`` is stored as processed from this content with these rules."""
        if not content_hash:
            return False
        row = self.conn.execute("SELECT content_hash, rules_hash FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return bool(row) and row[0] == content_hash and row[1] == rules_hash

    def put(self, doc: Doc, content_hash: str, rules_hash: str | None = None) -> None:
        """Write one document's rows, replacing what was stored for its doc_id: in a transaction of its
        own, or, when a transaction is open (a batch of documents), as one savepoint of it (either way
        the document is wholly there or wholly absent).

        The rows come from ``doc.prepared`` when a worker made them (:func:`doc_rows`), else are made here.
        """
        rows = getattr(doc, "prepared", None)
        if rows is None or rows.get("derive_hash") != (self.derive_hash if self.check_rules else None):
            if getattr(doc, "lean", False):
                raise RuntimeError(f"{doc.doc_id}: rows made with other derive rules than the store's")
            rows = doc_rows(doc, self.cb, self.check_rules, self.derive_hash)
        rules_hash = self.rules_hash if rules_hash is None else rules_hash
        drow = dict(rows["documents"])
        drow.update(content_hash=content_hash or None, rules_hash=rules_hash, run_id=self.run_id)
        c = self.conn
        own = not c.in_transaction
        c.execute("BEGIN IMMEDIATE" if own else "SAVEPOINT put")
        try:
            c.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))  # cascades to its rows
            self._insert("documents", [drow])
            for name in ("texts", "sections", "problems", "facts", "indicators", "reuse_sentences"):
                if rows.get(name):
                    self._insert_tuples(name, rows[name])
            c.execute("COMMIT" if own else "RELEASE put")
        except BaseException:
            if own:
                c.execute("ROLLBACK")
            else:
                c.execute("ROLLBACK TO put")
                c.execute("RELEASE put")
            raise

    @property
    def _sql(self) -> dict[str, str]:
        """INSERT statements by table, in the codebook's column order."""
        if self._insert_sql is None:
            self._insert_sql = {name: insert_sql(self.cb, name) for name in ORDER}
            self._insert_sql["reuse_sentences"] = 'INSERT INTO "reuse_sentences" VALUES (?, ?, ?, ?, ?, ?)'
        return self._insert_sql

    def _insert_tuples(self, table: str, rows: list[tuple]) -> None:
        self.conn.executemany(self._sql[table], rows)

    def _insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        conv = converters(self.cb, table)
        self.conn.executemany(self._sql[table], [tuple(f(r.get(n)) for n, f in conv) for r in rows])

    def insert_derived(self, table: str, rows: list[dict]) -> None:
        """Rows of a derived table as the cross-document code makes them (dicts; missing cells empty)."""
        if rows:
            conv = converters(self.cb, table, derived=True)
            self.conn.executemany(self._sql[table], [tuple(f(r.get(n)) for n, f in conv) for r in rows])

    def load_current(self, doc_id: str, path: str, content_hash: str, rules_hash: str | None = None) -> Doc | None:
        """The stored document rebuilt as a Doc when it is current (same content and rules), else None."""
        rules_hash = self.rules_hash if rules_hash is None else rules_hash
        if not self.is_current(doc_id, content_hash, rules_hash):
            return None
        doc = self.load_doc(doc_id)
        if doc is not None and str(path) != doc.path:
            doc.path = str(path)
            self.conn.execute("UPDATE documents SET path = ? WHERE doc_id = ?", (doc.path, doc_id))
        return doc

    def load_doc(self, doc_id: str) -> Doc | None:
        """A stored document as a Doc: its text, metadata, sections, problems and facts, as when it was put."""
        c = self.conn
        c.row_factory = sqlite3.Row
        try:
            d = c.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if d is None:
                return None
            t = c.execute("SELECT text FROM texts WHERE doc_id = ?", (doc_id,)).fetchone()
            doc = Doc(t["text"] if t else "", doc_id=doc_id, path=d["path"] or "", encoding=d["encoding"] or "")
            doc.status, doc.error = d["status"] or "ok", d["error"] or ""
            doc.meta = json.loads(d["meta"]) if d["meta"] else {}
            for r in c.execute("SELECT * FROM sections WHERE doc_id = ? ORDER BY rowid", (doc_id,)):
                doc.sections.append(Section(r["section_id"], r["parent_id"] or "", r["level"], r["number"] or "",
                                            r["style"] or "", r["heading"] or "", r["start"], r["end"],
                                            r["heading_end"] if r["heading_end"] is not None else r["start"],
                                            r["section_type"] or "other"))
            for r in c.execute("SELECT * FROM problems WHERE doc_id = ? ORDER BY rowid", (doc_id,)):
                doc.problems.append(Problem(r["problem_id"], r["number"] or "", r["category"] or "", r["title"] or "",
                                            r["start"], r["end"], r["status"] or "unknown", r["status_text"] or "",
                                            r["section_id"] or "", json.loads(r["attrs"]) if r["attrs"] else {}))
            for r in c.execute("SELECT * FROM facts WHERE doc_id = ? ORDER BY rowid", (doc_id,)):
                doc.spans.append(Span(r["kind"], r["start"], r["end"], r["text"] or "", r["norm"] or "", r["value"],
                                      r["unit"] or "", r["name"] or "", r["period"] or "", r["role"] or "",
                                      json.loads(r["attrs"]) if r["attrs"] else {}, r["section_id"] or "",
                                      r["problem_id"] or ""))
            return doc
        finally:
            c.row_factory = None

    def doc_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT doc_id FROM documents ORDER BY doc_id")]

    # -- whole tables ---------------------------------------------------------
    def _order(self, name: str) -> str:
        return f"{_q(self.cb[name].key[0])}, rowid" if name in PER_DOCUMENT else "rowid"

    def table(self, name: str, store_columns: bool = False) -> pd.DataFrame:
        """A table as a DataFrame typed per the codebook (text '' for empty, Int64, float64, boolean)."""
        t = self.cb[name]
        cols = [c for c in t.columns.values() if store_columns or not c.store_only]
        cur = self.conn.execute(f"SELECT {', '.join(_q(c.name) for c in cols)} FROM {_q(name)} ORDER BY "
                                f"{self._order(name)}")
        return _typed_frame(cols, cur.fetchall())

    def tables(self, names: Iterable[str] = BASE + DERIVED) -> dict[str, pd.DataFrame]:
        return {n: self.table(n) for n in names}

    def texts(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT doc_id, text FROM texts"))

    # -- derived tables -------------------------------------------------------
    def corpus_state(self) -> str:
        """A hash of which documents are stored, from what content, with which rules."""
        h = hashlib.sha256()
        for row in self.conn.execute("SELECT doc_id, content_hash, rules_hash, path FROM documents ORDER BY doc_id"):
            h.update(json.dumps(row).encode())
        return h.hexdigest()[:20]

    def derived_fingerprint(self, derive_hash: str) -> str:
        return f"{derive_hash}:{self.corpus_state()}"

    def derived_current(self, derive_hash: str) -> bool:
        """Whether the derived tables were built from the documents now stored, with these rules."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'derived'").fetchone()
        return bool(row) and row[0] == self.derived_fingerprint(derive_hash)

    def mark_derived(self, derive_hash: str = "") -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('derived', ?)", (self.derived_fingerprint(derive_hash),))

    def refresh_parts(self, cr, derive_hash: str = "") -> int:
        """Make again the per-document parts (indicators rows, reuse sentences) of documents stored
        without them or with other derive rules, one document at a time. Returns how many."""
        from .derive import doc_parts

        c = self.conn
        n = 0
        while True:
            page = c.execute("SELECT doc_id FROM documents WHERE status = 'ok' AND derive_hash IS NOT ? "
                             "ORDER BY doc_id LIMIT 200", (derive_hash or None,)).fetchall()
            if not page:
                return n
            c.execute("BEGIN IMMEDIATE")
            try:
                for (d,) in page:
                    drow = self._row_dict("SELECT * FROM documents WHERE doc_id = ?", (d,))[0]
                    facts = self._row_dict("SELECT * FROM facts WHERE doc_id = ? ORDER BY rowid", (d,))
                    t = c.execute("SELECT text FROM texts WHERE doc_id = ?", (d,)).fetchone()
                    parts = doc_parts(drow, facts, (t[0] if t else "") or "", cr)
                    c.execute("DELETE FROM indicators WHERE doc_id = ?", (d,))
                    c.execute("DELETE FROM reuse_sentences WHERE doc_id = ?", (d,))
                    self.insert_derived("indicators", parts["indicators"])
                    c.executemany(self._sql["reuse_sentences"], parts["reuse_sentences"])
                    c.execute("UPDATE documents SET derive_hash = ? WHERE doc_id = ?", (derive_hash or None, d))
                    n += 1
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def _row_dict(self, sql: str, params=()) -> list[dict]:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def load_tables(self, tables: dict[str, pd.DataFrame], texts: dict[str, str]) -> None:
        """Base tables given as DataFrames (from CSV files: every cell a string; or typed) and texts, as rows."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("PRAGMA defer_foreign_keys = ON")
            for name in BASE:
                df = tables.get(name)
                if df is not None and len(df):
                    self._insert(name, df.to_dict("records"))
            for d, text in texts.items():
                c.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (d, text))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def iter_rows(self, name: str) -> tuple[list, Iterable[tuple]]:
        """(columns, rows): a table's CSV columns (codebook Column objects) and a cursor over its stored
        values in :meth:`table`'s order."""
        cols = [c for c in self.cb[name].columns.values() if not c.store_only]
        cur = self.conn.execute(f"SELECT {', '.join(_q(c.name) for c in cols)} FROM {_q(name)} ORDER BY "
                                f"{self._order(name)}")
        return cols, cur

    def count(self, name: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {_q(name)}").fetchone()[0]

    def check_integrity(self) -> list[tuple]:
        """Foreign-key violations (empty when the store is consistent)."""
        return self.conn.execute("PRAGMA foreign_key_check").fetchall()

    # -- closing --------------------------------------------------------------
    def close(self) -> None:
        if self.conn is None:
            return
        try:
            if self.path != ":memory:":
                self.conn.execute("PRAGMA busy_timeout = 200")  # (a reader elsewhere may hold it for long)
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self.conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.OperationalError:  # another process has the store open: it stays in WAL mode, whole
            pass
        finally:
            self.conn.close()
            self.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Errors that say nothing about the file itself: a document that ended so is stored (so the
# tables list it) without its content hash, so that the next run tries it again.
TRANSIENT_ERRORS = ("time budget exceeded", "worker process died", "internal error")


def stored_hash(doc: Doc, content_hash: str) -> str:
    """The content hash to store with ``doc``: none after a transient error, so that the next run tries it again."""
    return "" if doc.status != "ok" and doc.error.startswith(TRANSIENT_ERRORS) else content_hash


def put_batch(st: Store, docs: list[Doc], hashes: list[str]) -> None:
    """Put ``docs`` (with their content ``hashes``) in one transaction, each in a savepoint of its own."""
    c = st.conn
    c.execute("BEGIN IMMEDIATE")
    try:
        for doc, h in zip(docs, hashes):
            st.put(doc, stored_hash(doc, h))
        c.execute("COMMIT")
    except BaseException:
        c.execute("ROLLBACK")
        raise


class Incremental:
    """A run over (path, doc_id) tasks that skips what the store holds unchanged.

        inc = Incremental(store, rules_hash, force)
        todo = inc.plan(tasks)                      # the tasks to process (content hashes taken)
        for doc in inc.merge(tasks, process(todo)):  # every Doc, in input order; processed ones stored
            writer.add(doc)

    ``process(todo)`` must yield the processed Docs in the order of ``todo``
    (as workers.process_serial and process_parallel do).
    """

    def __init__(self, store: Store, rules_hash: str, force: bool = False):
        self.store, self.rules_hash, self.force = store, rules_hash, force
        self.shared = False  # True while other processes put documents too (see merge)
        self.hashes: dict[str, str] = {}
        self.current: set[str] = set()
        self.processed = self.skipped = 0

    def plan(self, tasks: list[tuple]) -> list[tuple]:
        todo = []
        for path, doc_id in tasks:
            h = self.hashes[doc_id] = file_hash(path)
            if not self.force and self.store.is_current(doc_id, h, self.rules_hash):
                self.current.add(doc_id)
            else:
                todo.append((path, doc_id))
        return todo

    BATCH = 25           # documents per transaction at most (a commit costs as much as writing one)
    BATCH_SECONDS = 1.0  # and at most this long between commits

    def merge(self, tasks: list[tuple], processed: Iterable[Doc]):
        it = iter(processed)
        n, since = 0, time.monotonic()
        try:
            for path, doc_id in tasks:
                if doc_id in self.current:
                    doc = self.store.load_current(doc_id, str(path), self.hashes[doc_id], self.rules_hash)
                    if doc is None:
                        raise RuntimeError(f"the store changed during the run: {doc_id} is gone")
                    self.skipped += 1
                else:
                    doc = next(it)
                    if doc.doc_id != doc_id:
                        raise RuntimeError(f"documents out of order: {doc.doc_id} where {doc_id} was expected")
                    self.processed += 1
                    if getattr(doc, "stored", False):  # a worker put it
                        yield doc
                        continue
                    c = self.store.conn  # (not kept: a parallel run reconnects while it forks its workers)
                    if not c.in_transaction:
                        c.execute("BEGIN IMMEDIATE")
                        n, since = 0, time.monotonic()
                    self.store.put(doc, stored_hash(doc, self.hashes[doc_id]), self.rules_hash)
                    n += 1
                    # (with workers writing too, the lock is not kept while waiting for the next document)
                    if self.shared or n >= self.BATCH or time.monotonic() - since >= self.BATCH_SECONDS:
                        c.execute("COMMIT")
                yield doc
            for extra in it:  # (none: this ends ``processed``, whose workers then close the store)
                raise RuntimeError(f"documents out of order: {extra.doc_id} after the last task")
        finally:  # what was put is whole documents: keep it, even when the run stops here
            c = self.store.conn
            if c is not None and c.in_transaction:
                c.execute("COMMIT")


def doc_fields_stored() -> dict[str, list[str]]:
    """The fields of Section, Problem and Span (a test checks the store keeps every one)."""
    return {cls.__name__: [f.name for f in dataclasses.fields(cls)] for cls in (Section, Problem, Span)}
