"""Internal-consistency reliability from an ``n × k`` item matrix (pure numpy).

- Cronbach's alpha (Cronbach 1951): ``α = k/(k−1) · (1 − Σ s²_i / s²_total)`` with the
  item variances ``s²_i`` and the variance of the sum score ``s²_total``;
- standardised alpha: ``α_std = k r̄ / (1 + (k−1) r̄)``, ``r̄`` the mean inter-item
  correlation (Spearman–Brown on the average correlation);
- Feldt (1965) confidence interval: ``1 − (1−α) F_{1−γ/2}`` and ``1 − (1−α) F_{γ/2}``
  with ``F`` on ``(n−1, (n−1)(k−1))`` degrees of freedom;
- item analysis: corrected item–total correlation (item with the sum of the *other*
  items) and alpha if the item is deleted;
- reliability of a difference score ``D = P − E`` (Lord 1963; Johns 1981; Peter,
  Churchill & Brown 1993)::

      r_D = (σ_P² r_PP + σ_E² r_EE − 2 r_PE σ_P σ_E) / (σ_P² + σ_E² − 2 r_PE σ_P σ_E)

Rows with any missing item are dropped (listwise deletion); ``n`` is the number kept.
Items without variance in those rows (every respondent gave the same answer) carry no
information about consistency and are dropped from alpha, as R ``psych::alpha`` does;
``k`` is the number of items used and ``dropped`` their positions.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st


def complete_rows(X: np.ndarray) -> np.ndarray:
    """Rows of ``X`` without NaN (listwise deletion)."""
    X = np.asarray(X, dtype=np.float64)
    return X[~np.isnan(X).any(axis=1)]


def cronbach_alpha(X: np.ndarray, confidence: float = 0.95) -> dict:
    """Cronbach's alpha, standardised alpha and the Feldt CI of an item matrix.

    Parameters
    ----------
    X : array (n, k)
        Item scores; rows with a missing item are dropped.
    confidence : float
        Level of the Feldt interval.

    Returns
    -------
    dict
        ``n, k`` (items used), ``dropped`` (positions of constant items left out),
        ``alpha, alpha_std, mean_r, ci_low, ci_high`` (NaN when ``n < 3`` or ``k < 2``).

    Examples
    --------
    >>> X = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]])
    >>> round(cronbach_alpha(X)["alpha"], 4)
    0.9485
    """
    X = complete_rows(X)
    dropped = np.flatnonzero((X == X[:1]).all(axis=0)) if len(X) >= 2 else np.zeros(0, np.intp)
    if dropped.size:
        X = np.delete(X, dropped, axis=1)
    n, k = X.shape
    out = dict(n=n, k=k, dropped=dropped, alpha=np.nan, alpha_std=np.nan, mean_r=np.nan, ci_low=np.nan,
               ci_high=np.nan)
    if n < 3 or k < 2:
        return out
    v = X.var(axis=0, ddof=1)
    vt = X.sum(axis=1).var(ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = k / (k - 1) * (1 - v.sum() / vt)
        R = np.corrcoef(X, rowvar=False)
        r = R[np.triu_indices(k, 1)].mean()
        alpha_std = k * r / (1 + (k - 1) * r)
    g = 1 - confidence
    d1, d2 = n - 1, (n - 1) * (k - 1)
    out.update(alpha=float(alpha), alpha_std=float(alpha_std), mean_r=float(r),
               ci_low=float(1 - (1 - alpha) * _st.f.ppf(1 - g / 2, d1, d2)),
               ci_high=float(1 - (1 - alpha) * _st.f.ppf(g / 2, d1, d2)))
    return out


def item_analysis(X: np.ndarray) -> dict:
    """Corrected item–total correlation and alpha-if-item-deleted of every item.

    Returns a dict of arrays (one entry per item): ``mean, sd, item_total_r,
    alpha_if_deleted`` and the scalar ``n`` (complete rows used).
    """
    X = complete_rows(X)
    n, k = X.shape
    nan = np.full(k, np.nan)
    if n < 3 or k < 2:
        return dict(n=n, mean=X.mean(axis=0) if n else nan, sd=X.std(axis=0, ddof=1) if n > 1 else nan,
                    item_total_r=nan, alpha_if_deleted=nan)
    C = np.cov(X, rowvar=False)
    v = np.diag(C)
    total = C.sum()
    rest_var = total - 2 * C.sum(axis=1) + v          # var of the sum of the other items
    cov_rest = C.sum(axis=1) - v                      # cov(item, sum of the others)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_it = cov_rest / np.sqrt(v * rest_var)
        alpha_del = (k - 1) / (k - 2) * (1 - (v.sum() - v) / rest_var) if k > 2 else nan
    return dict(n=n, mean=X.mean(axis=0), sd=np.sqrt(v), item_total_r=r_it, alpha_if_deleted=alpha_del)


def difference_reliability(var_p, var_e, r_pp, r_ee, r_pe):
    """Reliability of the difference score ``P − E`` (vectorised over arrays).

    ``r_D = (σ_P² r_PP + σ_E² r_EE − 2 r_PE σ_P σ_E) / (σ_P² + σ_E² − 2 r_PE σ_P σ_E)``
    (Lord 1963; Johns 1981; Peter, Churchill & Brown 1993). With equal variances it
    reduces to ``((r_PP + r_EE)/2 − r_PE) / (1 − r_PE)``.

    Examples
    --------
    >>> round(float(difference_reliability(1.0, 1.0, 0.8, 0.8, 0.5)), 6)
    0.6
    """
    var_p, var_e, r_pp, r_ee, r_pe = (np.asarray(a, dtype=np.float64) for a in (var_p, var_e, r_pp, r_ee, r_pe))
    cross = 2 * r_pe * np.sqrt(var_p * var_e)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (var_p * r_pp + var_e * r_ee - cross) / (var_p + var_e - cross)
