"""Cited documents (《…》 titles, with the document number given after them,
and laws named in full) and standard codes (GB18918-2002, HJ91.1-2019).

Standard codes are masked: their digits are neither dates nor quantities.
"""
from __future__ import annotations

import regex

from .doc import Doc
from .rules import RuleError, RuleSet, alternation, anchored_finditer

_SPACES = regex.compile(r"[ \t\u3000\u00a0]+")
_HAN = regex.compile(r"\p{Han}")
_TRAILING_PAREN = regex.compile(r"[（(][^（）()]*[）)]$")
_CLOSE = ("）", ")")  # what _TRAILING_PAREN ends with
_LITERAL_ENDS = regex.compile(r"\(\?:(?P<words>[^\\.^$*+?{}\[\]()|]+(?:\|[^\\.^$*+?{}\[\]()|]+)*)\)\$")


def _literal_ends(pattern) -> tuple[str, ...] | None:
    """The words of a pattern (?:w1|w2|…)$ of plain words (no flags), or None: searching it in a text
    without a line break is str.endswith(words)."""
    m = _LITERAL_ENDS.fullmatch(pattern.pattern)
    if m is None or pattern.flags & ~(regex.V0 | regex.U):
        return None
    return tuple(m.group("words").split("|"))


class CitationStage:
    name = "citations"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("citations.yaml")
        line = getattr(data, "line", None)
        self.title = rules.pattern(data, "title", path)
        self.number_after = rules.pattern(data, "number_after", path)
        self.not_doc = rules.pattern(data, "not_documents", path)
        self.bare_law = rules.pattern(data, "bare_laws", path)
        self.standard = rules.pattern(data, "standard", path)
        # where a standard can start, trusted only beside the pattern it was written for
        self.standard_anchor = None
        if rules.beside(data, "standard_anchor", "standard", path):
            self.standard_anchor = rules.pattern(data, "standard_anchor", path)
        kinds = data.get("kinds")
        if not isinstance(kinds, dict):
            raise RuleError(path, line, "kinds must map a kind to the words its titles end with")
        self.kind_end = {k: regex.compile(f"(?:{alternation(v)})$") for k, v in kinds.items()}
        # the same test as str.endswith (titles hold no line break, where $ would also match), longest
        # word first: a title ending in 办法 is a rule though 法 (law) ends it too; at equal length the
        # kind listed first
        words = [(w, k) for k, v in kinds.items() for w in dict.fromkeys(v)]
        self.kind_words = sorted(words, key=lambda wk: -len(wk[0]))
        # the same as a dict: each word's kind (the first listed), and the words' lengths longest first, so a
        # title's ending of each length is looked up once instead of every word tried in turn
        self.kind_by_word: dict[str, str] = {}
        for w, k in self.kind_words:
            self.kind_by_word.setdefault(w, k)
        self.kind_lengths = sorted({len(w) for w in self.kind_by_word}, reverse=True)
        # not_documents as the words a title ends with, when it is written so: (?:日报|晚报|…)$
        self.not_doc_words = _literal_ends(self.not_doc)
        self.brackets = str.maketrans({c: "〔" for c in "[【［〖(（"} | {c: "〕" for c in "]】］〗)）"})

    def kind_of(self, title: str) -> str:
        # （2023-2025年） after the name (only a title ending in a parenthesis can have one)
        bare = _TRAILING_PAREN.sub("", title) if title.endswith(_CLOSE) else title
        if "\n" in bare:
            best, size = "", 0  # the kind of the longest word that ends it, as below
            for k, pat in self.kind_end.items():
                m = pat.search(bare)
                if m is not None and len(m.group()) > size:
                    best, size = k, len(m.group())
            return best
        get, n = self.kind_by_word.get, len(bare)
        for size in self.kind_lengths:
            if size <= n:
                k = get(bare[n - size:])
                if k is not None:
                    return k
        return ""

    def standards(self, text: str):
        """The matches of ``standard.finditer(text)``, found by trying the pattern only where a match of
        ``standard_anchor`` starts: leftmost first, never inside a match already taken."""
        anchor = self.standard_anchor
        if anchor is None:
            yield from self.standard.finditer(text)
            return
        yield from anchored_finditer(self.standard, anchor, text)

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        not_doc_words = self.not_doc_words
        for m in self.standards(text):
            norm = f"{m.group('code')}{m.group('num')}-{m.group('year')}"
            doc.add("standard", m.start(), m.end(), norm=norm, name=m.group("code"))
            doc.mask(m.start(), m.end())
        for m in self.title.finditer(text):
            title = m.group("title")
            if (" " in title or "\t" in title or "\u3000" in title or "\u00a0" in title) and _HAN.search(title):
                title = _SPACES.sub("", title)
            if title.endswith(not_doc_words) if not_doc_words is not None else self.not_doc.search(title):
                continue
            norm = ""
            after = self.number_after.match(text, m.end())
            if after:
                norm = _SPACES.sub("", after.group("num")).translate(self.brackets)
            doc.add("cited_doc", m.start(), m.end(), norm=norm, name=title, attrs={"kind": self.kind_of(title)})
        for m in self.bare_law.finditer(text):
            if text.rfind("《", max(0, m.start() - 30), m.start()) > text.rfind("》", max(0, m.start() - 30), m.start()):
                continue  # inside a 《…》 title already taken
            doc.add("cited_doc", m.start(), m.end(), name=m.group(0), attrs={"kind": "law"})
