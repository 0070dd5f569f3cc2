"""From a platform table to the reader's columns: the column mapping (suggested, or given as
patterns), rating blocks (platform markers, answer labels, SPSS user-missing values), and
segment columns (SPSS value labels). Used by `servgap.surveys.eager`; every cell blanked
or converted here is counted in the ledger.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ColumnError, DataQualityWarning
from . import labels as lb
from .headers import expand_pattern, is_pattern, is_template
from .options import ReadOptions
from .platforms import blank_markers, headers_of
from .placing import block_mapping
from .suggest import refusal, suggest
from .validation import numeric_block


def _expand(spec, keys: list[str], placeholder: str, df, headers, meta: Mapping, inst, what: str, fname: str,
            labels=None):
    """A pattern that is not a plain template naming columns becomes an explicit mapping."""
    if not isinstance(spec, str) or is_template(spec, placeholder, keys, df.columns) or not is_pattern(spec, placeholder):
        return spec
    texts = {h.column: h.text for h in headers}
    got = expand_pattern(spec, placeholder, keys, texts, labels, what=what)
    if isinstance(got, list):
        return block_mapping(got, headers, inst, what, fname) if got else spec
    return got or spec                 # no match: the usual "matches no column" error follows


def resolve_mapping(df: pd.DataFrame, meta: dict, inst, opts: ReadOptions, fname: str) -> ReadOptions:
    """Explicit ``columns=`` / ``importance=`` for the reader: the suggestion when ``columns`` is None
    (refused with the suggestion table when not confident), regular expressions and wildcard templates
    matched against the full header text."""
    if opts.layout == "long":
        return opts
    headers = headers_of(meta, df)
    if opts.columns is None:
        skip = {c for c in (opts.id, opts.weight, *opts.segments, *opts.keep) if c}
        if isinstance(opts.importance, Mapping):
            skip |= set(map(str, opts.importance.values()))
        sugg = suggest(headers, inst, df=df, exclude=skip, platform=meta.get("platform", "plain"),
                       id=(meta.get("roles") or {}).get("id"), source=fname)
        if not sugg.ok:
            raise ColumnError(refusal(sugg, fname))
        meta["suggestion"] = sugg.table
        columns = sugg.columns
        _warn_unplaced(sugg, inst, fname)
    else:
        columns = {vp: _expand(spec, inst.item_ids, "item", df, headers, meta, inst, vp, fname)
                   for vp, spec in opts.columns.items()}
    importance = opts.importance
    if isinstance(importance, str):
        names = {d.id: [d.id, *d.name.values()] for d in inst.dimensions}
        importance = _expand(importance, inst.dimension_ids, "dimension", df, headers, meta, inst, "importance",
                             fname, names)
        if isinstance(importance, dict) and len(importance) != len(inst.dimension_ids):
            importance = opts.importance
    return replace(opts, columns=columns, importance=importance)


def _warn_unplaced(sugg, inst, fname: str) -> None:
    """Question columns left unplaced although their wording or markers name an item or a viewpoint —
    half an instrument's worth or more — are likely a viewpoint lost: say so."""
    t = sugg.table
    seen = t[t["column"].isin(sugg.unmatched) & (t["item"].notna() | t["viewpoint"].notna())]
    if len(seen) < max(1, len(inst.item_ids) // 2):
        return
    eg = ", ".join(repr(c) for c in seen["column"][:3])
    warnings.warn(f"file {fname!r}: {len(seen)} question columns name an item or a viewpoint but were not placed "
                  f"(e.g. {eg}). If they hold a viewpoint's ratings, map them with columns= "
                  f"(sg.suggest_columns(file).table says why each was left out).", DataQualityWarning, stacklevel=5)


def rating_block(df: pd.DataFrame, cols: list[str], vp: str, inst, opts: ReadOptions, fname: str, ledger: list,
                 line_offset: int, meta: Mapping) -> np.ndarray:
    """The numeric ``n × len(cols)`` ratings: markers blanked (``skipped``/``not_shown``), answer labels
    converted (``scale_label``), declared and SPSS user-missing codes recoded (``missing_code``)."""
    markers = meta.get("marker_codes") or {}
    texty = [c for c in cols if not pd.api.types.is_numeric_dtype(df[c])]
    block = df[cols].copy() if markers or texty else df
    found = blank_markers(block, cols, markers)
    seen = lb.text_labels(block, texty, opts.missing)
    if seen:
        mapping, name = lb.resolve(opts.scale_labels, seen, inst, fname, f"the {vp!r} columns", line_offset)
        if mapping:
            lb.apply_labels(block, texty, mapping, fname, ledger)
            meta.setdefault("scale_labels", {})[vp] = name
    extra = meta.get("missing_values") or {}
    how = dict(decimal=opts.decimal or ".", scale=(inst.scale_min, inst.scale_max), metadata=meta)
    tmp: list = []
    if any(c in extra for c in cols):
        parts = [numeric_block(block, [c], fname, (*opts.missing, *extra.get(c, ())), tmp, line_offset, **how)
                 for c in cols]
        x = np.asfortranarray(np.hstack(parts))
    else:
        x = numeric_block(block, cols, fname, opts.missing, tmp, line_offset, **how)
    for r in tmp:                     # marker cells were blanked: count them under their own issue, not as missing
        got = found.get(r["column"], {})
        if r["issue"] == "missing" and got:
            r = {**r, "count": r["count"] - sum(got.values())}
            ledger.extend(dict(source=fname, column=r["column"], issue=i, count=n) for i, n in got.items())
        ledger.append(r)
    return x


def segment_frame(df: pd.DataFrame, cols: tuple, meta: Mapping, fname: str, ledger: list) -> pd.DataFrame:
    """Segment columns with SPSS value labels applied (branch names, not codes), platform markers and
    SPSS user-missing values blanked; blanks counted as ``missing`` (``missing_code`` for user-missing)."""
    if not cols:
        return pd.DataFrame(index=range(len(df)))
    seg = df[list(cols)].copy().reset_index(drop=True)
    found = blank_markers(seg, list(cols), meta.get("marker_codes") or {})
    value_labels = meta.get("value_labels") or {}
    user_missing = meta.get("missing_values") or {}
    for c in cols:
        codes = user_missing.get(c, ())
        hit = seg[c].isin(codes).to_numpy() if len(codes) else np.zeros(len(seg), bool)
        if hit.any():
            seg[c] = seg[c].mask(hit)
        if value_labels.get(c):
            lab = value_labels[c]
            seg[c] = seg[c].map(lambda v: lab.get(v, v) if pd.notna(v) else v)
        ledger.extend(dict(source=fname, column=c, issue=i, count=n) for i, n in found.get(c, {}).items())
        ledger.append(dict(source=fname, column=c, issue="missing_code", count=int(hit.sum())))
        ledger.append(dict(source=fname, column=c, issue="missing",
                           count=int(seg[c].isna().sum()) - int(hit.sum()) - sum(found.get(c, {}).values())))
    return seg


__all__ = ["resolve_mapping", "rating_block", "segment_frame"]
