"""Explainable ranking of root causes from the measured gaps.

Every cause of the catalog (`servgap.causes.catalog`) names the gap(s) it belongs to, the
SERVQUAL dimensions it hurts and the staff-survey constructs that reflect it. The
ranking collects, per cause, the measured evidence that points at it and turns it into
one score (formula in `rank_causes` and ``docs/causes.md``):

* ``S5`` -- the significant gap-5 shortfall (customers' perceived minus expected
  service) in the cause's dimensions;
* ``S_own`` -- the significant shortfall of the cause's own gap(s) 1-4 in its dimensions,
  where manager/staff data measured them;
* ``S_con`` -- how far staff rate the cause's constructs below the scale midpoint.

Causes are suggested only where a gap falls significantly short; a cause is
``"measured"`` only when its own gap or one of its constructs was measured and is
unfavourable, and ``"inferred"`` when only the downstream gap 5 points at it.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError, ServgapWarning
from . import wording as tx
from .catalog import load_causes, resolve_lang, validate_causes

__all__ = ["rank_causes", "cause_scores", "significance_weight", "CAUSE_COLUMNS", "WEIGHTS"]

#: Columns of `rank_causes` (after the ``by`` columns).
CAUSE_COLUMNS = ["rank", "cause", "name", "gap", "dimensions", "score", "basis", "evidence", "explanation",
                 "remedies", "sources"]
#: Weights of the three kinds of evidence in the score.
WEIGHTS = {"gap5": 1.0, "own_gap": 2.0, "constructs": 3.0}
#: ``-log10(p)`` at which the significance weight reaches 1 (p = 0.001).
SATURATION = 3.0


# --------------------------------------------------------------------------- the formula
def significance_weight(p, alpha: float = 0.05):
    """Weight of a test result: ``min(1, -log10(p) / 3)`` when ``p < alpha``, else 0.

    The weight grows as ``p`` falls and saturates at ``p <= 0.001``; a non-significant
    (or missing) ``p`` gives 0, so it contributes no evidence.

    Examples
    --------
    >>> from servgap.causes.ranking import significance_weight
    >>> float(significance_weight(0.01)), float(significance_weight(1e-6)), float(significance_weight(0.2))
    (0.6666666666666666, 1.0, 0.0)
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.minimum(1.0, -np.log10(p) / SATURATION)
    return np.where(np.isfinite(p) & (p < alpha), w, 0.0)


def _shortfall(mean: float, p: float, alpha: float) -> float:
    """``max(0, -mean) * w(p)``: size of a significant shortfall (0 for none or NaN)."""
    if not math.isfinite(mean) or mean >= 0:
        return 0.0
    return -mean * float(significance_weight(p, alpha))


# --------------------------------------------------------------------------- evidence of one segment
class _Evidence:
    """The measured gaps and constructs of one segment, ready for scoring."""

    def __init__(self, dimensions: pd.DataFrame, constructs: pd.DataFrame | None, alpha: float,
                 finer: pd.DataFrame | None = None, finer_by: list | None = None):
        self.alpha = alpha
        self.dims: dict[tuple[int, str], dict] = {}
        for r in dimensions[["gap", "dimension", "mean_gap", "ci_low", "ci_high", "p_adj"]].itertuples(index=False):
            mean, p = float(r.mean_gap), float(r.p_adj)
            if not (math.isfinite(mean) and math.isfinite(p)):
                continue
            self.dims[(int(r.gap), str(r.dimension))] = dict(
                mean=mean, lo=float(r.ci_low), hi=float(r.ci_high), p=p, s=_shortfall(mean, p, alpha), worst=None)
        if finer is not None and finer_by and len(finer):
            self._add_worst(finer, finer_by)
        self.measured_gaps = sorted({g for g, _ in self.dims})
        self.constructs: dict[str, dict] = {}
        self.constructs_pooled = False      # True: construct scores of all staff, not of this segment
        if constructs is not None and len(constructs):
            pcol = "p_adj" if "p_adj" in constructs.columns else "p"
            for r in constructs.itertuples(index=False):
                mean, mid, p = float(r.mean), float(r.midpoint), float(getattr(r, pcol))
                if not (math.isfinite(mean) and math.isfinite(mid)):
                    continue
                unfav = getattr(r, "unfavourable", None)
                unfav = (mean < mid and p < alpha) if unfav is None or pd.isna(unfav) else bool(unfav)
                c = max(0.0, mid - mean) * float(significance_weight(p, alpha)) if unfav else 0.0
                self.constructs[str(r.construct)] = dict(mean=mean, mid=mid, p=p, c=c)

    def _add_worst(self, finer: pd.DataFrame, finer_by: list) -> None:
        ok = finer[np.isfinite(finer["mean_gap"].to_numpy(float))]
        for (g, d), grp in ok.groupby(["gap", "dimension"], sort=False):
            key = (int(g), str(d))
            if key not in self.dims or len(grp) < 2:
                continue
            i = int(np.argmin(grp["mean_gap"].to_numpy(float)))
            row = grp.iloc[i]
            self.dims[key]["worst"] = ("/".join(map(str, finer_by)) + " " + tx.segment_label(
                [row[c] for c in finer_by], "en"), float(row["mean_gap"]))

    def measured(self, g: int, dims) -> bool:
        return any((g, d) in self.dims for d in dims)

    @property
    def any_shortfall(self) -> bool:
        return any(v["s"] > 0 for v in self.dims.values())


