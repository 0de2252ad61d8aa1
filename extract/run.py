"""A run over many files: document ids, worker count, and the summary of a run."""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable


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
              jobs: int = 1, budget: float | None = DEFAULT_BUDGET, engine: str = "local", **kw) -> RunSummary:
    """Process every file under ``paths`` into ``out_dir`` (tables, texts, store); a summary of the run.

    A thin wrapper of :func:`extract.api.run`, which returns the tables too.
    """
    from .api import run

    res = run(paths, out=out_dir, rules=rules_dirs, progress=progress, jobs=jobs, budget=budget, engine=engine, **kw)
    return RunSummary(ok=res.ok, error=res.errors, facts=len(res.facts), seconds=res.seconds, out_dir=str(out_dir),
                      stage_seconds=res.stage_seconds)
