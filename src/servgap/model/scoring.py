"""Respondent scores as rules: the min-items rule, dimension means and overall scores.

- A respondent's dimension score is the mean of the dimension's available item values,
  kept when ``available >= min_items × items_in_dimension`` (`available_mask`).
- The overall score is the mean of the available dimension scores, kept when at least
  half of the dimensions are available (`enough_dimensions`); with importance points it
  is ``Σ_d w_d · score_d / Σ_d w_d`` over the available dimensions (the weighted SERVQUAL
  score, Parasuraman, Zeithaml & Berry 1988).

The float functions here are the reference path; `servgap.engine.coded` computes the same
scores exactly from one-byte rating codes and uses the same two rules.
"""

from __future__ import annotations

import math

import numpy as np


def available_mask(counts: np.ndarray, sizes: np.ndarray, min_items: float) -> np.ndarray:
    """``available >= min_items × items_in_dimension`` (the min-items rule).

    >>> available_mask(np.array([2, 3]), np.array([5, 5]), 0.5).tolist()
    [False, True]
    """
    return counts >= min_items * sizes - 1e-9


def enough_dimensions(available: np.ndarray, n_dimensions: int) -> np.ndarray:
    """An overall score needs at least half of the dimensions.

    >>> enough_dimensions(np.array([2, 3]), 5).tolist()
    [False, True]
    """
    return available >= n_dimensions / 2


