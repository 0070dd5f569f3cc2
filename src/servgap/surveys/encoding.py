"""Text files before pandas sees them: what the bytes are, which encoding, which separator.

`sniff_text` looks at the head of a ``.csv``/``.txt``/``.tsv`` file and decides, without
guessing where the bytes are unambiguous:

- **magic bytes**: a gzip file is read decompressed; a zip archive (an Excel workbook,
  a zipped CSV), an Excel 97-2003 workbook, a Parquet or SPSS file under a text name is
  refused with what it is and how to read it;
- **byte-order marks** (UTF-8, UTF-16, UTF-32) choose the encoding; an explicit encoding
  that contradicts the mark is refused; ``encoding="utf-16"`` without a mark is read in
  the byte order the text shows (``utf-16-le``/``-be``), or refused when it shows none;
- **encoding names** are checked (``"utf-9"`` → "unknown encoding ... did you mean
  'utf-8'?"); ``encoding="auto"`` asks charset-normalizer and says what it chose;
- without ``encoding=``, a file that is not UTF-8 but decodes as GB18030 (GBK, GB2312)
  with common Chinese text in it -- a Chinese Windows export -- is read as GB18030, with a
  `DataQualityWarning`; other undecodable bytes are an error naming their line (both in
  `servgap.surveys.decoding`);
- the **separator** (``,``, ``;``, tab, ``|``) is the one that splits the header and the
  first lines into the same number of fields; the **decimal mark** is ``,`` when the
  separator is not a comma and the numbers are written ``5,5`` and never ``5.5``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataError, DataQualityWarning, short

#: Bytes read from the start of a file to recognise it and sniff its separator.
HEAD_BYTES = 1 << 16
#: Bytes given to charset-normalizer for ``encoding="auto"``.
AUTO_BYTES = 1 << 21
SEPARATORS = (",", ";", "\t", "|")
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "big5", "utf-16", "utf-16-le", "utf-16-be",
                    "latin-1", "cp1252", "shift_jis", "euc-kr", "ascii")
#: What other files look like, by their first bytes, and how to read them instead.
MAGIC = ((b"PK\x03\x04", None), (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls): rename it to .xls"),
         (b"PAR1", "a Parquet file: rename it to .parquet"), (b"$FL2", "an SPSS data file: rename it to .sav"),
         (b"$FL3", "a compressed SPSS data file: rename it to .zsav"))
_NUMBER_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER_POINT = re.compile(r"^[+-]?\d*\.\d+$")


@dataclass(frozen=True)
class TextFormat:
    """How to read one text table: pandas' ``encoding``, ``compression``, ``sep``, ``decimal``.

    ``chosen`` says what was decided from the bytes rather than given (for the metadata).
    """

    encoding: str
    compression: str | None
    sep: str
    decimal: str
    chosen: dict
    header: tuple = ()
    title: int = 0            # title lines above the header (`title_rows`)


def check_encoding(name: str) -> str:
    """The codec name of ``name``; an unknown one is a `ConfigError` with the closest names.

    >>> check_encoding("GBK")
    'gbk'
    >>> check_encoding("utf-9")
    Traceback (most recent call last):
    ...
    servgap.errors.ConfigError: encoding='utf-9' is not an encoding Python knows. Did you mean 'utf-8' ...
    """
    if not isinstance(name, str):
        raise ConfigError(f"encoding={name!r} must be the name of an encoding such as \"utf-8\" or \"gbk\", "
                          "or \"auto\".")
    try:
        return codecs.lookup(name).name
    except LookupError:
        close = difflib.get_close_matches(name.lower(), COMMON_ENCODINGS, n=2, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"encoding={name!r} is not an encoding Python knows.{hint} Common ones: "
                          f"{', '.join(COMMON_ENCODINGS[:6])}; or encoding=\"auto\" to detect it.") from None


def _bom(head: bytes):
    for bom, enc in BOMS:
        if head.startswith(bom):
            return bom, enc
    return None, None


def _utf16_order(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NUL bytes of mostly-ASCII UTF-16 text show the byte order."""
    even, odd = head[0::2], head[1::2]
    n = min(len(even), len(odd))
    if n < 2:
        return None
    z_even, z_odd = even[:n].count(0) / n, odd[:n].count(0) / n
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _not_text(path: Path, head: bytes) -> None:
    """Refuse a binary file under a text name, saying what it is."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            if what is None:
                what = _zip_content(path)
            raise DataError(f"file {short(path.name)!r} is not a text table but {what}.")


def _zip_content(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError):
        return "a damaged zip archive; re-download or re-export it"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx): rename it to .xlsx"
    tables = [n for n in names if n.lower().endswith((".csv", ".txt", ".tsv", ".xlsx", ".sav"))]
    listed = ", ".join(map(repr, (tables or names)[:5])) or "nothing"
    return f"a zip archive holding {short(listed)}: extract it and read the file inside"


def _auto(head: bytes, name: str) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency of servgap
        raise ImportError("encoding=\"auto\" needs charset-normalizer: pip install charset-normalizer") from None
    best = from_bytes(head).best()
    if best is None:
        raise DataError(f"file {short(name)!r}: encoding=\"auto\" could not recognise the encoding (the bytes may "
                        "not be text); give it, e.g. encoding=\"gbk\" or \"utf-8\".")
    enc = codecs.lookup(best.encoding).name
    warnings.warn(f"file {short(name)!r}: encoding=\"auto\" read it as {enc} (detected by charset-normalizer); "
                  f"pass encoding={enc!r} to make this explicit.", DataQualityWarning, stacklevel=2)
    return enc


def _read_head(path: Path, compression: str | None, n: int) -> bytes:
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(n)
    except (OSError, EOFError) as exc:
        raise DataError(f"file {short(path.name)!r}: cannot be read ({exc}); it may be damaged or truncated.") from None


def choose_encoding(path: Path, encoding: str | None) -> tuple[str, str | None, dict]:
    """``(encoding, compression, chosen)`` of a text file, from its bytes and ``encoding=``."""
    name = path.name
    raw = _read_head(path, None, HEAD_BYTES)
    compression = None
    if raw.startswith(b"\x1f\x8b"):
        compression = "gzip"
        raw = _read_head(path, "gzip", HEAD_BYTES)
    if compression is None:
        _not_text(path, raw)
    chosen: dict = {"compression": compression} if compression else {}
    bom, bom_enc = _bom(raw)
    want = None if encoding is None else ("auto" if str(encoding).lower() == "auto" else check_encoding(encoding))
    if bom is not None:
        if want not in (None, "auto") and not _agrees(want, bom_enc):
            raise DataError(f"file {short(name)!r} starts with a {bom_enc.replace('-sig', '').upper()} byte-order "
                            f"mark but encoding={encoding!r} was given; leave encoding= out (the mark says how "
                            "to read it).")
        chosen["encoding"] = bom_enc
        return bom_enc, compression, chosen
    if want == "auto":
        head = raw if compression else _read_head(path, None, AUTO_BYTES)
        enc = _auto(head, name)
        chosen["encoding"] = enc
        return enc, compression, chosen
    if want in ("utf-16", "utf-32") or (want is None and b"\x00" in raw[:4096]):
        order = _utf16_order(raw)
        if want == "utf-16" and order:
            chosen["encoding"] = order
            return order, compression, chosen
        hint = f"encoding={order!r}" if order else "encoding=\"utf-16-le\" (most Windows exports)"
        raise DataError(f"file {short(name)!r}: looks like UTF-16 text without a byte-order mark; pass {hint}.")
    return (want or "utf-8"), compression, chosen


def _agrees(given: str, bom_enc: str) -> bool:
    family = {"utf-8-sig": ("utf-8", "utf-8-sig"), "utf-16": ("utf-16",), "utf-32": ("utf-32",)}
    return given in family[bom_enc]


def sniff_sep(text: str) -> str:
    """The separator that splits the header and the first lines into equally many fields (>1).

    >>> sniff_sep("id;branch;E1\\n1;A;5,5\\n2;B;6\\n")
    ';'
    >>> sniff_sep("id,E1\\n1,5\\n")
    ','
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]                       # the head may end inside a line
    sample = "".join(lines[:50])
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if r]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        same = sum(c == counts[0] for c in counts) / len(counts)
        score = (same, counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def sniff_decimal(text: str, sep: str) -> str:
    """``","`` when the separator is not a comma and numbers are written ``5,5`` (never ``5.5``).

    >>> sniff_decimal("id;E1\\n1;5,5\\n2;6\\n", ";")
    ','
    >>> sniff_decimal("id;E1\\n1;5.5\\n2;6,5\\n", ";")
    '.'
    """
    if sep == ",":
        return "."
    comma = point = 0
    for row in _rows(text, sep):
        for cell in row:
            cell = cell.strip()
            comma += bool(_NUMBER_COMMA.match(cell))
            point += bool(_NUMBER_POINT.match(cell))
    return "," if comma and not point else "."


def _rows(text: str, sep: str) -> list[list[str]]:
    """The CSV rows of ``text`` (as far as they parse: the head may end inside a quoted cell)."""
    out = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
            out.append(row)
    except csv.Error:
        pass
    return out


def sniff_text(path: Path, encoding: str | None, sep: str | None, decimal: str | None) -> TextFormat:
    """How to read the text table at ``path`` (see the module docstring)."""
    enc, compression, chosen = choose_encoding(path, encoding)
    head = _read_head(path, compression, HEAD_BYTES)
    text = head.decode(enc, errors="replace")
    if sep is None:
        sep = "\t" if path.suffix.lower() == ".tsv" else sniff_sep(text)
        if sep != ",":
            chosen["sep"] = sep
    if decimal is None:
        decimal = sniff_decimal(text, sep)
        if decimal != ".":
            chosen["decimal"] = decimal
    rows = _rows(text, sep)
    title = title_rows(rows[:40])
    header = next((row for row in rows[title:] if row), [])
    return TextFormat(enc, compression, sep, decimal, chosen, tuple(header), title)


def filled_cells(row) -> int:
    """Cells of ``row`` that hold something (not blank, NaN or a pandas ``Unnamed: k`` name)."""
    return sum(1 for v in row if not (v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""
                                      or str(v).startswith("Unnamed: ")))


def title_rows(rows: list) -> int:
    """How many title lines stand above the header: leading rows with at most one filled cell (a
    questionnaire title, a date), before a row with at least 3 filled cells and at least half as many
    as the widest of the rows after it; 0 when the first row is the header.

    >>> title_rows([["银行服务质量调查"], [], ["id", "E1", "P1"], ["1", "5", "6"]])
    2
    >>> title_rows([["id", "E1", "P1"], ["1", "5", "6"]])
    0
    """
    k = 0
    while k < min(len(rows), 10) and filled_cells(rows[k]) <= 1:
        k += 1
    if k == 0 or k >= len(rows):
        return 0
    width = max(filled_cells(r) for r in rows[k:k + 10])
    return k if filled_cells(rows[k]) >= max(3, width / 2) else 0
