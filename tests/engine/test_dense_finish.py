"""The finishing code on dense tables (item level of the one-byte path) against the sparse cells and scipy.

A narrow `DenseHistogram` is finished as a table (`servgap.stats.finishing_form`): its
moments and signed-rank sums must be the very doubles the sparse cells give, and the tests
must equal scipy on the raw vectors the table counts. The pair-code reductions of the map
step (`servgap.engine.coded.differences`) are checked against a brute-force count.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from servgap import stats as st
from servgap.engine.coded import differences
from servgap.stats.ranks import signed_rank_sums


def _table(seed: int, grid, G: int = 9, weighted: bool = False, empty: bool = True):
    """A dense table with an empty group, a one-value group and a one-observation group."""
    rng = np.random.default_rng(seed)
    count = rng.integers(0, 6, (G, grid.size)) * (rng.random((G, grid.size)) < 0.7)
    if empty:
        count[0] = 0
    count[1] = 0
    count[1, grid.size // 2] = 4            # constant
    count[2] = 0
    count[2, 0] = 1                         # one observation
    w = w2 = None
    if weighted:
        per = rng.uniform(0.3, 2.5, (G, grid.size))
        w, w2 = count * per, count * per * per
    return st.DenseHistogram(np.asarray(grid, float), count, w, w2)


GRIDS = {"differences": np.arange(-6, 7), "asymmetric": np.array([-3, -1, 0, 0.5, 1, 2, 4.25]),
         "no zero": np.array([-2.5, -1, 1, 2.5, 3])}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("grid", GRIDS.values(), ids=GRIDS.keys())
def test_dense_moments_are_the_sparse_doubles(grid, weighted):
    h = _table(1, grid, weighted=weighted)
    assert isinstance(st.finishing_form(h), st.DenseHistogram)
    with np.errstate(all="ignore"):
        a, b = st.moments(h), st.moments(h.sparse())
    for f in ("n", "v1", "v2", "mean", "sd", "distinct"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    np.testing.assert_array_equal(a.constant, [False, True] + [False] * 7)


@pytest.mark.parametrize("grid", GRIDS.values(), ids=GRIDS.keys())
def test_dense_signed_ranks_are_the_sparse_doubles_and_scipy(grid):
    h = _table(2, grid)
    dense, cells = st.wilcoxon(h), st.wilcoxon(h.sparse())
    for k in dense:
        np.testing.assert_array_equal(dense[k], cells[k], err_msg=k)
    for g in range(3, h.n_groups):          # raw vectors: scipy's V and p (normal approximation, no correction)
        x = np.repeat(h.grid, h.count[g])
        if np.count_nonzero(x) < 2:
            continue
        ref = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx")
        nz = x[x != 0]
        ranks = stats.rankdata(np.abs(nz))
        r_plus, r_minus = ranks[nz > 0].sum(), ranks[nz < 0].sum()
        assert dense["statistic"][g] == r_plus and min(r_plus, r_minus) == ref.statistic   # scipy reports min(R+, R-)
        np.testing.assert_allclose(dense["p"][g], ref.pvalue, rtol=1e-10)


def test_sparse_tables_are_finished_as_cells_and_empty_values_dropped():
    count = np.zeros((40, 60), np.int64)
    count[np.arange(40), np.arange(40)] = 3          # one value per group: 1 cell in 40
    h = st.DenseHistogram(np.arange(60.0), count)
    assert isinstance(st.finishing_form(h), st.GroupedHistogram)
    count[:, :8] = 1                                  # now 8 or 9 of the 40 occupied values per group
    f = st.finishing_form(st.DenseHistogram(np.arange(60.0), count))
    assert isinstance(f, st.DenseHistogram) and f.grid.tolist() == list(range(40))
    empty = st.finishing_form(st.DenseHistogram(np.arange(5.0), np.zeros((3, 5), np.int64)))
    with np.errstate(all="ignore"):
        m, w = st.moments(empty), st.wilcoxon(empty)
    assert m.n.tolist() == [0, 0, 0] and np.isnan(m.mean).all() and np.isnan(w["p"]).all()


def test_signed_rank_sums_of_a_small_table_by_hand():
    # group 0: -1, 0, 2, 2 -> |d| 1, 2, 2 ranked 1, 2.5, 2.5; R+ = 5, n = 3, ties 2^3 - 2 = 6
    # group 1: -2, -2, -2 -> ranks 2, 2, 2; R+ = 0, n = 3, ties 3^3 - 3 = 24
    h = st.DenseHistogram(np.array([-2.0, -1.0, 0.0, 2.0]), np.array([[0, 1, 1, 2], [3, 0, 0, 0]]))
    r_plus, n, ties = signed_rank_sums(h)
    assert r_plus.tolist() == [5.0, 0.0] and n.tolist() == [3.0, 3.0] and ties.tolist() == [6.0, 24.0]


@pytest.mark.parametrize("K", [2, 5, 7])
def test_differences_are_the_diagonals_of_the_pair_table(K):
    rng = np.random.default_rng(K)
    C = K + 1
    table = rng.integers(0, 50, (6, C * C))
    out = differences(table, K)
    ref = np.zeros((6, 2 * K - 1), np.int64)
    for b in range(1, C):
        for l in range(1, C):
            ref[:, l - b + K - 1] += table[:, b * C + l]
    np.testing.assert_array_equal(out, ref)
    weights = rng.random((6, C * C))
    np.testing.assert_allclose(differences(weights, K), np.stack(
        [[sum(weights[r, b * C + l] for b in range(1, C) for l in range(1, C) if l - b == d)
          for d in range(1 - K, K)] for r in range(6)]), rtol=1e-14)
