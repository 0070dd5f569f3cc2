"""Perception-only (SERVPERF) analysis: rating levels against a benchmark, and SERVPERF vs SERVQUAL.

Cronin & Taylor (1992) measure service quality by perceptions alone (SERVPERF) and
find they explain overall quality at least as well as the SERVQUAL gap ``P − E``;
Peter, Churchill & Brown (1993) show why difference scores need care. Both views are here:

- `perception_table` (``GapAnalysis.perception``; ``res.perception_table(benchmark=...)``):
  for every viewpoint of every analysed survey (perceived, expected, desired, management
  ...), per item, dimension and overall score and per segment, the (weighted) mean with
  its t-based CI and a one-sample test against a **benchmark**: the scale midpoint
  ``(min + max)/2`` by default, or a target (one number, or one per dimension, applied to
  its items; the overall target is then the mean of the dimension targets). The test is
  the one-sample t of ``x − target`` (Kish effective n with weights), or the Wilcoxon
  signed-rank test with ``test="wilcoxon"``, exactly as the gap tables test ``L − B``;
  ``effect`` is ``(mean − target)/sd`` (or the rank-biserial ``r``) with its interval.
  ``p_adj`` is adjusted within (survey, viewpoint, level, segment) families of items and
  of dimensions; overall rows are not adjusted. The table is filled whether or not
  expectations were measured, so a SERVPERF survey is analysed, not only reported as
  "gaps missing".
- `servperf_vs_servqual` (``res.servperf_vs_servqual(outcome=...)``): how well
  perceptions alone (``y ~ P``) and the gap (``y ~ (P − E)``) explain an outcome rating
  (overall quality, satisfaction) kept with ``read_survey(keep=[...])``, at the overall
  score or the dimension level, on the same respondents (complete pairs).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from .. import stats as st
from ..engine.kernel import single_levels, unit_groups
from ..engine.scores import gap_scores, outcome_column, surveys_and_settings
from ..engine.segments import is_lazy, segment, segment_columns
from ..errors import ConfigError, MethodWarning
from ..model.scoring import EXACT
from ..stats.multiplicity import adjust
from ..stats.regression import least_squares
from ..surveys.survey import SurveySet

PERCEPTION_COLUMNS = ["source", "viewpoint", "level", "dimension", "item", "n", "mean", "sd", "se", "ci_low",
                      "ci_high", "target", "difference", "statistic", "df", "p", "p_adj", "effect", "effect_ci_low",
                      "effect_ci_high", "test", "n_eff"]
COMPARISON_COLUMNS = ["kind", "model", "level", "outcome", "predictors", "n", "k", "r2", "adj_r2", "estimate",
                      "statistic", "df1", "df2", "p", "favours"]


def _targets(inst, benchmark) -> dict:
    """Target per level: arrays over the items, the dimensions and the overall score."""
    nd = len(inst.dimensions)
    if benchmark is None:
        dim = np.full(nd, (inst.scale_min + inst.scale_max) / 2)
    elif isinstance(benchmark, dict):
        unknown = sorted(set(benchmark) - set(inst.dimension_ids))
        missing = [d for d in inst.dimension_ids if d not in benchmark]
        if unknown or missing:
            raise ConfigError(f"benchmark= per dimension must give every dimension of {inst.id!r} "
                              f"({', '.join(inst.dimension_ids)}); "
                              + (f"unknown: {', '.join(map(str, unknown))}" if unknown else
                                 f"missing: {', '.join(missing)}") + ".")
        dim = np.array([float(benchmark[d]) for d in inst.dimension_ids])
    else:
        try:
            dim = np.full(nd, float(benchmark))
        except (TypeError, ValueError):
            raise ConfigError(f"benchmark={benchmark!r}: give a number (e.g. 5.5), one number per dimension "
                              "({\"tangibles\": 5.5, ...}) or None for the scale midpoint.") from None
    return {"item": dim[inst.item_dimension], "dimension": dim, "overall": np.array([dim.mean()])}


def _unit_labels(inst, level):
    if level == "item":
        return [inst.dimensions[k].id for k in inst.item_dimension], list(inst.item_ids)
    if level == "dimension":
        return list(inst.dimension_ids), [None] * len(inst.dimensions)
    return ["overall"], [None]


def _minus_target(X, target, fraction):
    """``X − target``; overall scores given as exact fractions ``n/d`` give ``(n − t·d)/d`` where
    ``t·d`` is whole, so that scores equally far above and below the target tie exactly."""
    D = X - target[None, :]
    if fraction is not None:
        n, d = fraction
        td = target[0] * d
        exact = (d != 0) & (td == np.rint(td)) & (np.abs(td) < EXACT)
        D[exact, 0] = (n[exact] - td[exact]) / d[exact]
    return D


def _level_rows(X, target, codes, G, w, test, confidence, fraction=None) -> dict:
    """Columns of one level (``X``: respondents × units) per unit × segment (unit-major)."""
    U = X.shape[1]
    gg = unit_groups(codes, U, G)
    D = _minus_target(X, target, fraction)
    ww = None if w is None else np.broadcast_to(w[:, None], D.shape).ravel()
    h = st.histogram(D.ravel(), gg.ravel(), U * G, ww)
    m = st.moments(h)
    r = st.t_test(m, confidence)
    tgt = np.repeat(target, G)
    out = dict(n=m.n, mean=m.mean + tgt, sd=r["sd"], se=r["se"], ci_low=r["ci_low"] + tgt,
               ci_high=r["ci_high"] + tgt, target=tgt, difference=m.mean, statistic=r["statistic"], df=r["df"],
               p=r["p"], effect=r["effect"], effect_ci_low=r["effect_ci_low"], effect_ci_high=r["effect_ci_high"],
               n_eff=m.n_eff)
    if test == "wilcoxon":
        hu = h if w is None else st.histogram(D.ravel(), gg.ravel(), U * G)
        rk = st.wilcoxon(hu, confidence)
        out.update(statistic=rk["statistic"], df=np.full(U * G, np.nan), p=rk["p"], effect=rk["effect"],
                   effect_ci_low=rk["effect_ci_low"], effect_ci_high=rk["effect_ci_high"])
    return out


def _survey_rows(s, seg, by, settings, benchmark) -> list:
    codes = seg.codes[id(s)]
    keep = codes >= 0
    if not keep.all():
        s, codes = s.take(keep), codes[keep]
    inst, G = s.instrument, seg.G
    w = s.weights if settings.weighted else None
    targets = _targets(inst, benchmark)
    frames = []
    for vp in s.viewpoints:
        levels = single_levels(s, vp, settings.min_items_for(s), fractions=True)
        for level in ("item", "dimension", "overall"):
            cols = _level_rows(levels[level], targets[level], codes, G, w, settings.test, settings.confidence,
                               levels["overall_fraction"] if level == "overall" else None)
            dims, items = _unit_labels(inst, level)
            U = len(dims)
            f = pd.DataFrame({"source": str(s.source), "viewpoint": vp, "level": level,
                              "dimension": np.repeat(np.array(dims, dtype=object), G),
                              "item": np.repeat(np.array(items, dtype=object), G),
                              **{b: np.tile(seg.table[b].to_numpy(), U) for b in by}, **cols})
            frames.append(f)
    return frames


def perception_table(res, benchmark=None) -> pd.DataFrame:
    """Rating levels of every viewpoint against a benchmark, per item, dimension and overall score.

    Parameters
    ----------
    res : GapAnalysis
        The analysis (its surveys, ``by`` columns, weights, test, confidence and correction).
    benchmark : float, dict or None
        Target the levels are tested against: ``None`` (default) the scale midpoint
        ``(min + max)/2``; a number (e.g. a service standard of 5.5 on a 7-point scale); or a
        dict ``{dimension: target}`` for every dimension (applied to its items; the overall
        target is their mean).

    Returns
    -------
    pandas.DataFrame
        One row per survey × viewpoint × level × unit × segment: ``source, viewpoint,
        level`` (``"item"`` | ``"dimension"`` | ``"overall"``), ``dimension`` (``"overall"``
        on overall rows), ``item``, the ``by`` columns, ``n, mean, sd, se, ci_low, ci_high``
        (the mean and its t interval), ``target``, ``difference`` (= mean − target),
        ``statistic, df, p, p_adj`` (one-sample t of ``x − target``, or the signed-rank test
        with ``test="wilcoxon"``), ``effect`` (``difference / sd``, or rank-biserial),
        ``effect_ci_low, effect_ci_high, test, n_eff``. Surveys without the ``by`` columns
        are left out with a MethodWarning; a Dask survey is loaded into memory for it.

    Notes
    -----
    Item, dimension and overall scores are those of the gap tables (min-items rule, at
    least half of the dimensions for the overall score; exact fractions for integer
    ratings). Cells with fewer than 2 answers keep NaN tests. References: Cronin & Taylor
    (1992); Parasuraman, Zeithaml & Berry (1988).

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> per = sg.analyze(cust).perception_table(benchmark=5.0)
    >>> row = per.query("viewpoint == 'perceived' and level == 'overall'").iloc[0]
    >>> bool(row["target"] == 5.0 and abs(row["difference"] - (row["mean"] - 5.0)) < 1e-12)
    True
    """
    surveys, settings = surveys_and_settings(res)
    by = list(settings.by)
    frames, skipped = [], []
    for s in surveys:
        if not all(c in segment_columns(s) for c in by):
            skipped.append(str(s.source))
            continue
        if is_lazy(s):                   # a Dask survey: this table needs its ratings in memory
            s = s.to_survey()
        seg = segment(SurveySet([s]), by)
        frames += _survey_rows(s, seg, by, settings, benchmark)
    if settings.test == "wilcoxon" and settings.weighted and any(s.weights is not None for s in surveys):
        warnings.warn("rank tests (Wilcoxon) ignore survey weights; means and confidence intervals of the perception "
                      "table are still weighted.", MethodWarning, stacklevel=3)
    if skipped:
        warnings.warn(f"perception table: survey(s) {', '.join(map(repr, skipped))} have no segment column "
                      f"{', '.join(map(repr, by))} and are left out.", MethodWarning, stacklevel=3)
    cols = [*PERCEPTION_COLUMNS[:5], *by, *PERCEPTION_COLUMNS[5:]]
    if not frames:
        return pd.DataFrame(columns=cols)
    df = pd.concat(frames, ignore_index=True)
    df["test"] = "wilcoxon" if settings.test == "wilcoxon" else "t"
    fam = df.groupby(["source", "viewpoint", "level", *by], sort=False, dropna=False).ngroup().to_numpy()
    p = df["p"].to_numpy(float)
    overall = (df["level"] == "overall").to_numpy()
    p_adj = p.copy()
    p_adj[~overall] = adjust(p[~overall], fam[~overall], settings.correction)
    df["p_adj"] = p_adj
    df["n"] = df["n"].astype("int64")
    return df[cols]


# -- SERVPERF vs SERVQUAL ------------------------------------------------------------------
def _f_test(fit, R):
    """F test of ``R β = 0`` in an OLS fit: ``F = (Rb)ᵀ [R (XᵀX)⁻¹ Rᵀ]⁻¹ (Rb) / (q s²)``."""
    q = R.shape[0]
    s2 = fit["e"] @ fit["e"] / fit["df"]
    rb = R @ fit["beta"]
    F = float(rb @ np.linalg.solve(R @ fit["XtXi"] @ R.T, rb) / (q * s2))
    return F, q, fit["df"], float(special.fdtrc(q, fit["df"], F))


def _vuong(y, fa, fb):
    """Vuong (1989) z of two normal linear models on the same ``y`` (equal numbers of parameters).

    ``m_i = log f_a(y_i) − log f_b(y_i)`` with the ML variances ``σ̂² = RSS/n``;
    ``z = Σ m_i / (√n · sd(m))`` (``sd`` with divisor n); ``z > 0`` favours model a.
    """
    n = len(y)
    ll = [-0.5 * np.log(2 * np.pi * (f["e"] @ f["e"] / n)) - f["e"] ** 2 / (2 * (f["e"] @ f["e"] / n)) for f in (fa, fb)]
    m = ll[0] - ll[1]
    z = m.sum() / (np.sqrt(n) * m.std())
    return float(z), float(2 * special.ndtr(-abs(z)))


def servperf_vs_servqual(res, outcome: str | None = None, level: str = "overall", gap: int = 5) -> pd.DataFrame:
    """Do perceptions alone (SERVPERF) or the gap P − E (SERVQUAL) explain an outcome better?

    Parameters
    ----------
    res : GapAnalysis or Survey
        Customers with perceived and expected ratings and an outcome rating kept with
        ``read_survey(keep=[...])`` (overall quality, satisfaction, loyalty ...).
    outcome : str, optional
        The outcome column; default: the only numeric kept column.
    level : {"overall", "dimension"}
        Predictors: the overall score (one predictor, as Cronin & Taylor 1992) or the
        dimension scores (one per dimension).
    gap : int
        The paired gap (default 5: ``P − E``).

    Returns
    -------
    pandas.DataFrame
        Three ``kind="model"`` rows — ``servperf`` (``y ~ P``), ``servqual``
        (``y ~ (P − E)``) and ``encompassing`` (``y ~ P + E``) — with ``n, k`` (predictors),
        ``r2, adj_r2``; and three ``kind="test"`` rows: ``vuong`` (non-nested test of
        SERVPERF against SERVQUAL; ``estimate`` = R²(SERVPERF) − R²(SERVQUAL), ``statistic``
        = Vuong's z, ``favours`` the better model when ``p < alpha``), ``servperf_restriction``
        (F test of "E adds nothing to P", β_E = 0 in the encompassing model) and
        ``servqual_restriction`` (F test of "only the difference matters", β_P = −β_E).

    Notes
    -----
    Both models are restrictions of the encompassing model ``y = a + b_P P + b_E E``:
    SERVPERF sets ``b_E = 0``, SERVQUAL sets ``b_P = −b_E`` (so ``y = a + b (P − E)``). The
    nested F tests are exact under normal errors and say *which restriction the data
    reject* (Peter, Churchill & Brown 1993 recommend testing the components rather than
    assuming the difference); Vuong's (1989) likelihood-ratio test compares the two
    restricted models directly. With one predictor each (or one per dimension) the
    models have equal numbers of parameters, so Vuong's statistic needs no AIC/BIC
    correction. Ordinary least squares on the complete respondents (outcome and every
    predictor answered; the P and E scores are over the complete pairs, as in the gap
    tables); survey weights are not used (with a MethodWarning), as Vuong's theory
    assumes independent, equally weighted observations.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> out = sg.analyze(cust, weighted=False).servperf_vs_servqual(outcome="overall_sat")
    >>> out.query("kind == 'model'")["model"].tolist()
    ['servperf', 'servqual', 'encompassing']
    >>> m = out.set_index("model")
    >>> bool(m.loc["encompassing", "r2"] >= max(m.loc["servperf", "r2"], m.loc["servqual", "r2"]))
    True
    """
    if level not in ("overall", "dimension"):
        raise ConfigError(f"level={level!r}; use \"overall\" (one score, as Cronin & Taylor 1992) or \"dimension\".")
    surveys, settings = surveys_and_settings(res)
    s, levels = gap_scores(res, gap)
    oy = outcome_column(s, outcome)
    if oy is None:
        raise ConfigError(f"survey {s.source!r} has no numeric outcome rating; keep one with read_survey(keep=[...]) "
                          "and pass outcome=\"<column>\".")
    name, y = oy
    G, E, P = levels[level]
    if level == "overall":
        G, E, P = G[:, :1], E[:, :1], P[:, :1]
    ok = np.isfinite(y) & np.isfinite(G).all(axis=1) & np.isfinite(E).all(axis=1) & np.isfinite(P).all(axis=1)
    k = G.shape[1]
    if ok.sum() <= 2 * k + 2:
        raise ConfigError(f"only {int(ok.sum())} respondents have the outcome {name!r} and every {level} score of P "
                          f"and E; the comparison needs more than {2 * k + 2}.")
    if s.weights is not None and settings.weighted:
        warnings.warn("servperf_vs_servqual fits unweighted least squares (Vuong's test assumes equally weighted "
                      "observations); the gap tables are weighted.", MethodWarning, stacklevel=3)
    y, G, E, P = y[ok], G[ok], E[ok], P[ok]
    fits = {"servperf": least_squares(y, P), "servqual": least_squares(y, G),
            "encompassing": least_squares(y, np.column_stack([P, E]))}
    preds = {"servperf": "P", "servqual": "P − E", "encompassing": "P + E"}
    rows = [dict(kind="model", model=m, level=level, outcome=name, predictors=preds[m], n=len(y), k=f["k"],
                 r2=f["r2"], adj_r2=f["adj_r2"]) for m, f in fits.items()]
    z, p = _vuong(y, fits["servperf"], fits["servqual"])
    better = "servperf" if z > 0 else "servqual"
    rows.append(dict(kind="test", model="vuong", level=level, outcome=name, n=len(y), statistic=z, p=p,
                     estimate=fits["servperf"]["r2"] - fits["servqual"]["r2"],
                     favours=better if p < settings.alpha else "neither"))
    eye = np.eye(2 * k + 1)
    for model, R, reject in (("servperf_restriction", eye[1 + k:], "encompassing"),
                             ("servqual_restriction", eye[1:1 + k] + eye[1 + k:], "encompassing")):
        F, q, df2, pf = _f_test(fits["encompassing"], R)
        rows.append(dict(kind="test", model=model, level=level, outcome=name, n=len(y), statistic=F, df1=q, df2=df2,
                         p=pf, favours=reject if pf < settings.alpha else model.split("_")[0]))
    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    out["n"] = out["n"].astype("int64")
    return out


__all__ = ["PERCEPTION_COLUMNS", "COMPARISON_COLUMNS", "perception_table", "servperf_vs_servqual"]
