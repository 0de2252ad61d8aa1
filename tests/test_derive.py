"""Cross-document tables: indicators, problem_register, checks (extract/derive.py, extract/checks.py)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from extract import derive
from extract.derive import (category_groups, change_interval, decimals, load_check_rules, period_bounds,
                            sentence_spans, shift_period)
from extract.rules import RuleError, RuleSet


# -- building constructed corpora -------------------------------------------
class Corpus:
    """Documents made by hand: text, issuers, indicator/change facts found by their words."""

    def __init__(self):
        self.docs, self.facts, self.problems, self.texts = [], [], [], {}

    def doc(self, doc_id, text, issuers="", date=""):
        self.docs.append({"doc_id": doc_id, "path": f"{doc_id}.txt", "status": "ok", "issuers": issuers,
                          "date": date, "title": "", "doc_type": "", "doc_number": ""})
        self.texts[doc_id] = text
        return self

    def fact(self, doc_id, kind, words, value=None, unit="", name="", period="", role="", subject="", nth=0,
             problem_id=""):
        text = self.texts[doc_id]
        start = -1
        for _ in range(nth + 1):
            start = text.index(words, start + 1)
        fid = f"f{sum(f['doc_id'] == doc_id for f in self.facts) + 1}"
        self.facts.append({"doc_id": doc_id, "fact_id": fid, "kind": kind, "text": words, "start": start,
                           "end": start + len(words), "section_id": "", "problem_id": problem_id, "norm": "",
                           "value": value, "unit": unit, "name": name, "period": period, "role": role,
                           "attrs": json.dumps({"subject": subject}, ensure_ascii=False) if subject else ""})
        return fid

    def problem(self, doc_id, pid, title, status, status_text="", category="", number=""):
        text = self.texts[doc_id]
        start = text.index(title)
        self.problems.append({"doc_id": doc_id, "problem_id": pid, "number": number, "category": category,
                              "title": title, "status": status, "status_text": status_text, "responsible": "",
                              "section_id": "", "start": start, "end": len(text)})

    def build(self, as_strings=False):
        tables = {"documents": pd.DataFrame(self.docs), "sections": pd.DataFrame(),
                  "problems": pd.DataFrame(self.problems), "facts": pd.DataFrame(self.facts)}
        if as_strings:  # as read back from the CSV files
            tables = {k: v.astype(str).replace({"None": "", "nan": ""}) for k, v in tables.items()}
        return derive.build(tables, self.texts)


def rows(checks, kind):
    return checks[checks.kind == kind].to_dict("records")


# -- (c) consistency ----------------------------------------------------------
def test_two_documents_that_disagree_on_a_value_give_one_conflict_row():
    c = Corpus()
    c.doc("a", "2024年大通湖总磷均值为0.079mg/L。", issuers="甲区委")
    c.doc("b", "2024年大通湖总磷年均值0.085mg/L，水质为Ⅳ类。", issuers="乙局")
    c.fact("a", "indicator", "总磷均值为0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("b", "indicator", "总磷年均值0.085mg/L", 0.085, "mg/L", "总磷", "2024", "actual", "大通湖")
    checks = c.build()["checks"]
    conflicts = rows(checks, "consistency")
    assert len(conflicts) == 1
    r = conflicts[0]
    assert r["verdict"] == "conflict"
    assert {r["doc_id"], r["ref_doc_id"]} == {"a", "b"}
    assert {r["stated"], r["reference"]} == {0.079, 0.085}
    assert r["text"] in ("总磷均值为0.079mg/L", "总磷年均值0.085mg/L")
    assert c.texts[r["doc_id"]][r["start"]:r["end"]] == r["text"]
    assert c.texts[r["ref_doc_id"]][r["ref_start"]:r["ref_end"]] == r["ref_text"]


def test_values_equal_within_rounding_agree_and_other_subjects_or_periods_are_not_compared():
    c = Corpus()
    c.doc("a", "2024年大通湖总磷均值为0.08mg/L。2023年洞庭湖总磷0.060mg/L。", issuers="甲")
    c.doc("b", "2024年大通湖国控断面总磷0.079mg/L。2024年洞庭湖总磷0.070mg/L。", issuers="乙")
    c.fact("a", "indicator", "总磷均值为0.08mg/L", 0.08, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("a", "indicator", "总磷0.060mg/L", 0.06, "mg/L", "总磷", "2023", "actual", "洞庭湖")
    c.fact("b", "indicator", "总磷0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖国控断面")
    c.fact("b", "indicator", "总磷0.070mg/L", 0.07, "mg/L", "总磷", "2024", "actual", "洞庭湖")
    cons = rows(c.build()["checks"], "consistency")
    # 0.08 (written with two decimals: 0.075..0.085) holds 0.079; 大通湖国控断面 is 大通湖
    assert [(r["verdict"], r["stated"], r["reference"]) for r in cons] == [("ok", 0.079, 0.08)]


def test_a_target_is_not_an_observation_and_makes_no_conflict():
    c = Corpus()
    c.doc("a", "2024年大通湖总磷0.079mg/L（考核目标0.082mg/L）。", issuers="甲")
    c.doc("b", "2024年大通湖总磷0.079mg/L。", issuers="乙")
    c.fact("a", "indicator", "总磷0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("a", "indicator", "0.082mg/L", 0.082, "mg/L", "总磷", "2024", "target", "大通湖")
    c.fact("b", "indicator", "总磷0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    checks = c.build()["checks"]
    assert "conflict" not in set(checks.verdict)
    assert [r["verdict"] for r in rows(checks, "consistency")] == ["ok"]


def test_values_without_a_subject_match_only_within_their_issuer():
    c = Corpus()
    c.doc("a", "2024年PM2.5年平均浓度31微克/立方米。", issuers="甲县人民政府")
    c.doc("b", "2024年PM2.5年平均浓度35微克/立方米。", issuers="乙县人民政府")
    c.fact("a", "indicator", "PM2.5年平均浓度31微克/立方米", 31.0, "μg/m³", "PM2.5", "2024", "actual")
    c.fact("b", "indicator", "PM2.5年平均浓度35微克/立方米", 35.0, "μg/m³", "PM2.5", "2024", "actual")
    t = c.build()
    assert rows(t["checks"], "consistency") == []
    assert list(t["indicators"].subject_key) == ["@甲县人民政府", "@乙县人民政府"]


# -- (a) arithmetic -------------------------------------------------------------
def test_a_change_computed_right_is_ok_within_rounding():
    c = Corpus()
    c.doc("a", "2025年1-10月总磷均值为0.069mg/L，较去年同期0.080mg/L下降了13.8%。", issuers="甲")
    c.fact("a", "indicator", "总磷均值为0.069mg/L", 0.069, "mg/L", "总磷", "2025-01/2025-10", "actual", "大通湖")
    c.fact("a", "indicator", "0.080mg/L", 0.08, "mg/L", "总磷", "2024-01/2024-10", "baseline", "大通湖")
    c.fact("a", "change", "下降了13.8%", -13.8, "%", "总磷", "2024-01/2024-10")
    [r] = rows(c.build()["checks"], "arithmetic")
    assert (r["verdict"], r["stated"], r["value"], r["reference"]) == ("ok", -13.8, 0.069, 0.08)
    assert r["computed"] == pytest.approx(-13.75)
    assert (r["fact_id"], r["value_fact_id"], r["ref_doc_id"], r["ref_fact_id"]) == ("f3", "f1", "a", "f2")
    assert r["text"] == "下降了13.8%" and r["ref_text"] == "0.080mg/L"
    assert "(0.069-0.080)/0.080" in r["detail"] and "rounds to the stated figure" in r["detail"]


def test_a_wrongly_computed_change_is_a_mismatch():
    c = Corpus()
    c.doc("a", "2025年化学需氧量浓度为12.0mg/L，较去年同期15.0mg/L下降了30%。", issuers="甲")
    c.fact("a", "indicator", "化学需氧量浓度为12.0mg/L", 12.0, "mg/L", "化学需氧量", "2025", "actual", "某河")
    c.fact("a", "indicator", "15.0mg/L", 15.0, "mg/L", "化学需氧量", "2024", "baseline", "某河")
    c.fact("a", "change", "下降了30%", -30.0, "%", "化学需氧量", "2024")
    [r] = rows(c.build()["checks"], "arithmetic")
    assert r["verdict"] == "mismatch"
    assert r["computed"] == pytest.approx(-20.0)
    assert r["difference"] == pytest.approx(-10.0)
    assert r["tolerance"] < 1.5


def test_a_change_in_percentage_points_is_a_difference():
    c = Corpus()
    c.doc("a", "2024年优良天数比率为95.4%，较上年94.0%提高1.4个百分点。", issuers="甲")
    c.fact("a", "indicator", "优良天数比率为95.4%", 95.4, "%", "优良天数比率", "2024", "actual", "某市")
    c.fact("a", "indicator", "94.0%", 94.0, "%", "优良天数比率", "2023", "baseline", "某市")
    c.fact("a", "change", "提高1.4个百分点", 1.4, "百分点", "优良天数比率", "2023")
    [r] = rows(c.build()["checks"], "arithmetic")
    assert r["verdict"] == "ok" and r["computed"] == pytest.approx(1.4) and r["unit"] == "百分点"


def test_the_baseline_comes_from_another_document_about_the_same_indicator_subject_and_period():
    # 001 says 2024's 0.079 is 下降3.66% on the year before; 000 states 2023's 0.082.
    # 001's own 考核目标 0.082 (the same number, a target) must not serve as the baseline.
    c = Corpus()
    c.doc("000", "2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L。", issuers="区委")
    c.doc("001", "2024年大通湖国控断面总磷指标年均值为0.079毫克/升（考核目标0.082毫克/升），较上年同期下降3.66%。",
          issuers="分局党组")
    c.fact("000", "indicator", "总磷均值分别为0.082mg/L", 0.082, "mg/L", "总磷", "2023", "actual", "大通湖")
    c.fact("000", "indicator", "0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("001", "indicator", "总磷指标年均值为0.079毫克/升", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖国控断面")
    c.fact("001", "indicator", "0.082毫克/升", 0.082, "mg/L", "总磷", "2024", "target", "大通湖国控断面")
    c.fact("001", "change", "下降3.66%", -3.66, "%", "总磷", "2023")
    checks = c.build()["checks"]
    [r] = rows(checks, "arithmetic")
    assert (r["doc_id"], r["verdict"], r["ref_doc_id"], r["ref_fact_id"], r["ref_role"], r["ref_period"]) == \
        ("001", "ok", "000", "f1", "actual", "2023")
    assert r["computed"] == pytest.approx(-3.6585, abs=1e-4)
    assert "baseline from 000" in r["detail"]
    [t] = rows(checks, "target")
    assert (t["doc_id"], t["verdict"], t["stated"], t["reference"], t["ref_fact_id"]) == ("001", "met", 0.079, 0.082, "f2")


def test_no_baseline_anywhere_gives_no_arithmetic_row():
    c = Corpus()
    c.doc("a", "今年1-10月总磷浓度均值为0.069mg/L，较去年同期下降13.8%。", issuers="甲")
    c.fact("a", "indicator", "总磷浓度均值为0.069mg/L", 0.069, "mg/L", "总磷", "2025-01/2025-10", "actual", "大通湖")
    c.fact("a", "change", "下降13.8%", -13.8, "%", "总磷", "2024-01/2024-10")
    assert rows(c.build()["checks"], "arithmetic") == []


def test_a_subject_named_earlier_carries_to_a_later_value_of_the_same_indicator():
    c = Corpus()
    c.doc("000", "2025年1-10月大通湖总磷均值为0.069mg/L，较去年同期0.080mg/L下降了13.8%。", issuers="区委")
    c.doc("001", "2024年大通湖总磷年均值为0.079mg/L。今年1-10月总磷浓度均值为0.069mg/L，较去年同期下降13.8%。",
          issuers="分局")
    c.fact("000", "indicator", "总磷均值为0.069mg/L", 0.069, "mg/L", "总磷", "2025-01/2025-10", "actual", "大通湖")
    c.fact("000", "indicator", "0.080mg/L", 0.08, "mg/L", "总磷", "2024-01/2024-10", "baseline", "大通湖")
    c.fact("001", "indicator", "总磷年均值为0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("001", "indicator", "总磷浓度均值为0.069mg/L", 0.069, "mg/L", "总磷", "2025-01/2025-10", "actual")
    c.fact("001", "change", "下降13.8%", -13.8, "%", "总磷", "2024-01/2024-10")
    t = c.build()
    ar = {r["doc_id"]: r for r in rows(t["checks"], "arithmetic")}
    assert set(ar) == {"001"}
    assert (ar["001"]["verdict"], ar["001"]["ref_doc_id"], ar["001"]["reference"]) == ("ok", "000", 0.08)
    assert list(t["indicators"].subject_key) == ["大通湖", "大通湖", "大通湖", "大通湖"]
    assert list(t["indicators"].subject) == ["大通湖", "大通湖", "大通湖", ""]


# -- (b) targets ----------------------------------------------------------------
def test_a_rate_below_its_target_is_missed_and_a_concentration_below_is_met():
    c = Corpus()
    c.doc("a", "2024年优良天数比率为88.0%，目标为90%。2024年PM2.5浓度为30微克/立方米，目标为35微克/立方米。",
          issuers="甲")
    c.fact("a", "indicator", "优良天数比率为88.0%", 88.0, "%", "优良天数比率", "2024", "actual", "某市")
    c.fact("a", "indicator", "90%", 90.0, "%", "优良天数比率", "2024", "target", "某市")
    c.fact("a", "indicator", "PM2.5浓度为30微克/立方米", 30.0, "μg/m³", "PM2.5", "2024", "actual", "某市")
    c.fact("a", "indicator", "35微克/立方米", 35.0, "μg/m³", "PM2.5", "2024", "target", "某市")
    t = {r["indicator"]: r["verdict"] for r in rows(c.build()["checks"], "target")}
    assert t == {"优良天数比率": "missed", "PM2.5": "met"}


def test_an_indicator_of_unknown_direction_is_not_judged_against_its_target():
    c = Corpus()
    c.doc("a", "2024年某事项数为12项，目标为10项。", issuers="甲")
    c.fact("a", "indicator", "某事项数为12项", 12.0, "项", "某事项", "2024", "actual", "某市")
    c.fact("a", "indicator", "10项", 10.0, "项", "某事项", "2024", "target", "某市")
    assert rows(c.build()["checks"], "target") == []


# -- (d) text reuse ---------------------------------------------------------------
OPENING = "根据省委巡视工作领导小组部署和厅党组工作安排，2024年8月22日至9月29日，厅党组第九巡察组对{}进行了专项巡察。"
CLOSING = "欢迎广大干部群众对专项巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"


def test_near_identical_sentences_of_different_issuers_are_reported_with_both_spans():
    c = Corpus()
    c.doc("a", OPENING.format("单位") + "\n甲分局狠抓落实，完成了全部整改任务，群众满意度明显提升。\n" + CLOSING, issuers="甲分局党组")
    c.doc("b", OPENING.format("益阳市生态环境局高新区分局") + "\n乙分局建立台账，逐项销号，推动长效机制建设。\n" + CLOSING,
          issuers="乙分局党组")
    c.doc("c", CLOSING, issuers="甲分局党组")  # same issuer as a: its copy is not reuse between units
    reuse = rows(c.build()["checks"], "text_reuse")
    pairs = sorted((r["doc_id"], r["ref_doc_id"], r["text"][:6]) for r in reuse)
    assert pairs == [("a", "b", "根据省委巡视"), ("a", "b", "欢迎广大干部"), ("b", "c", "欢迎广大干部")]
    for r in reuse:
        assert c.texts[r["doc_id"]][r["start"]:r["end"]] == r["text"]
        assert c.texts[r["ref_doc_id"]][r["ref_start"]:r["ref_end"]] == r["ref_text"]
        assert r["verdict"] == "reused" and 80 <= r["score"] <= 100
    closing = [r for r in reuse if r["doc_id"] == "a" and r["text"].startswith("欢迎")][0]
    assert closing["score"] == 100.0
    assert closing["text"] == "欢迎广大干部群众对专项巡察整改落实情况进行监督。"


def test_consecutive_reused_sentences_are_one_passage():
    para = ("一是强化组织领导，成立整改工作领导小组并由主要负责同志担任组长。二是开展科学分工，明确相关问题的整改措施和责任部门。"
            "三是认真开展自我批评，带头进行民主生活会问题查摆和整改。")
    c = Corpus()
    c.doc("a", "甲单位情况如下。\n" + para, issuers="甲")
    c.doc("b", para + "\n其他内容完全不同的一句话放在这里作为结尾。", issuers="乙")
    [r] = rows(c.build()["checks"], "text_reuse")
    assert r["text"] == para and r["ref_text"] == para and r["score"] == 100.0
    assert r["detail"].startswith("3 matched sentences")


def test_a_large_bucket_is_scored_in_one_call_as_pair_by_pair(monkeypatch):
    """Twelve variants of one sentence, each in its own unit's notice, share MinHash buckets: scored in
    one rapidfuzz call (CDIST_MIN) or pair by pair, the tables are the same, with one row per pair."""
    from extract import checks

    c = Corpus()
    units = "甲乙丙丁戊己庚辛壬癸子丑"
    for k, u in enumerate(units):
        c.doc(f"d{k:02}", f"{u}局已经全面完成了问题整改并建立了长效管理机制，整改情况经过验收合格。\n"
                          f"另有第{k}项内容：{u * 3}完全不同的说明文字在这里。", issuers=f"{u}局")
    want = 12 * 11 // 2
    got = {}
    for cdist_min in (2, 10 ** 9):
        monkeypatch.setattr(checks, "CDIST_MIN", cdist_min)
        got[cdist_min] = c.build()["checks"]
    assert got[2].equals(got[10 ** 9])
    reuse = rows(got[2], "text_reuse")
    assert len(reuse) == want
    assert {(r["doc_id"], r["ref_doc_id"]) for r in reuse} == \
        {(f"d{a:02}", f"d{b:02}") for a in range(12) for b in range(a + 1, 12)}
    assert all(80 <= r["score"] < 100 for r in reuse)


def test_short_or_dissimilar_sentences_are_not_reuse():
    c = Corpus()
    c.doc("a", "整改情况：已完成。\n今年以来开展了两次现场排查并巩固了临湖千米退养转型成果。", issuers="甲")
    c.doc("b", "整改情况：已完成。\n园区雨污分流修复工程已经立项并将于下半年组织实施到位。", issuers="乙")
    assert rows(c.build()["checks"], "text_reuse") == []


# -- (e) unsupported completion -----------------------------------------------------
def test_a_completed_problem_without_date_number_or_cited_document_is_unsupported():
    c = Corpus()
    text = ("问题1：某企业项目环评无法批复。\n整改情况：市生态环境局已同意该方案，目前该项目已取得环评批复，已完成。\n"
            "问题2：执法不规范。\n整改情况：2025年4月9日开展批评教育，已完成。\n")
    c.doc("a", text, issuers="甲")
    c.fact("a", "date", "2025年4月9日", problem_id="p2")
    c.problem("a", "p1", "某企业项目环评无法批复", "completed", "已完成", number="1")
    c.problem("a", "p2", "执法不规范", "completed", "已完成", number="2")
    c.problems[0]["end"] = text.index("问题2")
    [r] = rows(c.build()["checks"], "unsupported_completion")
    assert (r["doc_id"], r["problem_id"], r["verdict"], r["text"]) == ("a", "p1", "unsupported", "已完成")
    assert text[r["start"]:r["end"]] == "已完成"


# -- problem_register --------------------------------------------------------------
def test_the_same_kind_of_problem_lines_up_across_units():
    labels = ["蓝天碧水净土保卫战差距大", "反馈问题：蓝天碧水净土保卫战差距大。", "行政执法存在乱作为", "整改进展滞后",
              "整改进展迟缓", "运用理论指导实践不够", "整改进展滞后"]
    groups = category_groups(labels, load_check_rules())
    assert groups == ["蓝天碧水净土保卫战差距大", "蓝天碧水净土保卫战差距大", "行政执法存在乱作为", "整改进展滞后",
                      "整改进展滞后", "运用理论指导实践不够", "整改进展滞后"]


def test_problem_register_counts_units_per_group():
    c = Corpus()
    c.doc("a", "问题1：甲问题。问题2：乙问题。", issuers="甲分局")
    c.doc("b", "问题1：丙问题。", issuers="乙分局")
    c.problem("a", "p1", "甲问题", "completed", category="整改进展滞后")
    c.problem("a", "p2", "乙问题", "unknown", category="行政执法存在乱作为")
    c.problem("b", "p1", "丙问题", "in_progress", category="整改进展迟缓")
    reg = c.build()["problem_register"]
    assert list(reg.category_group) == ["整改进展滞后", "行政执法存在乱作为", "整改进展滞后"]
    assert list(reg.group_units) == [2, 1, 2]
    assert list(reg.group_size) == [2, 1, 2]
    assert list(reg.issuer) == ["甲分局", "甲分局", "乙分局"]


# -- tables read from CSV strings give the same result -----------------------------
def test_string_tables_from_csv_give_the_same_checks():
    c = Corpus()
    c.doc("a", "2025年1-10月总磷均值为0.069mg/L，较去年同期0.080mg/L下降了13.8%。", issuers="甲")
    c.fact("a", "indicator", "总磷均值为0.069mg/L", 0.069, "mg/L", "总磷", "2025-01/2025-10", "actual", "大通湖")
    c.fact("a", "indicator", "0.080mg/L", 0.08, "mg/L", "总磷", "2024-01/2024-10", "baseline", "大通湖")
    c.fact("a", "change", "下降了13.8%", -13.8, "%", "总磷", "2024-01/2024-10")
    a, b = c.build(), c.build(as_strings=True)
    for name in ("indicators", "checks"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_empty_corpus_gives_empty_tables_with_the_codebook_columns():
    from extract.codebook import load_codebook

    out = derive.build({"documents": pd.DataFrame(), "facts": pd.DataFrame(), "problems": pd.DataFrame()}, {})
    for name in ("indicators", "problem_register", "checks"):
        assert len(out[name]) == 0
        assert list(out[name].columns) == load_codebook()[name].names()


# -- helpers ------------------------------------------------------------------------
@pytest.mark.parametrize("period,bounds", [
    ("2024", ("2024-01-01", "2024-12-31")),
    ("2025-01/2025-10", ("2025-01-01", "2025-10-31")),
    ("2024-02", ("2024-02-01", "2024-02-29")),
    ("2024-08-22/2024-09-29", ("2024-08-22", "2024-09-29")),
    ("", ("", "")),
    ("上半年", ("", "")),
])
def test_period_bounds(period, bounds):
    assert period_bounds(period) == bounds


def test_shift_period():
    assert shift_period("2025-01/2025-10", -1) == "2024-01/2024-10"
    assert shift_period("2024", -1) == "2023"
    assert shift_period("2024-02-29", -1) == "2023-02-28"
    assert shift_period("", -1) == "" and shift_period("去年", -1) == ""


def test_decimals_read_as_written():
    assert decimals("0.080mg/L", 0.08) == 3
    assert decimals("下降了13.8%", -13.8) == 1
    assert decimals("31微克/立方米", 31.0) == 0
    assert decimals("1,234.50元", 1234.5) == 2
    assert decimals("", 0.25) == 2


def test_change_interval_carries_rounding():
    lo, hi = change_interval(0.069, 0.0005, 0.080, 0.0005, True)
    assert lo == pytest.approx((0.0685 - 0.0805) / 0.0805 * 100)
    assert hi == pytest.approx((0.0695 - 0.0795) / 0.0795 * 100)
    assert change_interval(1.0, 0.5, 0.2, 0.5, True) is None  # the old value may be 0 or negative


def test_sentence_spans():
    text = "第一句。第二句！\n  第三句"
    spans = sentence_spans(text, load_check_rules().split)
    assert [text[s:e] for s, e in spans] == ["第一句。", "第二句！", "第三句"]


# -- the rules file ----------------------------------------------------------------
def test_a_bad_checks_rule_names_file_and_line(tmp_path):
    (tmp_path / "checks.yaml").write_text("text_reuse:\n  min_score: 120\n", encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_check_rules(RuleSet([tmp_path]))
    # (the line is the shipped file's for a key it also has: rules.py keeps the base's key lines when layering)
    assert "checks.yaml:" in str(e.value) and "'min_score' must be a number from 1 to 100, got 120" in str(e.value)


def test_a_user_layer_changes_a_threshold(tmp_path):
    (tmp_path / "checks.yaml").write_text("text_reuse:\n  min_chars: 40\n", encoding="utf-8")
    assert load_check_rules(RuleSet([tmp_path])).reuse_min_chars == 40
    assert load_check_rules().reuse_min_chars == 20


def test_a_sentence_in_more_documents_than_max_documents_is_a_formula(tmp_path):
    (tmp_path / "checks.yaml").write_text("text_reuse:\n  max_documents: 2\n", encoding="utf-8")
    c = Corpus()
    for k in "abc":
        c.doc(k, CLOSING + f"\n本单位编号为{k}，另有其他内容完全不同的说明文字。", issuers=f"单位{k}")
    tables = {"documents": pd.DataFrame(c.docs), "facts": pd.DataFrame(), "problems": pd.DataFrame()}
    assert rows(derive.build(tables, c.texts, RuleSet([tmp_path]))["checks"], "text_reuse") == []
    assert len(rows(derive.build(tables, c.texts)["checks"], "text_reuse")) == 3  # a-b, a-c, b-c


def test_a_document_without_issuers_matches_only_itself():
    c = Corpus()
    c.doc("a", "2024年PM2.5年平均浓度31微克/立方米。")
    c.doc("b", "2024年PM2.5年平均浓度35微克/立方米。")
    c.fact("a", "indicator", "PM2.5年平均浓度31微克/立方米", 31.0, "μg/m³", "PM2.5", "2024", "actual")
    c.fact("b", "indicator", "PM2.5年平均浓度35微克/立方米", 35.0, "μg/m³", "PM2.5", "2024", "actual")
    t = c.build()
    assert rows(t["checks"], "consistency") == []
    assert list(t["indicators"].subject_key) == ["@doc:a", "@doc:b"]


def test_minhash_signatures_are_those_of_crc32_over_each_gram():
    import zlib

    import numpy as np

    from extract.derive import _P, minhash_params, minhash_signatures

    import random

    rnd = random.Random(5)  # and 200 random ones, of Han and other characters
    items = ["生态环境保护督察整改", "abc", "", "x", "é€𝄞😀整改", "整改整改整改整改"] + [
        "".join(chr(rnd.choice((rnd.randrange(0x4e00, 0x9fff), rnd.randrange(32, 0x2fff)))) for _ in range(40))
        for _ in range(200)]
    a, b = minhash_params(12)
    for shingle in (1, 2, 3, 5):
        want = []
        for s in items:
            grams = {s[j:j + shingle] for j in range(max(1, len(s) - shingle + 1))}
            h = np.array([zlib.crc32(g.encode("utf-8")) % _P for g in grams], dtype=np.uint64)
            want.append(((h[:, None] * a[None, :] + b[None, :]) % _P).min(axis=0))
        assert (minhash_signatures(items, shingle, 12) == np.array(want)).all(), shingle


@pytest.mark.parametrize("stated, ref_doc, reference, verdict", [
    # 0.082 stated twice (c, d), 0.080 once (b): the most common value, as its first statement (c)
    ({"b": 0.080, "c": 0.082, "d": 0.082}, "c", 0.082, "ok"),
    # a tie (one document each): the first by document
    ({"b": 0.080, "c": 0.082}, "b", 0.08, "mismatch"),
])
def test_the_cross_document_baseline_is_the_value_most_documents_state_ties_to_the_first(stated, ref_doc, reference,
                                                                                          verdict):
    # x's 2024 value 0.079 is 下降3.66% on 2023, which x does not state: other documents do
    c = Corpus()
    for d, v in stated.items():
        c.doc(d, f"2023年大通湖总磷均值为{v:.3f}mg/L。", issuers=f"单位{d}")
        c.fact(d, "indicator", f"总磷均值为{v:.3f}mg/L", v, "mg/L", "总磷", "2023", "actual", "大通湖")
    c.doc("x", "2024年大通湖总磷均值为0.079mg/L，较上年下降3.66%。", issuers="单位x")
    c.fact("x", "indicator", "总磷均值为0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("x", "change", "下降3.66%", -3.66, "%", "总磷", "2023")
    [r] = rows(c.build()["checks"], "arithmetic")
    assert (r["ref_doc_id"], r["reference"], r["verdict"]) == (ref_doc, reference, verdict)




def test_components_label_each_connected_group_alike():
    import numpy as np

    from extract.checks import components

    # 0-1-2-3 a chain given backwards, 4-5 a pair, 6 alone, 7-8-9 a star around 9
    u = np.array([3, 2, 1, 4, 7, 8], dtype=np.int32)
    v = np.array([2, 1, 0, 5, 9, 9], dtype=np.int32)
    labels = components(10, u, v)
    groups = {}
    for node, lab in enumerate(labels.tolist()):
        groups.setdefault(lab, []).append(node)
    assert sorted(groups.values()) == [[0, 1, 2, 3], [4, 5], [6], [7, 8, 9]]
    assert labels.tolist() == [0, 0, 0, 0, 4, 4, 6, 7, 7, 7]  # the smallest node of each
    assert components(0, u[:0], v[:0]).tolist() == []


def test_components_of_edges_given_a_chunk_at_a_time_are_those_of_all_edges():
    import numpy as np

    from extract.checks import components

    def smallest_of_each(n, u, v):  # plain union-find: each node's smallest fellow
        parent = list(range(n))

        def root(x):
            while parent[x] != x:
                parent[x] = x = parent[parent[x]]
            return x
        for a, b in zip(u.tolist(), v.tolist()):
            ra, rb = root(a), root(b)
            parent[max(ra, rb)] = min(ra, rb)
        return [root(x) for x in range(n)]

    for seed in range(5):
        rng = np.random.default_rng(seed)
        n = 2000
        u, v = rng.integers(0, n, 1500, dtype=np.int32), rng.integers(0, n, 1500, dtype=np.int32)
        want = smallest_of_each(n, u, v)
        assert components(n, u, v).tolist() == want
        for size in (1, 7, 100, 1499):
            labels = None
            for k in range(0, len(u), size):
                labels = components(n, u[k:k + size], v[k:k + size], labels)
            assert labels.tolist() == want, (seed, size)
        assert len(set(want)) < n - 1000  # edges joined many


# -- the text-reuse check in a second process --------------------------------------
def mixed_corpus() -> Corpus:
    """Checks of every kind but target: consistency and arithmetic-free rows before text_reuse, unsupported after."""
    c = Corpus()
    c.doc("a", "2024年大通湖总磷均值为0.079mg/L。\n" + OPENING.format("单位") + "\n问题1：执法不规范。\n整改情况：已完成。\n"
          + CLOSING, issuers="甲区委")
    c.doc("b", "2024年大通湖总磷年均值0.085mg/L。\n" + OPENING.format("益阳市生态环境局高新区分局") + "\n" + CLOSING,
          issuers="乙局")
    c.doc("c", CLOSING, issuers="丙局")
    c.fact("a", "indicator", "总磷均值为0.079mg/L", 0.079, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.fact("b", "indicator", "总磷年均值0.085mg/L", 0.085, "mg/L", "总磷", "2024", "actual", "大通湖")
    c.problem("a", "p1", "执法不规范", "completed", "已完成", number="1")
    return c


def file_store(c: Corpus, path):
    from extract.store import Store

    tables = {"documents": pd.DataFrame(c.docs), "sections": pd.DataFrame(),
              "problems": pd.DataFrame(c.problems), "facts": pd.DataFrame(c.facts)}
    st = Store(str(path))
    st.load_tables(tables, c.texts)
    return st


def test_the_text_reuse_check_in_its_own_process_gives_the_same_table(tmp_path):
    c = mixed_corpus()
    out = {}
    for jobs in (1, 2):
        st = file_store(c, tmp_path / f"j{jobs}.sqlite")
        derive.build_store(st, jobs=jobs)
        out[jobs] = st.tables(["checks"])["checks"]
        st.close()
    assert [(r.kind, r.doc_id, r.ref_doc_id) for r in out[1].itertuples()] == [
        ("consistency", "b", "a"), ("text_reuse", "a", "b"), ("text_reuse", "a", "c"), ("text_reuse", "b", "c"),
        ("unsupported_completion", "a", "")]
    assert list(out[1].check_id) == [f"k{i}" for i in range(1, 6)]
    assert out[1].equals(out[2])
    assert [p.name for p in tmp_path.iterdir() if "reuse" in p.name] == []  # its file is gone


def test_a_failure_in_the_text_reuse_process_fails_the_build_and_keeps_the_old_tables(tmp_path, monkeypatch):
    from extract import checks

    c = mixed_corpus()
    st = file_store(c, tmp_path / "s.sqlite")
    derive.build_store(st)
    before = st.tables(["checks"])["checks"]

    def broken(self):
        raise ValueError("no sentences today")

    monkeypatch.setattr(checks.Checker, "text_reuse", broken)  # the forked process inherits it
    with pytest.raises(RuntimeError, match="text-reuse check failed(.|\n)*ValueError: no sentences today"):
        derive.build_store(st, jobs=2, derive_hash="other")
    assert st.tables(["checks"])["checks"].equals(before)
    st.close()
    assert [p.name for p in tmp_path.iterdir() if "reuse" in p.name] == []
