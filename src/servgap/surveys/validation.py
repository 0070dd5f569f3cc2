"""Validation of raw survey tables: column resolution, numeric checks, ranges, ids.

Each function turns one kind of bad input into a `servgap.errors.ServgapError`
that names file, column, row and value and says how to fix it, and counts every recoded
value in the quality ledger (a list of ``{source, column, issue, count}`` rows).
"""

from __future__ import annotations

import difflib
import unicodedata
import warnings
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ColumnError, ConfigError, DataError, DataQualityWarning, short, show, where
from .headers import spec
from .io import long_to_wide, read_tables
from .platforms import apply_platform, merge_metadata
from .provenance import add_files
from .values import Codes, numbers


def suggest(name: str, columns: Sequence[str]) -> str:
    cols = [str(c) for c in list(columns)[:5000] if len(str(c)) <= 200]
    close = difflib.get_close_matches(short(name, 200), cols, n=3, cutoff=0.5)
    return f" Did you mean {', '.join(repr(short(c)) for c in close)}?" if close else ""


def listing(columns, n: int = 30) -> str:
    """The first ``n`` column names, each shortened, for messages."""
    cols = list(columns)
    more = f", ... ({len(cols):,} in all)" if len(cols) > n else ""
    return ", ".join(short(c, 40) for c in cols[:n]) + more


def require_column(df, col, name, what):
    if col not in df.columns:
        raise ColumnError(f"{where(file=name, column=col)}: the {what} column is not in the data."
                          f"{suggest(col, df.columns)} Columns are: {listing(df.columns)}.")


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
                              f"{listing(keys)}.")
        lookup = {str(k): v for k, v in spec.items()}
        cols = [str(lookup[str(k)]) for k in keys]
    elif isinstance(spec, str):
        if "{" + placeholder + "}" not in spec:
            raise ConfigError(f"{what} pattern {spec!r} has no {{{placeholder}}} placeholder; "
                              f"write e.g. 'E{{{placeholder}}}'.")
        cols = _zero_padded([spec.replace("{" + placeholder + "}", str(k)) for k in keys], spec, keys,
                            placeholder, df_cols)
    else:
        raise ConfigError(f"{what}: give a pattern with {{{placeholder}}} or a mapping, not {spec!r}.")
    cols = _case_insensitive(cols, df_cols, name, what)
    present = [c in df_cols for c in cols]
    if not any(present):
        raise ColumnError(f"{where(file=name)}: the {what} pattern {short(repr(spec))} matches no column "
                          f"(looked for {listing(cols, 3)}).{suggest(cols[0], list(df_cols))} "
                          f"Columns are: {listing(df_cols)}.")
    if not all(present):
        miss = [c for c, p in zip(cols, present) if not p]
        raise ColumnError(f"{where(file=name)}: {what} columns {', '.join(repr(short(m)) for m in miss[:10])} are missing "
                          f"({len(miss)} of {len(cols)}).{suggest(miss[0], list(df_cols))}")
    return cols


def _zero_padded(cols: list[str], spec: str, keys, placeholder: str, df_cols) -> list[str]:
    """``E{item}`` names ``E01`` … ``E22`` when the file pads item numbers (and ``E1`` is not there)."""
    have = set(map(str, df_cols))
    if all(c in have for c in cols) or not all(str(k).isdigit() for k in keys):
        return cols
    for width in (2, 3):
        padded = [spec.replace("{" + placeholder + "}", str(k).zfill(width)) for k in keys]
        if all(c in have for c in padded):
            return padded
    return cols


def _case_insensitive(cols: list[str], df_cols, name: str, what: str) -> list[str]:
    """``cols`` with each name that is not a column replaced by the one column equal to it but for case and
    surrounding spaces (``E1`` -> ``e1``), with one `DataQualityWarning`; names without such a match stay."""
    have = set(map(str, df_cols))
    if all(c in have for c in cols):
        return cols
    folded: dict = {}
    for c in map(str, df_cols):
        folded.setdefault(c.strip().casefold(), []).append(c)
    out = [c if c in have or len(folded.get(c.strip().casefold(), [])) != 1 else folded[c.strip().casefold()][0]
           for c in cols]
    changed = [(a, b) for a, b in zip(cols, out) if a != b]
    if changed:
        warnings.warn(f"{where(file=name)}: the {what} columns were matched ignoring case and spaces ("
                      f"{', '.join(f'{a!r} -> {b!r}' for a, b in changed[:3])}{' ...' if len(changed) > 3 else ''}).",
                      DataQualityWarning, stacklevel=6)
    return out


