"""What the exporters share: the optional tables (zone of tolerance, constructs, IPA,
causes) that exist only when the data and the modules allow them, JSON-ready values, and
figure rendering that skips a plot with a note instead of failing the whole report."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import math
import os
import platform
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import ConfigError, ServgapError, ServgapWarning
from ..surveys.provenance import sha256


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

    The outcome is computed once per result, table and language (the HTML, Excel and
    JSON exports of one result share it).

    Returns
    -------
    (pandas.DataFrame or None, str or None)
    """
    if name not in OPTIONAL_TABLES:
        return None, "not offered by this version of servgap"
    return cached(res, ("table", name, lang), lambda: _optional_table(res, name, lang))


def _optional_table(res, name: str, lang: str):
    try:
        df = OPTIONAL_TABLES[name](res, lang)
    except ModuleNotFoundError as exc:
        return None, f"module {exc.name} is not available"
    except ServgapError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - see docstring
        warnings.warn(f"the {name!r} table failed and was left out: {type(exc).__name__}: {exc}",
                      ServgapWarning, stacklevel=5)
        return None, f"{type(exc).__name__}: {exc}"
    if df is None or len(df) == 0:
        return None, "no data"
    return df, None


#: How JSON carries the floats it has no number for (the spelling of JavaScript and of
#: the protobuf JSON mapping); NaN (a missing value) is ``null``.
POS_INF, NEG_INF = "Infinity", "-Infinity"


def _is_missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and math.isnan(v))


def scalar(v):
    """A numpy/pandas scalar as plain Python; ``None`` for NaN, None, NA and NaT (±inf stay floats)."""
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, (_dt.date, _dt.time)):     # also pd.Timestamp
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v) if v.is_finite() else None
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", errors="replace")
    if isinstance(v, (str, int, float)) or v is None:
        return v
    return str(v)          # pd.Period, pd.Timedelta, ... : their readable text (segment values of a wave column)


def plain(v):
    """Convert numpy/pandas scalars and containers to JSON-ready Python.

    NaN (and None, NA) becomes ``None`` (JSON ``null``); ``+inf`` and ``-inf``, which
    JSON has no number for, become the strings ``"Infinity"`` and ``"-Infinity"``
    (`POS_INF`, `NEG_INF`; `servgap.read_results` turns them back into floats).

    >>> plain([np.float64(0.5), float("nan"), -np.inf, np.int64(3)])
    [0.5, None, '-Infinity', 3]
    """
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray, pd.Index, pd.Series)):
        return [plain(x) for x in list(v)]
    v = scalar(v)
    if isinstance(v, float) and math.isinf(v):
        return POS_INF if v > 0 else NEG_INF
    return v


def _column(s: pd.Series) -> list:
    """One column as plain values (`plain`), numeric columns converted at once."""
    if pd.api.types.is_bool_dtype(s) and not s.isna().any():
        return [bool(v) for v in s.tolist()]
    if pd.api.types.is_integer_dtype(s) and not s.isna().any():
        return [int(v) for v in s.tolist()]
    if pd.api.types.is_float_dtype(s):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        out = np.asarray(x.tolist(), dtype=object)
        out[np.isnan(x)] = None
        out[x == np.inf], out[x == -np.inf] = POS_INF, NEG_INF
        return out.tolist()
    return [plain(v) for v in s.tolist()]


def records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as a list of plain dicts (column order kept; see `plain` for NaN and ±inf)."""
    cols = [str(c) for c in df.columns]
    values = [_column(df.iloc[:, j]) for j in range(df.shape[1])]
    return [dict(zip(cols, row)) for row in zip(*values)] if cols else [{} for _ in range(len(df))]


def column_types(df: pd.DataFrame) -> dict[str, str]:
    """``column -> dtype name`` of a table, so that a reader restores the exact types."""
    return {str(c): str(t) for c, t in df.dtypes.items()}


def cached(res, key, make):
    """``make()`` computed once per result and ``key`` (e.g. the causes table, shared by
    the HTML, Excel and JSON exports of one result)."""
    store = res.__dict__.setdefault("_report_cache", {})
    if key not in store:
        store[key] = make()
    return store[key]


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

    if kind == "causes" and "table" not in kwargs:      # the causes the report shows, computed once
        table, _ = optional_table(res, "causes", lang)
        if table is not None:
            kwargs = {**kwargs, "table": table}
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


def chosen_kinds(res, plots=True) -> list:
    """The plot kinds a report draws: every kind (``True``), none (``False``) or those listed, checked
    (a `ConfigError` names an unknown one); a heatmap only when the analysis has segments."""
    available = plot_kinds(res)
    kinds = available if plots is True else (plots,) if isinstance(plots, str) else tuple(plots or ())
    unknown = [k for k in kinds if available and k not in available]
    if unknown:
        raise ConfigError(f"plots={list(kinds)!r}: {', '.join(map(repr, unknown))} is no plot kind; use True, "
                          f"False or a list of {', '.join(available)}.")
    return [k for k in kinds if not (k == "heatmap" and not res.by)]


def _created() -> str:
    """Now in UTC (ISO 8601, seconds), or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit()
            else datetime.now(timezone.utc))
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _inputs(res) -> list[dict]:
    out, seen = [], set()
    for s in getattr(res, "surveys", ()):
        files = (getattr(s, "metadata", None) or {}).get("files") or [None]
        for f in files:
            key = f["path"] if f else f"<{s.source}>"
            if key in seen:         # one file may feed two surveys (staff ratings and staff constructs)
                continue
            seen.add(key)
            out.append({"name": f["name"], "bytes": f["bytes"], "sha256": sha256(f)} if f else
                       {"name": str(s.source), "bytes": None, "sha256": None})
    return out


def provenance(res) -> dict:
    """Where the numbers come from: servgap (and library) versions, the input files
    with their SHA-256, the settings and the time the report was made.

    One block per result, shared by its HTML, Excel and JSON exports (so they carry
    the same time). A result read back from JSON keeps the block it was saved with.
    An input that was an in-memory DataFrame, or a file that changed since it was
    read, has ``sha256`` ``None``.

    Examples
    --------
    >>> import servgap as sg
    >>> p = provenance(sg.analyze(sg.load_example()[0], gaps=[5]))
    >>> p["inputs"][0]["name"], len(p["inputs"][0]["sha256"]), p["settings"]["test"]
    ('customers.csv', 64, 't')
    """
    saved = getattr(res, "saved", None)
    if isinstance(saved, dict) and saved.get("provenance"):
        return saved["provenance"]
    return cached(res, "provenance", lambda: {
        "servgap_version": __version__, "created": _created(), "inputs": _inputs(res),
        "settings": plain(dict(res.settings)),
        "software": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}})
