"""Indicators read only the sentences holding a name, a verb or a change.

The numbers and subjects are looked for only in those sentences (the "windows"); when a
break is not a single character of a class, or a token runs over a break, the whole text is
read as before. These tests hold the windowed reading to the whole-text reading, on tricky
sentences and on the seed and dev documents, and check the windows themselves.
"""
from __future__ import annotations

import copy

import conftest
import pytest

from extract.pipeline import Pipeline

SEEDS = sorted(conftest.SEEDS.glob("*.txt"))
DEV = sorted((conftest.SHARED / "dev" / "docs").glob("*.txt"))


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def _stage(pipe):
    return next(s for s in pipe.stages if s.name == "indicators")


def _before(pipe, text):
    """The document as the indicators stage gets it."""
    i = [s.name for s in pipe.stages].index("indicators")
    stages = pipe.stages
    try:
        pipe.stages = stages[:i]
        return pipe.process_text(text)
    finally:
        pipe.stages = stages


def _facts(doc):
    return [(s.kind, s.start, s.end, s.name, s.value, s.unit, s.period, s.role, sorted(s.attrs.items()))
            for s in doc.spans if s.kind in ("indicator", "change")], list(doc._mask_starts), list(doc._mask_ends)


def _both(pipe, text):
    """(windowed facts, whole-text facts) of ``text``."""
    st = _stage(pipe)
    assert st.brk_back is not None  # the shipped rules read by windows
    whole = copy.copy(st)
    whole.brk_back = None
    doc = _before(pipe, text)
    a, b = copy.deepcopy(doc), copy.deepcopy(doc)
    st(a)
    whole(b)
    return _facts(a), _facts(b)


TRICKY = [
    "2023年大通湖总磷均值为0.082mg/L。2024年为0.079mg/L。",
    "总磷0.1mg/L",  # no break at all
    "。总磷为0.1mg/L。",  # a break first
    "总磷0.1mg/L。氨氮0.2mg/L。",  # two windows side by side
    # a break inside a 《title》 does not end the sentence; a name and a value inside it are hidden
    "《关于2023年总磷。工作的通知》要求，大通湖总磷均值为0.082mg/L。",
    "《总磷0.1mg/L。标准》总磷为0.2mg/L。",
    "印发《PM2.5浓度下降10%。方案》后，PM2.5浓度为35微克/立方米。",
    "《甲。乙》《丙。丁》总磷0.1mg/L。",
    "2024年印发《方案。总磷0.1mg/L》，大通湖总磷均值为0.082mg/L。",
    # an unclosed 《 is no title: its break is a break
    "《方案。总磷为0.1mg/L。",
    "总磷为0.1mg/L。《方案",
    # the name before the title, the value after it
    "大通湖总磷《方案。细则》为0.1mg/L。",
    "Ⅲ类水质断面比例为80%。劣Ⅴ类水体比例为0。",
    "大通湖总磷浓度从0.047毫克/升上升至0.093毫克/升。",
    "较去年同期下降13.8%。全市PM2.5平均浓度35微克/立方米，同比下降5.4%。",
    "各市分别完成99.15%、98.03%。",
    "2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L\n与2013年相比，COD、氨氮和总磷分别下降了5%、6%和7%",
    "目标：到2025年，PM2.5浓度控制在35微克/立方米以下！空气质量优良天数比率达到95.4%？",
    "考核断面总磷0.05mg/L，（考核目标0.082mg/L）。",
]


@pytest.mark.parametrize("text", TRICKY)
def test_windows_read_as_the_whole_text(pipe, text):
    windowed, whole = _both(pipe, text)
    assert windowed == whole


def test_a_fact_is_found_in_a_window(pipe):
    (facts, _, _), _ = _both(pipe, "甲。2023年大通湖总磷均值为0.082mg/L。乙。")
    assert [(f[0], f[3], f[4], f[5], f[6], f[7]) for f in facts] == [
        ("indicator", "总磷", 0.082, "mg/L", "2023", "actual")]


@pytest.mark.parametrize("path", SEEDS + DEV, ids=lambda p: p.name)
def test_windows_read_the_documents_as_the_whole_text(pipe, path):
    windowed, whole = _both(pipe, path.read_text(encoding="utf-8"))
    assert windowed == whole


def test_the_windows(pipe):
    st = _stage(pipe)
    text = "甲。大通湖总磷为0.1mg/L。乙。《丙。丁》氨氮为0.2mg/L。戊"
    hits = st._hot_words(text)
    _, hot, crossing = st._word_candidates(text, hits)
    titles = [m.span() for m in st.title.finditer(text)]
    assert not crossing
    assert titles == [(18, 23)]
    # each window runs from after a break to the next break; the one in the title does not count
    assert st._windows(text, hot, titles) == [(2, 15), (18, 33)]
    assert [text[a:b] for a, b in st._windows(text, hot, titles)] == ["大通湖总磷为0.1mg/L", "《丙。丁》氨氮为0.2mg/L"]


def test_no_name_verb_or_change_reads_nothing(pipe):
    st = _stage(pipe)
    text = "大通湖水质为0.1mg/L，要求完成整改。"
    _, hot, _ = st._word_candidates(text, st._hot_words(text))
    assert hot == []  # 完成 is a verb only before a percentage


def test_a_break_that_is_not_one_character_reads_the_whole_text(tmp_path):
    (tmp_path / "indicators.yaml").write_text("sentence_break: '。|！|\\n'\n", encoding="utf-8")
    p = Pipeline([str(tmp_path)])
    st = _stage(p)
    assert st.brk_back is None
    doc = p.process_text("甲。2023年大通湖总磷均值为0.082mg/L。乙")
    assert [(s.text, s.name, s.value, s.period) for s in doc.of_kind("indicator")] == [
        ("总磷均值为0.082mg/L", "总磷", 0.082, "2023")]
