"""The cause tree of a result (``res.cause_tree()``): gap → 004 root cause → bank symptom →
the measured evidence, one tidy row per piece of evidence.

The tree is read off the ranking (`servgap.causes.ranking`): every suggested root cause
hangs under its gap, every suggested symptom under each of its root causes, and every row
carries one number of the result tables that the score rests on -- a gap of
``res.dimensions`` (mean, CI, adjusted p, n) or a construct of ``res.constructs`` (mean,
midpoint, p corrected within its gap and segment, n).
"""

from __future__ import annotations

import math

import pandas as pd

from ..model.gaps import gap as gap_def
from . import wording as tx
from .ranking import evaluate
from .scoring import Evidence, table_p

__all__ = ["cause_tree", "TREE_COLUMNS"]

#: Columns of `cause_tree` (after the ``by`` columns).
TREE_COLUMNS = ["gap", "gap_name", "root", "root_name", "root_rank", "root_tied", "root_score", "root_basis",
                "symptom", "symptom_name", "symptom_rank", "symptom_tied", "symptom_score", "symptom_basis",
                "evidence", "evidence_gap", "item", "item_label", "direction", "value", "ci_low", "ci_high",
                "midpoint", "p_adj", "n"]


def _evidence_rows(a: dict, ev: Evidence, labels: dict) -> list[dict]:
    """The numbers behind one assessment: counted gap shortfalls, clean own gaps, constructs."""
    rows = []
    for g in ([5] if a["g5_dims"] else []) + sorted(a["short"]) + list(a["clear"]):
        dims = a["g5_dims"] if g == 5 else a["short"].get(g) or [d for d in a["dims"] if (g, d) in ev.dims]
        for d in dims:
            r = ev.dims[(g, d)]
            rows.append(dict(evidence="gap", evidence_gap=g, item=d, item_label=labels.get(d, d),
                             direction="shortfall" if r["s"] > 0 else "no shortfall", value=r["mean"],
                             ci_low=r["lo"], ci_high=r["hi"], midpoint=math.nan, p_adj=table_p(r), n=r["n"]))
    for c, direction in [*((c, "unfavourable") for c in a["weak"]), *((c, "favourable") for c in a["strong"])]:
        r = ev.constructs[c]
        rows.append(dict(evidence="construct", evidence_gap=r["gap"], item=c, item_label=labels.get(c, c),
                         direction=direction, value=r["mean"], ci_low=math.nan, ci_high=math.nan, midpoint=r["mid"],
                         p_adj=r["p"], n=r["n"]))
    return rows


def _node(prefix: str, row) -> dict:
    if row is None:
        return {f"{prefix}_rank": math.nan, f"{prefix}_tied": False, f"{prefix}_score": math.nan,
                f"{prefix}_basis": None}
    return {f"{prefix}_rank": row["rank"], f"{prefix}_tied": bool(row["tied"]), f"{prefix}_score": row["score"],
            f"{prefix}_basis": row["basis"]}


def _segment_paths(seg: pd.DataFrame, details: list, entries: dict, lang: str, labels: dict) -> list[dict]:
    by_id = {r["cause"]: r for r in seg.to_dict("records")}
    out = []
    for r, (a, ev) in zip(seg.to_dict("records"), details):
        e = entries[r["cause"]]
        roots = [r["cause"]] if e["level"] == "root" else list(e["parents"])
        for root in roots:
            re_ = entries.get(root)
            if re_ is None:
                continue
            g = int(re_["gap"][0])
            base = dict(gap=g, gap_name=gap_def(g).label(lang), root=root, root_name=re_["name"][lang],
                        **_node("root", by_id.get(root)),
                        symptom=None if e["level"] == "root" else r["cause"],
                        symptom_name=None if e["level"] == "root" else r["name"],
                        **_node("symptom", None if e["level"] == "root" else r))
            out += [{**base, **x} for x in _evidence_rows(a, ev, labels)]
    return out


