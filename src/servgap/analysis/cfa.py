"""Confirmatory factor analysis of the dimension structure (numpy/scipy; no extra needed).

One factor per dimension, every item loading on its own dimension only, factors
correlated; the first loading of each factor is fixed to 1 (lavaan's default) and the
completely standardised solution (lavaan ``std.all``) is reported beside it.

- ``ordered=False`` (default): maximum likelihood on the covariance matrix (divisor
  ``N``), fully converged by Fisher scoring with the analytic gradient
  (`servgap.stats.sem.fit_ml`); standard errors from the expected information, as
  ``lavaan::cfa(estimator = "ML")``.
- ``ordered=True``: the items are ordinal; two-step polychoric correlations
  (`servgap.stats.polychoric`), DWLS estimation and robust standard errors with the
  mean-and-variance adjusted (scaled-and-shifted) test, as
  ``lavaan::cfa(ordered = TRUE, estimator = "WLSMV")`` (`servgap.stats.sem.fit_dwls`).

Missing data: **listwise deletion** over the items analysed (``n`` in ``fit``). Survey
weights are not used (as lavaan without ``sampling.weights``).

The fit statistics and their definitions are in `servgap.stats.fitindex` and the
methodology (docs/psychometrics.md). Per dimension (standardised loadings ``λ``):
composite reliability ``CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²))`` and average variance extracted
``AVE = Σλ² / k`` (Fornell & Larcker 1981). Discriminant validity (Fornell–Larcker):
``√AVE`` of each dimension exceeds its correlations with every other dimension.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..errors import ConfigError, DataError, MethodWarning
from ..stats import fitindex, sem
from ..stats.fitindex import incremental_fit, rmsea_ci  # noqa: F401  (public here since wave 1)
from ..stats.polychoric import polychoric

_SCALED_KEYS = ("chi2_scaled", "p_scaled", "scaling_factor", "shift_parameter", "chi2_baseline_scaled",
                "cfi_scaled", "tli_scaled", "rmsea_scaled", "rmsea_scaled_ci_low", "rmsea_scaled_ci_high")


@dataclass
class CFAResult:
    """Result of `cfa`.

    Attributes
    ----------
    loadings : DataFrame
        ``dimension, item, estimate, std_loading, se, z, p`` (the marker item of each
        dimension has ``estimate = 1`` and no ``se``).
    reliability : DataFrame
        ``dimension, n_items, cr, ave, sqrt_ave, max_r, fornell_larcker_ok``.
    fornell_larcker : DataFrame
        Dimensions × dimensions: ``√AVE`` on the diagonal, factor correlations off it.
    factor_correlations : DataFrame
    fit : dict
        ``viewpoint, estimator ("ML" | "WLSMV"), test, missing, n, n_params, chi2, df, p,
        chi2_baseline, df_baseline, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high,
        rmsea_ci_level, srmr, srmr_bentler, crmr, srmr_mplus, converged, iterations,
        max_gradient`` and the robust values ``chi2_scaled, p_scaled, scaling_factor,
        shift_parameter, chi2_baseline_scaled, cfi_scaled, tli_scaled, rmsea_scaled,
        rmsea_scaled_ci_low, rmsea_scaled_ci_high`` (NaN for ML).
    thresholds : DataFrame or None
        ``ordered=True``: ``dimension, item, threshold, value`` (``threshold`` k separates
        the k-th and (k+1)-th observed category).
    model : servgap.stats.sem.Fit
        The estimated model (parameters, implied matrix, covariance of the estimates).
    """

    loadings: pd.DataFrame
    reliability: pd.DataFrame
    fornell_larcker: pd.DataFrame
    factor_correlations: pd.DataFrame
    fit: dict
    thresholds: pd.DataFrame | None = None
    model: object = field(default=None, repr=False)

    def __repr__(self) -> str:
        f = self.fit
        sc = "_scaled" if f["estimator"] == "WLSMV" else ""
        chi = "χ²_scaled" if sc else "χ²"
        head = (f"CFA ({f['viewpoint']}, {f['estimator']}, {f['missing']}, n = {f['n']}): "
                f"{chi}({f['df']}) = {f['chi2' + sc]:.2f}, p = {f['p' + sc]:.3g}; CFI = {f['cfi' + sc]:.3f}, "
                f"TLI = {f['tli' + sc]:.3f}, RMSEA = {f['rmsea' + sc]:.3f} [{f['rmsea' + sc + '_ci_low']:.3f}, "
                f"{f['rmsea' + sc + '_ci_high']:.3f}], SRMR = {f['srmr']:.3f}")
        return head + "\n" + self.reliability.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def srmr(S: np.ndarray, Sigma: np.ndarray) -> float:
    """lavaan's SRMR (``srmr_bentler``) of a covariance structure; see `servgap.stats.fitindex.srmr`."""
    return fitindex.srmr(S, Sigma)["srmr"]


