"""Confirmatory factor analysis of the dimension structure (optional extra ``sem``: semopy).

One factor per dimension, every item loading on its own dimension only, factors
correlated, fitted by maximum likelihood (semopy ``MLW``; the first loading of each
factor fixed to 1, standardised solution reported).

Missing data: **listwise deletion** over the items analysed (``n`` in ``fit``).
semopy's FIML objective gives estimates but no valid fit statistics, so it is not
offered.

Fit (``fit`` dict): ``chi2 = N · F_ML`` with its ``df`` and ``p``; CFI (bounded to [0, 1]) and TLI
against the independence model (`incremental_fit`);
``rmsea = √(max(χ² − df, 0) / (df N))`` with its CI from the noncentral χ²
(Browne & Cudeck 1993): ``λ_L``, ``λ_U`` solve ``P(χ²_df(λ) ≤ χ²) = (1 ± c)/2`` and
``rmsea = √(λ / (df N))`` (``N`` as in lavaan, consistent with ``χ² = N · F``;
semopy's own RMSEA divides by ``N − 1``); SRMR from the observed and model-implied correlation
matrices ``r``, ``ρ̂`` (Hu & Bentler 1999)::

    SRMR = √( Σ_{i≤j} (r_ij − ρ̂_ij)² / (p (p + 1) / 2) )

Per dimension (standardised loadings ``λ``): composite reliability
``CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²))`` and average variance extracted
``AVE = Σλ² / k`` (Fornell & Larcker 1981). Discriminant validity (Fornell–Larcker):
``√AVE`` of each dimension exceeds its correlations with every other dimension.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as _st

from ..errors import ConfigError, MethodWarning

INSTALL_HINT = "confirmatory factor analysis needs semopy: pip install \"servgap[sem]\" (or pip install semopy)."


@dataclass
class CFAResult:
    """Result of `cfa`.

    Attributes
    ----------
    loadings : DataFrame
        ``dimension, item, estimate, std_loading, se, z, p``.
    reliability : DataFrame
        ``dimension, n_items, cr, ave, sqrt_ave, max_r, fornell_larcker_ok``.
    fornell_larcker : DataFrame
        Dimensions × dimensions: ``√AVE`` on the diagonal, factor correlations off it.
    factor_correlations : DataFrame
    fit : dict
        ``viewpoint, estimator, missing, n, n_params, chi2, df, p, cfi, tli, rmsea,
        rmsea_ci_low, rmsea_ci_high, rmsea_ci_level, srmr``.
    """

    loadings: pd.DataFrame
    reliability: pd.DataFrame
    fornell_larcker: pd.DataFrame
    factor_correlations: pd.DataFrame
    fit: dict
    model: object = field(default=None, repr=False)

    def __repr__(self) -> str:
        f = self.fit
        head = (f"CFA ({f['viewpoint']}, {f['estimator']}, {f['missing']}, n = {f['n']}): "
                f"χ²({f['df']}) = {f['chi2']:.2f}, p = {f['p']:.3g}; CFI = {f['cfi']:.3f}, TLI = {f['tli']:.3f}, "
                f"RMSEA = {f['rmsea']:.3f} [{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}], "
                f"SRMR = {f['srmr']:.3f}")
        return head + "\n" + self.reliability.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def rmsea_ci(chi2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float, float]:
    """RMSEA and its confidence interval from the noncentral χ² (Browne & Cudeck 1993).

    Examples
    --------
    >>> r, lo, hi = rmsea_ci(10.2256, 8, 500)
    >>> round(r, 4), lo
    (0.0236, 0.0)
    """
    point = float(np.sqrt(max(chi2 - df, 0.0) / (df * n))) if df > 0 else np.nan
    if df <= 0 or not np.isfinite(chi2):
        return point, np.nan, np.nan

    def lam(prob):
        f = lambda L: _st.ncx2.cdf(chi2, df, L) - prob if L > 0 else _st.chi2.cdf(chi2, df) - prob
        if f(0.0) < 0:
            return 0.0
        hi = max(chi2, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-10)

    lo, hi = lam((1 + level) / 2), lam((1 - level) / 2)
    return point, float(np.sqrt(lo / (df * n))), float(np.sqrt(hi / (df * n)))


def incremental_fit(chi2: float, df: int, chi2_base: float, df_base: int) -> tuple[float, float]:
    """CFI (Bentler 1990, bounded to [0, 1]) and TLI (Tucker & Lewis 1973) against the independence model.

    ``CFI = 1 − max(χ² − df, 0) / max(χ²_b − df_b, χ² − df, 0)``;
    ``TLI = (χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1)``.
    """
    d, db = max(chi2 - df, 0.0), max(chi2_base - df_base, 0.0)
    cfi = 1.0 - d / max(db, d) if max(db, d) > 0 else 1.0
    tli = (chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1) if df > 0 and df_base > 0 else np.nan
    return float(cfi), float(tli)


def srmr(S: np.ndarray, Sigma: np.ndarray) -> float:
    """Standardised root mean square residual from observed and implied covariances.

    Both are turned into correlation matrices; the mean runs over the ``p(p+1)/2``
    elements on and below the diagonal.
    """
    ds, dm = np.sqrt(np.diag(S)), np.sqrt(np.diag(Sigma))
    R, P = S / np.outer(ds, ds), Sigma / np.outer(dm, dm)
    i, j = np.tril_indices(len(S))
    return float(np.sqrt(((R - P)[i, j] ** 2).mean()))


def composite_reliability(std_loadings: np.ndarray) -> tuple[float, float]:
    """``(CR, AVE)`` from the standardised loadings of one factor (Fornell & Larcker 1981)."""
    lam = np.asarray(std_loadings, float)
    s = lam.sum() ** 2
    return float(s / (s + (1 - lam ** 2).sum())), float((lam ** 2).mean())


def _name(x: str) -> str:
    return re.sub(r"\W", "_", str(x))


def _items(survey, viewpoint):
    if viewpoint == "gap":
        if not {"expected", "perceived"} <= set(survey.data):
            raise ConfigError(f"viewpoint=\"gap\" needs expected and perceived ratings in survey {survey.source!r}.")
        return survey.data["perceived"] - survey.data["expected"]
    if viewpoint not in survey.data:
        raise ConfigError(f"survey {survey.source!r} has no viewpoint {viewpoint!r}; it has "
                          f"{', '.join(survey.viewpoints)} (or use \"gap\").")
    return survey.data[viewpoint]


def cfa(survey, viewpoint: str = "perceived", missing: str = "listwise", rmsea_level: float = 0.90) -> CFAResult:
    """Fit the correlated-factors CFA of the instrument's dimensions to one viewpoint.

    Parameters
    ----------
    survey : Survey
    viewpoint : str
        ``"perceived"`` (default), ``"expected"``, another viewpoint, or ``"gap"``
        (item gap scores ``P − E``).
    missing : {"listwise"}
        Respondents with any missing item are left out (stated in ``fit``).
    rmsea_level : float
        Level of the RMSEA interval (0.90 by convention).

    Returns
    -------
    CFAResult

    Raises
    ------
    ImportError
        semopy is not installed.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> res = cfa(cust)                     # doctest: +SKIP
    >>> res.fit["cfi"], res.reliability     # doctest: +SKIP
    """
    try:
        import semopy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(INSTALL_HINT) from None
    if missing != "listwise":
        raise ConfigError(f"missing={missing!r}: only \"listwise\" is supported (semopy's FIML gives no valid fit "
                          "statistics); impute first if listwise deletion loses too many respondents.")
    inst = survey.instrument
    X = _items(survey, viewpoint)
    names = [f"i_{_name(i)}" for i in inst.item_ids]
    facs = {d.id: f"F_{_name(d.id)}" for d in inst.dimensions}
    keep = ~np.isnan(X).any(axis=1)
    data = pd.DataFrame(X[keep], columns=names)
    n, p, nf = len(data), len(names), len(inst.dimensions)
    sizes = np.bincount(inst.item_dimension, minlength=nf)
    if (sizes < 2).any():
        raise ConfigError("CFA needs at least two items per dimension; "
                          f"{inst.dimensions[int(np.argmin(sizes))].id!r} has {sizes.min()}.")
    n_params = (p - nf) + p + nf + nf * (nf - 1) // 2
    if n < max(200, 5 * n_params):
        warnings.warn(f"CFA on {n} complete respondents for {n_params} parameters: below the usual minimum "
                      f"(n >= 200 and n >= 5 per parameter = {5 * n_params}); estimates and fit are unstable.",
                      MethodWarning, stacklevel=2)
    desc = "\n".join(f"{facs[d.id]} =~ " + " + ".join(names[j] for j in np.flatnonzero(inst.item_dimension == k))
                     for k, d in enumerate(inst.dimensions))
    model = semopy.Model(desc)
    model.fit(data)
    est = model.inspect(std_est=True)
    stats = semopy.calc_stats(model).iloc[0]
    chi2, df = float(stats["chi2"]), int(stats["DoF"])
    r, lo, hi = rmsea_ci(chi2, df, n, rmsea_level)
    obs = list(model.vars["observed"])
    order = [obs.index(c) for c in names]
    S = np.asarray(model.mx_cov)[np.ix_(order, order)]
    Sigma = np.asarray(model.calc_sigma()[0])[np.ix_(order, order)]
    inv_item = dict(zip(names, inst.item_ids))
    inv_fac = {v: k for k, v in facs.items()}
    ld = est[est["op"] == "~"]
    ld = ld[ld["rval"].isin(inv_fac)]
    num = lambda s: pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    loadings = pd.DataFrame(dict(dimension=ld["rval"].map(inv_fac).to_numpy(),
                                 item=ld["lval"].map(inv_item).to_numpy(), estimate=num(ld["Estimate"]),
                                 std_loading=num(ld["Est. Std"]), se=num(ld["Std. Err"]), z=num(ld["z-value"]),
                                 p=num(ld["p-value"])))
    dims = inst.dimension_ids
    phi = np.eye(nf)
    cov = est[(est["op"] == "~~") & est["lval"].isin(inv_fac) & est["rval"].isin(inv_fac)]
    for lv, rv, r_std in zip(cov["lval"], cov["rval"], pd.to_numeric(cov["Est. Std"])):
        a, b = dims.index(inv_fac[lv]), dims.index(inv_fac[rv])
        if a != b:
            phi[a, b] = phi[b, a] = float(r_std)
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
    fl = pd.DataFrame(flm, index=dims, columns=dims)
    if (np.abs(phi) > 1).any() or (loadings["std_loading"].abs() > 1).any():
        warnings.warn("improper CFA solution (Heywood case): a factor correlation or standardised loading exceeds 1 "
                      "in absolute value; the dimensions are not separable in these data.", MethodWarning, stacklevel=2)
    cfi, tli = incremental_fit(chi2, df, float(stats["chi2 Baseline"]), int(stats["DoF Baseline"]))
    fit = dict(viewpoint=viewpoint, estimator="ML", missing="listwise", n=n, n_params=n_params, chi2=chi2, df=df,
               p=float(stats["chi2 p-value"]), cfi=cfi, tli=tli, rmsea=r,
               rmsea_ci_low=lo, rmsea_ci_high=hi, rmsea_ci_level=rmsea_level, srmr=srmr(S, Sigma))
    return CFAResult(loadings=loadings, reliability=rel, fornell_larcker=fl,
                     factor_correlations=pd.DataFrame(phi, index=dims, columns=dims), fit=fit, model=model)


def cfa_table(res, viewpoint: str = "perceived", **kwargs) -> CFAResult:
    """`cfa` of the analysed survey that holds ``viewpoint`` (``res.validity``)."""
    need = {"expected", "perceived"} if viewpoint == "gap" else {viewpoint}
    for s in res.surveys:
        if need <= set(s.data):
            return cfa(s, viewpoint, **kwargs)
    raise ConfigError(f"no analysed survey has {viewpoint!r} ratings for the CFA.")
