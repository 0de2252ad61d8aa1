"""Fast paths of the speed round (helper ns): each gives what the plain reading gives.

* Doc.add names Span's fields instead of gathering **fields: same spans, same errors.
* Doc.assign_owners reads the owners again only past a section's or problem's bound: same owners as a
  bisect for every span, on random sections (nested, overlapping, unsorted) and problems.
"""
import bisect
import random

import pytest

from extract.doc import Doc, Problem, Section, Span


def test_add_fields_and_errors():
    doc = Doc("市委书记陈竞强调")
    sp = doc.add("person", 4, 6, norm="陈竞", name="陈竞", attrs={"post": "市委书记"})
    assert sp == Span("person", 4, 6, "陈竞", norm="陈竞", name="陈竞", attrs={"post": "市委书记"})
    plain = doc.add("org", 0, 2, text="市委")
    assert plain.attrs == {} and plain.value is None and plain.text == "市委"
    assert doc.add("x", 0, 1).attrs is not doc.add("x", 0, 1).attrs  # each span its own dict
    assert doc.add("x", 0, 1, attrs=None).attrs is None  # given as given
    assert doc.spans[0] is sp and len(doc.spans) == 5
    with pytest.raises(ValueError, match="outside text"):
        doc.add("x", 3, 3)
    with pytest.raises(ValueError, match="outside text"):
        doc.add("x", 0, 9)
    with pytest.raises(ValueError, match="!= text"):
        doc.add("x", 0, 2, text="书记")
    with pytest.raises(TypeError):
        doc.add("x", 0, 2, colour="red")
    assert len(doc.spans) == 5


def _owners_by_bisect(doc):
    starts = [s.start for s in doc.sections]
    by_id = {s.section_id: s for s in doc.sections}
    probs = sorted(doc.problems, key=lambda p: p.start)
    pstarts = [p.start for p in probs]
    out = []
    for span in doc.spans:
        pos = span.start
        i = bisect.bisect_right(starts, pos) - 1
        sec = doc.sections[i] if i >= 0 else None
        while sec is not None and not (sec.start <= pos < sec.end):
            sec = by_id.get(sec.parent_id)
        j = bisect.bisect_right(pstarts, pos) - 1
        out.append((sec.section_id if sec else "", probs[j].problem_id if j >= 0 and pos < probs[j].end else ""))
    return out


def test_assign_owners_random():
    rng = random.Random(7)
    for _ in range(1500):
        n = rng.randint(1, 200)
        doc = Doc("x" * (n + 1))
        secs = []
        for k in range(rng.randint(0, 8)):
            a, b = rng.randint(0, n), rng.randint(0, n + 1)
            parent = rng.choice([""] + [f"s{q}" for q in range(k)])  # (a parent made before: no cycle)
            secs.append(Section(f"s{k}", parent, 1, "", "", "", a, b, a))
        if rng.random() < 0.7:
            secs.sort(key=lambda s: s.start)
        doc.sections = secs
        doc.problems = [Problem(f"p{k}", "", "", "", a, a + rng.randint(0, 50))
                        for k, a in enumerate(rng.sample(range(n + 1), min(n + 1, rng.randint(0, 5))))]
        for _ in range(rng.randint(0, 60)):
            a = rng.randint(0, n)
            doc.add("x", a, a + 1)
        if rng.random() < 0.8:
            doc.spans.sort(key=lambda s: s.start)
        want = _owners_by_bisect(doc)
        doc.assign_owners()
        assert [(s.section_id, s.problem_id) for s in doc.spans] == want


def test_assign_owners_nested():
    doc = Doc("0123456789" * 3)
    doc.sections = [Section("s1", "", 1, "一", "cn_dun", "", 0, 20, 2),
                    Section("s2", "s1", 2, "1", "arabic_dot", "", 5, 10, 6),
                    Section("s3", "", 1, "二", "cn_dun", "", 20, 30, 22)]
    doc.problems = [Problem("p1", "1", "", "", 6, 12)]
    for p in (0, 4, 5, 6, 9, 10, 11, 12, 19, 20, 29):
        doc.add("x", p, p + 1)
    doc.assign_owners()
    assert [(s.start, s.section_id, s.problem_id) for s in doc.spans] == [
        (0, "s1", ""), (4, "s1", ""), (5, "s2", ""), (6, "s2", "p1"), (9, "s2", "p1"), (10, "s1", "p1"),
        (11, "s1", "p1"), (12, "s1", ""), (19, "s1", ""), (20, "s3", ""), (29, "s3", "")]



# -- problems: markers found after a line break ---------------------------------------------------------
def test_line_anchored_patterns():
    import regex
    from extract.problems import _line_anchored
    for pat, want in [(r"^a|b", False), (r"^(?:a|b)", True), (r"^[|]x", True), (r"^\|x", True), (r"a", False),
                      (r"^(?<=x)a", False), (r"^[^]|]a", True), (r"^[]|]a", True), (r"^\Ga", False),
                      (r"^(?i)a", False), (r"^a(?w)", False)]:
        assert _line_anchored(regex.compile(pat, regex.M)) == want, pat
    assert not _line_anchored(regex.compile(r"^a"))  # (without MULTILINE ^ is the text's start alone)


@pytest.mark.parametrize("pattern", [None, r"^x*", r"^\s*ab", r"^(?:a|\n)b?", r"^[ab]+\n?", r"^$", r"^(?=a)",
                                     r"^a(?!b)", r"^\s{0,3}a$", r"^b.{0,3}", r"^[ \t]*(?:ab|b)"])
def test_marker_matches_equal_finditer(pattern):
    """Markers found after a line break (and at the start): the matches finditer gives, also for patterns
    that match empty or across a line break (read the plain way)."""
    import types

    import regex
    from extract.pipeline import Pipeline
    from extract.problems import ProblemStage, _line_anchored
    rng = random.Random(11)
    if pattern is None:  # the shipped marker, on texts made of its pieces
        stage = next(s for s in Pipeline().stages if s.name == "problems")
        alphabet = ["问题", "1", "一", "：", ":", " ", "\u3000", "\n", "第", "个问题", "、", "x", "\n\n", "问", "题"]
    else:
        marker = regex.compile(pattern, regex.M)
        assert _line_anchored(marker)
        stage = types.SimpleNamespace(marker=marker, _marker_nl=regex.compile("\n(?:" + pattern[1:] + ")", regex.M))
        alphabet = list("ab x\n\t")
    assert stage._marker_nl is not None
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        want = [(m.span(), m.groups()) for m in stage.marker.finditer(text)]
        assert [(m.span(), m.groups()) for m in ProblemStage._marker_matches(stage, text)] == want, repr(text)
