"""Fast paths of the quantities, dates and metadata stages give exactly what the plain way gives.

* word lists and plain-word groups as tries (quantities): the same matches, in the same order of
  preference, as the flat alternation;
* a plain ASCII number times a multiplier read in integer arithmetic: the float parse_number gives;
* dates: the anchor and the scanner fused in one pattern find what the scanner finds where the
  anchor holds (and that is what the scanner alone finds).
"""
from __future__ import annotations

import random

import conftest
import pytest
import regex

from extract.numerals import parse_number
from extract.pipeline import Pipeline
from extract.quantities import literal_groups_as_tries
from extract.rules import alternation, word_trie

SEEDS = sorted(conftest.SEEDS.glob("*.txt"))
DEV = sorted((conftest.SHARED / "dev" / "docs").glob("*.txt"))


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


# -- tries --------------------------------------------------------------------
def test_word_trie_shape():
    assert word_trie(["至少", "不低于", "不得低于"]) == "(?:(?:不(?:低于|得低于)|至少))"
    assert word_trie(["万", "万亿"]) == "(?:万(?:亿)?)"
    assert word_trie(["个", "个月"], {"个": "(?!别)"}) == "(?:个(?:月|(?!别)))"


WORD_LISTS = [
    ["不得低于", "不得少于", "不低于", "不少于", "最多", "至少"],
    ["万亿", "千亿", "百亿", "十亿", "亿", "千万", "百万", "十万", "万", "千", "百"],
    ["个工作日", "工作日", "个月", "个", "个小时", "小时", "人", "人次", "平方米", "平方公里", "米"],
    ["a", "ab", "abc", "b", "bc"],
]


@pytest.mark.parametrize("words", WORD_LISTS, ids=lambda w: w[0])
def test_word_trie_prefers_what_the_alternation_prefers(words):
    """Each word that can match, in the same order: the part a lazy rest leaves is the same."""
    flat = regex.compile(f"(?:{alternation(words)})(?P<rest>.*?)\\Z", regex.S)
    trie = regex.compile(f"{word_trie(words)}(?P<rest>.*?)\\Z", regex.S)
    chars = sorted(set("".join(words))) + ["x"]
    rnd = random.Random(7)
    for _ in range(3000):
        s = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 6)))
        for a in range(len(s) + 1):
            f, t = flat.match(s, a), trie.match(s, a)
            assert (f and (f.span(), f.group("rest"))) == (t and (t.span(), t.group("rest"))), (s, a)
        # and where a continuation forces backtracking into the words
        for tail in ("x", ""):
            f = regex.fullmatch(f"(?:{alternation(words)})(.*?){tail}", s)
            t = regex.fullmatch(f"{word_trie(words)}(.*?){tail}", s)
            assert (f and f.group(1)) == (t and t.group(1)), s


def test_word_trie_with_exceptions_after_a_unit():
    units, exc = ["个", "个月", "天", "家"], {"个": ["别", "性"], "天": ["然"]}
    tails = {u: f"(?!{alternation(w)})" for u, w in exc.items()}
    flat = regex.compile("|".join(regex.escape(u) + tails.get(u, "")
                                  for u in sorted(units, key=lambda w: (-len(w), w))))
    trie = regex.compile(word_trie(units, {u: f"(?!{word_trie(w)})" for u, w in exc.items()}))
    for s in ["个别", "个月", "个人", "个性", "天然", "天气", "家", "月个", "个"]:
        for a in range(len(s)):
            f, t = flat.match(s, a), trie.match(s, a)
            assert (f and f.span()) == (t and t.span()), (s, a)


@pytest.mark.parametrize("pattern,changed", [
    ("(?:十四五|十三五|水十条)", True),
    ("(?<![0-9])(?:12345|12369)(?![0-9])", True),
    ("(?:编号|序号)[：:]?[0-9]{1,30}", True),
    ("(?:十四|十四五)", False),           # the shorter word first: the flat alternation prefers it
    ("(?:编号|编号)", False),             # a word twice
    ("(?x)(?:a b|c)", False),             # verbose: a space is not a character
    ("[(?:ab|cd)]x", False),              # inside a set these are characters
    ("(?:a.|b)", False),                  # not plain words
    ("(?:ab)", False),                    # one word: nothing to gain
    (r"\(?:ab|cd\)", False),             # an escaped parenthesis opens no group
])
def test_literal_groups_as_tries(pattern, changed):
    out = literal_groups_as_tries(pattern)
    assert (out != pattern) == changed
    texts = ["十四五规划", "十四", "水十条", "12345", "012345", "编号：12", "序号3", "ab", "cd", "a b", "x",
             "(ab", "b", "acd"]
    for s in texts:
        a, b = regex.compile(pattern), regex.compile(out)
        assert [m.span() for m in a.finditer(s)] == [m.span() for m in b.finditer(s)], (pattern, s)


