"""Polychoric correlations and their asymptotic covariance (pure numpy/scipy).

Each ordinal item ``y_j`` with categories ``0 … K_j−1`` is a cut latent normal
``y*_j``: ``y_j = c ⇔ τ_{j,c−1} < y*_j ≤ τ_{j,c}`` (``τ_{j,−1} = −∞``, ``τ_{j,K−1} = ∞``).
Two-step estimation (Olsson 1979; lavaan ``lavCor`` / ``estimator = "two.step"``):

1. thresholds from the margins, ``τ_{j,c} = Φ⁻¹(P(y_j ≤ c))`` (the univariate ML);
2. per pair, with the thresholds fixed, the ML correlation ``ρ`` of the bivariate
   normal cell probabilities
   ``π_ab(ρ) = Φ₂(τ_a, τ_b) − Φ₂(τ_{a−1}, τ_b) − Φ₂(τ_a, τ_{b−1}) + Φ₂(τ_{a−1}, τ_{b−1})``,
   maximising ``ℓ(ρ) = Σ n_ab log π_ab`` by Newton's method on all pairs at once
   (``∂Φ₂/∂ρ = φ₂``), ``|ρ| ≤ 0.999``, until the step is below 1e-14.

``Φ₂`` uses Owen's T function (Owen 1956; scipy's Patefield–Tandy ``owens_t``)::

    Φ₂(h, k; ρ) = ½Φ(h) + ½Φ(k) − T(h, a_h) − T(k, a_k) − β,
    a_h = (k − ρh)/(h√(1−ρ²)),  a_k = (h − ρk)/(k√(1−ρ²)),
    β = ½ if hk < 0 or (hk = 0 and h + k < 0), else 0;   Φ₂(0, 0; ρ) = ¼ + asin(ρ)/(2π).

Asymptotic covariance of the correlations (Muthén 1984; Muthén & Satorra 1995; lavaan
``muthen1984``): with per-respondent scores ``s_τ`` of the univariate log-likelihoods and
``s_ρ`` of the pairwise ones, ``A11`` the per-item blocks of ``Σ s_τ s_τ'``,
``A21 = Σ s_ρ s_τ'`` (the cross-derivatives, outer-product form) and ``A22 = diag Σ s_ρ²``,
each respondent's influence on the correlations is
``ψ_n = A22⁻¹ (s_ρ,n − A21 A11⁻¹ s_τ,n)`` and ``Γ = N Σ_n ψ_n ψ_n'`` (lavaan's NACOV,
correlation block). 2 × 2 tables with one empty cell get 0.5 added to it (margins kept,
lavaan's ``zero.add``); with two empty cells ``ρ = ±1``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as _st

from ..errors import MethodWarning

RHO_MAX = 0.999


def _ncdf(x):
    return special.ndtr(x)


def bvn_cdf(h, k, rho) -> np.ndarray:
    """Standard bivariate normal CDF ``P(X ≤ h, Y ≤ k)`` with correlation ``rho`` (|rho| < 1).

    Examples
    --------
    >>> bool(np.isclose(bvn_cdf(0.0, 0.0, 0.5), 0.25 + np.arcsin(0.5) / (2 * np.pi), rtol=1e-15))
    True
    >>> bvn_cdf([-np.inf, np.inf], [0.0, np.inf], 0.3).tolist()
    [0.0, 1.0]
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (h, k, rho)))
    out = np.zeros(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    out[np.isposinf(h) & np.isfinite(k)] = _ncdf(k[np.isposinf(h) & np.isfinite(k)])
    out[np.isposinf(k) & np.isfinite(h)] = _ncdf(h[np.isposinf(k) & np.isfinite(h)])
    out[np.isposinf(h) & np.isposinf(k)] = 1.0
    hf, kf, rf = h[fin], k[fin], rho[fin]
    s = np.sqrt((1 - rf) * (1 + rf))
    with np.errstate(divide="ignore", invalid="ignore"):
        ah = np.where(hf == 0, np.sign(kf) * np.inf, (kf - rf * hf) / (hf * s))
        ak = np.where(kf == 0, np.sign(hf) * np.inf, (hf - rf * kf) / (kf * s))
    beta = np.where((hf * kf < 0) | ((hf * kf == 0) & (hf + kf < 0)), 0.5, 0.0)
    both0 = (hf == 0) & (kf == 0)
    ah[both0] = ak[both0] = 0.0
    val = 0.5 * (_ncdf(hf) + _ncdf(kf)) - special.owens_t(hf, ah) - special.owens_t(kf, ak) - beta
    val[both0] = 0.25 + np.arcsin(rf[both0]) / (2 * np.pi)
    out[fin] = np.clip(val, 0.0, 1.0)
    return out


def bvn_pdf(h, k, rho, deriv: bool = False):
    """Bivariate normal density ``φ₂(h, k; ρ)`` (0 at infinite arguments) and, with
    ``deriv=True``, also ``∂φ₂/∂ρ``."""
    h, k, rho = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (h, k, rho)))
    fin = np.isfinite(h) & np.isfinite(k)
    hf, kf, rf = np.where(fin, h, 0.0), np.where(fin, k, 0.0), rho
    om = (1 - rf) * (1 + rf)
    q = hf * hf - 2 * rf * hf * kf + kf * kf
    pdf = np.where(fin, np.exp(-q / (2 * om)) / (2 * np.pi * np.sqrt(om)), 0.0)
    if not deriv:
        return pdf
    return pdf, pdf * (rf / om + (hf * kf * om - rf * q) / (om * om))


