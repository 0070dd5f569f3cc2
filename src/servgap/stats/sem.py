"""Confirmatory factor analysis of a simple structure (pure numpy/scipy).

``p`` items, ``m`` factors; item ``j`` loads on factor ``f(j)`` only; the first item of
each factor is its marker (loading fixed to 1, lavaan's default); the factor variances
and covariances ``Φ`` are free. Parameters are ordered as lavaan lists them: free
loadings (item order), residual variances (ML only), factor variances, factor
covariances (``(0,1), (0,2), ..., (1,2), ...``).

**Maximum likelihood** (continuous items): ``Σ(θ) = ΛΦΛ' + Θ`` with ``Θ`` diagonal and::

    F_ML(θ) = log|Σ| + tr(S Σ⁻¹) − log|S| − p        (S with divisor N)
    ∂F/∂θ_k = tr(M Σ_k),   M = Σ⁻¹ − Σ⁻¹ S Σ⁻¹,    Σ_k = ∂Σ/∂θ_k
    H_kl    = tr(Σ⁻¹ Σ_k Σ⁻¹ Σ_l)                    (expected Hessian of F)

minimised by Fisher scoring ``θ ← θ − t H⁻¹ ∇F`` (step halving while ``F`` does not
decrease) until ``max |∂F/∂θ| < 1e-12``. ``χ² = N · F_ML`` (lavaan, ``likelihood =
"normal"``); the expected (structured) information per respondent is ``I = H / 2`` so
``Var(θ̂) = I⁻¹ / N`` (lavaan ``information = "expected"``).

**Diagonally weighted least squares** (ordinal items, lavaan's *delta* parameterisation):
the latent responses have unit variance, so the model correlations are the off-diagonal
elements ``ρ(θ)`` of ``ΛΦΛ'`` and the residual variances are ``1 − diag(ΛΦΛ')``::

    F_DWLS(θ) = Σ_k (r_k − ρ_k(θ))² / γ_kk            (k over the p(p−1)/2 pairs)

with ``r`` the polychoric correlations and ``γ_kk`` the diagonal of their asymptotic
covariance ``Γ`` (`servgap.stats.polychoric`), minimised by Gauss–Newton. Thresholds are
saturated, so they fit exactly and drop out of estimates, standard errors and tests
(their block of the residual projector is zero). Robust ("sandwich") covariance,
lavaan ``se = "robust.sem"``::

    Var(θ̂) = (Δ'VΔ)⁻¹ Δ'V Γ V Δ (Δ'VΔ)⁻¹ / (N − 1),    V = diag(1/γ_kk),  Δ = ∂ρ/∂θ

References: Jöreskog (1969); Lee & Jennrich (1979) for Fisher scoring; Muthén (1984);
Muthén, du Toit & Spisic (1997); Rosseel (2012), lavaan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Structure:
    """Simple-structure CFA: ``item_factor[j]`` is the factor of item ``j``."""

    item_factor: np.ndarray
    n_factors: int
    markers: np.ndarray = field(repr=False)
    free: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, item_factor) -> "Structure":
        f = np.asarray(item_factor, dtype=np.int64)
        m = int(f.max()) + 1
        markers = np.array([int(np.flatnonzero(f == k)[0]) for k in range(m)])
        free = np.setdiff1d(np.arange(len(f)), markers)
        return cls(f, m, markers, free)

    @property
    def p(self) -> int:
        return len(self.item_factor)

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Factor pairs ``(k, l)``, ``k < l``, in lavaan's order."""
        return np.triu_indices(self.n_factors, 1)

    def n_params(self, residuals: bool = True) -> int:
        m = self.n_factors
        return len(self.free) + (self.p if residuals else 0) + m + m * (m - 1) // 2

    def unpack(self, x: np.ndarray, residuals: bool = True):
        """``(Λ, Φ, ψ)`` from the parameter vector (``ψ`` is None without residuals)."""
        p, m, nf = self.p, self.n_factors, len(self.free)
        lam = np.zeros((p, m))
        lam[self.markers, np.arange(m)] = 1.0
        lam[self.free, self.item_factor[self.free]] = x[:nf]
        pos = nf
        psi = None
        if residuals:
            psi = x[pos:pos + p]
            pos += p
        phi = np.diag(x[pos:pos + m])
        k, l = self.pairs
        phi[k, l] = phi[l, k] = x[pos + m:]
        return lam, phi, psi

    def pack(self, lam, phi, psi=None) -> np.ndarray:
        k, l = self.pairs
        parts = [lam[self.free, self.item_factor[self.free]]]
        if psi is not None:
            parts.append(psi)
        return np.concatenate(parts + [np.diag(phi), phi[k, l]])

    def dsigma(self, lam: np.ndarray, phi: np.ndarray, residuals: bool = True) -> np.ndarray:
        """``∂Σ/∂θ_k`` for every parameter, shape ``(q, p, p)``."""
        p, m = self.p, self.n_factors
        lp = lam @ phi
        out = []
        for j in self.free:
            d = np.zeros((p, p))
            v = lp[:, self.item_factor[j]]
            d[j, :] += v
            d[:, j] += v
            out.append(d)
        if residuals:
            eye = np.eye(p)
            out.extend(eye[j][:, None] * eye[j][None, :] for j in range(p))
        out.extend(np.outer(lam[:, k], lam[:, k]) for k in range(m))
        out.extend(np.outer(lam[:, k], lam[:, l]) + np.outer(lam[:, l], lam[:, k]) for k, l in zip(*self.pairs))
        return np.array(out).reshape(-1, p, p)


