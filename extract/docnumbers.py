"""Document numbers (发文字号): 益生环委办〔2025〕20号 and every bracket variant.

The norm has its brackets made 〔〕 and spaces removed. The span is masked, so
its year and serial never become dates or quantities.
"""
from __future__ import annotations

from .doc import Doc
from .rules import RuleSet


class DocNumberStage:
    name = "doc_numbers"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("docnumbers.yaml")
        self.pattern = rules.pattern(data, "pattern", path)
        self.stop = sorted(rules.words(data, "prefix_stopwords", path), key=len, reverse=True)
        self.ob, self.cb = data.get("open_bracket", "〔"), data.get("close_bracket", "〕")

    def trim(self, prefix: str) -> int:
        """How many leading characters of a prefix are prose, not the issuer's abbreviation."""
        cut = 0
        changed = True
        while changed and cut < len(prefix) - 1:
            changed = False
            for w in self.stop:
                if prefix.startswith(w, cut) and len(prefix) - cut > len(w):
                    cut += len(w)
                    changed = True
                    break
        return cut

    def find(self, text: str):
        """(start, end, norm) of every document number in ``text``."""
        for m in self.pattern.finditer(text):
            start = m.start("prefix") + self.trim(m.group("prefix"))
            prefix = text[start:m.end("prefix")]
            norm = f"{prefix}{self.ob}{m.group('year')}{self.cb}{m.group('num')}号"
            yield start, m.end(), norm

    def __call__(self, doc: Doc) -> None:
        for start, end, norm in self.find(doc.text):
            doc.add("doc_number", start, end, norm=norm)
            doc.mask(start, end)
