#!/usr/bin/env python
"""Benchmark: how fast is the pipeline, where does its time go, and how does it compare to jieba?

    python benchmarks/bench.py --docs 1000                 in-process profile + one CLI run
    python benchmarks/bench.py --docs 10000 --jobs 1 2     CLI runs with 1 and 2 worker processes
    python benchmarks/bench.py --memory-scaling 1000,10000 peak memory at two sizes
    python benchmarks/bench.py --docs 20 --json            one JSON object of every figure

See benchmarks/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

MB = 1e6  # megabytes are 10^6 bytes of UTF-8 input
CHUNK = 256  # documents per in-process chunk (whole batches of the pipeline)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- corpus ----------------------------------------------------------------------
def corpus(n: int, seed: int, keep: Path | None) -> tuple[Path, bool]:
    """The folder of n synthetic documents (built, or reused when already there) and whether it was reused."""
    base = keep if keep is not None else Path(tempfile.gettempdir()) / "zhenggai-bench"
    folder = base / f"corpus-n{n}-s{seed}"
    manifest = folder / "manifest.json"
    before = manifest.read_bytes() if manifest.exists() else None
    synth.make_corpus(n, folder, seed=seed)
    reused = before is not None and before == manifest.read_bytes()
    return folder / "docs", reused


def corpus_files(docs: Path) -> list[Path]:
    return sorted(docs.glob("*.txt"))


# -- memory ------------------------------------------------------------------------
def maxrss_mb(ru_maxrss: int) -> float:
    """ru_maxrss is in kilobytes on Linux, bytes on macOS."""
    return ru_maxrss / (MB if sys.platform == "darwin" else 1000.0)


class TreeSampler:
    """Samples the summed RSS of a process and its descendants (needs psutil; else reports None)."""

    def __init__(self, pid: int, every: float = 0.05, include_root: bool = True):
        self.peak = None
        try:
            import psutil
        except ImportError:
            self.thread = None
            return
        self.peak = 0
        self._stop = threading.Event()

        def run():
            try:
                proc = psutil.Process(pid)
            except psutil.Error:
                return
            while not self._stop.is_set():
                try:
                    total = proc.memory_info().rss if include_root else 0
                    for c in proc.children(recursive=True):
                        try:
                            total += c.memory_info().rss
                        except psutil.Error:
                            pass
                except psutil.Error:
                    return
                self.peak = max(self.peak, total)
                self._stop.wait(every)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def stop(self) -> float | None:
        if self.thread is not None:
            self._stop.set()
            self.thread.join()
        return None if self.peak is None else self.peak / MB


# -- the CLI, end to end -------------------------------------------------------------
def cli_command() -> list[str]:
    return [sys.executable, "-m", "extract"]


def cli_supports_jobs() -> bool:
    r = subprocess.run(cli_command() + ["run", "--help"], capture_output=True, text=True)
    return "--jobs" in r.stdout


# The CLI is started through this small launcher, not forked straight from the benchmark: on Linux a
# child's ru_maxrss starts from its parent's resident size at fork, and by then the benchmark holds
# the pipeline and jieba's dictionary. The launcher is small, so what wait4 reports is the CLI's own.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "wb"))
_, status, ru = os.wait4(p.pid, 0)
p.returncode = code = os.waitstatus_to_exitcode(status)
print(json.dumps({"seconds": time.perf_counter() - t0, "exit_code": code,
                  "cpu_seconds": ru.ru_utime + ru.ru_stime, "ru_maxrss": ru.ru_maxrss}))
"""


