"""Dates: every form a notice writes, with exact norms."""
import pytest

from extract import extract_text


def dates(text, **meta):
    doc = extract_text(text)
    return [(s.text, s.norm, bool(s.attrs.get("inferred")), bool(s.attrs.get("repaired"))) for s in doc.of_kind("date")]


def norms(text):
    return [n for _, n, _, _ in dates(text)]


@pytest.mark.parametrize("text,expected", [
    ("2025年11月27日召开会议。", ["2025-11-27"]),
    ("2024 年 5 月 10 日", ["2024-05-10"]),
    ("于2024年10月完成。", ["2024-10"]),
    ("2023年以来。", ["2023"]),
    ("2024年8月22日至9月29日开展巡察。", ["2024-08-22/2024-09-29"]),
    ("公示时间：2023年10月13日至2023年10月24日。", ["2023-10-13/2023-10-24"]),
    ("2025年1-10月总磷均值。", ["2025-01/2025-10"]),
    ("行动方案（2023-2025年）", ["2023/2025"]),
    ("2023—2025年", ["2023/2025"]),
    ("2017年至2019年及时处理投诉", ["2017/2019"]),
    ("2023年7月至2024年3月", ["2023-07/2024-03"]),
    ("发布日期:2023-07-27 15:18", ["2023-07-27"]),
    ("时间 2021/5/18。", ["2021-05-18"]),
    ("二〇二五年十一月二十七日", ["2025-11-27"]),
    ("2024年12月至1月", ["2024-12/2025-01"]),
])
def test_absolute_dates(text, expected):
    assert norms(text) == expected


def test_list_continuation_takes_the_year_without_inference():
    got = dates("我局分别于2025年3月、6月和9月开展监测。")
    assert [(t, n, inf) for t, n, inf, _ in got] == [
        ("2025年3月", "2025-03", False), ("6月", "2025-06", False), ("9月", "2025-09", False)]


def test_yearless_dates_take_the_documents_year_and_are_flagged():
    text = "工作简报\n\n某某专班\n\n2024年5月10日\n\n5月9日，市委书记调研。5月7日至8日，现场督导。\n"
    got = dates(text)
    assert ("5月9日", "2024-05-09", True, False) in got
    assert ("5月7日至8日", "2024-05-07/2024-05-08", True, False) in got


def test_relative_year_words():
    text = "2025年1月17日反馈。今年1-10月总磷浓度均值为0.069mg/L。去年5月完成。\n"
    got = {t: (n, inf) for t, n, inf, _ in dates(text)}
    assert got["今年1-10月"] == ("2025-01/2025-10", True)
    assert got["去年5月"] == ("2024-05", True)


def test_yearless_date_without_any_year_in_the_document_is_dropped():
    assert norms("9月，对任务落实情况开展督查。") == []


@pytest.mark.parametrize("text,expected", [
    ("--20211228日在市人大常委会会议", ["2021-12-28"]),
    ("2021915日,市人大常委会听取", ["2021-09-15"]),
    ("截至20216522时,交办信访件300件", ["2021-06-05"]),
    ("益阳市大通湖区管理委员会\n20201125\n", ["2020-11-25"]),
    ("三年行动计划实施方案(20182020年)", ["2018/2020"]),
])
def test_dates_whose_separators_were_lost_are_repaired_when_unambiguous(text, expected):
    got = dates(text)
    assert [n for _, n, _, _ in got] == expected
    assert all(rep for *_, rep in got)


def test_ambiguous_lost_date_is_not_guessed():
    # 2021 + 111: 1月11日 or 11月1日 -- no reading to stand behind
    assert norms("2021111日召开") == []


@pytest.mark.parametrize("text", ["2025年13月1日", "2025年2月30日", "1850年3月"])
def test_impossible_dates_are_not_dates(text):
    assert all(not n.startswith(("2025-13", "2025-02-30", "1850")) for n in norms(text))


def test_numbers_in_doc_numbers_phones_and_standards_are_not_dates():
    text = "依据益生环委办〔2025〕20号和GB18918-2002，电话0737-5666826，20201125号文件。"
    assert norms(text) == []
