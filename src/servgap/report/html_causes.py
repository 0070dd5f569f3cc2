"""The causes, the action plan and the summary's short lists in the HTML report.

A mixin of the report builder (`servgap.report.html`): it reads ``self.res``, ``self.lang``,
``self.labels``, ``self.by``, ``self.t`` and ``self.view``. Ties are kept whole: the summary
lists every cause tied with the third, and a shared rank reads ``3=``.
"""

from __future__ import annotations

import numpy as np

from ..display import num
from .common import optional_table
from .summary import first_actions, top_causes

#: Rows of the summary's short lists (causes tied with the last one stay).
TOP = 3
#: The most rows a report table shows (the Excel and JSON outputs have them all).
MAX_TABLE_ROWS = 400


def text_of(v) -> str:
    """``v`` as text, ``""`` for None or NaN."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def as_list(v) -> list:
    """A list cell (list, tuple or array) as a list; one value as a one-item list; nothing as ``[]``."""
    return list(v) if isinstance(v, (list, tuple, np.ndarray)) else ([v] if v else [])


class CauseSections:
    """Causes, actions and the summary's lists of the report builder."""

    def summary_causes(self):
        df, why = top_causes(self.res, self.lang, TOP)
        if df is None:
            return [], why
        out = []
        for r in df.to_dict("records"):
            basis = str(r.get("basis", ""))
            out.append({"rank": r.get("rank"), "tied": bool(r.get("tied", False)), "name": str(r.get("name", "")),
                        "basis": basis,
                        "basis_label": self.labels.value("basis", basis), "gap": self.gap_list(r.get("gap")),
                        "segment": " / ".join(str(r[b]) for b in self.by if b in r)})
        return out, None

    def gap_list(self, g) -> str:
        return ", ".join(str(x) for x in as_list(g) if x is not None)

    def actions(self):
        df, why = optional_table(self.res, "actions", self.lang)
        if df is None:
            return None, self.t["actions_unavailable"].format(why=why)
        return self.view(df, "actions", limit=MAX_TABLE_ROWS), None

    def first_actions(self):
        """The first actions; without an action table, the first remedy of each top cause."""
        df, _ = first_actions(self.res, self.lang, TOP)
        if df is not None:
            return [{"action": text_of(r.get("remedy") or r.get("action")),
                     "meta": " · ".join(x for x in (text_of(r.get("owner")),
                                                    self.labels.value("horizon", r["horizon"]) if r.get("horizon")
                                                    else "") if x)}
                    for r in df.to_dict("records")]
        causes, _ = top_causes(self.res, self.lang, TOP)
        out = []
        for r in [] if causes is None else causes.to_dict("records"):
            rem = as_list(r.get("remedies"))
            if rem:
                out.append({"action": str(rem[0]), "meta": str(r.get("name", ""))})
        return out

    def causes(self):
        df, why = optional_table(self.res, "causes", self.lang)
        if df is None:
            return [], self.t["causes_unavailable"].format(why=why)
        out = []
        for r in df.to_dict("records"):
            rem = [str(x) for x in as_list(r.get("remedies"))]
            src = as_list(r.get("sources"))
            quotes = [{"doc": str(s.get("document", "")), "quote": str(s.get("quote", ""))} if isinstance(s, dict)
                      else {"doc": "", "quote": str(s)} for s in src]
            basis = str(r.get("basis", ""))
            tied = "=" if bool(r.get("tied", False)) else "."
            out.append({"rank": r.get("rank"), "rank_label": f"{r.get('rank')}{tied}", "cause": str(r.get("cause", "")),
                        "name": str(r.get("name", "")),
                        "segment": [str(r[b]) for b in self.by if b in r], "gap": self.gap_list(r.get("gap")),
                        "score": num(r.get("score")), "basis": basis, "basis_label": self.labels.value("basis", basis),
                        "level": self.labels.value("level", r["level"]) if r.get("level") else "",
                        "evidence": text_of(r.get("evidence")), "explanation": text_of(r.get("explanation")),
                        "remedies": rem, "sources": quotes})
        return out, None
