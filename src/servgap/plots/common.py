"""Shared pieces of the plot functions: UI strings, colours, input and segment handling.

Plots read result tables only (``GapAnalysis`` attributes or the DataFrames themselves);
every plot function is wrapped by `plot_function`, which checks ``lang``, builds
the figure under the CJK font fallback of `servgap.plots.fonts` and stamps the font family
on the text artists so that later drawing and saving render Chinese.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..display import check_lang
from ..engine.settings import Settings
from ..errors import ConfigError
from ..model.instruments import SERVQUAL22
from .fonts import cjk_font, families, needs_cjk, stamp

TEXT = {
    "en": {
        "mean_gap": "Mean gap (negative = shortfall)",
        "sig_note": "* p < .05   ** p < .01   *** p < .001 (adjusted)\npale: not significant; whiskers: {conf} CI",
        "all": "all respondents", "pooled": "all segments (n-weighted means)",
        "shortfall": "shortfall", "surplus": "surplus", "ns": "not significant",
        "rating": "Mean rating", "item": "Item",
        "snake_title": "Expected vs perceived service, item by item",
        "not_measured": "not measured", "customer": "CUSTOMER", "provider": "SERVICE PROVIDER",
        "wom": "Word-of-mouth\ncommunications", "needs": "Personal\nneeds", "past": "Past\nexperience",
        "model_title": "The five-gap model of service quality",
        "model_source": "Model after Parasuraman, Zeithaml & Berry (1985). Values: mean gap {scope}, "
                        "{conf} CI, adjusted p.",
        "scope_mean": "across dimensions", "scope_dim": "for {dim}",
        "segments_range": "range over {k} segments: {lo} to {hi}\n{s} significant",
        "tol_title": "Zone of tolerance", "tol_band": "zone of tolerance (adequate – desired)",
        "perceived": "perceived", "below": "below the zone", "inside": "inside the zone", "above": "above the zone",
        "heat_title": "{gap}: segment × dimension", "segment": "Segment", "dimension": "Dimension",
        "ipa_title": "Importance–performance analysis",
        "importance_stated": "Stated importance (share of 100 points)",
        "importance_derived": "Derived importance", "performance": "Performance (mean perceived rating)",
        "radar_title": "Expected vs perceived service by dimension",
        "causes_title": "Most likely root causes",
        "score": "Cause score (significance-weighted shortfall, scale points)",
        "measured": "measured", "inferred": "inferred", "conflicting": "conflicting",
        "not significant": "not significant", "gap_n": "gap {g}",
        "small_n": "\nhatched: fewer than {k} answers (n shown)",
        "model_source_range": "Model after Parasuraman, Zeithaml & Berry (1985). Values: n-weighted mean gap "
                              "{scope} over the segments and their range (lowest to highest segment; not a "
                              "confidence interval).",
    },
    "zh": {
        "mean_gap": "平均差距（负值 = 不足）",
        "sig_note": "* p < .05   ** p < .01   *** p < .001（校正后）\n浅色：不显著；误差线：{conf} 置信区间",
        "all": "全部受访者", "pooled": "全部分组（按样本量加权）",
        "shortfall": "不足", "surplus": "超出", "ns": "不显著",
        "rating": "平均评分", "item": "题项",
        "snake_title": "逐题比较：期望的服务与感知的服务",
        "not_measured": "未测量", "customer": "顾客", "provider": "服务提供者",
        "wom": "口碑沟通", "needs": "个人需求", "past": "过去经验",
        "model_title": "服务质量五差距模型",
        "model_source": "模型引自 Parasuraman、Zeithaml 与 Berry（1985）。数值：{scope}平均差距，{conf} 置信区间，校正后 p 值。",
        "scope_mean": "各维度", "scope_dim": "{dim}",
        "segments_range": "{k} 个分组的范围：{lo} 至 {hi}\n{s} 个显著",
        "tol_title": "容忍区间", "tol_band": "容忍区间（适当 – 理想）",
        "perceived": "感知", "below": "低于区间", "inside": "区间内", "above": "高于区间",
        "heat_title": "{gap}：分组 × 维度", "segment": "分组", "dimension": "维度",
        "ipa_title": "重要性–表现分析",
        "importance_stated": "陈述重要性（100 分中的占比）",
        "importance_derived": "推导重要性", "performance": "表现（感知评分均值）",
        "radar_title": "各维度的期望与感知",
        "causes_title": "最可能的根本原因", "score": "原因得分（加权的显著不足，量表分）",
        "measured": "已测量", "inferred": "推断", "conflicting": "相互矛盾", "not significant": "不显著",
        "gap_n": "差距{g}", "small_n": "\n斜线：作答少于 {k} 人（标出样本数）",
        "model_source_range": "模型引自 Parasuraman、Zeithaml 与 Berry（1985）。数值：各分组{scope}平均差距的样本量加权均值及其"
                              "范围（最低至最高的分组，并非置信区间）。",
    },
}

# The gap colours (red shortfall, blue surplus) are `servgap.display`'s; these are the rest.
GREY_DARK, INK = "#616161", "#263238"
EXPECTED_C, PERCEIVED_C = "#546e7a", "#c0392b"
DIVERGING_CMAP = "RdBu"

KNOWN_COLUMNS = {
    "gap", "gap_name", "dimension", "item", "measure", "measure_key", "level", "n", "mean_gap", "sd_gap", "se",
    "ci_low", "ci_high", "statistic", "df", "p", "p_adj", "effect", "test", "paired", "mean_expected",
    "mean_perceived", "benchmark", "later", "mean_benchmark", "mean_later", "n_eff", "mean_adequate",
    "mean_desired", "msa", "msa_ci_low", "msa_ci_high", "msa_p_adj", "mss", "mss_ci_low", "mss_ci_high",
    "mss_p_adj", "zone", "importance", "importance_basis", "performance", "quadrant", "rank", "cause", "name",
    "dimensions", "score", "basis", "evidence", "explanation", "remedies", "sources", "parent", "action",
    "causes", "remedy", "owner", "indicator", "target", "horizon", "tied", "n_min", "via",
}


def tr(lang: str, key: str, **kw) -> str:
    """UI string ``key`` in ``lang``, formatted with ``kw``."""
    return TEXT[lang][key].format(**kw)


def plot_function(fn):
    """Decorator: check ``lang``, build under the CJK fallback, stamp fonts on the result."""

    @functools.wraps(fn)
    def wrapper(obj, ax=None, lang: str = "en", **kw):
        check_lang(lang)
        created = ax is None
        with cjk_font(enabled=(lang == "zh")) as fams:
            out = fn(obj, ax=ax, lang=lang, **kw)
            targets = [out.figure] if created else [out, *_colorbar_axes(out)]
            if fams is None and any(needs_cjk(t) for t in targets):
                fams = families()
            for t in targets:
                stamp(t, fams)
        return out

    return wrapper


def _colorbar_axes(ax):
    return [m.colorbar.ax for m in [*ax.images, *ax.collections] if getattr(m, "colorbar", None) is not None]


def new_axes(ax, size, polar: bool = False):
    """``ax`` itself, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        if polar and ax.name != "polar":
            raise ConfigError("this plot needs a polar Axes; create it with "
                              "plt.subplots(subplot_kw={'projection': 'polar'}) or pass ax=None.")
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, subplot_kw={"projection": "polar"} if polar else None,
                         layout="constrained")
    return ax


