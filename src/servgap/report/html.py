"""Self-contained HTML report of a `servgap.GapAnalysis` (jinja2, autoescaped).

One file, no network, no JavaScript: CSS is inline, figures are ``data:`` URIs (see
`servgap.report.figures` for the format per figure). The report tells the story first:

1. **Summary** — the overall gap 5 (one number with its CI and n), the three largest
   significant shortfalls, the most likely causes with their basis and the first
   actions: the decision on the first screen.
2. Pictures; root causes and actions with evidence and source quotes; the gaps in
   detail (dimension × segment matrix, full tables); overall scores; further tables
   (zone of tolerance, constructs, IPA); data quality; methodology and the settings
   in words; provenance (versions, input files with SHA-256, time).

Every table shows human headers and values in English or simplified Chinese, and
scrolls inside its card on a phone. Each table cell carries where it came from
(``data-table`` on the table, ``data-row`` on the row or cell: the position in that
result table, ``data-col`` on the header or cell), so a test can check every number.
Every string from the data (segment names, column names, file names) is HTML-escaped.

Examples
--------
>>> import servgap as sg, tempfile, os
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> path = os.path.join(tempfile.mkdtemp(), "report.html")
>>> html = res.to_html(path, lang="zh", plots=["model"])
>>> "总体差距5" in html and os.path.getsize(path) > 0
True
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .._version import __version__
from ..atomic import write_text
from ..display import SMALL_SAMPLE, check_lang, gap_background, num, pvalue, significant, stars
from ..errors import ConfigError
from ..model.gaps import gap as gap_def
from ..model.gaps import viewpoint_label
from .common import chosen_kinds, optional_table, provenance
from .figures import IMAGE_FORMATS, report_figures
from .strings import STRINGS
from .html_causes import MAX_TABLE_ROWS, TOP, CauseSections
from .summary import headline, shortfalls
from .tables import Labels, col, settings_in_words, spec, view

#: The most segments the report lists (a table of 100,000 branches helps no reader and takes minutes to
#: render); with more, it lists those with the largest shortfalls and says so. Every segment stays in
#: the Excel and JSON outputs.
MAX_REPORT_SEGMENTS = 50
#: Figures that draw every segment: left out (with a note) when there are more than MAX_REPORT_SEGMENTS.
PER_SEGMENT_KINDS = ("gaps", "heatmap", "tolerance")


def _segment(row, by) -> str:
    return " / ".join(str(row[b]) for b in by)


class _Builder(CauseSections):
    def __init__(self, res, lang: str):
        self.res, self.lang, self.t = res, lang, STRINGS[lang]
        self.by = [str(b) for b in res.by]
        self.alpha = float(res.settings.alpha)
        self.conf = float(res.settings.confidence)
        self.inst = res.instrument
        self.labels = Labels(self.inst, lang)
        self.gaps, self.items, self.overall = res.gaps, res.items, res.overall
        self.segments_note = self.too_many = None
        if self.by:
            self._cap_segments()

    def _cap_segments(self) -> None:
        """Keep the `MAX_REPORT_SEGMENTS` segments with the lowest (most negative) dimension gap
        (rows keep their positions in the result tables: the index)."""
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
        return self.labels.value("dimension", d)

    def view(self, df, name, **kw):
        return view(df, spec(name, self.by), self.labels, self.conf, self.by, alpha=self.alpha, **kw)

    # -- summary ----------------------------------------------------------------------
    def headline(self):
        h = headline(self.res)
        if h is None:
            return None
        t = self.t
        out = {"label": t["headline"] if h["gap"] == 5 else t["headline_none"].format(gap=gap_def(h["gap"]).label(
            self.lang)), "value": num(h["mean_gap"], signed=True), "stars": stars(h["p_adj"]),
            "neg": (h["mean_gap"] or 0) < 0 and significant(h["p_adj"], self.alpha),
            "note": t["headline_note"].format(conf=self.conf, lo=num(h["ci_low"], signed=True),
                                              hi=num(h["ci_high"], signed=True), n=f"{int(h['n']):,}",
                                              p=pvalue(h["p_adj"])), "more": []}
        w = h.get("weighted")
        if w:
            out["more"].append(t["headline_weighted"].format(value=num(w["mean_gap"], signed=True), conf=self.conf,
                                                             lo=num(w["ci_low"], signed=True),
                                                             hi=num(w["ci_high"], signed=True)))
        s = h.get("segments")
        if s and s["k"] > 1:                     # a range needs two segments
            out["more"].append(t["headline_segments"].format(k=s["k"], lo=num(s["lo"], signed=True),
                                                             lo_seg=s["lo_segment"], hi=num(s["hi"], signed=True),
                                                             hi_seg=s["hi_segment"]))
        return out

    def lead(self, sig):
        if sig.empty:
            return self.t["lead_none"].format(alpha=self.alpha,
                                              correction=self.t["corrections"].get(self.res.settings.correction))
        r = sig.iloc[0]
        seg = self.t["at"].format(segment=_segment(r, self.by)) if self.by else ""
        return self.t["lead"].format(dimension=self.dim_label(r["dimension"]), segment=seg,
                                     later=viewpoint_label(r["later"], self.lang),
                                     benchmark=self.vp_lower(r["benchmark"]), size=num(-r["mean_gap"]),
                                     gap=gap_def(int(r["gap"])).label(self.lang), conf=self.conf,
                                     lo=num(r["ci_low"]), hi=num(r["ci_high"]), p=pvalue(r["p_adj"]))

    def shortfall_tables(self, sig):
        cols = [col("gap", "gapno"), col("dimension", "label"), *[col(b) for b in self.by], col("n", "int"),
                col("mean_gap", "signed", stars_from="p_adj"), col("ci_low ci_high", "ci", "ci"),
                col("p_adj", "p")]
        pos = sig["_pos"].to_numpy()
        kw = {"positions": pos, "alpha": self.alpha}
        top = view(sig, cols, self.labels, self.conf, self.by, limit=TOP, **kw)
        full = view(sig, cols, self.labels, self.conf, self.by, limit=MAX_TABLE_ROWS, **kw)
        return top, (full if len(sig) > TOP else None)

    def kpis(self, sig):
        t, res = self.t, self.res
        out = [{"label": t["kpi_sig"], "value": f"{len(sig)}", "note": t["kpi_sig_of"].format(n=len(self.gaps)),
                "neg": len(sig) > 0}]
        per_file = {}
        surveys = getattr(res, "surveys", ()) or ()
        files = [((getattr(sv, "metadata", None) or {}).get("files") or [None])[0] for sv in surveys]
        for k, s in enumerate(res.survey_info):   # one file may feed two surveys (staff ratings and constructs)
            f = files[k] if k < len(files) else None
            name = f["name"] if f else str(s["source"])
            per_file[name] = max(per_file.get(name, 0), int(s["n"]))
        out.append({"label": t["kpi_n"], "value": f"{sum(per_file.values()):,}",
                    "note": " · ".join(f"{k}: {v:,}" for k, v in per_file.items()), "neg": False})
        return out

    # -- details ----------------------------------------------------------------------
    def gap_sections(self):
        out = []
        g_all, it_all = self.gaps, self.items
        for g in self.res.measured_gaps:
            mask = (g_all["gap"] == g).to_numpy()
            d, dpos = g_all[mask], g_all.index.to_numpy()[mask]       # positions in res.gaps (a RangeIndex)
            imask = (it_all["gap"] == g).to_numpy()
            comp = gap_def(g)
            vals = d["mean_gap"].to_numpy(dtype=float)
            scale = max(0.5, float(np.nanmax(np.abs(vals)))) if np.isfinite(vals).any() else 0.5
            segs = list(dict.fromkeys(_segment(r, self.by) for r in d[self.by].to_dict("records"))) if self.by \
                else [self.t["all"]]
            bench, later = viewpoint_label(comp.benchmark, self.lang), viewpoint_label(comp.later, self.lang)
            heads = {"benchmark_mean": self.t["benchmark_mean"].format(name=bench),
                     "later_mean": self.t["benchmark_mean"].format(name=later)}
            first = d.iloc[0] if len(d) else None
            out.append({
                "id": f"gap{g}", "name": comp.label(self.lang),
                "definition": self.t["definition"].format(later=later, benchmark=self.vp_lower(comp.benchmark)),
                "test": "" if first is None else self.t["tests"].get(first["test"], str(first["test"])),
                "segments": segs, "matrix": self.matrix(d, dpos, segs, scale),
                "dim_table": self.view(d, "gaps", positions=dpos, headers=heads),
                "item_table": self.view(it_all[imask], "items", positions=it_all.index.to_numpy()[imask], headers=heads,
                                   limit=MAX_TABLE_ROWS)})
        return out

    def matrix(self, d, dpos, segs, scale):
        rows = []
        recs = d.to_dict("records")
        for dim in self.inst.dimension_ids:
            cells = {}
            for p, r in zip(dpos, recs):
                if r["dimension"] == dim:
                    cells[_segment(r, self.by) if self.by else self.t["all"]] = {
                        "pos": int(p), "text": num(r["mean_gap"], signed=True) + stars(r["p_adj"]),
                        "style": gap_background(r["mean_gap"], r["p_adj"], self.alpha, scale),
                        "sig": significant(r["p_adj"], self.alpha)}
            if cells:
                rows.append({"label": self.dim_label(dim), "cells": [cells.get(s) for s in segs]})
        return rows

    def extra_tables(self):
        out = []
        for name in ("tolerance", "constructs", "ipa"):
            df, _ = optional_table(self.res, name, self.lang)
            if df is not None:
                out.append({"name": name, "title": self.t["fig"].get(name, name),
                            "table": self.view(df, name, limit=MAX_TABLE_ROWS)})
        return out

    def quality(self):
        q = self.res.quality
        summary = []
        if len(q):
            agg = q.groupby(["source", "issue"], sort=False, as_index=False)["count"].sum()
            summary = [{"source": r["source"], "issue": r["issue"], "text": self.t["issues"].get(r["issue"], r["issue"]),
                        "count": f"{int(r['count']):,}"} for r in agg.to_dict("records")]
        full = [{"source": r["source"], "column": r["column"], "issue": self.t["issues"].get(r["issue"], r["issue"]),
                 "count": f"{int(r['count']):,}"} for r in q.to_dict("records")]
        missing = [{"gap": int(r["gap"]), "name": gap_def(int(r["gap"])).label(self.lang), "reason": r["reason"]}
                   for r in self.res.missing_gaps.to_dict("records")]
        return summary, full, missing

    def has_weights(self) -> bool:
        return any(x.get("weighted") for x in self.res.survey_info)

    def method(self):
        s, t = self.res.settings, self.t
        fill = {"min_items": f"{(s.min_items or 0.5):.0%}", "conf": self.conf, "alpha": self.alpha,
                "correction": t["corrections"].get(s.correction, s.correction),
                "test_text": t["test_wilcoxon"] if s.test == "wilcoxon" else t["test_t"],
                "weight_text": t["weights_on"] if s.weighted and self.has_weights() else t["weights_off"]}
        if s.get("variance") == "design":        # analyze(variance="design"): say how the variances were made
            weighted = s.weighted and self.has_weights()
            fill["weight_text"] = ("" if weighted else t["weights_off"] + " ") + t["variance_design"]
        return [(h, body.format(**fill)) for h, body in t["method_items"]]

    def settings_in_words(self):
        return settings_in_words(self.res, self.lang)

    def provenance(self):
        p = provenance(self.res)
        inputs = [{"name": i["name"], "bytes": f"{i['bytes']:,}" if i.get("bytes") is not None else "–",
                   "sha256": i["sha256"] or (self.t["in_memory"] if i.get("bytes") is None else self.t["changed"])}
                  for i in p["inputs"]]
        software = " · ".join(f"{k} {v}" for k, v in {"servgap": p["servgap_version"], **p.get("software", {})}.items())
        return {"created": p["created"], "inputs": inputs, "software": software}


def render_context(res, lang: str = "en", title: str | None = None, image_format: str = "auto",
                   plots_dir=None, plots=True) -> dict:
    """Everything the template shows, as plain strings and numbers."""
    t = STRINGS[lang]
    kinds = chosen_kinds(res, plots)
    b = _Builder(res, lang)
    sig = shortfalls(res)
    top, all_short = b.shortfall_tables(sig)
    top_causes_, causes_why = b.summary_causes()
    causes, causes_note = b.causes()
    actions, actions_note = b.actions()
    first = b.first_actions()
    summary, full, missing = b.quality()
    skipped = [k for k in kinds if b.too_many and k in PER_SEGMENT_KINDS]
    figures = report_figures(res, lang, [k for k in kinds if k not in skipped], image_format, plots_dir)
    figures += [{"kind": k, "uri": None, "format": None, "note": b.too_many} for k in skipped]
    figures.sort(key=lambda f: kinds.index(f["kind"]))
    for f in figures:
        f["title"] = t["fig"].get(f["kind"], f["kind"])
        f["note"] = t["figure_skipped"].format(why=f["note"]) if f["note"] else None
    prov = b.provenance()
    return {"t": t, "lang": lang, "title": title or t["title"], "version": __version__, "small_sample": SMALL_SAMPLE,
            "by": b.by, "headline": b.headline(), "lead": b.lead(sig), "kpis": b.kpis(sig), "top": top,
            "all_shortfalls": all_short, "top_causes": top_causes_, "causes_why": causes_why,
            "first_actions": first, "conf": b.conf, "figures": figures, "gap_sections": b.gap_sections(),
            "overall": b.view(b.overall, "overall", positions=b.overall.index.to_numpy()), "causes": causes,
            "causes_note": causes_note, "segments_note": b.segments_note,
            "actions": actions, "actions_note": actions_note, "extra": b.extra_tables(), "quality_summary": summary,
            "quality_full": full, "missing": missing, "method": b.method(), "settings": b.settings_in_words(),
            "provenance": prov}


@functools.cache
def _environment():
    """The Jinja environment, built once per process: it keeps the compiled template."""
    try:
        import jinja2
    except ModuleNotFoundError:
        raise ConfigError("the HTML report needs jinja2: pip install 'servgap[report]'.") from None

    return jinja2.Environment(loader=jinja2.PackageLoader("servgap.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def to_html(res, path=None, lang: str = "en", title: str | None = None, image_format: str = "auto",
            plots_dir=None, plots=True) -> str:
    """Render the self-contained HTML report.

    Parameters
    ----------
    res : GapAnalysis
    path : str, path-like or file object, optional
        Where to write the report (UTF-8; a path is written atomically, an open text or
        binary file object is written into).
    lang : {"en", "zh"}
        Language of headings, labels and notes.
    title : str, optional
        Page title (default "Service quality gap report" / "服务质量差距报告").
    image_format : {"auto", "svg", "png"}
        How figures are embedded (as ``data:`` URIs): ``"auto"`` picks SVG or PNG per
        figure by size (see `servgap.report.figures`).
    plots_dir : str or path-like, optional
        Also save every figure as ``<kind>.png`` in this folder (each figure is drawn once).
    plots : bool or sequence of str
        ``False`` leaves the figures out (a tables-only report, written in a fraction of
        the time: the figures are most of a report's cost); a list of plot kinds
        (`servgap.plots.KINDS`) draws only those. An unknown kind is a `ConfigError`.

    Returns
    -------
    str
        The HTML text.

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(sg.load_example()[0], gaps=[5])
    >>> html = res.to_html(os.path.join(tempfile.mkdtemp(), "report.html"), plots=False)
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    check_lang(lang)
    if image_format not in IMAGE_FORMATS:
        raise ConfigError(f"image_format={image_format!r}; use 'auto', 'svg' or 'png'.")
    html = _environment().get_template("report.html.j2").render(
        **render_context(res, lang, title, image_format, plots_dir, plots))
    if path is not None:
        write_text(path, html)
    return html


__all__ = ["render_context", "to_html"]
