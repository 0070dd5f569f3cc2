"""Survey: validated numeric matrices per viewpoint, with ids, segments, weights and a
data-quality ledger of everything that was recoded or excluded.

``read_survey`` turns files or DataFrames into a `Survey`. Nothing is lost
silently: every recoded or dropped value is counted in `Survey.quality`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError, PairingError, where
from .instruments import SERVQUAL22, Instrument, as_instrument
from .io import source_name
from .validation import check_ids, check_range, numeric_block, prepare_frame, require_column, resolve_columns
from .model import check_viewpoint

QUALITY_COLUMNS = ["source", "column", "issue", "count"]


def quality_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Aggregate ledger rows into the tidy quality table (only non-zero counts)."""
    total: dict = {}
    for r in rows:                               # first-seen order, as groupby(sort=False)
        key = (r["source"], r["column"], r["issue"])
        total[key] = total.get(key, 0) + int(r["count"])
    df = pd.DataFrame([(*k, c) for k, c in total.items()], columns=QUALITY_COLUMNS).astype({"count": "int64"})
    return df[df["count"] > 0].reset_index(drop=True)


def available_mask(counts: np.ndarray, sizes: np.ndarray, min_items: float) -> np.ndarray:
    """``available >= min_items × items_in_dimension`` (the min-items rule)."""
    return counts >= min_items * sizes - 1e-9


def enough_dimensions(available: np.ndarray, n_dimensions: int) -> np.ndarray:
    """An overall score needs at least half of the dimensions."""
    return available >= n_dimensions / 2


