"""Fit indices of a covariance-structure model, as lavaan defines them (pure numpy/scipy).

- ``rmsea = √max(χ²/(N·df) − 1/N, 0)`` (Steiger & Lind 1980); its interval from the
  noncentral χ² (Browne & Cudeck 1993): ``λ_L``, ``λ_U`` solve
  ``P(χ²_df(λ) ≤ χ²) = (1 ± c)/2`` and the bounds are ``√(λ / (N·df))``. lavaan's ``N``
  is the sample size for ML and ``N − 1`` for the least-squares estimators (DWLS).
- ``cfi = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0)`` (Bentler 1990; 1 when
  both are 0); ``tli = 1 − (χ² − df)/(χ²_b − df_b) · df_b/df`` (Tucker & Lewis 1973),
  against the independence baseline ``b``.
- SRMR (lavaan ``lavResiduals``): with observed ``S`` and implied ``Σ``,
  ``srmr_bentler`` (lavaan's ``srmr`` for continuous data) standardises both by the
  *observed* SDs, ``e_ij = (s_ij − σ_ij)/√(s_ii s_jj)``, over the ``p(p+1)/2`` elements
  on and below the diagonal; ``crmr`` (Bollen) compares the two correlation matrices
  ``r_ij − ρ̂_ij`` over the ``p(p−1)/2`` off-diagonal elements; ``srmr_mplus`` adds the
  diagonal terms ``((s_ii − σ_ii)/s_ii)²`` to the Bollen residuals over ``p(p+1)/2``. For
  correlation structures (ordinal data) all are computed from ``r_ij − ρ̂_ij``, ``i > j``,
  and lavaan's ``srmr`` divides by ``p(p+1)/2`` (``srmr_bentler_nomean``).
- Scaled-and-shifted statistic (Asparouhov & Muthén 2010; lavaan ``test =
  "scaled.shifted"``, the WLSMV test of Muthén, du Toit & Spisic 1997 in its Mplus 6
  form): with ``U = V − VΔ(Δ'VΔ)⁻¹Δ'V`` and the asymptotic covariance ``Γ``,
  ``a = √(df / tr[(UΓ)²])``, ``b = df − a·tr(UΓ)`` and ``T_ss = a·T + b`` on ``df``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy import stats as _st


def rmsea(chi2: float, df: int, n: float) -> float:
    """``√max(χ²/(N df) − 1/N, 0)``; 0 when ``df = 0`` (lavaan).

    Examples
    --------
    >>> round(rmsea(85.306, 24, 301), 4)
    0.0921
    """
    if df <= 0:
        return 0.0 if df == 0 else np.nan
    return float(np.sqrt(max(chi2 / (n * df) - 1.0 / n, 0.0)))


def rmsea_ci(chi2: float, df: int, n: float, level: float = 0.90) -> tuple[float, float, float]:
    """RMSEA and its confidence interval from the noncentral χ² (Browne & Cudeck 1993).

    Examples
    --------
    >>> r, lo, hi = rmsea_ci(85.306, 24, 301)
    >>> round(r, 3), round(lo, 3), round(hi, 3)
    (0.092, 0.071, 0.114)
    """
    point = rmsea(chi2, df, n) if df > 0 else np.nan
    if df <= 0 or not np.isfinite(chi2):
        return point, np.nan, np.nan

    def lam(prob):
        f = lambda L: (_st.ncx2.cdf(chi2, df, L) if L > 0 else _st.chi2.cdf(chi2, df)) - prob
        if f(0.0) < 0:
            return 0.0
        hi = max(chi2, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-12)

    lo, hi = lam((1 + level) / 2), lam((1 - level) / 2)
    return point, float(np.sqrt(lo / (df * n))), float(np.sqrt(hi / (df * n)))


def incremental_fit(chi2: float, df: int, chi2_base: float, df_base: int) -> tuple[float, float]:
    """CFI (Bentler 1990) and TLI (Tucker & Lewis 1973) against the independence model.

    Examples
    --------
    >>> cfi, tli = incremental_fit(85.306, 24, 918.852, 36)
    >>> round(cfi, 3), round(tli, 3)
    (0.931, 0.896)
    """
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0) and np.isclose(t2, 0.0) else 1.0 - t1 / t2
    if df > 0 and df_base > 0 and chi2_base != df_base:
        tli = 1.0 - (chi2 - df) / (chi2_base - df_base) * df_base / df
    else:
        tli = np.nan
    return float(cfi), float(tli)


def srmr(S: np.ndarray, Sigma: np.ndarray, correlations: bool = False) -> dict:
    """``srmr`` (lavaan's default), ``srmr_bentler``, ``crmr`` and ``srmr_mplus``.

    ``correlations=True`` for correlation structures (polychoric ``S``, unit-diagonal
    ``Sigma``): only the off-diagonal residuals enter and ``srmr`` is lavaan's
    ``srmr_bentler_nomean``.
    """
    S, Sigma = np.asarray(S, float), np.asarray(Sigma, float)
    p = len(S)
    so, si = np.sqrt(np.diag(S)), np.sqrt(np.diag(Sigma))
    bentler = (S - Sigma) / np.outer(so, so)
    bollen = S / np.outer(so, so) - Sigma / np.outer(si, si)
    low = np.tril_indices(p, -1)
    off = float(np.sum(bollen[low] ** 2))
    vech = p * (p + 1) / 2
    if correlations:
        value = float(np.sqrt(off / vech))
        return dict(srmr=value, srmr_bentler=value, crmr=float(np.sqrt(off / (vech - p))), srmr_mplus=value)
    i, j = np.tril_indices(p)
    sb = float(np.sqrt(np.sum(bentler[i, j] ** 2) / vech))
    diag = float(np.sum(((np.diag(S) - np.diag(Sigma)) / np.diag(S)) ** 2))
    return dict(srmr=sb, srmr_bentler=sb, crmr=float(np.sqrt(off / (vech - p))),
                srmr_mplus=float(np.sqrt((off + diag) / vech)))


def ugamma_traces(v: np.ndarray, delta: np.ndarray | None, gamma: np.ndarray) -> tuple[float, float]:
    """``tr(UΓ)`` and ``tr[(UΓ)²]`` with ``U = V − VΔ(Δ'VΔ)⁻¹Δ'V``, ``V = diag(v)``
    (``delta=None``: no structural parameters, ``U = V``)."""
    U = np.diag(v)
    if delta is not None and delta.size:
        vd = v[:, None] * delta
        U = U - vd @ np.linalg.pinv(delta.T @ vd) @ vd.T
    ug = U @ gamma
    return float(np.trace(ug)), float(np.sum(ug * ug.T))


def scaled_shifted(chi2: float, df: int, trace1: float, trace2: float) -> dict:
    """Mean-and-variance adjusted (scaled and shifted) statistic ``T_ss = a·T + b``.

    Examples
    --------
    >>> out = scaled_shifted(30.0, 10, 15.0, 30.0)
    >>> round(out["a"], 6), round(out["b"], 6), round(out["chi2"], 6)
    (0.57735, 1.339746, 18.660254)
    """
    a = float(np.sqrt(df / trace2)) if df > 0 and trace2 > 0 else np.nan
    b = df - a * trace1
    stat = a * chi2 + b
    return dict(chi2=stat, a=a, b=b, scaling_factor=1.0 / a, shift=b,
                p=float(_st.chi2.sf(stat, df)) if df > 0 else np.nan)
