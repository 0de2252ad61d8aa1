"""Hand-offs and fast paths that must give exactly what the plain way gives.

* orgs -> persons, places, problems: the orgs stage's one word scan hands on where the
  persons stage's cues, the problems stage's status words and the gazetteer's names stand
  (``HandedWords.remember``, ``Gazetteer.remember``); each later stage finds them itself
  when the orgs stage has not read that text. Both ways give the same spans and problems.
* problems: the status alternation is tried only where a status word starts; it finds
  what ``status_re.finditer`` finds over the range.
* sections: the one grouped pattern of every style picks the style that trying the
  styles in order picks.
* tables: ``_has_one_line`` (str.find from each "1") says what "some line strips to 1" says.
* doc: ``Doc.section_at``'s cached index stays right when the sections are replaced or grow.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import conftest
import pytest
import regex

from extract.doc import Doc, Section
from extract.pipeline import Pipeline
from extract.places import gazetteer
from extract.persons import cue_words
from extract.problems import status_words
from extract.tables import _has_one_line

SEEDS = sorted(conftest.SEEDS.glob("*.txt"))
DEV = sorted((conftest.SHARED / "dev" / "docs").glob("*.txt"))

# Hand-written texts: posts and names, places (full names, short forms, a lake area), bodies,
# problems with status words; characters beyond the BMP before the words (offsets must stay
# character offsets), full-width spaces and punctuation.
SENTENCES = [
    "市委书记陈竞强调，要抓好整改。陈竞指出，益阳市赫山区和资阳区要加快推进。",
    "益阳市生态环境局大通湖分局局长李火生率队赴大通湖区检查，湖南省生态环境厅参加。",
    "问题1：沅江市黑臭水体治理滞后\n整改情况：已完成整改。\n问题2：南县污水管网不完善\n整改情况：正在推进，"
    "部分完成。\n问题3：某公司违规排污\n整改情况：未完成。",
    "😀签发人：罗立峰\u3000𠀀市长王新宇主持会议。𠀀整改中；已销号（已办结）",
    "一、总体情况\n区委书记王新宇带队。\n二、具体整改情况\n（一）岳阳县水体污染问题\n已整改到位。\n"
    "（二）长沙市望城区扬尘问题\n正在整改，尚未完成。\n",
]


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


def seed_texts(pipe):
    return [pipe.normalizer(p.read_text(encoding="utf-8"))[0] for p in SEEDS]


@pytest.fixture(scope="module")
def texts(pipe):
    """The normalised seed texts and the hand-written ones."""
    return seed_texts(pipe) + [pipe.normalizer(s)[0] for s in SENTENCES]


def span_sig(doc):
    return sorted((s.kind, s.start, s.end, s.text, s.norm, s.value, s.unit, s.name, s.period, s.role,
                   repr(sorted(s.attrs.items())), s.section_id, s.problem_id) for s in doc.spans)


def problem_sig(doc):
    return [(p.problem_id, p.number, p.category, p.title, p.start, p.end, p.status, p.status_text,
             p.section_id, repr(sorted(p.attrs.items()))) for p in doc.problems]


def run(pipe, doc, names):
    for st in pipe.stages:
        if st.name in names:
            st(doc)


def upto_orgs(pipe, text):
    """A Doc of ``text`` after every stage up to and including orgs (in pipeline order)."""
    doc = Doc(text, doc_id="d")
    names = [s.name for s in pipe.stages]
    run(pipe, doc, set(names[: names.index("orgs") + 1]))
    return doc


def fresh_copy(doc):
    """The same Doc with an equal text that is another object: hand-offs (kept for the very
    text object the orgs stage read) do not apply to it, so each stage finds its words itself."""
    other = pickle.loads(pickle.dumps(doc))
    if other.text is doc.text:  # pragma: no cover - pickle makes a new string
        other.text = "".join(list(doc.text))
    assert other.text == doc.text and other.text is not doc.text
    return other


def brute_starts(words, text):
    """Every start of every word in ``text``, by str.find (overlapping)."""
    out = set()
    for w in words:
        i = text.find(w)
        while i >= 0:
            out.add(i)
            i = text.find(w, i + 1)
    return sorted(out)


def brute_matches(words, text):
    out = set()
    for w in words:
        i = text.find(w)
        while i >= 0:
            out.add((i, i + len(w), w))
            i = text.find(w, i + 1)
    return sorted(out)


LATER = ("persons", "places", "problems", "responsible")


# -- 1. the orgs stage's hand-off ---------------------------------------------------------
@pytest.mark.parametrize("idx", range(len(SEEDS) + len(SENTENCES)))
def test_later_stages_without_the_handoff_give_the_same(pipe, texts, idx):
    text = texts[idx]
    full = Doc(text, doc_id="d")
    run(pipe, full, {s.name for s in pipe.stages})
    # the full pipeline used the hand-off: what the orgs stage kept is for this very text
    gaz = gazetteer(pipe.rules)
    assert gaz._matches.get(full.text) is not None
    for h in (cue_words(pipe.rules), status_words(pipe.rules)):
        assert h._handed.get(full.text) is not None
    full.spans.sort(key=lambda s: (s.start, s.end, s.kind))
    full.assign_owners()

    alone = fresh_copy(upto_orgs(pipe, text))
    run(pipe, alone, set(LATER))
    # nothing was handed on for the copy's text: the stages found the words themselves
    for h in (cue_words(pipe.rules), status_words(pipe.rules)):
        assert h._handed.get(alone.text) is None
    alone.spans.sort(key=lambda s: (s.start, s.end, s.kind))
    alone.assign_owners()

    assert span_sig(alone) == span_sig(full)
    assert problem_sig(alone) == problem_sig(full)
    for kind in ("person", "place"):
        assert [(s.start, s.end, s.norm) for s in alone.of_kind(kind)] == \
               [(s.start, s.end, s.norm) for s in full.of_kind(kind)]


@pytest.mark.parametrize("idx", range(len(SEEDS) + len(SENTENCES)))
def test_handed_words_are_every_start_of_every_word(pipe, texts, idx):
    """What the orgs stage hands on equals what each stage finds alone, and a str.find of each word."""
    text = texts[idx]
    doc = upto_orgs(pipe, text)
    for h in (cue_words(pipe.rules), status_words(pipe.rules)):
        handed = h.starts(doc.text)
        assert h._handed.get(doc.text) is not None  # the handed list, not a pass of its own
        copy = "".join(list(doc.text))
        assert copy is not doc.text
        assert sorted(set(handed)) == sorted(set(h.starts(copy))) == brute_starts(h.words, text)
    gaz = gazetteer(pipe.rules)
    handed_ms = gaz.doc_matches(doc.text)
    assert gaz._matches.get(doc.text) is not None
    assert sorted(handed_ms) == sorted(gaz.all_matches(text)) == brute_matches(gaz.lexicon.words, text)
    # the order Gazetteer.all_matches gives (by end, longest first at one end) is kept too
    assert handed_ms == gaz.all_matches(text)
    assert gaz.scan(text, handed_ms) == gaz.scan(text)


EXACT = [  # per sentence: persons, places (start, end, norm), problems (number, status, words)
    ([(4, 6, "陈竞"), (15, 17, "陈竞")], [(20, 23, "益阳市"), (23, 26, "赫山区"), (27, 30, "资阳区")], []),
    ([(15, 18, "李火生")], [(0, 3, "益阳市"), (8, 11, "大通湖"), (21, 25, "大通湖区"), (28, 31, "湖南省")], []),
    ([], [(4, 7, "沅江市"), (32, 34, "南县")],
     [("1", "completed", "已完成整改"), ("2", "partial", "部分完成"), ("3", "not_done", "未完成")]),
    ([(5, 8, "罗立峰"), (12, 15, "王新宇")], [], []),  # offsets count 😀 and 𠀀 as one character each
    ([(11, 14, "王新宇")], [(30, 33, "岳阳县"), (50, 53, "长沙市"), (53, 56, "望城区")],
     [("一", "completed", "已整改到位"), ("二", "not_done", "尚未完成")]),
]


@pytest.mark.parametrize("idx", range(len(SENTENCES)))
def test_handoff_sentences_exact(pipe, idx):
    """Hand-written sentences read both ways, with the values they must give."""
    persons, places, problems = EXACT[idx]
    full = pipe.process_text(SENTENCES[idx])
    alone = fresh_copy(upto_orgs(pipe, pipe.normalizer(SENTENCES[idx])[0]))
    run(pipe, alone, set(LATER))
    alone.spans.sort(key=lambda s: (s.start, s.end, s.kind))
    for doc in (full, alone):
        assert [(s.start, s.end, s.text) for s in doc.of_kind("person")] == persons
        assert [(s.start, s.end, s.norm) for s in doc.of_kind("place")] == places
        assert [(p.number, p.status, p.status_text) for p in doc.problems] == problems


def test_handoff_with_a_lone_surrogate(pipe):
    """The Rust automaton cannot read a lone surrogate: both ways fall back alike."""
    text = "市委书记陈竞\ud800强调，益阳市赫山区整改中。问题1：某问题\n已完成整改。"
    full = pipe.process_text(text, normalise=False)
    alone = fresh_copy(upto_orgs(pipe, text))
    run(pipe, alone, set(LATER))
    alone.spans.sort(key=lambda s: (s.start, s.end, s.kind))
    alone.assign_owners()
    assert span_sig(alone) == span_sig(full)
    assert problem_sig(alone) == problem_sig(full)
    for h in (cue_words(pipe.rules), status_words(pipe.rules)):
        assert sorted(set(h.starts(text))) == brute_starts(h.words, text)


# -- 2. status words tried only where one starts -----------------------------------------
class _Recorder:
    """Stands for status_re: records each match the fast loop gets."""

    def __init__(self, pat):
        self.pat = pat
        self.found = []

    def match(self, text, pos, endpos):
        m = self.pat.match(text, pos, endpos)
        if m:
            self.found.append((m.start(), m.end(), m.group()))
        return m


def _reference(pat, text, a, b):
    """The plain reading: the status pattern over the whole range."""
    return [(m.start(), m.end(), m.group()) for m in pat.finditer(text, a, b)]


STATUS_STRINGS = [
    "已完成整改",  # a word at the very start
    "已全部完成整改到位",  # overlapping words: 已全部完成 / 全部完成整改 / 整改到位
    "整改完成情况：已整改完成情况，已整改。",  # a word followed by 情况 is not a claim; a shorter one is
    "该问题已完成整改，持续推进；未完成整改、尚未完成",
    "（已办结）【已销号】“正在整改”，基本整改到位！部分完成？",
    "\u3000整改中\u3000推进中。已申请全面销号；已申请销号",
    "𠀀已完成😀未完成",  # characters beyond the BMP before the words
    "已已完成完成未未完成整改改",
    "",
]


@pytest.mark.parametrize("s", STATUS_STRINGS)
def test_status_words_every_range(pipe, monkeypatch, s):
    st = stage(pipe, "problems")
    rec = _Recorder(st.status_re)
    monkeypatch.setattr(st, "status_re", rec)
    for a in range(len(s) + 1):
        for b in range(a, len(s) + 1):
            rec.found.clear()
            st.status_of(s, [(a, b)])
            assert rec.found == _reference(rec.pat, s, a, b), (s, a, b)
    # the whole reading (words, loose patterns, the status) as if every position were tried
    fast = st.status_of(s, [(0, len(s))])
    monkeypatch.setattr(st, "_sorted_starts", lambda text: list(range(len(text))))
    assert st.status_of(s, [(0, len(s))]) == fast


def test_status_exact_values(pipe):
    st = stage(pipe, "problems")
    cases = {
        "已完成整改": ("completed", "已完成整改"),
        "已全部完成整改到位": ("completed", "整改到位"),  # a decisive word outweighs the others
        "整改完成情况：已整改完成情况，已整改。": ("completed", "已整改"),  # 整改完成 before 情况 is no claim
        "已全部完成，正在推进": ("in_progress", "正在推进"),
        "已完成，未完成": ("partial", "已完成；未完成"),
        "未按期完成": ("not_done", "未按期完成"),
        "正在推进，部分完成。": ("partial", "部分完成"),
        "𠀀已完成😀未完成": ("partial", "已完成；未完成"),
        "整改完成情况": ("unknown", ""),
    }
    got = {s: st.status_of(s, [(0, len(s))]) for s in cases}
    assert got == cases


@pytest.mark.parametrize("idx", range(len(SEEDS)))
def test_status_words_on_seeds(pipe, texts, monkeypatch, idx):
    """With the orgs stage's hand-off (the full pipeline), over each problem, section and the whole text."""
    st = stage(pipe, "problems")
    text = texts[idx]
    doc = Doc(text, doc_id="d")
    run(pipe, doc, {s.name for s in pipe.stages})
    assert status_words(pipe.rules)._handed.get(doc.text) is not None  # handed on by the orgs stage
    ranges = [(0, len(text))] + [(p.start, p.end) for p in doc.problems] + [(s.heading_end, s.end) for s in doc.sections]
    starts = st._sorted_starts(doc.text)
    # ranges that open or close inside a word
    ranges += [(p + 1, min(len(text), p + 40)) for p in starts[:50]] + [(max(0, p - 5), p + 2) for p in starts[:50]]
    rec = _Recorder(st.status_re)
    monkeypatch.setattr(st, "status_re", rec)
    for a, b in ranges:
        rec.found.clear()
        st.status_of(doc.text, [(a, b)])
        assert rec.found == _reference(rec.pat, text, a, b), (a, b)


