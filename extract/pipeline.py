"""The pipeline: a file or a text in, one :class:`~extract.doc.Doc` out.

Stages are small callables that add to the Doc, built once per rule set.
Their order is the order of their needs: document numbers, phones and cited
titles first (they mask their digits), metadata (the year that year-less
dates need), sections, dates, indicators and changes (which read dates for
their periods), quantities (which skip what indicators took), names of
bodies, people and places, then problems (which read sections, metadata and
the bodies named as responsible).
"""
from __future__ import annotations

import time
import traceback
from operator import attrgetter
from pathlib import Path

from .citations import CitationStage
from .contacts import ContactStage
from .dates import DateStage
from .doc import Doc
from .docnumbers import DocNumberStage
from .formats.limits import MAX_CHARS
from .metadata import MetadataStage
from .indicators import IndicatorStage
from .normalize import Normalizer
from .orgs import OrgStage, ResponsibleStage
from .persons import PersonStage
from .places import PlaceStage
from .problems import ProblemStage
from .quantities import QuantityStage
from .reading import ReadError, read_source
from .rules import load_rules
from .sections import SectionStage

_START, _END, _KIND = attrgetter("start"), attrgetter("end"), attrgetter("kind")

BATCH = 64  # documents a run hands the pipeline at once (process_files): each stage runs over all of them


class Pipeline:
    def __init__(self, rules_dirs: tuple[str, ...] | list[str] = ()):
        self.rules_dirs = tuple(str(d) for d in rules_dirs)
        self.rules = load_rules(self.rules_dirs)
        rules = self.rules
        self.normalizer = Normalizer(rules)
        docnos = DocNumberStage(rules)
        dates = DateStage(rules)
        self.stages = [
            docnos,
            ContactStage(rules),
            CitationStage(rules),
            MetadataStage(rules, dates, docnos),
            SectionStage(rules),
            dates,
            IndicatorStage(rules),
            QuantityStage(rules),
            OrgStage(rules),
            PersonStage(rules),
            PlaceStage(rules),
            ProblemStage(rules),
            ResponsibleStage(rules),
        ]

    @property
    def stage_names(self) -> list[str]:
        return ["normalize"] + [s.name for s in self.stages]

    def new_doc(self, raw: str, doc_id: str = "doc", path: str = "", normalise: bool = True,
                source_meta: dict | None = None) -> Doc:
        """A Doc of the normalised text, before the stages (``normalise=False`` keeps the text as given)."""
        clock = time.perf_counter
        t0 = clock()
        if len(raw) > MAX_CHARS:
            raise ReadError(f"document too long: {len(raw)} characters (limit {MAX_CHARS})")
        text, notes = self.normalizer(raw) if normalise else (raw, {})
        doc = Doc(text, doc_id=doc_id, path=path)
        doc.source_meta = dict(source_meta or {})
        doc.meta["traditional"] = notes.get("traditional", False)
        doc.timings["normalize"] = clock() - t0
        return doc

    def process_text(self, raw: str, doc_id: str = "doc", path: str = "", normalise: bool = True,
                     source_meta: dict | None = None) -> Doc:
        """One document from its text; ``normalise=False`` keeps the text as given (offsets then point into it)."""
        doc = self.new_doc(raw, doc_id, path, normalise, source_meta)
        failed = self.process_batch([doc])
        if failed:
            raise failed[0]
        return doc

    def process_batch(self, docs: list[Doc]) -> dict[int, Exception]:
        """Run the stages over these Docs (from :meth:`new_doc`), each stage over all of them before the
        next: a stage's patterns and automata stay in the processor's caches from one document to the
        next, where one document through all stages would evict them (13–19% faster: benchmarks/batch_ab.py).
        A document's result is the same either way. Returns the documents a stage failed on, as
        {index: the exception}; those are left unfinished and the stages after skip them."""
        clock = time.perf_counter
        failed: dict[int, Exception] = {}
        live = list(enumerate(docs))
        for stage in self.stages:
            name = stage.name
            t = clock()
            for i, doc in live:
                try:
                    stage(doc)
                except Exception as e:
                    failed[i] = e
                # (one clock reading ends a document's time in the stage and starts the next's)
                now = clock()
                timings = doc.timings
                timings[name] = timings.get(name, 0.0) + now - t
                t = now
            if failed:
                live = [(i, doc) for i, doc in live if i not in failed]
        for _, doc in live:
            # by (start, end, kind): three stable sorts on one field each, last field first (faster than one
            # sort on the tuple of the three, and the same order)
            spans = doc.spans
            spans.sort(key=_KIND)
            spans.sort(key=_END)
            spans.sort(key=_START)
            doc.assign_owners()
        return failed

    def process_file(self, path: str | Path, doc_id: str) -> Doc:
        """Never raises: a file that fails comes back as a Doc with status 'error' and a reason."""
        return self.process_files([(path, doc_id)])[0]

    def process_files(self, tasks: list[tuple[str | Path, str]]) -> list[Doc]:
        """:meth:`process_file` of each (path, doc_id), in batches of :data:`BATCH` (:meth:`process_batch`):
        one Doc each, in order, the same as alone. Never raises (but for a BaseException such as a time
        budget's)."""
        tasks = list(tasks)
        if len(tasks) > BATCH:
            return [doc for b in range(0, len(tasks), BATCH) for doc in self.process_files(tasks[b:b + BATCH])]
        out: list[Doc] = []
        batch: list[Doc] = []
        at: list[int] = []  # where each Doc of the batch goes in out
        for path, doc_id in tasks:
            path = Path(path)
            try:
                src = read_source(path, self.rules)
                doc = self.new_doc(src.text, doc_id=doc_id, path=str(path), source_meta=src.meta)
                doc.encoding = src.encoding
            except Exception as e:
                out.append(_error_doc(path, doc_id, e))
                continue
            at.append(len(out))
            out.append(doc)
            batch.append(doc)
        for i, e in self.process_batch(batch).items():
            doc = batch[i]
            out[at[i]] = _error_doc(Path(doc.path), doc.doc_id, e)
        return out


def _error_doc(path: Path, doc_id: str, e: Exception) -> Doc:
    """The Doc of a file that failed, with the reason: a ReadError's own words, else where the bug is."""
    if isinstance(e, ReadError):
        reason = str(e)
    else:  # a bug must not stop the batch; the reason says where
        tb = traceback.extract_tb(e.__traceback__)[-1]
        reason = f"internal error: {type(e).__name__}: {e} (at {Path(tb.filename).name}:{tb.lineno})"
    return Doc.failed(path, doc_id, reason)
