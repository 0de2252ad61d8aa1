"""Indicator observations and changes.

"2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L" holds two facts:
总磷 0.082 mg/L in 2023 and 0.079 mg/L in 2024, both about 大通湖.
"较去年同期下降13.8%" is a change of -13.8 %, compared with the same months a
year earlier.

Aho-Corasick automata find the words (indicator names of
rules/indicators.tsv, water bodies, role words such as 考核目标 and 去年同期,
change and from-to words) and one regex each the numbers with units
(rules/units.tsv), sentence ends, subjects and 《titles》 (skipped whole, so
nothing inside one is a value); overlapping tokens resolve leftmost first.
Only a sentence with a name, a verb or a change can state something, so only
those words are looked for in the whole text, and the other words, numbers
and subjects only in those sentences (when a sentence break is a single
character that no word, unit, number or subject takes; else in the whole text).
The ``date`` spans already in the document give the periods. A small reader
then walks each sentence in order:

* a name followed closely by a value (or a list of values) owns it, when the
  value's unit is the indicator's unit; a list of names meets a list of
  values one to one (COD、氨氮和总磷 … 162、31.7和7.1毫克/升), as a list of dates
  meets a list of values (2023年、2024年 … 分别为 A、B);
* the period is the latest date of the sentence before the value, except a
  date of comparison (与2013年相比); a baseline read from 去年同期 takes the
  current period a year earlier;
* a role word between name and value, or 的目标 after it, makes a target or a
  baseline; 从 A 下降到 B gives a baseline A and a result B;
* a number right after a change word (下降了13.8%) is a change, never a value.

Value numbers are masked so later stages do not count them again.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from operator import attrgetter, itemgetter

import regex

from .doc import Doc, Span
from .places import Lexicon
from .places import ahocorasick_rs
from .rules import RuleError, RuleSet, word_trie

_LATIN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_ROMAN = {"IV": "Ⅳ", "V": "Ⅴ", "III": "Ⅲ", "II": "Ⅱ", "I": "Ⅰ"}
_LATIN_ROMAN = regex.compile(r"IV|V|I{1,3}")
_ROMAN_CHARS = set("ⅠⅡⅢⅣⅤIV")
_INDEX_UNIT = ""
_PERIOD_PART = regex.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
# What a role word before a value makes of it.
_ROLE_OF_CUE = {"target": "target", "same_period": "baseline", "last_year": "baseline",
                "previous_period": "baseline", "compare": "baseline"}
# At the same start, the kind listed first wins (a 《title》 hides everything in it).
_EMITTING = ("value", "ft", "chg")  # the tokens that add facts
_FIRST3 = itemgetter(0, 1, 2)  # (start, priority, -end): the order of candidate tokens
_PRIORITY = {k: i for i, k in enumerate(["title", "brk", "ft", "chg", "mention", "verb", "role", "subj", "value"])}
_P_FT, _P_CHG, _P_MENTION, _P_VERB, _P_SUBJ, _P_VALUE = (_PRIORITY[k] for k in ("ft", "chg", "mention", "verb", "subj", "value"))
# A sentence break written as one character class ([。！？!?\n]): each break is one character.
_CHAR_CLASS = regex.compile(r"\[\^?(?:[^\\\[\]]|\\.)+\]")
_HOT = frozenset(("mention", "chg", "verb"))  # the word tokens that make a sentence worth reading
_OWNING = frozenset(("mention", "verb"))  # what a value must follow in its sentence to be read
_MASKABLE = frozenset(("value", "ft", "chg", "mention", "verb"))  # kinds that may not take a masked span
_START = itemgetter(0)
_START_END = itemgetter(0, 1)
_TOK_KEY = attrgetter("start", "end")


@dataclass(slots=True)
class Indicator:
    name: str
    unit: str
    domain: str
    class_prefix: bool


@dataclass(slots=True)
class Tok:
    kind: str  # mention value ft chg verb role subj date
    start: int
    end: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Item:
    """One number of a value list or a change list."""

    start: int
    end: int
    value: float
    unit: str | None  # canonical unit; None when written bare
    unit_text: str = ""


_SHIFTED: dict[tuple[str, int], str] = {}  # _shift_year's answers: the same periods recur


def _shift_year(norm: str, years: int = -1) -> str:
    """The same period ``years`` years away: 2025-01/2025-10 -> 2024-01/2024-10."""
    got = _SHIFTED.get((norm, years))
    if got is None:
        if len(_SHIFTED) > 10_000:
            _SHIFTED.clear()
        got = _SHIFTED[(norm, years)] = _shift(norm, years)
    return got


def _shift(norm: str, years: int) -> str:
    if not norm:
        return ""
    out = []
    for part in norm.split("/"):
        if not _PERIOD_PART.fullmatch(part):
            return ""
        y = int(part[:4]) + years
        if len(part) == 10:
            m, d = int(part[5:7]), int(part[8:10])
            while d > 28:
                try:
                    dt.date(y, m, d)
                    break
                except ValueError:
                    d -= 1
            out.append(f"{y:04d}-{m:02d}-{d:02d}")
        else:
            out.append(f"{y:04d}{part[4:]}")
    return "/".join(out)


def _to_float(s: str) -> float:
    return float(s.replace("．", "."))


class IndicatorStage:
    name = "indicators"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("indicators.yaml")
        if not isinstance(data, dict):
            raise RuleError(path, None, "indicators.yaml must be a mapping")
        self.path = path
        c = lambda key: rules.expand(self._str(data, key, path), path, _line(data, key))  # noqa: E731

        # -- units ------------------------------------------------------------
        self.units: dict[str, str] = {}
        for row in rules.tsv("units.tsv", ["surface", "unit"], key="surface"):
            if not row["unit"]:
                raise RuleError(row["_file"], row.line, f"unit {row['surface']!r} has no canonical unit")
            self.units[row["surface"]] = row["unit"]
        canonical_units = set(self.units.values())

        # -- indicators -------------------------------------------------------
        domains = set(rules.words(data, "domains", path))
        self.aliases: dict[str, Indicator] = {}   # alias (class dashes normalised) -> indicator
        owner_line: dict[str, tuple[str, int]] = {}
        for row in rules.tsv("indicators.tsv", ["name", "aliases", "domain", "unit"], key="name"):
            where = row["_file"]
            unit = row["unit"]
            if unit not in canonical_units and unit != _INDEX_UNIT:
                raise RuleError(where, row.line, f"indicator {row['name']!r}: unknown unit {unit!r} "
                                f"(units.tsv has {', '.join(sorted(canonical_units))}, or leave it empty for an index)")
            if row["domain"] not in domains:
                raise RuleError(where, row.line, f"indicator {row['name']!r}: unknown domain {row['domain']!r} "
                                f"(one of {', '.join(sorted(domains))})")
            cp = row["class_prefix"]
            if cp not in ("", "yes", "no"):
                raise RuleError(where, row.line, f"class_prefix must be yes, no or empty, not {cp!r}")
            ind = Indicator(row["name"], unit, row["domain"], cp == "yes")
            raw = row["aliases"].split("|") if row["aliases"] else []
            if any(not a.strip() for a in raw):
                raise RuleError(where, row.line, f"indicator {row['name']!r}: an empty alias (doubled or trailing |)")
            for alias in [row["name"]] + [a.strip() for a in raw]:
                key = alias  # classed aliases are normalised below, once the class pattern exists
                if key in owner_line and owner_line[key][0] != ind.name:
                    raise RuleError(where, row.line, f"alias {alias!r} of {ind.name!r} is already an alias of "
                                    f"{owner_line[key][0]!r} (line {owner_line[key][1]})")
                owner_line[key] = (ind.name, row.line)
                self.aliases[key] = ind
        # -- water classes ----------------------------------------------------
        self.class_dash = rules.pattern(data, "class_dash", path)
        self.class_head = rules.compile(f"(?:{self._str(data, 'water_class', path)})(?=类)", path,
                                        _line(data, "water_class"))
        self.aliases = {self._norm_class(a): ind for a, ind in self.aliases.items()}
        self.by_name = {ind.name: ind for ind in self.aliases.values()}

        # -- words ------------------------------------------------------------
        self.role_of: dict[str, str] = {}
        roles = data.get("roles")
        if not isinstance(roles, dict):
            raise RuleError(path, _line(data, "roles"),
                            "roles must map target, same_period, last_year, previous_period and compare to word lists")
        for kind in _ROLE_OF_CUE:
            for w in rules.words(roles, kind, path):
                self.role_of[w] = kind
        verbs = data.get("value_verbs")
        if not isinstance(verbs, dict) or not all(isinstance(v, str) and v in self.by_name for v in verbs.values()):
            raise RuleError(path, _line(data, "value_verbs"),
                            "value_verbs must map verbs to indicator names of indicators.tsv")
        self.verbs = dict(verbs)
        self.decrease = set(rules.words(data, "decrease", path))
        increase = rules.words(data, "increase", path)
        from_words = rules.words(data, "from_words", path)
        to_words = rules.words(data, "to_words", path)
        subjects = data.get("subjects")
        if not isinstance(subjects, list) or not all(isinstance(s, str) and s for s in subjects):
            raise RuleError(path, _line(data, "subjects"), "subjects must be a list of patterns")
        for s in subjects:
            rules.compile(s, path, _line(data, "subjects"))
        bodies = [r["name"] for r in rules.tsv("water_bodies.tsv", ["name"], key="name")]
        try:
            self.bridge_max = int(data.get("bridge_max", 16))
        except (TypeError, ValueError):
            raise RuleError(path, _line(data, "bridge_max"), "bridge_max must be a whole number") from None

        # -- the scanners -----------------------------------------------------
        # Every literal word (names, water bodies, role words, verbs, the first
        # word of a change or a from-to) is found by one Aho-Corasick pass; the
        # numbers, sentence ends, titles and subject patterns by one regex each.
        # Where two tokens overlap, the one starting first wins, and at the same
        # start the kind listed first in _PRIORITY, then the longer.
        entries: dict[str, list[tuple[str, Any]]] = {}
        for alias, ind in self.aliases.items():
            entries.setdefault(alias, []).append(("mention", ind))
        for w in bodies:
            entries.setdefault(w, []).append(("subj", None))
        for w, kind in self.role_of.items():
            entries.setdefault(w, []).append(("role", kind))
        for w, name in self.verbs.items():
            entries.setdefault(w, []).append(("verb", name))
        for w in list(self.decrease) + increase:
            entries.setdefault(w, []).append(("chg", None))
        for w in from_words:
            entries.setdefault(w, []).append(("ft", None))
        words = list(entries)
        # Two scans. The words that make a sentence worth reading (names, verbs, change words) are
        # looked for in the whole text, as a DFA (a small lexicon: scanned faster so, the same matches
        # in the same order); the others (subjects, role words, from-to words) only in the sentences
        # read. A hot word's entries: (kind, payload of its token, Latin first letter, Latin last
        # letter, led by 类); a near word's: (priority, kind, payload).
        self.hot_words = [w for w in words if any(k in _HOT for k, _ in entries[w])]
        self.hot_entries = [[(k, (w, x) if k == "mention" else x, w[0] in _LATIN_CHARS, w[-1] in _LATIN_CHARS,
                              w.startswith("类")) for k, x in entries[w] if k in _HOT] for w in self.hot_words]
        self.hot_lexicon = Lexicon(self.hot_words)
        self.hot_dfa = (ahocorasick_rs.AhoCorasick(self.hot_words, implementation=ahocorasick_rs.Implementation.DFA)
                        if ahocorasick_rs is not None and self.hot_words else None)
        self.near_words = [w for w in words if any(k not in _HOT for k, _ in entries[w])]
        self.near_entries = [[(_PRIORITY[k], k, x) for k, x in entries[w] if k not in _HOT] for w in self.near_words]
        self.near_lexicon = Lexicon(self.near_words)

        for key in ("number", "bare_stop", "change_filler", "water_class"):  # each alone, for a precise error
            rules.pattern(data, key, path)
        num = c("number")
        bare = c("bare_stop")
        sp = rules.macros["SP"]
        # word alternations are written as tries (word_trie): the same matches as alternation(), fewer branches tried
        unit_alt = word_trie(self.units)
        percent = word_trie([s for s, u in self.units.items() if u == "%"])
        self.title = regex.compile(r"《[^《》\n]{1,150}》")
        self.brk = rules.pattern(data, "sentence_break", path)
        self.value = self._compile(f"(?P<n>{num})(?:{sp}*(?P<u>{unit_alt})|{bare})")
        self.value_n, self.value_u = self.value.groupindex["n"], self.value.groupindex["u"]
        self.subj = rules.compile("|".join(f"(?:{s})" for s in subjects), path, _line(data, "subjects"))
        self.ft = self._compile(f"(?:{word_trie(from_words)}){sp}*(?P<v1>{num})(?:{sp}*(?P<u1>{unit_alt}))?{sp}*"
                                f"(?:{word_trie(to_words)}){sp}*(?P<v2>{num})(?:{sp}*(?P<u2>{unit_alt})|{bare})")
        self.chg = self._compile(f"(?P<dir>{word_trie(list(self.decrease) + increase)}){sp}*"
                                 f"{c('change_filler')}{sp}*(?P<cn>{num}){sp}*(?P<cu>{unit_alt})")
        self.verb = self._compile(f"(?:{word_trie(self.verbs)})(?=了?{sp}*{num}{sp}*(?:{percent}))")
        self.class_before = self._compile(f"(?:{c('water_class')})$")

        self.joiner = rules.pattern(data, "joiner", path)
        self.clause_break = rules.pattern(data, "clause_break", path)
        self.index_bridge = rules.pattern(data, "index_bridge", path)
        self.target_after = rules.pattern(data, "target_after", path)
        self.target_lead = rules.pattern(data, "target_lead", path)
        self.compare_before = rules.pattern(data, "compare_before", path)
        self.compare_after = rules.pattern(data, "compare_after", path)
        self.verb_gap = regex.compile(r"^了?[ \t\u3000]*$")

        # -- reading only the sentences that can state something --------------
        # Only a sentence with a name, a verb or a change is read, so when a break is one character
        # (of a class) and no word or unit holds one, the sentences around those are the only text
        # scanned further (see _windows). Number and subject patterns must not take a break either;
        # a token found running over one makes the whole text read, as it is otherwise.
        self.brk_back = None
        if _CHAR_CLASS.fullmatch(self.brk.pattern) and not any(
                self.brk.search(w) for w in [*words, *self.units, *to_words]):
            self.brk_back = regex.compile(self.brk.pattern, self.brk.flags | regex.REVERSE)

    # -- rule helpers ---------------------------------------------------------
    def _compile(self, pattern: str):
        """A pattern assembled from several rules (each already checked alone)."""
        try:
            return regex.compile(pattern)
        except regex.error as e:
            raise RuleError(self.path, None, f"the rules do not combine into a valid pattern: {e}") from None

    @staticmethod
    def _str(data: dict, key: str, path) -> str:
        v = data.get(key)
        if not isinstance(v, str) or not v:
            raise RuleError(path, _line(data, key), f"{key!r} must be a non-empty pattern")
        return v

    def _norm_class(self, s: str) -> str:
        """Ⅰ～Ⅲ类…, Ⅰ至Ⅲ类… and I-III类… all read Ⅰ-Ⅲ类…; anything not led by a class is left alone."""
        if not s or s[0] not in _ROMAN_CHARS and not s.startswith("劣"):
            return s
        m = self.class_head.match(s)
        if not m:
            return s
        head = _LATIN_ROMAN.sub(lambda r: _ROMAN[r.group(0)], self.class_dash.sub("-", m.group(0)))
        return head + s[m.end():]

    # -- scanning -------------------------------------------------------------
    def _hot_words(self, text: str) -> list[tuple[int, int, int]]:
        """Every match of a hot word (index, start, end), overlapping, by end and at one end longest first.

        The UTF-8 DFA: inside the pipeline it is the faster (0.083 vs 0.100 ms/doc for the UTF-16 one,
        documents interleaved), though alone on a text the UTF-16 one is."""
        if self.hot_dfa is not None:
            try:
                return self.hot_dfa.find_matches_as_indexes(text, overlapping=True)
            except UnicodeEncodeError:  # a lone surrogate: the lexicon reads it
                pass
        return self.hot_lexicon.all(text)

    def _word_candidates(self, text: str, hits: list) -> tuple[list, list[tuple[int, int]], bool]:
        """The tokens of the hot words, checked where they stand (names, changes, verbs), in candidate
        order: [(start, priority, -end, kind, match or payload)]; their spans (each makes its sentence
        worth reading); and whether one of them runs over a sentence break (then the text is read
        whole, see :meth:`_windows`)."""
        cands: list[tuple[int, int, int, str, Any]] = []
        add = cands.append
        hot: list[tuple[int, int]] = []
        crossing = False
        over = self.brk.search if self.brk_back is not None else None
        entries = self.hot_entries
        n = len(text)
        for i, s, e in hits:
            for kind, payload, latin_first, latin_last, classed in entries[i]:
                if kind == "mention":
                    if (latin_first and s > 0 and text[s - 1] in _LATIN_CHARS) or \
                            (latin_last and e < n and text[e] in _LATIN_CHARS):
                        continue  # COD inside CODMn, TP inside HTTP
                    add((s, _P_MENTION, -e, "mention", payload))
                    hot.append((s, e))
                    if classed:  # Ⅲ类水质断面比例: the class numeral stands before the alias
                        cm = self.class_before.search(text, max(0, s - 12), s)
                        if cm:
                            cs = cm.start()
                            add((cs, _P_MENTION, -e, "mention", payload + (cm.group(0),)))
                            hot.append((cs, e))
                            if over is not None and over(text, cs, s):
                                crossing = True
                elif kind == "chg":
                    m = self.chg.match(text, s)
                    if m:
                        me = m.end()
                        add((s, _P_CHG, -me, "chg", m))
                        hot.append((s, me))
                        if over is not None and over(text, s, me):
                            crossing = True
                elif self.verb.match(text, s):  # verb
                    add((s, _P_VERB, -e, "verb", payload))
                    hot.append((s, e))
        cands.sort(key=_FIRST3)
        return cands, hot, crossing

    def _windows(self, text: str, hot: list[tuple[int, int]],
                 titles: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
        """The stretches worth scanning: each sentence holding a span of ``hot``, as [(start, end)] in text
        order, ``end`` at the break character that closes it (or the end of the text). A break inside a
        《title》 candidate is not taken for a sentence's end: the stretch runs on past the title. None
        when a hot span runs over a break (then the whole text is read)."""
        n = len(text)
        tstarts = [t[0] for t in titles]

        def title_at(b: int):
            i = bisect.bisect_right(tstarts, b)
            return titles[i - 1] if i and titles[i - 1][1] > b else None

        back, fwd = self.brk_back.search, self.brk.search
        out: list[tuple[int, int]] = []
        for s, e in sorted(hot):
            if out and s < out[-1][1]:
                if e > out[-1][1]:
                    return None
                continue  # in the stretch already taken
            lo = s
            while True:
                m = back(text, 0, lo)
                if m is None:
                    lo = 0
                    break
                t = title_at(m.start())
                if t is None:
                    lo = m.end()
                    break
                lo = t[0]
            hi = s
            while True:
                m = fwd(text, hi)
                if m is None:
                    hi = n
                    break
                t = title_at(m.start())
                if t is None:
                    hi = m.start()
                    break
                hi = t[1]
            if hi < e:
                return None
            if out and lo <= out[-1][1]:
                return None  # (a hot span at a break: cannot be, words hold no break)
            out.append((lo, hi))
        return out

    def _resolve(self, doc: Doc, windows: list[tuple[int, int]], words: list,
                 title_spans: list[tuple[int, int]], whole: bool = False) -> tuple[list, list[tuple[int, int]]] | None:
        """The candidates that win in each window, in text order: [(start, end, kind, match or payload)],
        sentence breaks included (the one before and the one after each window too), and the spans of
        the 《titles》 taken (which hide what is in them). Overlapping tokens resolve leftmost first, at one
        start the kind first in _PRIORITY, then the longer. None if a token runs over a window's end.
        ``whole``: the one window is the whole text (else windows end at breaks, see :meth:`_windows`)."""
        text = doc.text
        n = len(text)
        masked = doc.masked
        out: list = []
        add = out.append
        titles: list[tuple[int, int]] = []
        wstarts = [c[0] for c in words]
        near = self.near_entries
        ft = self.ft.match
        tstarts = [t[0] for t in title_spans]
        lower = bisect.bisect_left
        last_brk = -1
        for lo, hi in windows:
            if lo > 0 and lo - 1 != last_brk:
                add((lo - 1, lo, "brk", None))
            ti, tj = lower(tstarts, lo), lower(tstarts, hi)
            cands = [(ts, 0, -te, "title", None) for ts, te in title_spans[ti:tj]] if ti < tj else []
            cand = cands.append
            if cands or whole:  # in a window, a break can only be in a 《title》
                for m in self.brk.finditer(text, lo, hi):
                    cand((m.start(), 1, -m.end(), "brk", m))
            cands.extend(words[lower(wstarts, lo):lower(wstarts, hi)])
            for i, s, e in self.near_lexicon.all(text[lo:hi]):  # (no word holds a break)
                s += lo
                e += lo
                for p, kind, x in near[i]:
                    if kind == "ft":
                        m = ft(text, s)
                        if m:
                            me = m.end()
                            if me > hi:
                                return None
                            cand((s, p, -me, kind, m))
                    else:
                        cand((s, p, -e, kind, x))
            end = hi + 1 if hi < n else n  # the break closing the window: what a lookahead sees
            for pattern, priority, kind in ((self.subj, _P_SUBJ, "subj"), (self.value, _P_VALUE, "value")):
                for m in pattern.finditer(text, lo, end):
                    s, e = m.span()
                    if s >= hi:
                        break
                    if e > hi:
                        return None
                    cand((s, priority, -e, kind, m if kind == "value" else None))
            cands.sort(key=_FIRST3)
            upto = lo
            # the tokens that may not take a masked span lie in the window: none does when it holds no mask
            window_masked = masked(lo, hi)
            for s, _, neg_end, kind, x in cands:
                if s < upto:
                    continue  # inside a token already taken
                e = -neg_end
                if window_masked and kind in _MASKABLE and masked(s, e):
                    continue
                upto = e
                if kind == "title":
                    titles.append((s, e))
                else:
                    add((s, e, kind, x))
            if upto > hi:
                return None
            if hi < n:
                add((hi, hi + 1, "brk", None))
                last_brk = hi
        return out, titles

    def _tok(self, s: int, e: int, kind: str, x) -> Tok:
        """The token of a winning candidate."""
        if kind == "value":
            u = x.group(self.value_u)
            return Tok("value", s, e, {"items": [Item(s, e, _to_float(x.group(self.value_n)),
                                                      self.units[u] if u else None, u or "")]})
        if kind == "role":
            return Tok("role", s, e, {"role": x})
        if kind == "mention":
            alias, ind = x[0], x[1]
            name = ind.name
            if len(x) == 3:  # with a water class before it
                cls = x[2]
                whole = self.aliases.get(self._norm_class(cls + alias))
                if whole is not None:
                    ind, name = whole, whole.name
                elif ind.class_prefix:
                    name = self._norm_class(cls) + "类" + ind.name
            return Tok("mention", s, e, {"ind": ind, "name": name})
        if kind == "ft":
            return Tok("ft", s, e, {"v1": self._item(x, "v1", "u1"), "v2": self._item(x, "v2", "u2")})
        if kind == "chg":
            sign = -1.0 if x.group("dir") in self.decrease else 1.0
            it = self._item(x, "cn", "cu")
            it.value *= sign
            return Tok("chg", s, e, {"items": [it], "sign": sign, "dir": x.group("dir")})
        if kind == "verb":
            return Tok("verb", s, e, {"name": x})
        return Tok(kind, s, e)  # subj, brk

    def _dates(self, doc: Doc, titles: list[tuple[int, int]]) -> list:
        """The date stage's spans, except those inside a 《title》, by start: [(start, end, span)]."""
        dates = []
        title_starts = [a for a, _ in titles]
        for d in doc.of_kind("date"):
            i = bisect.bisect_right(title_starts, d.start)
            if not d.norm or (i and titles[i - 1][1] >= d.end):
                continue  # a date inside a 《title》 is part of the title
            dates.append((d.start, d.end, d))
        dates.sort(key=_START)
        return dates

    def _date_tok(self, text: str, d) -> Tok:
        compare = bool(self.compare_before.search(text[max(0, d.start - 4):d.start])
                       or self.compare_after.match(text[d.end:d.end + 6]))
        return Tok("date", d.start, d.end, {"norm": d.norm, "compare": compare})

    def _item(self, m, num: str, unit: str) -> Item:
        u = m.group(unit)
        return Item(m.start(num), m.end(unit) if u else m.end(num), _to_float(m.group(num)),
                    self.units[u] if u else None, u or "")

    def _runs(self, text: str, toks: list[Tok]) -> list[Tok]:
        """Join values (and changes followed by values) separated only by list joiners into one token."""
        out: list[Tok] = []
        for t in toks:
            prev = out[-1] if out else None
            if (t.kind == "value" and prev is not None and prev.kind in ("value", "chg")
                    and self.joiner.match(text[prev.end:t.start])):
                prev.data["items"].extend(t.data["items"])
                prev.end = t.end
                continue
            out.append(t)
        for t in out:
            if t.kind in ("value", "chg"):
                items = t.data["items"]
                if t.kind == "chg":  # 分别下降13.8%、5% : every number of the list is a change
                    for it in items[1:]:
                        it.value = t.data["sign"] * abs(it.value)
                # a unit written once at the end of a list belongs to every number (0.082、0.079mg/L)
                last = items[-1].unit
                if last is not None:
                    for it in items:
                        if it.unit is None:
                            it.unit, it.unit_text = last, ""
        return out

    # -- reading --------------------------------------------------------------
    def __call__(self, doc: Doc) -> None:
        """Each sentence in turn. A sentence without a change, or without a value or from-to and a
        name or verb, states nothing: it is not read, and its tokens are never built (most sentences
        are such)."""
        text = doc.text
        words, hot, crossing = self._word_candidates(text, self._hot_words(text))
        if not hot:
            return  # no name, verb or change: no sentence says anything
        title_spans = [m.span() for m in self.title.finditer(text)]
        found = None
        if self.brk_back is not None and not crossing:
            windows = self._windows(text, hot, title_spans)
            if windows is not None:
                found = self._resolve(doc, windows, words, title_spans)
        if found is None:
            found = self._resolve(doc, [(0, len(text))], words, title_spans, whole=True)
        res, titles = found
        if not any(r[2] in _EMITTING for r in res):
            return
        dates = self._dates(doc, titles)
        targets = any(sec.section_type == "target" for sec in doc.sections)  # else _in_target need not look
        date_starts = [d[0] for d in dates]
        by_start_end = sorted(dates, key=_START_END)  # the order they take among the tokens

        def in_date(s: int, e: int) -> bool:
            i = bisect.bisect_left(date_starts, e)
            return i > 0 and dates[i - 1][1] > s

        # A sentence states something when it has a change, or a value or from-to and a name or verb
        # to own it (a value links only to a name or verb before it in its sentence).
        begin, first, change, value, owner = 0, 0, False, False, False
        brk_key = (0, 0)  # dates sort after the break at their (start, end): tokens came first
        n = len(res)
        for j in range(n + 1):
            r = res[j] if j < n else None
            kind = r[2] if r is not None else "brk"
            if kind == "brk":
                if change or (value and owner):
                    self._read_sentence(doc, res[first:j], begin, brk_key,
                                        (r[0], r[1]) if r is not None else None, by_start_end, targets)
                if r is not None:
                    begin, first, brk_key = r[1], j + 1, (r[0], r[1])
                    change = value = owner = False
            elif kind in _OWNING:
                owner = True
            elif kind in _EMITTING:
                if dates and in_date(r[0], r[1]):
                    res[j] = None  # a number of a date: no token (_read_sentence skips it)
                elif kind == "chg":
                    change = True
                else:
                    value = True

    def _read_sentence(self, doc: Doc, res: list, begin: int, after: tuple[int, int],
                       before: tuple[int, int] | None, dates: list, targets: bool = True) -> None:
        """Build one sentence's tokens (with its dates, in text order) and read them. ``res``: the sentence's
        winning candidates, None for a number inside a date."""
        text = doc.text
        tok = self._tok
        toks = [tok(*r) for r in res if r is not None]
        if dates:
            i = bisect.bisect_left(dates, after, key=_START_END)
            k = len(dates) if before is None else bisect.bisect_left(dates, before, key=_START_END)
            if i < k:
                date_tok = self._date_tok
                toks += [date_tok(text, d) for _, _, d in dates[i:k]]
                toks.sort(key=_TOK_KEY)
        self._sentence(doc, self._runs(text, toks), begin, targets)

    def _sentence(self, doc: Doc, toks: list[Tok], begin: int, targets: bool = True) -> None:
        text = doc.text
        st = _State(begin=begin, targets=targets)
        for t in toks:
            k = t.kind
            if k == "date":
                if t.data["compare"]:
                    st.compare = t
                elif st.dates and self.joiner.match(text[st.dates[-1].end:t.start]):
                    st.dates.append(t)
                else:
                    st.dates = [t]
            elif k == "subj":
                if st.subject and st.subject_end == t.start:
                    st.subject += text[t.start:t.end]
                else:
                    st.subject = text[t.start:t.end]
                st.subject_end = t.end
            elif k == "mention":
                t.data["subject"] = st.subject
                if st.mentions and self.joiner.match(text[st.mentions[-1].end:t.start]):
                    st.mentions.append(t)
                else:
                    st.mentions = [t]
                st.anchor, st.direct = t.end, True
            elif k == "role":
                st.roles.append(t)
            elif k == "verb":
                st.verb = t
            elif k == "value":
                self._values(doc, st, t)
            elif k == "ft":
                self._from_to(doc, st, t)
            elif k == "chg":
                self._change(doc, st, t)

    def _link(self, st: "_State", start: int, text: str, bare: bool) -> tuple[bool, str]:
        """Whether a value starting at ``start`` belongs to the current indicator, and the role word between.

        It does when it sits at most bridge_max characters after the name (or after that indicator's last
        value), with no comma in between unless a role word follows the comma (，较去年同期0.080mg/L);
        a bare number only right after an index's name."""
        if st.anchor is None or not st.mentions:
            return False, ""
        if start - st.anchor > self.bridge_max:
            return False, ""
        gap = text[st.anchor:start]
        cues = [r for r in st.roles if st.anchor <= r.start and r.end <= start] if st.roles else []
        cue = cues[-1].data["role"] if cues else ""
        comma = None  # the last comma of the gap
        for comma in self.clause_break.finditer(gap):
            pass
        if comma is not None:
            after = st.anchor + comma.end()
            if not (cues and any(r.start >= after for r in cues)):
                return False, ""
        if bare and not self.index_bridge.match(gap):
            return False, ""
        return True, cue

    def _period(self, st: "_State") -> str:
        return st.dates[-1].data["norm"] if st.dates else ""

    def _emit(self, doc: Doc, it: Item, ind: Indicator, name: str, role: str, period: str,
              subject: str, start: int | None = None, how: str = ""):
        s = it.start if start is None else start
        if not period:
            how = ""
        # doc.add's span, made here: its words are text[s:it.end] by construction, and it.end > s
        span = Span("indicator", s, it.end, doc.text[s:it.end], "", it.value, ind.unit, name, period, role,
                    {"subject": subject, "domain": ind.domain, "unit_text": it.unit_text, "period_from": how})
        doc.spans.append(span)
        doc.mask(it.start, it.end)
        return span

    def _values(self, doc: Doc, st: "_State", t: Tok) -> None:
        text = doc.text
        items: list[Item] = t.data["items"]
        n = len(items)
        unit = items[-1].unit
        bare = unit is None
        verb, st.verb = st.verb, None
        ind = self.by_name[verb.data["name"]] if verb is not None else None
        if ind is not None and unit == ind.unit and self.verb_gap.match(text[verb.end:t.start]):
            subject = st.subject
            role = "target" if self._in_target(doc, st, t.start) else "actual"
            for j, it in enumerate(items):
                self._emit(doc, it, ind, ind.name, role, self._distributed(st, j, n), subject,
                           verb.start if j == 0 else None, "verb")
            st.anchor, st.direct = t.end, False
            return
        ok, cue = self._link(st, t.start, text, bare)
        if not ok:
            if not bare:
                st.anchor = None  # a value of something else ends the chain
            return
        mentions = st.mentions if len(st.mentions) == n else [st.mentions[-1]] * n
        role = _ROLE_OF_CUE.get(cue, "actual")
        if role == "actual" and (self.target_after.match(text[t.end:t.end + 12]) or self._in_target(doc, st, t.start)):
            role = "target"
        linked = False
        for j, (it, m) in enumerate(zip(items, mentions)):
            ind: Indicator = m.data["ind"]
            if (it.unit or _INDEX_UNIT) != ind.unit:
                continue
            if cue in ("same_period", "last_year"):
                period, how = _shift_year(self._period(st)), "a year before"
            elif cue == "compare":
                period, how = (st.compare.data["norm"], "comparison date") if st.compare else ("", "")
            elif cue == "previous_period":
                period, how = "", ""
            else:
                period, how = self._distributed(st, j, n), "date"
            direct = st.direct and j == 0 and not cue and (n == 1 or len(set(map(id, mentions))) == 1)
            self._emit(doc, it, ind, m.data["name"], role, period, m.data["subject"],
                       m.start if direct else None, how)
            if role == "baseline":
                st.baseline = (it.start, period, text[it.start:it.end])
            linked = True
        st.anchor, st.direct = (t.end, False) if linked else (None, False)

    def _in_target(self, doc: Doc, st: "_State", pos: int) -> bool:
        """A value stated as an aim: after 目标：/力争/确保 in its sentence, or in a section of targets."""
        if self.target_lead.search(doc.text, st.begin, pos):
            return True
        if not st.targets:
            return False
        sec = doc.section_at(pos)
        return sec is not None and sec.section_type == "target"

    def _distributed(self, st: "_State", j: int, n: int) -> str:
        """The period of the j-th of n listed values: a list of as many dates is read one to one."""
        if n > 1 and len(st.dates) == n:
            return st.dates[j].data["norm"]
        return self._period(st)

    def _from_to(self, doc: Doc, st: "_State", t: Tok) -> None:
        text = doc.text
        v1, v2 = t.data["v1"], t.data["v2"]
        if v1.unit is None and v2.unit is None:
            return
        v1.unit = v1.unit or v2.unit
        v2.unit = v2.unit or v1.unit
        ok, cue = self._link(st, t.start, text, False)
        if not ok:
            st.anchor = None
            return
        m = st.mentions[-1]
        ind: Indicator = m.data["ind"]
        if v1.unit != ind.unit:
            st.anchor = None
            return
        if st.compare is not None:
            base_period, how = st.compare.data["norm"], "comparison date"
        elif cue in ("same_period", "last_year"):
            base_period, how = _shift_year(self._period(st)), "a year before"
        else:
            base_period, how = "", ""
        self._emit(doc, v1, ind, m.data["name"], "baseline", base_period, m.data["subject"],
                   m.start if st.direct and not cue else None, how)
        st.baseline = (v1.start, base_period, text[v1.start:v1.end])
        self._emit(doc, v2, ind, m.data["name"], "actual", self._period(st), m.data["subject"], None, "date")
        st.anchor, st.direct = t.end, False

    def _change(self, doc: Doc, st: "_State", t: Tok) -> None:
        text = doc.text
        items: list[Item] = t.data["items"]
        # the clause the change sits in: from the last comma of the sentence
        cs = st.begin
        for m in self.clause_break.finditer(text, st.begin, t.start):
            cs = m.end()
        cues = [r for r in st.roles if cs <= r.start and r.end <= t.start]
        cue = cues[-1].data["role"] if cues else ""
        if cue in ("same_period", "last_year"):
            period = _shift_year(self._period(st))
            against = "same period last year" if cue == "same_period" else "last year"
        elif cue == "previous_period":
            period, against = "", "previous period"
        elif st.compare is not None:  # 与2013年相比，… 下降5%
            period, against = st.compare.data["norm"], text[st.compare.start:st.compare.end]
        elif cue == "compare" and st.baseline is not None and st.baseline[0] >= cs:  # 较0.080mg/L下降13.8%
            period, against = st.baseline[1], st.baseline[2]
        else:
            period, against = "", ""
        # whose change: the sentence's latest name, or each of a list of as many names (PM2.5、PM10 … 分别下降)
        mentions = st.mentions if len(st.mentions) == len(items) else st.mentions[-1:] * len(items)
        for j, it in enumerate(items):
            name = ""
            if mentions:
                ind: Indicator = mentions[j].data["ind"]
                if it.unit in ("%", "百分点") or it.unit == ind.unit:  # a relative change fits any indicator
                    name = mentions[j].data["name"]
            s = t.start if j == 0 else it.start
            doc.spans.append(Span("change", s, it.end, text[s:it.end], "", it.value, it.unit or "", name, period, "",
                                  {"compared_with": against, "direction": t.data["dir"], "unit_text": it.unit_text}))
            doc.mask(it.start, it.end)
        st.anchor, st.direct = t.end, False


@dataclass(slots=True)
class _State:
    """What a sentence has said so far."""

    dates: list = field(default_factory=list)      # the latest date, or list of dates joined by 、
    compare: Tok | None = None                     # the latest date of comparison (与2013年相比)
    mentions: list = field(default_factory=list)   # the latest indicator name, or list of names
    roles: list = field(default_factory=list)      # role words seen
    subject: str = ""
    subject_end: int = -1
    verb: Tok | None = None
    anchor: int | None = None                      # where the current indicator's chain last ended
    direct: bool = False                           # the anchor is the name itself (span may start there)
    begin: int = 0                                 # where the sentence starts
    baseline: tuple | None = None                  # (start, period, text) of the latest baseline value
    targets: bool = True                           # the document has a section of targets


def _line(data: Any, key: str) -> int | None:
    lo = getattr(data, "line_of", None)
    return lo(key) if lo else getattr(data, "line", None)
