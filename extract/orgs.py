"""Bodies (机关、单位、企业) named in the text, and the bodies responsible for each problem.

A name is found from its right end, a suffix of rules/orgs.yaml (…局, …分局,
…领导小组, …有限公司), and its left edge is sought in the characters before
it, up to punctuation or a bounded window:

* a stop word (组织, 召开, 向, 由, 根据 …) ends what cannot belong to the name;
  a conjunction (和, 与, 及) does so only between two bodies, so 市水利和湖泊局
  stays one name while 湖南省生态环境厅和邵阳市生态环境局 is two;
* the leftmost division of the gazetteer, level character (市生态环境局) or
  anchor word (中共, 中央) after that point starts the name, which drops what
  stands before it (汇报市生态环境局 -> 市生态环境局);
* two bodies written together split where a level character follows a
  complete name (区委区管委会 -> 区委, 区管委会), while a body followed by
  another part (厅党组第九巡察组, 市生态环境局大通湖分局) is one name.

Classes of bodies (各部门, 我局, 相关单位, 某公司), posts (区委书记王新宇 names
a post, not 区委), and words ending in a suffix character (干部, 现场, 局长)
are not names. A short form (区委, 市局, 厅党组) gets its full name in
``attrs['full_name']`` from the issuer's divisions.

All word lists but the stop words are matched by one Aho-Corasick automaton
built once; each candidate then looks at no more than ``max_window``
characters, where a second automaton reads the stop words.
"""
from __future__ import annotations

import bisect
from operator import itemgetter
from dataclasses import dataclass

import regex

from .doc import Doc, Span
from .persons import cue_words
from .places import Gazetteer, HandedWords, Lexicon, gazetteer, handed_words
from .problems import status_words
from .rules import RuleError, RuleSet, alternation

# Kinds of lexicon entries in the automaton.
SFX, LSF, NOLEVEL, ANCHOR, ALONE, STOP, SOFT, TRADE, WORD = range(9)
BLOCKING_KINDS = ("date", "doc_number", "phone", "email", "standard", "cited_doc")
_BLOCKING = frozenset(BLOCKING_KINDS)
# What a word of the stage's automaton does when found (most do one thing): see OrgStage.find.
_A_ANY, _A_SFX, _A_NOLEVEL, _A_COVER, _A_GAZ, _A_HAND, _A_SUFFIX, _A_ANCHOR, _A_TRADE = range(9)
_DISTRICT = regex.compile(r"(\p{Han}{2,4}?区)(?:委员会|管理委员会|人民政府|委|管委会|党工委|政府)")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
# Entries kept of what a name or issuer says of its context and of full names (emptied when full): small,
# because a corpus of many places fills them without end, and memory must not grow with the corpus
# (at 50,000 they held about 12 MB after 10,000 synthetic documents)
_CONTEXT_CACHE = 4096
_BOOK = regex.compile(r"《[^《》\n]{0,200}》")


