"""Fast paths of the indicators and places stages give what the slower forms they replace give."""
import random

import regex

from extract import extract_text
from extract.rules import alternation, word_trie


def test_trie_examples():
    assert word_trie(["a", "ab", "abc", "b"]) == "(?:(?:a(?:b(?:c)?)?|b))"
    assert word_trie(["mg/L", "mg/m3", "%"]) == "(?:(?:%|mg/(?:L|m3)))"
    assert word_trie(["x.y"]) == r"(?:x\.y)"


def test_trie_matches_as_the_longest_first_alternation():
    # the same match and the same groups, also where what follows makes the engine backtrack into it
    rnd = random.Random(11)
    for _ in range(400):
        words = {"".join(rnd.choice("ab.%") for _ in range(rnd.randint(1, 4))) for _ in range(rnd.randint(1, 6))}
        for tail in ("", "b", "(?:a|b%)", "[^a]"):
            slow = regex.compile(f"(?P<u>{alternation(words)}){tail}")
            fast = regex.compile(f"(?P<u>{word_trie(words)}){tail}")
            for _ in range(10):
                text = "".join(rnd.choice("ab.%") for _ in range(rnd.randint(0, 8)))
                assert [(m.span(), m.span("u")) for m in slow.finditer(text, overlapped=True)] == \
                    [(m.span(), m.span("u")) for m in fast.finditer(text, overlapped=True)], (words, tail, text)


def test_values_with_units_that_share_prefixes():
    doc = extract_text("2024年大通湖总磷均值为0.079mg/L，化学需氧量为15毫克/升。")
    got = sorted((s.name, s.value, s.unit, s.text) for s in doc.of_kind("indicator"))
    assert got == [("COD", 15.0, "mg/L", "化学需氧量为15毫克/升"), ("总磷", 0.079, "mg/L", "总磷均值为0.079mg/L")]


def _stage(name):
    from extract.pipeline import Pipeline
    return next(s for s in Pipeline().stages if s.name == name)


def test_hot_words_by_the_dfa_are_those_of_the_lexicon():
    st = _stage("indicators")
    assert st.hot_dfa is not None
    words = st.hot_words
    rnd = random.Random(5)
    pieces = words[:40] + ["较", "。", "\n", "a", "3", "𠀀", "TPx", "总", "磷", "\u6c2e"]
    for k in range(600):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 15)))
        got = st._hot_words(text)
        assert got == st.hot_lexicon.all(text), text
    # a character beyond U+FFFF before a word, and a lone surrogate: read as the lexicon reads
    for text in ("𠀀总磷下降", "总磷\ud800氨氮", "化学需氧量𠀀COD"):
        assert st._hot_words(text) == st.hot_lexicon.all(text)


def test_places_skip_exactly_the_masked_names():
    # names are tested for masks by runs of eight: a mask in a run hides only the name it touches
    from extract.doc import Doc
    st = _stage("places")
    text = "，".join(["益阳市"] * 20) + "。"
    for masked_at in ([], [0], [10], [7, 8], [19], list(range(20))):
        doc = Doc(text)
        for k in masked_at:
            doc.mask(4 * k + 1, 4 * k + 2)  # one character inside the k-th name
        doc.mask(4 * 3 + 3, 4 * 3 + 4)  # a comma between names hides none
        st(doc)
        got = [sp.start for sp in doc.of_kind("place")]
        assert got == [4 * k for k in range(20) if k not in masked_at], masked_at
        assert all(sp.norm == "益阳市" and sp.text == "益阳市" for sp in doc.of_kind("place"))
