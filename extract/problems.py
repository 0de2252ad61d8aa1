"""Problems: one record per rectification problem, with its status.

Four layouts, tried in order: problems opened by a marker line (问题1：…)
under category headings; sub-headings of a heading that lists problems one
by one (二、具体整改情况 -> （一）…); the rows of a ledger table
(extract/tables.py); and the notice about a single problem (a 销号公示 or
验收请示), whose body is the problem's rectification text.
"""
from __future__ import annotations

import bisect

import regex

from .doc import Doc, Problem, Section
from .places import HandedWords, handed_words
from .rules import RuleError, RuleSet, alternation
from .tables import TableReader

STATUSES = ("completed", "partial", "in_progress", "not_done")


def _word_status(rules: RuleSet) -> dict[str, str]:
    """Each status word of rules/problems.yaml and its status."""
    data, path = rules.yaml("problems.yaml")
    line = getattr(data, "line", None)
    status = data.get("status")
    if not isinstance(status, dict) or set(status) - set(STATUSES):
        raise RuleError(path, getattr(status, "line", line), f"status must map some of {STATUSES} to words")
    word_status = {}
    for st, words in status.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RuleError(path, getattr(status, "line", line), f"status {st} must be a list of words")
        for w in words:
            word_status[w] = st
    return word_status


def status_words(rules: RuleSet) -> HandedWords:
    """The status words, shared with the orgs stage, whose automaton finds them."""
    return handed_words(rules, "status_words", lambda r: list(_word_status(r)))


def _line_anchored(pat) -> bool:
    """Can ``pat`` (MULTILINE) match only at the start of a line? It starts with ^ and has no | outside a
    group or class (and no lookbehind or \\G, which are not read here)."""
    text = pat.pattern
    if not (pat.flags & regex.M) or pat.flags & (regex.V1 | regex.WORD) or not text.startswith("^") \
            or "(?<" in text or "\\G" in text or _INLINE_FLAGS.search(text):
        return False  # (inline flags, and WORD's other line breaks, are not read)
    depth, i = 0, 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            m = _CLASS.match(text, i)
            if m is None:
                return False
            i = m.end()
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return depth == 0


_CLASS = regex.compile(r"\[\^?\]?(?:\\.|[^\\\]])*\]")  # a character class, from its [ to its ]
_INLINE_FLAGS = regex.compile(r"\(\?(?!P)[a-zA-Z^-][a-zA-Z0-9^-]*[:)]")  # (?i), (?w:…), not (?P<name>…)


