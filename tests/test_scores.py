"""The contract's scorer on the seeds and the scraped notices, against the floors the issues set."""
import json
import subprocess
import sys

import pytest

from conftest import SHARED
from extract.cli import main

SCORER = SHARED / "eval" / "score.py"
pytestmark = pytest.mark.skipif(not SCORER.exists(), reason="../shared/eval/score.py not present")

SEED_FLOORS = {
    "meta.doc_type": 1.0, "meta.title": 1.0, "meta.doc_number": 1.0, "meta.date": 1.0,
    "sections.sequence": 1.0, "problems.count": 1.0, "problems.category": 0.9, "problems.status": 0.8,
    "dates": 0.95, "doc_numbers": 1.0, "phones": 1.0, "emails": 1.0,
    # issue 3
    "indicators": 0.9, "indicators.period": 0.85, "changes": 0.9, "quantities": 0.8, "cited_docs": 0.9,
    "orgs": 0.8, "persons": 0.9,
}
DEV_FLOORS = {"doc_numbers": 0.95, "phones": 0.95, "dates": 0.9, "meta.doc_type": 0.8, "meta.date": 0.8,
              "indicators": 0.85, "quantities": 0.75}


def scores(inputs, gold, out):
    assert main(["run", str(inputs), "--out", str(out), "-q"]) == 0
    res = subprocess.run([sys.executable, str(SCORER), "--gold", str(gold), "--out", str(out), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def test_seed_scores_meet_the_floors(tmp_path):
    got = scores(SHARED / "seeds", SHARED / "gold", tmp_path)
    low = {k: (got.get(k), floor) for k, floor in SEED_FLOORS.items() if got.get(k, 0) < floor}
    assert not low, low


def test_dev_scores_meet_the_floors(tmp_path):
    got = scores(SHARED / "dev" / "docs", SHARED / "dev" / "gold", tmp_path)
    low = {k: (got.get(k), floor) for k, floor in DEV_FLOORS.items() if got.get(k, 0) < floor}
    assert not low, low
