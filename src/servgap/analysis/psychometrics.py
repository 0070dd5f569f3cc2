"""Reliability of the instrument: Cronbach's alpha, item analysis, difference scores.

For every survey, every viewpoint (``expected``, ``perceived``, ``management`` ...) and
every paired gap the survey holds (gap 5 = ``P − E`` per item), per dimension and for
the whole scale (``dimension = "overall"``):

- Cronbach's alpha with its Feldt confidence interval, standardised alpha and the mean
  inter-item correlation (`servgap.stats.reliability`);
- on gap rows, the reliability of the *difference* of the dimension scores (Lord 1963;
  Johns 1981; Peter, Churchill & Brown 1993) from the variances, alphas and correlation
  of the later-stage and benchmark dimension scores::

      r_D = (σ_L² α_L + σ_B² α_B − 2 r_LB σ_L σ_B) / (σ_L² + σ_B² − 2 r_LB σ_L σ_B)

Missing data: listwise deletion within the dimension (a respondent counts when every
item of the dimension is answered; for gap rows, every item of both viewpoints); ``n``
says how many were used. Survey weights are not used (alpha is a property of the
instrument in the sample, as in SPSS RELIABILITY and R ``psych::alpha``).

Confirmatory factor analysis lives in `servgap.analysis.cfa` (`res.validity`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataQualityWarning, MethodWarning
from ..model.gaps import COMPARISONS
from ..stats.reliability import cronbach_alpha, difference_reliability, item_analysis
from ..surveys.survey import Survey

MIN_N = 30
RELIABILITY_COLUMNS = ["source", "scores", "gap", "dimension", "n_items", "n", "alpha", "alpha_ci_low",
                       "alpha_ci_high", "alpha_std", "mean_r", "var_later", "var_benchmark", "alpha_later",
                       "alpha_benchmark", "r_later_benchmark", "diff_reliability"]
ITEM_COLUMNS = ["source", "scores", "gap", "dimension", "item", "n", "mean", "sd", "item_total_r",
                "alpha_if_deleted"]


def _score_sets(survey):
    """``(scores, gap, matrix, comparison)`` for each viewpoint and each paired gap of a survey."""
    for vp, X in survey.data.items():
        yield vp, None, X, None
    for comp in COMPARISONS:
        if comp.table == "gaps" and comp.paired and comp.benchmark in survey.data and comp.later in survey.data:
            yield "gap", comp.gap, survey.data[comp.later] - survey.data[comp.benchmark], comp


def _units(inst):
    """``(dimension id, column mask)`` for each dimension and the whole scale."""
    for d, dim in enumerate(inst.dimensions):
        yield dim.id, inst.item_dimension == d
    yield "overall", np.ones(len(inst.items), bool)


def _diff_columns(survey, comp, cols) -> dict:
    L, B = survey.data[comp.later][:, cols], survey.data[comp.benchmark][:, cols]
    ok = ~(np.isnan(L).any(axis=1) | np.isnan(B).any(axis=1))
    L, B = L[ok], B[ok]
    out = dict(var_later=np.nan, var_benchmark=np.nan, alpha_later=np.nan, alpha_benchmark=np.nan,
               r_later_benchmark=np.nan, diff_reliability=np.nan)
    if len(L) < 3:
        return out
    ml, mb = L.mean(axis=1), B.mean(axis=1)
    vl, vb = ml.var(ddof=1), mb.var(ddof=1)
    al, ab = cronbach_alpha(L)["alpha"], cronbach_alpha(B)["alpha"]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = float(np.corrcoef(ml, mb)[0, 1])
    out.update(var_later=vl, var_benchmark=vb, alpha_later=al, alpha_benchmark=ab, r_later_benchmark=r,
               diff_reliability=float(difference_reliability(vl, vb, al, ab, r)))
    return out


def _check(survey):
    if not isinstance(survey, Survey):
        raise ConfigError(f"expected a Survey from sg.read_survey(), got {type(survey).__name__}.")


def reliability(survey, confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha per dimension for each viewpoint and paired gap of one survey.

    Parameters
    ----------
    survey : Survey
    confidence : float
        Level of the Feldt interval of alpha.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, scores`` (viewpoint name, or ``"gap"``), ``gap`` (gap number on
        gap rows), ``dimension`` (``"overall"`` = every item), ``n_items`` (items used:
        constant items are left out, with a DataQualityWarning), ``n`` (complete rows
        used), ``alpha, alpha_ci_low, alpha_ci_high, alpha_std, mean_r`` and, on gap rows,
        the difference-score reliability inputs ``var_later, var_benchmark, alpha_later,
        alpha_benchmark, r_later_benchmark`` and ``diff_reliability``.

    Notes
    -----
    ``α = k/(k−1) (1 − Σ s²_i / s²_total)`` (Cronbach 1951); Feldt (1965) interval;
    difference-score reliability after Johns (1981) and Peter, Churchill & Brown (1993).
    A low ``diff_reliability`` next to high ``alpha_later``/``alpha_benchmark`` means
    the gap is mostly the shared variance of P and E cancelled out: report P as well.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> rel = reliability(cust)
    >>> gap = rel[rel.scores == "gap"]
    >>> gap["dimension"].tolist(), gap["n_items"].tolist()
    (['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy', 'overall'], [4, 5, 4, 4, 5, 22])
    >>> bool((gap["n"] <= cust.n).all() and gap["alpha"].notna().all())
    True
    """
    _check(survey)
    rows, constant = [], []
    ids = np.asarray(survey.instrument.item_ids, dtype=object)
    for scores, gap, X, comp in _score_sets(survey):
        for dim, cols in _units(survey.instrument):
            a = cronbach_alpha(X[:, cols], confidence)
            if a["dropped"].size:
                what = scores if gap is None else f"gap {gap}"
                constant.append(f"{what} {dim} (item {', '.join(map(str, ids[cols][a['dropped']]))})")
            row = dict(source=survey.source, scores=scores, gap=gap, dimension=dim, n_items=int(a["k"]),
                       n=a["n"], alpha=a["alpha"], alpha_ci_low=a["ci_low"], alpha_ci_high=a["ci_high"],
                       alpha_std=a["alpha_std"], mean_r=a["mean_r"])
            if comp is not None:
                row.update(_diff_columns(survey, comp, cols))
            rows.append(row)
    if constant:
        warnings.warn(f"Cronbach's alpha of {survey.source!r} leaves out items that are constant (every complete "
                      f"answer the same, so no variance to share): {'; '.join(constant[:10])}"
                      f"{' ...' if len(constant) > 10 else ''}; n_items counts the items used.", DataQualityWarning,
                      stacklevel=2)
    df = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    df["gap"] = df["gap"].astype("Int64")
    df["n"] = df["n"].astype("int64")
    thin = df[(df["n"] < MIN_N) & (df["dimension"] != "overall")]
    if len(thin):
        warnings.warn(f"Cronbach's alpha rests on fewer than {MIN_N} complete answers in {len(thin)} "
                      f"scale(s) of {survey.source!r} (e.g. {thin.iloc[0]['scores']} {thin.iloc[0]['dimension']}, "
                      f"n = {thin.iloc[0]['n']}); its interval is wide.", MethodWarning, stacklevel=2)
    return df


