"""Weighted moments per group from a `GroupedHistogram`.

With weights ``w`` (all 1 without survey weights), per group:

- mean ``m = Σ w x / V1`` with ``V1 = Σ w``, ``V2 = Σ w²``;
- variance with reliability weights ``s² = Σ w (x − m)² / (V1 − V2 / V1)``
  (the unbiased ``Σ (x − m)² / (n − 1)`` when all weights are 1);
- Kish effective sample size ``n_eff = V1² / V2`` (= n without weights).

The sum of squares is taken about the group mean (two passes over the histogram cells),
which is exact for Likert lattices and numerically stable in general.
Reference: Kish, L. (1965). *Survey Sampling*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .histogram import CellView


@dataclass(frozen=True)
class Moments:
    """Per-group raw count ``n``, weight sums, mean, SD, Kish effective n and the number of distinct values."""

    n: np.ndarray
    v1: np.ndarray
    v2: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    distinct: np.ndarray

    @property
    def constant(self) -> np.ndarray:
        """Groups of at least two observations that are all equal (SD exactly 0)."""
        return (self.n >= 2) & (self.distinct == 1)

    @property
    def n_eff(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.v2 > 0, self.v1 ** 2 / np.where(self.v2 > 0, self.v2, 1), 0.0)


def moments(h) -> Moments:
    """Mean, SD (reliability weights) and effective n of each group of ``h``.

    ``h`` is a `GroupedHistogram` or a `DenseHistogram` (the same sums, value by value:
    `servgap.stats.histogram.CellView`). A group holding one distinct value has exactly
    that mean and SD 0 (weighted sums could round them by an ulp).
    """
    h = CellView.of(h)
    n, distinct = h.n, h.distinct
    v1 = h.per_group(h.w)
    v2 = v1 if h.w2 is h.w else h.per_group(h.w2)        # one array: no survey weights
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = h.per_group(h.w * h.value) / v1
        ss = h.per_group(h.w * (h.value - h.at(mean)) ** 2)
        denom = v1 - v2 / v1
        sd = np.sqrt(np.where(denom > 0, ss / np.where(denom > 0, denom, 1), np.nan))
    one = distinct == 1
    if one.any():
        mean = np.where(one, h.per_group(np.where(h.count > 0, h.value, 0.0)), mean)
        sd = np.where(one & (n >= 2), 0.0, sd)
    mean = np.where(n > 0, mean, np.nan)
    return Moments(n, v1, v2, mean, sd, distinct)
