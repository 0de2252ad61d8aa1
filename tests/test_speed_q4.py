"""The quantities scan cut at the characters no match takes (QuantityStage._cut_matches) finds the
amounts one scan of the whole text finds; cut_points answers right and says "not known" (the
lines are then scanned) for what it cannot vouch for."""
from __future__ import annotations

import random

import pytest
import regex
from test_speed_q import DEV, Q_GROUPS, SEEDS, pipe  # noqa: F401 (pipe: the shared fixture)
from test_speed_q import stage as stage_of

from extract.pipeline import Pipeline
from extract.quantities import cut_points, first_chars


def stage(pipe, name="quantities"):
    return stage_of(pipe, name)


def amounts(ms):
    return [tuple((m.group(g), m.span(g)) for g in Q_GROUPS) for m in ms if m.start("q") >= 0]


def cut_scan(q, text):
    return amounts(q._cut_matches(text))


def whole_scan(q, text):
    return amounts(q.scanner.finditer(text))


TEXTS = [
    "共清理3个排口",
    "《关于3个问题的整改方案》整改5个问题",  # an amount inside a title is skipped, one after it found
    "《未闭合的标题共3个问题，整改5个",  # no closing mark: the title branch fails, amounts are read
    "“十查十做”开展3次，“三个一”活动12场",  # quotes (open alternatives) before amounts
    "“共有3个问题以及后面很长很长的引语”5个",  # a quote too long for the quote branch
    "共3天然气",  # 天(?!然): the lookahead reads the character that ends the run
    "下降3个百分点，增加2个站点",  # 个(?!百分点): a lookahead three characters long
    "3个\n4个\n\n5个",
    "整改3 至 5 个排口，约1.5万吨，24万余斤，300亩左右",
    "至少3个、不少于10个工作日、24小时内、1.5万吨/日",  # requirements, limits, rates (dropped later)
    "第二轮督察发现12个问题，第3批共7个，第1、2批",
    "编号:123456789012个，12345热线3次，PM2.5下降2个",
    "12345678901234567个\n1234,567个\n第1.1234567个",
    "三千亩\n大嘴巴——三千亩——原天泓港口码头\n数十家企业",
    "（1）排查5个排口\n1. 整改问题12个\n2、共计251023.54万元",
    "《标题》3个《标题2》4个“引”5个〈书〉6个「名」7个",  # openers right before amounts
    "3个《",
    "《3个》",
    "“3个”",
    "",
    "个",
    "3",
]


@pytest.mark.parametrize("text", TEXTS)
def test_cut_scan_finds_what_the_whole_scan_finds(pipe, text):
    q = stage(pipe)
    assert q._cut is not None
    assert cut_scan(q, text) == whole_scan(q, text)
    assert amounts(q._matches(text)) == whole_scan(q, text)


def test_cut_scan_keeps_amounts_and_drops_the_title(pipe):
    q = stage(pipe)
    found = [a[0][0] for a in cut_scan(q, "《关于3个问题的整改方案》整改5个问题，共3天然气")]
    assert found == ["5个"]


def test_cut_scan_on_the_seed_and_dev_documents(pipe):
    q = stage(pipe)
    docs = [pipe.normalizer(p.read_text(encoding="utf-8"))[0] for p in SEEDS + DEV]
    assert docs and all(cut_scan(q, t) == whole_scan(q, t) for t in docs)


def test_cut_scan_on_random_texts(pipe):
    q = stage(pipe)
    pieces = ["3", "12", "三", "十二", "个", "万", "余", "亩", "-", "至", " ", "\n", "《", "》", "“", "”", "〈", "〉",
              "‘", "’", "「", "」", "第", "约", "不少于", "问题", "年", "%", "（", "1）", "PM", ".", "5", "元", "次",
              "每月", "天", "然", "百分点", "的", "，", "。", "以上", "内", "/", "编号", "12345", "十四五"]
    rnd = random.Random(11)
    for _ in range(1500):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 60)))
        assert cut_scan(q, text) == whole_scan(q, text), text


def test_text_beyond_the_bmp(pipe):
    q = stage(pipe)
    text = "𠀀共3个问题，“引”5个𠀀6个"
    assert cut_scan(q, text) == whole_scan(q, text)
    doc = pipe.process_text(text)
    assert [s.text for s in doc.of_kind("quantity")] == ["3个", "5个", "6个"]


