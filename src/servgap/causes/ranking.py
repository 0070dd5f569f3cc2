"""Explainable ranking of root causes from the measured gaps (``res.causes()``).

Every cause of the catalog (`servgap.causes.catalog`) names the gap(s) it belongs to, the
SERVQUAL dimensions it hurts and the staff-survey constructs that reflect it; bank-practice
causes (symptoms) name the 004 root causes they are instances of. `rank_causes` scores
every cause in every segment on the result's tables (``res.dimensions``,
``res.constructs``; formula in `servgap.causes.scoring` and ``docs/causes.md``), ranks
them with ties shared, and explains each suggestion in English or Chinese.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError, ServgapWarning
from . import explain
from . import wording as tx
from .catalog import load_causes, remedy_texts, resolve_lang, validate_causes
from .scoring import MIN_SHORTFALL, WEIGHTS, Evidence, assess, assess_root, significance_weight
from .sources import cite

__all__ = ["rank_causes", "cause_scores", "significance_weight", "CAUSE_COLUMNS", "WEIGHTS", "MIN_SHORTFALL"]

#: Columns of `rank_causes` (after the ``by`` columns).
CAUSE_COLUMNS = ["rank", "tied", "cause", "name", "level", "parent", "gap", "dimensions", "score", "basis", "p_adj",
                 "n_min", "via", "evidence", "explanation", "remedies", "sources"]
_LEVEL_ORDER = {"root": 0, "symptom": 1}


# --------------------------------------------------------------------------- inputs
@functools.lru_cache(maxsize=1)
def _packaged_entries() -> tuple:
    """The packaged catalog, validated once per process (entries are only read, never changed)."""
    return tuple(load_causes())


def catalog_entries(catalog=None) -> list[dict]:
    """The ranked causes (``kind: cause``) of the packaged catalog or of ``catalog``."""
    if catalog is None:
        entries = list(_packaged_entries())
    elif isinstance(catalog, (str, os.PathLike)):
        entries = load_causes(catalog)
    elif isinstance(catalog, Mapping):
        entries = validate_causes(catalog.get("causes", [catalog]), source="<catalog>")
    elif isinstance(catalog, (list, tuple)):
        entries = validate_causes(list(catalog), source="<catalog>")
    else:
        raise ConfigError(f"catalog must be a path to a cause-catalog YAML file or a list of cause entries "
                          f"(dicts with both languages, see servgap.causes.catalog), not {type(catalog).__name__}.")
    return [e for e in entries if e["kind"] == "cause"]


def _children(entries: list[dict]) -> dict:
    ids = {e["id"] for e in entries}
    out: dict[str, list] = {}
    for e in entries:
        for parent in e["parents"]:
            if parent in ids:
                out.setdefault(parent, []).append(e)
    return out


def _importance(res, use) -> dict[str, float]:
    """Multipliers ``m_d = K * mean share of dimension d`` of the stated importance (mean 1)."""
    if not use:
        return {}
    for s in res.surveys:
        if s.importance is None:
            continue
        imp = np.where(np.isnan(s.importance), 0.0, s.importance)
        tot = imp.sum(axis=1)
        ok = tot > 0
        if not ok.any():
            continue
        w = s.weights[ok] if (s.weights is not None and res.settings.weighted) else np.ones(ok.sum())
        share = (w[:, None] * imp[ok] / tot[ok, None]).sum(axis=0) / w.sum()
        ids = s.instrument.dimension_ids
        return {d: float(share[j] * len(ids)) for j, d in enumerate(ids)}
    raise ConfigError("importance=True needs stated importance: read the customer survey with "
                      "read_survey(..., importance='W_{dimension}') (a 100-point allocation), or use importance=False.")


def _constructs(res) -> pd.DataFrame | None:
    try:
        table = res.constructs
    except (ImportError, AttributeError):   # construct module not available: constructs unmeasured
        return None
    return table if table is not None and len(table) else None


def _analysis_for(res, by: list[str]):
    """The analysis whose segments are ``by`` (re-run pooled when ``by`` is coarser than ``res.by``)."""
    if set(by) == set(res.by):
        return res, None
    if not set(by) <= set(res.by):
        raise ConfigError(
            f"causes(by={by!r}): the analysis was run with by={res.by or None!r}, so it has no rows per "
            f"{', '.join(c for c in by if c not in res.by)!r}. Re-run sg.analyze(..., by={by!r}) and call "
            f"causes(by={by!r}) on that result.")
    gaps = sorted(set(res.measured_gaps) | {int(g) for g in res.missing_gaps["gap"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ServgapWarning)   # already reported by the original analysis
        pooled = res.reanalyze(by=by or None, gaps=gaps)
    return pooled, list(res.by)


def _groups(table: pd.DataFrame | None, by: list[str]) -> dict:
    if table is None:
        return {}
    if not by:
        return {(): table}
    if not all(c in table.columns for c in by) or table[by].isna().all(axis=None):
        return {None: table}        # not split by these columns: the same rows for every segment
    return {(k if isinstance(k, tuple) else (k,)): g for k, g in table.groupby(by, sort=False)}


# --------------------------------------------------------------------------- one segment
def _assess_all(entries: list[dict], children: dict, ev: Evidence, imp: dict) -> list[dict]:
    return [assess_root(e, children.get(e["id"], []), ev, imp) if e["level"] == "root" else assess(e, ev, imp)
            for e in entries]


def _rank(rows: list[dict]) -> list[dict]:
    """Sort and give competition ranks (1, 2, 2, 4): equal scores share a rank and ``tied``.

    Order: suggested before not suggested, score, then catalog priority (root causes
    before symptoms, then catalog order) -- which carries no evidence.
    """
    for r in rows:
        r["_key"] = (r["basis"] == "not significant", -round(r["score"], 9))
    rows.sort(key=lambda r: (*r["_key"], _LEVEL_ORDER.get(r["level"], 2), r["_index"]))
    counts: dict = {}
    for r in rows:
        counts[r["_key"]] = counts.get(r["_key"], 0) + 1
    rank = 1
    for i, r in enumerate(rows):
        if i and r["_key"] != rows[i - 1]["_key"]:
            rank = i + 1
        r["rank"], r["tied"] = rank, counts[r["_key"]] > 1
    return rows


def _row(e: dict, a: dict, ev: Evidence, lang: str, labels: dict, names: dict, index: int) -> dict:
    via = names.get(a["via"]) if a["via"] else None
    return dict(rank=0, tied=False, cause=e["id"], name=e["name"][lang], level=e["level"], parent=list(e["parents"]),
                gap=list(e["gap"]), dimensions=list(a["dims"]), score=float(a["score"]), basis=a["basis"],
                p_adj=float(a["p_adj"]), n_min=float(a["n_min"]), via=a["via"],
                evidence=explain.evidence_text(e, a, ev, lang, labels),
                explanation=explain.explanation(e, a, ev, lang, labels, via),
                remedies=remedy_texts(e, lang), sources=cite(e["sources"], lang), _index=index, _a=a)


# --------------------------------------------------------------------------- the ranking of a result
@dataclass
class Ranking:
    """Everything `rank_causes` computes: the table, the assessments behind its rows, the catalog."""

    frame: pd.DataFrame
    details: list = field(default_factory=list)     # (assessment, evidence) per row of frame
    entries: dict = field(default_factory=dict)
    by: list = field(default_factory=list)


def _segment_evidence(res, src, key, by_cols, dims, con_groups, finer_groups, finer_by, min_shortfall):
    cons_rows, pooled = con_groups.get(key), False
    if cons_rows is None and None in con_groups:     # constructs not split by `by`: bank-wide scores
        cons_rows, pooled = con_groups[None], bool(by_cols)
    ev = Evidence(dims, cons_rows, res.settings.alpha, min_shortfall, res.settings.correction)
    ev.pooled = pooled
    if finer_by and finer_groups.get(key) is not None:
        ev.add_worst(finer_groups[key], finer_by, tx.segment_label)
    return ev


def evaluate(res, top: int | None = 10, lang: str = "en", by=None, catalog=None, importance: bool = False,
             include_not_significant: bool = False, min_shortfall: float = MIN_SHORTFALL) -> Ranking:
    """The ranking of ``res`` with the assessments behind it (see `rank_causes`).

    Computed once per result and arguments with the packaged catalog (``res.causes()``,
    the action plan, the cause tree and the HTML, Excel and JSON exports share it); each
    call gets its own copy of the table.
    """
    args = dict(top=top, lang=lang, by=tuple(by) if isinstance(by, list) else by, importance=importance,
                include_not_significant=include_not_significant, min_shortfall=min_shortfall)
    store = getattr(res, "__dict__", None)
    try:
        key = tuple(args.items())
        hash(key)
    except TypeError:
        store = None
    if catalog is not None or store is None:
        return _evaluate(res, catalog=catalog, **args)
    cache = store.setdefault("_cause_rankings", {})
    if key not in cache:
        cache[key] = _evaluate(res, **args)
    return replace(cache[key], frame=cache[key].frame.copy())


def _evaluate(res, top, lang, by, importance, include_not_significant, min_shortfall, catalog=None) -> Ranking:
    lang = resolve_lang(lang)
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ConfigError(f"top={top!r}: give a positive whole number of causes per segment, or None for all.")
    if isinstance(min_shortfall, bool) or not isinstance(min_shortfall, (int, float)) or not min_shortfall >= 0:
        raise ConfigError(f"min_shortfall={min_shortfall!r}: give a number of scale points >= 0 (default 0.25).")
    by_cols = [by] if isinstance(by, str) else list(by or [])
    entries = catalog_entries(catalog)
    children, imp = _children(entries), _importance(res, importance)
    src, finer_by = _analysis_for(res, by_cols)
    by_cols = [c for c in src.by if c in by_cols] if by_cols else []
    con_table = _constructs(src)
    con_groups = _groups(con_table, by_cols)
    finer_groups = _groups(res.dimensions, by_cols) if finer_by else {}
    labels = tx.labels(res.surveys, lang)
    names = {e["id"]: e["name"][lang] for e in entries}
    frames, details, facts = [], [], explain.NoteFacts()
    for key, dims in _groups(src.dimensions, by_cols).items():
        ev = _segment_evidence(res, src, key, by_cols, dims, con_groups, finer_groups, finer_by, min_shortfall)
        rows = [_row(e, a, ev, lang, labels, names, i) for i, (e, a) in enumerate(zip(entries, _assess_all(
            entries, children, ev, imp)))]
        rows = _rank([r for r in rows if include_not_significant or r["basis"] != "not significant"])
        rows = [r for r in rows if top is None or r["rank"] <= top]
        facts.add(ev, rows, tx.segment_label(key) if by_cols else None, lang)
        df = pd.DataFrame(rows, columns=CAUSE_COLUMNS)
        for c, v in reversed(list(zip(by_cols, key or ()))):
            df.insert(0, c, v)
        frames.append(df)
        details += [(r["_a"], ev) for r in rows]
    out = _concat(frames, by_cols)
    out.attrs["lang"] = lang
    out.attrs["min_shortfall"] = float(min_shortfall)
    note = facts.text(out, lang, res.settings.alpha, min_shortfall, bool(by_cols), con_table is not None)
    if note:
        out.attrs["note"] = note
    return Ranking(frame=out, details=details, entries={e["id"]: e for e in entries}, by=by_cols)


def _concat(frames: list, by_cols: list) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in [*by_cols, *CAUSE_COLUMNS]})
        return empty.astype({"rank": "int64", "tied": bool, "score": "float64", "p_adj": "float64",
                             "n_min": "float64"})
    return pd.concat(frames, ignore_index=True).astype({"rank": "int64", "tied": bool, "score": "float64",
                                                        "p_adj": "float64", "n_min": "float64"})


# --------------------------------------------------------------------------- public API
def cause_scores(dimensions: pd.DataFrame, constructs: pd.DataFrame | None = None, alpha: float = 0.05,
                 catalog=None, importance: Mapping[str, float] | None = None, min_shortfall: float = MIN_SHORTFALL,
                 correction: str = "holm") -> pd.DataFrame:
    """Score every catalog cause on one segment's gap and construct tables (no text).

    The low-level scorer behind `rank_causes`; the formula is in `servgap.causes.scoring`.

    Parameters
    ----------
    dimensions : DataFrame
        Rows of one segment with columns ``gap``, ``dimension``, ``mean_gap``, ``ci_low``,
        ``ci_high``, ``p_adj`` (and ``n``), as in ``GapAnalysis.dimensions``.
    constructs : DataFrame, optional
        Rows of ``GapAnalysis.constructs`` (``construct``, ``gap``, ``mean``, ``midpoint``,
        ``p``) for the same segment; ``p`` is corrected here within each gap.
    alpha, min_shortfall, correction
        Significance level, minimum practical shortfall (scale points) and the
        multiplicity correction of the construct tests.
    catalog : path or list of entries, optional
        Cause catalog (default: the packaged one).
    importance : mapping, optional
        Multiplier per dimension (default 1).

    Returns
    -------
    DataFrame
        ``cause, level, score, s5, s_own, c_plus, c_minus, basis, via`` in catalog order.

    Examples
    --------
    >>> import pandas as pd
    >>> from servgap.causes.ranking import cause_scores
    >>> dims = pd.DataFrame({"gap": [5], "dimension": ["responsiveness"], "mean_gap": [-1.0],
    ...                      "ci_low": [-1.2], "ci_high": [-0.8], "p_adj": [1e-6]})
    >>> row = cause_scores(dims).set_index("cause").loc["B-long-queues"]
    >>> float(row["score"]), row["basis"]
    (1.0, 'inferred')
    """
    ev = Evidence(dimensions, constructs, alpha, min_shortfall, correction)
    entries = catalog_entries(catalog)
    rows = [dict(cause=e["id"], level=e["level"], score=a["score"], s5=a["s5"], s_own=a["s_own"],
                 c_plus=a["c_plus"], c_minus=a["c_minus"], basis=a["basis"], via=a["via"])
            for e, a in zip(entries, _assess_all(entries, _children(entries), ev, dict(importance or {})))]
    return pd.DataFrame(rows, columns=["cause", "level", "score", "s5", "s_own", "c_plus", "c_minus", "basis", "via"])


def rank_causes(res, top: int | None = 10, lang: str = "en", by=None, catalog=None, importance: bool = False,
                include_not_significant: bool = False, min_shortfall: float = MIN_SHORTFALL) -> pd.DataFrame:
    """Ranked, explained root-cause suggestions from an analysis (``res.causes()``).

    Scoring v2 (`servgap.causes.scoring`, ``docs/causes.md``): a gap shortfall smaller than
    ``min_shortfall`` raises nothing; construct tests are corrected (the analysis'
    ``correction``, Holm by default) within each gap and segment and count by the size of
    their deviation from the midpoint; favourable constructs lower a score; a cause whose
    own gap was measured without shortfall is never ``"measured"``; a root cause is also
    judged on the dimensions of each of its symptoms. Equal scores share a rank.

    Parameters
    ----------
    res : GapAnalysis
    top : int or None, default 10
        Ranks shown per segment: rows with ``rank <= top`` (so causes tied at the cut
        all stay); ``None`` = all.
    lang : {"en", "zh"}
        Language of names, evidence, explanations, remedies and citations.
    by : str or list of str, optional
        Rank within each segment of these ``analyze(by=...)`` columns (a subset of them
        pools over the others); default: one ranking pooled over all segments, quoting
        the worst segment of each dimension.
    catalog : path or list of entries, optional
        A cause catalog replacing the packaged one.
    importance : bool, default False
        Weight dimensions by the customers' stated importance.
    include_not_significant : bool, default False
        Also list the causes that are not suggested, after the others.
    min_shortfall : float, default 0.25
        Minimum practical shortfall in scale points (gaps and constructs).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then: ``rank`` (competition rank with ties: 1, 2, 2, 4),
        ``tied`` (the rank is shared; shown as "2="), ``cause`` (catalog id), ``name``,
        ``level`` (``root`` = a 004 gap-model cause, ``symptom`` = a bank-practice cause),
        ``parent`` (ids of a symptom's root causes, list), ``gap`` (list),
        ``dimensions`` (the dimensions it was judged on, list), ``score``, ``basis``
        (``measured``, ``inferred``, ``conflicting``; ``not significant`` only with
        ``include_not_significant``), ``p_adj`` (adjusted p of the strongest evidence),
        ``n_min`` (smallest sample behind the evidence), ``via`` (the symptom whose
        dimensions gave a root cause its score, else None), ``evidence`` and
        ``explanation`` (text), ``remedies`` (texts, list) and ``sources`` (list of
        ``{document, section, citation, quote}``). Within a tie, root causes come
        before symptoms, then catalog order; ``attrs["note"]`` says when the order carries
        no evidence, which gaps were not measured, small samples and empty segments.

    Examples
    --------
    >>> import servgap as sg
    >>> from servgap.surveys.examples import load_example_constructs
    >>> cust, staff = sg.load_example()
    >>> res = sg.analyze([cust, staff, load_example_constructs()])
    >>> top = res.causes(top=3)
    >>> top[["rank", "tied", "cause", "level", "basis"]].values.tolist()
    [[1, False, 'G3-6', 'root', 'measured'], [2, False, 'B-weak-it', 'symptom', 'measured'], [3, True, 'G4-4', 'root', 'measured'], [3, True, 'B-mis-selling', 'symptom', 'measured']]
    """
    return evaluate(res, top=top, lang=lang, by=by, catalog=catalog, importance=importance,
                    include_not_significant=include_not_significant, min_shortfall=min_shortfall).frame


def ranked_with_entries(res, top=10, lang="en", by=None, **kwargs):
    """``(ranking table, catalog entries by id, by columns)`` for the action plan and the tree."""
    r = evaluate(res, top=top, lang=lang, by=by, **kwargs)
    return r.frame, r.entries, r.by
