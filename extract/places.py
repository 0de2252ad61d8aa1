"""Places: administrative divisions and named water bodies.

One Aho-Corasick automaton over every division's full name and short form
(rules/gazetteer.tsv) and every named water body (rules/water_bodies.tsv),
built once per rule set and shared with the orgs stage, which reads the
divisions that open a body's name. Matches are taken leftmost-longest, so
资阳区 is one place and not 资阳 + 区, and 湖南县级 reads 湖南 and not 南县.

A full name is a place. A short form is one only when the document makes it
one (see rules/places.yaml); when it names several divisions, the one in the
document's own province and city wins.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from operator import itemgetter
from typing import Iterable

import ahocorasick

try:  # a compiled automaton (Rust): many times faster than pyahocorasick on large Han lexicons
    import ahocorasick_rs
    # the contiguous NFA: as fast as the DFA alone, and small enough to stay in the CPU's caches
    # between one document's stages
    _IMPL = ahocorasick_rs.Implementation.ContiguousNFA
except ImportError:  # pragma: no cover - the same matches, only slower
    ahocorasick_rs = None

from .doc import Doc, Span
from .memo import TextMemo
from .rules import RuleError, RuleSet

GAZ_COLUMNS = ("code", "name", "short", "level", "province", "city")
_START, _END = itemgetter(0), itemgetter(1)
WATER_COLUMNS = ("name", "kind", "province", "city")
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}  # at an equal fit, the larger division first


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # full name: 益阳市, 赫山区, 大通湖
    short: str
    level: str  # province, city, county, or the water body's kind (lake, river …)
    province: str
    city: str
    code: str = ""

    @property
    def is_division(self) -> bool:
        return self.level in ("province", "city", "county")


class Lexicon:
    """Words found in a text by one Aho-Corasick automaton.

    :meth:`all` gives every match, overlapping, ordered by end and, at one end,
    longest first; :meth:`longest` the leftmost-longest matches that do not
    overlap. Each match is (index of the word in ``words``, start, end).
    Uses ``ahocorasick_rs`` when installed (pyahocorasick walks the thousands
    of first characters of a Han lexicon one by one), else pyahocorasick.
    """

    def __init__(self, words: Iterable[str], longest: bool = False):
        """``longest``: build the automaton for :meth:`longest` now (else on its first use)."""
        self.words = list(dict.fromkeys(words))
        self._ll = None
        if ahocorasick_rs is not None and self.words:
            self._all = ahocorasick_rs.AhoCorasick(self.words, implementation=_IMPL)
            self._py = None
            if longest:
                self._longest_automaton()
        else:
            self._all = None
            self._python_automaton()

    def _python_automaton(self):
        self._py = ahocorasick.Automaton()
        for i, w in enumerate(self.words):
            self._py.add_word(w, (i, len(w)))
        if self.words:
            self._py.make_automaton()
        return self._py

    def all(self, text: str) -> list[tuple[int, int, int]]:
        if self._all is not None:
            try:
                return self._all.find_matches_as_indexes(text, overlapping=True)
            except UnicodeEncodeError:  # a lone surrogate, which has no UTF-8: read it as pyahocorasick does
                pass
        if not self.words:
            return []
        py = self._py if self._py is not None else self._python_automaton()
        return [(i, e + 1 - n, e + 1) for e, (i, n) in py.iter(text)]

    def _longest_automaton(self):
        self._ll = ahocorasick_rs.AhoCorasick(self.words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                              implementation=_IMPL)
        return self._ll

    def longest(self, text: str) -> list[tuple[int, int, int]]:
        if self._all is not None:
            ll = self._ll if self._ll is not None else self._longest_automaton()
            try:
                return ll.find_matches_as_indexes(text)
            except UnicodeEncodeError:  # a lone surrogate: as :meth:`all` reads it
                pass
        out, last = [], 0
        for i, s, e in sorted(self.all(text), key=lambda m: (m[1], -m[2])):
            if s >= last:
                out.append((i, s, e))
                last = e
        return out


class HandedWords:
    """Words a later stage looks for, and where they start in a text.

    The orgs stage's automaton holds these words too and hands on their starts
    in the document it read (:meth:`remember`), so the later stage makes no pass
    of its own over the same text; run without it, the stage finds them itself.
    """

    def __init__(self, words: Iterable[str]):
        self.words = list(dict.fromkeys(words))
        self.lexicon = Lexicon(self.words)
        self._handed = TextMemo()

    def remember(self, text: str, starts: list[int]) -> None:
        """Keep the starts of every (overlapping) match of the words in ``text``, found by another stage."""
        self._handed.put(text, starts)

    def starts(self, text: str) -> list[int]:
        """Where a word starts in ``text``: every overlapping match's start, unordered, maybe repeated."""
        got = self._handed.get(text)
        return got if got is not None else [s for _, s, _ in self.lexicon.all(text)]


