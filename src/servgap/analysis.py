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
sufficient statistics, `servgap.stats`), not a loop of scipy calls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats as st
from .errors import ConfigError, DataQualityWarning, MethodWarning, PairingError
from .kernel import Cell, Plan, blocked_partial, overall_scores, segment_codes  # noqa: F401 (overall_scores re-exported)
from .model import COMPARISONS
from .results import Labels
from .stats.multiplicity import METHODS
from .survey import SurveySet, as_surveys

TESTS = ("t", "wilcoxon")
CORE_COLUMNS = ["n", "mean_gap", "sd_gap", "se", "ci_low", "ci_high", "statistic", "df", "p", "p_adj",
                "effect", "test", "paired", "mean_expected", "mean_perceived", "benchmark", "later",
                "mean_benchmark", "mean_later", "n_eff"]


@dataclass
class Segmentation:
    """Segment codes shared by all surveys: ``table`` lists the segments (row = code)."""

    by: list[str]
    table: pd.DataFrame
    codes: dict[int, np.ndarray | None]   # id(survey) -> code per respondent (-1 = no segment); None: lazy
    lookup: pd.MultiIndex | None = None   # segment values -> code, for blocks coded later (Dask partitions)

    @property
    def G(self) -> int:
        return len(self.table)


def _segment_columns(s) -> list:
    return list(getattr(s, "segment_columns", None) or s.segments.columns)


