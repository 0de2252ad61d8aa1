"""The document object every stage reads and adds to.

Like a spaCy ``Doc``: one normalised text, and typed spans that point into it.
A fact that cannot point at its words does not exist, so :meth:`Doc.add`
refuses a span whose text differs from ``text[start:end]``.
"""
from __future__ import annotations

import bisect
import itertools
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any


@dataclass(slots=True)
class Span:
    """One extracted fact: a kind, its words, and what they mean."""

    kind: str
    start: int
    end: int
    text: str
    norm: str = ""
    value: float | None = None
    unit: str = ""
    name: str = ""
    period: str = ""
    role: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    section_id: str = ""
    problem_id: str = ""


@dataclass(slots=True)
class Section:
    section_id: str
    parent_id: str
    level: int
    number: str
    style: str
    heading: str
    start: int  # start of the heading line
    end: int  # end of the section's body (before the next heading of the same or a higher level)
    heading_end: int  # end of the heading's own words
    section_type: str = "other"


@dataclass(slots=True)
class Problem:
    problem_id: str
    number: str
    category: str
    title: str
    start: int
    end: int
    status: str = "unknown"
    status_text: str = ""
    section_id: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)


def _fields_of(cls):
    """A function from an object of the dataclass ``cls`` to the tuple of its fields, in order."""
    names = [f.name for f in fields(cls)]
    return attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))


_SPAN_FIELDS = _fields_of(Span)
_SECTION_FIELDS = _fields_of(Section)
_PROBLEM_FIELDS = _fields_of(Problem)
_UNSET: Any = object()  # an argument not given
_START = attrgetter("start")
_INF = float("inf")