# -- 3. sections: the grouped pattern --------------------------------------------------------
HEADINGS = [
    ("第一部分 总体情况", "part", "一"),
    ("第2章 整改措施", "part", "2"),
    ("一、总体情况", "cn_dun", "一"),
    ("二，存在问题", "cn_dun", "二"),
    ("十一. 下一步工作", "cn_dun", "十一"),
    ("三．整改目标", "cn_dun", "三"),
    ("（一）反馈问题", "paren_cn", "一"),
    ("(二)整改情况", "paren_cn", "二"),
    ("1. 水污染", "arabic_dot", "1"),
    ("12、大气污染", "arabic_dot", "12"),
    ("3．土壤", "arabic_dot", "3"),
    ("（1）已完成", "paren_arabic", "1"),
    ("(2) 正在推进", "paren_arabic", "2"),
    ("3）推进中", "paren_arabic", "3"),
    ("①第一项", "circled", "①"),
    ("⑳末项", "circled", "⑳"),
    ("【导读】", "bracket_title", "导读"),
    ("【县市区动态】\u3000", "bracket_title", "县市区动态"),
    ("  \u3000一、缩进的标题", "cn_dun", "一"),
    ("\t（三）制表符", "paren_cn", "三"),
]
NOT_HEADINGS = ["1.5亿元", "一.5", "【导读】正文在此", "第一次会议", "123、", "（一二三四）", "整改情况", "", "十一二三、", "㉑二十一"]


