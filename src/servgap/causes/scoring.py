"""Scoring v2 of the root causes: the evidence of one segment and the score of one cause.

The formula (also in ``docs/causes.md``), for a cause with dimensions ``D``, own gaps
``G`` (of 1-4) and constructs ``K``, with the minimum practical shortfall ``m``
(``min_shortfall``, default 0.25 scale points) and the significance level ``alpha``::

    w(p)     = min(1, -log10(p) / 3)  if p < alpha, else 0
    s_g(d)   = -mean_gap[g, d] * w(p_adj[g, d])     if mean_gap[g, d] <= -m, else 0
    c_k      = (mid_k - mean_k) * w(q_k)            if mid_k - mean_k >= m,  else 0
    f_k      = (mean_k - mid_k) * w(q_k)            if mean_k - mid_k >= m,  else 0
    S5       = (1/|D|) * sum_d m_d * s_5(d)
    S_own    = max over measured g in G of (1/|D|) * sum_d m_d * s_g(d)
    C+, C-   = (1/|K|) * sum_k c_k,  (1/|K|) * sum_k f_k
    raw      = S5 + 2*S_own + 3*C+ * [S5 + S_own > 0] * [not clean] - 3*C-
    score    = raw  if the cause is suggested, else 0

A cause is *suggested* when ``raw > 0``, ``S5 + S_own > 0`` and it is not ruled out
(``clean`` without an unfavourable construct).
``p_adj`` is the adjusted p of ``res.dimensions``; a cell of two or more answers whose
differences are all equal has no test (NaN p) and counts as measured with the t test's
limit, ``w = 1`` for a nonzero gap (p = 1 for a zero one), described as "no variation";
``q_k`` is the construct's p of
``res.constructs`` corrected (the analysis' ``correction``, Holm by default) across the
constructs of one gap within one segment. ``clean``: every own gap of the cause was
measured in its dimensions and none falls short -- construct evidence then cannot
revive the cause. A root cause is also scored on the footprint (dimensions) of each of
its symptoms and keeps the best of these scores (`assess_root`).

Every term is non-decreasing in each shortfall and non-increasing in each favourable
construct, and so is being suggested; so the score is monotone in the evidence.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from ..stats.multiplicity import adjust
from .schema import construct_gaps

__all__ = ["MIN_SHORTFALL", "WEIGHTS", "SATURATION", "significance_weight", "Evidence", "assess", "assess_root",
           "table_p"]

#: Default minimum practical shortfall, in scale points.
MIN_SHORTFALL = 0.25
#: Weights of the three kinds of evidence.
WEIGHTS = {"gap5": 1.0, "own_gap": 2.0, "constructs": 3.0}
#: ``-log10(p)`` at which the significance weight reaches 1 (p = 0.001).
SATURATION = 3.0


def significance_weight(p, alpha: float = 0.05):
    """Weight of a test result: ``min(1, -log10(p) / 3)`` when ``p < alpha``, else 0.

    Examples
    --------
    >>> from servgap.causes.scoring import significance_weight
    >>> float(significance_weight(0.01)), float(significance_weight(1e-6)), float(significance_weight(0.2))
    (0.6666666666666666, 1.0, 0.0)
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.minimum(1.0, -np.log10(p) / SATURATION)
    return np.where(np.isfinite(p) & (p < alpha), w, 0.0)


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


