"""Profile plots: snake (items), radar (dimensions), heatmap (segments), IPA quadrants."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..model.gaps import viewpoint_label
from ..model.ipa import QUADRANT_ORDER, quadrant_label, quadrant_of
from ..display import BLUE, GREY, RED, num, stars
from .bars import SMALL_N
from .common import (
    DIVERGING_CMAP,
    EXPECTED_C,
    GREY_DARK,
    INK,
    PERCEIVED_C,
    by_of,
    dim_labels,
    instrument_of,
    n_segments,
    need_columns,
    new_axes,
    one_gap,
    order_dimensions,
    plot_function,
    pool,
    segment_name,
    select_segment,
    settings_of,
    style_axes,
    table_of,
    title,
    tr,
)


def _expected_perceived(res, attr: str, keys: list[str], segment):
    """Gap-5 expected/perceived means per ``keys``, pooled (n-weighted) over segments."""
    t = table_of(res, attr, "a gap")
    need_columns(t, [*keys, "mean_expected", "mean_perceived"], attr)
    t = one_gap(res, t, 5)
    by = by_of(res, t)
    df = select_segment(t, by, segment)
    multi = n_segments(df, by) > 1
    if multi:
        df = pool(df, keys, ["mean_expected", "mean_perceived"])
    return df, by, multi


def _subtitle(lang, by, df, multi):
    if not by:
        return tr(lang, "all")
    return tr(lang, "pooled") if multi else segment_name(df.iloc[0], by)


def _rating_limits(values, inst, headroom: float = 0.35):
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return inst.scale_min, inst.scale_max
    return max(inst.scale_min, np.floor(v.min() - 0.4)), min(inst.scale_max + 0.05, v.max() + headroom)


@plot_function
def snake(res, ax=None, lang: str = "en", *, segment=None, instrument=None):
    """Expected vs perceived mean per item (the "snake" profile), dimensions shaded.

    Lines are ``mean_expected`` and ``mean_perceived`` of gap 5 in ``res.items``, in the
    instrument's item order; the area between them is red where perception falls short.
    With several segments and ``segment=None`` the lines are n-weighted means of the
    segment means.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> res = sg.analyze(list(sg.load_example()), by="branch")
    >>> ax = res.plot.snake(segment="B03", lang="zh")
    >>> len(ax.get_lines()[0].get_xdata())         # 22 items
    22
    """
    inst = instrument_of(res, instrument)
    df, by, multi = _expected_perceived(res, "items", ["dimension", "item"], segment)
    order = {iid: k for k, iid in enumerate(inst.item_ids)}
    df = df.assign(_o=df["item"].astype(str).map(order).fillna(len(order))).sort_values("_o", kind="stable")
    x = np.arange(1, len(df) + 1, dtype=float)
    e, p = df["mean_expected"].astype(float).to_numpy(), df["mean_perceived"].astype(float).to_numpy()
    ax = new_axes(ax, (10, 4.6))
    lo, hi = _rating_limits(np.r_[e, p], inst, headroom=0.55)
    labels = dim_labels(inst, lang)
    dims = df["dimension"].astype(str).to_numpy()
    starts = [0, *[k for k in range(1, len(dims)) if dims[k] != dims[k - 1]], len(dims)]
    for j, (a, b) in enumerate(itertools.pairwise(starts)):
        ax.axvspan(x[a] - 0.5, x[b - 1] + 0.5, color="#eceff1" if j % 2 == 0 else "#f7f9fa", zorder=0, lw=0)
        ax.text((x[a] + x[b - 1]) / 2, 0.985, labels.get(dims[a], dims[a]), transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=9, color=GREY_DARK, fontweight="bold", gid="band_label")
    ax.fill_between(x, e, p, where=p < e, interpolate=True, color=RED, alpha=0.12, lw=0, zorder=1)
    ax.fill_between(x, e, p, where=p >= e, interpolate=True, color=BLUE, alpha=0.12, lw=0, zorder=1)
    ax.plot(x, e, color=EXPECTED_C, marker="o", ms=5, lw=2, label=viewpoint_label("expected", lang),
            gid="expected", zorder=3)
    ax.plot(x, p, color=PERCEIVED_C, marker="o", ms=5, lw=2, label=viewpoint_label("perceived", lang),
            gid="perceived", zorder=3)
    ax.set_xticks(x, df["item"].astype(str))
    ax.set_xlim(0.5, len(x) + 0.5)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(tr(lang, "item"), fontsize=9, color="#424242")
    ax.set_ylabel(tr(lang, "rating"), fontsize=9, color="#424242")
    style_axes(ax, "y")
    ax.legend(loc="lower left", frameon=True, framealpha=0.9, edgecolor="none", fontsize=8.5, ncol=2)
    title(ax, tr(lang, "snake_title"), _subtitle(lang, by, df, multi))
    return ax


@plot_function
def radar(res, ax=None, lang: str = "en", *, segment=None, instrument=None):
    """Expected vs perceived mean per dimension on a radar (polar) chart.

    Uses ``mean_expected`` / ``mean_perceived`` of gap 5 in ``res.dimensions`` (n-weighted
    over segments when several are present and ``segment=None``). ``ax`` must be polar.

    Returns
    -------
    matplotlib.axes.Axes (polar)

    Examples
    --------
    >>> import servgap as sg
    >>> ax = sg.analyze(list(sg.load_example())).plot.radar(lang="zh")
    >>> ax.get_ylim()[0]                   # the radius starts at the scale minimum
    np.float64(1.0)
    """
    inst = instrument_of(res, instrument)
    df, by, multi = _expected_perceived(res, "dimensions", ["dimension"], segment)
    dims = order_dimensions(df["dimension"].astype(str).tolist(), inst)
    df = df.set_index(df["dimension"].astype(str)).loc[dims]
    e, p = df["mean_expected"].astype(float).to_numpy(), df["mean_perceived"].astype(float).to_numpy()
    ax = new_axes(ax, (6.4, 6.2), polar=True)
    ang = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    ring = np.r_[ang, ang[:1]]
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    for vals, colour, vp in ((e, EXPECTED_C, "expected"), (p, PERCEIVED_C, "perceived")):
        ax.plot(ring, np.r_[vals, vals[:1]], color=colour, lw=2, marker="o", ms=5,
                label=viewpoint_label(vp, lang), gid=vp, zorder=3)
        ax.fill(ring, np.r_[vals, vals[:1]], color=colour, alpha=0.10, zorder=2)
    # the radius starts at the scale minimum, so the areas compare honestly
    hi = _rating_limits(np.r_[e, p], inst, headroom=0.3)[1]
    ax.set_ylim(inst.scale_min, hi)
    ax.set_yticks(np.arange(np.ceil(inst.scale_min), np.floor(hi) + 1))
    labels = dim_labels(inst, lang)
    ax.set_xticks(ang, [f"{labels.get(d, d)}\n{num(b - a, signed=True)}" for d, a, b in zip(dims, e, p)])
    ax.tick_params(axis="x", labelsize=9.5, colors=INK, pad=10)
    ax.tick_params(axis="y", labelsize=7.5, colors=GREY_DARK)
    ax.grid(color="#d0d4d7", lw=0.8)
    ax.spines["polar"].set_color("#b0bec5")
    ax.legend(loc="upper right", bbox_to_anchor=(1.12, 1.1), frameon=False, fontsize=8.5)
    ax.set_title(tr(lang, "radar_title") + "\n" + _subtitle(lang, by, df, multi), fontsize=11,
                 fontweight="bold", color=INK, pad=22)
    return ax


def heat_matrix(table: pd.DataFrame, by: list[str], inst, value: str = "mean_gap") -> pd.DataFrame:
    """Segment × dimension matrix of ``value`` (dimensions in instrument order)."""
    t = table.copy()
    t["_segment"] = [segment_name(r, by) for _, r in t.iterrows()] if by else "all"
    m = t.pivot_table(index="_segment", columns="dimension", values=value, aggfunc="first", sort=False)
    return m[order_dimensions(list(m.columns), inst)]


@plot_function
def heatmap(res, ax=None, lang: str = "en", *, gap: int = 5, instrument=None, cmap: str = DIVERGING_CMAP):
    """Segment × dimension matrix of a gap, diverging colours centred at 0, values annotated.

    Cells are ``mean_gap`` of ``res.dimensions`` for ``gap`` (rows: segments, columns:
    dimensions); colours use `matplotlib.colors.TwoSlopeNorm` with ``vcenter=0``
    and symmetric limits, so red = shortfall and blue = surplus at equal intensity.
    Stars give the adjusted p.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> res = sg.analyze(list(sg.load_example()), by="branch")
    >>> ax = res.plot.heatmap(gap=5)
    >>> [t.get_text() for t in ax.get_yticklabels()][:3]
    ['B01', 'B02', 'B03']
    """
    t = table_of(res, "dimensions", "a gap")
    need_columns(t, ["dimension", "mean_gap"], "gap")
    t = one_gap(res, t, gap)
    by = by_of(res, t)
    inst = instrument_of(res, instrument)
    m = heat_matrix(t, by, inst)
    pm = heat_matrix(t, by, inst, "p_adj").reindex_like(m) if "p_adj" in t.columns else None
    vals = m.to_numpy(float)
    ax = new_axes(ax, (1.8 + 1.35 * m.shape[1], 1.6 + 0.5 * m.shape[0]))
    lim = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
    lim = lim if lim > 0 else 1.0
    im = ax.imshow(vals, cmap=cmap, norm=TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim), aspect="auto")
    alpha = settings_of(res).alpha
    nm = heat_matrix(t, by, inst, "n").reindex_like(m).to_numpy(float) if "n" in t.columns else None
    for (i, j), v in np.ndenumerate(vals):
        s = stars(pm.iat[i, j]) if pm is not None else ""
        colour = "white" if np.isfinite(v) and abs(v) > 0.55 * lim else INK
        text = f"{num(v, signed=True)}\n{s}" if s else num(v, signed=True)
        if nm is not None and nm[i, j] < SMALL_N:         # a few answers: hatched and marked n=k
            text += f"\nn={int(nm[i, j])}"
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="////", edgecolor="#9e9e9e",
                                   lw=0, gid="small_n"))
        ax.text(j, i, text, ha="center", va="center", fontsize=8.5, color=colour, linespacing=0.9, gid="cell")
    labels = dim_labels(inst, lang)
    ax.set_xticks(range(m.shape[1]), [labels.get(d, d) for d in m.columns])
    ax.set_yticks(range(m.shape[0]), [tr(lang, "all") if (not by and r == "all") else r for r in m.index])
    # white cell borders as two line collections (not minor ticks: fewer artists to lay out)
    ax.hlines(np.arange(-0.5, m.shape[0] + 0.5), -0.5, m.shape[1] - 0.5, colors="white", linewidth=2, gid="grid")
    ax.vlines(np.arange(-0.5, m.shape[1] + 0.5), -0.5, m.shape[0] - 0.5, colors="white", linewidth=2, gid="grid")
    ax.tick_params(which="both", length=0, labelsize=9, colors="#424242")
    ax.xaxis.tick_top()
    for s in ax.spines.values():
        s.set_visible(False)
    cb = ax.figure.colorbar(im, ax=ax, shrink=0.85, pad=0.02)
    cb.set_label(tr(lang, "mean_gap"), fontsize=8.5, color="#424242")
    cb.ax.tick_params(labelsize=8)
    cb.outline.set_visible(False)
    ax.set_ylabel(" / ".join(by) if by else "", fontsize=9, color="#424242")
    ax.set_title(tr(lang, "heat_title", gap=gap_def(gap).label(lang)), loc="left", fontsize=12,
                 fontweight="bold", color=INK, pad=12)
    ax.annotate(f"α = {alpha}: * p < .05  ** p < .01  *** p < .001", xy=(0, 0), xycoords="axes fraction",
                xytext=(0, -8), textcoords="offset points", fontsize=7.5, color=GREY_DARK, va="top")
    return ax


QUADRANT_COLOURS = {"concentrate here": RED, "keep up": "#2e7d32", "low priority": GREY_DARK,
                    "possible overkill": BLUE}


def _ipa_table(res) -> pd.DataFrame:
    """``res.ipa`` (the one IPA of `servgap.analysis.drivers`), or the table given."""
    need = ("the importance-performance plot needs importance: a 100-point allocation over the dimensions "
            "(read_survey(importance='W_{dimension}')) or an outcome rating kept with read_survey(keep=[...])")
    try:
        t = res if isinstance(res, pd.DataFrame) else res.ipa
    except ConfigError as exc:
        raise ConfigError(f"{need}; {exc}") from None
    if len(t) == 0 or t["importance"].isna().all():
        raise ConfigError(f"{need}.")
    return t


@plot_function
def ipa(res, ax=None, lang: str = "en", *, instrument=None):
    """Importance–performance quadrant chart (Martilla & James 1977).

    Draws ``res.ipa`` (`servgap.analysis.drivers.ipa`): x = performance (mean perceived
    rating of the customers with both ratings, as in the gap-5 table, survey weights
    applied), y = importance (stated 100-point shares, else derived Shapley R² shares).
    The quadrant lines are at the mean importance and mean performance of the
    dimensions drawn; the quadrants and their labels are `servgap.model.ipa`'s.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import servgap as sg
    >>> ax = sg.analyze(list(sg.load_example())).plot.ipa(lang="zh")
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "quadrant_label")
    ['可能过度投入', '次要改进', '继续保持', '重点改进']
    """
    t = _ipa_table(res)
    need_columns(t, ["dimension", "importance", "performance"], "IPA")
    basis = str(t["importance_basis"].iloc[0]) if "importance_basis" in t.columns and len(t) else "stated"
    inst = instrument_of(res, instrument)
    imp, perf = t["importance"].astype(float).to_numpy(), t["performance"].astype(float).to_numpy()
    quad = t["quadrant"].astype(str).tolist() if "quadrant" in t.columns else quadrant_of(imp, perf)
    ax = new_axes(ax, (7.2, 5.6))
    mi, mp = np.nanmean(imp), np.nanmean(perf)
    ax.axhline(mi, color=GREY, lw=1.2, ls="--", gid="quadrant", zorder=1)
    ax.axvline(mp, color=GREY, lw=1.2, ls="--", gid="quadrant", zorder=1)
    ax.scatter(perf, imp, s=110, c=[QUADRANT_COLOURS.get(q, GREY) for q in quad], edgecolors="white",
               linewidths=1.5, zorder=3, gid="dimensions")
    labels = dim_labels(inst, lang)
    gaps = t["gap"].astype(float).to_numpy() if "gap" in t.columns else np.full(len(t), np.nan)
    notes = [ax.annotate(labels.get(d, d) + (f" ({num(g, signed=True)})" if np.isfinite(g) else ""), (x, y), xytext=(7, 6),
                         textcoords="offset points", fontsize=9, color=INK, gid="point_label")
             for d, x, y, g in zip(t["dimension"].astype(str), perf, imp, gaps)]
    dx = max(np.nanmax(np.abs(perf - mp)), 0.05) * 1.45
    dy = max(np.nanmax(np.abs(imp - mi)), 1e-3) * 1.45
    ax.set_xlim(mp - dx, mp + dx)
    ax.set_ylim(mi - dy, mi + dy)
    _declutter(ax, notes)
    corners = ((0.02, 0.98, "left", "top"), (0.98, 0.98, "right", "top"), (0.02, 0.02, "left", "bottom"),
               (0.98, 0.02, "right", "bottom"))
    for q, (cx, cy, ha, va) in zip(QUADRANT_ORDER, corners):
        ax.text(cx, cy, quadrant_label(q, lang), transform=ax.transAxes, ha=ha, va=va, fontsize=10, fontweight="bold",
                color=QUADRANT_COLOURS[q], alpha=0.75, gid="quadrant_label")
    ax.set_ylabel(tr(lang, "importance_derived" if basis == "derived" else "importance_stated"), fontsize=9,
                  color="#424242")
    ax.set_xlabel(tr(lang, "performance"), fontsize=9, color="#424242")
    style_axes(ax, "")
    title(ax, tr(lang, "ipa_title"))
    return ax


def _declutter(ax, notes) -> None:
    """Move point labels that overlap an earlier one below, left or further down."""
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for note in notes:
        for dx, dy, ha in ((7, 6, "left"), (7, -14, "left"), (-7, 6, "right"), (-7, -14, "right"), (7, -26, "left")):
            note.set_position((dx, dy))
            note.set_horizontalalignment(ha)
            box = note.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in placed):
                break
        placed.append(note.get_window_extent(renderer))
