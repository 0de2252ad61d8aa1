"""extract.numerals: Arabic and Chinese numerals with exact values."""
import pytest

from extract.numerals import cn_to_number, parse_amount, parse_number, strip_approximation


@pytest.mark.parametrize("text,expected", [
    ("27万", 270000.0),
    ("66.57万", 665700.0),
    ("251023.54万", 2510235400.0),       # exact: decimal arithmetic, no ...400.0000002
    ("35435.70万", 354357000.0),
    ("1.5万", 15000.0),
    ("3千万", 30000000.0),
    ("3.2亿", 320000000.0),
    ("2万亿", 2000000000000.0),
    ("1,087", 1087.0),
    ("12,345,678", 12345678.0),
    ("1,087.5", 1087.5),
    ("２４", 24.0),                      # full-width digits
    ("２４万", 240000.0),
    ("３．５", 3.5),                     # full-width point
    ("0.069", 0.069),
    ("112", 112.0),
    ("三千", 3000.0),
    ("两万五", 25000.0),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "12345,12369", "1,08", "1,0870", ",087", "十四五", "百", "万", "3个"])
def test_parse_number_rejects_what_is_not_a_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text,expected", [
    ("十", 10.0),
    ("十五", 15.0),
    ("二十", 20.0),
    ("二十四", 24.0),
    ("一百零五", 105.0),
    ("一千零十", 1010.0),
    ("三千", 3000.0),
    ("三千五", 3500.0),                  # shorthand: 三千五 = 3500
    ("三千五百", 3500.0),
    ("九千九百九十九", 9999.0),
    ("二十四万", 240000.0),
    ("十万", 100000.0),
    ("两万五", 25000.0),
    ("一亿二千万", 120000000.0),
    ("一万亿", 1000000000000.0),
    ("二〇二三", 2023.0),                # digit by digit
    ("贰拾", 20.0),                      # financial forms
    ("廿", 20.0),
    ("两", 2.0),
])
def test_cn_to_number(text, expected):
    assert cn_to_number(text) == expected


@pytest.mark.parametrize("text", ["十四五", "十百", "百", "千", "万", "", "三A", "五五五五万万", "一十十"])
def test_cn_to_number_rejects_slogans_and_malformed(text):
    assert cn_to_number(text) is None


@pytest.mark.parametrize("text,expected", [
    ("约1.5万", (15000.0, True)),
    ("24万余", (240000.0, True)),
    ("20余", (20.0, True)),
    ("20多万", (200000.0, True)),
    ("超过3600", (3600.0, True)),
    ("300左右", (300.0, True)),
    ("近一千", (1000.0, True)),
    ("56", (56.0, False)),
    ("什么", (None, False)),
])
def test_parse_amount_reports_approximation(text, expected):
    assert parse_amount(text) == expected


def test_strip_approximation():
    assert strip_approximation("约20余") == ("20", True)
    assert strip_approximation("24万余") == ("24万", True)
    assert strip_approximation("56") == ("56", False)