def cli_run(docs: Path, out: Path, jobs: int | None) -> dict:
    """One ``zhenggai run DOCS --out OUT -q [--jobs J]`` in a child process: wall time, CPU, peak memory.

    OUT is emptied first: a store left by an earlier run would make this one skip its documents.
    """
    shutil.rmtree(out, ignore_errors=True)
    cmd = cli_command() + ["run", str(docs), "--out", str(out), "-q"]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    with tempfile.NamedTemporaryFile(prefix="zhenggai-bench-err.", delete=False) as err:
        err_path = err.name
    try:
        launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER, err_path] + cmd,
                                    stdout=subprocess.PIPE, cwd=str(ROOT))
        sampler = TreeSampler(launcher.pid, include_root=False)
        stdout, _ = launcher.communicate()
        tree_peak = sampler.stop()
        stderr = Path(err_path).read_text(encoding="utf-8", errors="replace")
    finally:
        os.unlink(err_path)
    if launcher.returncode != 0:
        raise SystemExit(f"bench: launcher failed for {' '.join(cmd)}:\n{stderr}")
    res = json.loads(stdout)
    if res["exit_code"] not in (0, 1):  # 1 = some documents failed, which documents.csv records
        raise SystemExit(f"bench: {' '.join(cmd)} exited {res['exit_code']}:\n{stderr}")
    return {
        "command": " ".join(cmd[2:]).replace("extract run", "zhenggai run", 1),
        "exit_code": res["exit_code"],
        "seconds": res["seconds"],
        "cpu_seconds": res["cpu_seconds"],
        # wait4: the largest resident set of the CLI process or any of its worker processes
        "peak_rss_mb": maxrss_mb(res["ru_maxrss"]),
        # sampled every 50 ms: the CLI and all its workers added up (None without psutil)
        "peak_rss_tree_mb": tree_peak,
    }


# -- in process: per stage, and jieba on the same text ------------------------------
def inprocess(files: list[Path], use_jieba: bool = True) -> dict:
    import resource

    from extract.pipeline import BATCH, Pipeline
    from extract.reading import read_source

    t = time.perf_counter()
    pipe = Pipeline()
    setup = time.perf_counter() - t
    for f in files[:5]:  # warm up: first-call costs (lazy imports, caches) are not throughput
        pipe.process_text(read_source(f).text)

    lcut = None
    jieba_setup = 0.0
    if use_jieba:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        t = time.perf_counter()
        jieba.initialize()  # the dictionary load is not part of segmentation throughput
        jieba.lcut(pipe.process_text(read_source(files[0]).text).text)
        jieba_setup = time.perf_counter() - t
        lcut = jieba.lcut

    stages: dict[str, float] = {name: 0.0 for name in pipe.stage_names}
    pipe_s = jieba_s = pipe_cpu = jieba_cpu = 0.0
    nbytes = chars = errors = 0
    # Chunks: the pipeline over a few hundred documents, then jieba over their normalised texts,
    # so each keeps its caches warm and memory stays bounded whatever the corpus size.
    for c in range(0, len(files), CHUNK):
        normalised = []
        # in the pipeline's batches, as a run hands them to it (workers.process_serial)
        for b in range(c, min(c + CHUNK, len(files)), BATCH):
            srcs = [(f, read_source(f)) for f in files[b:min(b + BATCH, c + CHUNK)]]
            nbytes += sum(src.size for _, src in srcs)
            t, c0 = time.perf_counter(), time.process_time()
            docs = []
            for f, src in srcs:
                try:
                    docs.append(pipe.new_doc(src.text, doc_id=f.stem, path=str(f)))
                except Exception:  # the CLI records such a document as an error; here it only counts
                    errors += 1
            failed = pipe.process_batch(docs)
            pipe_s += time.perf_counter() - t
            pipe_cpu += time.process_time() - c0
            errors += len(failed)
            for i, doc in enumerate(docs):
                if i in failed:
                    continue
                for k, v in doc.timings.items():
                    stages[k] = stages.get(k, 0.0) + v
                chars += len(doc.text)
                normalised.append(doc.text)
            del docs
        if lcut is not None:
            t, c0 = time.perf_counter(), time.process_time()
            for text in normalised:
                lcut(text)
            jieba_s += time.perf_counter() - t
            jieba_cpu += time.process_time() - c0
    return {
        "setup_seconds": setup,
        "jieba_setup_seconds": jieba_setup,
        "seconds": pipe_s,
        "cpu_seconds": pipe_cpu,
        "jieba_seconds": jieba_s if use_jieba else None,
        "jieba_cpu_seconds": jieba_cpu,
        "bytes": nbytes,
        "chars": chars,
        "errors": errors,
        "stages": stages,
        "peak_rss_mb": maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
    }


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine slows wall-clock figures."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


# -- figures ------------------------------------------------------------------------
def rates(docs: int, nbytes: int, seconds: float, cores: int = 1) -> dict:
    s = max(seconds, 1e-9)
    return {"docs_per_s": docs / s, "mb_per_s": nbytes / MB / s, "mb_per_s_per_core": nbytes / MB / s / cores}


