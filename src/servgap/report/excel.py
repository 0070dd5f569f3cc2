"""Excel export: one sheet per result table, typed numbers, frozen headers, filters.

Sheets: ``gaps`` (dimension level, all gaps), ``items``, ``overall``, then
``tolerance``, ``constructs``, ``ipa``, ``causes`` (and any further optional table)
when the analysis has them, ``quality``, ``missing_gaps``, ``settings`` and
``provenance`` (servgap version, input files with SHA-256, the time). Numbers are
written as numbers (3 decimals; p-values 4), ``NaN`` as an empty cell, ±inf as the text
``∞`` / ``−∞``. With ``lang="zh"`` the workbook is Chinese throughout: sheet names,
headers, category values (dimensions, gap names, tests, zones, quadrants, bases,
data-quality issues, yes/no) and the causes; the numbers are the same. Rows with a significant shortfall
(``mean_gap < 0`` and ``p_adj < alpha``) are shaded red by an Excel conditional format,
significant surpluses green; on the ``tolerance`` sheet the same holds for ``msa``.

Text from the data (segment names, column names, file names) is written as string cells,
exactly as it is: a spreadsheet never evaluates a string cell, so ``=HYPERLINK(...)`` or
``-1+1`` are shown as that text and nothing runs. The formula-injection guard (OWASP
"CSV injection") is needed only where text *would* be evaluated — in CSV files, which
spreadsheets parse on opening: `neutralise` prefixes ``'`` there (``servgap analyze``'s
``summary.csv``). A table longer than a sheet (1,048,576 rows) continues on sheets
``name (2)``, ``name (3)`` ... so that no row is lost.

Examples
--------
>>> import servgap as sg, tempfile, os
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> path = res.to_excel(os.path.join(tempfile.mkdtemp(), "结果.xlsx"), lang="zh")
>>> import openpyxl
>>> openpyxl.load_workbook(path).sheetnames[:3]
['差距', '题项', '总体得分']
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from ..atomic import atomic_path, is_file_object
from ..display import check_lang
from ..errors import ConfigError
from .common import OPTIONAL_TABLES, optional_table, plain, provenance, scalar
from .strings import EXCEL_ZH, STRINGS
from .tables import Labels, settings_in_words

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Data rows per sheet (Excel's limit is 1,048,576 rows with the header); longer tables continue on "name (2)" ...
MAX_SHEET_ROWS = 1_048_575
P_COLUMNS = {"p", "p_adj", "msa_p_adj", "mss_p_adj"}
INT_FORMAT, FLOAT_FORMAT, P_FORMAT = "0", "0.000", "0.0000"
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


def _write_column(ws, j: int, s: pd.Series, kind: str, fmts: dict) -> int:
    """Write one column below the header (numbers as numbers, NaN empty, ±inf as ∞ / −∞); its text width."""
    if kind in ("int", "float", "p"):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        vals = s.tolist() if kind == "int" and not s.isna().any() else x.tolist()
        fmt, write = fmts[kind], ws.write_number
        for i in np.flatnonzero(np.isfinite(x)).tolist():
            write(i + 1, j, vals[i], fmt)
        for i in np.flatnonzero(np.isinf(x)).tolist():
            ws.write_string(i + 1, j, "∞" if x[i] > 0 else "−∞")
        return 0
    width, measured = 0, set()
    for i, text in enumerate(s.tolist(), start=1):
        if type(text) is not str:                # most cells are already text
            if not isinstance(text, (list, tuple, dict, np.ndarray)):
                text = scalar(text)
                if text is None:
                    continue
                if isinstance(text, bool):
                    ws.write_boolean(i, j, text)
                    continue
                if isinstance(text, (int, float)) and math.isfinite(text):   # a number in a mixed column
                    ws.write_number(i, j, text)
                    continue
            text = _text(text)
        ws.write_string(i, j, text, fmts["wrap"] if len(text) > 60 else None)
        if text not in measured:             # category columns repeat a few values many times
            measured.add(text)
            width = max(width, min(_width(text) + 2, 60))
    return width


def _write_sheet(wb, name: str, df: pd.DataFrame, fmts: dict, alpha: float, headers: dict | None = None):
    ws = wb.add_worksheet(name)
    cols = [str(c) for c in df.columns]
    kinds = [_col_format(c, df[c]) for c, _ in zip(df.columns, cols)]
    heads = [(headers or {}).get(c, c) for c in cols]
    widths = [max(8, min(_width(h) + 2, 40)) for h in heads]
    for j, h in enumerate(heads):
        ws.write_string(0, j, h, fmts["header"])
    for j, (c, kind) in enumerate(zip(df.columns, kinds)):
        widths[j] = max(widths[j], _write_column(ws, j, df[c], kind, fmts))
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


def _width(text: str) -> int:
    """Display width: a CJK character is as wide as two Latin ones."""
    return len(text) if text.isascii() else sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _settings_frame(res, lang: str) -> pd.DataFrame:
    if lang == "zh":
        rows = settings_in_words(res, lang)      # the settings in words, as in the HTML report
    else:
        rows = [(k, ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else plain(v))
                for k, v in res.settings.items()]
    for s in res.survey_info:
        text = (f"{s['source']}：{s['n']} 名受访者，{s['instrument']}，{'、'.join(s['viewpoints'])}" if lang == "zh"
                else f"{s['source']}: {s['n']} respondents, {s['instrument']}, {', '.join(s['viewpoints'])}")
        rows.append(("survey" if lang == "en" else "问卷", text))
    rows.append(("sign", "gap = later stage - benchmark; negative = shortfall") if lang == "en" else
                ("符号", "差距 = 后一环节 − 基准；负数表示不足"))
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def _provenance_frame(res, lang: str) -> pd.DataFrame:
    p = provenance(res)
    t = STRINGS[lang]
    rows = [("servgap_version" if lang == "en" else "servgap 版本", p["servgap_version"]),
            ("created" if lang == "en" else t["created"], p["created"])]
    for i in p["inputs"]:
        rows.append((i["name"], i["sha256"] or (t["in_memory"] if i.get("bytes") is None else t["changed"])))
    rows += [(k, v) for k, v in p.get("software", {}).items()]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


#: Columns whose values are categories shown as labels in a Chinese workbook.
LABELLED = ("dimension", "gap_name", "test", "benchmark", "later", "measure", "zone", "quadrant", "basis", "level",
            "importance_basis", "construct", "issue", "horizon", "direction", "root_basis", "symptom_basis",
            "evidence")


def _in_chinese(df: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """Category values as Chinese labels (dimensions, gap names, tests, zones ...; yes/no as 是/否)."""
    out = df.copy()
    for c in out.columns:
        if c == "gap_name":
            out[c] = out["gap"].map(labels.gap_name) if "gap" in out.columns else out[c]
        elif c == "issue":
            out[c] = out[c].map(lambda v: labels.t["issues"].get(v, v))
        elif c == "dimensions":                # a cause's dimensions: a list of ids
            out[c] = out[c].map(lambda v: [labels.value("dimension", d) for d in v]
                                if isinstance(v, (list, tuple, np.ndarray)) else v)
        elif c in LABELLED:
            vocab = "basis" if c.endswith("_basis") and c != "importance_basis" else c
            out[c] = out[c].map(lambda v, k=vocab: labels.value(k, v) if isinstance(v, str) else v)
        elif pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: labels.t["yes"], False: labels.t["no"]})
    return out


def sheets(res, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The tables written by `to_excel`, by sheet key (English), in order."""
    out = {"gaps": res.gaps, "items": res.items, "overall": res.overall}
    for name in OPTIONAL_TABLES:
        df, _ = optional_table(res, name, lang)
        if isinstance(df, pd.DataFrame):
            out[name] = df
    out["quality"] = res.quality
    out["missing_gaps"] = res.missing_gaps
    out["settings"] = _settings_frame(res, lang)
    out["provenance"] = _provenance_frame(res, lang)
    return out


