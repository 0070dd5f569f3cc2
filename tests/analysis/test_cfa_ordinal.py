"""Ordinal CFA: the bivariate normal CDF against scipy, polychoric correlations against an
independent root of the score equation (scipy's CDF and density) and closed forms on tiny
tables, their asymptotic covariance against an independent implementation of lavaan's
recipe (numerical scores, the full bread matrix inverted) and a Monte Carlo, and DWLS /
robust SEs / the scaled-shifted test against independent computations."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, optimize, stats
from scipy.stats import multivariate_normal as mvn

import servgap as sg
from servgap.errors import MethodWarning
from servgap.stats import fitindex, sem
from servgap.stats.polychoric import bvn_cdf, polychoric

CUTS = [np.array([-1.0, 0.0, 1.0]), np.array([-0.5, 0.8]), np.array([-1.5, -0.5, 0.5, 1.2])]


def _cdf(h, k, r):
    h, k = np.clip([h, k], -40, 40)
    return mvn.cdf([h, k], cov=[[1, r], [r, 1]], abseps=1e-14, releps=1e-14)


def three_items(n=500, seed=3):
    rng = np.random.default_rng(seed)
    C = np.array([[1, .5, .3], [.5, 1, .6], [.3, .6, 1]])
    Z = rng.multivariate_normal(np.zeros(3), C, n)
    return np.column_stack([np.digitize(Z[:, j], CUTS[j]) + 1 for j in range(3)])


def _bounds(x):
    n = len(x)
    t = stats.norm.ppf(np.cumsum(np.bincount(x)[np.unique(x)]) / n)[:-1]
    return np.r_[-np.inf, t, np.inf]


def _table(x, y):
    _, cx = np.unique(x, return_inverse=True)
    _, cy = np.unique(y, return_inverse=True)
    tab = np.zeros((cx.max() + 1, cy.max() + 1))
    np.add.at(tab, (cx, cy), 1)
    return tab


def _oracle_rho(tab, bx, by):
    """Root of Σ n_ab (∂π_ab/∂ρ)/π_ab with ∂Φ₂/∂ρ = φ₂ (Plackett), scipy's CDF and density."""
    def pdf(h, k, r):
        return 0.0 if not (np.isfinite(h) and np.isfinite(k)) else mvn.pdf([h, k], cov=[[1, r], [r, 1]])

    def score(r):
        s = 0.0
        for a in range(tab.shape[0]):
            for b in range(tab.shape[1]):
                if tab[a, b] == 0:
                    continue
                corners = [(bx[a + 1], by[b + 1], 1), (bx[a], by[b + 1], -1), (bx[a + 1], by[b], -1), (bx[a], by[b], 1)]
                pi = sum(sg_ * _cdf(h, k, r) for h, k, sg_ in corners)
                dpi = sum(sg_ * pdf(h, k, r) for h, k, sg_ in corners)
                s += tab[a, b] * dpi / pi
        return s

    with np.errstate(divide="ignore", invalid="ignore"):
        return optimize.brentq(score, -0.99, 0.99, xtol=1e-14)


def test_bivariate_normal_cdf_against_scipy():
    rng = np.random.default_rng(1)
    h, k, r = rng.normal(0, 1.5, 200), rng.normal(0, 1.5, 200), rng.uniform(-0.999, 0.999, 200)
    h[:20], k[20:40] = 0.0, 0.0
    k[:5] = 0.0
    ours = bvn_cdf(h, k, r)
    ref = np.array([_cdf(a, b, c) for a, b, c in zip(h, k, r)])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(bvn_cdf(0.0, 0.0, r), 0.25 + np.arcsin(r) / (2 * np.pi), atol=1e-16)
    np.testing.assert_allclose(bvn_cdf(np.inf, k, r), stats.norm.cdf(k), atol=1e-16)
    assert (bvn_cdf(-np.inf, k, r) == 0).all() and bvn_cdf(np.inf, np.inf, 0.3) == 1.0


def test_polychoric_solves_the_independent_score_equation():
    X = three_items()
    pc = polychoric(X)
    for j in range(3):
        np.testing.assert_allclose(pc.thresholds[j], _bounds(X[:, j])[1:-1], rtol=1e-15)
    for a, b in [(1, 0), (2, 0), (2, 1)]:
        ref = _oracle_rho(_table(X[:, a], X[:, b]), _bounds(X[:, a]), _bounds(X[:, b]))
        assert pc.r[a, b] == pytest.approx(ref, abs=1e-10)
    assert np.allclose(pc.r, pc.r.T) and (np.diag(pc.r) == 1).all()