_HANDED: "weakref.WeakKeyDictionary[RuleSet, dict]" = weakref.WeakKeyDictionary()


def handed_words(rules: RuleSet, key: str, words) -> HandedWords:
    """The words ``key`` of a rule set (``words(rules)`` makes the list), built once and shared."""
    got = _HANDED.setdefault(rules, {})
    if key not in got:
        got[key] = HandedWords(words(rules))
    return got[key]


class Gazetteer:
    """Divisions and water bodies, and the automaton that finds them."""

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("places.yaml")
        self.not_places = set(rules.words(data, "not_places", path))
        self.place_after = tuple(rules.words(data, "place_after", path))
        self.not_after = tuple(rules.words(data, "not_after", path))
        area = data.get("area_suffix", "区")
        if not isinstance(area, str) or not area:
            raise RuleError(path, getattr(data, "line", None), "area_suffix must be a non-empty string")
        self.area_suffix = area
        self.area_not_after = tuple(rules.words(data, "area_not_after", path))
        self.level_chars = set(rules.words(data, "level_chars", path))
        self.by_full: dict[str, list[Place]] = {}
        self.by_short: dict[str, list[Place]] = {}
        self.water: dict[str, Place] = {}
        levels = {"province", "city", "county"}
        for row in rules.tsv("gazetteer.tsv", GAZ_COLUMNS, key="code"):
            if row["level"] not in levels:
                raise RuleError(row["_file"], row.line, f"level must be one of {sorted(levels)}, got {row['level']!r}")
            p = Place(row["name"], row["short"], row["level"], row["province"], row["city"], row["code"])
            self.by_full.setdefault(p.name, []).append(p)
            if p.short and p.short != p.name:
                self.by_short.setdefault(p.short, []).append(p)
        for row in rules.tsv("water_bodies.tsv", WATER_COLUMNS, key="name"):
            if not row["kind"]:
                raise RuleError(row["_file"], row.line, f"water body {row['name']!r} has no kind")
            self.water[row["name"]] = Place(row["name"], "", row["kind"], row["province"], row["city"])
        self.lexicon = Lexicon(sorted(set(self.by_full) | set(self.by_short) | set(self.water)), longest=True)
        # the full names that name one place (and are places): what context() counts
        self._unique_full = {k: v[0] for k, v in self.by_full.items() if len(v) == 1 and k not in self.not_places}
        self._matches = TextMemo()  # a document's doc_matches(), handed on by orgs
        self._doc_scans = TextMemo()  # a document's doc_scan()
        self._scans: dict[str, list] = {}  # scan() of short strings (names, issuers), which recur

    # -- matching --------------------------------------------------------------
    def all_matches(self, text: str) -> list[tuple[int, int, str]]:
        """Every match, overlapping: (start, end, key), by end and, at one end, longest first."""
        keys = self.lexicon.words
        return [(s, e, keys[i]) for i, s, e in self.lexicon.all(text)]

    def doc_matches(self, text: str) -> list[tuple[int, int, str]]:
        """:meth:`all_matches` of a document's text, kept for the next stage that asks
        (orgs, then places, read the same text)."""
        got = self._matches.get(text)
        return got if got is not None else self._matches.put(text, self.all_matches(text))

    def remember(self, text: str, matches: list[tuple[int, int, str]]) -> None:
        """Keep ``matches``, the :meth:`all_matches` of ``text`` that a stage found in a pass of its own
        (the orgs stage's automaton holds the gazetteer's words), for :meth:`doc_matches`."""
        self._matches.put(text, matches)

    def doc_scan(self, text: str) -> list[tuple[int, int, str]]:
        """:meth:`scan` of a document's text, kept for the next reader of the same text."""
        got = self._doc_scans.get(text)
        # else from the matches the orgs stage handed on: a second pass over the text costs more
        return got if got is not None else self._doc_scans.put(text, self.scan(text, self.doc_matches(text)))

    def scan(self, text: str, matches: list | None = None) -> list[tuple[int, int, str]]:
        """Leftmost-longest matches that do not overlap, in text order."""
        if matches is None:
            if len(text) > 64:
                keys = self.lexicon.words
                return [(s, e, keys[i]) for i, s, e in self.lexicon.longest(text)]
            got = self._scans.get(text)
            if got is None:
                if len(self._scans) > 50_000:
                    self._scans.clear()
                keys = self.lexicon.words
                got = self._scans[text] = [(s, e, keys[i]) for i, s, e in self.lexicon.longest(text)]
            return list(got)
        # by start, and at one start longest first (two stable sorts: faster than a key of tuples)
        ms = sorted(matches, key=_END, reverse=True)
        ms.sort(key=_START)
        out, last = [], 0
        for m in ms:
            if m[0] >= last:
                out.append(m)
                last = m[1]
        return out

    def is_division_word(self, key: str) -> bool:
        return key in self.by_full or key in self.by_short

    # -- context -----------------------------------------------------------------
    def count(self, found: list, w: int, prov: dict, city: dict) -> None:
        """Add ``w`` to the province and city of each full name in ``found`` (a :meth:`scan`) that names one place."""
        unique = self._unique_full
        for _, _, k in found:
            p = unique.get(k)
            if p is None:
                continue
            prov[p.province] = prov.get(p.province, 0) + w
            if p.city:
                city[p.city] = city.get(p.city, 0) + w

    def best(self, cands: list[Place], prov: dict, city: dict) -> Place | None:
        """The candidate that fits the document's places best; None when none fits and several exist."""
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        scored = sorted(cands, key=lambda p: (-(city.get(p.city, 0) * 2 + prov.get(p.province, 0)),
                                              _LEVEL_RANK.get(p.level, 3)))
        top = scored[0]
        if len(cands) > 1 and not (city.get(top.city, 0) or prov.get(top.province, 0)):
            return None
        return top

    def fits(self, cands: list[Place], prov: dict) -> bool:
        for p in cands:  # (any() over a generator costs more, and most lists hold one place)
            if prov.get(p.province, 0):
                return True
        return False


