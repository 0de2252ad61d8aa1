"""Fast paths of the quantities stage give exactly what the plain way gives.

* only the lines that can hold an amount are scanned (QuantityStage._matches): the amounts
  found are those of one scan of the whole text;
* within_lines / last_chars, which decide whether that is exact, answer right and say "not
  known" (the plain way) for what they cannot vouch for;
* the words before the number as branches: the same matches as the four optional groups.
"""
from __future__ import annotations

import itertools
import random

import conftest
import pytest
import regex

from extract.pipeline import Pipeline
from extract.quantities import last_chars, within_lines

SEEDS = sorted(conftest.SEEDS.glob("*.txt"))
DEV = sorted((conftest.SHARED / "dev" / "docs").glob("*.txt"))
Q_GROUPS = ("q", "bound", "pre", "an", "cn", "rng", "an2", "cn2", "a1", "mult", "a2", "unit", "post", "tail")


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


def amounts(ms):
    return [tuple((m.group(g), m.span(g)) for g in Q_GROUPS) for m in ms if m.start("q") >= 0]


def same_as_whole_scan(q, text):
    return amounts(q._matches(text)) == amounts(q.scanner.finditer(text))


# -- lines ---------------------------------------------------------------------
LINES = [
    "共清理3个排口",
    "共清理3个排口\n",
    "\n\n共清理3个排口\n\n",
    "第一行没有数字\n共清理3个排口\n第三行也没有",
    "共清理3\n个排口",  # no amount across a line break
    "3个\n4个\n\n5个",  # amounts at line starts and ends
    "《2025年3个方案》印发，整改3个问题\n（1）排查5个排口",  # a skipped title before an amount
    "第二轮督察发现12个问题\n第3批共7个",
    "“三个一”活动开展3次\n\n一岗双责落实到12个部门",
    "1.\t整改问题12个\n2. 整改3 至 5 个排口\n3）共计251023.54万元",
    "不少于 约 5个\n  至少3个 \n 约1.5万吨 ",
    "PM2.5浓度下降3个百分点，增加2个站点\n编号:123456789012个",
    "12345678901234567个\n1234,567个\n第1.1234567个",  # long digit runs, a comma, a long decimal
    "三千亩\n大嘴巴——三千亩——原天泓港口码头\n数十家企业",
    "2025年1-10月\n2024年12月至2025年3月完成3个项目",
    "一个\r\n两个\r\n十二个\r\n",  # \r is not a line break; \n is
]


@pytest.mark.parametrize("text", LINES)
def test_lines_scan_finds_what_the_whole_scan_finds(pipe, text):
    q = stage(pipe, "quantities")
    assert q.cue is not None
    assert same_as_whole_scan(q, text)


def test_lines_scan_on_the_seed_and_dev_documents(pipe):
    q = stage(pipe, "quantities")
    docs = [pipe.normalizer(p.read_text(encoding="utf-8"))[0] for p in SEEDS + DEV]
    assert docs and all(same_as_whole_scan(q, t) for t in docs)


def test_lines_scan_on_random_lines(pipe):
    q = stage(pipe, "quantities")
    pieces = ["3", "12", "三", "十二", "个", "万", "余", "亩", "-", "至", " ", "\n", "《", "》", "“", "”",
              "第", "约", "不少于", "问题", "年", "%", "（", "1）", "PM", ".", "5", "元", "次", "每月"]
    rnd = random.Random(7)
    for _ in range(400):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 40)))
        assert same_as_whole_scan(q, text), text


def test_a_rule_that_can_cross_lines_turns_the_lines_scan_off(tmp_path):
    # a title whose words may run over a line break: each line can no longer be scanned alone
    (tmp_path / "quantities.yaml").write_text(
        "skip:\n  - name: title\n    pattern: '《[^《》]{1,200}》'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p, "quantities")
    assert q.cue is None
    doc = p.process_text("《方案\n共3个》整改5个问题")
    assert [s.text for s in doc.of_kind("quantity")] == ["5个"]


def test_shipped_cue_reads_numbers_by_their_numeric_type(pipe):
    q = stage(pipe, "quantities")
    assert q.cue.pattern.startswith(r"\P{Numeric_Type=None}")
    assert within_lines(q.scanner.pattern, regex.M)


# -- within_lines ----------------------------------------------------------------
@pytest.mark.parametrize("pattern,expected", [
    ("《[^《》\\n]{1,200}》", True),
    ("[0-9]{1,3}(?=[个件])|^\\s*[一二]、$", False),  # \s takes a line break
    ("[0-9]{1,3}(?=[个件])|^[ \\t]*[一二]、$", True),
    ("《[^《》]{1,200}》", False),
    ("a.b", True),
    ("(?s)a.b", False),
    ("a\\nb", False),
    ("a(?=\\n)", False),  # a lookahead reading past the line break
    ("(?<![0-9])12345(?![0-9])", True),
    ("\\Ga", False),
    ("a\\Z", False),
    ("(?P<y>\\d{4})[-/](?P=y)", True),
    ("\\L<words>", False),
    ("(?:ab|c){1,3}+(?>d)", True),
    ("[^a]", False),
    ("\\p{Han}+", True),
    ("(", False),  # not a pattern: not known
])
def test_within_lines(pattern, expected):
    assert within_lines(pattern, regex.M) is expected


# -- last_chars ------------------------------------------------------------------
def test_last_chars_numeric():
    assert last_chars("[0-9]{1,3}|[一二三]十") == r"\P{Numeric_Type=None}"


def test_last_chars_listed():
    cls = regex.compile(last_chars("ab|c[de]"))
    assert all(cls.fullmatch(c) for c in "bde") and not any(cls.fullmatch(c) for c in "ac")


@pytest.mark.parametrize("pattern", ["a?", "", "(?i)ab", "a|\\p{Han}", "a.", "[^0-9]"])
def test_last_chars_not_known(pattern):
    assert last_chars(pattern) is None


def test_last_chars_holds_every_last_character():
    # each string a pattern matches ends with a character of its class
    for pattern in ["[0-9０-９]{1,15}(?:[.．][0-9]{1,6})?", "[一二三四五六七八九两十廿][零〇一二三四五六七八九十百千万亿两]{0,10}",
                    "x[a-c]|y(?:k|mm)"]:
        cls = regex.compile(last_chars(pattern))
        rx = regex.compile(pattern)
        alphabet = "0123456789０.．一二十百万亿两廿xyabckm"
        for n in range(1, 4):
            for s in map("".join, itertools.product(alphabet, repeat=n)):
                if rx.fullmatch(s):
                    assert cls.fullmatch(s[-1]), (pattern, s)


# -- the words before the number -------------------------------------------------
def test_prefix_branches_match_as_the_optional_groups():
    B, P, S = "(?:不少于|至少)", "(?:约|近|约近)", "[ ]"
    tail = "(?<![0-9])(?P<n>[0-9]+|约)(?P<u>个)"
    old = regex.compile(f"(?P<bound>{B})?{S}?(?P<pre>{P})?{S}?{tail}")
    new = regex.compile(f"(?:(?P<bound>{B}){S}?(?P<pre>{P})?{S}?|{S}(?P<pre>{P})?{S}?|(?P<pre>{P}){S}?)?{tail}")
    groups = ("bound", "pre", "n", "u")
    rnd = random.Random(3)
    pieces = ["不少于", "至少", "约", "近", " ", "5", "12", "个", "x"]
    for _ in range(3000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        a = [(m.span(), [m.span(g) for g in groups]) for m in old.finditer(s)]
        b = [(m.span(), [m.span(g) for g in groups]) for m in new.finditer(s)]
        assert a == b, s