def start_values(S: np.ndarray, st: Structure, residuals: bool = True) -> np.ndarray:
    """Starting values: a one-factor principal axis per dimension, factor correlations
    from the cross-dimension covariances (clipped to ±0.9)."""
    sd = np.sqrt(np.diag(S))
    R = S / np.outer(sd, sd)
    L = np.zeros(st.p)
    for k in range(st.n_factors):
        idx = np.flatnonzero(st.item_factor == k)
        w, v = np.linalg.eigh(R[np.ix_(idx, idx)])
        lk = v[:, -1] * np.sqrt(max(w[-1], 1e-6))
        lk = lk if lk[0] >= 0 else -lk
        L[idx] = np.clip(lk, -0.95, 0.95) * sd[idx]
    L[np.abs(L) < 1e-3 * sd] = 1e-3 * sd[np.abs(L) < 1e-3 * sd]
    lam = np.zeros((st.p, st.n_factors))
    lam[np.arange(st.p), st.item_factor] = L / L[st.markers][st.item_factor]
    fvar = L[st.markers] ** 2
    phi = np.diag(fvar)
    for k, l in zip(*st.pairs):
        a, b = np.flatnonzero(st.item_factor == k), np.flatnonzero(st.item_factor == l)
        c = np.median(S[np.ix_(a, b)] / np.outer(L[a], L[b]))
        phi[k, l] = phi[l, k] = np.clip(c, -0.9, 0.9) * np.sqrt(fvar[k] * fvar[l])
    psi = np.maximum(np.diag(S) - L ** 2, 0.1 * np.diag(S)) if residuals else None
    return st.pack(lam, phi, psi)


@dataclass
class Fit:
    """An estimated CFA: parameters, implied matrix, covariance of the estimates, test."""

    structure: Structure
    estimator: str
    x: np.ndarray
    lam: np.ndarray
    phi: np.ndarray
    psi: np.ndarray
    implied: np.ndarray
    objective: float
    gradient: np.ndarray
    vcov: np.ndarray
    chi2: float
    df: int
    n: int
    iterations: int
    converged: bool
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    @property
    def std_loadings(self) -> np.ndarray:
        """Completely standardised loadings ``λ_j √φ_kk / √Σ_jj`` (lavaan ``std.all``)."""
        st = self.structure
        lam = self.lam[np.arange(st.p), st.item_factor]
        return lam * np.sqrt(np.diag(self.phi))[st.item_factor] / np.sqrt(np.diag(self.implied))

    @property
    def factor_correlations(self) -> np.ndarray:
        d = np.sqrt(np.abs(np.diag(self.phi)))
        out = self.phi / np.outer(d, d)
        np.fill_diagonal(out, 1.0)
        return out


def _f_ml(S, logdet_s, sigma):
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf
    return float(logdet + np.trace(np.linalg.solve(sigma, S)) - logdet_s - len(S))


def ml_objective(x: np.ndarray, S: np.ndarray, st: Structure) -> float:
    """``F_ML(θ)`` (``inf`` where ``Σ(θ)`` is not positive definite)."""
    lam, phi, psi = st.unpack(x)
    return _f_ml(S, np.linalg.slogdet(S)[1], lam @ phi @ lam.T + np.diag(psi))


def ml_gradient_information(x: np.ndarray, S: np.ndarray, st: Structure) -> tuple[np.ndarray, np.ndarray]:
    """Analytic gradient ``∂F_ML/∂θ`` and expected Hessian ``H`` (information ``= H/2``)."""
    lam, phi, psi = st.unpack(x)
    sigma = lam @ phi @ lam.T + np.diag(psi)
    si = np.linalg.inv(sigma)
    D = st.dsigma(lam, phi)
    M = si - si @ S @ si
    A = np.matmul(si, D)
    return np.einsum("ij,kji->k", M, D), np.einsum("kij,lji->kl", A, A)