def stage_table(stages: dict[str, float], total: float, docs: int) -> list[dict]:
    rows = [{"stage": k, "seconds": v} for k, v in stages.items()]
    outside = total - sum(stages.values())
    rows.sort(key=lambda r: -r["seconds"])
    rows.append({"stage": "(outside stages)", "seconds": max(outside, 0.0)})
    for r in rows:
        r["share"] = r["seconds"] / total if total > 0 else 0.0
        r["ms_per_doc"] = 1000 * r["seconds"] / max(docs, 1)
    return rows


def parse_jobs(values: list[str] | None) -> list[int] | None:
    if not values:
        return None
    out: list[int] = []
    for v in values:
        for part in v.split(","):
            if part.strip():
                j = int(part)
                if j < 1:
                    raise SystemExit("bench: --jobs values must be >= 1")
                if j not in out:
                    out.append(j)
    return out


def benchmark(args) -> dict:
    n, seed = args.docs, args.seed
    keep = Path(args.keep).resolve() if args.keep else None
    load_start = load_average()
    log(f"corpus: {n} documents, seed {seed} ...")
    t = time.perf_counter()
    docs, reused = corpus(n, seed, keep)
    files = corpus_files(docs)
    corpus_s = time.perf_counter() - t
    nbytes = sum(f.stat().st_size for f in files)
    cpus = os.cpu_count() or 1
    result: dict = {
        "documents": len(files),
        "mb": nbytes / MB,
        "seed": seed,
        "corpus_dir": str(docs),
        "corpus_reused": reused,
        "corpus_seconds": corpus_s,
        "cpus": cpus,
        "python": platform.python_version(),
        "load_average_start": load_start,
    }

    log("in-process pipeline and jieba ...")
    ip = inprocess(files, use_jieba=not args.no_jieba)
    ok_docs = len(files) - ip["errors"]
    result["chars"] = ip["chars"]
    result["inprocess"] = {
        "seconds": ip["seconds"], "cpu_seconds": ip["cpu_seconds"], "setup_seconds": ip["setup_seconds"],
        "errors": ip["errors"],
        **rates(ok_docs, nbytes, ip["seconds"]), "peak_rss_mb": ip["peak_rss_mb"],
    }
    result["stages"] = stage_table(ip["stages"], ip["seconds"], ok_docs)
    if ip["jieba_seconds"] is not None:
        result["jieba"] = {"seconds": ip["jieba_seconds"], "cpu_seconds": ip["jieba_cpu_seconds"],
                           "setup_seconds": ip["jieba_setup_seconds"],
                           **rates(ok_docs, nbytes, ip["jieba_seconds"])}
        # throughput ratio over the same documents = jieba seconds / pipeline seconds
        result["ratio"] = ip["jieba_seconds"] / max(ip["seconds"], 1e-9)
        # the same from CPU time: steadier than wall time on a machine that is busy with other work
        result["ratio_cpu"] = ip["jieba_cpu_seconds"] / max(ip["cpu_seconds"], 1e-9)

    runs = []
    if not args.no_cli:
        jobs = parse_jobs(args.jobs)
        supports = cli_supports_jobs()
        result["cli_supports_jobs"] = supports
        if supports:  # always explicit: the CLI's own default is all cores
            plan = [(j, j) for j in (jobs or [1])]
        else:
            log("the CLI has no --jobs option yet: running it single-process only"
                + (f"; skipped --jobs {', '.join(str(j) for j in jobs if j != 1)}" if jobs and jobs != [1] else ""))
            plan = [(1, None)]
        result["jobs_skipped"] = [j for j in (jobs or []) if j not in [p[0] for p in plan]]
        repeat = max(1, args.repeat)
        with tempfile.TemporaryDirectory(prefix="zhenggai-bench-out.") as tmp:
            for rnd in range(repeat):
                # rounds alternate the order of the job counts, so that a machine that slows down or
                # speeds up during the benchmark does not favour one of them
                for j, flag in (plan if rnd % 2 == 0 else plan[::-1]):
                    out = (keep / f"out-jobs{j}") if keep else Path(tmp) / f"out-jobs{j}"
                    log(f"CLI run, jobs={j}" + (f", round {rnd + 1} of {repeat}" if repeat > 1 else "") + " ...")
                    r = cli_run(docs, out, flag)
                    r.update({"jobs": j, "round": rnd + 1, **rates(len(files), nbytes, r["seconds"], min(j, cpus))})
                    runs.append(r)
        for r in runs:  # against the one-job run of the same round
            base = next((b for b in runs if b["jobs"] == 1 and b["round"] == r["round"]), None)
            r["speedup"] = base["seconds"] / r["seconds"] if base else None
        result["speedups"] = {
            str(j): {"median": statistics.median(ups), "rounds": ups}
            for j in dict.fromkeys(r["jobs"] for r in runs)
            if (ups := [r["speedup"] for r in runs if r["jobs"] == j and r["speedup"] is not None])}
        base = next((r for r in runs if r["jobs"] == 1), None)
        if base and "jieba" in result:
            result["ratio_end_to_end"] = base["docs_per_s"] / result["jieba"]["docs_per_s"]
    result["runs"] = runs
    result["load_average_end"] = load_average()
    return result


