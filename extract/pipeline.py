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

    def process_text(self, raw: str, doc_id: str = "doc", path: str = "", normalise: bool = True,
                     source_meta: dict | None = None) -> Doc:
        """One document from its text; ``normalise=False`` keeps the text as given (offsets then point into it)."""
        clock = time.perf_counter
        t0 = clock()
        if len(raw) > MAX_CHARS:
            raise ReadError(f"document too long: {len(raw)} characters (limit {MAX_CHARS})")
        text, notes = self.normalizer(raw) if normalise else (raw, {})
        doc = Doc(text, doc_id=doc_id, path=path)
        doc.source_meta = dict(source_meta or {})
        doc.meta["traditional"] = notes.get("traditional", False)
        timings = doc.timings
        t = clock()
        timings["normalize"] = t - t0
        for stage in self.stages:
            name = stage.name
            stage(doc)
            # (one clock reading ends a stage's time and starts the next's)
            now = clock()
            timings[name] = timings.get(name, 0.0) + now - t
            t = now
        # by (start, end, kind): three stable sorts on one field each, last field first (faster than one
        # sort on the tuple of the three, and the same order)
        spans = doc.spans
        spans.sort(key=_KIND)
        spans.sort(key=_END)
        spans.sort(key=_START)
        doc.assign_owners()
        return doc

    def process_file(self, path: str | Path, doc_id: str) -> Doc:
        """Never raises: a file that fails comes back as a Doc with status 'error' and a reason."""
        path = Path(path)
        try:
            src = read_source(path, self.rules)
            doc = self.process_text(src.text, doc_id=doc_id, path=str(path), source_meta=src.meta)
            doc.encoding = src.encoding
            return doc
        except ReadError as e:
            reason = str(e)
        except Exception as e:  # a bug must not stop the batch; the reason says where
            tb = traceback.extract_tb(e.__traceback__)[-1]
            reason = f"internal error: {type(e).__name__}: {e} (at {Path(tb.filename).name}:{tb.lineno})"
        doc = Doc("", doc_id=doc_id, path=str(path))
        doc.status, doc.error = "error", reason
        return doc
