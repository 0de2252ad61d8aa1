"""Running the per-document stage on a Dask cluster.

The same pipeline, mapped over the file list in partitions: each partition
is processed on a worker, which also writes that partition's rows as Parquet
(``DIR/parquet/<table>/part-NNNNN.parquet``); the client streams the
partitions back in order into the same store and merged tables a local run
writes (:func:`extract.api.run` with ``engine="dask"``).
Without ``--scheduler`` a local cluster is started with one process per job.
Install with ``pip install .[dask]``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

from .output import TABLES, document_row, fact_rows, problem_rows, section_rows

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
    docs = pipe.process_files([(Path(p), i) for p, i in tasks])
    if parquet_dir:
        import pandas as pd

        from .output import _cell

        for table, cols in TABLES.items():
            rows = [{c: _cell(r.get(c)) for c in cols} for d in docs for r in _rows(d)[table]]
            folder = Path(parquet_dir) / table
            folder.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows, columns=cols).to_parquet(folder / f"part-{number:05d}.parquet", index=False)
    return docs


def process_dask(tasks: list, rules_dirs=(), scheduler: str | None = None, jobs: int = 2,
                 partition_size: int = 50, parquet_dir: str | Path | None = None) -> Iterator:
    """Yield one Doc per (path, doc_id), in input order, computed on a Dask cluster."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit("zhenggai: the dask engine needs Dask: pip install 'zhenggai[dask]'") from None
    rules_dirs = tuple(str(d) for d in rules_dirs)
    if parquet_dir is not None:
        parquet_dir = Path(parquet_dir)
        if parquet_dir.exists():
            shutil.rmtree(parquet_dir)
    if not tasks:
        return
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        tasks = [(str(p), i) for p, i in tasks]
        parts = [tasks[i:i + partition_size] for i in range(0, len(tasks), partition_size)]
        delayed = [dask.delayed(process_partition)(part, n, rules_dirs, str(parquet_dir) if parquet_dir else None)
                   for n, part in enumerate(parts)]
        for fut in client.compute(delayed):  # in partition order: the tables match a local run row for row
            yield from fut.result()
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
