"""Root-cause ranking (scoring v2): the formula by hand, monotonicity, ties, wording, segments.

Planted-truth scenarios are in test_planted.py; the reproductions of the defects of the
first ranking in test_defects.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as hs
from scipy import stats as sps

import servgap as sg
from factories import gap_customers, gap_staff, gap_surveys, quiet_analyze
from servgap.causes.catalog import cause_catalog
from servgap.causes.ranking import CAUSE_COLUMNS, cause_scores
from servgap.causes.scoring import significance_weight
from servgap.causes.wording import gap_list, rank_label
from servgap.errors import ConfigError

INST = sg.SERVQUAL22
CONS = sg.GAP_CONSTRUCTS
DIMS = INST.dimension_ids
CONSTRUCT_IDS = [d.id for d in CONS.dimensions]
CONSTRUCT_GAP = {d.id: int(d.extra["gap"]) for d in CONS.dimensions}


@pytest.fixture(scope="module")
def delivery():
    """Planted: responsiveness falls short in gap 3 and gap 5; technology-job fit is low."""
    rng = np.random.default_rng(11)
    return (gap_customers(rng, g5={"responsiveness": -1.2}),
            gap_staff(rng, g3={"responsiveness": -1.0}, constructs={"technology_job_fit": 2.0}))


def w(p):
    return min(1.0, -np.log10(p) / 3) if p < 0.05 else 0.0


# --------------------------------------------------------------------------- the formula by hand
def test_score_formula_hand_computed():
    dims = pd.DataFrame({
        "gap": [5, 5, 5, 3, 3], "dimension": ["responsiveness", "reliability", "empathy", "responsiveness",
                                              "reliability"],
        "mean_gap": [-1.0, -0.5, -0.9, -0.8, -0.2], "ci_low": np.nan, "ci_high": np.nan,
        "p_adj": [1e-6, 0.01, 0.2, 1e-4, 0.04], "n": 100})
    cons = pd.DataFrame({"construct": ["technology_job_fit", "role_conflict", "teamwork"], "gap": [3, 3, 3],
                         "mean": [2.4, 2.9, 3.6], "midpoint": 3.0, "p": [0.001, 0.3, 0.002]})
    s = cause_scores(dims, cons).set_index("cause")
    # Holm within gap 3 (three constructs): sorted p 0.001, 0.002, 0.3 -> 0.003, 0.004, 0.3
    q_tjf, q_team = 0.003, 0.004
    # B-weak-it: responsiveness, reliability; gap 3 (reliability -0.2 is below min_shortfall); construct tjf
    s5 = (1.0 * 1 + 0.5 * w(0.01)) / 2
    s3 = (0.8 * 1 + 0.0) / 2
    assert s.loc["B-weak-it", "score"] == pytest.approx(s5 + 2 * s3 + 3 * 0.6 * w(q_tjf))
    assert s.loc["B-weak-it", "basis"] == "measured"
    # B-weak-service-culture: empathy (p=0.2: nothing), responsiveness, assurance (unmeasured); teamwork high
    s5 = 1.0 / 3
    s3 = 0.8 / 3
    raw = s5 + 2 * s3 - 3 * (0.6 * w(q_team) + 0.0) / 2
    assert s.loc["B-weak-service-culture", "score"] == pytest.approx(max(raw, 0))
    assert s.loc["B-weak-service-culture", "basis"] == ("conflicting" if raw > 0 else "not significant")
    # B-unsafe-online (assurance only, no constructs): no shortfall in assurance -> nothing
    assert s.loc["B-unsafe-online", "score"] == 0 and s.loc["B-unsafe-online", "basis"] == "not significant"
    assert float(significance_weight(0.05)) == 0 and float(significance_weight(0.001)) == pytest.approx(1)


def test_min_shortfall_is_a_parameter():
    dims = pd.DataFrame({"gap": [5], "dimension": ["responsiveness"], "mean_gap": [-0.2], "ci_low": np.nan,
                         "ci_high": np.nan, "p_adj": [1e-9]})
    assert cause_scores(dims).set_index("cause").loc["B-long-queues", "score"] == 0
    low = cause_scores(dims, min_shortfall=0.1).set_index("cause").loc["B-long-queues"]
    assert low["score"] == pytest.approx(0.2) and low["basis"] == "inferred"


def test_root_cause_is_judged_on_its_symptoms_dimensions():
    dims = pd.DataFrame({"gap": [5] * 5, "dimension": DIMS, "mean_gap": [0, 0, -1.0, 0, 0], "ci_low": np.nan,
                         "ci_high": np.nan, "p_adj": [0.5, 0.5, 1e-9, 0.5, 0.5]})
    s = cause_scores(dims).set_index("cause")
    # G3-4 on its own five dimensions would get 1/5; on the footprint of its symptom B-long-queues, all of it
    assert s.loc["G3-4", "score"] == pytest.approx(1.0) == s.loc["B-long-queues", "score"]
    assert s.loc["G3-4", "via"] == "B-long-queues"
    # G4-1's only symptom (poor transparency) lies in assurance and reliability: its own footprint counts
    assert s.loc["G4-1", "score"] == pytest.approx(1.0 / 5) and pd.isna(s.loc["G4-1", "via"])


def test_clean_own_gap_rules_a_cause_out_or_makes_it_conflicting():
    dims = pd.DataFrame({"gap": [5, 3], "dimension": ["responsiveness"] * 2, "mean_gap": [-1.0, -0.05],
                         "ci_low": np.nan, "ci_high": np.nan, "p_adj": [1e-9, 0.6]})
    low_tjf = pd.DataFrame({"construct": ["technology_job_fit"], "gap": [3], "mean": [2.0], "midpoint": 3.0,
                            "p": [1e-9]})
    alone = cause_scores(dims).set_index("cause").loc["B-weak-it"]
    assert alone["basis"] == "not significant" and alone["score"] == 0        # ruled out by the clean gap 3
    both = cause_scores(dims, low_tjf).set_index("cause").loc["B-weak-it"]
    assert both["basis"] == "conflicting"
    assert both["score"] == pytest.approx(1.0 / 2)                           # the construct does not add


# --------------------------------------------------------------------------- properties
@hs.composite
def evidence_tables(draw):
    rows = []
    for g in (1, 2, 3, 4, 5):
        for d in DIMS:
            if draw(hs.booleans()) or g == 5:
                rows.append(dict(gap=g, dimension=d, mean_gap=draw(hs.floats(-3, 2)), ci_low=np.nan, ci_high=np.nan,
                                 p_adj=draw(hs.floats(1e-12, 1.0))))
    cons = [dict(construct=c, gap=CONSTRUCT_GAP[c], mean=draw(hs.floats(1, 5)), midpoint=3.0,
                 p=draw(hs.floats(1e-9, 1.0))) for c in CONSTRUCT_IDS if draw(hs.booleans())]
    return pd.DataFrame(rows), pd.DataFrame(cons, columns=["construct", "gap", "mean", "midpoint", "p"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence_tables(), hs.integers(0, 10 ** 6), hs.floats(0, 2), hs.floats(0.0, 1.0), hs.booleans())
def test_score_is_monotone_in_the_evidence(tables, pick, more, factor, on_construct):
    """More evidence against the service -- a larger or more significant shortfall, a construct
    further below (or less far above) its midpoint -- never lowers any cause's score."""
    dims, cons = tables
    before = cause_scores(dims, cons).set_index("cause")["score"]
    dims2, cons2 = dims.copy(), cons.copy()
    if on_construct and len(cons):
        i = cons.index[pick % len(cons)]
        above = cons.loc[i, "mean"] > 3.0
        cons2.loc[i, "mean"] -= more
        if above and cons2.loc[i, "mean"] > 3.0:
            cons2.loc[i, "p"] = min(1.0, cons.loc[i, "p"] / max(factor, 1e-9))     # less sure it is favourable
        elif not above:
            cons2.loc[i, "p"] *= factor                                             # surer it is unfavourable
    else:
        i = dims.index[pick % len(dims)]
        if dims.loc[i, "mean_gap"] <= 0:
            dims2.loc[i, "mean_gap"] -= more             # larger shortfall ...
            dims2.loc[i, "p_adj"] *= factor              # ... and more significant
        else:
            dims2.loc[i, "mean_gap"] = dims.loc[i, "mean_gap"] - more   # a surplus shrinking (p unknown: keep)
    after = cause_scores(dims2, cons2).set_index("cause")["score"]
    assert (after >= before - 1e-12).all()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(hs.integers(0, 2 ** 16), hs.sampled_from(DIMS), hs.integers(1, 2))