class Evidence:
    """The measured gaps and constructs of one segment, ready for scoring.

    ``dims[(gap, dimension)]`` holds ``mean, lo, hi, p, n, s`` (``s``: the weighted
    shortfall, 0 below ``min_shortfall`` or when not significant); ``constructs[id]``
    holds ``mean, mid, p_raw, p, n, gap, c, f`` (``p`` corrected within the construct's
    gap; ``c``/``f``: the weighted unfavourable / favourable deviation).
    """

    def __init__(self, dimensions: pd.DataFrame, constructs: pd.DataFrame | None, alpha: float,
                 min_shortfall: float = MIN_SHORTFALL, correction: str = "holm"):
        self.alpha, self.m = float(alpha), float(min_shortfall)
        self.dims: dict[tuple[int, str], dict] = {}
        def col(name):
            return dimensions[name] if name in dimensions.columns else pd.Series(np.nan, index=dimensions.index)

        rows = dimensions[["gap", "dimension", "mean_gap", "ci_low", "ci_high", "p_adj"]].itertuples(index=False)
        for r, n, sd in zip(rows, col("n"), col("sd_gap")):
            mean, p, n = _finite(r.mean_gap), _finite(r.p_adj), _finite(n)
            constant = math.isnan(p) and _finite(sd) == 0 and n >= 2     # every difference equal: no test
            if math.isnan(mean) or (math.isnan(p) and not constant):
                continue
            if constant:                 # the limit of the t test as the variance vanishes: p -> 0 (or 1 at 0)
                p = 0.0 if mean != 0 else 1.0
            s = -mean * float(significance_weight(p, alpha)) if mean <= -self.m else 0.0
            self.dims[(int(r.gap), str(r.dimension))] = dict(mean=mean, lo=_finite(r.ci_low), hi=_finite(r.ci_high),
                                                             p=p, n=n, s=s, worst=None, constant=constant)
        self.constructs = self._constructs(constructs, correction) if constructs is not None else {}
        self.measured_gaps = sorted({g for g, _ in self.dims})
        self.pooled = False          # True: construct scores of all staff, not of this segment

    def _constructs(self, table: pd.DataFrame, correction: str) -> dict:
        ok = table[np.isfinite(table["mean"].to_numpy(float)) & np.isfinite(table["midpoint"].to_numpy(float))]
        if ok.empty:
            return {}
        known = construct_gaps()
        gaps = (ok["gap"].to_numpy(int) if "gap" in ok.columns
                else np.array([known.get(c, 0) for c in ok["construct"]], dtype=int))
        raw = ok["p"].to_numpy(float) if "p" in ok.columns else ok["p_adj"].to_numpy(float)
        q = adjust(raw, gaps, correction) if "p" in ok.columns else raw
        n = ok["n"].to_numpy(float) if "n" in ok.columns else np.full(len(ok), np.nan)
        out = {}
        for c, mean, mid, p_raw, p, g, nn in zip(ok["construct"], ok["mean"], ok["midpoint"], raw, q, gaps, n):
            w = float(significance_weight(p, self.alpha))
            dev = float(mid) - float(mean)
            out[str(c)] = dict(mean=float(mean), mid=float(mid), p_raw=float(p_raw), p=float(p), n=float(nn),
                               gap=int(g), c=dev * w if dev >= self.m else 0.0, f=-dev * w if -dev >= self.m else 0.0)
        return out

    def add_worst(self, finer: pd.DataFrame, finer_by: list, label) -> None:
        """Quote the worst finer segment of each (gap, dimension) (``label(values) -> str``)."""
        ok = finer[np.isfinite(finer["mean_gap"].to_numpy(float))]
        for (g, d), grp in ok.groupby(["gap", "dimension"], sort=False):
            key = (int(g), str(d))
            if key in self.dims and len(grp) >= 2:
                row = grp.iloc[int(np.argmin(grp["mean_gap"].to_numpy(float)))]
                self.dims[key]["worst"] = (label([row[c] for c in finer_by]), float(row["mean_gap"]))

    @property
    def any_significant_shortfall(self) -> bool:
        return any(v["mean"] < 0 and v["p"] < self.alpha for v in self.dims.values())

    @property
    def any_shortfall(self) -> bool:
        return any(v["s"] > 0 for v in self.dims.values())

    def largest_trivial(self) -> float:
        """The most negative significant mean gap that is smaller than ``min_shortfall`` (or NaN)."""
        vals = [v["mean"] for v in self.dims.values() if v["p"] < self.alpha and -self.m < v["mean"] < 0]
        return min(vals) if vals else math.nan


def _terms(entry: Mapping, dims: list, ev: Evidence, importance: Mapping[str, float]) -> dict:
    """The weighted evidence terms of a cause on the footprint ``dims``."""
    k = len(dims)
    own = [int(g) for g in entry["gap"] if 1 <= int(g) <= 4]
    measured = [g for g in own if any((g, d) in ev.dims for d in dims)]
    per_gap = {g: {d: importance.get(d, 1.0) * ev.dims[(g, d)]["s"] / k for d in dims if (g, d) in ev.dims}
               for g in [5, *measured]}
    s_gap = {g: sum(t.values()) for g, t in per_gap.items()}
    best = max(measured, key=lambda g: (s_gap[g], -g), default=None)
    cons = list(entry["constructs"])
    there = [c for c in cons if c in ev.constructs]
    return dict(own=own, measured=measured, per_gap=per_gap, s5=s_gap.get(5, 0.0),
                s_own=s_gap[best] if best is not None else 0.0, best=best,
                c_plus={c: ev.constructs[c]["c"] / len(cons) for c in there},
                c_minus={c: ev.constructs[c]["f"] / len(cons) for c in there},
                unmeasured_cons=[c for c in cons if c not in ev.constructs])


