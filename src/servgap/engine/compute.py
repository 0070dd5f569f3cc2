"""The body of `servgap.analyze`: plan → map + merge → finish.

1. `plan_jobs`: which comparisons the data can measure (each gap needs its two
   viewpoints; paired gaps need them from the same respondents) and, per survey, what
   its blocks must reduce (`servgap.engine.kernel.Plan`); the gaps it cannot measure,
   with the reason.
2. Map + merge: one merged partial per survey (`servgap.engine.partitions.survey_partial`:
   row blocks in memory, partitions on Dask).
3. Finish: the quality ledger in reading order, then moments, tests and tables
   (`servgap.engine.tables`).

Every item × segment test comes from one grouped histogram per unit (mergeable
sufficient statistics, `servgap.stats`), not a loop of scipy calls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataQualityWarning, MethodWarning, PairingError
from ..model.gaps import COMPARISONS
from ..surveys import ledger as lg
from .design import design_of
from .kernel import Plan
from .partitions import survey_partial
from .segments import Segmentation, segment, segment_columns
from .settings import Settings
from .tables import MISSING_GAP_COLUMNS, assemble, finish_cell


@dataclass
class Computed:
    """What `compute` returns: the tables of a `servgap.GapAnalysis` and how they were made."""

    tables: dict                      # level -> gap table
    tolerance_tests: dict             # level -> zone-of-tolerance tests
    quality: pd.DataFrame
    missing_gaps: pd.DataFrame
    segmentation: Segmentation
    jobs: list = field(default_factory=list)    # (comparison, benchmark survey, later survey)


def plan_jobs(surveys, seg: Segmentation, settings: Settings):
    """``(jobs, plans, missing_rows)``: the comparisons to compute, each survey's `Plan`, the gaps left out."""
    by, vpmap = list(settings.by), surveys.viewpoint_map()
    wanted = None if settings.gaps is None else set(settings.gaps)
    missing_rows, jobs = [], []
    plans = {id(s): Plan(seg.G, [], [], settings.weighted, settings.test == "wilcoxon", by, design_of(s, settings))
             for s in surveys if id(s) in seg.codes}
    for comp in COMPARISONS:
        if wanted is not None and comp.gap not in wanted:
            continue
        need = [v for v in (comp.benchmark, comp.later) if v not in vpmap]
        if need:
            if comp.table == "gaps":
                missing_rows.append(dict(gap=comp.gap, name=comp.label("en"), benchmark=comp.benchmark,
                                         later=comp.later, reason=f"viewpoint {' and '.join(map(repr, need))} "
                                         "not in the data"))
            continue
        sb, sl = vpmap[comp.benchmark], vpmap[comp.later]
        lacking = [s for s in {id(sb): sb, id(sl): sl}.values() if id(s) not in seg.codes]
        if lacking:
            absent = [c for c in by if c not in segment_columns(lacking[0])]
            missing_rows.append(dict(gap=comp.gap, name=comp.label("en"), benchmark=comp.benchmark, later=comp.later,
                                     reason=f"survey {lacking[0].source!r} has no segment column "
                                     f"{', '.join(map(repr, absent))}, so this gap cannot be split by it"))
            continue
        mi_b = settings.min_items_for(sb)
        if comp.paired:
            if sb is not sl:
                raise PairingError(f"{comp.label('en')} pairs {comp.later!r} with {comp.benchmark!r} from the same "
                                   f"respondents, but they come from different surveys ({sl.source!r}, {sb.source!r}). "
                                   "Read them as one survey joined on the respondent id: "
                                   "read_survey([file1, file2], id=...).")
            plans[id(sb)].paired.append((comp, mi_b))
        else:
            for s, vp, mi in ((sl, comp.later, settings.min_items_for(sl)), (sb, comp.benchmark, mi_b)):
                if vp not in [v for v, _ in plans[id(s)].single]:
                    plans[id(s)].single.append((vp, mi))
        jobs.append((comp, sb, sl))
    return jobs, plans, missing_rows


def _ledger(surveys, partial: dict, jobs: list) -> list:
    """The analysis ledger: each survey's reading ledger, then the engine's counts in a fixed order."""
    rows = [dict(r) for s in surveys for r in s.ledger]
    for key in [("ledger", "read"), ("ledger", "segment")] + [("ledger", c.key) for c, _, _ in jobs]:
        for s in surveys:
            rows += lg.rows(partial.get(id(s), {}).get(key, {}))
    return rows


def _warn_unsegmented(rows: list, by: list) -> None:
    unsegmented = {r["source"]: r["count"] for r in rows if r["issue"] == "missing_segment" and r["count"]}
    if unsegmented:
        warnings.warn("respondents without a value in the segment column(s) " + ", ".join(map(repr, by))
                      + " are left out of the split analysis: " + ", ".join(f"{n:,} in {src!r}"
                                                                            for src, n in unsegmented.items())
                      + " (counted as missing_segment in .quality).", DataQualityWarning, stacklevel=4)


class _OnceWarning:
    """Warn once per analysis that rank tests ignore the survey weights."""

    def __init__(self):
        self.done = False

    def __call__(self):
        if not self.done:
            warnings.warn("rank tests (Wilcoxon, Mann-Whitney) ignore survey weights; means and confidence "
                          "intervals are still weighted.", MethodWarning, stacklevel=5)
            self.done = True


def compute(surveys, settings: Settings) -> Computed:
    """Every measurable gap of ``surveys`` (a `servgap.SurveySet`) per item, dimension and segment."""
    by = list(settings.by)
    seg = segment(surveys, by)
    jobs, plans, missing_rows = plan_jobs(surveys, seg, settings)
    partial = {id(s): survey_partial(s, seg, plans[id(s)]) for s in surveys if id(s) in plans}
    rows = _ledger(surveys, partial, jobs)
    _warn_unsegmented(rows, by)
    warn_rank, cells = _OnceWarning(), {}
    for comp, sb, sl in jobs:
        for level in ("item", "dimension", "overall"):
            if comp.paired:
                later, bench = partial[id(sb)][("paired", comp.key, level)], None
            else:
                later = partial[id(sl)][("single", comp.later, level)]
                bench = partial[id(sb)][("single", comp.benchmark, level)]
            cells.setdefault((comp.table, level), []).append(
                finish_cell(comp, level, sb.instrument, seg, later, bench, settings.test, settings.confidence,
                            warn_rank))
    tables, tolerance = assemble(cells, by, settings.correction)
    return Computed(tables, tolerance, lg.quality_frame(rows),
                    pd.DataFrame(missing_rows, columns=MISSING_GAP_COLUMNS), seg, jobs)
