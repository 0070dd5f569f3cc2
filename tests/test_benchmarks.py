"""Smoke runs of the benchmark scripts at a small size (slow: run with ``-m slow``).

They assert that analyze() equals the naive scipy loop to 1e-10; timings are reported
by the scripts themselves (benchmarks/README.md), never asserted here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))


@pytest.mark.slow
def test_bench_vs_naive_small():
    import bench_vs_naive

    out = bench_vs_naive.main(3_000, 20, repeats=1)
    assert all(r["max_rel_diff"] < 1e-10 for r in out.values())
    assert out[("t", "items")]["scipy_calls"] == 20 * 22
    assert out[("wilcoxon", "all rows")]["scipy_calls"] == 20 * (22 + 5 + 1)


@pytest.mark.slow
def test_bench_out_of_core_small():
    import bench_out_of_core

    r = bench_out_of_core.main(60_000)
    assert r["rows"] == 60_000 and r["partitions"] >= 1 and r["analyze_rss_mb"] > 0


@pytest.mark.slow
def test_bench_importance_small():
    import bench_importance

    out = bench_importance.main(3_000, 10, repeats=1, check_segments=2)
    assert out["max_rel_diff_p"] < 1e-12 and out["t"]["importance_s"] > 0
