"""Segment coding shared by every survey of one analysis: each row's ``by`` values as one
integer code into the table of segments (sorted by value), ``-1`` for a row without one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import ConfigError


@dataclass
class Segmentation:
    """Segment codes shared by all surveys: ``table`` lists the segments (row = code)."""

    by: list[str]
    table: pd.DataFrame
    codes: dict[int, np.ndarray | None]   # id(survey) -> code per respondent (-1 = no segment); None: lazy

    @property
    def G(self) -> int:
        return len(self.table)

    @cached_property
    def lookup(self) -> pd.MultiIndex | None:
        """Segment values -> code, for blocks coded later (Dask partitions); ``None`` without ``by``."""
        return pd.MultiIndex.from_frame(self.table) if self.by else None

    @cached_property
    def values(self) -> dict:
        """``{column: array of its value per segment}`` (the table's columns as numpy arrays)."""
        return {c: self.table[c].to_numpy() for c in self.table.columns}


def is_lazy(s) -> bool:
    """A survey read partition by partition (`servgap.surveys.lazy.DaskSurvey`)."""
    return hasattr(s, "map_reduce")


def segment_columns(s) -> list:
    """The segment columns of a survey (a lazy one knows them without reading)."""
    return list(getattr(s, "segment_columns", None) or s.segments.columns)


def segment_codes(frame, by: list, lookup) -> np.ndarray:
    """Code of every row's ``by`` values in ``lookup`` (a MultiIndex of segments, or the table of
    segments itself; -1 = none)."""
    if not by:
        return np.zeros(len(frame), np.intp)
    if isinstance(lookup, pd.DataFrame):   # the table of segments itself
        if len(by) == 1:                   # one column: its values index the segments directly
            return np.asarray(pd.Index(lookup[by[0]]).get_indexer(frame[by[0]]), np.intp)
        lookup = pd.MultiIndex.from_frame(lookup)
    return np.asarray(lookup.get_indexer(pd.MultiIndex.from_frame(frame[by])), np.intp)


def distinct_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of ``frame`` (first occurrences, in order) and, per row, the position of its own.

    Hash codes per column (``pd.factorize``, NaN a value of its own, codes in order of
    first appearance), combined column by column into one code per row; a row is a first
    occurrence where its code exceeds every earlier one. ``frame.iloc[first]`` is what
    ``drop_duplicates`` keeps, and ``distinct.iloc[code]`` gives ``frame`` back.

    >>> d, code = distinct_rows(pd.DataFrame({"b": ["x", "y", "x"]}))
    >>> d["b"].tolist(), code.tolist()
    (['x', 'y'], [0, 1, 0])
    """
    code = np.zeros(len(frame), np.intp)
    for i, (_, col) in enumerate(frame.items()):
        k, uniq = pd.factorize(col, use_na_sentinel=False)
        code = k if i == 0 else pd.factorize(code * len(uniq) + k)[0]
    if not len(frame):
        return frame, code
    seen = np.maximum.accumulate(code)
    first = np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))
    return frame.iloc[first], code


def segment(surveys, by: list[str]) -> Segmentation:
    """Code the ``by`` columns consistently across the surveys that have them.

    In-memory surveys are reduced to their distinct segment rows first (`distinct_rows`),
    so sorting and coding touch one row per segment. Lazy (Dask) surveys contribute their
    distinct segment values; their rows are coded partition by partition with ``lookup``.
    """
    if not by:
        return Segmentation([], pd.DataFrame(index=range(1)),
                            {id(s): None if is_lazy(s) else np.zeros(s.n, np.intp) for s in surveys})
    having = [s for s in surveys if all(c in segment_columns(s) for c in by)]
    if not having:
        known = sorted({c for s in surveys for c in segment_columns(s)})
        raise ConfigError(f"by={by!r}: no survey has {'these columns' if len(by) > 1 else 'this column'} as a "
                          f"segment; declare it with read_survey(segments=...). Known segments: {known or 'none'}.")
    distinct = [(s.unique_segments(by), None) if is_lazy(s) else distinct_rows(s.segments[by]) for s in having]
    allseg = distinct[0][0] if len(distinct) == 1 else pd.concat([f for f, _ in distinct], ignore_index=True)
    complete = allseg.notna().all(axis=1).to_numpy()
    table = allseg[complete] if len(distinct) == 1 else allseg[complete].drop_duplicates()   # one survey: distinct
    try:
        table = table.sort_values(by, kind="stable")
    except TypeError:  # mixed types: sort by text
        table = table.iloc[np.lexsort([table[c].astype(str).to_numpy() for c in reversed(by)])]
    table = table.reset_index(drop=True)
    codes = {id(s): None if row is None else segment_codes(f, by, table)[row] for s, (f, row) in zip(having, distinct)}
    return Segmentation(by, table, codes)
