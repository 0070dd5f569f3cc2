"""Grouped histograms: the mergeable sufficient statistic behind every test.

For values ``x`` (NaN = missing), integer group codes ``g`` in ``[0, n_groups)`` and
optional weights ``w``, the histogram holds one row per distinct (group, value) with

``count`` = number of observations, ``w`` = Σ w, ``w2`` = Σ w².

Without weights ``w = w2 = count``. Histograms of disjoint partitions merge by
concatenation and re-aggregation (`merge`), so out-of-core and in-memory paths give
identical results. Likert data (and means of Likert items) lie on a small lattice
``k / L``; there the cells are counted on that grid (`count_on_grid`: one ``np.bincount``,
O(n)); other values use a sort, which is exact for any data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Candidate lattice denominators: 1, 2, 4 and lcm(1..5), lcm(1..7), lcm(1..9), lcm(1..12).
_LATTICES = (1, 2, 4, 60, 420, 2520, 27720)


@dataclass(frozen=True)
class GroupedHistogram:
    """Distinct (group, value) cells, sorted by group then value."""

    n_groups: int
    group: np.ndarray   # intp
    value: np.ndarray   # float64
    count: np.ndarray   # int64
    w: np.ndarray       # float64, Σ weights
    w2: np.ndarray      # float64, Σ squared weights
    grid: np.ndarray | None = None   # cells made from a `DenseHistogram`: its sorted grid of values,
    code: np.ndarray | None = None   # and each cell's position in it (value = grid[code])

    def per_group(self, arr) -> np.ndarray:
        """Sum ``arr`` (one entry per cell) within each group."""
        return np.bincount(self.group, weights=arr, minlength=self.n_groups)

    @property
    def n(self) -> np.ndarray:
        return np.bincount(self.group, weights=self.count, minlength=self.n_groups).astype(np.int64)


def _lattice(x: np.ndarray):
    """Smallest candidate ``L`` with ``x·L`` integral (within 1e-7), and ``rint(x·L)``; else ``(None, None)``.

    A candidate is first tried on a prefix, so continuous data are rejected cheaply.
    """
    if x.size == 0:
        return 1, np.zeros(0)
    head = x[:256]
    for L in _LATTICES:
        y = head * L
        if not np.all(np.abs(y - np.rint(y)) < 1e-7):
            continue
        k = np.rint(x if L == 1 else x * L)
        if L == 1 and np.array_equal(k, x):          # integers (item ratings): one comparison pass
            return L, k
        y = x * L
        y -= k
        if np.all(np.abs(y) < 1e-7):
            return L, k
    return None, None


def _sorted_cells(new: np.ndarray, weights):
    """``(first, count, w, w2)`` of observations sorted by cell, ``new`` flagging each cell's first one."""
    first = np.flatnonzero(new)
    count = np.diff(np.append(first, new.size)).astype(np.int64)
    if weights is None:
        w = count.astype(np.float64)
        return first, count, w, w.copy()
    cell = np.cumsum(new) - 1
    return (first, count, np.bincount(cell, weights=weights, minlength=first.size),
            np.bincount(cell, weights=weights * weights, minlength=first.size))


