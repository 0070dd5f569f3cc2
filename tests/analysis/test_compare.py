"""Segment and wave comparisons of gap scores against scipy / statsmodels oracles."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multicomp import pairwise_tukeyhsd
from statsmodels.stats.multitest import multipletests

import servgap as sg
from servgap.engine.segments import distinct_rows
from servgap.analysis.compare import compare_segments, wave_changes
from servgap.engine.scores import gap_scores
from servgap.errors import ConfigError, DataQualityWarning, MethodWarning
from servgap.stats import anova as av


def pandas_gaps(raw: pd.DataFrame, dim: str) -> pd.Series:
    """Respondent gap-5 score of one dimension, computed independently with pandas."""
    ids = [i.id for i in sg.SERVQUAL22.dimension(dim).items]
    G = pd.DataFrame({i: raw[f"P{i}"].replace(0, np.nan) - raw[f"E{i}"].replace(0, np.nan) for i in ids})
    return G.mean(axis=1).where(G.notna().sum(axis=1) >= 0.5 * len(ids))


@pytest.fixture(scope="module")
def branch_cmp(example):
    cust, _ = example
    res = sg.analyze(cust, by="branch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        return res.compare()


def groups(raw, dim):
    g = pandas_gaps(raw, dim)
    ok = g.notna()
    return {b: g[ok & (raw["branch"] == b)].to_numpy() for b in sorted(raw["branch"].unique())}


@pytest.mark.parametrize("dim", ["responsiveness", "tangibles"])
def test_omnibus_against_scipy(branch_cmp, example_frames, dim):
    raw, _ = example_frames
    gs = groups(raw, dim)
    om = branch_cmp[(branch_cmp.kind == "omnibus") & (branch_cmp.dimension == dim)].set_index("method")
    f = stats.f_oneway(*gs.values())
    w = stats.f_oneway(*gs.values(), equal_var=False)
    h = stats.kruskal(*gs.values())
    assert om.loc["anova", "statistic"] == pytest.approx(f.statistic, rel=1e-10)
    assert om.loc["anova", "p"] == pytest.approx(f.pvalue, rel=1e-8, abs=1e-300)
    assert om.loc["welch_anova", "statistic"] == pytest.approx(w.statistic, rel=1e-10)
    assert om.loc["welch_anova", "p"] == pytest.approx(w.pvalue, rel=1e-8, abs=1e-300)
    assert om.loc["kruskal", "statistic"] == pytest.approx(h.statistic, rel=1e-10)
    assert om.loc["kruskal", "p"] == pytest.approx(h.pvalue, rel=1e-8, abs=1e-300)
    allx = np.concatenate(list(gs.values()))
    ssb = sum(len(x) * (x.mean() - allx.mean()) ** 2 for x in gs.values())
    assert om.loc["anova", "effect"] == pytest.approx(ssb / ((allx - allx.mean()) ** 2).sum(), rel=1e-10)
    assert om.loc["kruskal", "effect"] == pytest.approx(h.statistic / (len(allx) - 1), rel=1e-10)
    assert om.loc["anova", "n"] == len(allx)


def test_tukey_against_statsmodels(branch_cmp, example_frames):
    raw, _ = example_frames
    g = pandas_gaps(raw, "responsiveness")
    ok = g.notna()
    tk = pairwise_tukeyhsd(g[ok].to_numpy(), raw.loc[ok, "branch"].to_numpy())
    ref = pd.DataFrame(tk._results_table.data[1:], columns=tk._results_table.data[0])
    ours = branch_cmp[(branch_cmp.method == "tukey_hsd") & (branch_cmp.dimension == "responsiveness")]
    m = ours.merge(ref, on=["group1", "group2"])
    assert len(m) == 15
    # statsmodels reports group2 - group1 (rounded to 4 decimals in its table)
    np.testing.assert_allclose(-m["estimate"], m["meandiff"].astype(float), atol=1e-4)
    np.testing.assert_allclose(-m["ci_high"], m["lower"].astype(float), atol=2e-4)
    np.testing.assert_allclose(m["p"], m["p-adj"].astype(float), atol=2e-3)
    np.testing.assert_allclose(np.sort(ours["p"]), np.sort(tk.pvalues), atol=1e-4)


def test_studentized_range_quadrature_against_scipy():
    for k, df, q in [(2, 5.0, 3.1), (6, 40.0, 4.2), (6, 1193.0, 2.5), (10, 12.0, 5.5), (3, np.inf, 3.3)]:
        assert av.ptukey_sf(q, k, df) == pytest.approx(stats.studentized_range.sf(q, k, df), rel=1e-5)
    assert av.qtukey(0.95, 6, [30.0])[0] == pytest.approx(stats.studentized_range.ppf(0.95, 6, 30), abs=1e-5)


def test_games_howell_two_groups_is_welch_and_dunn_by_hand():
    rng = np.random.default_rng(11)
    a, b, c = rng.normal(0, 1, 40), rng.normal(0.6, 2, 25), rng.normal(0.2, 1.5, 33)
    x2, g2 = np.concatenate([a, b]), np.repeat([0, 1], [40, 25])
    gh = av.games_howell(x2, g2, 2)
    t = stats.ttest_ind(a, b, equal_var=False)
    ci = t.confidence_interval()
    assert gh["p"][0] == pytest.approx(t.pvalue, rel=1e-5)
    assert gh["ci_low"][0] == pytest.approx(ci.low, abs=1e-5) and gh["ci_high"][0] == pytest.approx(ci.high, abs=1e-5)
    x, g = np.round(np.concatenate([a, b, c]), 1), np.repeat([0, 1, 2], [40, 25, 33])
    d = av.dunn(x, g, 3)
    r = stats.rankdata(x)
    N = len(x)
    _, t_ = np.unique(x, return_counts=True)
    s2 = N * (N + 1) / 12 - (t_ ** 3 - t_).sum() / (12 * (N - 1))
    for (i, j), z in zip([(0, 1), (0, 2), (1, 2)], d["statistic"]):
        ni, nj = (g == i).sum(), (g == j).sum()
        assert z == pytest.approx((r[g == i].mean() - r[g == j].mean()) / np.sqrt(s2 * (1 / ni + 1 / nj)), rel=1e-12)
    assert np.allclose(d["p"], 2 * stats.norm.sf(np.abs(d["statistic"])))


def test_dunn_holm_and_planted_branch(branch_cmp):
    dn = branch_cmp[(branch_cmp.method == "dunn") & (branch_cmp.dimension == "responsiveness")]
    assert np.allclose(dn["p_adj"], multipletests(dn["p"], method="holm")[1])
    gh = branch_cmp[(branch_cmp.method == "games_howell") & (branch_cmp.dimension == "responsiveness")]
    b03 = gh[(gh.group1 == "B03") | (gh.group2 == "B03")]
    assert len(b03) == 5 and (b03["p_adj"] < 1e-6).all()
    # B03 has the lowest (most negative) responsiveness gap
    worse = np.where(b03.group1 == "B03", b03.estimate, -b03.estimate)
    assert (worse < -0.4).all()
    om = branch_cmp[branch_cmp.kind == "omnibus"].set_index(["dimension", "method"])
    assert om.loc[("responsiveness", "welch_anova"), "p_adj"] < 1e-20
    assert om.loc[("tangibles", "welch_anova"), "p_adj"] > 0.05
    assert {"overall"} <= set(branch_cmp["dimension"])


def test_weights_warning_and_errors(example):
    cust, _ = example
    res = sg.analyze(cust, by="branch")
    with pytest.warns(MethodWarning, match="ignore the survey weights"):
        out = compare_segments(res, level="item")
    assert out["item"].notna().sum() > 0 and len(out[out.level == "item"]) > len(out[out.level == "overall"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_segments(sg.analyze(cust, by="branch", weighted=False))
    plain = sg.analyze(cust)
    with pytest.raises(ConfigError, match="by="):
        plain.compare()
    with pytest.raises(ConfigError, match="not a segment"):
        plain.compare(by="region")
    with pytest.raises(ConfigError, match="different respondents"):
        compare_segments(res, gap=1)
    with pytest.raises(ConfigError, match="level"):
        compare_segments(res, level="segment")


def test_wave_change_welch_against_scipy(example, example_frames):
    cust, _ = example
    raw, _ = example_frames
    res = sg.analyze(cust, wave="wave", weighted=False)
    w = res.waves.set_index("dimension")
    g = pandas_gaps(raw, "responsiveness")
    q1 = g[(raw.wave == "2025Q1") & g.notna()]
    q2 = g[(raw.wave == "2025Q2") & g.notna()]
    t = stats.ttest_ind(q2, q1, equal_var=False)
    ci = t.confidence_interval()
    row = w.loc["responsiveness"]
    assert row["change"] == pytest.approx(q2.mean() - q1.mean(), abs=1e-12)
    assert row["statistic"] == pytest.approx(t.statistic, rel=1e-9)
    assert row["p"] == pytest.approx(t.pvalue, rel=1e-6)
    assert row["ci_low"] == pytest.approx(ci.low, abs=1e-9) and row["ci_high"] == pytest.approx(ci.high, abs=1e-9)
    assert row["change"] > 0.15 and row["p_adj"] < 1e-6     # the planted improvement
    assert not row["paired"] and row["test"] == "welch_t"
    assert w.loc["tangibles", "p_adj"] > 0.05


def test_wave_change_weighted_matches_analysis_means(example):
    cust, _ = example
    res = sg.analyze(cust, wave="wave")
    w = res.waves
    d = res.dimensions
    for wave, col in (("2025Q1", "mean_from"), ("2025Q2", "mean_to")):
        ref = d[(d.gap == 5) & (d.wave == wave)].set_index("dimension")["mean_gap"]
        got = w[w.dimension != "overall"].set_index("dimension")[col]
        np.testing.assert_allclose(got, ref.loc[got.index], atol=1e-10)
    with pytest.raises(ConfigError, match="wave"):
        _ = sg.analyze(cust).waves


def _panel(seed, n=50, ids=None):
    df = pd.DataFrame({"id": ids if ids is not None else [f"R{i}" for i in range(n)]})
    rng = np.random.default_rng(seed)
    for i in sg.SERVQUAL22.item_ids:
        df[f"E{i}"] = rng.integers(4, 8, len(df))
        df[f"P{i}"] = rng.integers(1 + seed, 8, len(df))
    return df


def test_wave_change_paired_by_ids_and_pair_on():
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    a, b = _panel(0), _panel(2)
    sa, sb = (sg.read_survey(d, columns=cols, id="id") for d in (a, b))
    out = wave_changes(sg.analyze(sa), other=sb).set_index("dimension")
    ga, gb = gap_scores(sa)[1]["dimension"][0][:, 2], gap_scores(sb)[1]["dimension"][0][:, 2]
    t = stats.ttest_rel(gb, ga)
    assert out.loc["responsiveness", "paired"] and out.loc["responsiveness", "test"] == "t"
    assert out.loc["responsiveness", "statistic"] == pytest.approx(t.statistic, rel=1e-9)
    assert out.loc["responsiveness", "p"] == pytest.approx(t.pvalue, rel=1e-6)
    # partial overlap: pairs the matched respondents, counts and reports the rest
    c = sg.read_survey(_panel(2, ids=[f"R{i}" for i in range(10, 60)]), columns=cols, id="id")
    with pytest.warns(DataQualityWarning, match="only one wave"):
        part = wave_changes(sa, other=c)
    assert (part["n_unmatched"] == 20).all() and (part["n_from"] == 40).all()
    # one survey in long panel form: person id kept, wave as segment
    long = pd.concat([a.assign(wave="w1", person=a["id"]), b.assign(wave="w2", person=b["id"])], ignore_index=True)
    long["id"] = range(len(long))
    s = sg.read_survey(long, columns=cols, id="id", segments=["wave"], keep=["person"])
    pw = wave_changes(sg.analyze(s, wave="wave"), pair_on="person").set_index("dimension")
    assert pw.loc["responsiveness", "statistic"] == pytest.approx(t.statistic, rel=1e-9)
    ind = wave_changes(sg.analyze(s, wave="wave")).set_index("dimension")
    assert ind.loc["responsiveness", "statistic"] == pytest.approx(
        stats.ttest_ind(gb, ga, equal_var=False).statistic, rel=1e-9)


def test_two_segment_columns_against_scipy(example, example_frames):
    cust, _ = example
    raw, _ = example_frames
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        out = compare_segments(cust, by=["branch", "segment"])
    g = pandas_gaps(raw, "empathy")
    ok = g.notna()
    parts = [x.to_numpy() for _, x in g[ok].groupby([raw.loc[ok, "branch"], raw.loc[ok, "segment"]])]
    row = out[(out.dimension == "empathy") & (out.method == "anova")].iloc[0]
    assert row["n_groups"] == len(parts) == 18 and row["by"] == "branch+segment"
    assert row["statistic"] == pytest.approx(stats.f_oneway(*parts).statistic, rel=1e-10)
    assert "B03/private" in set(out["group1"].dropna()) | set(out["group2"].dropna())


def test_thin_segment_is_named_not_dropped_silently():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"id": range(1, 42), "branch": ["A"] * 20 + ["B"] * 20 + ["C"]})
    for i in sg.SERVQUAL22.item_ids:
        df[f"E{i}"], df[f"P{i}"] = rng.integers(1, 8, 41), rng.integers(1, 8, 41)
    s = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="branch")
    with pytest.warns(DataQualityWarning, match="C"):
        out = compare_segments(s, by="branch")
    om = out[(out.method == "anova") & (out.dimension == "tangibles")].iloc[0]
    a, b = (pandas_gaps(df, "tangibles")[df.branch == x] for x in "AB")
    assert om["n_groups"] == 2 and om["p"] == pytest.approx(stats.f_oneway(a, b).pvalue, rel=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_distinct_rows_are_drop_duplicates(seed):
    """Segment rows reduce to what pandas' drop_duplicates keeps, and every row maps back to its own."""
    rng = np.random.default_rng(seed)
    n = 500
    f = pd.DataFrame({"a": pd.Series(rng.choice(["x", "y", "z"], n), dtype="str").where(rng.random(n) > 0.1),
                      "b": rng.choice([-1.5, -0.0, 0.0, 2.0, np.nan], n),
                      "c": pd.Categorical(rng.choice(["p", "q"], n))}, index=rng.permutation(n) + 1000)
    for cols in (["a"], ["b", "a"], ["c", "b", "a"]):
        distinct, code = distinct_rows(f[cols])
        pd.testing.assert_frame_equal(distinct, f[cols].drop_duplicates())
        pd.testing.assert_frame_equal(distinct.iloc[code].reset_index(drop=True), f[cols].reset_index(drop=True))


