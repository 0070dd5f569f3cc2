"""What matters: stated and derived importance of the dimensions, and the IPA grid.

- **Stated importance**: each respondent's 100-point allocation over the dimensions,
  normalised to shares of 100 (``100 · a_d / Σ_d a_d``; rows with no points are left
  out), averaged per dimension (weighted mean with survey weights) with a t-based CI
  (Kish effective n).
- **Derived importance**: OLS of an outcome (an overall quality / satisfaction /
  loyalty rating kept with ``read_survey(keep=[...])``) on the respondents' dimension
  perception scores (or gap scores), weighted least squares with the survey weights
  (`servgap.stats.regression`) and HC3 heteroscedasticity-robust standard errors
  (MacKinnon & White 1985); ``p`` and the CI use the t distribution on the residual
  degrees of freedom ``n − k − 1``, as R
  ``lmtest::coeftest(lm, vcov = sandwich::vcovHC(type = "HC3"))``; listwise deletion over
  the outcome and all dimensions. ``beta`` is the standardised coefficient. Relative importance
  ``shapley`` is the Shapley (general-dominance) share of R² (Lipovetsky & Conklin
  2001; Azen & Budescu 2003), exact over all ``2^k`` subsets (k ≤ 10); the shares sum
  to the model's R².
- **Importance–performance analysis** (Martilla & James 1977): importance (stated
  when the survey has an allocation, else derived Shapley R² shares) against
  performance (mean perception over respondents with both P and E, as in the gap-5
  table); split at the *mean* importance and the *mean* performance over the
  dimensions: high importance & low performance = "concentrate here", high & high =
  "keep up", low & low = "low priority", low & high = "possible overkill". Values on a
  split line count as high. The quadrants, their rule and their labels are
  `servgap.model.ipa`'s (the one set plots and reports use too).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import stats as st
from ..engine.kernel import unit_groups, unit_sums
from ..engine.scores import gap_scores, outcome_column, surveys_and_settings
from ..errors import ConfigError, MethodWarning
from ..model.ipa import QUADRANT_LABELS, QUADRANTS, quadrant_label, quadrant_of  # noqa: F401 (re-exported)
from ..stats.regression import coefficient_tests, hc3, least_squares
from ..stats.relimp import MAX_K, shapley_r2, weighted_corr

IMPORTANCE_COLUMNS = ["dimension", "stated_mean", "stated_ci_low", "stated_ci_high", "stated_n", "stated_rank",
                      "outcome", "predictors", "n", "coef", "se", "p", "coef_ci_low", "coef_ci_high", "beta",
                      "shapley", "shapley_share", "r2", "derived_rank"]
IPA_COLUMNS = ["dimension", "importance", "importance_basis", "performance", "gap", "quadrant"]


def _customer_survey(source):
    surveys, settings = surveys_and_settings(source)
    for s in surveys:
        if "perceived" in s.data:
            return s, settings
    raise ConfigError("importance needs a customer survey with perceived ratings (columns={\"perceived\": ...}).")


def stated_importance(survey, weighted: bool = True, confidence: float = 0.95) -> pd.DataFrame:
    """Mean share (of 100 points) per dimension with its CI, from the importance allocation.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> stated_importance(cust)[["dimension", "stated_mean"]].round(1)
            dimension  stated_mean
    0       tangibles         12.7
    1     reliability         30.5
    2  responsiveness         26.5
    3       assurance         17.3
    4         empathy         13.0
    """
    dims = survey.instrument.dimension_ids
    nan = np.full(len(dims), np.nan)
    if survey.importance is None:
        return pd.DataFrame(dict(dimension=dims, stated_mean=nan, stated_ci_low=nan, stated_ci_high=nan,
                                 stated_n=np.zeros(len(dims), np.int64)))
    A = np.asarray(survey.importance, float)
    tot = A.sum(axis=1)
    ok = np.isfinite(tot) & (tot > 0)
    shares = 100 * A[ok] / tot[ok, None]
    m = column_moments(shares, survey.weights[ok] if weighted and survey.weights is not None else None)
    r = st.t_test(m, confidence)
    return pd.DataFrame(dict(dimension=dims, stated_mean=m.mean, stated_ci_low=r["ci_low"], stated_ci_high=r["ci_high"],
                             stated_n=m.n.astype(np.int64)))


def column_moments(M: np.ndarray, w: np.ndarray | None = None) -> st.Moments:
    """Weighted moments of each column of a complete matrix (see `servgap.stats.moments`)."""
    k = M.shape[1]
    column = np.broadcast_to(np.arange(k), M.shape).ravel()
    ww = None if w is None else np.broadcast_to(np.asarray(w, float)[:, None], M.shape).ravel()
    return st.moments(st.histogram(M.ravel(), column, k, ww))     # the kernel's one moment formula


def _predictors(survey, predictors, min_items):
    if predictors == "perceived":
        return survey.dimension_scores("perceived", min_items).to_numpy()
    if predictors == "gap":
        return gap_scores(survey, 5, min_items)[1]["dimension"][0]
    raise ConfigError(f"predictors={predictors!r}; use \"perceived\" or \"gap\".")


def derived_importance(survey, outcome: str | None = None, predictors: str = "perceived", weighted: bool = True,
                       confidence: float = 0.95, min_items: float | None = None) -> pd.DataFrame:
    """OLS (HC3) of an outcome on the dimension scores, with Shapley R² shares.

    Returns one row per dimension: ``dimension, outcome, predictors, n, coef, se, p,
    coef_ci_low, coef_ci_high, beta, shapley, shapley_share, r2`` (empty coefficients
    when the survey has no usable outcome).

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> d = derived_importance(cust, outcome="overall_sat")
    >>> bool(abs(d["shapley"].sum() - d["r2"].iloc[0]) < 1e-12)
    True
    """
    dims = survey.instrument.dimension_ids
    k = len(dims)
    out = pd.DataFrame({"dimension": dims}).reindex(columns=IMPORTANCE_COLUMNS[:1] + IMPORTANCE_COLUMNS[6:-1])
    out["predictors"] = predictors
    oy = outcome_column(survey, outcome)
    if oy is None:
        out["n"] = 0
        return out
    name, y = oy
    X = _predictors(survey, predictors, survey.min_items if min_items is None else min_items)
    w = survey.weights if weighted and survey.weights is not None else np.ones(len(y))
    ok = np.isfinite(y) & np.isfinite(X).all(axis=1) & (w > 0)
    X, y, w = X[ok], y[ok], w[ok]
    n = len(y)
    out["outcome"], out["n"] = name, n
    if n <= k + 1:
        warnings.warn(f"derived importance: only {n} complete respondents for {k} dimensions; no regression.",
                      MethodWarning, stacklevel=3)
        return out
    if n < 10 * (k + 1):
        warnings.warn(f"derived importance rests on {n} respondents for {k} predictors (fewer than 10 per "
                      "parameter); coefficients are unstable.", MethodWarning, stacklevel=3)
    # HC3 standard errors with t on the residual df (n − k − 1), as R coeftest(lm, vcovHC(type = "HC3"))
    fit = least_squares(y, X, w)
    tests = coefficient_tests(fit, hc3(fit), confidence)
    R = weighted_corr(np.column_stack([X, y]), w)
    sd = np.sqrt(np.diag(np.cov(np.column_stack([X, y]), rowvar=False, aweights=w)))
    out["coef"], out["se"], out["p"] = fit["beta"][1:], tests["se"][1:], tests["p"][1:]
    out["coef_ci_low"], out["coef_ci_high"] = tests["ci_low"][1:], tests["ci_high"][1:]
    out["beta"] = fit["beta"][1:] * sd[:k] / sd[k]
    if k <= MAX_K:
        phi = shapley_r2(R)
        out["shapley"] = phi
        out["shapley_share"] = phi / phi.sum()
    else:
        warnings.warn(f"Shapley R² decomposition is exact for up to {MAX_K} dimensions; {k} given, left empty.",
                      MethodWarning, stacklevel=3)
    out["r2"] = fit["r2"]
    return out


def importance(survey, outcome: str | None = None, predictors: str = "perceived", weighted: bool = True,
               confidence: float = 0.95, min_items: float | None = None) -> pd.DataFrame:
    """Stated and derived importance per dimension with their ranks (1 = most important).

    Parameters
    ----------
    survey : Survey
        Customers with perceived (and expected) ratings, an importance allocation and/or
        an outcome column kept with ``keep=``.
    outcome : str, optional
        Outcome column in ``survey.extra``; default: the only numeric kept column.
    predictors : {"perceived", "gap"}
        Dimension perception scores or gap-5 scores.
    weighted : bool
        Use the survey weights (weighted means; WLS).

    Returns
    -------
    pandas.DataFrame
        ``dimension, stated_mean, stated_ci_low, stated_ci_high, stated_n, stated_rank,
        outcome, predictors, n, coef, se, p, coef_ci_low, coef_ci_high, beta, shapley,
        shapley_share, r2, derived_rank``.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> importance(cust)[["dimension", "stated_rank", "derived_rank"]]
            dimension  stated_rank  derived_rank
    0       tangibles            5             5
    1     reliability            1             4
    2  responsiveness            2             3
    3       assurance            3             2
    4         empathy            4             1
    """
    stated = stated_importance(survey, weighted, confidence)
    derived = derived_importance(survey, outcome, predictors, weighted, confidence, min_items)
    if survey.importance is None and derived["coef"].isna().all():
        raise ConfigError(f"survey {survey.source!r} has neither an importance allocation (importance=...) nor an "
                          "outcome rating (keep=[...]); nothing to derive importance from.")
    df = stated.merge(derived, on="dimension")
    df["stated_rank"] = df["stated_mean"].rank(ascending=False, method="min").astype("Int64")
    df["derived_rank"] = df["shapley"].rank(ascending=False, method="min").astype("Int64")
    return df[IMPORTANCE_COLUMNS]


def importance_table(res, outcome: str | None = None, predictors: str = "perceived") -> pd.DataFrame:
    """`importance` of the analysed customer survey (``res.importance``)."""
    s, settings = _customer_survey(res)
    return importance(s, outcome, predictors, settings.weighted, settings.confidence,
                      settings.min_items)


def _wmean(M, w):
    """Weighted mean of each column over its answers (the kernel's grouped sums, one group)."""
    sums = unit_sums(M, unit_groups(np.zeros(len(M), np.intp), M.shape[1], 1), 1, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums[0] / sums[1]


def ipa(survey, basis: str = "auto", outcome: str | None = None, weighted: bool = True,
        min_items: float | None = None) -> pd.DataFrame:
    """Importance–performance analysis per dimension (Martilla & James 1977).

    Parameters
    ----------
    survey : Survey
    basis : {"auto", "stated", "derived"}
        ``"auto"``: stated when the survey has an importance allocation, else derived.

    Returns
    -------
    pandas.DataFrame
        ``dimension, importance`` (mean share of 100 points, or Shapley R² share),
        ``importance_basis, performance`` (mean perception), ``gap`` (mean gap 5),
        ``quadrant``. Split at the mean importance and the mean performance.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> ipa(cust)[["dimension", "importance_basis", "quadrant"]]
            dimension importance_basis           quadrant
    0       tangibles           stated  possible overkill
    1     reliability           stated   concentrate here
    2  responsiveness           stated   concentrate here
    3       assurance           stated  possible overkill
    4         empathy           stated  possible overkill
    """
    if basis not in ("auto", "stated", "derived"):
        raise ConfigError(f"basis={basis!r}; use \"auto\", \"stated\" or \"derived\".")
    if basis == "auto":
        basis = "stated" if survey.importance is not None else "derived"
    if basis == "stated":
        if survey.importance is None:
            raise ConfigError(f"basis=\"stated\" needs an importance allocation in survey {survey.source!r} "
                              "(read_survey(importance=...)); or use basis=\"derived\".")
        imp = stated_importance(survey, weighted)["stated_mean"].to_numpy()
    else:
        d = derived_importance(survey, outcome, "perceived", weighted, min_items=min_items)
        if d["shapley"].isna().all():
            raise ConfigError(f"basis=\"derived\" needs an outcome rating in survey {survey.source!r} "
                              "(read_survey(keep=[...]), outcome=...).")
        imp = d["shapley_share"].to_numpy()
    w = survey.weights if weighted else None
    if "expected" in survey.data:
        dg, _, dl = gap_scores(survey, 5, min_items)[1]["dimension"]
        gap = _wmean(dg, w)
    else:
        dl, gap = survey.dimension_scores("perceived", min_items).to_numpy(), np.full(len(imp), np.nan)
    perf = _wmean(dl, w)
    quad = quadrant_of(imp, perf)
    return pd.DataFrame(dict(dimension=survey.instrument.dimension_ids, importance=imp, importance_basis=basis,
                             performance=perf, gap=gap, quadrant=quad))[IPA_COLUMNS]


def ipa_table(res, basis: str = "auto", outcome: str | None = None) -> pd.DataFrame:
    """`ipa` of the analysed customer survey (``res.ipa``)."""
    s, settings = _customer_survey(res)
    return ipa(s, basis, outcome, settings.weighted, settings.min_items)
