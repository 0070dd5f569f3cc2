"""``analyze(variance="design")``: Taylor-linearisation standard errors of the weighted mean gap.

Oracles, all independent of the engine:

- `svymean_oracle`: the textbook computation, loop by loop over the raw vectors (linearised
  values, PSU totals over every PSU of the design, with-replacement variance within strata),
  as R ``survey::svymean`` on ``svydesign(ids=~psu, strata=~stratum, weights=~w)``;
- closed-form numbers on a seven-respondent table, worked by hand in the comments;
- published outputs of the R ``survey`` package (4.5): ``tests/domain.Rout.save`` (the
  ``fpc`` data, ``svyby`` domain SEs), ``tests/lonely.psu.Rout.save`` (``apiclus1``
  stratified by district) and the package's example pages (``dclus1``: ``svymean`` and
  ``svyby(~api99+api00, ~stype+sch.wide, dclus1, svymean)``). The data files in
  tests/data/ (``survey_fpc.csv``, ``survey_apiclus1.csv``) are columns of the package's
  ``fpc`` and ``apiclus1`` data sets (GPL-2 | GPL-3), copied unchanged.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import design_frame
from scipy import stats

import servgap as sg
from servgap.errors import ConfigError, DataError, MethodWarning

DATA = Path(__file__).parents[1] / "data"
RTOL = 1e-10
COLS = {"expected": "E{item}", "perceived": "P{item}"}
#: One item on a wide scale: gap 5 of a respondent is ``P1 − E1``, so ``E1 = 0`` makes it ``P1``.
WIDE = sg.Instrument.from_dict({"id": "wide", "scale": {"min": 0, "max": 1000},
                                "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})


def svymean_oracle(y, w, strata, psu, domain, lonely="certainty"):
    """Mean, linearisation variance and design df of a domain mean, straight from the formula.

    ``z_j = w_j (y_j − ȳ) / Σw`` in the domain (0 elsewhere); PSU totals over *every* PSU of
    the design; ``v = Σ_h n_h/(n_h − 1) Σ_i (z_hi − z̄_h)²``; a lonely PSU adds ``z²``
    (``"adjust"``) or nothing. ``psu=None``: every row its own PSU.
    """
    n = len(y)
    key = [(strata[j], j if psu is None else psu[j]) for j in range(n)]
    rows = [j for j in range(n) if domain[j] and not math.isnan(y[j]) and w[j] > 0]
    W = sum(w[j] for j in rows)
    ybar = sum(w[j] * y[j] for j in rows) / W
    total = {k: 0.0 for k in key}
    for j in rows:
        total[key[j]] += w[j] * (y[j] - ybar) / W
    per_stratum: dict = {}
    for (h, _), z in total.items():
        per_stratum.setdefault(h, []).append(z)
    var = 0.0
    for zs in per_stratum.values():
        nh = len(zs)
        if nh == 1:
            var += zs[0] ** 2 if lonely == "adjust" else 0.0
            continue
        zbar = sum(zs) / nh
        var += nh / (nh - 1) * sum((z - zbar) ** 2 for z in zs)
    used = {key[j] for j in rows}
    return ybar, var, len(used) - len({h for h, _ in used})


def respondent_gaps(df):
    """Gap-5 scores per respondent at item, dimension and overall level, computed here (0 = missing)."""
    inst = sg.SERVQUAL22
    E = df[[f"E{i}" for i in inst.item_ids]].replace(0, np.nan).to_numpy(float)
    P = df[[f"P{i}" for i in inst.item_ids]].replace(0, np.nan).to_numpy(float)
    D = P - E
    dims = {}
    for k, d in enumerate(inst.dimensions):
        cols = D[:, inst.item_dimension == k]
        avail = (~np.isnan(cols)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            dims[d.id] = np.where(avail >= 0.5 * cols.shape[1], np.nanmean(cols, axis=1), np.nan)
    dm = np.column_stack(list(dims.values()))
    k = (~np.isnan(dm)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        overall = np.where(k >= dm.shape[1] / 2, np.nanmean(dm, axis=1), np.nan)
    return {"item": dict(zip(inst.item_ids, D.T)), "dimension": dims, "overall": {"unweighted": overall}}


def check_row(row, est, var, df, conf=0.95):
    se = math.sqrt(var)
    t = est / se
    q = stats.t.ppf(0.5 + conf / 2, df)
    np.testing.assert_allclose([row["mean_gap"], row["se"], row["df"], row["statistic"], row["p"],
                                row["ci_low"], row["ci_high"]],
                               [est, se, df, t, 2 * stats.t.sf(abs(t), df), est - q * se, est + q * se],
                               rtol=RTOL, atol=1e-300)


def analyze(*a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(*a, **kw)


@pytest.fixture(scope="module")
def frame():
    # region: a domain holding some PSUs of every stratum (the others are empty PSUs of the domain)
    return design_frame().assign(region=lambda d: np.where(d["psu"] <= 2, "inner", "outer"))


@pytest.fixture(scope="module")
def survey(frame):
    return sg.read_survey(frame, columns=COLS, id="id", segments=["branch", "region"], weight="w",
                          strata="stratum", cluster="psu", missing=[0])


# -- against the loop oracle ---------------------------------------------------------------
@pytest.mark.parametrize("by", ["branch", "region"])
def test_every_level_and_segment_matches_the_oracle(frame, survey, by):
    res = analyze(survey, by=by, variance="design")
    gaps = respondent_gaps(frame)
    w, h, c = frame["w"].to_numpy(), frame["stratum"].to_numpy(), frame["psu"].to_numpy()
    for level, table, key in (("item", res.items, "item"), ("dimension", res.dimensions, "dimension"),
                              ("overall", res.overall, "measure")):
        table = table.set_index([key, by])
        for unit, y in gaps[level].items():
            for b in frame[by].unique():
                m, v, df = svymean_oracle(y, w, h, c, (frame[by] == b).to_numpy())
                check_row(table.loc[(unit, b)], m, v, df)


def test_whole_sample_and_design_df(frame, survey):
    res = analyze(survey, variance="design")
    y = respondent_gaps(frame)["dimension"]["reliability"]
    m, v, df = svymean_oracle(y, frame["w"].to_numpy(), frame["stratum"].to_numpy(), frame["psu"].to_numpy(),
                              np.ones(len(frame), bool))
    row = res.dimensions.set_index("dimension").loc["reliability"]
    check_row(row, m, v, df)
    assert row["df"] == 15 - 3                      # #PSU − #strata
    kish = analyze(survey).dimensions.set_index("dimension").loc["reliability"]
    assert row["mean_gap"] == pytest.approx(kish["mean_gap"], rel=1e-13)     # the estimator is unchanged
    assert row["n_eff"] == kish["n_eff"] and row["sd_gap"] == kish["sd_gap"]
    assert abs(row["se"] / kish["se"] - 1) > 0.05   # PSU effects: the design SE differs from Kish's


def test_no_weights_and_no_clusters(frame):
    """Without weights every respondent weighs 1; without a cluster column each is its own PSU."""
    gaps = respondent_gaps(frame)["dimension"]["empathy"]
    h, c = frame["stratum"].to_numpy(), frame["psu"].to_numpy()
    for kw, psu in (({"strata": "stratum", "cluster": "psu"}, c), ({"strata": "stratum"}, None)):
        s = sg.read_survey(frame, columns=COLS, missing=[0], **kw)
        row = analyze(s, variance="design").dimensions.set_index("dimension").loc["empathy"]
        m, v, df = svymean_oracle(gaps, np.ones(len(frame)), h, psu, np.ones(len(frame), bool))
        check_row(row, m, v, df)


def test_without_design_columns_or_weights_design_is_the_one_sample_t(frame):
    """One stratum of single-respondent PSUs, equal weights: v = s²/n and df = n − 1, the plain t test."""
    s = sg.read_survey(frame, columns=COLS, missing=[0])
    res = analyze(s, variance="design", by=None)
    y = respondent_gaps(frame)["dimension"]["tangibles"]
    y = y[~np.isnan(y)]
    r = stats.ttest_1samp(y, 0)
    row = res.dimensions.set_index("dimension").loc["tangibles"]
    ci = r.confidence_interval(0.95)
    np.testing.assert_allclose([row["statistic"], row["p"], row["df"], row["ci_low"], row["ci_high"]],
                               [r.statistic, r.pvalue, len(y) - 1, ci.low, ci.high], rtol=RTOL)
    kish = analyze(s).dimensions
    np.testing.assert_allclose(res.dimensions[["se", "df", "p"]], kish[["se", "df", "p"]], rtol=1e-12)


# -- closed form ---------------------------------------------------------------------------
def tiny():
    """Seven respondents, equal weights; gaps by PSU: A1 {2, 0}, A2 {−1}, B3 {1}, B4 {−1, −1}, and a
    respondent of B4 with no perception (not in any domain, still in its PSU)."""
    inst = sg.Instrument.from_dict({"id": "tiny", "scale": {"min": 1, "max": 5},
                                    "dimensions": [{"id": "d", "items": [{"id": "1"}]}]})
    df = pd.DataFrame({"st": list("AAABBBB"), "psu": [1, 1, 2, 3, 4, 4, 4], "seg": list("XXXXYYY"),
                       "E1": [3, 3, 4, 3, 4, 4, 4], "P1": [5, 3, 3, 4, 3, 3, 0]})
    return sg.read_survey(df, inst, columns=COLS, strata="st", cluster="psu", segments="seg", missing=[0])


def test_closed_form_tiny_table():
    s = tiny()
    row = analyze(s, variance="design").items.iloc[0]
    # ȳ = 0, W = 6, z = y/6; PSU totals A: 2/6, −1/6 (mean 1/12), B: 1/6, −2/6 (mean −1/12);
    # each stratum 2·(2·(3/12)²) = 1/4, so v = 1/2, se = 1/√2, df = 4 PSUs − 2 strata = 2
    assert row["mean_gap"] == 0 and row["se"] == pytest.approx(math.sqrt(0.5), rel=RTOL) and row["df"] == 2
    assert row["statistic"] == 0 and row["p"] == 1
    assert row["ci_high"] == pytest.approx(4.302652729749464 * math.sqrt(0.5), rel=RTOL)   # t(0.975, 2)
    seg = analyze(s, by="seg", variance="design").items.set_index("seg")
    # domain X = {2, 0 | −1 | 1}: ȳ = 1/2, W = 4, z = (y − 1/2)/4; PSU totals A: 1/4, −3/8 (mean −1/16),
    # B: 1/8, 0 (PSU 4 has no X respondent; mean 1/16): 2·2·(5/16)² + 2·2·(1/16)² = 25/64 + 1/64 = 26/64
    x = seg.loc["X"]
    assert x["se"] == pytest.approx(math.sqrt(26 / 64), rel=RTOL) and x["df"] == 3 - 2
    t = 0.5 / math.sqrt(26 / 64)
    assert x["statistic"] == pytest.approx(t, rel=RTOL)
    assert x["p"] == pytest.approx(1 - 2 / math.pi * math.atan(t), rel=RTOL)   # t with 1 df is Cauchy
    # domain Y = {−1, −1}: every z = 0, v = 0; its PSUs: 1 in 1 stratum, df = 0: no test
    y = seg.loc["Y"]
    assert y["mean_gap"] == -1 and y["se"] == 0 and np.isnan(y["df"]) and np.isnan(y["p"])


# -- published R survey outputs ------------------------------------------------------------
def wide_survey(df, value, **kw):
    df = df.assign(E1=0.0, P1=df[value].astype(float))
    return sg.read_survey(df, WIDE, columns=COLS, **kw)


def test_fpc_domains_as_svyby():
    """``svyby(~x, ~I(x>4), svydesign(id=~psuid, strat=~stratid, weight=~weight, data=fpc, nest=TRUE), svymean)``."""
    df = pd.read_csv(DATA / "survey_fpc.csv").assign(big=lambda d: np.where(d["x"] > 4, "TRUE", "FALSE"))
    s = wide_survey(df, "x", weight="weight", strata="stratid", cluster="psuid", segments="big")
    rows = analyze(s, by="big", variance="design").items.set_index("big")
    np.testing.assert_allclose(rows["mean_gap"], [3.314286, 6.195000], rtol=5e-7)
    np.testing.assert_allclose(rows["se"], [0.3117042, 0.7555129], rtol=5e-7)


def test_apiclus1_cluster_design():
    """``dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)``: 15 districts of 757,
    one stratum, so its fpc is the factor 1 − 15/757 on the with-replacement variance."""
    df = pd.read_csv(DATA / "survey_apiclus1.csv")
    f = math.sqrt(1 - 15 / 757)
    for value, mean, se in (("api00", 644.169399, 23.5422), ("api99", 606.978142, 24.2250)):
        row = analyze(wide_survey(df, value, weight="pw", cluster="dnum"), variance="design").items.iloc[0]
        assert row["mean_gap"] == pytest.approx(mean, rel=1e-9) and row["se"] * f == pytest.approx(se, rel=3e-6)
        assert row["df"] == 14
    # svyby(~api99+api00, ~stype+sch.wide, dclus1, svymean, keep.var=TRUE)
    s = wide_survey(df, "api00", weight="pw", cluster="dnum", segments=["stype", "sch_wide"])
    rows = analyze(s, by=["stype", "sch_wide"], variance="design").items.set_index(["stype", "sch_wide"])
    published = {("E", "No"): (596.3333, 43.49010), ("E", "Yes"): (653.6439, 20.31720),
                 ("H", "No"): (659.3333, 27.00275), ("H", "Yes"): (607.4545, 43.70468),
                 ("M", "No"): (606.3750, 41.11686)}
    for k, (mean, se) in published.items():
        assert rows.loc[k, "mean_gap"] == pytest.approx(mean, rel=1e-7)
        assert rows.loc[k, "se"] * f == pytest.approx(se, rel=2e-7)


def test_lonely_psu_as_r():
    """``svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1)``: district 413 has one school."""
    df = pd.read_csv(DATA / "survey_apiclus1.csv")
    s = wide_survey(df, "api00", weight="pw", strata="dnum")
    for lonely, se in (("certainty", 5.8058), ("adjust", 5.8281)):
        with pytest.warns(MethodWarning, match=r"stratum 413 has a single PSU"):
            row = sg.analyze(s, variance="design", lonely_psu=lonely).items.iloc[0]
        assert row["se"] == pytest.approx(se, abs=5e-5)
        assert row["df"] == 183 - 15
        m, v, _ = svymean_oracle(df["api00"].to_numpy(float), df["pw"].to_numpy(), df["dnum"].to_numpy(), None,
                                 np.ones(len(df), bool), lonely)
        assert row["se"] == pytest.approx(math.sqrt(v), rel=RTOL)
    with pytest.raises(DataError, match=r"strata column 'dnum'.*stratum 413 has a single PSU.*lonely_psu=\"adjust\""):
        sg.analyze(s, variance="design", lonely_psu="fail")


# -- gap 1: two independent surveys --------------------------------------------------------
def test_gap1_adds_the_variances_of_two_surveys(frame):
    rng = np.random.default_rng(3)
    mgr = pd.DataFrame({"mid": np.arange(40), **{f"M{i}": rng.integers(4, 8, 40) for i in sg.SERVQUAL22.item_ids}})
    cust = sg.read_survey(frame, columns=COLS, id="id", weight="w", strata="stratum", cluster="psu", missing=[0])
    staff = sg.read_survey(mgr, columns={"management": "M{item}"}, id="mid")
    row = analyze([cust, staff], gaps=[1], variance="design").dimensions.set_index("dimension").loc["assurance"]
    inst = sg.SERVQUAL22
    items = [i for i, k in zip(inst.item_ids, inst.item_dimension) if inst.dimensions[k].id == "assurance"]
    E = frame[[f"E{i}" for i in items]].replace(0, np.nan).to_numpy(float)
    e = np.where((~np.isnan(E)).sum(axis=1) >= 0.5 * E.shape[1], np.nanmean(E, axis=1), np.nan)
    M = mgr[[f"M{i}" for i in items]].to_numpy(float).mean(axis=1)
    me, ve, de = svymean_oracle(e, frame["w"].to_numpy(), frame["stratum"].to_numpy(), frame["psu"].to_numpy(),
                                np.ones(len(frame), bool))
    mm, vm, dm = svymean_oracle(M, np.ones(40), np.zeros(40), None, np.ones(40, bool))
    v = ve + vm
    check_row(row, mm - me, v, v ** 2 / (ve ** 2 / de + vm ** 2 / dm))
    # neither survey weighted nor designed: exactly Welch's test
    plain = sg.read_survey(frame, columns=COLS, id="id", missing=[0])
    row = analyze([plain, staff], gaps=[1], variance="design").dimensions.set_index("dimension").loc["assurance"]
    r = stats.ttest_ind(M, e[~np.isnan(e)], equal_var=False)
    np.testing.assert_allclose([row["statistic"], row["p"]], [r.statistic, r.pvalue], rtol=RTOL)


# -- mergeable: row blocks and Dask partitions ---------------------------------------------
DESIGN_COLUMNS = ["mean_gap", "se", "ci_low", "ci_high", "statistic", "df", "p", "p_adj"]


def test_row_blocks_and_dask_partitions_equal_in_memory(frame, survey, monkeypatch):
    """PSUs split over blocks and partitions add up: the tables equal the one-block ones."""
    dd = pytest.importorskip("dask.dataframe")
    from servgap.engine import kernel

    ref = analyze(survey, by="branch", variance="design")
    kw = dict(columns=COLS, id="id", segments="branch", weight="w", strata="stratum", cluster="psu", missing=[0])
    lazy = sg.read_survey(dd.from_pandas(frame, npartitions=5, sort=False), engine="dask", **kw)
    monkeypatch.setattr(kernel, "BLOCK_ROWS", 37)
    for other in (analyze(survey, by="branch", variance="design"), analyze(lazy, by="branch", variance="design")):
        for level in ("items", "dimensions", "overall"):
            np.testing.assert_allclose(getattr(other, level)[DESIGN_COLUMNS], getattr(ref, level)[DESIGN_COLUMNS],
                                       rtol=1e-12)


def test_dask_without_clusters_and_lonely_check(frame):
    dd = pytest.importorskip("dask.dataframe")
    kw = dict(columns=COLS, id="id", weight="w", strata="stratum", missing=[0])
    ref = analyze(sg.read_survey(frame, **kw), variance="design").dimensions
    lazy = sg.read_survey(dd.from_pandas(frame, npartitions=3, sort=False), engine="dask", **kw)
    np.testing.assert_allclose(analyze(lazy, variance="design").dimensions[DESIGN_COLUMNS], ref[DESIGN_COLUMNS],
                               rtol=1e-12)
    lone = frame.assign(stratum=np.where(frame["id"] == 1, "solo", frame["stratum"]))
    lazy = sg.read_survey(dd.from_pandas(lone, npartitions=3, sort=False), engine="dask", **kw)
    with pytest.raises(DataError, match=r"strata column 'stratum'.*'solo' has a single PSU"):
        sg.analyze(lazy, variance="design", lonely_psu="fail")


# -- the options ---------------------------------------------------------------------------
def test_kish_stays_the_default_and_computes_nothing_extra(survey):
    from servgap.engine.compute import plan_jobs
    from servgap.engine.kernel import block_partial
    from servgap.engine.segments import segment
    from servgap.engine.settings import Settings

    assert Settings().variance == "kish"
    for settings, has in ((Settings.of(), False), (Settings.of(variance="design"), True)):
        seg = segment(sg.combine(survey), [])
        _, plans, _ = plan_jobs(sg.combine(survey), seg, settings)
        part = block_partial(survey, seg.codes[id(survey)], plans[id(survey)])
        cells = [v for k, v in part.items() if k[0] != "ledger"]
        assert cells and all((c.design is not None) == has for c in cells)
    a, b = analyze(survey, by="branch"), analyze(survey, by="branch", variance="kish")
    pd.testing.assert_frame_equal(a.items, b.items)


def test_rank_tests_keep_their_p_with_design_intervals(survey):
    rank = analyze(survey, test="wilcoxon", variance="design").dimensions
    kish = analyze(survey, test="wilcoxon").dimensions
    t = analyze(survey, variance="design").dimensions
    np.testing.assert_array_equal(rank[["statistic", "p"]], kish[["statistic", "p"]])
    np.testing.assert_allclose(rank[["se", "ci_low", "ci_high"]], t[["se", "ci_low", "ci_high"]], rtol=1e-15)
    assert rank["df"].isna().all()


def test_settings_are_kept_and_reanalyze(survey):
    res = analyze(survey, variance="design", lonely_psu="certainty")
    assert res.settings.variance == "design" and dict(res.settings)["lonely_psu"] == "certainty"
    again = res.reanalyze(variance="kish")
    pd.testing.assert_frame_equal(again.items, analyze(survey).items)


def test_bad_options(frame):
    s = sg.read_survey(frame, columns=COLS, missing=[0])
    with pytest.raises(ConfigError, match=r"variance='taylor'.*\"kish\".*\"design\""):
        sg.analyze(s, variance="taylor")
    with pytest.raises(ConfigError, match=r"lonely_psu='drop'.*'adjust', 'certainty', 'fail'"):
        sg.analyze(s, variance="design", lonely_psu="drop")
