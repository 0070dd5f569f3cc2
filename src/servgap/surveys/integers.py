"""Integer rating columns read straight to one-byte codes, and ratings kept as codes.

The in-memory reader turns every rating column into floats, validates them and codes
them (`servgap.surveys.survey.to_codes`). A column of integers (a Parquet ``int8``
column, a pandas ``int64`` or nullable ``Int8`` column) needs none of that float work:

- its range is two integer reductions (``min``, ``max``); only a column that holds
  values outside the scale or declared missing codes is looked at cell by cell;
- the code of a rating ``x`` is ``x − scale_min + 1`` (``0`` = missing), one integer
  subtraction into the survey's column-major ``uint8`` matrix;
- the ledger counts (``missing_code``, ``missing``, ``out_of_range``, ``reverse_scored``)
  are counts of integers.

`coded_ratings` does this for one viewpoint with exactly the checks and ledger rows of
`servgap.surveys.eager` (``_ratings``), or raises `NotCoded` when it cannot (text or float
columns, platform markers, an out-of-range value that must be reported with its cell):
the reader then takes the float path, so errors and counts never differ between the two.
`CodedRatings` is the survey's ``data`` mapping on this path: it holds the codes and makes
a viewpoint's float matrix only when something asks for it (the engine's one-byte path
never does).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .survey import scale_of
from .validation import resolve_columns
from .values import Codes


class NotCoded(Exception):
    """A viewpoint that cannot be read as integer codes (the reader takes the float path)."""


class CodedRatings(Mapping):
    """``viewpoint -> (n, items)`` float ratings, made on first access from one-byte codes.

    ``codes`` maps every viewpoint to its ``uint8`` codes ``x − scale_min + 1`` (``0`` =
    missing; `servgap.surveys.survey.to_codes`), column-major, or to ``None`` when its
    ratings are not all integers on the scale; ``floats`` holds the float matrices of the
    viewpoints read the float way. ``ratings[vp]`` is the read-only float matrix (NaN =
    missing), made from the codes once when it is not in ``floats``; `codes` gives the
    codes without making it.

    >>> from servgap import SERVQUAL22
    >>> c = np.zeros((2, 22), np.uint8, order="F"); c[0, 0], c[1, 0] = 7, 1
    >>> r = CodedRatings({"expected": c}, SERVQUAL22)
    >>> r["expected"][:, 0].tolist(), bool(np.isnan(r["expected"][0, 1])), list(r)
    ([7.0, 1.0], True, ['expected'])
    """

    def __init__(self, codes: dict, instrument, floats: dict | None = None):
        self._codes = dict(codes)
        self._instrument = instrument
        self._floats = dict(floats or {})

    def __getitem__(self, viewpoint: str) -> np.ndarray:
        x = self._floats.get(viewpoint)
        if x is None:
            x = self._floats[viewpoint] = floats_of(self._codes[viewpoint], scale_of(self._instrument)[0])
        return x

    def __iter__(self):
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def codes(self, viewpoint: str) -> np.ndarray | None:
        """The ``uint8`` codes of a viewpoint (no float matrix is made), ``None`` if it is not coded."""
        return self._codes[viewpoint]

    def take(self, sl) -> "CodedRatings":
        """The rows ``sl`` (a slice: views; a boolean mask: copies, column-major)."""
        def pick(a):
            return None if a is None else a[sl] if isinstance(sl, slice) else np.asfortranarray(a[sl])

        floats = {vp: pick(x) for vp, x in self._floats.items() if self._codes[vp] is None}
        return CodedRatings({vp: pick(c) for vp, c in self._codes.items()}, self._instrument, floats)


def floats_of(codes: np.ndarray, lo: int) -> np.ndarray:
    """The read-only float ratings of ``codes`` (``0`` → NaN, ``c`` → ``lo + c − 1``), column-major.

    >>> floats_of(np.array([[0], [3]], np.uint8), 1)[:, 0].tolist()
    [nan, 3.0]
    """
    table = np.concatenate([[np.nan], np.arange(lo, lo + 256 - 1, dtype=np.float64)])
    out = np.empty(codes.shape, np.float64, order="F")
    for j in range(codes.shape[1]):
        np.take(table, codes[:, j], out=out[:, j])
    out.flags.writeable = False
    return out


def integer_values(s: pd.Series) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``(values, blank)`` of an integer column (``blank``: the NA cells of a nullable one, else
    ``None``), or ``None`` for any other column (floats, text, booleans ...)."""
    t = s.dtype
    if isinstance(t, pd.api.extensions.ExtensionDtype):
        arr = s.array
        if not isinstance(arr, pd.arrays.IntegerArray):
            return None
        data, mask = arr._data, arr._mask                   # noqa: SLF001 - the masked array's own buffers
        return data, (mask if mask.any() else None)
    if t.kind in "iu":
        return s.to_numpy(), None
    return None


