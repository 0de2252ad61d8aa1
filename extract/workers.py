"""Worker processes for a run: documents processed in parallel, in the
pipeline's batches, results handed back in input order, and a time budget.

A worker that overruns its budget is killed and replaced; the batch it held is
done again a document at a time, the document at fault gets an error row, and
the run goes on. Only a bounded window of documents is in flight, so memory
stays flat however large the corpus.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing as mp
import time
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from .doc import Doc
from .pipeline import BATCH

BATCH_BYTES = 2_000_000  # a batch closes once its files hold this much (see batches)

_PIPELINE = None  # the parent's pipeline, inherited by forked workers (rules load once)


class Preparer:
    """Makes a processed document's rows for the store and the CSV files (where it was processed, so
    that the parent of a parallel run only writes them), and with ``lean`` drops what the rows hold."""

    def __init__(self, rules, lean: bool = False, texts_dir: str | None = None):
        from . import derive
        from .codebook import load_codebook
        from .store import derive_fingerprint

        self.cb = load_codebook()
        self.cr = derive.load_check_rules(rules)
        self.derive_hash = derive_fingerprint(rules)
        self.lean = lean
        self.texts_dir = Path(texts_dir) if texts_dir else None  # where to write each text, if here

    def __call__(self, doc: Doc) -> Doc:
        from .output import csv_rows, csv_text
        from .store import doc_rows

        doc.prepared = doc_rows(doc, self.cb, self.cr, self.derive_hash)
        rows = doc.prepared
        doc.csv = csv_text(csv_rows(doc, rows.get("facts") if rows.get("facts_in_csv_order") else None))
        if self.texts_dir is not None and doc.status == "ok":
            from .output import write_atomic

            self.texts_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.texts_dir / f"{doc.doc_id}.txt", doc.text)
            doc.text_written = True
        if self.lean:  # the rows say it all: spans, sections and problems need not cross the pipe
            doc.spans, doc.sections, doc.problems = [], [], []
            doc.lean = True
        return doc


def _worker(conn, rules_dirs, lean, texts_dir=None, store_spec=None):
    from .pipeline import Pipeline
    from .store import Store

    pipe = _PIPELINE if _PIPELINE is not None and _PIPELINE.rules_dirs == tuple(rules_dirs) else Pipeline(rules_dirs)
    prepare = Preparer(pipe.rules, lean, texts_dir)
    store = Store.writer(store_spec, prepare.cb, prepare.cr) if store_spec else None
    gc.freeze()  # all there is now lives as long as this process: full collections need not walk it
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            docs = [prepare(doc) for doc in pipe.process_files([(t[1], t[2]) for t in task])]
            if store is not None:
                store_batch(store, docs, [t[3] for t in task], lean)
            conn.send([(t[0], doc) for t, doc in zip(task, docs)])
    finally:
        if store is not None:
            store.conn.close()


def store_batch(store, docs: list[Doc], hashes: list[str], lean: bool) -> None:
    """Put a batch of prepared Docs into the store from the worker (rows need not cross the pipe then);
    each stored one is marked ``stored`` and, if ``lean``, loses what only putting it needed. When the
    store cannot take them (locked too long, disk full …) they go back unmarked: the parent puts them,
    and says what is wrong."""
    from .store import put_batch

    try:
        put_batch(store, docs, hashes)
    except Exception:
        return
    for doc in docs:
        doc.stored = True
        doc.prepared = None
        if lean and getattr(doc, "text_written", False):
            doc.text = ""


class TimeBudgetExceeded(BaseException):
    """Raised by the in-process timer; a BaseException so no stage's handler swallows it."""


def batches(tasks: Iterable[tuple[Path, str]], size: int = BATCH) -> Iterator[list[tuple[Path, str]]]:
    """The tasks in runs of at most ``size`` (the pipeline's batches), a run closed once its files hold
    :data:`BATCH_BYTES`, so that a large file goes (nearly) alone."""
    group: list = []
    held = 0
    for task in tasks:
        group.append(task)
        held += _size(task[0])
        if len(group) >= size or held >= BATCH_BYTES:
            yield group
            group, held = [], 0
    if group:
        yield group


def _size(path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:  # (the pipeline says what is wrong with it)
        return 0


def process_serial(tasks: Iterable[tuple[Path, str]], pipeline, budget: float | None = None,
                   size: int = BATCH) -> Iterator[Doc]:
    """Yield one Doc per (path, doc_id) in this process, in batches of ``size``, the budget kept by a
    timer signal. A batch gets one document's budget (a normal batch takes a fraction of a second); one
    that overruns it is run again a document at a time, each with the budget, to find which overran."""
    import signal
    import threading

    timed = bool(budget) and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if timed:
        def on_alarm(signum, frame):
            raise TimeBudgetExceeded()
        old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for group in batches(tasks, size):
            if not timed:
                yield from pipeline.process_files(group)
                continue
            try:
                signal.setitimer(signal.ITIMER_REAL, budget)
                docs = pipeline.process_files(group)
            except TimeBudgetExceeded:
                docs = None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if docs is None:
                if len(group) == 1:
                    docs = [budget_error(path, doc_id, budget) for path, doc_id in group]
                else:
                    docs = process_serial(group, pipeline, budget, size=1)
            yield from docs
    finally:
        if timed:
            signal.signal(signal.SIGALRM, old)


def budget_error(path, doc_id, budget: float) -> Doc:
    return Doc.failed(path, doc_id, f"time budget exceeded ({budget:g} s per document)")


class _Slot:
    def __init__(self, ctx, rules_dirs, lean=False, texts_dir=None, store_spec=None):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, tuple(rules_dirs), lean, texts_dir, store_spec),
                                daemon=True)
        self.proc.start()
        child.close()
        self.queue: deque = deque()  # batches sent, in the order the worker does them; the first is under way
        self.started = 0.0  # when the first of them began (as far as this process can tell)

    def kill(self):
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


