"""The in-memory reader: one table (or several joined on the id) → a validated `Survey`.

Each step below turns one kind of column into arrays and counts in the ledger what it
recodes or drops: ids, ratings per viewpoint (missing codes, range, reverse items),
weights, importance, segments, kept columns, and respondents without any usable answer.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataError, DataQualityWarning, show, where
from . import screening
from .cells import rating_block, resolve_mapping, segment_frame
from .integers import CodedRatings, NotCoded, coded_ratings
from .options import ReadOptions
from .survey import Survey, to_codes
from .validation import check_ids, check_range, normalise_ids, prepare_frame, require_column, resolve_columns
from .values import NA_TEXT, Codes, numbers

#: Longest segment value (characters): segments are labels such as branch names, not free text.
MAX_SEGMENT_CHARS = 200


def read_eager(sources: list, inst, opts: ReadOptions, coded: bool = False) -> Survey:
    """Read ``sources`` (paths or DataFrames) into a validated, read-only `Survey`.

    ``coded=True`` reads integer rating columns straight to one-byte codes
    (`servgap.surveys.integers`; the same checks and ledger, no float matrices) when every
    rating column allows it, and the float way otherwise.
    """
    ledger: list = []
    df, fname, metadata, line_offset = prepare_frame(sources, opts, opts.carried_columns(inst.dimension_ids), ledger,
                                                     used=opts.used_columns(inst), item_ids=inst.item_ids)
    fname = opts.name or fname
    if len(df) == 0:
        raise DataError(f"{where(file=fname)}: the table has no rows (only a header).")
    opts = resolve_mapping(df, metadata, inst, opts, fname)
    if not opts.screen:
        return _build(df, inst, opts, fname, metadata, line_offset, ledger, coded=coded)
    return _screened(df, inst, opts, fname, metadata, line_offset, ledger)


def _build(df, inst, opts: ReadOptions, fname: str, metadata: dict, line_offset: int, ledger: list,
           check: bool = True, coded: bool = False) -> Survey:
    """The survey of ``df``: ids, ratings per viewpoint, weights, importance, segments, kept columns.

    ``coded``: try the integer codes first (`servgap.surveys.integers.coded_ratings`); the data
    are then a `servgap.surveys.integers.CodedRatings`.
    """
    ids = _ids(df, opts, fname, line_offset, check, ledger)
    for what, cols in (("segment", opts.segments), ("keep", opts.keep)):
        for c in cols:
            require_column(df, c, fname, what)
    if coded:
        data = _coded(df, inst, opts, fname, metadata, line_offset, ledger)
    else:
        used: dict = {}
        data = {vp: _ratings(df, vp, spec, inst, opts, fname, ledger, line_offset, metadata, used)
                for vp, spec in opts.columns.items()}
        metadata["columns"] = used
    seg = segment_frame(df, opts.segments, metadata, fname, ledger)
    for c in opts.segments:
        seg[c] = segment_labels(seg[c], c, fname, ledger, line_offset)
    ledger.append(dict(source=fname, column="*", issue="no_usable_answer", count=_no_answer(data, len(df))))
    sv = Survey(instrument=inst, data=data, ids=ids, segments=seg, weights=_weights(df, opts, fname, line_offset, ledger),
                strata=_design_labels(df, opts.strata, fname, line_offset, "strata"),
                cluster=_design_labels(df, opts.cluster, fname, line_offset, "cluster"),
                importance=_importance(df, inst, opts, fname, ledger, line_offset), extra=_frame_of(df, opts.keep),
                has_ids=opts.id is not None, min_items=opts.min_items, source=fname, ledger=ledger, metadata=metadata)
    if opts.design_columns():
        sv.metadata["design"] = {"strata": opts.strata, "cluster": opts.cluster}
    if not isinstance(data, CodedRatings):
        for vp, x in data.items():
            x.flags.writeable = False      # validated data: read-only, so the integer codes stay true
            sv.codes(vp)
    if not coded:                          # partitions (coded) are parts: the whole survey is judged once
        _narrow_scale(sv, fname)
    return sv


#: Answers at least this many before a survey that never uses the top of its scale is pointed out.
NARROW_SCALE_ANSWERS = 200


def _narrow_scale(sv: Survey, fname: str) -> None:
    """Warn when many answers all lie in ``lo .. lo + k - 1`` of a scale two or more points wider (a 5-point
    questionnaire read with the 7-point SERVQUAL instrument): values are kept; the scale is the user's call."""
    inst = sv.instrument
    lo, hi = inst.scale_min, inst.scale_max
    width = int(hi - lo + 1) if float(hi - lo).is_integer() else 0
    codes = [sv.codes(vp) for vp in sv.viewpoints]
    if width < 5 or any(c is None for c in codes):
        return
    answers = sum(int(np.count_nonzero(c)) for c in codes)
    top = max((int(c.max(initial=0)) for c in codes), default=0)
    if answers >= NARROW_SCALE_ANSWERS and 3 <= top <= width - 2 and any((c == 1).any() for c in codes):
        warnings.warn(f"file {fname!r}: all {answers:,} answers lie between {lo:g} and {lo + top - 1:g} on the "
                      f"instrument's {lo:g}-{hi:g} scale. If the questionnaire had {top} points, read it with "
                      f"{inst.scale_hint(lo, lo + top - 1)}, so that labels, midpoints and plots follow it; the gaps "
                      "are the same either way.",
                      DataQualityWarning, stacklevel=5)


