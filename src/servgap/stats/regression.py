"""Least squares with an intercept, optionally weighted, and HC3 standard errors (numpy + scipy.special).

For ``y = a + X b + e`` with weights ``w`` (1 when omitted), on the whitened design
``Ã = √w · [1, X]``, ``ỹ = √w · y``::

    β = argmin ‖ỹ − Ã β‖²          (least squares; the pseudo-inverse when Ã is rank-deficient)
    R² = 1 − Σ w e² / Σ w (y − ȳ_w)²,   ȳ_w = Σ w y / Σ w
    V_HC3 = (ÃᵀÃ)⁻¹ Ãᵀ diag(ẽ² / (1 − h)²) Ã (ÃᵀÃ)⁻¹,   h = diag(Ã (ÃᵀÃ)⁻¹ Ãᵀ),  ẽ = √w · e

and tests of the coefficients with t on the residual degrees of freedom ``n − p``, as
R's ``coeftest(lm(y ~ X, weights = w), vcov = vcovHC(type = "HC3"))`` and statsmodels'
``WLS(...).fit(cov_type="HC3", use_t=True)`` (MacKinnon & White 1985; Long & Ervin 2000).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def least_squares(y: np.ndarray, X: np.ndarray, w: np.ndarray | None = None) -> dict:
    """Fit ``y`` on an intercept and the columns of ``X`` (weights ``w``).

    Returns ``beta`` (intercept first), ``e`` (residuals ``y − [1, X] β``), ``r2``,
    ``adj_r2 = 1 − (1 − R²)(n − 1)/(n − p)``, ``XtXi = (ÃᵀÃ)⁺``, ``df = n − p``, ``k = p − 1``,
    and the whitened design ``A`` and residuals ``ew`` that `hc3` reads.

    >>> fit = least_squares(np.array([1., 3., 2., 5.]), np.array([[0.], [1.], [2.], [3.]]))
    >>> print([round(float(b), 6) for b in fit["beta"]], round(float(fit["r2"]), 6))   # by hand: 5.5/5, 1 − 2.7/8.75
    [1.1, 1.1] 0.691429
    """
    y = np.asarray(y, float)
    A = np.column_stack([np.ones(len(y)), np.asarray(X, float)])
    if w is None:                       # no whitening: exactly the unweighted arithmetic
        Aw, yw, ybar, wt = A, y, y.mean(), None
    else:
        wt = np.asarray(w, float)
        r = np.sqrt(wt)
        Aw, yw, ybar = A * r[:, None], y * r, np.average(y, weights=wt)
    beta = np.linalg.lstsq(Aw, yw, rcond=None)[0]
    e = y - A @ beta
    ew = yw - Aw @ beta
    n, p = A.shape
    sst = ((y - ybar) ** 2).sum() if wt is None else (wt * (y - ybar) ** 2).sum()
    r2 = 1 - (ew @ ew) / sst
    return dict(beta=beta, e=e, r2=r2, adj_r2=1 - (1 - r2) * (n - 1) / (n - p), XtXi=np.linalg.pinv(Aw.T @ Aw),
                df=n - p, k=p - 1, A=Aw, ew=ew)


def hc3(fit: dict) -> np.ndarray:
    """The HC3 covariance of ``fit["beta"]`` (`least_squares`): leverage-corrected squared residuals."""
    A, XtXi = fit["A"], fit["XtXi"]
    h = np.einsum("ij,jk,ik->i", A, XtXi, A)
    u = fit["ew"] / (1 - h)
    meat = (A * (u * u)[:, None]).T @ A
    return XtXi @ meat @ XtXi


def coefficient_tests(fit: dict, cov: np.ndarray, confidence: float = 0.95) -> dict:
    """``se``, ``t``, two-sided ``p`` and the ``confidence`` interval of every coefficient, t on ``fit["df"]``."""
    se = np.sqrt(np.diag(cov))
    t = fit["beta"] / se
    df = fit["df"]
    q = special.stdtrit(df, 0.5 + confidence / 2)
    return dict(se=se, t=t, p=2 * special.stdtr(df, -np.abs(t)), ci_low=fit["beta"] - q * se,
                ci_high=fit["beta"] + q * se)


__all__ = ["least_squares", "hc3", "coefficient_tests"]
