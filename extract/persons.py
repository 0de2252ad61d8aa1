"""STUB: to be replaced by the persons extractor."""
from __future__ import annotations

from .doc import Doc
from .rules import RuleSet


class PersonStage:
    name = "persons"

    def __init__(self, rules: RuleSet):
        self.rules = rules

    def __call__(self, doc: Doc) -> None:
        return None