def dimension_means(values: np.ndarray, item_dim: np.ndarray, n_dims: int, min_items: float):
    """Per-respondent mean of the available items of each dimension.

    Returns ``(means, available)``: ``means`` is NaN where fewer than ``min_items`` of the
    dimension's items are available, ``available`` counts the available items.
    """
    ok = ~np.isnan(values)
    sums = np.zeros((values.shape[0], n_dims))
    counts = np.zeros((values.shape[0], n_dims))
    for d in range(n_dims):  # a handful of dimensions; each step is vectorised over respondents
        cols = item_dim == d
        sums[:, d] = np.where(ok[:, cols], values[:, cols], 0.0).sum(axis=1)
        counts[:, d] = ok[:, cols].sum(axis=1)
    sizes = np.bincount(item_dim, minlength=n_dims)
    keep = available_mask(counts, sizes, min_items) & (counts > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(keep, sums / np.where(counts > 0, counts, 1), np.nan)
    return means, counts


@dataclass
class Survey:
    """Validated survey data: one ``n × items`` float matrix per viewpoint.

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
    importance : numpy.ndarray or None
        ``(n, n_dimensions)`` importance allocations (e.g. 100 points over dimensions).
    extra : pandas.DataFrame
        Other columns kept with ``keep=`` (e.g. an overall satisfaction rating).
    """

    instrument: Instrument
    data: dict[str, np.ndarray]
    ids: pd.Index
    segments: pd.DataFrame
    weights: np.ndarray | None = None
    importance: np.ndarray | None = None
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    has_ids: bool = True
    min_items: float = 0.5
    source: str = "<survey>"
    ledger: list = field(default_factory=list, repr=False)
    metadata: dict = field(default_factory=dict, repr=False)

    _codes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    def codes(self, viewpoint: str) -> np.ndarray | None:
        """``uint8`` codes of a viewpoint's ratings (`servgap.codes.to_codes`), or ``None`` if not all integers.

        Computed once per read-only ratings array (``read_survey`` makes them read-only and
        codes them while reading) and kept while ``data[viewpoint]`` is that array; a
        writable array is coded afresh on every call, so its codes never go stale.
        """
        from .codes import to_codes

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
        return quality_frame(self.ledger + self._too_few_rows())

    def _too_few_rows(self):
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

    def dimension_scores(self, viewpoint: str, min_items: float | None = None) -> pd.DataFrame:
        """Per-respondent dimension means of one viewpoint (NaN under the min-items rule)."""
        if viewpoint not in self.data:
            raise ConfigError(f"survey {self.source!r} has no viewpoint {viewpoint!r}; "
                              f"it has {', '.join(self.viewpoints)}.")
        m, _ = dimension_means(self.data[viewpoint], self.instrument.item_dimension,
                               len(self.instrument.dimensions), self.min_items if min_items is None else min_items)
        return pd.DataFrame(m, index=self.ids, columns=self.instrument.dimension_ids)

    def to_frame(self) -> pd.DataFrame:
        """Wide DataFrame: one column per ``viewpoint:item`` plus segments and weight."""
        parts = [pd.DataFrame(x, index=self.ids, columns=[f"{vp}:{i}" for i in self.instrument.item_ids])
                 for vp, x in self.data.items()]
        seg = self.segments.set_axis(self.ids)
        out = pd.concat([seg, *parts], axis=1)
        if self.weights is not None:
            out["weight"] = self.weights
        return out

    def __repr__(self) -> str:
        seg = f"; segments {', '.join(self.segments.columns)}" if len(self.segments.columns) else ""
        w = "; weighted" if self.weights is not None else ""
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
    >>> study = sg.combine(customers, managers)   # doctest: +SKIP
    >>> sg.analyze(study, by="branch")             # doctest: +SKIP
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


# ---------------------------------------------------------------------------------------
# read_survey
# ---------------------------------------------------------------------------------------

def read_survey(source, instrument=SERVQUAL22, *, columns: Mapping[str, Any] | None = None,
                id: str | None = None, segments: str | Sequence[str] | None = None,
                weight: str | None = None, importance=None, missing=None,
                out_of_range: str = "error", min_items: float = 0.5, keep: Sequence[str] | None = None,
                layout: str = "wide", long_columns: Mapping[str, str] | None = None,
                encoding: str | None = None, sheet=0, name: str | None = None, engine: str = "auto") -> Survey:
    """Read and validate survey data.

    Parameters
    ----------
    source : path, DataFrame, or list of them
        CSV/Excel/Parquet/SPSS file or DataFrame. Several sources (e.g. expectations and
        perceptions in two files) are joined on ``id``; ids found in only some of them
        are counted as ``unmatched_id``.
    instrument : Instrument, dict or YAML path
        Default `servgap.SERVQUAL22`.
    columns : dict
        ``viewpoint -> pattern`` with ``{item}`` (``{"expected": "E{item}"}``) or
        ``viewpoint -> {item_id: column}``. With ``layout="long"``: ``viewpoint -> code``
        used in the long table's viewpoint column.
    id, weight : str
        Respondent-id and survey-weight columns.
    segments : str or list of str
        Columns to split the analysis by (branch, customer segment, wave ...).
    importance : str or dict
        Importance allocation per dimension: pattern with ``{dimension}`` or mapping.
    missing : list
        Codes meaning "no answer" (e.g. ``[0, 9, -99, "NA"]``), in rating columns only.
    out_of_range : {"error", "missing"}
        Values outside the scale raise `DataError` (default) or become missing.
    min_items : float
        Default share of a dimension's items that must be answered (0.5).
    keep : list of str
        Further columns to carry along (e.g. an overall satisfaction rating).
    layout : {"wide", "long"}
        ``long``: one row per (respondent, item, viewpoint); name the columns with
        ``long_columns={"id": ..., "item": ..., "viewpoint": ..., "value": ...}``.
    encoding, sheet : CSV encoding (e.g. ``"gbk"``) and Excel sheet.
    engine : {"auto", "pandas", "dask"}
        ``"dask"`` (extra ``dask``): a lazy `servgap.backends.DaskSurvey` over a
        ``dask.dataframe.DataFrame`` (or a pandas one), a Parquet dataset directory or a
        glob, validated and analysed partition by partition. ``"auto"`` picks Dask for a Dask DataFrame, a glob,
        or Parquet data above ``servgap.backends.DASK_THRESHOLD_BYTES`` (1 GiB) on disk.

    Returns
    -------
    Survey

    Examples
    --------
    >>> import servgap as sg
    >>> cust = sg.read_survey(sg.example_path("customers"),                  # doctest: +SKIP
    ...                       columns={"expected": "E{item}", "perceived": "P{item}"},
    ...                       id="resp_id", segments="branch", importance="W_{dimension}", missing=[0])
    """
    inst = as_instrument(instrument)
    if not columns:
        raise ConfigError("columns= is required: map each viewpoint to a column pattern, e.g. "
                          "columns={\"expected\": \"E{item}\", \"perceived\": \"P{item}\"}.")
    for vp in columns:
        check_viewpoint(vp, "columns=: ")
    if out_of_range not in ("error", "missing"):
        raise ConfigError(f"out_of_range={out_of_range!r}; use \"error\" or \"missing\".")
    if layout not in ("wide", "long"):
        raise ConfigError(f"layout={layout!r}; use \"wide\" or \"long\".")
    if not 0 < min_items <= 1:
        raise ConfigError(f"min_items={min_items!r} must be a share in (0, 1], e.g. 0.5.")
    if not isinstance(source, (list, tuple)):
        from .backends import read_dask_survey, wants_dask

        if wants_dask(source, engine):
            return read_dask_survey(source, inst, dict(
                columns=columns, id=id, segments=segments, weight=weight, importance=importance, missing=missing,
                out_of_range=out_of_range, min_items=min_items, keep=keep, layout=layout, name=name))
    elif engine not in ("auto", "pandas"):
        raise ConfigError(f"engine={engine!r} reads one source; join several files first or use engine=\"pandas\".")
    seg_cols = [segments] if isinstance(segments, str) else list(segments or [])
    keep = list(keep or [])
    imp_keep = list(importance.values()) if isinstance(importance, Mapping) else (
        [importance.replace("{dimension}", d) for d in inst.dimension_ids] if isinstance(importance, str) else [])
    ledger: list = []
    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    df, fname, metadata, line_offset = prepare_frame(
        sources, layout=layout, long_columns=long_columns, columns=columns, id=id,
        keep_cols=seg_cols + keep + ([weight] if weight else []) + imp_keep,
        encoding=encoding, sheet=sheet, ledger=ledger)
    fname = name or fname
    if len(df) == 0:
        raise DataError(f"{where(file=fname)}: the table has no rows.")

    if id is not None:
        require_column(df, id, fname, "id")
        check_ids(df[id], fname, id, line_offset)
        ids = pd.Index(df[id].to_numpy(), name=id)
    else:
        ids = pd.RangeIndex(1, len(df) + 1, name="respondent")
    for c in seg_cols:
        require_column(df, c, fname, "segment")
    for c in keep:
        require_column(df, c, fname, "keep")

    data = {}
    item_keys = inst.item_ids
    for vp, spec in columns.items():
        if layout == "long":
            spec = {i: f"{vp}:{i}" for i in item_keys}
            for c in spec.values():
                if c not in df.columns:
                    df[c] = np.nan
        cols = resolve_columns(spec, item_keys, "item", df.columns, fname, f"{vp!r}")
        x = numeric_block(df, cols, fname, missing, ledger, line_offset)
        x = check_range(x, cols, inst, fname, out_of_range, ledger, line_offset)
        if inst.reverse_mask.any():
            rev = inst.reverse_mask
            x[:, rev] = inst.scale_min + inst.scale_max - x[:, rev]
            for j in np.flatnonzero(rev):
                ledger.append(dict(source=fname, column=cols[j], issue="reverse_scored",
                                   count=int(np.count_nonzero(~np.isnan(x[:, j])))))
        data[vp] = x
    w = None
    if weight is not None:
        require_column(df, weight, fname, "weight")
        w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"{where(file=fname, column=weight, row=r + 1 + line_offset, value=df[weight].iloc[r])}: "
                            f"weights must be non-negative numbers ({int(bad.sum())} bad cells); fix or drop them.")
    imp = None
    if importance is not None:
        icols = resolve_columns(importance, inst.dimension_ids, "dimension", df.columns, fname, "importance")
        imp = np.empty((len(df), len(icols)))
        for j, c in enumerate(icols):
            v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=np.float64)
            bad = np.isnan(v) & df[c].notna().to_numpy() | (v < 0)
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise DataError(f"{where(file=fname, column=c, row=r + 1 + line_offset, value=df[c].iloc[r])}: "
                                "importance must be a non-negative number (missing codes do not apply to it).")
            ledger.append(dict(source=fname, column=c, issue="missing", count=int(np.isnan(v).sum())))
            imp[:, j] = v
    seg = df[seg_cols].reset_index(drop=True) if seg_cols else pd.DataFrame(index=range(len(df)))
    for c in seg_cols:
        ledger.append(dict(source=fname, column=c, issue="missing", count=int(seg[c].isna().sum())))
    extra = df[keep].reset_index(drop=True) if keep else pd.DataFrame(index=range(len(df)))
    no_answer = np.ones(len(df), bool)
    for x in data.values():
        for j in range(x.shape[1]):                 # column by column (column-major matrices)
            no_answer &= np.isnan(x[:, j])
    ledger.append(dict(source=fname, column="*", issue="no_usable_answer", count=int(no_answer.sum())))
    sv = Survey(instrument=inst, data=data, ids=ids, segments=seg, weights=w, importance=imp, extra=extra,
                has_ids=id is not None, min_items=min_items, source=fname, ledger=ledger, metadata=metadata)
    for vp, x in data.items():
        x.flags.writeable = False      # validated data: read-only, so the integer codes stay true
        sv.codes(vp)
    return sv


def as_surveys(obj) -> SurveySet:
    """Accept a Survey, a SurveySet or a list of surveys."""
    if isinstance(obj, SurveySet):
        return obj
    if isinstance(obj, Survey):
        return SurveySet([obj])
    if isinstance(obj, (list, tuple)):
        return combine(*obj)
    raise ConfigError(f"analyze() takes a Survey (from sg.read_survey) or a list of them, not {type(obj).__name__}.")


__all__ = ["Survey", "SurveySet", "read_survey", "combine", "as_surveys", "dimension_means",
           "quality_frame", "PairingError", "source_name"]