def integer_codes(v: np.ndarray, blank: np.ndarray | None, lo: int, K: int, missing: tuple,
                  out: np.ndarray) -> tuple[int, np.ndarray | None]:
    """Codes of the integers ``v`` written into ``out`` (``uint8``, one column).

    ``blank`` marks empty cells (code 0, not counted here); ``missing`` holds the declared
    missing codes (numbers). Returns the number of cells that hold a missing code and the
    mask of the values outside ``lo .. lo + K − 1`` that are not missing codes (``None``
    when there are none); their codes are 0.
    """
    hi = lo + K - 1
    if blank is not None:                  # the values under NA are arbitrary: make them a rating
        v = np.where(blank, lo, v)
    vmin, vmax = (int(v.min()), int(v.max())) if v.size else (lo, lo)
    codes = [int(m) for m in missing if float(m).is_integer() and vmin <= m <= vmax]
    if lo <= vmin and vmax <= hi and not codes:             # every cell a rating
        _shift(v, lo - 1, out)
        n_code, bad = 0, None
    elif lo - 1 <= vmin and vmax <= hi and codes == [lo - 1]:
        _shift(v, lo - 1, out)                              # the code just below the scale is code 0
        n_code, bad = v.size - int(np.count_nonzero(out)), None
    else:
        hit = np.zeros(v.size, bool)
        for m in codes:
            hit |= v == m
        off = ((v < lo) | (v > hi)) & ~hit
        np.subtract(np.where(hit | off, lo - 1, v), lo - 1, out=out, casting="unsafe")
        n_code, bad = int(np.count_nonzero(hit)), (off if off.any() else None)
    if blank is not None:
        out[blank] = 0
    return n_code, bad


def _shift(v: np.ndarray, by: int, out: np.ndarray) -> None:
    """``out = v − by`` for integers whose difference lies in 0..255 (one-byte columns: byte arithmetic)."""
    if v.dtype.itemsize == 1:                               # wraps modulo 256: exact for results in 0..255
        np.subtract(v.view(np.uint8), np.uint8(by % 256), out=out)
    else:
        np.subtract(v, by, out=out, casting="unsafe")


def coded_ratings(df: pd.DataFrame, vp: str, spec, inst, opts, fname: str, ledger: list, line_offset: int,
                  metadata: dict, used: dict) -> np.ndarray:
    """The ``n × items`` ``uint8`` codes of one viewpoint read from integer columns, with the ledger rows
    of the float reader (``_ratings`` in `servgap.surveys.eager`): per column ``missing_code`` and
    ``missing``, then ``out_of_range`` (with ``out_of_range="missing"``), then ``reverse_scored``.

    Raises `NotCoded` when a column is not an integer column, the table carries platform markers
    or user-missing values, or a value outside the scale must be reported as an error.
    """
    sc = scale_of(inst)
    if sc is None or opts.layout != "wide" or metadata.get("marker_codes") or metadata.get("missing_values"):
        raise NotCoded(vp)
    lo, K = sc
    cols = resolve_columns(spec, inst.item_ids, "item", df.columns, fname, f"{vp!r}")
    used[vp] = dict(zip(inst.item_ids, cols))
    numbers = Codes.of(opts.missing).numbers
    out = np.empty((len(df), len(cols)), np.uint8, order="F")
    rows, off = [], []
    for j, col in enumerate(cols):
        got = integer_values(df[col])
        if got is None:
            raise NotCoded(col)
        v, blank = got
        n_code, bad = integer_codes(v, blank, lo, K, numbers, out[:, j])
        if bad is not None and opts.out_of_range != "missing":
            raise NotCoded(col)            # the float reader reports the cell
        rows += [dict(source=fname, column=col, issue="missing_code", count=n_code),
                 dict(source=fname, column=col, issue="missing", count=0 if blank is None else int(blank.sum()))]
        if bad is not None:
            off.append(dict(source=fname, column=col, issue="out_of_range", count=int(bad.sum())))
    ledger += rows + off
    for j in np.flatnonzero(inst.reverse_mask):
        c = out[:, j]
        np.subtract(np.uint8(K + 1), c, out=c, where=c > 0)
        ledger.append(dict(source=fname, column=cols[j], issue="reverse_scored", count=int(np.count_nonzero(c))))
    return out


__all__ = ["CodedRatings", "NotCoded", "coded_ratings", "floats_of", "integer_codes", "integer_values"]
