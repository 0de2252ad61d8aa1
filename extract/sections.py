"""Sections: the tree of numbered headings, each typed by its wording."""
from __future__ import annotations

import operator

import regex

from .dates import cn_small
from .doc import Doc, Section
from .places import Lexicon
from .rules import RuleError, RuleSet

_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z^\-]+\)")  # (?i) and the like, which would change a joined pattern
# references to groups by number or name (recursion too), or our own group names: the styles are then
# matched one by one
_GROUP_REF = regex.compile(r"\\[1-9]|\(\?(?:P[=>]|[R&+\-\d])|\\g<|_style")
_COMMA = regex.compile(r"[，,：:]")
_CLASS_OR_END = regex.compile(r"(?P<cls>\[(?:\\.|[^\\\]\[])+\])\|\$")
_INDENT = " \t\u3000"  # skipped between a heading's number and its words
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def number_value(num: str) -> int | None:
    """The integer a list number stands for: 三 -> 3, 12 -> 12, ④ -> 4."""
    if num.isascii() and num.isdigit():
        return int(num)
    if num in _CIRCLED:
        return _CIRCLED.index(num) + 1
    return cn_small(num)


class SectionStage:
    name = "sections"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("sections.yaml")
        line = getattr(data, "line", None)
        lead = data.get("lead", "^")
        styles = data.get("styles")
        if not isinstance(styles, list) or not styles:
            raise RuleError(path, line, "styles must be a non-empty list")
        self.styles = []
        for st in styles:
            sl = getattr(st, "line", None)
            if not isinstance(st, dict) or not st.get("name") or not st.get("pattern"):
                raise RuleError(path, sl, "each style needs a name and a pattern")
            self.styles.append((st["name"], rules.pattern(st, "pattern", path, prefix=lead)))
        self.heading_end = rules.pattern(data, "heading_end", path)
        # heading_end written as [...]|$ on a line (no line break in it): the class alone, found or not
        # (then the end of the line), is found faster than the alternation
        self._end_class = None
        m = _CLASS_OR_END.fullmatch(self.heading_end.pattern)
        if m is not None:
            self._end_class = regex.compile(m.group("cls"), self.heading_end.flags)
        self.max_chars = int(data.get("max_heading_chars", 60))
        self.types = []
        for t in data.get("types") or []:
            tl = getattr(t, "line", None)
            if not isinstance(t, dict) or not t.get("type") or not isinstance(t.get("words"), list):
                raise RuleError(path, tl, "each section type needs a type and a list of words")
            self.types.append((t["type"], [w for w in t["words"] if isinstance(w, str) and w]))
        # every type's words in one automaton: a heading's type is the first type with a word in it
        first_type: dict[str, int] = {}
        for i, (_, words) in enumerate(self.types):
            for w in words:
                first_type.setdefault(w, i)
        self.type_words = Lexicon(first_type)
        self.word_type = [first_type[w] for w in self.type_words.words]
        # a line that no style matches at its start is passed over at once; the same
        # alternation, each style in a group of its own, says which style matched first
        # (alternatives are tried in order, as the styles are), so no style is tried twice
        self.any_style = None
        self.style_groups = None  # Match.groups() -> the style groups' values
        pats = [pat.pattern for _, pat in self.styles]
        if not any(_GLOBAL_FLAGS.search(p) for p in pats):
            try:
                self.any_style = regex.compile("|".join(f"(?:{p})" for p in pats), regex.V0)
            except regex.error:
                pass
            # numbered back-references would point elsewhere once groups are added before them
            if self.any_style is not None and not any(_GROUP_REF.search(p) for p in pats):
                groups = [f"_style{i}" for i in range(len(pats))]
                try:
                    self.any_style = regex.compile(
                        "|".join(f"(?P<{g}>{p})" for g, p in zip(groups, pats)), regex.V0)
                    # the values of the style groups, read from Match.groups() (1-based numbers)
                    index = [self.any_style.groupindex[g] - 1 for g in groups]
                    self.style_groups = operator.itemgetter(*index) if len(index) > 1 else (lambda t: (t[index[0]],))
                except regex.error:
                    pass
        # which of the styles' groups holds the match (the outermost group closes last): its style
        self._style_of = None
        self._num_group = None  # the number of the (shared) "num" group of any_style, read by number
        if self.style_groups is not None:
            self._style_of = {f"_style{i}": name for i, (name, _) in enumerate(self.styles)}
            # (the styles' "num" groups are one group of the joined pattern: a name read by number, faster)
            num = self.any_style.groupindex.get("num")
            if num is not None:
                self._num_group = num
        # A line can be a heading only if its first character (after any indentation) can begin a match:
        # asked of the regex (a partial match of the indentation and that character) once for each such
        # beginning met, and kept.
        self._may_start: dict[str, bool] = {}
        self._blank_heading = any(pat.match("") for _, pat in self.styles)
        self._types: dict[str, str] = {}  # classify() of headings, which recur
        self._values: dict[str, int | None] = {}  # number_value() of the numbers headings carry

    def classify(self, heading: str) -> str:
        got = self._types.get(heading)
        if got is None:
            if len(self._types) > 20_000:
                self._types.clear()
            found = self.type_words.all(heading)
            got = self.types[min(self.word_type[i] for i, _, _ in found)][0] if found else "other"
            self._types[heading] = got
        return got

    def headings(self, text: str):
        """(line_start, style, number, heading_start, heading_end) for each heading line."""
        pos = 0
        any_style, groups, style_of, num_group = self.any_style, self.style_groups, self._style_of, self._num_group
        may_start, blank = self._may_start, self._blank_heading
        styles, heading_end, end_class, max_chars = self.styles, self.heading_end, self._end_class, self.max_chars
        am = None
        for line in text.split("\n"):
            if any_style is None:
                found = None
            else:
                first = line[:1]
                if first.isspace():  # an indented line: its indentation and first character
                    first = line[:len(line) - len(line.lstrip()) + 1]
                ok = may_start.get(first) if first else blank
                if ok is None:
                    if len(may_start) > 50_000:
                        may_start.clear()
                    ok = may_start[first] = any_style.match(first, partial=True) is not None
                am = any_style.match(line) if ok else None
                if am is None:
                    pos += len(line) + 1
                    continue
                found = None
                if style_of is not None:
                    style = style_of.get(am.lastgroup)
                    if style is not None:
                        found = style, am
                    else:
                        # the one style group that took part in the match (the others are None) holds all of it
                        found = styles[groups(am.groups()).index(am.group())][0], am
            if found is None:
                found = next(((style, m) for style, pat in styles if (m := pat.match(line))), None)
            if found is not None:
                style, m = found
                hs = m.end()
                if line[hs:hs + 1] in _INDENT:
                    rest = line[hs:]
                    hs += len(rest) - len(rest.lstrip(_INDENT))
                if end_class is not None:
                    stop = end_class.search(line, hs)
                else:
                    stop = heading_end.search(line, hs)
                he = stop.start() if stop else len(line)
                if he - hs > max_chars:
                    comma = _COMMA.search(line, hs, he)
                    he = comma.start() if comma else hs + max_chars
                # (the joined pattern's number read by group number: by its shared name, four times slower)
                yield pos, style, m.group(num_group if m is am and num_group is not None else "num"), pos + hs, pos + he
            pos += len(line) + 1

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        stack: list[list] = []  # [style, last number value, Section]
        sections: list[Section] = []
        values, classify, size = self._values, self.classify, len(text)
        for start, style, num, hs, he in self.headings(text):
            value = values.get(num, -1)
            if value == -1:
                if len(values) > 10_000:
                    values.clear()
                value = values[num] = number_value(num)
            depth = None
            for i, e in enumerate(stack):
                if e[0] == style:
                    depth = i
                    break
            if depth is None and value and value > 1:
                # a new style continuing an open level's count: （四） then （5）
                for i, e in enumerate(stack):
                    if e[1] == value - 1:
                        depth = i
                        break
            if depth is None:
                depth = len(stack)
            del stack[depth:]
            heading = text[hs:he].strip() or num  # 【导读】: the bracket holds the heading
            # (section_id, parent_id, level, number, style, heading, start, end, heading_end, section_type)
            sec = Section(f"s{len(sections) + 1}", stack[-1][2].section_id if stack else "", depth + 1, num,
                          style, heading, start, size, he, classify(heading))
            stack.append([style, value, sec])
            sections.append(sec)
        # a section ends where the next heading at its level or above begins: each heading
        # closes the open sections at its level or below it (their levels rise along the list)
        open_: list[Section] = []
        for later in sections:
            while open_ and open_[-1].level >= later.level:
                open_.pop().end = later.start
            open_.append(later)
        doc.sections = sections
