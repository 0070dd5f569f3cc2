"""Validation of raw survey tables: column resolution, numeric checks, ranges, ids.

Each function turns one kind of bad input into a `servgap.errors.ServgapError`
that names file, column, row and value and says how to fix it, and counts every recoded
value in the quality ledger (a list of ``{source, column, issue, count}`` rows).
"""

from __future__ import annotations

import difflib
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ColumnError, ConfigError, DataError, where
from .io import long_to_wide, read_table
from .platforms import apply_platform, merge_metadata
from .provenance import add_files


def suggest(name: str, columns: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=3, cutoff=0.5)
    return f" Did you mean {', '.join(map(repr, close))}?" if close else ""


def require_column(df, col, name, what):
    if col not in df.columns:
        raise ColumnError(f"{where(file=name, column=col)}: the {what} column is not in the data."
                          f"{suggest(col, df.columns)} Columns are: {', '.join(map(str, df.columns[:30]))}.")


def resolve_columns(spec, keys: list[str], placeholder: str, df_cols, name: str, what: str) -> list[str]:
    """Column names for ``keys`` from a ``{item}``/``{dimension}`` pattern or a mapping."""
    if isinstance(spec, Mapping):
        missing_keys = [k for k in keys if str(k) not in {str(x) for x in spec}]
        if missing_keys:
            raise ColumnError(f"{where(file=name)}: the {what} mapping has no column for "
                              f"{', '.join(missing_keys[:10])}; map every {placeholder}.")
        unknown = [str(k) for k in spec if str(k) not in {str(x) for x in keys}]
        if unknown:
            raise ColumnError(f"{where(file=name)}: the {what} mapping names {placeholder}s that the instrument "
                              f"does not have: {', '.join(map(repr, unknown[:10]))}; known: "
                              f"{', '.join(map(str, keys[:30]))}.")
        lookup = {str(k): v for k, v in spec.items()}
        cols = [str(lookup[str(k)]) for k in keys]
    elif isinstance(spec, str):
        if "{" + placeholder + "}" not in spec:
            raise ConfigError(f"{what} pattern {spec!r} has no {{{placeholder}}} placeholder; "
                              f"write e.g. 'E{{{placeholder}}}'.")
        cols = [spec.replace("{" + placeholder + "}", str(k)) for k in keys]
    else:
        raise ConfigError(f"{what}: give a pattern with {{{placeholder}}} or a mapping, not {spec!r}.")
    present = [c in df_cols for c in cols]
    if not any(present):
        raise ColumnError(f"{where(file=name)}: the {what} pattern {spec!r} matches no column "
                          f"(looked for {', '.join(cols[:3])}, ...).{suggest(cols[0], list(df_cols))} "
                          f"Columns are: {', '.join(map(str, list(df_cols)[:30]))}.")
    if not all(present):
        miss = [c for c, p in zip(cols, present) if not p]
        raise ColumnError(f"{where(file=name)}: {what} columns {', '.join(map(repr, miss[:10]))} are missing "
                          f"({len(miss)} of {len(cols)}).{suggest(miss[0], list(df_cols))}")
    return cols


def numeric_block(df: pd.DataFrame, cols: list[str], name: str, missing, ledger, line_offset: int):
    """Numeric matrix of ``cols`` with declared missing codes recoded; non-numeric -> error."""
    codes = list(missing or [])
    num_codes = [c for c in codes if isinstance(c, (int, float)) and not isinstance(c, bool)]
    str_codes = {str(c).strip() for c in codes}
    out = np.empty((len(df), len(cols)), dtype=np.float64, order="F")    # column by column: contiguous
    for j, col in enumerate(cols):
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(object)
        if pd.api.types.is_numeric_dtype(s):
            x = s.to_numpy(dtype=np.float64, na_value=np.nan)
            code_hit = _is_code(x, num_codes)
            blank = np.isnan(x)
        else:
            txt = s.astype(object).where(s.notna(), None)
            stripped = txt.map(lambda v: v.strip() if isinstance(v, str) else v)
            blank = (stripped.isna() | (stripped == "")).to_numpy(dtype=bool)
            str_hit = stripped.map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))
                                   and str(v) in str_codes).to_numpy(dtype=bool)
            x = pd.to_numeric(stripped.where(~(blank | str_hit), None), errors="coerce").to_numpy(dtype=np.float64)
            bad = np.isnan(x) & ~blank & ~str_hit
            if bad.any():
                rows = np.flatnonzero(bad)
                r = int(rows[0])
                raise DataError(f"{where(file=name, column=col, row=r + 1 + line_offset, value=s.iloc[r])}: "
                                f"not a number ({len(rows)} such cells in this column). Clean the data, or "
                                f"declare the code as missing, e.g. missing=[{s.iloc[r]!r}].")
            code_hit = str_hit | _is_code(x, num_codes)
        n_code = int(np.count_nonzero(code_hit))
        out[:, j] = x
        out[np.flatnonzero(code_hit), j] = np.nan          # few cells: indices beat a full boolean mask
        ledger.append(dict(source=name, column=col, issue="missing_code", count=n_code))
        ledger.append(dict(source=name, column=col, issue="missing", count=int(np.count_nonzero(blank & ~code_hit))))
    return out