def assess(entry: Mapping, ev: Evidence, importance: Mapping[str, float] | None = None, dims=None) -> dict:
    """Score one catalog entry on one segment's evidence (formula in the module docstring).

    ``dims`` replaces the entry's dimensions (the footprint of one of its symptoms).
    Returns the score, its parts, ``basis`` (``measured``, ``inferred``, ``conflicting``
    or ``not significant``), the facts the wording needs and the lead evidence
    (``p_adj``, ``n_min``).
    """
    importance = importance or {}
    dims = list(entry["dimensions"] if dims is None else dims)
    t = _terms(entry, dims, ev, importance)
    short = {g: [d for d, v in t["per_gap"][g].items() if v > 0] for g in t["measured"]}
    short = {g: d for g, d in short.items() if d}
    clean = bool(t["own"]) and len(t["measured"]) == len(t["own"]) and not short
    gate = t["s5"] > 0 or t["s_own"] > 0
    c_plus, c_minus = sum(t["c_plus"].values()), sum(t["c_minus"].values())
    counted_plus = gate and not clean
    raw = (WEIGHTS["gap5"] * t["s5"] + WEIGHTS["own_gap"] * t["s_own"]
           + (WEIGHTS["constructs"] * c_plus if counted_plus else 0.0) - WEIGHTS["constructs"] * c_minus)
    weak = [c for c, v in t["c_plus"].items() if v > 0]
    strong = [c for c, v in t["c_minus"].items() if v > 0]
    suggested = raw > 0 and gate and not (clean and not weak)
    score = raw if suggested else 0.0
    if not suggested:
        basis = "not significant"
    elif clean or strong:
        basis = "conflicting"
    elif short or weak:
        basis = "measured"
    else:
        basis = "inferred"
    lead = _lead(t, ev, counted_plus)
    return dict(score=score, raw=raw, s5=t["s5"], s_own=t["s_own"], c_plus=c_plus, c_minus=c_minus, basis=basis,
                dims=dims, short=short, clean=clean, weak=weak, strong=strong,
                unmeasured=[g for g in t["own"] if g not in t["measured"]],
                clear=[g for g in t["measured"] if g not in short],
                g5_dims=[d for d, v in t["per_gap"].get(5, {}).items() if v > 0],
                unmeasured_cons=t["unmeasured_cons"], p_adj=lead[0], n_min=lead[1], via=None)


def _lead(t: dict, ev: Evidence, counted_plus: bool) -> tuple[float, float]:
    """``(p, n_min)``: the adjusted p of the largest counted term, and the smallest n behind them."""
    terms = [(WEIGHTS["gap5"] * v, ev.dims[(5, d)]) for d, v in t["per_gap"].get(5, {}).items() if v > 0]
    if t["best"] is not None:
        terms += [(WEIGHTS["own_gap"] * v, ev.dims[(t["best"], d)]) for d, v in t["per_gap"][t["best"]].items() if v > 0]
    if counted_plus:
        terms += [(WEIGHTS["constructs"] * v, ev.constructs[c]) for c, v in t["c_plus"].items() if v > 0]
    terms += [(WEIGHTS["constructs"] * v, ev.constructs[c]) for c, v in t["c_minus"].items() if v > 0]
    if not terms:
        return math.nan, math.nan
    lead = max(terms, key=lambda x: x[0])[1]
    ns = [x[1]["n"] for x in terms if math.isfinite(x[1]["n"])]
    return table_p(lead), (min(ns) if ns else math.nan)


def table_p(row: Mapping) -> float:
    """The p a gap or construct row reports: NaN for a cell without variation (no test was possible)."""
    return math.nan if row.get("constant") else row["p"]


def assess_root(entry: Mapping, children: list, ev: Evidence, importance: Mapping[str, float] | None = None) -> dict:
    """A root cause scored on its own footprint and on that of each of its symptoms; the best wins.

    A symptom is an instance of its root cause, so the evidence in the symptom's
    dimensions bears on the root cause too -- judged by the root's own gap and
    constructs. Ties keep the root's own footprint. ``via`` names the symptom whose
    footprint gave the score (``None`` for the root's own).
    """
    best = assess(entry, ev, importance)
    for child in children:
        dims = [d for d in child["dimensions"] if d in entry["dimensions"]] or list(child["dimensions"])
        a = assess(entry, ev, importance, dims=dims)
        if a["score"] > best["score"] + 1e-12:
            a["via"] = child["id"]
            best = a
    return best
