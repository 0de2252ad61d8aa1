"""Speed round 4 (orgs, responsible): the fast paths give what the plain scans give.

* OrgStage reads stop_patterns' matches only near a name (_pat_near, from rules/orgs.yaml
  stop_patterns_hint) instead of scanning the whole text;
* ResponsibleStage tries a cue only when one of its words (responsible.cue_words) is in the text,
  and the orgs stage's automaton finds those words.
Both fall back to the plain scan when a --rules layer changes the pattern without its hint.
"""
from __future__ import annotations

import random
from pathlib import Path

import conftest
import pytest

from extract.doc import Doc
from extract.orgs import OrgStage, ResponsibleStage
from extract.pipeline import Pipeline
from extract.rules import load_rules

SEEDS = sorted(map(str, conftest.SEEDS.glob("*.txt"))) + sorted(map(str, (conftest.SHARED / "dev" / "docs").glob("*.txt")))


@pytest.fixture(scope="module")
def stage():
    return OrgStage(load_rules(()))


def _whole(stage, text, window, s0):
    """The plain way: every match of the whole text's scan that starts at or after window and ends by s0,
    the last first."""
    ms = [m.span() for m in stage.stop_patterns.finditer(text)]
    return [(st, p) for st, p in reversed(ms) if st >= window and p <= s0]


def _near(stage, text, window, s0, memo):
    cuts = sorted(i for i, c in enumerate(text) if c in stage._pat_hint[0])
    inside = [h for h in cuts if window < h < s0]
    return stage._pat_near(text, inside, memo, window, s0) if inside else []


TRICKY = [
    "第2025年度市生态环境局",
    "第一二三四五次会议",
    "一次二次三次",
    "三年年度",
    "2025年2026年度第3批12345个",
    "十个百家第几轮两届",
    "第第第一次",
    "年年年度度",
    "九条1处第二期名名",
    "１２个",  # full-width digits are \d
    "٣个与৪次",  # other scripts' digits too
    "第123456789年",
]


@pytest.mark.parametrize("text", TRICKY)
def test_pat_near_equals_the_whole_scan_on_tricky_texts(stage, text):
    memo: dict = {}
    for window in range(len(text) + 1):
        for s0 in range(window, len(text) + 1):
            assert _near(stage, text, window, s0, memo) == _whole(stage, text, window, s0), (text, window, s0)


def test_pat_near_equals_the_whole_scan_on_random_texts(stage):
    rnd = random.Random(4)
    alphabet = "第一二三十百两几0123456789年度次个项处名家期条批轮届局市，的在\n"
    for _ in range(300):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))
        memo: dict = {}
        for _ in range(30):
            window = rnd.randint(0, len(text))
            s0 = rnd.randint(window, len(text))
            assert _near(stage, text, window, s0, memo) == _whole(stage, text, window, s0), (text, window, s0)


def test_the_hint_is_read_beside_its_pattern(stage):
    cut, inner, longest = stage._pat_hint
    assert cut == tuple("次个项批轮届期家名条处年") and longest == 7
    assert inner.fullmatch("年") and inner.fullmatch("7") and inner.fullmatch("第") and not inner.fullmatch("次")


def _docs(texts, until="orgs"):
    """The pipeline and each text's Doc as the stages before ``until`` leave it."""
    p = Pipeline()
    names = [s.name for s in p.stages]
    out = []
    for t in texts:
        text, _ = p.normalizer(t)
        d = Doc(text)
        for s in p.stages[:names.index(until)]:
            s(d)
        out.append(d)
    return p, out


SENTENCES = [
    "第2次会议由市生态环境局牵头负责，第3批12个项目由区住房和城乡建设局负责。",
    "2025年度益阳市生态环境局大通湖分局开展第二轮督察，三个县市区人民政府整改。",
    "十个工作组和第9督察组向省生态环境厅汇报，两家有限公司参加。",
    "责任单位：市水利局、市农业农村局\n牵头单位\n区人民政府",
]


def test_orgs_find_with_the_hint_equals_the_whole_scan():
    texts = SENTENCES + [Path(f).read_text(encoding="utf-8") for f in SEEDS]
    p, docs = _docs(texts)
    fast = OrgStage(p.rules)
    plain = OrgStage(p.rules)
    plain._pat_hint = None
    for d in docs:
        assert fast.find(d) == plain.find(d)


