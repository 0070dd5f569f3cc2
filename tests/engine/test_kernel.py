"""Oracle tests of the mergeable statistics kernel (servgap.stats) against scipy and statsmodels.

Every vectorised per-group result is compared, group by group, with an independent
computation on the raw vector: scipy.stats (ttest_1samp, ttest_ind, wilcoxon,
mannwhitneyu, rankdata), numpy closed forms and statsmodels ``multipletests``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats
from statsmodels.stats.multitest import multipletests

from servgap import stats as st
from servgap.stats.histogram import order_by_group

RTOL = 1e-10


def _data(kind: str, seed: int, n: int = 400, G: int = 7):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, G, n)
    if kind == "likert":        # item differences of 7-point ratings: many ties and zeros
        x = (rng.integers(1, 8, n) - rng.integers(1, 8, n)).astype(float)
    elif kind == "means":       # dimension gaps: multiples of 1/3, 1/4, 1/5
        x = rng.integers(-18, 19, n) / rng.choice([3, 4, 5], n)
    else:                       # continuous, not on any lattice
        x = rng.normal(0.3, 1.7, n)
    x[rng.random(n) < 0.05] = np.nan
    w = rng.uniform(0.2, 3.0, n)
    return x, g, w, G


def _groups(x, g, G, w=None):
    for k in range(G):
        sel = (g == k) & ~np.isnan(x)
        yield k, x[sel], (None if w is None else w[sel])


KINDS = ["likert", "means", "continuous"]


@pytest.mark.parametrize("kind", KINDS)
def test_histogram_counts_and_weight_sums(kind):
    x, g, w, G = _data(kind, 1)
    h = st.histogram(x, g, G, w)
    assert np.all(np.diff(h.group) >= 0)
    for k, xs, ws in _groups(x, g, G, w):
        sel = h.group == k
        vals, inv = np.unique(xs, return_inverse=True)
        np.testing.assert_allclose(h.value[sel], vals, rtol=1e-12)
        np.testing.assert_array_equal(h.count[sel], np.bincount(inv))
        np.testing.assert_allclose(h.w[sel], np.bincount(inv, weights=ws), rtol=RTOL)
        np.testing.assert_allclose(h.w2[sel], np.bincount(inv, weights=ws ** 2), rtol=RTOL)


@pytest.mark.parametrize("kind", KINDS)
def test_weighted_moments_closed_form(kind):
    x, g, w, G = _data(kind, 2)
    m = st.moments(st.histogram(x, g, G, w))
    for k, xs, ws in _groups(x, g, G, w):
        mean = np.sum(ws * xs) / np.sum(ws)
        v1, v2 = ws.sum(), (ws ** 2).sum()
        var = np.sum(ws * (xs - mean) ** 2) / (v1 - v2 / v1)        # reliability weights
        assert m.n[k] == len(xs)
        np.testing.assert_allclose([m.mean[k], m.sd[k], m.n_eff[k]], [mean, np.sqrt(var), v1 ** 2 / v2], rtol=RTOL)


@pytest.mark.parametrize("kind", KINDS)
def test_t_test_matches_scipy(kind):
    x, g, _, G = _data(kind, 3)
    r = st.t_test(st.moments(st.histogram(x, g, G)), confidence=0.9)
    for k, xs, _ in _groups(x, g, G):
        ref = stats.ttest_1samp(xs, 0.0)
        ci = ref.confidence_interval(0.9)
        got = [r["statistic"][k], r["p"][k], r["df"][k], r["ci_low"][k], r["ci_high"][k], r["effect"][k]]
        np.testing.assert_allclose(got, [ref.statistic, ref.pvalue, ref.df, ci.low, ci.high,
                                         xs.mean() / xs.std(ddof=1)], rtol=RTOL)


@pytest.mark.parametrize("kind", KINDS)
def test_welch_matches_scipy(kind):
    x, g, _, G = _data(kind, 4)
    y, gy, _, _ = _data(kind, 5, n=300)
    y = y + 0.4
    r = st.welch_t(st.moments(st.histogram(x, g, G)), st.moments(st.histogram(y, gy, G)), confidence=0.95)
    for (k, xs, _), (_, ys, _) in zip(_groups(x, g, G), _groups(y, gy, G)):
        ref = stats.ttest_ind(xs, ys, equal_var=False)
        ci = ref.confidence_interval(0.95)
        np.testing.assert_allclose([r["statistic"][k], r["p"][k], r["df"][k], r["ci_low"][k], r["ci_high"][k]],
                                   [ref.statistic, ref.pvalue, ref.df, ci.low, ci.high], rtol=RTOL)


def _v(xs):
    """R's V: sum of the mid-ranks of |d| (zeros dropped) of the positive differences."""
    nz = xs[xs != 0]
    return stats.rankdata(np.abs(nz))[nz > 0].sum()


