"""The data-quality ledger: counts of everything recoded or excluded on the way from a
file to a number, keyed by ``(source, column, issue)``.

Ledger *rows* are ``{source, column, issue, count}`` dicts (what readers append);
a *tally* is a dict ``{(source, column, issue): count}`` in first-seen order (what the
engine's partials carry and merge). `quality_frame` turns either into the tidy table
``Survey.quality`` / ``GapAnalysis.quality`` show.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

QUALITY_COLUMNS = ["source", "column", "issue", "count"]


def count(tally: dict, source, column, issue, n) -> None:
    """Add ``n`` to the tally of ``(source, column, issue)`` (first-seen order kept)."""
    key = (source, column, issue)
    tally[key] = tally.get(key, 0) + int(n)


def tally(rows: Iterable[Mapping[str, Any]], into: dict | None = None) -> dict:
    """Add ledger rows to a tally (a new one unless ``into`` is given)."""
    out = {} if into is None else into
    for r in rows:
        count(out, r["source"], r["column"], r["issue"], r["count"])
    return out


def merge(a: dict, b: dict) -> dict:
    """The sum of two tallies (``a``'s keys first, then ``b``'s new ones)."""
    out = dict(a)
    for key, n in b.items():
        out[key] = out.get(key, 0) + n
    return out


def rows(t: Mapping) -> list[dict]:
    """The ledger rows of a tally."""
    return [dict(source=s, column=c, issue=i, count=int(n)) for (s, c, i), n in t.items()]


def quality_frame(entries: Iterable[Mapping[str, Any]] | Mapping) -> pd.DataFrame:
    """The tidy quality table of ledger rows or a tally: only non-zero counts, first-seen order.

    >>> quality_frame([dict(source="a.csv", column="E1", issue="missing", count=2),
    ...                dict(source="a.csv", column="E1", issue="missing", count=1)])
      source column    issue  count
    0  a.csv     E1  missing      3
    """
    t = dict(entries) if isinstance(entries, Mapping) else tally(entries)
    kept = [(*k, c) for k, c in t.items() if c > 0]
    if not kept:
        return pd.DataFrame(columns=QUALITY_COLUMNS).astype({"count": "int64"})
    cols = list(zip(*kept))
    return pd.DataFrame({**{c: list(v) for c, v in zip(QUALITY_COLUMNS[:3], cols)},
                         "count": np.array(cols[3], np.int64)})
