"""Significance tests computed from per-group sufficient statistics (vectorised).

All functions take arrays (one entry per group) and return a dict of arrays:
``estimate, se, statistic, df, p, ci_low, ci_high, effect, effect_ci_low,
effect_ci_high``. Two-sided p-values.

- `t_test` — one-sample t on differences (= paired t):
  ``t = m / (s / √n_eff)``, ``df = n_eff − 1``; effect Cohen's ``d_z = m / s`` with its
  noncentral-t interval (`servgap.stats.effects`).
- `welch_t` — Welch two-sample t for ``m_later − m_bench``;
  ``se = √(s₁²/n₁ + s₂²/n₂)``, Welch–Satterthwaite df; effect Hedges' g
  ``= J · (m₁ − m₂)/s_p`` with ``s_p² = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)`` and the exact
  ``J = Γ(ν/2)/(√(ν/2) Γ((ν−1)/2))``, ``ν = n₁ + n₂ − 2`` (Hedges & Olkin 1985).
- `wilcoxon` — signed-rank on a difference histogram: zeros dropped, mid-ranks
  for ties, normal approximation with tie correction and no continuity correction
  (R ``wilcox.test(exact=FALSE, correct=FALSE)``); statistic ``V`` = sum of ranks of
  positive differences; effect rank-biserial ``r = (R⁺ − R⁻)/(R⁺ + R⁻)`` (Kerby 2014).
- `mann_whitney` — U of the *later* sample, tie-corrected normal approximation
  without continuity correction; effect rank-biserial ``2U/(n₁n₂) − 1``.

One rule for thin and degenerate cells, whatever the test:

- **fewer than 2 observations** (in either sample for the two-sample tests; zero
  differences count, as in the ``n`` column): statistic, p, effect and the intervals are
  NaN (the estimate stays when there is one observation);
- **no variation** (t tests only: every difference equal, or both samples constant):
  the t statistic is undefined (R's ``t.test`` stops: "data are essentially constant"),
  so statistic, p, the CI, effect and its CI are NaN, and ``constant`` flags the group
  for the caller's warning. The rank tests have a defined statistic there and keep it.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import effects as ef
from .histogram import GroupedHistogram, sparse
from .ranks import group_midranks, signed_rank_sums
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


def t_test(m: Moments, confidence: float = 0.95, effect_ci: bool = True, p_value: bool = True) -> dict:
    """One-sample (paired) t of ``H0: mean = 0`` from moments of the differences.

    ``effect_ci=False`` leaves the interval of ``d_z`` NaN and ``p_value=False`` the p-value
    (when a rank test replaces the effect and the test).
    """
    n_eff = m.n_eff
    constant = m.constant
    thin = (m.n < 2) | np.isnan(m.sd)
    bad = thin | constant
    with np.errstate(invalid="ignore", divide="ignore"):
        se = m.sd / np.sqrt(n_eff)
        df = np.where(m.n >= 2, n_eff - 1, np.nan)
        t = np.where(bad, np.nan, m.mean / se)
        q = _crit(df, confidence)
        effect = np.where(bad, np.nan, m.mean / m.sd)
    lo, hi = ef.dz_interval(effect, n_eff, confidence) if effect_ci else (np.full(effect.shape, np.nan),) * 2
    out = dict(estimate=m.mean, sd=m.sd, se=se, statistic=t, df=df, p=_two_sided_t(t, df) if p_value else np.full(t.shape, np.nan),
               ci_low=m.mean - q * se, ci_high=m.mean + q * se, effect=effect, effect_ci_low=lo, effect_ci_high=hi)
    # sd, se and df are defined (0, 0, n − 1) for constant differences; the test is not
    out = {k: v if k == "estimate" else _nan_where(thin if k in ("sd", "se", "df") else bad, v)
           for k, v in out.items()}
    out["constant"] = constant
    return out


def welch_t(later: Moments, bench: Moments, confidence: float = 0.95) -> dict:
    """Welch two-sample t of ``later − bench`` from the moments of each sample.

    The estimate (difference of means) is kept when each sample has at least one answer;
    the test statistics need two answers in each sample and are NaN otherwise, and when
    both samples are constant (``constant``).
    """
    n1, n2 = later.n_eff, bench.n_eff
    v1, v2 = later.sd ** 2, bench.sd ** 2
    diff = later.mean - bench.mean
    thin = (later.n < 2) | (bench.n < 2)
    constant = ~thin & (later.distinct == 1) & (bench.distinct == 1)
    bad = thin | constant
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1))
        t = np.where(bad, np.nan, diff / se)
        q = _crit(df, confidence)
        sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        d = np.where(bad, np.nan, diff / sp)
    lo, hi = ef.hedges_g_interval(d, n1, n2, confidence)
    out = dict(estimate=diff, sd=sp, se=se, statistic=t, df=df, p=_two_sided_t(t, df), ci_low=diff - q * se,
               ci_high=diff + q * se, effect=ef.hedges_j(n1 + n2 - 2) * d, effect_ci_low=lo, effect_ci_high=hi)
    # like the paired t: the difference of means stays whenever both samples have an answer
    out = {k: v if k == "estimate" else _nan_where(thin if k in ("sd", "se", "df") else bad, v)
           for k, v in out.items()}
    out["constant"] = constant
    return out


def wilcoxon(h, confidence: float = 0.95) -> dict:
    """Wilcoxon signed-rank test per group from the histogram of differences (grouped or dense)."""
    r_plus, n, ties = signed_rank_sums(h)
    thin = h.n < 2                          # the n column: complete pairs, zero differences included
    total = n * (n + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
        z = (r_plus - total / 2) / np.sqrt(var)
        effect = _nan_where(thin | (n == 0), (2 * r_plus - total) / total)
    lo, hi = ef.rank_biserial_interval(effect, ef.signed_rank_se(n), confidence)
    bad = thin | ~(var > 0)
    return dict(statistic=np.where(thin | (n == 0), np.nan, r_plus), z=_nan_where(bad, z),
                p=_nan_where(bad, _two_sided_z(z)), effect=effect, effect_ci_low=lo, effect_ci_high=hi, n_nonzero=n)


def mann_whitney(later: GroupedHistogram, bench: GroupedHistogram, confidence: float = 0.95) -> dict:
    """Mann-Whitney U per group, U of the ``later`` sample (two histograms, same groups)."""
    later, bench = sparse(later), sparse(bench)
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
        thin = (n1 < 2) | (n2 < 2)
        effect = _nan_where(thin, 2 * u / (n1 * n2) - 1)
    lo, hi = ef.rank_biserial_interval(effect, ef.mann_whitney_se(n1, n2), confidence)
    bad = thin | ~(var > 0)
    return dict(statistic=_nan_where(thin, u), z=_nan_where(bad, z), p=_nan_where(bad, _two_sided_z(z)),
                effect=effect, effect_ci_low=lo, effect_ci_high=hi)


__all__ = ["t_test", "welch_t", "wilcoxon", "mann_whitney"]
