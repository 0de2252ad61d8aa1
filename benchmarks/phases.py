"""Where one run's time goes after the documents: a timeline of its phases.

    python benchmarks/phases.py DOCS [--jobs J] [--out DIR] [--json]

Runs ``extract.api.run`` over DOCS (into a temporary folder unless --out) and
prints, in seconds since the start, when each phase began and ended: the
documents, closing the run, the problem register, the per-document checks,
consistency, the wait for the text-reuse process (with --jobs > 1), the
derived CSV files and closing the store. The phases are timed by wrapping the
functions that do them, so the run itself is the CLI's.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract import api, checks, derive, store  # noqa: E402

# (module or class, function, phase name)
PHASES = [
    (api, "finish", "after the documents"),
    (store.Store, "finish_run", "close the run"),
    (derive, "build_store", "cross-document tables"),
    (derive, "write_problem_register", "problem register"),
    (checks.Checker, "documents", "per-document checks"),
    (checks.Checker, "consistency", "consistency"),
    (checks.Checker, "text_reuse", "text reuse (here)"),
    (store.Store, "close", "close the store"),
]


def timeline(docs: str, out: str, jobs: int) -> list[dict]:
    t0 = time.perf_counter()
    events: list[dict] = []

    def wrap(owner, name, label):
        f = getattr(owner, name)

        def timed(*a, **k):
            e = {"phase": label, "start": time.perf_counter() - t0}
            events.append(e)
            try:
                return f(*a, **k)
            finally:
                e["end"] = time.perf_counter() - t0

        setattr(owner, name, timed)
        return owner, name, f

    saved = [wrap(*p) for p in PHASES]
    rows = checks.ReuseElsewhere.rows

    def waited(self):  # the parent's wait for the text-reuse process: until its first row
        e = {"phase": "wait for the text-reuse process", "start": time.perf_counter() - t0}
        events.append(e)
        for r in rows(self):
            e.setdefault("end", time.perf_counter() - t0)
            yield r
        e.setdefault("end", time.perf_counter() - t0)

    checks.ReuseElsewhere.rows = waited
    try:
        res = api.run(docs, out=out, jobs=jobs)
    finally:
        checks.ReuseElsewhere.rows = rows
        for owner, name, f in saved:
            setattr(owner, name, f)
    total = time.perf_counter() - t0
    first = min((e["start"] for e in events), default=total)
    return ([{"phase": f"documents ({res.processed})", "start": 0.0, "end": first}] + events
            + [{"phase": "whole run", "start": 0.0, "end": total}])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("docs", help="folder of documents")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", help="output folder (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print the events as JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zhenggai-phases.") as tmp:
        events = timeline(args.docs, args.out or str(Path(tmp) / "out"), args.jobs)
    if args.json:
        print(json.dumps(events, ensure_ascii=False, indent=1))
        return 0
    print(f"phases of one run, --jobs {args.jobs} (seconds since the start)")
    print(f"  {'start':>8} {'end':>8} {'seconds':>8}  phase")
    for e in sorted(events, key=lambda e: (e["start"], -e["end"])):
        print(f"  {e['start']:8.2f} {e['end']:8.2f} {e['end'] - e['start']:8.2f}  {e['phase']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
