"""analyze(by=...) with and without a declared importance allocation, on the one-byte path.

100,000 respondents × 22 items × 500 segments (the data of ``bench_vs_naive.py``) plus a
100-point allocation over the five dimensions (integers, multiples of 5). With the
allocation, ``analyze()`` adds the importance-weighted overall row; every overall row
(unweighted and weighted) must keep exact ties, and the run must cost about the same as
without it. The overall rows are checked against a naive loop: each respondent's score
as an exact `fractions.Fraction`, rounded once to a double, then ``scipy.stats.wilcoxon``
(on the first ``check_segments`` segments).

Times are CPU seconds (``time.process_time``: on a shared machine other processes stretch
the wall clock, not this process's own work) of the best of 7 runs. Run:
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_importance.py [n_respondents] [n_segments]``
"""

from __future__ import annotations

import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from _data import ITEMS, make_frame  # noqa: E402
from bench_vs_naive import best_of  # noqa: E402

import servgap as sg  # noqa: E402

DIMS = [(d.id, [i.id for i in d.items]) for d in sg.SERVQUAL22.dimensions]


def with_allocation(df, seed: int = 2):
    """Add ``W_<dimension>`` columns: 100 points in steps of 5, many respondents with equal shares."""
    rng = np.random.default_rng(seed)
    n = len(df)
    cuts = np.sort(rng.integers(0, 21, (n, 4)), axis=1) * 5
    parts = np.diff(np.column_stack([np.zeros(n, int), cuts, np.full(n, 100)]), axis=1)
    parts[rng.random(n) < 0.3] = 20               # equal shares: the tie case of issue 17
    out = df.copy()
    for k, (d, _) in enumerate(DIMS):
        out[f"W_{d}"] = parts[:, k]
    return out


def exact_scores(df):
    """Unweighted and importance-weighted overall gap of every respondent as Fractions (the definition)."""
    P = {it: df[f"P{it}"].to_numpy(float) for it in ITEMS}
    E = {it: df[f"E{it}"].to_numpy(float) for it in ITEMS}
    W = np.column_stack([df[f"W_{d}"].to_numpy() for d, _ in DIMS])
    unw, wtd = [], []
    for r in range(len(df)):
        dims = {}
        for k, (d, items) in enumerate(DIMS):
            g = [int(P[i][r] - E[i][r]) for i in items if not (np.isnan(P[i][r]) or np.isnan(E[i][r]))]
            if len(g) >= len(items) / 2:
                dims[k] = Fraction(sum(g), len(g))
        if len(dims) < len(DIMS) / 2:
            unw.append(np.nan), wtd.append(np.nan)
            continue
        unw.append(float(sum(dims.values()) / len(dims)))
        tot = sum(int(W[r, k]) for k in dims)
        wtd.append(float(sum(int(W[r, k]) * v for k, v in dims.items()) / tot) if tot else np.nan)
    return np.array(unw), np.array(wtd)


def check(res, df, segments: int) -> float:
    """Largest relative difference of the overall rows' V and p from scipy on exact scores."""
    unw, wtd = exact_scores(df)
    worst = 0.0
    for seg in sorted(df["seg"].unique())[:segments]:
        sel = (df["seg"] == seg).to_numpy()
        for measure, x in (("unweighted", unw[sel]), ("importance_weighted", wtd[sel])):
            x = x[~np.isnan(x)]
            nz = x[x != 0]
            v = stats.rankdata(np.abs(nz))[nz > 0].sum()
            p = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx").pvalue
            row = res.overall.query("gap == 5 and seg == @seg and measure == @measure").iloc[0]
            assert row["statistic"] == v, (seg, measure, row["statistic"], v)
            worst = max(worst, abs(row["p"] - p) / p)
    return worst


def main(n: int = 100_000, segments: int = 500, repeats: int = 7, check_segments: int = 3) -> dict:
    warnings.simplefilter("ignore")
    df = with_allocation(make_frame(n, segments))
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    plain = sg.read_survey(df, columns=cols, segments="seg")
    imp = sg.read_survey(df, columns=cols, segments="seg", importance="W_{dimension}")
    sg.analyze(imp, by="seg")   # warm-up
    out = {}
    for test in ("t", "wilcoxon"):
        t0, _ = best_of(lambda: sg.analyze(plain, by="seg", test=test), repeats, time.process_time)
        t1, res = best_of(lambda: sg.analyze(imp, by="seg", test=test), repeats, time.process_time)
        out[test] = dict(plain_s=t0, importance_s=t1, ratio=t1 / t0)
        print(f"{test:9s} without importance {t0:7.3f} s   with importance {t1:7.3f} s   ratio {t1 / t0:5.2f}")
    sub = df[df["seg"].isin(sorted(df["seg"].unique())[:check_segments])]
    out["max_rel_diff_p"] = check(res, sub, check_segments)
    print(f"overall rows of {check_segments} segments equal scipy on exact scores: V exactly, "
          f"p to {out['max_rel_diff_p']:.1e}")
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(f"{args[0] if args else 100_000:,} respondents x 22 items x {args[1] if len(args) > 1 else 500} segments, "
          "with a 100-point importance allocation")
    main(*args)
