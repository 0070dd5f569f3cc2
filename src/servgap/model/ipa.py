"""Importance–performance analysis (Martilla & James 1977) as data: the four quadrants,
the rule that assigns them and their labels in English and simplified Chinese.

A dimension is *high* on importance (performance) when its value is at least the mean
over the dimensions (values on a split line count as high): high importance & low
performance = "concentrate here", high & high = "keep up", low & low = "low
priority", low & high = "possible overkill". `servgap.analysis.drivers` computes the
table (``res.ipa``); plots and reports show it with these labels.

Examples
--------
>>> quadrant_of([30, 10], [4.5, 6.0])
['concentrate here', 'possible overkill']
>>> quadrant_label("possible overkill", "zh")
'可能过度投入'
"""

from __future__ import annotations

import numpy as np

from ..display import text_in
from ..errors import ConfigError

#: (high importance, high performance) -> quadrant
QUADRANTS = {(True, False): "concentrate here", (True, True): "keep up", (False, False): "low priority",
             (False, True): "possible overkill"}
#: Reading order: top-left, top-right, bottom-left, bottom-right of the chart.
QUADRANT_ORDER = ("concentrate here", "keep up", "low priority", "possible overkill")
QUADRANT_LABELS = {"concentrate here": {"en": "Concentrate here", "zh": "重点改进"},
                   "keep up": {"en": "Keep up the good work", "zh": "继续保持"},
                   "low priority": {"en": "Low priority", "zh": "次要改进"},
                   "possible overkill": {"en": "Possible overkill", "zh": "可能过度投入"}}


def quadrant_label(quadrant: str, lang: str = "en") -> str:
    """Display label of an IPA quadrant in English or simplified Chinese.

    Examples
    --------
    >>> quadrant_label("concentrate here", "zh")
    '重点改进'
    """
    if quadrant not in QUADRANT_LABELS:
        raise ConfigError(f"unknown quadrant {quadrant!r}; quadrants are {', '.join(QUADRANT_LABELS)}.")
    return text_in(QUADRANT_LABELS[quadrant], lang)


def quadrant_of(importance, performance) -> list[str]:
    """Quadrant of each dimension, split at the mean importance and the mean performance.

    A value on a split line counts as high; "on" allows the rounding of the mean (1e-12 relative:
    the mean of 3.1, 3.2 and 3.3 is 3.2000000000000006 in doubles, and 3.2 is on the line).

    >>> quadrant_of([25, 50, 25], [3.1, 3.2, 3.3])[1]
    'keep up'
    """
    imp, perf = np.asarray(importance, float), np.asarray(performance, float)
    hi_imp, hi_perf = _at_least_mean(imp), _at_least_mean(perf)
    return [QUADRANTS[(bool(a), bool(b))] for a, b in zip(hi_imp, hi_perf)]


def _at_least_mean(x: np.ndarray) -> np.ndarray:
    m = np.nanmean(x) if np.isfinite(x).any() else np.nan
    return x >= m - 1e-12 * max(1.0, abs(m))
