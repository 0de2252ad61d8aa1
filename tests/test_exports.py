"""Exports: CSV with BOM, Parquet, XLSX, JSON Lines; formula injection neutralised."""
from __future__ import annotations

import csv
import json

import openpyxl
import pandas as pd
import pytest

from extract import exports
from extract.codebook import load_codebook


def checks_frame():
    """A checks table with a hostile text cell and numbers of every sign."""
    cols = load_codebook()["checks"].names()
    row = {c: "" for c in cols}
    row.update(check_id="k1", kind="arithmetic", verdict="ok", doc_id="a", text="=1+1", detail="@SUM(A1:A9)",
               subject="-大通湖", indicator="+x", period="-13.8", start=3, end=9, stated=-13.8, computed=-13.75,
               tolerance=1.2, score=None)
    df = pd.DataFrame([row], columns=cols)
    for c in ("start", "end", "ref_start", "ref_end"):
        df[c] = pd.array(pd.to_numeric(df[c], errors="coerce"), dtype="Int64")
    for c in ("stated", "value", "reference", "computed", "difference", "tolerance", "score"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("cell,out", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("+1", "+1"), ("-A1", "'-A1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("-13.8", "-13.8"), ("+5%", "+5%"), ("大通湖", "大通湖"), ("a=1", "a=1"), ("", ""),
])
def test_neutralise(cell, out):
    assert exports.neutralise(cell) == out


def test_csv_has_a_bom_and_inert_formulas_and_numbers_stay_numbers(tmp_path):
    p = exports.write_csv(checks_frame(), tmp_path / "checks.csv", "checks")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [r] = read_csv(p)
    assert r["text"] == "'=1+1"
    assert r["detail"] == "'@SUM(A1:A9)"
    assert r["subject"] == "'-大通湖" and r["indicator"] == "'+x"
    assert r["period"] == "-13.8"  # a plain number in a text column runs nothing
    assert (r["stated"], r["computed"], r["start"], r["score"]) == ("-13.8", "-13.75", "3", "")


def test_xlsx_has_a_sheet_per_table_frozen_headers_and_inert_strings(tmp_path):
    df = checks_frame()
    other = pd.DataFrame({"doc_id": ["a"], "path": ["a.txt"]})
    p = exports.write_xlsx({"documents": other, "checks": df}, tmp_path / "z.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["documents", "checks", "codebook"]
    ws = wb["checks"]
    assert ws.freeze_panes == "A2"
    head = [c.value for c in ws[1]]
    assert head == list(df.columns)
    cells = dict(zip(head, ws[2]))
    assert cells["text"].value == "=1+1" and cells["text"].data_type == "s" and cells["text"].quotePrefix
    assert cells["detail"].data_type == "s" and cells["detail"].quotePrefix
    assert cells["stated"].value == -13.8 and cells["stated"].data_type == "n"
    assert cells["start"].value == 3
    assert cells["score"].value is None
    assert ws.column_dimensions["A"].width >= 6
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(head)).column_letter}2"
    book = wb["codebook"]
    assert [c.value for c in book[1]] == ["table", "column", "zh", "type", "unit", "values", "meaning"]
    assert book.max_row == 1 + 2 + len(df.columns)


def test_xlsx_headers_in_chinese(tmp_path):
    p = exports.write_xlsx({"checks": checks_frame()}, tmp_path / "z.xlsx", headers="zh")
    ws = openpyxl.load_workbook(p)["checks"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["核查编号", "核查类型", "结论", "文档编号"]
    assert len(head) == len(set(head))  # Chinese names are unique within a table


def test_parquet_and_jsonl_keep_values_as_they_are(tmp_path):
    df = checks_frame()
    pq = exports.write_parquet(df, tmp_path / "c.parquet")
    back = pd.read_parquet(pq)
    assert back.loc[0, "text"] == "=1+1" and back.loc[0, "stated"] == -13.8 and back.loc[0, "start"] == 3
    js = exports.write_jsonl(df, tmp_path / "c.jsonl")
    [line] = js.read_text(encoding="utf-8").splitlines()
    obj = json.loads(line)
    assert obj["text"] == "=1+1" and obj["stated"] == -13.8 and obj["start"] == 3 and obj["score"] is None


def test_write_puts_each_format_in_its_place(tmp_path):
    tables = {"checks": checks_frame(), "documents": pd.DataFrame({"doc_id": ["a"]})}
    files = exports.write(tables, tmp_path, ["csv", "parquet", "jsonl", "xlsx"], skip_csv=["documents"])
    names = sorted(str(p.relative_to(tmp_path)) for p in files)
    assert names == ["checks.csv", "checks.jsonl", "checks.parquet", "documents.jsonl", "documents.parquet",
                     "zhenggai.xlsx"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_parse_formats():
    assert exports.parse_formats("csv, xlsx") == ["csv", "xlsx"]
    assert exports.parse_formats("all") == ["csv", "parquet", "xlsx", "jsonl"]
    with pytest.raises(ValueError, match="unknown export format"):
        exports.parse_formats("csv,xls")
    with pytest.raises(ValueError):
        exports.write({}, "/tmp", ["csv"], headers="fr")


def test_every_codebook_column_has_a_distinct_chinese_name_within_its_table():
    cb = load_codebook()
    for t in cb.tables.values():
        zh = [c.zh for c in t.columns.values()]
        assert len(zh) == len(set(zh)), t.name


def test_a_table_streamed_from_the_store_is_written_as_its_typed_frame(tmp_path):
    # the run writes the derived tables' CSV from the store's rows; the bytes must be those
    # write_csv makes from the same table read as a DataFrame (hostile cells, empty numbers, floats)
    from extract.store import Store

    row = checks_frame().to_dict("records")[0]
    row.update(score=81.36, ref_start=None, value=0.1 + 0.2, issuer="甲；乙", ref_text="\tcmd")
    with Store() as st:
        st._insert("documents", [{"doc_id": "a", "status": "ok"}, {"doc_id": "b", "status": "ok"}])
        st.insert_derived("checks", [row, {"check_id": "k2", "kind": "target", "doc_id": "b", "stated": 3}])
        a = exports.write_csv(st.table("checks"), tmp_path / "a.csv", "checks")
        cols, rows = st.iter_rows("checks")
        b = exports.write_csv_rows(rows, cols, tmp_path / "b.csv", "checks")
    assert a.read_bytes() == b.read_bytes()
    text = b.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "'\tcmd" in text and ",81.36," in text and ",0.3," in text  # rounded to 10 places