def table_of(obj, attr: str, what: str) -> pd.DataFrame:
    """The ``attr`` table of a GapAnalysis, or ``obj`` itself when it is a DataFrame."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if hasattr(obj, "dimensions") and hasattr(obj, "settings"):
        return getattr(obj, attr)
    raise ConfigError(f"expected a GapAnalysis (sg.analyze(...)) or {what} DataFrame, got {type(obj).__name__}.")


def is_result(obj) -> bool:
    return not isinstance(obj, pd.DataFrame) and hasattr(obj, "settings")


def instrument_of(obj, instrument=None):
    """The instrument for labels: given, the result's, or SERVQUAL22."""
    if instrument is not None:
        return instrument
    if is_result(obj):
        try:
            return obj.instrument
        except StopIteration:
            pass
    return SERVQUAL22


def settings_of(obj) -> Settings:
    """The result's settings, or the defaults for a bare table."""
    return obj.settings if is_result(obj) else Settings()


def by_of(obj, df: pd.DataFrame) -> list[str]:
    """Segment columns: the result's ``by``, or the unknown columns of a table."""
    if is_result(obj):
        return [c for c in obj.by if c in df.columns]
    return [c for c in df.columns if c not in KNOWN_COLUMNS]


def need_columns(df: pd.DataFrame, cols, what: str) -> None:
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise ConfigError(f"{what} table lacks column(s) {', '.join(miss)}; pass the table from the result "
                          "(e.g. res.dimensions) or the GapAnalysis itself.")


