"""Fast paths that must give exactly what the plain way gives.

* dates: the scanner is tried only where `anchor` (rules/dates.yaml) holds;
* quantities: a check of what must follow a number, built from the rule lists;
* indicators: sentences without a fact are not read (dates and 《titles》 across breaks);
* citations: ``kind_of`` by str.endswith, the regex only for a title with a line break;
* metadata: a line's dates taken from the one scan of the text when only spaces follow it.
"""
from __future__ import annotations

from pathlib import Path

import conftest
import pytest

from extract import extract_text
from extract.metadata import Line
from extract.pipeline import Pipeline
from extract.rules import RuleError

SEEDS = sorted(conftest.SEEDS.glob("*.txt"))
DEV = sorted((conftest.SHARED / "dev" / "docs").glob("*.txt"))


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


def sig(found):
    return [(m.span(), kind, g) for m, kind, g in found]


# -- dates: the anchored scan -------------------------------------------------
DATE_CASES = {
    "2024年8月22日至9月29日开展督察": [("2024年8月22日至9月29日", "day_range")],
    "今年1-10月，全市": [("今年1-10月", "month_range")],
    "2023年7月至2024年3月": [("2023年7月至2024年3月", "month_range")],
    "于5月9日完成": [("5月9日", "day")],
    "截至2024年10月": [("2024年10月", "month")],
    "2023—2025年行动": [("2023—2025年", "year_range")],
    "2023年 工作": [("2023年", "year")],
    "发布时间：2023-07-27": [("2023-07-27", "iso")],
    "二〇二五年十一月二十七日": [("二〇二五年十一月二十七日", "chinese_day")],
    "截至20211228日": [("20211228日", "lost_separators")],
    "一二〇二五年十一月": [("二〇二五年十一月", "chinese_day")],  # the year starts inside a run of numerals
    "去年5月": [("去年5月", "month")],
    "上年度工作和12345热线、第3期、A10个": [],
    "2025年3月、6月和9月": [("2025年3月", "month"), ("6月", "month"), ("9月", "month")],
}


@pytest.mark.parametrize("text,expected", list(DATE_CASES.items()))
def test_dates_anchored_scan_exact(pipe, text, expected):
    d = stage(pipe, "dates")
    assert d.anchor is not None
    found = d._find(text)
    assert [(text[m.start():m.end()], kind) for m, kind, _ in found] == expected
    assert sig(found) == sig((m, kind, g) for m, kind, g in _plain_dates(d, text))


def _plain_dates(d, text):
    """What the scanner alone finds, every position tried (the reference)."""
    names = d.group_names
    for m in d.scanner.finditer(text):
        groups = m.groups()
        kind = next(name for g, name in d.branch_groups if groups[g] is not None)
        yield m, kind, dict(zip(names, groups))


@pytest.mark.parametrize("path", SEEDS + DEV, ids=lambda p: p.name)
def test_dates_anchored_scan_same_on_documents(pipe, path):
    d = stage(pipe, "dates")
    text = pipe.normalizer(path.read_text(encoding="utf-8"))[0]
    assert sig(d._find(text)) == sig(_plain_dates(d, text))


def test_dates_norms_through_pipeline():
    doc = extract_text("2024年8月22日至9月29日，督察组进驻。今年5月31日前完成整改。")
    assert [(doc.text[s.start:s.end], s.norm) for s in doc.of_kind("date")] == [
        ("2024年8月22日至9月29日", "2024-08-22/2024-09-29"), ("今年5月31日", "2024-05-31")]


def test_dates_layer_with_patterns_but_no_anchor_tries_everywhere(tmp_path):
    (tmp_path / "dates.yaml").write_text(
        "# a user's pattern that the shipped anchor knows nothing of\n"
        "patterns:\n"
        "  - name: quarter\n"
        "    pattern: 'Q(?P<m>[1-4])(?P<y>(?:19|20)\\d{2})'\n", encoding="utf-8")
    d = stage(Pipeline([str(tmp_path)]), "dates")
    assert d.anchor is None
    text = "计划于Q32025完成"
    assert [(text[m.start():m.end()], kind) for m, kind, _ in d._find(text)] == [("Q32025", "quarter")]
    # the shipped anchor holds nowhere in it: trusted, it would have hidden the match
    assert stage(Pipeline(), "dates").anchor.search(text) is None