_SHARED: "weakref.WeakKeyDictionary[RuleSet, Gazetteer]" = weakref.WeakKeyDictionary()


def gazetteer(rules: RuleSet) -> Gazetteer:
    """The gazetteer of a rule set, built once and shared by the stages that need it."""
    g = _SHARED.get(rules)
    if g is None:
        g = _SHARED[rules] = Gazetteer(rules)
    return g


def doc_context(gaz: Gazetteer, doc: Doc) -> tuple[dict[str, int], dict[str, int]]:
    """The document's provinces and cities: its issuers count most (5), then its title (2), then each
    full name of its text (1). Plain dicts (Counter's += is slower), read by get."""
    prov: dict[str, int] = {}
    city: dict[str, int] = {}
    for t in (str(x) for x in (doc.meta.get("issuers") or [])):
        gaz.count(gaz.scan(t), 5, prov, city)
    gaz.count(gaz.scan(doc.meta.get("title") or ""), 2, prov, city)
    gaz.count(gaz.doc_scan(doc.text), 1, prov, city)
    return prov, city


def _attrs(place: Place) -> dict:
    """The attrs of a place's span."""
    return {"level": place.level, "province": place.province, "city": place.city, "code": place.code}


class PlaceStage:
    name = "places"

    def __init__(self, rules: RuleSet):
        self.gaz = gazetteer(rules)
        gaz = self.gaz
        # full names _read takes without looking past them (longer than two characters, or not places)
        self._plain = {k for k in gaz.by_full if len(k) > 2 or k in gaz.not_places}
        # the plain names whose reading the document cannot change (not places, or one place of that
        # name): read once, here, as _read reads them (the place, where it ends after the name, its attrs)
        self._fixed: dict[str, tuple] = {}
        for k in self._plain:
            full = gaz.by_full[k]
            if k in gaz.not_places:
                place = gaz.water.get(k)
            elif len(full) == 1:
                place = full[0]
            else:
                continue
            self._fixed[k] = (place, 0, None if place is None else _attrs(place))
        # of each short form, the full names it shortens, and whether one of them is a province
        self._short_names = {k: {p.name for p in v} for k, v in gaz.by_short.items()}
        self._short_province = {k for k, v in gaz.by_short.items() if any(p.level == "province" for p in v)}
        # what __call__ reads after a name: its first four characters, and those the area test reads
        self._after_len = max(4, len(gaz.area_suffix) + max(map(len, gaz.area_not_after), default=0))
        self._seen: dict[tuple[str, str], tuple] = {}  # (name, what follows it) -> its reading's key

    def __call__(self, doc: Doc) -> None:
        gaz, text = self.gaz, doc.text
        found = gaz.doc_scan(text)
        if not found:
            return
        prov, city = doc_context(gaz, doc)
        people = None  # 1 where a person's name stands
        for sp in doc.spans:
            if sp.kind == "person":
                if people is None:
                    people = bytearray(len(text))
                people[sp.start:sp.end] = b"\x01" * (sp.end - sp.start)
        # a name read once per document for each reading of what follows it (the same place recurs):
        # the tests below are all that _read asks of the text after a name
        read: dict = {}
        plain, place_after, not_after = self._plain, gaz.place_after, gaz.not_after
        area, area_not_after = gaz.area_suffix, gaz.area_not_after
        masked, spans, fixed = doc.masked, doc.spans, self._fixed
        seen_of, after_len = self._seen, self._after_len
        # masks are few: of each run of eight names, one test whether a mask falls in the stretch they
        # cover, and each name of it tested only when one does
        n = len(found)
        block_masked = [masked(found[i][0], found[min(i + 8, n) - 1][1]) for i in range(0, n, 8)]
        for i, (s, e, key) in enumerate(found):
            if (block_masked[i >> 3] and masked(s, e)) or (people is not None and people.find(1, s, e) >= 0):
                continue
            got = fixed.get(key)
            if got is None:
                if key in plain:
                    seen = key
                else:
                    # the reading's key, from the characters after the name (kept across documents)
                    after = text[e:e + after_len]
                    seen = seen_of.get((key, after))
                    if seen is None:
                        head = after[:4]
                        if len(seen_of) > 50_000:
                            seen_of.clear()
                        seen = seen_of[(key, after)] = (
                            key, head.startswith(place_after), head.startswith(not_after), head[:1],
                            after.startswith(area) and not after.startswith(area_not_after, len(area)))
                got = read.get(seen)
                if got is None:
                    place, end = self._read(key, text, s, e, prov, city)
                    got = read[seen] = place, end - e, None if place is None else _attrs(place)
            place, end, attrs = got
            if place is None:
                continue
            end += e
            # doc.add's span, made here: the words are text[s:end] by construction, and end > s
            words = text[s:end]
            spans.append(Span("place", s, end, words, place.name, None, "", words, "", "", attrs.copy()))

    def _read(self, key: str, text: str, s: int, e: int, prov: dict, city: dict) -> tuple[Place | None, int]:
        """The place a name stands for, and where it ends. What follows the name is read only by the
        tests that __call__ keys its readings by: keep the two in step."""
        gaz = self.gaz
        after = text[e:e + 4]
        water = gaz.water.get(key)
        full = gaz.by_full.get(key)
        short = gaz.by_short.get(key)
        if water and after.startswith(gaz.area_suffix) and not full \
                and not text[e + len(gaz.area_suffix):].startswith(gaz.area_not_after):
            # 大通湖区: the area named after the lake
            area = key + gaz.area_suffix
            return Place(area, key, "area", water.province, water.city), e + len(gaz.area_suffix)
        if full:
            if key in gaz.not_places:
                return (water, e) if water else (None, e)
            if len(key) <= 2:  # 南县, 沛县: only where the document's province has them
                if after.startswith(gaz.not_after) or not (gaz.fits(full, prov) or after.startswith(gaz.place_after)):
                    return (water, e) if water else (None, e)
            best = gaz.best(full, prov, city)
            if best is None:  # 朝阳区 of Beijing or of Changchun: name the place, not its province
                p = full[0]
                best = Place(p.name, p.short, p.level, "", "", "")
            return best, e
        if short:
            strong = after.startswith(gaz.place_after)
            if key in gaz.not_places or (after.startswith(gaz.not_after) and not strong):
                return (water, e) if water else (None, e)
            province = key in self._short_province
            if after[:1] in gaz.level_chars and not strong and key + after[0] not in self._short_names[key] \
                    and not province:
                return None, e  # 雄安新区 is not 安新县: a level character of another name follows
            strong = strong or len(key) >= 3 or province
            if water:
                # 沅江: the county when the document is about its city, the river otherwise
                local = [p for p in short if city.get(p.city, 0)]
                return (local[0], e) if local else (water, e)
            if not (strong or gaz.fits(short, prov)):
                return None, e
            provinces = [p for p in short if p.level == "province"]
            return gaz.best(short, prov, city) or (provinces[0] if provinces else None), e
        return water, e
