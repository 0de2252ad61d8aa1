"""Quantities: counted amounts with their measure word, exact values, and what they are not."""
import pytest

from extract import extract_text
from extract.pipeline import Pipeline
from extract.rules import RuleError


def qs(text):
    """(text, value, unit, name, approximate) of every quantity in ``text``."""
    doc = extract_text(text)
    return [(s.text, s.value, s.unit, s.name, bool(s.attrs.get("approximate"))) for s in doc.of_kind("quantity")]


def vu(text):
    return [(v, u) for _, v, u, _, _ in qs(text)]


# -- amounts and their units ---------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    # 万/亿 multiplied out
    ("已种植芦苇、苔草等27万株。", [("27万株", 270000.0, "株", "", False)]),
    ("整改资金66.57万元。", [("66.57万元", 665700.0, "元", "资金", False)]),
    ("问题资金251023.54万元。", [("251023.54万元", 2510235400.0, "元", "资金", False)]),
    ("涉及金额237054.47 万元，", [("237054.47 万元", 2370544700.0, "元", "金额", False)]),
    ("累计投入3.2亿元。", [("3.2亿元", 320000000.0, "元", "", False)]),
    ("投入3000余万元。", [("3000余万元", 30000000.0, "元", "", True)]),
    ("补偿20多万元。", [("20多万元", 200000.0, "元", "", True)]),
    # approximation
    ("补种苦草种子24万余斤。", [("24万余斤", 240000.0, "斤", "", True)]),
    ("工作调度会（已召开20余次）", [("20余次", 20.0, "次", "", True)]),
    ("共发放宣传手册11万余册，", [("11万余册", 110000.0, "册", "宣传手册", True)]),
    ("每天约1.5万吨生活污水未经收集处理。", [("约1.5万吨", 15000.0, "吨", "", True)]),
    ("覆盖面积超过3600亩，", [("超过3600亩", 3600.0, "亩", "", True)]),
    ("清理垃圾300吨左右。", [("300吨左右", 300.0, "吨", "垃圾", True)]),
    # classifiers and what they count
    ("已经完成56个排口现场溯源、监测工作。", [("56个", 56.0, "个", "排口", False)]),
    ("2024年以来，6次区委会议、12次区管委会常务会议研究。",
     [("6次", 6.0, "次", "区委会议", False), ("12次", 12.0, "次", "区管委会常务会议", False)]),
    ("下设综合协调组等 9 个专项工作小组，", [("9 个", 9.0, "个", "专项工作小组", False)]),
    ("涉及4个方面、29个单位(部门)共计50项具体问题，",
     [("4个", 4.0, "个", "方面", False), ("29个", 29.0, "个", "单位", False), ("50项", 50.0, "项", "具体问题", False)]),
    ("对1人予以记大过处分，对2人予以提醒谈话。", [("1人", 1.0, "人", "", False), ("2人", 2.0, "人", "", False)]),
    ("共交办群众信访举报问题4721件。", [("4721件", 4721.0, "件", "问题", False)]),
    ("全市已完成整改688个。", [("688个", 688.0, "个", "", False)]),
    ("已发整改通知13份，", [("13份", 13.0, "份", "通知", False)]),
    ("发表了100篇关于环保整治方面的文章", [("100篇", 100.0, "篇", "", False)]),
    ("立案查处环境违法案件15起，", [("15起", 15.0, "起", "案件", False)]),
    ("约谈企业负责人10人次。", [("10人次", 10.0, "人次", "", False)]),
    # time and measures
    ("共计向大通湖引水112天，", [("112天", 112.0, "天", "", False)]),
    ("公示期间（共10个工作日）", [("10个工作日", 10.0, "个工作日", "", False)]),
    ("用3个月时间完成。", [("3个月", 3.0, "个月", "", False)]),
    ("实行24小时值守。", [("24小时", 24.0, "小时", "", False)]),
    ("建成污水管网56.8公里，", [("56.8公里", 56.8, "公里", "", False)]),
    ("对大通湖临湖1000米退养情况开展排查", [("1000米", 1000.0, "米", "", False)]),
    ("日处理能力3万立方米。", [("3万立方米", 30000.0, "立方米", "", False)]),
    # separators and full-width digits
    ("环保投诉共1,087件，", [("1,087件", 1087.0, "件", "投诉", False)]),
    ("排查问题１２个。", [("12个", 12.0, "个", "问题", False)]),
])
def test_quantities(text, expected):
    assert qs(text) == expected


def test_a_range_keeps_both_ends():
    doc = extract_text("先后召开10-15次会议。")
    (q,) = doc.of_kind("quantity")
    assert (q.text, q.value, q.unit, q.attrs) == ("10-15次", 10.0, "次", {"max": 15.0})


# -- Chinese numerals: conservative ----------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("在湖区种植苦草三千亩。", [(3000.0, "亩")]),
    ("三十余家企业完成整改。", [(30.0, "家")]),
    ("一万余人参加活动。", [(10000.0, "人")]),
    ("两千余亩空斑区。", [(2000.0, "亩")]),
    ("整改期限十个工作日。", [(10.0, "个工作日")]),
    ("实行二十四小时值守。", [(24.0, "小时")]),
])
def test_chinese_numeral_amounts(text, expected):
    assert vu(text) == expected


