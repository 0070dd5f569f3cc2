"""Respondent-level gap scores, as `servgap.analyze` defines them, for the analyses that
need the respondents themselves (segment comparisons, waves, drivers, constructs)."""

from __future__ import annotations

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
