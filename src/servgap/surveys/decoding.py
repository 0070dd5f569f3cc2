"""Bytes that are not UTF-8: Chinese Windows text, and what to do about a line that fails.

- `chinese_windows_text`: a file that is not UTF-8 in any line but decodes as GB18030 (GBK,
  GB2312) with common Chinese characters in it -- the CSV Excel writes on Chinese Windows --
  which the reader then reads as GB18030 (Western Windows text, cp1252, is not: ``ü`` + ``r``
  decodes as the rare GBK character 黵);
- `undecodable`: the error for the first bytes an encoding cannot decode, naming their line
  and a fix that is right for that line (another encoding, or "the file mixes encodings").
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from ..errors import DataError, short


def _chunks(path: Path, compression: str | None, size: int = 1 << 20):
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def chinese_windows_text(path: Path, compression: str | None = None) -> bool:
    """Whether the file is GB18030 text (which holds GBK and GB2312, the encodings of Chinese Windows
    exports) and not UTF-8 in any part: every line with non-ASCII bytes fails as UTF-8, the whole file
    decodes as GB18030 with Chinese characters in it, and at least 80 % of its distinct non-ASCII
    characters are in GB2312 (the common characters). A file mixing UTF-8 and GBK lines is not, nor
    is Western Windows text (cp1252: ``ü`` + ``r`` decodes as the rare GBK character 黵)."""
    dec = codecs.getincrementaldecoder("gb18030")()
    chars, tail = set(), b""
    try:
        for chunk in _chunks(path, compression):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            if any(_utf8_line(ln) for ln in lines):
                return False
            chars |= set(dec.decode(chunk))
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return _common_chinese(chars) and not _utf8_line(tail)


def _common_chinese(chars) -> bool:
    """Whether decoded text reads as Chinese: Chinese characters among ``chars`` and at least 80 % of
    the distinct non-ASCII ones in GB2312 (the common characters; mis-decoded Latin text is rare ones)."""
    wide = {ch for ch in chars if not ch.isascii()}
    if not any("\u4e00" <= ch <= "\u9fff" for ch in wide):
        return False
    return sum(_in_gb2312(ch) for ch in wide) >= 0.8 * len(wide)


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _utf8_line(line: bytes) -> bool:
    """A line with non-ASCII bytes that decodes as UTF-8."""
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def undecodable(path: Path, enc: str, compression: str | None = None) -> DataError:
    """The error for the first bytes of ``path`` that ``enc`` cannot decode, naming their line."""
    dec = codecs.getincrementaldecoder(enc)()
    line, seen_utf8 = 1, False
    name = short(path.name)
    for chunk in _chunks(path, compression):
        try:
            text = dec.decode(chunk)
        except UnicodeDecodeError as exc:
            good = exc.object[:exc.start]
            line += good.count(b"\n")
            start = good.rfind(b"\n") + 1
            end = exc.object.find(b"\n", exc.start)
            raw_line = exc.object[start:end if end >= 0 else len(exc.object)]
            bad = exc.object[exc.start:exc.end + 1]
            return DataError(f"file {name!r}, line {line}: the bytes {short(repr(bad), 30)} cannot be decoded as "
                             f"{enc} (the line reads {short(raw_line.decode(enc, errors='replace'), 60)!r}). "
                             f"{_advice(raw_line, enc, seen_utf8 or _has_utf8_text(good))}")
        line += text.count("\n")
        seen_utf8 = seen_utf8 or (enc.startswith("utf-8") and any(ord(c) > 127 for c in text))
    return DataError(f"file {name!r}: cannot be decoded as {enc}; try encoding=\"auto\".")


def _has_utf8_text(data: bytes) -> bool:
    try:
        return any(b > 127 for b in data) and bool(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _decodes(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def _latin_text(raw: bytes) -> bool:
    """Whether bytes read as cp1252 text whose non-ASCII characters are nearly all letters (é, ü, ß …)."""
    if not _decodes(raw, "cp1252"):
        return False
    wide = [ch for ch in raw.decode("cp1252") if not ch.isascii()]
    return bool(wide) and sum(ch.isalpha() for ch in wide) >= 0.8 * len(wide)


def _advice(raw_line: bytes, enc: str, earlier_utf8: bool) -> str:
    """What to do about a line that ``enc`` cannot decode (never the encoding that just failed)."""
    utf8_line = _decodes(raw_line, "utf-8")
    if not enc.startswith("utf-8") and utf8_line:
        return ("That line is UTF-8 while the lines before it are not: the file mixes encodings (rows pasted "
                "from two exports?). Re-save it in one encoding (UTF-8), or fix that part.")
    if enc.startswith("utf-8") and earlier_utf8 and _decodes(raw_line, "gb18030"):
        return ("The lines before it are UTF-8 but this one is not (it decodes as GBK): the file mixes "
                "encodings. Re-save it in one encoding (UTF-8), or fix that part.")
    options = [e for e in ("gbk", "gb18030") if e != enc and _decodes(raw_line, e)
               and _common_chinese(raw_line.decode(e))]
    if not options and enc != "cp1252" and _latin_text(raw_line):
        return (f"It may be a Western Windows export: as cp1252 the line reads "
                f"{short(raw_line.decode('cp1252'), 40)!r}; try encoding='cp1252', or encoding=\"auto\" to "
                "detect it.")
    options = options or [e for e in ("big5", "gbk", "utf-8") if e != enc and _decodes(raw_line, e)]
    if options:
        return (f"It may be a Chinese Windows export: try encoding={options[0]!r}"
                f"{' (or ' + repr(options[1]) + ')' if len(options) > 1 else ''}, or encoding=\"auto\" to detect it.")
    return "Give the file's encoding with encoding=..., or encoding=\"auto\" to detect it."


__all__ = ["chinese_windows_text", "undecodable"]
