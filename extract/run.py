"""A run over many files: inputs listed, each processed, rows streamed out."""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .doc import Doc
from .output import TableWriter
from .pipeline import Pipeline
from .reading import iter_inputs
from .workers import process_parallel, process_serial

_UNSAFE = re.compile(r"[^\w.\-]+")


def doc_ids(paths: list[Path]) -> list[str]:
    """A file-name-safe id per input: its stem, made unique with a hash of the path when stems repeat."""
    stems = [(_UNSAFE.sub("_", p.stem).strip("._") or "doc")[:80] for p in paths]
    seen: dict[str, int] = {}
    for s in stems:
        seen[s] = seen.get(s, 0) + 1
    out = []
    for p, s in zip(paths, stems):
        if seen[s] > 1:
            s = f"{s}-{hashlib.sha1(str(p).encode()).hexdigest()[:8]}"
        out.append(s)
    return out


@dataclass
class RunSummary:
    ok: int = 0
    error: int = 0
    facts: int = 0
    seconds: float = 0.0
    out_dir: str = ""
    stage_seconds: dict = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return self.ok + self.error

    def line(self) -> str:
        return (f"{self.documents} documents: {self.ok} ok, {self.error} error; {self.facts} facts; "
                f"{self.seconds:.1f} s -> {self.out_dir}")


DEFAULT_BUDGET = 120.0  # seconds per document; a notice takes milliseconds


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_files(paths: Iterable[str], out_dir: str, rules_dirs=(), progress: Callable | None = None,
              on_doc: Callable[[Doc], None] | None = None, jobs: int = 1,
              budget: float | None = DEFAULT_BUDGET) -> RunSummary:
    """Process every file under ``paths`` and write the tables into ``out_dir``.

    With ``jobs`` > 1 documents go to worker processes; the tables are the
    same as with one, row for row, because results come back in input order.
    """
    t0 = time.perf_counter()
    files = iter_inputs(list(paths))
    ids = doc_ids(files)
    pipe = Pipeline(rules_dirs)
    writer = TableWriter(out_dir)
    summary = RunSummary(out_dir=str(out_dir))
    bar = progress(total=len(files)) if progress else None
    tasks = list(zip(files, ids))
    if jobs > 1 and len(tasks) > 1:
        docs = process_parallel(tasks, min(jobs, len(tasks)), pipe.rules_dirs, budget, pipeline=pipe)
    else:
        docs = process_serial(tasks, pipe, budget)
    try:
        for doc in docs:
            writer.add(doc)
            if doc.status == "ok":
                summary.ok += 1
                summary.facts += len(doc.spans)
            else:
                summary.error += 1
            for k, v in doc.timings.items():
                summary.stage_seconds[k] = summary.stage_seconds.get(k, 0.0) + v
            if on_doc:
                on_doc(doc)
            if bar is not None:
                bar.update(1)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary
