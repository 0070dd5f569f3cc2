"""Partial statistics of one block of respondents: the map step of `servgap.analyze`.

``analyze()`` is *partial → merge → finish*:

1. `block_partial` turns one block of rows (a whole in-memory `Survey`, or
   one partition of a Dask survey) into mergeable statistics. Everything respondent-level
   is row-local (item gaps, dimension gaps under the min-items rule, overall scores), so a
   block reduces on its own to, per comparison × level:

   - a grouped histogram of the unit values, group = ``unit × G + segment``
     (`servgap.stats.histogram`; weighted when survey weights are used, plus an
     unweighted one for the rank tests),
   - for paired gaps, the grouped weighted sums ``Σ w·benchmark`` and ``Σ w`` behind
     ``mean_benchmark`` (``mean_later = mean_benchmark + mean_gap`` over the same pairs),
   - the data-quality counts (``incomplete_pair``, ``too_few_items`` ...).

2. `merge_partials` adds partials of disjoint blocks (histograms merge by
   re-aggregation, sums and counts by addition); it is associative, so Dask can reduce
   in a tree.

3. `servgap.engine.tables.finish_cell` turns the merged statistics into moments, tests and
   table columns.

The in-memory path is the one-block case, so both paths share every formula.

A comparison whose viewpoints are integer-coded (`servgap.Survey.codes`) is reduced by
`servgap.engine.coded.Block` (bincounts of one-byte codes, exact integer scores, dense tables
that merge by addition); other data by the float functions of this module
(`paired_levels`, `single_levels`, `unit_hist`). Both produce the same `Cell`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import stats as st
from ..model.gaps import Comparison
from ..model.scoring import dimension_means, integer_allocation, overall_fraction, overall_scores
from ..surveys import ledger as lg
from ..surveys.survey import BLOCK_ROWS, scale_of
from .coded import Block


@dataclass
class Plan:
    """What to reduce from the blocks of one survey.

    ``paired``: comparisons whose both viewpoints come from this survey (gaps 2-5, zone
    of tolerance); ``single``: viewpoints compared with another survey (gap 1).
    """

    G: int
    paired: list            # [(Comparison, min_items)]
    single: list            # [(viewpoint, min_items)]
    weighted: bool
    rank: bool              # rank tests requested: keep an unweighted histogram as well
    by: list                # segment columns (count respondents without a segment)
    design: object = None   # variance="design": the survey's `servgap.engine.design.Design`


@dataclass
class Cell:
    """Mergeable statistics of one comparison (or viewpoint) at one level."""

    hist: st.GroupedHistogram | st.DenseHistogram           # weighted when weights are used
    hist_u: st.GroupedHistogram | st.DenseHistogram | None  # unweighted, for rank tests on weighted data
    sums: np.ndarray | None                 # (2, units × G): Σw·B, Σw over non-missing B; paired only
    units: int
    design: object = None                   # variance="design": `servgap.engine.design.DesignPartial`

    def finishing(self) -> "Cell":
        """The same statistics with the histograms in the form the finishing code reads fastest
        (`servgap.stats.finishing_form`: narrow dense tables as they are, others sparse)."""
        return Cell(st.finishing_form(self.hist), None if self.hist_u is None else st.finishing_form(self.hist_u),
                    self.sums, self.units, self.design)


def unit_groups(g: np.ndarray, U: int, G: int) -> np.ndarray:
    """Group of every cell of an ``n × U`` unit matrix: ``unit × G + segment`` (row-major)."""
    return g[:, None] + np.arange(U, dtype=np.intp) * G


def unit_hist(M: np.ndarray, gg: np.ndarray, G: int, w) -> st.GroupedHistogram:
    """One histogram over all units (columns of ``M``); ``gg`` from `unit_groups`."""
    U = M.shape[1]
    if not M.size:
        e = np.zeros(0)
        return st.GroupedHistogram(U * G, np.zeros(0, np.intp), e, np.zeros(0, np.int64), e, e)
    ww = None if w is None else np.broadcast_to(w[:, None], M.shape).ravel()
    return st.histogram(M.ravel(), gg.ravel(), U * G, ww)


def unit_sums(M: np.ndarray, gg: np.ndarray, G: int, w) -> np.ndarray:
    """``(Σ w·x, Σ w)`` over the non-missing values of every column per segment, unit-major.

    Missing cells add an exact 0, so each bin sums its rows in row order.
    """
    U = M.shape[1]
    nan = np.isnan(M)
    wx = np.where(nan, 0.0, M if w is None else M * w[:, None])
    wv = ~nan if w is None else np.where(nan, 0.0, w[:, None])
    key = gg.ravel()
    return np.stack([np.bincount(key, weights=wx.ravel(), minlength=U * G),
                     np.bincount(key, weights=wv.ravel().astype(np.float64, copy=False), minlength=U * G)])


def paired_levels(s, comp: Comparison, min_items: float, ledger: dict, with_later: bool = True) -> dict:
    """Per-respondent ``(gap, benchmark, later)`` matrices at item, dimension and overall level.

    Benchmark and later ratings are kept where the gap is defined. ``with_later=False``
    returns ``(gap, benchmark)`` pairs: the map step of `servgap.analyze` gets the
    later viewpoint's mean as ``mean_benchmark + mean_gap`` (same respondents and weights).
    """
    inst = s.instrument
    B, L = s.data[comp.benchmark], s.data[comp.later]
    D = L - B
    nan_d = np.isnan(D)
    incomplete = nan_d & ~(np.isnan(B) & np.isnan(L))
    _count_items(ledger, s, comp, np.count_nonzero(incomplete, axis=0))
    Bm = np.where(nan_d, np.nan, B)
    nd = len(inst.dimensions)
    dg, k = dimension_means(D, inst.item_dimension, nd, min_items)
    db, _ = dimension_means(Bm, inst.item_dimension, nd, min_items)
    count_dimensions(ledger, s, comp, np.count_nonzero(np.isnan(dg), axis=0))
    levels = {"item": (D, Bm), "dimension": (dg, db), "overall": overall_levels(s, comp, dg, db, ledger, k)}
    if with_later:
        Lm = np.where(nan_d, np.nan, L)
        dl, _ = dimension_means(Lm, inst.item_dimension, nd, min_items)
        ol, _, _ = overall_scores(dl, None, k)
        ol = ol[:, None] if levels["overall"][0].shape[1] == 1 else np.column_stack([ol, ol * np.nan])
        levels = {k: (*v, x) for (k, v), x in zip(levels.items(), (Lm, dl, ol))}
    return levels


def _count_items(ledger: dict, s, comp: Comparison, incomplete):
    for iid, c in zip(s.instrument.item_ids, incomplete):
        lg.count(ledger, s.source, f"{comp.tag}:{iid}", "incomplete_pair", c)


def count_dimensions(ledger: dict, s, comp: Comparison, dropped):
    """Ledger: respondents per dimension without a score under the min-items rule."""
    for d, c in zip(s.instrument.dimension_ids, dropped):
        lg.count(ledger, s.source, f"{comp.tag}:{d}", "too_few_items", c)


def overall_levels(s, comp: Comparison, dg: np.ndarray, db: np.ndarray, ledger: dict, counts=None):
    """``(gap, benchmark)`` overall scores from the dimension scores, counting what the rules drop.

    ``counts`` (items behind each dimension score) makes the scores of integer ratings
    exact fractions (`servgap.model.scoring.overall_scores`).
    """
    ou, ow, few = overall_scores(dg, s.importance, counts)
    ob, _, _ = overall_scores(db, None, counts)
    lg.count(ledger, s.source, f"{comp.tag}:overall", "too_few_dimensions", np.count_nonzero(few))
    if ow is None:
        return ou[:, None], ob[:, None]
    no_imp = ~np.isnan(ou) & np.isnan(ow)
    lg.count(ledger, s.source, f"{comp.tag}:overall", "no_importance", np.count_nonzero(no_imp))
    return np.column_stack([ou, ow]), np.column_stack([ob, ob * np.nan])


def single_levels(s, vp: str, min_items: float, fractions: bool = False) -> dict:
    """Per-respondent values of one viewpoint at item, dimension and overall level (with
    ``fractions``, also ``"overall_fraction"``: the overall scores as exact `overall_fraction`)."""
    inst = s.instrument
    X = s.data[vp]
    dm, k = dimension_means(X, inst.item_dimension, len(inst.dimensions), min_items)
    ou, _, _ = overall_scores(dm, None, k)
    out = {"item": X, "dimension": dm, "overall": ou[:, None]}
    if fractions:
        out["overall_fraction"] = overall_fraction(dm, k)
    return out


def _cell(V, gg, G, w, rank, sums=None) -> Cell:
    h = unit_hist(V, gg, G, w)
    hu = unit_hist(V, gg, G, None) if (rank and w is not None) else None
    return Cell(h, hu, sums, V.shape[1])


def block_partial(s, g: np.ndarray, plan: Plan, read_ledger: list | None = None) -> dict:
    """Partial statistics of one block of respondents of survey ``s``.

    ``g`` holds the segment code of every row (``-1``: not in any segment). Returns a dict
    with ledgers ``("ledger", "read" | "segment" | comparison key)`` (each
    ``{(source, column, issue): count}``) and one `Cell` per ``("paired", comparison key, level)`` and
    ``("single", viewpoint, level)``.
    """
    out: dict = {("ledger", "read"): lg.tally(read_ledger or []), ("ledger", "segment"): {}}
    valid = g >= 0
    if plan.by:
        lg.count(out[("ledger", "segment")], s.source, "+".join(plan.by), "missing_segment", (~valid).sum())
    if not valid.all():                  # only respondents in a segment take part
        s, g = s.take(valid), g[valid]
    G, groups = plan.G, {}
    w = s.weights if plan.weighted else None
    blk = coded_block(s, g, G, w, plan)
    alloc = None if blk is None or s.importance is None else integer_allocation(s.importance)   # once per block

    def gg(V):                           # unit × segment groups, shared by levels of equal width
        if V.shape[1] not in groups:
            groups[V.shape[1]] = unit_groups(g, V.shape[1], G)
        return groups[V.shape[1]]

    for comp, mi in plan.paired:
        ledger = out[("ledger", comp.key)] = {}
        pc = blk.pair_codes(s, comp) if blk else None
        dims = None if pc is None else blk.dims("pair", pc, mi, plan.rank)
        if dims is not None:                          # integer ratings: bincounts, no per-value sort
            h, hu, sums, incomplete = blk.pair_items(pc, plan.rank)
            _count_items(ledger, s, comp, incomplete)
            out[("paired", comp.key, "item")] = Cell(h, hu, sums, pc.shape[1])
            out[("paired", comp.key, "dimension")] = Cell(*dims.hists, dims.sums, blk.nd)
            count_dimensions(ledger, s, comp, dims.dropped)
            ov = coded_overall(blk, s, comp, dims, plan.rank, ledger, alloc)
            if ov is not None:
                out[("paired", comp.key, "overall")] = ov
            levels = {} if ov is not None else {"overall": overall_levels(s, comp, dims.scores, dims.bench, ledger)}
        else:
            levels = paired_levels(s, comp, mi, ledger, False)
        for level, (V, Bm) in levels.items():
            k = gg(V)
            out[("paired", comp.key, level)] = _cell(V, k, G, w, plan.rank, unit_sums(Bm, k, G, w))
    for vp, mi in plan.single:
        X = blk.codes(s, vp) if blk else None
        dims = None if X is None else blk.dims("single", X, mi, plan.rank)
        if dims is not None:
            out[("single", vp, "item")] = Cell(*blk.single_items(X, plan.rank), None, X.shape[1])
            out[("single", vp, "dimension")] = Cell(*dims.hists, None, blk.nd)
            ov = blk.overall(dims, plan.rank)
            if ov is not None:
                out[("single", vp, "overall")] = Cell(*ov[:2], None, 1)
            levels = {} if ov is not None else {"overall": overall_scores(dims.scores, None)[0][:, None]}
        else:
            levels = single_levels(s, vp, mi)
        for level, X in levels.items():
            out[("single", vp, level)] = _cell(X, gg(X), G, w, plan.rank)
    if plan.design is not None:          # variance="design": per-PSU sums beside every cell
        plan.design.attach(out, s, g, plan)
    return out


def coded_overall(blk: Block, s, comp: Comparison, dims, rank: bool, ledger: dict, alloc=None) -> Cell | None:
    """The overall `Cell` of a paired comparison on the one-byte path, ``None`` when the keys do not fit.

    The unweighted score keys its histogram by exact integers (`Block.overall`); with an
    importance allocation the weighted score is a second unit, an exact fraction of
    integers (`Block.weighted_overall`), so equal scores tie on every overall row.
    """
    ov = blk.overall(dims, rank)
    if ov is None:
        return None
    lg.count(ledger, s.source, f"{comp.tag}:overall", "too_few_dimensions", ov[3])
    if s.importance is None:
        return Cell(*ov[:3], 1)
    hw, hw_u, no_imp = blk.weighted_overall(dims, s.importance, alloc, rank)
    lg.count(ledger, s.source, f"{comp.tag}:overall", "no_importance", no_imp)
    both = lambda a, b: None if a is None else st.stack([a, b])  # noqa: E731
    return Cell(both(ov[0], hw), both(ov[1], hw_u), np.concatenate([ov[2], np.zeros_like(ov[2])], axis=1), 2)


def coded_block(s, g, G: int, w, plan: Plan):
    """The `servgap.engine.coded.Block` of these rows when the instrument's scale can be coded, else ``None``."""
    return Block(g, G, w, s.instrument) if scale_of(s.instrument) is not None else None


