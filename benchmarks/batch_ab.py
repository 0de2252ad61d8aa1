#!/usr/bin/env python
"""Benchmark: the pipeline one document at a time against in batches (stage by stage), in one process.

    python benchmarks/batch_ab.py                  3,000 synthetic documents, batches of extract.pipeline.BATCH
    python benchmarks/batch_ab.py --docs 1000 --batch 32

The same documents go through one Pipeline both ways, alternating per chunk of bench.CHUNK
(the order swapped every other chunk), with jieba.lcut over the chunk in between as
bench.py does, so that both orders see the same machine and the same cache pressure.
Prints CPU ms per document each way, the gain, the pipeline/jieba ratio each way, and
the time per stage each way.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main(argv=None) -> int:
    import bench
    import jieba
    import synth

    from extract.pipeline import BATCH, Pipeline
    from extract.reading import read_source

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=3000, help="synthetic documents (default 3000)")
    ap.add_argument("--batch", type=int, default=BATCH, help=f"batch size (default {BATCH})")
    ap.add_argument("--seed", type=int, default=synth.DEFAULT_SEED, help="corpus random seed")
    ap.add_argument("--keep", metavar="DIR", help="build (or reuse) the corpus in DIR, as bench.py --keep")
    args = ap.parse_args(argv)
    docs, _ = bench.corpus(args.docs, args.seed, Path(args.keep) if args.keep else None)
    raws = [read_source(f).text for f in bench.corpus_files(docs)]
    pipe = Pipeline()
    for raw in raws[:5]:  # warm up
        pipe.process_text(raw)
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    clock = time.thread_time
    spent = {"one at a time": 0.0, "batches": 0.0}
    stages: dict[str, dict[str, float]] = {k: {} for k in spent}
    jieba_s = 0.0

    def one_at_a_time(chunk):
        return [pipe.process_text(raw) for raw in chunk]

    def batches(chunk):
        out = []
        for b in range(0, len(chunk), args.batch):
            got = [pipe.new_doc(raw) for raw in chunk[b:b + args.batch]]
            pipe.process_batch(got)
            out += got
        return out

    ways = [("one at a time", one_at_a_time), ("batches", batches)]
    for k, c in enumerate(range(0, len(raws), bench.CHUNK)):
        chunk = raws[c:c + bench.CHUNK]
        for name, way in (ways if k % 2 == 0 else ways[::-1]):
            t = clock()
            done = way(chunk)
            spent[name] += clock() - t
            for d in done:
                for s, v in d.timings.items():
                    stages[name][s] = stages[name].get(s, 0.0) + v
        t = clock()
        for d in done:
            jieba.lcut(d.text)
        jieba_s += clock() - t
    n = len(raws)
    a, b = spent["one at a time"], spent["batches"]
    print(f"{n} documents, batches of {args.batch}; CPU ms per document")
    print(f"  one at a time {a / n * 1e3:.3f}   batches {b / n * 1e3:.3f}   gain {1 - b / a:.1%}")
    print(f"  pipeline/jieba ratio: {jieba_s / a:.2f} one at a time, {jieba_s / b:.2f} in batches")
    print("  stage         one at a time   batches")
    for s in sorted(stages["one at a time"], key=lambda s: -stages["one at a time"][s]):
        print(f"  {s:12s} {stages['one at a time'][s] / n * 1e3:10.3f} {stages['batches'].get(s, 0) / n * 1e3:9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
