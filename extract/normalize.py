"""Normalisation: the one text that every offset points into.

Order matters: entities and debris go first (they hide characters), then
width folding of letters and digits, traditional-to-simplified conversion,
page-number lines, and last the re-joining of paragraphs that a page break
split ("压实生态" + blank line + "环境保护责任").
"""
from __future__ import annotations

import functools
import html
import operator
import unicodedata
from dataclasses import dataclass

import numpy as np
import opencc
import regex

from .rules import RuleError, RuleSet

_T2S = opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def t2s_triggers() -> str:
    """The characters OpenCC t2s converts on their own, read from OpenCC once per process (~0.1 s):
    every character converted, one a line. "" if the lines do not come back one for one."""
    chars = [chr(c) for c in range(0x80, 0x40000) if not 0xD800 <= c < 0xE000]
    out = _T2S.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):
        return ""
    return "".join(c for c, o in zip(chars, out) if c != o)
_HAN = regex.compile(r"\p{Han}")
# control characters, and lone surrogates (left by a lossy decoder) that no encoder can write
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ENTITY = regex.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});"
                        r"|&(?:nbsp|ensp|emsp|amp|quot|ldquo|rdquo|lsquo|rsquo|mdash|hellip|middot|lt|gt)(?![A-Za-z0-9;])")
_C1 = regex.compile(r"[\x80-\x9f]")  # C1 control characters: what mojibake repair leaves unread is junk
_OTHER_DIGIT = regex.compile(r"(?![0-9])\d")  # a decimal digit of another script (٣, ३, 𑷠 …)
_UTF8_CJK = regex.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")  # the bytes of one UTF-8 CJK character
_LINE_SEPARATORS = regex.compile(r"[\u2028\u2029]")
# Full-width letters and digits become ASCII; full-width punctuation stays,
# so the text still reads as the document did (rules accept both forms).
_WIDE = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF10, 0xFF5B)
         if chr(c).isalnum()}
_WIDE[0x3000] = " "
_WIDE[0x00A0] = " "  # no-break space (&nbsp;) is a space
_WIDE_SPACES = (chr(0x3000), chr(0x00A0))


def _char_class(codes) -> str:
    """A regex character class of these code points, written as ranges (read several times faster than
    one member per character)."""
    codes, out = sorted(codes), []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(regex.escape(chr(codes[i])) + ("-" + regex.escape(chr(codes[j])) if j > i else ""))
        i = j + 1
    return "[" + "".join(out) + "]"


_WIDE_ALNUM = regex.compile(_char_class(c for c in _WIDE if chr(c) not in _WIDE_SPACES))
# A census of the characters of a text: which of some character classes it holds (and where), read in
# one pass of C over the text's code points. A step whose pattern needs a character (or a run of them)
# that the text does not hold is skipped: its regex would scan the whole text to find nothing.
_SCAN_LIMIT = 0x30000  # class members are read from the regex below this code point; above it, any may be one
_ALL_CHARS: list = []  # every code point below _SCAN_LIMIT, as one string (built on first use)
# a rule pattern that is one character (a class, an escape, a plain character, maybe in a (?:) group) with
# a count: [...]{3,2000}, (?:烫){4,1000}; a pattern may be an alternation of these
_ONE_CHAR = r"(?:\[(?:\\.|[^\\\]\[])+\]|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|[^\\\[\](){}.*+?|^$])"
_ONE_CHAR_RUN = regex.compile(rf"(?P<atom>{_ONE_CHAR}|\(\?:{_ONE_CHAR}\))(?:\{{(?P<min>\d+)(?:,\d*)?\}}|(?P<plus>\+))?\??")


def _members(pattern: str, flags: int) -> np.ndarray | None:
    """The code points below _SCAN_LIMIT that ``pattern`` (one character wide) matches, or None when it
    is not one character wide."""
    if not _ALL_CHARS:
        _ALL_CHARS.append(np.arange(_SCAN_LIMIT, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass"))
    every = _ALL_CHARS[0]
    pat = regex.compile(pattern, flags)
    # each match replaced by NUL: a member is where NUL stands (NUL itself asked apart)
    marked = pat.sub("\x00", every)
    if len(marked) != len(every):
        return None
    codes = np.flatnonzero(np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), np.uint32) == 0)
    return codes if pat.fullmatch("\x00") else codes[1:]