class Doc:
    """A document: its normalised text, metadata, sections, problems and spans."""

    # section_at's index of the sections: (the list, its length, its last section, starts, by id);
    # rebuilt when the list is replaced or grows or shrinks. Not pickled.
    _section_index: tuple | None = None

    def __init__(self, text: str, doc_id: str = "", path: str = "", encoding: str = ""):
        self.text = text
        self.doc_id = doc_id
        self.path = path
        self.encoding = encoding
        self.meta: dict[str, Any] = {}
        self.source_meta: dict[str, Any] = {}  # what the file's format said: page title, 发布时间, 来源, pages
        self.sections: list[Section] = []
        self.problems: list[Problem] = []
        self.spans: list[Span] = []
        self.status = "ok"
        self.error = ""
        self.timings: dict[str, float] = {}
        # Intervals that later matchers must not reuse (doc numbers, phones,
        # standard codes, list numbering): sorted starts and their ends.
        self._mask_starts: list[int] = []
        self._mask_ends: list[int] = []
        self._mask_reach: list[int] | None = []  # running max of _mask_ends (None: remake on next use)

    @classmethod
    def failed(cls, path, doc_id: str, reason: str) -> "Doc":
        """The Doc of a file that could not be processed: no text, status 'error' and the reason."""
        doc = cls("", doc_id=doc_id, path=str(path))
        doc.status, doc.error = "error", reason
        return doc

    # -- pickling ------------------------------------------------------------
    # Worker processes send their Docs back pickled: spans, sections and problems
    # go as plain tuples of their fields, which pickle and load several times faster
    # than as objects (the parent of a parallel run loads every one).
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_section_index", None)
        state["spans"] = list(map(_SPAN_FIELDS, self.spans))
        state["sections"] = list(map(_SECTION_FIELDS, self.sections))
        state["problems"] = list(map(_PROBLEM_FIELDS, self.problems))
        return state

    def __setstate__(self, state: dict) -> None:
        for key, cls in (("spans", Span), ("sections", Section), ("problems", Problem)):
            items = state.get(key) or []
            state[key] = [cls(*t) if type(t) is tuple else t for t in items]
        self.__dict__.update(state)

    # -- spans ---------------------------------------------------------------
    def add(self, kind: str, start: int, end: int, norm: str = "", value: float | None = None, unit: str = "",
            name: str = "", period: str = "", role: str = "", attrs: Any = _UNSET, section_id: str = "",
            problem_id: str = "", text: Any = _UNSET) -> Span:
        """Add a fact grounded at ``text[start:end]`` (the fields of :class:`Span` by name; ``text``, when
        given, must be those words)."""
        # (the fields are named, not gathered as **fields, and Span is made from them in order: this is
        # called a hundred times a document)
        doc_text = self.text
        if not (0 <= start < end <= len(doc_text)):
            raise ValueError(f"span {kind} [{start},{end}) outside text of length {len(doc_text)}")
        words = doc_text[start:end]
        if text is not _UNSET and text != words:
            raise ValueError(f"span {kind} text {text!r} != text[{start}:{end}] {words!r}")
        span = Span(kind, start, end, words, norm, value, unit, name, period, role,
                    {} if attrs is _UNSET else attrs, section_id, problem_id)
        self.spans.append(span)
        return span

    def of_kind(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

    # -- masking -------------------------------------------------------------
    def mask(self, start: int, end: int) -> None:
        i = bisect_left(self._mask_starts, start)
        self._mask_starts.insert(i, start)
        self._mask_ends.insert(i, end)
        self._mask_reach = None

    def masked(self, start: int, end: int) -> bool:
        """True when [start, end) overlaps a masked interval."""
        i = bisect_left(self._mask_starts, end)
        if not i:
            return False
        reach = self._mask_reach
        if reach is None:  # masks are put by the first stages and read by the later ones: remade rarely
            reach = self._mask_reach = list(itertools.accumulate(self._mask_ends, max))
        # of the intervals begun before end, the furthest any reaches
        return reach[i - 1] > start

    # -- structure -----------------------------------------------------------
    def section_at(self, pos: int) -> Section | None:
        """The innermost section whose range holds ``pos``."""
        sections = self.sections
        if not sections:
            return None
        index = self._section_index
        if index is None or index[0] is not sections or index[1] != len(sections) or index[2] is not sections[-1]:
            index = self._section_index = (sections, len(sections), sections[-1], [s.start for s in sections],
                                           {s.section_id: s for s in sections})
        starts, by_id = index[3], index[4]
        i = bisect.bisect_right(starts, pos) - 1
        sec = self.sections[i] if i >= 0 else None
        # sections nest, so the holder is the last one begun or one of its ancestors
        while sec is not None and not (sec.start <= pos < sec.end):
            sec = by_id.get(sec.parent_id)
        return sec

    def problem_at(self, pos: int) -> Problem | None:
        for p in self.problems:
            if p.start <= pos < p.end:
                return p
        return None

    def assign_owners(self) -> None:
        """Fill each span's section_id and problem_id from where it sits."""
        sections = self.sections
        starts = [s.start for s in sections]
        by_id = {s.section_id: s for s in sections}
        probs = sorted(self.problems, key=_START)
        pstarts = [p.start for p in probs]
        # Every test below compares the position with a section's or problem's start or end (pos < b), so
        # the owners are the same from one of these bounds to the next: they are read again only when a
        # span (spans come sorted by start) stands past the bounds of the last reading.
        bounds = sorted({*starts, *(s.end for s in sections), *pstarts, *(p.end for p in probs)})
        lo = hi = 0  # the owners below hold for positions in [lo, hi)
        sid = pid = ""
        for span in self.spans:
            pos = span.start
            if not lo <= pos < hi:
                i = bisect_right(starts, pos) - 1
                sec = sections[i] if i >= 0 else None
                while sec is not None and not (sec.start <= pos < sec.end):
                    sec = by_id.get(sec.parent_id)
                sid = sec.section_id if sec else ""
                j = bisect_right(pstarts, pos) - 1
                pid = probs[j].problem_id if j >= 0 and pos < probs[j].end else ""
                k = bisect_right(bounds, pos)
                lo = bounds[k - 1] if k else -_INF
                hi = bounds[k] if k < len(bounds) else _INF
            span.section_id = sid
            span.problem_id = pid
