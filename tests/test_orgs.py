"""Bodies: left edges in running text, enumerations, short forms and their full
names, classes and posts that are not bodies, and the responsible-body links."""
import json

import pytest

from extract import extract_text


def orgs(text):
    return [s.text for s in extract_text(text).of_kind("org")]


def full_names(text):
    return {s.text: s.attrs.get("full_name", "") for s in extract_text(text).of_kind("org")}


@pytest.mark.parametrize("text,expected", [
    # the left edge after a verb, a preposition or a particle
    ("已对该问题进行梳理，组织执法大队、法制股召开专题会议。", ["执法大队", "法制股"]),
    ("向市生态环境局申请，将辖区内企业减排量作为替代来源。", ["市生态环境局"]),
    ("多次对接汇报市生态环境局，申请市级层面调节。", ["市生态环境局"]),
    ("积极向区财政争取上级部门资金支持。", ["区财政"]),
    ("根据省委巡视工作领导小组部署和厅党组工作安排开展巡察。", ["省委巡视工作领导小组", "厅党组"]),
    ("收到厅党组第九巡察组反馈的问题清单后，分局党组高度重视。", ["厅党组第九巡察组", "分局党组"]),
    ("组织分局党组研究整改方案。", ["分局党组"]),
    ("该尾矿库回采工作已由高新区产业发展局移交至赫山应急局。", ["高新区产业发展局", "赫山应急局"]),
    ("成立“第一议题”领导小组，严格把关学习内容。", ["“第一议题”领导小组"]),
    ("专班下设综合协调组、材料文件组等 9 个专项工作小组。", ["综合协调组", "材料文件组"]),
    # a name that begins with a division runs to it, whatever stands before
    ("随后请示岳阳市岳阳楼区生态环境保护委员会办公室。", ["岳阳市岳阳楼区生态环境保护委员会办公室"]),
    ("聘请第三方检测机构湖南汨江检测有限公司对长安河进行水质检测。", ["湖南汨江检测有限公司"]),
    ("实际是位于城固县柳林镇顺丰农业科技发展有限责任公司院内的回收点。", ["城固县柳林镇顺丰农业科技发展有限责任公司"]),
    # two bodies written together, or joined by 和
    ("区委区管委会高度重视。", ["区委", "区管委会"]),
    ("根据市委、市政府工作部署。", ["市委", "市政府"]),
    ("按照湖南省生态环境厅和邵阳市生态环境局的要求开展宣传。", ["湖南省生态环境厅", "邵阳市生态环境局"]),
    ("县生态环境局联合县公安局开展执法。", ["县生态环境局", "县公安局"]),
    # 和 inside a name stays
    ("市住建局、市交通局、市水利和湖泊局、市城管委制定了整改方案。", ["市住建局", "市交通局", "市水利和湖泊局", "市城管委"]),
    ("由市发展和改革委员会牵头。", ["市发展和改革委员会"]),
    # one body made of two parts
    ("益阳市生态环境局大通湖分局从多方面思考。", ["益阳市生态环境局大通湖分局"]),
    ("根据中共益阳市委机构编制委员会办公室《关于印发移交事项清单的通知》要求。", ["中共益阳市委机构编制委员会办公室"]),
    ("区委常委会、区政府常务会议议定的事项。", ["区委常委会", "区政府"]),
    ("（简称顺丰米业）", []),
    # standalone bodies
    ("切实把思想和行动统一到党中央决策部署上来。", ["党中央"]),
])
def test_names_and_left_edges(text, expected):
    assert orgs(text) == expected


