"""Document numbers, phones and e-mails."""
import pytest

from extract import extract_text


def facts(text, kind):
    return [(s.text, s.norm) for s in extract_text(text).of_kind(kind)]


@pytest.mark.parametrize("text,norm", [
    ("益生环委办〔2025〕20号", "益生环委办〔2025〕20号"),
    ("益简字【2022】42号", "益简字〔2022〕42号"),
    ("岳办发[2022]4号", "岳办发〔2022〕4号"),
    ("舟委发(2021)24号", "舟委发〔2021〕24号"),
    ("湘政办发（2021）第12号", "湘政办发〔2021〕12号"),
    ("大委〔2025〕 43 号", "大委〔2025〕43号"),
    ("湘环发［2020］7号", "湘环发〔2020〕7号"),
])
def test_every_bracket_variant_normalises(text, norm):
    assert [n for _, n in facts(f"见{text}。", "doc_number")] == [norm]


def test_prose_before_the_abbreviation_is_not_part_of_it():
    got = facts("根据桂审报〔2022〕3号文要求，按照益政通〔2022〕4号执行。", "doc_number")
    assert got == [("桂审报〔2022〕3号", "桂审报〔2022〕3号"), ("益政通〔2022〕4号", "益政通〔2022〕4号")]


@pytest.mark.parametrize("text,norm", [
    ("联系电话：0737-5666826；", "0737-5666826"),
    ("监督电话:0557-2666031", "0557-2666031"),
    ("联系电话:(027)60281828 地址", "027-60281828"),
    ("（联系人：吴铭 13875344448）", "13875344448"),
    ("电话0730－8245473。", "0730-8245473"),
])
def test_phones(text, norm):
    assert [n for _, n in facts(text, "phone")] == [norm]


def test_hotlines_and_long_numbers_are_not_phones():
    assert facts("依托12345、12369平台，编号42071499007-00001，投诉1087件。", "phone") == []


def test_emails():
    assert facts("电子邮件：yyssthjjgxq@126.com。", "email") == [("yyssthjjgxq@126.com", "yyssthjjgxq@126.com")]


@pytest.mark.parametrize("text, name, norm", [
    ("参照《关于划定高污染燃料禁燃区范围的通告》（益政通〔2022〕4号）文件的相关要求。", "关于划定高污染燃料禁燃区范围的通告",
     "益政通〔2022〕4号"),
    ("编制了《大通湖2025年水质达标1+5攻坚方案》 (益生环委办[2025]20号)，并明确牵头单位。", "大通湖2025年水质达标1+5攻坚方案",
     "益生环委办〔2025〕20号"),
    ("学习《城镇污水处理厂污染物排放标准》（GB18918-2002）。", "城镇污水处理厂污染物排放标准", ""),  # a standard's code
    ("印发《整改方案》，益政通〔2022〕4号文件另行下发。", "整改方案", ""),  # not in parentheses right after
])
def test_a_document_number_in_parentheses_after_a_title_is_the_cited_documents(text, name, norm):
    [cited] = extract_text(text).of_kind("cited_doc")
    assert (cited.name, cited.norm) == (name, norm)


def test_cited_documents_of_a_seed_by_kind(seed_docs):
    """A 办法 is a rule though 法 (a law) ends it too; the longest word that ends a title decides."""
    kinds = {s.name: s.attrs.get("kind") for s in seed_docs["001"].of_kind("cited_doc")}
    assert kinds["中华人民共和国行政处罚法"] == "law"
    assert kinds["中华人民共和国生态环境部生态环境行政处罚办法"] == "rule"
    assert kinds["益阳市大通湖入湖口、电排涵闸水质综合考核办法"] == "rule"
    assert kinds["生态环境行政执法案件评查细则（2024年版）"] == "rule"
    assert kinds["大通湖总磷达标攻坚实施方案（2023—2025年）"] == "plan"
    assert kinds["益阳市生态环境局大通湖分局问题清单"] == "list"
