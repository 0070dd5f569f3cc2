"""The result schema and its assembly: the columns of every gap table, the cells' columns
joined into tables, and the correction families (gap × segment) of the adjusted p-values.

`finish_cell` turns the merged statistics of one comparison at one level into columns
(moments, tests, means); `finish_table` joins the cells of one level into a table and
adjusts p within each family; `assemble` builds the tables a `servgap.GapAnalysis` holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import stats as st
from ..stats import adjust
from .design import design_columns
from .kernel import Cell
from .segments import Segmentation

CORE_COLUMNS = ["n", "mean_gap", "sd_gap", "se", "ci_low", "ci_high", "statistic", "df", "p", "p_adj",
                "effect", "effect_ci_low", "effect_ci_high", "test", "paired", "mean_expected", "mean_perceived",
                "benchmark", "later", "mean_benchmark", "mean_later", "n_eff"]
MISSING_GAP_COLUMNS = ["gap", "name", "benchmark", "later", "reason"]
#: Version of the saved result structure (``to_json``); a new major version breaks readers.
SCHEMA_VERSION = "1.2"
#: Unit columns of each level's table.
LEVEL_KEYS = {"item": ["dimension", "item"], "dimension": ["dimension"], "overall": ["measure"]}


@dataclass(frozen=True)
class Labels:
    """A column of a few distinct values held as ``values[pos]`` (labels repeat over many rows).

    `take` infers the pandas dtype from ``values``, as pandas would from the full column
    (the rows use every value, or none: then from no value), and copies the rows out.
    """

    values: np.ndarray
    pos: np.ndarray

    @classmethod
    def concat(cls, pieces: list) -> Labels:
        """One column from the pieces of several cells, one after the other."""
        offset = np.cumsum([0] + [p.values.size for p in pieces[:-1]])
        return cls(np.concatenate([p.values for p in pieces]),
                   np.concatenate([p.pos + o for p, o in zip(pieces, offset)]))

    def take(self):
        column = pd.Series(self.values if self.pos.size else self.values[:0]).array
        if isinstance(column, pd.arrays.ArrowStringArray):     # strings (pyarrow present): one pyarrow take
            import pyarrow as pa

            return type(column)(pa.array(column).take(pa.array(self.pos)), dtype=column.dtype)
        return column.take(self.pos)


def families(cols: dict, by: list[str]) -> np.ndarray:
    """Correction family of every row: its (gap, segment) as ``gap position × S + segment position``.

    Gaps and segments are distinct labels, so their positions partition the rows as the
    values do.
    """
    gap = cols["gap"]
    if not by:
        return gap.pos
    seg = cols[by[0]]
    return gap.pos * seg.values.size + seg.pos


def finish_table(parts: list[dict], keys: list[str], by: list[str], correction: str, family: bool):
    """One table from the columns of its cells: adjust p within (gap, segment) families, order the columns."""
    names = ["gap", *keys, *by, *CORE_COLUMNS]
    if not parts:
        return pd.DataFrame(columns=names)
    if len(parts) == 1:                  # one cell: its columns as they are (the DataFrame copies them)
        cols = {c: parts[0][c] for c in names if c != "p_adj"}
    else:
        cols = {c: Labels.concat([p[c] for p in parts]) if isinstance(parts[0][c], Labels)
                else np.concatenate([p[c] for p in parts]) for c in names if c != "p_adj"}
    p = cols["p"]
    cols["p_adj"] = adjust(p, families(cols, by), correction) if family else p
    cols["n"] = cols["n"].astype(np.int64, copy=False)
    return pd.DataFrame({c: cols[c].take() if isinstance(cols[c], Labels) else cols[c] for c in names})


def assemble(tables: dict, by: list[str], correction: str) -> tuple[dict, dict]:
    """The gap tables per level (``"item"``, ``"dimension"``, ``"overall"``) and the zone-of-tolerance
    tests per level from the cells' columns (``tables[(table, level)]``)."""
    split, tol = {}, {}
    for level, keys in LEVEL_KEYS.items():
        split[level] = finish_table(tables.get(("gaps", level), []), keys, by, correction, level != "overall")
        if len(split[level]) and split[level]["gap"].dtype != np.int64:
            split[level]["gap"] = split[level]["gap"].astype("int64")
        if ("tolerance", level) in tables:
            t = finish_table(tables[("tolerance", level)], keys, by, correction, level != "overall")
            tol[level] = t.rename(columns={"gap": "measure_key"})
    return split, tol


def unit_index(inst, level: str, measures: int) -> dict:
    """The unit columns of a level: ``{name: object array with one value per unit}``."""
    if level == "item":
        cols = {"dimension": [inst.dimensions[k].id for k in inst.item_dimension], "item": inst.item_ids}
    elif level == "dimension":
        cols = {"dimension": inst.dimension_ids}
    else:
        cols = {"measure": ["unweighted", "importance_weighted"][:measures]}
    return {c: np.array(list(v), dtype=object) for c, v in cols.items()}


