"""Zone of tolerance (``GapAnalysis.tolerance``): MSA and MSS by hand on a tiny table,
tests against scipy/statsmodels, the zone rule and the table contract."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import servgap as sg
from servgap.errors import DataQualityWarning
from servgap.analysis.fivegap import TOLERANCE_COLUMNS, zone_of

INST = sg.Instrument.from_dict({"id": "tiny", "scale": {"min": 1, "max": 7}, "dimensions": [
    {"id": "speed", "items": [{"id": "1"}, {"id": "2"}]},
    {"id": "care", "items": [{"id": "3"}, {"id": "4"}]}]})
# four respondents; columns P (perceived), A (adequate), D (desired) per item
TABLE = {
    "1": {"P": [5, 6, 4, 7], "A": [4, 4, 5, 5], "D": [6, 7, 6, 6]},   # MSA [1, 2, -1, 2]  MSS [-1, -1, -2, 1]
    "2": {"P": [3, 3, 4, 2], "A": [4, 5, 4, 4], "D": [6, 6, 6, 6]},   # MSA [-1, -2, 0, -2] MSS [-3, -3, -2, -4]
    "3": {"P": [7, 7, 6, 7], "A": [3, 3, 3, 3], "D": [6, 6, 6, 5]},   # MSA [4, 4, 3, 4]   MSS [1, 1, 0, 2]
    "4": {"P": [5, 5, 5, 5], "A": [5, 4, 4, 4], "D": [5, 6, 5, 4]},   # MSA [0, 1, 1, 1]   MSS [0, -1, 0, 1]
}
# hand results: (mean adequate, mean desired, mean perceived, MSA, MSS, zone)
HAND_ITEMS = {
    "1": (4.5, 6.25, 5.5, 1.0, -0.75, "inside"),
    "2": (4.25, 6.0, 3.0, -1.25, -3.0, "below"),
    "3": (3.0, 5.75, 6.75, 3.75, 1.0, "above"),
    "4": (4.25, 5.0, 5.0, 0.75, 0.0, "inside"),      # MSS = 0: on the upper bound, still inside
}
# respondent dimension scores (means of the two item differences)
HAND_DIM_MSA = {"speed": [0, 0, -0.5, 0], "care": [2, 2.5, 2, 2.5]}
HAND_DIM_MSS = {"speed": [-2, -2, -2, -1.5], "care": [0.5, 0, 0, 1.5]}
HAND_DIMS = {"speed": (-0.125, -1.875, "below"), "care": (2.25, 0.5, "above")}


def _frame(extra_rows=()):
    df = pd.DataFrame({"id": range(1, 5), "branch": "X"})
    for i, cols in TABLE.items():
        for k, v in cols.items():
            df[f"{k}{i}"] = np.array(v, float)
    if extra_rows:
        df = pd.concat([df, pd.DataFrame(list(extra_rows))], ignore_index=True)
    return df


def _survey(df):
    return sg.read_survey(df, INST, columns={"perceived": "P{item}", "adequate": "A{item}", "desired": "D{item}"},
                          id="id", segments="branch")


@pytest.fixture(scope="module")
def tol():
    return sg.analyze(_survey(_frame()), by="branch").tolerance


def test_columns_and_levels(tol):
    assert list(tol.columns) == ["level", "dimension", "item", "branch", *TOLERANCE_COLUMNS[3:]]
    assert list(tol["level"]) == ["dimension"] * 2 + ["item"] * 4
    assert tol.loc[tol["level"] == "dimension", "item"].isna().all()
    assert list(tol.loc[tol["level"] == "item", "dimension"]) == ["speed", "speed", "care", "care"]
    assert tol["n"].dtype == np.int64 and (tol["n"] == 4).all()


def test_items_by_hand(tol):
    rows = tol[tol["level"] == "item"].set_index("item")
    for i, (a, d, p, msa, mss, zone) in HAND_ITEMS.items():
        r = rows.loc[i]
        np.testing.assert_allclose([r["mean_adequate"], r["mean_desired"], r["mean_perceived"], r["msa"], r["mss"]],
                                   [a, d, p, msa, mss], rtol=1e-12, atol=1e-12)
        assert r["zone"] == zone


def test_item1_ci_by_hand(tol):
    """MSA of item 1: d = [1, 2, -1, 2], mean 1, SD √2, se = √2/2, CI = 1 ± t(0.975; 3)·se."""
    r = tol[(tol["level"] == "item") & (tol["item"] == "1")].iloc[0]
    half = stats.t.ppf(0.975, 3) * np.sqrt(2) / 2
    np.testing.assert_allclose([r["msa_ci_low"], r["msa_ci_high"]], [1 - half, 1 + half], rtol=1e-12)
    # MSS of item 1: d = [-1, -1, -2, 1], mean -0.75, SD √(4.75/3)
    half = stats.t.ppf(0.975, 3) * np.sqrt(4.75 / 3) / 2
    np.testing.assert_allclose([r["mss_ci_low"], r["mss_ci_high"]], [-0.75 - half, -0.75 + half], rtol=1e-12)


def test_dimensions_by_hand_and_p_adj(tol):
    rows = tol[tol["level"] == "dimension"].set_index("dimension")
    for name, hand in (("msa", HAND_DIM_MSA), ("mss", HAND_DIM_MSS)):
        p = [stats.ttest_1samp(hand[d], 0.0).pvalue for d in ("speed", "care")]
        holm = multipletests(p, method="holm")[1]
        for k, d in enumerate(("speed", "care")):
            np.testing.assert_allclose(rows.loc[d, name], np.mean(hand[d]), rtol=1e-12)
            ci = stats.ttest_1samp(hand[d], 0.0).confidence_interval(0.95)
            np.testing.assert_allclose([rows.loc[d, f"{name}_ci_low"], rows.loc[d, f"{name}_ci_high"]],
                                       [ci.low, ci.high], rtol=1e-10)
            np.testing.assert_allclose(rows.loc[d, f"{name}_p_adj"], holm[k], rtol=1e-10)
    for d, (msa, mss, zone) in HAND_DIMS.items():
        np.testing.assert_allclose([rows.loc[d, "msa"], rows.loc[d, "mss"]], [msa, mss], rtol=1e-12)
        assert rows.loc[d, "zone"] == zone


def test_item_p_adj_matches_statsmodels(tol):
    rows = tol[tol["level"] == "item"].set_index("item")
    for name, key in (("msa", "A"), ("mss", "D")):
        diffs = [np.subtract(TABLE[i]["P"], TABLE[i][key]) for i in TABLE]
        p = np.array([stats.ttest_1samp(d, 0.0).pvalue for d in diffs])
        ok = ~np.isnan(p)      # item 4 MSS: d = [0, -1, 0, 1] has t = 0, p = 1
        adj = np.full(p.shape, np.nan)
        adj[ok] = multipletests(p[ok], method="holm")[1]
        np.testing.assert_allclose(rows[f"{name}_p_adj"].to_numpy(), adj, rtol=1e-10)


def test_unequal_pairs_n_is_the_smaller_count():
    # a fifth respondent answers perceived and adequate of item 1 but not desired
    extra = {"id": 5, "branch": "X", "P1": 6.0, "A1": 5.0}
    tol = sg.analyze(_survey(_frame([extra])), by="branch").tolerance
    r = tol[(tol["level"] == "item") & (tol["item"] == "1")].iloc[0]
    assert r["n"] == 4
    np.testing.assert_allclose([r["mean_adequate"], r["mean_perceived"], r["msa"]],
                               [(18 + 5) / 5, (22 + 6) / 5, (4 + 1) / 5], rtol=1e-12)
    np.testing.assert_allclose([r["mean_desired"], r["mss"]], [6.25, -0.75], rtol=1e-12)


def test_empty_when_not_measured():
    df = _frame()
    s = sg.read_survey(df.rename(columns=lambda c: "E" + c[1:] if c.startswith("A") else c), INST,
                       columns={"perceived": "P{item}", "expected": "E{item}"}, id="id", segments="branch")
    res = sg.analyze(s, by="branch")
    tol = res.tolerance
    assert tol.empty and list(tol.columns) == ["level", "dimension", "item", "branch", *TOLERANCE_COLUMNS[3:]]
    assert tol["n"].dtype == np.int64


def test_segment_without_zone_keeps_rows_and_warns():
    df = _frame()
    other = df.assign(id=df["id"] + 10, branch="Y")
    for c in [c for c in other if c[0] in "AD"]:
        other[c] = np.nan
    res = sg.analyze(_survey(pd.concat([df, other], ignore_index=True)), by="branch")
    with pytest.warns(DataQualityWarning, match="Y"):
        tol = res.tolerance
    y = tol[tol["branch"] == "Y"]
    assert len(y) == 6 and (y["n"] == 0).all() and y["zone"].isna().all() and y["msa"].isna().all()
    x = tol[tol["branch"] == "X"].set_index("item")
    assert x.loc["2", "zone"] == "below"


def test_example_tolerance_wave(example):
    cust, _ = sg.load_example(tolerance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)     # wave 2025Q1 has no zone ratings
        tol = sg.analyze(cust, wave="wave").tolerance
    q2 = tol[(tol["wave"] == "2025Q2") & (tol["level"] == "dimension")]
    assert len(q2) == 5 and (q2["n"] > 500).all()
    # msa = perceived − adequate, mss = perceived − desired on the same pairs in the 3-column format
    np.testing.assert_allclose(q2["msa"], q2["mean_perceived"] - q2["mean_adequate"], rtol=1e-9)
    np.testing.assert_allclose(q2["mss"], q2["mean_perceived"] - q2["mean_desired"], rtol=1e-9)
    assert (tol.loc[tol["wave"] == "2025Q1", "n"] == 0).all()


def test_zone_rule():
    z = zone_of([-0.1, 0.0, 0.5, 0.5, np.nan, -1.0], [-1.0, -2.0, 0.0, 0.01, 0.2, 0.5])
    assert z.tolist() == ["below", "inside", "inside", "above", None, "below"]