def select_segment(df: pd.DataFrame, by: list[str], segment) -> pd.DataFrame:
    """Rows of one segment (a value, a tuple in ``by`` order, or a dict), or all rows for ``None``."""
    if segment is None:
        return df
    if not by:
        raise ConfigError(f"segment={segment!r} was given but the table has no segment columns; "
                          "analyse with sg.analyze(..., by='branch') or leave segment=None.")
    if isinstance(segment, dict):
        want = segment
    else:
        vals = segment if isinstance(segment, tuple) else (segment,)
        if len(vals) != len(by):
            raise ConfigError(f"segment={segment!r} needs one value per segment column {by}.")
        want = dict(zip(by, vals))
    mask = np.ones(len(df), bool)
    for col, val in want.items():
        if col not in df.columns:
            raise ConfigError(f"segment column {col!r} is not in the table; segment columns: {by}.")
        mask &= (df[col].astype(str) == str(val)).to_numpy()
    if not mask.any():
        known = sorted({segment_name(r, by) for _, r in df[by].iterrows()})
        raise ConfigError(f"segment {segment!r} is not in the table; known segments: {', '.join(known)}.")
    return df[mask]


def segment_name(row, by: list[str]) -> str:
    return " / ".join(str(row[c]) for c in by)


def n_segments(df: pd.DataFrame, by: list[str]) -> int:
    return len(df[by].drop_duplicates()) if by else 1


def pool(df: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """n-weighted means of ``cols`` over segments, per ``keys`` (keeps first-seen key order)."""
    w = df["n"].astype(float).to_numpy() if "n" in df.columns else np.ones(len(df))
    parts = {}
    for c in cols:
        v = df[c].astype(float).to_numpy()
        ok = np.isfinite(v) & (w > 0)
        parts[c] = np.where(ok, v * w, 0.0)
        parts[f"_w_{c}"] = np.where(ok, w, 0.0)
    tmp = pd.DataFrame({**{k: df[k].to_numpy() for k in keys}, **parts})
    g = tmp.groupby(keys, sort=False).sum()
    out = pd.DataFrame({c: g[c] / g[f"_w_{c}"].replace(0, np.nan) for c in cols}).reset_index()
    if "n" in df.columns:
        out["n"] = df.groupby(keys, sort=False)["n"].sum().to_numpy()
    return out




def dim_labels(inst, lang: str) -> dict[str, str]:
    return {d.id: d.label(lang) for d in inst.dimensions}


def item_label(inst, item_id, lang: str, width: int | None = None) -> str:
    """``"5. When the bank promises …"`` (shortened to ``width`` characters)."""
    lab = {i.id: i.label(lang) for i in inst.items}.get(str(item_id), str(item_id))
    if width is None:
        return str(item_id) if lab == str(item_id) else f"{item_id}. {lab}"
    width = width if lang == "en" else max(8, width // 2)
    if len(lab) > width:
        lab = lab[: width - 1].rstrip(" ,.;，。") + "…"
    return f"{item_id}. {lab}"


def order_dimensions(dims, inst) -> list:
    """Dimension ids in instrument order (unknown ones last, in given order)."""
    known = [d for d in inst.dimension_ids if d in set(dims)]
    return known + [d for d in dict.fromkeys(dims) if d not in known]


def style_axes(ax, grid: str = "x") -> None:
    """Quiet, professional axes: no top/right spines, light grid behind the data."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9e9e9e")
    ax.tick_params(colors="#424242", labelsize=9)
    if grid:
        ax.grid(axis=grid, color="#e0e0e0", linewidth=0.8)
        ax.set_axisbelow(True)


def title(ax, main: str, sub: str | None = None) -> None:
    ax.set_title(main, loc="left", fontsize=12, fontweight="bold", color=INK, pad=18 if sub else 8)
    if sub:
        ax.text(0, 1.01, sub, transform=ax.transAxes, fontsize=9, color=GREY_DARK, va="bottom", ha="left")


def footnote(ax, text: str) -> None:
    ax.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -32), textcoords="offset points",
                fontsize=7.5, color=GREY_DARK, va="top", ha="left", annotation_clip=False)


def one_gap(res, table: pd.DataFrame, gap: int) -> pd.DataFrame:
    """Rows of gap ``gap``; a ConfigError naming the reason when it was not measured."""
    if "gap" not in table.columns:
        return table
    out = table[table["gap"] == gap]
    if out.empty:
        reason = ""
        if is_result(res) and len(res.missing_gaps):
            m = res.missing_gaps[res.missing_gaps["gap"] == gap]
            reason = f" ({m['reason'].iloc[0]})" if len(m) else ""
        measured = sorted(int(g) for g in table["gap"].unique())
        raise ConfigError(f"gap {gap} was not measured{reason}; measured gaps: {measured or 'none'}. "
                          "Choose one with gap=.")
    return out
