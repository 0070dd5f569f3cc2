"""The integer-coded map step (servgap.engine.coded) against the float path and independent oracles.

The float path (per-respondent float matrices, `dimension_means`, sort/lattice histograms)
is a separate implementation of the same definitions; scipy and plain pandas are the
outside oracles.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from scipy import stats

import servgap as sg
from servgap.engine.coded import score_tables
from servgap.surveys.survey import to_codes
from servgap.errors import DataQualityWarning, MethodWarning, ServgapWarning
from servgap.model.gaps import gap as gap_def
from servgap.surveys.survey import Survey


def _instrument(sizes, lo=1, hi=7):
    dims = [{"id": f"d{k}", "items": [f"i{k}_{j}" for j in range(m)]} for k, m in enumerate(sizes)]
    return sg.Instrument.from_dict({"id": "test", "dimensions": dims, "scale": {"min": lo, "max": hi}})


def _frame(inst, n, seed, lo, hi, missing=0.08, weights=False, importance=False, segments=7):
    rng = np.random.default_rng(seed)
    cols = {"seg": rng.choice([f"s{k}" for k in range(segments)] + [None], n,
                              p=[0.95 / segments] * segments + [0.05])}
    for vp in ("E", "P", "A"):
        for i in inst.item_ids:
            x = rng.integers(lo, hi + 1, n).astype(float)
            x[rng.random(n) < missing] = np.nan
            cols[f"{vp}{i}"] = x
    if weights:
        cols["w"] = rng.gamma(2.0, 0.5, n)
    if importance:
        cols.update({f"W_{d}": rng.integers(0, 40, n) for d in inst.dimension_ids})
    return pd.DataFrame(cols)


def _read(df, inst, weights=False, importance=False, min_items=0.5):
    return sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}", "adequate": "A{item}"},
                          segments="seg", weight="w" if weights else None,
                          importance="W_{dimension}" if importance else None, min_items=min_items)


def _float_path(monkeypatch):
    monkeypatch.setattr(Survey, "codes", lambda self, vp: None)


def _tables(res):
    return (res.items, res.dimensions, res.overall, res.quality,
            *(res.tolerance_tests[k] for k in sorted(res.tolerance_tests)))


@pytest.mark.parametrize("sizes, lo, hi", [((4, 5, 4, 4, 5), 1, 7), ((3, 6, 2), 0, 10), ((1, 8), 1, 5), ((2, 3), -3, 3)])
@pytest.mark.parametrize("test", ["t", "wilcoxon"])
@pytest.mark.parametrize("weights, importance, min_items", [(False, False, 0.5), (True, True, 0.75)])
def test_coded_path_equals_float_path(monkeypatch, sizes, lo, hi, test, weights, importance, min_items):
    inst = _instrument(sizes, lo, hi)
    df = _frame(inst, 900, seed=sum(sizes) + hi, lo=lo, hi=hi, weights=weights, importance=importance)
    sv = _read(df, inst, weights, importance, min_items)
    assert sv.codes("expected") is not None
    with pytest.warns(ServgapWarning):                     # respondents without a segment (and weights)
        coded = sg.analyze(sv, by="seg", test=test)
    _float_path(monkeypatch)
    with pytest.warns(ServgapWarning):
        plain = sg.analyze(sv, by="seg", test=test)
    assert coded.tolerance_tests, "the zone-of-tolerance comparison (perceived - adequate) is checked too"
    _assert_same(coded, plain, test)


def _assert_same(coded, plain, test):
    for a, b in zip(_tables(coded), _tables(plain)):
        # both paths rank exact fractions on the overall rows (tests/engine/test_exact_ties.py)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)


def test_gap1_coded_equals_float_path(monkeypatch, example):
    cust, mgr = example
    study = sg.combine(cust, mgr)
    with pytest.warns(MethodWarning, match="ignore survey weights"):
        coded = sg.analyze(study, by="branch", test="wilcoxon")
    _float_path(monkeypatch)
    with pytest.warns(MethodWarning):
        plain = sg.analyze(study, by="branch", test="wilcoxon")
    assert 1 in coded.measured_gaps
    _assert_same(coded, plain, "wilcoxon")


def test_overall_rank_ties_are_exact():
    """Overall scores are exact rationals: equal scores tie in the Wilcoxon test.

    Oracle: every respondent's overall gap as a `fractions.Fraction` (the definition),
    rounded once to a double, then scipy.
    """
    from fractions import Fraction

    inst = _instrument((4, 5, 4, 4, 5), 1, 7)
    df = _frame(inst, 600, seed=11, lo=1, hi=7, missing=0.15, segments=1)
    res = sg.analyze(_read(df, inst), test="wilcoxon", gaps=[5])
    scores = []
    for _, r in df.iterrows():
        dims = []
        for d in inst.dimensions:
            gaps = [int(r[f"P{i.id}"] - r[f"E{i.id}"]) for i in d.items
                    if not (np.isnan(r[f"P{i.id}"]) or np.isnan(r[f"E{i.id}"]))]
            if len(gaps) >= len(d.items) / 2:
                dims.append(Fraction(sum(gaps), len(gaps)))
        if len(dims) >= len(inst.dimensions) / 2:
            scores.append(float(sum(dims) / len(dims)))
    x = np.array(scores)
    row = res.overall.iloc[0]
    assert row["n"] == len(x)
    np.testing.assert_allclose(row["mean_gap"], x.mean(), rtol=1e-13)
    ref = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx")
    nz = x[x != 0]
    v = stats.rankdata(np.abs(nz))[nz > 0].sum()
    assert row["statistic"] == v
    np.testing.assert_allclose(row["p"], ref.pvalue, rtol=1e-12)


def test_ten_point_scale_against_scipy_and_pandas():
    """0-10 scale: dimension gaps rebuilt with plain pandas, tests by scipy."""
    inst = _instrument((3, 4), 0, 10)
    df = _frame(inst, 400, seed=3, lo=0, hi=10, missing=0.1, segments=2)
    sv = _read(df, inst)
    with pytest.warns(DataQualityWarning, match="without a value in the segment"):
        res = sg.analyze(sv, by="seg", test="wilcoxon", correction="none", gaps=[5])
    sub = df[df["seg"] == "s1"]
    items = inst.dimensions[1].items
    d = pd.DataFrame({i.id: sub[f"P{i.id}"] - sub[f"E{i.id}"] for i in items})
    score = d.mean(axis=1)[d.notna().sum(axis=1) >= 2].to_numpy()
    row = res.dimensions.query("dimension == 'd1' and seg == 's1'").iloc[0]
    assert row["n"] == len(score)
    np.testing.assert_allclose(row["mean_gap"], score.mean(), rtol=1e-12)
    ref = stats.wilcoxon(score, zero_method="wilcox", correction=False, method="approx")
    np.testing.assert_allclose(row["p"], ref.pvalue, rtol=1e-10)
    with pytest.warns(DataQualityWarning):
        t = sg.analyze(sv, by="seg", correction="none", gaps=[5]).dimensions
    t = t.query("dimension == 'd1' and seg == 's1'").iloc[0]
    np.testing.assert_allclose(t["statistic"], stats.ttest_1samp(score, 0.0).statistic, rtol=1e-10)
    np.testing.assert_allclose(t["sd_gap"], score.std(ddof=1), rtol=1e-12)


def test_hand_table():
    """Three respondents, one dimension of two items, 1-5 scale: every number by hand."""
    inst = _instrument((2,), 1, 5)
    df = pd.DataFrame({"Ei0_0": [3, 5, 2], "Ei0_1": [4, np.nan, 2], "Pi0_0": [4, 3, 2], "Pi0_1": [5, 4, np.nan]})
    sv = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"}, min_items=1.0)
    with pytest.warns(DataQualityWarning, match="too few usable answers"):
        res = sg.analyze(sv)
    items = res.items.set_index("item")
    # item 1 gaps: +1, -2, 0; item 2: +1 (respondent 2 and 3 lack one rating)
    assert items.loc["i0_0", "n"] == 3 and items.loc["i0_0", "mean_gap"] == pytest.approx(-1 / 3, abs=1e-15)
    assert items.loc["i0_0", "mean_benchmark"] == pytest.approx(10 / 3, abs=1e-15)
    assert items.loc["i0_1", "n"] == 1 and items.loc["i0_1", "mean_gap"] == 1.0
    # min_items=1.0: only respondent 1 keeps a dimension gap, (1 + 1) / 2
    dim = res.dimensions.iloc[0]
    assert dim["n"] == 1 and dim["mean_gap"] == 1.0 and dim["mean_benchmark"] == 3.5
    q = res.quality.set_index(["column", "issue"])["count"]
    assert q[("gap5:i0_1", "incomplete_pair")] == 2
    assert q[("gap5:d0", "too_few_items")] == 2


def test_to_codes():
    inst = _instrument((2,), 1, 7)
    x = np.array([[1.0, 7.0], [np.nan, 4.0]])
    np.testing.assert_array_equal(to_codes(x, inst), [[1, 7], [0, 4]])
    assert to_codes(np.array([[1.5, 2.0]]), inst) is None          # not an integer
    assert to_codes(np.array([[1.0, 2.0]]), _instrument((2,), 1, 99)) is None   # too many scale points
    assert to_codes(np.array([[-1.0, 2.0]]), _instrument((2,), -3, 3)).tolist() == [[3, 6]]


def test_survey_codes_follow_the_data():
    inst = _instrument((2, 2), 1, 5)
    df = _frame(inst, 50, seed=1, lo=1, hi=5)
    sv = _read(df, inst)
    assert not sv.data["expected"].flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        sv.data["expected"][0, 0] = 3.0
    sv.data["expected"] = sv.data["expected"] + 0.5      # a new array: the codes are recomputed
    assert sv.codes("expected") is None
    x = np.array(sv.data["perceived"])                    # writable: coded afresh, never cached
    sv.data["perceived"] = x
    r = int(np.flatnonzero(~np.isnan(x[:, 0]))[0])
    assert sv.codes("perceived")[r, 0] == x[r, 0]          # scale 1-5: code = rating
    x[r, 0] = 1.0 if x[r, 0] != 1.0 else 2.0
    assert sv.codes("perceived")[r, 0] == x[r, 0]


def test_large_dimension_falls_back_to_float_path():
    """A 40-item dimension on a 0-10 scale: packed sums too wide for tables, results still right."""
    assert score_tables("pair", 11, 0, (40,), 0.5) is None
    inst = _instrument((40,), 0, 10)
    df = _frame(inst, 200, seed=5, lo=0, hi=10, segments=1)
    res = sg.analyze(_read(df, inst), gaps=[5])
    d = pd.DataFrame({i: df[f"P{i}"] - df[f"E{i}"] for i in inst.item_ids})
    score = d.mean(axis=1)[d.notna().sum(axis=1) >= 20]
    np.testing.assert_allclose(res.dimensions["mean_gap"].iloc[0], score.mean(), rtol=1e-12)
    assert res.dimensions["n"].iloc[0] == len(score)


def test_tables_too_large_fall_back_to_float_path(monkeypatch):
    """Above MAX_BINS (e.g. very many segments) the float path runs and gives the same tables."""
    import servgap.engine.coded as codes

    inst = _instrument((4, 5, 4, 4, 5), 1, 7)
    sv = _read(_frame(inst, 600, seed=2, lo=1, hi=7, segments=4), inst)
    with pytest.warns(DataQualityWarning):
        coded = sg.analyze(sv, by="seg")
    monkeypatch.setattr(codes, "MAX_BINS", 1000)
    assert codes.Block(np.zeros(3, int), 4, None, inst).pair_codes(sv, gap_def(5)) is None
    with pytest.warns(DataQualityWarning):
        plain = sg.analyze(sv, by="seg")
    _assert_same(coded, plain, "t")


def test_dense_histograms_merge_like_their_cells():
    """Dense tables on one grid add; their cells equal the sparse merge and a brute-force count."""
    from servgap import stats as st

    rng = np.random.default_rng(4)
    grid = np.array([-2.0, -0.5, 0.0, 1.5])
    counts = [rng.integers(0, 3, (5, 4)) for _ in range(3)]
    parts = [st.DenseHistogram(grid, c, c * rng.random((5, 4)), c * rng.random((5, 4))) for c in counts]
    merged = st.merge(*parts)
    assert isinstance(merged, st.DenseHistogram)
    via_cells = st.merge(*[p.sparse() for p in parts])
    h = merged.sparse()
    for f in ("group", "value", "count", "w", "w2"):
        np.testing.assert_allclose(getattr(h, f), getattr(via_cells, f), rtol=1e-14)
    total = sum(p.count for p in parts)
    cells = [(g, grid[j], total[g, j]) for g in range(5) for j in range(4) if total[g, j]]
    assert list(zip(h.group, h.value, h.count)) == cells
    # another grid: merged as cells
    other = st.DenseHistogram(grid + 10, parts[0].count)
    mixed = st.merge(parts[0], other)
    assert isinstance(mixed, st.GroupedHistogram) and mixed.count.sum() == 2 * parts[0].count.sum()


def test_no_respondent_in_a_segment(monkeypatch):
    """Every segment value missing: no segments, empty tables on both paths (and a warning)."""
    inst = _instrument((4, 5, 4, 4, 5), 1, 7)
    df = _frame(inst, 40, seed=6, lo=1, hi=7)
    df["seg"] = None
    sv = _read(df, inst)
    with pytest.warns(DataQualityWarning, match="without a value in the segment"):
        coded = sg.analyze(sv, by="seg", test="wilcoxon")
    assert coded.items.empty and coded.dimensions.empty
    _float_path(monkeypatch)
    with pytest.warns(DataQualityWarning):
        plain = sg.analyze(sv, by="seg", test="wilcoxon")
    _assert_same(coded, plain, "wilcoxon")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=hs.lists(hs.integers(1, 7), min_size=1, max_size=5), lo=hs.integers(-3, 2), points=hs.integers(2, 15),
       missing=hs.sampled_from([0.0, 0.1, 0.4]), min_items=hs.sampled_from([0.25, 0.5, 1.0]),
       segments=hs.integers(1, 4), weights=hs.booleans(), importance=hs.booleans(),
       test=hs.sampled_from(["t", "wilcoxon"]), seed=hs.integers(0, 2 ** 16))
def test_coded_path_equals_float_path_property(sizes, lo, points, missing, min_items, segments, weights, importance,
                                               test, seed):
    """Any instrument shape, scale, missingness, min-items share, segments and weights: both paths agree."""
    import warnings

    hi = lo + points - 1
    inst = _instrument(tuple(sizes), lo, hi)
    sv = _read(_frame(inst, 120, seed, lo, hi, missing=missing, weights=weights, importance=importance,
                      segments=segments), inst, weights, importance, min_items=min_items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ServgapWarning)        # thin segments, weights in rank tests
        coded = sg.analyze(sv, by="seg", test=test)
        original = Survey.codes
        Survey.codes = lambda self, vp: None
        try:
            plain = sg.analyze(sv, by="seg", test=test)
        finally:
            Survey.codes = original
    _assert_same(coded, plain, test)
