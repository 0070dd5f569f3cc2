"""What the exporters share: the optional tables (zone of tolerance, constructs, IPA,
causes) that exist only when the data and the modules allow them, JSON-ready values, and
figure rendering that skips a plot with a note instead of failing the whole report."""

from __future__ import annotations

import base64
import datetime
import decimal
import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ServgapError, ServgapWarning


#: Optional tables: name -> how to get it from a result (the hook on GapAnalysis).
OPTIONAL_TABLES = {
    "tolerance": lambda res, lang: res.tolerance,
    "constructs": lambda res, lang: res.constructs,
    "ipa": lambda res, lang: res.ipa,
    "causes": lambda res, lang: res.causes(lang=lang),
    "actions": lambda res, lang: res.actions(lang=lang),
    "cause_tree": lambda res, lang: res.cause_tree(lang=lang),
}

def optional_table(res, name: str, lang: str = "en"):
    """An optional result table, or ``(None, reason)`` when it is not available.

    A table is unavailable when the module computing it is not installed or when the
    analysis cannot produce it (a `servgap.errors.ServgapError`, e.g. no
    desired/adequate ratings). Any other exception is a bug in that module: the table
    is left out with a `servgap.errors.ServgapWarning` naming the error, so that
    one broken extra does not sink a whole report or batch.

    Returns
    -------
    (pandas.DataFrame or None, str or None)
    """
    try:
        df = OPTIONAL_TABLES[name](res, lang)
    except ModuleNotFoundError as exc:
        return None, f"module {exc.name} is not available"
    except ServgapError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - see docstring
        warnings.warn(f"the {name!r} table failed and was left out: {type(exc).__name__}: {exc}",
                      ServgapWarning, stacklevel=3)
        return None, f"{type(exc).__name__}: {exc}"
    if df is None or len(df) == 0:
        return None, "no data"
    return df, None


def _is_missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and not math.isfinite(v))


def plain(v):
    """Convert numpy/pandas scalars and containers to JSON-ready Python (NaN, inf -> None)."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray, pd.Index, pd.Series)):
        return [plain(x) for x in list(v)]
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (datetime.date, datetime.time)):     # also pd.Timestamp
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v) if v.is_finite() else None
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", errors="replace")
    if isinstance(v, (str, int, float)) or v is None:
        return v
    return str(v)          # pd.Period, pd.Timedelta, ... : their readable text (segment values of a wave column)


def records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as a list of plain dicts (column order kept, NaN -> None)."""
    cols = [str(c) for c in df.columns]
    return [dict(zip(cols, (plain(v) for v in row))) for row in df.itertuples(index=False, name=None)]


@dataclass
class Figure:
    """One report figure: ``kind``, the matplotlib figure (or ``None``) and a note."""

    kind: str
    figure: object = None
    note: str | None = None


def make_figure(res, kind: str, lang: str = "en", **kwargs) -> Figure:
    """Draw ``res.plot.<kind>(lang=lang)``; a missing plot or an inapplicable one becomes a note.

    The plot is skipped (``figure=None`` and a ``note`` saying why) when
    `servgap.plots` or the plot function is not available, or when the plot
    raises a `servgap.errors.ServgapError` (e.g. a heatmap without segments).
    Any other failure is a bug in the plot: it is skipped too, with a
    `servgap.errors.ServgapWarning` naming the error.
    """
    if kind == "heatmap" and not res.by:
        return Figure(kind, note="no segments (by=) in this analysis")
    try:
        accessor = res.plot
    except ModuleNotFoundError as exc:
        return Figure(kind, note=f"plotting is not available ({exc.name})")
    fn = getattr(accessor, kind, None)
    if fn is None:
        return Figure(kind, note=f"the plot '{kind}' is not available in this version")
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        ax = fn(lang=lang, **kwargs)
    except Exception as exc:  # noqa: BLE001 - one broken figure must not sink the whole report
        for num in set(plt.get_fignums()) - before:   # close only the half-drawn figure
            plt.close(num)
        if isinstance(exc, ModuleNotFoundError):
            return Figure(kind, note=f"module {exc.name} is not available")
        if isinstance(exc, ServgapError):
            return Figure(kind, note=str(exc))
        warnings.warn(f"the {kind!r} plot failed and was left out of the report: {type(exc).__name__}: {exc}",
                      ServgapWarning, stacklevel=3)
        return Figure(kind, note=f"{type(exc).__name__}: {exc}")
    fig = ax.figure if hasattr(ax, "figure") else ax
    return Figure(kind, figure=fig)


def save_png(fig, path, dpi: int = 144) -> None:
    """Save ``fig`` as a PNG file, atomically (`servgap.atomic`): never a truncated image under the final name."""
    from ..atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})


def figure_bytes(fig, fmt: str = "svg", dpi: int = 144) -> bytes:
    """Render a matplotlib figure to SVG or PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))
    plt.close(fig)
    return buf.getvalue()


def _metadata(fmt: str) -> dict:
    # no creation date, so identical results give identical files
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "png":
        return {"Software": None}
    return {}


def data_uri(data: bytes, fmt: str) -> str:
    """``data:`` URI of image bytes (``svg`` or ``png``)."""
    mime = {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def plot_kinds(res) -> tuple:
    """The plot kinds of ``res.plot`` in display order (`servgap.plots.KINDS`); none when plotting is unavailable."""
    try:
        return tuple(res.plot.kinds)
    except ModuleNotFoundError:
        return ()
