"""Self-contained HTML report of a `servgap.GapAnalysis` (jinja2, autoescaped).

One file, no network: CSS is inline, figures are ``data:`` URIs (SVG by default, PNG
with ``image_format="png"``), nothing needs JavaScript. Sections: summary (the worst
significant gaps), pictures, gaps in detail (dimension × segment matrix, full tables),
overall scores, root causes with evidence and source quotes, further tables (zone of
tolerance, constructs, IPA), data quality and short methodology notes, in English or
simplified Chinese. Every string from the data (segment names, column names, file
names) is HTML-escaped by the template engine.

Examples
--------
>>> import tempfile, warnings
>>> from pathlib import Path
>>> import servgap as sg
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     res = sg.analyze(list(sg.load_example()), by="branch")
>>> path = Path(tempfile.mkdtemp()) / "report.html"
>>> html = res.to_html(path, lang="zh", plots=False)
>>> path.exists(), '<html lang="zh-Hans">' in html
(True, True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._version import __version__
from ..atomic import write_text
from ..display import check_lang, gap_background, num, pvalue, stars
from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..model.gaps import viewpoint_label
from .common import data_uri, figure_bytes, make_figure, optional_table, plain, plot_kinds, save_png
from .strings import STRINGS

WORST_ROWS = 8
#: The most segments the report lists (a table of 100,000 branches helps no reader and takes minutes to
#: render); with more, it lists those with the largest shortfalls and says so. Every segment stays in
#: the Excel and JSON outputs.
MAX_REPORT_SEGMENTS = 50
#: Figures that draw every segment: left out (with a note) when there are more than MAX_REPORT_SEGMENTS.
PER_SEGMENT_KINDS = ("gaps", "heatmap", "tolerance")


def _segment(row, by) -> str:
    return " / ".join(str(row[b]) for b in by)


# -- sections ---------------------------------------------------------------------------
class _Builder:
    def __init__(self, res, lang: str):
        self.res, self.lang, self.t = res, lang, STRINGS[lang]
        self.by = list(res.by)
        self.alpha = float(res.settings.alpha)
        self.conf = float(res.settings.confidence)
        self.inst = res.instrument
        self.labels = self.inst.labels(lang)
        self.gaps, self.items, self.overall = res.gaps, res.items, res.overall
        self.segments_note = self.too_many = None
        if self.by:
            self._cap_segments()

    def _cap_segments(self) -> None:
        """Keep the `MAX_REPORT_SEGMENTS` segments with the lowest (most negative) dimension gap."""
        d = self.gaps
        low = d.groupby(self.by, sort=False, dropna=False)["mean_gap"].min()
        if len(low) <= MAX_REPORT_SEGMENTS:
            return
        keep = low.sort_values(kind="stable", na_position="last").index[:MAX_REPORT_SEGMENTS]

        def within(df):
            key = pd.MultiIndex.from_frame(df[self.by]) if len(self.by) > 1 else pd.Index(df[self.by[0]])
            return df[key.isin(keep)]

        self.gaps, self.items, self.overall = within(d), within(self.res.items), within(self.res.overall)
        self.segments_note = self.t["segments_capped"].format(shown=MAX_REPORT_SEGMENTS, total=len(low))
        self.too_many = self.t["too_many_segments"].format(total=len(low))

    def vp_lower(self, vp) -> str:
        """Viewpoint label inside an English sentence starts lower-case."""
        text = viewpoint_label(vp, self.lang)
        return text[:1].lower() + text[1:] if self.lang == "en" else text

    def dim_label(self, d) -> str:
        return self.labels.get(str(d), str(d))

    def item_label(self, i) -> str:
        text = self.labels.get(str(i), str(i))
        return f"{i} · {text}" if text != str(i) else str(i)

    def gap_cell(self, r, scale):
        return {"text": num(r["mean_gap"], signed=True) + stars(r["p_adj"]),
                "style": gap_background(r["mean_gap"], r["p_adj"], self.alpha, scale),
                "cls": "num sig" if plain(r["p_adj"]) is not None and r["p_adj"] < self.alpha else "num"}

    def kpis(self):
        t, res = self.t, self.res
        out = []
        ov = res.overall
        g = 5 if 5 in res.measured_gaps else (res.measured_gaps[-1] if res.measured_gaps else None)
        for measure, label in (("unweighted", t["kpi_overall"]), ("importance_weighted", t["kpi_weighted"])):
            rows = ov[(ov["gap"] == g) & (ov["measure"] == measure)] if g is not None and len(ov) else ov.iloc[:0]
            rows = rows[rows["mean_gap"].notna()]
            if rows.empty:
                continue
            if g != 5:
                label = label.replace("5", str(g))
            if len(rows) == 1:
                r = rows.iloc[0]
                out.append({"label": label, "value": num(r["mean_gap"], signed=True) + stars(r["p_adj"]),
                            "note": f"{self.conf:.0%} CI {num(r['ci_low'])} … {num(r['ci_high'])}",
                            "neg": r["mean_gap"] < 0})
            else:
                lo, hi = rows.loc[rows["mean_gap"].idxmin()], rows.loc[rows["mean_gap"].idxmax()]
                out.append({"label": label, "value": f"{num(lo['mean_gap'], signed=True)} … "
                                                     f"{num(hi['mean_gap'], signed=True)}",
                            "note": t["range"].format(lo=num(lo["mean_gap"], signed=True), lo_seg=_segment(lo, self.by),
                                                      hi=num(hi["mean_gap"], signed=True), hi_seg=_segment(hi, self.by)),
                            "neg": hi["mean_gap"] < 0})
        d = self.gaps
        sig = d[(d["mean_gap"] < 0) & (d["p_adj"] < self.alpha)]
        out.append({"label": t["kpi_sig"], "value": f"{len(sig)}", "note": t["kpi_sig_of"].format(n=len(d)),
                    "neg": len(sig) > 0})
        surveys = getattr(res, "_saved", {}).get("surveys") or [{"source": s.source, "n": s.n} for s in res.surveys]
        per_file = {}
        for s in surveys:   # one file may feed two surveys (staff ratings and staff constructs)
            per_file[str(s["source"])] = max(per_file.get(str(s["source"]), 0), int(s["n"]))
        out.append({"label": t["kpi_n"], "value": f"{sum(per_file.values()):,}",
                    "note": " · ".join(f"{k}: {v:,}" for k, v in per_file.items()), "neg": False})
        return out

    def worst(self):
        d = self.gaps
        sig = d[(d["mean_gap"] < 0) & (d["p_adj"] < self.alpha)].sort_values("mean_gap", kind="stable")
        rows = []
        for _, r in sig.head(WORST_ROWS).iterrows():
            rows.append({"gap": gap_def(int(r["gap"])).label(self.lang), "dimension": self.dim_label(r["dimension"]),
                         "segment": _segment(r, self.by) if self.by else self.t["all"],
                         "value": num(r["mean_gap"], signed=True) + stars(r["p_adj"]),
                         "ci": f"{num(r['ci_low'])} … {num(r['ci_high'])}", "p": pvalue(r["p_adj"]), "n": int(r["n"])})
        if sig.empty:
            lead = self.t["lead_none"].format(alpha=self.alpha, correction=self.res.settings.correction)
        else:
            r = sig.iloc[0]
            seg = self.t["at"].format(segment=_segment(r, self.by)) if self.by else ""
            lead = self.t["lead"].format(dimension=self.dim_label(r["dimension"]), segment=seg,
                                         later=viewpoint_label(r["later"], self.lang),
                                         benchmark=self.vp_lower(r["benchmark"]),
                                         size=num(-r["mean_gap"]), gap=gap_def(int(r["gap"])).label(self.lang),
                                         conf=self.conf, lo=num(r["ci_low"]), hi=num(r["ci_high"]), p=pvalue(r["p_adj"]))
        return lead, rows

    def gap_sections(self):
        out = []
        for g in self.res.measured_gaps:
            d = self.gaps[self.gaps["gap"] == g]
            it = self.items[self.items["gap"] == g]
            comp = gap_def(g)
            scale = max(0.5, float(np.nanmax(np.abs(d["mean_gap"].to_numpy(dtype=float)))) if d["mean_gap"].notna().any()
                        else 0.5)
            segs = list(dict.fromkeys(_segment(r, self.by) for _, r in d.iterrows())) if self.by else [self.t["all"]]
            matrix = []
            for dim in self.inst.dimension_ids:
                sub = d[d["dimension"] == dim]
                if sub.empty:
                    continue
                cells = {(_segment(r, self.by) if self.by else self.t["all"]): self.gap_cell(r, scale)
                         for _, r in sub.iterrows()}
                matrix.append({"label": self.dim_label(dim), "cells": [cells.get(s, {"text": "–"}) for s in segs]})
            first = d.iloc[0] if len(d) else None
            out.append({
                "id": f"gap{g}", "name": comp.label(self.lang),
                "definition": self.t["definition"].format(later=viewpoint_label(comp.later, self.lang),
                                                          benchmark=self.vp_lower(comp.benchmark)),
                "test": "" if first is None else self.t["tests"].get(first["test"], str(first["test"])), "segments": segs, "matrix": matrix,
                "bench": viewpoint_label(comp.benchmark, self.lang), "later": viewpoint_label(comp.later, self.lang),
                "dim_rows": self.rows(d, scale, level="dimension"), "item_rows": self.rows(it, scale, level="item")})
        return out

    def rows(self, df, scale, level):
        out = []
        for _, r in df.iterrows():
            row = {"dimension": self.dim_label(r["dimension"]), "segment": [str(r[b]) for b in self.by],
                   "n": int(r["n"]), "bench": num(r["mean_benchmark"]), "later": num(r["mean_later"]),
                   "gap": self.gap_cell(r, scale), "ci": f"{num(r['ci_low'])} … {num(r['ci_high'])}",
                   "p": pvalue(r["p_adj"]), "effect": num(r["effect"])}
            if level == "item":
                row["item"] = self.item_label(r["item"])
            out.append(row)
        return out

    def overall_rows(self):
        out = []
        ov = self.overall
        scale = max(0.5, float(np.nanmax(np.abs(ov["mean_gap"].to_numpy(dtype=float))))) if ov["mean_gap"].notna().any() \
            else 0.5
        for _, r in ov.iterrows():
            out.append({"gap": gap_def(int(r["gap"])).label(self.lang), "measure": self.t.get(r["measure"], r["measure"]),
                        "segment": [str(r[b]) for b in self.by], "n": int(r["n"]), "gap_cell": self.gap_cell(r, scale),
                        "ci": f"{num(r['ci_low'])} … {num(r['ci_high'])}", "p": pvalue(r["p_adj"])})
        return out

    def causes(self):
        df, why = optional_table(self.res, "causes", self.lang)
        if df is None:
            return [], self.t["causes_unavailable"].format(why=why)
        out = []
        for _, r in df.iterrows():
            gaps = r.get("gap")
            gaps = ", ".join(str(x) for x in gaps) if isinstance(gaps, (list, tuple, np.ndarray)) else str(plain(gaps))
            rem = r.get("remedies")
            rem = [str(x) for x in rem] if isinstance(rem, (list, tuple, np.ndarray)) else ([str(rem)] if rem else [])
            src = r.get("sources")
            src = list(src) if isinstance(src, (list, tuple, np.ndarray)) else ([src] if src else [])
            quotes = [{"doc": str(s.get("document", "")), "quote": str(s.get("quote", ""))} if isinstance(s, dict)
                      else {"doc": "", "quote": str(s)} for s in src]
            out.append({"rank": plain(r.get("rank")), "cause": str(r.get("cause", "")), "name": str(r.get("name", "")),
                        "segment": [str(r[b]) for b in self.by if b in r.index], "gap": gaps,
                        "score": num(r.get("score")), "basis": str(r.get("basis", "")),
                        "evidence": str(plain(r.get("evidence")) or ""), "explanation": str(plain(r.get("explanation"))
                                                                                          or ""),
                        "remedies": rem, "sources": quotes})
        return out, None

    def extra_tables(self):
        out = []
        for name in ("tolerance", "constructs", "ipa"):
            df, _ = optional_table(self.res, name, self.lang)
            if df is None:
                continue
            cols = [str(c) for c in df.columns]
            rows = [[self.cell(c, v) for c, v in zip(cols, row)] for row in df.itertuples(index=False, name=None)]
            out.append({"name": name, "title": self.t["fig"].get(name, name.title()), "columns": cols, "rows": rows})
        return out

    def cell(self, col, v):
        v = plain(v)
        if col in ("dimension", "construct") and isinstance(v, str):
            return self.dim_label(v)
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return "–" if v is None else str(v)
        if isinstance(v, float):
            return pvalue(v) if col.endswith(("p", "p_adj")) else num(v)
        return str(v)

    def quality(self):
        q = self.res.quality
        summary = []
        if len(q):
            agg = q.groupby(["source", "issue"], sort=False, as_index=False)["count"].sum()
            summary = [{"source": r["source"], "issue": r["issue"], "text": self.t["issues"].get(r["issue"], r["issue"]),
                        "count": f"{int(r['count']):,}"} for _, r in agg.iterrows()]
        full = [{"source": r["source"], "column": r["column"], "issue": r["issue"], "count": f"{int(r['count']):,}"}
                for _, r in q.iterrows()]
        missing = [{"gap": int(r["gap"]), "name": gap_def(int(r["gap"])).label(self.lang), "reason": r["reason"]}
                   for _, r in self.res.missing_gaps.iterrows()]
        return summary, full, missing

    def has_weights(self) -> bool:
        saved = getattr(self.res, "_saved", None)
        if saved:
            return any(x.get("weighted") for x in saved.get("surveys", []))
        return any(x.weights is not None for x in self.res.surveys)

    def method(self):
        s, t = self.res.settings, self.t
        mi = s.get("min_items") or 0.5
        fill = {"min_items": f"{mi:.0%}", "conf": self.conf, "alpha": self.alpha,
                "correction": s.get("correction", "holm"),
                "test_text": t["test_wilcoxon"] if s.get("test") == "wilcoxon" else t["test_t"],
                "weight_text": t["weights_on"] if s.get("weighted", True) and self.has_weights() else t["weights_off"]}
        if s.get("variance") == "design":        # analyze(variance="design"): say how the variances were made
            weighted = s.get("weighted", True) and self.has_weights()
            fill["weight_text"] = ("" if weighted else t["weights_off"] + " ") + t["variance_design"]
        return [(h, body.format(**fill)) for h, body in t["method_items"]]


def _figures(res, lang, image_format, plots_dir=None, plots=True, too_many=None):
    out = []
    for kind in (plot_kinds(res) if plots is True else tuple(plots or ())):
        if too_many and kind in PER_SEGMENT_KINDS:
            out.append({"kind": kind, "title": STRINGS[lang]["fig"][kind], "uri": None,
                        "note": STRINGS[lang]["figure_skipped"].format(why=too_many)})
            continue
        f = make_figure(res, kind, lang)
        title = STRINGS[lang]["fig"][kind]
        if f.figure is not None and plots_dir is not None:
            Path(plots_dir).mkdir(parents=True, exist_ok=True)
            save_png(f.figure, Path(plots_dir) / f"{kind}.png")
        if f.figure is None:
            if kind == "heatmap" and not res.by:
                continue
            out.append({"kind": kind, "title": title, "uri": None,
                        "note": STRINGS[lang]["figure_skipped"].format(why=f.note)})
        else:
            out.append({"kind": kind, "title": title, "note": None,
                        "uri": data_uri(figure_bytes(f.figure, image_format), image_format)})
    return out


def render_context(res, lang: str = "en", title: str | None = None, image_format: str = "svg",
                   plots_dir=None, plots=True) -> dict:
    """Everything the template shows, as plain strings and numbers."""
    t = STRINGS[lang]
    b = _Builder(res, lang)
    lead, worst = b.worst()
    causes, causes_note = b.causes()
    summary, full, missing = b.quality()
    return {"t": t, "lang": lang, "title": title or t["title"], "version": __version__, "by": [str(x) for x in b.by],
            "settings": {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else plain(v)
                         for k, v in res.settings.items()},
            "kpis": b.kpis(), "lead": lead, "worst": worst, "conf": b.conf, "figures": _figures(res, lang, image_format, plots_dir, plots, b.too_many),
            "gap_sections": b.gap_sections(), "overall": b.overall_rows(), "causes": causes,
            "segments_note": b.segments_note,
            "causes_note": causes_note, "extra": b.extra_tables(), "quality_summary": summary,
            "quality_full": full, "missing": missing, "method": b.method(),
            "ci_label": t["ci"].format(conf=b.conf)}


def _environment():
    try:
        import jinja2
    except ModuleNotFoundError:
        raise ConfigError("the HTML report needs jinja2: pip install 'servgap[report]'.") from None

    return jinja2.Environment(loader=jinja2.PackageLoader("servgap.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def to_html(res, path=None, lang: str = "en", title: str | None = None, image_format: str = "svg",
            plots_dir=None, plots=True) -> str:
    """Render the self-contained HTML report.

    Parameters
    ----------
    res : GapAnalysis
    path : str or path-like, optional
        Where to write the report (UTF-8).
    lang : {"en", "zh"}
        Language of headings, labels and notes.
    title : str, optional
        Page title (default "Service quality gap report" / "服务质量差距报告").
    image_format : {"svg", "png"}
        How figures are embedded (as ``data:`` URIs).
    plots_dir : str or path-like, optional
        Also save every figure as ``<kind>.png`` in this folder (each is drawn once).
    plots : bool or sequence of str
        ``False`` leaves the figures out (a faster, tables-only report); a list of plot
        kinds (`servgap.plots.KINDS`) draws only those.

    Returns
    -------
    str
        The HTML text.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = sg.analyze(sg.load_example()[0])
    >>> html = res.to_html(Path(tempfile.mkdtemp()) / "report.html", lang="en", plots=False)
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    check_lang(lang)
    if image_format not in ("svg", "png"):
        raise ConfigError(f"image_format={image_format!r}; use 'svg' or 'png'.")
    html = _environment().get_template("report.html.j2").render(
        **render_context(res, lang, title, image_format, plots_dir, plots))
    if path is not None:
        write_text(path, html)
    return html


__all__ = ["render_context", "to_html"]
