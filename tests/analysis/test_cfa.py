"""CFA: semopy estimates against an independent ML fit (scipy.optimize), fit indices by hand
and against the published lavaan Holzinger–Swineford solution."""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import servgap as sg
from servgap.analysis import cfa as cfa_mod
from servgap.errors import ConfigError, MethodWarning

pytest.importorskip("semopy")

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


def own_ml(X):
    """Two correlated factors (variances 1) by minimising F_ML with scipy."""
    S = np.cov(X, rowvar=False, bias=True)
    p = S.shape[0]
    mask = np.zeros((6, 2))
    mask[:3, 0] = mask[3:, 1] = 1

    def sigma(t):
        L = mask * np.repeat(t[:6, None], 2, axis=1)
        r = np.tanh(t[12])
        return L @ np.array([[1, r], [r, 1]]) @ L.T + np.diag(np.exp(t[6:12]))

    def F(t):
        Sg = sigma(t)
        _, logdet = np.linalg.slogdet(Sg)
        return logdet + np.trace(S @ np.linalg.inv(Sg)) - np.linalg.slogdet(S)[1] - p

    t0 = np.r_[np.full(6, 0.7), np.full(6, np.log(0.4)), 0.3]
    opt = optimize.minimize(F, t0, method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
    Sg = sigma(opt.x)
    return dict(std=opt.x[:6] / np.sqrt(np.diag(Sg)), phi=np.tanh(opt.x[12]), F=opt.fun, S=S, Sigma=Sg)


@pytest.fixture(scope="module")
def fitted():
    df = simulate(600)
    s = sg.read_survey(df, instrument=INST, columns={"perceived": "P{item}"})
    return cfa_mod.cfa(s), own_ml(df.to_numpy())


def test_estimates_and_chi2_match_independent_ml(fitted):
    res, ref = fitted
    np.testing.assert_allclose(np.abs(res.loadings["std_loading"]), np.abs(ref["std"]), atol=5e-4)
    assert abs(res.factor_correlations.loc["speed", "care"]) == pytest.approx(abs(ref["phi"]), abs=5e-4)
    n = res.fit["n"]
    assert n == 600 and res.fit["df"] == 8
    assert res.fit["chi2"] == pytest.approx(n * ref["F"], rel=1e-4)
    assert res.fit["p"] == pytest.approx(stats.chi2.sf(res.fit["chi2"], 8), rel=1e-6)


def test_srmr_rmsea_cr_ave_by_hand(fitted):
    res, ref = fitted
    S, Sg = ref["S"], ref["Sigma"]
    total, count = 0.0, 0
    for i in range(6):
        for j in range(i + 1):
            r = S[i, j] / np.sqrt(S[i, i] * S[j, j])
            rho = Sg[i, j] / np.sqrt(Sg[i, i] * Sg[j, j])
            total += (r - rho) ** 2
            count += 1
    assert res.fit["srmr"] == pytest.approx(np.sqrt(total / count), abs=2e-4)
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
    # the interval bounds solve the noncentral chi-square equations
    lam_lo, lam_hi = lo ** 2 * 24 * 301, hi ** 2 * 24 * 301
    assert stats.ncx2.cdf(85.306, 24, lam_lo) == pytest.approx(0.95, abs=1e-6)
    assert stats.ncx2.cdf(85.306, 24, lam_hi) == pytest.approx(0.05, abs=1e-6)
    assert cfa_mod.rmsea_ci(10.0, 12, 500)[:2] == (0.0, 0.0)


def test_small_n_warns_and_errors(monkeypatch):
    s = sg.read_survey(simulate(120, seed=4), instrument=INST, columns={"perceived": "P{item}"})
    with pytest.warns(MethodWarning, match="below the usual minimum"):
        cfa_mod.cfa(s)
    for kwargs, words in [({"missing": "fiml"}, "listwise"), ({"viewpoint": "expected"}, "viewpoint"),
                          ({"viewpoint": "gap"}, "expected and perceived")]:
        with pytest.raises(ConfigError, match=words):
            cfa_mod.cfa(s, **kwargs)
    monkeypatch.setitem(sys.modules, "semopy", None)
    with pytest.raises(ImportError, match="pip install"):
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
    assert "CFA (perceived" in repr(v)
