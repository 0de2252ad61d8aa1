"""Speed round 4 (helper d): the faster ways give exactly what the plain ways give.

* dates: ``_find`` finds a match's branch in a loop: the same (match, branch, groups by name) as
  the groups read by name;
* metadata: ``_date`` visits only the lines with a date and those the break does not follow at once:
  the same signature date as visiting every line;
* citations: ``kind_of`` looks a title's ending up by length: the same kind as trying every word,
  longest first, the kind listed first at equal length.
"""
from __future__ import annotations

import pytest

from extract.citations import _CLOSE, _TRAILING_PAREN, CitationStage
from extract.doc import Doc
from extract.metadata import lines_of
from extract.pipeline import Pipeline
from extract.rules import RuleSet


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


DATE_TEXTS = [
    "2024年8月22日至9月29日，5月7日至8日，2023年10月13日至2023年10月24日。",
    "今年1-10月，2025年1-10月，6月至11月，2023年7月至2024年3月，去年5月31日。",
    "2023-2025年，2023—2025年，2017年至2019年，2023年，今年，本年度3月。",
    "2023-07-27 2021/5/18 2021.05.18 二〇二五年十一月二十七日 二〇二四年三月",
    "截至20211228日，2021915日，截至20216522时（20182020年）\n20201125\n",
    "12.5月 3.2023年 x20211228日 1234567 2025年3月、6月和9月",
]


def plain_find(ds, text):
    """(span, branch, groups by name) read the plain way: every group by name, the branch by its group."""
    out = []
    for m in ds._matches(text):
        d = m.groupdict()
        kind = next(name for i, name in enumerate(ds.names) if d[f"b{i}"] is not None)
        out.append((m.span(), kind, d))
    return out


@pytest.mark.parametrize("text", DATE_TEXTS)
def test_find_gives_the_groups_by_name(pipe, text):
    ds = stage(pipe, "dates")
    got = [(m.span(), kind, g) for m, kind, g in ds._find(text)]
    assert got == plain_find(ds, text)
    assert got  # each text holds dates


def test_find_values(pipe):
    ds = stage(pipe, "dates")
    (m, kind, g), = ds._find("2025年11月27日")
    assert kind == "day" and g["y"] == "2025" and g["m"] == "11" and g["d"] == "27"
    assert g["rel"] is None and g["b2"] == "2025年11月27日" and g["b0"] is None


SIGNED = [
    "关于整改情况的报告\n正文。\n益阳市生态环境局\n2025年11月27日\n",
    "关于整改情况的报告\n正文。\n益阳市生态环境局  \n2025年11月27日  \n",            # spaces after the words
    "关于整改情况的报告\n正文。\n益阳市生态环境局\t\n2025年11月27日\u3000\n",
    "关于整改情况的报告\n正文。\n益阳市生态环境局 2025年11月27日\x0c\n",           # a break str.strip takes, not {SP}
    "关于整改情况的报告\n正文。\n2025年11月27日印发\n2025年12月1日\n",               # 印发 lines are no signature
    "关于整改情况的报告\n截至2025年10月31日。\n益阳市人民政府\n2025年11月27日\n",   # a 。 outside the date
    "关于整改情况的报告\n2025年11月27日。\n",
    "关于整改情况的报告\n正文\n益阳市人民政府\n2025年11月27日 10:00\n2025年12月1日\n",
    "关于整改情况的报告\n正文。  \n  \n益阳市人民政府\u00a0\u00a0\n2025年11月27日",  # no break at the end
    "关于整改情况的报告\n正文\n",
    "关于整改情况的报告\n正文\n益阳市人民政府\n20201125\x0c\n",   # a date only the line read alone has
]