def test_an_open_alternative_without_openers_turns_the_cut_off(tmp_path):
    # a skip branch that can start with almost any character: no place is known to be free of matches
    (tmp_path / "quantities.yaml").write_text(
        "skip:\n  - name: title\n    pattern: '[^\\n，]{1,3}号'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p)
    assert q.cue is not None and q._cut is None
    doc = p.process_text("整改5个问题，共3号")
    assert [s.text for s in doc.of_kind("quantity")] == ["5个"]


def test_a_user_skip_rule_keeps_the_cut_exact(tmp_path):
    # a new open alternative with its own opener (【): cut there too, and still exact
    (tmp_path / "quantities.yaml").write_text(
        "skip:\n  - name: bracket\n    pattern: '【[^【】\\n]{1,30}】'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p)
    assert q._cut is not None
    for text in ["【3个】整改5个", "【未闭合3个", "“引”【x】7个《y》8个"]:
        assert cut_scan(q, text) == whole_scan(q, text)
    assert [s.text for s in p.process_text("【3个】整改5个").of_kind("quantity")] == ["5个"]


def test_a_lookahead_past_the_run_is_read(tmp_path):
    # 5个(?!的) skipped unless 的 follows: 的 (taken by no match) ends the run, and the lookahead
    # must still see it, else the skip would take 5个 and the amount be lost
    (tmp_path / "quantities.yaml").write_text(
        "skip:\n  - name: counted\n    pattern: '[0-9]{1,3}个(?!的)'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p)
    assert q._cut is not None
    for text in ["共5个的问题", "共5个问题", "5个的", "5个"]:
        assert cut_scan(q, text) == whole_scan(q, text)
    assert [s.text for s in p.process_text("共5个的问题").of_kind("quantity")] == ["5个"]


# -- at an opener ---------------------------------------------------------------
def test_at_an_opener_the_skip_branches_match_as_the_scanner(pipe):
    q = stage(pipe)
    at_opener = q._cut[4]
    assert at_opener is not None and at_opener is not q.scanner.match
    docs = [pipe.normalizer(p.read_text(encoding="utf-8"))[0] for p in SEEDS + DEV] + TEXTS
    rnd = random.Random(5)
    pieces = ["《", "》", "“", "”", "‘", "’", "「", "」", "〈", "〉", "3", "个", "第", "十四五", "\n", "的", "x" * 13]
    docs += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30))) for _ in range(500)]
    seen = 0
    for text in docs:
        for o, ch in enumerate(text):
            if ch in "《〈“‘「":
                a, b = q.scanner.match(text, o), at_opener(text, o)
                assert (a and a.span()) == (b and b.span()), (text, o)
                assert a is None or a.start("q") < 0  # never an amount
                seen += 1
    assert seen > 100


def test_an_opener_an_amount_can_take_turns_the_cut_off(tmp_path):
    # 「约5个: 「 begins an amount, so no longer a place to cut at: the lines are scanned whole
    (tmp_path / "quantities.yaml").write_text("approx_prefixes: ['「约']\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p)
    assert q.cue is not None and q._cut is None
    for text in ["共「约5个", "「约5个」", "“引”「约5个《x》"]:
        assert amounts(q._matches(text)) == whole_scan(q, text)
    assert [s.text for s in p.process_text("共「约5个").of_kind("quantity")] == ["「约5个"]


def test_a_skip_rule_with_inline_flags_has_the_scanner_tried_at_openers(tmp_path):
    (tmp_path / "quantities.yaml").write_text(
        "skip:\n  - name: code\n    pattern: '(?i)qq[0-9]{1,3}'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    q = stage(p)
    if q._cut is not None:
        assert q._cut[4] is None
    for text in ["QQ12个，《x》5个", "qq3个"]:
        assert amounts(q._matches(text)) == whole_scan(q, text)


# -- cut_points / first_chars --------------------------------------------------------
def test_cut_points_of_a_small_scanner():
    x, openers, reach = cut_points("(?P<skip>《[^《》\\n]{1,20}》|[0-9]+%)|(?P<q>[0-9]+(?:个|天(?!然)))", regex.M)
    cls = regex.compile(x)
    assert all(cls.fullmatch(c) for c in "的然《》\n") and not any(cls.fullmatch(c) for c in "0%个天")
    assert openers == "《"
    assert reach == 1


@pytest.mark.parametrize("pattern", [
    "[^a]{1,3}b|c",            # an open alternative that can start with anything
    "a(?=[0-9]+)|b",           # a lookahead that reads without bound
    "a|\\p{Han}",              # a property: open, and so are its first characters
    "《[^》]*》|[《]",             # an opener that a closed alternative takes
    "(?i)ab|c",                # case folding: not read
    "(",                       # not a pattern
])
def test_cut_points_not_known(pattern):
    assert cut_points(pattern, regex.M) is None


def test_an_open_alternative_opens_with_each_of_its_first_characters():
    # 《…》 may be left out: the alternative then starts with x, an opener too
    assert cut_points("(?:《[^》]{1,5}》)?x|y", regex.M) == ("[^y]", "x《", 0)


def test_first_chars():
    assert first_chars("(?=x)(?:ab|[c-e]f)?g") == set("acdeg")
    assert first_chars("(?<![0-9])12|^ *3") == set("13 ")
    assert first_chars("a?") is None
    assert first_chars("[^a]b") is None
