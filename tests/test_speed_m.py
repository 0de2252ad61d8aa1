"""Fast paths of the metadata and citations stages give exactly what the plain way gives.

* metadata: each line label tried only on the lines holding one of its cue words (label_cues) reads
  the same fields as every label tried on every line;
* metadata: a line's date matches read only when the line is asked about (explicit_by_line);
* citations: standard codes tried only where standard_anchor starts find what the plain
  ``standard.finditer`` finds.
"""
from __future__ import annotations

import pytest

from extract.doc import Doc
from extract.metadata import lines_of
from extract.pipeline import Pipeline
from extract.rules import RuleSet


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


def meta_of(pipe, text: str, cues: bool) -> dict:
    md = stage(pipe, "metadata")
    kept = md.cue_words
    if not cues:
        md.cue_words = None
    try:
        doc = Doc(text)
        for s in pipe.stages[: pipe.stages.index(md) + 1]:
            s(doc)
        return dict(doc.meta)
    finally:
        md.cue_words = kept


LABEL_TEXTS = [
    "关于整改情况的报告\n签发人：罗立峰  李四\n联系人：吴铭，电话：0737-4221234\n",
    "联系人 张三 13875344448\n联系人：李四\n",                       # the first contact wins
    "抄送：市委办，市政府办。\n报：市生态环境局\n送：县政府\n",
    "  报 ：省厅、市局\n报告如下：\n送达时间：2025年1月2日\n",            # 报/送 only where the line opens with them
    "益阳市人民政府办公室  2025年11月27日印发\n印发：\n",
    "附件1：问题清单\n整改台账（第一批）\n附件\n附件2：台账\n",           # an attachment's name run on to the next line
    "发布时间：2025-11-27 10:00  来源：益阳日报  作者：张三\n日期：2024年3月5日\n",
    "信息来源：市生态环境局\n稿源：新华社 编辑：李四\n",
    "整改时间：2025年底前\n时间 ：2025年1月\n这段时间：无\n",
    "无标签的正文行，没有任何线索词。\n签发\n联系\n",
]


@pytest.mark.parametrize("text", LABEL_TEXTS)
def test_label_cues_read_what_every_label_on_every_line_reads(pipe, text):
    assert meta_of(pipe, text, cues=True) == meta_of(pipe, text, cues=False)


def test_label_cues_read_the_fields():
    doc = Doc(LABEL_TEXTS[0] + LABEL_TEXTS[2] + LABEL_TEXTS[6])
    for s in Pipeline().stages[:4]:
        s(doc)
    m = doc.meta
    assert (m["signers"], m["contact_person"], m["contact_phone"]) == (["罗立峰", "李四"], "吴铭", "0737-4221234")
    assert m["cc"] == ["市委办", "市政府办", "市生态环境局", "县政府"]
    assert (m["published"], m["source"]) == ("2025-11-27", "益阳日报")


def test_a_cue_word_holding_another_is_not_looked_for_but_its_labels_are_tried(pipe):
    words = dict(stage(pipe, "metadata").cue_words)
    assert "抄送" not in words and {"cc", "send_to"} <= words["送"]
    assert words["签发人"] == {"signer"}


def test_a_layer_changing_the_labels_without_cues_tries_every_label(tmp_path):
    (tmp_path / "metadata.yaml").write_text("labels:\n  signer: '签批人{SP}*{COLON}{SP}*'\n", encoding="utf-8")
    from extract.metadata import MetadataStage
    pipe = Pipeline()
    md = MetadataStage(RuleSet([str(tmp_path)]), stage(pipe, "dates"), stage(pipe, "doc_numbers"))
    assert md.cue_words is None
    (tmp_path / "metadata.yaml").write_text(
        "labels:\n  signer: '签批人{SP}*{COLON}{SP}*'\nlabel_cues:\n  signer: [签批人]\n", encoding="utf-8")
    md = MetadataStage(RuleSet([str(tmp_path)]), stage(pipe, "dates"), stage(pipe, "doc_numbers"))
    assert md.cue_words is not None and ("签批人", frozenset({"signer"})) in md.cue_words


DATE_TEXT = "关于整改的报告\n2024年3月至5月，2023年\n  中共益阳市委员会\n2025年11月27日\n2025年13月1日\n"


def test_a_lines_dates_read_on_demand_are_those_of_the_line_alone(pipe):
    md = stage(pipe, "metadata")
    lines = lines_of(DATE_TEXT)
    by_line = md.explicit_by_line(DATE_TEXT, lines)
    assert sorted(by_line) == [1, 3, 4]  # line 4's match reads as no date, yet it is a line with a match
    for i, ln in enumerate(lines):
        assert md._explicit(DATE_TEXT, lines, i, by_line) == md.dates.explicit(ln.text)
    assert md._explicit(DATE_TEXT, lines, 4, by_line) == []


