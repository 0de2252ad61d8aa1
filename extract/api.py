"""The Python API: a corpus in, every table out as pandas DataFrames.

    >>> from extract.api import run
    >>> res = run(["corpus/"], out="outputs")          # doctest: +SKIP
    >>> res.checks[res.checks.kind == "arithmetic"]     # doctest: +SKIP

``run`` is also what ``zhenggai run`` does: each input is processed (or
skipped when the store holds it from the same content and rules), its rows
go to the CSV files and, one transaction per document, to the SQLite store;
then the cross-document tables are derived from the store and everything is
exported. Without ``out`` nothing is written to disk (an in-memory store).
"""
from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from . import derive, exports
from .store import BASE, DEFAULT_NAME, DERIVED, Store, derive_fingerprint, rules_fingerprint

TABLES = BASE + DERIVED


class Result:
    """A run's tables as DataFrames, and what the run did.

    The tables are read from the run's store when first asked for (``res.facts``), so
    a large run does not hold them in memory unless they are used; a table read after
    another run wrote into the same store is that run's.
    """

    def __init__(self, tables: dict[str, pd.DataFrame] | None = None, store_path: str = "", counts: dict | None = None,
                 processed: int = 0, skipped: int = 0, removed: int = 0, errors: int = 0, derived_rebuilt: bool = True,
                 seconds: float = 0.0, out_dir: str = "", files: list | None = None, stage_seconds: dict | None = None,
                 docs: list | None = None):
        self._tables = dict(tables or {})
        self.store_path = store_path
        self.counts = dict(counts or {n: len(df) for n, df in self._tables.items()})
        self.processed, self.skipped, self.removed, self.errors = processed, skipped, removed, errors
        self.derived_rebuilt, self.seconds, self.out_dir = derived_rebuilt, seconds, out_dir
        self.files = list(files or [])            # export files written
        self.stage_seconds = dict(stage_seconds or {})
        self.docs = list(docs or [])              # the Doc objects, with keep_docs=True

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(name)
        if name not in self._tables:
            if not self.store_path:
                raise KeyError(f"{name}: this result holds no store to read it from")
            with Store(self.store_path) as st:
                self._tables[name] = st.table(name)
        return self._tables[name]

    documents = property(lambda self: self.table("documents"))
    sections = property(lambda self: self.table("sections"))
    problems = property(lambda self: self.table("problems"))
    facts = property(lambda self: self.table("facts"))
    indicators = property(lambda self: self.table("indicators"))
    problem_register = property(lambda self: self.table("problem_register"))
    checks = property(lambda self: self.table("checks"))

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {n: self.table(n) for n in TABLES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.table(name)

    @property
    def ok(self) -> int:
        return self.processed + self.skipped - self.errors

    def line(self) -> str:
        n = self.processed + self.skipped
        where = f" -> {self.out_dir}" if self.out_dir else ""
        return (f"{n} documents: {self.ok} ok, {self.errors} error; {self.processed} processed, {self.skipped} "
                f"unchanged; {self.counts.get('facts', 0)} facts, {self.counts.get('checks', 0)} checks; "
                f"{self.seconds:.1f} s{where}")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={self.counts.get(n, 0)}" for n in TABLES)
        return f"<Result {sizes}; processed={self.processed} skipped={self.skipped}>"


def run(paths: str | Path | Iterable[str | Path], out: str | Path | None = None, rules: Iterable[str] = (),
        force: bool = False, store: str | Path | None = None, formats: Iterable[str] | str = ("csv",),
        headers: str = "en", progress: Callable | None = None, prune: bool = True, keep_docs: bool = False,
        jobs: int = 1, budget: float | None = None, engine: str = "local", scheduler: str | None = None,
        partition_size: int = 50) -> Result:
    """Process every file under ``paths`` and return all tables.

    out       folder for the CSV files, texts/, the store and exports; None: nothing written
    rules     rule folders layered over the shipped rules/
    force     process every file even when the store holds it unchanged
    store     the SQLite file (default ``<out>/zhenggai.sqlite``; in memory without ``out``)
    formats   export formats among csv, parquet, xlsx, jsonl (or 'all'); csv always when out is given
    headers   'zh' for Chinese column names in the XLSX workbook
    prune     remove from the store documents that are no longer among the inputs
    jobs      worker processes for the documents to process (the tables are the same for any number)
    budget    seconds per document before it is given up as an error (None: no limit)
    engine    'local' (worker processes) or 'dask' (a Dask cluster at ``scheduler``, or a local one)
    """
    from .output import TableWriter
    from .pipeline import Pipeline
    from .reading import iter_inputs
    from .rules import load_rules
    from .run import doc_ids
    from .store import Incremental
    from .workers import Preparer, process_parallel, process_serial

    t0 = time.perf_counter()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    fmts = exports.parse_formats(formats)
    if headers not in ("en", "zh"):
        raise ValueError(f"headers must be en or zh, not {headers!r}")
    rule_dirs = tuple(str(d) for d in rules)
    ruleset = load_rules(rule_dirs)
    derive.load_check_rules(ruleset)  # a bad checks.yaml fails before any work
    files = iter_inputs([str(p) for p in paths])
    tasks = list(zip(map(str, files), doc_ids(files)))  # paths as str: a tenth of a Path's memory
    del files
    store_path = str(store) if store is not None else (str(Path(out) / DEFAULT_NAME) if out is not None else ":memory:")
    st = Store(store_path)
    froze = False
    st.use_derive(derive.load_check_rules(ruleset), derive_fingerprint(ruleset))
    writer = None
    try:
        st.begin_run(rules_fingerprint(ruleset))
        inc = Incremental(st, st.rules_hash, force)
        todo = inc.plan(tasks)
        st.begin_bulk(len(todo))  # many documents to add: indexes built once at the end (a store that is
        # left without them, by a run that stops here, builds them when it is next opened)
        pipe = Pipeline(rule_dirs) if todo else None
        # What is loaded now (rules, the pipeline, the libraries) lives for the whole run: the garbage
        # collector's full passes need not walk it, here or in the workers that inherit it. (Not when
        # the caller froze objects already: unfreezing at the end would undo that.)
        froze = gc.get_freeze_count() == 0
        if froze:
            gc.freeze()
        if engine == "dask":
            from .dask_engine import process_dask

            processed = process_dask(todo, rule_dirs, scheduler=scheduler, jobs=jobs, partition_size=partition_size,
                                     parquet_dir=Path(out) / "parquet" if out is not None else None)
        elif engine != "local":
            raise ValueError(f"engine must be local or dask, not {engine!r}")
        elif jobs > 1 and len(todo) > 1:
            # the workers put their documents into the store themselves (unless it is in memory)
            inc.shared = st.writer_spec() is not None
            processed = process_parallel(todo, min(jobs, len(todo)), rule_dirs, budget, pipeline=pipe,
                                         lean=not keep_docs,
                                         texts_dir=str(Path(out) / "texts") if out is not None else None,
                                         store=st, hashes=inc.hashes)
        else:
            # the same rows as a worker makes (Preparer), here in this process
            prepare = Preparer(ruleset, lean=not keep_docs,
                               texts_dir=str(Path(out) / "texts") if out is not None else None)
            processed = map(prepare, process_serial(todo, pipe, budget))
        writer = TableWriter(out) if out is not None else None
        errors = 0
        stage_seconds: dict = {}
        docs = []
        bar = progress(total=len(tasks)) if progress else None
        try:
            for doc in inc.merge(tasks, processed):
                errors += doc.status != "ok"
                for k, v in doc.timings.items():
                    stage_seconds[k] = stage_seconds.get(k, 0.0) + v
                if writer is not None:
                    writer.add(doc)
                if keep_docs:
                    docs.append(doc)
                if bar is not None:
                    bar.update(1)
        finally:
            if hasattr(processed, "close"):  # a run stopped midway: the workers end (closing the store) first
                processed.close()
            if bar is not None:
                bar.close()
        if writer is not None:
            writer.commit()
            writer = None
        fin = finish(st, ruleset, [d for _, d in tasks] if prune else None, out, fmts, headers, force,
                     inc.processed, inc.skipped, jobs)
        in_memory = store_path == ":memory:"
        res = Result(st.tables(TABLES) if in_memory else None, "" if in_memory else store_path, fin["counts"],
                     processed=inc.processed, skipped=inc.skipped, removed=fin["removed"], errors=errors,
                     derived_rebuilt=fin["rebuilt"], out_dir=str(out) if out is not None else "", files=fin["files"],
                     stage_seconds=stage_seconds, docs=docs)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        if froze:
            gc.unfreeze()
        st.close()
    res.seconds = time.perf_counter() - t0
    return res


def finish(st: Store, ruleset, keep: list[str] | None, out: str | Path | None, formats: Iterable[str] = ("csv",),
           headers: str = "en", force: bool = False, processed: int = 0, skipped: int = 0, jobs: int = 1) -> dict:
    """After the documents of a run are in the store: close the run (removing documents not in ``keep``),
    derive the cross-document tables when the store changed, and export.

    Returns {"counts": rows per table, "rebuilt": bool, "removed": int, "files": [paths]}. The derived
    tables' CSV files are streamed from the store; the other export formats read whole tables.
    """
    removed = st.finish_run(keep=keep, processed=processed, skipped=skipped)
    dh = derive_fingerprint(ruleset)
    rebuilt = force or not st.derived_current(dh)
    written: dict[str, Path] = {}

    def write_derived(names) -> None:
        for name in names:
            cols, rows = st.iter_rows(name)
            written[name] = exports.write_csv_rows(rows, cols, Path(out) / f"{name}.csv", name, st.cb)

    if rebuilt:
        # while the text-reuse check runs in another process, the tables already whole are written
        early = (lambda: write_derived([n for n in DERIVED if n != "checks"])) if out is not None else None
        derive.build_store(st, ruleset, dh, jobs, meanwhile=early)
    st.ensure_indexes()  # (build_store did, when it ran)
    files = []
    if out is not None:
        fmts = exports.parse_formats(formats)
        write_derived([n for n in DERIVED if n not in written])
        files = [written[n] for n in DERIVED]
        others = [f for f in fmts if f != "csv"]
        if others:
            files += exports.write(st.tables(TABLES), out, others, headers)
    return {"counts": {n: st.count(n) for n in TABLES}, "rebuilt": rebuilt, "removed": removed, "files": files}


def from_docs(docs: list, rules: Iterable[str] = ()) -> Result:
    """The tables of Doc objects already processed (e.g. by ``extract_text``), cross-document tables included."""
    from .rules import load_rules

    ruleset = load_rules(tuple(str(d) for d in rules))
    st = Store(":memory:")
    try:
        dh = derive_fingerprint(ruleset)
        st.use_derive(derive.load_check_rules(ruleset), dh)
        st.begin_run(rules_fingerprint(ruleset))
        for d in docs:
            st.put(d, "")
        st.finish_run(processed=len(docs))
        derive.build_store(st, ruleset, dh)
        tables = st.tables(TABLES)
    finally:
        st.close()
    return Result(tables, processed=len(docs), errors=sum(d.status != "ok" for d in docs), docs=list(docs))


def extract_text(text: str, name: str = "doc", rules: Iterable[str] = ()) -> Result:
    """One document's tables from its text (the Doc itself is ``result.docs[0]``)."""
    from .pipeline import Pipeline

    doc = Pipeline(tuple(str(d) for d in rules)).process_text(text, doc_id=name, path=name)
    return from_docs([doc], rules)