def dense_rank(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank of every value among the distinct values of ``x`` (0-based) and their number.

    Equal values share a rank (``-0.0 == 0.0``), and so do all NaNs, ranked last.
    """
    idx = np.argsort(x)                 # one SIMD sort of a single key
    s = x[idx]
    new = np.zeros(x.size, np.int64)
    new[1:] = s[1:] != s[:-1]
    if x.dtype.kind == "f" and x.size and np.isnan(s[-1]):    # NaNs sort last: only the first one is new
        new[1:] &= ~np.isnan(s[:-1])
    np.cumsum(new, out=new)
    rank = np.empty(x.size, np.int64)
    rank[idx] = new
    return rank, int(new[-1]) + 1 if x.size else 0


def order_by_group(group: np.ndarray, value: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
    """The permutation of ``np.lexsort((value, group))``: by group, then value, ties in input order.

    One sort of a single int64 key ``(group − min) · 2^(a+b) + rank(value) · 2^b + position``
    (`dense_rank`; ``2^b > n`` positions). The keys are distinct, so a plain (SIMD)
    sort is stable, and the position is the low ``b`` bits of each sorted key.
    ``keys``, integers in the order of the values and equal exactly where they are equal,
    stand in for the ranks (no float sort). Falls back to ``np.lexsort`` when the key
    needs more than 63 bits.
    """
    n = value.size
    if n == 0:
        return np.zeros(0, np.intp)
    key = np.asarray(group, np.int64) - np.min(group)
    b, g = int(n - 1).bit_length(), int(key.max()).bit_length()
    if keys is None:
        rank, R = dense_rank(value)
    else:
        rank = np.asarray(keys, np.int64) - keys.min()
        R = int(rank.max()) + 1
        if g + int(R - 1).bit_length() + b > 63:          # a wide grid: its ranks instead
            rank, R = dense_rank(rank)
    a = int(R - 1).bit_length()
    if g + a + b > 63:
        return np.lexsort((value, group))
    key <<= a
    key |= rank
    key <<= b
    key |= np.arange(n)
    key.sort()
    key &= (1 << b) - 1
    return key.astype(np.intp, copy=False)


def histogram(x, group=None, n_groups: int | None = None, weights=None, keys=None) -> GroupedHistogram:
    """Build the grouped histogram of ``x`` (NaN ignored).

    Parameters
    ----------
    x : array of float
        Observations; NaN marks missing ones.
    group : array of int, optional
        Group code of each observation (``0 <= group < n_groups``); all 0 when omitted.
    n_groups : int, optional
        Number of groups (default ``group.max() + 1``).
    weights : array of float, optional
        Non-negative observation weights.
    keys : array of int, optional
        Integers ordered as ``x`` and equal exactly where ``x`` is (e.g. exact fractions on a
        fine common grid): the cells are then found by one integer sort (`order_by_group`).

    Examples
    --------
    >>> h = histogram(np.array([1., 1., 2., np.nan]), np.array([0, 0, 1, 1]))
    >>> h.value.tolist(), h.count.tolist()
    ([1.0, 2.0], [2, 1])
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    group = np.zeros(x.size, np.intp) if group is None else np.asarray(group, np.intp).ravel()
    if n_groups is None:
        n_groups = int(group.max()) + 1 if group.size else 1
    ok = ~np.isnan(x)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64).ravel()
        ok &= ~np.isnan(weights)
    if not ok.all():
        x, group = x[ok], group[ok]
        weights = None if weights is None else weights[ok]
        keys = None if keys is None else keys[ok]
    L, k = _lattice(x)
    if L is not None and x.size:
        lo, hi = int(k.min()), int(k.max())
        h = count_on_grid(n_groups, np.arange(lo, hi + 1) / L, group, k.astype(np.intp), w=weights, offset=lo)
        if h is not None:
            return h
    order = order_by_group(group, x, keys)
    x, group = x[order], group[order]
    weights = None if weights is None else weights[order]
    new = np.ones(x.size, bool)
    new[1:] = (x[1:] != x[:-1]) | (group[1:] != group[:-1])
    first, count, w, w2 = _sorted_cells(new, weights)
    return GroupedHistogram(n_groups, group[first], x[first], count, w, w2)


@dataclass(frozen=True)
class DenseHistogram:
    """Counts on one sorted grid of values: ``count[g, j]`` observations of group ``g`` equal ``grid[j]``.

    The map step on integer codes produces these tables directly; histograms on the same
    grid merge by adding the tables. ``w``, ``w2`` (Σ weights, Σ squared weights) are
    ``None`` without weights. `sparse` gives the `GroupedHistogram` of the non-empty cells.
    """

    grid: np.ndarray    # (W,) float64, sorted, distinct
    count: np.ndarray   # (n_groups, W) int64
    w: np.ndarray | None = None
    w2: np.ndarray | None = None

    @property
    def n_groups(self) -> int:
        return self.count.shape[0]

    @property
    def n(self) -> np.ndarray:
        """Observations per group."""
        return self.count.sum(axis=1, dtype=np.int64)

    def weight_totals(self) -> np.ndarray:
        """``Σ w`` per group (the counts without weights)."""
        return (self.count if self.w is None else self.w).sum(axis=1, dtype=np.float64)

    def sparse(self) -> GroupedHistogram:
        flat = np.flatnonzero(self.count)             # row-major: by group, then value
        groups, cols = np.divmod(flat, self.count.shape[1])
        c = np.take(self.count, flat).astype(np.int64, copy=False)
        w = c.astype(np.float64) if self.w is None else np.take(self.w, flat)
        return GroupedHistogram(self.n_groups, groups.astype(np.intp, copy=False), self.grid[cols], c, w,
                                w if self.w is None else np.take(self.w2, flat),   # one array: no weights
                                self.grid, cols)

    def columns(self, keep: np.ndarray) -> DenseHistogram:
        """The table on the grid values ``grid[keep]`` only."""
        cut = lambda a: None if a is None else np.ascontiguousarray(a[:, keep])  # noqa: E731
        return DenseHistogram(self.grid[keep], cut(self.count), cut(self.w), cut(self.w2))

    def __add__(self, other: DenseHistogram) -> DenseHistogram:
        add = lambda a, b: None if a is None else a + b  # noqa: E731
        return DenseHistogram(self.grid, self.count + other.count, add(self.w, other.w), add(self.w2, other.w2))