class _Census:
    """Up to 16 character classes, each a bit of a table over all code points."""

    def __init__(self):
        self.table = np.zeros(0x110000, np.uint16)
        self.used = 0
        self.patterns: dict = {}  # (pattern, flags) -> its bit

    def add(self, codes, above: bool = False) -> int:
        """A bit for these code points (and every code point from _SCAN_LIMIT up if ``above``); 0 when all
        16 are taken."""
        if self.used >= 16:
            return 0
        bit = 1 << self.used
        self.used += 1
        self.table[np.asarray(codes, dtype=np.int64)] |= bit
        if above:
            self.table[_SCAN_LIMIT:] |= bit
        return bit

    def add_pattern(self, pattern: str, flags: int = 0) -> int:
        """The bit of the one-character ``pattern`` (one bit for a pattern asked twice); 0 when it is not
        one character wide or no bit is left."""
        bit = self.patterns.get((pattern, flags))
        if bit is None:
            codes = _members(pattern, flags)
            bit = self.patterns[(pattern, flags)] = 0 if codes is None else self.add(codes, above=True)
        return bit

    def read(self, text: str) -> tuple[np.ndarray, int]:
        """Each character's bits, and the bits of the text."""
        flags = self.table.take(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32))
        return flags, int(np.bitwise_or.reduce(flags)) if len(flags) else 0


_CENSUSES: dict = {}  # the census of a set of rules (read-only once built), by the rules' patterns


_CLASS = regex.compile(r"\[(?:\\.|[^\\\]\[])+\]")
_QUANTIFIER = regex.compile(r"(?:\{(?P<min>\d*)(?:,\d*)?\}|[?*+])[?+]?")


def _required_classes(text: str, pos: int = 0, end: int | None = None) -> list[str] | None:
    """The character classes [...] that every match of the pattern ``text[pos:end]`` holds: those standing
    once (or with a count of at least one) in its sequence of items, also inside (?:...) groups that
    are so and hold no alternation. None when the reading meets an alternation at this level or
    anything it does not know (then nothing is said)."""
    end = len(text) if end is None else end
    found: list[str] = []
    while pos < end:
        c = text[pos]
        if c == "|":
            return None
        if c == "[":
            m = _CLASS.match(text, pos, end)
            if m is None:
                return None
            item, inner, pos = m.group(), None, m.end()
        elif c == "(":
            depth, j = 0, pos
            while j < end:  # the group's end, past escapes and classes
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "[":
                    m = _CLASS.match(text, j, end)
                    if m is None:
                        return None
                    j = m.end()
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            if depth:
                return None
            if text.startswith("(?", pos) and not text.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?P<", "(?>"),
                                                                   pos):
                return None  # inline flags (they may change what a class matches) and the like: not read
            # a (?:...) group is read inside; other groups (lookarounds, captures) are passed over
            item, inner, pos = None, (pos + 3, j - 1) if text.startswith("(?:", pos) else None, j
        elif c == "\\":
            item, inner, pos = None, None, pos + 2
            if text[pos - 1:pos] in ("x", "u", "U", "p", "P", "N", "g") or text[pos - 1:pos].isdigit():
                return None  # (an escape longer than two characters: not read)
        elif c in "{}?*+)":
            return None
        else:
            item, inner, pos = None, None, pos + 1
        q = _QUANTIFIER.match(text, pos, end)
        at_least_once = True
        if q is not None:
            pos = q.end()
            lead = q.group(0)[0]
            at_least_once = lead == "+" or (lead == "{" and q.group("min") not in (None, "") and int(q.group("min")) >= 1)
        if not at_least_once:
            continue
        if item is not None:
            found.append(item)
        elif inner is not None:
            got = _required_classes(text, inner[0], inner[1])
            if got:
                found += got
    return found


