"""spaCy interoperability: a Zhenggai result as a spaCy ``Doc``, and a spaCy
pipeline component that adds Zhenggai's facts to a Doc.

Each fact kind becomes a span group (``doc.spans["indicator"]`` …); a span's
fields are in ``span._.zg`` (norm, value, unit, name, period, role, attrs).
Tokens are single characters (spaCy's ``zh`` default), so every fact maps to
tokens exactly. Install with ``pip install .[spacy]``.

>>> import spacy
>>> nlp = spacy.blank("zh")
>>> _ = nlp.add_pipe("zhenggai")
>>> doc = nlp("联系电话：0737-5666826。")
>>> [(s.text, s._.zg["norm"]) for s in doc.spans["phone"]]
[('0737-5666826', '0737-5666826')]
"""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span as SpacySpan

from .doc import Doc

FIELDS = ("norm", "value", "unit", "name", "period", "role", "attrs", "section_id", "problem_id")

if not SpacySpan.has_extension("zg"):
    SpacySpan.set_extension("zg", default=None)
if not SpacyDoc.has_extension("zg_meta"):
    SpacyDoc.set_extension("zg_meta", default=None)


def add_spans(sdoc: SpacyDoc, doc: Doc) -> SpacyDoc:
    """Put a Zhenggai Doc's facts on a spaCy Doc of the same text."""
    if sdoc.text != doc.text:
        raise ValueError("the spaCy Doc's text differs from the normalised text the facts point into")
    groups: dict[str, list] = {}
    for f in doc.spans:
        span = sdoc.char_span(f.start, f.end, label=f.kind, alignment_mode="expand")
        if span is None:
            continue
        span._.zg = {k: getattr(f, k) for k in FIELDS}
        groups.setdefault(f.kind, []).append(span)
    for kind, spans in groups.items():
        sdoc.spans[kind] = spans
    sdoc._.zg_meta = {k: v for k, v in doc.meta.items() if not k.startswith("_")}
    return sdoc


def to_spacy(doc: Doc, nlp: Language | None = None) -> SpacyDoc:
    """A spaCy Doc of the normalised text carrying every fact as a span."""
    nlp = nlp or spacy.blank("zh")
    return add_spans(nlp.make_doc(doc.text), doc)


@Language.factory("zhenggai", default_config={"rules": []})
def make_component(nlp: Language, name: str, rules: list[str]):
    from .pipeline import Pipeline

    pipe = Pipeline(tuple(rules))

    def component(sdoc: SpacyDoc) -> SpacyDoc:
        # the Doc's text is fixed, so it is taken as already normalised
        return add_spans(sdoc, pipe.process_text(sdoc.text, normalise=False))

    return component
