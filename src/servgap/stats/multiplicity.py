"""Multiplicity corrections applied per family, vectorised over many families.

``adjust(p, family, method)`` adjusts the p-values of each family (e.g. the items of one
gap in one segment) separately; NaN p-values are left out of their family (and stay NaN).
Methods, as in statsmodels ``multipletests``:

- ``bonferroni``: ``min(1, m p)``;
- ``holm`` (Holm 1979): step-down, ``p̃(k) = max_{j≤k} min(1, (m − j + 1) p(j))``;
- ``fdr_bh`` (Benjamini & Hochberg 1995): step-up, ``p̃(k) = min_{j≥k} min(1, m p(j) / j)``;
- ``none``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .histogram import order_by_group

METHODS = ("holm", "bonferroni", "fdr_bh", "none")


def adjust(p, family=None, method: str = "holm") -> np.ndarray:
    """Adjust p-values within each family.

    Examples
    --------
    >>> adjust(np.array([0.01, 0.04, 0.03]), method="holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    if method not in METHODS:
        raise ConfigError(f"correction={method!r} is not known; use one of {', '.join(METHODS)}.")
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    if method == "none":
        return p.copy()
    family = np.zeros(p.size, np.int64) if family is None else _compact(np.asarray(family).ravel())
    ok = ~np.isnan(p)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    pf, ff = p[idx], family[idx]
    order = order_by_group(ff, pf)
    ps, fs = pf[order], ff[order]
    sizes = np.bincount(fs)
    m = sizes[fs].astype(np.float64)
    start = (np.cumsum(sizes) - sizes)[fs]                  # first position of each family (sorted by family)
    j = np.arange(fs.size) - start + 1                      # 1-based rank within family
    if method == "bonferroni":
        adj = np.minimum(1.0, m * ps)
    elif method == "holm":
        adj = _running(np.minimum(1.0, (m - j + 1) * ps), fs, np.maximum)
    else:  # fdr_bh
        adj = _running(np.minimum(1.0, m * ps / j), fs, np.minimum, reverse=True)
    res = np.empty_like(adj)
    res[order] = adj
    out[idx] = res
    return out


def _compact(family: np.ndarray) -> np.ndarray:
    """Family labels as codes ``0..F−1`` in label order (`np.unique`'s inverse; by a bincount for small integers)."""
    if family.dtype.kind in "iu" and family.size and 0 <= family.min() and family.max() < 4 * family.size + 64:
        present = np.bincount(family) > 0
        return (np.cumsum(present) - 1)[family]
    return np.unique(family, return_inverse=True)[1].ravel()


def _running(values, family, op, reverse=False):
    """Running max/min of ``values`` within each family (families sorted ascending).

    Works on exact integer keys ``family × R + rank(value)`` so that one ufunc
    accumulation never crosses a family boundary and loses no precision.
    """
    uniq, rank = np.unique(values, return_inverse=True)
    key = family.astype(np.int64) * uniq.size + rank.ravel()
    acc = op.accumulate(key[::-1])[::-1] if reverse else op.accumulate(key)
    return uniq[acc - family.astype(np.int64) * uniq.size]