def blocked_partial(s, g: np.ndarray, plan: Plan, read_ledger: list | None = None) -> dict:
    """`block_partial` over blocks of `BLOCK_ROWS` rows, merged."""
    if s.n <= BLOCK_ROWS:
        return block_partial(s, g, plan, read_ledger)
    return tree_merge(block_partial(s.take(slice(a, a + BLOCK_ROWS)), g[a:a + BLOCK_ROWS], plan,
                                    read_ledger if a == 0 else None) for a in range(0, s.n, BLOCK_ROWS))


def _merge_cells(a: Cell, b: Cell) -> Cell:
    return Cell(st.merge(a.hist, b.hist), None if a.hist_u is None else st.merge(a.hist_u, b.hist_u),
                None if a.sums is None else a.sums + b.sums, a.units,
                None if a.design is None else a.design.merge(b.design))


def merge_partials(a: dict, b: dict) -> dict:
    """Merge two partials of disjoint blocks (associative and commutative up to rounding)."""
    out = {}
    for k in list(a) + [k for k in b if k not in a]:
        if k not in b:
            out[k] = a[k]
        elif k not in a:
            out[k] = b[k]
        elif isinstance(a[k], dict):          # ledger counts: add, keep first-seen order
            out[k] = lg.merge(a[k], b[k])
        else:
            out[k] = _merge_cells(a[k], b[k])
    return out


def tree_merge(parts) -> dict:
    """Merge partials pairwise (the same tree Dask reduces): level by level, neighbours first.

    ``parts`` may be a generator: the merge consumes it as a binary counter (two partials of
    the same level merge as soon as both exist), so at most one partial per level is alive
    — about log₂(blocks) tables instead of one per block — and the pairs are those of
    merging the whole list level by level, the last odd one carried up.
    """
    stack: list = []                     # (level, partial), levels strictly decreasing
    for p in parts:
        if p is None:
            continue
        level = 0
        while stack and stack[-1][0] == level:
            p = merge_partials(stack.pop()[1], p)
            level += 1
        stack.append((level, p))
    if not stack:
        return {}
    out = stack.pop()[1]
    while stack:                         # the carried-up partials, right to left
        out = merge_partials(stack.pop()[1], out)
    return out
