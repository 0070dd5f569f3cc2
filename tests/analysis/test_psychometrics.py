"""Reliability: Cronbach's alpha, item analysis, difference-score reliability, against oracles."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.anova import anova_lm

import servgap as sg
from servgap.analysis import psychometrics as ps
from servgap.errors import ConfigError, MethodWarning
from servgap.stats.reliability import (
    cronbach_alpha,
    difference_reliability,
    item_analysis,
)

TINY = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]], float)


def test_alpha_tiny_table_by_hand():
    # item variances 5/3, 19/12, 11/12; sum scores 5, 8, 10, 13 -> variance 34/3
    # alpha = 3/2 * (1 - (50/12) / (34/3)) = 129/136
    assert cronbach_alpha(TINY)["alpha"] == pytest.approx(129 / 136, abs=1e-12)


def test_alpha_equals_hoyt_anova_and_listwise():
    rng = np.random.default_rng(3)
    n, k = 80, 4
    X = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
    X[[3, 17], [1, 2]] = np.nan
    a = cronbach_alpha(X)
    Xc = X[~np.isnan(X).any(axis=1)]
    assert a["n"] == n - 2 == len(Xc)
    # Hoyt (1941): alpha = 1 - MS_residual / MS_subjects in the subjects x items ANOVA
    long = pd.DataFrame({"y": Xc.ravel(), "s": np.repeat(np.arange(len(Xc)), k).astype(str),
                         "i": np.tile(np.arange(k), len(Xc)).astype(str)})
    tab = anova_lm(smf.ols("y ~ C(s) + C(i)", long).fit())
    ms = tab["sum_sq"] / tab["df"]
    assert a["alpha"] == pytest.approx(1 - ms["Residual"] / ms["C(s)"], abs=1e-10)


def test_standardised_alpha_is_alpha_of_z_scores():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 1)) * [1, 2, 3] + rng.normal(size=(200, 3)) * [1, 3, 0.5]
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    a = cronbach_alpha(X)
    assert a["alpha_std"] == pytest.approx(cronbach_alpha(Z)["alpha"], abs=1e-12)
    assert a["alpha_std"] != pytest.approx(a["alpha"], abs=1e-3)
    assert a["ci_low"] < a["alpha"] < a["ci_high"]


def test_item_analysis_against_pandas():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 1)) + rng.normal(size=(120, 4))
    s = item_analysis(X)
    df = pd.DataFrame(X)
    for j in range(4):
        rest = df.drop(columns=j)
        assert s["item_total_r"][j] == pytest.approx(df[j].corr(rest.sum(axis=1)), abs=1e-12)
        k = rest.shape[1]
        hand = k / (k - 1) * (1 - rest.var().sum() / rest.sum(axis=1).var())
        assert s["alpha_if_deleted"][j] == pytest.approx(hand, abs=1e-12)


def test_difference_reliability_lord_and_alternative_form():
    # Lord (1963): equal variances -> ((r_pp + r_ee)/2 - r_pe) / (1 - r_pe) = (0.8 - 0.5) / 0.5
    assert float(difference_reliability(1, 1, 0.8, 0.8, 0.5)) == pytest.approx(0.6)
    assert float(difference_reliability(2, 2, 0.9, 0.7, 0.3)) == pytest.approx((0.8 - 0.3) / 0.7)
    # 1 - error variance / variance of the difference (Johns 1981)
    vp, ve, rpp, ree, rpe = 1.7, 0.6, 0.85, 0.75, 0.4
    var_d = vp + ve - 2 * rpe * np.sqrt(vp * ve)
    expect = 1 - (vp * (1 - rpp) + ve * (1 - ree)) / var_d
    assert float(difference_reliability(vp, ve, rpp, ree, rpe)) == pytest.approx(expect, abs=1e-12)


def test_reliability_on_example_against_pandas(example, example_frames):
    cust, _ = example
    raw, _ = example_frames
    rel = ps.reliability(cust)
    dim = sg.SERVQUAL22.dimension("responsiveness")
    ids = [i.id for i in dim.items]
    P = raw[[f"P{i}" for i in ids]].replace(0, np.nan)
    E = raw[[f"E{i}" for i in ids]].replace(0, np.nan)
    Pc = P.dropna()
    k = len(ids)
    row = rel[(rel.scores == "perceived") & (rel.dimension == "responsiveness")].iloc[0]
    assert row["n"] == len(Pc)
    assert row["alpha"] == pytest.approx(k / (k - 1) * (1 - Pc.var().sum() / Pc.sum(axis=1).var()), abs=1e-12)
    # gap row: items P - E, listwise; difference-score reliability from the dimension scores
    both = pd.concat([P, E], axis=1).dropna()
    Pm, Em = both.iloc[:, :k].mean(axis=1), both.iloc[:, k:].mean(axis=1)
    g = rel[(rel.scores == "gap") & (rel.dimension == "responsiveness")].iloc[0]
    assert g["gap"] == 5 and g["n"] == len(both)
    a = lambda M: k / (k - 1) * (1 - M.var().sum() / M.sum(axis=1).var())
    aP, aE, r = a(both.iloc[:, :k]), a(both.iloc[:, k:]), Pm.corr(Em)
    sp, se = Pm.std(), Em.std()
    expect = (sp ** 2 * aP + se ** 2 * aE - 2 * r * sp * se) / (sp ** 2 + se ** 2 - 2 * r * sp * se)
    assert g["diff_reliability"] == pytest.approx(expect, abs=1e-10)
    assert g["r_later_benchmark"] == pytest.approx(r, abs=1e-12)
    assert set(rel["dimension"]) == set(sg.SERVQUAL22.dimension_ids) | {"overall"}
    assert set(rel["scores"]) == {"expected", "perceived", "gap"}


def test_item_statistics_and_table(example):
    cust, staff = example
    it = ps.item_statistics(cust)
    assert len(it) == 3 * 22
    assert it["item_total_r"].between(-1, 1).all()
    res = sg.analyze([cust, staff])
    rt = res.reliability
    assert set(rt["source"]) == {cust.source, staff.source}
    assert set(rt.loc[rt.scores == "gap", "gap"].dropna().astype(int)) == {2, 3, 4, 5}
    assert len(ps.item_table(res)) == len(it) + len(ps.item_statistics(staff))


def test_small_sample_warns_and_bad_input():
    df = pd.DataFrame({"id": range(1, 13)})
    rng = np.random.default_rng(0)
    for i in sg.SERVQUAL22.item_ids:
        df[f"E{i}"] = rng.integers(1, 8, 12)
        df[f"P{i}"] = rng.integers(1, 8, 12)
    s = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id")
    with pytest.warns(MethodWarning, match="fewer than 30"):
        ps.reliability(s)
    with pytest.raises(ConfigError, match="Survey"):
        ps.reliability("not a survey")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny = ps.reliability(sg.read_survey(df.head(2), columns={"perceived": "P{item}"}, id="id"))
    assert tiny["alpha"].isna().all()


def test_constant_item_is_dropped_from_alpha():
    """Issue 17, defect 7: psych::alpha drops a constant item (it has no variance to share); so
    does servgap, with a DataQualityWarning naming it, and ``n_items`` says how many were used.
    Oracle: the formula on the remaining items."""
    from servgap.errors import DataQualityWarning

    rng = np.random.default_rng(7)
    n = 40
    base = rng.integers(2, 7, n)
    inst = sg.Instrument.from_dict({"id": "c", "scale": {"min": 1, "max": 7},
                                    "dimensions": [{"id": "d", "items": [{"id": str(i)} for i in range(1, 5)]}]})
    df = pd.DataFrame({f"P{i}": np.clip(base + rng.integers(-1, 2, n), 1, 7) for i in (1, 2, 3)})
    df["P4"] = 5                                                   # every respondent answers 5
    sv = sg.read_survey(df, inst, columns={"perceived": "P{item}"})
    with pytest.warns(DataQualityWarning, match=r"constant.*perceived d \(item 4\)"):
        rel = ps.reliability(sv).set_index("dimension").loc["d"]
    X = df[["P1", "P2", "P3"]].to_numpy(float)
    k = 3
    alpha = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert rel["n_items"] == 3 and rel["alpha"] == pytest.approx(alpha, rel=1e-12)
    with_constant = 4 / 3 * (1 - X.var(axis=0, ddof=1).sum() / (X.sum(axis=1) + 5).var(ddof=1))
    assert rel["alpha"] > with_constant                              # what keeping it in k gave
    r = cronbach_alpha(np.column_stack([X, np.full(n, 5.0)]))
    assert r["k"] == 3 and r["dropped"].tolist() == [3]