def test_larger_shortfall_in_data_never_lowers_a_score(seed, dim, steps):
    """Shift one dimension's perceptions down by whole points: no cause's score may fall."""
    rng = np.random.default_rng(seed)
    cust = gap_customers(rng, n=80, g5={dim: -0.6})
    staff = gap_staff(rng, n=30, g3={dim: -0.5})
    cols = [f"P{i.id}" for i in INST.dimension(dim).items]
    cust[cols] = cust[cols].clip(lower=1 + steps)                  # so that the shift stays on the scale
    worse = cust.copy()
    worse[cols] = worse[cols] - steps
    base = quiet_analyze(gap_surveys(cust, staff, constructs=False))
    assume(base.dimensions.query("gap == 5").set_index("dimension").loc[dim, "mean_gap"] <= 0)
    before, after = (r.causes(top=None, include_not_significant=True).set_index("cause")["score"]
                     for r in (base, quiet_analyze(gap_surveys(worse, staff, constructs=False))))
    assert (after.reindex(before.index) >= before - 1e-12).all()



def test_a_gap_without_variation_is_measured_not_missing():
    """Every staff member's delivery falls 2 points short of the standard in responsiveness: the gap-3 cell has
    sd 0 and no test (NaN p) but was measured. It counts as the t test's limit (weight 1), is never "not
    measured", is described as "no variation", reports NaN p, and scores at least as high as a slightly
    smaller, noisy shortfall (monotone)."""
    dims = pd.DataFrame({"gap": [5, 3, 3], "dimension": ["responsiveness", "responsiveness", "reliability"],
                         "mean_gap": [-1.2, -2.0, 0.0], "sd_gap": [0.9, 0.0, 0.0], "ci_low": np.nan,
                         "ci_high": np.nan, "p_adj": [1e-6, np.nan, np.nan], "n": [300, 60, 60]})
    noisy = dims.assign(mean_gap=[-1.2, -1.99, 0.0], sd_gap=[0.9, 0.1, 0.0], p_adj=[1e-6, 1e-40, np.nan])
    got = cause_scores(dims, None).set_index("cause")
    ref = cause_scores(noisy, None).set_index("cause")
    s5, s3 = 1.2 / 2, 2.0 / 2                                  # B-weak-it: responsiveness and reliability
    assert got.loc["B-weak-it", "score"] == pytest.approx(s5 + 2 * s3)
    assert got.loc["B-weak-it", "basis"] == "measured"
    assert (got["score"] >= ref["score"].reindex(got.index) - 1e-12).all()
    assert got.loc["G3-6", "basis"] == "measured"
    one = dims.assign(n=[300, 1, 1])                         # one answer is no measurement
    assert cause_scores(one, None).set_index("cause").loc["G3-6", "basis"] == "inferred"

    rng = np.random.default_rng(5)
    cust = gap_customers(rng, n=150, g5={"responsiveness": -1.2})
    staff = gap_staff(rng, n=20)
    resp = [f"{v}{i.id}" for i in INST.dimension("responsiveness").items for v in "S"]
    for c in resp:
        staff[c] = 5
        staff["D" + c[1:]] = 3
    res = quiet_analyze(gap_surveys(cust, staff, constructs=False))
    assert np.isnan(res.dimensions.set_index(["gap", "dimension"]).loc[(3, "responsiveness"), "p_adj"])
    for lang, words in (("en", "no variation: all 20 answers differ alike"), ("zh", "无波动：20 份回答的差距完全相同")):
        row = res.causes(top=None, lang=lang).set_index("cause").loc["G3-6"]
        assert words in row["evidence"] and "not measured" not in row["evidence"] and row["basis"] == "measured"