def numeric_block(df: pd.DataFrame, cols: list[str], name: str, missing, ledger, line_offset: int, *,
                  decimal: str = ".", scale=None, metadata=None):
    """Numeric matrix of ``cols`` with declared missing codes recoded; non-numeric -> error.

    See `servgap.surveys.values.numbers` for what each column may hold and what is counted;
    ``metadata`` gives the SPSS value labels (for the right fix).
    """
    labels = (metadata or {}).get("value_labels") or {}
    codes = Codes.of(missing or ())
    out = np.empty((len(df), len(cols)), dtype=np.float64, order="F")    # column by column: contiguous
    for j, col in enumerate(cols):
        x, counts = numbers(df[col], col, name, codes, line_offset, decimal=decimal, scale=scale,
                            labels=labels.get(col))
        out[:, j] = x
        for issue, n in counts.items():
            if n or issue in ("missing_code", "missing"):
                ledger.append(dict(source=name, column=col, issue=issue, count=n))
    return out


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
                    f"the scale {lo:g}-{hi:g} ({total} such cell{'s' if total > 1 else ''} in all). "
                    + range_fix(x, bad, inst, x[r, j], line_offset))


#: Out-of-range cells at least this share of the answers, contiguous with the scale: another scale, not a code.
OTHER_SCALE_SHARE = 0.10


def range_fix(x: np.ndarray, bad: np.ndarray, inst, value: float, line_offset: int = 0) -> str:
    """The right fix for ratings outside the instrument's scale.

    - All such cells in one to three rows that are at least half out of the scale (a totals
      row under the data): delete those rows.
    - Values outside that run on from the ends of the scale without a hole (8, 9 after 1-7;
      0 before it; 0 and 8-10 around it) and are at least `OTHER_SCALE_SHARE` of the answers:
      the data are on another scale; the fix is the instrument's scale, never "declare them
      missing".
    - Otherwise (an isolated 0, 9 or 99) they are codes: declare them or set them missing.
    """
    lo, hi = inst.scale_min, inst.scale_max
    rows = np.flatnonzero(bad.any(axis=1))
    if 1 <= rows.size <= 3 < x.shape[0] and bad[rows].sum(axis=1).min() >= max(2, x.shape[1] / 2):
        named = ", ".join(str(int(r) + 1 + line_offset) for r in rows)
        return (f"All of them are in row{'s' if rows.size > 1 else ''} {named}, which {'are' if rows.size > 1 else 'is'} "
                f"mostly outside the scale: a totals or summary row under the answers? Delete "
                f"{'those rows' if rows.size > 1 else 'that row'} from the file; {'they are' if rows.size > 1 else 'it is'} "
                "not a respondent.")
    vals = np.unique(x[bad])
    answered = max(1, int(np.count_nonzero(~np.isnan(x))))
    whole = bool(np.all(vals == np.round(vals)))
    above, below = vals[vals > hi], vals[vals < lo]
    run = np.array_equal(above, hi + 1 + np.arange(above.size)) and \
        np.array_equal(below, lo - below.size + np.arange(below.size))
    if whole and run and bad.sum() / answered >= OTHER_SCALE_SHARE:
        a, b = float(np.nanmin(x)), float(np.nanmax(x))
        return (f"The answers run {a:g}-{b:g} ({bad.sum() / answered:.0%} of them outside {lo:g}-{hi:g}): the data "
                f"are on a {a:g}-{b:g} scale. Read them with the instrument on that scale: "
                f"{inst.scale_hint(a, b)} (or an instrument YAML).")
    return (f"Declare the code as missing (missing=[{value:g}]) or pass out_of_range=\"missing\" to treat such "
            "values as missing.")


def check_used(df: pd.DataFrame, meta: dict, used, name: str) -> None:
    """Refuse a used column whose name repeats, or whose cells are formulas saved without a value."""
    dup = meta.get("duplicated_columns") or {}
    for c in used:
        if c in dup:
            pos = ", ".join(str(k + 1) for k in dup[c][:5])
            raise ColumnError(f"{where(file=name, column=c)}: {len(dup[c])} columns (positions {pos}) are named "
                              f"{short(c)!r}; servgap cannot tell which holds the answers. Rename or remove the "
                              "repeats.")
    formulas = meta.get("uncached_formulas") or {}
    for c in used:
        if c in formulas:
            row, cell = formulas[c][0]
            raise DataError(f"{where(file=name, column=c, row=row)}: cell {cell} holds a formula saved without its "
                            f"value ({len(formulas[c])} such cells in this column), which would read as blank. Open "
                            "the workbook in Excel (or LibreOffice), let it calculate and save it, or export CSV.")


