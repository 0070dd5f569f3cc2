"""Placing question columns: the features of each header (viewpoint markers, item number, wording
match), blocks of columns, and the assignment of a viewpoint and an item with a confidence and a
reason. `servgap.surveys.suggest` turns the result into a `Suggestion`; see there for the rules.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Mapping

from ..errors import ColumnError, DataQualityWarning
from .headers import Header, WordingMatcher, code_marker, find_markers, letter_marker, looks_like_text, norm, spec


# -- features of one column -------------------------------------------------------------
@dataclass
class _Col:
    h: Header
    code: tuple | None            # (viewpoint, item) from a code such as E12
    own: set                      # viewpoint markers of the sub-question
    stem: set                     # viewpoint markers of the question stem / code
    best: str | None = None       # best-matching item by wording
    sim: float = 0.0
    second: float = 0.0
    number: str | None = None     # item number from the sub-question code

    @property
    def block(self) -> str:
        return self.h.question or self.h.stem


def _wording(h: Header) -> str:
    if h.sub and looks_like_text(h.sub):
        return h.sub
    if not h.sub and h.stem and looks_like_text(h.stem):
        return h.stem
    return h.text if not h.sub and not h.stem and looks_like_text(h.text) else ""


def item_texts(inst) -> dict[str, list[str]]:
    """Item id -> its wordings (every language)."""
    return {i.id: [t for t in i.text.values() if t] for i in inst.items}


def features(h: Header, inst, matcher: WordingMatcher, texts: Mapping[str, list]) -> _Col:
    cm = code_marker(h.code) or code_marker(h.column)
    stem = find_markers(h.stem) | letter_marker(h.question)
    if not cm and h.code != h.text:                       # a code of its own (Qualtrics Q2_1, an SPSS name)
        stem |= find_markers(h.code)
    col = _Col(h=h, code=cm, own=set(), stem=stem)
    words = _wording(h)
    if words:
        scores = matcher.scores(words)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        col.best, col.sim = ranked[0]
        col.second = ranked[1][1] if len(ranked) > 1 else 0.0
    ignore = " ".join(texts.get(col.best, [])) if col.sim >= 0.6 else ""
    if h.sub:
        col.own = find_markers(h.sub, ignore=ignore)
    elif h.stem and col.sim >= 0.6:                       # one question per item: "3、银行拥有…（期望）"
        col.own, col.stem = find_markers(h.stem, ignore=ignore), letter_marker(h.question)
    elif not h.stem and not cm:                           # a header without parts: "期望_银行拥有…"
        col.own = find_markers(h.text, ignore=ignore)
    for c in (h.subcode, h.sub):
        m = re.fullmatch(r"(?:SQ|sq)?0*(\d+)", c or "")
        if m and m.group(1) in inst.item_ids:
            col.number = m.group(1)
            break
    if col.number is None and not cm and h.code.strip() in inst.item_ids and not h.code.strip().isdigit():
        col.number = h.code.strip()                        # the item id itself (MRO1, tangible_1 …)
    return col


def _viewpoint(col: _Col, block_vp: str | None) -> str | None:
    if col.code:
        return col.code[0]
    own = col.own - {"importance"}
    if len(own) == 1:
        return next(iter(own))
    stem = col.stem - {"importance"}
    if len(stem) == 1:
        return next(iter(stem))
    return block_vp


def _blocks(cols: list[_Col]) -> list[list[_Col]]:
    """Runs of consecutive columns sharing a question (columns without one stand alone)."""
    out: list[list[_Col]] = []
    for c in cols:
        if out and c.block and out[-1][0].block == c.block:
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _block_vp(block: list[_Col]) -> str | None:
    stems = set().union(*(c.stem for c in block)) - {"importance"}
    if len(stems) == 1:
        return next(iter(stems))
    owns = [c.own - {"importance"} for c in block]
    if owns and all(len(o) == 1 for o in owns) and len(set().union(*owns)) == 1:
        return next(iter(owns[0]))
    return None


# -- assignment ---------------------------------------------------------------------------
def _by_position(block: list[_Col], vp: str, items: list[str], marked: bool) -> list[tuple]:
    rows = []
    label = block[0].block
    for k, (c, iid) in enumerate(zip(block, items)):
        base = f"position {k + 1} of {len(items)} in question {label!r}"
        if c.best == iid and c.sim >= 0.6:
            conf, reason = 0.97, f"{base}; wording agrees ({c.sim:.2f})"
        elif c.number == iid:
            conf, reason = 0.95, f"{base}; sub-question code agrees"
        elif c.best is not None and c.best != iid and c.sim >= 0.8:
            conf, reason = 0.3, f"{base}, but the wording matches item {c.best} ({c.sim:.2f})"
        else:
            conf, reason = 0.85, base + ("" if c.best is None else f"; wording not conclusive ({c.sim:.2f})")
        if not marked:
            conf, reason = min(conf, 0.5), f"{reason}; no viewpoint marker, taken as {vp} by order (expectations first)"
        rows.append((c.h.column, vp, iid, conf, reason))
    return rows


def _one(c: _Col, vp: str | None, inst) -> tuple:
    col = c.h.column
    if c.code and c.code[1] in inst.item_ids:
        return col, c.code[0], c.code[1], 0.98, f"code {c.h.code or col!r}: {c.code[0]}, item {c.code[1]}"
    if c.number is not None and vp:
        return col, vp, c.number, 0.9, f"item number {c.number} in question {c.block!r}"
    if c.number is not None and c.number == c.h.code.strip():
        return col, vp, c.number, 0.9 if vp else 0.0, f"the item id {c.number!r}" + (
            "" if vp else "; no viewpoint marker")
    if c.best is not None and c.sim >= 0.6:
        near = c.second >= c.sim - 0.05
        conf = 0.5 if near else min(0.95, c.sim)
        reason = f"wording matches item {c.best} ({c.sim:.2f})" + (" but another item nearly as well" if near else "")
        if vp is None:
            return col, None, c.best, 0.0, reason + "; no viewpoint marker (期望/感知, expectation/perception …)"
        return col, vp, c.best, conf, reason
    return col, vp, None, 0.0, "no item number or wording that matches an item"


def assign(cols: list[_Col], inst) -> list[tuple]:
    items = inst.item_ids
    rows, anonymous = [], []
    for block in _blocks(cols):
        vp = _block_vp(block)
        if len(block) == len(items) and len(items) > 1 and vp and not any(c.code for c in block):
            rows += _by_position(block, vp, items, True)
        elif len(block) == len(items) and len(items) > 1 and vp is None and not any(c.code or c.own for c in block):
            anonymous.append(block)
        else:
            rows += [_one(c, _viewpoint(c, vp), inst) for c in block]
    marked = {r[1] for r in rows if r[1] and r[3] > 0}
    if not marked and not anonymous:
        return _single_viewpoint(rows)
    order = ["expected", "perceived"] if len(anonymous) == 2 and not marked & {"expected", "perceived"} else []
    for k, block in enumerate(anonymous):
        if order:
            rows += _by_position(block, order[k], items, False)
        else:
            rows += [(c.h.column, None, iid, 0.0, "a block of the instrument's size without a viewpoint marker")
                     for c, iid in zip(block, items)]
    return rows


def _single_viewpoint(rows: list[tuple]) -> list[tuple]:
    """No viewpoint marker anywhere: columns placed by item id or wording are one ``rating`` viewpoint
    (a staff survey on the construct instrument, a perceptions-only file)."""
    placed = [r[2] for r in rows if r[2] and r[1] is None]
    if len(placed) != len(set(placed)):           # E and P wording without markers: say so, do not pick one
        return [(col, vp, iid, 0.0, f"{reason}; several columns match this item and no viewpoint marker says which "
                 "is which" if iid and placed.count(iid) > 1 else reason) for col, vp, iid, conf, reason in rows]
    out = []
    for col, vp, iid, conf, reason in rows:
        if iid and vp is None and ("wording matches" in reason or "item id" in reason) and "nearly" not in reason:
            reason = reason.split("; no viewpoint")[0] + "; no viewpoint marker anywhere: read as one 'rating'"
            conf = _rating_confidence(reason)
            vp = "rating"
        out.append((col, vp, iid, conf, reason))
    return out


def _rating_confidence(reason: str) -> float:
    m = re.search(r"\(([\d.]+)\)", reason)
    return min(0.95, float(m.group(1))) if m else 0.9


def resolve(rows: list[tuple], inst) -> tuple[dict, list[tuple]]:
    """Keep the best column per (viewpoint, item); drop viewpoints with fewer than half the items."""
    best: dict = {}
    for r in rows:
        col, vp, iid, conf, _ = r
        if vp and iid and vp != "importance" and conf > 0 and (conf > best.get((vp, iid), (None, -1))[1]):
            best[(vp, iid)] = (col, conf)
    out_rows = []
    kept: dict = {}
    for vp in dict.fromkeys(k[0] for k in best):
        got = {iid: best[(vp, iid)][0] for iid in inst.item_ids if (vp, iid) in best}
        if len(got) * 2 >= len(inst.item_ids) or len(best) == len(got):
            kept[vp] = got
    for col, vp, iid, conf, reason in rows:
        if vp in kept and kept[vp].get(iid) == col:
            out_rows.append((col, vp, iid, conf, reason))
        elif vp in kept and iid in kept[vp]:
            out_rows.append((col, vp, iid, 0.0, f"{reason}; column {kept[vp][iid]!r} fits {vp} item {iid} better"))
        elif vp and iid and conf > 0 and vp not in kept:
            out_rows.append((col, vp, iid, 0.0, f"{reason}; only a few {vp} items found, so not used"))
        else:
            out_rows.append((col, vp, iid, conf if vp else 0.0, reason))
    for vp, got in kept.items():
        out_rows += [(None, vp, iid, 0.0, "no column found for this item") for iid in inst.item_ids if iid not in got]
    return {vp: {iid: got[iid] for iid in inst.item_ids if iid in got} for vp, got in kept.items()}, out_rows


def importance_columns(cols: list[_Col], inst) -> dict | None:
    """``{dimension: column}`` for columns marked 重要性/importance whose wording names a dimension."""
    dims = WordingMatcher({d.id: [d.id, *d.name.values()] for d in inst.dimensions})
    out = {}
    for c in cols:
        if "importance" not in (c.own | c.stem):
            continue
        text = norm(c.h.sub or c.h.text)
        for w in spec()["viewpoint_markers"]["importance"]:
            text = text.replace(norm(w), " ")
        scores = dims.scores(text)
        d, s = max(scores.items(), key=lambda kv: kv[1])
        if s >= 0.8:
            out.setdefault(d, c.h.column)
    return out if len(out) == len(inst.dimensions) else None


def _block_places(cols: list[str], headers: list[Header], inst) -> dict[str, tuple[str, float]]:
    """Column -> (item, how clearly): 1 for a code or item number; for a wording match (sim ≥ 0.6),
    its margin over the next item when the match is strong (sim ≥ 0.8), else 0."""
    texts = item_texts(inst)
    matcher = WordingMatcher(texts)
    by_col = {h.column: h for h in headers}
    out = {}
    for col in cols:
        c = features(by_col.get(col) or Header(col, col, col), inst, matcher, texts)
        if c.code and c.code[1] or c.number:
            out[col] = (c.code[1] if c.code else None) or c.number, 1.0
        elif c.best and c.sim >= 0.6:
            out[col] = c.best, (c.sim - c.second) if c.sim >= 0.8 else 0.0
    return out


def block_mapping(cols: list[str], headers: list[Header], inst, vp: str, fname: str) -> dict[str, str]:
    """Items of a block of columns matched by a pattern without an ``{item}`` group.

    Each column is placed by its code, item number or wording (each item once). A block of exactly
    as many columns as items is taken by position unless the placement names every item once and
    differs (a matrix whose rows were reordered: placed by wording, with a warning); a column whose
    code or wording clearly names another item than its position (margin ≥ 0.2 over the next item)
    is refused.
    """
    places = _block_places(cols, headers, inst)
    found: dict = {}
    for col in cols:
        if col in places and places[col][0] not in found:
            found[places[col][0]] = col
    full = len(found) == len(inst.item_ids)
    if len(cols) == len(inst.item_ids):
        by_position = dict(zip(inst.item_ids, cols))
        if full and found != by_position:
            moved = [i for i in inst.item_ids if found[i] != by_position[i]]
            warnings.warn(f"file {fname!r}: the {vp!r} columns are not in the instrument's item order; they were "
                          f"placed by their codes or wording ({len(moved)} items moved, e.g. item {moved[0]} is "
                          f"{found[moved[0]]!r}). Check Survey.metadata['columns'].", DataQualityWarning, stacklevel=6)
            return {iid: found[iid] for iid in inst.item_ids}
        clash = [(i, c) for i, c in by_position.items() if c in places and places[c][0] != i and places[c][1] >= 0.2]
        if not full and clash:
            i, c = clash[0]
            raise ColumnError(f"file {fname!r}: the {vp!r} pattern takes its {len(cols)} columns by position, but "
                              f"column {c!r} (position of item {i}) reads as item {places[c][0]}; give a mapping "
                              "{item: column} or a pattern with an item group, e.g. r\"(?P<item>\\d+)、.*—期望\".")
        return by_position
    if not full:
        raise ColumnError(f"file {fname!r}: the {vp!r} pattern matches {len(cols)} columns, not the instrument's "
                          f"{len(inst.item_ids)} items, and their codes or wording place only {len(found)}; add an "
                          "item group, e.g. r\"(?P<item>\\d+)、.*—期望\", or give a mapping {item: column}.")
    return {iid: found[iid] for iid in inst.item_ids}


__all__ = ["features", "assign", "resolve", "importance_columns", "block_mapping", "item_texts"]
