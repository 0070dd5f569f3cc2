"""The figures of a report, each built once per result and rendered once per format.

`report_figures` draws every plot kind once (`servgap.report.common.make_figure`) and
renders it to the formats needed — the HTML image, plus a PNG file per figure when a
``plots_dir`` is given — from the same figure object (one draw per format, no
``bbox_inches="tight"`` second pass: the plots lay themselves out to fit).

Format per figure (``image_format="auto"``, the default): SVG with text kept as text
(``svg.fonttype="none"``: a fraction of the bytes and the time of glyph outlines, and
the browser draws the labels in the reader's fonts, Chinese included), unless that
SVG is larger than `SVG_LIMIT` bytes — a figure with thousands of marks — and its PNG
smaller; then the PNG. ``"svg"`` and ``"png"`` force one format.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from ..atomic import write_bytes
from .common import data_uri, make_figure

IMAGE_FORMATS = ("auto", "svg", "png")
SVG_LIMIT = 250_000
DPI = 144


def _metadata(fmt: str) -> dict:
    # no creation date, so identical results give identical images
    return {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}.get(fmt, {})


def render(fig, fmt: str, dpi: int = DPI) -> bytes:
    """One figure as SVG (text as text) or PNG bytes; the figure stays open."""
    import matplotlib as mpl

    buf = io.BytesIO()
    with warnings.catch_warnings(), mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "servgap"}):
        # without a CJK font servgap has warned once already; no warning per missing glyph
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        # one draw: the figures are laid out (constrained layout) to fit inside their canvas, so no
        # bbox_inches="tight" (which draws everything twice)
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return buf.getvalue()


def _images(fig, image_format: str, want_png: bool) -> dict:
    out = {}
    if image_format in ("auto", "svg"):
        out["svg"] = render(fig, "svg")
    if want_png or image_format == "png" or (image_format == "auto" and len(out["svg"]) > SVG_LIMIT):
        out["png"] = render(fig, "png")
    if image_format == "png" or (image_format == "auto" and "png" in out and len(out["png"]) < len(out["svg"])):
        out["use"] = "png"
    else:
        out["use"] = "svg"
    return out


def _drawn(res, kind: str, lang: str, image_format: str, want_png: bool) -> dict:
    """``{"note"}`` or the images of one figure: built once, rendered once per format needed."""
    import matplotlib.pyplot as plt

    f = make_figure(res, kind, lang)
    if f.figure is None:
        return {"note": f.note}
    try:
        return _images(f.figure, image_format, want_png)
    finally:
        plt.close(f.figure)


def report_figures(res, lang: str, kinds, image_format: str = "auto", plots_dir=None) -> list[dict]:
    """``[{"kind", "uri" or None, "format", "note"}]`` for ``kinds``; PNG files in ``plots_dir`` too.

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(sg.load_example()[0], gaps=[5])
    >>> out = tempfile.mkdtemp()
    >>> figs = report_figures(res, "en", ["gaps", "heatmap"], plots_dir=out)
    >>> [(f["kind"], f["format"]) for f in figs], os.listdir(out)
    ([('gaps', 'svg'), ('heatmap', None)], ['gaps.png'])
    """
    out = []
    for kind in kinds:
        d = _drawn(res, kind, lang, image_format, plots_dir is not None)
        if "note" in d:
            out.append({"kind": kind, "uri": None, "format": None, "note": d["note"]})
            continue
        if plots_dir is not None:
            Path(plots_dir).mkdir(parents=True, exist_ok=True)
            write_bytes(Path(plots_dir) / f"{kind}.png", d["png"])
        out.append({"kind": kind, "uri": data_uri(d[d["use"]], d["use"]), "format": d["use"], "note": None})
    return out
