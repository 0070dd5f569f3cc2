"""Result tables as people read them: human headers and values, in English or Chinese.

A `Column` says which table column(s) a report column shows and how (`KINDS`); a
`view` turns the rows of a result table into header and cell texts, each row carrying
its position in the source table, so the HTML can mark every cell with where it came
from (``data-table``, ``data-row``, ``data-col``) and a test can check each one
against the table. The HTML report and the Chinese Excel workbook share these specs.

Value kinds: ``text`` (as is), ``label`` (a dimension, item or construct name, a zone,
quadrant, basis ...), ``int`` (thousands separators), ``num`` (2 decimals), ``signed``
(2 decimals with a sign), ``p`` (`servgap.display.pvalue`), ``ci`` (two columns,
``low … high``), ``bool`` (yes / no, 是 / 否), ``gapno`` (a gap number as its name).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..display import MISSING, SMALL_SAMPLE, num, pvalue, significant, stars
from ..model.gaps import gap as gap_def
from ..model.gaps import viewpoint_label
from ..model.instruments import GAP_CONSTRUCTS
from ..model.ipa import QUADRANT_LABELS, quadrant_label
from .strings import STRINGS

#: After a respondent count below `SMALL_SAMPLE` (explained under the table).
SMALL_MARK = "\u2020"
KINDS = ("text", "label", "int", "num", "signed", "p", "ci", "bool", "gapno")
#: Columns holding p-values (and only those are shown with `pvalue`).
P_COLUMNS = frozenset({"p", "p_adj", "msa_p_adj", "mss_p_adj"})


@dataclass(frozen=True)
class Column:
    """One report column: the source column(s), how to show them, the header key."""

    cols: tuple
    kind: str = "text"
    header: str | None = None        # key of STRINGS[lang]["columns"]; default: the first column
    stars_from: str | None = None    # append the significance stars of this p column

    @property
    def key(self) -> str:
        return self.header or self.cols[0]


def col(name, kind="text", header=None, stars_from=None) -> Column:
    return Column(tuple(name.split()), kind, header, stars_from)


class Labels:
    """Display names in one language: dimensions, items, constructs, gaps and the value vocabularies."""

    def __init__(self, inst, lang: str):
        self.lang, self.t = lang, STRINGS[lang]
        self.names = {**GAP_CONSTRUCTS.labels(lang), **inst.labels(lang)}

    def header(self, c: Column, conf: float, by=(), headers=None) -> str:
        if headers and c.key in headers:
            return headers[c.key]
        if c.key in by:
            return str(c.key)
        return self.t["columns"].get(c.key, c.key).format(conf=conf)

    def value(self, name: str, v) -> str:
        """A categorical value as a label (dimension, item, zone, quadrant, basis ...)."""
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return MISSING
        v = str(v)
        if name == "item":
            text = self.names.get(v, v)
            return f"{v} · {text}" if text != v else v
        if name == "quadrant" and v in QUADRANT_LABELS:
            return quadrant_label(v, self.lang)
        if name in ("benchmark", "later"):
            return viewpoint_label(v, self.lang)
        if name == "test":
            return self.t["tests"].get(v, v)
        if name == "measure":
            return self.t.get(v, v)
        vocab = self.t["values"].get(name)
        if vocab is not None:
            return vocab.get(v, v)
        return self.names.get(v, v)

    def gap_name(self, g) -> str:
        try:
            return gap_def(int(g)).label(self.lang)
        except (TypeError, ValueError):
            return str(g)


def show(c: Column, rec: dict, labels: Labels) -> str:
    """The text of one cell of column ``c`` for the row ``rec`` (a dict of the table's columns)."""
    v = rec.get(c.cols[0])
    k = c.kind
    if k == "ci":
        return f"{num(rec.get(c.cols[0]))} … {num(rec.get(c.cols[1]))}"
    if k == "p":
        return pvalue(v)
    if k == "bool":
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return MISSING
        return labels.t["yes"] if bool(v) else labels.t["no"]
    if k == "int":
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return MISSING
        return f"{int(v):,}" + (SMALL_MARK if _small(c, v) else "")
    if k in ("num", "signed"):
        text = num(v, signed=k == "signed")
        return text + (stars(rec.get(c.stars_from)) if c.stars_from else "")
    if k == "gapno":
        return labels.gap_name(v)
    if k == "label":
        return labels.value(c.cols[0], v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(labels.value(c.cols[0], x) if c.kind == "label" else str(x) for x in v)
    return MISSING if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _small(c: Column, v) -> bool:
    """A respondent count (column ``n``) below `servgap.display.SMALL_SAMPLE`."""
    return c.cols[0] == "n" and c.kind == "int" and v is not None and np.isfinite(v) and v < SMALL_SAMPLE


def _cls(c: Column, rec: dict, alpha: float) -> str:
    """CSS class of a cell: ``num`` (right-aligned) or ``txt``; ``neg`` marks a significant shortfall."""
    if c.kind in ("text", "label"):
        return "txt"
    if c.kind in ("gapno", "bool"):
        return ""
    if c.stars_from:
        v, p = rec.get(c.cols[0]), rec.get(c.stars_from)
        if isinstance(v, (int, float)) and v < 0 and significant(p, alpha):
            return "num neg"
    return "num"


def view(df: pd.DataFrame, columns: list[Column], labels: Labels, conf: float, by=(), limit: int | None = None,
         positions=None, headers: dict | None = None, alpha: float = 0.05) -> dict:
    """Header and cell texts of ``df`` shown as ``columns``.

    Returns ``{"columns": [{"text", "cols", "cls"}], "rows": [{"pos", "cells": [(text, cls)]}],
    "total"}``; ``pos`` is each row's position in the source table (``positions``,
    default ``0..len(df)-1``), ``cls`` the cell's CSS class (see `_cls`).
    """
    columns = [c for c in columns if all(x in df.columns for x in c.cols)]
    pos = np.arange(len(df)) if positions is None else np.asarray(positions)
    shown = df if limit is None else df.iloc[:limit]
    names = list(df.columns)
    rows = []
    unique = bool(names) and shown.columns.is_unique        # column lists: half the cost of itertuples
    tuples = zip(*(shown[c].tolist() for c in names)) if unique else shown.itertuples(index=False, name=None)
    for p, tup in zip(pos, tuples):
        rec = dict(zip(names, tup))
        rows.append({"pos": int(p), "cells": [(show(c, rec, labels), _cls(c, rec, alpha)) for c in columns]})
    head = [{"text": labels.header(c, conf, by, headers), "cols": " ".join(c.cols),
             "cls": "num" if c.kind not in ("text", "label", "gapno", "bool") else ""} for c in columns]
    small = any(c.cols[0] == "n" and c.kind == "int" for c in columns) and bool(
        (pd.to_numeric(shown["n"], errors="coerce") < SMALL_SAMPLE).any())
    return {"columns": head, "rows": rows, "total": len(df), "small": small}


def by_columns(by) -> list[Column]:
    return [col(str(b)) for b in by]


def spec(name: str, by=()) -> list[Column]:
    """The report columns of result table ``name`` (segment columns after the first key)."""
    seg = by_columns(by)
    specs = {
        "gaps": [col("dimension", "label"), *seg, col("n", "int"), col("mean_benchmark", "num", "benchmark_mean"),
                 col("mean_later", "num", "later_mean"), col("mean_gap", "signed", stars_from="p_adj"),
                 col("ci_low ci_high", "ci", "ci"), col("p_adj", "p"), col("effect", "signed", "effect")],
        "items": [col("item", "label"), col("dimension", "label"), *seg, col("n", "int"),
                  col("mean_benchmark", "num", "benchmark_mean"), col("mean_later", "num", "later_mean"),
                  col("mean_gap", "signed", stars_from="p_adj"), col("ci_low ci_high", "ci", "ci"),
                  col("p_adj", "p")],
        "overall": [col("gap", "gapno"), col("measure", "label", "measure"), *seg, col("n", "int"),
                    col("mean_gap", "signed", stars_from="p_adj"), col("ci_low ci_high", "ci", "ci"),
                    col("p_adj", "p")],
        "tolerance": [col("dimension", "label"), col("item", "label"), *seg, col("n", "int"),
                      col("mean_adequate", "num"), col("mean_perceived", "num"), col("mean_desired", "num"),
                      col("msa", "signed", stars_from="msa_p_adj"), col("msa_p_adj", "p"),
                      col("mss", "signed", stars_from="mss_p_adj"), col("mss_p_adj", "p"), col("zone", "label")],
        "constructs": [col("construct", "label"), col("gap", "gapno"), *seg, col("n", "int"), col("mean", "num"),
                       col("ci_low ci_high", "ci", "ci"), col("midpoint", "num"), col("unfavourable", "bool"),
                       col("p", "p")],
        "ipa": [col("dimension", "label"), col("importance", "num"), col("importance_basis", "label"),
                col("performance", "num"), col("gap", "signed", "mean_gap"), col("quadrant", "label")],
        "actions": [col("priority", "int", "priority"), col("remedy", header="action"),
                    col("cause_names", header="for_causes"), col("owner", header="owner"),
                    col("indicator", header="indicator"), col("target", header="target"),
                    col("horizon", "label", "horizon")],
    }
    return specs[name]


def settings_in_words(res, lang: str) -> list[tuple[str, str]]:
    """The analysis settings as (name, value) in words, e.g. ("Correction for multiple testing", "Holm")."""
    s, t = res.settings, STRINGS[lang]
    v = t["setting_values"]
    shares = {sv.min_items for sv in getattr(res, "surveys", ())}
    words = {"by": ", ".join(s.by) or v["none"], "test": t["tests"].get(s.test, s.test),
             "correction": t["corrections"].get(s.correction, s.correction), "alpha": f"{s.alpha:g}",
             "confidence": f"{s.confidence:.0%}", "weighted": t["yes"] if s.weighted else t["no"],
             "min_items": (v["min_items"].format(share=s.min_items) if s.min_items is not None else
                           v["min_items_default"].format(share=min(shares) if shares else 0.5)),
             "gaps": ", ".join(map(str, s.gaps)) if s.gaps else v["all_gaps"], "wave": s.wave or v["none"]}
    variance = getattr(s, "variance", "kish")
    words["variance"] = v.get(variance, variance)
    words["lonely_psu"] = v.get(getattr(s, "lonely_psu", ""), getattr(s, "lonely_psu", ""))
    names = [k for k in t["setting_names"] if k != "lonely_psu" or variance == "design"]
    return [(t["setting_names"][k], words[k]) for k in names]