def composite_reliability(std_loadings: np.ndarray) -> tuple[float, float]:
    """``(CR, AVE)`` from the standardised loadings of one factor (Fornell & Larcker 1981).

    Examples
    --------
    >>> cr, ave = composite_reliability([0.7, 0.8, 0.9])
    >>> round(cr, 4), round(ave, 4)
    (0.8446, 0.6467)
    """
    lam = np.asarray(std_loadings, float)
    s = lam.sum() ** 2
    return float(s / (s + (1 - lam ** 2).sum())), float((lam ** 2).mean())


def _items(survey, viewpoint):
    if viewpoint == "gap":
        if not {"expected", "perceived"} <= set(survey.data):
            raise ConfigError(f"viewpoint=\"gap\" needs expected and perceived ratings in survey {survey.source!r}.")
        return survey.data["perceived"] - survey.data["expected"]
    if viewpoint not in survey.data:
        raise ConfigError(f"survey {survey.source!r} has no viewpoint {viewpoint!r}; it has "
                          f"{', '.join(survey.viewpoints)} (or use \"gap\").")
    return survey.data[viewpoint]


def _check_items(X, inst, ordered, source, viewpoint):
    """Clear errors for items a CFA cannot use (constant, or non-integer when ordinal)."""
    for j, item in enumerate(inst.item_ids):
        values = np.unique(X[:, j])
        if len(values) < 2:
            raise DataError(f"survey {source!r}, viewpoint {viewpoint!r}, item {item!r}: every complete respondent "
                            f"answered {values[0]:g}; a constant item has no covariance with its dimension. "
                            "Leave the item out of the instrument for the CFA.")
        if ordered and not np.allclose(values, np.round(values)):
            odd = values[~np.isclose(values, np.round(values))][0]
            raise ConfigError(f"survey {source!r}, viewpoint {viewpoint!r}, item {item!r}: ordered=True treats the "
                              f"distinct ratings as ordered categories, but the item has value {odd:g}; use "
                              "ordered=False for continuous scores.")


def _ml_fit(X, n, inst, source, viewpoint):
    S = np.cov(X, rowvar=False, bias=True)
    w = np.linalg.eigvalsh(S / np.sqrt(np.outer(np.diag(S), np.diag(S))))
    if w[0] < 1e-10:
        raise DataError(f"CFA of survey {source!r}, viewpoint {viewpoint!r}: the item covariance matrix of the {n} "
                        f"complete respondents is singular (an item is a linear combination of others, or there are "
                        f"fewer respondents than items); maximum likelihood needs it invertible. Use more respondents "
                        f"or ordered=True.")
    return sem.fit_ml(S, n, inst.item_dimension), None


def _ordinal_fit(X, n, inst, source, viewpoint):
    pc = polychoric(X, names=inst.item_ids)
    i, j = np.tril_indices(X.shape[1], -1)
    fit = sem.fit_dwls(pc.r[i, j], pc.gamma, n, inst.item_dimension)
    fit.extra["polychoric"] = pc
    rows = [dict(dimension=inst.dimension_ids[inst.item_dimension[k]], item=item, threshold=t + 1, value=float(v))
            for k, item in enumerate(inst.item_ids) for t, v in enumerate(pc.thresholds[k])]
    return fit, pd.DataFrame(rows)