def recode(X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Integer codes ``0 … K_j−1`` per column (the sorted observed values) and the levels."""
    X = np.asarray(X, dtype=np.float64)
    codes = np.empty(X.shape, dtype=np.int64)
    levels = []
    for j in range(X.shape[1]):
        lev, codes[:, j] = np.unique(X[:, j], return_inverse=True)
        levels.append(lev)
    return codes, levels


def thresholds(codes: np.ndarray, n_cat: np.ndarray) -> list[np.ndarray]:
    """``τ_{j,c} = Φ⁻¹(P(y_j ≤ c))``, ``c = 0 … K_j−2``."""
    n = len(codes)
    return [_st.norm.ppf(np.cumsum(np.bincount(codes[:, j], minlength=K))[:-1] / n)
            for j, K in enumerate(n_cat)]


@dataclass
class Polychoric:
    """Two-step polychoric correlations.

    ``r`` is the ``p × p`` matrix; ``thresholds[j]`` the thresholds of item ``j``; ``gamma``
    (``N × ACOV`` of the correlations in ``np.tril_indices(p, -1)`` order) when asked for.
    """

    r: np.ndarray
    thresholds: list
    levels: list
    n: int
    iterations: int
    gamma: np.ndarray | None = None


class _Pairs:
    """Cell counts and probabilities of every item pair on a padded ``K × K`` grid."""

    def __init__(self, codes, taus):
        n, p = codes.shape
        self.K = K = max(len(t) for t in taus) + 1
        self.i, self.j = np.tril_indices(p, -1)
        bounds = np.full((p, K + 1), np.inf)
        bounds[:, 0] = -np.inf
        for m, t in enumerate(taus):
            bounds[m, 1:len(t) + 1] = t
        self.bounds = bounds
        cell = codes[:, self.i] * K + codes[:, self.j]                     # (n, P)
        self.cell = cell + np.arange(len(self.i)) * K * K
        self.counts = np.bincount(self.cell.ravel(), minlength=len(self.i) * K * K).reshape(-1, K, K)
        self.counts = self.counts.astype(np.float64)
        self.observed = self.counts.copy()          # before lavaan's 2 × 2 zero-cell correction
        self.n = n

    def grid(self, rho):
        """``Φ₂``, ``φ₂`` and ``∂φ₂/∂ρ`` at every corner ``(P, K+1, K+1)``."""
        hi = self.bounds[self.i][:, :, None]
        kj = self.bounds[self.j][:, None, :]
        r = rho[:, None, None]
        pdf, dpdf = bvn_pdf(hi, kj, r, deriv=True)
        return bvn_cdf(hi, kj, r), pdf, dpdf

    @staticmethod
    def cells(g):
        return g[:, 1:, 1:] - g[:, :-1, 1:] - g[:, 1:, :-1] + g[:, :-1, :-1]

    def derivs(self, rho):
        G, P, dP = self.grid(rho)
        pi, d1, d2 = self.cells(G), self.cells(P), self.cells(dP)
        nz = self.counts > 0
        safe = np.where(nz, np.maximum(pi, 1e-300), 1.0)
        ll = np.sum(np.where(nz, self.counts * np.log(np.where(nz, np.maximum(pi, 1e-300), 1.0)), 0.0), axis=(1, 2))
        s = np.where(nz, d1 / safe, 0.0)
        grad = np.sum(self.counts * s, axis=(1, 2))
        hess = np.sum(self.counts * (np.where(nz, d2 / safe, 0.0) - s * s), axis=(1, 2))
        info = self.n * np.sum(np.where(pi > 0, d1 * d1 / np.where(pi > 0, pi, 1.0), 0.0), axis=(1, 2))
        return ll, grad, hess, info, pi, s


def _two_by_two(pairs: _Pairs, n_cat: np.ndarray) -> np.ndarray:
    """lavaan's treatment of 2 × 2 tables: 0.5 added to a single empty cell (margins kept);
    returns the pairs whose table has two empty cells (ρ = ±1)."""
    fixed = np.full(len(pairs.i), np.nan)
    for m in np.flatnonzero((n_cat[pairs.i] == 2) & (n_cat[pairs.j] == 2)):
        t = pairs.counts[m, :2, :2]
        zero = np.argwhere(t == 0)
        if len(zero) == 2:
            fixed[m] = 1.0 if t[0, 0] > 0 else -1.0
        elif len(zero) == 1:
            sign = 1.0 if zero[0][0] == zero[0][1] else -1.0
            t += sign * np.array([[0.5, -0.5], [-0.5, 0.5]])
    return fixed


def polychoric(X: np.ndarray, gamma: bool = True, names=None, max_iter: int = 100, tol: float = 1e-14) -> Polychoric:
    """Polychoric correlation matrix of the ordinal columns of ``X`` (complete rows).

    ``gamma=True`` adds the asymptotic covariance of the correlations; ``names`` label the
    columns in warnings.

    Examples
    --------
    >>> X = np.array([[0, 0]] * 40 + [[0, 1]] * 10 + [[1, 0]] * 10 + [[1, 1]] * 40)
    >>> pc = polychoric(X)              # equal margins: Φ₂(0, 0; ρ) = 0.4, ρ = −cos(2π · 0.4)
    >>> round(float(pc.r[1, 0]), 10), round(float(-np.cos(2 * np.pi * 0.4)), 10)
    (0.8090169944, 0.8090169944)
    """
    codes, levels = recode(X)
    label = (lambda k: repr(str(names[k]))) if names is not None else (lambda k: f"column {k}")
    n_cat = np.array([len(v) for v in levels])
    if (n_cat < 2).any():
        raise ValueError(f"{label(int(np.argmin(n_cat)))} has a single category; polychoric correlations need two")
    taus = thresholds(codes, n_cat)
    pairs = _Pairs(codes, taus)
    fixed = _two_by_two(pairs, n_cat)
    c = np.corrcoef(codes, rowvar=False)[pairs.i, pairs.j]
    rho = np.clip(np.nan_to_num(c), -0.9, 0.9)
    it = 0
    ll, grad, hess, info, _, _ = pairs.derivs(rho)
    for it in range(1, max_iter + 1):
        step = np.where(hess < 0, -grad / np.where(hess < 0, hess, -1.0), grad / np.maximum(info, 1e-300))
        step[np.isfinite(fixed)] = 0.0
        t = np.ones_like(rho)
        while True:
            new = np.clip(rho + t * step, -RHO_MAX, RHO_MAX)
            ll_new, *rest = pairs.derivs(new)
            bad = (ll_new < ll - 1e-12 * np.abs(ll)) & (t > 1e-8)
            if not bad.any():
                break
            t[bad] /= 2
        moved = np.abs(new - rho)
        rho, (ll, grad, hess, info, _, _) = new, (ll_new, *rest)
        if moved.max() < tol:
            break
    if moved.max() > 1e-9:
        m = int(np.argmax(moved))
        warnings.warn(f"the polychoric correlation of {label(pairs.j[m])} and {label(pairs.i[m])} did not converge "
                      f"in {max_iter} Newton steps (last step {moved[m]:.1e})", MethodWarning, stacklevel=2)
    rho = np.where(np.isfinite(fixed), fixed, rho)
    for m in np.flatnonzero(np.isfinite(fixed)):
        warnings.warn(f"the 2 x 2 table of {label(pairs.j[m])} and {label(pairs.i[m])} has two empty cells: their "
                      f"polychoric correlation is set to {fixed[m]:+.0f}", MethodWarning, stacklevel=2)
    p = codes.shape[1]
    R = np.eye(p)
    R[pairs.i, pairs.j] = R[pairs.j, pairs.i] = rho
    g = _gamma(codes, taus, n_cat, pairs, np.clip(rho, -RHO_MAX, RHO_MAX)) if gamma else None
    return Polychoric(R, taus, levels, len(codes), it, g)


def _threshold_scores(codes, taus, n_cat):
    """Per-category score tables of the univariate log-likelihoods and the threshold offsets."""
    n = len(codes)
    tables, offsets, pos = [], [], 0
    for j, (t, K) in enumerate(zip(taus, n_cat)):
        prop = np.bincount(codes[:, j], minlength=K) / n
        d = _st.norm.pdf(t)
        tab = np.zeros((K, K - 1))
        tab[np.arange(K - 1), np.arange(K - 1)] = d / prop[:-1]
        tab[np.arange(1, K), np.arange(K - 1)] = -d / prop[1:]
        tables.append(tab)
        offsets.append(pos)
        pos += K - 1
    return tables, offsets, pos


def _pair_threshold_derivs(pairs, rho):
    """``∂π_ab/∂τ`` of the row item (``di``) and the column item (``dj``) at each threshold's
    two neighbouring cells: ``(P, K, K, 2)`` with ``[..., 0]`` the upper bound, ``[..., 1]`` the lower."""
    r = np.sqrt((1 - rho) * (1 + rho))[:, None, None]
    rr = rho[:, None, None]

    def one(own, other):
        up, lo = own[:, 1:], own[:, :-1]                                 # (P, K)
        ou, ol = other[:, None, 1:], other[:, None, :-1]                 # (P, 1, K)
        with np.errstate(invalid="ignore"):
            def part(b):
                bb = b[:, :, None]
                val = _st.norm.pdf(bb) * (_ncdf((ou - rr * bb) / r) - _ncdf((ol - rr * bb) / r))
                return np.where(np.isfinite(bb), np.nan_to_num(val), 0.0)
            return np.stack([part(up), -part(lo)], axis=-1)

    di = one(pairs.bounds[pairs.i], pairs.bounds[pairs.j])
    dj = one(pairs.bounds[pairs.j], pairs.bounds[pairs.i]).transpose(0, 2, 1, 3)
    return di, dj


def _gamma(codes, taus, n_cat, pairs, rho):
    n = len(codes)
    tabs, offs, n_th = _threshold_scores(codes, taus, n_cat)
    sc_th = np.concatenate([tabs[j][codes[:, j]] for j in range(codes.shape[1])], axis=1)
    a11_inv = np.zeros((n_th, n_th))
    for j, (tab, o) in enumerate(zip(tabs, offs)):
        cnt = np.bincount(codes[:, j], minlength=len(tab)).astype(float)
        block = (tab * cnt[:, None]).T @ tab
        a11_inv[o:o + len(block), o:o + len(block)] = np.linalg.inv(block)
    _, _, _, _, pi, s = pairs.derivs(rho)
    a22 = np.sum(pairs.observed * s * s, axis=(1, 2))                 # over the respondents, as lavaan
    di, dj = _pair_threshold_derivs(pairs, rho)
    w = pairs.observed * s / np.where(pi > 0, pi, 1.0)                  # n_ab s_ρ / π_ab
    P = len(rho)
    a21 = np.zeros((P, n_th))
    for m in range(P):
        for item, d, axis in ((pairs.i[m], di[m], 1), (pairs.j[m], dj[m], 0)):
            Kt = n_cat[item] - 1
            ws = (w[m] * d[..., 0]).sum(axis=axis)[:Kt] + (w[m] * d[..., 1]).sum(axis=axis)[1:Kt + 1]
            a21[m, offs[item]:offs[item] + Kt] = ws
    C = a21 @ a11_inv
    sc_rho = s.reshape(-1)[pairs.cell]                                   # (n, P)
    inv22 = np.where(a22 > 0, 1.0 / np.where(a22 > 0, a22, 1.0), 0.0)
    psi = (sc_rho - sc_th @ C.T) * inv22
    return n * (psi.T @ psi)
