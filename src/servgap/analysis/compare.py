"""Are gap scores different across segments, and did they change between waves?

Respondent-level gap scores are rebuilt from the analysed surveys with the same
definitions as `servgap.analyze` (`servgap.engine.scores.gap_scores`: item gap
``later − benchmark``, dimension gap under the min-items rule, overall = mean of the
dimension gaps).

`compare_segments` — per dimension (or item) and overall, across the segments:

==============  =========  ============================================================
``method``      ``kind``   what
==============  =========  ============================================================
anova           omnibus    one-way ANOVA, ``effect`` = η²
welch_anova     omnibus    Welch's ANOVA (unequal variances), ``effect`` = ω²
kruskal         omnibus    Kruskal–Wallis H (tie-corrected), ``effect`` = ε² = H/(N−1)
tukey_hsd       pair       Tukey–Kramer HSD (after the ANOVA): mean difference, CI, p
games_howell    pair       Games–Howell (after Welch): mean difference, CI, p
dunn            pair       Dunn's z on mean ranks (after Kruskal–Wallis), p adjusted
==============  =========  ============================================================

``p_adj``: omnibus rows are adjusted across the units (dimensions + overall) of one
method with the analysis' ``correction``; Tukey and Games–Howell p-values are already
simultaneous over the pairs of a unit (``p_adj = p``); Dunn p-values are adjusted over
the pairs of a unit with ``dunn_correction`` (Holm by default). Pair rows give
``estimate = mean(group1) − mean(group2)`` of the gap scores and, for Tukey and
Games–Howell, its simultaneous CI; Dunn rows have no CI (``statistic`` is z).

**Survey weights are ignored** by all of these methods (unweighted, as in R and SPSS);
a `servgap.errors.MethodWarning` says so when the survey has weights.

`wave_changes` — change of every gap between consecutive waves (sorted wave
labels): Welch t for independent samples, or a paired t when the same respondents
answer both waves (matched by id with ``other=`` or by a panel-id column ``pair_on=``).
These use the survey weights like `servgap.analyze` (weighted means, Kish n).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import stats as st
from ..engine.scores import gap_scores, surveys_and_settings
from ..engine.segments import segment, segment_codes
from ..errors import ConfigError, DataQualityWarning, MethodWarning
from ..stats import anova as av
from ..stats.multiplicity import adjust
from ..surveys.survey import SurveySet

COMPARE_COLUMNS = ["gap", "level", "dimension", "item", "by", "kind", "method", "group1", "group2", "n_groups", "n",
                   "mean1", "mean2", "estimate", "ci_low", "ci_high", "statistic", "df1", "df2", "p", "p_adj",
                   "effect", "effect_name"]
WAVE_COLUMNS = ["gap", "dimension", "wave_from", "wave_to", "n_from", "n_to", "mean_from", "mean_to", "change", "se",
                "ci_low", "ci_high", "statistic", "df", "p", "p_adj", "effect", "test", "paired", "n_unmatched"]


def _units(s, levels, level):
    """``(dimension, item, values)`` per unit at ``level`` plus the overall score."""
    inst = s.instrument
    if level == "dimension":
        for d, did in enumerate(inst.dimension_ids):
            yield did, None, levels["dimension"][0][:, d]
    elif level == "item":
        for j, iid in enumerate(inst.item_ids):
            yield inst.dimensions[inst.item_dimension[j]].id, iid, levels["item"][0][:, j]
    else:
        raise ConfigError(f"level={level!r}; use \"dimension\" or \"item\".")
    yield "overall", None, levels["overall"][0][:, 0]


def _segment_codes(s, by):
    by = [by] if isinstance(by, str) else list(by)
    miss = [c for c in by if c not in s.segments.columns]
    if miss:
        raise ConfigError(f"by={miss[0]!r} is not a segment of survey {s.source!r}; its segments are "
                          f"{', '.join(s.segments.columns) or 'none'} (declare them with read_survey(segments=...)).")
    seg = segment(SurveySet([s]), by)
    codes = segment_codes(s.segments, by, seg.lookup)   # also for a lazy (Dask) survey
    names = ["/".join(map(str, row)) for row in seg.table.itertuples(index=False)]
    return codes, names, "+".join(by)


def _warn_weights(s, settings, what):
    if s.weights is not None and settings.weighted:
        warnings.warn(f"{what} ignore the survey weights (unweighted tests and post-hoc pairs); the gap tables "
                      "of analyze() are weighted.", MethodWarning, stacklevel=3)


def _unit_rows(x, codes, names, confidence, base, thin: set, flat: set):
    ok = ~np.isnan(x) & (codes >= 0)
    x, g = x[ok], codes[ok]
    cnt = np.bincount(g, minlength=len(names))
    keep = np.flatnonzero(cnt >= 2)
    thin.update(names[i] for i in np.flatnonzero(cnt < 2))
    remap = np.full(len(names), -1)
    remap[keep] = np.arange(len(keep))
    sel = remap[g] >= 0
    x, g, labels, k = x[sel], remap[g][sel], [names[i] for i in keep], len(keep)
    rows = []
    if k < 2:
        for method in ("anova", "welch_anova", "kruskal"):
            rows.append(dict(base, kind="omnibus", method=method, n_groups=k, n=len(x)))
        return rows
    _, m, _ = av.group_moments(x, g, k)
    flat.update(f"{labels[i]} ({base['dimension'] if base['item'] is None else base['item']})"
                for i in np.flatnonzero(av.zero_variance(x, g, k)))
    for method, f in (("anova", av.oneway), ("welch_anova", av.welch_anova), ("kruskal", av.kruskal)):
        r = f(x, g, k)
        rows.append(dict(base, kind="omnibus", method=method, n_groups=k, n=len(x), statistic=r["statistic"],
                         df1=r["df1"], df2=r["df2"], p=r["p"], effect=r["effect"], effect_name=r["effect_name"]))
    for method, f in (("tukey_hsd", av.tukey_hsd), ("games_howell", av.games_howell), ("dunn", av.dunn)):
        r = f(x, g, k, confidence) if method != "dunn" else f(x, g, k)
        for t in range(len(r["i"])):
            i, j = r["i"][t], r["j"][t]
            rows.append(dict(base, kind="pair", method=method, group1=labels[i], group2=labels[j], n_groups=k,
                             n=int(((g == i) | (g == j)).sum()), mean1=m[i], mean2=m[j], estimate=m[i] - m[j],
                             ci_low=r.get("ci_low", [np.nan] * len(r["i"]))[t],
                             ci_high=r.get("ci_high", [np.nan] * len(r["i"]))[t], statistic=r["statistic"][t],
                             df2=r["df"][t], p=r["p"][t]))
    return rows


def compare_segments(res, by=None, gap: int = 5, level: str = "dimension", confidence: float | None = None,
                     correction: str | None = None, dunn_correction: str = "holm") -> pd.DataFrame:
    """Compare respondents' gap scores across segments (``res.compare(by=...)``).

    Parameters
    ----------
    res : GapAnalysis or Survey
    by : str or list of str, optional
        Segment column(s); default: the analysis' ``by`` columns without the wave column.
    gap : int
        A paired gap (default 5, ``P − E``).
    level : {"dimension", "item"}
        Units compared; the overall score (mean of the dimension gaps) is always added.
    confidence, correction : optional
        Default: the analysis' settings (0.95, Holm).
    dunn_correction : str
        Adjustment of Dunn's pairwise p-values within a unit (default Holm).

    Returns
    -------
    pandas.DataFrame
        Long table, columns ``gap, level, dimension, item, by, kind`` (``"omnibus"`` |
        ``"pair"``), ``method`` (see the module docs), ``group1, group2, n_groups, n,
        mean1, mean2, estimate, ci_low, ci_high, statistic, df1, df2, p, p_adj, effect,
        effect_name``.

    Notes
    -----
    Survey weights are ignored (with a MethodWarning). Segments with fewer than 2
    scores are left out of the tests of that unit. A segment whose scores do not vary
    makes Welch's ANOVA of that unit NaN (its weight ``n/s²`` is infinite; R's
    ``oneway.test`` gives NaN too), and Games–Howell pairs of two such segments; a
    DataQualityWarning names them. References: Welch (1951); Kruskal &
    Wallis (1952); Tukey (1949); Games & Howell (1976); Dunn (1964).

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> res = sg.analyze(cust, by="branch")
    >>> cmp = res.compare()
    >>> welch = cmp.query("kind == 'omnibus' and method == 'welch_anova'").set_index("dimension")
    >>> welch.index.tolist()
    ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy', 'overall']
    >>> bool(welch.loc["responsiveness", "p_adj"] < 0.001)   # the planted branch differs
    True
    """
    _, settings = surveys_and_settings(res)
    if level not in ("dimension", "item"):
        raise ConfigError(f"level={level!r}; use \"dimension\" or \"item\".")
    if by is None:
        by = [b for b in settings.by if b != settings.wave] or list(settings.by)
        if not by:
            raise ConfigError("compare needs segments: pass by=\"<segment column>\", e.g. res.compare(by=\"branch\").")
    confidence = settings.confidence if confidence is None else confidence
    correction = settings.correction if correction is None else correction
    s, levels = gap_scores(res, gap)
    codes, names, byname = _segment_codes(s, by)
    _warn_weights(s, settings, "ANOVA, Welch's ANOVA, Kruskal-Wallis and their post-hoc pairs")
    rows, thin, flat = [], set(), set()
    for dim, item, x in _units(s, levels, level):
        base = dict(gap=gap, level="overall" if dim == "overall" else level, dimension=dim, item=item, by=byname)
        rows += _unit_rows(x, codes, names, confidence, base, thin, flat)
    if thin:
        warnings.warn(f"segment(s) {', '.join(sorted(thin)[:10])} have fewer than 2 gap scores in some unit and are "
                      "left out of its tests.", DataQualityWarning, stacklevel=2)
    if flat:
        warnings.warn(f"segment(s) with no variation in their gap scores (every respondent the same): "
                      f"{', '.join(sorted(flat)[:10])}{' ...' if len(flat) > 10 else ''}. Welch's ANOVA is undefined "
                      "there (NaN), as are Games-Howell pairs of two such segments.", DataQualityWarning,
                      stacklevel=2)
    df = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    p = df["p"].to_numpy(dtype=float)
    omni = (df["kind"] == "omnibus").to_numpy()
    fam = df.groupby(["method", "dimension", "item"], dropna=False, sort=False).ngroup().to_numpy()
    p_adj = np.where(df["method"].isin(["tukey_hsd", "games_howell"]), p, np.nan)
    p_adj[omni] = adjust(p[omni], df.loc[omni, "method"].to_numpy(), correction)
    dn = (df["method"] == "dunn").to_numpy()
    p_adj[dn] = adjust(p[dn], fam[dn], dunn_correction)
    df["p_adj"] = p_adj
    df["n"] = df["n"].astype("int64")
    df["n_groups"] = df["n_groups"].astype("int64")
    return df


def _wave_codes(s, wave, pair_on):
    if wave not in s.segments.columns:
        raise ConfigError(f"wave column {wave!r} is not a segment of survey {s.source!r}; declare it with "
                          "read_survey(segments=[..., \"wave\"]).")
    lab = s.segments[wave]
    codes, names = pd.factorize(lab.astype(str).where(lab.notna()), sort=True)
    person = None
    if pair_on is not None:
        src = s.extra if pair_on in s.extra.columns else s.segments if pair_on in s.segments.columns else None
        if src is None:
            raise ConfigError(f"pair_on={pair_on!r} is neither a kept column (keep=) nor a segment of survey "
                              f"{s.source!r}.")
        person = src[pair_on].astype(str).to_numpy()
    return np.asarray(codes), [str(x) for x in names], person


def _change_row(x0, x1, w0, w1, paired, confidence):
    if paired:
        d = x1 - x0
        ok = ~np.isnan(d)
        w = None if w1 is None else w1[ok]
        m = st.moments(st.histogram(d[ok], None, 1, w))
        r = st.t_test(m, confidence)
        m0 = st.moments(st.histogram(x0[ok], None, 1, w)).mean[0]
        m1 = st.moments(st.histogram(x1[ok], None, 1, w)).mean[0]
        n0 = n1 = int(m.n[0])
    else:
        a, b = x0[~np.isnan(x0)], x1[~np.isnan(x1)]
        ma = st.moments(st.histogram(a, None, 1, None if w0 is None else w0[~np.isnan(x0)]))
        mb = st.moments(st.histogram(b, None, 1, None if w1 is None else w1[~np.isnan(x1)]))
        r = st.welch_t(mb, ma, confidence)
        m0, m1, n0, n1 = ma.mean[0], mb.mean[0], int(ma.n[0]), int(mb.n[0])
    return dict(n_from=n0, n_to=n1, mean_from=m0, mean_to=m1, change=r["estimate"][0], se=r["se"][0],
                ci_low=r["ci_low"][0], ci_high=r["ci_high"][0], statistic=r["statistic"][0], df=r["df"][0],
                p=r["p"][0], effect=r["effect"][0], test="t" if paired else "welch_t", paired=paired)


def _level_columns(s, levels):
    cols = [(d, levels["dimension"][0][:, k]) for k, d in enumerate(s.instrument.dimension_ids)]
    return cols + [("overall", levels["overall"][0][:, 0])]


def _changes_to_other(s, levels, w, other, gap: int, weighted: bool, confidence: float) -> list[dict]:
    """Change rows from one analysis to a separately analysed later wave (paired on common ids)."""
    s2, lv2 = gap_scores(other, gap)
    w2 = s2.weights if weighted else None
    common = s.ids.intersection(s2.ids)
    paired = len(common) > 0
    idx0, idx1 = s.ids.get_indexer(common), s2.ids.get_indexer(common)
    unmatched = (s.n - len(common)) + (s2.n - len(common))
    if paired and unmatched:
        warnings.warn(f"{len(common)} respondents answer both waves and are paired; {unmatched} answer only "
                      "one wave and are left out of the paired tests (n_unmatched).", DataQualityWarning,
                      stacklevel=3)
    labels, rows = (str(s.source), str(s2.source)), []
    for (d, x0), (_, x1) in zip(_level_columns(s, levels), _level_columns(s2, lv2)):
        if paired:
            r = _change_row(x0[idx0], x1[idx1], None, None if w2 is None else w2[idx1], True, confidence)
        else:
            r = _change_row(x0, x1, w, w2, False, confidence)
        rows.append(dict(gap=gap, dimension=d, wave_from=labels[0], wave_to=labels[1],
                         n_unmatched=unmatched if paired else 0, **r))
    return rows


def _panel_pairs(person, i0, i1, pair_on, names, a):
    """Rows of two consecutive waves matched on the panel id, and how many are left unmatched."""
    p0, p1 = pd.Index(person[i0]), pd.Index(person[i1])
    if p0.has_duplicates or p1.has_duplicates:
        raise ConfigError(f"pair_on={pair_on!r}: a person appears twice within one wave; it must "
                          "identify one respondent per wave.")
    common = p0.intersection(p1)
    unmatched = len(i0) + len(i1) - 2 * len(common)
    if unmatched:
        warnings.warn(f"waves {names[a]} and {names[a + 1]}: {unmatched} respondents answer only one "
                      "wave and are left out of the paired tests (n_unmatched).", DataQualityWarning,
                      stacklevel=4)
    return i0[p0.get_indexer(common)], i1[p1.get_indexer(common)], unmatched


def _changes_between_waves(s, levels, w, wave: str, pair_on, gap: int, confidence: float) -> list[dict]:
    """Change rows between consecutive waves of one survey (paired on ``pair_on`` when given)."""
    codes, names, person = _wave_codes(s, wave, pair_on)
    if len(names) < 2:
        raise ConfigError(f"wave column {wave!r} has {len(names)} wave(s); a change needs at least two.")
    rows = []
    for a in range(len(names) - 1):
        i0, i1 = np.flatnonzero(codes == a), np.flatnonzero(codes == a + 1)
        unmatched = 0
        if person is not None:
            i0, i1, unmatched = _panel_pairs(person, i0, i1, pair_on, names, a)
        for d, x in _level_columns(s, levels):
            if person is not None:
                r = _change_row(x[i0], x[i1], None, None if w is None else w[i1], True, confidence)
            else:
                r = _change_row(x[i0], x[i1], None if w is None else w[i0], None if w is None else w[i1],
                                False, confidence)
            rows.append(dict(gap=gap, dimension=d, wave_from=names[a], wave_to=names[a + 1],
                             n_unmatched=unmatched, **r))
    return rows


def wave_changes(res, other=None, wave: str | None = None, pair_on: str | None = None, gap: int = 5,
                 confidence: float | None = None, correction: str | None = None) -> pd.DataFrame:
    """Change of each dimension gap (and the overall gap) between consecutive waves.

    Parameters
    ----------
    res : GapAnalysis
        Analysed with ``wave="<column>"`` (``res.waves``), or the earlier wave when
        ``other`` is given.
    other : GapAnalysis or Survey, optional
        A later wave analysed separately. Respondents whose ids appear in both are paired
        (paired t on the matched ones; the unmatched are counted in ``n_unmatched`` and
        reported with a DataQualityWarning); without common ids, Welch's t.
    wave : str, optional
        Wave column (default ``res.settings.wave``).
    pair_on : str, optional
        A panel-id column (``keep=`` or segment) identifying the same person in several
        waves of one survey; pairs are formed on it.
    gap : int
        A paired gap (default 5).

    Returns
    -------
    pandas.DataFrame
        ``gap, dimension, wave_from, wave_to, n_from, n_to, mean_from, mean_to, change``
        (= later wave − earlier wave; positive = the gap narrowed or the surplus grew),
        ``se, ci_low, ci_high, statistic, df, p, p_adj`` (across the dimensions of one
        wave pair, overall excluded), ``effect`` (Hedges' g or Cohen's d_z), ``test``
        (``"welch_t"`` | ``"t"``), ``paired``, ``n_unmatched``.

    Notes
    -----
    Weighted like `servgap.analyze` (weighted means, Kish effective n) when the
    analysis used weights.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example()
    >>> res = sg.analyze(cust, wave="wave")
    >>> w = res.waves
    >>> w[["dimension", "wave_from", "wave_to", "test"]].head(2)
         dimension wave_from wave_to     test
    0    tangibles    2025Q1  2025Q2  welch_t
    1  reliability    2025Q1  2025Q2  welch_t
    """
    _, settings = surveys_and_settings(res)
    confidence = settings.confidence if confidence is None else confidence
    correction = settings.correction if correction is None else correction
    s, levels = gap_scores(res, gap)
    w = s.weights if settings.weighted else None
    if other is not None:
        rows = _changes_to_other(s, levels, w, other, gap, settings.weighted, confidence)
    else:
        wave = wave or settings.wave
        if not wave:
            raise ConfigError("no wave column: run sg.analyze(..., wave=\"<wave column>\") or pass wave= (or "
                              "compare two analyses with other=).")
        rows = _changes_between_waves(s, levels, w, wave, pair_on, gap, confidence)
    df = pd.DataFrame(rows, columns=WAVE_COLUMNS)
    dims = (df["dimension"] != "overall").to_numpy()
    fam = df.groupby(["wave_from", "wave_to"], sort=False).ngroup().to_numpy()
    p_adj = df["p"].to_numpy(dtype=float).copy()
    p_adj[dims] = adjust(p_adj[dims], fam[dims], correction)
    df["p_adj"] = p_adj
    return df
