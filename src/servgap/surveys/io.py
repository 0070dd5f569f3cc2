"""Read survey tables from files or DataFrames, and reshape long layouts to wide.

Formats by file suffix: ``.csv``/``.txt``/``.tsv`` (pandas; encoding, separator and
decimal mark checked or sniffed by `servgap.surveys.encoding`), ``.xlsx``/``.xlsm``
(openpyxl) and ``.xls``/``.xlsb``/``.ods`` (python-calamine), both extra ``excel`` and
checked by `servgap.surveys.workbooks`; ``.parquet``/``.pq`` or a folder of Parquet files
(pyarrow, extra ``parquet``); ``.sav``/``.zsav`` (pyreadstat, extra ``spss``; value labels
and user-missing codes kept in the metadata). A `pandas.DataFrame` is used as is.

Only empty cells are blank: text such as ``NA``, ``N/A`` or ``NULL`` is kept as text, so
that validation counts it (``missing_text``) or matches it to a declared missing code.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ColumnError, ConfigError, DataError, DataQualityWarning, short, show, where
from .decoding import chinese_windows_text, undecodable
from .encoding import filled_cells, sniff_text, title_rows
from .pieces import PARQUET_SUFFIXES
from .workbooks import read_workbook

_EXTRA = {"excel": "openpyxl", "spss": "pyreadstat", "parquet": "pyarrow"}
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _need(extra: str):
    mod = _EXTRA[extra]
    try:
        return __import__(mod)
    except ImportError:
        raise ImportError(f"reading this file needs {mod}; install it with "
                          f"pip install 'servgap[{extra}]'") from None


def source_name(source) -> str:
    if isinstance(source, pd.DataFrame):
        return source.attrs.get("name", "<DataFrame>")
    return Path(source).name


def _last_line_cut(path: Path, fmt, n_fields: int) -> int | None:
    """Fields of the last line when the file ends inside a row (no final line break), else ``None``."""
    import csv
    import io

    if fmt.compression or fmt.encoding.startswith(("utf-16", "utf-32")):
        return None
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    last = tail.rsplit(b"\n", 1)[-1].decode(fmt.encoding, errors="replace")
    if last.count('"') % 2:                      # inside a quoted cell: cannot tell from the tail
        return None
    try:
        fields = next(csv.reader(io.StringIO(last, newline=""), delimiter=fmt.sep), [])
    except csv.Error:
        return None
    return len(fields) if 0 < len(fields) < n_fields else None


def read_csv_table(path: Path, encoding=None, sep=None, decimal=None) -> tuple[pd.DataFrame, dict]:
    """Read a text table; every way it can fail is a `DataError` naming the file (and line)."""
    name = short(path.name)
    fmt = sniff_text(path, encoding, sep, decimal)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, encoding=fmt.encoding, sep=fmt.sep, decimal=fmt.decimal, compression=fmt.compression,
                             keep_default_na=False, na_values=[""], index_col=False, low_memory=False,
                             skiprows=fmt.title or None)
    except UnicodeDecodeError:
        if encoding is None and fmt.encoding == "utf-8" and chinese_windows_text(path, fmt.compression):
            warnings.warn(f"file {name!r} is not UTF-8 but Chinese Windows text: read as GB18030 (GBK); pass "
                          "encoding=\"gb18030\" to make this explicit.", DataQualityWarning, stacklevel=5)
            df, meta = read_csv_table(path, "gb18030", sep, decimal)
            return df, {**meta, "encoding": "gb18030"}
        raise undecodable(path, fmt.encoding, fmt.compression) from None
    except pd.errors.ParserWarning:
        raise DataError(f"file {name!r}, line 2: the first data row has more fields than the header; a value "
                        f"contains the separator {fmt.sep!r} unquoted, or a column has no name. Fix that row "
                        "(or give the column a header).") from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise DataError(f"file {name!r}, line {m.group(2)}: {m.group(3)} fields where the header has "
                            f"{m.group(1)}; a value contains the separator {fmt.sep!r} unquoted, or a quote is not "
                            "closed. Fix that line (or choose the separator with sep=).") from None
        raise DataError(f"file {name!r}: not a readable CSV table ({short(exc, 200)}); check the separator "
                        "(sep=\";\"?) and the quoting.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"file {name!r}: the file is empty (no header line).") from None
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"file {name!r}: cannot be read ({short(exc, 200)}).") from None
    cut = _last_line_cut(path, fmt, df.shape[1])
    if cut is not None:
        raise DataError(f"file {name!r}, row {len(df)}: the last line has {cut} of {df.shape[1]} fields and no line "
                        "end: the file looks truncated (an interrupted download or copy). Get the complete file.")
    meta = dict(fmt.chosen)
    if len(fmt.header) == df.shape[1]:
        meta["header"] = list(fmt.header)
    if fmt.title:
        meta["title_rows"] = fmt.title
        _warn_title(name, fmt.title)
    return df, meta


def _warn_title(name: str, k: int) -> None:
    warnings.warn(f"file {name!r}: {k} title line{'s' if k > 1 else ''} above the header skipped (the header is "
                  f"line {k + 1}).", DataQualityWarning, stacklevel=6)


def _retitle(df: pd.DataFrame, name: str, meta: dict):
    """A sheet whose first rows are a title: the header moved to the first row that looks like one."""
    rows = [list(df.columns)] + df.head(40).astype(object).values.tolist()
    k = title_rows(rows)
    if not k:
        return df, meta
    header = [f"Unnamed: {j}" if filled_cells([h]) == 0 else str(h).strip() for j, h in enumerate(rows[k])]
    out = df.iloc[k:].reset_index(drop=True).infer_objects()
    out.columns = header
    _warn_title(name, k)
    return out, {**meta, "title_rows": k}


def _parquet_files(path: Path) -> list[Path]:
    return sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in PARQUET_SUFFIXES)


def read_parquet_table(path: Path) -> pd.DataFrame:
    """A Parquet file or folder of Parquet files; a damaged file is named."""
    pq = _need("parquet") and __import__("pyarrow.parquet").parquet
    files = _parquet_files(path) if path.is_dir() else [path]
    if not files:
        raise DataError(f"file {short(path.name)!r} is a folder without Parquet files (*.parquet); give the path of "
                        "a data file.")
    for f in files:
        try:
            pq.read_metadata(f)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError ...
            raise DataError(f"file {short(f.name)!r}: not a readable Parquet file ({short(exc, 160)}); it is damaged "
                            "or truncated: write it again.") from None
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"file {short(path.name)!r}: the Parquet data cannot be read ({short(exc, 160)}); a file "
                        "is damaged, or the files of the folder have different columns.") from None


def read_sav_table(path: Path) -> tuple[pd.DataFrame, dict]:
    """An SPSS file with its value labels and user-missing values (kept as values, then declared missing codes)."""
    pyreadstat = _need("spss")
    try:
        df, m = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # noqa: BLE001 - pyreadstat.ReadstatError and friends
        raise DataError(f"file {short(path.name)!r}: not a readable SPSS file ({short(exc, 160)}); it is damaged or "
                        "truncated: export it again.") from None
    return df, {"value_labels": m.variable_value_labels, "column_labels": dict(zip(m.column_names, m.column_labels)),
                "missing_ranges": m.missing_ranges}


def read_tables(source, *, encoding=None, sheet=0, sep=None, decimal=None) -> list[tuple[pd.DataFrame, str, dict]]:
    """Read one source: ``[(frame, name, metadata)]``, one entry per workbook sheet asked for.

    Examples
    --------
    >>> [(df.shape, name) for df, name, meta in read_tables(pd.DataFrame({"E1": [5, 6]}))]
    [((2, 1), '<DataFrame>')]
    """
    if isinstance(source, pd.DataFrame):
        return [_clean(source.reset_index(drop=True), source_name(source), {})]
    if not isinstance(source, (str, Path)):
        raise ConfigError(f"cannot read a survey from {type(source).__name__}; "
                          "give a file path or a pandas DataFrame.")
    path = Path(source)
    name = path.name
    if not path.exists():
        raise DataError(f"{where(file=path)}: no such file; check the path.")
    suffix = path.suffix.lower()
    if path.is_dir() and suffix not in ("", *PARQUET_SUFFIXES):
        raise DataError(f"file {short(name)!r} is a folder, not a {suffix} file; give the path of the data file.")
    meta: dict = {}
    if path.is_dir() or suffix in PARQUET_SUFFIXES:
        df = read_parquet_table(path)
    elif suffix in TEXT_SUFFIXES:
        df, meta = read_csv_table(path, encoding, sep, decimal)
    elif suffix in EXCEL_SUFFIXES:
        if suffix not in (".xls", ".xlsb", ".ods"):
            _need("excel")
        out = []
        for df, label, m in read_workbook(path, sheet):
            df, m = _retitle(df, label, m)
            out.append(_clean(df, label, m, workbook=True))
        return out
    elif suffix in (".sav", ".zsav"):
        df, meta = read_sav_table(path)
    else:
        raise ConfigError(f"{where(file=name)}: unknown file type {suffix!r}; servgap reads .csv, .txt, .tsv, "
                          ".xlsx, .xls, .parquet and .sav files, or a DataFrame.")
    return [_clean(df, name, meta)]


def _clean(df: pd.DataFrame, name: str, meta: dict, workbook: bool = False):
    """Column names as stripped text; names that repeat are noted (``duplicated_columns``: positions).

    A CSV's own header line tells repeats apart from names pandas made unique (``E5`` → ``E5.1``);
    for a workbook a ``name.N`` column beside ``name`` counts as a repeat.
    """
    meta = dict(meta)
    header = meta.pop("header", None)
    names = [str(c).strip() for c in (header if header is not None else df.columns)]
    df.columns = [str(c).strip() for c in df.columns]
    seen: dict = {}
    for k, c in enumerate(names):
        seen.setdefault(c, []).append(k)
    if workbook:
        for k, c in enumerate(names):
            base = c.rsplit(".", 1)[0]
            if re.fullmatch(r".+\.\d+", c) and base in seen and seen[base][0] < k:
                seen[base].append(k)
    dup = {c: ks for c, ks in seen.items() if len(ks) > 1}
    if dup:
        meta["duplicated_columns"] = dup
    return df, name, meta


def read_table(source, *, encoding: str | None = None, sheet=0, sep: str | None = None, decimal: str | None = None):
    """Read one table (the first sheet asked for). Returns ``(frame, name, metadata)``.

    Examples
    --------
    >>> df, name, meta = read_table(pd.DataFrame({"E1": [5, 6]}))
    >>> name
    '<DataFrame>'
    """
    return read_tables(source, encoding=encoding, sheet=sheet, sep=sep, decimal=decimal)[0]


def _code_text(v) -> str:
    """A code as text: whole numbers without ``.0`` or leading zeros (``1.0``, ``"01"`` → ``"1"``)."""
    t = str(v).strip()
    try:
        f = float(t)
    except ValueError:
        return t
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else t


def _item_codes(values: pd.Series, item_ids, name: str, column: str) -> pd.Series:
    """Item codes of a long table matched to the instrument's ids (``"01"``, ``1.0`` → ``"1"``); unknown ones refused."""
    raw = values.map(lambda v: "" if pd.isna(v) else str(v).strip())
    if item_ids is None:
        return values.map(_code_text)
    ids = {str(i) for i in item_ids}
    by_number = {_code_text(i): str(i) for i in item_ids}
    out = raw.where(raw.isin(ids), raw.map(lambda t: by_number.get(_code_text(t), None)))
    bad = out.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        unknown = sorted(set(raw[bad]))[:10]
        raise DataError(f"{where(file=name, column=column, row=pos + 1, value=values.iloc[pos])}: not an item of the "
                        f"instrument ({int(bad.sum())} rows; unknown codes {', '.join(repr(short(u, 20)) for u in unknown)}; "
                        f"its items are {', '.join(map(str, list(item_ids)[:30]))}). Fix the codes or use the "
                        "instrument that has these items.")
    return out


