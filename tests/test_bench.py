"""The benchmark keeps working: a tiny run end to end, and the corpus generator's promises.

No timing thresholds here: only that every figure is there, positive and consistent.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import regex

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402


def run_bench(*args: str, timeout: float = 300) -> dict:
    r = subprocess.run([sys.executable, str(BENCH), *args, "--json"], capture_output=True, text=True,
                       cwd=str(ROOT), timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    keep = tmp_path_factory.mktemp("bench")
    return run_bench("--docs", "20", "--jobs", "1", "2", "--keep", str(keep)), keep


def test_counts_and_throughput(tiny):
    res, keep = tiny
    assert res["documents"] == 20
    assert res["mb"] > 0 and res["chars"] > 0
    assert res["corpus_dir"] == str(keep / f"corpus-n20-s{synth.DEFAULT_SEED}" / "docs")
    ip = res["inprocess"]
    assert ip["errors"] == 0
    for key in ("seconds", "docs_per_s", "mb_per_s", "mb_per_s_per_core", "peak_rss_mb"):
        assert ip[key] > 0, key
    assert ip["docs_per_s"] == pytest.approx(20 / ip["seconds"])
    assert ip["mb_per_s"] == pytest.approx(res["mb"] / ip["seconds"])


def test_every_stage_named_with_shares(tiny):
    from extract.pipeline import Pipeline

    res, _ = tiny
    names = [s["stage"] for s in res["stages"]]
    assert set(names) == set(Pipeline().stage_names) | {"(outside stages)"}
    assert len(names) == len(set(names))
    timed = [s for s in res["stages"] if s["stage"] != "(outside stages)"]
    assert [s["seconds"] for s in timed] == sorted((s["seconds"] for s in timed), reverse=True)
    assert all(s["seconds"] >= 0 and 0 <= s["share"] <= 1 for s in res["stages"])
    assert sum(s["seconds"] for s in res["stages"]) == pytest.approx(res["inprocess"]["seconds"], rel=1e-6)
    assert sum(s["share"] for s in res["stages"]) == pytest.approx(1.0, rel=1e-6)


def test_jieba_ratio(tiny):
    res, _ = tiny
    jb = res["jieba"]
    assert jb["seconds"] > 0 and jb["docs_per_s"] > 0 and jb["setup_seconds"] > 0
    assert res["ratio"] > 0
    assert res["ratio"] == pytest.approx(res["inprocess"]["docs_per_s"] / jb["docs_per_s"])
    assert res["inprocess"]["cpu_seconds"] > 0 and jb["cpu_seconds"] > 0
    assert res["ratio_cpu"] == pytest.approx(jb["cpu_seconds"] / res["inprocess"]["cpu_seconds"])


def test_cli_runs_and_speedup(tiny):
    res, keep = tiny
    runs = res["runs"]
    if res["cli_supports_jobs"]:
        assert [r["jobs"] for r in runs] == [1, 2] and res["jobs_skipped"] == []
    else:
        assert [r["jobs"] for r in runs] == [1] and res["jobs_skipped"] == [2]
    for r in runs:
        assert r["exit_code"] == 0
        for key in ("seconds", "cpu_seconds", "docs_per_s", "mb_per_s", "mb_per_s_per_core", "peak_rss_mb"):
            assert r[key] > 0, key
        assert r["mb_per_s_per_core"] == pytest.approx(r["mb_per_s"] / min(r["jobs"], res["cpus"]))
        assert r["speedup"] == pytest.approx(runs[0]["seconds"] / r["seconds"])
        # the CLI wrote its tables, one documents.csv row per document
        lines = (keep / f"out-jobs{r['jobs']}" / "documents.csv").read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) == 1 + 20
    assert runs[0]["speedup"] == 1.0
    assert res["ratio_end_to_end"] > 0


def test_repeated_rounds_alternate_and_give_the_median_speedup(tmp_path):
    res = run_bench("--docs", "5", "--jobs", "1", "2", "--repeat", "3", "--no-jieba", "--keep", str(tmp_path))
    runs = res["runs"]
    if not res["cli_supports_jobs"]:
        pytest.skip("the CLI has no --jobs option")
    # the order of the job counts alternates from round to round
    assert [(r["round"], r["jobs"]) for r in runs] == [(1, 1), (1, 2), (2, 2), (2, 1), (3, 1), (3, 2)]
    for r in runs:  # each against the one-job run of its own round
        base = next(b for b in runs if b["jobs"] == 1 and b["round"] == r["round"])
        assert r["speedup"] == pytest.approx(base["seconds"] / r["seconds"])
    two = [r["speedup"] for r in runs if r["jobs"] == 2]
    assert res["speedups"]["2"]["rounds"] == pytest.approx(two)
    assert res["speedups"]["2"]["median"] == pytest.approx(sorted(two)[1])
    assert res["speedups"]["1"]["median"] == 1.0


def test_memory_scaling_mode(tmp_path):
    res = run_bench("--memory-scaling", "5,10", "--keep", str(tmp_path))
    a, b = res["memory_scaling"]
    assert (a["documents"], b["documents"]) == (5, 10)
    assert a["peak_rss_mb"] > 0 and b["peak_rss_mb"] > 0
    assert res["peak_rss_ratio"] == pytest.approx(b["peak_rss_mb"] / a["peak_rss_mb"])


# -- the synthetic corpus ---------------------------------------------------------
def _texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "docs").glob("*.txt"))}


def test_corpus_is_reproducible(tmp_path):
    m1 = synth.make_corpus(12, tmp_path / "a", seed=7)
    m2 = synth.make_corpus(12, tmp_path / "b", seed=7)
    assert m1 == m2
    a, b = _texts(tmp_path / "a"), _texts(tmp_path / "b")
    assert len(a) == 12 and a == b
    synth.make_corpus(12, tmp_path / "c", seed=8)
    c = _texts(tmp_path / "c")
    assert c.keys() == a.keys() and all(c[k] != a[k] for k in a)


def test_corpus_reused_when_cached_and_rebuilt_when_not(tmp_path):
    synth.make_corpus(3, tmp_path / "x", seed=1)
    marker = tmp_path / "x" / "docs" / "synth_000000.txt"
    marker.write_text("edited", encoding="utf-8")
    synth.make_corpus(3, tmp_path / "x", seed=1)  # same n and seed: reused as it is
    assert marker.read_text(encoding="utf-8") == "edited"
    synth.make_corpus(4, tmp_path / "x", seed=1)  # another n: rebuilt
    assert marker.read_text(encoding="utf-8") != "edited"
    assert len(_texts(tmp_path / "x")) == 4


def test_corpus_mutates_the_seeds(tmp_path):
    gen = synth.Generator()
    seeds = {s.name: s for s in gen.seeds}
    synth.make_corpus(10, tmp_path / "c", seed=3)
    texts = list(_texts(tmp_path / "c").values())
    for i, text in enumerate(texts):
        seed = gen.seeds[i % len(gen.seeds)]
        assert text != seed.text
        # sizes stay like the seed's: blocks are shuffled, and at most one dropped or repeated
        assert 0.5 * len(seed.text) < len(text) < 1.6 * len(seed.text)
    # the bulletin (003) names 16 people after titles; none of them survives renaming
    bulletin = seeds["003_6f25887a9364ce97.txt"]
    assert len(bulletin.people) == 16 and "刘勇会" in bulletin.people
    made = texts[3]
    assert not any(name in made for name in ("刘勇会", "朱春光", "梁成立", "石录明"))
    # its city was swapped for another city of the gazetteer
    assert "益阳市" in bulletin.places and "益阳市" not in made


def test_problem_order_varies_and_stays_numbered():
    lines = ["二、整改情况", "（一）甲问题", "甲的措施", "（二）乙问题", "乙的措施", "（三）丙问题", "丙的措施",
             "三、下一步"]
    orders = set()
    for k in range(30):
        out = synth.reorder("\n".join(lines), random.Random(k)).split("\n")
        assert out[0] == "二、整改情况" and out[-1] == "三、下一步"
        heads = [ln for ln in out if ln.startswith("（")]
        assert [h[:3] for h in heads] == ["（一）", "（二）", "（三）", "（四）"][:len(heads)]
        for h in heads:  # each problem keeps its own measures right after it
            assert out[out.index(h) + 1] == h[3] + "的措施"
        orders.add(tuple(h[3] for h in heads))
    assert len(orders) > 3


def test_dates_move_together_and_markers_stay():
    text = "2024年8月22日至9月29日，第2轮督察。（1）完成1000米退养，0.069mg/L，GB 3838-2002。\n1. 甲"
    out = synth.mutate_numbers(text, random.Random(5))
    m = regex.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日至(\d{1,2})月(\d{1,2})日", out)
    assert m
    start = dt.date(int(m[1]), int(m[2]), int(m[3]))
    end = dt.date(start.year, int(m[4]), int(m[5]))
    if end < start:
        end = end.replace(year=start.year + 1)
    assert (end - start).days == (dt.date(2024, 9, 29) - dt.date(2024, 8, 22)).days
    assert "（1）" in out and out.endswith("\n1. 甲") and "GB 3838-2002" in out and "mg/L" in out
    assert regex.search(r"完成[1-9]\d{3}米退养，0\.\d{3}mg/L", out)


def test_people_found_after_titles():
    text = "市委书记陈竞率队。常务副市长刘勇会，副市长唐杰参加。联系人：吴铭 局长。党组书记坚决扛牢责任。"
    assert synth.find_people(text) == ["陈竞", "刘勇会", "唐杰", "吴铭"]


def test_the_phase_timeline_of_a_two_job_run():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "phases.py"), str(ROOT / "corpus"), "--jobs", "2",
                        "--json"], capture_output=True, text=True, cwd=str(ROOT), timeout=300)
    assert r.returncode == 0, r.stderr
    events = {e["phase"]: e for e in json.loads(r.stdout)}
    assert {"documents (5)", "after the documents", "problem register", "per-document checks", "consistency",
            "wait for the text-reuse process", "close the store", "whole run"} <= set(events)
    assert "text reuse (here)" not in events  # with two jobs it runs in its own process
    docs, after, whole = events["documents (5)"], events["after the documents"], events["whole run"]
    assert docs["end"] == after["start"] and after["end"] <= whole["end"]
    for e in events.values():
        assert 0 <= e["start"] <= e["end"] <= whole["end"], e
    assert (events["consistency"]["end"] <= events["wait for the text-reuse process"]["start"]
            <= events["wait for the text-reuse process"]["end"] <= after["end"])
