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
