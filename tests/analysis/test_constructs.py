"""Extended-model constructs (``GapAnalysis.constructs``/``.construct_correlations``):
a tiny hand-made construct survey with reverse items checked by hand, weights by the
closed-form formulas, correlations against scipy, and the planted example."""

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import servgap as sg
from servgap.analysis.constructs import CONSTRUCT_COLUMNS, CORRELATION_COLUMNS
from servgap.errors import DataQualityWarning, MethodWarning
from servgap.surveys.examples import load_example_constructs

CON = sg.Instrument.from_dict({"id": "gap_constructs", "scale": {"min": 1, "max": 5}, "dimensions": [
    {"id": "teamwork", "gap": 3, "items": [{"id": "T1"}, {"id": "T2"}, {"id": "T3"}]},
    {"id": "role_conflict", "gap": 3, "items": [{"id": "R1", "reverse": True}, {"id": "R2", "reverse": True}]},
    {"id": "feasibility", "gap": 2, "items": [{"id": "F1"}, {"id": "F2"}]},
    {"id": "overpromise", "gap": 4, "items": [{"id": "O1", "reverse": True}, {"id": "O2", "reverse": True}]}]})
NAN = np.nan
RAW = pd.DataFrame({
    "sid": ["s1", "s2", "s3", "s4", "s5"],
    "branch": ["X", "X", "X", "Y", "Y"],
    "T1": [4, 3, 5, 4, 2], "T2": [5, NAN, NAN, 4, 3], "T3": [4, 4, NAN, 4, 4],
    "R1": [4, 2, 3, 1, 4], "R2": [5, 2, NAN, 1, 4],
    "F1": [1, 2, 5, 1, 3], "F2": [5, 2, 5, 1, 3],
    "O1": [5, 4, 4, 5, 3], "O2": [5, 5, 4, 4, 5],
    "w": [1.0, 2.0, 1.0, 0.5, 1.5],
})
# respondent scores by hand (reverse items scored 6 − x; a score needs half of the items:
# 2 of 3 for teamwork, 1 of 2 for the others)
HAND = {
    "teamwork": [13 / 3, 3.5, NAN, 4.0, 3.0],       # s3 answered 1 of 3 items: no score
    "role_conflict": [1.5, 4.0, 3.0, 5.0, 2.0],     # (6−4 + 6−5)/2, (4+4)/2, 6−3, (5+5)/2, (2+2)/2
    "feasibility": [3.0, 2.0, 5.0, 1.0, 3.0],
    "overpromise": [1.0, 1.5, 2.0, 1.5, 2.0],       # (1+1)/2, (2+1)/2, (2+2)/2, (1+2)/2, (3+1)/2
}
GAPS = {"teamwork": 3, "role_conflict": 3, "feasibility": 2, "overpromise": 4}


def _con(df=RAW, **kw):
    return sg.read_survey(df, CON, columns={"rating": "{item}"}, id="sid", segments="branch", **kw)


def _check(row, x):
    """Compare one construct row with one-sample t statistics of the hand scores ``x``."""
    x = np.asarray([v for v in x if not np.isnan(v)])
    r = stats.ttest_1samp(x, 3.0)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert row["n"] == len(x)
    np.testing.assert_allclose([row["mean"], row["sd"], row["se"]],
                               [x.mean(), x.std(ddof=1), x.std(ddof=1) / np.sqrt(len(x))], rtol=1e-12)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"], row["p"]], [ci.low, ci.high, r.pvalue], rtol=1e-10)
    assert row["midpoint"] == 3.0


