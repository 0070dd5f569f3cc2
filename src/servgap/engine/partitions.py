"""The map step over a whole survey: in memory by row blocks, on Dask by partitions.

A lazy survey (`servgap.surveys.lazy.DaskSurvey`) validates each partition in memory
and hands it to `partition_partial`; the partials merge pairwise with
`servgap.engine.kernel.merge_partials`, the same merge the in-memory row blocks use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kernel import Plan, block_partial, blocked_partial, merge_partials, tree_merge
from .segments import Segmentation, distinct_rows, is_lazy, segment_codes

#: A partition of at most this many rows is reduced as one block (larger ones in equal row blocks): the
#: map step's fixed costs per block (tables of every unit × segment) and the merges stay small beside
#: the rows, and its temporaries bounded.
PARTITION_BLOCK = 1 << 19


def partition_codes(segments, by: list, lookup) -> np.ndarray:
    """Segment code of every row of a partition: its distinct ``by`` rows (`distinct_rows`) looked up
    once each; one categorical column: its categories looked up, and the rows by their category codes."""
    if not by:
        return np.zeros(len(segments), np.intp)
    col = segments[by[0]]
    if len(by) == 1 and isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.DataFrame({by[0]: col.cat.categories.to_numpy()})
        table = np.append(segment_codes(cats, by, lookup), -1)        # category code -1 (empty): no segment
        return np.take(table, col.cat.codes.to_numpy())
    distinct, row = distinct_rows(segments[by])
    plain = {c: distinct[c].cat.categories.dtype for c in by if isinstance(distinct[c].dtype, pd.CategoricalDtype)}
    return segment_codes(distinct.astype(plain) if plain else distinct, by, lookup)[row]


def partition_partial(sv, by: list, lookup, plan: Plan) -> dict:
    """Partial statistics of one validated partition, its rows coded with the shared ``lookup``."""
    g = partition_codes(sv.segments, by, lookup)
    if sv.n <= PARTITION_BLOCK:
        return block_partial(sv, g, plan, read_ledger=sv.ledger)
    size = -(-sv.n // -(-sv.n // PARTITION_BLOCK))                  # equal blocks of at most PARTITION_BLOCK rows
    return tree_merge([block_partial(sv.take(slice(a, a + size)), g[a:a + size], plan, sv.ledger if a == 0 else None)
                       for a in range(0, sv.n, size)])


def survey_partial(s, seg: Segmentation, plan: Plan) -> dict:
    """Reduce one survey to merged partial statistics (in memory: row blocks; Dask: partitions)."""
    if is_lazy(s):
        return s.map_reduce(partition_partial, merge_partials, seg.by, seg.lookup, plan) or {}
    return blocked_partial(s, seg.codes[id(s)], plan)
