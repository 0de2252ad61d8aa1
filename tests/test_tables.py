"""Tables in the text: rows of | cells and flattened one-cell-per-line tables; ledgers as problems."""
from __future__ import annotations

import pytest

from extract import extract_text
from extract.tables import find_tables, table_problems

LEDGER = """关于突出生态环境问题整改情况的通报
一、整改清单
序号 | 问题 | 整改措施 | 责任单位 | 完成时限 | 完成情况
1 | 黑臭水体整治有反复，部分水体返黑返臭 | 开展回头看 | 市住建局、市生态环境局 | 2021年12月底 | 已完成整改
2 | 城区污水管网破损，雨污合流 | 改造管网 | 牵头单位：市水利局；各区政府 | 2022年6月30日 | 正在推进
3 | 扬尘管控不到位 | 加强巡查 | 市城管局 | 长期坚持 | 部分完成
二、下一步工作
继续推进问题整改，巩固整改成效。
"""


def _brief(problems):
    return [(p.number, p.title, p.status, p.attrs["responsible"], p.attrs["deadline"]) for p in problems]


def test_ledger_rows_become_problems_with_bodies_deadline_and_status():
    doc = extract_text(LEDGER)
    probs = table_problems(doc)
    assert _brief(probs) == [
        ("1", "黑臭水体整治有反复，部分水体返黑返臭", "completed", ["市住建局", "市生态环境局"], "2021年12月底"),
        ("2", "城区污水管网破损，雨污合流", "in_progress", ["市水利局", "各区政府"], "2022年6月30日"),
        ("3", "扬尘管控不到位", "partial", ["市城管局"], "长期坚持"),
    ]
    assert [p.status_text for p in probs] == ["已完成整改", "正在推进", "部分完成"]
    first = probs[0]
    assert doc.text[first.start:first.end] == "1 | 黑臭水体整治有反复，部分水体返黑返臭 | 开展回头看 | 市住建局、市生态环境局 | 2021年12月底 | 已完成整改"
    assert first.attrs["columns"]["整改措施"] == "开展回头看"
    assert first.attrs["deadline_norm"] == "2021-12"
    assert probs[1].attrs["deadline_norm"] == "2022-06-30"
    assert "deadline_norm" not in probs[2].attrs
    assert first.section_id == doc.section_at(first.start).section_id


def test_rows_are_not_joined_by_the_normaliser():
    doc = extract_text(LEDGER)
    assert doc.text.count("\n") == LEDGER.count("\n")


def test_markdown_table_and_yes_no_status_column():
    text = ("| 序号 | 存在问题 | 责任单位 | 是否完成 |\n| --- | --- | --- | --- |\n"
            "| 1 | 饮用水源地保护区内有违建 | 县水利局 | 是 |\n| 2 | 垃圾填埋场渗滤液超标 | 县城管局 | 否 |\n")
    probs = table_problems(extract_text(text))
    assert [(p.number, p.title, p.status, p.status_text) for p in probs] == [
        ("1", "饮用水源地保护区内有违建", "completed", "是"), ("2", "垃圾填埋场渗滤液超标", "not_done", "否")]


def test_flattened_table_one_cell_per_line():
    text = ("关于交办问题调查处理情况的通报\n现将第二十一批交办问题办理结果通报如下：\n\n序号\n\n交办问题基本情况\n\n涉及区县及部门\n\n"
            "调查核实情况\n\n是否属实\n\n处理处罚和问责情况\n\n备注\n\n"
            "1\n\n某镇某村长期收购拆解汽车发动机，涉嫌无证非法拆解。\n\n城固县、市生态环境局\n\n经查，群众反映内容属实。\n\n"
            "1.现场有废旧物资回收点5家。\n\n属实\n\n责令停止违法行为，已完成整改。\n\n\n\n"
            "2\n\n某公司夜间排放异味气体。\n\n洋县\n\n经查，反映问题部分属实。\n\n部分属实\n\n正在整改。\n\n"
            "特此通报。\n")
    doc = extract_text(text)
    [table] = find_tables(doc.text)
    assert table.form == "flattened"
    assert table.roles == ["number", "problem", "responsible", "findings", "verified", "handling", "notes"]
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["1", "某镇某村长期收购拆解汽车发动机，涉嫌无证非法拆解。", "城固县、市生态环境局",
         "经查，群众反映内容属实。\n1.现场有废旧物资回收点5家。", "属实", "责令停止违法行为，已完成整改。"],
        ["2", "某公司夜间排放异味气体。", "洋县", "经查，反映问题部分属实。", "部分属实", "正在整改。"],
    ]
    probs = table_problems(doc)
    assert [(p.number, p.status, p.attrs["verified"], p.attrs["responsible"]) for p in probs] == [
        ("1", "completed", "属实", ["城固县", "市生态环境局"]), ("2", "in_progress", "部分属实", ["洋县"])]
    assert doc.text[probs[1].start:probs[1].end].startswith("2\n\n某公司夜间排放异味气体。")
    assert "特此通报" not in doc.text[probs[1].start:probs[1].end]