# Batches a worker holds at once: the one under way and the next, so that it goes straight on
# while this process is busy with the results (writing tables, the store) instead of waiting
# for it to hand out work.
PREFETCH = 2


def process_parallel(tasks: Iterable[tuple[Path, str]], jobs: int, rules_dirs=(), budget: float | None = None,
                     window: int | None = None, pipeline=None, lean: bool = False,
                     texts_dir: str | None = None, size: int = BATCH, store=None,
                     hashes: dict | None = None) -> Iterator[Doc]:
    """Yield one Doc per (path, doc_id), in input order, using ``jobs`` worker processes.

    Workers take the documents in batches of ``size`` (:func:`batches`). A batch gets one document's
    ``budget``; a batch that overruns it, or whose worker dies, is done again a document at a time in
    a new worker, so that only the document at fault becomes an error. Each Doc comes with its rows
    made (:class:`Preparer`); ``lean`` Docs carry only the rows, not their spans, sections and problems
    (what a run that does not keep the Docs needs); with ``texts_dir`` the workers write each text
    there (``<doc_id>.txt``) themselves. With ``store`` (a :class:`~extract.store.Store` in a file) and
    ``hashes`` (each doc_id's content hash) the workers put their batches into the store themselves
    (Docs that come back ``stored``), so that their rows need not cross the pipe. At most ``window``
    documents are read ahead or wait to be yielded in order."""
    global _PIPELINE
    _PIPELINE = pipeline
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    spec = store.writer_spec() if store is not None and hashes is not None else None
    # forked without this process's connection to the store, they may open their own
    with store.detached() if spec is not None else contextlib.nullcontext():
        slots = [_Slot(ctx, rules_dirs, lean, texts_dir, spec) for _ in range(max(1, jobs))]
    window = max(window or 0, (PREFETCH + 2) * size * len(slots))
    todo: deque = deque()  # batches to hand out: [(idx, path, doc_id, content hash)]
    numbers = itertools.count()
    source = ([(next(numbers), path, doc_id, hashes.get(doc_id, "") if hashes else "") for path, doc_id in batch]
              for batch in batches(tasks, size))
    done: dict[int, Doc] = {}
    next_out = 0
    exhausted = False

    def requeue(slot: _Slot, alone: list | None = None) -> None:
        """Batches a replaced worker had not begun go back to the front of the line, in order, and
        before them the documents of ``alone`` (the batch it failed on), each in a batch of its own."""
        while slot.queue:
            todo.appendleft(slot.queue.pop())
        for task in reversed(alone or []):
            todo.appendleft([task])

    def give_up(slot: _Slot, reason) -> None:
        """The worker overran the budget or died on its first batch: kill it, and end the batch (a document
        alone: ``reason`` is its error) or do its documents again alone."""
        batch = slot.queue.popleft()
        if len(batch) == 1:
            idx, path, doc_id, _ = batch[0]
            done[idx] = reason(path, doc_id)
            batch = []
        requeue(slot, batch)
        slots[slots.index(slot)] = _replace(slot, ctx, rules_dirs, lean, texts_dir)

    def died(path, doc_id) -> Doc:
        return Doc.failed(path, doc_id, "worker process died while reading this document")

    try:
        while True:
            while not exhausted and sum(map(len, todo)) + sum(len(b) for s in slots for b in s.queue) + len(done) < window:
                try:
                    todo.append(next(source))
                except StopIteration:
                    exhausted = True
            for s in slots:
                while len(s.queue) < PREFETCH and todo:
                    batch = todo.popleft()
                    if not s.queue:
                        s.started = time.monotonic()
                    s.queue.append(batch)
                    s.conn.send(batch)
            busy = [s for s in slots if s.queue]
            if not busy and not todo:
                break
            timeout = None
            if budget:
                now = time.monotonic()
                timeout = max(0.0, min(s.started + budget - now for s in busy))
            ready = wait([s.conn for s in busy], timeout)
            for s in busy:
                if s.conn in ready:
                    try:
                        results = s.conn.recv()
                    except (EOFError, OSError):  # the worker died (out of memory, a crash in C code)
                        give_up(s, died)
                    else:
                        s.queue.popleft()
                        s.started = time.monotonic()  # the next batch, if any, begins now
                        done.update(results)
                elif budget and time.monotonic() - s.started >= budget:
                    give_up(s, lambda path, doc_id: budget_error(path, doc_id, budget))
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for s in slots:
            try:
                s.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for s in slots:
            s.proc.join(1)
            if s.proc.is_alive():
                s.proc.kill()


def _replace(slot: _Slot, ctx, rules_dirs, lean=False, texts_dir=None) -> _Slot:
    slot.kill()
    return _Slot(ctx, rules_dirs, lean, texts_dir)