def test_tiny_tables_closed_forms():
    def table(n00, n01, n10, n11):
        return np.array([[0, 0]] * n00 + [[0, 1]] * n01 + [[1, 0]] * n10 + [[1, 1]] * n11)

    # equal margins: thresholds 0, Φ₂(0, 0; ρ) = ¼ + asin(ρ)/2π = p₀₀  ⇒  ρ = −cos(2π p₀₀)
    assert polychoric(table(30, 20, 20, 30)).r[1, 0] == pytest.approx(-np.cos(2 * np.pi * 0.3), abs=1e-12)
    assert polychoric(table(35, 15, 15, 35)).r[1, 0] == pytest.approx(-np.cos(2 * np.pi * 0.35), abs=1e-12)
    # independence table (ad = bc, unequal margins): ρ = 0
    assert polychoric(table(24, 36, 16, 24)).r[1, 0] == pytest.approx(0.0, abs=1e-12)
    # two empty cells: perfect association (lavaan)
    with pytest.warns(MethodWarning, match="two empty cells"):
        assert polychoric(table(30, 0, 0, 70)).r[1, 0] == 1.0
    with pytest.warns(MethodWarning, match="set to -1"):
        assert polychoric(table(0, 30, 70, 0)).r[1, 0] == -1.0
    # one empty cell: 0.5 added to it, margins kept (lavaan zero.add = 0.5)
    X = table(40, 0, 20, 40)
    adj = np.array([[39.5, 0.5], [20.5, 39.5]])          # off-diagonal zero: +0.5 off, −0.5 on the diagonal
    bx, by = _bounds(X[:, 0]), _bounds(X[:, 1])
    assert polychoric(X).r[1, 0] == pytest.approx(_oracle_rho(adj, bx, by), abs=1e-10)


def _scores_numeric(X):
    """Per-respondent scores of the univariate and pairwise log-likelihoods by central differences."""
    n, p = X.shape
    codes = np.column_stack([np.unique(X[:, j], return_inverse=True)[1] for j in range(p)])
    bnds = [_bounds(X[:, j]) for j in range(p)]
    h = 1e-6
    uni = []
    for j in range(p):
        b = bnds[j]
        K = len(b) - 1
        tab = np.zeros((K, K - 1))
        for c in range(K):
            for t in range(K - 1):
                def ll(d):
                    bb = b.copy()
                    bb[t + 1] += d
                    return np.log(stats.norm.cdf(bb[c + 1]) - stats.norm.cdf(bb[c]))
                tab[c, t] = (ll(h) - ll(-h)) / (2 * h)
        uni.append(tab[codes[:, j]])
    pc = polychoric(X, gamma=False)
    pairs = list(zip(*np.tril_indices(p, -1)))
    sc_rho, cross = [], []
    for a, b in pairs:
        ba, bb, r0 = bnds[a], bnds[b], pc.r[a, b]
        Ka, Kb = len(ba) - 1, len(bb) - 1

        def logpi(i, j, xa, xb, r):
            return np.log(_cdf(xa[i + 1], xb[j + 1], r) - _cdf(xa[i], xb[j + 1], r) - _cdf(xa[i + 1], xb[j], r)
                          + _cdf(xa[i], xb[j], r))

        d_rho = np.array([[(logpi(i, j, ba, bb, r0 + h) - logpi(i, j, ba, bb, r0 - h)) / (2 * h)
                           for j in range(Kb)] for i in range(Ka)])
        d_th = []
        for which, K in ((0, Ka), (1, Kb)):
            tab = np.zeros((Ka, Kb, K - 1))
            for t in range(K - 1):
                e = np.zeros(K + 1)
                e[t + 1] = h
                for i in range(Ka):
                    for j in range(Kb):
                        args_p = (ba + e, bb) if which == 0 else (ba, bb + e)
                        args_m = (ba - e, bb) if which == 0 else (ba, bb - e)
                        tab[i, j, t] = (logpi(i, j, *args_p, r0) - logpi(i, j, *args_m, r0)) / (2 * h)
            d_th.append(tab[codes[:, a], codes[:, b]])
        sc_rho.append(d_rho[codes[:, a], codes[:, b]])
        cross.append(d_th)
    return uni, np.column_stack(sc_rho), cross, pairs