def sparse(h) -> GroupedHistogram:
    """``h`` as a `GroupedHistogram`."""
    return h.sparse() if isinstance(h, DenseHistogram) else h


#: A `DenseHistogram` is finished as a table when at most this many of its (occupied-value) cells
#: per observed cell are empty; sparser tables are finished as cells.
DENSE_FILL = 8


def finishing_form(h):
    """``h`` in the form the finishing code reads fastest: a `DenseHistogram` as a table on the
    values that occur (when that table is dense enough, `DENSE_FILL`), anything else as a
    `GroupedHistogram`.

    Both forms give bit-identical moments and tests: a dense table is summed value by value,
    in the order the sparse cells of each group are summed, and empty values add nothing.
    """
    if not isinstance(h, DenseHistogram):
        return h
    occupied = h.count.any(axis=0)
    if not occupied.all():
        h = h.columns(np.flatnonzero(occupied))
    return h if h.count.size <= DENSE_FILL * np.count_nonzero(h.count) else h.sparse()


@dataclass(frozen=True)
class CellView:
    """The cells of a histogram as arrays the moment formulas share (`servgap.stats.moments`).

    Sparse: one entry per cell, ``per_group`` a bincount over the cells (in cell order).
    Dense: ``(values, groups)`` tables, value-major, ``per_group`` a sum over the values in
    grid order (numpy adds the rows of a C-ordered table one after the other), so both forms
    add the same numbers in the same order. ``at(x)`` spreads a per-group array over the cells.
    """

    count: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    value: np.ndarray
    n_groups: int
    group: np.ndarray | None = None

    @classmethod
    def of(cls, h) -> "CellView":
        if isinstance(h, GroupedHistogram):
            return cls(h.count, h.w, h.w2, h.value, h.n_groups, h.group)
        t = lambda a: None if a is None else np.ascontiguousarray(a.T)  # noqa: E731
        count = t(h.count)
        w = count.astype(np.float64) if h.w is None else t(h.w)
        return cls(count, w, w if h.w is None else t(h.w2), h.grid[:, None], h.n_groups)

    def per_group(self, arr) -> np.ndarray:
        if self.group is not None:
            return np.bincount(self.group, weights=arr, minlength=self.n_groups)
        return np.broadcast_to(arr, self.count.shape).sum(axis=0)

    def at(self, x: np.ndarray) -> np.ndarray:
        return x[self.group] if self.group is not None else x[None, :]

    @property
    def n(self) -> np.ndarray:
        if self.group is not None:
            return np.bincount(self.group, weights=self.count, minlength=self.n_groups).astype(np.int64)
        return self.count.sum(axis=0, dtype=np.int64)

    @property
    def distinct(self) -> np.ndarray:
        """Number of occupied cells per group."""
        if self.group is not None:
            return np.bincount(self.group, minlength=self.n_groups)
        return np.count_nonzero(self.count, axis=0)


def stack(hists) -> GroupedHistogram:
    """Histograms of consecutive units side by side: group ``u × G + g`` for group ``g`` of ``hists[u]``.

    >>> a, b = histogram(np.array([1., 2.])), histogram(np.array([3.]))
    >>> h = stack([a, b])
    >>> h.n_groups, h.group.tolist(), h.value.tolist()
    (2, [0, 0, 1], [1.0, 2.0, 3.0])
    """
    hists = [sparse(h) for h in hists]
    offset = np.cumsum([0] + [h.n_groups for h in hists[:-1]])
    cat = lambda f: np.concatenate([getattr(h, f) for h in hists])  # noqa: E731
    return GroupedHistogram(int(sum(h.n_groups for h in hists)),
                            np.concatenate([h.group + o for h, o in zip(hists, offset)]).astype(np.intp),
                            cat("value"), cat("count"), cat("w"), cat("w2"))


