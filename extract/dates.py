"""Dates: absolute, ranges, year-less dates read against the document's year,
and dates whose separators were lost in scraping.

Norms are ISO: ``2025-11-27``, ``2025-11``, ``2025``, or an interval
``2024-08-22/2024-09-29``. ``attrs['inferred']`` marks a year taken from
context, ``attrs['repaired']`` a date read from digits that lost their
separators (20211228日).
"""
from __future__ import annotations

import datetime as dt
import itertools

import regex

from .doc import Doc
from .memo import TextMemo
from .rules import RuleError, RuleSet, alternation, anchored_finditer

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_small(s: str) -> int | None:
    """一..三十一 -> int (enough for months and days)."""
    if not s:
        return None
    if s == "十":
        return 10
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIGIT.get(a, 1) if a else 1) * 10 + (_CN_DIGIT.get(b, 0) if b else 0)
    return _CN_DIGIT.get(s) if len(s) == 1 else None


def valid(y: int, m: int | None = None, d: int | None = None) -> bool:
    if not 1900 <= y <= 2100:
        return False
    if m is None:
        return True
    if not 1 <= m <= 12:
        return False
    if d is None:
        return True
    try:
        dt.date(y, m, d)
        return True
    except ValueError:
        return False


def iso(y: int, m: int | None = None, d: int | None = None) -> str:
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")


def split_lost(digits: str, with_hour: bool) -> list[tuple[int, int, int]]:
    """Every way to read 'YYYY' + month + day (+ hour) from a run of digits."""
    y, rest = int(digits[:4]), digits[4:]
    out = []
    parts = 3 if with_hour else 2
    for sizes in itertools.product((1, 2), repeat=parts):
        if sum(sizes) != len(rest):
            continue
        vals, i = [], 0
        for s in sizes:
            vals.append(int(rest[i:i + s]))
            i += s
        m, d = vals[0], vals[1]
        if with_hour and not 0 <= vals[2] <= 24:
            continue
        if valid(y, m, d) and (m, d) not in [(o[1], o[2]) for o in out]:
            out.append((y, m, d))
    return out


