"""The action plan of a result (``res.actions()``).

Every remedy of the cause catalog is an action of the action catalog
(`servgap.causes.remedies`, ``servgap/data/actions.yaml``) with an owner, an indicator, a
target where a source document gives one, a horizon and its source passages.
`action_plan` turns the ranked causes of a result into one row per action, merging the
causes each action addresses.
"""

from __future__ import annotations

import pandas as pd

from .ranking import ranked_with_entries
from .remedies import HORIZONS, action_catalog, load_actions, owners, validate_actions
from .sources import business_case, cite

__all__ = ["action_plan", "ACTION_COLUMNS", "load_actions", "validate_actions", "owners", "action_catalog",
           "HORIZONS"]

#: Columns of `action_plan` (after the ``by`` columns).
ACTION_COLUMNS = ["priority", "action", "remedy", "causes", "cause_names", "best_rank", "owner", "owner_id",
                  "indicator", "target", "horizon", "basis", "sources"]


# --------------------------------------------------------------------------- the plan
_EDITORIAL_OWNER = {"en": "(to be assigned)", "zh": "（待指定）"}


def _action_rows(ranked: pd.DataFrame, entries: dict, lang: str) -> list[dict]:
    """One row per action addressed by the ranked causes of one segment."""
    acts, roles = load_actions(), owners()
    merged: dict[str, dict] = {}
    for r in ranked.itertuples(index=False):
        for k, rem in enumerate(entries[r.cause]["remedies"]):
            key = rem if isinstance(rem, str) else f"{r.cause}#{k + 1}"
            row = merged.setdefault(key, {"action": key, "causes": [], "cause_names": [], "best_rank": r.rank,
                                          "_order": (r.rank, k)})
            row["causes"].append(r.cause)
            row["cause_names"].append(r.name)
            row["best_rank"] = min(row["best_rank"], r.rank)
            row["_order"] = min(row["_order"], (r.rank, k))
            if isinstance(rem, str):
                a = acts[rem]
                row.update(remedy=a["text"][lang], owner=roles[a["owner"]]["name"][lang], owner_id=a["owner"],
                           indicator=a["indicator"][lang], target=a["target"][lang] if a["target"] else None,
                           horizon=a["horizon"], basis=a["basis"], sources=cite(a["sources"], lang))
            else:   # a user catalog's own remedy text: no owner, indicator or sources
                row.update(remedy=rem[lang], owner=_EDITORIAL_OWNER[lang], owner_id=None, indicator=None,
                           target=None, horizon=None, basis="editorial", sources=[])
    rows = sorted(merged.values(), key=lambda x: (x["_order"], -len(x["causes"])))
    for i, row in enumerate(rows, 1):
        row["priority"] = i
        del row["_order"]
    return rows


def action_plan(res, lang: str = "en", by=None, top: int | None = 10, **kwargs) -> pd.DataFrame:
    """The action plan of a result (``res.actions()``): one row per action.

    The causes of ``res.causes(top=top, by=by, lang=lang, **kwargs)`` are taken in rank
    order and their remedies (actions of ``actions.yaml``) collected; an action that
    addresses several causes appears once, listing all of them. Actions are ordered by
    the best rank of the causes they address (then by their position in the cause's
    remedies), so the first rows answer the first causes.

    Parameters
    ----------
    res : GapAnalysis
    lang : {"en", "zh"}
    by : str or list of str, optional
        Rank the causes per segment and give one plan per segment (as ``res.causes``).
    top : int or None, default 10
        How many ranked causes (per segment) the plan addresses.
    **kwargs
        Passed to `servgap.causes.ranking.rank_causes` (``min_shortfall``, ``catalog`` ...).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``priority`` (1, 2, ... per segment), ``action`` (id),
        ``remedy`` (the action in ``lang``), ``causes`` (ids of the ranked causes it
        addresses, list), ``cause_names`` (list), ``best_rank`` (best rank among them),
        ``owner`` (role, in ``lang``), ``owner_id``, ``indicator``, ``target`` (only where
        a source document gives one, else None), ``horizon`` (``quick_win`` /
        ``structural``), ``basis`` (``sourced`` / ``editorial``), ``sources`` (list of
        ``{document, section, citation, quote}``). ``attrs["business_case"]`` holds the
        business-case figures of the source documents (`servgap.causes.sources.business_case`)
        and ``attrs["note"]`` the note of the ranking.

    Examples
    --------
    >>> res = sg.analyze([*sg.load_example(), sg.load_example_constructs()])
    >>> plan = res.actions(top=3)
    >>> plan[["action", "owner", "horizon"]].head(2).values.tolist()
    [['A-it-investment', 'IT department', 'structural'], ['A-supervise-communication', 'Marketing', 'structural']]
    """
    ranked, entries, by_cols = ranked_with_entries(res, top=top, lang=lang, by=by, **kwargs)
    lang = ranked.attrs["lang"]
    frames = []
    groups = ranked.groupby(by_cols, sort=False, dropna=False) if by_cols else [((), ranked)]
    for key, seg in groups:
        df = pd.DataFrame(_action_rows(seg, entries, lang), columns=ACTION_COLUMNS)
        for c, v in reversed(list(zip(by_cols, key if isinstance(key, tuple) else (key,)))):
            df.insert(0, c, v)
        frames.append(df)
    frames = [f for f in frames if len(f)]
    out = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame({c: pd.Series(dtype=object) for c in [*by_cols, *ACTION_COLUMNS]}))
    out = out.astype({"priority": "int64", "best_rank": "int64"}) if len(out) else out
    for c in ("owner_id", "indicator", "target", "horizon"):          # missing text is None, not NaN
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    out.attrs["lang"] = lang
    out.attrs["note"] = ranked.attrs.get("note", "")
    out.attrs["business_case"] = business_case(lang).to_dict("records")
    return out

