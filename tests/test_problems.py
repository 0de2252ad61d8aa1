"""Problems: layouts, categories and status words."""
import pytest

from extract import extract_text


def problems(text):
    return [(p.number, p.category, p.title, p.status) for p in extract_text(text).problems]


MARKERS = """二、集中整改期内整改进展情况
（一）反馈问题：执行理论学习制度不到位
问题1：学习不深入。
整改情况：（1）成立领导小组。（2）今年已召开2次专题会。
（二）蓝天碧水净土保卫战差距大。
问题2：大气污染防治落实不到位。
整改情况：（1）大气，阶段性完成。（2）土壤，已完成。
问题3：水环境质量不能稳定达标。
整改情况：该问题已完成整改。三是持续推进工业污染源治理。
（三）整改进展迟缓
问题4：超期未完成销号。
整改情况：（1）已经完成56个排口溯源。（2）继续实施生态治理模式。
三、下一步整改工作安排
对未完成的问题持续推进。
"""


def test_marker_problems_with_categories_and_statuses():
    assert problems(MARKERS) == [
        ("1", "执行理论学习制度不到位", "学习不深入", "unknown"),
        ("2", "蓝天碧水净土保卫战差距大", "大气污染防治落实不到位", "partial"),
        ("3", "蓝天碧水净土保卫战差距大", "水环境质量不能稳定达标", "completed"),
        ("4", "整改进展迟缓", "超期未完成销号", "in_progress"),
    ]


def test_problem_spans_stop_at_the_next_category_and_part():
    doc = extract_text(MARKERS)
    p4 = doc.problems[3]
    assert doc.text[p4.start:p4.end].rstrip().endswith("继续实施生态治理模式。")
    assert doc.problems[0].status_text == ""
    assert doc.problems[2].status_text == "已完成整改"


@pytest.mark.parametrize("words,status", [
    ("已完成整改", "completed"), ("整改到位", "completed"), ("已销号", "completed"),
    ("阶段性完成", "partial"), ("基本完成", "partial"),
    ("正在推进", "in_progress"), ("批复尚未下达", "in_progress"),
    ("未完成", "not_done"), ("未整改", "not_done"),
    ("", "unknown"),
])
def test_each_status_word(words, status):
    assert problems(f"问题1：某问题。\n整改情况：{words}。\n")[0][3] == status


def test_a_heading_is_not_a_status_claim():
    assert problems("问题1：某问题。\n整改完成情况：开展了督查。\n")[0][3] == "unknown"


def test_single_problem_notice_reads_status_from_progress_sections_only():
    text = ("关于第二轮督察报告反馈问题（问题编号一）整改销号情况的公示\n\n一、反馈问题\n认识不到位，问题未完成。\n"
            "二、整改措施\n对尚未完成整改的加大推进力度，持续推进。\n三、整改落实情况\n截至目前，各项整改措施均已完成。\n")
    assert problems(text) == [("一", "", "认识不到位，问题未完成", "completed")]


def test_listed_problems_under_a_specific_rectification_heading():
    text = "南宁市人民政府关于整改情况的函\n一、总体情况\n正文。\n二、具体整改情况\n(一)指标任务未完成。\n该问题已完成整改。\n(二)监管不到位。\n正在推进。\n"
    assert problems(text) == [("一", "", "指标任务未完成", "completed"), ("二", "", "监管不到位", "in_progress")]


def test_documents_without_problems():
    assert problems("益阳市工作简报\n\n5月9日，市委书记调研。\n") == []


SEED_STATUSES = {
    "000": [(None, "completed")],
    "001": [("1", "unknown"), ("2", "completed"), ("3", "unknown"), ("4", "completed"), ("5", "unknown"),
            ("6", "completed"), ("7", "completed"), ("8", "unknown"), ("9", "unknown"), ("10", "in_progress")],
    "002": [("一", "completed")],
    "003": [],
    "004": [("1", "unknown"), ("2", "completed"), ("3", "unknown"), ("4", "partial"), ("5", "unknown"),
            ("6", "unknown"), ("7", "in_progress")],
}


@pytest.mark.parametrize("key", sorted(SEED_STATUSES))
def test_seed_problems(seed_docs, key):
    got = [(p.number or None, p.status) for p in seed_docs[key].problems]
    assert got == SEED_STATUSES[key]