def _han(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff"


_HAN_RE = regex.compile(r"\p{Han}")


_NONZERO = bytes([0] + [1] * 255)  # translate(): 1 wherever a byte is not 0
_HAN_HIGH = bytes(0 if 0x34 <= b <= 0x9F else 1 for b in range(256))  # high bytes of U+3400..U+9FFF


def _non_han(text: str) -> bytearray:
    """1 for each character of ``text`` that is not Han (outside U+3400..U+9FFF), else 0."""
    raw = text.encode("utf-32-be", "surrogatepass")  # four bytes a character: 0, plane, high, low
    out = bytearray(raw[2::4].translate(_HAN_HIGH))
    planes = raw[1::4]
    if planes.count(0) != len(planes):  # characters beyond the BMP are not Han here
        for k in _ones_at(bytearray(planes.translate(_NONZERO))):
            out[k] = 1
    return out


def _ones_at(flags: bytearray):
    """The indices of the non-zero bytes of a 0/1 bytearray."""
    k = flags.find(1)
    while k >= 0:
        yield k
        k = flags.find(1, k + 1)


@dataclass(slots=True)
class _Here:
    """What the left edge of every candidate name of one document reads."""

    text: str
    blocked: bytearray
    stopper: bytearray
    anchor: bytearray
    has_anchor: bytes
    stops_near: dict  # window -> (how far read, the stop words' matches from the window up to there)
    pat_ms: list  # the stop patterns' matches (start, end), in text order (read without pat_cuts)
    pat_ends: list  # their ends
    pat_cuts: list | None  # where a character of the hint's `cut` stands, in order (see _pat_near)
    covered: bytearray
    sfx_ends: set
    sfx_sorted: list
    doc: Doc


class OrgStage:
    name = "orgs"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("orgs.yaml")
        w = lambda key: rules.words(data, key, path)  # noqa: E731
        self.gaz: Gazetteer = gazetteer(rules)
        self.suffixes = set(w("suffixes"))
        self.level_forms = set(w("level_short_forms"))
        self.level_chars = set(w("level_chars"))
        self.anchor_words = set(w("anchor_words"))
        self.generic_left = tuple(sorted(w("generic_left"), key=len, reverse=True))
        self.generic_parts = tuple(w("generic_parts"))
        self.generic_names = set(w("generic_names"))
        self.generic_cores = set(w("generic_cores"))
        self.not_name_end = tuple(w("not_name_end"))
        # those no longer than the shortest name (a core and a suffix): known from the suffix's end alone
        self._short_not_name_end = tuple(x for x in self.not_name_end if len(x) <= 2)
        self.post_words = tuple(w("post_words"))
        self.leadership = set(w("leadership_suffixes"))
        self.party_bodies = tuple(w("party_bodies"))
        nfb = data.get("not_followed_by")
        if not isinstance(nfb, dict):
            raise RuleError(path, getattr(data, "line", None), "not_followed_by must map a suffix to words")
        self.not_followed = {}
        for k, v in nfb.items():
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise RuleError(path, getattr(nfb, "line", None), f"not_followed_by[{k}] must be a list of words")
            self.not_followed[str(k)] = tuple(v)
        fob = data.get("followed_only_by") or {}
        if not isinstance(fob, dict) or not all(isinstance(v, list) for v in fob.values()):
            raise RuleError(path, getattr(data, "line", None), "followed_only_by must map a suffix to words")
        self.followed_only = {str(k): tuple(v) for k, v in fob.items()}
        self._after: dict[str, tuple] = {}  # per suffix: the words that continue it, the words it needs after it
        for key in ("max_window", "max_name", "max_unanchored"):
            if not isinstance(data.get(key), int) or data[key] < 1:
                raise RuleError(path, getattr(data, "line", None), f"{key} must be a positive integer")
        self.max_window, self.max_name, self.max_unanchored = data["max_window"], data["max_name"], data["max_unanchored"]
        self.max_leadership_core = int(data.get("max_leadership_core", 4))
        self.stop_patterns = rules.pattern(data, "stop_patterns", path)
        self._pat_hint = None  # (cut characters, inner class, longest): see _pat_near
        if rules.beside(data, "stop_patterns_hint", "stop_patterns", path):
            hint = data["stop_patterns_hint"]
            cut = hint.get("cut") if isinstance(hint, dict) else None
            if not (isinstance(cut, list) and cut and all(isinstance(c, str) and len(c) == 1 for c in cut)
                    and isinstance(hint.get("inner"), str) and isinstance(hint.get("longest"), int)
                    and hint["longest"] > 0):
                raise RuleError(path, getattr(data, "line", None),
                                "stop_patterns_hint needs cut (characters), inner (a class) and longest (a number)")
            inner = rules.pattern(hint, "inner", path)
            self._pat_hint = (tuple(dict.fromkeys(cut)), inner, hint["longest"])
        self._inner: dict[str, bool] = {}  # per character: one of the hint's inner class
        self.alias = rules.pattern(data, "alias", path)
        self.full_forms = self._templates(data, "full_forms", path)
        self.fixed_full = self._templates(data, "fixed_full_names", path)
        dep = data.get("department_char")
        if not isinstance(dep, str) or len(dep) != 1:
            raise RuleError(path, getattr(data, "line", None), "department_char must be one character")
        self.department = dep
        self.domain = regex.compile(r"(?:" + "|".join(map(regex.escape, sorted(self.level_chars))) +
                                    r")(\p{Han}{2,10}?)局")

        self.stop_words = set(w("stops"))
        self.level_re = regex.compile("[" + "".join(map(regex.escape, sorted(self.level_chars))) + r"](?=\p{Han})")
        # the characters of that class, each sought by str.find (faster than the regex over a whole text)
        self._level_char_set = sorted(set("".join(self.level_chars)))
        entries: dict[str, set[int]] = {}
        for kind, key in ((SFX, "suffixes"), (LSF, "level_short_forms"), (NOLEVEL, "not_level_words"),
                          (ANCHOR, "anchor_words"), (ALONE, "standalone"), (STOP, "stops"), (SOFT, "soft_stops"),
                          (TRADE, "company_trades"), (WORD, "name_words")):
            for word in w(key):
                entries.setdefault(word, set()).add(kind)
        self.stop_or_soft = {word for word, kinds in entries.items() if STOP in kinds or SOFT in kinds}
        # the other words (what each does is looked up by its index) and the divisions of the gazetteer: one
        # automaton finds them all in one pass over the text (see find). The stop words, half the matches of
        # a text, are read only in the windows of names (a few hundred characters of a document): their own
        # automaton reads each window once (see _suffix_candidates)
        self.stop_lexicon = Lexicon(word for word in entries if word in self.stop_or_soft)
        self._stop_soft_only = [STOP not in entries[word] for word in self.stop_lexicon.words]
        self.lexicon = Lexicon(word for word, kinds in entries.items() if kinds - {STOP, SOFT})
        gz = self.gaz
        # the persons stage's posts and labels and the problems stage's status words ride along:
        # where they start is handed on to those stages (see find)
        # (and the responsible stage's cue words: where it finds none of a cue's, it skips the cue)
        self.handed: list[HandedWords] = [cue_words(rules), status_words(rules)] + [
            h for h in responsible_cue_words(rules) if h is not None]
        # (and, for this stage itself, where the stop patterns' cut characters stand: see _pat_near)
        self._cut_list = None
        if self._pat_hint is not None:
            self._cut_list = len(self.handed)
            self.handed.append(HandedWords(self._pat_hint[0]))
        self.all_words = Lexicon(self.lexicon.words + gz.lexicon.words + [w for h in self.handed for w in h.words])
        handed_sets = [set(h.words) for h in self.handed]
        # a division of the gazetteer opens a name: 2 a full name (strong), 1 a short form or a water body
        self._gaz_anchor = {}
        for key in gz.lexicon.words:
            if key in gz.not_places or (key in self.stop_words and key not in gz.by_full):
                continue
            if key in gz.by_full or key in gz.by_short or key in gz.water:
                self._gaz_anchor[key] = 2 if key in gz.by_full else 1
        lexicon_words, gaz_words = set(self.lexicon.words), set(gz.lexicon.words)
        self._info = []  # per word of all_words: what it does in a name (read for _A_ANY)
        self._acts = []  # _A_SFX: only a one-character suffix; _A_SUFFIX: a suffix and maybe a level form;
        # _A_NOLEVEL, _A_COVER, _A_GAZ, _A_ANCHOR, _A_TRADE: only that
        self._ones = []  # b"\x01" as long as the word
        self._is_gaz = []  # a key of the gazetteer
        self._gaz_ones = []  # (strength, ones) when the division opens a name, else None
        self._hand = []  # the handed word lists (indices into self.handed) that hold the word, or ()
        for word in self.all_words.words:
            k = entries.get(word, set())
            rest = k - {STOP, SOFT} if word in lexicon_words else set()
            sfx_long = SFX in rest and len(word) > 1
            self._info.append((word, SFX in rest, sfx_long, LSF in rest, NOLEVEL in rest, ANCHOR in rest,
                               ALONE in rest, TRADE in rest, ANCHOR in rest or sfx_long or WORD in rest))
            stop = False  # (a stop word is read by the stop words' own automaton: see _suffix_candidates)
            gaz = word in gaz_words
            strength = self._gaz_anchor.get(word, 0) if gaz else 0
            act = _A_ANY
            if not stop and not gaz:
                if rest == {SFX} and not sfx_long:
                    act = _A_SFX
                elif SFX in rest and rest <= {SFX, LSF}:
                    act = _A_SUFFIX  # a suffix of several characters, or a level form too (局, 政府)
                elif rest == {ANCHOR}:
                    act = _A_ANCHOR
                elif rest == {TRADE}:
                    act = _A_TRADE
                elif rest == {NOLEVEL}:
                    act = _A_NOLEVEL
                elif rest == {WORD}:
                    act = _A_COVER
            elif gaz and not stop and not rest:
                act = _A_GAZ
            hand = tuple(k for k, hs in enumerate(handed_sets) if word in hs)
            if hand:  # only handed on, or handed on and more (read by _A_ANY, which does all)
                act = _A_HAND if not (stop or gaz or rest) else _A_ANY
            self._hand.append(hand)
            self._acts.append(act)
            self._ones.append(b"\x01" * len(word))
            self._is_gaz.append(gaz)
            self._gaz_ones.append((strength, b"\x01" * len(word)) if strength else None)
        self.generic_parts_re = regex.compile(alternation(self.generic_parts))
        self.anchor_tuple = tuple(self.anchor_words)
        self.suffix_tuple = tuple(self.suffixes)
        self.leadership_tuple = tuple(self.leadership)
        self._name_tests: dict[tuple[str, str], tuple] = {}  # (name, suffix) -> _name_test()
        self._sources: dict[str, tuple] = {}  # issuer or name -> _source()
        self._districts: dict[tuple[str, str], str] = {}  # (issuer or name, city) -> the district it names, or ""
        self._fulls: dict[tuple, str] = {}  # (name, divisions, domain) -> _full_from_divisions()

    @staticmethod
    def _templates(data, key: str, path) -> dict[str, str]:
        m = data.get(key)
        if not isinstance(m, dict) or not all(isinstance(v, str) and v for v in m.values()):
            raise RuleError(path, getattr(data, "line", None), f"{key} must map words to name templates")
        return {str(k): v for k, v in m.items()}

    # -- the stage ---------------------------------------------------------------
    def __call__(self, doc: Doc) -> None:
        found = self.find(doc)
        ctx = self.context(doc, list(dict.fromkeys(f[2] for f in found)))
        fulls: dict[str, str] = {}
        spans = doc.spans
        for s, e, name in found:
            attrs = {}
            full = fulls.get(name)
            if full is None:
                full = fulls[name] = self.full_name(name, ctx)
            if full and full != name:
                attrs["full_name"] = full
            # doc.add's span, made here: find gives the words text[s:e] as the name, and e > s
            spans.append(Span("org", s, e, name, name, None, "", name, "", "", attrs))

    def find(self, doc: Doc) -> list[tuple[int, int, str]]:
        text = doc.text
        n = len(text)
        if not n:
            return []
        blocked = bytearray(n)
        # 1 where the left edge of a name cannot pass: blocked, or not a Han character
        stopper = _non_han(text)
        book = text.find("《")  # a title opens with it: the scan starts there, or is spared
        for m in (_BOOK.finditer(text, book) if book >= 0 else ()):
            s, e = m.span()
            blocked[s:e] = stopper[s:e] = b"\x01" * (e - s)
        for sp in doc.spans:
            if sp.kind in _BLOCKING:
                s, e = sp.start, sp.end
                blocked[s:e] = stopper[s:e] = b"\x01" * (e - s)

        sfx_at: dict[int, str] = {}  # end -> longest suffix ending there
        inside = bytearray(n + 1)  # 1 at e: e falls inside a suffix word (管委|会, 中心|组)
        lsf_at: dict[int, str] = {}
        nolevel = bytearray(n)
        anchor = bytearray(n)  # 1: an anchor starts here; 2: a strong one (level char, 中共, full division)
        trades: list[tuple[int, int]] = []
        alone: list[tuple[int, int]] = []
        covered = bytearray(n)  # inside an anchor or a suffix: a stop there is part of a word
        # Matches come by end and, at one end, longest first (Lexicon.all): the first
        # suffix (level form) met at an end is the longest one there. Most words do one
        # thing, so each word's index says what, and the common cases go first. What a
        # word marks (anchor, covered, nolevel) only grows, so the order of words is free.
        gaz_ms: list = []  # the gazetteer's matches, as Gazetteer.all_matches gives them
        handed: list[list[int]] = [[] for _ in self.handed]  # where each handed list's words start
        add_gaz = gaz_ms.append
        words, acts, ones_of, gaz_ones = self.all_words.words, self._acts, self._ones, self._gaz_ones
        hand_of, is_gaz, info = self._hand, self._is_gaz, self._info
        # the commonest first (measured on the synthetic corpus, per document: 78 divisions, 64 suffixes of
        # several characters, 46 of one, 26 not-level words, 23 name words, 22 handed-on words, 13 anchors,
        # 8 trades, a few words of several kinds)
        A_GAZ, A_SFX, A_SUFFIX, A_COVER, A_NOLEVEL, A_ANCHOR, A_TRADE, A_HAND = \
            _A_GAZ, _A_SFX, _A_SUFFIX, _A_COVER, _A_NOLEVEL, _A_ANCHOR, _A_TRADE, _A_HAND
        for i, s, e in self.all_words.all(text):
            act = acts[i]
            if act == A_GAZ:
                pass  # (read below, as for a word of several kinds that is a division too)
            elif act == A_SUFFIX:
                word, _, sfx_long, lsf = info[i][:4]
                if e not in sfx_at:
                    sfx_at[e] = word
                if sfx_long:
                    ones = ones_of[i]
                    inside[s + 1:e] = ones[1:]
                    covered[s:e] = ones
                if lsf and e not in lsf_at:
                    lsf_at[e] = word
                continue
            elif act == A_SFX:
                if e not in sfx_at:
                    sfx_at[e] = words[i]
                continue
            elif act == A_NOLEVEL:
                nolevel[s:e] = ones_of[i]
                continue
            elif act == A_COVER:
                covered[s:e] = ones_of[i]
                continue
            elif act == A_HAND:
                for k in hand_of[i]:
                    handed[k].append(s)
                continue
            elif act == A_ANCHOR:
                anchor[s] = 2
                covered[s:e] = ones_of[i]
                continue
            elif act == A_TRADE:
                trades.append((s, e))
                continue
            else:  # _A_ANY: all that the word does
                for k in hand_of[i]:
                    handed[k].append(s)
                word, sfx, sfx_long, lsf, nolev, anc, alone_, trade, cover = info[i]
                if sfx:
                    if e not in sfx_at:
                        sfx_at[e] = word
                    if sfx_long:
                        inside[s + 1:e] = ones_of[i][1:]
                if lsf and e not in lsf_at:
                    lsf_at[e] = word
                if nolev:
                    nolevel[s:e] = ones_of[i]
                if anc:
                    anchor[s] = 2
                if alone_:
                    alone.append((s, e))
                if trade:
                    trades.append((s, e))
                if cover:
                    covered[s:e] = ones_of[i]
                if not is_gaz[i]:
                    continue
            add_gaz((s, e, words[i]))
            got = gaz_ones[i]
            if got:
                if got[0] > anchor[s]:
                    anchor[s] = got[0]
                covered[s:e] = got[1]
        self.gaz.remember(text, gaz_ms)  # for the places stage, which reads the same text
        for h, starts in zip(self.handed, handed):  # for the persons and problems stages
            h.remember(text, starts)
        # a level character before a Han character (str.find: a handful of hits in a long text)
        for c in self._level_char_set:
            i = text.find(c)
            while i >= 0:
                if not nolevel[i] and i + 1 < n:
                    nxt = text[i + 1]  # \p{Han}, the common range without the regex engine
                    if "\u4e00" <= nxt <= "\u9fef" or _HAN_RE.match(nxt) is not None:
                        anchor[i] = 2
                i = text.find(c, i + 1)
        has_anchor = anchor.translate(_NONZERO)
        if self._pat_hint is None:
            pat_ms, pat_cuts = [m.span() for m in self.stop_patterns.finditer(text)], None
        else:  # read near the names only (_pat_near): here, where each match can be (the automaton's
            # matches of those single characters, by end: in order)
            pat_ms, pat_cuts = [], handed[self._cut_list]
        sfx_ends = set(sfx_at)
        sfx_ends.update(lsf_at)
        here = _Here(text, blocked, stopper, anchor, has_anchor, {}, pat_ms,
                     [m[1] for m in pat_ms], pat_cuts, covered, sfx_ends, sorted(sfx_ends), doc)

        cands = self._suffix_candidates(here, sfx_at, lsf_at, inside)
        for s, e in trades:
            cand = self._company(text, s, e, anchor, blocked, doc)
            if cand:
                cands.append(cand)
        for s, e in alone:
            if not blocked[s] and not doc.masked(s, e):
                cands.append((s, e, True))

        # the rightmost suffix ends a name: take names from the right, each as long as it
        # reaches (厅党组 over …部署和厅; 市生态环境局大通湖分局 over 市生态环境局)
        cands.sort(key=_FIRST)  # by end, the last first, and at one end by start (two stable sorts)
        cands.sort(key=_SECOND, reverse=True)
        taken = bytearray(n)
        out = []
        for s, e, _ in cands:
            if taken.find(1, s, e) >= 0:
                continue
            taken[s:e] = b"\x01" * (e - s)
            out.append((s, e, text[s:e]))
        out.extend(self._aliases(text, out, taken, blocked))
        out.sort()
        return out

    # -- one candidate -------------------------------------------------------------
    def _suffix_candidates(self, here: "_Here", sfx_at: dict, lsf_at: dict, inside: bytearray) -> list:
        """The name each suffix (or level short form) ends, where one does: (start, end, anchored).

        One loop over the suffix ends (this is the stage's hot path, so the left edge and the
        tests of a name are written out in it, on local names): a suffix that continues into a
        longer word (局长) or a word no name ends with (干部) is dropped before its left edge is
        sought, and the tests that read only the name (cached per name) go before the others."""
        text, anchor, blocked, covered = here.text, here.anchor, here.blocked, here.covered
        stopper_rfind, has_anchor_find = here.stopper.rfind, here.has_anchor.find
        pat_ms, pat_ends = here.pat_ms, here.pat_ends
        stops_near, stops_all, max_window = here.stops_near, self.stop_lexicon.all, self.max_window
        pat_cuts, pat_near, pat_memo = here.pat_cuts, self._pat_near, {}
        bisect_left = bisect.bisect_left
        sfx_ends, ends = here.sfx_ends, here.sfx_sorted
        level_chars, short_not_end, soft_only = self.level_chars, self._short_not_name_end, self._stop_soft_only
        after_of, masked = self._after, here.doc.masked
        max_window, max_name = self.max_window, self.max_name
        name_tests, name_test = self._name_tests, self._name_test
        generic_left, post_words = self.generic_left, self.post_words
        bisect_right = bisect.bisect_right
        cands = []
        for e in ends:
            if inside[e]:
                continue
            sfx = sfx_at.get(e)
            lsf = lsf_at.get(e)
            if lsf == sfx:
                lsf = None  # the same word as a level form fails wherever it failed as a suffix
            rest = text[e:e + 4]
            not_end = None
            best = None
            for word in ((sfx,) if lsf is None else (sfx, lsf) if sfx else (lsf,)):
                # the suffix is the start of a longer word: 局长, 处理, 组织
                after = after_of.get(word) or self._after_words(word)
                if rest.startswith(after[0]):
                    continue
                only = after[1]
                if only and rest and _han(rest[0]) and not rest.startswith(only):
                    continue
                if not_end is None:
                    not_end = text.endswith(short_not_end, 0, e)
                if not_end:
                    continue  # a name ends with none of them, and a name is as long as they are: 干部, 现场
                s0 = e - len(word)

                # -- the left edge: back over Han characters, not past a blocked one nor beyond the window
                lo = s0 - max_window
                if lo < 0:
                    lo = 0
                i = s0
                while i > lo:
                    k = stopper_rfind(1, lo, i)
                    if k < 0:
                        i = lo
                        break
                    i = k + 1
                    if blocked[k] or text[k] != "”":
                        break
                    # a quoted part of a name: “第一议题”领导小组
                    j = text.rfind("“", max(0, i - 14), i - 1)
                    if j >= 0 and all(_han(x) for x in text[j + 1:i - 1]) and not blocked[j]:
                        i = j
                        continue
                    break
                window = i
                if window >= s0:
                    continue
                # the last stop that ends after the window and no later than s0 (of the stop words and of
                # the patterns' matches; the rightmost of either). The stop words' matches inside the window:
                # read once per window, as far as any name that starts there reaches (max_window, or more
                # past a quoted part), the matches of the whole text inside it, by end
                left = window
                got = stops_near.get(window)
                if got is None or got[0] < s0:
                    got = stops_near[window] = (s0, stops_all(text[window:s0]))
                for i, st, p in reversed(got[1]):
                    st += window
                    p += window
                    if p > s0:
                        continue
                    if covered[st] or covered[p - 1]:
                        continue
                    # a conjunction parts two bodies, or stands before a name without a division
                    if soft_only[i] and not (anchor[p] or st in sfx_ends or has_anchor_find(1, window, st) < 0):
                        continue
                    left = p
                    break
                if pat_cuts is None:
                    for x in range(bisect_right(pat_ends, s0) - 1, -1, -1):
                        st, p = pat_ms[x]
                        if p <= left:
                            break
                        if st < window or covered[st] or covered[p - 1]:
                            continue
                        left = p
                        break
                else:
                    a = bisect_right(pat_cuts, window)
                    if a < len(pat_cuts) and pat_cuts[a] < s0:  # a match between window and s0 holds a cut
                        near = pat_near(text, pat_cuts[a:bisect_left(pat_cuts, s0)], pat_memo, window, s0)
                        for st, p in near:  # as above, the matches read from the right
                            if p <= left:
                                break
                            if covered[st] or covered[p - 1]:
                                continue
                            left = p
                            break
                for x in range(bisect_right(ends, s0 - 1) - 1, -1, -1):  # 区委区管委会: a level character
                    q = ends[x]                                           # after a complete name
                    if q <= left:
                        break
                    if anchor[q] == 2:
                        left = q
                        break
                start = has_anchor_find(1, left, s0)
                anchored = start >= 0
                if not anchored:
                    start = left

                # -- the name's tests
                core = text[start:s0]
                if not core or (lsf is not None and word is lsf
                                and not (core[-1] in level_chars and anchor[start])):
                    continue
                name = text[start:e]
                if len(name) > max_name:
                    continue
                # what the name and its suffix alone settle, read once per name (names recur)
                got = name_tests.get((name, word)) or name_test(name, word, core)
                if not got[0] or (got[1] and not anchored):
                    continue
                if got[2] and text[max(0, start - 3):start].endswith(generic_left):
                    continue
                if got[3] and text[e:e + 5].lstrip().startswith(post_words):
                    continue
                if masked(start, e):
                    continue
                if best is None or start < best[0]:
                    best = (start, e, anchored)
            if best:
                cands.append(best)
        return cands

    def _pat_near(self, text: str, cuts: list, memo: dict, window: int, s0: int) -> list:
        """The matches of the stop patterns that start at or after ``window`` and end by ``s0``, the
        last first: the same as a scan of the whole text finds, read around the cuts between them.

        A match holds a cut character after an inner one and only inner ones before its last, so the
        scan of the whole text reaches the first position r before a cut that follows no inner character
        (no match can hold r - 1 and r): from there, up to ``longest`` characters past the cut, a scan
        finds the matches the whole scan finds that start before the cut (each attempt reads no further).
        ``memo`` keeps them per cut for the document."""
        _, inner_re, longest = self._pat_hint
        inner = self._inner
        got = set()
        for h in cuts:
            ms = memo.get(h)
            if ms is None:
                ms = memo[h] = []
                r = h
                while r > 0:
                    c = text[r - 1]
                    v = inner.get(c)
                    if v is None:
                        if len(inner) > 50_000:
                            inner.clear()
                        v = inner[c] = inner_re.fullmatch(c) is not None
                    if not v:
                        break
                    r -= 1
                if r < h:
                    for m in self.stop_patterns.finditer(text, r, min(len(text), h + longest)):
                        if m.start() < h:
                            ms.append(m.span())
            for st, p in ms:
                if st >= window and p <= s0:
                    got.add((p, st))
        return [(st, p) for p, st in sorted(got, reverse=True)]

    def _after_words(self, word: str) -> tuple:
        """The words that continue a suffix into a longer word, and the words it needs after it (or None)."""
        after = self._after[word] = (self.not_followed.get(word, ()) + self.not_followed.get(word[-1], ()),
                                     self.followed_only.get(word))
        return after

    def _name_test(self, name: str, sfx: str, core: str) -> tuple[bool, bool, bool, bool]:
        """The tests of _acceptable that read only the name: (passes them, fails if not anchored,
        a class word just before it fails it, a post just after it fails it)."""
        ok = not (len(core) == 1 and not ((core in self.level_chars and sfx in self.level_forms)
                                           or core in self.suffixes))
        ok = ok and not (name in self.generic_names or core in self.generic_cores or core.endswith(self.post_words))
        ok = ok and not self.generic_parts_re.search(name)
        opens_anchor = name.startswith(self.anchor_tuple)
        ok = ok and (opens_anchor or not name.startswith(self.generic_left))
        ok = ok and not name.endswith(self.not_name_end)
        ok = ok and name.count("“") == name.count("”")
        unanchored_bad = len(name) > self.max_unanchored or (
            sfx in self.leadership and len(core) > self.max_leadership_core and not core.endswith(self.suffix_tuple))
        post_matters = sfx in self.leadership or name.endswith(self.leadership_tuple)
        got = (ok, unanchored_bad, not opens_anchor, post_matters)
        if len(self._name_tests) > 50_000:
            self._name_tests.clear()
        self._name_tests[(name, sfx)] = got
        return got

    def _company(self, text, s, e, anchor, blocked, doc):
        """湖南贝贝昇生物科技、: a division, a trade name and a trade, then punctuation."""
        if e < len(text) and _han(text[e]):
            return None
        for a in range(max(0, s - 7), s - 2):
            if anchor[a] != 0 and not any(blocked[a:e]) and all(_han(c) for c in text[a:s]):
                if text[a] in self.level_chars:
                    continue
                gaz_key = self._division_at(text, a, s)
                if not gaz_key or not (2 <= s - (a + len(gaz_key)) <= 5):
                    continue
                if a > 0 and _han(text[a - 1]) and not self._stop_before(text, a):
                    continue
                if doc.masked(a, e):
                    return None
                return (a, e, True)
        return None

    def _division_at(self, text, a, limit):
        best = ""
        for k in range(2, min(8, limit - a) + 1):
            key = text[a:a + k]
            if (key in self.gaz.by_full or key in self.gaz.by_short) and key not in self.gaz.not_places:
                best = key
        return best

    def _stop_before(self, text, a) -> bool:
        """A stop or soft stop ends right before ``a`` (within the 4 characters before it)."""
        head = text[max(0, a - 4):a]
        return any(head[j:] in self.stop_or_soft for j in range(len(head)))

    def _aliases(self, text, found, taken, blocked):
        """…有限责任公司（简称顺丰米业）: the alias is a name of the same body, wherever it recurs."""
        ends = {e: name for s, e, name in found}
        out = []
        for m in self.alias.finditer(text):
            full = ends.get(m.start())
            if not full:
                continue
            alias = m.group("alias")
            pos = 0
            while True:
                i = text.find(alias, pos)
                if i < 0:
                    break
                pos = i + len(alias)
                j = i + len(alias)
                if any(taken[i:j]) or any(blocked[i:j]):
                    continue
                taken[i:j] = b"\x01" * (j - i)
                out.append((i, j, alias))
        return out

    # -- full names ------------------------------------------------------------------
    def context(self, doc: Doc, names: list[str]) -> dict:
        """The divisions the issuer's level characters stand for: 省, 市, 区/县, and the bureau's domain."""
        issuers = [str(x) for x in (doc.meta.get("issuers") or []) if x]
        ctx = {"省": "", "市": "", "区": "", "县": "", "domain": "", "issuers": issuers, "names": names}
        for src in issuers + names:
            got = self._sources.get(src)
            if got is None:
                got = self._source(src)
            for key, value in got[0]:  # each fills its key when empty
                if not ctx[key]:
                    ctx[key] = value
            city = ctx["市"]
            if not ctx["区"] and city and src.find(city) >= 0:
                # a district the gazetteer does not list: 益阳市大通湖区委员会 -> 益阳市大通湖区
                district = self._districts.get((src, city))
                if district is None:
                    if len(self._districts) > _CONTEXT_CACHE:
                        self._districts.clear()
                    m = _DISTRICT.match(src[src.find(city) + len(city):])
                    district = self._districts[(src, city)] = city + m.group(1) if m else ""
                if district:
                    ctx["区"] = district
            if not ctx["domain"] and got[1]:
                ctx["domain"] = got[1]
        return ctx

    def _source(self, src: str) -> tuple:
        """What one issuer or name says of the context (read once per string: names recur): the keys it
        fills when they are still empty, in order, and the bureau's domain it names (or None)."""
        gaz = self.gaz
        fills = []
        for s, e, key in gaz.scan(src):
            cands = gaz.by_full.get(key)
            if not cands or len(cands) != 1:
                continue
            p = cands[0]
            if p.level == "province":
                fills.append(("省", p.name))
            elif p.level == "city":
                fills.append(("市", p.name))
                fills.append(("省", p.province))
            else:
                fills.append(("省", p.province))
                lv = p.name[-1]
                if lv in ("区", "县"):
                    fills.append((lv, p.city + p.name if p.city and p.city != p.province else p.name))
                if lv == "市":
                    fills.append(("市", p.name))
        m = self.domain.search(src)
        if len(self._sources) > _CONTEXT_CACHE:
            self._sources.clear()
        got = self._sources[src] = (tuple(fills), m.group(1) if m else None)
        return got

    def full_name(self, name: str, ctx: dict) -> str:
        if name in self.fixed_full:
            return self._fill(self.fixed_full[name], ctx, ctx["省"])
        # a name some issuer or longer name of the document ends with: 分局党组, 大通湖分局
        by_last = ctx.get("by_last")
        if by_last is None:  # the issuers and names by their last character, in order (a name ends as they do)
            by_last = ctx["by_last"] = {}
            for full in ctx["issuers"] + ctx["names"]:
                if full:
                    by_last.setdefault(full[-1], []).append(full)
        for full in by_last.get(name[-1], ()) if name else ctx["issuers"] + ctx["names"]:
            if full != name and full.endswith(name) and len(full) > len(name) + 1:
                return full
        # the rest reads of the context only its divisions and domain (but for 市局, which reads the issuers)
        key = (name, ctx["省"], ctx["市"], ctx["区"], ctx["县"], ctx["domain"])
        got = self._fulls.get(key)
        if got is None:
            got = self._full_from_divisions(name, ctx)
            if not (name[1:] == "局" and name[:1] in self.level_chars):
                if len(self._fulls) > _CONTEXT_CACHE:
                    self._fulls.clear()
                self._fulls[key] = got
        return got

    def _full_from_divisions(self, name: str, ctx: dict) -> str:
        """full_name's reading of a name that no issuer or longer name ends with."""
        ms = self.gaz.scan(name)
        if ms and ms[0][0] == 0 and ms[0][2] in self.gaz.by_full:  # 益阳市政府 -> 益阳市人民政府
            rest = name[ms[0][1]:]
            return self._fill(self.full_forms[rest], ctx, ms[0][2]) if rest in self.full_forms else ""
        head, rest = name[0], name[1:]
        if head == self.department or (head == "省" and rest.startswith(self.department)):
            rest = name[name.index(self.department) + 1:]
            if not (ctx["省"] and ctx["domain"]):
                return ""
            full = f"{ctx['省']}{ctx['domain']}{self.department}{rest}"
            return ("中共" + full) if rest.startswith(self.party_bodies) else full
        if head not in self.level_chars:
            return ""
        div = ctx.get(head, "")
        if not div:
            return ""
        if rest in self.full_forms:
            return self._fill(self.full_forms[rest], ctx, div)
        if rest == "局":  # 市局: the issuer's bureau of that division
            for src in ctx["issuers"] + ctx["names"]:
                i = src.find(div)
                if i >= 0:
                    j = src.find("局", i + len(div))
                    if j > i + len(div):
                        return src[i:j + 1]
            return ""
        full = div + rest
        return ("中共" + full) if rest.startswith(self.party_bodies) else full

    @staticmethod
    def _fill(template: str, ctx: dict, div: str) -> str:
        try:
            out = template.format(div=div, province=ctx["省"], domain=ctx["domain"])
        except (KeyError, IndexError):
            return ""
        return out if div and "{" not in out else ""


def responsible_cue_words(rules: RuleSet) -> list:
    """Of each responsible cue, the words one of which its every match holds (rules/orgs.yaml
    ``responsible.cue_words``), shared with the orgs stage, whose automaton finds them; None for a cue
    without them. Read only beside the cues they were written for: cues a ``--rules`` layer changed
    are always tried."""
    data, path = rules.yaml("orgs.yaml")
    resp = data.get("responsible")
    if not isinstance(resp, dict) or not isinstance(resp.get("cues"), list):
        return []
    cues = resp["cues"]
    if not rules.beside(resp, "cue_words", "cues", path):
        return [None] * len(cues)
    words = resp["cue_words"]
    if not isinstance(words, list) or len(words) != len(cues) or not all(
            isinstance(ws, list) and ws and all(isinstance(x, str) and x for x in ws) for ws in words):
        raise RuleError(path, getattr(resp, "line", None), "responsible.cue_words must hold a list of words for each cue")
    return [handed_words(rules, f"responsible_cue_{k}", lambda r, ws=ws: ws) for k, ws in enumerate(words)]


class ResponsibleStage:
    """The bodies named as responsible for a problem (责任单位：…, 由…负责, …牵头)."""

    name = "responsible"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("orgs.yaml")
        resp = data.get("responsible")
        cues = resp.get("cues") if isinstance(resp, dict) else None
        if not isinstance(cues, list) or not cues:
            raise RuleError(path, getattr(data, "line", None), "responsible.cues must be a list of patterns")
        line = getattr(resp, "line", None)
        self.cues = []
        for c in cues:
            pat = rules.compile(c, path, line, regex.M)
            if "list" not in pat.groupindex:
                raise RuleError(path, line, f"responsible cue {c!r} has no group (?P<list>…)")
            self.cues.append(pat)
        # per cue, the words one of which its every match holds (None: the cue is always tried),
        # and where its matches start (see _matches_near; None: anywhere)
        self.cue_words = responsible_cue_words(rules)
        self.cue_starts: list = [None] * len(self.cues)
        if any(h is not None for h in self.cue_words) and rules.beside(resp, "cue_starts", "cues", path):
            starts = resp["cue_starts"]
            if not isinstance(starts, list) or len(starts) != len(cues) or not all(
                    x is None or x == "line" or (isinstance(x, int) and not isinstance(x, bool) and x >= 0)
                    for x in starts):
                raise RuleError(path, line, "responsible.cue_starts must give each cue a number, line or ~")
            self.cue_starts = starts
        self.item_sep = rules.pattern(resp, "item_separators", path)
        self.max_item = int(resp.get("max_item", 30))
        self.suffixes = tuple(rules.words(data, "suffixes", path))

    def __call__(self, doc: Doc) -> None:
        if not doc.problems:
            return None
        text = doc.text
        orgs = [s for s in doc.spans if s.kind == "org"]
        found: list[tuple[int, list[str]]] = []
        for cue, words, where in zip(self.cues, self.cue_words, self.cue_starts):
            ms = None
            if words is not None:
                starts = words.starts(text)
                if not starts:
                    continue  # none of its words is in the text: nor is a match
                if where is not None:
                    ms = self._matches_near(cue, text, starts, where)
            for m in (cue.finditer(text) if ms is None else ms):
                names = self._bodies(m, orgs)
                if names:
                    found.append((m.start(), names))
        found.sort()
        for p in doc.problems:
            names: list[str] = []
            for pos, ns in found:
                if p.start <= pos < p.end:
                    names.extend(x for x in ns if x not in names)
            if names:
                p.attrs["responsible"] = names
        return None

    @staticmethod
    def _matches_near(cue, text: str, starts: list, where) -> list | None:
        """The matches a scan of the whole text finds, tried only where one can start: up to ``where``
        characters before a word's start, or at the start of its line. The scan's first match at or after
        a position is the first of those places there that matches; then it goes on from its end.
        None (scan the whole text) should the cue match nothing at all somewhere."""
        if where == "line":
            places = sorted({text.rfind("\n", 0, k) + 1 for k in starts})
        else:
            places = sorted({k - r for k in starts for r in range(where + 1) if k >= r})
        out = []
        pos = 0
        for j in places:
            if j < pos:
                continue
            m = cue.match(text, j)
            if m is not None:
                pos = m.end()
                if pos == j:
                    return None
                out.append(m)
        return out

    def _bodies(self, m, orgs) -> list[str]:
        """The bodies of a cue's list, item by item: the bodies found there, or an item
        that ends as a body does (管委会 after 宿马园区党工委、)."""
        s, e = m.span("list")
        cuts = [s] + [x for c in self.item_sep.finditer(m.string, s, e) for x in c.span()] + [e]
        names: list[str] = []
        for a, b in zip(cuts[::2], cuts[1::2]):
            inside = [o.name or o.text for o in orgs if a <= o.start and o.end <= b]
            item = m.string[a:b].strip()
            if not inside and 2 <= len(item) <= self.max_item and item.endswith(self.suffixes):
                inside = [item]
            names.extend(x for x in inside if x not in names)
        return names