def cell_columns(comp, level, inst, seg: Segmentation, U, res, extra) -> dict:
    """The columns of one comparison at one level, unit-major (row ``u × G + segment``).

    Labels (gap, units, segments, text settings) stay `Labels` over their few values;
    `finish_table` turns the columns of all cells into one table.
    """
    G = seg.G
    rows = np.repeat(np.arange(U), G)
    segs = np.tile(np.arange(G), U)
    one = np.zeros(U * G, np.intp)
    gap = np.array([comp.gap], np.int64) if comp.gap is not None else np.array([comp.key], dtype=object)
    cols = {"gap": Labels(gap, one)}
    cols.update({c: Labels(v, rows) for c, v in unit_index(inst, level, U).items()})
    cols.update({c: Labels(v, segs) for c, v in seg.values.items()})
    for k, v in {**res, **extra}.items():
        cols[k] = Labels(np.array([v]), one) if isinstance(v, str) else np.broadcast_to(v, U * G)
    return cols


def finish_cell(comp, level, inst, seg, later: Cell, bench: Cell | None, test, confidence, warn_rank):
    """Moments, tests and the columns of one comparison at one level from merged statistics."""
    paired = bench is None
    later, bench = later.finishing(), None if paired else bench.finishing()
    if paired:
        m = st.moments(later.hist)
        r = st.t_test(m, confidence, effect_ci=test != "wilcoxon", p_value=test != "wilcoxon")
        out = dict(n=m.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], n_eff=m.n_eff, **_test_columns(r))
        if test == "wilcoxon":
            if later.hist_u is not None:
                warn_rank()
            rk = st.wilcoxon(later.hist if later.hist_u is None else later.hist_u, confidence)
            out.update(df=np.full(len(m.n), np.nan), **_test_columns(rk))
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = later.sums[0] / later.sums[1]
        ml = mb + m.mean                 # the later viewpoint over the same pairs and weights
    else:
        ml_, mb_ = st.moments(later.hist), st.moments(bench.hist)
        r = st.welch_t(ml_, mb_, confidence)
        out = dict(n=ml_.n + mb_.n, mean_gap=r["estimate"], sd_gap=r["sd"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], n_eff=ml_.n_eff + mb_.n_eff, **_test_columns(r))
        if test == "wilcoxon":
            if later.hist_u is not None or bench.hist_u is not None:
                warn_rank()
            rk = st.mann_whitney(later.hist if later.hist_u is None else later.hist_u,
                                 bench.hist if bench.hist_u is None else bench.hist_u, confidence)
            out.update(df=np.full(len(out["n"]), np.nan), **_test_columns(rk))
        mb, ml = mb_.mean, ml_.mean
    out["mean_gap"] = np.where(out["n"] > 0, out["mean_gap"], np.nan)
    if later.design is not None:         # variance="design": se, CI (and the t test) from the sampling design
        out.update(design_columns(later.design, None if paired else bench.design, out["mean_gap"], confidence,
                                  ("se", "ci_low", "ci_high") if test == "wilcoxon" else None))
        if r["constant"].any():          # no variation: the design-based t is undefined as well
            for k in ("ci_low", "ci_high") + (() if test == "wilcoxon" else ("statistic", "p")):
                out[k] = np.where(r["constant"], np.nan, out[k])
    test_name = {("t", True): "t", ("t", False): "welch_t", ("wilcoxon", True): "wilcoxon",
                 ("wilcoxon", False): "mann_whitney"}[(test, paired)]
    extra = dict(test=test_name, paired=paired,
                 mean_expected=mb if comp.benchmark == "expected" else (ml if comp.later == "expected" else np.nan),
                 mean_perceived=ml if comp.later == "perceived" else np.nan,
                 benchmark=comp.benchmark, later=comp.later, mean_benchmark=mb, mean_later=ml)
    cols = cell_columns(comp, level, inst, seg, later.units, out, extra)
    cols[CONSTANT] = r["constant"]
    return cols


#: Key of the cell columns flagging t tests on constant differences (warned about, not a table column).
CONSTANT = "_constant"


def _test_columns(r: dict) -> dict:
    """The test's columns of a cell: statistic, df (t tests), p, effect and its interval."""
    keys = ("statistic", "df", "p", "effect", "effect_ci_low", "effect_ci_high")
    return {k: r[k] for k in keys if k in r}


def constant_cells(cols: dict, level: str, by: list) -> list[str]:
    """Names (``gap 5 dimension responsiveness, branch A``) of the rows whose t test met constant differences."""
    flag = np.asarray(cols[CONSTANT])
    if not flag.any():
        return []
    rows = np.flatnonzero(flag)
    unit = {"item": "item", "dimension": "dimension", "overall": "measure"}[level]
    take = lambda c: np.asarray(cols[c].take()) if isinstance(cols[c], Labels) else np.asarray(cols[c])  # noqa: E731
    gap, units = take("gap")[rows], take(unit)[rows]
    segs = [take(b)[rows] for b in by]
    names = []
    for k in range(rows.size):
        g = gap[k]
        head = f"gap {g}" if not isinstance(g, str) else str(g)
        where = ", ".join(f"{b} {s[k]}" for b, s in zip(by, segs)) or "all respondents"
        names.append(f"{head} {level} {units[k]} ({where})")
    return names