def _run_filter(census: _Census, pat) -> list | None:
    """[(bit, n)] when ``pat`` is one character class repeated at least n times (n >= 1), or an alternation
    of such: it can match only a text holding n of a class's characters in a row. Else [(bits, 1)] for
    the classes every match holds (_required_classes), a bit each: it can match only a text holding a
    character of each (the pinyin debris needs a parenthesis and a toned vowel, the rarer). None when
    the pattern says neither."""
    runs = _runs(pat.pattern)
    if runs is None:
        members = [(atom, codes) for atom in dict.fromkeys(_required_classes(pat.pattern) or [])
                   if (codes := _members(atom, pat.flags)) is not None]
        members.sort(key=lambda ac: len(ac[1]))  # (fewest members first, should the bits run out)
        bits = 0
        for atom, codes in members:
            bit = census.add_pattern(atom, pat.flags)
            if not bit:
                break
            bits |= bit
        return [(bits, 1)] if bits else None
    checks = []
    for atom, n in runs:
        bit = census.add_pattern(atom, pat.flags)
        if not bit:
            return None
        checks.append((bit, n))
    return checks


def _runs(text: str) -> list | None:
    """[(class, n)] of a pattern that is an alternation of one-character runs, else None."""
    runs, pos = [], 0
    while True:
        m = _ONE_CHAR_RUN.match(text, pos)
        if m is None:
            return None
        n = int(m.group("min")) if m.group("min") is not None else 1
        if not 1 <= n <= 32:
            return None
        runs.append((m.group("atom"), n))
        pos = m.end()
        if pos == len(text):
            break
        if text[pos] != "|":
            return None
        pos += 1
    return runs


def _may_match(checks, flags: np.ndarray, present: int) -> bool:
    """Can a pattern with these run filters match a text of this census? (``bit``: one bit, or with n = 1
    the bits of classes that must all be present)"""
    if checks is None:
        return True
    for bit, n in checks:
        if present & bit != bit:
            continue
        if n == 1:
            return True
        have = flags & bit
        span = len(have) - n + 1
        if span <= 0:
            continue
        run = have[:span] & have[1:1 + span]
        for k in range(2, n):
            run &= have[k:k + span]
        if run.any():
            return True
    return False