def test_scraped_dev_notice_with_a_flattened_table(pipeline):
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent.parent / "shared" / "dev" / "docs" / "h035.txt"
    if not path.is_file():
        pytest.skip("shared dev documents not present")
    doc = pipeline.process_file(path, "h035")
    probs = table_problems(doc)
    assert [(p.number, p.attrs["responsible"]) for p in probs] == [
        ("1", ["城固县", "市生态环境局", "市公安局", "市商务局"])]
    assert probs[0].title.startswith("城固县柳林镇新柳林村张骞米业院内及王家湾村1组长期大量收购拆解汽车发动机")
    assert len(probs[0].title) <= 81


def test_tables_that_are_not_ledgers_give_no_problems():
    kv = ("整改任务 | 中央环保督察交办信访问题重复投诉较多。\n整改目标 | 群众投诉的合理诉求得到解决。\n"
          "整改措施 | 加强督查督办。\n")
    assert find_tables(kv) and table_problems(extract_text(kv)) == []
    contacts = "单位 | 联系人 | 电话\n市生态环境局 | 张三 | 0737-5666826\n"
    assert table_problems(extract_text(contacts)) == []
    prose = "本通报共三部分|其一为总体情况。\n"
    assert find_tables(prose) == []


def test_docx_and_html_tables_reach_the_ledger(tmp_path, pipeline):
    import docx

    d = docx.Document()
    d.add_paragraph("关于问题整改情况的报告")
    t = d.add_table(rows=3, cols=5)
    for i, row in enumerate([["序号", "反馈问题", "责任单位", "整改时限", "整改情况"],
                             ["1", "污水处理厂超标排放", "县住建局", "2023年6月底", "已整改到位"],
                             ["2", "砂石码头扬尘", "县交通局、县自然资源局", "2023年12月", "整改中"]]):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    f = tmp_path / "ledger.docx"
    d.save(str(f))
    doc = pipeline.process_file(f, "l")
    assert _brief(table_problems(doc)) == [
        ("1", "污水处理厂超标排放", "completed", ["县住建局"], "2023年6月底"),
        ("2", "砂石码头扬尘", "in_progress", ["县交通局", "县自然资源局"], "2023年12月")]
    page = ("<html><head><title>整改清单</title></head><body><div class='content'><p>关于问题整改情况的报告</p>"
            "<table><tr><th>序号</th><th>问题</th><th>责任单位</th><th>完成情况</th></tr>"
            "<tr><td>1</td><td>污水处理厂超标排放</td><td>县住建局</td><td>已完成</td></tr></table></div></body></html>")
    h = tmp_path / "ledger.html"
    h.write_text(page, encoding="utf-8")
    doc = pipeline.process_file(h, "h")
    assert [(p.number, p.title, p.status) for p in table_problems(doc)] == [("1", "污水处理厂超标排放", "completed")]


def test_long_problem_cells_give_a_short_title():
    cell = "某工业园区污水处理厂长期超标排放" + "，进一步加强监管" * 20
    text = f"序号 | 问题 | 责任单位\n1 | {cell} | 县生态环境局\n"
    [p] = table_problems(extract_text(text))
    assert p.title == cell[:80] + "…"
    text = "序号 | 问题 | 责任单位\n1 | 污水直排。已责令整改，正在推进 | 县生态环境局\n"
    [p] = table_problems(extract_text(text))
    assert p.title == "污水直排"