@pytest.mark.parametrize("text", [
    "GB18918-2002", "执行GB/T 14848-2017和HJ91.1-2019标准", "DB43/ 1234-2017", "XGB 1-2001",
    "GBGB3838-2002", "aGB3838-2002", "ABCGB50014-2021", "GB 3838—2002、GB3096-2008", "HJ/T 91-2002",
    "GB", "无标准", "GB/T14848-1993GB3838-2002", "CJJ 1-2008 DB43/T 1234-2019",
])
def test_standards_from_anchors_are_those_of_the_plain_scan(pipe, text):
    c = stage(pipe, "citations")
    assert [m.span() for m in c.standards(text)] == [m.span() for m in c.standard.finditer(text)]


def test_standards_from_anchors_found():
    c = stage(Pipeline(), "citations")
    assert [m.group(0) for m in c.standards("执行GB/T 14848-2017和HJ91.1-2019，aGB3838-2002")] == [
        "GB/T 14848-2017", "HJ91.1-2019"]


@pytest.mark.parametrize("name, is_org", [
    ("益阳市人民政府", True), ("益阳市人民政府 ", True), ("中共益阳市委", True), ("某某有限公司", True),
    ("局长办公会议", False), ("市生态环境局\n", True), ("市局", False), ("某某街道办事处", True), ("办公室主任", False)])
def test_an_issuer_told_by_endswith_as_by_the_suffix_pattern(pipe, name, is_org):
    md = stage(pipe, "metadata")
    s = name.strip()
    assert s.endswith(md.org_suffixes) == bool(md.org_end.search(s))
    assert md.is_org(name) is is_org


@pytest.mark.parametrize("line", ["各区县人民政府，市直各单位：", "各区县人民政府 ：", "市局:", "各单位：  ",
                                  "现将有关事项通知如下：", "主送：市局。", "各区县人民政府", "：", "各单位：附件"])
def test_recipients_tried_only_on_lines_ending_so_match_as_every_line_tried(pipe, line):
    md = stage(pipe, "metadata")
    t = line.strip()
    assert (t.endswith(md.recipients_end) or md.recipients_line.match(t) is None)


def test_recipients_read():
    doc = Doc("关于整改情况的报告\n各区县人民政府，市直各单位：\n现将有关事项报告如下：\n")
    for s in Pipeline().stages[:4]:
        s(doc)
    assert doc.meta["recipients"] == []  # 市直各单位 is not a body
    doc = Doc("关于整改情况的报告\n益阳市人民政府、益阳市生态环境局：\n")
    for s in Pipeline().stages[:4]:
        s(doc)
    assert doc.meta["recipients"] == ["益阳市人民政府", "益阳市生态环境局"]


@pytest.mark.parametrize("text", ["", "\n", "一\n二", " 一 \n\n\t二\u3000\n", "  \n\t\n", "一\u2002\n 二", "\n\n三\n"])
def test_lines_are_the_stripped_non_empty_lines_at_their_offsets(text):
    plain, pos = [], 0
    for raw in text.split("\n"):
        if raw.strip():
            lead = len(raw) - len(raw.lstrip())
            plain.append((pos + lead, pos + lead + len(raw.strip()), raw.strip()))
        pos += len(raw) + 1
    assert [(ln.start, ln.end, ln.text) for ln in lines_of(text)] == plain


SIGNATURE_TEXTS = [
    "关于整改情况的报告\n2025年1月2日召开会议。\n益阳市人民政府\n2025年11月27日\n",
    "关于整改情况的报告\n益阳市人民政府 2025年11月27日。\n2025年12月1日\n",         # a 。 after the date
    "关于整改情况的报告\n会议。2025年11月27日\n益阳市人民政府。2025年11月28日\n2025年12月2日\n",  # before it
    "关于整改情况的报告\n2025年11月27日 10:30\n",
    "关于整改情况的报告\n益阳市人民政府、益阳市生态环境局 2025年11月27日\n",
]


@pytest.mark.parametrize("text", SIGNATURE_TEXTS)
def test_lines_with_a_full_stop_outside_their_dates_passed_over_read_the_same_signature(pipe, text):
    md = stage(pipe, "metadata")
    fast = meta_of(pipe, text, cues=True)
    md._not_dated = None
    try:
        plain = meta_of(pipe, text, cues=True)
    finally:
        md._not_dated = "。"
    assert fast == plain


def test_signature_dates_past_full_stops():
    pipe = Pipeline()
    got = [(m["date"], m["issuers"]) for m in (meta_of(pipe, t, cues=True) for t in SIGNATURE_TEXTS)]
    assert got == [("2025-11-27", ["益阳市人民政府"]), ("2025-12-01", []), ("2025-12-02", []),
                   ("2025-11-27", []), ("2025-11-27", ["益阳市人民政府", "益阳市生态环境局"])]
