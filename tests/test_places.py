"""Places: full names, short forms and which division they mean, water bodies."""
import pytest

from extract import extract_text


def places(text):
    return [(s.text, s.norm, s.attrs["level"], s.attrs["province"], s.attrs["city"])
            for s in extract_text(text).of_kind("place")]


def test_full_names_and_their_province_and_city():
    assert places("南县、沅江市、赫山区在益阳市召开会议。") == [
        ("南县", "南县", "county", "湖南省", "益阳市"),
        ("沅江市", "沅江市", "county", "湖南省", "益阳市"),
        ("赫山区", "赫山区", "county", "湖南省", "益阳市"),
        ("益阳市", "益阳市", "city", "湖南省", "益阳市"),
    ]


def test_code_is_given():
    got = extract_text("岳阳市岳阳楼区生态环境保护委员会办公室").of_kind("place")
    assert [(s.text, s.attrs["code"]) for s in got] == [("岳阳市", "430600"), ("岳阳楼区", "430602")]


def test_short_form_inside_its_full_name_is_one_place():
    assert places("资阳区委书记付振南带队。益阳市") == [
        ("资阳区", "资阳区", "county", "湖南省", "益阳市"),
        ("益阳市", "益阳市", "city", "湖南省", "益阳市"),
    ]


def test_ambiguous_short_form_takes_the_documents_province():
    hunan = places("益阳市召开会议。\n▲资阳\n5月9日开展督查。")
    assert ("资阳", "资阳区", "county", "湖南省", "益阳市") in hunan
    sichuan = places("四川省资阳市雁江区。资阳")
    assert sichuan[-1] == ("资阳", "资阳市", "city", "四川省", "资阳市")


def test_short_form_without_context_is_not_read():
    assert places("资阳是一个地方。") == []


def test_province_short_form_is_a_place():
    assert places("湖南四水之一") == [("湖南", "湖南省", "province", "湖南省", "")]


def test_short_form_in_a_longer_word_is_not_read():
    assert places("湖南县级以上城市。") == [("湖南", "湖南省", "province", "湖南省", "")]  # not 南县
    assert [p[0] for p in places("雄安新区、定州市已完成整改。河北省")] == ["定州市", "河北省"]  # not 安新县
    assert places("城区黑臭水体已全部整改完成。") == []
    assert places("会同各乡镇开展排查。湖南省") == [("湖南省", "湖南省", "province", "湖南省", "")]


def test_river_or_county():
    assert [p[1:3] for p in places("沅江流域水质良好。")] == [("沅江", "river")]
    assert [p[1:3] for p in places("益阳市各区县：赫山、资阳、沅江")][-1] == ("沅江市", "county")


def test_water_bodies_and_areas():
    assert places("在洞庭湖区组织实施江湖连通，南洞庭湖、东洞庭湖水质改善。") == [
        ("洞庭湖区", "洞庭湖区", "area", "湖南省", ""),
        ("南洞庭湖", "南洞庭湖", "lake", "湖南省", ""),
        ("东洞庭湖", "东洞庭湖", "lake", "湖南省", "岳阳市"),
    ]
    got = places("实施沅江市大通湖区域性集中供水工程")
    assert [p[0] for p in got] == ["沅江市", "大通湖"]  # 区域 is no 大通湖区


def test_listed_short_forms_in_the_documents_province():
    got = places("河北省：衡水、邯郸、秦皇岛整改进度快于全省平均水平。")
    assert [(p[0], p[1]) for p in got] == [("河北省", "河北省"), ("衡水", "衡水市"), ("邯郸", "邯郸市"), ("秦皇岛", "秦皇岛市")]


def test_no_place_inside_a_person():
    assert places("县委书记向荣迅速召开会议。湖南省") == [("湖南省", "湖南省", "province", "湖南省", "")]


def test_seed_places(seed_docs):
    doc = seed_docs["003"]
    got = {(s.text, s.norm) for s in doc.of_kind("place")}
    assert {("赫山", "赫山区"), ("资阳", "资阳区"), ("沅江", "沅江市"), ("南洞庭湖", "南洞庭湖"), ("南县", "南县"),
            ("大通湖区", "大通湖区")} <= got
    for d in seed_docs.values():
        for s in d.of_kind("place"):
            assert d.text[s.start:s.end] == s.text == s.name
            assert s.attrs["level"]
        # every place of the seeds lies in Hunan or is a water body without a province
        assert {s.attrs["province"] for s in d.of_kind("place")} <= {"湖南省", ""}
