"""Read survey tables from files or DataFrames, and reshape long layouts to wide.

Formats by file suffix: ``.csv``/``.txt``/``.tsv`` (pandas, with ``encoding``),
``.xlsx``/``.xlsm``/``.xls`` (openpyxl, extra ``excel``), ``.parquet``/``.pq`` or a
Parquet folder (pyarrow, extra ``parquet``), ``.sav``/``.zsav`` (pyreadstat, extra
``spss``; value labels kept in the metadata). A `pandas.DataFrame` is used as is.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ColumnError, ConfigError, DataError, where

_EXTRA = {"excel": "openpyxl", "spss": "pyreadstat", "parquet": "pyarrow"}


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


def read_table(source, *, encoding: str | None = None, sheet=0, sep: str | None = None):
    """Read one table. Returns ``(frame, name, metadata)``.

    Examples
    --------
    >>> df, name, meta = read_table(pd.DataFrame({"E1": [5, 6]}))
    >>> name
    '<DataFrame>'
    """
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), source_name(source), {}
    if not isinstance(source, (str, Path)):
        raise ConfigError(f"cannot read a survey from {type(source).__name__}; "
                          "give a file path or a pandas DataFrame.")
    path = Path(source)
    name = path.name
    if not path.exists():
        raise DataError(f"{where(file=path)}: no such file; check the path.")
    suffix = path.suffix.lower()
    meta: dict = {}
    if path.is_dir() or suffix in (".parquet", ".pq"):
        _need("parquet")
        df = pd.read_parquet(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        enc = encoding or "utf-8-sig"
        try:
            df = pd.read_csv(path, encoding=enc, sep=sep or ("\t" if suffix == ".tsv" else ","),
                             low_memory=False)
        except UnicodeDecodeError as exc:
            raise DataError(f"{where(file=name)}: cannot be decoded as {enc} (byte {exc.start}); "
                            "it may be a Chinese Windows export: try encoding=\"gbk\" "
                            "(or \"gb18030\", \"big5\").") from None
        except pd.errors.ParserError as exc:
            raise DataError(f"{where(file=name)}: not a readable CSV table ({exc}); "
                            "check the separator (sep=\";\"?) and quoting.") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{where(file=name)}: the file is empty.") from None
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        _need("excel")
        try:
            df = pd.read_excel(path, sheet_name=sheet)
        except ValueError as exc:
            raise DataError(f"{where(file=name)}: {exc}; choose the sheet with sheet=.") from None
    elif suffix in (".sav", ".zsav"):
        pyreadstat = _need("spss")
        df, m = pyreadstat.read_sav(str(path), user_missing=True)     # user-missing values become declared codes
        meta = {"value_labels": m.variable_value_labels, "column_labels": dict(zip(m.column_names, m.column_labels)),
                "missing_ranges": m.missing_ranges}
    else:
        raise ConfigError(f"{where(file=name)}: unknown file type {suffix!r}; servgap reads "
                          ".csv, .tsv, .xlsx, .parquet and .sav files, or a DataFrame.")
    df.columns = [str(c).strip() for c in df.columns]
    return df, name, meta


def long_to_wide(df: pd.DataFrame, *, id: str, item: str, viewpoint: str, value: str,
                 codes: dict[str, str], keep: list[str], name: str) -> pd.DataFrame:
    """Pivot a long table (respondent, item, viewpoint, value) to one row per respondent.

    Wide columns are named ``"<viewpoint>:<item>"``; columns in ``keep`` (segments,
    weights, ...) must be constant within a respondent.
    """
    for col in (id, item, viewpoint, value, *keep):
        if col not in df.columns:
            raise ColumnError(f"{where(file=name, column=col)}: not in the long table; "
                              f"its columns are {', '.join(map(str, df.columns))}.")
    code_to_vp = {str(code): vp for vp, code in codes.items()}
    vps = df[viewpoint].astype(str).map(code_to_vp)
    unknown = vps.isna()
    if unknown.any():
        pos = int(unknown.to_numpy().nonzero()[0][0])
        raise DataError(f"{where(file=name, column=viewpoint, row=pos + 1, value=df[viewpoint].iloc[pos])}: "
                        f"not a declared viewpoint code ({', '.join(code_to_vp)}); map it in columns=.")
    items = df[item].map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    key = pd.DataFrame({"id": df[id].to_numpy(), "col": (vps + ":" + items).to_numpy()})
    dup = key.duplicated()
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{where(file=name, row=pos + 1)}: respondent {key['id'].iloc[pos]!r} rates "
                        f"{key['col'].iloc[pos]!r} twice; keep one row per respondent, item and viewpoint.")
    wide = pd.DataFrame({"id": key["id"], "col": key["col"], "v": df[value].to_numpy()}).pivot(
        index="id", columns="col", values="v")
    if keep:
        per = df.groupby(id, sort=False)[keep]
        varying = per.nunique(dropna=False).gt(1)
        if varying.to_numpy().any():
            bad_col = varying.columns[varying.any().to_numpy()][0]
            bad_id = varying.index[varying[bad_col].to_numpy()][0]
            raise DataError(f"{where(file=name, column=bad_col)}: respondent {bad_id!r} has several "
                            "values; segment, weight and importance columns must be constant per respondent.")
        wide = wide.join(per.first())
    wide.index.name = id
    return wide.reset_index()
