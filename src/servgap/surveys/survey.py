"""Survey: validated numeric matrices per viewpoint, with ids, segments, weights, a
data-quality ledger of everything that was recoded or excluded, and the one-byte rating
codes the engine reduces.

`servgap.surveys.read.read_survey` turns files or DataFrames into a `Survey`. Nothing is
lost silently: every recoded or dropped value is counted in `Survey.quality`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..model.gaps import COMPARISONS
from ..model.instruments import Instrument
from ..model.scoring import dimension_means
from .ledger import quality_frame

#: Rows per block: the engine reads an in-memory survey in blocks of this many rows
#: (bounding its temporaries), and ``engine="dask"`` cuts a pandas frame into partitions of this size.
BLOCK_ROWS = 1 << 17
#: Largest number of scale points that is coded (pairs must fit in one byte: (K + 1)² ≤ 256).
MAX_LEVELS = 15


def scale_of(inst):
    """``(lo, K)``: the first scale point and the number of points, or ``None`` if not integral.

    >>> from servgap import SERVQUAL22
    >>> scale_of(SERVQUAL22)
    (1, 7)
    """
    lo, hi = inst.scale_min, inst.scale_max
    if lo != int(lo) or hi != int(hi) or not 1 <= hi - lo + 1 <= MAX_LEVELS:
        return None
    return int(lo), int(hi - lo + 1)


def to_codes(x: np.ndarray, inst) -> np.ndarray | None:
    """``uint8`` codes ``x − scale_min + 1`` (0 = missing), or ``None`` unless all ratings are integers on the scale.

    Column by column (small temporaries); the codes are column-major, so an item is contiguous.
    """
    sc = scale_of(inst)
    if sc is None:
        return None
    lo, K = sc
    out = np.zeros(x.shape, np.uint8, order="F")
    for j in range(x.shape[1] if x.shape[0] else 0):
        y = x[:, j] - (lo - 1)
        low, high = np.fmin.reduce(y), np.fmax.reduce(y)      # NaN only for a column without answers
        if not np.isnan(low) and not (low >= 1 and high <= K):
            return None
        np.fmax(y, 0, out=y)                                   # missing -> 0
        out[:, j] = y
        if not np.array_equal(out[:, j], y):                   # not integers
            return None
    return out


@dataclass
class Survey:
    """Validated survey data: one ``n × items`` float matrix per viewpoint.

    The ratings of integer columns read partition by partition are kept as one-byte codes
    (`servgap.surveys.integers.CodedRatings`); ``data`` then makes a viewpoint's float
    matrix when it is first asked for.

    Attributes
    ----------
    instrument : Instrument
    data : dict[str, numpy.ndarray]
        ``viewpoint -> (n, n_items)`` ratings (NaN = missing), reverse items recoded.
    ids : pandas.Index
        Respondent ids (numbered from 1 when the file had no id column).
    segments : pandas.DataFrame
        Segment columns (branch, customer segment, wave, ...), one row per respondent.
    weights : numpy.ndarray or None
        Survey weights.
    strata, cluster : numpy.ndarray or None
        Stratum and cluster (PSU) label of every respondent, for design-based variances
        (``analyze(variance="design")``).
    importance : numpy.ndarray or None
        ``(n, n_dimensions)`` importance allocations (e.g. 100 points over dimensions).
    extra : pandas.DataFrame
        Other columns kept with ``keep=`` (e.g. an overall satisfaction rating).
    metadata : dict
        What reading learnt: ``platform`` (the export read, e.g. ``"wjx"``), ``columns`` (the
        ``{viewpoint: {item: column}}`` mapping used), ``header_table``, ``roles``,
        ``scale_labels``, SPSS ``value_labels`` … (see docs/platforms.md).
    screened : pandas.DataFrame
        Respondents flagged by ``read_survey(screen=...)``: ``id, rule, column, value`` (one
        row per flag; excluded from the data only with ``exclude=True``).
    """

    instrument: Instrument
    data: dict[str, np.ndarray]
    ids: pd.Index
    segments: pd.DataFrame
    weights: np.ndarray | None = None
    importance: np.ndarray | None = None
    strata: np.ndarray | None = None
    cluster: np.ndarray | None = None
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    has_ids: bool = True
    min_items: float = 0.5
    source: str = "<survey>"
    ledger: list = field(default_factory=list, repr=False)
    metadata: dict = field(default_factory=dict, repr=False)
    screened: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "rule", "column", "value"]),
                                   repr=False)

    _codes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    def codes(self, viewpoint: str) -> np.ndarray | None:
        """``uint8`` codes of a viewpoint's ratings (`to_codes`), or ``None`` if not all integers.

        Computed once per read-only ratings array (``read_survey`` makes them read-only and
        codes them while reading) and kept while ``data[viewpoint]`` is that array; a
        writable array is coded afresh on every call, so its codes never go stale. Ratings
        kept as codes give them directly.
        """
        own = getattr(self.data, "codes", None)              # ratings kept as codes (`servgap.surveys.integers`)
        if own is not None:
            return own(viewpoint)
        x = self.data[viewpoint]
        cache = self.__dict__.setdefault("_codes", {})     # subclasses with their own __init__ too
        hit = cache.get(viewpoint)
        if hit is None or hit[0] is not x:
            hit = (x, to_codes(x, self.instrument))
            if not x.flags.writeable:
                cache[viewpoint] = hit
        return hit[1]

    @property
    def viewpoints(self) -> list[str]:
        return list(self.data)

    @property
    def quality(self) -> pd.DataFrame:
        """Data-quality ledger: one row per (source, column, issue) with its ``count``."""
        return quality_frame(self.ledger + self.scoring_ledger())

    def scoring_ledger(self) -> list[dict]:
        """Ledger rows of the min-items rule: per viewpoint, respondents who answered none of
        its items (``not_answered``) and, per dimension, the others left without a score
        (``too_few_items``)."""
        rows = []
        inst = self.instrument
        for vp, x in self.data.items():
            # a respondent who was not asked (or skipped) a whole viewpoint is counted once as
            # not_answered, not once per dimension as too_few_items
            unanswered = np.isnan(x).all(axis=1)
            means, counts = dimension_means(x, inst.item_dimension, len(inst.dimensions), self.min_items)
            dropped = (np.isnan(means) & ~unanswered[:, None]).sum(axis=0)
            rows.append(dict(source=self.source, column=vp, issue="not_answered", count=int(unanswered.sum())))
            rows += [dict(source=self.source, column=f"{vp}:{d.id}", issue="too_few_items", count=int(c))
                     for d, c in zip(inst.dimensions, dropped)]
        return rows

    def incomplete_pairs(self) -> list[dict]:
        """Ledger rows of the paired comparisons this survey holds both viewpoints of: per item, the
        respondents with exactly one of the two ratings (``incomplete_pair``; left out of that item's
        paired gap). `servgap.analyze` counts the same, per analysis."""
        rows = []
        for comp in COMPARISONS:
            if comp.paired and comp.benchmark in self.data and comp.later in self.data:
                B, L = self.data[comp.benchmark], self.data[comp.later]
                rows += [dict(source=self.source, column=f"{comp.tag}:{iid}", issue="incomplete_pair",
                              count=int(np.count_nonzero(np.isnan(B[:, j]) != np.isnan(L[:, j]))))
                         for j, iid in enumerate(self.instrument.item_ids)]
        return rows

    def dimension_scores(self, viewpoint: str, min_items: float | None = None) -> pd.DataFrame:
        """Per-respondent dimension means of one viewpoint (NaN under the min-items rule)."""
        if viewpoint not in self.data:
            raise ConfigError(f"survey {self.source!r} has no viewpoint {viewpoint!r}; "
                              f"it has {', '.join(self.viewpoints)}.")
        m, _ = dimension_means(self.data[viewpoint], self.instrument.item_dimension,
                               len(self.instrument.dimensions), self.min_items if min_items is None else min_items)
        return pd.DataFrame(m, index=self.ids, columns=self.instrument.dimension_ids)

    def take(self, sl) -> "Survey":
        """The rows ``sl`` (a slice: views, no copies; or a boolean mask), with their rating codes."""
        lazy = hasattr(self.data, "take")                   # ratings kept as codes: their rows, no floats
        part = Survey(instrument=self.instrument,
                      data=self.data.take(sl) if lazy else {vp: x[sl] for vp, x in self.data.items()},
                      ids=self.ids[sl], segments=self.segments.iloc[sl],
                      weights=None if self.weights is None else self.weights[sl],
                      importance=None if self.importance is None else self.importance[sl],
                      strata=None if self.strata is None else self.strata[sl],
                      cluster=None if self.cluster is None else self.cluster[sl],
                      has_ids=self.has_ids, min_items=self.min_items, source=self.source)
        if lazy:
            return part
        for vp, x in part.data.items():      # the codes of the rows are views too
            c = self.codes(vp)
            part._codes[vp] = (x, None if c is None else c[sl] if isinstance(sl, slice) else np.asfortranarray(c[sl]))
        return part

    def to_frame(self) -> pd.DataFrame:
        """Wide DataFrame: one column per ``viewpoint:item`` plus segments, weight, stratum and cluster."""
        parts = [pd.DataFrame(x, index=self.ids, columns=[f"{vp}:{i}" for i in self.instrument.item_ids])
                 for vp, x in self.data.items()]
        seg = self.segments.set_axis(self.ids)
        out = pd.concat([seg, *parts], axis=1)
        for col, v in (("weight", self.weights), ("stratum", self.strata), ("cluster", self.cluster)):
            if v is not None:
                out[col] = v
        return out

    def __repr__(self) -> str:
        seg = f"; segments {', '.join(self.segments.columns)}" if len(self.segments.columns) else ""
        w = "; weighted" if self.weights is not None else ""
        design = [d for d, v in (("strata", self.strata), ("clusters", self.cluster)) if v is not None]
        w += f"; design: {', '.join(design)}" if design else ""
        return (f"Survey({self.source!r}: {self.n:,} respondents; {self.instrument.id}; "
                f"viewpoints {', '.join(self.viewpoints)}{seg}{w})")


class SurveySet(tuple):
    """Several surveys analysed together (customers + managers/staff). See `combine`."""

    def viewpoint_map(self) -> dict[str, Survey]:
        out: dict[str, Survey] = {}
        for s in self:
            for vp in s.viewpoints:
                if vp in out:
                    raise ConfigError(f"viewpoint {vp!r} is in two surveys ({out[vp].source!r} and "
                                      f"{s.source!r}); give each viewpoint once, or join the files "
                                      "with read_survey([file1, file2], id=...).")
                out[vp] = s
        return out


def combine(*surveys: Survey) -> SurveySet:
    """Analyse several surveys together, e.g. customers (E, P) and managers (M, S, D, C).

    Examples
    --------
    >>> customers, managers = sg.load_example()
    >>> study = sg.combine(customers, managers)
    >>> [s.source for s in study]
    ['customers.csv', 'staff.csv']
    """
    flat: list[Survey] = []
    for s in surveys:
        flat.extend(s if isinstance(s, (SurveySet, list, tuple)) else [s])
    if not flat or not all(isinstance(s, Survey) for s in flat):
        raise ConfigError("combine() takes Survey objects made by sg.read_survey().")
    # gap viewpoints compare the same items: surveys other than pure "rating" surveys (such as a
    # staff survey on GAP_CONSTRUCTS) must share one instrument
    insts = {s.instrument.id: s.instrument for s in flat if set(s.viewpoints) - {"rating"}}
    if len(set(insts.values())) > 1:
        raise ConfigError(f"the surveys use different instruments ({', '.join(sorted(insts))}); "
                          "gaps compare the same items, so use one instrument.")
    ss = SurveySet(flat)
    ss.viewpoint_map()
    return ss


def stack(surveys: list, labels: list[str], column: str = "file") -> Survey:
    """Several surveys of the same design as one, with a segment ``column`` naming each one's label.

    The respondents of every survey are kept (ids become ``"label:id"`` so that equal ids of
    two files stay two respondents), their ledgers are kept per source, and the surveys must
    share the instrument, viewpoints, segment columns, and having weights and importance.

    >>> a = sg.read_survey(pd.DataFrame({"E1": [5, 6], "P1": [4, 6]}), sg.Instrument.from_dict(
    ...     {"id": "one", "dimensions": {"d": [1]}}), columns={"expected": "E{item}", "perceived": "P{item}"})
    >>> both = stack([a, a], ["w1.csv", "w2.csv"])
    >>> both.n, both.segments["file"].tolist()
    (4, ['w1.csv', 'w1.csv', 'w2.csv', 'w2.csv'])
    """
    first = surveys[0]
    for s in surveys[1:]:
        same = (s.instrument == first.instrument and s.viewpoints == first.viewpoints
                and list(s.segments.columns) == list(first.segments.columns)
                and all((getattr(s, a) is None) == (getattr(first, a) is None)
                        for a in ("weights", "importance", "strata", "cluster")))
        if not same:
            raise ConfigError(f"survey {s.source!r} does not have the design of {first.source!r} (instrument, "
                              "viewpoints, segments, weights, importance); only surveys read the same way can be "
                              "analysed as one.")
    if column in first.segments.columns:
        raise ConfigError(f"the surveys already have a segment column {column!r}; rename it to combine them.")
    seg = pd.concat([s.segments.reset_index(drop=True).assign(**{column: lab}) for s, lab in zip(surveys, labels)],
                    ignore_index=True)
    seg = seg[[column, *first.segments.columns]]
    if first.has_ids:
        ids = pd.Index([f"{lab}:{i}" for s, lab in zip(surveys, labels) for i in s.ids], name=first.ids.name)
    else:
        ids = pd.RangeIndex(1, sum(s.n for s in surveys) + 1, name="respondent")

    def cat(get):
        parts = [get(s) for s in surveys]
        return None if parts[0] is None else np.concatenate(parts)

    def labelled(get):        # strata and clusters of two files are never the same stratum or cluster
        parts = [get(s) for s in surveys]
        if parts[0] is None:
            return None
        return np.concatenate([np.array([f"{lab}:{v}" for v in p], dtype=object) for p, lab in zip(parts, labels)])

    data = {vp: np.asfortranarray(np.concatenate([s.data[vp] for s in surveys])) for vp in first.viewpoints}
    out = Survey(instrument=first.instrument, data=data, ids=ids, segments=seg, weights=cat(lambda s: s.weights),
                 strata=labelled(lambda s: s.strata), cluster=labelled(lambda s: s.cluster),
                 importance=cat(lambda s: s.importance),
                 extra=pd.concat([s.extra.reset_index(drop=True) for s in surveys], ignore_index=True),
                 has_ids=first.has_ids, min_items=first.min_items,
                 source=labels[0] if len(labels) == 1 else f"{len(labels)} files ({labels[0]} ... {labels[-1]})",
                 ledger=[row for s in surveys for row in s.ledger],
                 metadata={"files": [f for s in surveys for f in s.metadata.get("files", [])], "stacked": list(labels)})
    for x in data.values():
        x.flags.writeable = False
    return out


def as_surveys(obj) -> SurveySet:
    """Accept a Survey, a SurveySet or a list of surveys."""
    if isinstance(obj, SurveySet):
        return obj
    if isinstance(obj, Survey):
        return SurveySet([obj])
    if isinstance(obj, (list, tuple)):
        return combine(*obj)
    raise ConfigError(f"analyze() takes a Survey (from sg.read_survey) or a list of them, not {type(obj).__name__}.")


__all__ = ["Survey", "SurveySet", "combine", "stack", "as_surveys", "to_codes", "scale_of", "BLOCK_ROWS", "MAX_LEVELS"]