def _to_bytes(run: str) -> bytes | None:
    """The bytes a Latin-1 / cp1252 decoding turned into these characters."""
    out = bytearray()
    for c in run:
        o = ord(c)
        if o < 256:
            out.append(o)
        else:
            try:
                out += c.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def _redecode(run: str, min_han: int, min_share: float, gbk_min: int = 6) -> str | None:
    """The Chinese text a mojibake run stands for, or None when it does not decode to Chinese.

    UTF-8 read as cp1252 must decode as strict UTF-8 (its lead bytes make
    that unlikely by chance). GBK read as Latin-1 decodes by chance far more
    easily ("“……”" is two GBK characters), so that repair also needs a
    longer run (``gbk_min`` characters, four distinct), at least half of them
    Latin-1 letters and signs (U+00A0-U+00FF), where GBK's bytes fall.
    """
    distinct = len(set(run))
    if distinct < 2:  # ×××× is a placeholder, not mojibake
        return None
    data = _to_bytes(run)
    if data is None:
        return None
    latin1 = sum(1 for c in run if "\u00a0" <= c <= "\u00ff")
    utf8_like = 3 * len(_UTF8_CJK.findall(data)) >= 0.5 * len(data)
    for enc in ("utf-8", "gb18030"):
        if enc == "gb18030" and (len(run) < gbk_min or distinct < 4 or latin1 < len(run) / 2 or utf8_like):
            continue  # (a piece of UTF-8 mojibake also decodes as GBK, wrongly)
        try:
            new = data.decode(enc)
        except UnicodeDecodeError:
            continue
        han = len(_HAN.findall(new))
        cjk = sum(1 for c in new if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        if han >= min_han and cjk >= min_share * len(new):
            return new
    return None


class Normalizer:
    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("text.yaml")
        line = getattr(data, "line", None)
        self.debris = [rules.compile(p, path, line) for p in rules.words(data, "debris", path)]
        self.page_lines = [rules.compile(p, path, line) for p in rules.words(data, "page_number_lines", path)]
        self._page_line = _any_fullmatch(self.page_lines)
        self.bare_page = rules.pattern(data, "bare_page_number", path)
        self.open_end = rules.pattern(data, "open_end", path)
        self._ends_open = _last_char_test(self.open_end)
        self.body_mark = rules.pattern(data, "body_mark", path)
        self.new_block = rules.pattern(data, "new_block", path)
        self.field_line = rules.pattern(data, "field_line", path)
        self.table_row = rules.pattern(data, "table_row", path)
        self.min_body = int(data.get("min_body_chars", 20))
        self.trad_ratio = float(data.get("traditional_ratio", 0.02))
        self.trad_min = int(data.get("traditional_min_chars", 3))
        self.mojibake_run = rules.pattern(data, "mojibake_run", path)
        self.mojibake_remove = [rules.compile(p, path, line) for p in rules.words(data, "mojibake_remove", path)]
        self.mojibake_min_han = int(data.get("mojibake_min_han", 1))
        self.mojibake_min_share = float(data.get("mojibake_min_share", 0.5))
        self.mojibake_gbk_min = int(data.get("mojibake_gbk_min_chars", 6))
        self._census_setup(rules, data, path)

    def _census_setup(self, rules: RuleSet, data, path) -> None:
        """The census read of each text, and for each step what it needs of the text to do anything
        (built once per process for the same rules: normalisers are made anew for each extract_text)."""
        # t2s changes nothing in a text holding none of the characters it converts alone (read from
        # OpenCC) and none of the phrases it converts whose characters it leaves alone (listed in the
        # rules for the OpenCC version named; with another version every text is converted)
        phrases = data.get("t2s_phrases") or {}
        triggers = (t2s_triggers() or None
                    if str(data.get("t2s_opencc_version", "")) == getattr(opencc, "__version__", None) else None)
        if not isinstance(phrases, dict):
            raise RuleError(path, getattr(data, "line", None), "t2s_phrases must map a character to phrases")
        self._t2s_phrases = []  # (character, [(its offset, phrase)])
        for c, words in phrases.items():
            if not (isinstance(c, str) and len(c) == 1 and isinstance(words, list)
                    and all(isinstance(w, str) and c in w for w in words)):
                raise RuleError(path, getattr(phrases, "line", None),
                                f"t2s_phrases: {c!r} must be one character and each of its phrases must hold it")
            self._t2s_phrases.append((c, [(w.index(c), w) for w in words]))
        key = (triggers, tuple(phrases), tuple((p.pattern, p.flags)
                                               for p in self.debris + [self.mojibake_run] + self.mojibake_remove))
        setup = _CENSUSES.get(key)
        if setup is None:
            census = _Census()
            control = census.add_pattern(_CONTROL.pattern)
            c1 = census.add_pattern(_C1.pattern)
            wide = census.add_pattern(_WIDE_ALNUM.pattern)
            digit = census.add_pattern(_OTHER_DIGIT.pattern)
            if not (control and c1 and wide and digit):
                raise RuntimeError("the census lost a fixed class")  # (the first four bits: cannot happen)
            t2s = census.add(sorted({ord(c) for c in triggers if not c.isspace()})) if triggers else 0
            t2s_phrase = census.add(sorted(ord(c) for c in phrases)) if triggers and phrases else 0
            setup = _CENSUSES[key] = (census, control, c1, wide, digit, t2s, t2s_phrase,
                                      [_run_filter(census, pat) for pat in self.debris],
                                      _run_filter(census, self.mojibake_run),
                                      [_run_filter(census, pat) for pat in self.mojibake_remove])
        (self._census, self._control, self._c1, self._wide, self._digit, self._t2s, self._t2s_phrase,
         debris, self._mojibake_check, remove) = setup
        if self._t2s and phrases and not self._t2s_phrase:
            self._t2s = 0  # (no bit left for the phrases: convert every text)
        self._debris = list(zip(self.debris, debris))
        self._remove = list(zip(self.mojibake_remove, remove))

    def _has_t2s_phrase(self, text: str) -> bool:
        """Does the text hold one of the t2s_phrases?"""
        for c, words in self._t2s_phrases:
            p = text.find(c)
            while p >= 0:
                for k, w in words:
                    if p >= k and text.startswith(w, p - k):
                        return True
                p = text.find(c, p + 1)
        return False

    def __call__(self, raw: str) -> tuple[str, dict]:
        """Return the normalised text and notes on what was done."""
        notes: dict = {}
        text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        read = self._census.read
        flags, present = read(text)
        new = text
        if present & self._control:
            new = _CONTROL.sub("", new)
        if "\u2028" in new or "\u2029" in new:
            new = _LINE_SEPARATORS.sub("\n", new)
        for _ in range(2):  # twice: a scraper that escaped twice leaves &amp;rdquo;
            if "&" not in new:
                break
            new = _ENTITY.sub(lambda m: html.unescape(m.group(0)), new)
        if new != text:
            text = new
            flags, present = read(text)
        for pat, check in self._debris:
            if _may_match(check, flags, present):
                new = pat.sub("", text)
                if new != text:  # a removal can join a run: read the census again
                    text = new
                    flags, present = read(text)
        new, notes["mojibake"] = self._mojibake(text, flags, present)
        if new != text:
            text = new
            flags, present = read(text)
        # (what follows only removes characters or makes them ASCII: the census still holds for what it seeks)
        if present & self._c1:
            text = _C1.sub("", text)
        for c in _WIDE_SPACES:  # the spaces alone are common: replaced, and the table read only when needed
            text = text.replace(c, _WIDE[ord(c)])
        if present & self._wide:
            text = text.translate(_WIDE)
        if present & self._digit:
            # every decimal digit becomes ASCII, so that a rule's \d never hands int() or float() a digit it cannot read
            text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.digit(m.group(0), 0)), text)
        if self._t2s and not present & self._t2s and not (present & self._t2s_phrase and self._has_t2s_phrase(text)):
            notes["traditional"] = self.trad_min <= 0 and self.trad_ratio <= 0  # as _simplify says of such a text
        else:
            # (the census still places every character while no character was removed since)
            text, notes["traditional"] = self._simplify(text, flags if len(flags) == len(text) else None)
        text = self._paragraphs(text)
        return text, notes

    def _mojibake(self, text: str, flags=None, present: int = -1) -> tuple[str, int]:
        """Repair Chinese text that was decoded as Latin-1/cp1252; remove what cannot be repaired.
        (``flags``, ``present``: the text's census, which says what cannot be found.)"""
        fixed = 0

        def repair(m):
            nonlocal fixed
            new = _redecode(m.group(0), self.mojibake_min_han, self.mojibake_min_share, self.mojibake_gbk_min)
            if new is None:
                return m.group(0)
            fixed += 1
            return new

        if not text.isascii():
            if flags is None:
                flags, present = self._census.read(text)
            if _may_match(self._mojibake_check, flags, present):
                new = self.mojibake_run.sub(repair, text)
                if new != text:
                    text = new
                    flags, present = self._census.read(text)
            for pat, check in self._remove:
                if _may_match(check, flags, present):
                    text, n = pat.subn("", text)
                    if n:
                        fixed += n
                        flags, present = self._census.read(text)
        return text, fixed

    def _simplify(self, text: str, flags=None) -> tuple[str, bool]:
        """(the text, traditional?): the text converted when enough of it converts. ``flags``: the text's
        census, when its positions are the text's."""
        got = self._convert_lines(text, flags) if flags is not None and self._t2s else None
        if got is not None:
            simple, changed = got
            if not changed:
                return text, self.trad_min <= 0 and self.trad_ratio <= 0
        else:
            simple = _T2S.convert(text)
            if simple == text:  # most texts: no character differs
                return text, self.trad_min <= 0 and self.trad_ratio <= 0
            # t2s is character-for-character for these texts; count what differs
            changed = _count_changed(text, simple, self.trad_min, self.trad_ratio)
        if changed < self.trad_min:
            return text, False
        # the Han characters are at most all the characters: a share of these is enough, without counting them
        if changed / len(text) >= self.trad_ratio:
            return (simple if isinstance(simple, str) else "".join(simple)), True
        han = len(_HAN.findall(text)) or 1
        if changed / han >= self.trad_ratio:
            return (simple if isinstance(simple, str) else "".join(simple)), True
        return text, False

    def _convert_lines(self, text: str, flags) -> tuple[list, int] | None:
        """t2s of the text (as pieces to join) and how many of its characters it changes, converting only
        the lines that hold a character or phrase it converts (no entry of its dictionaries holds a line
        break, and it reads from the left taking the longest entry: a line converts as it does inside
        the text). None when a line's length would change (then the texts are not compared character
        by character) or when more than 64 places would be read."""
        where = np.flatnonzero(flags & (self._t2s | self._t2s_phrase))
        if len(where) > 64:
            return None
        pieces, last, changed = [], 0, 0
        for p in where.tolist():
            if p < last:
                continue  # (in the line just converted)
            a = text.rfind("\n", 0, p) + 1
            b = text.find("\n", p)
            if b < 0:
                b = len(text)
            line = text[a:b]
            new = _T2S.convert(line)
            if len(new) != len(line):
                return None
            if new != line:
                changed += sum(map(operator.ne, line, new))
            pieces.append(text[last:a])
            pieces.append(new)
            last = b
        pieces.append(text[last:])
        return pieces, changed

    def _paragraphs(self, text: str) -> str:
        # drop page-number lines (a line holding only spaces is "" once stripped on the right) ...
        page_line = self._page_line
        # (a line whose first character is known not to begin one is kept without asking page_line)
        known = page_line.may_begin
        if page_line(""):
            lines = [ln for ln in map(str.rstrip, text.split("\n"))
                     if ln and (known.get(ln[:1]) is False or not page_line(ln))]
        else:
            lines = [ln for ln in map(str.rstrip, text.split("\n"))
                     if not ln or known.get(ln[:1]) is False or not page_line(ln)]
        # ... and a trailing bare number (the last page's number)
        while lines and not lines[-1]:
            lines.pop()
        bare_page = self.bare_page.fullmatch
        if lines and bare_page(lines[-1]):
            lines.pop()
        # Each line starts a paragraph unless the paragraph before it ends mid-sentence (_broken). A
        # paragraph of one line that is too short or does not end open cannot be broken, nor be joined to:
        # it goes out as it stands; the others are followed as a _Para (``para``, the last of ``out``).
        out: list[str] = []
        para = None
        min_body, ends_open = self.min_body, self._ends_open
        n = len(lines)
        skip_to = 0
        for i, ln in enumerate(lines):
            if i < skip_to:
                continue
            if para is not None and self._broken(para):
                if not ln:
                    # look past blank lines (and a bare page number between them)
                    j = i
                    while j < n and (not lines[j] or bare_page(lines[j])):
                        j += 1
                    if j < n and self._continues(lines[j], indent=(" ", "\t")):
                        self._extend(para, lines[j].lstrip())
                        skip_to = j + 1
                        continue
                elif para.length and lines[i - 1] and self._continues(ln):
                    # a hard line break inside a sentence (a fixed-width text dump, a web page's <br>)
                    self._extend(para, ln)
                    continue
                if len(para.parts) > 1:
                    out[-1] = "".join(para.parts)
                para = None
            elif para is not None and len(para.parts) > 1:
                out[-1] = "".join(para.parts)
            out.append(ln)
            # what _broken reads first of a paragraph of this one line
            if len(ln) >= min_body and len(ln.lstrip()) >= min_body and ends_open(ln):
                para = self._para(ln)
            else:
                para = None
        if para is not None and len(para.parts) > 1:
            out[-1] = "".join(para.parts)
        return "\n".join(out).strip("\n") + "\n"

    # A paragraph being built from lines, with what _broken needs kept up to
    # date as lines join, so that joining stays linear in the text's length.
    # What the patterns say of its lines (body, field, table) is read only when
    # _broken gets that far: most paragraphs end a sentence or are short.
    def _para(self, line: str) -> "_Para":
        return _Para([line], len(line.strip()), [line])

    def _extend(self, para: "_Para", line: str) -> None:
        if not para.length:
            para.parts[-1] = para.parts[-1].strip()
        para.parts.append(line)
        para.lines.append(line)
        para.length += len(line.strip()) if para.length == 0 else len(line.rstrip())

    def _broken(self, para: "_Para") -> bool:
        """Does this paragraph end mid-sentence, as a page break leaves it?"""
        last = para.parts[-1]
        if not (para.length >= self.min_body and self._ends_open(last)):
            return False
        lines = para.lines
        if para.body_read < len(lines):  # a comma or full stop in a line not read yet
            para.body = para.body or any(self.body_mark.search(x) for x in lines[para.body_read:])
            para.body_read = len(lines)
        if not para.body:
            return False
        if para.field is None:
            para.field = bool(self.field_line.match(lines[0]))
        if para.field:
            return False
        if para.table_read < len(lines):
            para.table = para.table or any(self.table_row.search(x) for x in lines[para.table_read:])
            para.table_read = len(lines)
        return not para.table

    def _continues(self, line: str, indent: tuple[str, ...] = (" ", "\t", "\u3000")) -> bool:
        """Can this line carry on the sentence before it (not indented, a heading, list item, field or table row)?"""
        return (line[:1] not in indent and not self.new_block.match(line)
                and not self.table_row.search(line))