def _long(df, opts, keep_cols, name, item_ids, ledger):
    lc = {"id": "id", "item": "item", "viewpoint": "viewpoint", "value": "value", **(opts.long_columns or {})}
    if opts.id is not None:
        lc["id"] = opts.id
    codes = {vp: (spec if isinstance(spec, str) else vp) for vp, spec in opts.columns.items()}
    return long_to_wide(df, id=lc["id"], item=lc["item"], viewpoint=lc["viewpoint"], value=lc["value"],
                        codes=codes, keep=[c for c in keep_cols if c in df.columns], name=name, item_ids=item_ids,
                        ledger=ledger)


def prepare_frame(sources, opts, keep_cols: list[str], ledger: list, used=(), item_ids=None):
    """Read every source, pivot long layouts, join several sources (or sheets) on the id.

    ``used`` names the columns the options use (ratings, id, segments ...): those are
    checked for repeated names and unsaved formulas; ``item_ids`` (the instrument's) are the items a
    long table may name. Returns ``(frame, name, metadata, line_offset)``.
    """
    frames = []
    metadata: dict = {}
    used = set(used) | set(keep_cols) | ({opts.id} if opts.id else set())
    for src in sources:
        add_files(metadata, [src])
        for df, name, meta in read_tables(src, encoding=opts.encoding, sheet=opts.sheet,
                                          sep=opts.sep, decimal=opts.decimal):
            check_used(df, meta, used, name)
            meta = {k: v for k, v in meta.items() if k not in ("duplicated_columns", "uncached_formulas")}
            df, meta = apply_platform(df, meta, name, opts.platform)
            merge_metadata(metadata, meta)
            if opts.layout == "long":
                df = _long(df, opts, keep_cols, name, item_ids, ledger)
            frames.append((df, name))
    if len(frames) == 1:
        return frames[0][0], frames[0][1], metadata, metadata.get("header_lines", 0) + metadata.get("title_rows", 0)
    id = opts.id
    if id is None:
        raise ConfigError(f"joining several {'sheets' if len(sources) == 1 else 'files'} needs the respondent id: "
                          "pass id=\"<id column>\".")
    for df, name in frames:
        require_column(df, id, name, "id")
    ids = normalise_ids([(df[id], name) for df, name in frames], id, ledger)
    indexed = []
    for (df, name), key in zip(frames, ids):
        check_ids(key, name, id, 0)
        indexed.append((df.drop(columns=[id]).set_axis(pd.Index(key.to_numpy(), name=id)), name))
    joined = indexed[0][0]
    for df, name in indexed[1:]:
        if len(df) and len(joined) and not df.index.isin(joined.index).any():
            raise DataError(f"{where(file=name, column=id)}: no respondent id is also in {short(indexed[0][1])!r} "
                            f"(e.g. {show(df.index[0])} here, {show(joined.index[0])} there), so nothing can be "
                            "joined; check that both files use the same ids (and the same id column).")
        _same_where_both(joined, df, indexed[0][1], name)
        joined = joined.combine_first(df)
    all_ids = joined.index
    for df, name in indexed:
        ledger.append(dict(source=name, column=id, issue="unmatched_id",
                           count=int((~all_ids.isin(df.index)).sum())))
    names = " + ".join(n for _, n in frames)
    return joined.reset_index(), names, metadata, 0


def _same_where_both(a: pd.DataFrame, b: pd.DataFrame, a_name: str, b_name: str) -> None:
    """Refuse a column both sources hold with different values for one respondent (the join would keep
    one silently); equal values (a segment in both files) are fine."""
    both = a.index.intersection(b.index)
    for c in a.columns.intersection(b.columns):
        x, y = a.loc[both, c], b.loc[both, c]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            unequal = x.to_numpy(float) != y.to_numpy(float)              # 5 and 5.0 are one value
        else:
            unequal = (x.astype(str).str.strip() != y.astype(str).str.strip()).to_numpy()
        differ = x.notna().to_numpy() & y.notna().to_numpy() & unequal
        if differ.any():
            k = int(np.argmax(differ))
            raise DataError(f"{where(file=b_name, column=c)}: respondent {show(both[k])} has {show(y.iloc[k])} here "
                            f"but {show(x.iloc[k])} in {short(a_name)!r} ({int(differ.sum())} such ids); servgap "
                            f"cannot tell which holds the answer. Keep the column {c!r} in one file only, or fix it.")


