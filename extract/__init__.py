"""Zhenggai: structured data from Chinese rectification notices.

>>> from extract import extract_text
>>> doc = extract_text("关于专项巡察整改进展情况的通报\\n联系电话：0737-5666826。\\n")
>>> doc.meta["doc_type"], [s.norm for s in doc.of_kind("phone")]
('通报', ['0737-5666826'])
"""
from __future__ import annotations

__version__ = "0.1.0"

from .doc import Doc, Problem, Section, Span  # noqa: E402


def extract_text(text: str, name: str = "doc", rules: tuple[str, ...] = ()) -> Doc:
    """One document's result from its text."""
    from .pipeline import Pipeline

    return Pipeline(rules).process_text(text, doc_id=name, path=name)


def run(paths, out=None, **options):
    """Process every file under ``paths``; a Result whose tables are pandas DataFrames.

    See :func:`extract.api.run` for the options (rules, force, store, formats, headers, jobs, engine …).
    """
    from .api import run as _run

    return _run(paths, out=out, **options)


__all__ = ["Doc", "Problem", "Section", "Span", "extract_text", "run", "__version__"]