def distinct_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of ``frame`` (first occurrences, in order) and, per row, the position of its own.

    Hash codes per column (``pd.factorize``, NaN a value of its own, codes in order of
    first appearance), combined column by column into one code per row; a row is a first
    occurrence where its code exceeds every earlier one. ``frame.iloc[first]`` is what
    ``drop_duplicates`` keeps, and ``distinct.iloc[code]`` gives ``frame`` back.
    """
    code = np.zeros(len(frame), np.intp)
    for i, (_, col) in enumerate(frame.items()):
        k, uniq = pd.factorize(col, use_na_sentinel=False)
        code = k if i == 0 else pd.factorize(code * len(uniq) + k)[0]
    if not len(frame):
        return frame, code
    seen = np.maximum.accumulate(code)
    first = np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))
    return frame.iloc[first], code


def segment(surveys: SurveySet, by: list[str]) -> Segmentation:
    """Code the ``by`` columns consistently across the surveys that have them.

    In-memory surveys are reduced to their distinct segment rows first (`distinct_rows`),
    so sorting and coding touch one row per segment. Lazy (Dask) surveys contribute their
    distinct segment values; their rows are coded partition by partition with ``lookup``.
    """
    if not by:
        return Segmentation([], pd.DataFrame(index=range(1)),
                            {id(s): None if hasattr(s, "dask_partial") else np.zeros(s.n, np.intp) for s in surveys})
    having = [s for s in surveys if all(c in _segment_columns(s) for c in by)]
    if not having:
        known = sorted({c for s in surveys for c in _segment_columns(s)})
        raise ConfigError(f"by={by!r}: no survey has {'these columns' if len(by) > 1 else 'this column'} as a "
                          f"segment; declare it with read_survey(segments=...). Known segments: {known or 'none'}.")
    distinct = [(s.unique_segments(by), None) if hasattr(s, "dask_partial") else distinct_rows(s.segments[by])
                for s in having]
    allseg = pd.concat([f for f, _ in distinct], ignore_index=True)
    complete = allseg.notna().all(axis=1).to_numpy()
    table = allseg[complete].drop_duplicates()
    try:
        table = table.sort_values(by, kind="stable")
    except TypeError:  # mixed types: sort by text
        table = table.iloc[np.lexsort([table[c].astype(str).to_numpy() for c in reversed(by)])]
    table = table.reset_index(drop=True)
    lookup = pd.MultiIndex.from_frame(table)
    codes = {id(s): None if row is None else segment_codes(f, by, lookup)[row] for s, (f, row) in zip(having, distinct)}
    return Segmentation(by, table, codes, lookup)


def _unit_index(inst, level: str, measures: int) -> dict:
    """The unit columns of a level: ``{name: object array with one value per unit}``."""
    if level == "item":
        cols = {"dimension": [inst.dimensions[k].id for k in inst.item_dimension], "item": inst.item_ids}
    elif level == "dimension":
        cols = {"dimension": inst.dimension_ids}
    else:
        cols = {"measure": ["unweighted", "importance_weighted"][:measures]}
    return {c: np.array(list(v), dtype=object) for c, v in cols.items()}


def _columns(comp, level, inst, seg: Segmentation, U, res, extra) -> dict:
    """The columns of one comparison at one level, unit-major (row ``u × G + segment``).

    Labels (gap, units, segments, text settings) stay `Labels` over their few values;
    `servgap.results` turns the columns of all cells into one table.
    """
    G = seg.G
    rows = np.repeat(np.arange(U), G)
    segs = np.tile(np.arange(G), U)
    one = np.zeros(U * G, np.intp)
    cols = {"gap": Labels(np.array([comp.gap if comp.gap is not None else comp.key], dtype=object), one)}
    cols.update({c: Labels(v, rows) for c, v in _unit_index(inst, level, U).items()})
    cols.update({c: Labels(seg.table[c].to_numpy(), segs) for c in seg.table.columns})
    for k, v in {**res, **extra}.items():
        cols[k] = Labels(np.array([v]), one) if isinstance(v, str) else np.broadcast_to(v, U * G)
    return cols


def _finish_cell(comp, level, inst, seg, later: Cell, bench: Cell | None, test, confidence, warn_rank):
    """Moments, tests and the columns of one comparison at one level from merged statistics."""
    paired = bench is None
    later, bench = later.sparse(), None if paired else bench.sparse()
    if paired:
        m = st.moments(later.hist)
        r = st.t_test(m, confidence)
        out = dict(n=m.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], statistic=r["statistic"], df=r["df"], p=r["p"], effect=r["effect"],
                   n_eff=m.n_eff)
        if test == "wilcoxon":
            if later.hist_u is not None:
                warn_rank()
            rk = st.wilcoxon(later.hist if later.hist_u is None else later.hist_u)
            out.update(statistic=rk["statistic"], df=np.full(len(m.n), np.nan), p=rk["p"], effect=rk["effect"])
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = later.sums[0] / later.sums[1]
        ml = mb + m.mean                 # the later viewpoint over the same pairs and weights
    else:
        ml_, mb_ = st.moments(later.hist), st.moments(bench.hist)
        r = st.welch_t(ml_, mb_, confidence)
        out = dict(n=ml_.n + mb_.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], statistic=r["statistic"], df=r["df"], p=r["p"], effect=r["effect"],
                   n_eff=ml_.n_eff + mb_.n_eff)
        if test == "wilcoxon":
            if later.hist_u is not None or bench.hist_u is not None:
                warn_rank()
            rk = st.mann_whitney(later.hist if later.hist_u is None else later.hist_u,
                                 bench.hist if bench.hist_u is None else bench.hist_u)
            out.update(statistic=rk["statistic"], df=np.full(len(out["n"]), np.nan), p=rk["p"], effect=rk["effect"])
        mb, ml = mb_.mean, ml_.mean
    out["mean_gap"] = np.where(out["n"] > 0, out["mean_gap"], np.nan)
    test_name = {("t", True): "t", ("t", False): "welch_t", ("wilcoxon", True): "wilcoxon",
                 ("wilcoxon", False): "mann_whitney"}[(test, paired)]
    extra = dict(test=test_name, paired=paired,
                 mean_expected=mb if comp.benchmark == "expected" else (ml if comp.later == "expected" else np.nan),
                 mean_perceived=ml if comp.later == "perceived" else np.nan,
                 benchmark=comp.benchmark, later=comp.later, mean_benchmark=mb, mean_later=ml)
    return _columns(comp, level, inst, seg, later.units, out, extra)


def survey_partial(s, seg: Segmentation, plan: Plan) -> dict:
    """Reduce one survey to merged partial statistics (in memory: row blocks; Dask: partitions)."""
    if hasattr(s, "dask_partial"):
        return s.dask_partial(seg, plan)
    return blocked_partial(s, seg.codes[id(s)], plan)

def analyze(survey, by=None, test: str = "t", correction: str = "holm", alpha: float = 0.05,
            confidence: float = 0.95, weighted: bool = True, min_items: float | None = None, gaps=None,
            wave: str | None = None):
    """Compute every measurable gap per item, dimension and segment, with tests.

    Parameters
    ----------
    survey : Survey, list of Survey, or SurveySet
        Customers (expected, perceived ...) and optionally managers/staff (management,
        specification, delivered, communicated), see `servgap.combine`.
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
        ``by`` and `GapAnalysis.waves` then reports the change between waves.

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
    missing_rows, jobs = [], []
    plans = {id(s): Plan(seg.G, [], [], weighted, test == "wilcoxon", by) for s in surveys if id(s) in seg.codes}
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
            absent = [c for c in by if c not in lacking[0].segments.columns]
            missing_rows.append(dict(gap=comp.gap, name=comp.label("en"), benchmark=comp.benchmark, later=comp.later,
                                     reason=f"survey {lacking[0].source!r} has no segment column "
                                     f"{', '.join(map(repr, absent))}, so this gap cannot be split by it"))
            continue
        mi_b = sb.min_items if min_items is None else min_items
        if comp.paired:
            if sb is not sl:
                raise PairingError(f"{comp.label('en')} pairs {comp.later!r} with {comp.benchmark!r} from the same "
                                   f"respondents, but they come from different surveys ({sl.source!r}, {sb.source!r}). "
                                   "Read them as one survey joined on the respondent id: "
                                   "read_survey([file1, file2], id=...).")
            plans[id(sb)].paired.append((comp, mi_b))
        else:
            mi_l = sl.min_items if min_items is None else min_items
            for s, vp, mi in ((sl, comp.later, mi_l), (sb, comp.benchmark, mi_b)):
                if vp not in [v for v, _ in plans[id(s)].single]:
                    plans[id(s)].single.append((vp, mi))
        jobs.append((comp, sb, sl))
    # map + merge: one partial per survey (row blocks in memory, partitions with Dask)
    partial = {id(s): survey_partial(s, seg, plans[id(s)]) for s in surveys if id(s) in plans}
    # finish: the quality ledger in reading order, then moments, tests and tables
    ledger: list = [dict(r) for s in surveys for r in s.ledger]
    for key in [("ledger", "read"), ("ledger", "segment")] + [("ledger", c.key) for c, _, _ in jobs]:
        for s in surveys:
            for (src, col, issue), c in partial.get(id(s), {}).get(key, {}).items():
                ledger.append(dict(source=src, column=col, issue=issue, count=int(c)))
    unsegmented = {r["source"]: r["count"] for r in ledger if r["issue"] == "missing_segment" and r["count"]}
    if unsegmented:
        warnings.warn("respondents without a value in the segment column(s) " + ", ".join(map(repr, by))
                      + " are left out of the split analysis: " + ", ".join(f"{n:,} in {src!r}"
                                                                            for src, n in unsegmented.items())
                      + " (counted as missing_segment in .quality).", DataQualityWarning, stacklevel=2)
    rank_warned = []

    def warn_rank():
        if not rank_warned:
            warnings.warn("rank tests (Wilcoxon, Mann-Whitney) ignore survey weights; means and confidence "
                          "intervals are still weighted.", MethodWarning, stacklevel=4)
            rank_warned.append(True)

    tables: dict = {}
    for comp, sb, sl in jobs:
        for level in ("item", "dimension", "overall"):
            if comp.paired:
                later, bench = partial[id(sb)][("paired", comp.key, level)], None
            else:
                later = partial[id(sl)][("single", comp.later, level)]
                bench = partial[id(sb)][("single", comp.benchmark, level)]
            tables.setdefault((comp.table, level), []).append(
                _finish_cell(comp, level, sb.instrument, seg, later, bench, test, confidence, warn_rank))
    return GapAnalysis._build(surveys=surveys, tables=tables, by=by, seg=seg, ledger=ledger,
                              missing=missing_rows, settings=dict(by=by, test=test, correction=correction,
                                                                  alpha=alpha, confidence=confidence,
                                                                  weighted=weighted, min_items=min_items,
                                                                  wave=wave))