def plain_date(md, text, lines, meta, by_line):
    """The signature date as _date read it before: every line visited in order."""
    mark = md._not_dated
    for i, ln in enumerate(lines):
        t = ln.text
        if "印发" in t:
            continue
        if by_line is not None:
            found = by_line.get(i)
            if (found is None or mark is not None and mark in t and
                    not any(mark in text[f[0].start():f[0].end()] for f in found)) and md._alone(text, ln):
                continue
        got = md.date_only(ln, md._explicit(text, lines, i, by_line))
        if got:
            meta["date"], meta["date_source"] = got[0], "signature"
            return i
    return None


@pytest.mark.parametrize("text", SIGNED)
def test_date_visits_the_lines_every_line_would_give(pipe, text):
    md = stage(pipe, "metadata")
    lines = lines_of(text)
    by_line = md.explicit_by_line(text, lines)
    assert by_line is not None
    fast, plain = {"published": ""}, {"published": ""}
    i = md._date(text, lines, fast, None, by_line)
    assert i == plain_date(md, text, lines, plain, by_line)
    assert fast == plain


def test_date_visits_a_line_with_no_date_in_the_whole_text_scan(pipe):
    md = stage(pipe, "metadata")
    text = SIGNED[-1]
    lines = lines_of(text)
    by_line = md.explicit_by_line(text, lines)
    assert 3 not in by_line  # "20201125" is followed by \x0c, not a line's end, in the whole text
    meta = {"published": ""}
    assert md._date(text, lines, meta, None, by_line) == 3
    assert meta["date"] == "2020-11-25"


def test_date_reads_the_signature_line(pipe):
    md = stage(pipe, "metadata")
    text = SIGNED[1]
    lines = lines_of(text)
    meta = {"published": ""}
    assert md._date(text, lines, meta, None, md.explicit_by_line(text, lines)) == 3
    assert meta == {"published": "", "date": "2025-11-27", "date_source": "signature"}


TITLES = ["环境保护法", "管理办法", "实施方案", "三年行动计划", "问题清单", "整改台账", "汇总表", "关于…的通知",
          "某某条例", "法", "办法", "计划", "x", "", "实施细则（试行）", "通知函", "规范"]


def plain_kind(cs, title):
    """kind_of as it read before: a trailing parenthesis taken off, then every word tried, longest first."""
    title = _TRAILING_PAREN.sub("", title) if title.endswith(_CLOSE) else title
    for w, k in cs.kind_words:
        if title.endswith(w):
            return k
    return ""


@pytest.mark.parametrize("title", TITLES)
def test_kind_of_is_the_longest_word_ending_the_title(pipe, title):
    cs = stage(pipe, "citations")
    assert cs.kind_of(title) == plain_kind(cs, title)


def test_kind_of_values(pipe):
    cs = stage(pipe, "citations")
    assert [cs.kind_of(t) for t in ("管理办法", "环境保护法", "三年行动计划", "汇总表", "报道")] == \
        ["rule", "law", "plan", "list", ""]


def test_kind_of_a_word_in_two_kinds_takes_the_first_listed(tmp_path):
    (tmp_path / "citations.yaml").write_text(
        "kinds:\n  alpha: [办法, 细则]\n  beta: [管理办法, 细则, 法]\n", encoding="utf-8")
    cs = CitationStage(RuleSet([str(tmp_path)]))
    titles = ["某管理办法", "实施细则", "某法", "某办法", "细则", "管理办法x"]
    assert [cs.kind_of(t) for t in titles] == [plain_kind(cs, t) for t in titles]
    # the shipped kinds come first (the layer's merge over them): 细则 is a rule before alpha's
    assert cs.kind_of("实施细则") == "rule" and cs.kind_of("某管理办法") == "beta"


def test_whole_documents_same_meta(pipe):
    text = SIGNED[5] + "签发人：罗立峰\n联系人：吴铭\n"
    doc = Doc(text)
    for s in pipe.stages[:4]:
        s(doc)
    assert doc.meta["date"] == "2025-11-27" and doc.meta["issuers"] == ["益阳市人民政府"]