def test_overall_level_uses_exact_scores():
    """Issue 17, defect 2: Kruskal-Wallis and Dunn on the overall level rank the exact overall
    scores (Fractions rounded once), so equal scores tie, as in analyze()."""
    from factories import exact_overall

    inst = sg.Instrument.from_dict({"id": "cmp", "scale": {"min": 1, "max": 7}, "dimensions": [
        {"id": f"d{k}", "items": [f"i{k}_{j}" for j in range(m)]} for k, m in enumerate((4, 5, 4, 4, 5))]})
    rng = np.random.default_rng(17)
    n = 400
    df = pd.DataFrame({"seg": rng.choice(["a", "b", "c"], n)})
    for vp in ("E", "P"):
        for i in inst.item_ids:
            x = rng.integers(1, 8, n).astype(float)
            x[rng.random(n) < 0.15] = np.nan
            df[f"{vp}{i}"] = x
    sv = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")
    cmp = sg.analyze(sv, by="seg").compare()
    scores, _ = exact_overall(df, inst)
    x = np.array([np.nan if v is None else float(v) for v in scores])
    assert len(np.unique(x[~np.isnan(x)])) == len({v for v in scores if v is not None})  # one double per value
    gs = {b: x[(df["seg"] == b).to_numpy() & ~np.isnan(x)] for b in ("a", "b", "c")}
    om = cmp.query("level == 'overall' and kind == 'omnibus'").set_index("method")
    h = stats.kruskal(*gs.values())
    assert om.loc["kruskal", "statistic"] == pytest.approx(h.statistic, rel=1e-12)
    # Dunn by hand on the exact scores: mean ranks, tie-corrected variance
    allx = np.concatenate(list(gs.values()))
    r = stats.rankdata(allx)
    N = len(allx)
    _, t = np.unique(allx, return_counts=True)
    s2 = N * (N + 1) / 12 - (t ** 3 - t).sum() / (12 * (N - 1))
    sizes = np.cumsum([0] + [len(v) for v in gs.values()])
    rbar = [r[sizes[k]:sizes[k + 1]].mean() for k in range(3)]
    dunn = cmp.query("level == 'overall' and method == 'dunn'").set_index(["group1", "group2"])
    z = (rbar[0] - rbar[1]) / np.sqrt(s2 * (1 / len(gs["a"]) + 1 / len(gs["b"])))
    assert dunn.loc[("a", "b"), "statistic"] == pytest.approx(z, rel=1e-12)


