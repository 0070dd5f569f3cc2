"""Extended gap-model constructs: staff-survey scores and their link to the measured gaps.

A staff survey rated on `servgap.GAP_CONSTRUCTS` (instrument id ``gap_constructs``,
one viewpoint, usually ``"rating"``) measures the organisational antecedents of gaps 1-4
(Zeithaml, Berry & Parasuraman 1988). Analyse it together with the gap surveys::

    con = sg.read_survey("staff.csv", instrument=sg.GAP_CONSTRUCTS, columns={"rating": "{item}"},
                         id="staff_id", segments=["branch"])
    res = sg.analyze([cust, staff, con], by="branch")
    res.constructs                # construct_table(res)
    res.construct_correlations    # construct_correlations(res)

Scores are oriented so that HIGH = FAVOURABLE: items of negative constructs (role
conflict, over-promising, levels of management ...) are reverse-scored ``min + max − x``
when the survey is read.

Reference: Zeithaml, V. A., Berry, L. L. & Parasuraman, A. (1988). Communication and
control processes in the delivery of service quality. *Journal of Marketing*, 52(2), 35-48.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import stats as st
from ..engine.segments import segment
from ..errors import DataQualityWarning, MethodWarning
from ..model.scoring import dimension_means

CONSTRUCT_INSTRUMENT = "gap_constructs"
CONSTRUCT_COLUMNS = ["construct", "gap", "n", "mean", "sd", "se", "ci_low", "ci_high", "midpoint",
                     "unfavourable", "p"]
CORRELATION_COLUMNS = ["construct", "gap", "n_segments", "r", "p"]
MIN_SEGMENTS = 5
"""Fewest segments (e.g. branches) for which a correlation is reported."""


def construct_survey(res):
    """The survey of ``res`` rated on the construct instrument, or ``None``."""
    return next((s for s in res.surveys if s.instrument.id == CONSTRUCT_INSTRUMENT), None)


def _with_by(cols: list[str], by: list[str]) -> list[str]:
    return [*cols[:2], *by, *cols[2:]]


def _empty(cols: list[str], by: list[str]) -> pd.DataFrame:
    ints = {"gap", "n", "n_segments"}
    text = {"construct", *by}
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ints else bool if c == "unfavourable"
                                      else object if c in text else float) for c in cols})


def _segments(res, s):
    """Segment table and respondent codes of the construct survey for ``res.by``.

    Returns ``(table, codes, note)``; when the survey lacks a ``by`` column the staff are
    pooled in one row with empty ``by`` columns and ``note`` says so.
    """
    by = list(res.by)
    seg = segment(res.surveys, by)
    codes = seg.codes.get(id(s))
    if codes is not None:
        return seg.table, codes, None
    table = pd.DataFrame({c: [np.nan] for c in by}, dtype=object)
    note = (f"the construct survey {s.source!r} has no segment column "
            f"{', '.join(repr(c) for c in by if c not in s.segments.columns)}; construct scores are "
            "reported for all its respondents together, with empty segment columns.")
    return table, np.zeros(s.n, np.intp), note


def _compute(res):
    """The construct table and the warnings it calls for."""
    by = list(res.by)
    cols = _with_by(CONSTRUCT_COLUMNS, by)
    s = construct_survey(res)
    if s is None:
        return _empty(cols, by), []
    inst = s.instrument
    vp = "rating" if "rating" in s.data else s.viewpoints[0]
    min_items = res.settings.min_items_for(s)
    scores, _ = dimension_means(s.data[vp], inst.item_dimension, len(inst.dimensions), min_items)
    table, codes, note = _segments(res, s)
    notes = [note] if note else []
    G, U = len(table), scores.shape[1]
    keep = codes >= 0
    w = s.weights if (res.settings.weighted and s.weights is not None) else None
    mid = (inst.scale_min + inst.scale_max) / 2
    # one histogram over constructs × segments: group = construct × G + segment
    vals = (scores[keep] - mid).T.ravel()
    groups = (np.arange(U)[:, None] * G + codes[keep][None, :]).ravel()
    h = st.histogram(vals, groups, U * G, None if w is None else np.tile(w[keep], U))
    m = st.moments(h)
    r = st.t_test(m, res.settings.confidence)
    df = pd.concat([pd.DataFrame({"construct": np.repeat(inst.dimension_ids, G),
                                  "gap": np.repeat([int(d.extra.get("gap", 0)) for d in inst.dimensions], G)}),
                    table.loc[np.tile(np.arange(G), U)].reset_index(drop=True)], axis=1)
    mean = m.mean + mid
    df["n"] = m.n.astype("int64")
    df["mean"] = mean
    df["sd"], df["se"] = r["sd"], r["se"]
    df["ci_low"], df["ci_high"] = r["ci_low"] + mid, r["ci_high"] + mid
    df["midpoint"] = float(mid)
    # every answer equal (no variation): the t test is undefined (NaN CI and p), but all the
    # answers lie below the midpoint when their mean does
    with np.errstate(invalid="ignore"):
        df["unfavourable"] = (mean < mid) & ((df["ci_high"].to_numpy() < mid) | r["constant"])
    df["p"] = r["p"]
    flat = df[r["constant"]]
    if len(flat):
        names = [f"{c} ({'/'.join(map(str, row)) or 'all respondents'})"
                 for c, *row in flat[["construct", *by]].itertuples(index=False, name=None)]
        notes.append(f"{len(flat)} construct × segment row(s) have answers that are all equal (no variation): "
                     f"{', '.join(names[:10])}{' ...' if len(names) > 10 else ''}; their t test is undefined (NaN "
                     "CI and p), and they count as unfavourable when below the midpoint.")
    thin = df[df["n"] < 2]
    if len(thin):
        where = sorted({"/".join(map(str, row)) or "all respondents"
                        for row in thin[by].itertuples(index=False)}) if by else ["all respondents"]
        notes.append(f"{len(thin)} construct × segment row(s) have fewer than 2 answers and keep NaN statistics "
                     f"(segments: {', '.join(where[:10])}{' ...' if len(where) > 10 else ''}).")
    return df[cols], notes


def construct_table(res) -> pd.DataFrame:
    """Construct scores per construct (and segment) of the staff construct survey.

    A respondent's construct score is the mean of the construct's available items (after
    reverse-scoring), kept when at least ``min_items`` of them are answered (the survey's
    rule, or ``analyze(min_items=...)``). Per construct × segment, with survey weights when
    declared and ``analyze(weighted=True)`` (reliability-weighted moments, Kish ``n_eff``):

    - ``mean``, ``sd``, ``se = sd/√n_eff``, t-based CI ``mean ± t(n_eff − 1) · se`` at the
      analysis' ``confidence``;
    - ``midpoint = (scale_min + scale_max) / 2`` (3 on the 1-5 scale) and ``p``, the
      two-sided one-sample t test of ``mean = midpoint``;
    - ``unfavourable``: the mean lies below the midpoint **and** so does the CI's upper
      bound, i.e. the score is below neutral with one-sided significance
      ``(1 − confidence)/2``. False when the mean is NaN. When every answer of a row is
      the same (no variation) the t test is undefined (``p`` and the CI are NaN, a
      DataQualityWarning names the row) and the row is unfavourable when that answer is
      below the midpoint.

    Columns ``construct``, ``gap`` (the gap, 1-4, the construct explains), the ``by``
    columns, ``n``, ``mean``, ``sd``, ``se``, ``ci_low``, ``ci_high``, ``midpoint``,
    ``unfavourable``, ``p``. A segment without construct answers keeps its rows with
    ``n = 0`` and NaN statistics (DataQualityWarning). When the construct survey lacks a
    ``by`` column its respondents are pooled in one row per construct with empty segment
    columns (MethodWarning). Empty with these columns when no survey on
    ``GAP_CONSTRUCTS`` was analysed.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> con = sg.read_survey(sg.example_path("staff"), instrument=sg.GAP_CONSTRUCTS,
    ...                      columns={"rating": "{item}"}, id="staff_id", segments=["branch"])
    >>> res = sg.analyze([cust, staff, con])
    >>> res.constructs.loc[res.constructs.unfavourable, "construct"].tolist()
    ['technology_job_fit', 'propensity_to_overpromise']
    """
    df, notes = _compute(res)
    for note in notes:
        warnings.warn(note, MethodWarning if "no segment column" in note else DataQualityWarning, stacklevel=3)
    return df


def _gap_by_segment(res, gap: int) -> pd.DataFrame:
    """Per segment: the unweighted mean of the dimension mean gaps (NaN if one is missing)."""
    by = list(res.by)
    d = res.dimensions[res.dimensions["gap"] == gap]
    wide = d.pivot_table(index=by, columns="dimension", values="mean_gap", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=pd.unique(d["dimension"]))
    return wide.mean(axis=1, skipna=False).rename("gap_mean").reset_index()


def construct_correlations(res) -> pd.DataFrame:
    """Pearson correlation of segment-level construct scores with segment-level gaps.

    For every construct of the staff construct survey and every measured gap (1-5): over
    the segments of ``analyze(by=...)`` (typically branches) that have both numbers,
    ``r`` = Pearson correlation (`scipy.stats.pearsonr`, two-sided ``p``) between

    - the segment's mean construct score (``GapAnalysis.constructs``), and
    - the segment's gap averaged over dimensions: the unweighted mean of the dimension
      mean gaps (``GapAnalysis.dimensions``; NaN when a dimension is missing).

    Scores are high = favourable and gaps negative = shortfall, so the model predicts
    ``r > 0`` for a construct and the gap it explains (worse conditions, larger
    shortfall). The unit of analysis is the segment: with few segments the correlation
    is fragile and an ecological one (it says nothing about individual staff).

    Columns ``construct``, ``gap``, ``n_segments``, ``r``, ``p``. With fewer than
    ``MIN_SEGMENTS`` (5) segments, without ``by``, or when the construct survey lacks the
    ``by`` columns, the rows are kept with NaN ``r``/``p`` and a MethodWarning names the
    reason. Empty with these columns when no construct survey or no gap was analysed.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> con = sg.load_example_constructs()
    >>> res = sg.analyze([cust, staff, con], by="branch")
    >>> cc = res.construct_correlations
    >>> cc.columns.tolist()
    ['construct', 'gap', 'n_segments', 'r', 'p']
    """
    by = list(res.by)
    s = construct_survey(res)
    gaps = sorted(int(g) for g in res.dimensions["gap"].unique()) if len(res.dimensions) else []
    if s is None or not gaps:
        return _empty(CORRELATION_COLUMNS, [])
    table, _ = _compute(res)
    constructs = s.instrument.dimension_ids
    reason = None
    if not by:
        reason = 'the analysis is not split by segment; run analyze(..., by="branch")'
    elif not all(c in s.segments.columns for c in by):
        reason = (f"the construct survey {s.source!r} has no segment column "
                  f"{', '.join(repr(c) for c in by if c not in s.segments.columns)}")
    rows, few = [], []
    for k in gaps:
        gk = None if reason else _gap_by_segment(res, k)
        for c in constructs:
            if gk is None:
                rows.append({"construct": c, "gap": k, "n_segments": 0, "r": np.nan, "p": np.nan})
                continue
            cm = table.loc[table["construct"] == c, [*by, "mean"]]
            both = cm.merge(gk, on=by, how="inner")
            ok = np.isfinite(both["mean"].to_numpy(float)) & np.isfinite(both["gap_mean"].to_numpy(float))
            x, y = both["mean"].to_numpy(float)[ok], both["gap_mean"].to_numpy(float)[ok]
            r = p = np.nan
            if ok.sum() < MIN_SEGMENTS:
                few.append(f"{c} × gap {k}: {int(ok.sum())}")
            elif np.ptp(x) > 0 and np.ptp(y) > 0:
                from scipy import stats as sps     # here, not at import: 1 s, and only construct surveys need it

                res_r = sps.pearsonr(x, y)
                r, p = float(res_r.statistic), float(res_r.pvalue)
            rows.append({"construct": c, "gap": k, "n_segments": int(ok.sum()), "r": r, "p": p})
    if reason:
        warnings.warn(f"construct correlations need segment-level scores: {reason}; r and p are NaN.",
                      MethodWarning, stacklevel=3)
    elif few:
        warnings.warn(f"construct correlations need at least {MIN_SEGMENTS} segments with both a construct score "
                      f"and a gap; too few for {len(few)} pair(s) ({'; '.join(few[:5])}"
                      f"{' ...' if len(few) > 5 else ''}), so their r and p are NaN.", MethodWarning, stacklevel=3)
    out = pd.DataFrame(rows, columns=CORRELATION_COLUMNS)
    return out.astype({"gap": "int64", "n_segments": "int64"})


__all__ = [
    "CONSTRUCT_COLUMNS",
    "CORRELATION_COLUMNS",
    "MIN_SEGMENTS",
    "construct_correlations",
    "construct_survey",
    "construct_table",
]
