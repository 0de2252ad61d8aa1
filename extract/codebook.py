"""The codebook: every table and column, documented once in ``rules/codebook.yaml``.

``zhenggai schema`` prints :func:`render_codebook`; the store takes its
column types from it (:func:`sql_type`), the XLSX export its Chinese headers
(:meth:`Codebook.headers`), and tests compare it with the tables written.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .rules import RuleError, RuleSet, load_rules

TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER", "date": "TEXT",
         "list": "TEXT", "json": "TEXT"}
NUMERIC = {"integer", "real"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    zh: str
    unit: str = ""
    values: tuple = ()
    store_only: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: tuple
    columns: dict = field(default_factory=dict)  # name -> Column, in order
    store_only: bool = False

    def names(self, store: bool = False) -> list[str]:
        """Column names: those of the CSV file, or with ``store=True`` those of the SQLite table."""
        return [c.name for c in self.columns.values() if store or not c.store_only]


class Codebook:
    def __init__(self, tables: dict[str, Table]):
        self.tables = tables

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def headers(self, table: str, columns: list[str], lang: str = "en") -> list[str]:
        """Header names for ``columns`` of ``table``: as they are, or their Chinese names (``lang='zh'``)."""
        if lang != "zh" or table not in self.tables:
            return list(columns)
        cols = self.tables[table].columns
        return [cols[c].zh if c in cols else c for c in columns]

    def numeric(self, table: str) -> set[str]:
        t = self.tables.get(table)
        return {c.name for c in t.columns.values() if c.type in NUMERIC} if t else set()


def _str(data, key, path, ctx, required=True) -> str:
    v = data.get(key, "")
    if v is None:
        v = ""
    if not isinstance(v, (str, int, float)) or (required and str(v).strip() == ""):
        raise RuleError(path, getattr(data, "line", None), f"{ctx}: {key!r} must be a non-empty string")
    return str(v)


def parse_codebook(data, path) -> Codebook:
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise RuleError(path, getattr(data, "line", None), "codebook needs a mapping 'tables'")
    tables = {}
    for tname, t in data["tables"].items():
        line = data["tables"].line_of(tname) if hasattr(data["tables"], "line_of") else None
        if not isinstance(t, dict) or not isinstance(t.get("columns"), dict) or not t["columns"]:
            raise RuleError(path, line, f"table {tname!r} needs a non-empty mapping 'columns'")
        desc = _str(t, "description", path, f"table {tname}")
        cols = {}
        for cname, c in t["columns"].items():
            cline = t["columns"].line_of(cname) if hasattr(t["columns"], "line_of") else line
            if not isinstance(c, dict):
                raise RuleError(path, cline, f"{tname}.{cname}: must be a mapping with type, meaning, zh")
            typ = c.get("type")
            if typ not in TYPES:
                raise RuleError(path, cline, f"{tname}.{cname}: type {typ!r} is not one of {', '.join(TYPES)}")
            for k in ("meaning", "zh"):
                if not isinstance(c.get(k), str) or not c[k].strip():
                    raise RuleError(path, cline, f"{tname}.{cname}: {k!r} must be a non-empty string")
            values = c.get("values", [])
            if not isinstance(values, list):
                raise RuleError(path, cline, f"{tname}.{cname}: 'values' must be a list")
            unknown = set(c) - {"type", "meaning", "zh", "unit", "values", "store_only"}
            if unknown:
                raise RuleError(path, cline, f"{tname}.{cname}: unknown field(s) {', '.join(sorted(unknown))}")
            cols[cname] = Column(cname, typ, c["meaning"].strip(), c["zh"].strip(), str(c.get("unit", "") or ""),
                                 tuple(str(v) for v in values), bool(c.get("store_only", False)))
        key = t.get("key")
        if not isinstance(key, list) or not key or any(k not in cols for k in key):
            raise RuleError(path, line, f"table {tname!r}: 'key' must list some of its columns")
        tables[tname] = Table(tname, desc, tuple(key), cols, bool(t.get("store_only", False)))
    return Codebook(tables)


@functools.lru_cache(maxsize=4)
def _cached(dirs: tuple[str, ...]) -> Codebook:
    rules = load_rules(dirs)
    data, path = rules.yaml("codebook.yaml")
    return parse_codebook(data, path)


def load_codebook(rules: RuleSet | None = None) -> Codebook:
    """The codebook (shipped, with any user layer of the rule set over it)."""
    dirs = tuple(str(d) for d in rules.dirs[1:]) if rules is not None else ()
    return _cached(dirs)


def sql_type(col: Column) -> str:
    return TYPES[col.type]


def render_codebook(table: str | None = None, fmt: str = "text", codebook: Codebook | None = None) -> str:
    """The codebook as text (``fmt='text'``) or Markdown (``fmt='markdown'``), for one table or all."""
    cb = codebook or load_codebook()
    names = [table] if table else list(cb.tables)
    out = []
    if fmt == "markdown":
        out.append("# Zhenggai codebook\n")
        out.append("Types: text, integer, real, boolean (true/false in CSV, 1/0 in SQLite), date (ISO), "
                   "list (values joined with ；), json. Offsets are character offsets into the normalised text "
                   "(texts/<doc_id>.txt). Columns marked *store* are in the SQLite store only.\n")
    for name in names:
        if name not in cb.tables:
            raise KeyError(f"no table {name!r}; tables: {', '.join(cb.tables)}")
        t = cb.tables[name]
        where = "SQLite store only" if t.store_only else f"{name}.csv and the store"
        if fmt == "markdown":
            out.append(f"## {name}\n\n{t.description}\n\nKey: {', '.join(t.key)}. In: {where}.\n")
            out.append("| column | 中文 | type | unit | values | meaning |")
            out.append("| --- | --- | --- | --- | --- | --- |")
            for c in t.columns.values():
                vals = ", ".join(v if v else '""' for v in c.values)
                typ = c.type + (" (store)" if c.store_only else "")
                out.append(f"| {c.name} | {c.zh} | {typ} | {c.unit} | {vals} | {c.meaning.replace('|', '/')} |")
            out.append("")
        else:
            out.append(f"{name}  ({where}; key: {', '.join(t.key)})")
            out.append(f"  {t.description}")
            for c in t.columns.values():
                extra = []
                if c.unit:
                    extra.append(f"unit {c.unit}")
                if c.values:
                    extra.append("values " + " | ".join(v if v else '""' for v in c.values))
                if c.store_only:
                    extra.append("store only")
                tail = f" [{'; '.join(extra)}]" if extra else ""
                out.append(f"  - {c.name} ({c.type}, {c.zh}){tail}: {c.meaning}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def datasette_metadata(database: str = "zhenggai", codebook: Codebook | None = None) -> dict:
    """Datasette metadata (``datasette outputs/zhenggai.sqlite -m metadata.json``): every table and
    column described from the codebook."""
    cb = codebook or load_codebook()
    tables = {}
    for t in cb.tables.values():
        cols = {}
        for c in t.columns.values():
            extra = [c.type] + ([f"unit {c.unit}"] if c.unit else []) + \
                ([f"values: {', '.join(v or '(empty)' for v in c.values)}"] if c.values else [])
            cols[c.name] = f"{c.zh} — {c.meaning} [{'; '.join(extra)}]"
        tables[t.name] = {"description": t.description, "columns": cols}
    return {"title": "Zhenggai", "description": "Structured data from Chinese rectification notices (整改).",
            "databases": {database: {"tables": tables}}}
