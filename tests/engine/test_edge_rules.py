"""One rule for thin and degenerate cells (issue 17, defects 3 and 4).

- constant non-zero differences: R's t.test stops ("data are essentially constant");
  servgap reports NaN statistic, p, CI and effect and warns naming the unit and segment;
- fewer than 2 observations: no p for any test, so nothing enters the Holm family.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import servgap as sg
from servgap.errors import MethodWarning


def _inst(items=3):
    return sg.Instrument.from_dict({"id": "edge", "scale": {"min": 1, "max": 7},
                                    "dimensions": [{"id": "d", "items": [{"id": str(i)} for i in range(1, items + 1)]}]})


def _survey(df, inst):
    return sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")


def test_constant_nonzero_difference_is_not_infinitely_significant():
    rng = np.random.default_rng(3)
    n = 30
    df = pd.DataFrame({"seg": ["A"] * 10 + ["B"] * 20})
    for i in (1, 2, 3):
        df[f"E{i}"] = rng.integers(3, 8, n)
        df[f"P{i}"] = np.clip(df[f"E{i}"] + rng.integers(-2, 2, n), 1, 7)
    df.loc[df.seg == "A", "E2"] = 6
    df.loc[df.seg == "A", "P2"] = 5                 # every customer of A: gap −1 on item 2
    with pytest.warns(MethodWarning, match=r"all equal.*gap 5 item 2 \(seg A\).*essentially constant"):
        res = sg.analyze(_survey(df, _inst()), by="seg")
    row = res.items.query("item == '2' and seg == 'A'").iloc[0]
    assert row["mean_gap"] == -1 and row["sd_gap"] == 0 and row["n"] == 10 and row["df"] == 9
    assert row[["statistic", "p", "p_adj", "ci_low", "ci_high", "effect", "effect_ci_low",
                "effect_ci_high"]].isna().all()
    # Holm over the remaining items of segment A only (statsmodels on scipy's p-values)
    sub = df[df.seg == "A"]
    p = [stats.ttest_1samp(sub[f"P{i}"] - sub[f"E{i}"], 0).pvalue for i in ("1", "3")]
    got = res.items.query("seg == 'A' and item != '2'").sort_values("item")["p_adj"].to_numpy()
    np.testing.assert_allclose(got, multipletests(p, method="holm")[1], rtol=1e-12)
    # the rank test of the same cell is defined (R: V = 0, p from the normal approximation)
    with pytest.warns(MethodWarning, match="CI of mean_gap is NaN"):
        w = sg.analyze(_survey(df, _inst()), by="seg", test="wilcoxon").items.query("item == '2' and seg == 'A'")
    ref = stats.wilcoxon(np.full(10, -1.0), correction=False, method="approx")
    assert w.iloc[0]["statistic"] == 0 and w.iloc[0]["p"] == pytest.approx(ref.pvalue, rel=1e-12)


def test_gap1_both_samples_constant():
    inst = _inst(1)
    mgr = sg.read_survey(pd.DataFrame({"M1": [6, 6, 6]}), inst, columns={"management": "M{item}"}, name="m")
    cust = sg.read_survey(pd.DataFrame({"E1": [5, 5, 5, 5]}), inst, columns={"expected": "E{item}"}, name="c")
    with pytest.warns(MethodWarning, match=r"gap 1 item 1 \(all respondents\)"):
        row = sg.analyze([cust, mgr], gaps=[1]).items.iloc[0]
    assert row["mean_gap"] == 1 and row[["statistic", "p", "effect", "ci_low"]].isna().all()


@pytest.mark.parametrize("test", ["t", "wilcoxon"])
def test_one_observation_has_no_p_in_any_test(test):
    """A segment with one respondent: no p (scipy's signed-rank test would give 0.3173 for n = 1)."""
    rng = np.random.default_rng(8)
    n = 25
    df = pd.DataFrame({"seg": ["solo"] + ["many"] * (n - 1)})
    for i in (1, 2, 3):
        df[f"E{i}"] = rng.integers(2, 8, n)
        df[f"P{i}"] = np.clip(df[f"E{i}"] + rng.integers(-3, 2, n), 1, 7)
    df.loc[0, ["E1", "P1"]] = [6, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(_survey(df, _inst()), by="seg", test=test)
    solo = res.items.query("seg == 'solo'")
    assert (solo["n"] == 1).all()
    assert solo[["statistic", "p", "p_adj", "effect", "effect_ci_low"]].isna().all().all()
    assert stats.wilcoxon([-2.0], correction=False, method="approx").pvalue == pytest.approx(0.3173, abs=1e-4)
    d = res.dimensions.query("seg == 'solo'").iloc[0]
    assert np.isnan(d["p"]) and d["mean_gap"] == pytest.approx(solo["mean_gap"].mean())


def test_two_sample_rank_test_needs_two_answers_each():
    inst = _inst(1)
    mgr = sg.read_survey(pd.DataFrame({"M1": [6]}), inst, columns={"management": "M{item}"}, name="m")
    cust = sg.read_survey(pd.DataFrame({"E1": [5, 3, 4, 6, 2]}), inst, columns={"expected": "E{item}"}, name="c")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = sg.analyze([cust, mgr], gaps=[1], test="wilcoxon").items.iloc[0]
    assert row["test"] == "mann_whitney" and row[["statistic", "p", "effect"]].isna().all()
    assert row["mean_gap"] == pytest.approx(6 - 4)


def test_constant_cell_under_design_variance():
    """variance="design": the linearisation variance of a constant cell is 0 too; the same rule holds."""
    rng = np.random.default_rng(5)
    n = 40
    df = pd.DataFrame({"seg": ["A"] * n, "st": np.repeat(["s1", "s2"], n // 2), "psu": np.tile([1, 2, 3, 4], n // 4),
                       "w": rng.uniform(0.5, 2, n)})
    for i in (1, 2, 3):
        df[f"E{i}"] = rng.integers(3, 8, n)
        df[f"P{i}"] = np.clip(df[f"E{i}"] + rng.integers(-2, 2, n), 1, 7)
    df["E2"], df["P2"] = 6, 4                                      # every respondent: gap −2 on item 2
    sv = sg.read_survey(df, _inst(), columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg",
                        weight="w", strata="st", cluster="psu")
    with pytest.warns(MethodWarning, match=r"gap 5 item 2"):
        res = sg.analyze(sv, variance="design")
    row = res.items.set_index("item").loc["2"]
    assert row["mean_gap"] == pytest.approx(-2) and row[["statistic", "p", "ci_low", "ci_high", "effect"]].isna().all()
    assert res.items.set_index("item").loc["1", ["statistic", "p"]].notna().all()
