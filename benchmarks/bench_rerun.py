#!/usr/bin/env python
"""Benchmark: a first run on a corpus, then a second run on the same, unchanged corpus.

The second run should process no document: each file's content hash and the
rules hash match what the store (outputs/zhenggai.sqlite) holds, so the
documents are read back from the store, and the derived tables too.

    python benchmarks/bench_rerun.py                    the seeds and 200 synthetic documents
    python benchmarks/bench_rerun.py --docs 1000        a larger synthetic corpus (benchmarks/synth.py)
    python benchmarks/bench_rerun.py --formats all      with Parquet, XLSX and JSON Lines exports
    python benchmarks/bench_rerun.py --json             one JSON object of every figure

Prints, for each run: documents processed and skipped, whether the derived
tables were rebuilt, and seconds, with the derive step timed on its own.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def corpus(docs: int, work: Path) -> Path:
    """The seeds plus ``docs`` synthetic documents, in one folder."""
    src = work / "corpus"
    src.mkdir(parents=True, exist_ok=True)
    for p in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(p, src / p.name)
    if docs:
        import synth

        synth.make_corpus(docs, work / "synth", seed=1)
        for p in sorted((work / "synth" / "docs").glob("*.txt")):
            shutil.copy(p, src / p.name)
    return src


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200, help="synthetic documents besides the seeds (default 200)")
    ap.add_argument("--formats", default="csv", help="export formats (csv, parquet, xlsx, jsonl, all)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    from extract import derive as derive_mod
    from extract.api import run

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zhenggai-rerun-"))
    try:
        src = corpus(args.docs, work)
        n = len(list(src.glob("*.txt")))
        out = work / "out"
        if out.exists():
            shutil.rmtree(out)
        timings = {}
        real_build = derive_mod.build

        def timed_build(*a, **k):
            t = time.perf_counter()
            try:
                return real_build(*a, **k)
            finally:
                timings["derive"] = timings.get("derive", 0.0) + time.perf_counter() - t

        derive_mod.build = timed_build
        figures = {"documents": n, "formats": args.formats}
        try:
            for label in ("first", "second"):
                timings.clear()
                res = run([src], out=out, formats=args.formats)
                figures[label] = {"seconds": round(res.seconds, 3), "processed": res.processed,
                                  "skipped": res.skipped, "derived_rebuilt": res.derived_rebuilt,
                                  "derive_seconds": round(timings.get("derive", 0.0), 3),
                                  "facts": len(res.facts), "checks": len(res.checks)}
        finally:
            derive_mod.build = real_build
        figures["speedup"] = round(figures["first"]["seconds"] / max(figures["second"]["seconds"], 1e-9), 1)
        counts = res.checks.groupby(["kind", "verdict"]).size()
        figures["checks_by_kind"] = {f"{k}/{v}": int(c) for (k, v), c in counts.items()}
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            print(f"corpus: {n} documents ({args.docs} synthetic + the seeds); exports: {args.formats}")
            for label in ("first", "second"):
                f = figures[label]
                print(f"{label:>6} run: {f['seconds']:8.2f} s   processed {f['processed']:>5}, unchanged "
                      f"{f['skipped']:>5}; derived tables {'rebuilt' if f['derived_rebuilt'] else 'kept'}"
                      f" ({f['derive_seconds']:.2f} s)")
            print(f"second run is {figures['speedup']}x faster; checks: "
                  + ", ".join(f"{k} {v}" for k, v in figures["checks_by_kind"].items()))
        ok = figures["second"]["processed"] == 0 and not figures["second"]["derived_rebuilt"]
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
