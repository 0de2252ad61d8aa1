"""Exports of a run's tables: CSV (UTF-8 with BOM), Parquet, one XLSX workbook, JSON Lines.

    exports.write(tables, out_dir, formats=("csv", "xlsx"), headers="zh")

Where the files go, all in the output folder: ``<table>.csv`` (beside the base tables that
output.py writes), ``<table>.parquet``, ``<table>.jsonl``, and ``zhenggai.xlsx`` (a sheet per
table, and a codebook sheet). (``parquet/`` is left to the Dask engine's partition files.)

Spreadsheets run formulas: a text cell that begins with = + - @ (or a tab or
carriage return) would run as one when the file is opened. In CSV such a cell
gets a leading apostrophe (``'=1+1``), which Excel and LibreOffice show as
text; in XLSX the cell is written as a string marked "quote prefix", Excel's
own mark for text that looks like a formula, so its value stays as written.
A plain number in a text column (``-13.8``) is left alone, and numeric
columns are never touched. Parquet and JSON Lines are not spreadsheets and
keep every value as it is.
"""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Iterable

import pandas as pd
import regex

from .codebook import Codebook, load_codebook

FORMATS = ("csv", "parquet", "xlsx", "jsonl")
XLSX_NAME = "zhenggai.xlsx"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = regex.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?$")
XLSX_MAX_ROWS = 1_048_575  # data rows per sheet (one row is the header)
XLSX_MAX_CELL = 32_767


def parse_formats(spec: str | Iterable[str]) -> list[str]:
    """'csv,xlsx' -> ['csv', 'xlsx']; 'all' -> every format; an unknown name raises ValueError."""
    items = [x.strip().lower() for x in (spec.split(",") if isinstance(spec, str) else spec) if x and x.strip()]
    if "all" in items:
        return list(FORMATS)
    bad = [x for x in items if x not in FORMATS]
    if bad:
        raise ValueError(f"unknown export format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)} or all")
    return list(dict.fromkeys(items))


def is_formula_like(s: str) -> bool:
    return isinstance(s, str) and s.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(s)


def neutralise(s):
    """A text cell made inert for spreadsheets: a leading apostrophe when it could run as a formula."""
    return "'" + s if is_formula_like(s) else s


def _is_na(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def csv_cell(v) -> str:
    """One value as the CSV files write it (as output.py does: no trailing .0, true/false)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return repr(round(v, 10)).rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if isinstance(v, int):
        return str(v)
    if hasattr(v, "item"):  # numpy scalars
        return csv_cell(v.item())
    return str(v)


def _text_columns(df: pd.DataFrame, table: str, cb: Codebook) -> set[str]:
    numeric = cb.numeric(table) if table in cb else set()
    out = set()
    for c in df.columns:
        if c in numeric:
            continue
        if table in cb and c in cb[table].columns and cb[table].columns[c].type == "boolean":
            continue
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            out.add(c)
    return out


def _atomic(path: Path) -> Path:
    """The temporary name a file is written under before it replaces ``path``."""
    return path.with_name(f".{path.name}.tmp")


def _column_strings(series: pd.Series, text: bool) -> list[str]:
    """A column's cells as the CSV writes them, formulas neutralised in text columns."""
    if text:
        out = []
        for v in series.tolist():
            if v is None or _is_na(v):
                out.append("")
                continue
            v = v if isinstance(v, str) else csv_cell(v)
            out.append("'" + v if v and v[0] in _STARTS and is_formula_like(v) else v)
        return out
    return [csv_cell(v) for v in series.astype(object).tolist()]


_STARTS = frozenset(FORMULA_START)


def write_csv(df: pd.DataFrame, path: Path, table: str = "", cb: Codebook | None = None) -> Path:
    """One table as CSV in UTF-8 with a BOM, text cells neutralised, replaced atomically."""
    cb = cb or load_codebook()
    text_cols = _text_columns(df, table, cb)
    columns = [_column_strings(df[c], c in text_cols) for c in df.columns]
    tmp = _atomic(path)
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(df.columns))
        w.writerows(zip(*columns))
    os.replace(tmp, path)
    return path


def _cell_writer(typ: str, numeric: bool):
    """How a stored value of a column of type ``typ`` is written, as write_csv writes the typed table."""
    if typ == "boolean":
        return lambda v: "" if v is None else ("true" if v else "false")
    if numeric:
        if typ == "integer":
            return lambda v: "" if v is None else str(int(v))
        return lambda v: "" if v is None else csv_cell(float(v))

    def text(v):
        if v is None:
            return ""
        v = v if isinstance(v, str) else csv_cell(v)
        return "'" + v if v and v[0] in _STARTS and is_formula_like(v) else v
    return text


def write_csv_rows(rows: Iterable[tuple], columns: list, path: Path, table: str = "",
                   cb: Codebook | None = None) -> Path:
    """A table streamed from the store (tuples of stored values, ``columns`` the codebook's Column objects
    in their order) as the same CSV file :func:`write_csv` writes from the typed table."""
    cb = cb or load_codebook()
    numeric = cb.numeric(table) if table in cb else set()
    cells = [_cell_writer(c.type, c.name in numeric) for c in columns]
    tmp = _atomic(path)
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([c.name for c in columns])
        w.writerows([f(v) for f, v in zip(cells, r)] for r in rows)
    os.replace(tmp, path)
    return path


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    tmp = _atomic(path)
    df.to_parquet(tmp, engine="pyarrow", index=False)
    os.replace(tmp, path)
    return path


