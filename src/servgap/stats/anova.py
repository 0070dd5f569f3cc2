"""k-group comparisons of one variable: omnibus tests and post-hoc pairs (pure numpy/scipy).

Every function takes the values ``x`` (1-D, finite) and integer group codes ``g`` in
``0 .. k−1``. Two-sided p-values. Formulas:

- one-way ANOVA: ``F = (SSB/(k−1)) / (SSW/(N−k))``; ``η² = SSB/SST``;
- Welch (1951) ANOVA: ``w_i = n_i/s_i²``, ``m_w = Σ w_i m_i / W``,
  ``A = Σ w_i (m_i − m_w)² / (k−1)``, ``Λ = Σ (1 − w_i/W)² / (n_i − 1)``,
  ``F = A / (1 + 2(k−2)Λ/(k²−1))`` on ``(k−1, (k²−1)/(3Λ))`` df; effect
  ``ω² = (k−1)(F−1) / ((k−1)(F−1) + N)`` (Carroll & Nordholm 1975);
- Kruskal–Wallis: ``H = [12/(N(N+1)) Σ R_i²/n_i − 3(N+1)] / (1 − Σ(t³−t)/(N³−N))`` on
  ``k−1`` df; ``ε² = H/(N−1)`` (Tomczak & Tomczak 2014);
- Tukey HSD (Tukey–Kramer): ``se = √(MSW/2 · (1/n_i + 1/n_j))``, ``q = |m_i − m_j|/se``,
  ``p = P(Q_{k,N−k} > q)``, CI ``m_i − m_j ± q_{1−α;k,N−k} se``;
- Games–Howell (1976): ``se = √(s_i²/n_i + s_j²/n_j)``, Welch df, ``q = √2 |m_i − m_j|/se``,
  ``p = P(Q_{k,df} > q)``, CI ``m_i − m_j ± q_{1−α;k,df}/√2 · se``;
- Dunn (1964): ``z = (R̄_i − R̄_j) / √((N(N+1)/12 − Σ(t³−t)/(12(N−1)))(1/n_i + 1/n_j))``.

Pairs are ``(i, j)`` with ``i < j``; differences are ``group i − group j``.

Groups without variance (every value equal) have an infinite Welch weight ``n/s²``: Welch's
ANOVA is then undefined and NaN (R ``oneway.test`` returns NaN too), and so is a
Games–Howell pair of two such groups (``se = 0``); a pair with one constant group is
defined (its Welch df is ``n − 1`` of the other group). `zero_variance` lists the groups.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special
from scipy import stats as _st


def group_moments(x, g, k):
    """Count, mean and variance (ddof 1) per group."""
    n = np.bincount(g, minlength=k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.bincount(g, weights=x, minlength=k) / n
        v = np.bincount(g, weights=(x - m[g]) ** 2, minlength=k) / (n - 1)
    return n, m, v


def zero_variance(x, g, k) -> np.ndarray:
    """Groups of at least two values that are all equal (sample variance exactly 0)."""
    lo = np.full(k, np.inf)
    hi = np.full(k, -np.inf)
    np.minimum.at(lo, g, x)
    np.maximum.at(hi, g, x)
    return (np.bincount(g, minlength=k) >= 2) & (lo == hi)


def oneway(x, g, k) -> dict:
    """Classical one-way ANOVA with η²."""
    n, m, _ = group_moments(x, g, k)
    N = n.sum()
    grand = x.mean()
    ssb = float((n * (m - grand) ** 2).sum())
    ssw = float(((x - m[g]) ** 2).sum())
    df1, df2 = k - 1, N - k
    with np.errstate(invalid="ignore", divide="ignore"):
        F = (ssb / df1) / (ssw / df2)
        eta2 = ssb / (ssb + ssw)
    return dict(statistic=F, df1=df1, df2=df2, p=float(special.fdtrc(df1, df2, F)) if np.isfinite(F) else np.nan,
                effect=eta2, effect_name="eta2", msw=ssw / df2 if df2 > 0 else np.nan)


def welch_anova(x, g, k) -> dict:
    """Welch's heteroscedastic one-way ANOVA with ω² (Carroll & Nordholm); NaN when a group has no variance."""
    n, m, v = group_moments(x, g, k)
    if zero_variance(x, g, k).any():
        return dict(statistic=np.nan, df1=k - 1, df2=np.nan, p=np.nan, effect=np.nan, effect_name="omega2")
    with np.errstate(invalid="ignore", divide="ignore"):
        w = n / v
        W = w.sum()
        mw = (w * m).sum() / W
        A = (w * (m - mw) ** 2).sum() / (k - 1)
        lam = ((1 - w / W) ** 2 / (n - 1)).sum()
        F = A / (1 + 2 * (k - 2) * lam / (k ** 2 - 1))
        df2 = (k ** 2 - 1) / (3 * lam)
        om = (k - 1) * (F - 1) / ((k - 1) * (F - 1) + n.sum())
    p = float(special.fdtrc(k - 1, df2, F)) if np.isfinite(F) and np.isfinite(df2) else np.nan
    return dict(statistic=F, df1=k - 1, df2=df2, p=p, effect=om, effect_name="omega2")


