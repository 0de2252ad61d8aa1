"""Running the per-document stage on a Dask cluster.

The same pipeline, mapped over the file list with dask.bag: each partition is
processed on a worker, which also writes that partition's rows as Parquet
(``DIR/parquet/<table>/part-NNNNN.parquet``); the client streams the
partitions back in order into the same merged tables a local run writes.
Without ``--scheduler`` a local cluster is started with one process per job.
Install with ``pip install .[dask]``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

from .output import TABLES, TableWriter, document_row, fact_rows, problem_rows, section_rows
from .reading import iter_inputs
from .run import RunSummary, doc_ids

_PIPELINES: dict = {}


def _pipeline(rules_dirs):
    from .pipeline import Pipeline

    if rules_dirs not in _PIPELINES:
        _PIPELINES[rules_dirs] = Pipeline(rules_dirs)
    return _PIPELINES[rules_dirs]


def _rows(doc):
    ok = doc.status == "ok"
    return {"documents": [document_row(doc)],
            "sections": list(section_rows(doc)) if ok else [],
            "problems": list(problem_rows(doc)) if ok else [],
            "facts": list(fact_rows(doc)) if ok else []}


def process_partition(tasks, number: int, rules_dirs: tuple, parquet_dir: str | None):
    """Process one partition's (path, doc_id) pairs; write its Parquet files; return its Docs."""
    pipe = _pipeline(rules_dirs)
    docs = [pipe.process_file(Path(p), i) for p, i in tasks]
    if parquet_dir:
        import pandas as pd

        from .output import _cell

        for table, cols in TABLES.items():
            rows = [{c: _cell(r.get(c)) for c in cols} for d in docs for r in _rows(d)[table]]
            folder = Path(parquet_dir) / table
            folder.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows, columns=cols).to_parquet(folder / f"part-{number:05d}.parquet", index=False)
    return docs


def run_dask(paths: Iterable[str], out_dir: str, rules_dirs=(), scheduler: str | None = None, jobs: int = 2,
             partition_size: int = 50, progress: Callable | None = None) -> RunSummary:
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit("zhenggai: the dask engine needs Dask: pip install 'zhenggai[dask]'") from None
    t0 = time.perf_counter()
    files = iter_inputs(list(paths))
    tasks = [(str(p), i) for p, i in zip(files, doc_ids(files))]
    rules_dirs = tuple(str(d) for d in rules_dirs)
    _pipeline(rules_dirs)  # validate the rule files here, before any worker starts
    out = Path(out_dir)
    parquet = out / "parquet"
    if parquet.exists():
        import shutil

        shutil.rmtree(parquet)
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    writer = TableWriter(out)
    summary = RunSummary(out_dir=str(out_dir))
    bar = progress(total=len(tasks)) if progress else None
    try:
        parts = [tasks[i:i + partition_size] for i in range(0, len(tasks), partition_size)]
        delayed = [dask.delayed(process_partition)(part, n, rules_dirs, str(parquet)) for n, part in enumerate(parts)]
        futures = client.compute(delayed)
        for fut in futures:  # in partition order: the merged tables match a local run row for row
            for doc in fut.result():
                writer.add(doc)
                if doc.status == "ok":
                    summary.ok += 1
                    summary.facts += len(doc.spans)
                else:
                    summary.error += 1
                for k, v in doc.timings.items():
                    summary.stage_seconds[k] = summary.stage_seconds.get(k, 0.0) + v
                if bar is not None:
                    bar.update(1)
            fut.release()
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.perf_counter() - t0
    return summary
