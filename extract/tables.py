"""Tables in the normalised text, and rectification ledgers read as problems.

Two forms reach the text (rules/tables.yaml says how each is recognised):

* rows: one row per line, cells joined by ``|`` — what the docx, html, pdf
  and ofd readers write for a real table (``1 | 问题… | 市住建局 | 2021年底 | 已完成``),
  also Markdown-style ``| a | b |`` rows and scraped pages that kept the bars;
* flattened: one cell per line, as a table copied out of a web page comes
  out — a header line 序号 followed by short header lines, then rows that
  each open with their number (1, 2, 3 …) on a line of its own.

A table whose header names a problem column (问题, 交办问题基本情况 …) and one
of 序号 / 责任单位 / 完成时限 / 完成情况 … is a ledger: each row is one
problem, with its number, a title from the problem cell, the responsible
bodies, the deadline and the status read from the status cell with the
same status words as every other problem.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import Callable

import regex

from .doc import Doc, Problem
from .rules import RuleError, RuleSet, load_rules

ROLES = ("number", "category", "responsible", "deadline", "measures", "target", "verified", "findings", "status",
         "handling", "notes", "problem")


@dataclass
class Cell:
    text: str
    start: int
    end: int


@dataclass
class Row:
    cells: list[Cell]
    start: int
    end: int


@dataclass
class Table:
    form: str  # "rows" or "flattened"
    header: list[Cell]
    roles: list[str]  # one per header cell ('' when unknown)
    rows: list[Row] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def role_index(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == role]


_SEPARATOR_CELL = regex.compile(r"^:?-{3,}:?$")
_SENTENCE = regex.compile(r"[。；;，,！？!?]")
_SPACE = regex.compile(r"\s+")


def _has_one_line(text: str) -> bool:
    """A line that strips to "1": a flattened table's first row opens with one, so a text without it has
    none. Sought from each "1" (str.find: a few in a text), not by a pattern tried at every line."""
    i = text.find("1")
    while i >= 0:
        a = text.rfind("\n", 0, i) + 1
        b = text.find("\n", i)
        b = len(text) if b < 0 else b
        if text[a:b].strip() == "1":
            return True
        i = text.find("1", b)  # another "1" on this line would not stand alone
    return False


class TableReader:
    """Tables and ledgers, with the patterns of rules/tables.yaml compiled once."""

    def __init__(self, rules: RuleSet, status_of: Callable | None = None):
        data, path = rules.yaml("tables.yaml")
        cols = data.get("columns") if isinstance(data, dict) else None
        if not isinstance(cols, dict) or set(cols) - set(ROLES):
            raise RuleError(path, getattr(data, "line", None), f"'columns' must map some of {ROLES} to patterns")
        self.columns = [(role, rules.pattern(cols, role, path)) for role in cols]
        self.needs = set(rules.words(data, "ledger_needs_any", path))
        self.max_header_chars = int(data.get("max_header_chars", 16))
        self.max_header_cells = int(data.get("max_header_cells", 16))
        self.yes = set(rules.words(data, "yes_words", path))
        self.no = set(rules.words(data, "no_words", path))
        self.title_max = int(data.get("title_max_chars", 80))
        self.resp_sep = rules.pattern(data, "responsible_separators", path)
        self.resp_label = rules.pattern(data, "responsible_label", path)
        self.continuation = rules.pattern(data, "continuation", path)
        self.short_roles = set(rules.words(data, "short_columns", path))
        self.short_max = int(data.get("short_max_chars", 8))
        self._status_of = status_of
        self._rules = rules
        # a line opens a flattened table only if it is a number header: that pattern alone
        # turns most lines away, before every column's pattern is tried
        self._number = dict(self.columns).get("number")
        self._roles: dict[str, str] = {}  # role() of header cells, which recur from table to table

    @property
    def status_of(self) -> Callable:
        if self._status_of is None:
            from .problems import ProblemStage

            self._status_of = ProblemStage(self._rules).status_of
        return self._status_of

    # -- columns ---------------------------------------------------------------
    def role(self, header: str) -> str:
        got = self._roles.get(header)
        if got is None:
            if len(self._roles) > 20_000:
                self._roles.clear()
            got = self._roles[header] = self._role(header)
        return got

    def _role(self, header: str) -> str:
        h = _SPACE.sub("", header)
        if not h:
            return ""
        for role, pat in self.columns:
            if pat.search(h):
                return role
        return ""

    # -- finding tables ----------------------------------------------------------
    def find(self, text: str) -> list[Table]:
        # most texts hold neither form: no bar for a row, no line "1" for a flattened table's first row
        rows = "|" in text
        flat = self._number is not None and _has_one_line(text)
        if not rows and not flat:
            return []
        spans, pos = [], 0
        for line in text.split("\n"):
            spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        tables = self._row_tables(text, spans) if rows else []
        taken = [(t.start, t.end) for t in tables]
        for t in (self._flattened(text, spans) if flat else ()):
            if not any(a < t.end and t.start < b for a, b in taken):
                tables.append(t)
        tables.sort(key=lambda t: t.start)
        return tables

    def _split_row(self, text: str, a: int, b: int) -> list[Cell] | None:
        line = text[a:b]
        if "|" not in line:
            return None
        cells: list[Cell] = []
        pos = a
        for part in line.split("|"):
            end = pos + len(part)
            lead = len(part) - len(part.lstrip())
            stripped = part.strip()
            s = pos + lead
            cells.append(Cell(stripped, s, s + len(stripped)))
            pos = end + 1
        # "| a | b |": the empty edges are not cells
        if cells and not cells[0].text:
            cells = cells[1:]
        if cells and not cells[-1].text:
            cells = cells[:-1]
        if len(cells) < 2:
            return None
        return cells

    def _row_tables(self, text: str, spans: list[tuple[int, int]]) -> list[Table]:
        tables: list[Table] = []
        block: list[list[Cell]] = []
        blanks = 0

        def close():
            if len(block) >= 2:
                t = self._table_from_rows(block)
                if t is not None:
                    tables.append(t)
            block.clear()

        for a, b in spans:
            if a == b or not text[a:b].strip():
                blanks += 1
                if blanks > 1:
                    close()
                continue
            cells = self._split_row(text, a, b)
            if cells is None:
                close()
                blanks = 0
                continue
            blanks = 0
            if all(_SEPARATOR_CELL.match(c.text) for c in cells if c.text):
                continue
            block.append(cells)
        close()
        return tables

    def _table_from_rows(self, block: list[list[Cell]]) -> Table | None:
        header_at = None
        for i, cells in enumerate(block[:5]):
            roles = [self.role(c.text) for c in cells]
            if sum(1 for r in roles if r) >= 2 and all(len(c.text) <= 3 * self.max_header_chars for c in cells):
                header_at = i
                break
        if header_at is None:
            header, roles, body = [], [], block
        else:
            header = block[header_at]
            roles = [self.role(c.text) for c in header]
            body = block[header_at + 1:]
        rows = [Row(cells, cells[0].start, cells[-1].end) for cells in body]
        if not rows:
            return None
        start = header[0].start if header else rows[0].start
        return Table("rows", header, roles, rows, start, rows[-1].end)

    def _flattened(self, text: str, spans: list[tuple[int, int]]) -> list[Table]:
        items = [(a, b) for a, b in spans if text[a:b].strip()]
        tables: list[Table] = []
        i = 0
        n = len(items)
        while i < n:
            a, b = items[i]
            line = text[a:b]
            if not self._number.search(_SPACE.sub("", line)) or self.role(line) != "number":
                i += 1
                continue
            header = [self._cell(text, a, b)]
            j = i + 1
            while j < n and len(header) < self.max_header_cells:
                c = self._cell(text, *items[j])
                if c.text.isdigit() or len(c.text) > self.max_header_chars or _SENTENCE.search(c.text) or "|" in c.text:
                    break
                header.append(c)
                j += 1
            roles = [self.role(c.text) for c in header]
            if len(header) < 3 or "problem" not in roles or j >= n or self._cell(text, *items[j]).text != "1":
                i += 1
                continue
            k = len(header)
            rows: list[Row] = []
            expect = 1
            while j < n and self._cell(text, *items[j]).text == str(expect):
                num = self._cell(text, *items[j])
                m = j + 1
                body: list[Cell] = []
                while m < n:
                    c = self._cell(text, *items[m])
                    if c.text == str(expect + 1) and body:
                        break
                    if len(body) >= k - 1 and not self.continuation.match(c.text):
                        break  # the row is full: what follows is text after the table
                    body.append(c)
                    m += 1
                rows.append(self._flat_row(num, body, roles))
                expect += 1
                j = m
            if len(rows) >= 2:
                # an empty last cell (备注) leaves no line: the last row is no wider than the others,
                # and what would widen it is the text after the table
                cap = max(len(r.cells) for r in rows[:-1])
                last = rows[-1]
                if len(last.cells) > cap:
                    kept = last.cells[:cap]
                    rows[-1] = Row(kept, last.start, kept[-1].end)
            if rows:
                tables.append(Table("flattened", header, roles, rows, header[0].start, rows[-1].end))
            i = j
        return tables

    @staticmethod
    def _cell(text: str, a: int, b: int) -> Cell:
        line = text[a:b]
        s = a + len(line) - len(line.lstrip())
        stripped = line.strip()
        return Cell(stripped, s, s + len(stripped))

    def _flat_row(self, num: Cell, body: list[Cell], roles: list[str]) -> Row:
        """Fit a row's lines to its columns.

        A list item (2. after 1.) continues the cell before it when the row has
        lines to spare; a long line never fills a column of short answers
        (是否属实: 属实), it continues the cell before; surplus lines go to the
        last column.
        """
        k = len(roles)
        cells: list[Cell] = []
        for i, c in enumerate(body):
            surplus = len(cells) + (len(body) - i) > k - 1
            col = roles[len(cells) + 1] if len(cells) + 1 < k else ""
            short_only = col in self.short_roles and len(c.text) > self.short_max
            if cells and ((surplus and self.continuation.match(c.text)) or short_only):
                prev = cells[-1]
                cells[-1] = Cell(prev.text + "\n" + c.text, prev.start, c.end)
            else:
                cells.append(c)
        if len(cells) > k - 1:  # still too many: the last column takes the rest
            rest = cells[k - 2:] if k >= 2 else cells
            merged = Cell("\n".join(c.text for c in rest), rest[0].start, rest[-1].end)
            cells = cells[: max(k - 2, 0)] + [merged]
        row_cells = [num] + cells
        return Row(row_cells, num.start, row_cells[-1].end)

    # -- ledgers as problems -------------------------------------------------------
    def is_ledger(self, table: Table) -> bool:
        return "problem" in table.roles and bool(self.needs & set(table.roles))

    def problems(self, doc: Doc) -> list[Problem]:
        out: list[Problem] = []
        tables = [t for t in self.find(doc.text) if self.is_ledger(t)]
        if not tables:
            return out
        dates = sorted((s.start, s.norm) for s in doc.spans if s.kind == "date")
        starts = [d[0] for d in dates]
        for table in tables:
            for idx, row in enumerate(table.rows, 1):
                p = self._problem(doc, table, row, idx, dates, starts)
                if p is not None:
                    out.append(p)
        return out

    def _problem(self, doc: Doc, table: Table, row: Row, idx: int, dates: list, starts: list) -> Problem | None:
        cols: dict[str, str] = {}
        by_role: dict[str, list[Cell]] = {}
        for h, role, cell in zip(table.header, table.roles, row.cells):
            cols[h.text] = cell.text
            if role:
                by_role.setdefault(role, []).append(cell)
        prob = by_role.get("problem", [])
        if not prob or not any(c.text for c in prob):
            return None
        number = next((c.text for c in by_role.get("number", []) if c.text), "") or str(idx)
        title = self._title(prob[0].text)
        category = next((c.text for c in by_role.get("category", []) if c.text), "")
        responsible: list[str] = []
        for c in by_role.get("responsible", []):
            for name in self.resp_sep.split(self.resp_label.sub("", c.text)):
                name = self.resp_label.sub("", name).strip()
                if name and name not in responsible:
                    responsible.append(name)
        deadline = next((c.text for c in by_role.get("deadline", []) if c.text), "")
        status, words = "unknown", ""
        status_cells = [c for c in by_role.get("status", []) if c.text]
        if not status_cells:
            status_cells = [c for c in by_role.get("handling", []) if c.text]
        yes_no = [c for c, h, r in zip(row.cells, table.header, table.roles) if r == "status" and "是否" in h.text]
        for c in yes_no:
            if c.text in self.yes:
                status, words = "completed", c.text
            elif c.text in self.no:
                status, words = "not_done", c.text
        if status == "unknown" and status_cells:
            status, words = self.status_of(doc.text, [(c.start, c.end) for c in status_cells])
        attrs: dict = {"responsible": responsible, "deadline": deadline, "columns": cols, "table": table.form}
        if deadline:
            for c in by_role.get("deadline", []):
                i, j = bisect.bisect_left(starts, c.start), bisect.bisect_left(starts, c.end)
                if j > i:
                    attrs["deadline_norm"] = dates[j - 1][1]
                    break
        verified = next((c.text for c in by_role.get("verified", []) if c.text), "")
        if verified:
            attrs["verified"] = verified
        sec = doc.section_at(row.start)
        return Problem("", number, category, title, row.start, row.end, status, words,
                       sec.section_id if sec else "", attrs)

    def _title(self, text: str) -> str:
        text = " ".join(text.split())
        stop = regex.search(r"[。；;]", text)
        if stop and stop.start() > 0:
            text = text[: stop.start()]
        if len(text) > self.title_max:
            text = text[: self.title_max].rstrip() + "…"
        return text.rstrip("。.；;，,")


@functools.lru_cache(maxsize=8)
def _default_reader(dirs: tuple[str, ...]) -> TableReader:
    return TableReader(load_rules(dirs))


def find_tables(text: str, rules: RuleSet | None = None) -> list[Table]:
    reader = TableReader(rules) if rules is not None else _default_reader(())
    return reader.find(text)


def table_problems(doc: Doc, rules: RuleSet | None = None) -> list[Problem]:
    """One Problem per row of each ledger table in the document (problem_id left for the caller)."""
    reader = _rules_reader(rules)
    return reader.problems(doc)


def _rules_reader(rules: RuleSet | None) -> TableReader:
    if rules is None:
        return _default_reader(())
    cached = getattr(rules, "_table_reader", None)
    if cached is None:
        cached = TableReader(rules)
        rules._table_reader = cached
    return cached