@pytest.mark.parametrize("line,style,num", HEADINGS)
def test_heading_styles_exact(pipe, monkeypatch, line, style, num):
    st = stage(pipe, "sections")
    assert st.any_style is not None and st.style_groups is not None  # the grouped path is in use
    got = [(s, n) for _, s, n, _, _ in st.headings(line)]
    assert got == [(style, num)]
    fast = list(st.headings(line))
    monkeypatch.setattr(st, "any_style", None)
    assert list(st.headings(line)) == fast


@pytest.mark.parametrize("line", NOT_HEADINGS)
def test_not_headings(pipe, monkeypatch, line):
    st = stage(pipe, "sections")
    assert list(st.headings(line)) == []
    monkeypatch.setattr(st, "any_style", None)
    assert list(st.headings(line)) == []


def test_style_order_settles_overlaps(pipe, monkeypatch):
    """A line two styles can read goes to the first style listed, both ways: 1） is paren_arabic
    only because no earlier style takes it; every heading line joined in one text."""
    st = stage(pipe, "sections")
    text = "\n".join(line for line, _, _ in HEADINGS + [(x, "", "") for x in NOT_HEADINGS])
    fast = list(st.headings(text))
    assert [s for _, s, _, _, _ in fast] == [s for _, s, _ in HEADINGS]
    monkeypatch.setattr(st, "any_style", None)
    assert list(st.headings(text)) == fast


