"""Quantities: counted amounts with their measure word and what they count.

``27万株`` is 270000 株, ``24万余斤`` 240000 斤 (approximate), ``56个排口`` 56 个
named 排口, ``66.57万元`` 665700 元. One scan of the text with one regex: its
first branches (``skip`` in rules/quantities.yaml) consume what only looks like
an amount — cited titles, ordinals, list numbers, codes, percentages, slogans —
and the last branch reads an amount with its unit. A match is then dropped when
it overlaps a fact an earlier stage owns (a date, an indicator value, a change,
a document number …), when it is a requirement (至少1次), a time limit
(24小时内) or a rate (万吨/日), and, for Chinese numerals, unless it is clearly
an amount (三千亩 yes; 一岗双责, 第二轮, 十四五, a place called 三千亩 no).
"""
from __future__ import annotations

import bisect
import itertools
from operator import itemgetter

import regex

from .doc import Doc
from .numerals import CN_BIG_UNITS, CN_SMALL_UNITS, cn_to_number, parse_number
from .rules import RuleError, RuleSet, alternation, word_trie

# Spans of these kinds own their digits; a quantity may not overlap them.
OVERLAP_KINDS = ("date", "indicator", "change", "doc_number", "phone", "email", "standard", "cited_doc")

CN_MULTIPLIER_CHARS = frozenset(CN_BIG_UNITS) | frozenset(CN_SMALL_UNITS)
_CLASS_END = regex.compile(r"\^?\]?(?:\\.|[^\]\\])*\]", regex.S)  # the rest of a [...] set after its [
_PLAIN = frozenset("\\()[]{}.*+?^$|#")  # characters that make a group's words more than plain text


