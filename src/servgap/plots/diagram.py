"""The five-gap model diagram (Parasuraman, Zeithaml & Berry 1985, fig. 2) with measured values.

The boxes and arrows follow the classic figure: the customer side (word of mouth,
personal needs and past experience shape the expected service; the perceived service
comes from the service delivery) above a dashed line, the provider side (management
perceptions → service-quality specifications → service delivery, and external
communications) below it. Each of the five gaps is a coloured connector with a badge and
a card giving the measured mean gap, its confidence interval and adjusted significance,
or "not measured".
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path

from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..model.gaps import viewpoint_label
from ..display import BLUE, BLUE_PALE, GREY, RED, RED_PALE, gap_colour, num, stars
from .common import (
    GREY_DARK,
    INK,
    by_of,
    dim_labels,
    instrument_of,
    n_segments,
    new_axes,
    plot_function,
    segment_name,
    select_segment,
    settings_of,
    tr,
)

CX, W, H = 58.0, 31.0, 8.0                      # centre column, box width and height
Y = {"expected": 75.0, "perceived": 59.0, "delivered": 39.0, "specification": 23.0, "management": 7.0}
COMMS = (103.0, 39.0, 27.0)                     # communications box: x, y, width
DIVIDER = 50.0
FLOW = "#78909c"
CUST_FILL, CUST_EDGE = "#e8f0f7", "#5b7fa3"
PROV_FILL, PROV_EDGE = "#f5f0e6", "#9a8464"


@dataclass
class GapValue:
    """What the diagram shows for one gap."""

    value: float = np.nan
    low: float = np.nan
    high: float = np.nan
    p: float = np.nan
    note: str = ""
    measured: bool = False
    bench_mean: float = np.nan
    later_mean: float = np.nan


def _source_table(res, dimension):
    """Rows to read: ``res.overall`` (unweighted) or ``res.dimensions`` of one dimension."""
    if isinstance(res, pd.DataFrame):
        t = res
        if "measure" in t.columns:
            t = t[t["measure"] == "unweighted"]
    else:
        t = res.dimensions if dimension is not None else res.overall
        if "measure" in t.columns:
            t = t[t["measure"] == "unweighted"]
    if dimension is not None:
        if "dimension" not in t.columns:
            raise ConfigError(f"dimension={dimension!r} needs a table with a 'dimension' column (res.dimensions).")
        t = t[t["dimension"].astype(str) == str(dimension)]
        if t.empty:
            known = sorted(set(map(str, (res if isinstance(res, pd.DataFrame) else res.dimensions)["dimension"])))
            raise ConfigError(f"dimension {dimension!r} is not in the results; known: {', '.join(known)}.")
    return t


def model_values(res, dimension=None, segment=None, lang: str = "en") -> dict[int, GapValue]:
    """Measured value per gap: mean gap, CI, adjusted p (or a segment summary), or not measured.

    With ``dimension=None`` the value is the overall (unweighted) gap, the mean of the
    respondents' dimension gaps (``res.overall``); otherwise that dimension's row of
    ``res.dimensions``. Several segments without ``segment=`` give the n-weighted mean
    and the range over segments.
    """
    t = _source_table(res, dimension)
    by = by_of(res, t)
    t = select_segment(t, by, segment)
    alpha = settings_of(res).alpha
    out = {}
    for g in range(1, 6):
        rows = t[t["gap"] == g]
        if rows.empty:
            out[g] = GapValue()
            continue
        if "dimension" in rows.columns and dimension is None and rows["dimension"].nunique() > 1:
            keys = [*by] if by else None
            rows = (rows.groupby(keys, sort=False).agg(mean_gap=("mean_gap", "mean"), n=("n", "min")).reset_index()
                    if keys else pd.DataFrame({"mean_gap": [rows["mean_gap"].mean()], "n": [rows["n"].min()]}))
        v = rows["mean_gap"].astype(float).to_numpy()
        gv = GapValue(measured=True)
        for col, attr in (("mean_benchmark", "bench_mean"), ("mean_later", "later_mean")):
            if col in rows.columns:
                x = rows[col].astype(float).to_numpy()
                w = rows["n"].astype(float).to_numpy()
                ok = np.isfinite(x)
                setattr(gv, attr, float(np.average(x[ok], weights=w[ok])) if ok.any() and w[ok].sum() > 0 else np.nan)
        if len(rows) == 1:
            r = rows.iloc[0]
            gv.value = float(r["mean_gap"])
            gv.low, gv.high = float(r.get("ci_low", np.nan)), float(r.get("ci_high", np.nan))
            gv.p = float(r.get("p_adj", r.get("p", np.nan)))
        else:
            w = rows["n"].astype(float).to_numpy()
            ok = np.isfinite(v) & (w > 0)
            gv.value = float(np.average(v[ok], weights=w[ok])) if ok.any() else np.nan
            p = rows["p_adj"].astype(float).to_numpy() if "p_adj" in rows.columns else np.full(len(rows), np.nan)
            sig = int(np.sum(p < alpha))
            gv.p = 0.0 if sig == len(rows) else np.nan
            gv.note = tr(lang, "segments_range", k=len(rows), lo=num(np.nanmin(v), signed=True), hi=num(np.nanmax(v), signed=True),
                         s=f"{sig}/{len(rows)}")
        out[g] = gv
    return out


def _box(ax, x, y, w, h, text, fill, edge, mean=np.nan, lang="en", small=False):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=1.6",
                                fc=fill, ec=edge, lw=1.3, zorder=3))
    wrap = (24 if not small else 16) if lang == "en" else (12 if not small else 7)
    label = "\n".join(textwrap.wrap(text, wrap, break_long_words=lang != "en"))
    dy = 1.1 if np.isfinite(mean) else 0
    ax.text(x, y + dy, label, ha="center", va="center", fontsize=8.5 if small else 10, color=INK,
            fontweight="normal" if small else "bold", zorder=4, linespacing=1.1)
    if np.isfinite(mean):
        ax.text(x, y - h / 2 + 1.2, f"{'mean' if lang == 'en' else '均值'} {mean:.2f}", ha="center", va="bottom",
                fontsize=7.5, color=GREY_DARK, zorder=4)


def _arrow(ax, path, colour=FLOW, lw=1.4, style="-|>", ls="-", z=2, gid=None):
    ax.add_patch(FancyArrowPatch(path=Path(path), arrowstyle=style, mutation_scale=13, color=colour, lw=lw,
                                 linestyle=ls, zorder=z, gid=gid, shrinkA=0, shrinkB=0))


def _gap_style(gv: GapValue, alpha: float):
    if not gv.measured:
        return GREY, "--"
    return gap_colour(gv.value, gv.p, alpha), "-"


def _card(ax, g, gv, xy, ha, lang, conf, wrap, edge):
    """Badge number + card text for gap ``g``; the text is the gap label and its measured value."""
    name = gap_def(g).label(lang)
    head = "\n".join(textwrap.wrap(name, wrap, break_long_words=lang != "en"))
    if not gv.measured:
        body = tr(lang, "not_measured")
    elif gv.note:
        body = f"{num(gv.value, signed=True)}\n{gv.note}"
    else:
        ci = f"[{num(gv.low, signed=True)}, {num(gv.high, signed=True)}]" if np.isfinite(gv.low) else ""
        body = f"{num(gv.value, signed=True)}  {stars(gv.p)}".rstrip() + (f"\n{conf} CI {ci}" if ci else "")
        if np.isfinite(gv.p):
            body += f"   p = {gv.p:.3f}" if gv.p >= 0.001 else "   p < 0.001"
    colour = INK if gv.measured else GREY_DARK
    ax.annotate(f"{head}\n{body}", xy=xy, ha=ha, va="center", ma="left", fontsize=8.6, color=colour, zorder=6,
                linespacing=1.3, gid=f"gap{g}",
                bbox={"boxstyle": "round,pad=0.5", "fc": "white", "ec": edge, "lw": 1.1, "alpha": 0.97})


def _badge(ax, g, xy, colour, measured):
    ax.add_patch(Circle(xy, 2.1, fc=colour if measured else "white", ec=colour if measured else GREY,
                        lw=1.6, zorder=7, ls="-" if measured else "--"))
    light = colour in (RED_PALE, BLUE_PALE, GREY) or not measured
    ax.text(*xy, str(g), ha="center", va="center", fontsize=10, fontweight="bold", zorder=8,
            color=INK if light else "white")


@plot_function
def model(res, ax=None, lang: str = "en", *, dimension: str | None = None, segment=None, instrument=None):
    """The five-gap model diagram, each gap annotated with its measured value.

    Draws the service-quality model of Parasuraman, Zeithaml & Berry (1985): expected and
    perceived service on the customer side; management perceptions of expectations,
    service-quality specifications, service delivery and external communications on the
    provider side. Each gap connector is coloured by sign and significance (red =
    significant shortfall, pale red = not significant, blue = surplus, grey dashed = not
    measured) and annotated with the mean gap, its CI and adjusted p. With
    ``dimension=None`` the value is the overall gap (mean of the dimension gaps,
    ``res.overall``); ``dimension="reliability"`` shows one dimension. Gaps the data
    cannot measure (``res.missing_gaps``, e.g. customer-only data: gaps 1-4) read
    "not measured".

    Parameters
    ----------
    res : GapAnalysis or pandas.DataFrame
        The result, or ``res.overall`` / ``res.dimensions``.
    dimension : str, optional
        A dimension id.
    segment : optional
        One segment; default: all segments summarised (n-weighted mean and range).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(list(sg.load_example()))
    >>> ax = res.plot.model(lang="zh")
    >>> ax.figure.savefig(os.path.join(tempfile.mkdtemp(), "five_gaps.png"), dpi=100)
    >>> [t.get_text().splitlines()[0] for t in ax.texts if t.get_gid() == "gap5"]
    ['差距5：感知服务质量差距']
    """
    vals = model_values(res, dimension, segment, lang)
    st = settings_of(res)
    alpha, conf = st.alpha, f"{st.confidence:.0%}"
    ax = new_axes(ax, (12.5, 10.6))
    _background(ax, lang)
    _stages(ax, vals, lang)
    _gaps(ax, vals, lang, alpha, conf)
    _frame(ax, res, vals, lang, dimension, segment, instrument, alpha, conf)
    return ax


def _background(ax, lang: str) -> None:
    """The canvas: customer side above the dashed line, service provider below."""
    ax.set_xlim(0, 120)
    ax.set_ylim(-9, 104)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(Rectangle((0, DIVIDER), 120, 50, fc="#f7fafc", ec="none", zorder=0))
    ax.add_patch(Rectangle((0, -3), 120, DIVIDER + 3, fc="#fcfaf6", ec="none", zorder=0))
    ax.plot([0, 120], [DIVIDER, DIVIDER], ls=(0, (6, 4)), color="#90a4ae", lw=1.2, zorder=1)
    for label, y, colour in ((tr(lang, "customer"), (DIVIDER + 96) / 2, CUST_EDGE),
                             (tr(lang, "provider"), (DIVIDER - 3) / 2, PROV_EDGE)):
        vertical = lang == "zh"       # CJK reads top-down, one character per line
        ax.text(3.2, y, "\n".join(label) if vertical else label, fontsize=10.5, fontweight="bold", color=colour,
                rotation=0 if vertical else 90, ha="center", va="center", alpha=0.85, linespacing=1.35)


def _stages(ax, vals, lang: str) -> None:
    """The boxes of the model (with each viewpoint's mean rating) and the flows that are not gaps."""
    # -- customer side -----------------------------------------------------------------
    for k, key in enumerate(("wom", "needs", "past")):
        x = CX + (k - 1) * 24
        _box(ax, x, 92, 19, 7, tr(lang, key).replace("\n", " "), "white", "#b0bec5", lang=lang, small=True)
        _arrow(ax, [(x, 88.5), (CX + (k - 1) * 8, Y["expected"] + H / 2)])
    mean_of = _viewpoint_means(vals)
    for vp in ("expected", "perceived"):
        _box(ax, CX, Y[vp], W, H, viewpoint_label(vp, lang), CUST_FILL, CUST_EDGE, mean_of.get(vp, np.nan), lang)
    # -- provider side -----------------------------------------------------------------
    for vp in ("delivered", "specification", "management"):
        _box(ax, CX, Y[vp], W, H, viewpoint_label(vp, lang), PROV_FILL, PROV_EDGE, mean_of.get(vp, np.nan), lang)
    cx4, cy4, w4 = COMMS
    _box(ax, cx4, cy4, w4, H, viewpoint_label("communicated", lang), PROV_FILL, PROV_EDGE,
         mean_of.get("communicated", np.nan), lang)
    # flows that are not gaps: delivery -> perceived, communications -> expected
    _arrow(ax, [(CX, Y["delivered"] + H / 2), (CX, Y["perceived"] - H / 2)])
    _arrow(ax, [(cx4, cy4 + H / 2), (cx4, Y["expected"]), (CX + W / 2, Y["expected"])])


def _gaps(ax, vals, lang: str, alpha: float, conf: str) -> None:
    """The five gap connectors: coloured by sign and significance, with a numbered badge and a value card."""
    cx4, cy4, w4 = COMMS
    # -- the five gaps -----------------------------------------------------------------
    top, bottom = lambda vp: Y[vp] + H / 2, lambda vp: Y[vp] - H / 2
    x1 = 13.0
    paths = {
        5: [(CX, bottom("expected")), (CX, top("perceived"))],
        3: [(CX, top("specification")), (CX, bottom("delivered"))],
        2: [(CX, top("management")), (CX, bottom("specification"))],
        4: [(CX + W / 2, Y["delivered"]), (cx4 - w4 / 2, cy4)],
        1: [(CX - W / 2, Y["expected"]), (x1, Y["expected"]), (x1, Y["management"]), (CX - W / 2, Y["management"])],
    }
    styles = {5: "<|-|>", 3: "-|>", 2: "-|>", 4: "<|-|>", 1: "<|-|>"}
    badge_at = {5: (CX, (bottom("expected") + top("perceived")) / 2),
                3: (CX, (top("specification") + bottom("delivered")) / 2),
                2: (CX, (top("management") + bottom("specification")) / 2),
                4: ((CX + W / 2 + cx4 - w4 / 2) / 2, cy4), 1: (x1, (Y["expected"] + Y["management"]) / 2)}
    cards = {5: ((CX - 4.0, badge_at[5][1]), "right", 36), 3: ((CX + 4.0, badge_at[3][1]), "left", 36),
             2: ((CX + 4.0, badge_at[2][1]), "left", 36), 4: ((cx4, cy4 - H / 2 - 6.0), "center", 34),
             1: ((x1 + 3.5, 28.0), "left", 18)}
    for g, path in paths.items():
        gv = vals[g]
        colour, ls = _gap_style(gv, alpha)
        _arrow(ax, path, colour=colour, lw=2.8 if gv.measured else 1.6, style=styles[g], ls=ls, z=5,
               gid=f"gap{g}_arrow")
        _badge(ax, g, badge_at[g], colour, gv.measured)
        (cx, cy), ha, wrap = cards[g]
        if lang == "zh":
            wrap = max(12, wrap // 2)
        _card(ax, g, gv, (cx, cy), ha, lang, conf, wrap, colour)


def _frame(ax, res, vals, lang: str, dimension, segment, instrument, alpha: float, conf: str) -> None:
    """Title, scope (segment and dimension), legend and caption."""
    # -- title, scope, legend ----------------------------------------------------------
    inst = instrument_of(res, instrument)
    scope = tr(lang, "scope_mean") if dimension is None else tr(
        lang, "scope_dim", dim=dim_labels(inst, lang).get(dimension, dimension))
    t = _source_table(res, dimension)
    by = by_of(res, t)
    seg = segment_name(select_segment(t, by, segment).iloc[0], by) if (by and (segment is not None or n_segments(
        t, by) == 1)) else (tr(lang, "pooled") if by else tr(lang, "all"))
    ax.text(0.5, 103, tr(lang, "model_title"), fontsize=15, fontweight="bold", color=INK, va="top")
    ax.text(0.5, 98.6, f"{seg} · {scope}", fontsize=9.5, color=GREY_DARK, va="top")
    legend = [Patch(color=RED, label=f"{tr(lang, 'shortfall')} (p < {alpha})"),
              Patch(color=RED_PALE, label=f"{tr(lang, 'shortfall')}, {tr(lang, 'ns')}"),
              Patch(color=BLUE, label=f"{tr(lang, 'surplus')} (p < {alpha})"),
              Patch(color=BLUE_PALE, label=f"{tr(lang, 'surplus')}, {tr(lang, 'ns')}"),
              Patch(fc="white", ec=GREY, ls="--", label=tr(lang, "not_measured"))]
    ax.legend(handles=legend, loc="lower left", bbox_to_anchor=(0.0, 0.0), ncol=5, frameon=False, fontsize=8,
              handlelength=1.4, columnspacing=1.2)
    ranges = any(v.note for v in vals.values())      # segments summarised: boxes show ranges, not CIs
    ax.text(0.5, -2.4, tr(lang, "model_source_range" if ranges else "model_source", scope=scope, conf=conf),
            fontsize=7.5, color=GREY_DARK, va="top", gid="caption")


def _viewpoint_means(vals: dict[int, GapValue]) -> dict[str, float]:
    """Mean rating of each viewpoint, from the first measured gap that involves it."""
    out: dict[str, float] = {}
    for g in (5, 1, 2, 3, 4):
        gv, c = vals[g], gap_def(g)
        for vp, m in ((c.benchmark, gv.bench_mean), (c.later, gv.later_mean)):
            if vp not in out and np.isfinite(m):
                out[vp] = m
    return out
