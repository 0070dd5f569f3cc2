"""Effect sizes and their intervals (issue 17: defect 8 and effect CIs) against closed forms,
independent root searches with scipy.stats.nct, and values published with R effectsize."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

import servgap as sg
from servgap.stats import effects as ef

# mtcars (R datasets): weight (1000 lbs) by transmission, am = 0 automatic, 1 manual
WT = [2.620, 2.875, 2.320, 3.215, 3.440, 3.460, 3.570, 3.190, 3.150, 3.440, 3.440, 4.070, 3.730, 3.780, 5.250, 5.424,
      5.345, 2.200, 1.615, 1.835, 2.465, 3.520, 3.435, 3.840, 3.845, 1.935, 2.140, 1.513, 3.170, 2.770, 3.570, 2.780]
AM = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]


def _one_item(lo=0, hi=6):
    return sg.Instrument.from_dict({"id": "one", "scale": {"min": lo, "max": hi},
                                    "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})


def _ncp_root(t, df, p):
    """Independent inversion: brentq on scipy.stats.nct.cdf, the bracket widened until it holds the root."""
    f = lambda d: stats.nct.cdf(t, df, d) - p  # noqa: E731
    w = 2.0
    while not (f(t - w) > 0 > f(t + w)):
        w *= 1.5
    return optimize.brentq(f, t - w, t + w, xtol=1e-13, rtol=1e-14)


def test_hedges_j_exact():
    assert float(ef.hedges_j(2.0)) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-15)
    assert float(ef.hedges_j(3.0)) == pytest.approx((math.sqrt(math.pi) / 2) / math.sqrt(1.5), rel=1e-15)
    df = np.array([4.0, 9, 30, 57, 59, 60, 61, 120])
    ref = special.gamma(df / 2) / (np.sqrt(df / 2) * special.gamma((df - 1) / 2))
    np.testing.assert_allclose(ef.hedges_j(df), ref, rtol=1e-13)
    # the approximation servgap used before is off by up to 4.5e-4 relative at small samples
    assert abs(1 - 3 / (4 * 7 - 1) - float(ef.hedges_j(7.0))) / float(ef.hedges_j(7.0)) > 1e-4
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for v in (1e3, 1e5, 1e7):
        x = mpmath.mpf(v)
        exact = mpmath.gamma(x / 2) / (mpmath.sqrt(x / 2) * mpmath.gamma((x - 1) / 2))
        assert float(ef.hedges_j(v)) == pytest.approx(float(exact), rel=1e-14)


@pytest.mark.parametrize("df", [1.0, 2.0, 5.0, 9.0, 30.0, 99.0])
def test_ncp_interval_root_search_small_df(df):
    t = np.array([-8.0, -2.5, -0.3, 0.0, 1.1, 3.0, 12.0])
    lo, hi = ef.ncp_interval(t, np.full(t.size, df), 0.95)
    for k, tk in enumerate(t):
        assert lo[k] == pytest.approx(_ncp_root(tk, df, 0.975), abs=1e-8)
        assert hi[k] == pytest.approx(_ncp_root(tk, df, 0.025), abs=1e-8)



@pytest.mark.parametrize("t", [14.0, 20.0, 47.0, -47.0, 150.0])
def test_ncp_interval_df1_far_tail(t):
    """At df = 1 and |t| ≳ 14 nctdtr is NaN at the usual start; the roots still solve the CDF equation, here
    computed by direct integration over S ~ χ₁ (independent of nctdtr): P(T ≤ t) = ∫ Φ(t·s − δ) χ₁(s) ds."""
    from scipy import integrate

    def cdf(d):
        return integrate.quad(lambda u: stats.norm.cdf(t * u - d) * stats.chi.pdf(u, 1), 0, np.inf,
                              epsabs=1e-14, limit=400)[0]

    lo, hi = ef.ncp_interval(np.array([t]), np.array([1.0]), 0.95)
    for got, p in ((lo[0], 0.975), (hi[0], 0.025)):
        a, b = (min(0.0, 10 * t), max(0.0, 10 * t))
        want = optimize.brentq(lambda d: cdf(d) - p, a, b, xtol=1e-12)
        assert got == pytest.approx(want, rel=1e-7, abs=1e-7)

@pytest.mark.parametrize("df, tol", [(100.0, 1e-5), (199.0, 1e-6), (1000.0, 1e-8), (50000.0, 1e-9)])
def test_ncp_interval_cornish_fisher_large_df(df, tol):
    t = np.array([-30.0, -6.0, -1.0, 0.5, 4.0, 25.0])
    lo, hi = ef.ncp_interval(t, np.full(t.size, df), 0.9)
    for k, tk in enumerate(t):
        assert lo[k] == pytest.approx(_ncp_root(tk, df, 0.95), abs=tol)
        assert hi[k] == pytest.approx(_ncp_root(tk, df, 0.05), abs=tol)


def test_hedges_g_mtcars_matches_effectsize():
    """R: effectsize::hedges_g(wt ~ am, data = mtcars) -> 1.844, 95% CI [1.004, 2.664]
    (effectsize's tests); gap 1 with managers = automatic, customers = manual."""
    wt, am = np.array(WT), np.array(AM)
    inst = _one_item()
    mgr = sg.read_survey(pd.DataFrame({"M1": wt[am == 0]}), inst, columns={"management": "M{item}"}, name="m")
    cust = sg.read_survey(pd.DataFrame({"E1": wt[am == 1]}), inst, columns={"expected": "E{item}"}, name="c")
    row = sg.analyze([cust, mgr], gaps=[1]).items.iloc[0]
    assert row["test"] == "welch_t"
    np.testing.assert_allclose([row["effect"], row["effect_ci_low"], row["effect_ci_high"]], [1.844, 1.004, 2.664],
                               rtol=1e-3)             # the published 3 decimals, at effectsize's own tolerance
    # and exactly the definition: J(30) * d, d's noncentral-t interval scaled by J
    x, y = wt[am == 0], wt[am == 1]
    n1, n2 = len(x), len(y)
    sp = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    d = (x.mean() - y.mean()) / sp
    J = math.gamma(15) / (math.sqrt(15) * math.gamma(14.5))
    h = math.sqrt(1 / n1 + 1 / n2)
    assert row["effect"] == pytest.approx(J * d, rel=1e-12)
    assert row["effect_ci_low"] == pytest.approx(J * h * _ncp_root(d / h, 30, 0.975), rel=1e-9)
    assert row["effect_ci_high"] == pytest.approx(J * h * _ncp_root(d / h, 30, 0.025), rel=1e-9)


def test_dz_interval_through_analyze():
    rng = np.random.default_rng(4)
    n = 14
    e = rng.integers(3, 8, n)
    p = np.clip(e + rng.integers(-3, 2, n), 1, 7)
    inst = _one_item(1, 7)
    sv = sg.read_survey(pd.DataFrame({"E1": e, "P1": p}), inst, columns={"expected": "E{item}", "perceived": "P{item}"})
    row = sg.analyze(sv).items.iloc[0]
    d = (p - e).astype(float)
    dz = d.mean() / d.std(ddof=1)
    t = stats.ttest_1samp(d, 0).statistic
    assert row["effect"] == pytest.approx(dz, rel=1e-12)
    assert row["effect_ci_low"] == pytest.approx(_ncp_root(t, n - 1, 0.975) / math.sqrt(n), abs=1e-9)
    assert row["effect_ci_high"] == pytest.approx(_ncp_root(t, n - 1, 0.025) / math.sqrt(n), abs=1e-9)


def test_rank_biserial_paired_matches_effectsize():
    """R: effectsize::rank_biserial(x, y, paired = TRUE) on Hollander & Wolfe's depression scores
    -> 0.78, 95% CI [0.2953631, 0.9441559] (effectsize's tests)."""
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    inst = _one_item(0, 4)
    sv = sg.read_survey(pd.DataFrame({"E1": y, "P1": x}), inst, columns={"expected": "E{item}", "perceived": "P{item}"})
    row = sg.analyze(sv, test="wilcoxon").items.iloc[0]
    assert row["effect"] == pytest.approx(7 / 9, rel=1e-12)            # (R+ − R−)/(R+ + R−) = (40 − 5)/45
    np.testing.assert_allclose([row["effect_ci_low"], row["effect_ci_high"]], [0.2953631, 0.9441559], atol=5e-8)


def test_rank_biserial_two_samples_closed_form():
    """R: effectsize::rank_biserial(A, B) = 0.6071429 (effectsize's tests); interval by the Fisher-z formula."""
    A, B = [48, 48, 77, 86, 85, 85, 16], [14, 34, 34, 77]
    inst = _one_item(0, 100)
    mgr = sg.read_survey(pd.DataFrame({"M1": A}), inst, columns={"management": "M{item}"}, name="m")
    cust = sg.read_survey(pd.DataFrame({"E1": B}), inst, columns={"expected": "E{item}"}, name="c")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = sg.analyze([cust, mgr], gaps=[1], test="wilcoxon").items.iloc[0]
    assert row["effect"] == pytest.approx(0.6071429, abs=5e-8)
    se = math.sqrt((7 + 4 + 1) / (3 * 7 * 4))
    z = stats.norm.ppf(0.975)
    r = row["effect"]
    np.testing.assert_allclose([row["effect_ci_low"], row["effect_ci_high"]],
                               [math.tanh(math.atanh(r) - z * se), math.tanh(math.atanh(r) + z * se)], rtol=1e-12)


def test_effect_interval_columns_everywhere(example):
    cust, staff = example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze([cust, staff], by="branch")
    for t in (res.items, res.dimensions, res.overall):
        ok = t["effect"].notna()
        assert ok.any()
        assert (t.loc[ok, "effect_ci_low"] <= t.loc[ok, "effect"]).all()
        assert (t.loc[ok, "effect"] <= t.loc[ok, "effect_ci_high"]).all()
        assert t.loc[~ok, ["effect_ci_low", "effect_ci_high"]].isna().all().all()
