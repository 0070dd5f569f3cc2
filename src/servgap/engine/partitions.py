"""The map step over a whole survey: in memory by row blocks, on Dask by partitions.

A lazy survey (`servgap.surveys.lazy.DaskSurvey`) validates each partition in memory
and hands it to `partition_partial`; the partials merge pairwise with
`servgap.engine.kernel.merge_partials`, the same merge the in-memory row blocks use.
"""

from __future__ import annotations

from .kernel import Plan, blocked_partial, merge_partials
from .segments import Segmentation, is_lazy, segment_codes


def partition_partial(sv, by: list, lookup, plan: Plan) -> dict:
    """Partial statistics of one validated partition, its rows coded with the shared ``lookup``."""
    return blocked_partial(sv, segment_codes(sv.segments, by, lookup), plan, read_ledger=sv.ledger)


def survey_partial(s, seg: Segmentation, plan: Plan) -> dict:
    """Reduce one survey to merged partial statistics (in memory: row blocks; Dask: partitions)."""
    if is_lazy(s):
        return s.map_reduce(partition_partial, merge_partials, seg.by, seg.lookup, plan) or {}
    return blocked_partial(s, seg.codes[id(s)], plan)
