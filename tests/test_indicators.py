"""Indicator observations and changes: each construct a notice writes, with exact values."""
import pytest

from extract import extract_text
from extract.pipeline import Pipeline
from extract.rules import RuleError

# A signature date gives 今年 its year, as in a real notice.
SIGNED = "\n2025年11月27日\n"


def obs(text):
    """(name, value, unit, period, role) of every indicator, in text order."""
    doc = extract_text(text)
    return [(s.name, s.value, s.unit, s.period, s.role) for s in doc.of_kind("indicator")]


def changes(text):
    doc = extract_text(text)
    return [(s.name, s.value, s.unit, s.period, s.attrs["compared_with"]) for s in doc.of_kind("change")]


# -- values, units, periods ----------------------------------------------------

def test_listed_years_meet_listed_values_one_to_one():
    assert obs("2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L。") == [
        ("总磷", 0.082, "mg/L", "2023", "actual"), ("总磷", 0.079, "mg/L", "2024", "actual")]


def test_relative_months_and_baseline_of_the_same_period_last_year():
    text = "今年1-10月总磷浓度均值为0.069mg/L，较去年同期0.080mg/L下降了13.8%。" + SIGNED
    assert obs(text) == [("总磷", 0.069, "mg/L", "2025-01/2025-10", "actual"),
                         ("总磷", 0.08, "mg/L", "2024-01/2024-10", "baseline")]
    assert changes(text) == [("总磷", -13.8, "%", "2024-01/2024-10", "same period last year")]


def test_target_in_parentheses_takes_the_period_and_unit_is_canonical():
    text = "2024年大通湖国控断面总磷指标年均值为0.079毫克/升（考核目标0.082毫克/升），较上年同期下降3.66%。"
    assert obs(text) == [("总磷", 0.079, "mg/L", "2024", "actual"), ("总磷", 0.082, "mg/L", "2024", "target")]
    assert changes(text) == [("总磷", -3.66, "%", "2023", "same period last year")]
    doc = extract_text(text)
    assert {s.attrs["subject"] for s in doc.of_kind("indicator")} == {"大通湖国控断面"}
    assert [s.attrs["unit_text"] for s in doc.of_kind("indicator")] == ["毫克/升", "毫克/升"]


def test_period_carries_over_within_a_sentence_and_pm25_in_braces():
    text = ("2023年，空气质量综合指数2.93、PM_{2.5}年平均浓度31微克/立方米、空气质量优良天数比率94%、重污染天数2天。"
            "2024年，空气质量综合指数2.89、无重污染天气。")
    assert obs(text) == [
        ("空气质量综合指数", 2.93, "", "2023", "actual"),
        ("PM2.5", 31.0, "μg/m³", "2023", "actual"),
        ("优良天数比率", 94.0, "%", "2023", "actual"),
        ("重污染天数", 2.0, "天", "2023", "actual"),
        ("空气质量综合指数", 2.89, "", "2024", "actual"),
    ]


def test_period_does_not_cross_a_sentence():
    assert obs("2024年召开会议。安全利用率100%。") == [("安全利用率", 100.0, "%", "", "actual")]


def test_a_semicolon_ends_a_clause_not_the_period():
    text = "2024年，全市优良天数比率为91.2%，同比上升1.5个百分点；PM2.5平均浓度为32微克/立方米，同比下降5.9%。"
    assert obs(text) == [("优良天数比率", 91.2, "%", "2024", "actual"), ("PM2.5", 32.0, "μg/m³", "2024", "actual")]
    assert changes(text) == [("优良天数比率", 1.5, "百分点", "2023", "same period last year"),
                             ("PM2.5", -5.9, "%", "2023", "same period last year")]
    assert {s.attrs["subject"] for s in extract_text(text).of_kind("indicator")} == {"全市"}


def test_values_stated_as_aims_are_targets():
    assert obs("目标：到2025年，PM2.5浓度控制在35微克/立方米以下，优良天数比率达到90%。") == [
        ("PM2.5", 35.0, "μg/m³", "2025", "target"), ("优良天数比率", 90.0, "%", "2025", "target")]
    text = "二、整改目标\n2025年底前，大通湖总磷浓度降至0.08mg/L以下。\n三、整改措施\n2024年总磷浓度为0.079mg/L。\n"
    assert obs(text) == [("总磷", 0.08, "mg/L", "2025", "target"), ("总磷", 0.079, "mg/L", "2024", "actual")]


def test_full_width_percent_and_alias():
    assert obs("空气质量优良率达到95.5％。") == [("优良天数比率", 95.5, "%", "", "actual")]


def test_listed_names_meet_listed_values():
    assert obs("采样监测发现，COD、氨氮和总磷平均浓度为162毫克/升、31.7毫克/升和7.1毫克/升，超标严重。") == [
        ("COD", 162.0, "mg/L", "", "actual"), ("氨氮", 31.7, "mg/L", "", "actual"), ("总磷", 7.1, "mg/L", "", "actual")]


