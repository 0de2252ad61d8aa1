"""The Python API on the seed documents, the codebook, and the cross-document checks they hold."""
from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from conftest import SEEDS
from extract.api import Result, extract_text, from_docs, run
from extract.codebook import load_codebook, render_codebook

TABLES = ["documents", "sections", "problems", "facts", "indicators", "problem_register", "checks"]


@pytest.fixture(scope="module")
def seed_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("api-run")
    return run([SEEDS], out=out, formats="all", headers="zh")


def test_run_returns_every_table_as_a_dataframe_with_the_codebook_columns(seed_result):
    cb = load_codebook()
    assert isinstance(seed_result, Result)
    for name in TABLES:
        df = seed_result[name]
        assert isinstance(df, pd.DataFrame)
        assert list(df.columns) == cb[name].names(), name
    assert len(seed_result.documents) == 5
    assert seed_result.facts["start"].dtype == "Int64" and seed_result.facts["value"].dtype == "float64"
    assert seed_result.processed + seed_result.skipped == 5


def test_the_csv_files_have_the_codebook_columns(seed_result):
    cb = load_codebook()
    for name in TABLES:
        with open(f"{seed_result.out_dir}/{name}.csv", encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
        assert header == cb[name].names(), name


def test_the_workbook_has_the_expected_sheets(seed_result):
    wb = openpyxl.load_workbook(f"{seed_result.out_dir}/zhenggai.xlsx", read_only=True)
    assert wb.sheetnames == TABLES + ["codebook"]
    head = [c.value for c in next(wb["checks"].iter_rows(max_row=1))]
    assert head[:3] == ["核查编号", "核查类型", "结论"]


# -- what the seeds hold ------------------------------------------------------------
def _checks(res, kind):
    return res.checks[res.checks.kind == kind]


def test_seed_changes_are_verified_within_rounding(seed_result):
    ar = _checks(seed_result, "arithmetic")
    got = {(r.doc_id[:3], r.stated, r.ref_doc_id[:3], r.reference, r.verdict) for r in ar.itertuples()}
    # 000: 0.069 vs 0.080 -> -13.75%, stated -13.8%
    assert ("000", -13.8, "000", 0.08, "ok") in got
    # 001: -13.8% with the baseline from 000
    assert ("001", -13.8, "000", 0.08, "ok") in got
    # 001: 2024's 0.079 is 下降3.66% on 2023, whose 0.082 only 000 states (not 001's 考核目标 0.082)
    assert ("001", -3.66, "000", 0.082, "ok") in got
    r = ar[(ar.stated == -3.66)].iloc[0]
    assert r.ref_role == "actual" and r.ref_period == "2023" and r.computed == pytest.approx(-3.6585, abs=1e-4)
    assert set(ar.verdict) == {"ok"}


def test_seed_target_is_met(seed_result):
    t = _checks(seed_result, "target")
    met = t[(t.doc_id.str.startswith("001")) & (t.stated == 0.079) & (t.reference == 0.082)]
    assert list(met.verdict) == ["met"]


def test_seeds_hold_no_false_conflict(seed_result):
    cons = _checks(seed_result, "consistency")
    assert "conflict" not in set(cons.verdict)
    agree = {(r.indicator, r.period, r.stated) for r in cons.itertuples() if r.verdict == "ok"}
    assert ("总磷", "2024", 0.079) in agree  # 000 and 001 report the same 2024 value


def test_seed_text_reuse_between_001_and_004(seed_result):
    tr = _checks(seed_result, "text_reuse")
    pairs = tr[(tr.doc_id.str.startswith("001")) & (tr.ref_doc_id.str.startswith("004"))]
    texts = list(pairs.text)
    assert any(t.startswith("欢迎广大干部群众对专项巡察整改落实情况进行监督") for t in texts)  # the closing appeal
    assert any(t.startswith("根据省委巡视工作领导小组部署和厅党组工作安排") for t in texts)  # the opening
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    texts_dir = seed_result.out_dir + "/texts"
    for r in pairs.itertuples():
        a = open(f"{texts_dir}/{r.doc_id}.txt", encoding="utf-8").read()
        b = open(f"{texts_dir}/{r.ref_doc_id}.txt", encoding="utf-8").read()
        assert a[r.start:r.end] == r.text and b[r.ref_start:r.ref_end] == r.ref_text
        assert r.score >= 80
    assert seeds  # the seeds are there to compare with


def test_seed_problem_register_lines_up_001_and_004(seed_result):
    reg = seed_result.problem_register
    by = {}
    for r in reg.itertuples():
        by.setdefault(r.category_group, set()).add(r.doc_id[:3])
    for group in ("蓝天碧水净土保卫战差距大", "行政执法存在乱作为", "整改进展滞后"):
        assert by[group] == {"001", "004"}, group
    late = reg[reg.category_group == "整改进展滞后"]
    assert set(late.category) == {"整改进展滞后", "整改进展迟缓"}
    assert set(late.group_units) == {2}


def test_every_indicator_row_points_at_its_words(seed_result):
    for r in seed_result.indicators.itertuples():
        text = open(f"{seed_result.out_dir}/texts/{r.doc_id}.txt", encoding="utf-8").read()
        assert text[r.start:r.end] == r.text
        assert r.text in r.evidence


# -- one document, in memory ------------------------------------------------------------
def test_extract_text_gives_one_documents_tables():
    text = ("关于整改进展情况的通报\n一、整改情况\n问题1：水质不达标。\n整改情况：2024年大通湖总磷均值为0.079mg/L，"
            "考核目标0.082mg/L，已完成。\n")
    res = extract_text(text, name="mine")
    assert list(res.documents.doc_id) == ["mine"]
    assert len(res.docs) == 1 and res.docs[0].text.startswith("关于整改进展情况的通报")
    assert list(res.checks.columns) == load_codebook()["checks"].names()
    assert res.store_path == "" and res.out_dir == ""


def test_run_without_out_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run(SEEDS / "000_48c643e0beb4f017.txt")
    assert len(res.documents) == 1 and res.processed == 1
    assert list(tmp_path.iterdir()) == []


def test_from_docs_matches_run(seed_docs):
    res = from_docs([seed_docs["000"], seed_docs["001"]])
    ar = res.checks[res.checks.kind == "arithmetic"]
    assert {(r.doc_id[:3], r.stated) for r in ar.itertuples()} >= {("000", -13.8), ("001", -3.66), ("001", -13.8)}


# -- the codebook ----------------------------------------------------------------------
def test_render_codebook_documents_every_column_once():
    cb = load_codebook()
    text = render_codebook()
    for t in cb.tables.values():
        assert text.count(f"\n{t.name}  (") + text.startswith(f"{t.name}  (") == 1
        for c in t.columns.values():
            assert f"  - {c.name} ({c.type}, {c.zh})" in text
    md = render_codebook("checks", fmt="markdown")
    assert "| verdict | 结论 | text |" in md and "## documents" not in md
    with pytest.raises(KeyError):
        render_codebook("nope")


def test_datasette_metadata_describes_every_table():
    from extract.codebook import datasette_metadata

    meta = datasette_metadata()
    tables = meta["databases"]["zhenggai"]["tables"]
    assert set(tables) == set(load_codebook().tables)
    assert tables["checks"]["columns"]["verdict"].startswith("结论 — ok: the stated change")


def test_the_rerun_benchmark_prints_both_times_and_the_second_run_processes_nothing(capsys):
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_rerun

    assert bench_rerun.main(["--docs", "0", "--json"]) == 0
    fig = json.loads(capsys.readouterr().out)
    assert (fig["first"]["processed"], fig["second"]["processed"], fig["second"]["skipped"]) == (5, 0, 5)
    assert fig["first"]["seconds"] > 0 and fig["second"]["seconds"] > 0
    assert fig["first"]["derived_rebuilt"] and not fig["second"]["derived_rebuilt"]


def test_a_csv_run_never_reads_a_whole_table_and_its_result_reads_them_when_asked(tmp_path, monkeypatch):
    from extract.store import Store

    real = Store.table

    def whole_table(self, name, store_columns=False):
        raise AssertionError(f"the run read the whole {name} table")

    monkeypatch.setattr(Store, "table", whole_table)
    res = run([SEEDS], out=tmp_path, jobs=1)
    monkeypatch.setattr(Store, "table", real)
    with open(tmp_path / "facts.csv", encoding="utf-8-sig", newline="") as f:
        n_facts = sum(1 for _ in csv.reader(f)) - 1
    with open(tmp_path / "checks.csv", encoding="utf-8-sig", newline="") as f:
        n_checks = sum(1 for _ in csv.reader(f)) - 1
    assert res.counts["facts"] == n_facts and res.counts["checks"] == n_checks and n_checks > 0
    assert f"{n_facts} facts, {n_checks} checks" in res.line()
    assert len(res.facts) == n_facts and len(res["checks"]) == n_checks  # read from the store now


def test_other_check_rules_remake_the_stored_per_document_parts(tmp_path):
    # a re-run with another checks.yaml must give the tables a fresh run with it gives:
    # the indicators rows and reuse sentences stored with each document are made again
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "checks.yaml").write_text("subjects:\n  carry_forward: false\ntext_reuse:\n  min_chars: 60\n",
                                       encoding="utf-8")
    first = run([SEEDS], out=tmp_path / "a", jobs=1)
    first_reuse, first_keys = len(first.checks[first.checks.kind == "text_reuse"]), first.indicators.subject_key
    again = run([SEEDS], out=tmp_path / "a", rules=[rules], jobs=1)
    fresh = run([SEEDS], out=tmp_path / "b", rules=[rules], jobs=1)
    assert again.skipped == 5 and again.derived_rebuilt
    for name in ("indicators", "problem_register", "checks"):
        pd.testing.assert_frame_equal(again[name], fresh[name])
    assert first_reuse > len(again.checks[again.checks.kind == "text_reuse"])
    assert not first_keys.equals(again.indicators.subject_key)


def test_a_run_freezes_what_it_loaded_for_its_length_only_and_leaves_a_callers_freeze_alone(tmp_path):
    import gc

    seen = []
    run([SEEDS], out=tmp_path / "a", progress=lambda total: _Probe(seen))
    assert seen and min(seen) > 0  # while the documents went through, the loaded objects were frozen
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        run([SEEDS], out=tmp_path / "b")
        assert gc.get_freeze_count() > 0  # the caller's freeze stands (unfreezing empties it)
    finally:
        gc.unfreeze()


class _Probe:
    def __init__(self, seen):
        self.seen = seen

    def update(self, n):
        import gc

        self.seen.append(gc.get_freeze_count())

    def close(self):
        pass