# --------------------------------------------------------------------------- ranks and ties
def test_ranks_are_competition_ranks_with_ties(delivery):
    cust, staff = delivery
    a = quiet_analyze(gap_surveys(cust, staff)).causes(top=None)
    b = quiet_analyze(gap_surveys(cust.copy(), staff.copy())).causes(top=None)
    pd.testing.assert_frame_equal(a, b)                                       # deterministic
    assert list(a.columns) == CAUSE_COLUMNS
    score = a["score"].round(9)
    for i, r in a.iterrows():
        assert r["rank"] == 1 + int((score > score[i]).sum())
        assert r["tied"] == bool((score == score[i]).sum() > 1)
    assert (np.diff(score.to_numpy()) <= 0).all()
    for _, grp in a.groupby("rank"):                                          # roots first inside a tie
        levels = grp["level"].map({"root": 0, "symptom": 1}).to_numpy()
        assert (np.diff(levels) >= 0).all()


def test_top_keeps_every_cause_tied_at_the_cut():
    rng = np.random.default_rng(6)
    res = quiet_analyze(gap_surveys(gap_customers(rng, g5={"responsiveness": -1.2})))
    full = res.causes(top=None)
    top1 = res.causes(top=1)
    assert len(top1) == int((full["rank"] == 1).sum()) > 1 and (top1["rank"] == 1).all()
    assert rank_label(2, True) == "2=" and rank_label(3, False) == "3"


