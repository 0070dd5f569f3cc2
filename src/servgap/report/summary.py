"""The decision on one screen: the headline gap, the largest shortfalls, the likely
causes and the first actions — what the summary of every report opens with.

- `headline`: the overall gap 5 (perceived − expected, the unweighted mean of the
  dimension gaps, ``res.overall``) of *all* respondents, one number with its CI, n
  and adjusted p. A result split ``by`` segments has one overall row per segment;
  the whole-sample number then comes from the same surveys analysed without the
  split (``res.reanalyze(by=None, gaps=[5])``), and a result read back from JSON
  uses the headline saved with it. Without gap 5 the last measured gap stands in.
- `shortfalls`: significant negative dimension gaps (adjusted p < alpha), largest first.
- `top_causes` / `first_actions`: the first rows of ``res.causes()`` and
  ``res.actions()`` (when the analysis offers them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ServgapError
from .common import cached, optional_table, scalar

HEADLINE_FIELDS = ("gap", "measure", "n", "mean_gap", "ci_low", "ci_high", "p", "p_adj")


def _overall_row(ov: pd.DataFrame, gap: int, measure: str) -> dict | None:
    rows = ov[(ov["gap"] == gap) & (ov["measure"] == measure)] if len(ov) else ov
    if len(rows) != 1:
        return None
    r = rows.iloc[0]
    return {k: scalar(r[k]) for k in HEADLINE_FIELDS if k in r.index}


def _headline(res) -> dict | None:
    gaps = list(res.measured_gaps)
    if not gaps:
        return None
    g = 5 if 5 in gaps else gaps[-1]
    ov = res.overall
    if res.by:
        if not getattr(res, "surveys", ()):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ov = res.reanalyze(by=None, gaps=[g]).overall
            except ServgapError:
                return None
    out = _overall_row(ov, g, "unweighted")
    if out is None:
        return None
    out["weighted"] = _overall_row(ov, g, "importance_weighted")
    out["segments"] = _segment_range(res, g)
    return out


def _segment_range(res, g: int) -> dict | None:
    """Lowest and highest overall gap over the segments (``None`` without segments)."""
    if not res.by:
        return None
    ov = res.overall
    rows = ov[(ov["gap"] == g) & (ov["measure"] == "unweighted") & ov["mean_gap"].notna()]
    if rows.empty:
        return None
    lo, hi = rows.loc[rows["mean_gap"].idxmin()], rows.loc[rows["mean_gap"].idxmax()]
    name = lambda r: " / ".join(str(r[b]) for b in res.by)   # noqa: E731
    return {"k": int(len(rows)), "lo": float(lo["mean_gap"]), "lo_segment": name(lo),
            "hi": float(hi["mean_gap"]), "hi_segment": name(hi)}


def headline(res) -> dict | None:
    """The whole-sample overall gap (see the module docstring), or ``None`` when there is none.

    Returns
    -------
    dict or None
        ``gap, measure, n, mean_gap, ci_low, ci_high, p, p_adj`` of the unweighted overall
        row, ``weighted`` (the importance-weighted row or ``None``) and ``segments`` (the
        range over segments or ``None``).

    Examples
    --------
    >>> import servgap as sg
    >>> h = headline(sg.analyze(list(sg.load_example()), by="branch"))
    >>> h["gap"], h["n"], h["mean_gap"] < 0, h["segments"]["k"]
    (5, 1200, True, 6)
    """
    saved = getattr(res, "saved", None)
    if isinstance(saved, dict) and "headline" in saved:
        return saved["headline"]
    return cached(res, "headline", lambda: _headline(res))


def shortfalls(res) -> pd.DataFrame:
    """Significant shortfalls of ``res.gaps`` (dimension level, every gap), largest first,
    with ``_pos``: each row's position in ``res.gaps``."""
    d = res.gaps
    sig = (d["mean_gap"] < 0) & (d["p_adj"] < res.settings.alpha)
    out = d[sig.to_numpy()].assign(_pos=np.flatnonzero(sig.to_numpy()))
    return out.sort_values("mean_gap", kind="stable")


def top_causes(res, lang: str, k: int = 3):
    """The first ``k`` causes and every cause tied with the last of them (ties are not cut), or
    ``None`` and the reason when there are none."""
    df, why = optional_table(res, "causes", lang)
    if df is None:
        return None, why
    if "rank" in df.columns and len(df) > k:
        return df[df["rank"].to_numpy() <= df["rank"].iloc[k - 1]], None
    return df.head(k), None


def first_actions(res, lang: str, k: int = 3):
    """The first ``k`` actions of ``res.actions(lang=...)`` (``None`` and why when not offered)."""
    df, why = optional_table(res, "actions", lang)
    return (None, why) if df is None else (df.head(k), None)