def dimension_means(values: np.ndarray, item_dim: np.ndarray, n_dims: int, min_items: float):
    """Per-respondent mean of the available items of each dimension.

    Returns ``(means, available)``: ``means`` is NaN where fewer than ``min_items`` of the
    dimension's items are available, ``available`` counts the available items.

    >>> m, k = dimension_means(np.array([[1.0, 3.0, np.nan]]), np.array([0, 0, 1]), 2, 0.5)
    >>> m.tolist(), k.tolist()
    ([[2.0, nan]], [[2.0, 0.0]])
    """
    ok = ~np.isnan(values)
    sums = np.zeros((values.shape[0], n_dims))
    counts = np.zeros((values.shape[0], n_dims))
    for d in range(n_dims):  # a handful of dimensions; each step is vectorised over respondents
        cols = item_dim == d
        sums[:, d] = np.where(ok[:, cols], values[:, cols], 0.0).sum(axis=1)
        counts[:, d] = ok[:, cols].sum(axis=1)
    sizes = np.bincount(item_dim, minlength=n_dims)
    keep = available_mask(counts, sizes, min_items) & (counts > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(keep, sums / np.where(counts > 0, counts, 1), np.nan)
    return means, counts


def row_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a narrow matrix, column by column (left to right, as ``sum(axis=1)`` adds a short row)."""
    out = a[:, 0].astype(np.float64 if a.dtype.kind == "f" else np.int64)
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


def overall_scores(dim_scores: np.ndarray, importance: np.ndarray | None, counts: np.ndarray | None = None):
    """Per-respondent overall score: unweighted mean of dimensions and importance-weighted mean.

    A respondent needs at least half of the dimensions; importance is renormalised over
    the available dimensions: ``Σ_d w_d s_d / Σ_d w_d`` (weighted SERVQUAL score,
    Parasuraman, Zeithaml & Berry 1988). Returns ``(unweighted, weighted_or_None, too_few_mask)``.

    With ``counts`` (the number of items behind each dimension score, from
    `dimension_means`), the scores of respondents whose dimension scores are ratios of
    integers ``s / k`` (integer ratings) are exact fractions (`rational_overall`): equal
    scores are equal doubles, so they tie in rank tests, whatever other respondents
    answered. The others' scores are float sums.

    >>> u, w, few = overall_scores(np.array([[-1.0, 0.0, np.nan]]), np.array([[60.0, 20.0, 20.0]]))
    >>> u.tolist(), w.tolist(), few.tolist()
    ([-0.5], [-0.75], [False])
    """
    ok = ~np.isnan(dim_scores)
    k = row_sum(ok)
    enough = enough_dimensions(k, dim_scores.shape[1])
    exact = None if counts is None else integer_fractions(dim_scores, counts)
    if exact is not None and exact[2].any():
        num, L, rows = exact
        out = rational_overall(num, L, ok & rows[:, None], importance)
        if out is not None:
            if rows.all():
                return (*out, ~enough)
            u, w = _float_overall(dim_scores, ok, k, enough, importance)
            return (np.where(rows, out[0], u), None if w is None else np.where(rows, out[1], w), ~enough)
    return (*_float_overall(dim_scores, ok, k, enough, importance), ~enough)


def _float_overall(dim_scores, ok, k, enough, importance):
    filled = np.where(ok, dim_scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        unweighted = np.where(enough, row_sum(filled) / np.maximum(k, 1), np.nan)
        weighted = None
        if importance is not None:
            imp = np.where(ok, importance, 0.0)
            tot = row_sum(imp)
            weighted = np.where(enough & (tot > 0), row_sum(imp * filled) / tot, np.nan)
    return unweighted, weighted


#: Exact integers in a double: numerators and denominators of exact scores stay below this.
EXACT = 2 ** 53


def integer_fractions(dim_scores: np.ndarray, counts: np.ndarray):
    """``(num, L, rows)`` with ``dim_scores == num / L`` exactly (integer ``num``) in the
    respondents ``rows``, or ``None``.

    A respondent is in ``rows`` when every available score is the correctly rounded ratio
    ``s / k`` of an integer sum ``s`` of ``k`` item values (the case of integer ratings);
    ``L`` is the least common multiple of their counts, ``num = s · L / k`` (0 in the other
    rows).

    >>> num, L, rows = integer_fractions(np.array([[0.5, 2 / 3, np.nan], [0.3, 1, 1]]),
    ...                                  np.array([[2, 3, 0], [1, 1, 1]]))
    >>> num.tolist(), L, rows.tolist()
    ([[3, 4, 0], [0, 0, 0]], 6, [True, False])
    """
    ok = ~np.isnan(dim_scores)
    k = np.where(ok, counts, 0).astype(np.int64)
    with np.errstate(invalid="ignore"):
        s = np.rint(np.where(ok, dim_scores * k, 0.0))
    rows = ((np.abs(s) < EXACT) & (np.where(ok, s / np.maximum(k, 1), 0.0) == np.where(ok, dim_scores, 0.0))).all(1)
    s[~rows] = 0.0
    kept = k[ok & rows[:, None]]
    L = math.lcm(*np.unique(kept).tolist()) if kept.size else 1
    num = s.astype(np.int64) * (L // np.maximum(k, 1))
    return (num, L, rows) if np.all(np.abs(num) < EXACT // max(dim_scores.shape[1], 1)) else None


def overall_fraction(dim_scores: np.ndarray, counts: np.ndarray):
    """Unweighted overall scores as exact fractions ``(num, den)`` per respondent (``den`` 0 where the
    score is undefined or the respondent's dimension scores are not integer ratios), or ``None``.

    >>> n, d = overall_fraction(np.array([[0.5, 2 / 3, np.nan]]), np.array([[2, 3, 0]]))
    >>> int(n[0]), int(d[0])
    (7, 12)
    """
    fr = integer_fractions(dim_scores, counts)
    if fr is None:
        return None
    num, L, rows = fr
    (n, d), _ = overall_fractions(num, L, ~np.isnan(dim_scores) & rows[:, None])
    return n, d


def integer_allocation(importance: np.ndarray):
    """Importance points as integers ``a · 10^j`` (the smallest ``j`` in 0..4 that makes every
    finite value whole) and the mask of finite values, or ``None`` when no such scale exists.

    Shares of 100 points (``20``), of 1 (``0.25``) or percentages with decimals (``33.3``)
    are exact decimal fractions: scaled to integers, importance-weighted scores stay exact.
    Missing allocations become 0 (the mask says where).

    >>> integer_allocation(np.array([[0.25, 0.75], [0.5, np.nan]]))[0].tolist()
    [[25, 75], [50, 0]]
    """
    a = np.asarray(importance, np.float64)
    fin = np.isfinite(a)
    if not fin.all():
        a = np.where(fin, a, 0.0)
    r = np.rint(a)
    if np.array_equal(r, a) and (not r.size or max(r.max(), -r.min()) < 2 ** 31):   # whole points: the usual case
        return r.astype(np.int64), fin
    for j in range(5):
        y = a * 10.0 ** j if j else a
        r = np.rint(y)
        top = float(np.abs(r).max(initial=0.0))
        if top >= 2 ** 31:
            return None
        d = y - r
        np.abs(d, out=d)
        if d.max(initial=0.0) <= 1e-9 * max(1.0, top):
            return r.astype(np.int64), fin
    return None


def overall_fractions(num: np.ndarray, L: int, kept: np.ndarray, alloc=None, unweighted: bool = True):
    """Overall scores as exact fractions ``(numerator, denominator)`` of integers per respondent.

    The dimension scores are ``num / L`` (respondent × dimension integers, 0 where the
    dimension score does not exist; ``kept``: it exists). Unweighted: ``Σ_d num_d / (L · k)``
    over the ``k`` kept dimensions; importance-weighted, with the integer allocation
    ``alloc = (a, finite)`` of `integer_allocation`: ``Σ_d a_d num_d / (L · Σ_d a_d)``. A
    score needs at least half of the dimensions (`enough_dimensions`), the weighted one also
    a positive allocation answered for every kept dimension; the denominator is 0 where a
    score is undefined. Returns ``((n_u, d_u), (n_w, d_w) or None)``; the weighted pair is
    ``None`` without ``alloc`` or when an integer would not be exact in a double, the
    unweighted one ``None`` with ``unweighted=False``.

    >>> (nu, du), (nw, dw) = overall_fractions(np.array([[-6, 0, 0]]), 6, np.array([[True, True, False]]),
    ...                                        (np.array([[60, 20, 20]]), np.ones((1, 3), bool)))
    >>> (int(nu[0]), int(du[0])), (int(nw[0]), int(dw[0]))
    ((-6, 12), (-360, 480))
    """
    kept = np.asarray(kept, bool)
    k = row_sum(kept)
    enough = enough_dimensions(k, kept.shape[1])
    u = (row_sum(num), np.where(enough, L * k, 0)) if unweighted else None
    if alloc is None:
        return u, None
    a, fin = alloc
    amax, nd = _abs_max(a), kept.shape[1]
    if amax * _abs_max(num) * nd >= EXACT or amax * nd * L >= EXACT:
        return u, None
    tot = np.einsum("ij,ij->i", a, kept.astype(a.dtype))                        # exact integer row sums
    nw = np.einsum("ij,ij->i", a, num.astype(np.int64, copy=False))           # num is 0 where not kept
    ok = enough & (tot > 0)
    if not fin.all():
        ok &= ~(kept & ~fin).any(axis=1)                  # a blank allocation of a kept dimension
    return u, (nw, np.where(ok, L * tot, 0))


def _abs_max(a: np.ndarray) -> int:
    """``max |a|`` of an integer array (0 when empty)."""
    return int(max(a.max(), -a.min())) if a.size else 0


def ratio(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``n / d`` for exact integers (NaN where ``d`` is 0): the correctly rounded double of
    the fraction, so equal fractions give equal doubles."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d != 0, n / np.where(d != 0, d, 1), np.nan)


def rational_overall(num: np.ndarray, L: int, kept: np.ndarray, importance: np.ndarray | None = None):
    """`overall_fractions` as doubles: ``(unweighted, weighted_or_None)``, or ``None`` when the
    weighted score cannot be exact (an allocation that is not a decimal fraction, integers
    beyond 2⁵³).

    >>> u, w = rational_overall(np.array([[-6, 0, 0]]), 6, np.array([[True, True, False]]),
    ...                         np.array([[60, 20, 20]]))
    >>> u.tolist(), w.tolist()
    ([-0.5], [-0.75])
    """
    alloc = None if importance is None else integer_allocation(importance)
    if importance is not None and alloc is None:
        return None
    u, w = overall_fractions(num, L, kept, alloc)
    if importance is not None and w is None:
        return None
    return ratio(*u), None if w is None else ratio(*w)