@pytest.mark.parametrize("kind", KINDS)
def test_wilcoxon_matches_scipy(kind):
    x, g, _, G = _data(kind, 6)
    r = st.wilcoxon(st.histogram(x, g, G))
    for k, xs, _ in _groups(x, g, G):
        ref = stats.wilcoxon(xs, zero_method="wilcox", correction=False, method="approx")
        nz = xs[xs != 0]
        n = len(nz)
        np.testing.assert_allclose([r["statistic"][k], r["p"][k], r["effect"][k]],
                                   [_v(xs), ref.pvalue, (2 * _v(xs) - n * (n + 1) / 2) / (n * (n + 1) / 2)],
                                   rtol=RTOL)


@pytest.mark.parametrize("kind", KINDS)
def test_mann_whitney_matches_scipy(kind):
    x, g, _, G = _data(kind, 7)
    y, gy, _, _ = _data(kind, 8, n=250)
    r = st.mann_whitney(st.histogram(x, g, G), st.histogram(y, gy, G))
    for (k, xs, _), (_, ys, _) in zip(_groups(x, g, G), _groups(y, gy, G)):
        ref = stats.mannwhitneyu(xs, ys, use_continuity=False, method="asymptotic")
        np.testing.assert_allclose([r["statistic"][k], r["p"][k], r["effect"][k]],
                                   [ref.statistic, ref.pvalue, 2 * ref.statistic / (len(xs) * len(ys)) - 1],
                                   rtol=RTOL)


def test_small_and_empty_groups():
    # group 0: one observation; group 1: empty; group 2: all zeros; group 3: only NaN
    x = np.array([2.0, 0.0, 0.0, 0.0, np.nan, np.nan])
    g = np.array([0, 2, 2, 2, 3, 3])
    h = st.histogram(x, g, 4)
    m = st.moments(h)
    np.testing.assert_array_equal(m.n, [1, 0, 3, 0])
    assert m.mean[0] == 2.0 and np.isnan(m.mean[1]) and m.mean[2] == 0.0 and np.isnan(m.mean[3])
    t = st.t_test(m)
    assert np.isnan(t["p"]).all() and np.isnan(t["statistic"][[0, 1, 3]]).all()
    wx = st.wilcoxon(h)
    np.testing.assert_array_equal(wx["n_nonzero"], [1, 0, 0, 0])
    # one rule for every test (issue 17, defect 4): fewer than 2 observations, no statistic and no p.
    # (scipy would report p = 0.3173 for the single difference, a p-value that then entered Holm.)
    assert np.isnan(wx["statistic"]).all() and np.isnan(wx["p"]).all() and np.isnan(wx["effect"][0])
    mw = st.mann_whitney(h, st.histogram(np.array([1.0, 3.0]), np.array([0, 1]), 4))
    assert np.isnan(mw["p"]).all() and np.isnan(mw["statistic"]).all()    # group 0: one answer on each side
    two = st.histogram(np.array([2.0, 5.0, 1.0, 3.0]), np.array([0, 0, 0, 0]), 1)
    mw = st.mann_whitney(two, st.histogram(np.array([1.0, 4.0]), np.array([0, 0]), 1))
    ref = stats.mannwhitneyu([2.0, 5.0, 1.0, 3.0], [1.0, 4.0], use_continuity=False, method="asymptotic")
    np.testing.assert_allclose([mw["statistic"][0], mw["p"][0]], [ref.statistic, ref.pvalue], rtol=RTOL)


def test_empty_input():
    h = st.histogram(np.array([]), np.array([], int), 3)
    assert h.n.tolist() == [0, 0, 0]
    assert np.isnan(st.t_test(st.moments(h))["p"]).all()


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh"])
def test_adjust_matches_statsmodels_per_family(method):
    rng = np.random.default_rng(9)
    p = rng.uniform(0, 0.2, 120) ** 2
    p[::17] = np.nan
    p[5] = p[6]                                    # a tie
    fam = rng.integers(0, 6, 120)
    got = st.adjust(p, fam, method)
    for f in range(6):
        sel = (fam == f) & ~np.isnan(p)
        np.testing.assert_allclose(got[sel], multipletests(p[sel], method=method)[1], rtol=RTOL)
    assert np.isnan(got[np.isnan(p)]).all()
    np.testing.assert_array_equal(st.adjust(p, fam, "none"), p)


