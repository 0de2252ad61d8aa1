"""Document numbers (发文字号): 益生环委办〔2025〕20号 and every bracket variant.

The norm has its brackets made 〔〕 and spaces removed. The span is masked, so
its year and serial never become dates or quantities.
"""
from __future__ import annotations

from .doc import Doc
from .memo import TextMemo
from .rules import RuleError, RuleSet


class DocNumberStage:
    name = "doc_numbers"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("docnumbers.yaml")
        self.pattern = rules.pattern(data, "pattern", path)
        self.anchor = rules.pattern(data, "anchor", path)
        self.space = rules.compile("{SP}", path)
        self.max_prefix = data.get("max_prefix")
        if not isinstance(self.max_prefix, int) or self.max_prefix < 1:
            raise RuleError(path, getattr(data, "line", None), "max_prefix must be a positive integer")
        self.max_tail = data.get("max_tail", 48)
        if not isinstance(self.max_tail, int) or self.max_tail < 1:
            raise RuleError(path, getattr(data, "line", None), "max_tail must be a positive integer")
        self.stop = sorted(rules.words(data, "prefix_stopwords", path), key=len, reverse=True)
        # the same words (in the same order) by their first character: only those can start at a place
        self._stop_by_first: dict[str, list[str]] = {}
        for w in self.stop:
            self._stop_by_first.setdefault(w[0], []).append(w)
        self.ob, self.cb = data.get("open_bracket", "〔"), data.get("close_bracket", "〕")
        self._found = TextMemo()  # a document's matches(), for metadata

    def trim(self, prefix: str) -> int:
        """How many leading characters of a prefix are prose, not the issuer's abbreviation."""
        cut = 0
        changed = True
        by_first = self._stop_by_first
        while changed and cut < len(prefix) - 1:
            changed = False
            for w in by_first.get(prefix[cut], ()):
                if prefix.startswith(w, cut) and len(prefix) - cut > len(w):
                    cut += len(w)
                    changed = True
                    break
        return cut

    def find(self, text: str):
        """(start, end, norm) of every document number in ``text``.

        The same matches as ``pattern.finditer(text)``, found faster: a match is
        a prefix of at most ``max_prefix`` characters, spaces, then the anchor
        (the bracketed year), so the pattern is tried only at the few places
        before each anchor, leftmost first, never inside a match already taken.
        """
        last = 0
        for a in self.anchor.finditer(text):
            q = a.start()
            if q < last:
                continue
            while q > last and self.space.match(text, q - 1):
                q -= 1
            # an end bound too: the regex module looks for the required 号 up to the end
            # position before matching, which unbounded made the scan quadratic
            stop = min(len(text), a.end() + self.max_tail)
            # the leftmost of the places before the anchor where the pattern matches: one search from the
            # first of them (a match it finds further on, from the anchor or after, is not one of them)
            m = self.pattern.search(text, max(last, q - self.max_prefix), stop)
            if m is None or m.start() >= q:
                continue
            last = m.end()
            start = m.start("prefix") + self.trim(m.group("prefix"))
            prefix = text[start:m.end("prefix")]
            norm = f"{prefix}{self.ob}{m.group('year')}{self.cb}{m.group('num')}号"
            yield start, m.end(), norm

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """:meth:`find` of a document's text, kept for the next stage that asks (metadata)."""
        found = self._found.get(text)
        return found if found is not None else self._found.put(text, list(self.find(text)))

    def __call__(self, doc: Doc) -> None:
        for start, end, norm in self.matches(doc.text):
            doc.add("doc_number", start, end, norm=norm)
            doc.mask(start, end)