def _fit_dict(fit, viewpoint, n_params, level) -> dict:
    ordinal = fit.estimator == "DWLS"
    n_rmsea = fit.n - 1 if ordinal else fit.n           # lavaan: N for ML, N − 1 for DWLS
    chi2, df = float(fit.chi2), int(fit.df)
    xb, dfb = float(fit.extra["chi2_baseline"]), int(fit.extra["df_baseline"])
    r, lo, hi = rmsea_ci(chi2, df, n_rmsea, level)
    cfi, tli = incremental_fit(chi2, df, xb, dfb)
    out = dict(viewpoint=viewpoint, estimator="WLSMV" if ordinal else "ML",
               test="scaled.shifted" if ordinal else "standard", missing="listwise", n=fit.n, n_params=n_params,
               chi2=chi2, df=df, p=np.nan if ordinal else float(_st.chi2.sf(chi2, df)),
               chi2_baseline=xb, df_baseline=dfb, cfi=cfi, tli=tli, rmsea=r, rmsea_ci_low=lo, rmsea_ci_high=hi,
               rmsea_ci_level=level, **fitindex.srmr(fit.extra["S"], fit.implied, correlations=ordinal),
               converged=fit.converged, iterations=fit.iterations, max_gradient=float(np.max(np.abs(fit.gradient))))
    out.update(dict.fromkeys(_SCALED_KEYS, np.nan))
    if ordinal:
        v, gamma = fit.extra["v"], fit.extra["gamma"]
        ss = fitindex.scaled_shifted(chi2, df, *fitindex.ugamma_traces(v, fit.extra["delta"], gamma))
        bs = fitindex.scaled_shifted(xb, dfb, *fitindex.ugamma_traces(v, None, gamma))
        rs, rlo, rhi = rmsea_ci(ss["chi2"], df, n_rmsea, level)
        cfi_s, tli_s = incremental_fit(ss["chi2"], df, bs["chi2"], dfb)
        out.update(chi2_scaled=ss["chi2"], p_scaled=ss["p"], scaling_factor=ss["scaling_factor"],
                   shift_parameter=ss["shift"], chi2_baseline_scaled=bs["chi2"], cfi_scaled=cfi_s,
                   tli_scaled=tli_s, rmsea_scaled=rs, rmsea_scaled_ci_low=rlo, rmsea_scaled_ci_high=rhi)
    return out


def _loadings(fit, inst) -> pd.DataFrame:
    st = fit.structure
    est = fit.lam[np.arange(st.p), st.item_factor]
    se = np.full(st.p, np.nan)
    se[st.free] = fit.se[:len(st.free)]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = est / se
    return pd.DataFrame(dict(dimension=[inst.dimension_ids[k] for k in st.item_factor], item=list(inst.item_ids),
                             estimate=est, std_loading=fit.std_loadings, se=se, z=z, p=2 * _st.norm.sf(np.abs(z))))


def _validity(loadings, phi, dims, sizes):
    rel = []
    for k, d in enumerate(dims):
        cr, ave = composite_reliability(loadings.loc[loadings["dimension"] == d, "std_loading"])
        others = np.abs(np.delete(phi[k], k))
        rel.append(dict(dimension=d, n_items=int(sizes[k]), cr=cr, ave=ave, sqrt_ave=np.sqrt(ave),
                        max_r=float(others.max()) if len(others) else np.nan,
                        fornell_larcker_ok=bool(np.sqrt(ave) > others.max()) if len(others) else True))
    rel = pd.DataFrame(rel)
    flm = phi.copy()
    np.fill_diagonal(flm, rel["sqrt_ave"].to_numpy())
    return rel, pd.DataFrame(flm, index=dims, columns=dims)


