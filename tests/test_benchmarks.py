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


@pytest.mark.slow
def test_bench_kernel_small():
    """analyze() equals the lean per-item scipy loop (n, mean, t, p) and the two floors count the same cells."""
    import bench_kernel

    out = bench_kernel.main(2_000, 15, importance=True, repeats=1, quiet=True, lean_repeats=1)["idle"]
    for test in ("t", "wilcoxon"):
        assert out[test]["max_rel_diff"] < 1e-10
        assert out[test]["scipy_calls"] == 15 * 22


@pytest.mark.slow
def test_bench_kernel_check_catches_a_difference():
    import bench_kernel
    from _data import make_frame

    import servgap as sg

    df = make_frame(1_500, 6)
    res = sg.analyze(sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg"),
                     by="seg")
    ref = bench_kernel.lean(df, "t")
    assert bench_kernel.check(res, ref, "t") < 1e-10
    ref.loc[3, "p"] *= 1 + 1e-8
    with pytest.raises(AssertionError, match="p"):
        bench_kernel.check(res, ref, "t")
