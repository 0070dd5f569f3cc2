"""How numbers and labels are shown: one formatter per concept, shared by reprs, plots,
reports, cause wording and the CLI (never used inside result tables, which hold numbers).

- `check_lang` / `text_in`: the two languages of every user-facing label (``en``, ``zh``).
- `num`: a number with a typographic minus sign; `pvalue`: a p-value that never rounds
  across a significance threshold; `stars`: significance marks.
- `gap_colour` (plots) and `gap_background` (HTML cells): red shortfalls, blue surpluses,
  pale when not significant.
"""

from __future__ import annotations

import math
from typing import Mapping

from .errors import ConfigError

LANGS = ("en", "zh")
MINUS = "\u2212"
MISSING = "\u2013"          # an en dash stands for a missing number
#: Fewer respondents than this behind a number: reports mark it (``†``) and cause
#: explanations say "small sample" -- read with care.
SMALL_SAMPLE = 30
THRESHOLDS = (0.001, 0.01, 0.05)

# Diverging palette (ColorBrewer RdBu): strong = significant, pale = not significant.
RED, RED_PALE = "#c0392b", "#f1b6ab"
BLUE, BLUE_PALE = "#2a6fb0", "#b3cde3"
GREY = "#bdbdbd"


def check_lang(lang) -> str:
    """Return ``lang`` when it is ``"en"`` or ``"zh"``, else raise `ConfigError`."""
    if lang not in LANGS:
        raise ConfigError(f"lang={lang!r} is not supported; use 'en' (English) or 'zh' (simplified Chinese).")
    return lang


def text_in(texts: Mapping[str, str] | str, lang: str) -> str:
    """The text of ``texts`` in ``lang`` (falls back to English, then any).

    >>> text_in({"en": "Reliability", "zh": "可靠性"}, "zh")
    '可靠性'
    """
    check_lang(lang)
    if isinstance(texts, str):
        return texts
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _finite(v) -> float | None:
    """``v`` as a float, or ``None`` when missing or not finite (None, NaN, NA, ±inf, text)."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def num(v, digits: int = 2, signed: bool = False) -> str:
    """A number for display: fixed ``digits``, typographic minus, an en dash when missing.

    >>> num(-0.853), num(0.5, signed=True), num(float("nan"))
    ('−0.85', '+0.50', '–')
    """
    x = _finite(v)
    if x is None:
        return MISSING
    return (f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}").replace("-", MINUS)


def pvalue(p, thresholds=THRESHOLDS) -> str:
    """A p-value for display: ``<0.001``, else two significant digits, more when rounding
    would carry it across one of the ``thresholds`` (0.001, 0.01, 0.05 and any ``alpha``).

    >>> pvalue(0.0004), pvalue(0.0123), pvalue(0.34), pvalue(0.045), pvalue(0.04996)
    ('<0.001', '0.012', '0.34', '0.045', '0.04996')
    """
    x = _finite(p)
    if x is None:
        return MISSING
    if x < 0.001:
        return "<0.001"
    for sig in range(2, 8):
        text = f"{x:.{sig}g}"
        if all((float(text) < t) == (x < t) for t in thresholds):
            return text
    return text


def stars(p) -> str:
    """Significance marks of a (adjusted) p-value: ``*`` < .05, ``**`` < .01, ``***`` < .001.

    Missing or non-finite p-values (None, NaN, pandas NA) give an empty string.

    >>> stars(0.0004), stars(0.03), stars(None)
    ('***', '*', '')
    """
    x = _finite(p)
    if x is None:
        return ""
    return "***" if x < 0.001 else "**" if x < 0.01 else "*" if x < 0.05 else ""


def significant(p, alpha: float) -> bool:
    """``p < alpha`` for a finite p; False when p is missing."""
    x = _finite(p)
    return x is not None and x < alpha


def gap_colour(value, p, alpha: float = 0.05) -> str:
    """Plot colour of a gap: red shortfall, blue surplus; pale when not significant, grey when unknown."""
    if _finite(value) is None:
        return GREY
    sig = significant(p, alpha)
    if float(value) < 0:
        return RED if sig else RED_PALE
    return BLUE if sig else BLUE_PALE


def gap_background(value, p, alpha: float, scale: float) -> str:
    """CSS background of a table cell holding a gap: the colour of `gap_colour`, its
    strength growing with ``|value| / scale``; pale when not significant."""
    v = _finite(value)
    if v is None:
        return ""
    strength = min(abs(v) / scale, 1.0)
    a = (0.15 + 0.6 * strength) if significant(p, alpha) else 0.08 + 0.12 * strength
    rgb = "178,24,43" if v < 0 else "33,102,172"
    return f"background: rgba({rgb},{a:.2f});"