# --------------------------------------------------------------------------- numbers
def test_evidence_numbers_match_scipy(delivery):
    cust, _ = delivery
    res = quiet_analyze(gap_surveys(cust))
    items = [i.id for i in INST.dimension("responsiveness").items]
    d = (cust[[f"P{i}" for i in items]].to_numpy(float) - cust[[f"E{i}" for i in items]].to_numpy(float)).mean(1)
    t = sps.ttest_1samp(d, 0.0)
    ci = t.confidence_interval(0.95)
    fmt = lambda x: f"{x:.2f}".replace("-", "\u2212")  # noqa: E731
    row = res.causes(top=None).set_index("cause").loc["B-long-queues"]
    assert (f"Responsiveness: gap 5 {fmt(d.mean())} [{fmt(ci.low)}, {fmt(ci.high)}], adjusted p<0.001"
            in row["evidence"])
    # customer data only, one dimension, p < 0.001 saturates the weight: score = -mean gap
    assert row["score"] == pytest.approx(-d.mean(), rel=1e-12)
    assert row["p_adj"] == res.dimensions.query("gap == 5 and dimension == 'responsiveness'")["p_adj"].item()
    assert row["n_min"] == len(d)


def test_worked_example_of_the_docs(example):
    """docs/causes.md: G3-6 and B-weak-it on the bundled example, recomputed by hand from the tables."""
    cust, staff = example
    cons = sg.read_survey(sg.example_path("staff"), instrument=CONS, columns={"rating": "{item}"}, id="staff_id",
                          segments=["branch"])
    res = sg.analyze([cust, staff, cons])
    d = res.dimensions.set_index(["gap", "dimension"])
    c = res.constructs.set_index("construct")

    def s(g, dim):
        m, p = d.loc[(g, dim), "mean_gap"], d.loc[(g, dim), "p_adj"]
        return -m * (min(1.0, -np.log10(p) / 3) if 0 < p < 0.05 else 1.0 if p == 0 else 0.0) if m <= -0.25 else 0.0

    from statsmodels.stats.multitest import multipletests
    g3 = c[c["gap"] == 3]
    q = dict(zip(g3.index, multipletests(g3["p"], method="holm")[1]))
    con = (3 - c.loc["technology_job_fit", "mean"]) * w(q["technology_job_fit"])
    weak_it = (s(5, "responsiveness") + s(5, "reliability")) / 2 + 2 * (s(3, "responsiveness")
                                                                       + s(3, "reliability")) / 2 + 3 * con
    g36 = s(5, "responsiveness") + 2 * s(3, "responsiveness") + 3 * con        # on B-long-queues' footprint
    top = res.causes(top=2).set_index("cause")
    assert top.loc["G3-6", "score"] == pytest.approx(g36, rel=1e-12) and top.loc["G3-6", "via"] == "B-long-queues"
    assert top.loc["B-weak-it", "score"] == pytest.approx(weak_it, rel=1e-12)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "causes.md").read_text(encoding="utf-8")
    for v in (g36, weak_it):           # the worked example of the docs quotes these very numbers
        assert f"**{v:.3f}**" in docs, "docs/causes.md worked example is stale"