class DateStage:
    name = "dates"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("dates.yaml")
        rel = data.get("relative_years")
        if not isinstance(rel, dict) or not all(isinstance(v, int) for v in rel.values()):
            raise RuleError(path, getattr(data, "line", None), "relative_years must map words to integer offsets")
        self.relative = dict(rel)
        rules.macros.setdefault("REL", "(?:" + alternation(self.relative) + ")")
        pats = data.get("patterns")
        if not isinstance(pats, list) or not pats:
            raise RuleError(path, getattr(data, "line", None), "patterns must be a non-empty list")
        branches = []
        self.names = []
        for i, p in enumerate(pats):
            line = getattr(p, "line", None)
            if not isinstance(p, dict) or "pattern" not in p or "name" not in p:
                raise RuleError(path, line, "each pattern needs a name and a pattern")
            rules.pattern(p, "pattern", path)  # validate alone, for a precise error
            self.names.append(p["name"])
            branches.append(f"(?P<b{i}>{rules.expand(p['pattern'], path, line)})")
        self.scanner = regex.compile("|".join(branches), regex.M)
        # (index into m.groups(), name) of each branch; m.groups() is cheap where m.regs and
        # m.groupdict() are not (the scanner has many groups)
        self.branch_groups = [(self.scanner.groupindex[f"b{i}"] - 1, name) for i, name in enumerate(self.names)]
        self.group_names = [None] * self.scanner.groups
        for gname, gi in self.scanner.groupindex.items():
            self.group_names[gi - 1] = gname
        self.joiner = rules.pattern(data, "list_joiners", path)
        # Where a match can start (see `anchor` in dates.yaml), tested as a lookahead at each
        # position. Trusted only when it comes from the same file as the patterns: a layer that
        # adds patterns without its own anchor makes the scanner try every position.
        self.anchor = None
        if "anchor" in data:
            rules.pattern(data, "anchor", path)  # validated alone, for a precise file:line error
            line = data.line_of("anchor") if hasattr(data, "line_of") else None
            self.anchor = regex.compile(f"(?=(?:{rules.expand(data['anchor'], path, line)}))", regex.M)
            if not rules.beside(data, "anchor", "patterns", path):
                self.anchor = None
        # The anchor and the scanner in one pattern: the engine tests the anchor at each position
        # and tries the scanner only where it holds, as `_matches` does, without a Python step per
        # place. Same groups as the scanner when the anchor has none of its own (else not used).
        self.anchored = None
        if self.anchor is not None and self.anchor.groups == 0:
            self.anchored = regex.compile(f"{self.anchor.pattern}(?:{self.scanner.pattern})", regex.M)
        self._scans = TextMemo()  # a document's scan(), which metadata asks for first, then this stage

    # -- the document's year -------------------------------------------------
    @staticmethod
    def context_year(doc: Doc, explicit: list[int]) -> int | None:
        date = doc.meta.get("date") or ""
        if date[:4].isdigit():
            return int(date[:4])
        return max(explicit) if explicit else None

    def scan(self, text: str) -> list:
        """Every match of the scanner in ``text``: (match, pattern name, groups by name), masks not
        applied. A document's is kept for the next stage that asks (metadata reads it first, then
        this stage); a line or other piece of text read alone does not replace it."""
        found = self._scans.get(text)
        return found if found is not None else self._scans.put(text, self._find(text))

    def _matches(self, text: str):
        """The matches of ``scanner.finditer(text)``, found by trying the scanner only where the
        anchor holds: leftmost first, never inside a match already taken, so the same matches."""
        if self.anchor is None:
            yield from self.scanner.finditer(text)
            return
        if self.anchored is not None:
            yield from self.anchored.finditer(text)
            return
        yield from anchored_finditer(self.scanner, self.anchor, text)

    def _find(self, text: str) -> list:
        found = []
        append = found.append
        branches, names = self.branch_groups, self.group_names
        for m in self._matches(text):
            groups = m.groups()
            for g, kind in branches:  # the branch that matched (a loop: a generator costs more)
                if groups[g] is not None:
                    break
            append((m, kind, dict(zip(names, groups))))
        return found

    def explicit(self, text: str) -> list[tuple[int, int, str]]:
        """Dates in ``text`` that need no context: (start, end, norm)."""
        found = self._scans.get(text)
        if found is None:
            found = self._find(text)
        out = []
        for m, kind, g in found:
            res = self._read(m, kind, None, None, text, g)
            if res is not None:
                out.append((m.start(), m.end(), res[0]))
        return out

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        masked = doc.masked
        found = [f for f in self.scan(text) if not masked(f[0].start(), f[0].end())]
        explicit_years = [int(g["y"]) for _, _, g in found if g["y"]]
        base = self.context_year(doc, explicit_years)
        prev = None  # (end, year) of the last dated match, for list continuations
        for m, kind, g in found:
            res = self._read(m, kind, base, prev, text, g)
            if res is None:
                continue
            norm, attrs, year = res
            attrs["form"] = kind
            doc.add("date", m.start(), m.end(), norm=norm, attrs=attrs)
            prev = (m.end(), year)

    def _read(self, m, kind, base, prev, text, g):
        """(norm, attrs, year) of a match, or None; ``g``: its groups by name, as :meth:`scan` gives them."""
        attrs: dict = {}
        if kind == "lost_separators":
            return self._lost(g, attrs)
        if kind == "chinese_day":
            y = int("".join(str(_CN_DIGIT[c]) for c in g["cy"]))
            mo, d = cn_small(g["cm"]), cn_small(g.get("cd") or "")
            if not valid(y, mo, d):
                return None
            return iso(y, mo, d), attrs, y
        y = int(g["y"]) if g.get("y") else None
        if y is None and g.get("rel") and base is not None:
            y = base + self.relative[g["rel"]]
            attrs["inferred"] = True
            attrs["relative"] = g["rel"]
        if y is None and g.get("m"):
            # a list continuation takes the year of the dated expression before it
            if prev and self.joiner.match(text[prev[0]:m.start()]):
                y = prev[1]
            elif base is not None:
                y = base
                attrs["inferred"] = True
            else:
                return None
        if y is None:
            return None
        mo = int(g["m"]) if g.get("m") else None
        d = int(g["d"]) if g.get("d") else None
        if kind in ("year", "year_range"):
            mo = d = None
        if not valid(y, mo, d):
            return None
        start = iso(y, mo, d)
        if kind in ("day_range", "month_range", "year_range"):
            y2 = int(g["y2"]) if g.get("y2") else y
            m2 = int(g["m2"]) if g.get("m2") else mo
            d2 = int(g["d2"]) if g.get("d2") else None
            if kind == "year_range":
                m2 = d2 = None
            if kind == "month_range":
                d2 = None
            if not g.get("y2") and (m2 or 0) < (mo or 0):  # 2024年12月至1月 runs into the next year
                y2 += 1
            if not valid(y2, m2, d2):
                return None
            end = iso(y2, m2, d2)
            if end < start:
                return None
            return f"{start}/{end}", attrs, y
        return start, attrs, y

    @staticmethod
    def _lost(g, attrs):
        digits, tail = g["digits"], g.get("tail") or ""
        attrs["repaired"] = True
        if tail == "年":  # (20182020年): a year range whose dash was lost
            if len(digits) == 8 and valid(int(digits[:4])) and valid(int(digits[4:])) and digits[4:] >= digits[:4]:
                return f"{digits[:4]}/{digits[4:]}", attrs, int(digits[:4])
            return None
        reads = split_lost(digits, with_hour=(tail == "时"))
        if len(reads) != 1:
            return None  # ambiguous or impossible: not a date we can stand behind
        y, mo, d = reads[0]
        return iso(y, mo, d), attrs, y
