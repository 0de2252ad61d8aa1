"""Headings: every numbering style, levels, and typing by wording."""
from extract import extract_text


def outline(text):
    doc = extract_text(text)
    return [(s.level, s.number, s.heading, s.section_type) for s in doc.sections]


def test_each_heading_style_nests_in_order_of_appearance():
    text = ("一、问题描述\n正文。\n（一）第一类\n1. 要点一。\n（1）细节\n① 更细\n（二）第二类\n二、整改目标\n正文。\n")
    assert outline(text) == [
        (1, "一", "问题描述", "problem"), (2, "一", "第一类", "other"), (3, "1", "要点一", "other"),
        (4, "1", "细节", "other"), (5, "①", "更细", "other"), (2, "二", "第二类", "other"),
        (1, "二", "整改目标", "target")]


def test_half_width_parentheses_and_commas_are_headings_too():
    assert outline("一、总体情况\n(一)南宁市部分年度指标任务未完成。\n该问题已完成整改。\n") == [
        (1, "一", "总体情况", "overview"), (2, "一", "南宁市部分年度指标任务未完成", "other")]


def test_numbering_that_changes_style_mid_document_keeps_its_level():
    text = "二、进展\n（一）甲\n（二）乙\n（三）丙\n（四）丁\n（5） 戊\n（6） 己\n三、下一步工作\n"
    levels = [(lvl, num) for lvl, num, _, _ in outline(text)]
    assert levels == [(1, "二"), (2, "一"), (2, "二"), (2, "三"), (2, "四"), (2, "5"), (2, "6"), (1, "三")]


def test_bracket_titles_and_parts():
    assert [(l, h) for l, _, h, _ in outline("【导读】\n内容\n第一部分 总体情况\n内容\n")] == [
        (1, "导读"), (2, "总体情况")]


def test_heading_words_stop_at_the_first_full_stop():
    (lvl, num, heading, typ), = outline("1. 深入学习贯彻习近平生态文明思想。各级各部门把学习作为重要政治任务。\n")
    assert heading == "深入学习贯彻习近平生态文明思想"


def test_section_types_by_wording_with_overlaps_settled_by_order():
    text = ("一、组织整改落实情况\n二、集中整改期内整改进展情况\n三、整改措施及完成情况\n四、整改目标\n"
            "五、重点措施\n六、下阶段工作计划\n七、整改实施主体\n")
    assert [t for *_, t in outline(text)] == [
        "overview", "completion", "completion", "target", "measures", "next_steps", "other"]


def test_numbers_inside_a_line_are_not_headings():
    assert outline("整改情况：（1）成立领导小组。（2）建立台账。\n2.5%的比例\n") == []


def test_section_spans_cover_their_body(seed_docs):
    doc = seed_docs["000"]
    top = [s for s in doc.sections if s.level == 1]
    assert [s.heading for s in top] == ["问题描述", "整改目标", "整改措施", "整改完成情况", "下阶段工作计划"]
    for a, b in zip(top, top[1:]):
        assert a.end == b.start
    assert doc.text[top[0].start:top[0].heading_end] == "一、问题描述"


def test_seed_004_parses_the_style_change(seed_docs):
    doc = seed_docs["004"]
    second = [(s.number, s.heading) for s in doc.sections if s.level == 2 and s.parent_id == "s2"]
    assert [n for n, _ in second] == ["一", "二", "三", "四", "5", "6", "7"]
    assert second[4][1] == "反馈问题：主体责任落实不好"
