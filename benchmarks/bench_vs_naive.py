"""analyze(by=...) against a naive pandas-groupby + scipy loop, measured side by side.

100,000 respondents × 22 items × 500 segments (synthetic 7-point ratings, 1 % missing).
Two naive loops, both a user would write, one scipy call per row of the result:

- ``items``: the item × segment tests only (11,000 scipy calls per test), less than
  ``analyze()`` computes;
- ``all rows``: every row ``analyze()`` reports for gap 5 — items, dimensions (mean of
  the available item gaps, at least half of the items) and the overall score (mean of
  the available dimensions, at least half of them): 14,000 scipy calls per test.

The rows each loop computes are asserted equal to ``analyze()``'s (n, mean, statistic,
p) to a relative 1e-10. The loop rounds the overall scores to 14 decimals so that equal
scores tie in the Wilcoxon test, as the exact scores of ``analyze()`` do (a mean of
float fractions can order equal scores by rounding error). ``analyze()`` also computes CIs, effects and Holm corrections.

Run: ``python benchmarks/bench_vs_naive.py [n_respondents] [n_segments]``
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from _data import ITEMS, make_frame  # noqa: E402

import servgap as sg  # noqa: E402

DIMENSIONS = {d.id: [i.id for i in d.items] for d in sg.SERVQUAL22.dimensions}
COLUMNS = ["seg", "level", "unit", "n", "mean_gap", "statistic", "p"]


def _test(d: np.ndarray, test: str):
    if test == "t":
        r = stats.ttest_1samp(d, 0.0)
        return r.statistic, r.pvalue
    r = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
    # scipy reports min(R+, R-); R's V is R+ = the sum of ranks of positive differences
    nz = d[d != 0]
    ranks = stats.rankdata(np.abs(nz))
    return ranks[nz > 0].sum(), r.pvalue


def naive(df: pd.DataFrame, test: str, all_rows: bool = False) -> pd.DataFrame:
    """The loop a user would write: groupby segment, one scipy call per item (and dimension, overall)."""
    rows = []
    for seg, grp in df.groupby("seg", sort=True):
        gaps = pd.DataFrame({it: grp[f"P{it}"].astype(float) - grp[f"E{it}"].astype(float) for it in ITEMS})
        for it in ITEMS:
            d = gaps[it].dropna().to_numpy()
            rows.append((seg, "item", it, len(d), d.mean(), *_test(d, test)))
        if not all_rows:
            continue
        dims = pd.DataFrame({dim: gaps[cols].mean(axis=1).where(gaps[cols].notna().sum(axis=1) >= len(cols) / 2)
                             for dim, cols in DIMENSIONS.items()})
        for dim in DIMENSIONS:
            d = dims[dim].dropna().to_numpy()
            rows.append((seg, "dimension", dim, len(d), d.mean(), *_test(d, test)))
        # equal overall scores must tie in the rank test: round away the float noise of the mean
        # of fractions (servgap keys them as exact rationals)
        d = dims.mean(axis=1).where(dims.notna().sum(axis=1) >= len(DIMENSIONS) / 2).dropna().round(14).to_numpy()
        rows.append((seg, "overall", "unweighted", len(d), d.mean(), *_test(d, test)))
    return pd.DataFrame(rows, columns=COLUMNS)


def tidy(res) -> pd.DataFrame:
    """analyze()'s gap-5 rows in the naive loop's layout."""
    parts = [(res.items, "item", "item"), (res.dimensions, "dimension", "dimension"), (res.overall, "overall", "measure")]
    return pd.concat([t.loc[t["gap"] == 5].assign(level=level, unit=t[col])[COLUMNS] for t, level, col in parts])


def check(res, ref: pd.DataFrame) -> float:
    """Largest relative difference of n, mean, statistic and p; raises above 1e-10."""
    m = ref.merge(tidy(res), on=["seg", "level", "unit"], suffixes=("_naive", "_sg"))
    assert len(m) == len(ref), "analyze() and the naive loop cover different rows"
    worst = 0.0
    for c in ("n", "mean_gap", "statistic", "p"):
        a, b = m[f"{c}_naive"].to_numpy(float), m[f"{c}_sg"].to_numpy(float)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-300)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    return worst


def best_of(fn, repeats: int, clock=time.perf_counter):
    """Fastest of ``repeats`` runs (as timeit does: the least disturbed measurement) and the last result.

    ``clock=time.process_time`` measures this process's CPU time instead of wall time.
    """
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = clock()
        out = fn()
        best = min(best, clock() - t0)
    return best, out


def main(n: int = 100_000, segments: int = 500, repeats: int = 7) -> dict:
    warnings.simplefilter("ignore")
    df = make_frame(n, segments)
    sv = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")
    sg.analyze(sv, by="seg")   # warm-up (imports, first-call costs)
    out = {}
    for test in ("t", "wilcoxon"):
        t_sg, res = best_of(lambda: sg.analyze(sv, by="seg", test=test), repeats)
        for scope, all_rows in (("items", False), ("all rows", True)):
            t_naive, ref = best_of(lambda: naive(df, test, all_rows), 2)
            err = check(res, ref)
            out[(test, scope)] = dict(servgap_s=t_sg, naive_s=t_naive, ratio=t_naive / t_sg, max_rel_diff=err,
                                      scipy_calls=len(ref))
            print(f"{test:9s} {scope:8s}  servgap {t_sg:7.3f} s   naive {t_naive:8.2f} s ({len(ref):,} scipy calls)"
                  f"   ratio {t_naive / t_sg:6.1f}x   max rel. diff {err:.1e}")
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(f"{args[0] if args else 100_000:,} respondents x 22 items x {args[1] if len(args) > 1 else 500} segments")
    main(*args)
