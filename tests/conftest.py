from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ZHENGGAI_SHARED", ROOT.parent / "shared"))
SEEDS = ROOT / "corpus"


@pytest.fixture(scope="session")
def pipeline():
    from extract.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def seed_docs(pipeline):
    """The five seed documents through the whole pipeline, by their three-digit prefix."""
    docs = {}
    for path in sorted(SEEDS.glob("*.txt")):
        docs[path.name[:3]] = pipeline.process_file(path, path.stem)
    return docs


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory):
    """One CLI run over the seeds, as a user would make it."""
    from extract.cli import main

    out = tmp_path_factory.mktemp("seed-run")
    assert main(["run", str(SEEDS), "--out", str(out), "--quiet"]) == 0
    return out
