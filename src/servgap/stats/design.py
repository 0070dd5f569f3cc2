"""Design-based (Taylor-linearisation) variance of weighted domain means.

The estimator of a domain mean is the ratio ``ȳ_d = Σ_j w_j δ_dj y_j / Σ_j w_j δ_dj``
(``δ_dj = 1`` when observation ``j`` is in domain ``d`` and has a value). Its linearised
variable is

``z_dj = δ_dj w_j (y_j − ȳ_d) / W_d``,  ``W_d = Σ_j w_j δ_dj``,

zero outside the domain. With ``z_dhi`` the total of ``z_dj`` over PSU ``i`` of stratum
``h`` and ``n_h`` the number of PSUs of stratum ``h`` *in the whole design* (PSUs without
an observation of the domain count, with ``z = 0``), the with-replacement variance is

``v(ȳ_d) = Σ_h n_h/(n_h − 1) · Σ_i (z_dhi − z̄_dh)²``,  ``z̄_dh = Σ_i z_dhi / n_h``,

the default of R ``survey::svydesign(ids=~psu, strata=~stratum, weights=~w)`` with
``svymean`` and ``svyby`` (Wolter 2007, ch. 6; Lumley 2010, ch. 2–3; Särndal, Swensson
& Wretman 1992, ch. 5 and 10). A stratum with one PSU (``n_h = 1``, a *lonely* PSU) has no
within-stratum variance: ``"certainty"`` counts it as self-representing (contribution 0,
R's ``"certainty"``/``"remove"``); ``"adjust"`` centres its PSU total at the grand mean of
the linearised variable, 0 for a mean (contribution ``z_dh1²``, R's ``"adjust"``).

The design degrees of freedom of a domain are the PSUs with an observation of positive
weight in it minus the strata those PSUs fall in (R ``degf()`` of the design restricted to
the domain; #PSU − #strata for the whole sample; Korn & Graubard 1999).

The sufficient statistics are sums per group ``domain × Q + q`` (`PsuSums`), which merge
over blocks and partitions by addition:

- *clustered* designs: ``q`` is the PSU (``Q`` PSUs, ``q_stratum[q]`` its stratum); the
  sums ``Σ w`` and ``Σ w·y`` of a PSU give its total
  ``z_dhi = (Σ w·y − ȳ_d Σ w) / W_d`` once the domain mean is known;
- *single-respondent PSUs* (no cluster column, ``singletons=True``): ``q`` is the stratum,
  and with ``Σ w²``, ``Σ w²·y``, ``Σ w²·y²`` as well,
  ``Σ_i z_dhi² = (Σ w²y² − 2 ȳ_d Σ w²y + ȳ_d² Σ w²) / W_d²`` (each observation its own PSU).

References: Wolter, K. M. (2007). *Introduction to Variance Estimation* (2nd ed.).
Springer. Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
Särndal, C.-E., Swensson, B. & Wretman, J. (1992). *Model Assisted Survey Sampling*.
Springer. Korn, E. L. & Graubard, B. I. (1999). *Analysis of Health Surveys*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tests import _crit, _two_sided_t

#: Handling of strata with a single PSU (see the module docstring).
LONELY = ("adjust", "certainty")


@dataclass(frozen=True)
class DesignMoments:
    """Per domain: observations ``n``, weighted mean, design variance ``var`` and ``df``."""

    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    df: np.ndarray


@dataclass(frozen=True)
class PsuSums:
    """Sums per group ``domain × Q + q``: the mergeable statistic of `domain_variance`.

    ``key`` holds the distinct groups (sorted), ``count`` their observations and ``sums``
    the rows ``Σ w, Σ w·y`` — plus ``Σ w², Σ w²·y, Σ w²·y²`` for single-respondent PSUs.
    ``a + b`` merges the sums of disjoint observations.
    """

    key: np.ndarray
    count: np.ndarray
    sums: np.ndarray

    def __add__(self, other: "PsuSums") -> "PsuSums":
        key, inv = np.unique(np.concatenate([self.key, other.key]), return_inverse=True)
        add = lambda a, b: np.bincount(inv, weights=np.concatenate([a, b]), minlength=key.size)  # noqa: E731
        return PsuSums(key, add(self.count, other.count).astype(np.int64),
                       np.stack([add(a, b) for a, b in zip(self.sums, other.sums)]))


def psu_sums(value, local, n_local: int, keys, w=None, squares: bool = False) -> PsuSums:
    """`PsuSums` of observations ``value`` (NaN: none) in compact groups ``local`` (``0 ≤ local < n_local``).

    ``keys[local]`` is each compact group's key ``domain × Q + q``; observations of zero
    weight are left out (they add nothing, and the design df counts positive weights only).

    >>> s = psu_sums(np.array([1., 2., np.nan, 4.]), np.array([0, 0, 1, 1]), 2, np.array([7, 9]))
    >>> s.key.tolist(), s.count.tolist(), s.sums.tolist()
    ([7, 9], [2, 1], [[2.0, 1.0], [3.0, 4.0]])
    """
    value, local = np.asarray(value, np.float64), np.asarray(local, np.intp)
    ok = ~np.isnan(value) if w is None else ~np.isnan(value) & (w > 0)
    y, local = value[ok], local[ok]
    count = np.bincount(local, minlength=n_local)
    used = np.flatnonzero(count)
    tally = lambda r: np.bincount(local, weights=r, minlength=n_local)[used]  # noqa: E731
    if w is None:
        sw = count[used].astype(np.float64)
        rows = [sw, tally(y)] + ([sw, tally(y), tally(y * y)] if squares else [])
    else:
        w = w[ok]
        wy = w * y
        rows = [tally(w), tally(wy)] + ([tally(w * w), tally(w * wy), tally(wy * wy)] if squares else [])
    sums = np.stack(rows)
    return PsuSums(np.asarray(keys, np.int64)[used], count[used].astype(np.int64), sums)


def domain_variance(s: PsuSums, n_domains: int, q_stratum, n_psu, singletons: bool,
                    lonely: str = "adjust") -> DesignMoments:
    """Weighted mean, linearisation variance and design df of every domain.

    Parameters
    ----------
    s : PsuSums
        Sums per group ``domain × Q + q`` (``Q = len(q_stratum)``); with ``Σ w²`` rows
        when ``singletons``.
    n_domains : int
    q_stratum : array of int
        Stratum of each ``q`` (the PSU, or the stratum itself when ``singletons``).
    n_psu : array of int
        PSUs per stratum in the whole design.
    singletons : bool
        Every observation is its own PSU (``q`` is then the stratum).
    lonely : {"adjust", "certainty"}
        Contribution of a stratum with one PSU (see the module docstring).

    Examples
    --------
    Two strata of two single-respondent PSUs with equal weights, values ``1, 3 | 2, 6``:
    the mean is 3 and ``z = (y − 3)/4 = −.5, 0 | −.25, .75``, so
    ``v = 2·(.25²·2) + 2·(.5²·2) = 0.25 + 1 = 1.25`` with ``df = 4 − 2``:

    >>> s = psu_sums(np.array([1., 3., 2., 6.]), np.array([0, 0, 1, 1]), 2, np.array([0, 1]), squares=True)
    >>> m = domain_variance(s, 1, np.array([0, 1]), np.array([2, 2]), True)
    >>> float(m.mean[0]), float(m.var[0]), float(m.df[0])
    (3.0, 1.25, 2.0)
    """
    Q, H = len(q_stratum), len(n_psu)
    q_stratum, n_psu = np.asarray(q_stratum, np.int64), np.asarray(n_psu, np.float64)
    d = s.key // Q
    sw, swy = s.sums[0], s.sums[1]
    n = np.bincount(d, weights=s.count, minlength=n_domains).astype(np.int64)
    W = np.bincount(d, weights=sw, minlength=n_domains)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(d, weights=swy, minlength=n_domains) / W
        m, Wd = mean[d], W[d]
        z = (swy - m * sw) / Wd                          # Σ z over each PSU (or stratum) of each domain
        key = d * H + q_stratum[s.key % Q]               # (domain, stratum) of each group
        if singletons:                                   # one group per (domain, stratum)
            uk, b, count = key, z, s.count.astype(np.float64)
            a = raw = (s.sums[4] - 2 * m * s.sums[3] + m * m * s.sums[2]) / (Wd * Wd)    # Σ_i z_i²
        else:
            uk, inv = np.unique(key, return_inverse=True)
            b = np.bincount(inv, weights=z, minlength=uk.size)
            count = np.bincount(inv, minlength=uk.size).astype(np.float64)    # PSUs of the domain
            nh = n_psu[uk % H]
            zbar = b / nh
            a = np.bincount(inv, weights=(z - zbar[inv]) ** 2, minlength=uk.size)  # two passes about z̄_h
            a += (nh - count) * zbar ** 2                                       # the domain's empty PSUs
            raw = np.bincount(inv, weights=z * z, minlength=uk.size)
        nh = n_psu[uk % H]
        within = a - b * b / nh if singletons else a
        lone = raw if lonely == "adjust" else np.zeros_like(raw)     # centred at the grand mean, 0
        contrib = np.where(nh > 1, nh / np.maximum(nh - 1, 1) * within, lone)
        dk = uk // H
        var = np.bincount(dk, weights=contrib, minlength=n_domains)
        df = np.bincount(dk, weights=count, minlength=n_domains) - np.bincount(dk, minlength=n_domains)
    var = np.where(W > 0, np.maximum(var, 0.0), np.nan)
    return DesignMoments(n, np.where(n > 0, mean, np.nan), var, df.astype(np.float64))


def combine_independent(a: DesignMoments, b: DesignMoments) -> tuple[np.ndarray, np.ndarray]:
    """Variance and Satterthwaite df of the difference of means of two independent samples.

    ``v = v_a + v_b``, ``df = v² / (v_a²/df_a + v_b²/df_b)`` — Welch's df when each
    sample is a simple random sample (``v = s²/n``, ``df = n − 1``).
    """
    v = a.var + b.var
    with np.errstate(invalid="ignore", divide="ignore"):
        df = v * v / (a.var ** 2 / a.df + b.var ** 2 / b.df)
    return v, df


def design_t(estimate, var, df, confidence: float = 0.95) -> dict:
    """``se = √var``, ``t = estimate / se`` with ``df`` design df, two-sided p and the t interval.

    Rows with ``df < 1`` or a zero or missing variance get NaN statistics (the estimate's
    interval cannot be formed).

    >>> r = design_t(np.array([1.0]), np.array([0.25]), np.array([4.0]))
    >>> tuple(round(r[k].item(), 6) for k in ("se", "statistic", "p"))
    (0.5, 2.0, 0.116117)
    """
    estimate, var, df = (np.asarray(x, np.float64) for x in (estimate, var, df))
    bad = ~(df >= 1) | ~(var > 0)
    df = np.where(bad, np.nan, df)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        t = estimate / se
        q = _crit(df, confidence)
    out = dict(se=se, statistic=t, df=df, p=_two_sided_t(t, df), ci_low=estimate - q * se,
               ci_high=estimate + q * se)
    return {k: v if k == "se" else np.where(bad, np.nan, v) for k, v in out.items()}


__all__ = ["DesignMoments", "PsuSums", "psu_sums", "domain_variance", "combine_independent", "design_t", "LONELY"]
