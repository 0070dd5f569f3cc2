"""Gap 5 against independent oracles: scipy.stats and statsmodels on vectors built with
plain pandas from the raw CSV (not through servgap's loader), and hand computations."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import servgap as sg
from servgap.errors import DataQualityWarning, MethodWarning

RTOL = 1e-10
INST = sg.SERVQUAL22


def _raw_gaps(df):
    """Item and dimension gaps per respondent, computed with pandas only."""
    E = df[[f"E{i}" for i in INST.item_ids]].replace(0, np.nan).to_numpy(float)
    P = df[[f"P{i}" for i in INST.item_ids]].replace(0, np.nan).to_numpy(float)
    D = P - E
    dims = {}
    for d in INST.dimensions:
        cols = [INST.item_ids.index(i.id) for i in d.items]
        sub = pd.DataFrame(D[:, cols])
        ok = sub.notna().sum(axis=1) >= math.ceil(0.5 * len(cols))
        dims[d.id] = sub.mean(axis=1).where(ok).to_numpy()
    return D, dims


@pytest.fixture(scope="module")
def unweighted(example):
    cust, _ = example
    return sg.analyze(cust, by="branch", weighted=False)


def test_item_t_tests_match_scipy(example_frames, unweighted):
    df, _ = example_frames
    D, _ = _raw_gaps(df)
    items = unweighted.items.set_index(["item", "branch"])
    assert set(items.index.get_level_values("branch")) == set(df["branch"])
    for b in sorted(df["branch"].unique()):
        mask = (df["branch"] == b).to_numpy()
        for j, iid in enumerate(INST.item_ids):
            x = D[mask, j]
            x = x[~np.isnan(x)]
            r = stats.ttest_1samp(x, 0.0)
            ci = r.confidence_interval(0.95)
            row = items.loc[(iid, b)]
            assert row["n"] == len(x)
            np.testing.assert_allclose(row["mean_gap"], x.mean(), rtol=RTOL)
            np.testing.assert_allclose(row["sd_gap"], x.std(ddof=1), rtol=RTOL)
            np.testing.assert_allclose(row["statistic"], r.statistic, rtol=RTOL)
            np.testing.assert_allclose(row["p"], r.pvalue, rtol=1e-9, atol=1e-300)
            np.testing.assert_allclose(row["df"], len(x) - 1, rtol=RTOL)
            np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=RTOL)
            np.testing.assert_allclose(row["effect"], x.mean() / x.std(ddof=1), rtol=RTOL)
            assert row["test"] == "t" and row["paired"]


def test_complete_pair_means(example_frames, unweighted):
    df, _ = example_frames
    E = df[[f"E{i}" for i in INST.item_ids]].replace(0, np.nan).to_numpy(float)
    P = df[[f"P{i}" for i in INST.item_ids]].replace(0, np.nan).to_numpy(float)
    both = ~np.isnan(E) & ~np.isnan(P)
    rows = unweighted.items[unweighted.items["branch"] == "B02"].set_index("item")
    mask = (df["branch"] == "B02").to_numpy()[:, None] & both
    for j, iid in enumerate(INST.item_ids):
        np.testing.assert_allclose(rows.loc[iid, "mean_expected"], E[mask[:, j], j].mean(), rtol=RTOL)
        np.testing.assert_allclose(rows.loc[iid, "mean_perceived"], P[mask[:, j], j].mean(), rtol=RTOL)
        np.testing.assert_allclose(rows.loc[iid, "mean_perceived"] - rows.loc[iid, "mean_expected"],
                                   rows.loc[iid, "mean_gap"], rtol=1e-9)


def test_dimension_t_tests_and_holm(example_frames, unweighted):
    df, _ = example_frames
    _, dims = _raw_gaps(df)
    dim = unweighted.dimensions.set_index(["dimension", "branch"])
    for b in sorted(df["branch"].unique()):
        mask = (df["branch"] == b).to_numpy()
        ps = []
        for d in INST.dimension_ids:
            x = dims[d][mask]
            x = x[~np.isnan(x)]
            r = stats.ttest_1samp(x, 0.0)
            row = dim.loc[(d, b)]
            assert row["n"] == len(x)
            np.testing.assert_allclose(row["mean_gap"], x.mean(), rtol=RTOL)
            np.testing.assert_allclose(row["statistic"], r.statistic, rtol=RTOL)
            np.testing.assert_allclose(row["p"], r.pvalue, rtol=1e-9, atol=1e-300)
            ps.append(r.pvalue)
        holm = multipletests(ps, method="holm")[1]
        got = [dim.loc[(d, b), "p_adj"] for d in INST.dimension_ids]
        np.testing.assert_allclose(got, holm, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("method", ["bonferroni", "fdr_bh"])
def test_item_corrections_match_statsmodels(example, method):
    cust, _ = example
    res = sg.analyze(cust, by="branch", correction=method, weighted=False)
    for _, grp in res.items.groupby("branch"):
        np.testing.assert_allclose(grp["p_adj"], multipletests(grp["p"], method=method)[1], rtol=1e-9, atol=1e-300)


def test_wilcoxon_matches_scipy_and_rank_sum(example_frames, example):
    cust, _ = example
    df, _ = example_frames
    D, dims = _raw_gaps(df)
    res = sg.analyze(cust, by="branch", test="wilcoxon", weighted=False)
    items = res.items.set_index(["item", "branch"])
    for b in ["B01", "B03"]:
        mask = (df["branch"] == b).to_numpy()
        for j, iid in enumerate(INST.item_ids):
            x = D[mask, j]
            x = x[~np.isnan(x)]
            r = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx")
            nz = x[x != 0]
            ranks = stats.rankdata(np.abs(nz))
            v = ranks[nz > 0].sum()
            row = items.loc[(iid, b)]
            assert row["test"] == "wilcoxon" and row["n"] == len(x) and np.isnan(row["df"])
            np.testing.assert_allclose(row["statistic"], v, rtol=RTOL)
            np.testing.assert_allclose(row["p"], r.pvalue, rtol=1e-9, atol=1e-300)
            total = len(nz) * (len(nz) + 1) / 2
            np.testing.assert_allclose(row["effect"], (v - (total - v)) / total, rtol=RTOL)
            # CI stays the t-based interval of the mean gap
            ci = stats.ttest_1samp(x, 0).confidence_interval(0.95)
            np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=RTOL)
    dim = res.dimensions.set_index(["dimension", "branch"])
    x = dims["responsiveness"][(df["branch"] == "B03").to_numpy()]
    x = x[~np.isnan(x)]
    r = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx")
    np.testing.assert_allclose(dim.loc[("responsiveness", "B03"), "p"], r.pvalue, rtol=1e-9, atol=1e-300)


def test_hand_table_weighted():
    """Closed-form weighted statistics on a 4-respondent, one-dimension instrument."""
    inst = sg.Instrument.from_dict({"id": "tiny", "scale": {"min": 1, "max": 5}, "dimensions": [
        {"id": "speed", "items": [{"id": "a"}, {"id": "b"}]}]})
    df = pd.DataFrame({"Ea": [5, 4, 3, 5], "Pa": [3, 4, 4, 2], "Eb": [4, 4, 5, 5], "Pb": [2, 5, 4, 5],
                       "w": [1.0, 2.0, 1.0, 0.5]})
    s = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, weight="w")
    res = sg.analyze(s)
    d = np.array([(-2 - 2) / 2, (0 + 1) / 2, (1 - 1) / 2, (-3 + 0) / 2])   # dimension gaps by hand
    w = df["w"].to_numpy()
    v1, v2 = w.sum(), (w ** 2).sum()
    m = (w * d).sum() / v1
    sd = math.sqrt((w * (d - m) ** 2).sum() / (v1 - v2 / v1))
    neff = v1 ** 2 / v2
    se = sd / math.sqrt(neff)
    t = m / se
    p = 2 * stats.t.sf(abs(t), neff - 1)
    row = res.dimensions.iloc[0]
    assert row["n"] == 4
    np.testing.assert_allclose([row["mean_gap"], row["sd_gap"], row["n_eff"], row["se"], row["statistic"],
                                row["df"], row["p"]], [m, sd, neff, se, t, neff - 1, p], rtol=RTOL)
    q = stats.t.ppf(0.975, neff - 1)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [m - q * se, m + q * se], rtol=RTOL)
    # unweighted run gives the plain one-sample t
    r = stats.ttest_1samp(d, 0)
    row = sg.analyze(s, weighted=False).dimensions.iloc[0]
    np.testing.assert_allclose([row["statistic"], row["p"], row["n_eff"]], [r.statistic, r.pvalue, 4], rtol=RTOL)


def test_overall_and_importance_weighted_by_hand():
    inst = sg.Instrument.from_dict({"id": "two", "scale": {"min": 1, "max": 7}, "dimensions": [
        {"id": "x", "items": [{"id": "1"}, {"id": "2"}]}, {"id": "y", "items": [{"id": "3"}, {"id": "4"}]}]})
    df = pd.DataFrame({"E1": [7, 6, 5], "P1": [5, 6, 6], "E2": [7, 6, 5], "P2": [6, 4, 6],
                       "E3": [6, 5, 7], "P3": [6, 6, 3], "E4": [6, 7, 7], "P4": [5, 7, 4],
                       "I_x": [80, 50, 0], "I_y": [20, 50, 100]})
    s = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, importance="I_{dimension}")
    res = sg.analyze(s)
    gx = np.array([(-2 - 1) / 2, (0 - 2) / 2, (1 + 1) / 2])
    gy = np.array([(0 - 1) / 2, (1 + 0) / 2, (-4 - 3) / 2])
    unw = (gx + gy) / 2
    wtd = np.array([0.8 * gx[0] + 0.2 * gy[0], 0.5 * gx[1] + 0.5 * gy[1], gy[2]])
    ov = res.overall.set_index("measure")
    np.testing.assert_allclose(ov.loc["unweighted", "mean_gap"], unw.mean(), rtol=RTOL)
    np.testing.assert_allclose(ov.loc["importance_weighted", "mean_gap"], wtd.mean(), rtol=RTOL)
    np.testing.assert_allclose(ov.loc["importance_weighted", "p"], stats.ttest_1samp(wtd, 0).pvalue, rtol=1e-9)
    assert (ov["gap"] == 5).all()


def test_min_items_rule_and_ledger():
    inst = sg.Instrument.from_dict({"id": "five", "scale": {"min": 1, "max": 5}, "dimensions": [
        {"id": "d", "items": [{"id": str(i)} for i in range(1, 6)]}]})
    E = [[3, 3, 3, 3, 3], [3, 3, 0, 0, 3], [3, 0, 0, 0, 3], [0, 0, 0, 0, 0]]
    P = [[4, 4, 4, 4, 4], [5, 5, 5, 5, 5], [5, 5, 5, 5, 5], [0, 0, 0, 0, 0]]
    df = pd.DataFrame({**{f"E{i + 1}": [r[i] for r in E] for i in range(5)},
                       **{f"P{i + 1}": [r[i] for r in P] for i in range(5)}})
    s = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, missing=[0])
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("E3", "missing_code")] == 3 and q[("P1", "missing_code")] == 1
    # respondent 3 has 2 of 5 expected items (< 2.5); respondent 4 answered no expected item at all
    assert q[("expected:d", "too_few_items")] == 1
    assert q[("expected", "not_answered")] == 1 and q[("perceived", "not_answered")] == 1
    assert q[("*", "no_usable_answer")] == 1
    res = sg.analyze(s)
    assert res.dimensions.iloc[0]["n"] == 2           # respondents 1 and 2 (3 of 5 pairs)
    np.testing.assert_allclose(res.dimensions.iloc[0]["mean_gap"], (1 + 2) / 2, rtol=RTOL)
    res2 = sg.analyze(s, min_items=0.4)               # 2 of 5 now suffices
    assert res2.dimensions.iloc[0]["n"] == 3
    rq = res2.quality.set_index(["column", "issue"])["count"]
    assert rq[("gap5:d", "too_few_items")] == 1


def test_empty_segment_keeps_rows_and_warns():
    df = pd.DataFrame({"E1": [5, 6, 7, 0, 0], "P1": [4, 6, 5, 0, 0], "branch": ["A", "A", "A", "Z", "Z"]})
    inst = sg.Instrument.from_dict({"id": "one", "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})
    s = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="branch",
                       missing=[0])
    with pytest.warns(DataQualityWarning, match="Z"):
        res = sg.analyze(s, by="branch")
    z = res.dimensions.set_index("branch").loc["Z"]
    assert z["n"] == 0 and np.isnan(z["mean_gap"]) and np.isnan(z["p"])
    assert res.quality.set_index(["column", "issue"])["count"][("*", "no_usable_answer")] == 2


def test_rank_test_with_weights_warns(example):
    cust, _ = example
    with pytest.warns(MethodWarning, match="ignore survey weights"):
        sg.analyze(cust, test="wilcoxon")


def test_identical_input_bit_identical(example):
    cust, staff = example
    a = sg.analyze([cust, staff], by="branch")
    b = sg.analyze([cust, staff], by="branch")
    pd.testing.assert_frame_equal(a.items, b.items, check_exact=True)
    pd.testing.assert_frame_equal(a.overall, b.overall, check_exact=True)


def test_column_contract(example):
    cust, _ = example
    res = sg.analyze(cust, by="branch")
    core = ["n", "mean_gap", "sd_gap", "se", "ci_low", "ci_high", "statistic", "df", "p", "p_adj", "effect",
            "test", "paired", "mean_expected", "mean_perceived"]
    assert list(res.items.columns[:4]) == ["gap", "dimension", "item", "branch"]
    assert set(core) <= set(res.items.columns) and set(core) <= set(res.dimensions.columns)
    assert "item" not in res.dimensions.columns
    assert set(res.overall["measure"]) == {"unweighted", "importance_weighted"}
    for col in ["mean_gap", "p", "p_adj", "ci_low", "n_eff"]:
        assert pd.api.types.is_float_dtype(res.items[col])
    assert pd.api.types.is_integer_dtype(res.items["n"]) and pd.api.types.is_integer_dtype(res.items["gap"])
    assert res.gaps.columns[1] == "gap_name"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "GapAnalysis" in repr(res) and "<table>" in res._repr_html_()


def test_respondents_without_segment_are_counted_and_warned():
    df = pd.DataFrame({"E1": [5, 6, 7, 4], "P1": [4, 6, 5, 5], "branch": ["A", "A", None, "A"]})
    inst = sg.Instrument.from_dict({"id": "one", "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})
    s = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="branch")
    with pytest.warns(DataQualityWarning, match="1 in"):
        res = sg.analyze(s, by="branch")
    assert res.dimensions["n"].tolist() == [3]
    assert res.quality.set_index(["column", "issue"])["count"][("branch", "missing_segment")] == 1