def _assess(entry: Mapping, ev: _Evidence, importance: Mapping[str, float]) -> dict:
    """Score one catalog entry on one segment's evidence (see `rank_causes`)."""
    dims = list(entry["dimensions"])
    k = len(dims)

    def mean_shortfall(g):
        return sum(importance.get(d, 1.0) * ev.dims[(g, d)]["s"] for d in dims if (g, d) in ev.dims) / k

    s5 = mean_shortfall(5)
    own = [int(g) for g in entry["gap"]]
    measured = [g for g in own if ev.measured(g, dims)]
    s_own = max((mean_shortfall(g) for g in measured), default=0.0)
    cons = list(entry["constructs"])
    s_con = sum(ev.constructs[c]["c"] for c in cons if c in ev.constructs) / len(cons) if cons else 0.0
    gate = s5 > 0 or s_own > 0
    score = WEIGHTS["gap5"] * s5 + WEIGHTS["own_gap"] * s_own + (WEIGHTS["constructs"] * s_con if gate else 0.0)
    short = {g: [d for d in dims if (g, d) in ev.dims and ev.dims[(g, d)]["s"] > 0] for g in measured}
    short = {g: d for g, d in short.items() if d}
    weak = [c for c in cons if c in ev.constructs and ev.constructs[c]["c"] > 0]
    unmeasured = [g for g in own if g not in measured]
    if short or (weak and gate):
        basis = "measured"
    elif s5 > 0 and unmeasured:
        basis = "inferred"
    else:
        basis = "not significant"
    return dict(score=score, s5=s5, s_own=s_own, s_con=s_con, basis=basis, short=short, weak=weak,
                unmeasured=unmeasured, clear=[g for g in measured if g not in short],
                g5_dims=[d for d in dims if (5, d) in ev.dims and ev.dims[(5, d)]["s"] > 0],
                unmeasured_cons=[c for c in cons if c not in ev.constructs])


# --------------------------------------------------------------------------- inputs
@functools.lru_cache(maxsize=1)
def _packaged_entries() -> tuple:
    """The packaged catalog, validated once per process (entries are only read, never changed)."""
    return tuple(load_causes())


def _catalog_entries(catalog) -> list[dict]:
    if catalog is None:
        entries = list(_packaged_entries())
    elif isinstance(catalog, (str, os.PathLike)):
        entries = load_causes(catalog)
    elif isinstance(catalog, Mapping):
        entries = validate_causes(catalog.get("causes", [catalog]), source="<catalog>")
    elif isinstance(catalog, (list, tuple)):
        entries = validate_causes(list(catalog), source="<catalog>")
    else:
        raise ConfigError(f"catalog must be a path to a cause-catalog YAML file or a list of cause entries "
                          f"(dicts with both languages, see servgap.causes.catalog), not {type(catalog).__name__}.")
    return [e for e in entries if e["kind"] == "cause"]


def _importance(res, use) -> dict[str, float]:
    """Multipliers ``m_d = K * mean share of dimension d`` of the stated importance (mean 1)."""
    if not use:
        return {}
    for s in res.surveys:
        if s.importance is None:
            continue
        imp = np.where(np.isnan(s.importance), 0.0, s.importance)
        tot = imp.sum(axis=1)
        ok = tot > 0
        if not ok.any():
            continue
        w = s.weights[ok] if (s.weights is not None and res.settings.weighted) else np.ones(ok.sum())
        share = (w[:, None] * imp[ok] / tot[ok, None]).sum(axis=0) / w.sum()
        ids = s.instrument.dimension_ids
        return {d: float(share[j] * len(ids)) for j, d in enumerate(ids)}
    raise ConfigError("importance=True needs stated importance: read the customer survey with "
                      "read_survey(..., importance='W_{dimension}') (a 100-point allocation), or use importance=False.")


