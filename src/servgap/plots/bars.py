"""Bar-type plots: gaps with confidence intervals, zone of tolerance, ranked causes."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..display import BLUE, GREY, RED, gap_colour, num, stars
from .common import (
    GREY_DARK,
    INK,
    by_of,
    dim_labels,
    footnote,
    instrument_of,
    item_label,
    n_segments,
    need_columns,
    new_axes,
    one_gap,
    plot_function,
    segment_name,
    select_segment,
    settings_of,
    style_axes,
    table_of,
    title,
    tr,
)


def _rows(df: pd.DataFrame, key: str, by: list[str], base: dict, value: str | None, sort: bool, inst):
    """Order rows top-down and label them; several segments give ``label · segment`` rows."""
    multi = n_segments(df, by) > 1
    d = df.copy()
    d["_label"] = [base.get(str(k), str(k)) + (f" · {segment_name(r, by)}" if multi else "")
                   for k, (_, r) in zip(d[key], d.iterrows())]
    if sort and value is not None:
        v = d[value].astype(float)
        d["_v"] = v.fillna(np.inf)
        d["_g"] = d.groupby(key, sort=False)[value].transform("mean").fillna(np.inf)
        d = d.sort_values(["_g", key, "_v"], kind="stable")
    elif key == "dimension":
        order = {k: i for i, k in enumerate(inst.dimension_ids)}
        d = d.assign(_o=d[key].map(order)).sort_values("_o", kind="stable")
    d = d.reset_index(drop=True)
    d["_y"] = np.arange(len(d))[::-1].astype(float)     # first row on top
    return d, multi


def _label_rows(ax, y, labels, xlabel: str, margin: tuple[float, float] = (0.7, 0.3)) -> None:
    """Row labels at ``y`` (no ticks), rows spaced within ``margin`` of the axes, the x label, quiet styling."""
    ax.set_yticks(y, labels)
    ax.set_ylim(-margin[0], len(labels) - margin[1])
    ax.set_xlabel(xlabel, fontsize=9, color="#424242")
    style_axes(ax, "x")
    ax.tick_params(axis="y", length=0)


def _segment_subtitle(lang, by, df, multi, segment):
    if not by:
        return tr(lang, "all")
    if segment is not None or not multi:
        return segment_name(df.iloc[0], by)
    return None


@plot_function
def gaps(res, ax=None, lang: str = "en", *, level: str = "dimension", gap: int = 5, segment=None,
         sort: bool = True, instrument=None):
    """Mean gap per dimension (or item) as horizontal bars with CIs and significance marks.

    Bars are the mean gap (``later − benchmark``, negative = shortfall) from
    ``res.dimensions`` (``level="item"``: ``res.items``); whiskers span ``ci_low`` to
    ``ci_high``; stars mark the adjusted p (``* < .05``, ``** < .01``, ``*** < .001``).
    Red = shortfall, blue = surplus, pale = not significant at ``alpha``. Rows are sorted
    from the largest shortfall (top) down; with several segments and ``segment=None`` each
    row is one dimension × segment.

    Parameters
    ----------
    res : GapAnalysis or pandas.DataFrame
        The result, or a table shaped like ``res.dimensions`` / ``res.items``.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "zh"}
    level : {"dimension", "item"}
    gap : int
        Which gap (1-5), default 5 (perceived − expected).
    segment : value, tuple or dict, optional
        One segment (e.g. ``"B03"``) when the analysis was split ``by``.
    sort : bool
        Sort by the mean gap (default) or keep the instrument order.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> res = sg.analyze(list(sg.load_example()))
    >>> ax = res.plot.gaps(lang="zh")
    >>> ax.get_yticklabels()[0].get_text()        # the largest shortfall on top
    '响应性'
    """
    if level not in ("dimension", "item"):
        raise ConfigError(f"level={level!r} is not supported; use 'dimension' or 'item'.")
    key = level
    table = table_of(res, "items" if level == "item" else "dimensions", "a gap")
    need_columns(table, [key, "mean_gap", "ci_low", "ci_high", "p_adj"], "gap")
    table = one_gap(res, table, gap)
    by = by_of(res, table)
    df = select_segment(table, by, segment)
    inst = instrument_of(res, instrument)
    alpha = settings_of(res).alpha
    base = dim_labels(inst, lang) if key == "dimension" else {
        i.id: item_label(inst, i.id, lang, width=46) for i in inst.items}
    d, multi = _rows(df, key, by, base, "mean_gap", sort, inst)
    ax = new_axes(ax, (8.2, 1.5 + 0.36 * len(d)))
    v = d["mean_gap"].astype(float).to_numpy()
    lo, hi = d["ci_low"].astype(float).to_numpy(), d["ci_high"].astype(float).to_numpy()
    p = d["p_adj"].astype(float).to_numpy()
    colours = [gap_colour(a, b, alpha) for a, b in zip(v, p)]
    n = d["n"].to_numpy(float) if "n" in d.columns else np.full(len(d), np.inf)
    small = n < SMALL_N
    bars = ax.barh(d["_y"], v, height=0.64, color=colours, edgecolor="none", gid="gaps", zorder=2)
    for bar, thin in zip(bars, small):
        if thin:                 # a few answers: hatched, and marked n=k beside the value
            bar.set_hatch("////")
            bar.set_edgecolor("white")
    ax.errorbar(v, d["_y"], xerr=np.vstack([v - lo, hi - v]), fmt="none", ecolor=INK, elinewidth=1.0,
                capsize=3, capthick=1.0, gid="ci", zorder=3)
    ax.axvline(0, color=INK, linewidth=1.0, zorder=4)
    ends = np.concatenate([lo[np.isfinite(lo)], hi[np.isfinite(hi)], v[np.isfinite(v)], [0.0]])
    span = max(ends.max() - ends.min(), 0.1)
    for y, a, l_, h_, pp, k, thin in zip(d["_y"], v, lo, hi, p, n, small):
        if not np.isfinite(a):
            continue
        right = a >= 0
        x = (h_ if np.isfinite(h_) else a) if right else (l_ if np.isfinite(l_) else a)
        note = f"  (n={int(k)})" if thin else ""
        ax.text(x + (0.012 if right else -0.012) * span, y, f"{num(a, signed=True)} {stars(pp)}".strip() + note,
                ha="left" if right else "right", va="center", fontsize=8.5, color=INK, gid="value")
    pad_lo = 0.3 * span if np.nanmin(v) < 0 else 0.08 * span
    pad_hi = 0.3 * span if np.nanmax(v) > 0 else 0.08 * span
    ax.set_xlim(ends.min() - pad_lo, ends.max() + pad_hi)
    _label_rows(ax, d["_y"], d["_label"], tr(lang, "mean_gap"))
    title(ax, gap_def(gap).label(lang), _segment_subtitle(lang, by, df, multi, segment))
    conf = settings_of(res).confidence
    footnote(ax, tr(lang, "sig_note", conf=f"{conf:.0%}") + (tr(lang, "small_n", k=SMALL_N) if small.any() else ""))
    return ax


#: Fewer answers than this: the bar (or heatmap cell) is hatched and marked ``n=k``.
SMALL_N = 5
ZONE_COLOURS = {"below": RED, "inside": "#2e7d32", "above": BLUE}


def _tolerance_table(res) -> pd.DataFrame:
    if isinstance(res, pd.DataFrame):
        t = res
    else:
        try:
            t = res.tolerance
        except (ImportError, AttributeError, NotImplementedError):
            t = None
        except ConfigError as exc:
            raise ConfigError(f"the zone of tolerance needs desired and adequate ratings: {exc}") from None
    if t is None or len(t) == 0:
        raise ConfigError("the zone of tolerance plot needs desired and adequate ratings (three-column format); "
                          "read them with read_survey(columns={'desired': ..., 'adequate': ...}) and analyse "
                          "again, e.g. sg.load_example(tolerance=True).")
    return t


@plot_function
def tolerance(res, ax=None, lang: str = "en", *, segment=None, instrument=None):
    """Zone of tolerance per dimension: the adequate–desired band and the perceived mean.

    The band runs from ``mean_adequate`` to ``mean_desired``; the point is
    ``mean_perceived``, coloured by ``zone`` (below / inside / above). The right margin
    gives MSA = P − adequate and MSS = P − desired with significance marks
    (Parasuraman, Zeithaml & Berry 1994).

    Parameters
    ----------
    res : GapAnalysis or pandas.DataFrame
        The result (``res.tolerance``) or that table.
    segment : optional
        One segment of a split analysis; default all (one row per dimension × segment).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> res = sg.analyze(list(sg.load_example(tolerance=True)))
    >>> ax = res.plot.tolerance()
    >>> len([p for p in ax.patches if p.get_gid() == "band"])      # one band per dimension
    5
    """
    t = _tolerance_table(res)
    need_columns(t, ["dimension", "mean_adequate", "mean_desired", "mean_perceived"], "tolerance")
    if "level" in t.columns:
        t = t[t["level"] == "dimension"]
    by = by_of(res, t)
    df = select_segment(t, by, segment)
    inst = instrument_of(res, instrument)
    d, multi = _rows(df, "dimension", by, dim_labels(inst, lang), None, False, inst)
    ax = new_axes(ax, (8.2, 1.8 + 0.55 * len(d)))
    a, des = d["mean_adequate"].astype(float).to_numpy(), d["mean_desired"].astype(float).to_numpy()
    per = d["mean_perceived"].astype(float).to_numpy()
    ax.barh(d["_y"], des - a, left=a, height=0.4, color="#dcebd5", edgecolor="#8fbf82", linewidth=0.8,
            gid="band", label=tr(lang, "tol_band"), zorder=2)
    zones = d["zone"].astype(str).to_numpy() if "zone" in d.columns else np.where(
        per < a, "below", np.where(per > des, "above", "inside"))
    ax.scatter(per, d["_y"], s=70, c=[ZONE_COLOURS.get(z, GREY) for z in zones], edgecolors="white",
               linewidths=1.2, zorder=4, gid="perceived")
    for z in [z for z in ZONE_COLOURS if z in set(zones)]:
        ax.scatter([], [], s=60, c=ZONE_COLOURS[z], edgecolors="white", label=f"{tr(lang, 'perceived')}: {tr(lang, z)}")
    for _, r in d.iterrows():
        bits = [f"MSA {num(r.get('msa', np.nan), signed=True)}{stars(r.get('msa_p_adj', np.nan))}",
                f"MSS {num(r.get('mss', np.nan), signed=True)}{stars(r.get('mss_p_adj', np.nan))}"]
        ends = [x for x in (r["mean_adequate"], r["mean_desired"]) if np.isfinite(x)]
        mid = float(np.mean(ends)) if ends else float(r["mean_perceived"])
        ax.text(mid, r["_y"] - 0.3, "    ".join(bits), ha="center", va="top", fontsize=7.5, color=GREY_DARK,
                gid="msa_mss")
    vals = np.concatenate([a, des, per])
    vals = vals[np.isfinite(vals)]
    lo, hi = (vals.min(), vals.max()) if len(vals) else (inst.scale_min, inst.scale_max)
    pad = max(hi - lo, 0.5) * 0.12
    ax.set_xlim(max(inst.scale_min, lo - pad), min(inst.scale_max, hi + pad))
    _label_rows(ax, d["_y"], d["_label"], tr(lang, "rating"), margin=(0.85, 0.35))
    # a fixed distance below the x label, whatever the height of the axes (no blank band)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), ncol=2, frameon=False, fontsize=8,
              bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-30, units="points"))
    title(ax, tr(lang, "tol_title"), _segment_subtitle(lang, by, df, multi, segment))
    return ax


def _gap_text(g, lang: str) -> str:
    """``gap 2, 3`` / ``差距2、3`` for one gap number or a list of them."""
    gs = list(g) if isinstance(g, (list, tuple, np.ndarray, pd.Series)) else [g]
    gs = [str(int(x)) if isinstance(x, (int, np.integer, float)) and np.isfinite(x) else str(x) for x in gs]
    return tr(lang, "gap_n", g=(", " if lang == "en" else "、").join(gs)) if gs else ""


BASIS_COLOURS = {"measured": "#b03a2e", "inferred": "#e59866", "conflicting": "#8e8e8e",
                 "not significant": "#d5d8dc"}


@plot_function
def causes(res, ax=None, lang: str = "en", *, top: int = 10, segment=None, table: pd.DataFrame | None = None,
           **kw):
    """The top-ranked root causes as score bars, labelled with their names and gaps.

    Bars are each cause's evidence score (``score`` of ``res.causes()``: significant
    shortfalls in scale points, weighted by significance and by how directly the
    evidence points at the cause; see the root-causes docs), coloured by ``basis``
    (measured, inferred, conflicting); rows are labelled with the cause's name (the
    catalogue ids are in the table) and the gaps it explains.

    Parameters
    ----------
    res : GapAnalysis or pandas.DataFrame
        The result (``res.causes(top=top, lang=lang, **kw)`` is drawn) or that table
        (columns ``rank``, ``cause``, ``name``, ``gap``, ``score``, ``basis``).
    top : int
        How many causes to draw (default 10).
    table : pandas.DataFrame, optional
        The causes table to draw for the result ``res`` (e.g. one already computed).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> ax = sg.analyze(list(sg.load_example())).plot.causes(top=8, lang="zh")
    >>> ax.get_xlabel()
    '原因得分（加权的显著不足，量表分）'
    """
    if isinstance(res, pd.DataFrame):
        t = res
    else:
        t = table if table is not None else res.causes(top=top, lang=lang, **kw)
    need_columns(t, ["rank", "name", "gap", "score"], "causes")
    by = by_of(res, t)
    t = select_segment(t, by, segment)
    t = t.sort_values([*by, "rank"], kind="stable").head(top) if by else t.sort_values("rank").head(top)
    multi = n_segments(t, by) > 1
    t = t.reset_index(drop=True)
    ax = new_axes(ax, (8.6, 1.4 + 0.5 * max(len(t), 1)))
    y = np.arange(len(t))[::-1].astype(float)
    width = 40 if lang == "en" else 18
    labels = []
    for r in t.to_dict("records"):
        name = "\n".join(textwrap.wrap(str(r["name"]), width, break_long_words=lang != "en")[:2])
        gaps_ = f" ({_gap_text(r['gap'], lang)})" if lang == "en" else f"（{_gap_text(r['gap'], lang)}）"
        labels.append(name + gaps_ + (f" · {segment_name(r, by)}" if multi else ""))
    basis = t["basis"].astype(str).to_numpy() if "basis" in t.columns else np.array(["measured"] * len(t))
    score = t["score"].astype(float).to_numpy()
    ax.barh(y, score, height=0.6, color=[BASIS_COLOURS.get(b, GREY) for b in basis], gid="scores", zorder=2)
    smax = np.nanmax(score) if len(score) and np.isfinite(score).any() else 1.0
    for yy, s_ in zip(y, score):
        ax.text((s_ if np.isfinite(s_) else 0) + 0.015 * smax, yy, num(s_), va="center", ha="left", fontsize=8.5,
                color=INK, gid="value")
    ax.set_xlim(0, smax * 1.15)
    _label_rows(ax, y, labels, tr(lang, "score"))
    ax.tick_params(axis="y", labelsize=8.5)
    present = [b for b in BASIS_COLOURS if b in set(basis)]
    if present:
        ax.legend(handles=[Patch(color=BASIS_COLOURS[b], label=tr(lang, b)) for b in present], loc="lower right",
                  frameon=False, fontsize=8)
    title(ax, tr(lang, "causes_title"), segment_name(t.iloc[0], by) if (by and not multi and len(t)) else None)
    return ax