@pytest.mark.parametrize("text", [
    "成立领导小组，由党组书记、局长担任组长，党组成员担任副组长。",  # posts, bare 党组
    "各部门、各单位要高度重视，我局立即组织整改。",  # classes of bodies
    "某公司完成尾气提标改造，某街道在建工地管理责任已移交。",  # anonymised
    "组织相关责任单位狠抓问题整改，明确责任部门。",
    "一些干部对生态文明建设认识不足，现场检查发现问题已立案查处并督办。",  # words ending in 部/场/处/办
    "通过党委（党组）理论学习中心组学习等形式。",  # kinds of bodies
    "加强对污水处理厂的管理，强化外委三方公司监管。",
    "5月9日，益阳市委书记陈竞率队实地调研。",  # a post, not a mention of 益阳市委
    "县委书记石录明出席会议，人大常委会主任陈飞燕、县政协主席胡能华出席。",
    "各县市区人民政府、开发区管委会要抓好落实。",
    "以人民为中心的思想树得不牢，做到即查即办。",
    "认为现存的一些问题主要是历史、技术、财力等客观因素所致。",
])
def test_not_bodies(text):
    assert orgs(text) == []


def test_post_keeps_a_bureau():
    # 局长 names the bureau's head: the bureau is mentioned (unlike 市委书记)
    assert orgs("(联系人：吴铭 市生态环境局大通湖分局局长 13875344448)") == ["市生态环境局大通湖分局"]


def test_not_inside_book_titles():
    assert orgs("深入贯彻落实《中共湖南省委关于深入学习的决定》。") == []
    assert orgs("参照益阳市人民政府《关于划定高污染燃料禁燃区范围的通告》文件的相关要求。") == ["益阳市人民政府"]


def test_company_without_suffix_and_alias():
    assert orgs("罗讯带队赴湖南贝贝昇生物科技、桂花桥、茅草街镇等地开展督导。") == ["湖南贝贝昇生物科技"]
    text = "位于城固县柳林镇顺丰农业科技发展有限责任公司(简称顺丰米业)院内，负责人与顺丰米业公司签订合同。"
    assert orgs(text) == ["城固县柳林镇顺丰农业科技发展有限责任公司", "顺丰米业", "顺丰米业公司"]


HEAD_DTH = "中共益阳市大通湖区委员会\n益阳市大通湖区管理委员会\n关于问题整改验收销号的请示\n"


def test_short_forms_resolved_from_the_issuer():
    got = full_names(HEAD_DTH + "区委区管委会高度重视，严格按照省委、省政府部署，6次区委会议研究，党中央决策部署。"
                                "强化区蓝天办的统筹能力。")
    assert got["区委"] == "中共益阳市大通湖区委员会"
    assert got["区管委会"] == "益阳市大通湖区管理委员会"
    assert got["省委"] == "中共湖南省委员会"
    assert got["省政府"] == "湖南省人民政府"
    assert got["党中央"] == "中共中央"
    assert got["区蓝天办"] == "益阳市大通湖区蓝天办"


def test_bureau_short_forms_resolved_from_the_issuer():
    head = "中共益阳市生态环境局高新区分局党组\n关于专项巡察整改进展情况的通报\n"
    got = full_names(head + "2025年1月17日，省厅党组第九巡察组在市局召开反馈会。厅党组工作安排。组织分局党组研究。"
                            "根据市委、市政府工作部署。")
    assert got["市局"] == "益阳市生态环境局"
    assert got["省厅党组第九巡察组"] == "中共湖南省生态环境厅党组第九巡察组"
    assert got["厅党组"] == "中共湖南省生态环境厅党组"
    assert got["分局党组"] == "中共益阳市生态环境局高新区分局党组"
    assert got["市委"] == "中共益阳市委员会"
    assert got["市政府"] == "益阳市人民政府"


def test_full_name_stays_empty_without_a_division():
    assert full_names("区委区管委会高度重视。") == {"区委": "", "区管委会": ""}


def test_norm_and_name_are_the_name_as_written():
    doc = extract_text(HEAD_DTH + "区委区管委会高度重视。")
    spans = [s for s in doc.of_kind("org") if s.text == "区委"]
    assert [(s.norm, s.name) for s in spans] == [("区委", "区委")]


# -- responsible bodies ----------------------------------------------------------------