class ProblemStage:
    name = "problems"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("problems.yaml")
        line = getattr(data, "line", None)
        self.marker = rules.pattern(data, "marker", path, regex.M)
        # A marker written ^… (one branch) matches at a line start: after a line break, or at the text's
        # start. Found after a line break ("\n" then the rest: the regex engine finds the line breaks at
        # once, where ^ has it try every character), then read again where each was found.
        self._marker_nl = None
        if _line_anchored(self.marker):
            try:
                self._marker_nl = regex.compile("\n(?:" + self.marker.pattern[1:] + ")", self.marker.flags)
            except regex.error:
                pass
        # its "num" group read by number: a name that several groups share is read several times slower
        self._marker_num = self.marker.groupindex.get("num", "num")
        self.category_label = rules.pattern(data, "category_label", path)
        self.list_headings = rules.words(data, "problem_list_headings", path)
        # (whether a heading holds one of them: one search, not one `in` for each)
        self._list_heading = regex.compile(alternation(self.list_headings)) if self.list_headings else None
        self.single_cues = rules.pattern(data, "single_cues", path)
        self.single_types = set(rules.words(data, "single_types", path))
        self.single_title_words = rules.words(data, "single_title_words", path)
        self.cue_window = int(data.get("single_cue_window", 400))
        self.word_status = _word_status(rules)
        # one alternation of the words, longest first; a word followed by 情况 is a
        # heading (整改完成情况), not a claim. The looser patterns are read only where no word stands.
        self.status_re = regex.compile(f"(?:{alternation(self.word_status)})(?!情况)")
        # where a status word starts in the document (found by the orgs stage's automaton): the
        # alternation is tried only there, as a match of it starts with a word
        self.status_words = status_words(rules)
        self._starts: tuple[str, list[int]] | None = None  # the last text's sorted starts
        self.loose = [rules.compile(p, path, line) for p in data.get("completed_patterns") or []]
        self.status_sections = set(rules.words(data, "status_section_types", path))
        self.tables = TableReader(rules, status_of=self.status_of)
        decisive = data.get("decisive") or []
        unknown = [w for w in decisive if w not in self.word_status]
        if unknown:
            raise RuleError(path, getattr(data, "line", None), f"decisive words not in any status list: {unknown}")
        self.decisive = set(decisive)

    # -- status --------------------------------------------------------------
    def status_of(self, text: str, ranges: list[tuple[int, int]]) -> tuple[str, str]:
        found: list[tuple[int, str, str]] = []
        starts = self._sorted_starts(text)
        match = self.status_re.match
        for a, b in ranges:
            taken = []
            # the matches of self.status_re.finditer(text, a, b), tried only where a word starts
            last = a
            for k in range(bisect.bisect_left(starts, a), bisect.bisect_left(starts, b)):
                p = starts[k]
                if p < last:
                    continue
                m = match(text, p, b)
                if m:
                    found.append((p, self.word_status[m.group(0)], m.group(0)))
                    taken.append(m.span())
                    last = m.end()
            for pat in self.loose:
                for m in pat.finditer(text, a, b):
                    if not any(s < m.end() and m.start() < e for s, e in taken):
                        found.append((m.start(), "completed", m.group(0)))
        found = [(st, w) for _, st, w in sorted(found)]
        if not found:
            return "unknown", ""
        # a claim about the problem as a whole (该问题已完成整改) outweighs words about its parts
        strong = [(st, w) for st, w in found if w in self.decisive]
        found = strong or found
        kinds = {st for st, _ in found}
        if "partial" in kinds or ("completed" in kinds and "not_done" in kinds):
            status = "partial"
        elif "in_progress" in kinds:
            status = "in_progress"
        elif "completed" in kinds:
            status = "completed"
        else:
            status = "not_done"
        deciding = [w for st, w in found
                    if st == status or (status == "partial" and st in ("partial", "completed", "not_done"))]
        return status, "；".join(dict.fromkeys(deciding))

    def _sorted_starts(self, text: str) -> list[int]:
        """Where a status word starts in ``text``, in order."""
        last = self._starts  # read once: another thread may replace it
        if last is None or last[0] is not text:
            last = self._starts = (text, sorted(set(self.status_words.starts(text))))
        return last[1]

    # -- layouts -------------------------------------------------------------
    def __call__(self, doc: Doc) -> None:
        # a ledger table comes before the single-problem reading, so a 整改公示 with a table is many problems
        problems = self._markers(doc) or self._listed(doc) or self.tables.problems(doc) or self._single(doc)
        for i, p in enumerate(problems, 1):
            p.problem_id = f"p{i}"
        doc.problems = problems

    def _category(self, sec: Section | None) -> str:
        if sec is None:
            return ""
        head = self.category_label.sub("", sec.heading).strip()
        return head.rstrip("。.；;：:")

    def _markers(self, doc: Doc) -> list[Problem]:
        text = doc.text
        marks = self._marker_matches(text)
        if not marks:
            return []
        # categories sit at the level of the section holding the first marker;
        # deeper sections between markers are items of a problem, not categories
        first = doc.section_at(marks[0].start())
        cat_level = first.level if first else 0
        cats = [s for s in reversed(doc.sections) if s.level <= cat_level]
        # the headings at the category's level or above, in text order (sections are)
        closers = [s.start for s in doc.sections if s.level <= max(cat_level, 1)]
        out = []
        categories: dict[int, str] = {}  # _category of each section met, by id (a category holds several markers)
        num = self._marker_num
        n_marks, size = len(marks), len(text)
        for i, m in enumerate(marks):
            pos, mend = m.span()
            eol = text.find("\n", mend)
            eol = size if eol < 0 else eol
            sec = next((s for s in cats if s.start <= pos < s.end), None)
            end = marks[i + 1].start() if i + 1 < n_marks else size
            # the next heading at the category's level or above closes the problem
            k = bisect.bisect_right(closers, pos)
            if k < len(closers) and closers[k] < end:
                end = closers[k]
            title = text[mend:eol].strip().rstrip("。.")
            status, words = self.status_of(text, [(eol, end)])
            if sec is None:
                category, sid = "", ""
            else:
                sid = sec.section_id
                category = categories.get(id(sec))
                if category is None:
                    category = categories[id(sec)] = self._category(sec)
            out.append(Problem("", m.group(num), category, title, pos, end, status, words, sid))
        return out

    def _marker_matches(self, text: str) -> list:
        """The matches of ``self.marker.finditer(text)``."""
        marker, after_break = self.marker, self._marker_nl
        if after_break is None:
            return list(marker.finditer(text))
        out = []
        m = marker.match(text, 0)
        if m is not None:
            out.append(m)
        for c in after_break.finditer(text):
            m = marker.match(text, c.start() + 1)
            out.append(m)
            if m is None or m.end() != c.end():
                break  # (cannot be: read the plain way)
        # a match holding a line break (or none) could hide a match at the next line's start: then the
        # plain way
        if any(m is None or m.end() == m.start() or "\n" in m.group() for m in out):
            return list(marker.finditer(text))
        return out

    def _listed(self, doc: Doc) -> list[Problem]:
        out = []
        for parent in doc.sections:
            if self._list_heading is None or not self._list_heading.search(parent.heading):
                continue
            for s in doc.sections:
                if s.parent_id == parent.section_id:
                    status, words = self.status_of(doc.text, [(s.heading_end, s.end)])
                    out.append(Problem("", s.number, "", s.heading.rstrip("。."), s.start, s.end, status, words,
                                       s.section_id))
        return out

    def _single(self, doc: Doc) -> list[Problem]:
        title = doc.meta.get("title", "")
        head = doc.text[: self.cue_window]
        cue = self.single_cues.search(title) or self.single_cues.search(head)
        typed = doc.meta.get("doc_type") in self.single_types and any(w in title for w in self.single_title_words)
        if not cue and not typed:
            return []
        number = (cue.group("num") or "") if cue else ""
        name = (cue.group("title") or "") if cue else ""
        start = doc.meta.get("_title_span", (0, 0))[1] if title else 0
        end = len(doc.text)
        if not name:
            prob = next((s for s in doc.sections if s.level == 1 and s.section_type == "problem"), None)
            if prob is not None:
                body = doc.text[prob.heading_end:prob.end].strip()
                name = regex.split(r"[。；\n]", body, maxsplit=1)[0][:80]
        status, words = self.status_of(doc.text, self._status_ranges(doc, start, end))
        return [Problem("", number, "", name, start, end, status, words)]

    def _status_ranges(self, doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of the body that report progress: not the problem, target, measures or plans."""
        tops = [s for s in doc.sections if s.level == 1]
        ranges, pos = [], start
        for s in tops:
            if s.start > pos:
                ranges.append((pos, s.start))
            if s.section_type in self.status_sections:
                ranges.append((s.heading_end, s.end))
            pos = max(pos, s.end)
        if pos < end:
            ranges.append((pos, end))
        return ranges
