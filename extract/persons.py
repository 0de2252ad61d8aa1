"""People named with their posts: 市委书记陈竞, 局长 李火生, 签发人：罗立峰.

A name is read right after a post or a label (rules/persons.yaml): a surname
and one or two more characters, the longer reading first, kept only when what
follows can end a name (punctuation, a space, 强调, 率队 …). So 梁成立参加
gives 梁成立 while 向荣迅速召开 gives 向荣 and 党组书记、局长担任组长 gives no
one. One regex finds the cues; a name read once is then found again where it
stands alone (陈竞强调), each name sought with str.find (a document reads few).
"""
from __future__ import annotations

import regex

from .doc import Doc
from .places import HandedWords, handed_words
from .rules import RuleError, RuleSet, alternation

_TAKEN = frozenset(("org", "doc_number", "phone", "email"))
_TITLE_START = regex.compile(r"[，,。；;：:！!？?、\n（(）)\[\]【】“”\"]|\s{2,}")


def _han(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff"


def _taken(doc: Doc) -> bytearray:
    """1 at each character of the document inside a body's name, a document number, a phone or an email."""
    taken = bytearray(len(doc.text))
    for sp in doc.spans:
        if sp.kind in _TAKEN:
            taken[sp.start:sp.end] = b"\x01" * (sp.end - sp.start)
    return taken


def _cue_list(rules: RuleSet) -> list[str]:
    data, path = rules.yaml("persons.yaml")
    return rules.words(data, "posts", path) + rules.words(data, "labels", path)


def cue_words(rules: RuleSet) -> HandedWords:
    """The posts and labels a name follows, shared with the orgs stage, whose automaton finds them."""
    return handed_words(rules, "person_cues", _cue_list)


def _occurrences(text: str, names) -> list[tuple[int, int, str]]:
    """Every occurrence of the names, overlapping: (end, -length, name), by end and, at one end,
    longest first (the order an Aho-Corasick automaton reports them in). A document reads few
    names, so one str.find per occurrence costs less than building an automaton for them."""
    out = []
    for name in names:
        n = len(name)
        i = text.find(name)
        while i >= 0:
            out.append((i + n, -n, name))
            i = text.find(name, i + 1)
    out.sort()
    return out


class PersonStage:
    name = "persons"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("persons.yaml")
        w = lambda key: rules.words(data, key, path)  # noqa: E731
        surnames = w("surnames")
        self.double = {s for s in surnames if len(s) == 2}
        if any(len(s) > 2 for s in surnames):
            raise RuleError(path, getattr(data, "line", None), "surnames are one or two characters")
        posts, labels = w("posts"), w("labels")
        gap = data.get("max_gap", 4)
        if not isinstance(gap, int) or gap < 0:
            raise RuleError(path, getattr(data, "line", None), "max_gap must be a non-negative integer")
        self.labels = set(labels)
        self.after = tuple(w("after_name"))
        self.bad = set(w("bad_chars"))
        self.not_names = set(w("not_names"))
        self.posts = tuple(posts)
        # a cue, an optional colon, a few spaces, then a surname and up to two more characters
        self.cue_words = cue_words(rules)  # where a cue can start: the cue is tried only there
        self.cue = rules.compile(
            f"(?P<cue>{alternation(posts + labels)})(?:{{SP}}*{{COLON}})?{{SP}}{{0,{gap}}}"
            f"(?P<name>(?:{alternation(surnames)})\\p{{Han}}{{1,2}})", path, getattr(data, "line", None))

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        taken = None  # 1 inside a body's name, a document number, a phone or an email (made when first asked)
        found: dict[str, str] = {}  # name -> post
        spans: list[tuple[int, int, str, str]] = []
        prev_end = 0
        for m in self._cues(text):
            s = m.start("name")
            name = self._name(text, s, m.group("name"))
            if not name:
                continue
            if taken is None:
                taken = _taken(doc)
            if taken.find(1, s, s + len(name)) >= 0 or doc.masked(s, s + len(name)):
                continue
            post = self._post(text, m, prev_end)
            prev_end = s + len(name)
            spans.append((s, prev_end, name, post))
            found.setdefault(name, post)
        if found:  # the same names where they stand alone
            seen = {(s, e) for s, e, _, _ in spans}
            held = bytearray(len(text))  # 1 inside a name already read
            for s, e, _, _ in spans:
                held[s:e] = b"\x01" * (e - s)
            for e, _, name in _occurrences(text, found):
                s = e - len(name)
                if (s, e) in seen or not self._ends_name(text, e) or taken.find(1, s, e) >= 0:
                    continue
                if s > 0 and _han(text[s - 1]) and not self._post_before(text, s):
                    continue
                if held.find(1, s, e) >= 0:
                    continue
                held[s:e] = b"\x01" * (e - s)
                spans.append((s, e, name, found[name]))
                seen.add((s, e))
        for s, e, name, post in sorted(spans):
            attrs = {"post": post} if post else {}
            doc.add("person", s, e, norm=name, name=name, attrs=attrs)

    def _cues(self, text: str):
        """The matches of ``self.cue.finditer(text)``, tried only where a post or label word starts."""
        last = 0
        for p in sorted(set(self.cue_words.starts(text))):
            if p < last:
                continue
            m = self.cue.match(text, p)
            if m:
                yield m
                last = m.end()

    # -- helpers -------------------------------------------------------------------
    def _name(self, text: str, s: int, cand: str) -> str:
        """The longest reading of ``cand`` (surname + 1-2 characters) that can end there."""
        lead = 2 if cand[:2] in self.double and len(cand) >= 3 else 1
        for given in (2, 1):
            name = text[s:s + lead + given]
            # (all of it Han: its least and greatest characters are)
            if len(name) < lead + given or not ("\u3400" <= min(name) and max(name) <= "\u9fff"):
                continue
            if not self.bad.isdisjoint(name[lead:]) or name in self.not_names or name[:2] in self.not_names:
                continue
            if name[lead:].startswith(self.posts):
                continue
            if self._ends_name(text, s + len(name)):
                return name
        return ""

    def _ends_name(self, text: str, e: int) -> bool:
        return e >= len(text) or not _han(text[e]) or text.startswith(self.after, e)

    def _post_before(self, text: str, s: int) -> bool:
        head = text[max(0, s - 6):s]
        return head.endswith(self.posts) or head.endswith(tuple(self.labels))

    def _post(self, text: str, m, prev_end: int) -> str:
        """The title before the name, back to the clause start or the name before: 市委常委、常务副市长."""
        cue = m.group("cue")
        if cue in self.labels:
            return cue
        end = m.end("cue")
        lo = max(0, end - 30, prev_end)
        start = lo
        for t in _TITLE_START.finditer(text, lo, end):
            start = t.end() if t.group() != "、" else start
        title = text[start:end].strip().lstrip("、")
        return title or cue