def _workbook(xlsxwriter, target, res, lang: str) -> None:
    alpha = float(res.settings.alpha)
    wb = xlsxwriter.Workbook(target)
    wb.set_properties({"created": _created(res)})     # the provenance time, not "now": reproducible bytes
    fmts = {"header": wb.add_format({"bold": True, "bg_color": "#1f3a5f", "font_color": "#ffffff",
                                     "text_wrap": True, "valign": "top", "border": 1}),
            "int": wb.add_format({"num_format": INT_FORMAT}),
            "float": wb.add_format({"num_format": FLOAT_FORMAT}),
            "p": wb.add_format({"num_format": P_FORMAT}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "short": wb.add_format({"bg_color": "#f8d7da", "font_color": "#8a1c24"}),
            "surplus": wb.add_format({"bg_color": "#d8efdc", "font_color": "#1d5e2c"})}
    labels = Labels(res.instrument, lang) if lang == "zh" else None
    for name, df in sheets(res, lang).items():
        title = name if labels is None else EXCEL_ZH["sheets"].get(name, name)[:31]
        for k, start in enumerate(range(0, max(len(df), 1), MAX_SHEET_ROWS)):   # Excel holds 1,048,576 rows a sheet
            part = df.iloc[start:start + MAX_SHEET_ROWS]
            sheet = title if k == 0 else f"{title[:25]} ({k + 1})"
            if labels is None:
                _write_sheet(wb, sheet, part, fmts, alpha)
            else:
                _write_sheet(wb, sheet, _in_chinese(part, labels), fmts, alpha, EXCEL_ZH["columns"])
    wb.close()


def _created(res) -> datetime:
    """The report's provenance time (``SOURCE_DATE_EPOCH`` when set) as the workbook's created date."""
    text = str(provenance(res).get("created") or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        return datetime.now(timezone.utc).replace(tzinfo=None)


def to_excel(res, path, lang: str = "en"):
    """Write the result tables to an Excel workbook (xlsxwriter).

    Parameters
    ----------
    res : GapAnalysis
    path : str, path-like or binary file object
    lang : {"en", "zh"}
        ``"en"``: sheets and headers named like the result tables and their columns;
        ``"zh"``: Chinese sheet names, headers and category labels (see the module docs).

    Returns
    -------
    path

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(sg.load_example()[0], gaps=[5])
    >>> os.path.basename(res.to_excel(os.path.join(tempfile.mkdtemp(), "results.xlsx")))
    'results.xlsx'
    """
    check_lang(lang)
    try:
        import xlsxwriter
    except ModuleNotFoundError:
        raise ConfigError("Excel export needs xlsxwriter: pip install 'servgap[excel]'.") from None
    if not is_file_object(path, binary=True):
        with atomic_path(path) as tmp:          # written whole, then renamed over the final name
            _workbook(xlsxwriter, tmp, res, lang)
    else:
        _workbook(xlsxwriter, path, res, lang)
    return path
