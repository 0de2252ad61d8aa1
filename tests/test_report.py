"""The auditor's report without a browser: self-contained, escaped, and faithful to the tables."""
from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from extract.report import _Offsets, build_report, period_bounds, report_data, script_json

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"

HOSTILE = ("关于<script>window.__pwned=1</script>问题整改情况的通报\n\n一、问题描述\n"
           "某单位<img src=x onerror=\"window.__pwned=1\">存在问题。</script><!-- &amp; 𠮷 2024年大通湖总磷均值为0.08mg/L。\n"
           "二、整改情况\n已完成整改。\n")


def _run(inputs: list[Path], out: Path) -> Path:
    from extract.cli import main

    assert main(["run", *map(str, inputs), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = _run([SEEDS], tmp_path_factory.mktemp("report-seeds"))
    path = build_report(out, corpus_label="seeds", generated="2025-01-02 03:04 UTC")
    return out, path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    src = tmp_path_factory.mktemp("hostile-src")
    (src / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    out = _run([src], tmp_path_factory.mktemp("report-hostile"))
    path = build_report(out)
    return out, path, path.read_text(encoding="utf-8")


def _blocks(page: str) -> dict[str, str]:
    """The JSON script blocks by id, as the browser would hand them to JSON.parse."""
    return dict(re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', page, flags=re.S))


def _code(page: str) -> str:
    m = re.search(r"<script>(.*?)</script>\n</body>", page, flags=re.S)
    assert m, "the page's own script is missing"
    return m.group(1)


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# ---------------------------------------------------------------- self-contained

def test_page_fetches_nothing(seed_report):
    _, _, page = seed_report
    skeleton = re.sub(r'<script type="application/json" id="[\w-]+">.*?</script>', "", page, flags=re.S)
    assert not re.search(r"<link\b|<iframe\b|<img\b|<object\b|<embed\b|@import|url\(", skeleton, flags=re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I)
    # the only URL in styles and code is the SVG namespace name, which is never fetched
    assert set(re.findall(r"https?://[^\s'\"<>)]+", skeleton)) == {"http://www.w3.org/2000/svg"}
    assert "connect-src 'none'" in page and "default-src 'none'" in page


def test_csp_allows_exactly_the_page_script(seed_report):
    _, _, page = seed_report
    digest = base64.b64encode(hashlib.sha256(_code(page).encode("utf-8")).digest()).decode()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == f"'sha256-{digest}'"  # no 'unsafe-inline': injected scripts cannot run


def test_script_never_parses_data_as_markup():
    js = (ROOT / "extract" / "report_assets" / "report.js").read_text(encoding="utf-8")
    for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setTimeout('", "DOMParser", "createContextualFragment"]:
        assert sink not in js, sink


def test_provenance_stated(seed_report):
    _, _, page = seed_report
    assert re.search(r'<p class="provenance" id="provenance">Generated <time>2025-01-02 03:04 UTC</time> by '
                     r'zhenggai [\d.]+ from corpus <code>seeds</code> — 5 documents \(5 ok, 0 error\)', page)
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page


# ---------------------------------------------------------------- escaping

def test_script_json_escapes_everything_that_could_end_the_block():
    s = script_json({"t": "</script><!--&\u2028\u2029>"})
    assert s == '{"t":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029\\u003e"}'
    assert json.loads(s) == {"t": "</script><!--&\u2028\u2029>"}


def test_hostile_text_is_data_only(hostile_report):
    out, _, page = hostile_report
    # three script elements: shared data, the one document, the code; nothing from the text opened another
    assert len(re.findall(r"<script\b", page)) == 3
    assert "window.__pwned=1</script>" not in page and "<img src=x" not in page and "<!-- &amp;" not in page
    blocks = _blocks(page)
    assert set(blocks) == {"zg-data", "zg-doc-0"}
    text = (out / "texts" / "hostile.txt").read_text(encoding="utf-8")
    assert json.loads(blocks["zg-doc-0"])["t"] == text
    assert "<script>window.__pwned=1</script>" in text and '<img src=x onerror="window.__pwned=1">' in text
    data = json.loads(blocks["zg-data"])
    assert data["docs"]["rows"][0][5] == "关于<script>window.__pwned=1</script>问题整改情况的通报"
    # the static header escapes the corpus path too
    assert re.search(r"<title>整改 report — [^<]*</title>", page)


def test_offsets_count_utf16_units_beyond_the_bmp():
    off = _Offsets("a𠮷b𠮷c")
    assert [off(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert _Offsets("整改")(2) == 2


def test_hostile_facts_shift_after_astral_char(hostile_report):
    out, _, page = hostile_report
    b = json.loads(_blocks(page)["zg-doc-0"])
    facts = _csv(out, "facts.csv")
    text = (out / "texts" / "hostile.txt").read_text(encoding="utf-8")
    astral = text.index("𠮷")
    js_text_units = text.encode("utf-16-le")
    for f, row in zip(b["f"], facts.itertuples()):
        s, e = int(row.start), int(row.end)
        assert (f[2], f[3]) == (s + (s > astral), e + (e > astral))
        assert js_text_units[2 * f[2]:2 * f[3]].decode("utf-16-le") == text[s:e]


# ---------------------------------------------------------------- faithful counts

def test_summary_matches_the_tables(seed_report):
    out, _, page = seed_report
    data = json.loads(_blocks(page)["zg-data"])
    s = data["summary"]
    docs, probs, facts = _csv(out, "documents.csv"), _csv(out, "problems.csv"), _csv(out, "facts.csv")
    assert (s["documents"], s["ok"], s["error"]) == (len(docs), (docs.status == "ok").sum(), (docs.status != "ok").sum())
    assert s["problems"] == len(probs) and s["facts"] == len(facts)
    ok = docs[docs.status == "ok"]
    assert s["by_type"] == {k or "（未识别）": v for k, v in ok.doc_type.value_counts().items()}
    assert s["facts_by_kind"] == facts.kind.value_counts().to_dict()
    assert sum(sum(c.values()) for c in s["status_by_unit"].values()) == len(probs)
    assert Counter_of(s["status_by_unit"]) == probs.status.value_counts().to_dict()
    assert [r[0] for r in data["docs"]["rows"]] == list(docs.doc_id)


def Counter_of(by_unit: dict) -> dict:
    out: dict[str, int] = {}
    for c in by_unit.values():
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return out


def test_each_document_block_holds_its_own_rows(seed_report):
    out, _, page = seed_report
    blocks = _blocks(page)
    docs, secs, facts, probs = (_csv(out, n) for n in ["documents.csv", "sections.csv", "facts.csv", "problems.csv"])
    assert len(blocks) == len(docs) + 1
    for n, did in enumerate(docs.doc_id):
        b = json.loads(blocks[f"zg-doc-{n}"])
        text = (out / "texts" / f"{did}.txt").read_text(encoding="utf-8")
        assert b["t"] == text
        mine = facts[facts.doc_id == did]
        assert [f[0] for f in b["f"]] == list(mine.fact_id)
        assert [text[f[2]:f[3]] for f in b["f"]] == list(mine.text)
        assert len(b["s"]) == (secs.doc_id == did).sum() and len(b["p"]) == (probs.doc_id == did).sum()
    # each text is embedded once: the shared block carries no document text
    first = (out / "texts" / f"{docs.doc_id[1]}.txt").read_text(encoding="utf-8")
    assert page.count(script_json(first[200:260])[1:-1]) == 1


def test_register_from_problems_when_no_register_table(seed_report, tmp_path):
    import shutil

    from extract.report import build_report

    out = tmp_path / "run"
    shutil.copytree(seed_report[0], out)
    (out / "problem_register.csv").unlink(missing_ok=True)
    page = build_report(out).read_text(encoding="utf-8")
    reg = json.loads(_blocks(page)["zg-data"])["register"]
    probs = _csv(out, "problems.csv")
    assert reg["source"] == "problems.csv"
    assert [(r[1], r[8]) for r in reg["rows"]] == list(zip(probs.problem_id, probs.status))
    docs = _csv(out, "documents.csv").set_index("doc_id")
    for r, p in zip(reg["rows"], probs.itertuples()):
        assert r[3] == docs.loc[p.doc_id, "date"]
        assert r[2] == (docs.loc[p.doc_id, "issuers"].split("；")[0] or docs.loc[p.doc_id, "source"] or "（未注明单位）")


def test_problem_words_located_in_document(seed_report):
    _, _, page = seed_report
    blocks = _blocks(page)
    found = 0
    for key, raw in blocks.items():
        if key == "zg-data":
            continue
        b = json.loads(raw)
        for p in b["p"]:
            if p[8]:
                assert b["t"][p[8][0]:p[8][1]] == p[3]
                assert p[6] <= p[8][0] <= p[8][1] <= p[7]
                found += 1
            if p[9]:
                assert b["t"][p[9][0]:p[9][1]] == p[5]
    assert found >= 10


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("norm,expected", [
    ("2025", ("2025-01-01", "2025-12-31")),
    ("2024-02", ("2024-02-01", "2024-02-29")),
    ("2025-11-27", ("2025-11-27", "2025-11-27")),
    ("2025-01/2025-10", ("2025-01-01", "2025-10-31")),
    ("2024-08-22/2024-09-29", ("2024-08-22", "2024-09-29")),
    ("2025-Q2", ("2025-04-01", "2025-06-30")),
    ("", ("", "")),
    ("去年", ("", "")),
    ("2025-13", ("", "")),
])
def test_period_bounds(norm, expected):
    assert period_bounds(norm) == expected


# ---------------------------------------------------------------- the cross-document tables, read defensively

def _two_docs(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    (src / "a.txt").write_text("甲县人民政府关于整改情况的通报\n2024年甲湖总磷均值为0.08mg/L。\n", encoding="utf-8")
    (src / "b.txt").write_text("乙市人民政府关于整改情况的通报\n2024年甲湖总磷均值为0.09mg/L。\n", encoding="utf-8")
    out = _run([src], tmp / "out")
    for derived in ("indicators.csv", "problem_register.csv", "checks.csv"):  # test the fallbacks without them
        (out / derived).unlink(missing_ok=True)
    facts = _csv(out, "facts.csv")
    # the fixture is about reading tables, not extraction: the indicator rows are written by hand
    keep = facts[facts.kind != "indicator"]
    text_a = (out / "texts" / "a.txt").read_text(encoding="utf-8")
    text_b = (out / "texts" / "b.txt").read_text(encoding="utf-8")
    rows = []
    for did, text, v in [("a", text_a, "0.08"), ("b", text_b, "0.09")]:
        s = text.index(v)
        rows.append({"doc_id": did, "fact_id": f"x{did}", "kind": "indicator", "text": text[s:s + len(v) + 4],
                     "start": str(s), "end": str(s + len(v) + 4), "value": v, "unit": "mg/L", "name": "总磷",
                     "period": "2024", "role": "actual", "attrs": json.dumps({"subject": "甲湖"}, ensure_ascii=False)})
    pd.concat([keep, pd.DataFrame(rows)], ignore_index=True).fillna("").to_csv(
        out / "facts.csv", index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    return out


def test_indicators_and_derived_conflict_from_facts(tmp_path):
    out = _two_docs(tmp_path)
    data, _ = report_data(out)
    ind = data["indicators"]
    assert ind["source"] == "facts.csv"
    assert [(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[12]) for r in ind["rows"]] == [
        ("甲湖", "总磷", "mg/L", "2024", "2024-01-01", "2024-12-31", 0.08, "actual", "0.08mg/L"),
        ("甲湖", "总磷", "mg/L", "2024", "2024-01-01", "2024-12-31", 0.09, "actual", "0.09mg/L")]
    assert [(g["subject"], g["indicator"], g["unit"], g["rows"], g["docs"]) for g in ind["series"]] == [
        ("甲湖", "总磷", "mg/L", [0, 1], 2)]
    chk = data["checks"]
    assert chk["source"].startswith("derived")
    assert len(chk["rows"]) == 1
    kind, verdict, a, b, score, message, values = chk["rows"][0]
    assert (kind, verdict, a[2], b[2], score) == ("consistency", "conflict", "a", "b", None)
    assert values["value_a"] == "0.08" and values["value_b"] == "0.09"
    assert data["summary"]["checks_failed"] == 1


def test_cross_document_tables_used_when_present(tmp_path):
    out = _two_docs(tmp_path)
    ta = (out / "texts" / "a.txt").read_text(encoding="utf-8")
    tb = (out / "texts" / "b.txt").read_text(encoding="utf-8")
    sa, sb = ta.index("0.08"), tb.index("0.09")
    pd.DataFrame([
        {"doc_id": "a", "issuer": "甲县人民政府", "subject": "甲湖", "indicator": "总磷", "period_start": "2024-01",
         "period_end": "2024-06", "value": "0.08", "unit": "mg/L", "role": "target", "evidence_start": str(sa),
         "evidence_end": str(sa + 4)},
        {"doc_id": "b", "issuer": "乙市人民政府", "subject": "", "indicator": "总磷", "period": "2024",
         "value": "n/a", "unit": "mg/L", "role": "actual"},
    ]).to_csv(out / "indicators.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame([
        {"kind": "indicator_conflict", "verdict": "conflict", "doc_id_a": "a", "start_a": sa, "end_a": sa + 4,
         "doc_id_b": "b", "start_b": sb, "end_b": sb + 4, "value_a": "0.08", "value_b": "0.09"},
        {"kind": "arithmetic", "verdict": "ok", "doc_id": "a", "start": sa, "end": sa + 4, "stated": "0.08",
         "computed": "0.08"},
        {"kind": "text_reuse", "verdict": "reuse", "doc_id_a": "a", "doc_id_b": "b", "similarity": "0.91",
         "spans_a": json.dumps([[0, 4], [sa, sa + 4]]), "spans_b": "0-4；9-12"},
    ]).to_csv(out / "checks.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame([{"doc_id": "x", "issuer": "丙", "date": "2024-01-02", "category": "水", "category_group": "水环境",
                   "title": "问题", "status": "completed"}]).to_csv(out / "problem_register.csv", index=False)
    data, _ = report_data(out)
    ind = data["indicators"]
    assert ind["source"] == "indicators.csv"
    # the unreadable value is left out; the period comes from its own columns
    assert [r[1:11] for r in ind["rows"]] == [
        ["甲湖", "总磷", "mg/L", "", "2024-01-01", "2024-06-30", 0.08, "target", sa, sa + 4]]
    rows = data["checks"]["rows"]
    assert data["checks"]["source"] == "checks.csv"
    assert [(r[0], r[1]) for r in rows] == [("indicator_conflict", "conflict"), ("arithmetic", "ok"),
                                            ("text_reuse", "reuse")]
    assert rows[0][2][:3] == [0, [[sa, sa + 4]], "a"] and rows[0][3][:3] == [1, [[sb, sb + 4]], "b"]
    assert rows[0][6] == {"value_a": "0.08", "value_b": "0.09"}
    assert rows[1][2][:3] == [0, [[sa, sa + 4]], "a"] and rows[1][3] is None
    assert rows[1][6] == {"stated": "0.08", "computed": "0.08"}
    assert rows[2][4] == 0.91 and rows[2][2][1] == [[0, 4], [sa, sa + 4]] and rows[2][3][1] == [[0, 4], [9, 12]]
    assert data["summary"]["checks"] == 3 and data["summary"]["checks_failed"] == 2
    reg = data["register"]
    assert reg["source"] == "problem_register.csv"
    assert reg["rows"] == [[-1, "", "丙", "2024-01-02", "", "水", "水环境", "问题", "completed", "", []]]
    assert data["summary"]["status_by_unit"] == {"丙": {"completed": 1}}


def test_missing_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="documents.csv"):
        build_report(tmp_path)


def test_report_replaces_itself_atomically(seed_report, tmp_path):
    out, path, _ = seed_report
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    p = build_report(copy, generated="x")
    assert p == copy / "report.html" and not (copy / ".report.html.tmp").exists()
    assert "<time>x</time>" in p.read_text(encoding="utf-8")


def test_checks_with_reference_columns(tmp_path):
    """The naming of the checks table the run writes: the claim's doc/start/end, the reference's ref_*."""
    out = _two_docs(tmp_path)
    ta = (out / "texts" / "a.txt").read_text(encoding="utf-8")
    tb = (out / "texts" / "b.txt").read_text(encoding="utf-8")
    sa, sb = ta.index("0.08"), tb.index("0.09")
    pd.DataFrame([
        {"check_id": "k1", "kind": "consistency", "verdict": "conflict", "doc_id": "a", "issuer": "甲县人民政府",
         "indicator": "总磷", "fact_id": "xa", "text": "0.08mg/L", "start": sa, "end": sa + 8, "value_fact_id": "",
         "ref_doc_id": "b", "ref_issuer": "乙市人民政府", "ref_fact_id": "xb", "ref_text": "0.09mg/L",
         "ref_start": sb, "ref_end": sb + 8, "reference": "0.09", "score": "", "detail": "0.08 vs 0.09"},
        {"check_id": "k2", "kind": "arithmetic", "verdict": "mismatch", "doc_id": "a", "issuer": "甲县人民政府",
         "indicator": "总磷", "fact_id": "", "text": "", "start": "", "end": "", "value_fact_id": "xa",
         "ref_doc_id": "", "ref_issuer": "", "ref_fact_id": "", "ref_text": "", "ref_start": "", "ref_end": "",
         "reference": "", "score": "", "detail": "does not add up"},
    ]).to_csv(out / "checks.csv", index=False, encoding="utf-8-sig")
    data, _ = report_data(out)
    (k1, k2) = data["checks"]["rows"]
    assert k1[:2] == ["consistency", "conflict"] and k1[5] == "0.08 vs 0.09"
    assert k1[2] == [0, [[sa, sa + 8]], "a", "0.08mg/L"] and k1[3] == [1, [[sb, sb + 8]], "b", "0.09mg/L"]
    assert k1[6] == {"indicator": "总磷", "reference": "0.09"}  # ids and issuers are not shown as values
    # the value a check was computed from is marked on the claim's side
    assert k2[2] == [0, [[sa, sa + 8]], "a", ""] and k2[3] is None and k2[4] is None
    assert data["summary"]["checks_failed"] == 2


def test_indicator_series_follow_subject_key(tmp_path):
    """Values naming no subject are about the issuer's own area: one series per issuer, never merged."""
    out = _two_docs(tmp_path)
    rows = [{"doc_id": d, "issuer": iss, "subject": subj, "subject_key": key, "indicator": "PM2.5", "period": "2024",
             "value": v, "unit": "μg/m³", "role": "actual"}
            for d, iss, subj, key, v in [("a", "甲县人民政府", "", "@甲县人民政府", "30"),
                                         ("b", "乙市人民政府", "", "@乙市人民政府", "40"),
                                         ("a", "甲县人民政府", "甲湖", "甲湖", "1"),
                                         ("b", "乙市人民政府", "甲湖流域", "甲湖", "2")]]
    pd.DataFrame(rows).to_csv(out / "indicators.csv", index=False, encoding="utf-8-sig")
    data, _ = report_data(out)
    series = [(g["subject"], g["own"], g["rows"]) for g in data["indicators"]["series"]]
    assert series == [("甲湖", "", [2, 3]), ("乙市人民政府", "issuer", [1]), ("甲县人民政府", "issuer", [0])]
