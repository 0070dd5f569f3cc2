"""Time the CFA numerics on 22 SERVQUAL items: polychoric correlations (with and without
their asymptotic covariance), the DWLS fit, the ML fit, and a naive per-pair loop.

    python benchmarks/bench_cfa.py [n] [naive_pairs]

The naive loop maximises each pair's likelihood with ``scipy.optimize.minimize_scalar``
and ``scipy.stats.multivariate_normal.cdf`` for every cell corner; it runs on
``naive_pairs`` pairs and is extrapolated to all 231.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import optimize, stats

from servgap.stats import sem
from servgap.stats.polychoric import polychoric

FACTORS = np.repeat(np.arange(5), [4, 5, 4, 4, 5])


def make_items(n: int, seed: int = 0) -> np.ndarray:
    """Five correlated factors, 22 latent responses cut into 7 categories."""
    rng = np.random.default_rng(seed)
    lam = np.zeros((22, 5))
    lam[np.arange(22), FACTORS] = rng.uniform(0.5, 0.85, 22)
    phi = np.full((5, 5), 0.5)
    np.fill_diagonal(phi, 1.0)
    cov = lam @ phi @ lam.T
    np.fill_diagonal(cov, 1.0)
    z = rng.multivariate_normal(np.zeros(22), cov, n)
    return np.digitize(z, [-1.8, -1.1, -0.5, 0.2, 0.9, 1.6]) + 1


def naive_pair(x, y):
    n = len(x)
    bx = np.r_[-8, stats.norm.ppf(np.cumsum(np.bincount(x)[1:]) / n)[:-1], 8]
    by = np.r_[-8, stats.norm.ppf(np.cumsum(np.bincount(y)[1:]) / n)[:-1], 8]
    tab = np.zeros((len(bx) - 1, len(by) - 1))
    np.add.at(tab, (x - 1, y - 1), 1)

    def nll(r):
        F = lambda a, b: stats.multivariate_normal.cdf([a, b], cov=[[1, r], [r, 1]])
        total = 0.0
        for a in range(tab.shape[0]):
            for b in range(tab.shape[1]):
                pi = F(bx[a + 1], by[b + 1]) - F(bx[a], by[b + 1]) - F(bx[a + 1], by[b]) + F(bx[a], by[b])
                total -= tab[a, b] * np.log(max(pi, 1e-300))
        return total

    return optimize.minimize_scalar(nll, bounds=(-0.99, 0.99), method="bounded", options=dict(xatol=1e-8)).x


def main(n: int = 10_000, naive_pairs: int = 3) -> dict:
    X = make_items(n)
    out = {}
    t = time.perf_counter()
    polychoric(X, gamma=False)
    out["polychoric"] = time.perf_counter() - t
    t = time.perf_counter()
    pc = polychoric(X)
    out["polychoric_gamma"] = time.perf_counter() - t
    i, j = np.tril_indices(22, -1)
    t = time.perf_counter()
    fit = sem.fit_dwls(pc.r[i, j], pc.gamma, n, FACTORS)
    out["dwls"] = time.perf_counter() - t
    t = time.perf_counter()
    sem.fit_ml(np.cov(X, rowvar=False, bias=True), n, FACTORS)
    out["ml"] = time.perf_counter() - t
    t = time.perf_counter()
    diffs = [abs(naive_pair(X[:, i[m]], X[:, j[m]]) - pc.r[i[m], j[m]]) for m in range(naive_pairs)]
    out["naive_per_pair"] = (time.perf_counter() - t) / max(naive_pairs, 1)
    out["naive_all_pairs_est"] = out["naive_per_pair"] * len(i)
    out["naive_max_abs_diff"] = max(diffs) if diffs else np.nan
    out["dwls_iterations"], out["polychoric_iterations"] = fit.iterations, pc.iterations
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    r = main(*args)
    print(f"{args[0] if args else 10_000:,} respondents x 22 items (7 categories)")
    print(f"polychoric matrix           {r['polychoric']:7.3f} s  ({r['polychoric_iterations']} Newton steps)")
    print(f"  + asymptotic covariance   {r['polychoric_gamma']:7.3f} s  (231 x 231)")
    print(f"DWLS fit                    {r['dwls']:7.3f} s  ({r['dwls_iterations']} Gauss-Newton steps)")
    print(f"ML fit                      {r['ml']:7.3f} s")
    print(f"naive scipy loop, per pair  {r['naive_per_pair']:7.2f} s  -> all 231 pairs ~ {r['naive_all_pairs_est']:.0f} s;"
          f"  max |diff| {r['naive_max_abs_diff']:.1e}")
