"""Normalisation: the text every offset points into."""
from extract import extract_text


def norm(text):
    return extract_text(text).text


def test_page_break_inside_a_sentence_is_rejoined():
    text = "深学笃用习近平生态文明思想，严格落实责任，压实生态\n\n环境保护责任，推进解决问题。\n"
    assert norm(text) == "深学笃用习近平生态文明思想，严格落实责任，压实生态环境保护责任，推进解决问题。\n"


def test_page_number_between_halves_of_a_sentence_is_dropped():
    text = "深学笃用习近平生态文明思想，严格落实责任，压实生态\n\n- 3 -\n\n环境保护责任，推进解决问题。\n"
    assert "压实生态环境保护责任" in norm(text)
    assert "3" not in norm(text)


def test_headings_titles_and_fields_are_not_joined():
    text = ("现将有关情况汇报如下，请审阅，谢谢各位\n\n一、问题描述\n\n"
            "报：市委办公室，市人大常委会办公室，市政府研究室\n\n送：各县市区委\n")
    out = norm(text)
    assert "谢谢各位\n\n一、问题描述" in out
    assert "市政府研究室\n\n送：" in out


def test_conversion_debris_and_trailing_page_number_are_removed():
    out = norm("中共某某分局党组\n[bookmark: _GoBack]2025年11月5日\n1\n")
    assert out == "中共某某分局党组\n2025年11月5日\n"


def test_traditional_script_becomes_simplified_and_pinyin_debris_goes():
    out = norm("南寧市人民政府關(guān)于2022年大氣污染防治專項審計調(diào)查發(fā)現(xiàn)問題整改情況的函\n")
    assert out == "南宁市人民政府关于2022年大气污染防治专项审计调查发现问题整改情况的函\n"


def test_simplified_text_is_left_alone():
    text = "湖南贝贝昇生物科技开展生态环境保护工作现场督导。\n"
    assert norm(text) == text


def test_full_width_letters_and_digits_become_ascii_but_punctuation_stays():
    assert norm("ＰＭ２．５浓度为３１微克/立方米，（一）\n") == "PM2．5浓度为31微克/立方米，（一）\n"


def test_html_entities_are_decoded():
    assert norm("&ldquo;一岗双责&rdquo;&nbsp;\n").startswith("“一岗双责”")


def test_mojibake_runs_are_repaired_or_removed():
    # as a browser decodes windows-1252: the five bytes it leaves undefined become U+0081 ...
    utf8_as_cp1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                             for b in "益阳市生态环境局".encode("utf-8"))
    assert norm(f"发文单位：{utf8_as_cp1252}\n") == "发文单位：益阳市生态环境局\n"
    gbk_as_latin1 = "关于整改情况".encode("gbk").decode("latin-1")
    assert norm(f"{gbk_as_latin1}的通报\n") == "关于整改情况的通报\n"
    assert norm("已完成整改锟斤拷锟斤拷。\ufffd\ufffd\ufffd\n") == "已完成整改。\n"
    damaged = "生态环境".encode("utf-8").decode("cp1252", errors="replace")  # a converter that lost bytes
    head, tail = damaged.split("\ufffd")
    # the whole characters after the lost byte are repaired; the broken one before it is left, not misread as GBK
    assert norm(damaged + "局\n") == head + "\ufffd环境局\n"


def test_text_that_only_looks_like_mojibake_is_kept():
    for text in ("×××县人民政府：\n", "温度±0.5°C，浓度μg/m³。\n", "他说：“……”——‘好’。\n", "负责人：Zoë Müller\n",
                 "单个替换字符\ufffd保留\n"):
        assert norm(text) == text


def test_entities_escaped_twice_and_without_semicolon():
    assert norm("落实&amp;ldquo;一岗双责&amp;rdquo;&nbsp责任\n") == "落实“一岗双责” 责任\n"


def test_pinyin_debris_where_the_character_itself_was_lost():
    assert norm("推進存在問題整改?,F(xiàn)將整改情況函告如下\n") == "推进存在问题整改?,F将整改情况函告如下\n"
    assert norm("環境（huán）保護責任\n") == "环境保护责任\n"
    assert norm("函数f(x)的值\n") == "函数f(x)的值\n"


def test_hard_line_breaks_inside_a_sentence_are_rejoined():
    text = ("根据省委巡视工作领导小组部署和厅党组工作安排，2024年8月22日至9月29日，厅党组第九巡\n"
            "察组对单位进行了专项巡察。\n一、组织整改落实情况\n")
    assert norm(text) == ("根据省委巡视工作领导小组部署和厅党组工作安排，2024年8月22日至9月29日，厅党组第九巡察组对单位进行了专项巡察。\n"
                          "一、组织整改落实情况\n")
    # an indented line starts a paragraph; a table row is never joined
    assert norm("深学笃用习近平生态文明思想，严格落实责任，压实生态\n\u3000\u3000环境保护责任。\n").count("\n") == 2
    rows = "1 | 黑臭水体整治有反复，部分水体返黑返臭 | 市住建局\n2 | 管网破损 | 市水利局\n"
    assert norm(rows) == rows


def test_line_separators_and_no_break_spaces():
    assert norm("第一行\u2028第二行\u00a0完\n") == "第一行\n第二行 完\n"


def test_lone_surrogates_are_dropped_not_fatal():
    assert norm("关于整改情况的通报\n\udc80乱码\ud800\n") == "关于整改情况的通报\n乱码\n"