def test_hand_scores_with_reverse_items():
    res = sg.analyze(_con())
    t = res.constructs
    assert list(t.columns) == CONSTRUCT_COLUMNS
    assert list(t["construct"]) == list(HAND) and list(t["gap"]) == [GAPS[c] for c in HAND]
    rows = t.set_index("construct")
    for c, x in HAND.items():
        _check(rows.loc[c], x)
    # overpromise: mean 1.6, SD √0.175, CI upper 1.6 + t(.975; 4)·√0.175/√5 ≈ 2.12 < 3 -> unfavourable
    np.testing.assert_allclose(rows.loc["overpromise", "ci_high"],
                               1.6 + stats.t.ppf(0.975, 4) * np.sqrt(0.175 / 5), rtol=1e-12)
    assert rows["unfavourable"].to_dict() == {"teamwork": False, "role_conflict": False, "feasibility": False,
                                              "overpromise": True}
    # feasibility: mean 2.8 is below the midpoint but its CI reaches above it -> not flagged
    assert rows.loc["feasibility", "mean"] < 3 < rows.loc["feasibility", "ci_high"]
    assert t["unfavourable"].dtype == bool and t["n"].dtype == np.int64 and t["gap"].dtype == np.int64


def test_by_branch_and_empty_branch_warns():
    cust = pd.DataFrame({"id": range(6), "branch": ["X", "X", "Y", "Y", "Z", "Z"]})
    for i in sg.SERVQUAL22.item_ids:
        cust[f"E{i}"], cust[f"P{i}"] = [6, 5, 6, 7, 5, 6], [5, 5, 4, 6, 5, 3]
    c = sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="branch")
    res = sg.analyze([c, _con()], by="branch")
    with pytest.warns(DataQualityWarning, match="Z"):
        t = res.constructs
    assert list(t.columns) == ["construct", "gap", "branch", *CONSTRUCT_COLUMNS[2:]]
    rows = t.set_index(["construct", "branch"])
    for c, x in HAND.items():
        _check(rows.loc[(c, "X")], x[:3])
        _check(rows.loc[(c, "Y")], x[3:])
        z = rows.loc[(c, "Z")]
        assert z["n"] == 0 and np.isnan(z["mean"]) and not z["unfavourable"]


def test_weighted_scores_closed_form():
    res = sg.analyze(_con(weight="w"))
    row = res.constructs.set_index("construct").loc["role_conflict"]
    x, w = np.array(HAND["role_conflict"]), RAW["w"].to_numpy()
    v1, v2 = w.sum(), (w ** 2).sum()
    m = (w * x).sum() / v1
    sd = np.sqrt((w * (x - m) ** 2).sum() / (v1 - v2 / v1))
    n_eff = v1 ** 2 / v2
    se = sd / np.sqrt(n_eff)
    q = stats.t.ppf(0.975, n_eff - 1)
    assert row["n"] == 5
    np.testing.assert_allclose([row["mean"], row["sd"], row["se"], row["ci_low"], row["ci_high"]],
                               [m, sd, se, m - q * se, m + q * se], rtol=1e-12)
    np.testing.assert_allclose(row["p"], 2 * stats.t.sf(abs(m - 3) / se, n_eff - 1), rtol=1e-10)
    unweighted = sg.analyze(_con(weight="w"), weighted=False).constructs.set_index("construct")
    _check(unweighted.loc["role_conflict"], HAND["role_conflict"])


def test_min_items_override():
    # with min_items=1 every item is needed: teamwork of s2 (2 of 3) and role_conflict of s3 drop out
    res = sg.analyze(_con(), min_items=1.0)
    rows = res.constructs.set_index("construct")
    _check(rows.loc["teamwork"], [13 / 3, 4.0, 3.0])
    _check(rows.loc["role_conflict"], [1.5, 4.0, 5.0, 2.0])