def test_a_changed_stop_pattern_is_read_over_the_whole_text(tmp_path):
    (tmp_path / "orgs.yaml").write_text("stop_patterns: '第?[一二三四五六七八九十\\d]{1,4}(?:次|个|人)'\n",
                                        encoding="utf-8")
    st = OrgStage(load_rules((str(tmp_path),)))
    assert st._pat_hint is None
    text = "会议听取3人市生态环境局汇报"
    d = Doc(text)
    # 3人 ends what cannot belong to the name: without the layer 人 is no stop
    assert [f[2] for f in st.find(d)] == ["市生态环境局"]
    assert [f[2] for f in OrgStage(load_rules(())).find(Doc(text))] == ["市生态环境局"]


# -- responsible ---------------------------------------------------------------------------
def test_cue_words_are_read_beside_the_cues():
    st = ResponsibleStage(load_rules(()))
    assert len(st.cue_words) == len(st.cues) and all(h is not None for h in st.cue_words)
    assert st.cue_words[4].words == ["牵头负责", "牵头抓总", "牵头落实", "牵头推进"]


def test_a_changed_cue_list_tries_every_cue(tmp_path):
    (tmp_path / "orgs.yaml").write_text("responsible:\n  cues: ['承办(?P<list>[^。\\n]{2,20}?)办理']\n",
                                        encoding="utf-8")
    rules = load_rules((str(tmp_path),))
    st = ResponsibleStage(rules)
    assert st.cue_words == [None] * len(st.cues)
    assert st.cues[0].pattern.startswith("承办")  # the layer's cue comes first; all cues are tried
    p = Pipeline([str(tmp_path)])
    d = p.process_text("关于整改情况的报告\n一、整改情况\n问题1：河道垃圾清理不及时。\n承办区水利局办理。\n"
                       "整改情况：已完成。\n问题2：污水直排。\n由区住建局牵头负责。\n整改情况：正在推进。\n")
    assert [x.attrs.get("responsible") for x in d.problems] == [["区水利局"], ["区住建局"]]


def test_every_cue_match_holds_one_of_its_words():
    """The words are a hint for the cue they stand beside: no match of the cue lacks them."""
    st = ResponsibleStage(load_rules(()))
    texts = SENTENCES + [Path(f).read_text(encoding="utf-8") for f in SEEDS]
    seen = [0] * len(st.cues)
    for t in texts:
        for k, (cue, h) in enumerate(zip(st.cues, st.cue_words)):
            for m in cue.finditer(t):
                seen[k] += 1
                assert any(w in m.group() for w in h.words), (cue.pattern, m.group())
    assert all(seen[:2]) and seen[3]


PROBLEMS = ("关于整改情况的报告\n一、整改情况\n"
            "问题1：河道垃圾清理不及时。\n责任单位：区城管局、区水利局\n整改情况：已完成。\n"
            "问题2：污水直排。\n由区住建局牵头负责，明确区生态环境分局为责任单位。\n整改情况：正在推进。\n"
            "问题3：扬尘管控不严。\n整改情况：已完成。\n")


def _responsible(stage, doc):
    for p in doc.problems:
        p.attrs.pop("responsible", None)
    stage(doc)
    return [p.attrs.get("responsible") for p in doc.problems]


def test_responsible_with_cue_words_equals_every_cue_tried():
    texts = [Path(f).read_text(encoding="utf-8") for f in SEEDS] + [PROBLEMS, PROBLEMS.replace("牵头负责", "牵头落实")]
    p = Pipeline()
    fast = ResponsibleStage(p.rules)
    plain = ResponsibleStage(p.rules)
    plain.cue_words = [None] * len(plain.cues)
    linked = 0
    for t in texts:
        d = p.process_text(t)
        a, b = _responsible(fast, d), _responsible(plain, d)
        assert a == b
        linked += sum(1 for x in a if x)
    assert linked


def test_responsible_runs_alone_without_the_orgs_automaton():
    """Without the orgs stage before it (nothing handed on), the cue words are found by their own pass."""
    p = Pipeline()
    st = ResponsibleStage(p.rules)
    d = p.process_text(PROBLEMS)
    want = [x.attrs.get("responsible") for x in d.problems]
    for h in st.cue_words:
        h._handed.clear()
    assert _responsible(st, d) == want == [["区城管局", "区水利局"], ["区住建局", "区生态环境分局"], None]