def fit_ml(S: np.ndarray, n: int, item_factor, max_iter: int = 1000, gtol: float = 1e-12) -> Fit:
    """Maximum-likelihood CFA of the covariance matrix ``S`` (divisor ``N``) of ``n`` respondents.

    Examples
    --------
    >>> lam = np.array([[1, 0], [.8, 0], [.6, 0], [0, 1], [0, .7], [0, .9]])
    >>> phi = np.array([[1., .4], [.4, .8]])
    >>> S = lam @ phi @ lam.T + np.diag(np.full(6, .5))
    >>> fit = fit_ml(S, 500, [0, 0, 0, 1, 1, 1])
    >>> round(fit.chi2, 10), fit.df, np.round(fit.x[:4], 10)
    (0.0, 8, array([0.8, 0.6, 0.7, 0.9]))
    """
    S = np.asarray(S, dtype=np.float64)
    st = Structure.of(item_factor)
    logdet_s = np.linalg.slogdet(S)[1]
    x = start_values(S, st)
    f = ml_objective(x, S, st)
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        g, H = ml_gradient_information(x, S, st)
        if np.max(np.abs(g)) < gtol:
            converged = True
            break
        step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while t > 1e-12:
            x_new = x - t * step
            f_new = ml_objective(x_new, S, st)
            if f_new <= f or (np.isfinite(f_new) and np.max(np.abs(g)) < 1e-6):
                break
            t /= 2
        else:
            break                       # no descent possible: stop at the current point
        x, f = x_new, f_new
    g, H = ml_gradient_information(x, S, st)
    converged = converged or bool(np.max(np.abs(g)) < 1e-9)
    lam, phi, psi = st.unpack(x)
    p = st.p
    vcov = 2.0 * np.linalg.pinv(H) / n
    return Fit(st, "ML", x, lam, phi, psi, lam @ phi @ lam.T + np.diag(psi), f, g, vcov, n * f,
               p * (p + 1) // 2 - st.n_params(), n, it, converged,
               extra=dict(S=S, chi2_baseline=n * (np.log(np.diag(S)).sum() - logdet_s),
                          df_baseline=p * (p - 1) // 2, information=H / 2))


# ----------------------------------------------------------------------------- DWLS

def _dwls_parts(x, st):
    lam, phi, _ = st.unpack(x, residuals=False)
    i, j = np.tril_indices(st.p, -1)
    rho = (lam @ phi @ lam.T)[i, j]
    delta = st.dsigma(lam, phi, residuals=False)[:, i, j].T      # (pairs, q)
    return rho, delta


def fit_dwls(r: np.ndarray, gamma: np.ndarray, n: int, item_factor, max_iter: int = 1000,
             gtol: float = 1e-13) -> Fit:
    """DWLS CFA of correlations ``r`` (lower triangle, row order of ``np.tril_indices(p, -1)``)
    with asymptotic covariance ``gamma`` (``N · ACOV``) from ``n`` respondents.

    Returns the fit with ``chi2 = (N − 1) · F_DWLS`` (lavaan's standard DWLS statistic) and,
    in ``extra``, the matrices the robust test needs (`scaled_shifted`).
    """
    st = Structure.of(item_factor)
    p = st.p
    i, j = np.tril_indices(p, -1)
    R = np.eye(p)
    R[i, j] = R[j, i] = r
    v = 1.0 / np.diag(gamma)
    x = start_values(R, st, residuals=False)

    def objective(x):
        return float(np.sum(v * (r - _dwls_parts(x, st)[0]) ** 2))

    f, converged, it = objective(x), False, 0
    for it in range(1, max_iter + 1):
        rho, delta = _dwls_parts(x, st)
        g = -2 * delta.T @ (v * (r - rho))
        if np.max(np.abs(g)) < gtol:
            converged = True
            break
        step = np.linalg.lstsq(delta.T @ (v[:, None] * delta), delta.T @ (v * (r - rho)), rcond=None)[0]
        t = 1.0
        while t > 1e-12:
            f_new = objective(x + t * step)
            if f_new <= f or np.max(np.abs(g)) < 1e-7:
                break
            t /= 2
        else:
            break
        x, f = x + t * step, f_new
    rho, delta = _dwls_parts(x, st)
    g = -2 * delta.T @ (v * (r - rho))
    converged = converged or bool(np.max(np.abs(g)) < 1e-9)
    E = delta.T @ (v[:, None] * delta)
    e_inv = np.linalg.pinv(E)
    vd = v[:, None] * delta
    vcov = e_inv @ (vd.T @ gamma @ vd) @ e_inv / (n - 1)
    lam, phi, _ = st.unpack(x, residuals=False)
    common = lam @ phi @ lam.T
    implied = common - np.diag(np.diag(common)) + np.eye(p)
    df = p * (p - 1) // 2 - st.n_params(residuals=False)
    return Fit(st, "DWLS", x, lam, phi, 1.0 - np.diag(common), implied, f, g, vcov, (n - 1) * f, df, n,
               it, converged, extra=dict(S=R, v=v, delta=delta, e_inv=e_inv, gamma=gamma,
                                         chi2_baseline=(n - 1) * float(np.sum(v * r ** 2)),
                                         df_baseline=p * (p - 1) // 2))
