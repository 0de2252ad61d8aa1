"""The auditor's report: one self-contained HTML file over a run's tables.

``build_report(OUTDIR)`` reads what ``zhenggai run`` wrote (documents.csv,
sections.csv, problems.csv, facts.csv, texts/, and when present the
cross-document tables indicators.csv, problem_register.csv, checks.csv) and
writes ``OUTDIR/report.html``: styles, script and data inline, charts drawn as
SVG by the page itself, nothing fetched from anywhere.

Safety: documents come from the web, so their words are data, never markup.
All data travels as JSON inside ``<script type="application/json">`` blocks
with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped (no text can close the
element), and the page's script puts it into the DOM with ``textContent``
only. A Content-Security-Policy allows just the page's own script (by hash),
so even a stray inline handler could not run.

Size: each document's text, sections, facts and problems sit in their own
JSON block, parsed only when that document is opened; the shared block holds
the document list, the problem register, indicator values and checks.

The cross-document tables are still settling, so they are read defensively:
whichever of the expected columns exist are used, and when a table is absent
what it would hold is derived from facts.csv and problems.csv.
"""
from __future__ import annotations

import base64
import bisect
import calendar
import datetime as dt
import hashlib
import html
import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import regex

from . import __version__

ASSETS = Path(__file__).with_name("report_assets")
MULTI = "；"
NO_UNIT = "（未注明单位）"
STATUSES = ["completed", "partial", "in_progress", "not_done", "unknown"]
OK_VERDICTS = {"ok", "met", "pass", "passed", "consistent", "match", "true", "yes"}

_PERIOD = regex.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_QUARTER = regex.compile(r"(\d{4})-?Q([1-4])")


# ---------------------------------------------------------------- reading