def test_gamma_matches_an_independent_implementation_of_the_two_step_sandwich():
    X = three_items(n=300, seed=8)
    n, p = X.shape
    uni, sc_rho, cross, pairs = _scores_numeric(X)
    sizes = [u.shape[1] for u in uni]
    offs = np.r_[0, np.cumsum(sizes)]
    sc = np.column_stack(uni + [sc_rho])
    T, P = offs[-1], len(pairs)
    B = np.zeros((T + P, T + P))
    for j in range(p):
        B[offs[j]:offs[j + 1], offs[j]:offs[j + 1]] = uni[j].T @ uni[j]
    for m, (a, b) in enumerate(pairs):
        B[T + m, offs[a]:offs[a + 1]] = sc_rho[:, m] @ cross[m][0]
        B[T + m, offs[b]:offs[b + 1]] = sc_rho[:, m] @ cross[m][1]
        B[T + m, T + m] = sc_rho[:, m] @ sc_rho[:, m]
    Binv = np.linalg.inv(B)
    ref = n * (Binv @ (sc.T @ sc) @ Binv.T)[T:, T:]
    np.testing.assert_allclose(polychoric(X).gamma, ref, rtol=1e-5)


def test_gamma_agrees_with_monte_carlo_variability():
    rng = np.random.default_rng(5)
    C = np.array([[1, .5, .3], [.5, 1, .6], [.3, .6, 1]])
    n, est, gam = 400, [], []
    for _ in range(300):
        Z = rng.multivariate_normal(np.zeros(3), C, n)
        pc = polychoric(np.column_stack([np.digitize(Z[:, j], CUTS[j]) for j in range(3)]))
        est.append(pc.r[np.tril_indices(3, -1)])
        gam.append(pc.gamma)
    mc, asym = np.cov(np.array(est), rowvar=False) * n, np.mean(gam, axis=0)
    np.testing.assert_allclose(np.diag(mc), np.diag(asym), rtol=0.2)


FACTORS = [0, 0, 0, 1, 1, 1]
INST = sg.Instrument.from_dict({"id": "two", "scale": {"min": 1, "max": 6}, "dimensions": [
    {"id": "speed", "items": [{"id": "1"}, {"id": "2"}, {"id": "3"}]},
    {"id": "care", "items": [{"id": "4"}, {"id": "5"}, {"id": "6"}]}]})


def ordinal_survey_data(n=800, seed=11):
    rng = np.random.default_rng(seed)
    lam = np.array([0.8, 0.7, 0.6, 0.75, 0.65, 0.55])
    f = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], n)
    Z = f[:, FACTORS] * lam + rng.normal(size=(n, 6)) * np.sqrt(1 - lam ** 2)
    return np.digitize(Z, [-1.6, -0.8, 0.0, 0.7, 1.5]) + 1


@pytest.fixture(scope="module")
def dwls():
    X = ordinal_survey_data()
    pc = polychoric(X)
    i, j = np.tril_indices(6, -1)
    return sem.fit_dwls(pc.r[i, j], pc.gamma, len(X), FACTORS), pc, X


def _rho_std(t):
    """Model correlations with factor variances 1 (all six loadings free, tanh correlation)."""
    L = np.zeros((6, 2))
    L[np.arange(6), FACTORS] = t[:6]
    R = np.array([[1, np.tanh(t[6])], [np.tanh(t[6]), 1]])
    return (L @ R @ L.T)[np.tril_indices(6, -1)]


def test_dwls_reaches_the_optimum_of_an_independent_least_squares(dwls):
    fit, pc, _ = dwls
    r = pc.r[np.tril_indices(6, -1)]
    w = np.sqrt(1 / np.diag(pc.gamma))
    opt = optimize.least_squares(lambda t: w * (r - _rho_std(t)), np.r_[np.full(6, 0.5), 0.2],
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15)
    F = float(np.sum((w * (r - _rho_std(opt.x))) ** 2))
    assert fit.converged and np.max(np.abs(fit.gradient)) < 1e-12
    assert fit.objective == pytest.approx(F, rel=1e-10)
    np.testing.assert_allclose(fit.std_loadings, opt.x[:6], atol=1e-7)
    assert fit.factor_correlations[0, 1] == pytest.approx(np.tanh(opt.x[6]), abs=1e-7)
    assert fit.chi2 == pytest.approx(799 * F, rel=1e-12)        # (N − 1) · F_DWLS


def test_robust_standard_errors_by_an_independent_sandwich(dwls):
    fit, pc, X = dwls
    n = len(X)
    x, st = fit.x, fit.structure

    def rho(v):
        lam, phi, _ = st.unpack(v, residuals=False)
        return (lam @ phi @ lam.T)[np.tril_indices(6, -1)]

    D = np.column_stack([(rho(x + e) - rho(x - e)) / 2e-6 for e in np.eye(x.size) * 1e-6])
    V = np.diag(1 / np.diag(pc.gamma))
    Einv = np.linalg.inv(D.T @ V @ D)
    vcov = Einv @ D.T @ V @ pc.gamma @ V @ D @ Einv / (n - 1)
    np.testing.assert_allclose(fit.se, np.sqrt(np.diag(vcov)), rtol=1e-6)


