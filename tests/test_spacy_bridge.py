"""spaCy interoperability: facts as span groups, and the pipeline component."""
import pytest

spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed")

from extract import extract_text  # noqa: E402
from extract.spacy_bridge import to_spacy  # noqa: E402


def test_every_fact_becomes_a_span_with_its_fields(seed_docs):
    doc = seed_docs["001"]
    sdoc = to_spacy(doc)
    assert sdoc.text == doc.text
    total = sum(len(g) for g in sdoc.spans.values())
    assert total == len(doc.spans)
    (phone,) = sdoc.spans["phone"]
    assert (phone.text, phone._.zg["norm"], phone.start_char) == ("0737-5666826", "0737-5666826",
                                                                doc.of_kind("phone")[0].start)
    assert sdoc._.zg_meta["title"] == "关于专项巡察整改进展情况的通报"


def test_the_component_adds_facts_to_a_spacy_pipeline():
    nlp = spacy.blank("zh")
    nlp.add_pipe("zhenggai")
    sdoc = nlp("2024年8月22日至9月29日，厅党组第九巡察组开展专项巡察，依据益生环委办〔2025〕20号。")
    assert [s.text for s in sdoc.spans["date"]] == ["2024年8月22日至9月29日"]
    assert [s._.zg["norm"] for s in sdoc.spans["doc_number"]] == ["益生环委办〔2025〕20号"]


def test_texts_must_match():
    doc = extract_text("联系电话：0737-5666826。\n")
    nlp = spacy.blank("zh")
    from extract.spacy_bridge import add_spans

    with pytest.raises(ValueError):
        add_spans(nlp.make_doc("别的文字"), doc)