def _read(path: Path) -> pd.DataFrame | None:
    """A table as strings ('' for empty cells), or None when the file is absent."""
    if not path.is_file():
        return None
    try:
        # object columns hold plain str: turning Arrow-backed strings into records is ten times slower
        return pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _col(df: pd.DataFrame | None, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``df``."""
    if df is None:
        return None
    for n in names:
        if n in df.columns:
            return n
    return None


def _get(row, col: str | None, default: str = "") -> str:
    if col is None:
        return default
    v = row.get(col, default)
    return default if v is None else str(v)


def _int(v) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) else None


def _float(v) -> float | None:
    try:
        f = float(str(v).replace(",", "").replace("，", ""))
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _split(v: str) -> list[str]:
    """A multi-valued cell: joined with ； or a JSON array."""
    v = (v or "").strip()
    if not v:
        return []
    if v.startswith("["):
        try:
            return [str(x).strip() for x in json.loads(v) if str(x).strip()]
        except (ValueError, TypeError):
            pass
    return [x.strip() for x in v.split(MULTI) if x.strip()]


def _attrs(v: str) -> dict:
    if not v:
        return {}
    try:
        a = json.loads(v)
    except ValueError:
        return {}
    return a if isinstance(a, dict) else {}


def _rows(df: pd.DataFrame | None) -> list[dict]:
    if df is None or df.empty:
        return []
    cols = [str(c) for c in df.columns]
    return [dict(zip(cols, r)) for r in df.itertuples(index=False, name=None)]


class _Offsets:
    """Python (code point) offsets to JavaScript (UTF-16) offsets for one text.

    Characters beyond the BMP (CJK extension B and later, used in some place
    and person names) count twice in JavaScript; without this the marks would
    drift after the first one.
    """

    def __init__(self, text: str):
        self.astral = [i for i, c in enumerate(text) if ord(c) > 0xFFFF] if text and max(text) > "\uffff" else []

    def __call__(self, i: int | None) -> int | None:
        if i is None or not self.astral:
            return i
        return i + bisect.bisect_left(self.astral, i)


def period_bounds(norm: str) -> tuple[str, str]:
    """First and last day of a period norm: '2025' -> ('2025-01-01', '2025-12-31');
    '2025-01/2025-10' -> ('2025-01-01', '2025-10-31'); unreadable -> ('', '')."""
    parts = [p.strip() for p in (norm or "").split("/") if p.strip()]
    if not parts:
        return "", ""

    def one(p: str, first: bool) -> str:
        q = _QUARTER.fullmatch(p)
        if q:
            y, n = int(q.group(1)), int(q.group(2))
            m = 3 * n - 2 if first else 3 * n
            d = 1 if first else calendar.monthrange(y, m)[1]
            return f"{y:04d}-{m:02d}-{d:02d}"
        m = _PERIOD.fullmatch(p)
        if not m:
            return ""
        y = int(m.group(1))
        mo = int(m.group(2)) if m.group(2) else (1 if first else 12)
        if not 1 <= mo <= 12:
            return ""
        last = calendar.monthrange(y, mo)[1]
        d = int(m.group(3)) if m.group(3) else (1 if first else last)
        if not 1 <= d <= last:
            return ""
        return f"{y:04d}-{mo:02d}-{d:02d}"

    a, b = one(parts[0], True), one(parts[-1], False)
    return (a, b) if a and b else ("", "")


# ---------------------------------------------------------------- the data

class _Run:
    """Everything read from one output folder."""

    def __init__(self, out_dir: Path):
        self.dir = out_dir
        self.documents = _read(out_dir / "documents.csv")
        if self.documents is None:
            raise FileNotFoundError(f"{out_dir / 'documents.csv'} not found: run `zhenggai run PATH --out {out_dir}` first")
        self.sections = _read(out_dir / "sections.csv")
        self.problems = _read(out_dir / "problems.csv")
        self.facts = _read(out_dir / "facts.csv")
        self.indicators = _read(out_dir / "indicators.csv")
        self.register = _read(out_dir / "problem_register.csv")
        self.checks = _read(out_dir / "checks.csv")
        self.docs = _rows(self.documents)
        self.fact_rows = _rows(self.facts)
        self.index = {d.get("doc_id", ""): i for i, d in enumerate(self.docs)}
        self.texts: dict[str, str] = {}
        self.offsets: dict[str, _Offsets] = {}
        for d in self.docs:
            did = d.get("doc_id", "")
            p = out_dir / "texts" / f"{did}.txt"
            t = p.read_text(encoding="utf-8") if did and p.is_file() else ""
            self.texts[did] = t
            self.offsets[did] = _Offsets(t)

    def unit_of(self, d: dict) -> str:
        """The issuing unit a document is counted under: its first issuer, else its source."""
        iss = _split(d.get("issuers", ""))
        return iss[0] if iss else (d.get("source", "").strip() or NO_UNIT)

    def js(self, doc_id: str, i) -> int | None:
        off = self.offsets.get(doc_id)
        i = _int(i)
        return off(i) if off is not None and i is not None else i

    def span(self, doc_id: str, start, end) -> list[int] | None:
        """[start, end] in JavaScript offsets, when both are offsets inside the text."""
        s, e = _int(start), _int(end)
        t = self.texts.get(doc_id)
        if s is None or e is None or t is None or not 0 <= s <= e <= len(t):
            return None
        return [self.js(doc_id, s), self.js(doc_id, e)]

    def find(self, doc_id: str, words: str, lo: int = 0, hi: int | None = None) -> list[int] | None:
        """Where ``words`` first stand in the text between lo and hi, in JavaScript offsets."""
        t = self.texts.get(doc_id, "")
        words = (words or "").strip()
        if not words or not t:
            return None
        i = t.find(words, max(0, lo), hi if hi is not None else len(t))
        return None if i < 0 else [self.js(doc_id, i), self.js(doc_id, i + len(words))]


def _doc_table(run: _Run) -> dict:
    cols = ["id", "file", "status", "error", "type", "title", "issuers", "number", "date", "chars", "nsec",
            "nprob", "nfact", "unit", "published", "source"]
    rows = []
    for d in run.docs:
        did = d.get("doc_id", "")
        rows.append([did, os.path.basename(d.get("path", "")) or did, d.get("status", ""), d.get("error", ""),
                     d.get("doc_type", ""), d.get("title", ""), _split(d.get("issuers", "")),
                     d.get("doc_number", ""), d.get("date", ""), _int(d.get("chars")) or len(run.texts.get(did, "")),
                     _int(d.get("sections")) or 0, _int(d.get("problems")) or 0, _int(d.get("facts")) or 0,
                     run.unit_of(d), d.get("published", ""), d.get("source", "")])
    return {"cols": cols, "rows": rows}


def _per_doc(run: _Run) -> dict[str, dict]:
    """Each document's own block: text, sections, facts, problems (offsets in UTF-16)."""
    blocks = {did: {"t": t, "s": [], "f": [], "p": []} for did, t in run.texts.items()}
    for s in _rows(run.sections):
        did = s.get("doc_id", "")
        b = blocks.get(did)
        sp = run.span(did, s.get("start"), s.get("end"))
        if b is None or sp is None:
            continue
        b["s"].append([s.get("section_id", ""), s.get("parent_id", ""), _int(s.get("level")) or 1,
                       s.get("number", ""), s.get("heading", ""), s.get("section_type", ""), sp[0], sp[1]])
    for f in run.fact_rows:
        did = f.get("doc_id", "")
        b = blocks.get(did)
        sp = run.span(did, f.get("start"), f.get("end"))
        if b is None or sp is None:
            continue
        b["f"].append([f.get("fact_id", ""), f.get("kind", ""), sp[0], sp[1], f.get("norm", ""), f.get("value", ""),
                       f.get("unit", ""), f.get("name", ""), f.get("period", ""), f.get("role", ""),
                       f.get("section_id", ""), f.get("problem_id", ""), _attrs(f.get("attrs", ""))])
    for p in _rows(run.problems):
        did = p.get("doc_id", "")
        b = blocks.get(did)
        s, e = _int(p.get("start")), _int(p.get("end"))
        sp = run.span(did, s, e)
        if b is None or sp is None:
            continue
        title = run.find(did, p.get("title", ""), s, e)
        words = run.find(did, p.get("status_text", ""), s, e)
        b["p"].append([p.get("problem_id", ""), p.get("number", ""), p.get("category", ""), p.get("title", ""),
                       p.get("status", "") or "unknown", p.get("status_text", ""), sp[0], sp[1], title, words,
                       _split(p.get("responsible", ""))])
    return blocks


def _register(run: _Run) -> dict:
    """The problem register: problem_register.csv when present, over problems.csv + documents.csv."""
    cols = ["doc", "pid", "unit", "date", "number", "category", "group", "title", "status", "words", "responsible"]
    base: dict[tuple[str, str], list] = {}
    order: list[tuple[str, str]] = []
    for p in _rows(run.problems):
        did, pid = p.get("doc_id", ""), p.get("problem_id", "")
        i = run.index.get(did, -1)
        d = run.docs[i] if i >= 0 else {}
        base[(did, pid)] = [i, pid, run.unit_of(d) if d else NO_UNIT, d.get("date", ""), p.get("number", ""),
                            p.get("category", ""), "", p.get("title", ""), p.get("status", "") or "unknown",
                            p.get("status_text", ""), _split(p.get("responsible", ""))]
        order.append((did, pid))
    reg = run.register
    source = "problems.csv"
    if reg is not None and not reg.empty:
        source = "problem_register.csv"
        c = {k: _col(reg, *names) for k, names in {
            "doc": ("doc_id", "document", "doc"), "pid": ("problem_id", "problem"),
            "unit": ("issuer", "unit", "issuers", "unit_name"),
            "date": ("date", "document_date", "doc_date"), "number": ("number", "problem_number", "no"),
            "category": ("category",), "group": ("category_group", "group", "category_class"),
            "title": ("title", "problem", "problem_title"), "status": ("status",),
            "words": ("status_text", "status_words", "status_evidence"),
            "responsible": ("responsible", "responsible_bodies", "responsible_units"),
        }.items()}
        rows_out = []
        for r in _rows(reg):
            did, pid = _get(r, c["doc"]), _get(r, c["pid"])
            row = list(base.get((did, pid)) or [run.index.get(did, -1), pid, NO_UNIT, "", "", "", "", "", "unknown", "", []])
            for k in ["unit", "date", "number", "category", "group", "title", "status", "words"]:
                v = _get(r, c[k]).strip()
                if c[k] is not None and (v or k == "group"):
                    row[cols.index(k)] = _split(v)[0] if k == "unit" and _split(v) else v
            if c["responsible"] is not None:
                row[cols.index("responsible")] = _split(_get(r, c["responsible"]))
            rows_out.append(row)
    else:
        rows_out = [base[k] for k in order]
    for row in rows_out:
        if not row[cols.index("group")]:
            row[cols.index("group")] = row[cols.index("category")]
        if not row[cols.index("status")]:
            row[cols.index("status")] = "unknown"
    return {"cols": cols, "rows": rows_out, "source": source}


def _indicators(run: _Run) -> dict:
    """Indicator values, one row each, and their grouping into series (subject, indicator, unit)."""
    cols = ["doc", "subject", "indicator", "unit", "period", "pstart", "pend", "value", "role", "s", "e", "fact",
            "text", "own"]
    facts_by_id = {(f.get("doc_id", ""), f.get("fact_id", "")): f for f in run.fact_rows}
    rows, keys = [], []
    src = run.indicators
    source = "indicators.csv"
    if src is None or src.empty:
        source = "facts.csv"
        recs = []
        for f in run.fact_rows:
            if f.get("kind") != "indicator":
                continue
            a = _attrs(f.get("attrs", ""))
            recs.append({"doc_id": f.get("doc_id", ""), "subject": str(a.get("subject", "") or ""),
                         "indicator": f.get("name", ""), "unit": f.get("unit", ""), "period": f.get("period", ""),
                         "value": f.get("value", ""), "role": f.get("role", ""), "start": f.get("start"),
                         "end": f.get("end"), "fact_id": f.get("fact_id", ""), "text": f.get("text", "")})
        c = {k: k for k in ["doc_id", "subject", "indicator", "unit", "period", "value", "role", "start", "end",
                            "fact_id", "text"]}
        c.update(period_start=None, period_end=None, issuer=None)
    else:
        recs = _rows(src)
        c = {"doc_id": _col(src, "doc_id", "document", "doc"), "subject": _col(src, "subject", "place"), "subject_key": _col(src, "subject_key"),
             "indicator": _col(src, "indicator", "name", "canonical"), "unit": _col(src, "unit"),
             "period": _col(src, "period", "period_norm"),
             "period_start": _col(src, "period_start", "start_date", "from"),
             "period_end": _col(src, "period_end", "end_date", "to"), "value": _col(src, "value"),
             "role": _col(src, "role"), "issuer": _col(src, "issuer", "issuers", "unit_name"),
             "start": _col(src, "start", "evidence_start", "span_start"),
             "end": _col(src, "end", "evidence_end", "span_end"),
             "fact_id": _col(src, "fact_id", "fact"), "text": _col(src, "text", "evidence", "evidence_text", "words")}
    for r in recs:
        did = _get(r, c["doc_id"])
        i = run.index.get(did, -1)
        value = _float(_get(r, c["value"]))
        if value is None:
            continue
        sp = run.span(did, _get(r, c["start"]), _get(r, c["end"])) if c["start"] and c["end"] else None
        f = facts_by_id.get((did, _get(r, c["fact_id"])))
        if sp is None and f is not None:
            sp = run.span(did, f.get("start"), f.get("end"))
        if sp is None:
            sp = run.find(did, _get(r, c["text"]))
        period = _get(r, c["period"])
        ps, pe = _get(r, c["period_start"]), _get(r, c["period_end"])
        if not (ps and pe):
            ps, pe = period_bounds(period)
        else:
            ps, pe = period_bounds(ps)[0] or ps, period_bounds(pe)[1] or pe
        subject = _get(r, c["subject"]).strip()
        own = ""  # the subject is the issuer's own area when the text names none
        key = _get(r, c.get("subject_key")).strip()  # the matching key indicators.csv gives, when it does
        if key.startswith("@"):
            subject, own = "", "issuer"
        if not subject:
            iss = _split(_get(r, c["issuer"]))
            subject = iss[0] if iss else (run.unit_of(run.docs[i]) if i >= 0 else NO_UNIT)
            own = "issuer"
        keys.append(key or ("@" if own else "") + subject)
        text = _get(r, c["text"])
        rows.append([i, subject, _get(r, c["indicator"]).strip() or "?", _get(r, c["unit"]).strip(), period, ps, pe,
                     value, _get(r, c["role"]).strip() or "actual", sp[0] if sp else None, sp[1] if sp else None,
                     _get(r, c["fact_id"]), text, own])
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for n, r in enumerate(rows):
        groups[(keys[n], r[2], r[3])].append(n)
    series = [{"subject": rows[v[0]][1], "indicator": k[1], "unit": k[2], "own": rows[v[0]][13], "rows": v,
               "docs": len({rows[n][0] for n in v})}
              for k, v in groups.items()]
    series.sort(key=lambda g: (-g["docs"], -len(g["rows"]), g["subject"], g["indicator"]))
    return {"cols": cols, "rows": rows, "series": series, "source": source}


_SIDE_A = ["", "_a", "a_", "1", "_1", "_left"]
_SIDE_B = ["ref_", "_b", "b_", "2", "_2", "_right", "_other"]
_HIDDEN_VALUES = {"check_id", "issuer", "ref_issuer", "value_fact_id", "doc_date", "ref_doc_date"}


def _side_cols(df: pd.DataFrame, bases: list[str], affixes: list[str]) -> list[str]:
    """Every column naming one side's field: doc_id, doc_id_a, a_doc_id, doc_id1 ... in that order."""
    names = []
    for a in affixes:
        for b in bases:
            names.append(f"{a}{b}" if a.endswith("_") else f"{b}{a}")
    return [n for n in names if n in df.columns]


def _first(row, cols: list[str]) -> str:
    """The first non-empty cell among ``cols`` (tables mix naming conventions row by row)."""
    for c in cols:
        v = str(row.get(c, "") or "").strip()
        if v:
            return v
    return ""


def _ranges(v: str) -> list[list[int]]:
    """Several spans in one cell: JSON [[s, e], ...] or 's-e；s-e'."""
    v = (v or "").strip()
    if not v:
        return []
    try:
        x = json.loads(v)
        if isinstance(x, list):
            out = []
            for p in x:
                if isinstance(p, (list, tuple)) and len(p) >= 2 and _int(p[0]) is not None and _int(p[1]) is not None:
                    out.append([_int(p[0]), _int(p[1])])
                elif isinstance(p, dict) and _int(p.get("start")) is not None:
                    out.append([_int(p.get("start")), _int(p.get("end"))])
            return out
    except ValueError:
        pass
    out = []
    for part in regex.split(r"[；;,，\s]+", v):
        m = regex.fullmatch(r"(\d{1,9})\s*[-:–]\s*(\d{1,9})", part)
        if m:
            out.append([int(m.group(1)), int(m.group(2))])
    return out


def _checks(run: _Run, ind: dict) -> dict:
    """Checks from checks.csv; without it, indicator conflicts derived from the values themselves."""
    cols = ["kind", "verdict", "a", "b", "score", "message", "values"]
    rows = []
    src = run.checks
    if src is not None and not src.empty:
        kind_c = _col(src, "kind", "check", "type")
        verdict_c = _col(src, "verdict", "result", "status", "outcome")
        score_c = _col(src, "similarity", "score", "sim")
        msg_c = _col(src, "message", "detail", "details", "explanation", "description", "note", "summary")
        sides = []
        for affixes in (_SIDE_A, _SIDE_B):
            sides.append({
                "doc": _side_cols(src, ["doc_id", "doc", "document"], affixes),
                "start": _side_cols(src, ["start", "evidence_start", "span_start"], affixes),
                "end": _side_cols(src, ["end", "evidence_end", "span_end"], affixes),
                "spans": _side_cols(src, ["spans", "passages", "ranges"], affixes),
                "text": _side_cols(src, ["text", "evidence", "words", "passage"], affixes),
                "fact": _side_cols(src, ["fact_id", "fact"], affixes),
                # more facts on the same side: the value a stated change was computed from
                "more": _side_cols(src, ["value_fact_id"], affixes[:1]),
            })
        facts_by_id = {(f.get("doc_id", ""), f.get("fact_id", "")): f for f in run.fact_rows}
        used = {x for x in [kind_c, verdict_c, score_c, msg_c] if x}
        for s in sides:
            for k, cols_ in s.items():
                if k != "more":
                    used.update(cols_)
        for r in _rows(src):
            ends = []
            for s in sides:
                did = _first(r, s["doc"])
                if not did:
                    ends.append(None)
                    continue
                spans = [run.span(did, a, b) for a, b in _ranges(_first(r, s["spans"]))]
                one = run.span(did, _first(r, s["start"]), _first(r, s["end"]))
                if one is None and s["fact"]:
                    f = facts_by_id.get((did, _first(r, s["fact"])))
                    if f is not None:
                        one = run.span(did, f.get("start"), f.get("end"))
                if one is None and not spans:
                    one = run.find(did, _first(r, s["text"]))
                for c in s["more"]:
                    f = facts_by_id.get((did, str(r.get(c, "") or "")))
                    if f is not None:
                        spans.append(run.span(did, f.get("start"), f.get("end")))
                spans = [x for x in ([one] if one else []) + spans if x]
                ends.append([run.index.get(did, -1), spans, did, _first(r, s["text"])])
            values = {k: v for k, v in r.items() if k not in used and k not in _HIDDEN_VALUES and str(v).strip() != ""}
            rows.append([_get(r, kind_c) or "check", _get(r, verdict_c), ends[0], ends[1],
                         _float(_get(r, score_c)) if score_c else None, _get(r, msg_c), values])
        return {"cols": cols, "rows": rows, "source": "checks.csv"}
    # derived: the same subject, indicator, unit, period and role stated differently by two documents
    irows = ind["rows"]
    seen: dict[tuple, list[int]] = defaultdict(list)
    for n, r in enumerate(irows):
        if r[4] and r[0] >= 0:
            seen[(r[1], r[2], r[3], r[4], r[8])].append(n)
    for key, ns in seen.items():
        first = irows[ns[0]]
        for n in ns[1:]:
            r = irows[n]
            if r[0] != first[0] and r[7] != first[7]:
                rows.append(["consistency", "conflict",
                             [first[0], [[first[9], first[10]]] if first[9] is not None else [], run.docs[first[0]].get("doc_id", ""), first[12]],
                             [r[0], [[r[9], r[10]]] if r[9] is not None else [], run.docs[r[0]].get("doc_id", ""), r[12]],
                             None, f"{key[1]} ({key[0]}, {key[3]}, {key[4]}): {_num(first[7])} vs {_num(r[7])} {key[2]}",
                             {"indicator": key[1], "subject": key[0], "period": key[3], "role": key[4],
                              "value_a": _num(first[7]), "value_b": _num(r[7]), "unit": key[2]}])
    return {"cols": cols, "rows": rows, "source": "derived from indicator values (no checks.csv)"}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _summary(run: _Run, reg: dict, ind: dict, chk: dict) -> dict:
    docs = run.docs
    by_type = Counter((d.get("doc_type", "") or "（未识别）") for d in docs if d.get("status") == "ok")
    by_unit = Counter(run.unit_of(d) for d in docs if d.get("status") == "ok")
    by_month = Counter((d.get("date", "")[:7] or "（无日期）") for d in docs if d.get("status") == "ok")
    status_by_unit: dict[str, Counter] = defaultdict(Counter)
    ci = {c: n for n, c in enumerate(reg["cols"])}
    for r in reg["rows"]:
        status_by_unit[r[ci["unit"]]][r[ci["status"]]] += 1
    kinds = Counter(f.get("kind", "") for f in run.fact_rows)
    vi = chk["cols"].index("verdict")
    failed = sum(1 for r in chk["rows"] if r[vi].strip().lower() not in OK_VERDICTS)
    return {
        "documents": len(docs), "ok": sum(1 for d in docs if d.get("status") == "ok"),
        "error": sum(1 for d in docs if d.get("status") != "ok"),
        "problems": len(reg["rows"]), "facts": sum(kinds.values()), "indicators": len(ind["rows"]),
        "checks": len(chk["rows"]), "checks_failed": failed,
        "by_type": dict(by_type.most_common()), "by_unit": dict(by_unit.most_common()),
        "by_month": dict(sorted(by_month.items())),
        "status_by_unit": {u: dict(c) for u, c in sorted(status_by_unit.items(), key=lambda x: -sum(x[1].values()))},
        "facts_by_kind": dict(kinds.most_common()),
    }


def _corpus_label(run: _Run) -> str:
    paths = [d.get("path", "") for d in run.docs if d.get("path")]
    if not paths:
        return str(run.dir.resolve())
    try:
        common = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])
    except ValueError:
        common = ""
    return common or str(run.dir.resolve())


