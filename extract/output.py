"""Writing a run's tables per the output contract (../shared/eval/README.md).

Rows stream to temporary files as documents finish, so memory stays flat;
each table replaces the old one only when the run completes (os.replace is
atomic), so a run that dies leaves the previous tables whole.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from .doc import Doc

MULTI = "；"

DOCUMENT_COLUMNS = ["doc_id", "path", "status", "error", "doc_type", "title", "issuers", "doc_number", "signers",
                    "recipients", "date", "date_source", "attachments", "cc", "printed_by", "contact_person",
                    "contact_phone", "published", "source", "format", "page_title", "pages", "encoding",
                    "traditional", "chars", "sections", "problems", "facts"]
SECTION_COLUMNS = ["doc_id", "section_id", "parent_id", "level", "number", "style", "heading", "section_type",
                   "start", "end"]
PROBLEM_COLUMNS = ["doc_id", "problem_id", "number", "category", "title", "status", "status_text", "responsible",
                   "section_id", "start", "end"]
FACT_COLUMNS = ["doc_id", "fact_id", "kind", "text", "start", "end", "section_id", "problem_id", "norm", "value",
                "unit", "name", "period", "role", "attrs"]
TABLES = {"documents": DOCUMENT_COLUMNS, "sections": SECTION_COLUMNS, "problems": PROBLEM_COLUMNS,
          "facts": FACT_COLUMNS}


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return MULTI.join(str(x) for x in v)
    if isinstance(v, float):
        return repr(round(v, 10)).rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if isinstance(v, dict):
        return _JSON.encode(v) if v else ""
    return str(v)


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # what json.dumps(v, these options) builds per call


def document_row(doc: Doc) -> dict:
    m = {k: v for k, v in doc.meta.items() if not k.startswith("_")}
    row = {c: m.get(c, "") for c in DOCUMENT_COLUMNS}
    row.update(doc_id=doc.doc_id, path=doc.path, status=doc.status, error=doc.error, encoding=doc.encoding,
               chars=len(doc.text) if doc.status == "ok" else "", sections=len(doc.sections),
               problems=len(doc.problems), facts=len(doc.spans))
    return row


def section_rows(doc: Doc):
    for s in doc.sections:
        yield {"doc_id": doc.doc_id, "section_id": s.section_id, "parent_id": s.parent_id, "level": s.level,
               "number": s.number, "style": s.style, "heading": s.heading, "section_type": s.section_type,
               "start": s.start, "end": s.end}


def problem_rows(doc: Doc):
    for p in doc.problems:
        yield {"doc_id": doc.doc_id, "problem_id": p.problem_id, "number": p.number, "category": p.category,
               "title": p.title, "status": p.status, "status_text": p.status_text,
               "responsible": p.attrs.get("responsible", []), "section_id": p.section_id,
               "start": p.start, "end": p.end}


def fact_rows(doc: Doc, kinds: set | None = None):
    """The facts rows (``kinds``: only facts of these kinds, numbered as among all)."""
    for i, s in enumerate(doc.spans, 1):
        if kinds is not None and s.kind not in kinds:
            continue
        yield {"doc_id": doc.doc_id, "fact_id": f"f{i}", "kind": s.kind, "text": s.text, "start": s.start,
               "end": s.end, "section_id": s.section_id, "problem_id": s.problem_id, "norm": s.norm,
               "value": s.value, "unit": s.unit, "name": s.name, "period": s.period, "role": s.role,
               "attrs": s.attrs}


# fact_rows' keys in FACT_COLUMNS' order: the facts table is then written straight from the spans
_FACT_FIELDS = ["doc_id", "fact_id", "kind", "text", "start", "end", "section_id", "problem_id", "norm", "value",
                "unit", "name", "period", "role", "attrs"]


def _fact_cells(doc: Doc):
    """The cells of fact_rows(doc), row by row, as _cell makes them (the facts are most of the rows)."""
    d = doc.doc_id if type(doc.doc_id) is str else _cell(doc.doc_id)
    for i, s in enumerate(doc.spans, 1):
        yield [d, f"f{i}"] + [v if type(v) is str else str(v) if type(v) is int else _cell(v)
                              for v in (s.kind, s.text, s.start, s.end, s.section_id, s.problem_id, s.norm, s.value,
                                        s.unit, s.name, s.period, s.role, s.attrs)]


def _cells(rows, cols) -> list[list]:
    # a row's cells in column order (a missing one empty); strings and integers, most cells, directly
    return [[v if type(v) is str else str(v) if type(v) is int else _cell(v) for v in map(r.get, cols)] for r in rows]


def csv_rows(doc: Doc, stored_facts: list[tuple] | None = None) -> dict[str, list[list]]:
    """A document's rows of each CSV table as the cells written (made where the document was processed).

    ``stored_facts``: the facts rows as the store holds them (store.doc_rows, in FACT_COLUMNS' order),
    whose cells are the CSV's but that empty is None: read from them rather than from the spans again.
    """
    out = {"documents": _cells([document_row(doc)], DOCUMENT_COLUMNS)}
    if doc.status != "ok":
        return out
    out["sections"] = _cells(section_rows(doc), SECTION_COLUMNS)
    out["problems"] = _cells(problem_rows(doc), PROBLEM_COLUMNS)
    if stored_facts is not None:
        out["facts"] = [["" if v is None else v if type(v) is str else str(v) if type(v) is int else _cell(v)
                         for v in r] for r in stored_facts]
    elif FACT_COLUMNS == _FACT_FIELDS:
        out["facts"] = list(_fact_cells(doc))
    else:
        out["facts"] = _cells(fact_rows(doc), FACT_COLUMNS)
    return out


def csv_text(rows: dict[str, list[list]]) -> dict[str, tuple[str, int]]:
    """Each table's cells (:func:`csv_rows`) as the CSV text written, with its number of rows: made where the
    document was processed, so that a parallel run's parent writes one string per table."""
    out = {}
    for name, cells in rows.items():
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows(cells)
        out[name] = (buf.getvalue(), len(cells))
    return out


class TableWriter:
    """Streams a run's rows into DIR; :meth:`commit` puts the tables in place."""

    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir)
        (self.dir / "texts").mkdir(parents=True, exist_ok=True)
        self._files = {}
        for name, cols in TABLES.items():
            tmp = self.dir / f".{name}.csv.tmp"
            f = tmp.open("w", encoding="utf-8-sig", newline="")
            csv.writer(f).writerow(cols)
            self._files[name] = f
        self.counts = {name: 0 for name in TABLES}

    def add(self, doc: Doc) -> None:
        """Write a document's rows: its ``csv`` text when a worker made it (:func:`csv_text`), else made here."""
        rows = getattr(doc, "csv", None) or csv_text(csv_rows(doc))
        for name, (text, n) in rows.items():
            self._files[name].write(text)
            self.counts[name] += n
        if doc.status == "ok" and not getattr(doc, "text_written", False):  # (a worker may have written it)
            write_atomic(self.dir / "texts" / f"{doc.doc_id}.txt", doc.text)

    def commit(self) -> None:
        for f in self._files.values():
            f.flush()
            os.fsync(f.fileno())
            f.close()
        # documents.csv last: a reader that sees it sees the other tables of the same run
        for name in ["sections", "problems", "facts", "documents"]:
            os.replace(self.dir / f".{name}.csv.tmp", self.dir / f"{name}.csv")

    def abort(self) -> None:
        for name, f in self._files.items():
            f.close()
            (self.dir / f".{name}.csv.tmp").unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