def test_scaled_shifted_test_and_robust_indices_by_hand(dwls):
    fit, pc, X = dwls
    G, v, D = pc.gamma, 1 / np.diag(pc.gamma), fit.extra["delta"]
    # eigenvalues of UΓ via the orthogonal complement of Δ (lavaan's alternative route)
    Dc = linalg.null_space(D.T)
    ev = np.linalg.eigvals(np.linalg.solve(Dc.T @ np.diag(1 / v) @ Dc, Dc.T @ G @ Dc)).real
    df = 15 - 7                                        # 4 loadings, 2 variances, 1 covariance
    assert fit.df == df and Dc.shape[1] == df
    a = np.sqrt(df / np.sum(ev ** 2))
    T_ss = a * fit.chi2 + df - a * ev.sum()
    # baseline: no structural parameters, U = V: tr(UΓ) = p*, tr[(UΓ)²] = Σ γ_kl² / (γ_kk γ_ll)
    xb = 799 * np.sum(v * pc.r[np.tril_indices(6, -1)] ** 2)
    tr2b = np.sum(G ** 2 / np.outer(np.diag(G), np.diag(G)))
    ab = np.sqrt(15 / tr2b)
    Tb_ss = ab * xb + 15 - ab * 15
    s = sg.read_survey(pd.DataFrame(X, columns=[f"P{i}" for i in range(1, 7)]), instrument=INST,
                       columns={"perceived": "P{item}"})
    res = sg.cfa(s, ordered=True)
    f = res.fit
    assert f["chi2_scaled"] == pytest.approx(T_ss, rel=1e-10)
    assert f["chi2_baseline_scaled"] == pytest.approx(Tb_ss, rel=1e-10)
    assert f["p_scaled"] == pytest.approx(stats.chi2.sf(T_ss, df), rel=1e-9)
    assert f["scaling_factor"] == pytest.approx(1 / a, rel=1e-10)
    cfi = 1 - max(T_ss - df, 0) / max(T_ss - df, Tb_ss - 15, 0) if max(T_ss - df, Tb_ss - 15) > 0 else 1.0
    assert f["cfi_scaled"] == pytest.approx(cfi, abs=1e-12)
    assert f["tli_scaled"] == pytest.approx(1 - (T_ss - df) / (Tb_ss - 15) * 15 / df, rel=1e-10)
    assert f["rmsea_scaled"] == pytest.approx(np.sqrt(max(T_ss / (799 * df) - 1 / 799, 0)), abs=1e-14)
    assert f["rmsea"] == pytest.approx(np.sqrt(max(fit.chi2 / (799 * df) - 1 / 799, 0)), abs=1e-14)
    assert np.isnan(f["p"]) and f["estimator"] == "WLSMV" and f["test"] == "scaled.shifted"
    off = (pc.r - fit.implied)[np.tril_indices(6, -1)]
    assert f["srmr"] == pytest.approx(np.sqrt(np.sum(off ** 2) / 21), rel=1e-12)
    assert f["crmr"] == pytest.approx(np.sqrt(np.sum(off ** 2) / 15), rel=1e-12)
    assert fitindex.ugamma_traces(v, None, G)[0] == pytest.approx(15.0, rel=1e-12)


def test_survey_layer_thresholds_std_loadings_and_repr(dwls):
    fit, pc, X = dwls
    s = sg.read_survey(pd.DataFrame(X, columns=[f"P{i}" for i in range(1, 7)]), instrument=INST,
                       columns={"perceived": "P{item}"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", MethodWarning)
        res = sg.cfa(s, ordered=True)
    th = res.thresholds
    for j in range(6):
        cum = np.cumsum(np.bincount(X[:, j])[1:])[:-1] / len(X)
        np.testing.assert_allclose(th.loc[th["item"] == str(j + 1), "value"], stats.norm.ppf(cum), rtol=1e-14)
    ld = res.loadings
    lam = ld["estimate"].to_numpy()
    phi = np.diag(res.model.phi)[FACTORS]
    np.testing.assert_allclose(ld["std_loading"], lam * np.sqrt(phi), rtol=1e-12)
    np.testing.assert_allclose(ld["std_loading"], fit.std_loadings, rtol=1e-12)
    assert res.fit["n_params"] == 4 + 3 + 6 * 5 and res.fit["df"] == 8
    assert "WLSMV" in repr(res) and "χ²_scaled(8)" in repr(res)
