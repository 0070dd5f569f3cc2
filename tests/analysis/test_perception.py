"""Perception-only (SERVPERF) analysis against scipy, statsmodels and hand formulas (issue 17)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

import servgap as sg
from servgap.errors import ConfigError, MethodWarning

INST = sg.SERVQUAL22


def _p_only(weight=None):
    return sg.read_survey(sg.example_path("customers"), columns={"perceived": "P{item}"}, id="resp_id",
                          segments=["branch"], weight=weight, missing=[0], keep=["overall_sat"])


def _pandas_dimension(raw, prefix, dim):
    ids = [i.id for i in INST.dimension(dim).items]
    X = raw[[f"{prefix}{i}" for i in ids]].replace(0, np.nan)
    return X.mean(axis=1).where(X.notna().sum(axis=1) >= 0.5 * len(ids))


@pytest.fixture(scope="module")
def p_only():
    return sg.analyze(_p_only(), by="branch")


def test_perception_only_survey_is_analysed(p_only, example_frames):
    raw, _ = example_frames
    assert p_only.dimensions.empty and 5 in p_only.missing_gaps["gap"].tolist()
    per = p_only.perception
    assert set(per["viewpoint"]) == {"perceived"} and set(per["level"]) == {"item", "dimension", "overall"}
    assert len(per) == (22 + 5 + 1) * raw["branch"].nunique()
    # one dimension row: one-sample t against the midpoint 4, scipy on the pandas scores
    x = _pandas_dimension(raw, "P", "responsiveness")[raw["branch"] == "B02"].dropna()
    row = per.query("level == 'dimension' and dimension == 'responsiveness' and branch == 'B02'").iloc[0]
    ref = stats.ttest_1samp(x, 4.0)
    assert row["n"] == len(x) and row["target"] == 4.0
    np.testing.assert_allclose([row["mean"], row["sd"], row["statistic"], row["p"]],
                               [x.mean(), x.std(ddof=1), ref.statistic, ref.pvalue], rtol=1e-10)
    ci = ref.confidence_interval(0.95)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=1e-10)   # CI of the mean
    assert row["effect"] == pytest.approx((x.mean() - 4) / x.std(ddof=1), rel=1e-10)
    # Holm within the items of one segment (statsmodels)
    items = per.query("level == 'item' and branch == 'B02'")
    np.testing.assert_allclose(items["p_adj"], multipletests(items["p"], method="holm")[1], rtol=1e-12)
    ov = per.query("level == 'overall'")
    assert (ov["p_adj"] == ov["p"]).all() and (ov["dimension"] == "overall").all()


def test_perception_weighted_and_wilcoxon(example_frames):
    raw, _ = example_frames
    res = sg.analyze(_p_only(weight="weight"), by="branch")
    x = _pandas_dimension(raw, "P", "tangibles")
    sel = (raw["branch"] == "B01") & x.notna()
    v, w = x[sel].to_numpy(), raw.loc[sel, "weight"].to_numpy()
    m = np.average(v, weights=w)
    v1, v2 = w.sum(), (w * w).sum()
    sd = np.sqrt((w * (v - m) ** 2).sum() / (v1 - v2 / v1))
    neff = v1 ** 2 / v2
    row = res.perception.query("level == 'dimension' and dimension == 'tangibles' and branch == 'B01'").iloc[0]
    t = (m - 4) / (sd / np.sqrt(neff))
    np.testing.assert_allclose([row["mean"], row["sd"], row["n_eff"], row["statistic"], row["p"]],
                               [m, sd, neff, t, 2 * stats.t.sf(abs(t), neff - 1)], rtol=1e-10)
    rk = sg.analyze(_p_only(weight="weight"), by="branch", test="wilcoxon")
    with pytest.warns(MethodWarning, match="ignore survey weights"):
        per = rk.perception
    row = per.query("level == 'dimension' and dimension == 'tangibles' and branch == 'B01'").iloc[0]
    # oracle on exact differences: 11/3 − 4 and 13/3 − 4 tie in |x − 4|, which float subtraction breaks
    from fractions import Fraction

    X = raw.loc[sel, [f"P{i.id}" for i in INST.dimension("tangibles").items]].replace(0, np.nan)
    exact = [float(Fraction(int(r.dropna().sum()), int(r.notna().sum())) - 4) for _, r in X.iterrows()]
    ref = stats.wilcoxon(exact, zero_method="wilcox", correction=False, method="approx")
    assert row["test"] == "wilcoxon"
    np.testing.assert_allclose(row["p"], ref.pvalue, rtol=1e-10)


def test_benchmark_targets_and_errors(p_only, example_frames):
    raw, _ = example_frames
    targets = {d: 5.0 + 0.1 * k for k, d in enumerate(INST.dimension_ids)}
    per = p_only.perception_table(benchmark=targets)
    it = per.query("level == 'item' and item == '11' and branch == 'B03'").iloc[0]     # responsiveness item
    assert it["target"] == pytest.approx(targets["responsiveness"])
    x = raw.loc[raw["branch"] == "B03", "P11"].replace(0, np.nan).dropna()
    assert it["statistic"] == pytest.approx(stats.ttest_1samp(x, targets["responsiveness"]).statistic, rel=1e-10)
    assert per.query("level == 'overall'")["target"].iloc[0] == pytest.approx(np.mean(list(targets.values())))
    assert p_only.perception_table(benchmark=6)["target"].eq(6).all()
    with pytest.raises(ConfigError, match="missing: .*empathy"):
        p_only.perception_table(benchmark={"tangibles": 5})
    with pytest.raises(ConfigError, match="give a number"):
        p_only.perception_table(benchmark="high")


def test_perception_filled_with_expectations_too(example):
    cust, _ = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per = sg.analyze(cust, weighted=False).perception
    assert set(per["viewpoint"]) == {"expected", "perceived"}


def test_reliability_cfa_and_drivers_on_perception_only(p_only, example_frames):
    raw, _ = example_frames
    rel = p_only.reliability.set_index(["scores", "dimension"]).loc[("perceived", "assurance")]
    X = raw[[f"P{i.id}" for i in INST.dimension("assurance").items]].replace(0, np.nan).dropna().to_numpy(float)
    k = X.shape[1]
    alpha = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert rel["alpha"] == pytest.approx(alpha, rel=1e-12) and rel["n"] == len(X)
    imp = p_only.importance
    Xd = pd.DataFrame({d: _pandas_dimension(raw, "P", d) for d in INST.dimension_ids})
    ok = Xd.notna().all(axis=1) & raw["overall_sat"].notna()
    fit = sm.OLS(raw.loc[ok, "overall_sat"], sm.add_constant(Xd[ok])).fit()
    assert imp["r2"].iloc[0] == pytest.approx(fit.rsquared, rel=1e-10)
    pytest.importorskip("scipy.optimize")
    fitcfa = sg.cfa(_p_only(), viewpoint="perceived")
    assert fitcfa.fit["n"] == int(raw[[f"P{i}" for i in INST.item_ids]].replace(0, np.nan).notna().all(axis=1).sum())
    with pytest.raises(ConfigError, match="expected"):
        p_only.servperf_vs_servqual()


def _scores(raw):
    """P and E over the complete pairs and the gap P − E, per dimension and overall, with pandas."""
    ids = INST.item_ids
    P = raw[[f"P{i}" for i in ids]].replace(0, np.nan).set_axis(ids, axis=1)
    E = raw[[f"E{i}" for i in ids]].replace(0, np.nan).set_axis(ids, axis=1)
    pair = P.notna() & E.notna()
    out = {}
    for name, M in (("P", P.where(pair)), ("E", E.where(pair)), ("G", P.where(pair) - E.where(pair))):
        cols = {d.id: M[[i.id for i in d.items]] for d in INST.dimensions}
        dims = pd.DataFrame({d: c.mean(axis=1).where(c.notna().sum(axis=1) >= 0.5 * c.shape[1])
                             for d, c in cols.items()})
        out[name + "_dims"] = dims.to_numpy()
        out[name] = dims.mean(axis=1).where(dims.notna().sum(axis=1) >= len(cols) / 2).to_numpy()
    return out


@pytest.mark.parametrize("level", ["overall", "dimension"])
def test_servperf_vs_servqual_against_statsmodels(example, example_frames, level):
    raw, _ = example_frames
    cust, _ = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.errors.DataQualityWarning)
        out = sg.analyze(cust, weighted=False).servperf_vs_servqual(outcome="overall_sat", level=level)
    sc = _scores(raw)
    if level == "overall":
        P, E, G = sc["P"][:, None], sc["E"][:, None], sc["G"][:, None]
    else:
        P, E, G = sc["P_dims"], sc["E_dims"], sc["G_dims"]
    y = raw["overall_sat"].to_numpy(float)
    ok = np.isfinite(y) & np.isfinite(P).all(axis=1) & np.isfinite(E).all(axis=1)
    y, P, E, G = y[ok], P[ok], E[ok], G[ok]
    f_p = sm.OLS(y, sm.add_constant(P)).fit()
    f_q = sm.OLS(y, sm.add_constant(G)).fit()
    f_e = sm.OLS(y, sm.add_constant(np.column_stack([P, E]))).fit()
    m = out.set_index("model")
    assert m.loc["servperf", "n"] == len(y)
    for name, f in (("servperf", f_p), ("servqual", f_q), ("encompassing", f_e)):
        np.testing.assert_allclose([m.loc[name, "r2"], m.loc[name, "adj_r2"]], [f.rsquared, f.rsquared_adj], rtol=1e-10)
    # nested F tests: each restricted model against the encompassing one (statsmodels compare_f_test)
    for name, f in (("servperf_restriction", f_p), ("servqual_restriction", f_q)):
        F, p, dfd = f_e.compare_f_test(f)
        np.testing.assert_allclose([m.loc[name, "statistic"], m.loc[name, "p"], m.loc[name, "df1"]], [F, p, dfd],
                                   rtol=1e-8)
    # Vuong by hand from statsmodels residuals
    n = len(y)
    ll = [stats.norm.logpdf(f.resid, scale=np.sqrt(f.ssr / n)) for f in (f_p, f_q)]
    d = ll[0] - ll[1]
    z = d.sum() / (np.sqrt(n) * d.std())
    np.testing.assert_allclose([m.loc["vuong", "statistic"], m.loc["vuong", "p"]],
                               [z, 2 * stats.norm.sf(abs(z))], rtol=1e-9)
    assert m.loc["vuong", "estimate"] == pytest.approx(f_p.rsquared - f_q.rsquared, rel=1e-10)


def test_servperf_vs_servqual_warns_about_weights(example):
    cust, _ = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.errors.DataQualityWarning)
        res = sg.analyze(cust)
    with pytest.warns(MethodWarning, match="unweighted"):
        res.servperf_vs_servqual()
    with pytest.raises(ConfigError, match="level="):
        res.servperf_vs_servqual(level="item")


@pytest.mark.parametrize("benchmark", [None, 4.5])
def test_overall_signed_rank_ties_exactly_around_the_target(benchmark):
    """Overall scores equally far above and below the target (49/12 and 47/12 around 4) are exact ties of
    |x − target|: V and p equal the signed-rank oracle on exact fractions (x − 4 computed in doubles does not
    tie them)."""
    from factories import exact_overall, signed_rank_oracle

    rng = np.random.default_rng(9)
    n, ids = 300, sg.SERVQUAL22.item_ids
    df = pd.DataFrame({f"P{i}": rng.integers(1, 8, n).astype(float) for i in ids})
    for i in ids:
        df.loc[rng.random(n) < 0.15, f"P{i}"] = np.nan
    df = df.assign(**{f"Z{i}": 0.0 for i in ids})
    s = sg.read_survey(df, columns={"perceived": "P{item}"})
    row = sg.analyze(s, test="wilcoxon").perception_table(benchmark).query("level == 'overall'").iloc[0]
    from fractions import Fraction

    t = Fraction(benchmark if benchmark is not None else 4)
    scores, _ = exact_overall(df, sg.SERVQUAL22, "P", "Z")
    v, p = signed_rank_oracle([None if x is None else x - t for x in scores])
    assert row["statistic"] == v
    np.testing.assert_allclose(row["p"], p, rtol=1e-12)
