"""Display helpers shared by reprs, plots and reports (never used in result tables)."""

from __future__ import annotations

import math


def stars(p) -> str:
    """Significance marks of a (adjusted) p-value: ``*`` < .05, ``**`` < .01, ``***`` < .001.

    Missing or non-finite p-values (None, NaN, pandas NA) give an empty string.
    """
    try:
        p = float(p)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