@pytest.mark.parametrize("path", SEEDS + DEV, ids=lambda p: p.name)
def test_sections_grouped_equals_styles_in_order(pipe, monkeypatch, path):
    st = stage(pipe, "sections")
    text = pipe.normalizer(path.read_text(encoding="utf-8"))[0]
    fast = list(st.headings(text))
    doc1 = Doc(text)
    st(doc1)
    monkeypatch.setattr(st, "any_style", None)
    slow = list(st.headings(text))
    doc2 = Doc(text)
    st(doc2)
    assert fast == slow
    assert doc1.sections == doc2.sections
    if path in SEEDS:
        assert len(fast) > 0


# -- 4. tables: a line that strips to "1" --------------------------------------------------
_ONE_RE = regex.compile(r"^[^\S\n]*1[^\S\n]*$", regex.M)


def _one_line_plain(text):
    return any(line.strip() == "1" for line in text.split("\n"))


ONE_CASES = {
    "1": True, " 1 ": True, "１": False, "1.": False, "11": False, "": False, "\u30001\u3000": True,
    "\t1\t": True, "表\n1\n问题": True, "表\n 1 1\n": False, "11\n1": True, "1\n": True, "\n1": True,
    "10\n21\n12": False, "a1\n1b": False, "1\r\n2": True, "x\n\n1": True, "一\n１\n": False,
    "\x0b1\x0c": True, "\u20281": True, "1\u2029": True, "\x851": True, "\u200b1": False, "\ufeff1": False,
}