_LAST_CHAR_CLASS = regex.compile(r"(?P<cls>\[(?:\\.|[^\\\]\[])+\])\$")


_LAST_CHAR_TABLES: dict = {}  # (pattern, flags) -> its members' table (b"": not of that form)


def _last_char_test(pattern):
    """A function telling whether ``pattern`` is found in the last four characters of a line (no line
    break in it). A pattern [...]$ is a test of the last character alone, read from a table of the
    class's members (below _SCAN_LIMIT)."""
    slow = lambda s: pattern.search(s[-4:]) is not None
    key = (pattern.pattern, pattern.flags)
    table = _LAST_CHAR_TABLES.get(key)
    if table is None:
        m = _LAST_CHAR_CLASS.fullmatch(pattern.pattern)
        codes = _members(m.group("cls"), pattern.flags) if m else None
        if codes is not None:
            members = np.zeros(_SCAN_LIMIT, np.uint8)
            members[codes] = 1
            table = members.tobytes()
        _LAST_CHAR_TABLES[key] = table = table or b""
    if not table:
        return slow
    empty = slow("")

    def test(s: str) -> bool:
        if not s:
            return empty
        c = ord(s[-1])
        return table[c] == 1 if c < _SCAN_LIMIT else slow(s)
    return test


def _count_changed(a: str, b: str, at_least: int, share: float) -> int:
    """How many positions of ``a`` and ``b`` hold different characters (as far as the shorter goes), read
    in pieces: equal pieces are passed over at once, and counting stops as soon as the count reaches
    both ``at_least`` and ``share`` of ``len(a)`` (then it is enough, and no smaller than the count)."""
    n = min(len(a), len(b))
    count = 0
    step = 256
    for i in range(0, n, step):
        j = min(n, i + step)
        x, y = a[i:j], b[i:j]
        if x != y:
            count += sum(map(operator.ne, x, y))
            if count >= at_least and count / len(a) >= share:
                break
    return count