# -- integer arithmetic for plain numbers ---------------------------------------------
@pytest.mark.parametrize("mult", ["", "万", "亿", "十万", "百万", "千万", "万亿", "千亿", "百亿", "十亿", "千", "百"])
def test_plain_number_times_multiplier_is_parse_number(pipe, mult):
    q = stage(pipe, "quantities")
    rnd = random.Random(len(mult))
    for digits in ["0", "007", "1", "12", "999999999999999", "123456789012345"] + \
            [str(rnd.randrange(10 ** rnd.randint(1, 15))) for _ in range(300)]:
        assert q._arabic(digits, mult) == parse_number(digits + mult), (digits, mult)
    for digits in ["1,087", "251023.54", "２４", "1.5"]:
        assert q._arabic(digits, mult) == parse_number(digits + mult)


def test_quantity_values_through_the_scan(pipe):
    from extract import extract_text
    doc = extract_text("收购24万余斤，投入66.57万元，整改3-5个排口，清理1,087个问题，植树三千亩，共12万亿元。")
    assert [(doc.text[s.start:s.end], s.value, s.unit) for s in doc.of_kind("quantity")] == [
        ("24万余斤", 240000.0, "斤"), ("66.57万元", 665700.0, "元"), ("3-5个", 3.0, "个"),
        ("1,087个", 1087.0, "个"), ("三千亩", 3000.0, "亩"), ("12万亿元", 12e12, "元")]


# -- dates: anchor and scanner fused ------------------------------------------------
def _anchored_loop(d, text):
    """The scanner tried at each place where the anchor holds, leftmost first (the loop the fused
    pattern replaces)."""
    last = 0
    for a in d.anchor.finditer(text):
        p = a.start()
        if p < last:
            continue
        m = d.scanner.match(text, p)
        if m is not None:
            yield m
            last = m.end() if m.end() > p else p + 1


DATE_TEXTS = [
    "2024年8月22日至9月29日开展督察，今年1-10月，2023年7月至2024年3月",
    "一二〇二五年十一月 去年5月 上年度 12345热线 2023—2025年 2023年 工作",
    "截至20211228日 20201125\n发布时间：2023-07-27 2021/5/18 2021.05.18",
    "2025年3月、6月和9月 5月7日至8日 （20182020年） 截至20216522时",
]


@pytest.mark.parametrize("text", DATE_TEXTS)
def test_dates_fused_scan_is_the_anchored_loop(pipe, text):
    d = stage(pipe, "dates")
    assert d.anchored is not None
    fused = [(m.span(), m.groups()) for m in d._matches(text)]
    assert fused == [(m.span(), m.groups()) for m in _anchored_loop(d, text)]
    assert fused == [(m.span(), m.groups()) for m in d.scanner.finditer(text)]


@pytest.mark.parametrize("path", SEEDS + DEV, ids=lambda p: p.name)
def test_dates_fused_scan_on_documents(pipe, path):
    d = stage(pipe, "dates")
    text = pipe.normalizer(path.read_text(encoding="utf-8"))[0]
    fused = [(m.span(), m.groups()) for m in d._matches(text)]
    assert fused == [(m.span(), m.groups()) for m in _anchored_loop(d, text)]


def test_dates_anchor_with_a_group_is_not_fused(tmp_path):
    (tmp_path / "dates.yaml").write_text(
        "# an anchor with a group of its own\n"
        "anchor: '(?<!\\d)(\\d)'\n"
        "patterns:\n"
        "  - name: year\n"
        "    pattern: '(?<!\\d)(?P<y>(?:19|20)\\d{2})年'\n", encoding="utf-8")
    d = stage(Pipeline([str(tmp_path)]), "dates")
    assert d.anchor is not None and d.anchored is None
    text = "于2025年完成"
    assert [(text[m.start():m.end()], kind) for m, kind, _ in d._find(text)] == [("2025年", "year")]