def _stripped(df: pd.DataFrame, cols: list, id: str, name: str, ledger) -> pd.DataFrame:
    """``df`` with the text of ``cols`` (``id`` first) stripped; each respondent whose value changed counted."""
    out = df
    for c in cols:
        new = out[c].map(lambda v: v.strip() if isinstance(v, str) else v)
        changed = ((new != out[c]) & out[c].notna()).to_numpy()
        if changed.any():
            out = out.copy() if out is df else out
            out[c] = new
            if ledger is not None:            # out[id] is already stripped: one count per respondent
                ledger.append(dict(source=name, column=c, count=int(out.loc[changed, id].nunique()),
                                   issue="id_normalised" if c == id else "segment_normalised"))
    return out


def long_to_wide(df: pd.DataFrame, *, id: str, item: str, viewpoint: str, value: str,
                 codes: dict[str, str], keep: list[str], name: str, item_ids=None, ledger=None) -> pd.DataFrame:
    """Pivot a long table (respondent, item, viewpoint, value) to one row per respondent.

    Wide columns are named ``"<viewpoint>:<item>"``; columns in ``keep`` (segments,
    weights, ...) must be constant within a respondent. Item codes are matched to
    ``item_ids`` (the instrument's) by text or by number (``"01"`` is item ``"1"``); a code
    that is neither is refused, never dropped. Text ids and ``keep`` values are stripped of
    surrounding spaces first (``" r0"`` is respondent ``"r0"``), each respondent whose id or
    value changed counted in ``ledger`` (``id_normalised``, ``segment_normalised``).
    """
    df = _stripped(df, [id, *keep], id, name, ledger)
    for col in (id, item, viewpoint, value, *keep):
        if col not in df.columns:
            raise ColumnError(f"{where(file=name, column=col)}: not in the long table; "
                              f"its columns are {', '.join(short(c, 40) for c in df.columns[:30])}.")
    na = df[id].isna().to_numpy()
    if na.any():
        pos = int(np.flatnonzero(na)[0])
        raise DataError(f"{where(file=name, column=id, row=pos + 1)}: the respondent id is empty "
                        f"({int(na.sum())} such rows); every row of a long table needs the respondent's id.")
    code_to_vp = {_code_text(code): vp for vp, code in codes.items()}
    vps = df[viewpoint].map(_code_text).map(code_to_vp)
    unknown = vps.isna()
    if unknown.any():
        pos = int(unknown.to_numpy().nonzero()[0][0])
        raise DataError(f"{where(file=name, column=viewpoint, row=pos + 1, value=df[viewpoint].iloc[pos])}: "
                        f"not a declared viewpoint code ({', '.join(code_to_vp)}); map it in columns=.")
    items = _item_codes(df[item], item_ids, name, item)
    key = pd.DataFrame({"id": df[id].to_numpy(), "col": (vps + ":" + items).to_numpy()})
    dup = key.duplicated()
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{where(file=name, row=pos + 1)}: respondent {show(key['id'].iloc[pos])} rates "
                        f"{key['col'].iloc[pos]!r} twice; keep one row per respondent, item and viewpoint.")
    wide = pd.DataFrame({"id": key["id"], "col": key["col"], "v": df[value].to_numpy()}).pivot(
        index="id", columns="col", values="v")
    if keep:
        per = df.groupby(id, sort=False)[keep]
        varying = per.nunique(dropna=False).gt(1)
        if varying.to_numpy().any():
            bad_col = varying.columns[varying.any().to_numpy()][0]
            bad_id = varying.index[varying[bad_col].to_numpy()][0]
            raise DataError(f"{where(file=name, column=bad_col)}: respondent {show(bad_id)} has several "
                            "values; segment, weight and importance columns must be constant per respondent.")
        wide = wide.join(per.first())
    wide.index.name = id
    return wide.reset_index()
