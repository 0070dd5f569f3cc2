"""The map step on integer-coded ratings: item, dimension and overall histograms without a float sort.

Likert ratings are small integers. `servgap.surveys.survey.to_codes` stores a viewpoint as
``uint8`` codes ``c = x − scale_min + 1`` (``0`` = missing) when every rating is an integer
on a scale of at most ``MAX_LEVELS`` points. On codes, one block of respondents reduces
with a few vectorised passes (`servgap.engine.kernel` uses this path whenever the viewpoints of a
comparison are coded and the tables fit in `MAX_BINS`, the float path otherwise; the
finishing formulas are the same):

- **items.** A pair ``(b, l)`` of benchmark and later codes is one byte ``b·C + l``
  (``C = K + 1``). One ``np.bincount`` per item over ``segment × C² + pair`` counts every
  pair per segment; the difference histogram (``l − b``, the diagonals of each ``b × l``
  block: `differences`), the benchmark sums and the ``incomplete_pair`` counts are
  integer sums of those counts.
- **dimensions.** A respondent's number of complete pairs ``k``, benchmark-code sum and
  difference sum ``s`` over a dimension's items are sums of small non-negative integers,
  packed into one ``uint32`` per item (below 2²⁰) and added item by item
  (`Block.table_rows`). The packed sum indexes `ScoreTables`: the rank of
  ``s / k`` among all possible ratios (equal ratios such as ``2/4 = 1/2`` share a rank,
  and a correctly rounded ``s / k`` is the same double for equal ratios), the score, and
  its numerator over a common denominator. One bincount over ``segment × rank`` is the
  histogram.
- **overall.** The mean of the available dimension scores is an exact fraction
  ``M / (L·D)`` (`Block.overall`); the integer ``M`` keys its histogram, so equal
  overall scores are exact ties.

Per-respondent matrices are unit-major (``(units, n)``, the transpose of the
column-major codes), so a tally walks one unit at a time with its bins in cache, and
temporaries are one unit long and reused. No step is a matrix product: BLAS would start
its threads for these tiny products, and on a busy machine threads that wait for a CPU
cost more than the product (the kernel was twice as slow with a second process running).
The tables are `servgap.stats.DenseHistogram` (merge by addition); weights add weighted
bincounts (``Σ w``, ``Σ w²``) with the same keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .. import stats as st
from ..model.scoring import enough_dimensions, overall_fractions, overall_scores, ratio
from ..surveys.survey import scale_of
from .scoretables import ScoreTables, differences, fraction_keys, pair_tables, score_tables, unpack_columns

__all__ = ["MAX_BINS", "Block", "DimensionScores", "ScoreTables", "differences", "fraction_keys", "pair_tables",
           "score_tables"]

#: Largest dense histogram (bins) built by bincount; larger ones use the float path.
MAX_BINS = 1 << 24


class Block:
    """The rows of one block with their segment codes ``g`` (every row in one of ``G`` segments).

    Per-respondent unit matrices are handled unit-major, ``(U, n)`` (the transpose of the
    survey's column-major ``n × U`` codes): tallies are keyed
    ``(unit × G + segment) × W + value`` and walk one unit at a time, so the bins being
    counted stay in cache. Tables come out as ``(U·G, W)``.
    """

    def __init__(self, g: np.ndarray, G: int, w: np.ndarray | None, inst):
        self.G, self.w = G, w
        self.g = np.asarray(g, np.intp)
        self.lo, self.K = scale_of(inst)
        self.item_dim = inst.item_dimension
        self.nd = len(inst.dimensions)
        self.sizes = np.bincount(self.item_dim, minlength=self.nd)
        self.dim_items = [np.flatnonzero(self.item_dim == d) for d in range(self.nd)]

    def tally(self, values: np.ndarray, width: int, table: np.ndarray | None = None, keep: int | None = None) -> list:
        """``[count, Σ w, Σ w², rest]`` per unit × segment of ``values`` in ``[0, width)`` (``(U, n)``).

        One bincount per unit over ``segment × W + value``: its bins stay in cache and its
        key is one small reused array. With ``table`` the values are ``table[values]``
        (looked up unit by unit). The tables are ``(U·G, keep)`` (the first ``keep`` values,
        default all), ``rest`` ``(U·G,)`` counts the observations of the other values. Without
        weights the weight sums are ``None``.
        """
        U, G = values.shape[0], self.G
        keep, nb = width if keep is None else keep, G * width
        out = [np.empty((U, G, keep), np.intp), None, None, np.zeros((U, G), np.intp)]
        if self.w is not None:
            out[1:3] = np.empty((U, G, keep)), np.empty((U, G, keep))
            w2 = self.w * self.w
        base = self.g * width
        key = np.empty(base.size, np.intp)
        looked = None if table is None else np.empty(base.size, table.dtype)
        for j in range(U):
            if table is None:
                np.add(base, values[j], out=key)
            else:
                np.add(base, np.take(table, values[j], out=looked), out=key)
            c = np.bincount(key, minlength=nb).reshape(G, width)
            out[0][j] = c[:, :keep]
            if keep < width:
                out[3][j] = c[:, keep:].sum(axis=1)
            if self.w is not None:
                out[1][j] = np.bincount(key, weights=self.w, minlength=nb).reshape(G, width)[:, :keep]
                out[2][j] = np.bincount(key, weights=w2, minlength=nb).reshape(G, width)[:, :keep]
        return [None if a is None else a.reshape(U * G, keep) for a in out[:3]] + [out[3].ravel()]

    def table_rows(self, lut: np.ndarray, codes: np.ndarray, P: int) -> np.ndarray:
        """Row of every respondent's dimension score in the score tables (``(dimensions, n)``, intp).

        Dimension ``d``'s row is ``d·P + Σ lut[code]`` over its items: exact integer adds of the
        packed fields into one reused buffer (no matrix product, whose BLAS threads would
        compete with other processes for the CPUs). Items go two at a time through a table of
        ``lut[a] + lut[b]`` keyed by the two codes (one lookup instead of two).
        """
        n, S = codes.shape[0], lut.size
        lut2 = (lut[:, None] + lut[None, :]).ravel()            # key a·S + b (S² <= 2¹⁶ entries)
        idx = np.empty((self.nd, n), np.intp)
        acc, tmp, key = np.empty(n, lut.dtype), np.empty(n, lut.dtype), np.empty(n, np.uint16)
        for d, items in enumerate(self.dim_items):
            acc[:] = 0
            for a, b in zip(items[0::2], items[1::2]):
                np.multiply(codes[:, a], S, out=key, dtype=np.uint16)
                key += codes[:, b]
                acc += np.take(lut2, key, out=tmp)
            if len(items) % 2:
                acc += np.take(lut, codes[:, items[-1]], out=tmp)
            np.add(acc, d * P, out=idx[d], casting="unsafe")
        return idx

    @staticmethod
    def row_sums(table: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``Σ_d table[idx[d]]`` per respondent as int64 (``table`` integer; dimension by dimension)."""
        acc = np.zeros(idx.shape[1], np.int64)
        tmp = np.empty(idx.shape[1], table.dtype)
        for row in idx:
            np.take(table, row, out=tmp)
            acc += tmp
        return acc

    def dimension_sums(self, table: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``Σ w · table[idx[d]]`` per dimension × segment (float ``table``), ``(dimensions · G,)``."""
        out = np.empty((idx.shape[0], self.G))
        tmp = np.empty(idx.shape[1])
        for d, row in enumerate(idx):
            np.take(table, row, out=tmp)
            if self.w is not None:
                tmp *= self.w
            out[d] = np.bincount(self.g, weights=tmp, minlength=self.G)
        return out.ravel()

    def hists(self, count, values, w, w2, rank: bool):
        """``(hist, hist_u)``: the (weighted) histogram and, for rank tests on weighted data, the unweighted one."""
        count = count.astype(np.int64, copy=False)
        return (st.DenseHistogram(values, count, w, w2),
                st.DenseHistogram(values, count) if (rank and self.w is not None) else None)

    # -- dimensions and overall ---------------------------------------------------------
    def dims(self, kind: str, codes: np.ndarray, min_items: float, rank: bool) -> "DimensionScores | None":
        """Dimension level from codes (``n × items``; `DimensionScores`), ``None`` if the tables would be too large.

        ``kind="pair"``: the respondents' dimension gaps and benchmark means over complete
        pairs; ``kind="single"``: the dimension means of one viewpoint. NaN under the
        min-items rule.
        """
        tab = score_tables(kind, self.K, self.lo, tuple(self.sizes.tolist()), min_items)
        if tab is None:
            return None
        P, R = tab.rank.shape[1], tab.values.size
        if self.nd * self.G * (R + 1) > MAX_BINS:
            return None
        idx = self.table_rows(tab.lut, codes, P)                             # (dimensions, n)
        c, w, w2, rest = self.tally(idx, R + 1, tab.rank.ravel(), keep=R)   # rank R: dropped by the min-items rule
        hists = self.hists(c, tab.values, w, w2, rank)
        rest = rest.reshape(self.nd, self.G)
        out = DimensionScores(tab, idx, hists, rest.sum(axis=1))
        if kind == "pair":               # Σ w over the scores kept: without weights, the respondents not dropped
            kept = (np.bincount(self.g, minlength=self.G) - rest).ravel() if w is None else hists[0].weight_totals()
            out.sums = np.stack([self.dimension_sums(tab.bench0.ravel(), idx), kept.astype(np.float64, copy=False)])
        return out

    def overall(self, dims: "DimensionScores", rank: bool):
        """Overall level (mean of the available dimension scores, at least half of them) from exact integers.

        A respondent's overall score is ``Σ_d (s_d / k_d) / k = M / (L·D)`` with ``L`` the lcm
        of the item counts a dimension score can rest on and ``D = lcm(1..dimensions)``:
        the integer ``M`` keys the histogram (one sort), so equal scores are equal keys.
        Returns ``(hist, hist_u, sums, too_few)`` (``sums`` for pairs only), or ``None``
        when the keys would not fit in 63 bits.
        """
        tab, idx, nd = dims.tab, dims.idx, self.nd
        D = math.lcm(*range(1, nd + 1))
        bound = int(max(-tab.lnum.min(), tab.lnum.max())) * nd * D
        if ((2 * bound + 1) * self.G).bit_length() > 62:
            return None
        if tab.packed is None:
            k, num, *ben = [self.row_sums(t.ravel(), idx) for t in tab.totals_of]
        else:                                # one lookup per dimension sums all the tables
            k, num, *ben = unpack_columns(self.row_sums(tab.packed.ravel(), idx), tab.layout, nd)
        enough = enough_dimensions(k, nd)
        mult = np.take(D // np.maximum(np.arange(nd + 1), 1), k)
        M = num * mult
        data_bound = int(np.abs(M[enough]).max(initial=0))    # the tables' bound counts unreachable sums too
        h, hu = self.fraction_hists(M, tab.L * D, enough, data_bound, rank)
        sums = None
        if tab.bench is not None:
            g, w = self.g[enough], None if self.w is None else self.w[enough]
            bench = ben[0][enough] * mult[enough] / (tab.L * D)
            sums = np.stack([np.bincount(g, weights=bench if w is None else bench * w, minlength=self.G),
                             h.per_group(h.w)])
        return h, hu, sums, int(enough.size - np.count_nonzero(enough))

    def fraction_hists(self, M: np.ndarray, Q: int, sel: np.ndarray, bound: int, rank: bool):
        """``(hist, hist_u)`` of the fractions ``M / Q`` (integers ``|M| <= bound``) of the rows ``sel``.

        The values that occur are found first: one bincount over ``M + bound`` gives the grid
        of distinct numerators and each row's place ``c`` in it (a sort only when the range
        of ``M`` is far wider than the rows). The cells are then counted by one bincount over
        ``segment × (grid size) + c`` (no sort; the cells come out in segment then value
        order), or sorted when that table would be much larger than the rows. The values are the
        correctly rounded ``M / Q``, so equal fractions are one cell. The cells carry the
        grid and their places in it, which rank tests and merges
        (`servgap.stats.histogram.merge`) read instead of sorting values. ``hist_u``
        (unweighted) only for rank tests on weighted data.
        """
        span = 2 * bound + 1
        g, w = self.g[sel], None if self.w is None else self.w[sel]
        num = M[sel] + bound
        if span <= max(8 * num.size, 1 << 16):             # the numerators present: one bincount
            present = np.bincount(num, minlength=span) > 0
            grid_num = np.flatnonzero(present)
            c = (np.cumsum(present) - 1)[num]               # each row's place among them
        else:                                               # a sparse range: sort the numerators
            grid_num, c = np.unique(num, return_inverse=True)
        grid = (grid_num - bound) / Q
        h = st.count_on_grid(self.G, grid, g, c, w=w)      # dense: count the cells, no sort
        if h is None:
            size = max(grid_num.size, 1)
            key = g * size + c
            if w is None:
                cells, count = np.unique(key, return_counts=True)
                hw = (count * 1.0,) * 2
            else:
                cells, inv, count = np.unique(key, return_inverse=True, return_counts=True)
                hw = (np.bincount(inv, weights=w, minlength=cells.size),
                      np.bincount(inv, weights=w * w, minlength=cells.size))
            code = cells % size
            h = st.GroupedHistogram(self.G, (cells // size).astype(np.intp), grid[code], count.astype(np.int64),
                                    *hw, grid, code)
        if not np.all(grid[1:] > grid[:-1]):                # distinct fractions that round to one double
            h = replace(h, grid=None, code=None)
        hu = replace(h, w=h.count * 1.0, w2=h.count * 1.0) if (rank and w is not None) else None
        return h, hu

    def weighted_overall(self, dims: "DimensionScores", importance: np.ndarray, alloc, rank: bool):
        """Importance-weighted overall score ``Σ_d a_d s_d / Σ_d a_d`` from the exact dimension numerators.

        With the tables' integers ``lnum = score · L`` and the integer allocation ``alloc``
        (`servgap.model.scoring.integer_allocation`), each score is an exact fraction
        ``n / (L · Σ a)`` (`servgap.model.scoring.overall_fractions`). When the allocation
        totals have a small common multiple ``T`` (e.g. everyone allocates 100 points),
        the fractions share the denominator ``L · T`` and key the histogram as integers
        (`fraction_hists`); otherwise their correctly rounded doubles are histogrammed
        (equal fractions, equal doubles). An allocation that is no decimal fraction falls
        back to float sums. Returns ``(hist, hist_u, no_importance)``, the last the number of
        respondents with an unweighted score but no usable allocation.
        """
        tab, idx = dims.tab, dims.idx
        kept = np.take(tab.kept, idx)
        wf = None if alloc is None else overall_fractions(np.take(tab.lnum, idx).T, tab.L, kept.T, alloc, False)[1]
        if wf is None:
            u, x = overall_scores(dims.scores, importance)[:2]
            return (*self.value_hists(x, rank), int(np.count_nonzero(~np.isnan(u) & np.isnan(x))))
        nw, dw = wf
        ok = dw > 0
        no_imp = int(np.count_nonzero(enough_dimensions(kept.sum(axis=0), self.nd) & ~ok))
        tot = dw[ok] // tab.L                               # the allocation totals: small integers
        totals = np.flatnonzero(np.bincount(tot)) if tot.size and tot.max() < 4 * tot.size + 1024 else np.unique(tot)
        T = math.lcm(*totals.tolist()) if totals.size and totals.size <= 64 else None
        if T is not None and T * tab.L < 2 ** 53:
            M = nw * np.where(ok, T // np.where(ok, dw // tab.L, 1), 0)
            bound = int(np.abs(M).max(initial=0))
            if ((2 * bound + 1) * self.G).bit_length() <= 62 and bound < 2 ** 53:
                return (*self.fraction_hists(M, T * tab.L, ok, bound, rank), no_imp)
        x = ratio(nw, dw)
        return (*self.value_hists(x, rank, fraction_keys(x, dw)), no_imp)

    def value_hists(self, x: np.ndarray, rank: bool, keys: np.ndarray | None = None):
        """``(hist, hist_u)`` of one value per row (NaN = none) by sort (`servgap.stats.histogram`;
        ``keys``: exact integer stand-ins for the values, `fraction_keys`)."""
        return (st.histogram(x, self.g, self.G, self.w, keys),
                st.histogram(x, self.g, self.G, None, keys) if (rank and self.w is not None) else None)

    # -- items --------------------------------------------------------------------------
    def codes(self, s, viewpoint: str) -> np.ndarray | None:
        """The survey's codes of a viewpoint, or ``None`` if not coded or their tally would be too large."""
        X = s.codes(viewpoint)
        return None if X is None or X.shape[1] * self.G * (self.K + 1) > MAX_BINS else X

    def pair_codes(self, s, comp) -> np.ndarray | None:
        """One byte per respondent and item, ``b·(K + 1) + l`` (``n × items``); ``None`` unless both
        viewpoints are coded and the tally fits in `MAX_BINS`."""
        B, L = s.codes(comp.benchmark), s.codes(comp.later)
        if B is None or L is None or B.shape[1] * self.G * (self.K + 1) ** 2 > MAX_BINS:
            return None
        return B * np.uint8(self.K + 1) + L

    def pair_items(self, pc: np.ndarray, rank: bool):
        """Item level of a paired comparison from pair codes ``pc`` (``n × items``).

        Returns ``(hist, hist_u, sums, incomplete)``: the histogram of ``later − benchmark``
        per item × segment, its unweighted twin for rank tests on weighted data, the
        benchmark sums ``(Σ w·B, Σ w)`` over complete pairs, and per item the number of
        pairs with one rating missing.
        """
        K, I, C = self.K, pc.shape[1], self.K + 1
        c, w, w2, _ = self.tally(pc.T, C * C)
        h, hu = self.hists(differences(c, K), np.arange(1 - K, K, dtype=np.float64),
                           None if w is None else differences(w, K), None if w2 is None else differences(w2, K), rank)
        b, l, valid = pair_tables(K)
        wc = c if w is None else w          # row sums by einsum: exact for counts, and no BLAS threads
        sums = np.stack([np.einsum("ij,j->i", wc, np.where(valid, b + self.lo - 1, 0).astype(wc.dtype)),
                         np.einsum("ij,j->i", wc, valid.astype(wc.dtype))]).astype(np.float64, copy=False)
        per_item = c.reshape(I, self.G, C * C).sum(axis=1)                         # (items, pair codes)
        incomplete = per_item @ ((b == 0) ^ (l == 0)).astype(per_item.dtype)
        return h, hu, sums, incomplete

    def single_items(self, X: np.ndarray, rank: bool):
        """Item level of one viewpoint from codes ``X`` (``n × items``): ``(hist, hist_u)`` of the ratings per item × segment."""
        c, w, w2, _ = self.tally(X.T, self.K + 1)
        cut = lambda a: None if a is None else a[:, 1:]  # noqa: E731  code 0 = missing
        return self.hists(cut(c), np.arange(self.lo, self.lo + self.K, dtype=np.float64), cut(w), cut(w2), rank)


@dataclass
class DimensionScores:
    """Dimension level of one block: the tables, every respondent's table rows ``idx``
    (``(dimensions, n)``), the histograms, respondents dropped per dimension and, for pairs,
    the benchmark sums."""

    tab: "ScoreTables"
    idx: np.ndarray
    hists: tuple
    dropped: np.ndarray
    sums: np.ndarray | None = None

    @property
    def scores(self) -> np.ndarray:
        """Respondent × dimension scores (NaN under the min-items rule)."""
        return np.take(self.tab.score, self.idx).T

    @property
    def bench(self) -> np.ndarray | None:
        """Respondent × dimension benchmark means over complete pairs (pairs only)."""
        return None if self.tab.bench is None else np.take(self.tab.bench, self.idx).T