def test_unit_written_once_after_a_list():
    assert obs("PM2.5和PM10浓度分别为35、60微克/立方米。") == [
        ("PM2.5", 35.0, "μg/m³", "", "actual"), ("PM10", 60.0, "μg/m³", "", "actual")]


def test_from_to_gives_baseline_and_result_with_the_comparison_year():
    text = "与2013年相比，2016年出口断面总磷浓度由0.047毫克/升上升至0.093毫克/升。"
    assert obs(text) == [("总磷", 0.047, "mg/L", "2013", "baseline"), ("总磷", 0.093, "mg/L", "2016", "actual")]
    assert {s.attrs["subject"] for s in extract_text(text).of_kind("indicator")} == {"出口断面"}


def test_from_to_lost_class_numeral_and_unit_taken_from_the_first_value():
    assert obs("2013年相比,2016年洞庭湖类水质断面比例从36.4%下降到0,水质下降。") == [
        ("水质断面比例", 36.4, "%", "2013", "baseline"), ("水质断面比例", 0.0, "%", "2016", "actual")]


@pytest.mark.parametrize("text,name", [
    ("Ⅰ～Ⅲ类水体比例为85.7%。", "水质优良比例"),
    ("I-III类水质断面比例为85.7%。", "水质优良比例"),
    ("劣Ⅴ类水体比例为85.7%。", "劣Ⅴ类水体比例"),
    ("Ⅲ类水质断面比例为85.7%。", "Ⅲ类水质断面比例"),
])
def test_water_class_rates(text, name):
    assert obs(text) == [(name, 85.7, "%", "", "actual")]


def test_target_after_the_value():
    assert obs("部分水体出现返黑返臭情况，与消除比例90%的目标任务存在一定差距。") == [
        ("黑臭水体消除比例", 90.0, "%", "", "target")]


def test_rates_of_completion_and_satisfaction():
    assert obs("核查属实的问题中已完成整改3758件，未完成整改218件，整改完成率94.52%。") == [
        ("完成率", 94.52, "%", "", "actual")]
    assert obs("石家庄市整改进度快于全省平均水平,分别完成99.15%、98.03%;未完成整改数量分别为62件、37件。") == [
        ("完成率", 99.15, "%", "", "actual"), ("完成率", 98.03, "%", "", "actual")]
    assert obs("随时保证投诉渠道畅通，群众满意度达97%。") == [("满意度", 97.0, "%", "", "actual")]


def test_a_number_of_something_else_is_not_a_value():
    # counts (件, 天 of water transfer), a percentage with no indicator, and a unit that is not the indicator's
    assert obs("共计向大通湖引水112天。完成整改40个，资金到位率达80%。总磷监测3次。") == []
    assert obs("安全利用率较高，共治理耕地1200亩，占比35%。") == []


# -- changes -------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("优良天数比率为90.2%，同比增加8个百分点。", [("优良天数比率", 8.0, "百分点", "", "same period last year")]),
    ("PM2.5浓度同比下降7.9%。", [("PM2.5", -7.9, "%", "", "same period last year")]),
    ("重污染天数同比减少3天。", [("重污染天数", -3.0, "天", "", "same period last year")]),
    ("2024年PM2.5浓度较2023年下降5.2%。", [("PM2.5", -5.2, "%", "2023", "2023年")]),
    ("PM10浓度环比上升3%。", [("PM10", 3.0, "%", "", "previous period")]),
    ("总磷均值0.069mg/L，较0.080mg/L下降13.8%。", [("总磷", -13.8, "%", "", "0.080mg/L")]),
    ("PM2.5、PM10浓度分别下降13.8%、5%。", [("PM2.5", -13.8, "%", "", ""), ("PM10", -5.0, "%", "", "")]),
    ("降低约5%。", [("", -5.0, "%", "", "")]),
])
def test_changes_with_sign_unit_and_comparison(text, expected):
    assert changes(text) == expected


def test_a_change_number_is_not_also_an_indicator():
    assert obs("优良天数比率同比上升2.1%。") == []
    assert obs("总磷浓度下降到0.05mg/L。") == [("总磷", 0.05, "mg/L", "", "actual")]
    assert changes("总磷浓度下降到0.05mg/L。") == []


# -- what is never a value -----------------------------------------------------

def test_list_numbers_doc_numbers_phones_and_standard_codes_are_masked():
    assert obs("（1）2024年PM2.5浓度为30微克/立方米。") == [("PM2.5", 30.0, "μg/m³", "2024", "actual")]
    assert obs("空气质量综合指数：13875344448。") == []           # a phone
    assert obs("空气质量综合指数 益环发〔2024〕15号。") == []      # a document number
    assert obs("总磷执行GB3838-2002标准，氨氮按HJ535-2009测定。") == []
    assert obs("1.空气质量综合指数\n2.总磷\n") == []