def _json_value(v):
    if _is_na(v):
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        return v.item()
    return v


def write_jsonl(df: pd.DataFrame, path: Path) -> Path:
    tmp = _atomic(path)
    cols = list(df.columns)
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        for row in df.itertuples(index=False, name=None):
            f.write(json.dumps({c: _json_value(v) for c, v in zip(cols, row)}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def _display_width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _widths(df: pd.DataFrame, headers: list[str], sample: int = 300) -> list[float]:
    out = []
    head = df.head(sample)
    for col, h in zip(df.columns, headers):
        w = _display_width(str(h))
        for v in head[col]:
            if not _is_na(v):
                w = max(w, _display_width(csv_cell(v).split("\n", 1)[0]))
        out.append(float(min(60, max(6, w + 2))))
    return out


def _col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path, headers: str = "en", cb: Codebook | None = None,
               codebook_sheet: bool = True) -> Path:
    """One workbook: a sheet per table (frozen header, filter, column widths), and a codebook sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cb = cb or load_codebook()
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def header_cells(ws, names):
        cells = []
        for n in names:
            c = WriteOnlyCell(ws, value=str(n))
            c.font, c.fill = bold, fill
            cells.append(c)
        return cells

    def sheet(title, df, names, text_cols):
        chunks = max(1, math.ceil(len(df) / XLSX_MAX_ROWS))
        widths = _widths(df, names)
        for k in range(chunks):
            part = df.iloc[k * XLSX_MAX_ROWS:(k + 1) * XLSX_MAX_ROWS]
            ws = wb.create_sheet(title if k == 0 else f"{title} ({k + 1})"[:31])
            ws.freeze_panes = "A2"
            for i, w in enumerate(widths, 1):
                ws.column_dimensions[_col_letter(i)].width = w
            if len(df.columns):
                ws.auto_filter.ref = f"A1:{_col_letter(len(df.columns))}{len(part) + 1}"
            ws.append(header_cells(ws, names))
            flags = [c in text_cols for c in df.columns]
            for row in part.itertuples(index=False, name=None):
                out = []
                for v, is_text in zip(row, flags):
                    v = _json_value(v)
                    if v is None or v == "":
                        out.append(None)
                    elif is_text or isinstance(v, str):
                        s = csv_cell(v) if not isinstance(v, str) else v
                        if len(s) > XLSX_MAX_CELL:
                            s = s[:XLSX_MAX_CELL - 1] + "…"
                        if is_formula_like(s):
                            c = WriteOnlyCell(ws, value=s)
                            c.data_type = "s"  # a string, never a formula
                            c.quotePrefix = True
                            out.append(c)
                        else:
                            out.append(s)
                    else:
                        out.append(v)
                ws.append(out)

    for name, df in tables.items():
        names = cb.headers(name, list(df.columns), headers)
        sheet(name[:31], df, names, _text_columns(df, name, cb))
    if codebook_sheet:
        rows = []
        for tname, df in tables.items():
            if tname not in cb:
                continue
            for col in df.columns:
                c = cb[tname].columns.get(col)
                if c is None:
                    continue
                rows.append({"table": tname, "column": col, "zh": c.zh, "type": c.type, "unit": c.unit,
                             "values": " | ".join(v if v else '""' for v in c.values), "meaning": c.meaning})
        book = pd.DataFrame(rows, columns=["table", "column", "zh", "type", "unit", "values", "meaning"])
        heads = ["表", "列", "中文列名", "类型", "单位", "取值", "含义"] if headers == "zh" else list(book.columns)
        sheet("codebook", book, heads, set(book.columns))
    tmp = _atomic(path)
    wb.save(tmp)
    os.replace(tmp, path)
    return path


def write(tables: dict[str, pd.DataFrame], out_dir: str | Path, formats: Iterable[str] = ("csv",),
          headers: str = "en", skip_csv: Iterable[str] = (), cb: Codebook | None = None) -> list[Path]:
    """Write ``tables`` in each of ``formats`` under ``out_dir``; returns the files written.

    ``skip_csv`` names tables whose CSV is already written (the base tables of
    a run, which output.py writes per the output contract). ``headers='zh'``
    gives the XLSX sheets Chinese column names from the codebook (the
    other formats keep the English names, which stay stable for programs).
    """
    if headers not in ("en", "zh"):
        raise ValueError(f"headers must be en or zh, not {headers!r}")
    cb = cb or load_codebook()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = parse_formats(list(formats))
    skip = set(skip_csv)
    written = []
    for fmt in formats:
        if fmt == "csv":
            for name, df in tables.items():
                if name not in skip:
                    written.append(write_csv(df, out / f"{name}.csv", name, cb))
        elif fmt == "parquet":
            for name, df in tables.items():
                written.append(write_parquet(df, out / f"{name}.parquet"))
        elif fmt == "jsonl":
            for name, df in tables.items():
                written.append(write_jsonl(df, out / f"{name}.jsonl"))
        elif fmt == "xlsx":
            written.append(write_xlsx(tables, out / XLSX_NAME, headers, cb))
    return written
