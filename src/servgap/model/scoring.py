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


def overall_scores(dim_scores: np.ndarray, importance: np.ndarray | None):
    """Per-respondent overall score: unweighted mean of dimensions and importance-weighted mean.

    A respondent needs at least half of the dimensions; importance is renormalised over
    the available dimensions: ``Σ_d w_d s_d / Σ_d w_d`` (weighted SERVQUAL score,
    Parasuraman, Zeithaml & Berry 1988). Returns ``(unweighted, weighted_or_None, too_few_mask)``.

    >>> u, w, few = overall_scores(np.array([[-1.0, 0.0, np.nan]]), np.array([[60.0, 20.0, 20.0]]))
    >>> u.tolist(), w.tolist(), few.tolist()
    ([-0.5], [-0.75], [False])
    """
    ok = ~np.isnan(dim_scores)
    filled = np.where(ok, dim_scores, 0.0)
    k = row_sum(ok)
    enough = enough_dimensions(k, dim_scores.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        unweighted = np.where(enough, row_sum(filled) / np.maximum(k, 1), np.nan)
        weighted = None
        if importance is not None:
            imp = np.where(ok, importance, 0.0)
            tot = row_sum(imp)
            weighted = np.where(enough & (tot > 0), row_sum(imp * filled) / tot, np.nan)
    return unweighted, weighted, ~enough
