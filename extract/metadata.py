"""Document metadata per GB/T 9704-2012.

版头: the issuer's mark, the document number, the signer. 主体: the title
(its last word is the 文种), the recipients, the signature and the 成文日期.
版记: 抄送 and 印发. Web copies have none of the 版头 but a 发布时间, which
stands in for the date when the text states none.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from .dates import DateStage
from .doc import Doc
from .docnumbers import DocNumberStage
from .rules import RuleSet, alternation

# The labels _labels reads on every line.
_LINE_LABELS = ("signer", "contact", "cc", "report_to", "send_to", "printed", "attachment", "published", "source")
_EVERY_LABEL = frozenset(_LINE_LABELS)
_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z^\-]+\)")  # (?i) and the like, which would change a joined pattern
_TIME = regex.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?\s*")
_SPACE = regex.compile(r"[ \t\u3000\u00a0]+")
# Patterns of the code itself, compiled once (regex.search(pattern, …) looks each up in a cache per call).
_HAN = regex.compile(r"\p{Han}")
_NOT_IN_ORG = regex.compile(r"[，。：:；;,!?！？《》“”0-9]")
_SIGNER_SEP = regex.compile(r"[\s、，,]+")
_SIGNER_NAME = regex.compile(r"\p{Han}{2,4}")
_PHONE = regex.compile(r"1[3-9]\d{9}|0\d{2,3}[-－—]?\d{7,8}|\(0\d{2,3}\)\d{7,8}")
_LIST_SEP = regex.compile(r"[，,、；;]+")
_SOURCE_END = regex.compile(r"\s{2,}|\s*(?:作者|编辑|浏览|阅读|字号)")


@dataclass(slots=True)
class Line:
    start: int
    end: int
    text: str  # stripped

    @property
    def lstart(self):  # offset of the stripped text
        return self.start


def lines_of(text: str) -> list[Line]:
    out, pos = [], 0
    append = out.append
    for raw in text.split("\n"):
        if raw:
            stripped = raw.strip()
            if stripped is raw:  # nothing to strip (the common case: str.strip gives the string itself)
                append(Line(pos, pos + len(raw), raw))
            elif stripped:
                # no leading space when the line starts with its first word
                lead = 0 if raw[0] == stripped[0] else len(raw) - len(raw.lstrip())
                append(Line(pos + lead, pos + lead + len(stripped), stripped))
            pos += len(raw) + 1
        else:
            pos += 1
    return out


class MetadataStage:
    name = "metadata"

    def __init__(self, rules: RuleSet, dates: DateStage, docnos: DocNumberStage):
        data, path = rules.yaml("metadata.yaml")
        line = getattr(data, "line", None)
        self.dates, self.docnos = dates, docnos
        types = rules.words(data, "doc_types", path)
        self.title_end = rules.compile(f"(?P<type>{alternation(types)})" + data["title_tail"], path, line)
        self.head_lines = int(data.get("head_lines", 14))
        self.max_title = int(data.get("max_title_chars", 120))
        self.not_title = rules.pattern(data, "not_title_start", path)
        self.title_lead = rules.pattern(data, "title_lead", path)
        labels = data.get("labels") or {}
        self.label = {k: rules.pattern(labels, k, path) for k in labels}
        self.any_label = self._any_label()
        self.cue_words = self._cue_words(rules, data, path)
        self.person = rules.pattern(data, "person_name", path)
        self.recipients_line = rules.pattern(data, "recipients_line", path)
        # what a line matching it ends with (lines are stripped); trusted only beside the pattern
        self.recipients_end = tuple(rules.words(data, "recipients_end", path)) \
            if rules.beside(data, "recipients_end", "recipients_line", path) else None
        self.org_sep = rules.pattern(data, "org_separators", path)
        # A 。 outside a line's date leaves it no signature date (date_only): before the date it is in a
        # part that is no body (_NOT_IN_ORG), after it in what is not a time. Not when the separators
        # of bodies take it away.
        self._not_dated = None if self.org_sep.search("。") else "。"
        self._spaces = rules.compile("{SP}*", path)
        odata, opath = rules.yaml("orgs.yaml")
        suffixes = rules.words(odata, 'suffixes', opath)
        self.org_end = regex.compile(f"(?:{alternation(suffixes)})$")
        # the same test as org_end.search on a stripped name (no line break at its end, where $ would also
        # match): str.endswith, without a try at every position
        self.org_suffixes = tuple(set(suffixes))

    def _any_label(self):
        """One pattern that matches a line wherever one of the labels read line by line does (or more
        often), so a line that holds none is passed over at once; None when they cannot be joined."""
        pats = [self.label[k].pattern for k in _LINE_LABELS if k in self.label]
        if len(pats) < len(_LINE_LABELS) or any(_GLOBAL_FLAGS.search(p) for p in pats):
            return None
        try:
            return regex.compile("|".join(f"(?:{p})" for p in pats), regex.V0)
        except regex.error:
            return None

    @staticmethod
    def _cue_words(rules: RuleSet, data, path) -> list[tuple[str, frozenset]] | None:
        """[(word, the labels tried on a line holding it)] from ``label_cues``, or None (every label is
        tried on every line) when a line label has no words, or the cues are not the labels' own (a
        layer's labels without its own cues). A word holding another cue word is not looked for: the
        line holding it holds the other, which is given its labels too."""
        cues = data.get("label_cues")
        if not isinstance(cues, dict) or not rules.beside(data, "label_cues", "labels", path):
            return None
        by_word: dict[str, set] = {}
        for key in _LINE_LABELS:
            if key not in cues:
                return None
            for w in rules.words(cues, key, path):
                by_word.setdefault(w, set()).add(key)
        least = [w for w in by_word if not any(v != w and v in w for v in by_word)]
        for w, keys in by_word.items():
            for v in least:
                if v != w and v in w:
                    by_word[v] |= keys
        return [(w, frozenset(by_word[w])) for w in least]

    # -- helpers -------------------------------------------------------------
    def is_org(self, s: str) -> bool:
        s = s.strip()
        return 3 <= len(s) <= 40 and not _NOT_IN_ORG.search(s) and s.endswith(self.org_suffixes)

    def org_list(self, s: str) -> list[str]:
        """Several bodies on one line, or [] when any part is not a body."""
        parts = [p for p in self.org_sep.split(s.strip()) if p]
        return parts if parts and all(self.is_org(p) for p in parts) else []

    def explicit_by_line(self, text: str, lines: list[Line], starts: list[int] | None = None) -> dict | None:
        """The date matches of every line, from the one scan of the whole text that the dates stage
        reads too: {line index: [(match, kind, groups)]}, only lines with a match; :meth:`_explicit`
        reads a line's as ``dates.explicit(line.text)`` (only the lines asked about are read). None
        when some match is not within one line's words (then each line is read alone).
        ``starts``: the lines' start offsets, when already known."""
        if starts is None:
            starts = [ln.start for ln in lines]
        out: dict[int, list] = {}
        for f in self.dates.scan(text):
            s, e = f[0].span()
            k = bisect.bisect_right(starts, s) - 1
            if k < 0 or e > lines[k].end:
                return None
            had = out.get(k)
            if had is None:
                out[k] = [f]
            else:
                had.append(f)
        return out

    def _explicit(self, text: str, lines: list[Line], i: int, by_line: dict | None) -> list:
        """The explicit dates of line ``i``: (start, end, norm), offsets in the line. A line's matches in
        the whole text are those of the line alone, the spaces around it aside; what follows it before
        the line break is checked, as a pattern may look past its end ({SP}*$)."""
        ln = lines[i]
        if by_line is not None and self._alone(text, ln):
            out = []
            read, at = self.dates._read, ln.start
            for m, kind, g in by_line.get(i, ()):
                res = read(m, kind, None, None, text, g)
                if res is not None:
                    s, e = m.span()
                    out.append((s - at, e - at, res[0]))
            return out
        return self.dates.explicit(ln.text)

    def _alone(self, text: str, ln: Line) -> bool:
        """Whether only {SP} (or nothing, the common case) follows the line's words before its break."""
        if text.startswith("\n", ln.end) or ln.end == len(text):
            return True
        nl = text.find("\n", ln.end)
        return bool(self._spaces.fullmatch(text, ln.end, len(text) if nl < 0 else nl))

    def date_only(self, line: Line, found: list | None = None) -> tuple[str, str] | None:
        """(date norm, text before it) when a line is a date, perhaps after a signature.
        ``found``: the line's explicit dates, when already known."""
        if found is None:
            found = self.dates.explicit(line.text)
        if len(found) != 1:
            return None
        s, e, norm = found[0]
        if "/" in norm or len(norm) < 10:
            return None
        rest = _TIME.sub("", line.text[e:])
        before = line.text[:s].strip()
        if rest.strip() or (before and not self.org_list(before)):
            return None
        return norm, before

    # -- the stage -----------------------------------------------------------
    def __call__(self, doc: Doc) -> None:
        lines = lines_of(doc.text)
        meta = doc.meta
        meta.update(doc_type="", title="", issuers=[], doc_number="", signers=[], recipients=[], date="",
                    date_source="", attachments=[], cc=[], printed_by="", contact_person="", contact_phone="",
                    published="", source="")
        starts = [ln.start for ln in lines]
        ti = self._title(lines, meta)
        self._doc_number(doc.text, lines, meta, starts)
        self._labels(lines, meta, self._cued(doc.text, lines, starts))
        by_line = self.explicit_by_line(doc.text, lines, starts)
        di = self._date(doc.text, lines, meta, ti, by_line)
        self._issuers(doc.text, lines, meta, ti, di, by_line)
        if ti is not None:
            self._recipients(lines, meta, ti)

    def _title(self, lines: list[Line], meta: dict) -> int | None:
        for i, ln in enumerate(lines[: self.head_lines]):
            t = ln.text
            if len(t) > self.max_title or self.not_title.match(t) or t.startswith(("《", "(", "（")):
                continue
            m = self.title_end.search(t)
            if not m or m.start("type") < 2:
                continue
            title = t
            if i > 0 and self.title_lead.match(lines[i - 1].text) and not self.title_end.search(lines[i - 1].text) \
                    and len(lines[i - 1].text) + len(t) <= self.max_title:
                title = lines[i - 1].text + t  # a title broken over two lines
            meta["doc_type"] = m.group("type")
            # issuers written before 关于 on the title line: 中共汉中市委 汉中市人民政府关于…
            pre, sep, _ = title.partition("关于")
            if sep and pre.strip():
                orgs = self.org_list(pre)
                if orgs:
                    meta["_title_issuers"] = orgs
            meta["title"] = _SPACE.sub("", title) if _HAN.search(title) else title
            meta["_title_span"] = (ln.start, ln.end)
            return i
        return None

    def _doc_number(self, text: str, lines: list[Line], meta: dict, starts: list[int]) -> None:
        # the document numbers of the whole text, each read on its line (when a number is not
        # within one line's words, each line is searched alone instead)
        found = []
        for s, e, norm in self.docnos.matches(text):
            k = bisect.bisect_right(starts, s) - 1
            if k < 0 or e > lines[k].end:
                found = [(ln, s, e, norm) for ln in lines for s, e, norm in self.docnos.find(ln.text)]
                break
            found.append((lines[k], s - lines[k].start, e - lines[k].start, norm))
        for ln, s, e, norm in found:
            rest = (ln.text[:s] + ln.text[e:])
            rest = self.label["signer"].split(rest)[0] if self.label["signer"].search(rest) else rest
            if len(rest.strip()) <= 2:
                meta["doc_number"] = norm
                return

    def _cued(self, text: str, lines: list[Line], starts: list[int]) -> list[tuple[int, frozenset]]:
        """[(line index, the labels to try on it)] in order: the lines holding a cue word of a label,
        with the labels of their words; every line with every label when there are no cues."""
        words = self.cue_words
        if words is None:
            return [(i, _EVERY_LABEL) for i in range(len(lines))]
        found: dict[int, frozenset] = {}
        find, at, get = text.find, text.startswith, found.get
        for w, keys in words:
            # each place of the word's first character, then the word there: str.find of one
            # character is several times faster than of a word
            c = w[0]
            p = find(c)
            while p >= 0:
                if at(w, p):
                    k = bisect.bisect_right(starts, p) - 1
                    if k >= 0 and p + len(w) <= lines[k].end:
                        had = get(k)
                        found[k] = keys if had is None else had | keys
                        p = find(c, lines[k].end)  # the line is taken: on to the next
                        continue
                p = find(c, p + 1)
        return sorted(found.items())

    def _labels(self, lines: list[Line], meta: dict, cued: list[tuple[int, frozenset]]) -> None:
        """The labelled fields of the lines ``cued``, each tried with its labels only (see :meth:`_cued`)."""
        any_label = self.any_label if self.cue_words is None else None
        for i, keys in cued:
            ln = lines[i]
            t = ln.text
            if any_label is not None and not any_label.search(t):
                continue
            m = self.label["signer"].search(t) if "signer" in keys else None
            if m:
                meta["signers"] += [p for p in _SIGNER_SEP.split(t[m.end():]) if _SIGNER_NAME.fullmatch(p)]
            m = self.label["contact"].search(t) if "contact" in keys else None
            if m and not meta["contact_person"]:
                pm = self.person.match(t, m.end())
                if pm:
                    meta["contact_person"] = pm.group(0)
                phone = _PHONE.search(t)
                if phone:
                    meta["contact_phone"] = phone.group(0)
            for key, field in (("cc", "cc"), ("report_to", "cc"), ("send_to", "cc")):
                m = self.label[key].search(t) if key in keys else None
                if m:
                    meta[field] += [p for p in _LIST_SEP.split(t[m.end():].rstrip("。")) if p.strip()]
            if "printed" in keys and self.label["printed"].search(t) and not meta["printed_by"]:
                meta["printed_by"] = t
            m = self.label["attachment"].match(t) if "attachment" in keys else None
            if m:
                body = t[m.end():].strip()
                # the attachment's name may run on to the next line
                if body and i + 1 < len(lines) and lines[i + 1].start - ln.end <= 1 and \
                        not self.label["attachment"].match(lines[i + 1].text) and len(lines[i + 1].text) < 60:
                    body += lines[i + 1].text
                if body:
                    meta["attachments"].append(body)
            m = self.label["published"].search(t) if "published" in keys else None
            if m and not meta["published"]:
                found = self.dates.explicit(t[m.end():])
                if found and found[0][0] == 0:
                    meta["published"] = found[0][2]
            m = self.label["source"].search(t) if "source" in keys else None
            if m and not meta["source"]:
                meta["source"] = _SOURCE_END.split(t[m.end():])[0].strip()

    def _date(self, text: str, lines: list[Line], meta: dict, ti: int | None, by_line: dict | None) -> int | None:
        mark = self._not_dated
        if by_line is None:
            todo = range(len(lines))
        else:
            # the lines with a date, and those whose words the break does not follow at once (_alone reads
            # what comes between): every other line has no date, is passed over below, so is not visited
            n = len(text)
            todo = sorted(by_line.keys() | {i for i, ln in enumerate(lines) if ln.end != n and text[ln.end] != "\n"})
        for i in todo:
            ln = lines[i]
            t = ln.text
            if "印发" in t:
                continue
            if by_line is not None:
                found = by_line.get(i)
                # no date on the line (the common case), or a 。 outside its dates: passed over unread
                if (found is None or mark is not None and mark in t and
                        not any(mark in text[f[0].start():f[0].end()] for f in found)) and self._alone(text, ln):
                    continue
            got = self.date_only(ln, self._explicit(text, lines, i, by_line))
            if got:
                meta["date"], meta["date_source"] = got[0], "signature"
                return i
        if ti is not None:  # ——2021年12月28日在…会议上: a speech report's date line under its title
            for ln in lines[ti + 1: ti + 4]:
                m = self.label["date_line_dash"].match(ln.text)
                if m:
                    found = self.dates.explicit(ln.text)
                    if found and found[0][0] <= m.end() + 1 and len(found[0][2]) == 10:
                        meta["date"], meta["date_source"] = found[0][2], "date_line"
                        return None
        if meta["published"]:
            meta["date"], meta["date_source"] = meta["published"], "published"
        return None

    def _issuers(self, text: str, lines: list[Line], meta: dict, ti: int | None, di: int | None,
                 by_line: dict | None) -> None:
        issuers: list[str] = []
        if di is not None:
            before = self.date_only(lines[di], self._explicit(text, lines, di, by_line))[1]
            block = self.org_list(before) if before else []
            j = di - 1
            while not block and j >= 0 and di - j <= 4 and self.org_list(lines[j].text):
                issuers = self.org_list(lines[j].text) + issuers
                j -= 1
            issuers = block + issuers if block else issuers
        if not issuers and meta.get("_title_issuers"):
            issuers = meta["_title_issuers"]
        if not issuers and ti is not None:
            for ln in lines[:ti]:
                issuers += [o for o in self.org_list(ln.text) if o not in issuers]
        meta["issuers"] = list(dict.fromkeys(issuers))
        meta.pop("_title_issuers", None)

    def _recipients(self, lines: list[Line], meta: dict, ti: int) -> None:
        end = self.recipients_end
        for ln in lines[ti + 1: ti + 4]:
            if end is not None and not ln.text.endswith(end):
                continue
            m = self.recipients_line.match(ln.text)
            if m:
                orgs = self.org_list(m.group("who"))
                if orgs:
                    meta["recipients"] = orgs
                    return