values = hs.lists(hs.tuples(hs.integers(0, 3), hs.integers(-12, 12), hs.floats(0.1, 5.0)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(values, values, values, hs.sampled_from([1, 3, 7]))
def test_merge_is_associative_and_equals_one_pass(a, b, c, denom):
    def hist(rows):
        arr = np.array(rows, dtype=float).reshape(-1, 3)
        return st.histogram(arr[:, 1] / denom, arr[:, 0].astype(int), 4, arr[:, 2])

    ha, hb, hc = hist(a), hist(b), hist(c)
    left = st.merge(st.merge(ha, hb), hc)
    right = st.merge(ha, st.merge(hb, hc))
    whole = hist(a + b + c)
    for h in (left, right):
        np.testing.assert_array_equal(h.group, whole.group)
        np.testing.assert_array_equal(h.value, whole.value)
        np.testing.assert_array_equal(h.count, whole.count)
        np.testing.assert_allclose(h.w, whole.w, rtol=RTOL)
        np.testing.assert_allclose(h.w2, whole.w2, rtol=RTOL)
    # and the tests on merged histograms equal those on the one-pass histogram
    for key in ("statistic", "p"):
        np.testing.assert_allclose(st.wilcoxon(left)[key], st.wilcoxon(whole)[key], rtol=RTOL, equal_nan=True)
        np.testing.assert_allclose(st.mann_whitney(left, hb)[key], st.mann_whitney(whole, hb)[key], rtol=RTOL,
                                   equal_nan=True)
    ml, mw = st.moments(left), st.moments(whole)
    np.testing.assert_allclose([ml.mean, ml.sd], [mw.mean, mw.sd], rtol=RTOL, atol=1e-12, equal_nan=True)


cells = hs.lists(hs.tuples(hs.integers(-3, 3), hs.sampled_from([-2.5, -1.0, -0.0, 0.0, 0.5, 3.0, np.nan, np.inf])),
                 max_size=60)


@settings(max_examples=100, deadline=None)
@given(cells, hs.booleans())
def test_order_by_group_is_lexsort(rows, as_int):
    """Groups and values with ties, negatives, -0.0 == 0.0 and NaN: the permutation of np.lexsort."""
    g = np.array([r[0] for r in rows], dtype=np.intp)
    v = np.array([r[1] for r in rows], dtype=float)
    if as_int:
        v = np.nan_to_num(v, nan=7, posinf=9).astype(np.int64)
    np.testing.assert_array_equal(order_by_group(g, v), np.lexsort((v, g)))


def test_order_by_group_on_large_keys():
    """Many groups and distinct values: one sort key, or lexsort when it would not fit 63 bits."""
    rng = np.random.default_rng(3)
    for G, n in ((5, 100_000), (2**40, 50_000)):
        g = rng.integers(0, G, n)
        v = np.round(rng.normal(size=n), 2)
        np.testing.assert_array_equal(order_by_group(g, v), np.lexsort((v, g)))


def test_tree_merge_streams_in_the_level_by_level_tree(monkeypatch):
    """Merging a generator of block partials pairs them as merging the list level by level (neighbours
    first, the odd one carried up), so the floating-point sums are the same; None parts are skipped."""
    import servgap.engine.kernel as kernel

    def levelwise(parts):
        while len(parts) > 1:
            parts = [(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
        return parts[0] if parts else {}

    monkeypatch.setattr(kernel, "merge_partials", lambda a, b: (a, b))
    for n in range(25):
        parts = [None if k % 7 == 3 else k for k in range(n)]
        assert kernel.tree_merge(p for p in parts) == levelwise([p for p in parts if p is not None])


def _gridded(rows, denom):
    """The histogram of (group, numerator) rows with the grid of its values and each cell's place (as the
    one-byte kernel's fraction histograms and dense tables carry them)."""
    arr = np.array(rows, dtype=float).reshape(-1, 2)
    h = st.histogram(arr[:, 1] / denom, arr[:, 0].astype(int), 3)
    grid = np.unique(h.value)
    return st.GroupedHistogram(3, h.group, h.value, h.count, h.w, h.w2, grid, np.searchsorted(grid, h.value))


@settings(max_examples=150, deadline=None)
@given(a=hs.lists(hs.tuples(hs.integers(0, 2), hs.integers(-9, 9)), min_size=1, max_size=40),
       b=hs.lists(hs.tuples(hs.integers(0, 2), hs.integers(-9, 9)), min_size=1, max_size=40),
       c=hs.lists(hs.tuples(hs.integers(0, 2), hs.integers(-9, 9)), min_size=1, max_size=40),
       da=hs.sampled_from([1, 2, 3, 6]), db=hs.sampled_from([1, 2, 4]))
def test_merging_cells_on_different_grids_equals_one_pass(a, b, c, da, db):
    """Merges by grid places (no float sort) give the one-pass histogram, a grid holding exactly its values,
    and the same signed-rank sums; the parts may lie on different grids (other denominators)."""
    ha, hb, hc = _gridded(a, da), _gridded(b, db), _gridded(c, da)
    merged = st.merge(st.merge(ha, hb), hc)
    vals = np.concatenate([np.array(r, float).reshape(-1, 2)[:, 1] / d for r, d in ((a, da), (b, db), (c, da))])
    grp = np.concatenate([np.array(r, float).reshape(-1, 2)[:, 0] for r in (a, b, c)]).astype(int)
    whole = st.histogram(vals, grp, 3)
    for f in ("group", "value", "count", "w", "w2"):
        np.testing.assert_array_equal(getattr(merged, f), getattr(whole, f))
    np.testing.assert_array_equal(merged.grid[merged.code], merged.value)
    assert np.all(np.diff(merged.grid) > 0)
    for key in ("statistic", "p"):
        np.testing.assert_allclose(st.wilcoxon(merged)[key], st.wilcoxon(whole)[key], rtol=RTOL, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(parts=hs.lists(hs.lists(hs.tuples(hs.integers(0, 4), hs.integers(-9, 9), hs.floats(0.1, 5.0)), min_size=1,
                               max_size=30), min_size=2, max_size=5),
       denoms=hs.lists(hs.sampled_from([1, 2, 3, 6]), min_size=5, max_size=5))
def test_grid_table_merge_equals_the_sorted_merge_bit_for_bit(parts, denoms):
    """Cells on grids merge in a (group × grid) table; without their grids the same cells merge by a sort of
    their values. Same cells, same order and the same floating-point sums (weights added in input order)."""
    hists = []
    for rows, d in zip(parts, denoms):
        arr = np.array(rows, dtype=float).reshape(-1, 3)
        h = st.histogram(arr[:, 1] / d, arr[:, 0].astype(int), 5, arr[:, 2])
        grid = np.unique(h.value)
        hists.append(st.GroupedHistogram(5, h.group, h.value, h.count, h.w, h.w2, grid,
                                         np.searchsorted(grid, h.value)))
    table = st.merge(*hists)
    sorted_ = st.merge(*[st.GroupedHistogram(5, h.group, h.value, h.count, h.w, h.w2) for h in hists])
    assert table.grid is not None and sorted_.grid is None
    for f in ("group", "value", "count", "w", "w2"):
        np.testing.assert_array_equal(getattr(table, f), getattr(sorted_, f))
    np.testing.assert_array_equal(table.grid[table.code], table.value)


@settings(max_examples=150, deadline=None)
@given(cells=hs.lists(hs.tuples(hs.integers(0, 4), hs.sampled_from([-2.5, -1.0, -0.0, 0.0, 0.5, 1 / 3, 3.0, 1e-300]),
                                hs.integers(1, 5)), max_size=60),
       absolute=hs.booleans())
def test_midranks_by_one_sort_equal_ranks_by_scipy(cells, absolute):
    """Cells without known ranks are ordered by one sort of ``group + i·value``: the mid-ranks and tie sums
    equal scipy.stats.rankdata's on the observations the cells stand for, group by group."""
    from servgap.stats.ranks import group_midranks

    g = np.array([c[0] for c in cells], dtype=np.intp)
    v = np.array([c[1] for c in cells], dtype=float)
    v = np.abs(v) if absolute else v
    n = np.array([c[2] for c in cells], dtype=float)
    midrank, ties = group_midranks(g, v, n, 5)
    for k in range(5):
        obs = np.repeat(v[g == k], n[g == k].astype(int))
        if not obs.size:
            assert ties[k] == 0
            continue
        ranks = stats.rankdata(obs)                   # average ranks: the mid-ranks
        first = np.cumsum(n[g == k].astype(int)) - n[g == k].astype(int)
        np.testing.assert_array_equal(midrank[g == k], ranks[first])
        _, t = np.unique(obs, return_counts=True)
        assert ties[k] == float((t ** 3 - t).sum())
