"""Phones and e-mail addresses. Phone spans are masked so their digits never
become dates or quantities."""
from __future__ import annotations

import regex

from .doc import Doc
from .rules import RuleError, RuleSet

_NON_DIGIT = regex.compile(r"\D")


class ContactStage:
    name = "contacts"

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("contacts.yaml")
        phones = data.get("phones")
        if not isinstance(phones, list) or not phones:
            raise RuleError(path, getattr(data, "line", None), "phones must be a non-empty list")
        self.phones = [rules.pattern(p, "pattern", path) for p in phones]
        self.email = rules.pattern(data, "email", path)

    def __call__(self, doc: Doc) -> None:
        text = doc.text
        taken: list[tuple[int, int]] = []
        for m in self.email.finditer(text):
            doc.add("email", m.start(), m.end(), norm=m.group(0).lower())
            taken.append((m.start(), m.end()))
            doc.mask(m.start(), m.end())
        for pat in self.phones:
            for m in pat.finditer(text):
                s, e = m.span()
                if any(a < e and s < b for a, b in taken):
                    continue
                g = m.groupdict()
                if g.get("mobile"):
                    norm = _NON_DIGIT.sub("", g["mobile"])
                else:
                    norm = f"{g['area']}-{g['local']}"
                doc.add("phone", s, e, norm=norm)
                taken.append((s, e))
                doc.mask(s, e)
