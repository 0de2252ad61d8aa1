"""STUB: to be replaced by the orgs extractor."""
from __future__ import annotations

from .doc import Doc
from .rules import RuleSet


class OrgStage:
    name = "orgs"

    def __init__(self, rules: RuleSet):
        self.rules = rules

    def __call__(self, doc: Doc) -> None:
        return None


class ResponsibleStage:
    """STUB: links the bodies named as responsible (责任单位/牵头单位) to each problem."""

    name = "responsible"

    def __init__(self, rules: RuleSet):
        self.rules = rules

    def __call__(self, doc: Doc) -> None:
        return None
