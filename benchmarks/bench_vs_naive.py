"""analyze(by=...) against a naive pandas-groupby + scipy loop, measured side by side.

100,000 respondents × 22 items × 500 segments (synthetic 7-point ratings, 1 % missing).
The naive loop computes only the item × segment tests (11,000 scipy calls per test),
less than ``analyze()`` does (it also computes the dimension and overall rows, means,
CIs, effects and Holm corrections); the results it does compute are asserted equal to
``analyze()``'s to a relative 1e-10.

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


def naive(df: pd.DataFrame, test: str) -> pd.DataFrame:
    """The loop a user would write: groupby segment, one scipy call per item."""
    rows = []
    for seg, grp in df.groupby("seg", sort=True):
        for it in ITEMS:
            d = (grp[f"P{it}"].astype(float) - grp[f"E{it}"].astype(float)).dropna().to_numpy()
            if test == "t":
                r = stats.ttest_1samp(d, 0.0)
                rows.append((seg, it, len(d), d.mean(), r.statistic, r.pvalue))
            else:
                r = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
                # scipy reports min(R+, R-); R's V is R+ = the sum of ranks of positive differences
                nz = d[d != 0]
                ranks = stats.rankdata(np.abs(nz))
                rows.append((seg, it, len(d), d.mean(), ranks[nz > 0].sum(), r.pvalue))
    return pd.DataFrame(rows, columns=["seg", "item", "n", "mean_gap", "statistic", "p"])


def check(res: pd.DataFrame, ref: pd.DataFrame) -> float:
    """Largest relative difference of n, mean, statistic and p; raises above 1e-10."""
    got = res.loc[res["gap"] == 5, ["seg", "item", "n", "mean_gap", "statistic", "p"]]
    m = ref.merge(got, on=["seg", "item"], suffixes=("_naive", "_sg"))
    assert len(m) == len(ref), "analyze() and the naive loop cover different segment × item cells"
    worst = 0.0
    for c in ("n", "mean_gap", "statistic", "p"):
        a, b = m[f"{c}_naive"].to_numpy(float), m[f"{c}_sg"].to_numpy(float)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-300)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    return worst


def main(n: int = 100_000, segments: int = 500) -> dict:
    warnings.simplefilter("ignore")
    df = make_frame(n, segments)
    sv = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")
    sg.analyze(sv, by="seg")   # warm-up (imports, first-call costs)
    out = {}
    for test in ("t", "wilcoxon"):
        # best of several runs for both sides (as timeit does): the least disturbed measurement
        t_sg = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            res = sg.analyze(sv, by="seg", test=test)
            t_sg = min(t_sg, time.perf_counter() - t0)
        t_naive = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            ref = naive(df, test)
            t_naive = min(t_naive, time.perf_counter() - t0)
        err = check(res.items, ref)
        out[test] = dict(servgap_s=t_sg, naive_s=t_naive, ratio=t_naive / t_sg, max_rel_diff=err,
                         scipy_calls=len(ref))
        print(f"{test:9s} servgap {t_sg:7.3f} s   naive {t_naive:8.2f} s ({len(ref):,} scipy calls)   "
              f"ratio {t_naive / t_sg:6.1f}x   max rel. diff {err:.1e}")
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(f"{args[0] if args else 100_000:,} respondents x 22 items x {args[1] if len(args) > 1 else 500} segments")
    main(*args)