def test_full_names_read_from_warm_caches_equal_a_fresh_stage():
    """context() and full_name() keep what an issuer or a name says across documents: a stage that read
    other documents first gives each document what a fresh stage gives it."""
    texts = [Path(f).read_text(encoding="utf-8") for f in SEEDS] + SENTENCES
    p, docs = _docs(texts)
    warm = OrgStage(p.rules)
    fulls = 0
    for order in (docs, docs[::-1]):
        for d in order:
            k = len(d.spans)
            warm(d)
            got = [(s.start, s.end, s.name, s.attrs) for s in d.spans[k:]]
            del d.spans[k:]
            OrgStage(p.rules)(d)
            want = [(s.start, s.end, s.name, s.attrs) for s in d.spans[k:]]
            del d.spans[k:]
            assert got == want
            fulls += sum(1 for *_, a in got if "full_name" in a)
    assert fulls

CUE_TEXTS = [
    "整改责任单位：区水利局、区城管局\n责任单位：责任单位：市局。整改主体：区政府；",
    "整改整改主体：区住建局\n牵头部门 ：区财政局\n",
    "一、责任单位\n\n区水利局\n二、整改责任单位\n责任单位\n区城管局\n  三、实施主体  \n  \n宿马园区党工委、管委会\n",
    "责任单位\n责任单位\n区城管局\n",
    "明确区住建局为牵头单位，明确明确区水利局为责任单位。由由区城管局负责，由区政府牵头负责。",
    "区水利局牵头负责，区城管局牵头落实。由区财政局牵头推进，由区政府负责",
]


def _near_cues(st, text):
    """Each cue's matches as the stage reads them (None: the whole text scanned) and as the plain scan does."""
    out = []
    for cue, h, where in zip(st.cues, st.cue_words, st.cue_starts):
        plain = [(m.span(), m.span("list")) for m in cue.finditer(text)]
        starts = [s for _, s, _ in h.lexicon.all(text)]
        if not starts:
            assert plain == []
            continue
        if where is None:
            continue
        got = st._matches_near(cue, text, starts, where)
        assert got is not None
        out.append(([(m.span(), m.span("list")) for m in got], plain))
    return out


@pytest.mark.parametrize("text", CUE_TEXTS)
def test_cues_tried_near_their_words_match_as_the_whole_scan(text):
    st = ResponsibleStage(load_rules(()))
    assert st.cue_starts == [2, "line", 0, 0, None]
    pairs = _near_cues(st, text)
    assert pairs and any(plain for _, plain in pairs)
    for got, plain in pairs:
        assert got == plain


def test_cues_tried_near_their_words_on_random_texts():
    st = ResponsibleStage(load_rules(()))
    rnd = random.Random(44)
    parts = ["整改", "责任单位", "牵头单位", "整改主体", "实施主体", "：", ":", " ", "\n", "\n\n", "区水利局", "、",
             "一、", "明确", "为", "牵头", "负责", "由", "。", "，", "单位", "主体"]
    matched = 0
    for _ in range(400):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 25)))
        for got, plain in _near_cues(st, text):
            assert got == plain, text
            matched += bool(plain)
    assert matched > 50


def test_changed_cues_are_scanned_whole(tmp_path):
    (tmp_path / "orgs.yaml").write_text("responsible:\n  cue_starts: [0, 0, 0, 0, 0]\n", encoding="utf-8")
    st = ResponsibleStage(load_rules((str(tmp_path),)))
    # a layer's own hint stands beside the shipped cues only if it gives the cues too: here it does not
    assert st.cue_starts == [None] * 5


# -- places ----------------------------------------------------------------------------------
PLACE_TEXTS = ["大通湖区域水质", "大通湖区水质", "益阳市大通湖区", "大通湖", "南县", "南县级", "益阳市大通湖区分局",
               "沅江市生态环境局", "沅江", "湖南省沅江水域", "湖南省南县城关镇"]


