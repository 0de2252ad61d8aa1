"""STUB: to be replaced by the indicators extractor."""
from __future__ import annotations

from .doc import Doc
from .rules import RuleSet


class IndicatorStage:
    name = "indicators"

    def __init__(self, rules: RuleSet):
        self.rules = rules

    def __call__(self, doc: Doc) -> None:
        return None