def _ranks(x):
    r = _st.rankdata(x)
    _, t = np.unique(x, return_counts=True)
    return r, float((t ** 3 - t).sum())


def kruskal(x, g, k) -> dict:
    """Kruskal–Wallis H with tie correction and ε²."""
    N = len(x)
    r, ties = _ranks(x)
    n = np.bincount(g, minlength=k)
    R = np.bincount(g, weights=r, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        H = (12 / (N * (N + 1)) * (R ** 2 / n).sum() - 3 * (N + 1)) / (1 - ties / (N ** 3 - N))
    return dict(statistic=H, df1=k - 1, df2=np.nan, p=float(special.chdtrc(k - 1, H)) if np.isfinite(H) else np.nan,
                effect=H / (N - 1), effect_name="epsilon2")


def _pairs(k):
    i, j = np.triu_indices(k, 1)
    return i, j


# --- studentized range distribution (fast quadrature; scipy's is exact but ~0.4 s per quantile) ---
_Z = np.linspace(-9, 9, 361)
_PHI = np.exp(-_Z * _Z / 2) / np.sqrt(2 * np.pi)
_A = special.ndtr(-_Z)


def _range_sf(w, k):
    """``P(range of k iid N(0,1) > w)`` = ``k ∫ φ(z) [Φ̄(z)^{k−1} − (Φ̄(z) − Φ̄(z+w))^{k−1}] dz``."""
    w = np.asarray(w, float)[..., None]
    c = special.ndtr(-(_Z + w))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.minimum(np.where(_A > 0, c / _A, 0.0), 1.0)
        f = k * _PHI * _A ** (k - 1) * -np.expm1((k - 1) * np.log1p(-ratio))
    return np.clip((f.sum(-1) - 0.5 * (f[..., 0] + f[..., -1])) * (_Z[1] - _Z[0]), 0, 1)


@lru_cache(maxsize=64)
def _range_table(k):
    w = np.linspace(0, 40, 8001)
    return w, np.log(np.maximum(_range_sf(w, k), 1e-300))


@lru_cache(maxsize=4096)
def _scale_grid(df):
    """Nodes and weights of ``s = χ_df/√df`` (trapezoid in log s)."""
    if not np.isfinite(df) or df > 1e5:
        return np.ones(1), np.ones(1)
    sig = 1 / np.sqrt(2 * df)
    x = np.linspace(-min(30 * sig, 30 / df + 6 * sig), 10 * sig, 400)
    logh = (0.5 * df * np.log(df) + df * x - 0.5 * df * np.exp(2 * x) - special.gammaln(df / 2)
            - (df / 2 - 1) * np.log(2))
    wts = np.full(x.size, x[1] - x[0])
    wts[[0, -1]] /= 2
    return np.exp(x), np.exp(logh) * wts


def ptukey_sf(q, k, df):
    """Upper tail ``P(Q_{k,df} > q)`` of the studentized range (|error| < 1e-5 relative).

    ``P(Q > q) = ∫ P(range_k > q s) dF(s)``, ``s = χ_df/√df``, by quadrature.
    """
    q, df = np.broadcast_arrays(np.asarray(q, float), np.asarray(df, float))
    wg, lt = _range_table(k)
    out = np.full(q.shape, np.nan)
    for idx in np.ndindex(q.shape):
        if np.isfinite(q[idx]) and not np.isnan(df[idx]) and df[idx] > 0:
            s, w = _scale_grid(float(df[idx]))
            out[idx] = (np.exp(np.interp(q[idx] * s, wg, lt, right=-np.inf)) * w).sum()
    return np.clip(out, 0, 1)


def qtukey(confidence, k, df):
    """Quantile ``q`` with ``P(Q_{k,df} ≤ q) = confidence`` (bisection on `ptukey_sf`)."""
    df = np.atleast_1d(np.asarray(df, float))
    lo, hi = np.zeros(df.shape), np.full(df.shape, 40.0)
    for _ in range(50):
        mid = (lo + hi) / 2
        above = ptukey_sf(mid, k, df) > 1 - confidence
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where(np.isnan(df) | (df <= 0), np.nan, (lo + hi) / 2)


def _range_test(diff, se, k, df, confidence, scale):
    """p and CI from the studentized range for ``q = scale·|diff|/se`` (NaN where ``se`` is)."""
    q = scale * np.abs(diff) / se
    half = qtukey(confidence, k, df) / scale * se
    return q, ptukey_sf(q, k, df), diff - half, diff + half


def tukey_hsd(x, g, k, confidence: float = 0.95) -> dict:
    """Tukey–Kramer HSD for every pair ``i < j``."""
    n, m, _ = group_moments(x, g, k)
    i, j = _pairs(k)
    df2 = n.sum() - k
    msw = ((x - m[g]) ** 2).sum() / df2
    diff = m[i] - m[j]
    se = np.sqrt(msw / 2 * (1 / n[i] + 1 / n[j]))
    q, p, lo, hi = _range_test(diff, se, k, np.full(len(i), df2), confidence, 1.0)
    return dict(i=i, j=j, diff=diff, statistic=q, df=np.full(len(i), df2), p=p, ci_low=lo, ci_high=hi)


def games_howell(x, g, k, confidence: float = 0.95) -> dict:
    """Games–Howell pairs (unequal variances, Welch df); NaN for a pair of two constant groups."""
    n, m, v = group_moments(x, g, k)
    v = np.where(zero_variance(x, g, k), 0.0, v)
    i, j = _pairs(k)
    a, b = v[i] / n[i], v[j] / n[j]
    se = np.sqrt(a + b)
    ok = se > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(ok, (a + b) ** 2 / np.where(ok, a ** 2 / (n[i] - 1) + b ** 2 / (n[j] - 1), 1), np.nan)
    diff = m[i] - m[j]
    q, p, lo, hi = _range_test(diff, np.where(ok, se, np.nan), k, df, confidence, np.sqrt(2))
    return dict(i=i, j=j, diff=diff, statistic=q, df=df, p=p, ci_low=lo, ci_high=hi)


def dunn(x, g, k) -> dict:
    """Dunn's rank-sum pairs (tie-corrected z, unadjusted two-sided p)."""
    N = len(x)
    r, ties = _ranks(x)
    n = np.bincount(g, minlength=k).astype(np.float64)
    rbar = np.bincount(g, weights=r, minlength=k) / n
    i, j = _pairs(k)
    s2 = N * (N + 1) / 12 - ties / (12 * (N - 1))
    z = (rbar[i] - rbar[j]) / np.sqrt(s2 * (1 / n[i] + 1 / n[j]))
    return dict(i=i, j=j, diff=rbar[i] - rbar[j], statistic=z, df=np.full(len(i), np.nan),
                p=2 * special.ndtr(-np.abs(z)))