def test_values_inside_a_title_are_ignored():
    text = "印发《关于总磷浓度降至0.05mg/L和优良率下降5%的工作方案》。"
    assert obs(text) == [] and changes(text) == []


def test_no_number_no_observation():
    assert obs("2025年1-10月，无重污染天气，水质总体评价为Ⅳ类。") == []


# -- spans ---------------------------------------------------------------------

def test_spans_cover_name_through_value_and_each_listed_value():
    doc = extract_text("2023年、2024年大通湖总磷均值分别为0.082mg/L、0.079mg/L。")
    assert [s.text for s in doc.of_kind("indicator")] == ["总磷均值分别为0.082mg/L", "0.079mg/L"]
    doc = extract_text("较去年同期下降了13.8%。")
    assert [s.text for s in doc.of_kind("change")] == ["下降了13.8%"]


# -- the seeds -----------------------------------------------------------------

def test_seed_000(seed_docs):
    doc = seed_docs["000"]
    got = {(s.name, s.value, s.unit, s.period, s.role) for s in doc.of_kind("indicator")}
    assert ("总磷", 0.069, "mg/L", "2025-01/2025-10", "actual") in got
    assert ("总磷", 0.08, "mg/L", "2024-01/2024-10", "baseline") in got
    assert ("PM2.5", 28.0, "μg/m³", "2025-01/2025-10", "actual") in got
    assert ("优良天数比率", 94.7, "%", "2025-01/2025-10", "actual") in got
    assert len(got) == 13
    assert [(s.value, s.unit, s.name) for s in doc.of_kind("change")] == [(-13.8, "%", "总磷")]


def test_seed_001(seed_docs):
    doc = seed_docs["001"]
    got = {(s.name, s.value, s.unit, s.period, s.role) for s in doc.of_kind("indicator")}
    assert got == {
        ("安全利用率", 100.0, "%", "", "actual"),
        ("总磷", 0.079, "mg/L", "2024", "actual"),
        ("总磷", 0.082, "mg/L", "2024", "target"),
        ("总磷", 0.069, "mg/L", "2025-01/2025-10", "actual"),
    }
    assert sorted({s.value for s in doc.of_kind("change")}) == [-13.8, -3.66]
    # nothing from the standard codes GB18918-2002 / HJ91.1-2019 or the phone number
    assert not any(s.value in (18918, 2002, 91.1, 2019) for s in doc.of_kind("indicator") + doc.of_kind("change"))


def test_seeds_without_measurements_have_none(seed_docs):
    for key in ("002", "003", "004"):
        assert seed_docs[key].of_kind("indicator") == [] and seed_docs[key].of_kind("change") == []


def test_every_span_is_grounded(seed_docs):
    for doc in seed_docs.values():
        for s in doc.of_kind("indicator") + doc.of_kind("change"):
            assert doc.text[s.start:s.end] == s.text
            assert format(abs(s.value), "g") in s.text  # the span holds the number it reports


# -- rule files ----------------------------------------------------------------

HEADER = "name\taliases\tdomain\tunit\tclass_prefix\n"


def test_a_new_indicator_is_one_line(tmp_path):
    (tmp_path / "indicators.tsv").write_text(HEADER + "绿化覆盖率\t建成区绿化覆盖率\tecology\t%\n", encoding="utf-8")
    doc = Pipeline([str(tmp_path)]).process_text("建成区绿化覆盖率达42.5%。")
    assert [(s.name, s.value, s.unit) for s in doc.of_kind("indicator")] == [("绿化覆盖率", 42.5, "%")]


def test_bad_unit_in_a_user_lexicon_names_file_and_line(tmp_path):
    (tmp_path / "indicators.tsv").write_text("# mine\n" + HEADER + "透明度\tSD\twater\t米\n", encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Pipeline([str(tmp_path)])
    assert f"{tmp_path / 'indicators.tsv'}:3" in str(e.value) and "unknown unit '米'" in str(e.value)


def test_alias_claimed_by_two_indicators_is_an_error(tmp_path):
    (tmp_path / "indicators.tsv").write_text(HEADER + "总磷浓度\tTP\twater\tmg/L\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"indicators\.tsv:2: alias 'TP' of '总磷浓度' is already an alias of '总磷'"):
        Pipeline([str(tmp_path)])


def test_empty_alias_is_an_error(tmp_path):
    (tmp_path / "indicators.tsv").write_text(HEADER + "透明度\t透明度||SD\twater\t\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"indicators\.tsv:2: .*empty alias"):
        Pipeline([str(tmp_path)])