@pytest.mark.parametrize("text", [
    "在大通湖东岸沿线大嘴巴——三千亩——原天泓港口码头已种植野生红莲。",   # a place between dashes
    "严格落实“党政同责、一岗双责”。",
    "第二轮省生态环境保护督察反馈问题。",
    "一是强化组织领导；二是开展科学分工。",
    "完成“十四五”末年度考核目标。完成十四五规划。",
    "坚决扛牢“守护好一江碧水”的政治责任。",
    "年度考核实行“一票否决”制度。",
    "按照“一个问题、一套方案、一名区级领导、一抓到底”的原则。",
    "“三个提升行动”重点项目。",
    "第三轮第二批中央生态环境保护督察。第六期。第 1 期。",
    "全市数十家企业。几十个问题。",
    "落实六个百分百要求。严格三项制度。",
    "五大行动骨干基地。十字方针。十大行动。",
    "三百亩村完成整改。",                                             # a village
])
def test_not_chinese_numeral_amounts(text):
    assert qs(text) == []


# -- what is not a quantity --------------------------------------------------------
@pytest.mark.parametrize("text", [
    "整改完成率94.52%，较上年下降3.66%。",
    "较去年同期下降3个百分点。下降三个百分点。",
    "总磷均值为0.069mg/L，较去年同期0.080mg/L下降。",
    "COD浓度为162毫克/升、31.7毫克/升。PM2.5年平均浓度31微克/立方米。",
    "污水处理能力达到5万吨/日。",
    "2024年8月22日至9月29日，厅党组第九巡察组开展巡察。2025年1-10月。",
    "高温时节（6-10月），开展监测。",
    "《大通湖区2025年水质达标1+5攻坚方案》（益生环委办〔2025〕20号）",
    "《城镇污水处理厂污染物排放标准》（GB18918-2002）和（HJ91.1-2019）",
    "联系电话：0737-5666826；邮政信箱：益阳市大通湖区河坝镇大通湖大道219号。",
    "依托“12345”平台。通过12345,12369和书面递交。",
    "（1）今年以来。（一）深入学习。",
    "1.深入学习贯彻。\n2、压紧压实责任。\n3) 持续推进。",
    "省级环保督察反馈问题第17项整改情况。第1、2批项目。第3-5项问题。",
    "每季度至少1次党员大会。",
    "记录24小时内签字确认。要求2个月内完成整改。",
    "每月1次调度。每季度召开1次会议。",
    "重污染天数2天。优良天数达到300天。",
    "网站标识码:4207000018 鄂ICP备05017375号 冀ICP备10208358号-36",
    "宿州市2023年自排查突出生态环境243号问题已整改完成。",
    "G207国道K12+300处。1#排口。2023年度第4次常务会议。",
    "王家湾村1组长期大量收购。",
])
def test_not_quantities(text):
    assert qs(text) == []


def test_a_decimal_count_is_a_list_number_not_an_amount():
    assert qs("问题整改。2.10个问题已销号。") == []


def test_a_doc_number_is_masked():
    assert qs("根据（岳办发〔2022〕4号）文件精神，完成整改3项。") == [("3项", 3.0, "项", "", False)]


def test_quantity_next_to_a_quoted_name():
    assert vu("2024年新增“五大行动骨干基地”1处。") == [(1.0, "处")]


# -- the seeds -------------------------------------------------------------------
def _q(doc):
    return [(s.text, s.value, s.unit, s.name, dict(s.attrs)) for s in doc.of_kind("quantity")]


def test_seed_001_quantities(seed_docs):
    got = _q(seed_docs["001"])
    assert ("27万株", 270000.0, "株", "", {}) in got
    assert ("24万余斤", 240000.0, "斤", "", {"approximate": True}) in got
    assert ("56个", 56.0, "个", "排口", {}) in got
    assert ("112天", 112.0, "天", "", {}) in got
    assert ("超过3600亩", 3600.0, "亩", "", {"approximate": True}) in got
    assert not any(t == "三千亩" for t, *_ in got)       # a place name there
    assert {(v, u) for _, v, u, _, _ in got} == {
        (1000.0, "米"), (2.0, "次"), (1.0, "处"), (2.0, "家"), (5.0, "次"), (112.0, "天"),
        (270000.0, "株"), (6400.0, "亩"), (240000.0, "斤"), (3600.0, "亩"), (56.0, "个")}


def test_seed_000_counts_meetings_not_indicators_or_years(seed_docs):
    got = _q(seed_docs["000"])
    assert [(t, v, u) for t, v, u, _, _ in got] == [("6次", 6.0, "次"), ("12次", 12.0, "次"), ("20余次", 20.0, "次")]


def test_seed_004_skips_requirements_and_time_limits(seed_docs):
    got = {(v, u) for _, v, u, _, _ in _q(seed_docs["004"])}
    assert got == {(2.0, "次"), (13.0, "份")}


def test_every_quantity_is_grounded(seed_docs):
    n = 0
    for doc in seed_docs.values():
        for s in doc.of_kind("quantity"):
            assert doc.text[s.start:s.end] == s.text
            assert s.unit and s.unit in s.text
            assert isinstance(s.value, float)
            n += 1
    assert n >= 15


# -- rules are data ----------------------------------------------------------------
def test_a_user_rule_layer_adds_a_unit(tmp_path):
    (tmp_path / "quantities.yaml").write_text("units:\n  classifiers: [宗卷]\n", encoding="utf-8")
    doc = Pipeline([str(tmp_path)]).process_text("调阅档案12宗卷。", doc_id="x")
    assert [(s.value, s.unit) for s in doc.of_kind("quantity")] == [(12.0, "宗卷")]


def test_a_bad_rule_names_its_file_and_line(tmp_path):
    (tmp_path / "quantities.yaml").write_text(
        "# a user layer\nskip:\n  - name: broken\n    pattern: '第(['\n", encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Pipeline([str(tmp_path)])
    assert f"{tmp_path / 'quantities.yaml'}:4" in str(e.value)