def literal_groups_as_tries(pattern: str) -> str:
    """``pattern`` with each group of plain words, ``(?:十四五|十三五|水十条)``, written as a trie
    (:func:`~extract.rules.word_trie`): the same matches, tried faster. A group is left as written when a word
    comes before a longer word it begins (the flat alternation then prefers the shorter one), when
    a word repeats, and the whole pattern when it sets flags of its own (verbose mode, where a
    space is not a character)."""
    if "(?" in pattern and regex.search(r"\(\?[a-zA-Z]*x", pattern):
        return pattern
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[":
            m = _CLASS_END.match(pattern, i + 1)
            if not m:
                return pattern
            out.append(pattern[i:m.end()])
            i = m.end()
            continue
        if pattern.startswith("(?:", i):
            j = pattern.find(")", i + 3)
            body = pattern[i + 3:j] if j > 0 else ""
            words = body.split("|")
            if len(words) > 1 and all(words) and not _PLAIN.intersection(body.replace("|", "")) \
                    and len(set(words)) == len(words) \
                    and not any(words[b].startswith(words[a]) for a in range(len(words))
                                for b in range(a + 1, len(words))):
                out.append(word_trie(words))
                i = j + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


# -- what a pattern can match, read from the regex module's parse of it ------------------------
# Used only to decide whether a fast path is exact; anything this code does not know (another
# version of the module, a construct not listed) answers "not known", and the plain way is taken.
_NL = ord("\n")


def _parsed(pattern: str, flags: int, reverse: bool = False):
    from regex import _regex_core as core

    source = core.Source(pattern)
    info = core.Info(flags | regex.V0, source.char_type, {})
    source.ignore_space = bool(info.flags & regex.VERBOSE)
    parsed = core._parse_pattern(source, info)
    if not source.at_end():
        raise ValueError("unbalanced parenthesis")
    parsed.fix_groups(pattern, reverse, False)
    return core, info, parsed


def within_lines(pattern: str, flags: int = 0) -> bool:
    """Whether no match of ``pattern`` (nor anything a lookaround of it reads) can take in a line
    break, and nothing in it depends on where a search starts or where the text ends (a \\G, a
    \\Z): then a search from a line's start, on the text up to and with its line break, finds
    there what a search of the whole text finds. False when not known."""
    try:
        core, _, parsed = _parsed(pattern, flags)
    except Exception:
        return False
    wrappers = (core.Group, core.Atomic, core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat,
                core.LookAround)
    # what cannot take a line break: these tests of a place, a back-reference (to a group that
    # cannot) and . (Any, which is not (?s). AnyAll)
    no_break = (core.StartOfLine, core.StartOfLineU, core.EndOfLine, core.EndOfLineU, core.Boundary,
                core.DefaultBoundary, core.StartOfWord, core.EndOfWord, core.DefaultStartOfWord,
                core.DefaultEndOfWord, core.RefGroup, core.Any, core.AnyU)

    def ok(node) -> bool:
        t = type(node)
        if t is core.Sequence:
            return all(ok(i) for i in node.items)
        if t is core.Branch:
            return all(ok(b) for b in node.branches)
        if t in wrappers:
            return ok(node.subpattern)
        if t in (core.Character, core.Range, core.Property) or isinstance(node, core.SetBase):
            return not node.matches(_NL)
        if t in (core.String, core.Literal):
            return _NL not in node.characters
        return t in no_break

    try:
        return ok(parsed)
    except Exception:
        return False


# Numbers end with a character of Unicode numeric type (0-9, 万, 十 ...): one table look-up
# for the engine, where a list of characters is compared one by one.
_NUMERIC = regex.compile(r"\P{Numeric_Type=None}")


def last_chars(pattern: str, flags: int = 0) -> str | None:
    """A character class holding every character a match of ``pattern`` can end with (None
    when not known, or when a match can be empty)."""
    try:
        core, _, parsed = _parsed(pattern, flags)
    except Exception:
        return None
    chars, ranges = set(), []
    zero_width = (core.LookAround, core.StartOfLine, core.StartOfLineU, core.EndOfLine, core.EndOfLineU,
                  core.Boundary, core.DefaultBoundary, core.StartOfWord, core.EndOfWord,
                  core.DefaultStartOfWord, core.DefaultEndOfWord)

    def leaf(m) -> bool:
        if getattr(m, "case_flags", 1) or not getattr(m, "positive", False) or getattr(m, "zerowidth", True):
            return False
        t = type(m)
        if t is core.Character:
            chars.add(m.value)
        elif t is core.Range:
            ranges.append((m.lower, m.upper))
        elif t is core.SetUnion:
            return all(leaf(i) for i in m.items)
        else:
            return False
        return True

    def last(node) -> bool | None:
        """Collect what ``node`` can end with; whether it can match nothing (None: not known)."""
        t = type(node)
        if t is core.Sequence:
            for item in reversed(node.items):
                empty = last(item)
                if not empty:
                    return empty
            return True
        if t is core.Branch:
            empties = [last(b) for b in node.branches]
            return None if None in empties else any(empties)
        if t in (core.Group, core.Atomic):
            return last(node.subpattern)
        if t in (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat):
            empty = last(node.subpattern)
            return None if empty is None else (empty or node.min_count == 0)
        if t in zero_width:
            return True
        if t in (core.String, core.Literal):
            if node.case_flags or not node.characters or not leaf(core.Character(node.characters[-1])):
                return None
            return False
        return False if leaf(node) else None

    if last(parsed) is not False or not chars and not ranges:
        return None
    if sum(hi - lo for lo, hi in ranges) < 10000 and all(
            _NUMERIC.match(chr(c)) for c in itertools.chain(chars, *(range(lo, hi + 1) for lo, hi in ranges))):
        return _NUMERIC.pattern
    return "[" + "".join(regex.escape(chr(c)) for c in sorted(chars)) + "".join(
        f"{regex.escape(chr(lo))}-{regex.escape(chr(hi))}" for lo, hi in ranges) + "]"


# -- where a scan can be cut: the characters no match takes ---------------------------------------
class _NotKnown(Exception):
    """A construct the readers below do not know: the plain way is taken."""


_REPEATS = ("GreedyRepeat", "LazyRepeat", "PossessiveRepeat")


def _consumed(core, node, acc: list) -> bool:
    """Add to ``acc`` [(low, high)] every character ``node`` can take (lookarounds take none).
    False when that is an open set (a negated class, a property, any character)."""
    t = type(node)
    if t is core.Sequence:
        return all([_consumed(core, i, acc) for i in node.items])
    if t is core.Branch:
        return all([_consumed(core, b, acc) for b in node.branches])
    if t in (core.Group, core.Atomic) or t.__name__ in _REPEATS:
        return _consumed(core, node.subpattern, acc)
    if t is core.LookAround or isinstance(node, core.ZeroWidthBase):
        return True
    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        raise _NotKnown
    if t is core.Character:
        acc.append((node.value, node.value))
        return node.positive
    if t is core.Range:
        acc.append((node.lower, node.upper))
        return node.positive
    if t in (core.String, core.Literal):
        acc.extend((c, c) for c in node.characters)
        return True
    if t is core.SetUnion:
        return node.positive and all([_consumed(core, i, acc) for i in node.items])
    if isinstance(node, (core.SetBase, core.Property, core.Any)):
        return False
    raise _NotKnown


def _first(core, node, acc: list) -> bool:
    """Add to ``acc`` every character a match of ``node`` can start with; whether it can be empty.
    Raises _NotKnown when that is an open set."""
    t = type(node)
    if t is core.Sequence:
        for i in node.items:
            if not _first(core, i, acc):
                return False
        return True
    if t is core.Branch:
        return any([_first(core, b, acc) for b in node.branches])
    if t in (core.Group, core.Atomic):
        return _first(core, node.subpattern, acc)
    if t.__name__ in _REPEATS:
        return _first(core, node.subpattern, acc) or node.min_count == 0
    if t is core.LookAround or isinstance(node, core.ZeroWidthBase):
        return True  # reads, takes nothing: the first character comes after it
    if t in (core.String, core.Literal):
        if node.case_flags or not node.characters:
            raise _NotKnown
        acc.append((node.characters[0], node.characters[0]))
        return False
    if t in (core.Character, core.Range, core.SetUnion) and _consumed(core, node, acc):
        return False
    raise _NotKnown


def _width(core, node) -> float:
    """The most characters ``node`` can take (inf: no bound)."""
    t = type(node)
    if t is core.Sequence:
        return sum(_width(core, i) for i in node.items)
    if t is core.Branch:
        return max(_width(core, b) for b in node.branches)
    if t in (core.Group, core.Atomic):
        return _width(core, node.subpattern)
    if t.__name__ in _REPEATS:
        return float("inf") if node.max_count is None else node.max_count * _width(core, node.subpattern)
    if t is core.LookAround or isinstance(node, core.ZeroWidthBase):
        return 0
    if t in (core.String, core.Literal):
        return len(node.characters)
    if t in (core.Character, core.Range, core.Property) or isinstance(node, (core.SetBase, core.Any)):
        return 1
    raise _NotKnown


def _ahead(core, node) -> float:
    """The most characters a lookaround inside ``node`` reads past the place it stands."""
    t = type(node)
    if t is core.LookAround:
        return _ahead(core, node.subpattern) + (0 if node.behind else _width(core, node.subpattern))
    if t is core.Sequence:
        return max([_ahead(core, i) for i in node.items], default=0)
    if t is core.Branch:
        return max(_ahead(core, b) for b in node.branches)
    if t in (core.Group, core.Atomic) or t.__name__ in _REPEATS:
        return _ahead(core, node.subpattern)
    return 0


def first_chars(pattern: str, flags: int = 0) -> set[str] | None:
    """Every character a match of ``pattern`` can start with (None when not known, or when a
    match can be empty)."""
    try:
        core, _, parsed = _parsed(pattern, flags)
        acc: list = []
        if _first(core, parsed, acc):
            return None
    except Exception:
        return None
    return {chr(c) for lo, hi in acc for c in range(lo, hi + 1)}


def cut_points(pattern: str, flags: int = 0) -> tuple[str, str, int] | None:
    """Where a scan with ``pattern`` may be cut: (a class of the characters that no match of a
    closed alternative takes, the characters that start the open alternatives, how far past its
    place a lookaround reads), or None when not known.

    An alternative (of the top-level branches, flattened) is closed when what it can take is a
    finite set of characters; open when it can take a negated class (《[^《》]{1,200}》): an
    open one must start with one of a finite set of characters, its openers. A character of
    the first class that is not an opener then lies in no match once the openers before it
    are passed (see QuantityStage._cut_matches)."""
    try:
        core, _, parsed = _parsed(pattern, flags)

        def alternatives(node):
            t = type(node)
            if t is core.Branch:
                return [a for b in node.branches for a in alternatives(b)]
            if t is core.Group or t is core.Sequence and len(node.items) == 1:
                return alternatives(node.subpattern if t is core.Group else node.items[0])
            return [node]

        closed: list = []
        openers: list = []
        for alt in alternatives(parsed):
            acc: list = []
            if _consumed(core, alt, acc):
                closed += acc
            elif _first(core, alt, openers):
                return None  # an open alternative that can match nothing
        reach = _ahead(core, parsed)
    except Exception:
        return None
    if reach == float("inf") or not closed:
        return None
    if sum(hi - lo + 1 for lo, hi in closed) > 0x10000:
        return None  # wide ranges: no character is left out of them worth the class
    taken = {c for lo, hi in closed for c in range(lo, hi + 1)}
    opening = {c for lo, hi in openers for c in range(lo, hi + 1)}
    if opening & taken or len(opening) > 64:
        return None  # an opener some closed alternative takes: not a place to cut at
    return _class(taken, negated=True), "".join(map(chr, sorted(opening))), int(reach)


def _class(codes: set[int], negated: bool = False) -> str:
    """A character class of the code points ``codes``, written as ranges."""
    out, run = [], []
    for c in sorted(codes):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            out.append((run[0], run[-1]))
        run = [c]
    if run:
        out.append((run[0], run[-1]))
    body = "".join(regex.escape(chr(lo)) if lo == hi else f"{regex.escape(chr(lo))}-{regex.escape(chr(hi))}"
                   for lo, hi in out)
    return "[" + ("^" if negated else "") + body + "]"


_FLAGS = regex.compile(r"\(\?[a-zA-Z]+\)")  # flags set inline: they may act on branches left out


def _NO_MATCH(text: str, pos: int) -> None:
    """The match at an opener when no skip branch can start there: none."""
    return None


class QuantityStage:
    name = "quantities"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("quantities.yaml")
        if not isinstance(data, dict):
            raise RuleError(path, None, "quantities.yaml must be a mapping")

        def line(key, d=data):
            return d.line_of(key) if hasattr(d, "line_of") else getattr(d, "line", None)

        def words(key, d=data):
            return rules.words(d, key, path)

        def piece(key, d=data):
            """A pattern fragment under ``key``, macros expanded and checked alone."""
            pat = d.get(key) if isinstance(d, dict) else None
            if not isinstance(pat, str) or not pat:
                raise RuleError(path, line(key, d), f"{key!r} must be a non-empty pattern string")
            pat = self._local(pat)
            rules.compile(pat, path, line(key, d))
            return rules.expand(pat, path, line(key, d))

        self._macros: dict[str, str] = {}
        nums = data.get("numbers")
        if not isinstance(nums, dict):
            raise RuleError(path, line("numbers"), "numbers must map arabic/chinese/not_after to patterns")
        self._macros["NUM"] = "(?:" + piece("arabic", nums) + ")"
        self._macros["CN"] = "(?:" + piece("chinese", nums) + ")"
        not_after = piece("not_after", nums)

        # units, each with the characters after it that show another word
        units = data.get("units")
        if not isinstance(units, dict) or not units.get("classifiers") or not units.get("measures"):
            raise RuleError(path, line("units"), "units must have non-empty lists 'classifiers' and 'measures'")
        self.classifiers = set(words("classifiers", units))
        self.measures = set(words("measures", units))
        exc = data.get("unit_exceptions") or {}
        if not isinstance(exc, dict):
            raise RuleError(path, line("unit_exceptions"), "unit_exceptions must map a unit to a list of words")
        all_units = self.classifiers | self.measures
        for u in exc:
            if u not in all_units:
                raise RuleError(path, line(u, exc), f"unit_exceptions names {u!r}, which is not a unit")
            words(u, exc)
        # word lists as tries (word_trie): the same matches as their alternations, tried faster
        unit_alt = word_trie(all_units, {u: f"(?!{word_trie(exc[u])})" for u in exc})

        mult = word_trie(words("multipliers"))
        pre = word_trie(words("approx_prefixes"))
        marks = word_trie(words("approx_marks"))
        post = word_trie(words("approx_suffixes"))
        bound = word_trie(words("bound_prefixes"))
        tail = word_trie(words("limit_suffixes") + words("rate_marks"))
        rng = piece("range_marks")
        freq = data.get("frequency")
        if not isinstance(freq, dict):
            raise RuleError(path, line("frequency"), "frequency must be a mapping with units and before")
        self.freq_units = set(words("units", freq))
        self.freq_before = regex.compile("(?:" + piece("before", freq) + r")\Z")

        cn = data.get("chinese")
        if not isinstance(cn, dict):
            raise RuleError(path, line("chinese"), "chinese must be a mapping")
        try:
            self.cn_min = float(cn.get("min_value", 10))
        except (TypeError, ValueError):
            raise RuleError(path, line("min_value", cn), "min_value must be a number") from None
        self.cn_not_after = regex.compile(piece("not_after", cn))
        self.cn_dash = regex.compile(piece("dashes", cn))
        self.cn_place = regex.compile(alternation(words("place_suffixes", cn)))

        # skip branches, each checked alone for a precise error
        skips = data.get("skip")
        if not isinstance(skips, list) or not skips:
            raise RuleError(path, line("skip"), "skip must be a non-empty list of {name, pattern}")
        branches = []
        for s in skips:
            if not isinstance(s, dict) or "pattern" not in s or "name" not in s:
                raise RuleError(path, getattr(s, "line", line("skip")), "each skip entry needs a name and a pattern")
            branches.append(literal_groups_as_tries(piece("pattern", s)))  # same matches, faster
        skip_alt = "|".join(f"(?:{b})" for b in branches)

        number = r"(?:(?P<an>{NUM})|(?P<cn>{CN}))"
        # What must come right after a number for the rest to match: a space, a range mark,
        # or the first character of an approximation mark, multiplier or unit. Checked first,
        # so a number not followed by one (2025年, 3月) fails at once instead of being retried
        # shorter through every optional part and the long unit alternation. Only a
        # restatement of what follows, so the matches are the same.
        def starts(ws):
            return "".join(sorted({regex.escape(w[0]) for w in ws}))
        tail_words = words("approx_marks") + words("multipliers") + sorted(all_units)
        after2 = f"(?=[{starts(tail_words)}]|{{SP}})"
        after1 = f"(?=[{starts(tail_words)}]|{{SP}}|{rng})"

        def g(name, body, named):
            return f"(?P<{name}>{body})" if named else f"(?:{body})"

        def after_number(named):
            """What follows the number, up to the unit (the groups named, or not)."""
            return (
                rf"{after1}"
                rf"(?:{{SP}}?{g('rng', rng, named)}{{SP}}?"
                rf"(?:{g('an2', '{NUM}', named)}|{g('cn2', '{CN}', named)}){after2})?"
                rf"{{SP}}?{g('a1', marks, named)}?{g('mult', mult, named)}?{g('a2', marks, named)}?{{SP}}?"
                rf"{g('unit', unit_alt, named)}"
            )
        # The requirement word, spaces and approximation word before the number: the same
        # matches, tried in the same order, as (?P<bound>..)?{SP}?(?P<pre>..)?{SP}? — with a
        # bound word; else a space first; else an approximation word; else nothing (a lone
        # second space is the lone first space). Each branch starts with something the
        # engine can test at once, where four optional groups were entered at every place.
        prefix = (
            rf"(?:(?P<bound>{bound}){{SP}}?(?P<pre>{pre})?{{SP}}?"
            rf"|{{SP}}(?P<pre>{pre})?{{SP}}?"
            rf"|(?P<pre>{pre}){{SP}}?)?"
        )
        qty = (
            rf"{prefix}"
            rf"(?<!{not_after}){number}{after_number(True)}"
            rf"(?P<post>{post})?"
            rf"(?P<tail>{tail})?"
        )
        self._skip_sources = branches  # (for _cut_scan)
        self._q_source = rules.expand(self._local(qty), path, line("units"))
        pattern = f"(?P<skip>{skip_alt})|(?P<q>{self._local(qty)})"
        self.scanner = rules.compile(pattern, path, line("units"), flags=regex.M)
        # Lines that can hold an amount: where a number's last character is followed by
        # what the rest of an amount needs (see _matches).
        self.cue = None
        self._cut = None
        if within_lines(self.scanner.pattern, regex.M):
            last = last_chars(rules.expand(self._local("(?:{NUM})|(?:{CN})"), path, line("numbers")))
            if last is not None:
                self.cue = rules.compile(last + self._local(after_number(False)), path, line("units"))
                self._cut = self._cut_scan()
        self._gi = self.scanner.groupindex
        self._qgroups = itemgetter(*(self._gi[k] - 1 for k in (
            "bound", "pre", "an", "cn", "rng", "an2", "cn2", "a1", "mult", "a2", "unit", "post", "tail")))
        self._q = self._gi["q"]
        # each multiplier as an integer factor (parse_number's own reading of it), "" for none
        self._mult_int = {"": 1}
        for w in words("multipliers"):
            f = parse_number("1" + w)
            if f is not None and f == int(f) and all(c in CN_MULTIPLIER_CHARS for c in w):
                self._mult_int[w] = int(f)

        # what is counted: after a classifier, else before the number
        nm = data.get("names")
        if not isinstance(nm, dict):
            raise RuleError(path, line("names"), "names must be a mapping")
        try:
            max_chars = int(nm.get("max_chars", 10))
        except (TypeError, ValueError):
            raise RuleError(path, line("max_chars", nm), "max_chars must be an integer") from None
        stop = nm.get("stop_chars") or ""
        if not isinstance(stop, str):
            raise RuleError(path, line("stop_chars", nm), "stop_chars must be a string of characters")
        cues = alternation(words("cues", nm))
        links = alternation(words("cue_links"))
        name_char = rf"[^\P{{Han}}{regex.escape(stop)}]" if stop else r"\p{Han}"
        self.name_after = regex.compile(rf"{name_char}{{0,{max(0, max_chars - 2)}}}?(?:{cues})")
        self.name_before = regex.compile(rf"(?P<name>{cues})(?:{links})?[ \t\u3000]?\Z")
        self.indicator_before = regex.compile(
            rf"(?:{alternation(words('indicator_cues'))})(?:{links})?[ \t\u3000]?\Z")
        self.overlap_kinds = OVERLAP_KINDS

    def _cut_scan(self):
        """What :meth:`_cut_matches` needs, or None (then lines are scanned whole): searches for the
        characters no match takes, forwards and backwards, and for the openers (see
        :func:`cut_points`); how far past the end of a run a scan must see; and what matches at an
        opener: the skip branches that can start with one, in their order (the others fail there,
        so the first of these that matches is the scanner's match), or None when an amount can
        start with an opener (then the scanner itself is tried there)."""
        cut = cut_points(self.scanner.pattern, self.scanner.flags)
        if cut is None:
            return None
        x_class, openers, reach = cut
        opening = set(openers)

        def can_open(source: str) -> bool:
            first = first_chars(source, regex.M)
            return first is None or bool(first & opening)

        at_opener = None
        sources = [*self._skip_sources, self._q_source]
        if openers and not can_open(self._q_source) and not any(_FLAGS.search(b) for b in sources):
            skips = [b for b in self._skip_sources if can_open(b)]
            at_opener = regex.compile("|".join(f"(?:{b})" for b in skips), regex.M).match if skips else _NO_MATCH
        return (regex.compile(x_class).search, regex.compile(x_class, regex.REVERSE).search,
                regex.compile(_class({ord(c) for c in openers})).search if openers else None, reach + 2, at_opener)

    def _local(self, pattern: str) -> str:
        """Expand this file's own macros ({NUM}, {CN}); the rule set expands the rest."""
        for k, v in self._macros.items():
            pattern = pattern.replace("{" + k + "}", v)
        return pattern

    # -- per document --------------------------------------------------------
    def __call__(self, doc: Doc) -> None:
        text = doc.text
        owned = sorted((s.start, s.end) for s in doc.spans if s.kind in self.overlap_kinds)
        starts = [a for a, _ in owned]
        ends_max = []  # running max of ends, for an overlap test by bisection
        m_ = -1
        for _, e in owned:
            m_ = max(m_, e)
            ends_max.append(m_)

        def overlaps(a: int, b: int) -> bool:
            i = bisect.bisect_left(starts, b)  # spans starting before b
            return i > 0 and ends_max[i - 1] > a

        qi = self._q
        for m in self._matches(text):
            if m.start(qi) < 0:
                continue
            res = self._read(m, text)
            if res is None:
                continue
            start, end, value, unit, attrs = res
            if doc.masked(start, end) or overlaps(start, end):
                continue
            doc.add("quantity", start, end, value=value, unit=unit,
                    name=self._name(text, m, unit, start), attrs=attrs)

    def _matches(self, text: str):
        """The matches of ``scanner.finditer(text)`` in the lines that can hold an amount.

        No match takes in a line break (``within_lines``, checked when the rules are read), so
        each line is scanned alone, from its start, as the whole text would be: what an earlier
        line matched ends before the line starts. A line can hold an amount only where the
        number's last character is followed by what the rest of the amount needs, which
        ``cue`` (that character, then the amount's own pattern up to its unit) finds; the
        other lines, most of the text, are not scanned. Without a cue, the whole text is."""
        cue = self.cue
        if cue is None:
            yield from self.scanner.finditer(text)
            return
        if self._cut is not None:
            yield from self._cut_matches(text)
            return
        search, finditer = cue.search, self.scanner.finditer
        n, pos = len(text), 0
        while True:
            c = search(text, pos)
            if c is None:
                return
            s = c.start()
            nl = text.find("\n", s)
            end = n if nl < 0 else nl + 1  # the line break included: a lookahead at the end sees it
            yield from finditer(text, text.rfind("\n", 0, s) + 1, end)
            if nl < 0:
                return
            pos = end

    def _cut_matches(self, text: str):
        """The matches of ``scanner.finditer(text)`` that can be amounts (and some others), each
        found by scanning a few characters around a place where a number can end.

        A character of ``x`` (cut_points: none a closed alternative takes, and no opener) lies in no
        match once no opener stands between it and a place ``p`` where the whole scan would be
        searching too: then a search from just after it finds what the whole scan finds from there
        on. At ``p`` = 0, the scan is there. Going through the text in order:

        * at an opener, the whole scan is searching there too (no match started before it takes
          it): ``scanner.match`` there is its match (a skip branch's, when no amount can start
          with an opener: then only those branches are tried), and ``p`` moves past it;
        * where ``cue`` matches (a number's last character followed by the rest of an amount up to
          its unit), an amount can be: the run of characters around it with none of ``x``, from just
          after the last one before it (or ``p``) to the first one after it (``e``), is scanned
          alone. No match takes ``e``, so none found there ends past it; and what a match starting
          before ``e`` reads lies before ``e + reach``, the end given to the scan. Its matches
          before ``e`` are the whole scan's, and ``p`` moves to ``e``.

        Every amount is in such a run: ``cue`` matches at its number's last character, and the
        amount holds no character of ``x``."""
        x_after, x_before, opener, reach, at_opener = self._cut
        cue, finditer, match = self.cue.search, self.scanner.finditer, self.scanner.match
        n = len(text)
        p, s, o = 0, -1, -1  # where the whole scan is; the next amount's place; the next opener
        while True:
            if s < p:
                c = cue(text, p)
                if c is None:
                    return
                s = c.start()
            if o < p:
                om = opener(text, p) if opener is not None else None
                o = om.start() if om is not None else n
            if o <= s:  # an opener first: pass it as the whole scan does
                if at_opener is not None:  # what matches there is skipped
                    m = at_opener(text, o)
                    p = o + 1 if m is None else m.end()
                    continue
                m = match(text, o)
                if m is None:
                    p = o + 1
                else:
                    yield m
                    p = m.end()
                continue
            k = x_before(text, p, s)
            em = x_after(text, s)
            e = em.start() if em is not None else n
            for m in finditer(text, k.end() if k is not None else p, min(n, e + reach)):
                if m.start() >= e:
                    break
                yield m
            p = e if e > s else s + 1

    def _read(self, m, text: str):
        """(start, end, value, unit, attrs) of a quantity match, or None to drop it."""
        # the groups read once, by number (m.group(name) looks each name up again)
        bound, pre, an, cn, rng, an2, cn2, a1, mult, a2, unit, post, tail = self._qgroups(m.groups())
        if bound or tail:
            return None  # a requirement (至少1次), a time limit (24小时内) or a rate (万吨/日)
        gi = self._gi
        start = m.start(gi["pre"]) if pre else m.start(gi["an"]) if an else m.start(gi["cn"])
        end = m.end(gi["post"]) if post else m.end(gi["unit"])
        mult = mult or ""
        if cn is not None:
            value = cn_to_number(cn + mult)
            if value is None or value < self.cn_min:
                return None
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if before and self.cn_not_after.fullmatch(before):
                return None  # 数十家, 几十个: not a number of 10
            if (before and self.cn_dash.fullmatch(before)) or (after and self.cn_dash.fullmatch(after)):
                return None  # a name between dashes: 大嘴巴——三千亩——原天泓港口码头
            if self.cn_place.match(text, end):
                return None  # a place: 百亩村
        else:
            value = self._arabic(an, mult)
            if value is None:
                return None
        if self.indicator_before.search(text, max(0, start - 12), start):
            return None  # 重污染天数2天: an indicator's value
        if unit in self.freq_units and self.freq_before.search(text, max(0, start - 16), start):
            return None  # 每月1次: a frequency, not a count of what was done
        attrs: dict = {}
        if rng:
            hi = cn_to_number(cn2 + mult) if cn2 else self._arabic(an2, mult)
            if hi is None or hi <= value:
                return None
            attrs["max"] = hi
        if unit in self.classifiers and value != int(value):
            return None  # 2.10个: a list number run into a count, not 2.1 things
        if pre or a1 or a2 or post:
            attrs["approximate"] = True
        return start, end, value, unit, attrs

    def _arabic(self, digits: str, mult: str) -> float | None:
        """``parse_number(digits + mult)``; plain ASCII digits (the common case) in integer
        arithmetic, which gives the same float (both exact, then rounded once)."""
        if digits.isascii() and digits.isdigit():
            factor = self._mult_int.get(mult)
            if factor is not None:
                return float(int(digits) * factor)
        return parse_number(digits + mult)

    def _name(self, text: str, m, unit: str, start: int) -> str:
        """What is counted, where the text says: 56个排口 -> 排口, 宣传手册11万余册 -> 宣传手册."""
        end = m.end()
        if unit in self.classifiers:
            after = self.name_after.match(text, end)
            if after:
                return after.group(0)
        before = self.name_before.search(text, max(0, start - 14), start)
        return before.group("name") if before else ""