def test_places_read_after_a_name_as_before():
    """What follows a name keys its reading, kept across documents: the text's end, 区 and what may not
    follow it (大通湖区域 is the lake, 大通湖区 the area)."""
    from extract import extract_text
    got = {t: [(s.text, s.attrs.get("level")) for s in extract_text(t).of_kind("place")] for t in PLACE_TEXTS[:7]}
    assert got == {"大通湖区域水质": [("大通湖", "lake")], "大通湖区水质": [("大通湖区", "area")],
                   "益阳市大通湖区": [("益阳市", "city"), ("大通湖区", "area")], "大通湖": [("大通湖", "lake")],
                   "南县": [("南县", "county")], "南县级": [],
                   "益阳市大通湖区分局": [("益阳市", "city"), ("大通湖", "lake")]}


def test_places_from_a_warm_stage_equal_a_fresh_stage():
    from extract.places import PlaceStage
    texts = PLACE_TEXTS + [Path(f).read_text(encoding="utf-8") for f in SEEDS]
    p, ds = _docs(texts, until="places")
    docs = [(d, len(d.spans)) for d in ds]
    warm = PlaceStage(p.rules)
    for order in (docs, docs[::-1]):
        for d, k in order:
            del d.spans[k:]
            warm(d)
            got = d.spans[k:]
            del d.spans[k:]
            PlaceStage(p.rules)(d)
            assert got == d.spans[k:]
    assert warm._seen


def test_stop_words_read_in_a_window_are_those_of_the_whole_text(stage):
    """_suffix_candidates reads the stop words of each window with their own automaton: the matches of the
    window's characters are the whole text's matches that lie inside it, by end."""
    texts = SENTENCES + [Path(f).read_text(encoding="utf-8") for f in SEEDS[:4]]
    rnd = random.Random(7)
    lex = stage.stop_lexicon
    for text in texts:
        whole = lex.all(text)
        for _ in range(200):
            a = rnd.randint(0, len(text))
            b = rnd.randint(a, min(len(text), a + 45))
            near = [(i, s + a, e + a) for i, s, e in lex.all(text[a:b])]
            inside = [m for m in whole if m[1] >= a and m[2] <= b]
            assert sorted(near) == sorted(inside)
            assert [m[2] for m in near] == sorted(m[2] for m in near)


def test_stop_words_and_conjunctions_end_what_cannot_belong_to_a_name():
    from extract import extract_text
    text = "根据市生态环境局与县水利局的要求，向区人民政府汇报。市水利和湖泊局组织召开会议，湖南省生态环境厅和邵阳市生态环境局参加"
    assert [s.text for s in extract_text(text).of_kind("org")] == [
        "市生态环境局", "县水利局", "区人民政府", "市水利和湖泊局", "湖南省生态环境厅", "邵阳市生态环境局"]


def test_responsible_cue_words_handed_on_are_every_start():
    """The orgs stage's automaton hands on where each cue's words start: every start, as a str.find finds."""
    from extract.orgs import responsible_cue_words
    texts = SENTENCES + [PROBLEMS] + [Path(f).read_text(encoding="utf-8") for f in SEEDS]
    p, docs = _docs(texts)
    orgs = p.stages[[s.name for s in p.stages].index("orgs")]
    found = 0
    for d in docs:
        orgs.find(d)
        for h in responsible_cue_words(p.rules):
            assert h._handed.get(d.text) is not None
            want = sorted({i for w in h.words for i in range(len(d.text)) if d.text.startswith(w, i)})
            assert sorted(set(h.starts(d.text))) == want
            found += bool(want)
    assert found


def test_the_context_caches_stay_bounded_over_many_places():
    # a corpus of many places must not grow them without end (memory flat as the corpus grows)
    from extract import orgs

    st = OrgStage(load_rules())
    counties = [f"{a}{b}县" for a in "东南西北中上下" for b in "山水河湖林田江海石桥"]
    for k in range(3 * orgs._CONTEXT_CACHE):
        doc = Doc("", doc_id="d")
        doc.meta["issuers"] = [f"湖南省{counties[k % len(counties)]}第{k}工作组"]
        ctx = st.context(doc, [f"{counties[k % len(counties)]}生态环境局"])
        st.full_name(f"{counties[(k * 7) % len(counties)]}{k}局", ctx)
        for cache in (st._sources, st._districts, st._fulls):
            assert len(cache) <= orgs._CONTEXT_CACHE + 1
    assert st._sources and st._fulls  # they were filled, and emptied when full