def _coded(df, inst, opts: ReadOptions, fname: str, metadata: dict, line_offset: int, ledger: list) -> CodedRatings:
    """The ratings as `CodedRatings`: each viewpoint of integer columns read straight to codes, the
    others the float way (`_ratings`), in the order of the mapping (so the ledger rows are in order)."""
    used: dict = {}
    codes, floats = {}, {}
    for vp, spec in opts.columns.items():
        try:
            codes[vp] = coded_ratings(df, vp, spec, inst, opts, fname, ledger, line_offset, metadata, used)
        except NotCoded:
            x = floats[vp] = _ratings(df, vp, spec, inst, opts, fname, ledger, line_offset, metadata, used)
            x.flags.writeable = False
            codes[vp] = to_codes(x, inst)
    metadata["columns"] = used
    return CodedRatings(codes, inst, floats)


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


def _ids(df: pd.DataFrame, opts: ReadOptions, fname: str, line_offset: int, check: bool = True,
         ledger: list | None = None) -> pd.Index:
    """Respondent ids from the id column (text stripped; checked: none empty, none repeated), else 1, 2, ..."""
    if opts.id is None:
        return pd.RangeIndex(1, len(df) + 1, name="respondent")
    require_column(df, opts.id, fname, "id")
    (ids,) = normalise_ids([(df[opts.id], fname)], opts.id, [] if ledger is None else ledger)
    if check:
        check_ids(ids, fname, opts.id, line_offset)
    return pd.Index(ids.to_numpy(), name=opts.id)


def segment_labels(s: pd.Series, col: str, fname: str, ledger: list, line_offset: int) -> pd.Series:
    """A segment column as labels: text stripped, "no value" text (``N/A`` ...) missing, and a column
    mixing numbers and text made all text (``1``, ``1.0`` and ``"1"`` are one segment ``"1"``).
    Blank text is counted as ``missing``, "no value" text as ``missing_text``, rewritten cells as
    ``segment_normalised`` (empty cells were counted by `servgap.surveys.cells.segment_frame`).
    The work is done once per distinct value (a categorical column is factorised on its codes)."""
    s = s.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s
    obj = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype(object)   # categories: no per-row objects
    try:
        codes, uniq = pd.factorize(obj, use_na_sentinel=True)
    except TypeError:                             # lists, arrays, dicts: not labels
        r = next(i for i, v in enumerate(obj) if isinstance(v, (list, dict, set, np.ndarray)))
        raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset, value=obj.iloc[r])}: segment "
                        "values must be labels (text or numbers), not lists or other objects.") from None
    kinds = [_label_kind(v) for v in uniq]
    mixed = {"text", "number"} <= set(kinds)
    new, issue = list(uniq), [None] * len(uniq)
    for k, (v, kind) in enumerate(zip(uniq, kinds)):
        if kind == "text":
            if len(v) > MAX_SEGMENT_CHARS:
                r = int(np.flatnonzero(codes == k)[0])
                raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset, value=v)}: a segment value "
                                f"of {len(v):,} characters; segments are labels such as branch names (at most "
                                f"{MAX_SEGMENT_CHARS}). Check that segments= names the right column.")
            t = v.strip()
            new[k], issue[k] = ((np.nan, "missing") if not t else (np.nan, "missing_text") if t.casefold() in NA_TEXT
                                else (t, "segment_normalised" if t != v else None))
        elif kind == "number" and mixed:
            new[k], issue[k] = id_like_text(v), "segment_normalised"
        elif kind == "other":
            r = int(np.flatnonzero(codes == k)[0])
            raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset, value=v)}: segment values must be "
                            "labels (text or numbers), not lists or other objects.")
    changed = [k for k, i in enumerate(issue) if i]
    if not changed:
        return s
    per = np.bincount(codes[codes >= 0], minlength=len(uniq))
    for name in ("missing", "missing_text", "segment_normalised"):
        n = int(sum(per[k] for k in changed if issue[k] == name))
        if n:
            ledger.append(dict(source=fname, column=col, issue=name, count=n))
    values = np.array(new + [np.nan], dtype=object)[np.where(codes >= 0, codes, len(uniq))]
    return pd.Series(values, name=s.name)


