"""ML CFA: the published lavaan Holzinger–Swineford solution, the optimum itself (gradient,
information against a finite-difference Hessian, an independent optimiser on another
parametrisation), fit indices by hand, and the survey-facing layer.

tests/data/holzinger_swineford1939.csv: the 301 children of Holzinger & Swineford (1939), as
shipped with lavaan (``HolzingerSwineford1939``) and semopy (values to 7 decimals)."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import servgap as sg
from servgap.analysis import cfa as cfa_mod
from servgap.errors import ConfigError, DataError, MethodWarning
from servgap.stats import fitindex, sem

HS = pd.read_csv(Path(__file__).parents[1] / "data" / "holzinger_swineford1939.csv")
HS_FACTORS = [0, 0, 0, 1, 1, 1, 2, 2, 2]

INST = sg.Instrument.from_dict({"id": "two", "scale": {"min": -50, "max": 50}, "dimensions": [
    {"id": "speed", "items": [{"id": "a1"}, {"id": "a2"}, {"id": "a3"}]},
    {"id": "care", "items": [{"id": "b1"}, {"id": "b2"}, {"id": "b3"}]}]})
LAM = np.array([0.8, 0.7, 0.6, 0.9, 0.7, 0.5])


def simulate(n, seed=1, phi=0.5):
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, phi], [phi, 1]], n)
    X = np.column_stack([f[:, 0] * LAM[i] for i in range(3)] + [f[:, 1] * LAM[i] for i in range(3, 6)])
    X = X + rng.normal(0, 0.6, X.shape)
    return pd.DataFrame(X, columns=[f"P{i}" for i in INST.item_ids])


@pytest.fixture(scope="module")
def hs_fit():
    X = HS[[f"x{i}" for i in range(1, 10)]].to_numpy()
    S = np.cov(X, rowvar=False, bias=True)
    return sem.fit_ml(S, len(X), HS_FACTORS), S


def test_holzinger_swineford_matches_published_lavaan(hs_fit):
    # lavaan tutorial (cfa(HS.model, data = HolzingerSwineford1939)), 3 decimals
    fit, S = hs_fit
    est = [0.554, 0.729, 1.113, 0.926, 1.180, 1.082,                       # loadings
           0.549, 1.134, 0.844, 0.371, 0.446, 0.356, 0.799, 0.488, 0.566,  # residual variances
           0.809, 0.979, 0.384, 0.408, 0.262, 0.173]                        # factor (co)variances
    se = [0.100, 0.109, 0.065, 0.055, 0.165, 0.151,
          0.114, 0.102, 0.091, 0.048, 0.058, 0.043, 0.081, 0.074, 0.071,
          0.145, 0.112, 0.086, 0.074, 0.056, 0.049]
    np.testing.assert_allclose(fit.x, est, atol=5e-4)
    np.testing.assert_allclose(fit.se, se, atol=5e-4)
    np.testing.assert_allclose(fit.std_loadings, [0.772, 0.424, 0.581, 0.852, 0.855, 0.838, 0.570, 0.723, 0.665],
                               atol=5e-4)
    assert fit.df == 24 and round(fit.chi2, 3) == 85.306
    assert round(fit.extra["chi2_baseline"], 3) == 918.852
    cfi, tli = fitindex.incremental_fit(fit.chi2, 24, fit.extra["chi2_baseline"], 36)
    r, lo, hi = fitindex.rmsea_ci(fit.chi2, 24, 301)
    s = fitindex.srmr(S, fit.implied)
    # fitMeasures(): cfi .931, tli .896, rmsea .092 [.071, .114], srmr .065, crmr .073, srmr_mplus .065
    assert [round(v, 3) for v in (cfi, tli, r, lo, hi, s["srmr"], s["crmr"], s["srmr_mplus"])] == \
        [0.931, 0.896, 0.092, 0.071, 0.114, 0.065, 0.073, 0.065]
    assert s["srmr"] == s["srmr_bentler"]


def test_optimum_gradient_zero_and_analytic_gradient_matches_differences(hs_fit):
    fit, S = hs_fit
    st = fit.structure
    assert fit.converged and np.max(np.abs(fit.gradient)) < 1e-10
    g, _ = sem.ml_gradient_information(fit.x, S, st)
    assert np.max(np.abs(g)) < 1e-10
    x0 = fit.x + np.random.default_rng(0).normal(0, 0.05, fit.x.size)
    g0, _ = sem.ml_gradient_information(x0, S, st)
    fd = optimize.approx_fprime(x0, sem.ml_objective, 1e-7, S, st)
    np.testing.assert_allclose(g0, fd, rtol=1e-4, atol=1e-6)


def test_expected_information_is_the_hessian_at_a_perfect_fit(hs_fit):
    # with S = Σ(θ̂) the observed and expected information coincide: compare with a
    # finite-difference Hessian of the objective itself
    fit, _ = hs_fit
    S0, st, x = fit.implied, fit.structure, fit.x
    _, H = sem.ml_gradient_information(x, S0, st)
    h = 1e-4
    E = np.eye(x.size) * h
    f = lambda v: sem.ml_objective(v, S0, st)
    Hfd = np.array([[(f(x + E[a] + E[b]) - f(x + E[a] - E[b]) - f(x - E[a] + E[b]) + f(x - E[a] - E[b])) / (4 * h * h)
                     for b in range(x.size)] for a in range(x.size)])
    np.testing.assert_allclose(H, Hfd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fit.extra["information"], H / 2)   # the information at θ̂ (structured)
    refit = sem.fit_ml(S0, 301, HS_FACTORS)
    assert refit.chi2 < 1e-18 and np.max(np.abs(refit.x - x)) < 1e-9


def _independent_ml(S, factors):
    """F_ML over another parametrisation (factor variances 1, all loadings free, log residual
    variances, tanh factor correlations) in complex arithmetic, so BFGS gets the exact
    complex-step gradient."""
    p, m = S.shape[0], max(factors) + 1
    k, l = np.triu_indices(m, 1)

    def sigma(t):
        L = np.zeros((p, m), dtype=t.dtype)
        L[np.arange(p), factors] = t[:p]
        R = np.eye(m, dtype=t.dtype)
        R[k, l] = R[l, k] = np.tanh(t[2 * p:])
        return L @ R @ L.T + np.diag(np.exp(t[p:2 * p]))

    def F(t):
        Sg = sigma(t)
        return np.log(np.linalg.det(Sg)) + np.trace(S @ np.linalg.inv(Sg)) - np.log(np.linalg.det(S)) - p

    t0 = np.r_[np.sqrt(np.diag(S)) * 0.7, np.log(np.diag(S) * 0.5), np.full(len(k), 0.3)]
    eye = np.eye(t0.size)
    jac = lambda t: np.array([F(t + 1e-30j * e).imag / 1e-30 for e in eye])     # complex step
    opt = optimize.minimize(lambda t: F(t).real, t0, jac=jac, method="BFGS", options=dict(gtol=1e-11, maxiter=20000))
    # back to the marker parametrisation: loading_j / loading_marker, φ_kk = loading_marker²
    L = opt.x[:p]
    markers = [factors.index(f) for f in range(m)]
    scale = L[markers][factors]
    return dict(F=float(F(opt.x).real), loadings=L / scale, fvar=L[markers] ** 2, psi=np.exp(opt.x[p:2 * p]))


def test_independent_optimiser_reaches_the_same_optimum(hs_fit):
    fit, S = hs_fit
    ref = _independent_ml(S, HS_FACTORS)
    assert fit.objective == pytest.approx(ref["F"], rel=1e-10)
    assert fit.objective <= ref["F"] + 1e-15
    lam = fit.lam[np.arange(9), HS_FACTORS]
    np.testing.assert_allclose(lam, ref["loadings"], atol=1e-6)
    np.testing.assert_allclose(fit.psi, ref["psi"], atol=1e-6)
    np.testing.assert_allclose(np.diag(fit.phi), ref["fvar"], atol=1e-6)


def test_semopy_stops_short_of_the_optimum(hs_fit):
    semopy = pytest.importorskip("semopy")
    fit, S = hs_fit
    data = HS[[f"x{i}" for i in range(1, 10)]]
    model = semopy.Model("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9")
    model.fit(data)
    chi2 = float(semopy.calc_stats(model)["chi2"].iloc[0])
    assert chi2 == pytest.approx(fit.chi2, rel=1e-4) and chi2 >= fit.chi2 - 1e-9


@pytest.fixture(scope="module")
def fitted():
    df = simulate(600)
    s = sg.read_survey(df, instrument=INST, columns={"perceived": "P{item}"})
    return cfa_mod.cfa(s), df.to_numpy()


def test_survey_cfa_matches_the_independent_fit(fitted):
    res, X = fitted
    S = np.cov(X, rowvar=False, bias=True)
    ref = _independent_ml(S, [0, 0, 0, 1, 1, 1])
    n = res.fit["n"]
    assert n == 600 and res.fit["df"] == 8 and res.fit["estimator"] == "ML"
    assert res.fit["chi2"] == pytest.approx(n * ref["F"], rel=1e-9)
    assert res.fit["p"] == pytest.approx(stats.chi2.sf(res.fit["chi2"], 8), rel=1e-12)
    est = res.loadings.set_index("item")["estimate"]
    np.testing.assert_allclose(est.to_numpy(), ref["loadings"], atol=1e-6)
    assert np.isnan(res.loadings["se"].iloc[0]) and np.isnan(res.fit["chi2_scaled"])


def test_srmr_rmsea_cr_ave_by_hand(fitted):
    res, X = fitted
    S, Sg = np.cov(X, rowvar=False, bias=True), res.model.implied
    bentler = bollen = 0.0
    for i in range(6):
        for j in range(i + 1):
            bentler += ((S[i, j] - Sg[i, j]) / np.sqrt(S[i, i] * S[j, j])) ** 2
            if i != j:
                bollen += (S[i, j] / np.sqrt(S[i, i] * S[j, j]) - Sg[i, j] / np.sqrt(Sg[i, i] * Sg[j, j])) ** 2
    assert res.fit["srmr"] == pytest.approx(np.sqrt(bentler / 21), rel=1e-12)
    assert res.fit["crmr"] == pytest.approx(np.sqrt(bollen / 15), rel=1e-12)
    chi2, df, n = res.fit["chi2"], res.fit["df"], res.fit["n"]
    assert res.fit["rmsea"] == pytest.approx(np.sqrt(max(chi2 - df, 0) / (df * n)), abs=1e-12)
    lam = res.loadings.set_index("item")["std_loading"].abs()
    for dim, items in (("speed", ["a1", "a2", "a3"]), ("care", ["b1", "b2", "b3"])):
        L = lam[items].to_numpy()
        row = res.reliability.set_index("dimension").loc[dim]
        assert row["cr"] == pytest.approx(L.sum() ** 2 / (L.sum() ** 2 + (1 - L ** 2).sum()))
        assert row["ave"] == pytest.approx((L ** 2).mean())
        assert row["fornell_larcker_ok"]
        assert res.fornell_larcker.loc[dim, dim] == pytest.approx(np.sqrt(row["ave"]))
    assert cfa_mod.composite_reliability([0.7, 0.8, 0.9]) == pytest.approx((5.76 / 6.82, 1.94 / 3))


def test_fit_indices_against_published_lavaan_example():
    # lavaan tutorial, Holzinger-Swineford 3-factor CFA: chi2 = 85.306, df = 24, N = 301;
    # baseline chi2 = 918.852, df = 36; CFI 0.931, TLI 0.896, RMSEA 0.092 [0.071, 0.114]
    r, lo, hi = cfa_mod.rmsea_ci(85.306, 24, 301)
    assert (round(r, 3), round(lo, 3), round(hi, 3)) == (0.092, 0.071, 0.114)
    cfi, tli = cfa_mod.incremental_fit(85.306, 24, 918.852, 36)
    assert (round(cfi, 3), round(tli, 3)) == (0.931, 0.896)
    lam_lo, lam_hi = lo ** 2 * 24 * 301, hi ** 2 * 24 * 301
    assert stats.ncx2.cdf(85.306, 24, lam_lo) == pytest.approx(0.95, abs=1e-9)
    assert stats.ncx2.cdf(85.306, 24, lam_hi) == pytest.approx(0.05, abs=1e-9)
    assert cfa_mod.rmsea_ci(10.0, 12, 500)[:2] == (0.0, 0.0)
    assert fitindex.incremental_fit(5.0, 8, 900.0, 15) == (1.0, pytest.approx(1 - (5 - 8) / (900 - 15) * 15 / 8))


def test_small_n_warns_and_errors(monkeypatch):
    s = sg.read_survey(simulate(120, seed=4), instrument=INST, columns={"perceived": "P{item}"})
    with pytest.warns(MethodWarning, match="below the usual minimum"):
        cfa_mod.cfa(s)
    for kwargs, words in [({"missing": "fiml"}, "listwise"), ({"viewpoint": "expected"}, "viewpoint"),
                          ({"viewpoint": "gap"}, "expected and perceived"), ({"ordered": ["a1"]}, "True.*False")]:
        with pytest.raises(ConfigError, match=words):
            cfa_mod.cfa(s, **kwargs)
    monkeypatch.setitem(sys.modules, "semopy", None)          # semopy is no longer needed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        assert cfa_mod.cfa(s).fit["converged"]


def test_constant_and_non_integer_items_are_clear_errors():
    df = simulate(300, seed=2)
    df["Pb2"] = 1.5
    s = sg.read_survey(df, instrument=INST, columns={"perceived": "P{item}"})
    with pytest.raises(DataError, match=r"item 'b2'.*constant"):
        cfa_mod.cfa(s)
    s = sg.read_survey(simulate(300, seed=2), instrument=INST, columns={"perceived": "P{item}"})
    with pytest.raises(ConfigError, match=r"item 'a1': ordered=True.*ordered=False"):
        cfa_mod.cfa(s, ordered=True)
    df = simulate(300, seed=2)
    df["Pb3"] = df["Pa1"] + df["Pb1"]                        # a linear combination of two other items
    s = sg.read_survey(df, instrument=INST, columns={"perceived": "P{item}"})
    with pytest.raises(DataError, match="singular.*ordered=True"):
        cfa_mod.cfa(s)


def test_listwise_and_validity_hook():
    df = simulate(400, seed=9)
    df.iloc[:30, 2] = np.nan
    s = sg.read_survey(df, instrument=INST, columns={"perceived": "P{item}"})
    res = sg.analyze(s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        v = res.validity
    assert v.fit["n"] == 370 and v.fit["missing"] == "listwise" and v.fit["estimator"] == "ML"
    assert set(v.loadings["dimension"]) == {"speed", "care"}
    assert "CFA (perceived" in repr(v) and "χ²(8)" in repr(v)
