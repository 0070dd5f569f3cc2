"""Respondent-level gap scores, as `servgap.analyze` defines them, for the analyses that
need the respondents themselves (segment comparisons, waves, drivers, constructs)."""

from __future__ import annotations

import pandas as pd

from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..surveys.survey import Survey
from .kernel import paired_levels
from .settings import Settings


def surveys_and_settings(source) -> tuple[tuple, Settings]:
    """The surveys and settings of a result (duck-typed), or a lone survey with default settings."""
    if isinstance(source, Survey):
        return (source,), Settings()
    if hasattr(source, "surveys") and hasattr(source, "settings"):
        return tuple(source.surveys), source.settings
    raise ConfigError(f"expected a GapAnalysis (sg.analyze) or a Survey, got {type(source).__name__}.")


def gap_scores(source, gap: int = 5, min_items: float | None = None):
    """Respondent-level scores of one paired gap, as `servgap.analyze` defines them.

    Parameters
    ----------
    source : GapAnalysis or Survey
    gap : int
        A paired gap (2-5); gap 1 compares different respondents and has no
        respondent-level score.
    min_items : float, optional
        Default: the analysis' setting, else the survey's.

    Returns
    -------
    survey, levels
        ``levels[level] = (gap, benchmark, later)`` matrices for ``"item"``,
        ``"dimension"`` and ``"overall"`` (column 0 unweighted, column 1
        importance-weighted when the survey has importance).

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> s, lv = gap_scores(cust)
    >>> lv["dimension"][0].shape
    (1200, 5)
    """
    surveys, settings = surveys_and_settings(source)
    comp = gap_def(gap)
    if not comp.paired:
        raise ConfigError(f"gap {gap} compares different respondents (e.g. managers with customers), so it has "
                          "no respondent-level score to compare; use a paired gap (2-5).")
    for s in surveys:
        if comp.benchmark in s.data and comp.later in s.data:
            mi = min_items if min_items is not None else settings.min_items_for(s)
            return s, paired_levels(s, comp, mi, {})
    raise ConfigError(f"gap {gap} needs {comp.later!r} and {comp.benchmark!r} ratings of the same respondents; "
                      "no analysed survey has both.")


def outcome_column(survey, outcome: str | None = None):
    """``(name, values)`` of an outcome rating kept with ``read_survey(keep=[...])`` (e.g. overall
    satisfaction), as floats (non-numeric cells NaN); with ``outcome=None`` the only numeric kept
    column, ``None`` when there is none. Several numeric columns and no choice, or an unknown
    name, are errors that list the kept columns.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> name, y = outcome_column(cust)
    >>> name, y.shape
    ('overall_sat', (1200,))
    """
    extra = survey.extra
    if outcome is None:
        num = [c for c in extra.columns if pd.api.types.is_numeric_dtype(extra[c])]
        if len(num) > 1:
            raise ConfigError(f"several numeric kept columns ({', '.join(map(str, num))}); choose the outcome with "
                              "outcome=\"<column>\".")
        if not num:
            return None
        outcome = num[0]
    if outcome not in extra.columns:
        raise ConfigError(f"outcome={outcome!r} is not a kept column of survey {survey.source!r}; keep it with "
                          f"read_survey(keep=[{outcome!r}]). Kept columns: {', '.join(map(str, extra.columns)) or 'none'}.")
    return outcome, pd.to_numeric(extra[outcome], errors="coerce").to_numpy(dtype=float)
