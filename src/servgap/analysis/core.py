"""``analyze()``: the five gaps per item, dimension and segment, with significance tests.

Definitions (see docs/methodology.md):

- respondent item gap ``later_i − benchmark_i`` (gap 5: ``P_i − E_i``);
- respondent dimension gap: mean of the available item gaps of the dimension, kept when
  ``available >= min_items × items`` (default 0.5);
- respondent overall gap: mean of the available dimension gaps (kept when at least half
  of the dimensions are available) and, with importance, ``Σ_d w_d gap_d`` with the
  allocation renormalised to sum to 1 over the available dimensions (weighted SERVQUAL
  score, Parasuraman, Zeithaml & Berry 1988);
- paired gaps (2-5) test the respondent differences (paired t / Wilcoxon signed-rank);
  gap 1 compares managers with customers (Welch t / Mann-Whitney U).

The computation itself is `servgap.engine.compute`.
"""

from __future__ import annotations

from ..engine.compute import compute
from ..engine.settings import Settings
from ..surveys.survey import as_surveys
from .results import GapAnalysis


def analyze(survey, by=None, test: str = "t", correction: str = "holm", alpha: float = 0.05,
            confidence: float = 0.95, weighted: bool = True, min_items: float | None = None, gaps=None,
            wave: str | None = None, variance: str = "kish", lonely_psu: str = "adjust") -> GapAnalysis:
    """Compute every measurable gap per item, dimension and segment, with tests.

    Parameters
    ----------
    survey : Survey, list of Survey, or SurveySet
        Customers (expected, perceived ...) and optionally managers/staff (management,
        specification, delivered, communicated), see `servgap.combine`.
    by : str or list of str, optional
        Segment columns to split by (each segment analysed separately).
    test : {"t", "wilcoxon"}
        ``"t"``: paired t (gaps 2-5) and Welch t (gap 1). ``"wilcoxon"``: Wilcoxon
        signed-rank (R ``exact=FALSE, correct=FALSE``) and Mann-Whitney U.
    correction : {"holm", "bonferroni", "fdr_bh", "none"}
        Multiplicity correction across the items (and, separately, the dimensions) of one
        gap within one segment.
    alpha : float
        Significance level used for flags in reprs, plots and cause ranking.
    confidence : float
        Confidence level of the t-based intervals ``ci_low``/``ci_high``.
    weighted : bool
        Use the survey weights (weighted mean/SD, Kish effective n) when declared.
    min_items : float, optional
        Share of a dimension's items needed for a respondent's dimension score
        (default: the survey's, 0.5).
    gaps : list of int, optional
        Restrict to these gaps (default: every gap the data can measure).
    wave : str, optional
        A segment column holding the survey wave (e.g. ``"quarter"``). It is added to
        ``by`` and `GapAnalysis.waves` then reports the change between waves.
    variance : {"kish", "design"}
        ``"kish"``: ``se = sd / √n_eff`` with Kish's effective n, ``df = n_eff − 1``.
        ``"design"``: Taylor-linearisation standard errors over the sampling design
        declared in ``read_survey(strata=..., cluster=...)`` (PSUs with replacement
        within strata; segments are domains of the whole design), t tests and intervals
        with the design df (#PSU − #strata), as R ``survey::svymean``/``svyby``. A survey
        without design columns counts every respondent as its own PSU in one stratum.
        Gap 1 adds the variances of its two surveys (Satterthwaite df).
    lonely_psu : {"adjust", "certainty", "fail"}
        With ``variance="design"``, a stratum with a single PSU: centred at the grand
        mean (``"adjust"``, conservative, with a `MethodWarning`), counted as
        self-representing with no variance (``"certainty"``, warned too), or an error
        (``"fail"``, R's default).

    Returns
    -------
    GapAnalysis

    Examples
    --------
    >>> import servgap as sg
    >>> cust, mgr = sg.load_example()
    >>> res = sg.analyze(cust, by="branch")
    >>> res.dimensions[["gap", "dimension", "branch", "n"]].head(3)
       gap  dimension branch    n
    0    5  tangibles    B01  244
    1    5  tangibles    B02  228
    2    5  tangibles    B03  202
    """
    settings = Settings.of(by=by, test=test, correction=correction, alpha=alpha, confidence=confidence,
                           weighted=weighted, min_items=min_items, gaps=gaps, wave=wave, variance=variance,
                           lonely_psu=lonely_psu)
    surveys = as_surveys(survey)
    return GapAnalysis.of(surveys, compute(surveys, settings), settings)
