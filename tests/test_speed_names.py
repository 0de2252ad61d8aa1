"""The fast paths of the orgs and persons stages give what the plain reading gives.

* persons: a name read once is found again by str.find (_occurrences) in the order an
  Aho-Corasick automaton reports it;
* orgs: full_name looks for a longer name only among those with the name's last character.
"""
import random

import ahocorasick
import pytest

from extract import extract_text
from extract.orgs import OrgStage
from extract.persons import _occurrences
from extract.rules import load_rules


@pytest.fixture(scope="module")
def stage():
    return OrgStage(load_rules(()))


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