def memory_scaling(args) -> dict:
    sizes = [int(s) for s in args.memory_scaling.split(",") if s.strip()]
    if len(sizes) != 2 or min(sizes) < 1:
        raise SystemExit("bench: --memory-scaling wants two sizes, e.g. 1000,10000")
    keep = Path(args.keep).resolve() if args.keep else None
    jobs = parse_jobs(args.jobs)
    j = jobs[0] if jobs else 1
    if not cli_supports_jobs():
        if j != 1:
            log(f"the CLI has no --jobs option yet: measuring single-process instead of --jobs {j}")
        j = None
    points = []
    with tempfile.TemporaryDirectory(prefix="zhenggai-bench-out.") as tmp:
        for n in sizes:
            log(f"corpus: {n} documents ...")
            docs, _ = corpus(n, args.seed, keep)
            files = corpus_files(docs)
            log(f"CLI run on {n} documents ...")
            out = (keep / f"out-mem-n{n}") if keep else Path(tmp) / f"out-n{n}"
            r = cli_run(docs, out, j)
            r.update({"documents": len(files), "mb": sum(f.stat().st_size for f in files) / MB, "jobs": j or 1})
            points.append(r)
    a, b = points
    res = {"memory_scaling": points,
           "peak_rss_ratio": b["peak_rss_mb"] / a["peak_rss_mb"]}
    if a["peak_rss_tree_mb"] and b["peak_rss_tree_mb"]:
        res["peak_rss_tree_ratio"] = b["peak_rss_tree_mb"] / a["peak_rss_tree_mb"]
    return res


# -- printing ------------------------------------------------------------------------
def _mem(v) -> str:
    return "-" if v is None else f"{v:.0f}"


def print_report(r: dict) -> None:
    p = print
    p(f"Zhenggai benchmark: {r['documents']} synthetic documents (seed {r['seed']}), "
      f"{r['mb']:.2f} MB of UTF-8 text, {r['chars'] / 1e6:.2f} M characters after normalisation")
    p(f"  corpus {r['corpus_dir']} ({'reused' if r['corpus_reused'] else 'built'} in {r['corpus_seconds']:.1f} s); "
      f"{r['cpus']} CPUs; Python {r['python']}; load average {r['load_average_start']} at start, "
      f"{r['load_average_end']} at end (this run included)")
    if (r["load_average_start"] or 0) > 0.7:
        p("  note: the machine was already busy with other work; wall-clock figures and speed-ups are pessimistic")
    ip = r["inprocess"]
    p("")
    p(f"Pipeline in process (text already read; rules built once in {ip['setup_seconds']:.2f} s, not counted)")
    p(f"  {ip['seconds']:.2f} s   {ip['docs_per_s']:.1f} documents/s   {ip['mb_per_s']:.3f} MB/s "
      f"(= MB/s per core){'   ' + str(ip['errors']) + ' documents failed' if ip['errors'] else ''}")
    if "jieba" in r:
        jb = r["jieba"]
        p(f"jieba.lcut over the same normalised text (dictionary loaded beforehand, {jb['setup_seconds']:.2f} s, not counted)")
        p(f"  {jb['seconds']:.2f} s   {jb['docs_per_s']:.1f} documents/s   {jb['mb_per_s']:.3f} MB/s")
        p(f"pipeline/jieba throughput ratio: {r['ratio']:.2f}   (target >= 3; from CPU time: {r['ratio_cpu']:.2f})")
    p("")
    p("Time per stage, summed over documents")
    p(f"  {'stage':<18}{'seconds':>10}{'share':>8}{'ms/doc':>9}")
    for s in r["stages"]:
        p(f"  {s['stage']:<18}{s['seconds']:>10.3f}{s['share'] * 100:>7.1f}%{s['ms_per_doc']:>9.3f}")
    p(f"  {'total':<18}{ip['seconds']:>10.3f}{100:>7.1f}%{1000 * ip['seconds'] / max(r['documents'], 1):>9.3f}")
    if r["runs"]:
        p("")
        p("End to end: zhenggai run DIR --out OUT -q [--jobs J] (start-up, reading, all stages, writing tables)")
        if not r.get("cli_supports_jobs"):
            p("  (the CLI has no --jobs option yet: single process only"
              + (f"; skipped --jobs {', '.join(map(str, r['jobs_skipped']))})" if r["jobs_skipped"] else ")"))
        rounds = max(x["round"] for x in r["runs"]) > 1
        p(f"  {'round':>5}" * rounds + f"  {'jobs':>4}{'seconds':>9}{'docs/s':>9}{'MB/s':>8}{'MB/s/core':>10}{'CPU s':>8}"
          f"{'peak RSS MB':>12}{'all procs':>10}{'speed-up':>9}")
        for x in r["runs"]:
            sp = "-" if x["speedup"] is None else f"{x['speedup']:.2f}x"
            p(f"  {x['round']:>5}" * rounds + f"  {x['jobs']:>4}{x['seconds']:>9.2f}{x['docs_per_s']:>9.1f}"
              f"{x['mb_per_s']:>8.3f}{x['mb_per_s_per_core']:>10.3f}{x['cpu_seconds']:>8.1f}"
              f"{_mem(x['peak_rss_mb']):>12}{_mem(x['peak_rss_tree_mb']):>10}{sp:>9}")
        if rounds:
            for j, v in r["speedups"].items():
                if j != "1":
                    p(f"  --jobs {j}: median speed-up {v['median']:.2f}x over {len(v['rounds'])} rounds "
                      f"({', '.join(f'{u:.2f}' for u in v['rounds'])})")
        if "ratio_end_to_end" in r:
            p(f"  end-to-end (jobs=1) / jieba throughput ratio: {r['ratio_end_to_end']:.2f}")