def merge(*hists):
    """Merge histograms of disjoint partitions (same groups) into one.

    Dense histograms on the same grid add their tables; anything else merges as sparse cells:
    cells that all lie on grids are counted in a (group × union grid) table when it is not
    much larger than the cells (`count_on_grid`), others sorted by group and value.
    """
    if all(isinstance(h, DenseHistogram) for h in hists) and all(
            h.count.shape == hists[0].count.shape and np.array_equal(h.grid, hists[0].grid) for h in hists):
        out = hists[0]
        for h in hists[1:]:
            out = out + h
        return out
    hists = [sparse(h) for h in hists]
    n_groups = hists[0].n_groups
    if any(h.n_groups != n_groups for h in hists):
        raise ValueError("histograms to merge must have the same number of groups")
    g = np.concatenate([h.group for h in hists])
    v = np.concatenate([h.value for h in hists])
    c = np.concatenate([h.count for h in hists])
    w = np.concatenate([h.w for h in hists])
    w2 = np.concatenate([h.w2 for h in hists])
    grid, code = _merged_grid(hists)
    counted = None if code is None else count_on_grid(n_groups, grid, g, code, c, w, w2)
    if counted is not None:
        return counted
    order = order_by_group(g, v, code)
    g, v, c, w, w2 = g[order], v[order], c[order], w[order], w2[order]
    new = np.ones(v.size, bool)
    new[1:] = (v[1:] != v[:-1]) | (g[1:] != g[:-1])
    cell = np.cumsum(new) - 1
    size = int(cell[-1]) + 1 if cell.size else 0
    agg = lambda a: np.bincount(cell, weights=a, minlength=size)  # noqa: E731
    return GroupedHistogram(n_groups, g[new], v[new], agg(c).astype(np.int64), agg(w), agg(w2),
                            grid, None if code is None else code[order][new])


def count_on_grid(n_groups: int, grid, group, code, count=None, w=None, w2=None,
                  offset: int = 0) -> GroupedHistogram | None:
    """The cells of observations (or of cells) on one sorted ``grid``, counted in a (group × grid) table: no sort.

    ``code − offset`` places each one on the grid (``value = grid[code − offset]``); ``count``, ``w``, ``w2`` are
    per-cell counts and weight sums to add (one observation each, weight ``w`` and ``w²``
    when omitted). The key ``group · len(grid) + code`` orders cells by group, then value,
    and every sum adds in input order, as a sorted merge does, so both give the same
    numbers. ``None`` when the table would hold more than about four entries per input
    (then sort instead).
    """
    size = max(grid.size, 1)
    nb = n_groups * size
    if nb > max(4 * len(code), 1 << 16):
        return None
    key = np.asarray(group, np.intp) * size      # a fresh array: add in place
    key += code
    if offset:
        key -= offset
    del code      # a caller's temporary is freed here: the sums below reuse its memory
    tally = np.bincount(key, minlength=nb)
    cells = np.flatnonzero(tally)
    agg = lambda a: np.bincount(key, weights=a, minlength=nb)[cells]  # noqa: E731
    n = tally[cells] if count is None else agg(count)
    n = n.astype(np.int64)
    if w is None:
        ws = ws2 = n * 1.0
    else:
        ws, ws2 = agg(w), agg(w * w if w2 is None else w2)
    code = cells % size
    return GroupedHistogram(n_groups, cells // size, grid[code], n, ws, ws2, grid, code)


def _merged_grid(hists):
    """``(grid, code)`` of cells that all lie on grids: the union of the grids (a few thousand values) and
    every cell's place in it, the integer keys of the merge's sort (no float sort of the cells); else
    ``(None, None)``."""
    if not all(h.grid is not None and h.code is not None for h in hists):
        return None, None
    first = hists[0].grid
    if all(h.grid is first or np.array_equal(h.grid, first) for h in hists):
        return first, np.concatenate([h.code for h in hists])
    grid = np.unique(np.concatenate([h.grid for h in hists]))
    return grid, np.concatenate([np.searchsorted(grid, h.grid)[h.code] for h in hists])
