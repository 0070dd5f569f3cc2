"""``analyze(variance="design")``: design-based standard errors, the map and finish steps.

The estimator is unchanged (the weighted mean gap ``Σ w·y / Σ w`` of every unit × segment);
only its variance, and so ``se``, the interval, ``df``, ``statistic`` and ``p``, come from
the sampling design declared in ``read_survey(strata=..., cluster=...)`` by Taylor
linearisation with PSUs drawn with replacement within strata (`servgap.stats.design`,
R ``survey::svydesign(ids=~psu, strata=~stratum, weights=~w)`` with ``svymean``/``svyby``).

- `design_of` codes a survey's design once, before the map step: the PSUs (stratum ×
  cluster; without a cluster column every respondent is its own PSU, without strata the
  design has one stratum), the stratum of each PSU and the number of PSUs of every
  stratum in the *whole* survey. A stratum with one PSU raises (``lonely_psu="fail"``) or
  warns and is handled as `servgap.stats.design` describes. Dask surveys are coded from
  one pass over their design columns, so every partition shares the codes.
- `Design.attach` is the map step of one block: beside every `servgap.engine.kernel.Cell`
  a `DesignPartial`, the sums ``Σ w``, ``Σ w·y`` of the unit values per ``(unit ×
  segment) × PSU`` (or ``Σ w``, ``Σ w·y``, ``Σ w²``, ``Σ w²·y``, ``Σ w²·y²`` per ``× stratum``
  for single-respondent PSUs; `servgap.stats.design.PsuSums`) that the linearised PSU
  totals are made of. Partials merge by addition, so a PSU split over blocks or
  partitions adds up.
- `design_columns` is the finish: a segment is a *domain* of the whole design (the domain
  indicator zeroes the linearised values outside it; PSUs and strata stay those of the
  whole survey, as ``svyby``). Paired gaps linearise the respondent gap; gap 1 compares
  two independent surveys, so their variances add, with Satterthwaite's df.

Nothing here runs with ``variance="kish"`` (the default).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, MethodWarning
from ..stats import design as sd
from .kernel import paired_levels, single_levels
from .segments import is_lazy


def _keys(strata, cluster) -> pd.Index:
    """PSU keys: the cluster label within its stratum (R ``nest=TRUE``)."""
    return pd.Index(cluster) if strata is None else pd.MultiIndex.from_arrays([strata, cluster])


@dataclass(frozen=True)
class Design:
    """The coded design of one survey (sent to every block and partition).

    ``q`` codes are PSUs (``psus``) or, without a cluster column, strata (every respondent
    its own PSU); ``q_stratum`` is the stratum of each ``q`` and ``n_psu`` the PSUs of every
    stratum in the whole survey.
    """

    source: str
    strata: pd.Index | None           # stratum labels (code = position); None: one stratum
    psus: pd.Index | None             # PSU keys (`_keys`); None: single-respondent PSUs
    q_stratum: np.ndarray
    n_psu: np.ndarray
    lonely: str

    @property
    def singletons(self) -> bool:
        return self.psus is None

    def row_codes(self, s) -> np.ndarray:
        """The ``q`` code of every row of a block ``s``."""
        if self.psus is not None:
            return np.asarray(self.psus.get_indexer(_keys(s.strata, s.cluster)), np.int64)
        if self.strata is None:
            return np.zeros(s.n, np.int64)
        return np.asarray(self.strata.get_indexer(s.strata), np.int64)

    def attach(self, out: dict, s, g: np.ndarray, plan) -> None:
        """Map step: a `DesignPartial` beside every cell of ``out`` (the partial of block ``s``).

        The block's rows are grouped by their ``(segment, q)`` pair once (``C`` distinct
        pairs); a unit × pair is then one dense bincount over ``C × units`` groups.
        """
        Q = len(self.q_stratum)
        pairs, c = np.unique(g.astype(np.int64) * Q + self.row_codes(s), return_inverse=True)
        w = s.weights if plan.weighted else None
        for comp, mi in plan.paired:
            for level, (V, _) in paired_levels(s, comp, mi, {}, False).items():
                out[("paired", comp.key, level)].design = self.partial(V, c.ravel(), pairs, w, plan.G)
        for vp, mi in plan.single:
            for level, X in single_levels(s, vp, mi).items():
                out[("single", vp, level)].design = self.partial(X, c.ravel(), pairs, w, plan.G)

    def partial(self, V: np.ndarray, c: np.ndarray, pairs: np.ndarray, w, G: int) -> "DesignPartial":
        """`servgap.stats.design.PsuSums` of the ``n × U`` values ``V`` per ``(unit × G + segment) × Q + q``.

        ``c`` is each row's position in ``pairs`` (the block's distinct ``segment × Q + q``).
        """
        U, C, Q = V.shape[1], pairs.size, len(self.q_stratum)
        local = (c[:, None] * U + np.arange(U)).ravel()              # row-major like V.ravel()
        u, pair = np.tile(np.arange(U), C), np.repeat(pairs, U)
        keys = (u * G + pair // Q) * Q + pair % Q                   # global key of every local group
        ww = None if w is None else np.repeat(w, U)
        return DesignPartial(self, sd.psu_sums(V.ravel(), local, C * U, keys, ww, self.singletons))


@dataclass(frozen=True)
class DesignPartial:
    """Mergeable design statistics of one cell (`servgap.engine.kernel.Cell.design`)."""

    design: Design
    sums: sd.PsuSums

    def merge(self, other: "DesignPartial") -> "DesignPartial":
        return DesignPartial(self.design, self.sums + other.sums)

    def moments(self, n_domains: int) -> sd.DesignMoments:
        """Mean, linearisation variance and design df of every unit × segment."""
        d = self.design
        return sd.domain_variance(self.sums, n_domains, d.q_stratum, d.n_psu, d.singletons, d.lonely)


def design_columns(later: DesignPartial, bench: DesignPartial | None, estimate, confidence: float,
                   keep=None) -> dict:
    """``se, ci_low, ci_high, statistic, df, p`` of the gap ``estimate`` from the design.

    Paired (``bench=None``): the linearisation variance of the mean respondent gap. Gap 1:
    ``v = v_later + v_bench`` of two independent surveys, Satterthwaite df. Cells with fewer
    than 2 answers (in either survey) get NaN. ``keep`` restricts the columns returned.
    """
    n = len(estimate)
    ml = later.moments(n)
    if bench is None:
        var, df, bad = ml.var, ml.df, ml.n < 2
    else:
        mb = bench.moments(n)
        var, df = sd.combine_independent(ml, mb)
        bad = (ml.n < 2) | (mb.n < 2)
    r = sd.design_t(estimate, var, df, confidence)
    return {k: np.where(bad, np.nan, v) for k, v in r.items() if keep is None or k in keep}


def _table(s) -> tuple[pd.DataFrame | None, int]:
    """Distinct ``(stratum, cluster)`` rows of a survey with their row counts, and its number of rows."""
    if is_lazy(s):
        cols = {k: c for k, c in (("stratum", s.options.strata), ("cluster", s.options.cluster)) if c}
        if not cols:
            return None, s.n
        t = s.count_rows(list(cols.values())).rename(columns={c: k for k, c in cols.items()})
        return t, int(t["count"].sum())
    cols = {k: v for k, v in (("stratum", s.strata), ("cluster", s.cluster)) if v is not None}
    if not cols:
        return None, s.n
    t = pd.DataFrame(cols).groupby(list(cols), sort=False, observed=True).size().rename("count").reset_index()
    return t, s.n


def design_of(s, settings) -> Design | None:
    """The coded `Design` of survey ``s`` for ``settings.variance == "design"`` (else ``None``)."""
    if settings.variance != "design":
        return None
    t, n = _table(s)
    has_strata = t is not None and "stratum" in t
    strata = pd.Index(pd.unique(t["stratum"])) if has_strata else None
    if t is not None and "cluster" in t:
        psus = _keys(t["stratum"] if has_strata else None, t["cluster"]).unique()
        q_stratum = (np.zeros(len(psus), np.int64) if strata is None
                     else np.asarray(strata.get_indexer(psus.get_level_values(0)), np.int64))
        n_psu = np.bincount(q_stratum, minlength=1 if strata is None else len(strata))
    else:
        psus = None
        n_psu = np.array([n]) if strata is None else t.groupby("stratum", sort=False)["count"].sum()[strata].to_numpy()
        q_stratum = np.arange(len(n_psu))
    _check_lonely(s, settings.lonely_psu, strata, n_psu, n)
    return Design(str(s.source), strata, psus, q_stratum, np.asarray(n_psu, np.int64), settings.lonely_psu)


def _check_lonely(s, lonely: str, strata, n_psu: np.ndarray, n: int) -> None:
    """Raise (``"fail"``) or warn when a stratum of the design has a single PSU."""
    lone = np.flatnonzero(n_psu == 1)
    if not lone.size or n < 2:
        return
    opts = getattr(s, "options", None)          # a Dask survey's read options, else what the reader noted
    col = opts.strata if opts is not None else s.metadata.get("design", {}).get("strata")
    names = ("the whole survey (one stratum)" if strata is None else
             f"{'stratum' if lone.size == 1 else 'strata'} " + ", ".join(map(repr, strata[lone][:10].tolist()))
             + (f" and {lone.size - 10} more" if lone.size > 10 else ""))
    where = f"survey {s.source!r}" + (f", strata column {col!r}" if col else "")
    if lonely == "fail":
        raise DataError(f"{where}: {names} {'has' if lone.size == 1 else 'have'} a single PSU, so its variance "
                        "cannot be estimated. Merge it with a similar stratum, or analyze(lonely_psu=\"adjust\") "
                        "(conservative: its PSU is centred at the grand mean) or lonely_psu=\"certainty\" (a "
                        "self-representing stratum that adds no variance).")
    rule = ("centred at the grand mean (lonely_psu=\"adjust\")" if lonely == "adjust"
            else "counted as certainty PSUs adding no variance (lonely_psu=\"certainty\")")
    warnings.warn(f"{where}: {names} {'has' if lone.size == 1 else 'have'} a single PSU; {rule}.", MethodWarning,
                  stacklevel=5)


__all__ = ["Design", "DesignPartial", "design_of", "design_columns"]