def print_memory(r: dict) -> None:
    print("Peak memory of zhenggai run at two corpus sizes (separate processes)")
    print(f"  {'documents':>10}{'MB':>8}{'jobs':>5}{'seconds':>9}{'peak RSS MB':>12}{'all procs':>10}")
    for x in r["memory_scaling"]:
        print(f"  {x['documents']:>10}{x['mb']:>8.1f}{x['jobs']:>5}{x['seconds']:>9.1f}"
              f"{_mem(x['peak_rss_mb']):>12}{_mem(x['peak_rss_tree_mb']):>10}")
    a, b = r["memory_scaling"]
    print(f"peak RSS at {b['documents']} / at {a['documents']}: {r['peak_rss_ratio']:.3f}   (target <= 1.2)")
    if "peak_rss_tree_ratio" in r:
        print(f"  all processes: {r['peak_rss_tree_ratio']:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark the pipeline on a reproducible synthetic corpus and compare it with jieba.lcut.",
        epilog="Figures are explained in benchmarks/README.md.")
    ap.add_argument("--docs", "-n", type=int, default=1000, metavar="N", help="synthetic documents (default 1000)")
    ap.add_argument("--jobs", "-j", nargs="+", metavar="J",
                    help="worker processes for the CLI runs, e.g. --jobs 1 2 (or 1,2); speed-ups are against 1")
    ap.add_argument("--seed", type=int, default=synth.DEFAULT_SEED, help="corpus random seed")
    ap.add_argument("--keep", metavar="DIR",
                    help="build (or reuse) the corpus and keep the CLI outputs in DIR instead of a temp folder")
    ap.add_argument("--json", action="store_true", help="print one JSON object of all figures instead of tables")
    ap.add_argument("--memory-scaling", metavar="A,B",
                    help="only measure the CLI's peak memory at A and B documents and print the ratio")
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="CLI runs per job count, in R rounds of alternating order; the speed-up printed is the "
                         "median of the rounds' (each against the one-job run of its round)")
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI runs")
    ap.add_argument("--no-jieba", action="store_true", help="skip the jieba comparison")
    args = ap.parse_args(argv)
    if args.docs < 1:
        ap.error("--docs must be >= 1")
    if args.memory_scaling:
        res = memory_scaling(args)
        print(json.dumps(res, ensure_ascii=False, indent=1)) if args.json else print_memory(res)
        return 0
    res = benchmark(args)
    print(json.dumps(res, ensure_ascii=False, indent=1)) if args.json else print_report(res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