def report_data(out_dir: str | Path, corpus_label: str | None = None,
                generated: str | None = None) -> tuple[dict, dict[str, dict]]:
    """The shared data block and the per-document blocks, as the page reads them."""
    run = _Run(Path(out_dir))
    reg = _register(run)
    ind = _indicators(run)
    chk = _checks(run, ind)
    blocks = _per_doc(run)
    kinds = sorted({f[1] for b in blocks.values() for f in b["f"]})
    data = {
        "meta": {"generated": generated or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                 "corpus": corpus_label or _corpus_label(run), "out_dir": str(Path(out_dir).resolve()),
                 "tool": f"zhenggai {__version__}"},
        "docs": _doc_table(run), "register": reg, "indicators": ind, "checks": chk, "kinds": kinds,
        "statuses": STATUSES, "ok_verdicts": sorted(OK_VERDICTS), "summary": _summary(run, reg, ind, chk),
    }
    return data, blocks


# ---------------------------------------------------------------- the page

def script_json(obj) -> str:
    """JSON that is safe inside a <script> element: no text in it can close the element or
    open a comment, and the JavaScript line separators are escaped."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render_html(data: dict, blocks: dict[str, dict]) -> str:
    css, js = _asset("report.css"), _asset("report.js")
    if "</script" in js.lower() or "</style" in css.lower():
        raise ValueError("report assets must not contain closing script/style tags")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")
    m, s = data["meta"], data["summary"]
    e = html.escape
    doc_ids = data["docs"]["rows"]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<meta name=\"generator\" content=\"{e(m['tool'])}\">\n",
        f"<title>整改 report — {e(m['corpus'])}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n",
        "<header id=\"top\"><div class=\"brand\">整改 <b>Zhenggai</b> · auditor's report</div>\n",
        f"<p class=\"provenance\" id=\"provenance\">Generated <time>{e(m['generated'])}</time> by {e(m['tool'])} "
        f"from corpus <code>{e(m['corpus'])}</code> — {s['documents']} documents ({s['ok']} ok, {s['error']} error), "
        f"{s['problems']} problems, {s['facts']} facts. Tables: <code>{e(m['out_dir'])}</code></p>\n",
        "<nav id=\"nav\"></nav></header>\n<main id=\"app\"><noscript>This report draws its views with JavaScript; "
        "the tables it shows are the CSV files next to it.</noscript></main>\n",
        f"<script type=\"application/json\" id=\"zg-data\">{script_json(data)}</script>\n",
    ]
    for n, row in enumerate(doc_ids):
        b = blocks.get(row[0])
        if b is not None:
            parts.append(f"<script type=\"application/json\" id=\"zg-doc-{n}\">{script_json(b)}</script>\n")
    parts.append(f"<script>{js}</script>\n</body>\n</html>\n")
    return "".join(parts)


def build_report(out_dir: str | Path, corpus_label: str | None = None, generated: str | None = None) -> Path:
    """Write OUT_DIR/report.html from the run's tables and return its path."""
    out = Path(out_dir)
    data, blocks = report_data(out, corpus_label, generated)
    page = render_html(data, blocks)
    path = out / "report.html"
    tmp = out / ".report.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
