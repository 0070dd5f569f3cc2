"""The in-memory reader: one table (or several joined on the id) → a validated `Survey`.

Each step below turns one kind of column into arrays and counts in the ledger what it
recodes or drops: ids, ratings per viewpoint (missing codes, range, reverse items),
weights, importance, segments, kept columns, and respondents without any usable answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, where
from . import screening
from .cells import rating_block, resolve_mapping, segment_frame
from .options import ReadOptions
from .survey import Survey
from .validation import check_ids, check_range, prepare_frame, require_column, resolve_columns


def read_eager(sources: list, inst, opts: ReadOptions) -> Survey:
    """Read ``sources`` (paths or DataFrames) into a validated, read-only `Survey`."""
    ledger: list = []
    df, fname, metadata, line_offset = prepare_frame(sources, opts, opts.carried_columns(inst.dimension_ids), ledger)
    fname = opts.name or fname
    if len(df) == 0:
        raise DataError(f"{where(file=fname)}: the table has no rows.")
    opts = resolve_mapping(df, metadata, inst, opts, fname)
    if not opts.screen:
        return _build(df, inst, opts, fname, metadata, line_offset, ledger)
    return _screened(df, inst, opts, fname, metadata, line_offset, ledger)


def _build(df, inst, opts: ReadOptions, fname: str, metadata: dict, line_offset: int, ledger: list,
           check: bool = True) -> Survey:
    """The survey of ``df``: ids, ratings per viewpoint, weights, importance, segments, kept columns."""
    ids = _ids(df, opts, fname, line_offset, check)
    for what, cols in (("segment", opts.segments), ("keep", opts.keep)):
        for c in cols:
            require_column(df, c, fname, what)
    used: dict = {}
    data = {vp: _ratings(df, vp, spec, inst, opts, fname, ledger, line_offset, metadata, used)
            for vp, spec in opts.columns.items()}
    metadata["columns"] = used
    seg = segment_frame(df, opts.segments, metadata, fname, ledger)
    ledger.append(dict(source=fname, column="*", issue="no_usable_answer", count=_no_answer(data, len(df))))
    sv = Survey(instrument=inst, data=data, ids=ids, segments=seg, weights=_weights(df, opts, fname, line_offset),
                strata=_design_labels(df, opts.strata, fname, line_offset, "strata"),
                cluster=_design_labels(df, opts.cluster, fname, line_offset, "cluster"),
                importance=_importance(df, inst, opts, fname, ledger, line_offset), extra=_frame_of(df, opts.keep),
                has_ids=opts.id is not None, min_items=opts.min_items, source=fname, ledger=ledger, metadata=metadata)
    if opts.design_columns():
        sv.metadata["design"] = {"strata": opts.strata, "cluster": opts.cluster}
    for vp, x in data.items():
        x.flags.writeable = False      # validated data: read-only, so the integer codes stay true
        sv.codes(vp)
    return sv


def _screened(df, inst, opts: ReadOptions, fname: str, metadata: dict, line_offset: int, ledger: list) -> Survey:
    """Read everything, apply the screening rules, and with ``exclude`` read the kept respondents again
    (so the ledger counts what is analysed; any bad cell was already reported with its row)."""
    sv = _build(df, inst, opts, fname, dict(metadata), line_offset, list(ledger), check=False)
    flags, rows = screening.run(df, sv.data, inst, sv.metadata, opts.screen, opts.id, fname)
    ids = df[opts.id].to_numpy() if opts.id is not None else np.arange(1, len(df) + 1)
    screened = pd.DataFrame({"id": ids[flags["row"].to_numpy(dtype=np.intp)], "rule": flags["rule"].to_numpy(),
                             "column": flags["column"].to_numpy(), "value": flags["value"].to_numpy()})
    metadata["screen"] = dict(opts.screen)
    if opts.screen["exclude"]:
        out = np.zeros(len(df), bool)
        out[flags["row"].to_numpy(dtype=np.intp)] = True
        rows.append(dict(source=fname, column="*", issue="screened_out", count=int(out.sum())))
        sv = _build(df[~out].reset_index(drop=True), inst, opts, fname, metadata, line_offset, ledger + rows)
    else:
        if opts.id is not None:
            check_ids(df[opts.id], fname, opts.id, line_offset)
        sv.ledger.extend(rows)
        sv.metadata.update(metadata)
    sv.screened = screened
    return sv


def _ids(df: pd.DataFrame, opts: ReadOptions, fname: str, line_offset: int, check: bool = True) -> pd.Index:
    """Respondent ids from the id column (checked: none empty, none repeated), else 1, 2, ..."""
    if opts.id is None:
        return pd.RangeIndex(1, len(df) + 1, name="respondent")
    require_column(df, opts.id, fname, "id")
    if check:
        check_ids(df[opts.id], fname, opts.id, line_offset)
    return pd.Index(df[opts.id].to_numpy(), name=opts.id)


def _ratings(df, vp: str, spec, inst, opts: ReadOptions, fname: str, ledger: list, line_offset: int,
             metadata: dict, used: dict) -> np.ndarray:
    """The ``n × items`` ratings of one viewpoint: platform markers blanked, answer labels converted,
    numeric, missing codes recoded, range checked, reverse items recoded."""
    if opts.layout == "long":
        spec = {i: f"{vp}:{i}" for i in inst.item_ids}
        for c in spec.values():
            if c not in df.columns:
                df[c] = np.nan
    cols = resolve_columns(spec, inst.item_ids, "item", df.columns, fname, f"{vp!r}")
    used[vp] = dict(zip(inst.item_ids, cols))
    x = rating_block(df, cols, vp, inst, opts, fname, ledger, line_offset, metadata)
    x = check_range(x, cols, inst, fname, opts.out_of_range, ledger, line_offset)
    rev = inst.reverse_mask
    if rev.any():
        x[:, rev] = inst.scale_min + inst.scale_max - x[:, rev]
        for j in np.flatnonzero(rev):
            ledger.append(dict(source=fname, column=cols[j], issue="reverse_scored",
                               count=int(np.count_nonzero(~np.isnan(x[:, j])))))
    return x


def _weights(df, opts: ReadOptions, fname: str, line_offset: int) -> np.ndarray | None:
    """Survey weights: non-negative numbers in every row."""
    if opts.weight is None:
        return None
    col = opts.weight
    require_column(df, col, fname, "weight")
    w = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset, value=df[col].iloc[r])}: "
                        f"weights must be non-negative numbers ({int(bad.sum())} bad cells); fix or drop them.")
    return w


def _design_labels(df, col, fname: str, line_offset: int, what: str) -> np.ndarray | None:
    """Stratum or cluster (PSU) labels of every row (a design needs one for every respondent)."""
    if col is None:
        return None
    require_column(df, col, fname, what)
    na = df[col].isna().to_numpy()
    if na.any():
        r = int(np.flatnonzero(na)[0])
        raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset)}: the {what} label is empty "
                        f"({int(na.sum())} such rows); a design-based variance needs the {what} label of every "
                        "respondent. Fill it in from the sampling frame, or drop these respondents.")
    return df[col].to_numpy()


def _importance(df, inst, opts: ReadOptions, fname: str, ledger: list, line_offset: int) -> np.ndarray | None:
    """``n × dimensions`` importance allocations (blank = missing; missing codes do not apply)."""
    if opts.importance is None:
        return None
    icols = resolve_columns(opts.importance, inst.dimension_ids, "dimension", df.columns, fname, "importance")
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
    return imp


def _frame_of(df: pd.DataFrame, cols: tuple) -> pd.DataFrame:
    return df[list(cols)].reset_index(drop=True) if cols else pd.DataFrame(index=range(len(df)))


def _no_answer(data: dict, n: int) -> int:
    """Respondents without a usable answer in any viewpoint (column by column: column-major matrices)."""
    none = np.ones(n, bool)
    for x in data.values():
        for j in range(x.shape[1]):
            none &= np.isnan(x[:, j])
    return int(none.sum())
