"""The Dask engine on a local cluster writes the same tables as the local engine."""
import pandas as pd
import pytest

from conftest import SEEDS
from extract.run import run_files

pytest.importorskip("dask.distributed", reason="the dask extra is not installed")

TABLES = ("documents", "sections", "problems", "facts")


@pytest.mark.slow
def test_dask_engine_matches_the_local_engine_row_for_row(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    inputs = [str(SEEDS), str(tmp_path / "empty.txt")]
    local = run_files(inputs, tmp_path / "local", jobs=1)
    dask = run_files(inputs, tmp_path / "dask", jobs=2, engine="dask", partition_size=2)
    assert (dask.ok, dask.error, dask.facts) == (local.ok, local.error, local.facts) == (5, 1, local.facts)
    for t in TABLES:
        a = (tmp_path / "local" / f"{t}.csv").read_bytes()
        b = (tmp_path / "dask" / f"{t}.csv").read_bytes()
        assert a == b, t
        merged = pd.read_csv(tmp_path / "local" / f"{t}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        parts = sorted((tmp_path / "dask" / "parquet" / t).glob("part-*.parquet"))
        assert len(parts) == 3
        from_parquet = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True).fillna("").astype(str)
        pd.testing.assert_frame_equal(from_parquet, merged, check_dtype=False)
