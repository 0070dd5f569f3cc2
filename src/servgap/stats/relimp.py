"""Relative importance of correlated predictors: Shapley decomposition of R² (pure numpy).

``R²(S) = r_yS' R_SS⁻¹ r_yS`` for every subset ``S`` of the ``k`` predictors (from the
correlation matrix), then the Shapley value (Lipovetsky & Conklin 2001; "general
dominance" of Budescu 1993 / Azen & Budescu 2003)::

    φ_j = Σ_{S ⊆ N∖{j}} |S|! (k − |S| − 1)! / k! · (R²(S ∪ {j}) − R²(S))

The φ_j sum to the full-model R². Exact over all ``2^k`` subsets; the subsets of one
size are solved as one batched linear system.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np

MAX_K = 10


def weighted_corr(X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """(Weighted) correlation matrix of the columns of ``X`` (complete rows only)."""
    w = np.ones(len(X)) if w is None else np.asarray(w, float)
    m = (w[:, None] * X).sum(axis=0) / w.sum()
    Xc = X - m
    C = (w[:, None] * Xc).T @ Xc
    d = np.sqrt(np.diag(C))
    return C / np.outer(d, d)


def subset_r2(R: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors, indexed by bitmask (bit j = predictor j).

    ``R`` is the ``(k+1) × (k+1)`` correlation matrix with the outcome *last*.
    """
    k = R.shape[0] - 1
    r2 = np.zeros(2 ** k)
    rxx, rxy = R[:k, :k], R[:k, k]
    for size in range(1, k + 1):
        subs = np.array(list(combinations(range(k), size)))
        A = rxx[subs[:, :, None], subs[:, None, :]]          # (C, size, size)
        b = rxy[subs]                                         # (C, size)
        beta = np.linalg.solve(A, b[..., None])[..., 0]
        masks = (1 << subs).sum(axis=1)
        r2[masks] = (beta * b).sum(axis=1)
    return r2


def shapley_r2(R: np.ndarray) -> np.ndarray:
    """Shapley values of R² for each predictor (outcome last in ``R``); they sum to R².

    Examples
    --------
    >>> R = np.array([[1, .3, .5], [.3, 1, .4], [.5, .4, 1]])
    >>> phi = shapley_r2(R)
    >>> bool(abs(phi.sum() - subset_r2(R)[-1]) < 1e-12)
    True
    """
    k = R.shape[0] - 1
    if k > MAX_K:
        raise ValueError(f"exact Shapley decomposition needs k <= {MAX_K} predictors, got {k}")
    r2 = subset_r2(R)
    masks = np.arange(2 ** k)
    size = np.array([int(m).bit_count() for m in masks])
    wsize = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) if s < k else 0.0 for s in range(k + 1)])
    phi = np.empty(k)
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        phi[j] = (wsize[size[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return phi