PROBLEMS = ("关于整改情况的报告\n一、整改情况\n"
            "问题1：河道垃圾清理不及时。\n责任单位：区城管局、区水利局\n整改情况：已完成。\n"
            "问题2：污水直排。\n由区住建局牵头负责，明确区生态环境分局为责任单位。\n整改情况：正在推进。\n"
            "问题3：扬尘管控不严。\n整改情况：已完成。\n")


def test_responsible_bodies_link_to_their_problem():
    doc = extract_text(PROBLEMS)
    got = [(p.number, p.attrs.get("responsible")) for p in doc.problems]
    assert got == [("1", ["区城管局", "区水利局"]), ("2", ["区住建局", "区生态环境分局"]), ("3", None)]


def test_responsible_heading_form():
    text = ("突出生态环境问题整改验收销号公示\n一、整改问题\n宿马园区工地施工场地，现场施工裸土未覆盖。\n"
            "二、整改实施主体\n宿马园区党工委、管委会\n三、重点措施\n现场施工裸土全覆盖。\n"
            "六、整改完成情况\n经现场核查，已全覆盖。\n")
    doc = extract_text(text)
    assert [p.attrs.get("responsible") for p in doc.problems] == [["宿马园区党工委", "管委会"]]


def test_responsible_column_in_output(seed_run):
    import csv
    rows = list(csv.DictReader(open(seed_run / "problems.csv", encoding="utf-8-sig")))
    assert "responsible" in rows[0]


# -- the seed documents -----------------------------------------------------------------------

def seed_gold(key):
    from tests.conftest import SHARED
    paths = sorted((SHARED / "gold").glob(f"{key}_*.json"))
    return json.loads(paths[0].read_text(encoding="utf-8")) if paths else None


@pytest.mark.parametrize("key,expected", [
    ("000", {"中共益阳市大通湖区委员会", "益阳市大通湖区管理委员会", "益阳市生态环境保护委员会", "市生态环境局大通湖分局",
             "区委", "区管委会", "区委理论学习中心组", "区蓝天办", "区生环委办", "省委", "省政府", "党中央"}),
    ("002", {"岳阳市岳阳楼区生态环境保护委员会办公室", "区委", "区政府", "区人民政府", "区人大", "区委党校", "区委督查室",
             "区政府督查室", "区委常委会", "区委中心组"}),
])
def test_seed_bodies(seed_docs, key, expected):
    doc = seed_docs[key]
    assert {s.norm.replace("中国共产党", "中共") for s in doc.of_kind("org")} == expected


def test_seed_bodies_are_grounded_and_cover_the_gold(seed_docs):
    checked = 0
    for key, doc in seed_docs.items():
        for s in doc.of_kind("org"):
            assert doc.text[s.start:s.end] == s.text == s.name
        g = seed_gold(key)
        if g is None:
            continue
        names = {s.name.replace("中国共产党", "中共") for s in doc.of_kind("org")}
        assert [o for o in g["orgs"] if o not in names] == [], key
        checked += 1
    assert checked in (0, 5)


def test_seed_001_does_not_take_verbs_or_posts(seed_docs):
    names = {s.name for s in seed_docs["001"].of_kind("org")}
    assert {"执法大队", "法制股", "监测站", "区财政", "益阳市人民政府", "省厅党组"} <= names
    assert not any(n.startswith(("组织", "由", "向", "开展", "党组书记")) for n in names)
    assert not any(n.endswith(("局长", "部署", "干部")) for n in names)


def test_bad_rule_names_its_file(tmp_path):
    from extract.rules import RuleError
    (tmp_path / "orgs.yaml").write_text("max_window: -1\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"orgs\.yaml.*max_window must be a positive integer"):
        extract_text("区委高度重视。", rules=(str(tmp_path),))


def test_user_rules_add_a_suffix(tmp_path):
    (tmp_path / "orgs.yaml").write_text("suffixes: [书屋]\n", encoding="utf-8")
    assert orgs("由岳麓书屋承办。") == []
    assert [s.text for s in extract_text("由岳麓书屋承办。", rules=(str(tmp_path),)).of_kind("org")] == ["岳麓书屋"]
