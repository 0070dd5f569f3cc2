"""Gaps 1-4 and the gap-5 decomposition against independent oracles.

Vectors are built with plain pandas from the raw tables (not through servgap's loader)
and compared with scipy.stats (``ttest_ind(equal_var=False)``, ``mannwhitneyu``,
``ttest_rel``, ``wilcoxon``) and hand computations.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import servgap as sg
from servgap.errors import DataQualityWarning, PairingError

RTOL = 1e-10
INST = sg.Instrument.from_dict({"id": "tiny", "scale": {"min": 1, "max": 7}, "dimensions": [
    {"id": "speed", "items": [{"id": "1"}, {"id": "2"}]},
    {"id": "care", "items": [{"id": "3"}, {"id": "4"}, {"id": "5"}]}]})
ITEMS = INST.item_ids
DIM_ITEMS = {"speed": ["1", "2"], "care": ["3", "4", "5"]}
CUST_SIZES = {"B1": 23, "B2": 14, "B3": 9}       # unequal; B3 has customers but no managers
STAFF_SIZES = {"B1": 7, "B2": 4}
STAFF_VPS = {"management": "M", "specification": "S", "delivered": "D", "communicated": "C"}


def _frames(seed=3):
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame({"id": [f"C{i}" for i in range(sum(CUST_SIZES.values()))],
                         "branch": np.repeat(list(CUST_SIZES), list(CUST_SIZES.values())),
                         "segment": rng.choice(["retail", "business"], sum(CUST_SIZES.values()))})
    for i in ITEMS:
        cust[f"E{i}"] = rng.integers(3, 8, len(cust)).astype(float)
        cust[f"P{i}"] = rng.integers(1, 8, len(cust)).astype(float)
    staff = pd.DataFrame({"sid": [f"S{i}" for i in range(sum(STAFF_SIZES.values()))],
                          "branch": np.repeat(list(STAFF_SIZES), list(STAFF_SIZES.values()))})
    for i in ITEMS:
        for p in STAFF_VPS.values():
            staff[f"{p}{i}"] = rng.integers(1, 8, len(staff)).astype(float)
    # blanks: some single answers, and one manager without any management rating of "care"
    for df, cols in ((cust, [c for c in cust if c[0] in "EP"]), (staff, [c for c in staff if c[0] in "MSDC"])):
        hole = rng.random((len(df), len(cols))) < 0.08
        df[cols] = df[cols].mask(hole)
    staff.loc[0, ["M3", "M4", "M5"]] = np.nan
    return cust, staff


def _read(cust, staff):
    c = sg.read_survey(cust, INST, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id",
                       segments=["branch", "segment"])
    s = sg.read_survey(staff, INST, columns={vp: p + "{item}" for vp, p in STAFF_VPS.items()}, id="sid",
                       segments="branch")
    return c, s


@pytest.fixture(scope="module")
def frames():
    return _frames()


@pytest.fixture(scope="module")
def surveys(frames):
    return _read(*frames)


@pytest.fixture(scope="module")
def res_t(surveys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)   # B3 has no staff (tested below)
        return sg.analyze(list(surveys), by="branch")


@pytest.fixture(scope="module")
def res_w(surveys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return sg.analyze(list(surveys), by="branch", test="wilcoxon")


def _dim(df, prefix, dim):
    """Respondent dimension means under the min-items rule (at least half the items)."""
    cols = [f"{prefix}{i}" for i in DIM_ITEMS[dim]]
    sub = df[cols]
    return sub.mean(axis=1).where(sub.notna().sum(axis=1) >= len(cols) / 2)


def _vector(df, prefix, level, unit):
    if level == "item":
        return df[f"{prefix}{unit}"]
    return _dim(df, prefix, unit)


def _gap1_cases(frames, res, level):
    """Per branch with managers and unit: the gap-1 row and the raw managers/customers vectors."""
    cust, staff = frames
    table = res.items if level == "item" else res.dimensions
    rows = table[table["gap"] == 1].set_index([level, "branch"])
    for b in STAFF_SIZES:
        cb, sb = cust[cust["branch"] == b], staff[staff["branch"] == b]
        for unit in (ITEMS if level == "item" else DIM_ITEMS):
            m = _vector(sb, "M", level, unit).dropna().to_numpy()
            e = _vector(cb, "E", level, unit).dropna().to_numpy()
            yield rows.loc[(unit, b)], m, e


@pytest.mark.parametrize("level", ["item", "dimension"])
def test_gap1_welch_matches_scipy(frames, res_t, level):
    for row, m, e in _gap1_cases(frames, res_t, level):
        r = stats.ttest_ind(m, e, equal_var=False)
        ci = r.confidence_interval(0.95)
        assert row["n"] == len(m) + len(e)
        assert row["test"] == "welch_t" and not row["paired"]
        assert (row["benchmark"], row["later"]) == ("expected", "management")
        np.testing.assert_allclose(row["mean_gap"], m.mean() - e.mean(), rtol=RTOL)
        np.testing.assert_allclose([row["statistic"], row["p"], row["df"]], [r.statistic, r.pvalue, r.df],
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=1e-9)
        np.testing.assert_allclose([row["mean_later"], row["mean_benchmark"], row["mean_expected"]],
                                   [m.mean(), e.mean(), e.mean()], rtol=RTOL)


@pytest.mark.parametrize("level", ["item", "dimension"])
def test_gap1_mann_whitney_matches_scipy(frames, res_w, level):
    for row, m, e in _gap1_cases(frames, res_w, level):
        r = stats.mannwhitneyu(m, e, method="asymptotic", use_continuity=False)
        assert row["test"] == "mann_whitney" and np.isnan(row["df"])
        np.testing.assert_allclose(row["statistic"], r.statistic, rtol=RTOL)   # U of the managers sample
        np.testing.assert_allclose(row["p"], r.pvalue, rtol=1e-9)
        np.testing.assert_allclose(row["effect"], 2 * r.statistic / (len(m) * len(e)) - 1, rtol=1e-9)
        # the CI stays the Welch t interval whatever the test
        ci = stats.ttest_ind(m, e, equal_var=False).confidence_interval(0.95)
        np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=1e-9)


def test_hedges_g_by_hand():
    """Managers [5, 6, 7] vs customers [4, 5, 5, 6] on item 1.

    m1 = 6, s1² = 1; m2 = 5, s2² = 2/3; s_p² = (2·1 + 3·2/3)/5 = 0.8; ν = 5;
    exact J = Γ(5/2) / (√(5/2) Γ(2)) = (3√π/4) / √2.5 (not the approximation 1 − 3/(4·7 − 9) = 16/19);
    g = J · (6 − 5)/√0.8.
    """
    cust = pd.DataFrame({"id": range(4), "E1": [4, 5, 5, 6], "P1": [4, 4, 4, 4]})
    mgr = pd.DataFrame({"sid": range(3), "M1": [5, 6, 7]})
    for i in ITEMS[1:]:
        cust[f"E{i}"], cust[f"P{i}"], mgr[f"M{i}"] = 4, 4, [3, 4, 5]
    c = sg.read_survey(cust, INST, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id")
    m = sg.read_survey(mgr, INST, columns={"management": "M{item}"}, id="sid")
    res = sg.analyze([c, m], gaps=[1])
    row = res.items.set_index("item").loc["1"]
    np.testing.assert_allclose(row["effect"], 3 * np.sqrt(np.pi) / 4 / np.sqrt(2.5) / np.sqrt(0.8), rtol=1e-12)
    np.testing.assert_allclose(row["mean_gap"], 1.0, rtol=1e-12)
    assert row["n"] == 7


@pytest.mark.parametrize("gap,later,bench", [(2, "S", "M"), (3, "D", "S"), (4, "D", "C")])
@pytest.mark.parametrize("level", ["item", "dimension"])
def test_gaps_2_to_4_match_ttest_rel(frames, res_t, gap, later, bench, level):
    _, staff = frames
    table = res_t.items if level == "item" else res_t.dimensions
    key = "item" if level == "item" else "dimension"
    rows = table[table["gap"] == gap].set_index([key, "branch"])
    for b in STAFF_SIZES:
        sb = staff[staff["branch"] == b]
        for unit in (ITEMS if level == "item" else DIM_ITEMS):
            if level == "item":
                x, y = sb[f"{later}{unit}"], sb[f"{bench}{unit}"]
            else:   # dimension means over the complete item pairs
                cols = DIM_ITEMS[unit]
                both = sb[[f"{later}{i}" for i in cols]].notna().to_numpy() & \
                    sb[[f"{bench}{i}" for i in cols]].notna().to_numpy()
                L = sb[[f"{later}{i}" for i in cols]].where(both)
                B = sb[[f"{bench}{i}" for i in cols]].where(both)
                enough = both.sum(axis=1) >= len(cols) / 2
                x, y = L.mean(axis=1).where(enough), B.mean(axis=1).where(enough)
            ok = x.notna() & y.notna()
            x, y = x[ok].to_numpy(), y[ok].to_numpy()
            r = stats.ttest_rel(x, y)
            ci = r.confidence_interval(0.95)
            row = rows.loc[(unit, b)]
            assert row["n"] == len(x) and row["paired"] and row["test"] == "t"
            np.testing.assert_allclose(row["mean_gap"], (x - y).mean(), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose([row["statistic"], row["p"], row["df"]], [r.statistic, r.pvalue, r.df],
                                       rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=1e-9)
            np.testing.assert_allclose(row["effect"], (x - y).mean() / (x - y).std(ddof=1), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose([row["mean_later"], row["mean_benchmark"]], [x.mean(), y.mean()], rtol=1e-9)


def test_gap3_wilcoxon_matches_scipy(frames, res_w):
    _, staff = frames
    rows = res_w.items[res_w.items["gap"] == 3].set_index(["item", "branch"])
    for b in STAFF_SIZES:
        sb = staff[staff["branch"] == b]
        for i in ITEMS:
            d = (sb[f"D{i}"] - sb[f"S{i}"]).dropna().to_numpy()
            nz = d[d != 0]
            row = rows.loc[(i, b)]
            assert row["n"] == len(d) and row["test"] == "wilcoxon"
            ranks = stats.rankdata(np.abs(nz))
            np.testing.assert_allclose(row["statistic"], ranks[nz > 0].sum(), rtol=RTOL)
            if len(nz) and np.ptp(np.abs(nz)) + len(nz) > 1:
                r = stats.wilcoxon(nz, method="approx", correction=False, zero_method="wilcox")
                np.testing.assert_allclose(row["p"], r.pvalue, rtol=1e-9)


def test_branch_pairing_unequal_sizes_and_branch_without_managers(frames, surveys):
    cust, _ = frames
    with pytest.warns(DataQualityWarning, match="B3"):
        res = sg.analyze(list(surveys), by="branch")
    g1 = res.items[res.items["gap"] == 1]
    assert sorted(g1["branch"].unique()) == ["B1", "B2", "B3"]
    b3 = g1[g1["branch"] == "B3"].set_index("item")
    for i in ITEMS:   # n = the B3 customers who answered E_i (no managers); statistics NaN
        assert b3.loc[i, "n"] == cust.loc[cust["branch"] == "B3", f"E{i}"].notna().sum()
        for col in ("mean_gap", "statistic", "p", "p_adj", "ci_low", "ci_high", "effect", "mean_later"):
            assert np.isnan(b3.loc[i, col]), col
        np.testing.assert_allclose(b3.loc[i, "mean_benchmark"],
                                   cust.loc[cust["branch"] == "B3", f"E{i}"].mean(), rtol=RTOL)
    # the paired staff gaps keep B3 with n = 0
    g3 = res.dimensions[(res.dimensions["gap"] == 3) & (res.dimensions["branch"] == "B3")]
    assert len(g3) == 2 and (g3["n"] == 0).all() and g3["mean_gap"].isna().all()


def test_gap1_branch_without_managers_warns(surveys):
    """Gap 1 alone: its n counts both samples, so the warning must also see the missing managers."""
    with pytest.warns(DataQualityWarning, match="gap 1 B3"):
        sg.analyze(list(surveys), by="branch", gaps=[1])


def test_missing_gaps_name_the_absent_viewpoints(surveys):
    cust, staff = surveys
    res = sg.analyze(cust, by="branch")
    mg = res.missing_gaps.set_index("gap")
    assert sorted(mg.index) == [1, 2, 3, 4] and res.measured_gaps == [5]
    assert "'management'" in mg.loc[1, "reason"] and "'expected'" not in mg.loc[1, "reason"]
    assert "'management'" in mg.loc[2, "reason"] and "'specification'" in mg.loc[2, "reason"]
    assert "'delivered'" in mg.loc[4, "reason"] and "'communicated'" in mg.loc[4, "reason"]
    assert not (res.dimensions["gap"] != 5).any()
    res = sg.analyze(staff, by="branch")
    mg = res.missing_gaps.set_index("gap")
    assert sorted(mg.index) == [1, 5] and res.measured_gaps == [2, 3, 4]
    assert "'expected'" in mg.loc[1, "reason"] and "'perceived'" in mg.loc[5, "reason"]


def test_by_column_only_in_customer_survey(frames, surveys):
    cust, _ = frames
    res = sg.analyze(list(surveys), by="segment")
    mg = res.missing_gaps.set_index("gap")
    assert sorted(mg.index) == [1, 2, 3, 4]
    for g in (1, 2, 3, 4):
        assert "segment" in mg.loc[g, "reason"] and "cannot be split" in mg.loc[g, "reason"]
    assert res.measured_gaps == [5]
    rows = res.items.set_index(["item", "segment"])
    for seg in ("retail", "business"):
        c = cust[cust["segment"] == seg]
        d = (c["P1"] - c["E1"]).dropna()
        r = stats.ttest_1samp(d, 0.0)
        np.testing.assert_allclose([rows.loc[("1", seg), "mean_gap"], rows.loc[("1", seg), "p"]],
                                   [d.mean(), r.pvalue], rtol=1e-9)


def test_missing_gap_reason_names_only_the_absent_column(frames):
    cust, staff = frames
    c = sg.read_survey(cust, INST, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id",
                       segments=["branch", "segment"])
    s = sg.read_survey(staff, INST, columns={vp: p + "{item}" for vp, p in STAFF_VPS.items()}, id="sid",
                       segments="branch")
    reason = sg.analyze([c, s], by=["branch", "segment"]).missing_gaps.set_index("gap").loc[2, "reason"]
    assert "'segment'" in reason and "'branch'" not in reason


@pytest.mark.parametrize("test", ["t", "wilcoxon"])
def test_holm_per_gap_and_branch(res_t, res_w, test):
    from statsmodels.stats.multitest import multipletests

    res = res_t if test == "t" else res_w
    items = res.items
    for (g, b), fam in items.groupby(["gap", "branch"]):
        ok = fam["p"].notna().to_numpy()
        if not ok.any():
            assert fam["p_adj"].isna().all()
            continue
        expected = multipletests(fam["p"].to_numpy()[ok], method="holm")[1]
        np.testing.assert_allclose(fam["p_adj"].to_numpy()[ok], expected, rtol=1e-12, err_msg=f"gap {g} {b}")


def test_paired_gap_across_surveys_raises(frames):
    cust, staff = frames
    c = sg.read_survey(cust, INST, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id")
    m = sg.read_survey(staff, INST, columns={"management": "M{item}"}, id="sid")
    s = sg.read_survey(staff, INST, columns={"specification": "S{item}"}, id="sid")
    with pytest.raises(PairingError, match="different surveys") as exc:
        sg.analyze([c, m, s])
    assert "Gap 2" in str(exc.value) and "read_survey" in str(exc.value)
    assert isinstance(exc.value, ValueError)


# -- decomposition -----------------------------------------------------------------------

def test_decomposition_side_by_side(frames, res_t):
    cust, staff = frames
    dec = res_t.decomposition
    by_cols = ["dimension", "branch", "gap5", "gap5_p_adj", "gap1", "gap1_p_adj", "gap2", "gap2_p_adj", "gap3",
               "gap3_p_adj", "gap4", "gap4_p_adj", "sum_gaps_1_4", "not_measured"]
    assert list(dec.columns) == by_cols
    assert list(dec["dimension"]) == ["speed"] * 3 + ["care"] * 3
    d = dec.set_index(["dimension", "branch"])
    for b in STAFF_SIZES:
        cb, sb = cust[cust["branch"] == b], staff[staff["branch"] == b]
        for dim, cols in DIM_ITEMS.items():
            g1 = _dim(sb, "M", dim).mean() - _dim(cb, "E", dim).mean()
            both = cb[[f"P{i}" for i in cols]].notna().to_numpy() & cb[[f"E{i}" for i in cols]].notna().to_numpy()
            gap5 = (cb[[f"P{i}" for i in cols]].to_numpy() - cb[[f"E{i}" for i in cols]].to_numpy())
            g5 = pd.DataFrame(gap5).mean(axis=1)[both.sum(axis=1) >= len(cols) / 2].mean()
            row = d.loc[(dim, b)]
            np.testing.assert_allclose([row["gap1"], row["gap5"]], [g1, g5], rtol=1e-9)
            np.testing.assert_allclose(row["sum_gaps_1_4"], row[["gap1", "gap2", "gap3", "gap4"]].sum(), rtol=1e-12)
            assert row["not_measured"] == ""
    b3 = d.xs("B3", level="branch")
    assert (b3["not_measured"] == "1, 2, 3, 4").all()
    assert b3[["gap1", "gap2", "gap3", "gap4", "sum_gaps_1_4"]].isna().all().all()
    assert b3["gap5"].notna().all()


def test_decomposition_customers_only(surveys):
    res = sg.analyze(surveys[0])
    dec = res.decomposition
    assert list(dec["dimension"]) == ["speed", "care"]
    assert (dec["not_measured"] == "1, 2, 3, 4").all()
    assert dec[["gap1", "gap2", "gap3", "gap4", "sum_gaps_1_4"]].isna().all().all()
    assert dec["gap5"].notna().all()


def test_decomposition_docstring_states_the_caveat():
    from servgap.analysis.fivegap import decompose

    doc = " ".join(decompose.__doc__.split())
    assert "different respondents" in doc and "not their sum" in doc


def test_gap1_single_manager_keeps_the_difference_of_means():
    """A branch with one manager: the difference of means is known, the Welch test is not."""
    inst = sg.Instrument.from_dict({"id": "one", "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})
    cust = sg.read_survey(pd.DataFrame({"E1": [6, 7, 5, 6], "P1": [5, 5, 5, 6], "branch": ["A"] * 4}), inst,
                          columns={"expected": "E{item}", "perceived": "P{item}"}, segments="branch")
    mgr = sg.read_survey(pd.DataFrame({"M1": [4], "branch": ["A"]}), inst, columns={"management": "M{item}"},
                         segments="branch")
    with pytest.warns(DataQualityWarning):
        res = sg.analyze([cust, mgr], by="branch", gaps=[1])
    row = res.dimensions.iloc[0]
    assert row["mean_gap"] == pytest.approx(4 - 6) and np.isnan(row["p"]) and np.isnan(row["se"])
    assert row["n"] == 5
