"""Excel export: one sheet per result table, typed numbers, frozen headers, filters.

Sheets: ``gaps`` (dimension level, all gaps), ``items``, ``overall``, then
``tolerance``, ``constructs``, ``ipa`` and ``causes`` when the analysis has them,
``quality``, ``missing_gaps`` and ``settings``. Numbers are written as numbers (3
decimals; p-values 4), ``NaN`` as an empty cell. Rows with a significant shortfall
(``mean_gap < 0`` and ``p_adj < alpha``) are shaded red by an Excel conditional format,
significant surpluses green; on the ``tolerance`` sheet the same holds for ``msa``.

Text from the data (segment names, column names, file names) is written as string cells,
exactly as it is: a spreadsheet never evaluates a string cell, so ``=HYPERLINK(...)`` or
``-1+1`` are shown as that text and nothing runs. The formula-injection guard (OWASP
"CSV injection") is needed only where text *would* be evaluated — in CSV files, which
spreadsheets parse on opening: `neutralise` prefixes ``'`` there (``servgap analyze``'s
``summary.csv``).

Examples
--------
>>> import os, tempfile, servgap as sg
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> path = res.to_excel(os.path.join(tempfile.mkdtemp(), "results.xlsx"))
>>> sheets(res)["gaps"].shape == res.gaps.shape
True
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from .._version import __version__
from ..atomic import atomic_path
from ..errors import ConfigError
from .common import OPTIONAL_TABLES, optional_table, plain

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
P_COLUMNS = {"p", "p_adj", "msa_p_adj", "mss_p_adj"}
INT_FORMAT, FLOAT_FORMAT, P_FORMAT = "0", "0.000", "0.0000"
#: Data rows per sheet (Excel's limit is 1,048,576 rows with the header); longer tables continue on "name (2)" ...
MAX_SHEET_ROWS = 1_048_575
#: (value column, adjusted-p column) pairs whose significant negative values are shaded red
SIGNIFICANCE_PAIRS = (("mean_gap", "p_adj"), ("msa", "msa_p_adj"))


def neutralise(text: str) -> str:
    """Text for a CSV cell that a spreadsheet will not evaluate: ``'`` before a would-be formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
    formula (or a DDE command) when a spreadsheet opens a CSV file, so it gets a leading
    ``'``; a plain number such as ``-1`` or ``+2.5`` is read as that number and is left
    alone. Excel string cells (`to_excel`) are never evaluated and need no guard.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"x\\")")
    '\\'=HYPERLINK("x")'
    >>> neutralise("-1+1"), neutralise("-1"), neutralise("B01")
    ("'-1+1", '-1', 'B01')
    """
    if not text.startswith(INJECTION_PREFIXES):
        return text
    try:
        float(text)
        return text             # a number: read as such, nothing to evaluate
    except ValueError:
        return "'" + text


def _text(v) -> str:
    """Readable text of list/dict cells (e.g. cause remedies and sources)."""
    if isinstance(v, dict):
        if "quote" in v:
            return f"{v.get('document', '')}: \u201c{v['quote']}\u201d"
        return "; ".join(f"{k}: {_text(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple, np.ndarray)):
        return "; ".join(_text(x) for x in v)
    return "" if v is None else str(v)


def _col_format(name: str, s: pd.Series):
    if name in P_COLUMNS:
        return "p"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "float"
    return "text"


def _letter(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


def _write_sheet(wb, name: str, df: pd.DataFrame, fmts: dict, alpha: float):
    ws = wb.add_worksheet(name)
    cols = [str(c) for c in df.columns]
    kinds = [_col_format(c, df[c]) for c, _ in zip(df.columns, cols)]
    widths = [max(8, min(len(c) + 2, 40)) for c in cols]
    for j, c in enumerate(cols):
        ws.write_string(0, j, c, fmts["header"])
    for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
        for j, (v, kind) in enumerate(zip(row, kinds)):
            v = plain(v) if not isinstance(v, (list, tuple, dict, np.ndarray)) else v
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                if isinstance(v, float) and not math.isfinite(v):
                    continue
                ws.write_number(i, j, v, fmts[kind] if kind in ("int", "float", "p") else fmts["float"])
            else:
                text = _text(v)
                ws.write_string(i, j, text, fmts["wrap"] if len(text) > 60 else None)
                widths[j] = max(widths[j], min(len(text) + 2, 60))
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    n = len(df)
    ws.autofilter(0, 0, max(n, 1), max(len(cols) - 1, 0))
    for value_col, p_col in SIGNIFICANCE_PAIRS:
        if n and value_col in cols and p_col in cols:
            v, p = _letter(cols.index(value_col)), _letter(cols.index(p_col))
            sig = f"ISNUMBER(${p}2),${p}2<{alpha!r},ISNUMBER(${v}2)"
            rng = (1, 0, n, len(cols) - 1)
            ws.conditional_format(*rng, {"type": "formula", "criteria": f"=AND({sig},${v}2<0)",
                                         "format": fmts["short"]})
            ws.conditional_format(*rng, {"type": "formula", "criteria": f"=AND({sig},${v}2>0)",
                                         "format": fmts["surplus"]})
    return ws


def _settings_frame(res) -> pd.DataFrame:
    rows = [("servgap_version", __version__)]
    rows += [(k, ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else plain(v))
             for k, v in res.settings.items()]
    for s in getattr(res, "surveys", ()):
        rows.append(("survey", f"{s.source}: {s.n} respondents, {s.instrument.id}, {', '.join(s.viewpoints)}"))
    rows.append(("sign", "gap = later stage - benchmark; negative = shortfall"))
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def sheets(res) -> dict[str, pd.DataFrame]:
    """The tables written by `to_excel`, by sheet name, in order."""
    out = {"gaps": res.gaps, "items": res.items, "overall": res.overall}
    for name in OPTIONAL_TABLES:
        df, _ = optional_table(res, name, "en")
        if df is not None:
            out[name] = df
    out["quality"] = res.quality
    out["missing_gaps"] = res.missing_gaps
    out["settings"] = _settings_frame(res)
    return out


def _workbook(xlsxwriter, target, res) -> None:
    alpha = float(res.settings.alpha)
    wb = xlsxwriter.Workbook(target)
    fmts = {"header": wb.add_format({"bold": True, "bg_color": "#1f3a5f", "font_color": "#ffffff",
                                     "text_wrap": True, "valign": "top", "border": 1}),
            "int": wb.add_format({"num_format": INT_FORMAT}),
            "float": wb.add_format({"num_format": FLOAT_FORMAT}),
            "p": wb.add_format({"num_format": P_FORMAT}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "short": wb.add_format({"bg_color": "#f8d7da", "font_color": "#8a1c24"}),
            "surplus": wb.add_format({"bg_color": "#d8efdc", "font_color": "#1d5e2c"})}
    for name, df in sheets(res).items():
        for k, start in enumerate(range(0, max(len(df), 1), MAX_SHEET_ROWS)):   # Excel holds 1,048,576 rows a sheet
            _write_sheet(wb, name if k == 0 else f"{name} ({k + 1})", df.iloc[start:start + MAX_SHEET_ROWS], fmts, alpha)
    wb.close()


def to_excel(res, path):
    """Write the result tables to an Excel workbook (xlsxwriter).

    Parameters
    ----------
    res : GapAnalysis
    path : str, path-like or binary file object

    Returns
    -------
    path

    Examples
    --------
    >>> import os, tempfile
    >>> res = sg.analyze(sg.load_example()[0])
    >>> os.path.basename(res.to_excel(os.path.join(tempfile.mkdtemp(), "results.xlsx")))
    'results.xlsx'
    """
    try:
        import xlsxwriter
    except ModuleNotFoundError:
        raise ConfigError("Excel export needs xlsxwriter: pip install 'servgap[excel]'.") from None
    if isinstance(path, (str, os.PathLike)):
        with atomic_path(path) as tmp:          # written whole, then renamed over the final name
            _workbook(xlsxwriter, tmp, res)
    else:
        _workbook(xlsxwriter, path, res)
    return path