def _any_fullmatch(patterns: list):
    """A function telling whether a string fully matches one of ``patterns``: one alternation (one call a
    line) when they join without changing their meaning (no groups, no inline flags), else each in turn;
    and only for a string whose beginning can begin a match."""
    if patterns and all(p.groups == 0 and p.flags == patterns[0].flags for p in patterns) \
            and not any(regex.search(r"\(\?[a-zA-Z^]", p.pattern) for p in patterns):
        joined = regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
        full = lambda s: joined.fullmatch(s) is not None
        begins = lambda s: joined.match(s, partial=True) is not None
    else:
        full = lambda s: any(p.fullmatch(s) for p in patterns)
        begins = lambda s: any(p.match(s, partial=True) for p in patterns)
    # A line can match only if its beginning (its indentation and first character) can begin a match
    # (a partial match of that beginning): asked once for each beginning met, and kept.
    may_begin: dict[str, bool] = {}

    def test(s: str) -> bool:
        first = s[:1]
        if first.isspace():
            first = s[:len(s) - len(s.lstrip()) + 1]
        ok = may_begin.get(first)
        if ok is None:
            if len(may_begin) > 50_000:
                may_begin.clear()
            ok = may_begin[first] = begins(first)
        return ok and full(s)
    # what it knows of beginnings (a line's first character, or its indentation and first character):
    # False for one that cannot begin a match
    test.may_begin = may_begin
    return test


@dataclass(slots=True)
class _Para:
    parts: list
    length: int  # characters, leading and trailing space not counted
    lines: list  # the lines as they were given, which the patterns below read
    body: bool = False  # holds a comma or full stop somewhere (in the lines read so far)
    body_read: int = 0
    field: bool | None = None  # starts as a labelled field (None: not read yet)
    table: bool = False  # holds a table cell separator (in the lines read so far)
    table_read: int = 0
