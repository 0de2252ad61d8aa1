"""Normalisation: the one text that every offset points into.

Order matters: entities and debris go first (they hide characters), then
width folding of letters and digits, traditional-to-simplified conversion,
page-number lines, and last the re-joining of paragraphs that a page break
split ("压实生态" + blank line + "环境保护责任").
"""
from __future__ import annotations

import html
import unicodedata

import opencc
import regex

from .rules import RuleSet

_T2S = opencc.OpenCC("t2s")
_HAN = regex.compile(r"\p{Han}")
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENTITY = regex.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
# Full-width letters and digits become ASCII; full-width punctuation stays,
# so the text still reads as the document did (rules accept both forms).
_WIDE = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF10, 0xFF5B)
         if chr(c).isalnum()}
_WIDE[0x3000] = " "


class Normalizer:
    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("text.yaml")
        line = getattr(data, "line", None)
        self.debris = [rules.compile(p, path, line) for p in rules.words(data, "debris", path)]
        self.page_lines = [rules.compile(p, path, line) for p in rules.words(data, "page_number_lines", path)]
        self.bare_page = rules.pattern(data, "bare_page_number", path)
        self.open_end = rules.pattern(data, "open_end", path)
        self.body_mark = rules.pattern(data, "body_mark", path)
        self.new_block = rules.pattern(data, "new_block", path)
        self.field_line = rules.pattern(data, "field_line", path)
        self.min_body = int(data.get("min_body_chars", 20))
        self.trad_ratio = float(data.get("traditional_ratio", 0.02))
        self.trad_min = int(data.get("traditional_min_chars", 3))

    def __call__(self, raw: str) -> tuple[str, dict]:
        """Return the normalised text and notes on what was done."""
        notes: dict = {}
        text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        text = _CONTROL.sub("", text)
        if "&" in text:
            text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        for pat in self.debris:
            text = pat.sub("", text)
        text = text.translate(_WIDE)
        text, notes["traditional"] = self._simplify(text)
        text = self._paragraphs(text)
        return text, notes

    def _simplify(self, text: str) -> tuple[str, bool]:
        simple = _T2S.convert(text)
        # t2s is character-for-character for these texts; count what differs
        changed = sum(1 for a, b in zip(text, simple) if a != b)
        han = len(_HAN.findall(text)) or 1
        if changed >= self.trad_min and changed / han >= self.trad_ratio:
            return simple, True
        return text, False

    def _paragraphs(self, text: str) -> str:
        lines = [ln.rstrip() for ln in text.split("\n")]
        # drop page-number lines, and a trailing bare number (the last page's number)
        lines = [ln for ln in lines if not any(p.fullmatch(ln) for p in self.page_lines)]
        while lines and not lines[-1].strip():
            lines.pop()
        if lines and self.bare_page.fullmatch(lines[-1]):
            lines.pop()
        out: list[str] = []
        i = 0
        while i < len(lines):
            ln = lines[i]
            if not ln.strip() and out and self._broken(out[-1]):
                # look past blank lines (and a bare page number between them)
                j = i
                while j < len(lines) and (not lines[j].strip() or self.bare_page.fullmatch(lines[j])):
                    j += 1
                if j < len(lines) and not self.new_block.match(lines[j]) and lines[j][:1] not in (" ", "\t"):
                    out[-1] = out[-1] + lines[j].lstrip()
                    i = j + 1
                    continue
            out.append(ln)
            i += 1
        return "\n".join(out).strip("\n") + "\n"

    def _broken(self, prev: str) -> bool:
        """Does this paragraph end mid-sentence, as a page break leaves it?"""
        return (len(prev.strip()) >= self.min_body and bool(self.open_end.search(prev))
                and bool(self.body_mark.search(prev)) and not self.field_line.match(prev))