def test_dates_layer_with_its_own_anchor_keeps_it(tmp_path):
    (tmp_path / "dates.yaml").write_text(
        "# patterns and an anchor from the same layer\n"
        "anchor: '(?<!\\d)\\d'\n"
        "patterns:\n"
        "  - name: season\n"
        "    pattern: '(?<!\\d)(?P<y>(?:19|20)\\d{2})年第(?P<m>[一二三四])季度'\n", encoding="utf-8")
    d = stage(Pipeline([str(tmp_path)]), "dates")
    assert d.anchor is not None
    text = "计划于2025年第三季度完成"
    assert [(text[m.start():m.end()], kind) for m, kind, _ in d._find(text)] == [("2025年第三季度", "season")]


def test_dates_bad_anchor_names_file_and_line(tmp_path):
    (tmp_path / "dates.yaml").write_text("# broken\n\nanchor: '(?<!\\d'\n", encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Pipeline([str(tmp_path)])
    assert str(e.value).startswith(f"{tmp_path / 'dates.yaml'}:3:")


# -- quantities: the check after a number --------------------------------------
QTY_CASES = {
    "共种植27万株树苗": [("27万株", 270000.0, "株", "", {})],
    "收购24万余斤": [("24万余斤", 240000.0, "斤", "", {"approximate": True})],
    "整改3-5个排口": [("3-5个", 3.0, "个", "排口", {"max": 5.0})],
    "排查3至5个排口": [("3至5个", 3.0, "个", "排口", {"max": 5.0})],
    "排查3 至 5 个排口": [("3 至 5 个", 3.0, "个", "排口", {"max": 5.0})],
    "复绿三千亩": [("三千亩", 3000.0, "亩", "", {})],
    "清理1,087个问题": [("1,087个", 1087.0, "个", "问题", {})],
    "问题资金251023.54万元": [("251023.54万元", 2510235400.0, "元", "资金", {})],
    "约1.5万吨垃圾": [("约1.5万吨", 15000.0, "吨", "", {"approximate": True})],
    "整治300亩左右": [("300亩左右", 300.0, "亩", "", {"approximate": True})],
    "查处三十二起案件": [("三十二起", 32.0, "起", "案件", {})],
    "2025年11月完成": [],
    "数十家企业": [],
    "每月1次": [],
    "24小时内": [],
    "1.5万吨/日": [],
    "达94%": [],
    "下降3个百分点": [],
}


@pytest.mark.parametrize("text,expected", list(QTY_CASES.items()))
def test_quantities_exact(text, expected):
    doc = extract_text(text)
    got = [(doc.text[s.start:s.end], s.value, s.unit, s.name, s.attrs) for s in doc.of_kind("quantity")]
    assert got == expected


def test_quantities_number_check_is_in_the_scanner(pipe):
    q = stage(pipe, "quantities")
    # a number followed by nothing a unit, mark or range could start with fails at once
    assert q.scanner.pattern.count("(?=[") >= 2
    m = q.scanner.search("合计12个")
    assert m.group("q") == "12个"


# -- indicators: sentences read only when they can state a fact -------------------
IND_CASES = {
    "2023年大通湖总磷均值为0.082mg/L。": [("总磷均值为0.082mg/L", "总磷", 0.082, "mg/L", "2023", "actual")],
    # the date is in the sentence before: not the value's period
    "2023年。大通湖总磷均值为0.082mg/L。": [("总磷均值为0.082mg/L", "总磷", 0.082, "mg/L", "", "actual")],
    # a value with no name in its sentence is nobody's
    "大通湖总磷超标。均值为0.082mg/L。": [],
    # a date inside a 《title》 is part of the title
    "《2023年工作方案》印发后，大通湖总磷均值为0.082mg/L。": [
        ("总磷均值为0.082mg/L", "总磷", 0.082, "mg/L", "", "actual")],
    # a sentence break and a value inside a 《title》 are hidden: the sentence runs on
    "2024年印发《方案。总磷0.1mg/L》，大通湖总磷均值为0.082mg/L。": [
        ("总磷均值为0.082mg/L", "总磷", 0.082, "mg/L", "2024", "actual")],
    "2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L。": [
        ("总磷均值分别为0.082mg/L", "总磷", 0.082, "mg/L", "2023", "actual"),
        ("0.079mg/L", "总磷", 0.079, "mg/L", "2024", "actual")],
    # the second sentence has a date and a value but no name: not read
    "2023年大通湖总磷均值为0.082mg/L。2024年为0.079mg/L。": [
        ("总磷均值为0.082mg/L", "总磷", 0.082, "mg/L", "2023", "actual")],
}


@pytest.mark.parametrize("text,expected", list(IND_CASES.items()))
def test_indicator_sentences_across_breaks(text, expected):
    doc = extract_text(text)
    got = [(doc.text[s.start:s.end], s.name, s.value, s.unit, s.period, s.role) for s in doc.of_kind("indicator")]
    assert got == expected


def test_change_sentence_is_read_without_a_name():
    doc = extract_text("2023年大通湖总磷均值为0.082mg/L。较去年同期下降13.8%。")
    assert [(doc.text[s.start:s.end], s.value, s.unit) for s in doc.of_kind("change")] == [("下降13.8%", -13.8, "%")]


# -- citations: kind_of ---------------------------------------------------------
KIND_CASES = {
    "中华人民共和国水污染防治法": "law",
    "湖南省大气污染防治条例": "law",
    "排污许可管理办法": "rule",  # 法 (law) ends it too: the longer word decides
    "河长制工作考核办法（试行）": "rule",
    "中华人民共和国长江保护法": "law",
    "城镇污水处理厂污染物排放标准": "rule",
    "大通湖水质达标攻坚行动计划": "plan",
    "大通湖流域水环境综合治理实施方案（2023-2025年）": "plan",
    "关于开展专项整治的通知": "notice",
    "问题整改清单": "list",
    "某某工作手册": "",
    "攻坚方案\n": "plan",        # a line break: the regex ($ before a final line break)
    "攻坚方案\n说明": "",
}


@pytest.mark.parametrize("title,kind", list(KIND_CASES.items()))
def test_citation_kind_of_both_paths(pipe, title, kind):
    c = stage(pipe, "citations")
    assert c.kind_of(title) == kind
    if "\n" not in title:  # the same title with a line break after it: the regex path
        assert c.kind_of(title.split("（")[0] + "\n") == kind



# -- metadata: a line alone before its break ---------------------------------------
@pytest.mark.parametrize("tail,alone", [
    ("", True), ("\n下一行", True), ("  \n", True), ("\u3000\n", True), ("\t", True),
    ("\u2002\n", False), ("\r\n", False), ("，其他\n", False),
])
def test_metadata_alone(pipe, tail, alone):
    m = stage(pipe, "metadata")
    text = "益阳市生态环境局\n2025年11月27日" + tail
    start = text.index("2025")
    ln = Line(start, start + len("2025年11月27日"), "2025年11月27日")
    assert m._alone(text, ln) is alone


@pytest.mark.parametrize("tail", ["", "\u2002", "\r", "  ", "\u3000"])
def test_metadata_signature_date_with_trailing_space(pipe, tail):
    text = ("益阳市生态环境局\n关于大通湖水质问题整改情况的通报\n各单位：\n今年5月9日，我局开展检查。\n"
            "益阳市生态环境局\n2025年11月27日" + tail + "\n")
    doc = pipe.process_text(text, normalise=False)
    assert doc.meta["date"] == "2025-11-27"
    assert [(doc.text[s.start:s.end], s.norm) for s in doc.of_kind("date")] == [
        ("今年5月9日", "2025-05-09"), ("2025年11月27日", "2025-11-27")]


def test_masked_sees_a_long_mask_behind_many_short_ones():
    """masked() answers from the furthest end of the masks begun before the range, however many there are."""
    from extract.doc import Doc

    doc = Doc("x" * 200)
    doc.mask(0, 150)  # a long cited title …
    for k in range(10):  # … with ten document numbers inside it
        doc.mask(10 + 10 * k, 15 + 10 * k)
    assert doc.masked(130, 135)  # inside the title, after the ten
    assert not doc.masked(150, 160)
    doc.mask(155, 158)  # a mask put after a read is seen by the next
    assert doc.masked(150, 160) and doc.masked(157, 190)
    assert not doc.masked(158, 200) and not Doc("abc").masked(0, 3)
