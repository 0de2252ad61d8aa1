"""The fast paths of the orgs and persons stages give what the plain reading gives.

* orgs: the counted words of rules/orgs.yaml (stop_patterns) are found from their units
  (_Counted.spans) instead of a regex scan: the same spans as ``finditer``;
* persons: a name read once is found again by str.find (_occurrences) in the order an
  Aho-Corasick automaton reports it;
* orgs: full_name looks for a longer name only among those with the name's last character.
"""
import random

import ahocorasick
import pytest
import regex

from extract import extract_text
from extract.orgs import OrgStage, _Counted
from extract.persons import _occurrences
from extract.rules import load_rules


@pytest.fixture(scope="module")
def stage():
    return OrgStage(load_rules(()))


def _finditer(pattern, text):
    return [m.span() for m in pattern.finditer(text)]


def test_shipped_stop_pattern_takes_the_fast_path(stage):
    assert stage._counted.fast
    assert stage._counted.pre == "第" and stage._counted.k == 4
    assert stage._counted.units_at["年"] == ("年度", "年")


@pytest.mark.parametrize("text, expected", [
    ("召开第二次会议", [(2, 5)]),                 # the prefix 第 opens the match
    ("一二三四五六次", [(2, 7)]),                 # a run longer than four: the last four
    ("第一二三四五次", [(2, 7)]),                 # …and then 第 stays out
    ("第一二三四次", [(0, 6)]),                   # a run of four takes 第
    ("三年度和五年", [(0, 3), (4, 6)]),           # 年度 before 年, as the alternation orders them
    ("2025年12个", [(0, 5), (5, 8)]),             # \d{1,4}: 2025年, then 12个 right after it
    ("12345年", [(1, 6)]),                         # five digits: the last four
    ("第第一次", [(1, 4)]),
    ("次一次", [(1, 3)]),                          # a unit at the start opens nothing
    ("十２处", [(0, 3)]),                          # a full-width digit is \d
    ("几个局", [(0, 2)]),
    ("没有数字的句子", []),
    ("", []),
])
def test_counted_words_as_finditer(stage, text, expected):
    assert _finditer(stage.stop_patterns, text) == expected
    assert stage._counted.spans(text) == expected


def test_counted_words_random_strings(stage):
    rng = random.Random(7)
    alphabet = list("第第一二十百两几1２٣次年年度个处局名x 、\n")
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert stage._counted.spans(text) == _finditer(stage.stop_patterns, text), text


@pytest.mark.parametrize("pattern, fast", [
    (r"第?[一二三\d]{1,4}(?:次|个)", True),
    (r"[一二三]{1,2}(?:次|个)", True),
    (r"第?[一二三\d]{1,4}(?:次|一个)", False),   # a unit holding a numeral
    (r"次?[一二三]{1,4}(?:次|个)", False),        # the prefix is a unit
    (r"第?[一-九]{1,4}(?:次|个)", False),         # a range in the class
    (r"第?[一二三]{2,4}(?:次|个)", False),        # not 1..K
    (r"(?:第)?[一二三]{1,4}(?:次|个)", False),
])
def test_other_shapes_fall_back(pattern, fast):
    counted = _Counted(regex.compile(pattern, regex.V0))
    assert counted.fast is fast
    for text in ("第一次", "二三个一次", "次一二三四个", "第一个第二次三一个"):
        assert counted.spans(text) == _finditer(counted.pattern, text)


def test_occurrences_in_automaton_order():
    rng = random.Random(3)
    alphabet = "欧阳明小王李"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        names = list({"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4)))
                      for _ in range(rng.randint(1, 4))})
        auto = ahocorasick.Automaton()
        for name in names:
            auto.add_word(name, name)
        auto.make_automaton()
        want = [(end + 1, name) for end, name in auto.iter(text)]
        assert [(e, name) for e, _, name in _occurrences(text, names)] == want


def test_occurrences_overlapping_and_nested():
    # 欧阳明 and 阳明 end together: the longer first; 明明 overlaps itself
    assert _occurrences("欧阳明明明", ["阳明", "欧阳明", "明明"]) == [
        (3, -3, "欧阳明"), (3, -2, "阳明"), (4, -2, "明明"), (5, -2, "明明")]


def test_full_name_from_a_longer_name_with_the_same_last_character(stage):
    ctx = {"省": "", "市": "", "区": "", "县": "", "domain": "",
           "issuers": ["益阳市生态环境局大通湖分局"], "names": ["分局", "大通湖分局党组", "分局党组"]}
    assert stage.full_name("分局", ctx) == "益阳市生态环境局大通湖分局"
    assert stage.full_name("分局党组", ctx) == "大通湖分局党组"
    assert stage.full_name("局党组", ctx) == "大通湖分局党组"  # the first in order that ends so


def test_names_after_counted_words_and_recurring_people():
    doc = extract_text("第二次召开市生态环境局会议。区委书记陈竞强调，陈竞要求三个部门和区委整改。")
    orgs = [(s.text, s.start) for s in doc.spans if s.kind == "org"]
    people = [(s.text, s.start) for s in doc.spans if s.kind == "person"]
    assert orgs == [("市生态环境局", 5), ("区委", 32)]  # 区委书记 names a post
    assert people == [("陈竞", 18), ("陈竞", 23)]