def item_statistics(survey) -> pd.DataFrame:
    """Item analysis per dimension: corrected item–total correlation and alpha if deleted.

    Listwise within the dimension (the same rows as `reliability`). Columns
    ``source, scores, gap, dimension, item, n, mean, sd, item_total_r, alpha_if_deleted``.
    The corrected item–total correlation correlates an item with the sum of the *other*
    items of its dimension; an item whose deletion raises alpha is a candidate to drop.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> it = item_statistics(cust).query("scores == 'perceived'")
    >>> len(it), it["item"].head(3).tolist()
    (22, ['1', '2', '3'])
    """
    _check(survey)
    frames = []
    ids = np.asarray(survey.instrument.item_ids, dtype=object)
    for scores, gap, X, _ in _score_sets(survey):
        for dim, cols in _units(survey.instrument):
            if dim == "overall":
                continue
            s = item_analysis(X[:, cols])
            frames.append(pd.DataFrame(dict(source=survey.source, scores=scores, gap=gap, dimension=dim,
                                            item=ids[cols], n=s["n"], mean=s["mean"], sd=s["sd"],
                                            item_total_r=s["item_total_r"],
                                            alpha_if_deleted=s["alpha_if_deleted"])))
    df = pd.concat(frames, ignore_index=True)[ITEM_COLUMNS] if frames else pd.DataFrame(columns=ITEM_COLUMNS)
    df["gap"] = df["gap"].astype("Int64")
    return df


def reliability_table(res, confidence: float | None = None) -> pd.DataFrame:
    """`reliability` of every survey of an analysis (``res.reliability``)."""
    conf = res.settings.confidence if confidence is None else confidence
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frames = [reliability(s, conf) for s in res.surveys]
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=3)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RELIABILITY_COLUMNS)


def item_table(res) -> pd.DataFrame:
    """`item_statistics` of every survey of an analysis."""
    frames = [item_statistics(s) for s in res.surveys]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ITEM_COLUMNS)


__all__ = ["reliability", "item_statistics", "reliability_table", "item_table"]
