"""Sections: the tree of numbered headings, each typed by its wording."""
from __future__ import annotations

import regex

from .dates import cn_small
from .doc import Doc, Section
from .places import Lexicon
from .rules import RuleError, RuleSet

_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z^\-]+\)")  # (?i) and the like, which would change a joined pattern
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
        # a line that no style matches at its start is passed over at once
        self.any_style = None
        pats = [pat.pattern for _, pat in self.styles]
        if not any(_GLOBAL_FLAGS.search(p) for p in pats):
            try:
                self.any_style = regex.compile("|".join(f"(?:{p})" for p in pats), regex.V0)
            except regex.error:
                pass

    def classify(self, heading: str) -> str:
        found = self.type_words.all(heading)
        if found:
            return self.types[min(self.word_type[i] for i, _, _ in found)][0]
        return "other"

    def headings(self, text: str):
        """(line_start, style, number, heading_start, heading_end) for each heading line."""
        pos = 0
        any_style = self.any_style
        for line in text.split("\n"):
            if any_style is not None and not any_style.match(line):
                pos += len(line) + 1
                continue
            for style, pat in self.styles:
                m = pat.match(line)
                if m:
                    hs = m.end()
                    while hs < len(line) and line[hs] in " \t\u3000":
                        hs += 1
                    stop = self.heading_end.search(line, hs)
                    he = stop.start() if stop else len(line)
                    if he - hs > self.max_chars:
                        comma = regex.search(r"[，,：:]", line[hs:he])
                        he = hs + comma.start() if comma else hs + self.max_chars
                    yield pos, style, m.group("num"), pos + hs, pos + he
                    break
            pos += len(line) + 1

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        stack: list[list] = []  # [style, last number value, Section]
        sections: list[Section] = []
        for start, style, num, hs, he in self.headings(text):
            value = number_value(num)
            depth = next((i for i, e in enumerate(stack) if e[0] == style), None)
            if depth is None and value and value > 1:
                # a new style continuing an open level's count: （四） then （5）
                depth = next((i for i, e in enumerate(stack) if e[1] == value - 1), None)
            if depth is None:
                depth = len(stack)
            del stack[depth:]
            parent = stack[-1][2] if stack else None
            sec = Section(
                section_id=f"s{len(sections) + 1}",
                parent_id=parent.section_id if parent else "",
                level=depth + 1,
                number=num,
                style=style,
                heading=text[hs:he].strip() or num,  # 【导读】: the bracket holds the heading
                start=start,
                end=len(text),
                heading_end=he,
            )
            sec.section_type = self.classify(sec.heading)
            stack.append([style, value, sec])
            sections.append(sec)
        # a section ends where the next heading at its level or above begins
        for i, s in enumerate(sections):
            for later in sections[i + 1:]:
                if later.level <= s.level:
                    s.end = later.start
                    break
        doc.sections = sections