def test_construct_survey_without_the_by_column_is_pooled():
    cust = pd.DataFrame({"id": range(4), "segment": ["a", "a", "b", "b"]})
    for i in sg.SERVQUAL22.item_ids:
        cust[f"E{i}"], cust[f"P{i}"] = [6, 5, 6, 7], [5, 5, 4, 6]
    c = sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="segment")
    res = sg.analyze([c, _con()], by="segment")
    with pytest.warns(MethodWarning, match="no segment column 'segment'"):
        t = res.constructs
    assert len(t) == 4 and t["segment"].isna().all()
    _check(t.set_index("construct").loc["overpromise"], HAND["overpromise"])
    with pytest.warns(MethodWarning, match="no segment column 'segment'"):
        cor = res.construct_correlations
    assert cor["r"].isna().all() and (cor["n_segments"] == 0).all()


def test_no_construct_survey_gives_empty_tables(example):
    cust, _ = example
    res = sg.analyze(cust, by="branch")
    assert res.constructs.empty and list(res.constructs.columns) == ["construct", "gap", "branch",
                                                                     *CONSTRUCT_COLUMNS[2:]]
    assert res.construct_correlations.empty and list(res.construct_correlations.columns) == CORRELATION_COLUMNS


# -- correlations ---------------------------------------------------------------------------

def _study(branches, seed=11):
    """Customers (E, P) and a construct survey over ``branches``; gap 5 and teamwork vary by branch."""
    rng = np.random.default_rng(seed)
    nb = len(branches)
    cust = pd.DataFrame({"id": range(10 * nb), "branch": np.repeat(branches, 10)})
    shift = np.repeat(np.linspace(-1.5, 0, nb), 10)
    for i in sg.SERVQUAL22.item_ids:
        e = rng.integers(5, 8, len(cust))
        cust[f"E{i}"] = e
        cust[f"P{i}"] = np.clip(np.rint(e + shift + rng.normal(0, 1, len(cust))), 1, 7)
    staff = pd.DataFrame({"sid": range(4 * nb), "branch": np.repeat(branches, 4)})
    level = np.repeat(np.linspace(2, 4, nb), 4)
    for c in CON.dimensions:
        for it in c.items:
            staff[it.id] = np.clip(np.rint(level + rng.normal(0, 0.8, len(staff))), 1, 5)
    c = sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="branch")
    return cust, staff, sg.analyze([c, _con(staff)], by="branch")


def test_correlations_match_scipy():
    branches = [f"B{k}" for k in range(1, 8)]
    cust, staff, res = _study(branches)
    cor = res.construct_correlations
    assert list(cor.columns) == CORRELATION_COLUMNS and set(cor["gap"]) == {5} and len(cor) == 4
    # oracle with pandas: branch gap 5 = mean over dimensions of the branch mean dimension gap
    inst = sg.SERVQUAL22
    dim_gap = pd.DataFrame({d.id: sum(cust[f"P{i.id}"] - cust[f"E{i.id}"] for i in d.items) / len(d.items)
                            for d in inst.dimensions})
    g5 = dim_gap.groupby(cust["branch"]).mean().mean(axis=1)
    for c in CON.dimensions:
        cols = [i.id for i in c.items]
        x = pd.DataFrame({i.id: 6 - staff[i.id] if i.reverse else staff[i.id] for i in c.items})
        score = x.mean(axis=1).where(x.notna().sum(axis=1) >= len(cols) / 2)
        cm = score.groupby(staff["branch"]).mean()
        r = stats.pearsonr(cm.loc[branches], g5.loc[branches])
        row = cor.set_index("construct").loc[c.id]
        assert row["n_segments"] == 7
        np.testing.assert_allclose([row["r"], row["p"]], [r.statistic, r.pvalue], rtol=1e-9)
    assert cor.set_index("construct").loc["teamwork", "r"] > 0.5     # planted: better teamwork, smaller shortfall


def test_too_few_segments_warn_and_give_nan():
    _, _, res = _study(["B1", "B2", "B3"])
    with pytest.warns(MethodWarning, match="at least 5 segments"):
        cor = res.construct_correlations
    assert len(cor) == 4 and cor[["r", "p"]].isna().all().all() and (cor["n_segments"] == 3).all()