def _constructs(res) -> pd.DataFrame | None:
    try:
        table = res.constructs
    except (ImportError, AttributeError):   # construct module not available: constructs unmeasured
        return None
    return table if table is not None and len(table) else None


def _analysis_for(res, by: list[str]):
    """The analysis whose segments are ``by`` (re-run pooled when ``by`` is coarser than ``res.by``)."""
    if set(by) == set(res.by):
        return res, None
    if not set(by) <= set(res.by):
        raise ConfigError(
            f"causes(by={by!r}): the analysis was run with by={res.by or None!r}, so it has no rows per "
            f"{', '.join(c for c in by if c not in res.by)!r}. Re-run sg.analyze(..., by={by!r}) and call "
            f"causes(by={by!r}) on that result.")
    gaps = sorted(set(res.measured_gaps) | {int(g) for g in res.missing_gaps["gap"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ServgapWarning)   # already reported by the original analysis
        pooled = res.reanalyze(by=by or None, gaps=gaps)
    return pooled, list(res.by)


def _groups(table: pd.DataFrame | None, by: list[str]) -> dict:
    if table is None:
        return {}
    if not by:
        return {(): table}
    if not all(c in table.columns for c in by) or table[by].isna().all(axis=None):
        return {None: table}        # not split by these columns: the same rows for every segment
    return {(k if isinstance(k, tuple) else (k,)): g for k, g in table.groupby(by, sort=False)}


def _concat(frames: list, by_cols: list) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*by_cols, *CAUSE_COLUMNS]}).astype(
            {"rank": "int64", "score": "float64"})
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"rank": "int64", "score": "float64"})


