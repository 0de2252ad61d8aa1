"""A run over many files: inputs listed, each processed, rows streamed out."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .doc import Doc
from .output import TableWriter
from .pipeline import Pipeline
from .reading import iter_inputs

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


def run_files(paths: Iterable[str], out_dir: str, rules_dirs=(), progress: Callable | None = None,
              on_doc: Callable[[Doc], None] | None = None) -> RunSummary:
    t0 = time.perf_counter()
    files = iter_inputs(list(paths))
    ids = doc_ids(files)
    pipe = Pipeline(rules_dirs)
    writer = TableWriter(out_dir)
    summary = RunSummary(out_dir=str(out_dir))
    bar = progress(total=len(files)) if progress else None
    try:
        for path, doc_id in zip(files, ids):
            doc = pipe.process_file(path, doc_id)
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
