"""Excel workbooks: one sheet, several sheets, or old ``.xls`` files, checked before they are parsed.

- ``.xlsx``/``.xlsm`` are zip archives: a damaged or truncated one, one without a
  workbook, and one whose sheets inflate beyond `MAX_INFLATED_BYTES` (or more than
  `MAX_RATIO` times their compressed size: a "zip bomb") are refused *before* parsing.
- ``sheet=`` takes a name, a 0-based position, a list of them, or ``None`` (every sheet);
  `read_workbook` returns one frame per sheet, named ``book.xlsx[sheet]`` in messages.
  An empty sheet is refused naming the sheets that hold data.
- Formula cells saved without a computed value (files written by programs that do not
  calculate) are listed, so that they are refused where they are used instead of
  being read as blanks.
- ``.xls``, ``.xlsb`` and ``.ods`` are read with python-calamine (extra ``excel``).
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import ConfigError, DataError, short
from .cfb import compound_file_problem

#: Largest total size of a workbook's sheets once inflated (bytes); larger ones are refused early.
MAX_INFLATED_BYTES = 1 << 29
#: Largest inflated/compressed size ratio of a sheet above 16 MiB (real sheets stay far below).
MAX_RATIO = 100
CALAMINE_SUFFIXES = (".xls", ".xlsb", ".ods")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>((?:(?!<c[\s>]).)*?)</c>', re.S)
_CACHED = re.compile(rb"<v>[^<]|<is>")
_READ_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zlib.error, ET.ParseError, TypeError)


def _damaged(name: str, exc=None) -> DataError:
    detail = f" ({short(exc, 120)})" if exc else ""
    return DataError(f"file {short(name)!r}: not a readable Excel workbook{detail}; the file is damaged or "
                     "truncated: re-download it, or open and save it again in Excel.")


def _sheets_of_zip(z: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Sheet name → path of its XML inside the archive, in workbook order."""
    if "xl/workbook.xml" not in z.namelist():
        raise DataError(f"file {short(name)!r}: a zip archive without an Excel workbook in it "
                        f"(it holds {short(', '.join(z.namelist()[:5]) or 'nothing')}).")
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = {}
    if "xl/_rels/workbook.xml.rels" in z.namelist():
        for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", _NS):
            target = r.get("Target", "")
            rels[r.get("Id")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    out = {}
    for s in wb.findall("m:sheets/m:sheet", _NS):
        out[s.get("name")] = rels.get(s.get(f"{{{_NS['r']}}}id"), "")
    return out


def _check_size(z: zipfile.ZipFile, name: str) -> None:
    total = 0
    for info in z.infolist():
        total += info.file_size
        if info.file_size > 1 << 24 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DataError(f"file {short(name)!r}: {info.filename} inflates from {info.compress_size:,} to "
                            f"{info.file_size:,} bytes (more than {MAX_RATIO}x): refused as a possible zip bomb. "
                            "Save the data as CSV or Parquet.")
    if total > MAX_INFLATED_BYTES:
        raise DataError(f"file {short(name)!r}: the workbook inflates to {total:,} bytes, above the limit of "
                        f"{MAX_INFLATED_BYTES:,} (servgap.surveys.workbooks.MAX_INFLATED_BYTES). Save the data as "
                        "CSV or Parquet (read much faster), or raise the limit.")


def _uncached_formulas(xml: bytes) -> list[tuple[str, int]]:
    """``(column letters, row)`` of formula cells saved without a computed value."""
    if b"<f" not in xml:
        return []
    return [(m.group(1).decode(), int(m.group(2))) for m in _CELL.finditer(xml)
            if b"<f" in m.group(3) and not _CACHED.search(m.group(3))]


def _column_index(letters: str) -> int:
    k = 0
    for ch in letters:
        k = k * 26 + ord(ch) - 64
    return k - 1


def _pick(sheet, names: list[str], name: str) -> list[str]:
    """The sheet names that ``sheet=`` asks for."""
    wanted = names if sheet is None else list(sheet) if isinstance(sheet, (list, tuple)) else [sheet]
    if not wanted:
        raise ConfigError(f"file {short(name)!r}: sheet=[] names no sheet; its sheets are {_listed(names)}.")
    out = []
    for s in wanted:
        if isinstance(s, bool) or not isinstance(s, (int, str)):
            raise ConfigError(f"sheet={s!r}: give a sheet name, a 0-based position, a list of them, or None.")
        if isinstance(s, int):
            if not -len(names) <= s < len(names):
                raise DataError(f"file {short(name)!r}: there is no sheet at position {s} (0-based); its sheets are "
                                f"{_listed(names)}.")
            s = names[s]
        elif s not in names:
            close = difflib.get_close_matches(s, names, n=1, cutoff=0.5)
            raise DataError(f"file {short(name)!r}: no sheet named {short(s)!r}"
                            f"{f' (did you mean {close[0]!r}?)' if close else ''}; its sheets are {_listed(names)}.")
        out.append(s)
    return list(dict.fromkeys(out))


def _listed(names) -> str:
    return ", ".join(repr(short(n, 40)) for n in names[:20]) + (", ..." if len(names) > 20 else "")


def _frame(path: Path, sheet_name: str, engine: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet_name, engine=engine, keep_default_na=False, na_values=[""])


def _empty(df: pd.DataFrame) -> bool:
    """No answers: no cells, or no row below the first line (a cover sheet with a title, a bare header)."""
    return df.shape[1] == 0 or len(df) == 0


def _refuse_empty(name: str, sheet: str, names: list[str], with_data: list[str], df: pd.DataFrame) -> DataError:
    others = [n for n in with_data if n != sheet]
    hint = (f"; the data may be on {_listed(others)}: pass sheet={others[0]!r}" if others else "")
    blank = df.shape[1] == 0 or all(str(c).startswith("Unnamed:") for c in df.columns)
    what = "is empty" if blank else f"has no rows below its first line ({short(' | '.join(map(str, df.columns)), 60)!r})"
    return DataError(f"file {short(name)!r}, sheet {short(sheet)!r}: the sheet {what} (its sheets are "
                     f"{_listed(names)}){hint}.")


def _read_xlsx(path: Path, sheet) -> list[tuple[pd.DataFrame, str, dict]]:
    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            _check_size(z, name)
            sheets = _sheets_of_zip(z, name)
            names = list(sheets)
            picked = _pick(sheet, names, name)
            xml = {s: z.read(sheets[s]) if sheets[s] in z.namelist() else b"" for s in names}
    except (DataError, ConfigError):
        raise
    except _READ_ERRORS as exc:
        raise _damaged(name, exc) from None
    with_data = [s for s in names if (b"<c " in xml[s] or b"<c>" in xml[s]) and xml[s].count(b"<row") >= 2]
    out = []
    for s in picked:
        try:
            df = _frame(path, s, "openpyxl")
        except _READ_ERRORS as exc:
            raise _damaged(name, exc) from None
        label = name if len(names) == 1 and sheet in (0, None, names[0]) else f"{name}[{s}]"
        if _empty(df):
            raise _refuse_empty(name, s, names, with_data, df)
        meta = {"sheet": s}
        formulas = _uncached_formulas(xml[s])
        if formulas:
            cols = [str(c).strip() for c in df.columns]
            meta["uncached_formulas"] = {}
            for letters, row in formulas:
                k = _column_index(letters)
                if k < len(cols) and row >= 2:
                    meta["uncached_formulas"].setdefault(cols[k], []).append((row - 1, f"{letters}{row}"))
        out.append((df, label, meta))
    return out


def _read_calamine(path: Path, sheet) -> list[tuple[pd.DataFrame, str, dict]]:
    name = path.name
    try:
        import python_calamine
    except ImportError:
        raise ImportError(f"reading {path.suffix} workbooks needs python-calamine; install it with "
                          "pip install 'servgap[excel]' (or save the file as .xlsx or .csv)") from None
    with open(path, "rb") as fh:
        if fh.read(4) == b"\xd0\xcf\x11\xe0":
            problem = compound_file_problem(path)
            if problem:
                raise _damaged(name, problem)
    try:
        names = list(python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise _damaged(name, exc) from None
    out = []
    for s in _pick(sheet, names, name):
        try:
            df = _frame(path, s, "calamine")
        except Exception as exc:  # noqa: BLE001
            raise _damaged(name, exc) from None
        if _empty(df):
            raise _refuse_empty(name, s, names, [], df)
        out.append((df, name if len(names) == 1 else f"{name}[{s}]", {"sheet": s}))
    return out


def read_workbook(path: Path, sheet=0) -> list[tuple[pd.DataFrame, str, dict]]:
    """``[(frame, name, metadata), ...]``: the sheets ``sheet=`` names (see the module docstring)."""
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if suffix in CALAMINE_SUFFIXES or magic.startswith(b"\xd0\xcf\x11\xe0"):
        return _read_calamine(path, sheet)
    if not magic.startswith(b"PK"):
        if not magic:
            raise DataError(f"file {short(path.name)!r}: the file is empty.")
        raise _damaged(path.name, "it is not a zip archive, as .xlsx files are")
    return _read_xlsx(path, sheet)