def test_no_by_warns():
    _, staff, _ = _study(["B1", "B2", "B3", "B4", "B5"])
    res = sg.analyze([sg.load_example()[0], _con(staff)])
    with pytest.warns(MethodWarning, match="not split by segment"):
        cor = res.construct_correlations
    assert cor[["r", "p"]].isna().all().all()


# -- the bundled example ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_constructs():
    return load_example_constructs()


def test_example_planted_constructs_are_unfavourable(example, example_constructs):
    cust, staff = example
    res = sg.analyze([cust, staff, example_constructs])
    t = res.constructs
    assert len(t) == 16 and (t["n"] == 48).all()
    assert set(t.loc[t["unfavourable"], "construct"]) == {"technology_job_fit", "propensity_to_overpromise"}
    # oracle from the raw CSV with pandas: reverse items (from the YAML) scored 6 − x
    raw = pd.read_csv(sg.example_path("staff"))
    spec = yaml.safe_load(resources.files("servgap.data").joinpath("gap_constructs.yaml").read_text("utf-8"))
    for d in spec["dimensions"]:
        cols = [it["id"] for it in d["items"]]
        x = raw[cols].astype(float).copy()
        for it in d["items"]:
            if it.get("reverse"):
                x[it["id"]] = 6 - x[it["id"]]
        score = x.mean(axis=1)
        row = t.set_index("construct").loc[d["id"]]
        assert row["gap"] == d["gap"]
        np.testing.assert_allclose([row["mean"], row["sd"]], [score.mean(), score.std()], rtol=1e-12)


def test_example_by_branch(example, example_constructs):
    cust, staff = example
    res = sg.analyze([cust, staff, example_constructs], by="branch")
    t = res.constructs
    low = t[t["construct"].isin(["technology_job_fit", "propensity_to_overpromise"])]
    assert len(low) == 12 and low["unfavourable"].all() and (low["ci_high"] < 3).all()
    assert not t.loc[~t.index.isin(low.index), "unfavourable"].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error", MethodWarning)     # six branches: no warning
        cor = res.construct_correlations
    assert len(cor) == 16 * 5 and (cor["n_segments"] == 6).all() and cor["r"].between(-1, 1).all()


def test_constant_construct_scores_are_named_and_unfavourable_below_the_midpoint():
    """Every staff member of a branch gives the same score: no t test (NaN p and CI, as R's
    t.test refuses), a DataQualityWarning names the row, and a score below the midpoint is
    still unfavourable (every answer is below it)."""
    extra = pd.DataFrame({"sid": ["v1", "v2", "v3"], "branch": ["V"] * 3, "T1": [2, 2, 2], "T2": [2, 2, 2],
                          "T3": [2, 2, 2], "R1": [2, 4, 3], "R2": [1, 3, 3], "F1": [4, 4, 4], "F2": [4, 4, 4],
                          "O1": [2, 4, 3], "O2": [3, 2, 4], "w": [1.0, 1.0, 1.0]})
    cust = pd.DataFrame({"id": range(4), "branch": ["X", "X", "V", "V"]})
    for i in sg.SERVQUAL22.item_ids:
        cust[f"E{i}"], cust[f"P{i}"] = [6, 5, 6, 7], [5, 5, 4, 6]
    c = sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="branch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze([c, _con(pd.concat([RAW, extra], ignore_index=True))], by="branch")
    with pytest.warns(DataQualityWarning, match=r"all equal.*teamwork \(V\)"):
        t = res.constructs.set_index(["construct", "branch"])
    tv, fv = t.loc[("teamwork", "V")], t.loc[("feasibility", "V")]
    assert tv["mean"] == 2 and tv["sd"] == 0 and np.isnan(tv["p"]) and np.isnan(tv["ci_high"])
    assert tv["unfavourable"] and not fv["unfavourable"]          # 2 < 3 = midpoint; 4 > 3
