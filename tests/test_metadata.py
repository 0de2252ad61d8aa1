"""Document metadata on the seeds, with exact values, and on constructed cases."""
import pytest

from extract import extract_text

EXPECTED = {
    "000": dict(doc_type="请示", title="关于第二轮省生态环境保护督察反馈“思想认识有偏差”问题整改验收销号的请示",
                issuers=["中共益阳市大通湖区委员会", "益阳市大通湖区管理委员会"], doc_number="大委〔2025〕43号",
                signers=["罗立峰"], recipients=["益阳市生态环境保护委员会"], date="2025-11-27",
                contact_person="吴铭", contact_phone="13875344448"),
    "001": dict(doc_type="通报", title="关于专项巡察整改进展情况的通报", issuers=["中共益阳市生态环境局大通湖分局党组"],
                doc_number="", signers=[], recipients=[], date=""),
    "002": dict(doc_type="公示", title="关于2021年第二轮中央生态环境保护督察报告反馈问题（问题编号一）整改销号情况的公示",
                issuers=["岳阳市岳阳楼区生态环境保护委员会办公室"], doc_number="", date="2023-10-13"),
    "003": dict(doc_type="简报", title="益阳市配合中央生态环境保护督察工作简报",
                issuers=["益阳市配合中央生态环境保护督察协调联络专班"], doc_number="益简字〔2022〕42号", date="2024-05-10"),
    "004": dict(doc_type="通报", title="关于专项巡察整改进展情况的通报", issuers=["中共益阳市生态环境局高新区分局党组"],
                doc_number="", date="2025-11-05"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_metadata(seed_docs, key):
    meta = seed_docs[key].meta
    for field, value in EXPECTED[key].items():
        assert meta[field] == value, field


def test_attachment_and_distribution_lines(seed_docs):
    assert seed_docs["000"].meta["attachments"] == [
        "大通湖区关于对2023年第二轮省生态环境保护督察反馈“思想认识有偏差”问题整改完成情况的报告"]
    cc = seed_docs["003"].meta["cc"]
    assert cc[0] == "市委办公室" and "大通湖区管委会" in cc
    assert seed_docs["003"].meta["printed_by"] == "益阳市配合中央生态环境保护督察协调联络专班 2024年5月10日印发"


def test_title_with_issuers_before_guanyu():
    doc = extract_text("中共汉中市委 汉中市人民政府关于省第四生态环境保护督察组交办生态环境问题调查处理情况的通报\n正文。\n")
    assert doc.meta["doc_type"] == "通报"
    assert doc.meta["issuers"] == ["中共汉中市委", "汉中市人民政府"]


def test_title_with_issue_number_and_masthead_date():
    text = "鄂州市环境保护督察反馈意见整改工作简报(第六期)\n\n日期:2021-05-18\n\n市环境保护督察反馈整改攻坚指挥部办公室     2021年1月13日\n\n正文。\n"
    meta = extract_text(text).meta
    assert (meta["doc_type"], meta["date"], meta["issuers"]) == ("简报", "2021-01-13", ["市环境保护督察反馈整改攻坚指挥部办公室"])
    assert meta["published"] == "2021-05-18"


def test_web_page_without_a_date_line_takes_its_publication_date():
    meta = extract_text("媒体播报\n来源: 长城网   作者:张艺萌\n2018-08-15 09:58:20\n长城网8月15日讯 正文。\n").meta
    assert (meta["title"], meta["doc_type"], meta["date"], meta["issuers"]) == ("", "", "2018-08-15", [])


def test_speech_report_date_line_under_the_title():
    meta = extract_text("关于2020年度审计查出问题整改情况的报告\n\n——2021年12月28日在市人大常委会会议上\n\n主任、各位委员:\n").meta
    assert (meta["doc_type"], meta["date"], meta["recipients"]) == ("报告", "2021-12-28", [])


def test_title_broken_over_two_lines():
    meta = extract_text("关于中央环保督察第8号问题整改\n销号公示\n\n一、反馈问题\n").meta
    assert (meta["title"], meta["doc_type"]) == ("关于中央环保督察第8号问题整改销号公示", "公示")


def test_body_sentence_is_not_a_title():
    meta = extract_text("根据《关于印发整改方案的通知》要求，现将整改情况公示如下:\n").meta
    assert meta["title"] == "" and meta["doc_type"] == ""
