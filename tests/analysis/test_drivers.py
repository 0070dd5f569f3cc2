"""Stated/derived importance and IPA against statsmodels OLS and hand Shapley values."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

import servgap as sg
from servgap.analysis import drivers
from servgap.errors import ConfigError, MethodWarning
from servgap.stats.relimp import shapley_r2, subset_r2, weighted_corr


def ols_r2(y, X):
    return sm.OLS(y, sm.add_constant(X)).fit().rsquared if X.shape[1] else 0.0


def test_shapley_three_predictors_by_hand():
    rng = np.random.default_rng(2)
    n = 300
    X = rng.normal(size=(n, 3)) @ np.array([[1, .5, .2], [0, 1, .4], [0, 0, 1]])
    y = X @ [0.5, 0.3, -0.2] + rng.normal(size=n)
    r2 = {S: ols_r2(y, X[:, list(S)]) for S in [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]}
    # Shapley: average marginal contribution over the 3! orders
    phi0 = (2 * (r2[(0,)] - r2[()]) + (r2[(0, 1)] - r2[(1,)]) + (r2[(0, 2)] - r2[(2,)])
            + 2 * (r2[(0, 1, 2)] - r2[(1, 2)])) / 6
    R = weighted_corr(np.column_stack([X, y]))
    phi = shapley_r2(R)
    assert phi[0] == pytest.approx(phi0, abs=1e-12)
    assert phi.sum() == pytest.approx(r2[(0, 1, 2)], abs=1e-12)
    sub = subset_r2(R)
    assert sub[0b101] == pytest.approx(r2[(0, 2)], abs=1e-12)


def test_shapley_two_predictors_closed_form():
    r1, r2_, r12 = 0.5, 0.3, 0.4
    R = np.array([[1, r12, r1], [r12, 1, r2_], [r1, r2_, 1]])
    full = (r1 ** 2 + r2_ ** 2 - 2 * r1 * r2_ * r12) / (1 - r12 ** 2)
    phi = shapley_r2(R)
    assert phi[0] == pytest.approx(0.5 * (r1 ** 2 + full - r2_ ** 2))
    assert phi[1] == pytest.approx(0.5 * (r2_ ** 2 + full - r1 ** 2))


def perceived_scores(raw):
    out = {}
    for d in sg.SERVQUAL22.dimensions:
        P = raw[[f"P{i.id}" for i in d.items]].replace(0, np.nan)
        out[d.id] = P.mean(axis=1).where(P.notna().sum(axis=1) >= 0.5 * len(d.items))
    return pd.DataFrame(out)


def test_derived_importance_against_statsmodels(example, example_frames):
    cust, _ = example
    raw, _ = example_frames
    imp = drivers.importance(cust, weighted=False)
    X = perceived_scores(raw)
    ok = X.notna().all(axis=1)
    fit = sm.OLS(raw.loc[ok, "overall_sat"], sm.add_constant(X[ok])).fit(cov_type="HC3")
    assert imp["r2"].iloc[0] == pytest.approx(fit.rsquared, abs=1e-12)
    np.testing.assert_allclose(imp["coef"], fit.params.iloc[1:], atol=1e-10)
    np.testing.assert_allclose(imp["se"], fit.bse.iloc[1:], atol=1e-10)
    assert imp["shapley"].sum() == pytest.approx(fit.rsquared, abs=1e-12)
    assert imp["shapley_share"].sum() == pytest.approx(1.0)
    assert imp["outcome"].iloc[0] == "overall_sat" and imp["n"].iloc[0] == ok.sum()
    assert sorted(imp["derived_rank"]) == [1, 2, 3, 4, 5]
    # weighted: WLS with the survey weights
    w = raw.loc[ok, "weight"]
    wfit = sm.WLS(raw.loc[ok, "overall_sat"], sm.add_constant(X[ok]), weights=w).fit(cov_type="HC3")
    wimp = drivers.importance(cust)
    assert wimp["r2"].iloc[0] == pytest.approx(wfit.rsquared, abs=1e-12)
    assert wimp["shapley"].sum() == pytest.approx(wfit.rsquared, abs=1e-12)
    np.testing.assert_allclose(wimp["coef"], wfit.params.iloc[1:], rtol=1e-10)
    np.testing.assert_allclose(wimp["se"], wfit.bse.iloc[1:], rtol=1e-10)          # HC3 on the whitened design
    tfit = sm.WLS(raw.loc[ok, "overall_sat"], sm.add_constant(X[ok]), weights=w).fit(cov_type="HC3", use_t=True)
    np.testing.assert_allclose(wimp["p"], tfit.pvalues.iloc[1:], rtol=1e-9)
    ci = np.asarray(tfit.conf_int(0.05))
    np.testing.assert_allclose(wimp[["coef_ci_low", "coef_ci_high"]].to_numpy(), ci[1:], rtol=1e-10)


def test_stated_importance_against_pandas(example, example_frames):
    cust, _ = example
    raw, _ = example_frames
    W = raw[[f"W_{d}" for d in sg.SERVQUAL22.dimension_ids]].to_numpy(float)
    shares = 100 * W / W.sum(axis=1, keepdims=True)
    st = drivers.importance(cust, weighted=False)
    np.testing.assert_allclose(st["stated_mean"], shares.mean(axis=0), atol=1e-10)
    from scipy import stats
    ci = stats.ttest_1samp(shares[:, 2], 0).confidence_interval()
    assert st.loc[2, "stated_ci_low"] == pytest.approx(ci.low) and st.loc[2, "stated_ci_high"] == pytest.approx(ci.high)
    assert st["stated_mean"].sum() == pytest.approx(100)
    # planted: reliability and responsiveness matter most
    assert set(st.nsmallest(2, "stated_rank")["dimension"]) == {"reliability", "responsiveness"}


def test_ipa_quadrants(example, example_frames):
    cust, staff = example
    res = sg.analyze([cust, staff], weighted=False)
    ipa = res.ipa
    assert list(ipa.columns) == ["dimension", "importance", "importance_basis", "performance", "gap", "quadrant"]
    assert (ipa["importance_basis"] == "stated").all()
    g5 = res.dimensions[res.dimensions.gap == 5].set_index("dimension")
    np.testing.assert_allclose(ipa.set_index("dimension")["performance"], g5["mean_perceived"].loc[ipa.dimension],
                               atol=1e-10)
    np.testing.assert_allclose(ipa.set_index("dimension")["gap"], g5["mean_gap"].loc[ipa.dimension], atol=1e-10)
    hi_i, hi_p = ipa.importance >= ipa.importance.mean(), ipa.performance >= ipa.performance.mean()
    expect = np.select([hi_i & ~hi_p, hi_i & hi_p, ~hi_i & ~hi_p], ["concentrate here", "keep up", "low priority"],
                       "possible overkill")
    assert list(ipa["quadrant"]) == list(expect)
    assert ipa.set_index("dimension").loc["responsiveness", "quadrant"] == "concentrate here"
    der = drivers.ipa(cust, basis="derived")
    assert (der["importance_basis"] == "derived").all() and der["importance"].sum() == pytest.approx(1)


def test_gap_predictors_outcome_choice_and_errors(example):
    cust, _ = example
    g = drivers.importance(cust, predictors="gap")
    assert (g["predictors"] == "gap").all() and g["shapley"].sum() == pytest.approx(g["r2"].iloc[0])
    for call, kwargs, words in [(drivers.importance, {"outcome": "loyalty"}, "keep="),
                                (drivers.importance, {"predictors": "expected"}, "predictors"),
                                (drivers.ipa, {"basis": "both"}, "basis")]:
        with pytest.raises(ConfigError, match=words):
            call(cust, **kwargs)
    df = pd.DataFrame({"id": range(1, 21)})
    rng = np.random.default_rng(0)
    for i in sg.SERVQUAL22.item_ids:
        df[f"P{i}"] = rng.integers(1, 8, 20)
    df["sat"], df["nps"] = rng.integers(1, 8, 20), rng.integers(0, 11, 20)
    s = sg.read_survey(df, columns={"perceived": "P{item}"}, id="id", keep=["sat", "nps"])
    with pytest.raises(ConfigError, match="outcome="):
        drivers.importance(s)
    with pytest.warns(MethodWarning, match="unstable"):
        d = drivers.importance(s, outcome="sat")
    assert d["stated_mean"].isna().all() and d["coef"].notna().all()
    bare = sg.read_survey(df.drop(columns=["sat", "nps"]), columns={"perceived": "P{item}"}, id="id")
    with pytest.raises(ConfigError, match="neither"):
        drivers.importance(bare)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ConfigError, match="stated"):
            drivers.ipa(s, basis="stated")


@settings(max_examples=25, deadline=None)
@given(k=st.integers(2, 7), seed=st.integers(0, 10_000))
def test_shapley_sums_to_r2_property(k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, k)) @ rng.normal(size=(k, k))
    y = X @ rng.normal(size=k) + rng.normal(size=60)
    phi = shapley_r2(weighted_corr(np.column_stack([X, y])))
    assert phi.sum() == pytest.approx(ols_r2(y, X), abs=1e-9)
    assert (phi > -1e-12).all()


def test_quadrant_labels():
    assert drivers.quadrant_label("keep up", "zh") == "继续保持"
    assert set(drivers.QUADRANT_LABELS) == set(drivers.QUADRANTS.values())
    with pytest.raises(ConfigError, match="lang"):
        drivers.quadrant_label("keep up", "fr")
    with pytest.raises(ConfigError, match="quadrants are"):
        drivers.quadrant_label("hot", "en")


def test_derived_importance_t_with_residual_df():
    """Issue 17, defect 6: as R ``coeftest(lm(y ~ X), vcov = vcovHC(type = "HC3"))``: HC3 SEs with
    t on n − k − 1 df (not the normal), computed here by hand with numpy."""
    from scipy import stats

    rng = np.random.default_rng(40)
    n = 40
    inst = sg.Instrument.from_dict({"id": "three", "scale": {"min": 1, "max": 7}, "dimensions": [
        {"id": f"d{k}", "items": [{"id": f"{k}{j}"} for j in range(2)]} for k in range(3)]})
    df = pd.DataFrame({f"P{i}": rng.integers(1, 8, n) for i in inst.item_ids})
    df["overall"] = np.clip(np.rint(df.filter(like="P").mean(axis=1) + rng.normal(0, 1.2, n)), 1, 7)
    sv = sg.read_survey(df, inst, columns={"perceived": "P{item}"}, keep=["overall"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)      # fewer than 10 respondents per parameter
        d = drivers.derived_importance(sv, outcome="overall", confidence=0.9)
    X = np.column_stack([np.ones(n)] + [df[[f"P{k}0", f"P{k}1"]].mean(axis=1) for k in range(3)])
    y = df["overall"].to_numpy(float)
    XtXi = np.linalg.inv(X.T @ X)
    b = XtXi @ X.T @ y
    e = y - X @ b
    h = np.einsum("ij,jk,ik->i", X, XtXi, X)
    V = XtXi @ (X.T * (e / (1 - h)) ** 2) @ X @ XtXi
    se = np.sqrt(np.diag(V))
    dfr = n - 4
    np.testing.assert_allclose(d["coef"], b[1:], rtol=1e-10)
    np.testing.assert_allclose(d["se"], se[1:], rtol=1e-10)
    np.testing.assert_allclose(d["p"], 2 * stats.t.sf(np.abs(b / se), dfr)[1:], rtol=1e-10)
    q = stats.t.ppf(0.95, dfr)
    np.testing.assert_allclose(d["coef_ci_low"], (b - q * se)[1:], rtol=1e-10)
    assert not np.allclose(d["p"], 2 * stats.norm.sf(np.abs(b / se))[1:], rtol=1e-3)    # not the z test


def test_ipa_values_on_the_split_line_count_as_high():
    """Performances 3.1, 3.2, 3.3 (mean 3.2, 3.2000000000000006 in doubles) and seven equal shares of 100/7:
    a value on the line is high, as documented."""
    from servgap.model.ipa import QUADRANTS, quadrant_of

    q = quadrant_of([25, 50, 25], [3.1, 3.2, 3.3])
    assert q == [QUADRANTS[(False, False)], QUADRANTS[(True, True)], QUADRANTS[(False, True)]]
    shares = [100 / 7] * 7
    assert set(quadrant_of(shares, [1, 2, 3, 4, 5, 6, 7])) <= {QUADRANTS[(True, False)], QUADRANTS[(True, True)]}
    assert quadrant_of([np.nan, 2.0], [np.nan, 3.0])[1] == QUADRANTS[(True, True)]