def test_importance_weights(delivery):
    cust, _ = delivery
    cust = cust.copy()
    alloc = {"tangibles": 10, "reliability": 20, "responsiveness": 40, "assurance": 20, "empathy": 10}
    for d, v in alloc.items():
        cust[f"W_{d}"] = v
    sv = sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="cid",
                        importance="W_{dimension}")
    res = quiet_analyze(sv)
    plain = res.causes(top=None).set_index("cause")["score"]
    weighted = res.causes(top=None, importance=True).set_index("cause")["score"]
    # responsiveness share 0.4 of 5 dimensions -> multiplier 2.0
    assert weighted["B-long-queues"] == pytest.approx(2.0 * plain["B-long-queues"])
    with pytest.raises(ConfigError, match="importance"):
        quiet_analyze(gap_surveys(cust.drop(columns=[f"W_{d}" for d in alloc]))).causes(importance=True)


# --------------------------------------------------------------------------- wording
def test_gap_lists_read_naturally():
    assert gap_list([1, 2, 3, 4], "zh") == "差距1至4" and gap_list([1, 2, 3, 4], "en") == "gaps 1 to 4"
    assert gap_list([2, 3], "zh") == "差距2和3" and gap_list([1, 3, 4], "zh") == "差距1、3和4"
    assert gap_list([3], "en") == "gap 3" and gap_list([1, 3], "en") == "gaps 1 and 3"


def test_chinese_output_and_unknown_language(delivery):
    cust, _ = delivery
    res = quiet_analyze(gap_surveys(cust))
    zh = res.causes(lang="zh")
    names = cause_catalog("zh").set_index("id")["name"]
    assert (zh["name"] == names.loc[zh["cause"]].to_numpy()).all()
    assert all(re.search(r"[\u4e00-\u9fff]", s) for s in zh["explanation"])
    assert zh["evidence"].iloc[0].startswith("响应性：差距5 ")
    assert "校正后 p<0.001" in zh["evidence"].iloc[0]
    assert zh["remedies"].map(lambda r: all(re.search(r"[\u4e00-\u9fff]", x) for x in r)).all()
    assert zh["sources"].map(lambda s: all(x["citation"].startswith("《") for x in s)).all()
    with pytest.raises(ConfigError, match="lang"):
        res.causes(lang="fr")


def test_customer_only_explanations_name_the_surveys_without_jargon(delivery):
    cust, _ = delivery
    out = quiet_analyze(gap_surveys(cust)).causes(top=None)
    assert (out["basis"] == "inferred").all()
    assert all("not measured" in x and "would confirm or rule it out" in x for x in out["explanation"])
    g36 = out.set_index("cause").loc["G3-6"]
    assert "delivery against the standards (gap 3)" in g36["explanation"]
    assert "technology-job fit" in g36["explanation"]
    assert "Gaps 1 to 4 were not measured" in out.attrs["note"] and "cannot rank" in out.attrs["note"]


# --------------------------------------------------------------------------- segments and errors
def test_by_branch_ranks_each_segment():
    rng = np.random.default_rng(5)
    cust = gap_customers(rng, n=300, branches=("A", "B", "C"), g5={("B", "responsiveness"): -2.0})
    res = quiet_analyze(gap_surveys(cust), by="branch")
    per = res.causes(by="branch")
    assert list(per.columns) == ["branch", *CAUSE_COLUMNS]
    assert set(per["branch"]) == {"B"}
    assert "B-long-queues" in set(per.loc[per["rank"] == 1, "cause"])
    assert "A" in per.attrs["note"] and "C" in per.attrs["note"] and "no suggestions" in per.attrs["note"]
    pooled = res.causes().set_index("cause")
    assert "worst segment B " in pooled.loc["B-long-queues", "evidence"]
    assert "最差分组 B " in res.causes(lang="zh").set_index("cause").loc["B-long-queues", "evidence"]
    with pytest.raises(ConfigError, match=r"analyze\(.*by="):
        quiet_analyze(gap_surveys(cust)).causes(by="branch")



