"""Ranks from value counts: mid-ranks and tie corrections per group, without ranking observations.

The rank tests (`servgap.stats.tests`) need, per group, the blocks of equal values in
order, their sizes ``t`` and the mid-rank ``b + (t + 1)/2`` of each block (``b`` smaller
observations before it). A histogram has exactly that: `group_midranks` ranks the cells of
a `servgap.stats.GroupedHistogram`, `signed_rank_sums` also folds a narrow
`servgap.stats.DenseHistogram` of differences at zero. All sums are of exact integers and
half-integers, so every way of computing them gives the same doubles.
"""

from __future__ import annotations

import numpy as np

from .histogram import DenseHistogram, dense_rank


def group_midranks(group, value, counts, n_groups, ranked=None):
    """Mid-rank of every cell within its group, and ``Σ (t³ − t)`` over each group's tie blocks.

    Cell ``i`` holds ``counts[i]`` observations equal to ``value[i]`` (any order). A tie
    block is one distinct (group, value); its ``t`` observations, after ``b`` smaller ones
    of the group, share the mid-rank ``b + (t + 1)/2`` (ranks start at 1). The blocks are
    keys ``group × R + rank`` when the caller knows the ranks (``ranked = (rank, R)``, e.g.
    from a grid): every possible key when that table is small (at most 8 per cell), else
    the distinct ones (one sort). Without ranks the cells are put in (group, value) order
    by one sort of the complex keys ``group + i·value`` (numpy orders complex numbers by
    real, then imaginary part) instead of ranking the values first (two sorts).
    """
    if ranked is None:
        value = np.asarray(value, np.float64)
        if not np.isnan(value).any():
            return _midranks_by_sort(np.asarray(group), value, counts, n_groups)
        ranked = dense_rank(value)                   # NaN (one block, last): the ranks, then the keys
    rank, R = ranked
    key = np.asarray(group, np.int64) * R + rank
    if n_groups * R <= 4 * key.size:                 # every (group, rank): a dense groups × R table
        size = np.bincount(key, weights=counts, minlength=n_groups * R).reshape(n_groups, R)
        midrank, ties = tie_blocks(size, axis=1)
        return midrank.ravel()[key], ties
    blocks, cell_block = _distinct(key)
    return _block_midranks(blocks // max(R, 1), cell_block, counts, n_groups)


def _midranks_by_sort(group, value, counts, n_groups):
    """`group_midranks` of cells without known ranks: one sort by (group, value) of ``group + i·value``."""
    n = value.size
    order = np.argsort(group.astype(np.float64) + 1j * value)
    gs, vs = group[order], value[order]
    new = np.ones(n, bool)
    np.not_equal(gs[1:], gs[:-1], out=new[1:])
    new[1:] |= vs[1:] != vs[:-1]                     # -0.0 == 0.0: one block
    cell_block = np.empty(n, np.intp)
    cell_block[order] = np.cumsum(new) - 1
    return _block_midranks(gs[new], cell_block, counts, n_groups)


def _block_midranks(bgroup, cell_block, counts, n_groups):
    """Mid-ranks of cells and ``Σ (t³ − t)`` per group from tie blocks in (group, value) order (``bgroup``:
    each block's group; ``cell_block``: each cell's block)."""
    size = np.bincount(cell_block, weights=counts, minlength=bgroup.size)
    before = np.cumsum(size) - size                  # observations in earlier blocks (exact integers)
    start = np.searchsorted(bgroup, np.arange(n_groups))[bgroup]
    midrank = before - before[start] + (size + 1) / 2
    return midrank[cell_block], np.bincount(bgroup, weights=size * size * size - size, minlength=n_groups)


def _distinct(key: np.ndarray):
    """``np.unique(key, return_inverse=True)`` for non-negative int64 keys by one plain sort: each key
    carries its position in its low bits (the sorted keys are distinct, so no argsort is needed)."""
    n = key.size
    b = max(int(n - 1).bit_length(), 1)
    if n == 0 or int(key.max()).bit_length() + b > 63:
        return np.unique(key, return_inverse=True)
    packed = key << b
    packed |= np.arange(n)
    packed.sort()
    order = packed & ((1 << b) - 1)
    packed >>= b
    new = np.empty(n, bool)
    new[0] = True
    np.not_equal(packed[1:], packed[:-1], out=new[1:])
    inverse = np.empty(n, np.intp)
    inverse[order] = np.cumsum(new) - 1
    return packed[new], inverse


def tie_blocks(size: np.ndarray, axis: int):
    """Mid-ranks and ``Σ (t³ − t)`` of a dense table of tie-block sizes, blocks in rank order along ``axis``.

    The ``t`` observations of a block after ``b`` smaller ones share the mid-rank
    ``b + (t + 1)/2``; all exact in doubles for counts below 2⁵³.

    >>> m, t = tie_blocks(np.array([[2.0, 1.0, 3.0]]), axis=1)
    >>> m.tolist(), t.tolist()
    ([[1.5, 3.0, 5.0]], [30.0])
    """
    if axis == 0:                        # row by row: numpy's cumsum down a short first axis is slow
        upto = size.copy()
        for r in range(1, size.shape[0]):
            upto[r] += upto[r - 1]
    else:
        upto = np.cumsum(size, axis=axis)
    midrank = upto - (size - 1) / 2      # observations up to the block, minus half of it
    return midrank, (size * size * size - size).sum(axis=axis)


def signed_rank_sums(h):
    """``(R⁺, n, Σ (t³ − t))`` per group of a histogram of differences, zeros dropped.

    Observations are ranked by ``|value|`` within their group (mid-ranks for ties); ``R⁺``
    sums the ranks of the positive ones, ``n`` counts the non-zero ones. A narrow
    `DenseHistogram` folds its table at zero (``(|values|, groups)`` tables, no sort);
    anything else ranks its sparse cells (`group_midranks`). All sums are of exact
    integers and half-integers, so both give the same doubles.

    >>> h = DenseHistogram(np.array([-1.0, 0.0, 2.0]), np.array([[1, 1, 2]]))   # -1, 0, 2, 2
    >>> [a.tolist() for a in signed_rank_sums(h)]                                # ranks 1, 2.5, 2.5
    [[5.0], [3.0], [6.0]]
    """
    if isinstance(h, DenseHistogram):
        count = np.ascontiguousarray(h.count.T)       # (values, groups)
        mag = np.abs(h.grid)
        levels, level = np.unique(mag, return_inverse=True)
        pos, neg = np.flatnonzero(h.grid > 0), np.flatnonzero(h.grid < 0)
        size = np.zeros((levels.size, h.n_groups))
        size[level[pos]] = count[pos]                 # one column of each sign per |value| at most
        size[level[neg]] += count[neg]
        plus = np.zeros_like(size)
        plus[level[pos]] = count[pos]
        if levels.size and levels[0] == 0:            # the zero differences are dropped
            size, plus = size[1:], plus[1:]
        midrank, ties = tie_blocks(size, axis=0)
        return (plus * midrank).sum(axis=0), size.sum(axis=0), ties
    nz = h.value != 0
    g, v, c = h.group[nz], h.value[nz], h.count[nz].astype(np.float64)
    ranked = None
    if h.code is not None:               # cells of a grid: the rank of |value| from the grid, no sort
        levels, level = np.unique(np.abs(h.grid), return_inverse=True)
        rank = level[h.code[nz]]
        present = np.bincount(rank, minlength=levels.size) > 0       # only the levels that occur
        ranked = (np.cumsum(present) - 1)[rank], int(np.count_nonzero(present))
    midrank, ties = group_midranks(g, np.abs(v), c, h.n_groups, ranked)
    r_plus = np.bincount(g, weights=np.where(v > 0, c * midrank, 0.0), minlength=h.n_groups)
    return r_plus, np.bincount(g, weights=c, minlength=h.n_groups), ties
