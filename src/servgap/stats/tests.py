"""Significance tests computed from per-group sufficient statistics (vectorised).

All functions take arrays (one entry per group) and return a dict of arrays:
``estimate, se, statistic, df, p, ci_low, ci_high, effect``. Two-sided p-values.

- `t_test` — one-sample t on differences (= paired t):
  ``t = m / (s / √n_eff)``, ``df = n_eff − 1``; effect Cohen's ``d_z = m / s``.
- `welch_t` — Welch two-sample t for ``m_later − m_bench``;
  ``se = √(s₁²/n₁ + s₂²/n₂)``, Welch–Satterthwaite df; effect Hedges' g
  ``= J · (m₁ − m₂)/s_p`` with ``s_p² = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)`` and
  ``J = 1 − 3/(4(n₁+n₂) − 9)`` (Hedges & Olkin 1985).
- `wilcoxon` — signed-rank on a difference histogram: zeros dropped, mid-ranks
  for ties, normal approximation with tie correction and no continuity correction
  (R ``wilcox.test(exact=FALSE, correct=FALSE)``); statistic ``V`` = sum of ranks of
  positive differences; effect rank-biserial ``r = (R⁺ − R⁻)/(R⁺ + R⁻)`` (Kerby 2014).
- `mann_whitney` — U of the *later* sample, tie-corrected normal approximation
  without continuity correction; effect rank-biserial ``2U/(n₁n₂) − 1``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .histogram import GroupedHistogram, group_midranks
from .moments import Moments


def _nan_where(mask, arr):
    return np.where(mask, np.nan, arr)


def _two_sided_t(t, df):
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(t) | np.isnan(df), np.nan, 2 * special.stdtr(df, -np.abs(t)))


def _two_sided_z(z):
    return 2 * special.ndtr(-np.abs(z))


def _crit(df, confidence):
    """Two-sided critical value ``t_{(1 + confidence)/2; df}``, computed once per distinct ``df``.

    Degrees of freedom repeat (unweighted ``df = n − 1``), and the quantile is the costly part.
    """
    u, inv = np.unique(df, return_inverse=True)
    with np.errstate(invalid="ignore"):
        return special.stdtrit(u, 0.5 + confidence / 2)[inv].reshape(np.shape(df))


def t_test(m: Moments, confidence: float = 0.95) -> dict:
    """One-sample (paired) t of ``H0: mean = 0`` from moments of the differences."""
    n_eff = m.n_eff
    bad = (m.n < 2) | np.isnan(m.sd)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = m.sd / np.sqrt(n_eff)
        df = np.where(m.n >= 2, n_eff - 1, np.nan)
        t = m.mean / se
        q = _crit(df, confidence)
        effect = m.mean / m.sd
    out = dict(estimate=m.mean, sd=m.sd, se=se, statistic=t, df=df,
               p=_two_sided_t(t, df), ci_low=m.mean - q * se, ci_high=m.mean + q * se, effect=effect)
    return {k: v if k == "estimate" else _nan_where(bad, v) for k, v in out.items()}


def welch_t(later: Moments, bench: Moments, confidence: float = 0.95) -> dict:
    """Welch two-sample t of ``later − bench`` from the moments of each sample.

    The estimate (difference of means) is kept when each sample has at least one answer;
    the test statistics need two answers in each sample and are NaN otherwise.
    """
    n1, n2 = later.n_eff, bench.n_eff
    v1, v2 = later.sd ** 2, bench.sd ** 2
    diff = later.mean - bench.mean
    bad = (later.n < 2) | (bench.n < 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1))
        t = diff / se
        q = _crit(df, confidence)
        sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        g = (1 - 3 / (4 * (n1 + n2) - 9)) * diff / sp
    out = dict(estimate=diff, sd=sp, se=se, statistic=t, df=df, p=_two_sided_t(t, df),
               ci_low=diff - q * se, ci_high=diff + q * se, effect=g)
    # like the paired t: the difference of means stays whenever both samples have an answer
    return {k: v if k == "estimate" else _nan_where(bad, v) for k, v in out.items()}


def wilcoxon(h: GroupedHistogram) -> dict:
    """Wilcoxon signed-rank test per group from the histogram of differences."""
    nz = h.value != 0
    g, v, c = h.group[nz], h.value[nz], h.count[nz].astype(np.float64)
    G = h.n_groups
    midrank, ties = group_midranks(g, np.abs(v), c, G)
    r_plus = np.bincount(g, weights=np.where(v > 0, c * midrank, 0.0), minlength=G)
    n = np.bincount(g, weights=c, minlength=G)
    total = n * (n + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
        z = (r_plus - total / 2) / np.sqrt(var)
        effect = (2 * r_plus - total) / total
    bad = ~(var > 0)
    return dict(statistic=np.where(n > 0, r_plus, np.nan), z=_nan_where(bad, z),
                p=_nan_where(bad, _two_sided_z(z)), effect=_nan_where(n == 0, effect), n_nonzero=n)


def mann_whitney(later: GroupedHistogram, bench: GroupedHistogram) -> dict:
    """Mann-Whitney U per group, U of the ``later`` sample (two histograms, same groups)."""
    G = later.n_groups
    g = np.concatenate([later.group, bench.group])
    v = np.concatenate([later.value, bench.value])
    c = np.concatenate([later.count, bench.count]).astype(np.float64)
    is_later = np.concatenate([np.ones(later.group.size, bool), np.zeros(bench.group.size, bool)])
    midrank, ties = group_midranks(g, v, c, G)
    n1 = np.bincount(g, weights=np.where(is_later, c, 0.0), minlength=G)
    n2 = np.bincount(g, weights=np.where(is_later, 0.0, c), minlength=G)
    r1 = np.bincount(g, weights=np.where(is_later, c * midrank, 0.0), minlength=G)
    N = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        u = r1 - n1 * (n1 + 1) / 2
        var = n1 * n2 / 12 * ((N + 1) - ties / (N * (N - 1)))
        z = (u - n1 * n2 / 2) / np.sqrt(var)
        effect = 2 * u / (n1 * n2) - 1
    bad = (n1 == 0) | (n2 == 0) | ~(var > 0)
    return dict(statistic=np.where((n1 > 0) & (n2 > 0), u, np.nan), z=_nan_where(bad, z),
                p=_nan_where(bad, _two_sided_z(z)), effect=_nan_where((n1 == 0) | (n2 == 0), effect))


__all__ = ["t_test", "welch_t", "wilcoxon", "mann_whitney"]