def test_a_segment_without_staff_is_named_in_the_note_and_is_no_small_sample():
    """Staff only in A and B: C's gaps 1-4 are not measured (rows with n = 0). The note says so of C alone
    (not of every branch), and does not call C a small sample: its suggestions rest on 100 customers."""
    rng = np.random.default_rng(4)
    cust = gap_customers(rng, n=300, branches=("A", "B", "C"), g5={"responsiveness": -1.0})
    staff = gap_staff(rng, n=60, branches=("A", "B"), g3={"responsiveness": -1.0})
    res = quiet_analyze(gap_surveys(cust, staff, constructs=False), by="branch")
    assert (res.dimensions.query("branch == 'C' and gap == 3")["n"] == 0).all()
    for lang, said, small in (("en", "Gaps 1 to 4 were not measured in C:", "Small samples"),
                              ("zh", "C的差距1至4未测量", "样本较小")):
        out = res.causes(by="branch", lang=lang)
        note = out.attrs["note"]
        assert said in note and small not in note
        assert (out.query("branch == 'A'")["basis"] == "measured").any()
        assert (out.query("branch == 'C'")["n_min"] >= 30).all()
    only = quiet_analyze(gap_surveys(cust), by="branch").causes(by="branch").attrs["note"]
    assert "Gaps 1 to 4 were not measured:" in only                  # nowhere: no segment named

def test_bad_arguments():
    rng = np.random.default_rng(1)
    res = quiet_analyze(gap_surveys(gap_customers(rng, n=60, g5={"empathy": -1})))
    with pytest.raises(ConfigError, match="top"):
        res.causes(top=0)
    with pytest.raises(ConfigError, match="catalog"):
        res.causes(catalog=42)
    with pytest.raises(ConfigError, match="min_shortfall"):
        res.causes(min_shortfall=-1)
    mine = [{"id": "X-slow-app", "gap": [3], "dimensions": ["empathy"],
             "name": {"en": "Slow app", "zh": "应用缓慢"}, "description": {"en": "Slow.", "zh": "慢。"},
             "remedies": {"en": ["Profile it."], "zh": ["分析。"]}, "sources": []}]
    out = res.causes(catalog=mine)
    assert out["cause"].tolist() == ["X-slow-app"] and out["basis"].iloc[0] == "inferred"
    assert out["remedies"].iloc[0] == ["Profile it."] and out["level"].iloc[0] == "root"
    plan = res.actions(catalog=mine)
    assert plan["remedy"].tolist() == ["Profile it."] and plan["basis"].tolist() == ["editorial"]


def test_consequences_are_not_ranked(delivery):
    cust, staff = delivery
    out = quiet_analyze(gap_surveys(cust, staff)).causes(top=None, include_not_significant=True)
    assert not out["cause"].str.startswith("G5-").any()
    assert out["sources"].map(lambda s: len(s) > 0 and all({"document", "section", "citation", "quote"} == set(x)
                                                           for x in s)).all()


def test_constructs_without_the_segment_column_are_marked_bank_wide(delivery):
    cust, staff = delivery
    surveys = gap_surveys(cust, staff, constructs=False)
    surveys.append(sg.read_survey(staff.drop(columns="branch"), instrument=CONS, columns={"rating": "{item}"},
                                  id="sid"))
    with pytest.warns(sg.errors.MethodWarning, match="no segment column"):
        per = sg.analyze(surveys, by="branch").causes(by="branch", top=None)
    weak_it = per[per["cause"] == "B-weak-it"]
    assert len(weak_it) == 2 and weak_it["evidence"].str.contains(r"technology-job fit .*\(all staff\)").all()