def cfa(survey, viewpoint: str = "perceived", ordered: bool = False, missing: str = "listwise",
        rmsea_level: float = 0.90) -> CFAResult:
    """Fit the correlated-factors CFA of the instrument's dimensions to one viewpoint.

    Parameters
    ----------
    survey : Survey
    viewpoint : str
        ``"perceived"`` (default), ``"expected"``, another viewpoint, or ``"gap"``
        (item gap scores ``P − E``).
    ordered : bool
        ``False``: maximum likelihood on the covariances (lavaan ``estimator = "ML"``).
        ``True``: the ratings are ordinal categories; polychoric correlations, DWLS and
        the robust WLSMV test (lavaan ``ordered = TRUE, estimator = "WLSMV"``).
    missing : {"listwise"}
        Respondents with any missing item are left out (stated in ``fit``).
    rmsea_level : float
        Level of the RMSEA interval (0.90 by convention).

    Returns
    -------
    CFAResult

    Examples
    --------
    >>> import warnings
    >>> cust, _ = sg.load_example()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")       # the synthetic example gives an improper solution
    ...     res = cfa(cust)
    ...     ordinal = cfa(cust, ordered=True)
    >>> res.fit["estimator"], res.fit["n"], res.fit["df"], bool(res.fit["converged"])
    ('ML', 755, 199, True)
    >>> ordinal.fit["estimator"], ordinal.fit["df"], bool(np.isfinite(ordinal.fit["cfi_scaled"]))
    ('WLSMV', 199, True)
    >>> list(ordinal.thresholds.columns)
    ['dimension', 'item', 'threshold', 'value']
    """
    if not isinstance(ordered, (bool, np.bool_)):
        raise ConfigError(f"ordered={ordered!r}: use True (every item is ordinal) or False (ratings as continuous).")
    if missing != "listwise":
        raise ConfigError(f"missing={missing!r}: only \"listwise\" is supported; impute first if listwise deletion "
                          "loses too many respondents.")
    inst = survey.instrument
    X = _items(survey, viewpoint)
    X = X[~np.isnan(X).any(axis=1)]
    n, p, nf = len(X), len(inst.item_ids), len(inst.dimensions)
    sizes = np.bincount(inst.item_dimension, minlength=nf)
    if (sizes < 2).any():
        raise ConfigError("CFA needs at least two items per dimension; "
                          f"{inst.dimensions[int(np.argmin(sizes))].id!r} has {sizes.min()}.")
    if n < 3:
        raise DataError(f"CFA of survey {survey.source!r}, viewpoint {viewpoint!r}: only {n} respondents answered "
                        "every item; listwise deletion leaves too few for a CFA.")
    _check_items(X, inst, ordered, survey.source, viewpoint)
    n_params = (p - nf) + nf + nf * (nf - 1) // 2
    n_params += sum(len(np.unique(X[:, j])) - 1 for j in range(p)) if ordered else p
    if n < max(200, 5 * n_params):
        warnings.warn(f"CFA on {n} complete respondents for {n_params} parameters: below the usual minimum "
                      f"(n >= 200 and n >= 5 per parameter = {5 * n_params}); estimates and fit are unstable.",
                      MethodWarning, stacklevel=2)
    fit, thresholds = (_ordinal_fit if ordered else _ml_fit)(X, n, inst, survey.source, viewpoint)
    if not fit.converged:
        warnings.warn(f"the CFA of {viewpoint!r} did not converge (largest gradient "
                      f"{np.max(np.abs(fit.gradient)):.2g}); the estimates are not a maximum.", MethodWarning,
                      stacklevel=2)
    loadings = _loadings(fit, inst)
    dims = list(inst.dimension_ids)
    phi = fit.factor_correlations
    rel, fl = _validity(loadings, phi, dims, sizes)
    if (np.abs(phi) > 1).any() or (loadings["std_loading"].abs() > 1).any() or (fit.psi < 0).any():
        warnings.warn("improper CFA solution (Heywood case): a factor correlation or standardised loading exceeds 1 "
                      "in absolute value (or a residual variance is negative); the dimensions are not separable in "
                      "these data.", MethodWarning, stacklevel=2)
    return CFAResult(loadings=loadings, reliability=rel, fornell_larcker=fl,
                     factor_correlations=pd.DataFrame(phi, index=dims, columns=dims),
                     fit=_fit_dict(fit, viewpoint, n_params, rmsea_level), thresholds=thresholds, model=fit)


def cfa_table(res, viewpoint: str = "perceived", **kwargs) -> CFAResult:
    """`cfa` of the analysed survey that holds ``viewpoint`` (``res.validity``)."""
    need = {"expected", "perceived"} if viewpoint == "gap" else {viewpoint}
    for s in res.surveys:
        if need <= set(s.data):
            return cfa(s, viewpoint, **kwargs)
    raise ConfigError(f"no analysed survey has {viewpoint!r} ratings for the CFA.")
