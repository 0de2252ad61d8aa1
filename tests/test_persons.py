"""People: names after posts and labels, their length, what is not a name."""
import pytest

from extract import extract_text


def persons(text):
    return [(s.text, s.attrs.get("post", "")) for s in extract_text(text).of_kind("person")]


def names(text):
    return [s.text for s in extract_text(text).of_kind("person")]


@pytest.mark.parametrize("text,expected", [
    ("签发人：罗立峰\n", [("罗立峰", "签发人")]),
    ("(联系人：吴铭 市生态环境局大通湖分局局长 13875344448)", [("吴铭", "联系人")]),
    ("主办单位:鄂州市生态环境局 联系人:陈静 联系电话:(027)60281828", [("陈静", "联系人")]),
    ("市审计局局长   李火生\n", [("李火生", "市审计局局长")]),
    ("来源: 长城网   作者:张艺萌\n", [("张艺萌", "作者")]),
    ("长城网8月15日讯(记者 张艺萌)今年5月31日", [("张艺萌", "记者")]),
    ("5月8日，大通湖区委副书记、区长罗立峰主持召开例会。", [("罗立峰", "大通湖区委副书记、区长")]),
    ("赫山区委书记周卫星主持会议并讲话。", [("周卫星", "赫山区委书记")]),
])
def test_post_or_label_then_name(text, expected):
    assert persons(text) == expected


def test_several_posts_in_one_sentence():
    text = "市委常委、常务副市长刘勇会，市委常委、副市长朱春光，副市长唐杰，市政府秘书长梁成立参加。"
    assert persons(text) == [("刘勇会", "市委常委、常务副市长"), ("朱春光", "市委常委、副市长"),
                             ("唐杰", "副市长"), ("梁成立", "市政府秘书长")]


@pytest.mark.parametrize("text,expected", [
    ("县委书记向荣迅速召开动员会。", ["向荣"]),  # 迅速 follows: two characters
    ("益阳市委书记陈竞率队赴沅江市调研。", ["陈竞"]),  # 率队 follows
    ("市政府秘书长梁成立参加。", ["梁成立"]),  # 参加 follows: three characters, 成立 is no verb here
    ("区长赵刚多次带队现场督办。", ["赵刚"]),
    ("县委常委、常务副县长张三为副组长。", ["张三"]),
    ("人大常委会主任陈飞燕、县政协主席胡能华出席。", ["陈飞燕", "胡能华"]),
])
def test_name_length(text, expected):
    assert names(text) == expected


def test_a_name_is_found_again_where_it_stands_alone():
    text = "★ 陈竞率队实地调研\n5月9日，益阳市委书记陈竞率队调研。陈竞强调：要高度重视。"
    got = extract_text(text).of_kind("person")
    assert [(s.text, s.start) for s in got] == [("陈竞", 2), ("陈竞", 22), ("陈竞", 29)]
    assert all(s.attrs["post"] == "益阳市委书记" for s in got)


@pytest.mark.parametrize("text", [
    "成立领导小组，由党组书记、局长担任组长，党组成员担任副组长。",  # posts, not names
    "党组书记坚决扛牢专项巡察整改第一责任人责任。",
    "2020年8月13日负责人李某某与顺丰米业公司签订场地租赁合同。",  # anonymised
    "经查，段某某废旧物资回收点、王某某废旧物资回收点未办理执照。",
    "深入学习贯彻习近平生态文明思想和习近平总书记重要讲话精神。",  # a name before a post is not read
    "主任、各位副主任、各位委员：",
    "接受电视台记者采访18次，局长高度重视。",
    "组长单位、成员单位要加强配合。",
])
def test_not_persons(text):
    assert names(text) == []


def test_person_inside_a_body_is_not_read():
    assert names("市委书记向市政府汇报。") == []


def test_seed_persons(seed_docs):
    assert names_of(seed_docs["000"]) == ["罗立峰", "吴铭"]
    assert names_of(seed_docs["003"]) == ["陈竞", "刘勇会", "朱春光", "唐杰", "梁成立", "罗讯", "周卫星", "付振南", "石录明",
                                          "陈飞燕", "胡能华", "向荣", "杨智勇", "左志锋", "罗立峰", "王新宇"]
    for key in ("001", "002", "004"):
        assert seed_docs[key].of_kind("person") == []


def test_seed_signers_unaffected(seed_docs):
    assert seed_docs["000"].meta["signers"] == ["罗立峰"]


def test_seed_persons_grounded(seed_docs):
    for doc in seed_docs.values():
        for s in doc.of_kind("person"):
            assert doc.text[s.start:s.end] == s.text == s.norm == s.name


def names_of(doc):
    return list(dict.fromkeys(s.text for s in doc.of_kind("person")))


def test_bad_surname_rule_names_its_file(tmp_path):
    from extract.rules import RuleError
    (tmp_path / "persons.yaml").write_text("surnames: [欧阳修]\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"persons\.yaml.*one or two characters"):
        extract_text("局长欧阳修。", rules=(str(tmp_path),))
