"""The cause tree as a picture: gap → root cause (004) → bank symptom → evidence.

Drawn from ``res.cause_tree()`` (or that table): one column per level, boxes coloured by
the basis of the cause (measured, inferred, conflicting), ranks with ties ("2="), and the
leading numbers of the evidence at the right. Sized for an A4 page in landscape.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ..display import num
from ..errors import ConfigError
from .common import GREY_DARK, INK, new_axes, plot_function, select_segment, title

__all__ = ["cause_tree"]

BASIS_COLOURS = {"measured": "#b03a2e", "inferred": "#e59866", "conflicting": "#7d6da8"}
_NONE = "#d5d8dc"
_TEXT = {
    "en": {"title": "Cause tree", "sub": "gap → root cause (004) → symptom at the bank → evidence",
           "cols": ("Gap", "Root cause", "Symptom", "Evidence"), "measured": "measured", "inferred": "inferred",
           "conflicting": "conflicting", "unranked": "not ranked", "none": "No cause is suggested, so there is no tree.",
           "gap": "gap {g}"},
    "zh": {"title": "原因树", "sub": "差距 → 根本原因（004）→ 银行表现 → 证据",
           "cols": ("差距", "根本原因", "银行表现", "证据"), "measured": "已测量", "inferred": "推断",
           "conflicting": "证据矛盾", "unranked": "未排名", "none": "没有提出任何原因，因此没有原因树。",
           "gap": "差距{g}"},
}
_X = (0.0, 0.17, 0.47, 0.74)           # left edge of each column (axes fraction)
_WIDTH = {"en": (16, 34, 30, 44), "zh": (7, 15, 13, 26)}
_TREE_KEYS = {"gap", "gap_name", "root", "root_name", "root_rank", "root_tied", "root_score", "root_basis",
              "symptom", "symptom_name", "symptom_rank", "symptom_tied", "symptom_score", "symptom_basis",
              "evidence", "evidence_gap", "item", "item_label", "direction", "value", "ci_low", "ci_high",
              "midpoint", "p_adj", "n"}


def _wrap(text: str, width: int, lang: str, lines: int = 3) -> str:
    text = str(text)
    parts = ([text[i:i + width] for i in range(0, len(text), width)] if lang == "zh"
             else textwrap.wrap(text, width) or [""])
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: max(1, len(parts[-1]) - 1)] + "…"
    return "\n".join(parts)


def _rank(rank, tied) -> str:
    if rank is None or (isinstance(rank, float) and not np.isfinite(rank)):
        return ""
    return f"{int(rank)}{'=' if bool(tied) else ''} "


def _evidence_line(rows: pd.DataFrame, lang: str) -> str:
    """The leading numbers of one path: gap shortfalls first, then constructs."""
    out = []
    for r in rows[["evidence", "evidence_gap", "item_label", "value", "direction"]].itertuples(index=False):
        if r.evidence == "gap":
            g = _TEXT[lang]["gap"].format(g=int(r.evidence_gap))
            out.append(f"{r.item_label} {g} {num(r.value)}")
        else:
            arrow = "↓" if r.direction == "unfavourable" else "↑"
            out.append(f"{r.item_label} {num(r.value)}{arrow}")
    return ("；" if lang == "zh" else "; ").join(out[:4]) + (" …" if len(out) > 4 else "")


def _leaves(t: pd.DataFrame, top: int) -> list[dict]:
    """One leaf per (root, symptom) path of the ``top`` best-ranked roots, in tree order."""
    roots = (t.assign(_r=t["root_rank"].fillna(np.inf)).groupby("root", sort=False)["_r"].min()
             .sort_values(kind="stable"))
    keep = set(roots.index[:top])
    out = []
    for (gap, root, symptom), rows in t[t["root"].isin(keep)].groupby(["gap", "root", "symptom"], sort=False,
                                                                       dropna=False):
        first = rows.iloc[0]
        out.append(dict(gap=int(gap), gap_name=first["gap_name"], root=root, root_name=first["root_name"],
                        root_rank=first["root_rank"], root_tied=first["root_tied"], root_basis=first["root_basis"],
                        symptom=None if pd.isna(symptom) else symptom, symptom_name=first["symptom_name"],
                        symptom_rank=first["symptom_rank"], symptom_tied=first["symptom_tied"],
                        symptom_basis=first["symptom_basis"], rows=rows))
    return out


def _box(ax, x, y, text, basis, gid, fontsize):
    colour = BASIS_COLOURS.get(basis, _NONE)
    ax.text(x + 0.005, y, text, transform=ax.transAxes, fontsize=fontsize, va="center", ha="left", color=INK,
            gid=gid, bbox=dict(boxstyle="round,pad=0.35", facecolor="white", edgecolor=colour, linewidth=1.6))


def _link(ax, x0, y0, x1, y1):
    xm = (x0 + x1) / 2
    ax.plot([x0, xm, xm, x1], [y0, y0, y1, y1], transform=ax.transAxes, color="#9e9e9e", linewidth=0.9,
            solid_capstyle="round", zorder=0)


def _draw(ax, leaves: list[dict], lang: str) -> None:
    T, W = _TEXT[lang], _WIDTH[lang]
    n = len(leaves)
    ys = {i: 1 - (i + 0.5) / n * 0.92 - 0.05 for i in range(n)}
    for k, head in enumerate(T["cols"]):
        ax.text(_X[k], 0.99, head, transform=ax.transAxes, fontsize=9.5, fontweight="bold", color=GREY_DARK,
                va="top", gid="header")
    root_y, gap_y = {}, {}
    for i, leaf in enumerate(leaves):
        root_y.setdefault((leaf["gap"], leaf["root"]), []).append(ys[i])
    for (gap, _), yy in root_y.items():
        gap_y.setdefault(gap, []).append(float(np.mean(yy)))
    for gap, yy in gap_y.items():
        name = next(lf["gap_name"] for lf in leaves if lf["gap"] == gap)
        _box(ax, _X[0], float(np.mean(yy)), _wrap(name, W[0], lang), None, "node-gap", 8.5)
    done = set()
    for i, leaf in enumerate(leaves):
        key = (leaf["gap"], leaf["root"])
        ry = float(np.mean(root_y[key]))
        if key not in done:
            done.add(key)
            _link(ax, _X[0] + 0.13, float(np.mean(gap_y[leaf["gap"]])), _X[1], ry)
            label = _rank(leaf["root_rank"], leaf["root_tied"]) + leaf["root_name"]
            _box(ax, _X[1], ry, _wrap(label, W[1], lang), leaf["root_basis"], "node-root", 8)
        x_ev = _X[3]
        if leaf["symptom"] is not None:
            _link(ax, _X[1] + 0.27, ry, _X[2], ys[i])
            label = _rank(leaf["symptom_rank"], leaf["symptom_tied"]) + str(leaf["symptom_name"])
            _box(ax, _X[2], ys[i], _wrap(label, W[2], lang, 2), leaf["symptom_basis"], "node-symptom", 8)
            _link(ax, _X[2] + 0.24, ys[i], x_ev, ys[i])
        else:
            _link(ax, _X[1] + 0.27, ry, x_ev, ys[i])
        ax.text(x_ev + 0.005, ys[i], _wrap(_evidence_line(leaf["rows"], lang), W[3], lang, 2),
                transform=ax.transAxes, fontsize=7.5, va="center", ha="left", color=INK, gid="evidence")


@plot_function
def cause_tree(res, ax=None, lang: str = "en", *, top: int = 6, segment=None, **kw):
    """The cause tree: gap → root cause (004) → bank symptom → evidence.

    Parameters
    ----------
    res : GapAnalysis or pandas.DataFrame
        The result (``res.cause_tree(lang=lang, **kw)`` is drawn) or that table.
    top : int, default 6
        How many root causes (the best-ranked) to draw, with their symptoms.
    segment : value, tuple or dict, optional
        The segment to draw when the tree was built per segment (``by=``).

    Returns
    -------
    matplotlib.axes.Axes
        Boxes are text artists with ``gid`` ``node-gap``, ``node-root``, ``node-symptom``;
        the evidence lines have ``gid="evidence"``. Box edges: red = measured, orange =
        inferred, purple = conflicting, grey = not itself ranked.

    Examples
    --------
    >>> surveys = [*sg.load_example(), sg.load_example_constructs()]
    >>> ax = sg.analyze(surveys).plot.cause_tree(top=3, lang="zh")
    >>> sorted({t.get_gid() for t in ax.texts} - {None})
    ['evidence', 'header', 'node-gap', 'node-root', 'node-symptom']
    """
    t = res if isinstance(res, pd.DataFrame) else res.cause_tree(lang=lang, **kw)
    missing = sorted(_TREE_KEYS - set(t.columns))
    if missing:
        raise ConfigError(f"cause_tree needs the table of res.cause_tree(); it lacks {', '.join(missing)}.")
    by = [c for c in t.columns if c not in _TREE_KEYS]
    t = select_segment(t, by, segment)
    if by and segment is None and len(t[by].drop_duplicates()) > 1:
        raise ConfigError(f"the tree has one branch per segment of {by}; choose one with segment=..., "
                          f"e.g. segment={t[by].iloc[0].tolist()[0]!r}.")
    leaves = _leaves(t, top) if len(t) else []
    ax = new_axes(ax, (11.0, 1.3 + 0.62 * max(len(leaves), 2)))
    ax.set_axis_off()
    if not leaves:
        ax.text(0.5, 0.5, _TEXT[lang]["none"], transform=ax.transAxes, ha="center", va="center", color=GREY_DARK)
    else:
        _draw(ax, leaves, lang)
        from matplotlib.patches import Patch

        seen = {lf["root_basis"] for lf in leaves} | {lf["symptom_basis"] for lf in leaves if lf["symptom"]}
        present = [b for b in BASIS_COLOURS if b in seen] + (["unranked"] if None in seen else [])
        ax.legend(handles=[Patch(facecolor="white", edgecolor=BASIS_COLOURS.get(b, _NONE), linewidth=1.6,
                                 label=_TEXT[lang][b]) for b in present], loc="lower right", frameon=False,
                  fontsize=8, ncol=len(present) or 1, bbox_to_anchor=(1.0, -0.04))
    seg = " / ".join(str(v) for v in t[by].iloc[0]) if by and len(t) else None
    title(ax, _TEXT[lang]["title"], _TEXT[lang]["sub"] + (f" · {seg}" if seg else ""))
    return ax
