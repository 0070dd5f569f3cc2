"""``analyze()``: the five gaps per item, dimension and segment, with significance tests.

Definitions (see docs/methodology.md):

- respondent item gap ``later_i − benchmark_i`` (gap 5: ``P_i − E_i``);
- respondent dimension gap: mean of the available item gaps of the dimension, kept when
  ``available >= min_items × items`` (default 0.5);
- respondent overall gap: mean of the available dimension gaps (kept when at least half
  of the dimensions are available) and, with importance, ``Σ_d w_d gap_d`` with the
  allocation renormalised to sum to 1 over the available dimensions (weighted SERVQUAL
  score, Parasuraman, Zeithaml & Berry 1988);
- paired gaps (2-5) test the respondent differences (paired t / Wilcoxon signed-rank);
  gap 1 compares managers with customers (Welch t / Mann-Whitney U).

Every item × segment test comes from one grouped histogram per unit (mergeable
sufficient statistics, :mod:`servgap.stats`), not a loop of scipy calls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats as st
from .errors import ConfigError, DataQualityWarning, MethodWarning, PairingError
from .model import COMPARISONS, Comparison
from .stats.multiplicity import METHODS
from .survey import Survey, SurveySet, as_surveys, dimension_means

TESTS = ("t", "wilcoxon")
CORE_COLUMNS = ["n", "mean_gap", "sd_gap", "se", "ci_low", "ci_high", "statistic", "df", "p", "p_adj",
                "effect", "test", "paired", "mean_expected", "mean_perceived", "benchmark", "later",
                "mean_benchmark", "mean_later", "n_eff"]


@dataclass
class Segmentation:
    """Segment codes shared by all surveys: ``table`` lists the segments (row = code)."""

    by: list[str]
    table: pd.DataFrame
    codes: dict[int, np.ndarray]     # id(survey) -> code per respondent (-1 = no segment)

    @property
    def G(self) -> int:
        return len(self.table)


def segment(surveys: SurveySet, by: list[str]) -> Segmentation:
    """Code the ``by`` columns consistently across the surveys that have them."""
    if not by:
        return Segmentation([], pd.DataFrame(index=range(1)), {id(s): np.zeros(s.n, np.intp) for s in surveys})
    having = [s for s in surveys if all(c in s.segments.columns for c in by)]
    if not having:
        known = sorted({c for s in surveys for c in s.segments.columns})
        raise ConfigError(f"by={by!r}: no survey has {'these columns' if len(by) > 1 else 'this column'} as a "
                          f"segment; declare it with read_survey(segments=...). Known segments: {known or 'none'}.")
    frames = [s.segments[by] for s in having]
    allseg = pd.concat(frames, ignore_index=True)
    complete = allseg.notna().all(axis=1).to_numpy()
    table = allseg[complete].drop_duplicates()
    try:
        table = table.sort_values(by, kind="stable")
    except TypeError:  # mixed types: sort by text
        table = table.iloc[np.lexsort([table[c].astype(str).to_numpy() for c in reversed(by)])]
    table = table.reset_index(drop=True)
    lookup = pd.MultiIndex.from_frame(table)
    codes, start = {}, 0
    for s, f in zip(having, frames):
        c = lookup.get_indexer(pd.MultiIndex.from_frame(f))
        codes[id(s)] = np.asarray(c, np.intp)
        start += len(f)
    return Segmentation(by, table, codes)


def _unit_hist(M: np.ndarray, g: np.ndarray, G: int, w) -> st.GroupedHistogram:
    """One histogram over all units (columns of ``M``): group = unit × G + segment."""
    keep = g >= 0
    M, g = M[keep], g[keep]
    w = None if w is None else w[keep]
    parts = [st.histogram(M[:, j], g, G, w) for j in range(M.shape[1])]
    U = M.shape[1]
    return st.GroupedHistogram(U * G, np.concatenate([p.group + j * G for j, p in enumerate(parts)]),
                               np.concatenate([p.value for p in parts]), np.concatenate([p.count for p in parts]),
                               np.concatenate([p.w for p in parts]), np.concatenate([p.w2 for p in parts]))


def _unit_means(M: np.ndarray, g: np.ndarray, G: int, w) -> np.ndarray:
    """Weighted mean of every column of ``M`` per segment (NaN ignored), flattened unit-major."""
    keep = g >= 0
    M, g = M[keep], g[keep]
    w = np.ones(len(g)) if w is None else w[keep]
    out = np.empty((M.shape[1], G))
    for j in range(M.shape[1]):
        ok = ~np.isnan(M[:, j])
        with np.errstate(invalid="ignore", divide="ignore"):
            out[j] = (np.bincount(g[ok], weights=(w * M[:, j])[ok], minlength=G)
                      / np.bincount(g[ok], weights=w[ok], minlength=G))
    return out.ravel()


def overall_scores(dim_gaps: np.ndarray, importance: np.ndarray | None):
    """Per-respondent overall gap: unweighted mean of dimensions and importance-weighted sum.

    A respondent needs at least half of the dimensions; importance is renormalised over
    the available dimensions. Returns ``(unweighted, weighted_or_None, too_few_mask)``.
    """
    ok = ~np.isnan(dim_gaps)
    k = ok.sum(axis=1)
    enough = k >= dim_gaps.shape[1] / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        unweighted = np.where(enough, np.where(ok, dim_gaps, 0).sum(axis=1) / np.maximum(k, 1), np.nan)
        weighted = None
        if importance is not None:
            imp = np.where(ok, importance, 0.0)
            tot = imp.sum(axis=1)
            weighted = np.where(enough & (tot > 0), (imp * np.where(ok, dim_gaps, 0)).sum(axis=1) / tot, np.nan)
    return unweighted, weighted, ~enough


class _Levels:
    """Per-respondent values of one viewpoint comparison at item, dimension and overall level."""

    def __init__(self, units: dict, labels: dict):
        self.units, self.labels = units, labels


def _paired_levels(s: Survey, comp: Comparison, min_items: float, ledger: list, valid: np.ndarray):
    inst = s.instrument
    B, L = s.data[comp.benchmark], s.data[comp.later]
    D = L - B
    incomplete = np.isnan(D) & ~(np.isnan(B) & np.isnan(L))
    for j, iid in enumerate(inst.item_ids):
        ledger.append(dict(source=s.source, column=f"gap{comp.gap or comp.key}:{iid}", issue="incomplete_pair",
                           count=int((incomplete[:, j] & valid).sum())))
    Bm, Lm = np.where(np.isnan(D), np.nan, B), np.where(np.isnan(D), np.nan, L)
    nd = len(inst.dimensions)
    dg, _ = dimension_means(D, inst.item_dimension, nd, min_items)
    db, _ = dimension_means(Bm, inst.item_dimension, nd, min_items)
    dl, _ = dimension_means(Lm, inst.item_dimension, nd, min_items)
    for d, c in zip(inst.dimension_ids, (np.isnan(dg) & valid[:, None]).sum(axis=0)):
        ledger.append(dict(source=s.source, column=f"{_tag(comp)}:{d}", issue="too_few_items", count=int(c)))
    ou, ow, few = overall_scores(dg, s.importance)
    ob, _, _ = overall_scores(db, None)
    ol, _, _ = overall_scores(dl, None)
    ledger.append(dict(source=s.source, column=f"{_tag(comp)}:overall", issue="too_few_dimensions",
                       count=int((few & valid).sum())))
    levels = {"item": (D, Bm, Lm), "dimension": (dg, db, dl), "overall": (ou[:, None], ob[:, None], ol[:, None])}
    if ow is not None:
        no_imp = ~np.isnan(ou) & np.isnan(ow)
        ledger.append(dict(source=s.source, column=f"{_tag(comp)}:overall", issue="no_importance",
                           count=int((no_imp & valid).sum())))
        levels["overall"] = (np.column_stack([ou, ow]), np.column_stack([ob, ob * np.nan]),
                             np.column_stack([ol, ol * np.nan]))
    return levels


def _tag(comp: Comparison) -> str:
    return f"gap{comp.gap}" if comp.gap else comp.key


def _single_levels(s: Survey, vp: str, min_items: float):
    inst = s.instrument
    X = s.data[vp]
    dm, _ = dimension_means(X, inst.item_dimension, len(inst.dimensions), min_items)
    ou, _, _ = overall_scores(dm, None)
    return {"item": X, "dimension": dm, "overall": ou[:, None]}


def _unit_index(inst, level: str, measures: int) -> pd.DataFrame:
    if level == "item":
        return pd.DataFrame({"dimension": [inst.dimensions[k].id for k in inst.item_dimension],
                             "item": inst.item_ids})
    if level == "dimension":
        return pd.DataFrame({"dimension": inst.dimension_ids})
    return pd.DataFrame({"measure": ["unweighted", "importance_weighted"][:measures]})


def _frame(comp, level, inst, seg: Segmentation, U, res, extra) -> pd.DataFrame:
    G = seg.G
    idx = _unit_index(inst, level, U)
    df = idx.loc[np.repeat(np.arange(U), G)].reset_index(drop=True)
    segs = seg.table.loc[np.tile(np.arange(G), U)].reset_index(drop=True)
    df = pd.concat([df, segs], axis=1)
    df.insert(0, "gap", comp.gap if comp.gap is not None else comp.key)
    for k, v in {**res, **extra}.items():
        df[k] = v
    return df


def _compute(comp, level, inst, seg, later, bench, paired, test, weighted, confidence, warn_rank):
    """Tests of one comparison at one level, all units × segments at once."""
    G = seg.G
    if paired:
        (s, D, Bm, Lm, valid_g) = later
        w = s.weights if weighted else None
        g = valid_g
        h = _unit_hist(D, g, G, w)
        m = st.moments(h)
        r = st.t_test(m, confidence)
        out = dict(n=m.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], statistic=r["statistic"], df=r["df"], p=r["p"], effect=r["effect"],
                   n_eff=m.n_eff)
        if test == "wilcoxon":
            if w is not None:
                warn_rank()
            hw = _unit_hist(D, g, G, None) if w is not None else h
            rk = st.wilcoxon(hw)
            out.update(statistic=rk["statistic"], df=np.full(len(m.n), np.nan), p=rk["p"], effect=rk["effect"])
        mb, ml = _unit_means(Bm, g, G, w), _unit_means(Lm, g, G, w)
        U = D.shape[1]
    else:
        (sl, XL, gl), (sb, XB, gb) = later, bench
        wl = sl.weights if weighted else None
        wb = sb.weights if weighted else None
        hl, hb = _unit_hist(XL, gl, G, wl), _unit_hist(XB, gb, G, wb)
        ml_, mb_ = st.moments(hl), st.moments(hb)
        r = st.welch_t(ml_, mb_, confidence)
        out = dict(n=ml_.n + mb_.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], statistic=r["statistic"], df=r["df"], p=r["p"], effect=r["effect"],
                   n_eff=ml_.n_eff + mb_.n_eff)
        if test == "wilcoxon":
            if wl is not None or wb is not None:
                warn_rank()
            uh = lambda X, g, w, h: _unit_hist(X, g, G, None) if w is not None else h  # noqa: E731
            rk = st.mann_whitney(uh(XL, gl, wl, hl), uh(XB, gb, wb, hb))
            out.update(statistic=rk["statistic"], df=np.full(len(out["n"]), np.nan), p=rk["p"], effect=rk["effect"])
        mb, ml = mb_.mean, ml_.mean
        U = XL.shape[1]
    out["mean_gap"] = np.where(out["n"] > 0, out["mean_gap"], np.nan)
    test_name = {("t", True): "t", ("t", False): "welch_t", ("wilcoxon", True): "wilcoxon",
                 ("wilcoxon", False): "mann_whitney"}[(test, paired)]
    extra = dict(test=test_name, paired=paired,
                 mean_expected=mb if comp.benchmark == "expected" else (ml if comp.later == "expected" else np.nan),
                 mean_perceived=ml if comp.later == "perceived" else np.nan,
                 benchmark=comp.benchmark, later=comp.later, mean_benchmark=mb, mean_later=ml)
    return _frame(comp, level, inst, seg, U, out, extra)


def analyze(survey, by=None, test: str = "t", correction: str = "holm", alpha: float = 0.05,
            confidence: float = 0.95, weighted: bool = True, min_items: float | None = None, gaps=None,
            wave: str | None = None):
    """Compute every measurable gap per item, dimension and segment, with tests.

    Parameters
    ----------
    survey : Survey, list of Survey, or SurveySet
        Customers (expected, perceived ...) and optionally managers/staff (management,
        specification, delivered, communicated), see :func:`servgap.combine`.
    by : str or list of str, optional
        Segment columns to split by (each segment analysed separately).
    test : {"t", "wilcoxon"}
        ``"t"``: paired t (gaps 2-5) and Welch t (gap 1). ``"wilcoxon"``: Wilcoxon
        signed-rank (R ``exact=FALSE, correct=FALSE``) and Mann-Whitney U.
    correction : {"holm", "bonferroni", "fdr_bh", "none"}
        Multiplicity correction across the items (and, separately, the dimensions) of one
        gap within one segment.
    alpha : float
        Significance level used for flags in reprs, plots and cause ranking.
    confidence : float
        Confidence level of the t-based intervals ``ci_low``/``ci_high``.
    weighted : bool
        Use the survey weights (weighted mean/SD, Kish effective n) when declared.
    min_items : float, optional
        Share of a dimension's items needed for a respondent's dimension score
        (default: the survey's, 0.5).
    gaps : list of int, optional
        Restrict to these gaps (default: every gap the data can measure).
    wave : str, optional
        A segment column holding the survey wave (e.g. ``"quarter"``). It is added to
        ``by`` and :attr:`GapAnalysis.waves` then reports the change between waves.

    Returns
    -------
    GapAnalysis

    Examples
    --------
    >>> import servgap as sg
    >>> cust, mgr = sg.load_example()
    >>> res = sg.analyze(cust, by="branch")
    >>> res.dimensions[["gap", "dimension", "branch", "mean_gap", "p_adj"]].head()  # doctest: +SKIP
    """
    from .results import GapAnalysis

    surveys = as_surveys(survey)
    if test not in TESTS:
        raise ConfigError(f"test={test!r}; use \"t\" or \"wilcoxon\".")
    if correction not in METHODS:
        raise ConfigError(f"correction={correction!r}; use one of {', '.join(METHODS)}.")
    if not (0 < confidence < 1) or not (0 < alpha < 1):
        raise ConfigError("confidence and alpha must lie strictly between 0 and 1, e.g. 0.95 and 0.05.")
    if min_items is not None and not 0 < min_items <= 1:
        raise ConfigError(f"min_items={min_items!r} must be a share in (0, 1], e.g. 0.5.")
    by = [by] if isinstance(by, str) else list(by or [])
    if wave is not None and wave not in by:
        by.append(wave)
    vpmap = surveys.viewpoint_map()
    seg = segment(surveys, by)
    wanted = set(gaps) if gaps is not None else None
    ledger: list = [dict(r) for s in surveys for r in s.ledger]
    missing_rows, tables = [], {}
    rank_warned = []

    def warn_rank():
        if not rank_warned:
            warnings.warn("rank tests (Wilcoxon, Mann-Whitney) ignore survey weights; means and confidence "
                          "intervals are still weighted.", MethodWarning, stacklevel=4)
            rank_warned.append(True)

    for s in surveys:
        g = seg.codes.get(id(s))
        if g is not None and by:
            ledger.append(dict(source=s.source, column="+".join(by), issue="missing_segment",
                               count=int((g < 0).sum())))
    for comp in COMPARISONS:
        if wanted is not None and comp.gap not in wanted:
            continue
        need = [v for v in (comp.benchmark, comp.later) if v not in vpmap]
        if need:
            if comp.table == "gaps":
                missing_rows.append(dict(gap=comp.gap, name=comp.label("en"), benchmark=comp.benchmark,
                                         later=comp.later, reason=f"viewpoint {' and '.join(map(repr, need))} "
                                         "not in the data"))
            continue
        sb, sl = vpmap[comp.benchmark], vpmap[comp.later]
        lacking = [s for s in {id(sb): sb, id(sl): sl}.values() if id(s) not in seg.codes]
        if lacking:
            missing_rows.append(dict(gap=comp.gap, name=comp.label("en"), benchmark=comp.benchmark, later=comp.later,
                                     reason=f"survey {lacking[0].source!r} has no segment column "
                                     f"{', '.join(map(repr, by))}, so this gap cannot be split by it"))
            continue
        mi_b = sb.min_items if min_items is None else min_items
        if comp.paired:
            if sb is not sl:
                raise PairingError(f"{comp.label('en')} pairs {comp.later!r} with {comp.benchmark!r} from the same "
                                   f"respondents, but they come from different surveys ({sl.source!r}, {sb.source!r}). "
                                   "Read them as one survey joined on the respondent id: "
                                   "read_survey([file1, file2], id=...).")
            levels = _paired_levels(sb, comp, mi_b, ledger, seg.codes[id(sb)] >= 0)
            for level, (V, Bm, Lm) in levels.items():
                tables.setdefault((comp.table, level), []).append(_compute(
                    comp, level, sb.instrument, seg, (sb, V, Bm, Lm, seg.codes[id(sb)]), None, True,
                    test, weighted, confidence, warn_rank))
        else:
            mi_l = sl.min_items if min_items is None else min_items
            lv_l, lv_b = _single_levels(sl, comp.later, mi_l), _single_levels(sb, comp.benchmark, mi_b)
            for level in ("item", "dimension", "overall"):
                tables.setdefault((comp.table, level), []).append(_compute(
                    comp, level, sb.instrument, seg, (sl, lv_l[level], seg.codes[id(sl)]),
                    (sb, lv_b[level], seg.codes[id(sb)]), False, test, weighted, confidence, warn_rank))
    return GapAnalysis._build(surveys=surveys, tables=tables, by=by, seg=seg, ledger=ledger,
                              missing=missing_rows, settings=dict(by=by, test=test, correction=correction,
                                                                  alpha=alpha, confidence=confidence,
                                                                  weighted=weighted, min_items=min_items,
                                                                  wave=wave))