@pytest.mark.parametrize("text,want", list(ONE_CASES.items()))
def test_has_one_line(text, want):
    assert _has_one_line(text) is want
    assert _one_line_plain(text) is want
    assert bool(_ONE_RE.search(text)) is want


def test_has_one_line_strips_as_str_strip():
    """The separators \x1c-\x1f are spaces to str.strip (and so to the table reader's cells),
    not to a regex's \\s: the quick test follows str.strip, as the reader it guards does."""
    for c in "\x1c\x1d\x1e\x1f":
        assert _has_one_line(c + "1" + c) is True
        assert _one_line_plain(c + "1" + c) is True
        assert _has_one_line(c + "11") is False


@pytest.mark.parametrize("path", SEEDS + DEV, ids=lambda p: p.name)
def test_has_one_line_on_documents(pipe, path):
    text = pipe.normalizer(path.read_text(encoding="utf-8"))[0]
    assert _has_one_line(text) == _one_line_plain(text) == bool(_ONE_RE.search(text))


def test_flattened_table_needs_a_one_line(pipe):
    """The quick test only turns away texts in which the flattened reading finds nothing."""
    reader = stage(pipe, "problems").tables
    table = "序号\n问题\n责任单位\n完成情况\n1\n河道垃圾\n县水利局\n已完成\n2\n扬尘\n市住建局\n正在推进\n"
    spans, pos = [], 0
    for line in table.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    assert _has_one_line(table)
    assert [t.form for t in reader.find(table)] == ["flattened"]
    assert len(reader._flattened(table, spans)) == 1
    broken = table.replace("\n1\n", "\n１\n")
    assert not _has_one_line(broken)
    assert reader.find(broken) == []