def test_zero_variance_segment_gives_nan_without_numpy_warnings():
    """Issue 17, defect 7: a segment whose gap scores do not vary has no Welch weight (n/s² is
    infinite): Welch's ANOVA is NaN, so are Games-Howell pairs of two constant segments; one
    DataQualityWarning names the segment, and no numpy RuntimeWarning escapes."""
    inst = sg.Instrument.from_dict({"id": "z", "scale": {"min": 1, "max": 7},
                                    "dimensions": [{"id": "d", "items": [{"id": "1"}, {"id": "2"}]}]})
    rng = np.random.default_rng(2)
    n = 36
    df = pd.DataFrame({"seg": np.repeat(["a", "b", "c"], 12)})
    for i in ("1", "2"):
        df[f"E{i}"] = rng.integers(3, 8, n)
        df[f"P{i}"] = np.clip(df[f"E{i}"] + rng.integers(-2, 2, n), 1, 7)
    df.loc[df.seg == "c", ["E1", "E2"]] = 6
    df.loc[df.seg == "c", ["P1", "P2"]] = 5                        # segment c: every gap −1
    sv = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        res = sg.analyze(sv, by="seg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cmp = res.compare()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    named = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    assert len(named) == 1 and "no variation" in named[0] and "c" in named[0]
    d = cmp.query("dimension == 'd'")
    om = d.query("kind == 'omnibus'").set_index("method")
    assert np.isnan(om.loc["welch_anova", ["statistic", "p", "effect"]].astype(float)).all()
    x = pandas_like = {s: (df[df.seg == s][["P1", "P2"]].to_numpy(float) - df[df.seg == s][["E1", "E2"]]
                           .to_numpy(float)).mean(axis=1) for s in "abc"}
    assert om.loc["anova", "statistic"] == pytest.approx(stats.f_oneway(*pandas_like.values()).statistic, rel=1e-10)
    gh = d.query("method == 'games_howell'").set_index(["group1", "group2"])
    # a constant segment against a varying one is still defined: Welch df = n2 − 1
    se = np.sqrt(x["a"].var(ddof=1) / 12)
    assert gh.loc[("a", "c"), "estimate"] == pytest.approx(x["a"].mean() + 1, rel=1e-12)
    assert gh.loc[("a", "c"), "statistic"] == pytest.approx(np.sqrt(2) * abs(x["a"].mean() + 1) / se, rel=1e-10)
    assert gh.loc[("a", "c"), "df2"] == pytest.approx(11, rel=1e-12)