def cause_tree(res, lang: str = "en", by=None, top: int | None = 10, **kwargs) -> pd.DataFrame:
    """The cause tree: gap → 004 root cause → bank symptom → evidence (``res.cause_tree()``).

    Parameters
    ----------
    res : GapAnalysis
    lang : {"en", "zh"}
    by : str or list of str, optional
        One tree per segment (as ``res.causes(by=...)``).
    top : int or None, default 10
        Causes (per segment) of the ranking that enter the tree.
    **kwargs
        Passed to `servgap.causes.ranking.rank_causes` (``min_shortfall``, ``catalog`` ...).

    Returns
    -------
    pandas.DataFrame
        One row per piece of evidence of each path. The ``by`` columns, then ``gap`` and
        ``gap_name``; the root cause ``root`` (id), ``root_name``, ``root_rank``,
        ``root_tied``, ``root_score``, ``root_basis`` (NaN/None when the root itself is
        not among the ranked causes); the symptom ``symptom``, ``symptom_name``,
        ``symptom_rank``, ``symptom_tied``, ``symptom_score``, ``symptom_basis`` (None for
        a root cause's own path); the evidence: ``evidence`` (``gap`` or ``construct``),
        ``evidence_gap`` (the gap measured, or the gap the construct explains), ``item``
        (dimension or construct id), ``item_label``, ``direction`` (``shortfall``, ``no
        shortfall``, ``unfavourable``, ``favourable``), ``value`` (mean gap or construct
        mean), ``ci_low``, ``ci_high`` (gaps), ``midpoint`` (constructs), ``p_adj``
        (adjusted p; for constructs corrected within their gap and segment) and ``n``.
        A symptom with two root causes appears under both. ``attrs["note"]`` is the note
        of the ranking.

    Examples
    --------
    >>> import servgap as sg
    >>> from servgap.surveys.examples import load_example_constructs
    >>> cust, staff = sg.load_example()
    >>> tree = sg.analyze([cust, staff, load_example_constructs()]).cause_tree(top=2)
    >>> tree[["gap", "root", "symptom", "evidence_gap", "item", "direction"]].head(4).values.tolist()
    [[3, 'G3-6', None, 5, 'responsiveness', 'shortfall'], [3, 'G3-6', None, 3, 'responsiveness', 'shortfall'], [3, 'G3-6', None, 3, 'technology_job_fit', 'unfavourable'], [3, 'G3-6', 'B-weak-it', 5, 'responsiveness', 'shortfall']]
    """
    r = evaluate(res, top=top, lang=lang, by=by, **kwargs)
    lang, ranked = r.frame.attrs["lang"], r.frame
    labels = tx.labels(res.surveys, lang)
    rows = []
    groups = ranked.groupby(r.by, sort=False, dropna=False) if r.by else [((), ranked)]
    for key, seg in groups:
        idx = [ranked.index.get_loc(i) for i in seg.index]
        paths = _segment_paths(seg, [r.details[i] for i in idx], r.entries, lang, labels)
        key = key if isinstance(key, tuple) else (key,)
        rows += [{**dict(zip(r.by, key)), **p} for p in paths]
    out = pd.DataFrame(rows, columns=[*r.by, *TREE_COLUMNS])
    if len(out):    # by gap, then root rank (unranked roots last), the root's own path first, then symptoms
        key = pd.DataFrame({"r": out["root_rank"].fillna(float("inf")), "s": out["symptom"].notna(),
                            "sr": out["symptom_rank"]})
        order = pd.concat([out[[*r.by, "gap"]], key, out["root"]], axis=1).sort_values(
            [*r.by, "gap", "r", "root", "s", "sr"], kind="stable").index
        out = out.loc[order].reset_index(drop=True)
    for c in ("root_basis", "symptom", "symptom_name", "symptom_basis"):       # missing text is None, not NaN
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    out.attrs["lang"] = lang
    out.attrs["note"] = ranked.attrs.get("note", "")
    return out