# --------------------------------------------------------------------------- public API
def cause_scores(dimensions: pd.DataFrame, constructs: pd.DataFrame | None = None, alpha: float = 0.05,
                 catalog=None, importance: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Score every catalog cause on one segment's gap and construct tables (no text).

    The low-level scorer behind `rank_causes`; the formula is documented there.

    Parameters
    ----------
    dimensions : DataFrame
        Rows of one segment with columns ``gap``, ``dimension``, ``mean_gap``, ``ci_low``,
        ``ci_high``, ``p_adj`` (as in ``GapAnalysis.dimensions``).
    constructs : DataFrame, optional
        Rows of ``GapAnalysis.constructs`` (``construct``, ``mean``, ``midpoint``, ``p``,
        ``unfavourable``) for the same segment.
    alpha : float
        Significance level.
    catalog : path or list of entries, optional
        Cause catalog (default: the packaged one).
    importance : mapping, optional
        Multiplier per dimension (default 1).

    Returns
    -------
    DataFrame
        ``cause, score, s5, s_own, s_con, basis`` in catalog order.

    Examples
    --------
    >>> import pandas as pd
    >>> from servgap.causes.ranking import cause_scores
    >>> dims = pd.DataFrame({"gap": [5], "dimension": ["responsiveness"], "mean_gap": [-1.0],
    ...                      "ci_low": [-1.2], "ci_high": [-0.8], "p_adj": [1e-6]})
    >>> row = cause_scores(dims).set_index("cause").loc["B-long-queues"]
    >>> float(row["score"]), row["basis"]
    (1.0, 'inferred')
    """
    ev = _Evidence(dimensions, constructs, alpha)
    rows = []
    for e in _catalog_entries(catalog):
        a = _assess(e, ev, importance or {})
        rows.append(dict(cause=e["id"], score=a["score"], s5=a["s5"], s_own=a["s_own"], s_con=a["s_con"],
                         basis=a["basis"]))
    return pd.DataFrame(rows, columns=["cause", "score", "s5", "s_own", "s_con", "basis"])


def rank_causes(res, top: int | None = 10, lang: str = "en", by=None, catalog=None, importance: bool = False,
                include_not_significant: bool = False) -> pd.DataFrame:
    """Ranked, explained root-cause suggestions from an analysis (``res.causes()``).

    For every cause of the catalog with dimensions ``D``, own gaps ``G`` and
    constructs ``K``, in every segment::

        s_g(d) = max(0, -mean_gap[g, d]) * w(p_adj[g, d])
        w(p)   = min(1, -log10(p) / 3)  if p < alpha, else 0
        S5     = (1/|D|) * sum over d in D of m_d * s_5(d)
        S_own  = max over measured g in G of (1/|D|) * sum over d in D of m_d * s_g(d)
        S_con  = (1/|K|) * sum over k in K of [unfavourable_k] * max(0, midpoint_k - mean_k) * w(p_k)
        score  = 1 * S5 + 2 * S_own + 3 * S_con * [S5 + S_own > 0]

    ``mean_gap`` and ``p_adj`` come from ``res.dimensions``, the construct means and
    their one-sample tests against the scale midpoint from ``res.constructs``;
    ``m_d = 1``, or with ``importance=True`` the number of dimensions times the mean share
    of the customers' 100-point importance allocation given to ``d``. Averaging over
    ``D`` and ``K`` rewards causes whose whole footprint falls short. The score is monotone: a larger or
    more significant shortfall never lowers it. Ties are broken by cause id.

    ``basis`` is ``"measured"`` when an own gap of the cause shows a significant shortfall
    in its dimensions, or one of its constructs is unfavourable while its dimensions fall
    short; ``"inferred"`` when only gap 5 points at it and (some of) its own gaps were
    not measured -- the explanation then names the survey that would confirm it;
    otherwise ``"not significant"`` (not returned unless ``include_not_significant``).

    Parameters
    ----------
    res : GapAnalysis
    top : int or None, default 10
        Causes per segment (``None`` = all).
    lang : {"en", "zh"}
        Language of ``name``, ``evidence``, ``explanation`` and ``remedies``.
    by : str or list of str, optional
        Rank per segment. Must be (a subset of) the ``by`` of the analysis; without it the
        analysis is pooled over its segments and the worst segment is quoted.
    catalog : path or list of entries, optional
        Cause catalog (default: the packaged one).
    importance : bool, default False
        Weight dimensions by the customers' stated importance.
    include_not_significant : bool, default False
        Also return causes with ``basis == "not significant"`` (after the others).

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``rank, cause, name, gap, dimensions, score, basis,
        evidence, explanation, remedies, sources``. ``attrs["note"]`` says when nothing
        is significant (the frame is then empty) and which gaps were not measured.

    References
    ----------
    Zeithaml, Berry & Parasuraman (1988), Communication and control processes in the
    delivery of service quality, *Journal of Marketing* 52(2); seed document
    ``004_832ca6964e0dc0b9.txt`` section VI.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> from servgap.surveys.examples import load_example_constructs
    >>> res = sg.analyze([cust, staff, load_example_constructs()])
    >>> top = res.causes(top=2)
    >>> top["cause"].tolist(), top["basis"].tolist()
    (['B-weak-it', 'B-long-queues'], ['measured', 'measured'])
    """
    lang = resolve_lang(lang)
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ConfigError(f"top={top!r}: give a positive whole number of causes per segment, or None for all.")
    by_cols = [by] if isinstance(by, str) else list(by or [])
    entries = _catalog_entries(catalog)
    imp = _importance(res, importance)
    src, finer_by = _analysis_for(res, by_cols)
    by_cols = [c for c in src.by if c in by_cols] if by_cols else []
    alpha = float(res.settings.alpha)
    dim_groups = _groups(src.dimensions, by_cols)
    con_groups = _groups(_constructs(src), by_cols)
    finer_groups = _groups(res.dimensions, by_cols) if finer_by else {}
    labels = tx.labels(res.surveys, lang)
    frames, empty_segs, any_short, unmeasured = [], [], False, set()
    for key, dims in dim_groups.items():
        cons_rows, all_staff = con_groups.get(key), False
        if cons_rows is None and None in con_groups:     # constructs not split by `by`: bank-wide scores
            cons_rows, all_staff = con_groups[None], bool(by_cols)
        ev = _Evidence(dims, cons_rows, alpha, finer_groups.get(key), finer_by)
        ev.constructs_pooled = all_staff
        any_short |= ev.any_shortfall
        unmeasured |= {g for g in range(1, 5) if g not in ev.measured_gaps}
        rows = []
        for e in entries:
            a = _assess(e, ev, imp)
            if a["basis"] == "not significant" and not include_not_significant:
                continue
            rows.append(tx.cause_row(e, a, ev, lang, labels))
        if not any(r["basis"] != "not significant" for r in rows):
            empty_segs.append(tx.segment_label(key, lang))
        rows.sort(key=lambda r: (r["basis"] == "not significant", -round(r["score"], 10), r["cause"]))
        rows = rows[:top] if top is not None else rows
        for i, r in enumerate(rows, 1):
            r["rank"] = i
        df = pd.DataFrame(rows, columns=CAUSE_COLUMNS)
        for c, v in reversed(list(zip(by_cols, key))):
            df.insert(0, c, v)
        frames.append(df)
    out = _concat(frames, by_cols)
    out.attrs["lang"] = lang
    note = tx.note(out.empty, lang, alpha, any_short, empty_segs if by_cols else [], unmeasured)
    if note:
        out.attrs["note"] = note
    return out