# -- 5. Doc.section_at's cache ------------------------------------------------------------------
def _brute_section_at(doc, pos):
    holders = [s for s in doc.sections if s.start <= pos < s.end]
    return max(holders, key=lambda s: (s.level, s.start)) if holders else None


def _probe(doc):
    n = len(doc.text)
    pts = set(range(0, n + 1, 53))
    for s in doc.sections:
        pts.update((s.start - 1, s.start, s.heading_end, s.end - 1, s.end))
    return sorted(p for p in pts if -1 <= p <= n)


def _check(doc):
    for p in _probe(doc):
        assert doc.section_at(p) is _brute_section_at(doc, p), p


def _sec(sid, parent, level, start, end):
    return Section(sid, parent, level, "1", "arabic_dot", "h", start, end, start + 1)


def test_section_at_after_changes(pipe, texts):
    text = texts[0]
    doc = Doc(text)
    stage(pipe, "sections")(doc)
    assert len(doc.sections) > 3
    _check(doc)
    whole = list(doc.sections)
    # replaced by a new list: the top level only
    doc.sections = [s for s in whole if s.level == 1]
    _check(doc)
    # appended to in place: a section nested in the last one
    last = doc.sections[-1]
    doc.sections.append(_sec("x1", last.section_id, last.level + 1, last.start + 1, last.end))
    _check(doc)
    assert doc.section_at(last.start + 1).section_id == "x1"
    # the last one replaced in place, by one that ends sooner
    doc.sections[-1] = _sec("x2", last.section_id, last.level + 1, last.start + 1, last.start + 3)
    _check(doc)
    assert doc.section_at(last.start + 3) is last
    # popped: the list shrinks
    doc.sections.pop()
    _check(doc)
    # emptied, then the full list again
    doc.sections = []
    assert doc.section_at(0) is None
    doc.sections = whole
    _check(doc)
    # a pickled Doc (the index is not pickled) reads the same
    back = pickle.loads(pickle.dumps(doc))
    _check(back)


def test_section_at_hand_built():
    doc = Doc("x" * 100)
    doc.sections = [_sec("s1", "", 1, 0, 50), _sec("s2", "s1", 2, 10, 30), _sec("s3", "s2", 3, 12, 20),
                    _sec("s4", "", 1, 50, 100)]
    want = {0: "s1", 9: "s1", 10: "s2", 12: "s3", 19: "s3", 20: "s2", 29: "s2", 30: "s1", 49: "s1",
            50: "s4", 99: "s4", 100: None, -1: None}
    got = {p: (doc.section_at(p).section_id if doc.section_at(p) else None) for p in want}
    assert got == want
    doc.sections.append(_sec("s5", "s4", 2, 60, 70))
    assert doc.section_at(65).section_id == "s5" and doc.section_at(70).section_id == "s4"
    doc.sections = doc.sections[:2]
    assert doc.section_at(12).section_id == "s2" and doc.section_at(60) is None
    _check(doc)


@pytest.mark.parametrize("idx", range(len(SEEDS) + len(SENTENCES)))
def test_person_cues_equal_the_cue_pattern_over_the_text(pipe, texts, idx):
    """The persons stage tries its cue pattern only where a post or label starts (handed on or
    found alone): the matches are those of ``cue.finditer`` over the whole text."""
    ps = stage(pipe, "persons")
    text = texts[idx]
    want = [(m.span(), m.group("cue"), m.group("name")) for m in ps.cue.finditer(text)]
    doc = upto_orgs(pipe, text)
    assert cue_words(pipe.rules)._handed.get(doc.text) is not None
    handed = [(m.span(), m.group("cue"), m.group("name")) for m in ps._cues(doc.text)]
    alone = [(m.span(), m.group("cue"), m.group("name")) for m in ps._cues("".join(list(text)))]
    assert handed == alone == want