def _id_text(v):
    """The canonical text of an id: stripped text; whole numbers without ``.0``."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def normalise_ids(columns, col: str, ledger: list) -> list[pd.Series]:
    """Ids of every source in one form: text stripped of surrounding spaces and, when some sources
    hold numbers and others text, every id as text (``1.0`` → ``"1"``). Each changed cell is
    counted as ``id_normalised`` and a `DataQualityWarning` says what was done."""
    def is_text(s):
        return not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)

    kinds = {is_text(s) for s, _ in columns}
    as_text = len(kinds) > 1
    out = []
    for s, name in columns:
        if as_text or is_text(s):
            na = s.isna()
            obj = s.astype(object)
            new = obj.where(na, obj.map(_id_text, na_action="ignore")).replace("", np.nan)
            changed = int((new[~na] != obj[~na]).sum()) if len(s) else 0
            if changed:
                ledger.append(dict(source=name, column=col, issue="id_normalised", count=changed))
                warnings.warn(f"{where(file=name, column=col)}: {changed} id(s) rewritten to match across files "
                              f"({'numbers compared as text; ' if as_text else ''}surrounding spaces removed), "
                              "counted as id_normalised.", DataQualityWarning, stacklevel=2)
            s = new
        out.append(s)
    return out


def _increasing(ids: pd.Series) -> bool:
    """Numbers in strictly increasing order (no NaN): then none is empty or repeated, and no hashing is needed."""
    if not isinstance(ids.dtype, np.dtype) or ids.dtype.kind not in "iuf" or len(ids) < 2:
        return isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu"
    a = ids.to_numpy()
    return bool((a[1:] > a[:-1]).all())


@lru_cache(maxsize=1)
def _summary_words() -> frozenset:
    """The summary-row labels (合计, 平均, total …), case-folded."""
    return frozenset(str(w).casefold() for w in spec()["summary_rows"])


def _summary_rows(ids: pd.Series) -> np.ndarray:
    """Ids that are a summary label in any case, alone or with punctuation and a bracket around it
    (``合计``, ``Total:``, ``平均值（分）``); ids holding a digit are never one (the usual case, checked first)."""
    hit = np.zeros(len(ids), bool)
    text = ids.astype(str)
    maybe = ~text.str.contains(r"\d", regex=True).to_numpy()
    if maybe.any():
        core = (text[maybe].map(lambda v: unicodedata.normalize("NFKC", v)).str.replace(r"\(.*\)\s*$", "", regex=True)
                .str.strip(" :：.。-—_*#").str.strip().str.casefold())
        hit[np.flatnonzero(maybe)] = core.isin(_summary_words()).to_numpy()
    return hit


def check_ids(ids: pd.Series, name, col, line_offset):
    if _increasing(ids):
        return
    try:
        na = ids.isna().to_numpy()
        dup = ids.duplicated(keep=False).to_numpy()
    except TypeError:                   # lists or other unhashable cells
        raise DataError(f"{where(file=name, column=col)}: the respondent ids must be numbers or text "
                        f"(found {show(ids.iloc[0])}).") from None
    if na.any():
        r = int(np.flatnonzero(na)[0])
        raise DataError(f"{where(file=name, column=col, row=r + 1 + line_offset)}: the respondent id is empty "
                        f"({int(na.sum())} such rows); every respondent needs an id.")
    if ids.dtype.kind not in "iuf":
        summary = _summary_rows(ids)
        if summary.any():
            r = np.flatnonzero(summary)
            raise DataError(f"{where(file=name, column=col, row=int(r[0]) + 1 + line_offset, value=ids.iloc[r[0]])}: "
                            f"a summary row (totals or means) under the answers, not a respondent "
                            f"({r.size} such row{'s' if r.size > 1 else ''}). Delete it from the file.")
    if dup.any():
        rows = np.flatnonzero(dup)
        first = ids.iloc[rows[0]]
        same = np.flatnonzero((ids == first).to_numpy()) + 1 + line_offset
        raise DataError(f"{where(file=name, column=col, value=first)}: duplicate respondent id (rows "
                        f"{', '.join(map(str, same[:5]))}; {int(ids.duplicated().sum())} duplicates in all). "
                        "Ids must be unique: remove repeated submissions or fix the ids.")