def _label_kind(v) -> str:
    if isinstance(v, str):
        return "text"
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        return "number"
    if isinstance(v, (list, dict, set, tuple, np.ndarray)):
        return "other"
    return "value"          # dates, booleans, Decimal ...: kept as they are


def id_like_text(v) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else show(v)


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


def _weights(df, opts: ReadOptions, fname: str, line_offset: int, ledger: list) -> np.ndarray | None:
    """Survey weights: finite non-negative numbers in every row, not all 0, whose sums do not overflow
    (full-width digits counted in the ledger, as in rating columns)."""
    if opts.weight is None:
        return None
    col = opts.weight
    require_column(df, col, fname, "weight")
    w, counts = numbers(df[col], col, fname, Codes(), line_offset, decimal=opts.decimal or ".", codes_apply=False)
    if counts["full_width_digits"]:
        ledger.append(dict(source=fname, column=col, issue="full_width_digits", count=counts["full_width_digits"]))
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where(file=fname, column=col, row=r + 1 + line_offset, value=df[col].iloc[r])}: "
                        f"weights must be finite non-negative numbers ({int(bad.sum())} bad cells); fix or drop them.")
    if len(w) and not w.any():
        raise DataError(f"{where(file=fname, column=col)}: every weight is 0, so no respondent counts; check the "
                        "weight column.")
    with np.errstate(over="ignore"):
        sums_ok = np.isfinite(w.sum()) and np.isfinite(np.square(w).sum())
    if not sums_ok:
        raise DataError(f"{where(file=fname, column=col, value=w.max())}: weights this large overflow their sums "
                        "(and the effective sample size); divide them all by one number: results do not change.")
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
        v, counts = numbers(df[c], c, fname, Codes(), line_offset, decimal=opts.decimal or ".", codes_apply=False)
        bad = (v < 0) | np.isinf(v)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"{where(file=fname, column=c, row=r + 1 + line_offset, value=df[c].iloc[r])}: "
                            "importance must be a finite non-negative number (missing codes do not apply to it).")
        for issue, n in counts.items():
            if n or issue == "missing":
                ledger.append(dict(source=fname, column=c, issue=issue, count=n))
        imp[:, j] = v
    return imp


def _frame_of(df: pd.DataFrame, cols: tuple) -> pd.DataFrame:
    return df[list(cols)].reset_index(drop=True) if cols else pd.DataFrame(index=range(len(df)))


def _no_answer(data, n: int) -> int:
    """Respondents without a usable answer in any viewpoint (column by column: column-major matrices;
    codes are or-ed together, a byte per respondent)."""
    none = np.ones(n, bool)
    seen = np.zeros(n, np.uint8)
    for vp in data:
        c = data.codes(vp) if isinstance(data, CodedRatings) else None
        if c is not None:
            for j in range(c.shape[1]):
                np.bitwise_or(seen, c[:, j], out=seen)
            continue
        x = data[vp]
        for j in range(x.shape[1]):
            none &= np.isnan(x[:, j])
    return int(np.count_nonzero(none & (seen == 0)))