def _is_code(x: np.ndarray, codes: list) -> np.ndarray:
    """Cells of ``x`` equal to one of the numeric missing codes."""
    hit = np.zeros(len(x), bool)
    for c in codes:
        hit |= x == c
    return hit


def check_range(x, cols, inst, name, out_of_range, ledger, line_offset):
    lo, hi = inst.scale_min, inst.scale_max
    if not x.size or not (np.fmin.reduce(x, axis=None) < lo or np.fmax.reduce(x, axis=None) > hi):
        return x                       # NaN-ignoring min and max within the scale: nothing to do
    bad = (x < lo) | (x > hi)          # NaN compares False
    if out_of_range == "missing":
        for j in np.flatnonzero(bad.any(axis=0)):
            ledger.append(dict(source=name, column=cols[j], issue="out_of_range", count=int(bad[:, j].sum())))
        return np.where(bad, np.nan, x)
    r, j = np.argwhere(bad)[0]
    total = int(bad.sum())
    raise DataError(f"{where(file=name, column=cols[j], row=int(r) + 1 + line_offset, value=x[r, j])}: outside "
                    f"the scale {lo:g}-{hi:g} ({total} such cell{'s' if total > 1 else ''} in all). Declare the "
                    f"code as missing (missing=[{x[r, j]:g}]) or pass out_of_range=\"missing\" to treat such "
                    "values as missing.")


def prepare_frame(sources, opts, keep_cols: list[str], ledger: list):
    """Read every source, pivot long layouts, join several sources on the id.

    Returns ``(frame, name, metadata, line_offset)``.
    """
    frames = []
    metadata: dict = {}
    for src in sources:
        df, name, meta = read_table(src, encoding=opts.encoding, sheet=opts.sheet)
        df, meta = apply_platform(df, meta, name, opts.platform)
        merge_metadata(metadata, meta)
        add_files(metadata, [src])
        if opts.layout == "long":
            lc = {"id": "id", "item": "item", "viewpoint": "viewpoint", "value": "value", **(opts.long_columns or {})}
            if opts.id is not None:
                lc["id"] = opts.id
            codes = {vp: (spec if isinstance(spec, str) else vp) for vp, spec in opts.columns.items()}
            df = long_to_wide(df, id=lc["id"], item=lc["item"], viewpoint=lc["viewpoint"], value=lc["value"],
                              codes=codes, keep=[c for c in keep_cols if c in df.columns], name=name)
        frames.append((df, name))
    if len(frames) == 1:
        return frames[0][0], frames[0][1], metadata, metadata.get("header_lines", 0)
    id = opts.id
    if id is None:
        raise ConfigError("joining several files needs the respondent id: pass id=\"<id column>\".")
    indexed = []
    for df, name in frames:
        require_column(df, id, name, "id")
        check_ids(df[id], name, id, 1)
        indexed.append((df.set_index(id), name))
    joined = indexed[0][0]
    for df, _ in indexed[1:]:
        joined = joined.combine_first(df)
    all_ids = joined.index
    for df, name in indexed:
        ledger.append(dict(source=name, column=id, issue="unmatched_id",
                           count=int((~all_ids.isin(df.index)).sum())))
    names = " + ".join(n for _, n in frames)
    return joined.reset_index(), names, metadata, 0


def check_ids(ids: pd.Series, name, col, line_offset):
    na = ids.isna().to_numpy()
    if na.any():
        r = int(np.flatnonzero(na)[0])
        raise DataError(f"{where(file=name, column=col, row=r + 1 + line_offset)}: the respondent id is empty "
                        f"({int(na.sum())} such rows); every respondent needs an id.")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = ids.iloc[rows[0]]
        same = np.flatnonzero((ids == first).to_numpy()) + 1 + line_offset
        raise DataError(f"{where(file=name, column=col, value=first)}: duplicate respondent id (rows "
                        f"{', '.join(map(str, same[:5]))}; {int(ids.duplicated().sum())} duplicates in all). "
                        "Ids must be unique: remove repeated submissions or fix the ids.")
