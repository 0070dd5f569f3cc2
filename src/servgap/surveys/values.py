"""Numbers from one column of any type, with every blank, code and recode counted.

`numbers` turns a column into floats (NaN = missing) and a count per ledger issue:

- ``missing``: empty cells (and NaN in numeric columns);
- ``missing_code``: declared missing codes (``missing=[0, 9, "NA"]``; a code written as
  text, ``"9"``, also matches the number 9);
- ``missing_text``: undeclared text that spells "no value" (`NA_TEXT`: ``NA``, ``N/A``,
  ``NaN``, ``NULL``, ``None``, ``#N/A`` ...);
- ``full_width_digits``: numbers typed with full-width digits (``５``), read as numbers;
- ``number_in_text`` (rating columns only): a rating written with text around it, read as
  its number -- with a unit (``5分``, ``7 points``, ``(6)``) or with its answer label
  (``非常同意(7)``, ``7 非常同意``, ``7 - Strongly agree``).

Everything else that is not a number is refused, with a fix that is right for that
value: a number written with the other decimal mark gets ``decimal=``, a value label
gets "read the codes", free text gets "check the column mapping"; only a short code is
offered ``missing=[...]``. Booleans, dates, durations, lists and the like are refused
as not ratings.
"""

from __future__ import annotations

import decimal as _decimal
import numbers as _numbers
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, show, short, where
from .headers import squash
from .labels import IN_TEXT, NA_TEXTS, label_points, label_sets

#: Undeclared text read as "no value" and counted as ``missing_text`` (pandas' NA strings, any case).
NA_TEXT = NA_TEXTS
ISSUES = ("missing_code", "missing", "missing_text", "full_width_digits", "number_in_text")


@dataclass(frozen=True)
class Codes:
    """Declared missing codes: numbers and texts."""

    numbers: tuple = ()
    texts: frozenset = frozenset()

    @classmethod
    def of(cls, missing) -> "Codes":
        """Check ``missing=`` (a list of numbers and texts).

        >>> Codes.of([0, "9", "NA"]).numbers
        (0.0, 9.0)
        """
        nums, texts = [], set()
        for c in list(missing):
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, (str, _numbers.Real)):
                raise ConfigError(f"missing={list(missing)!r}: {show(c)} cannot be a missing-value code; give "
                                  "numbers or texts, e.g. missing=[0, 9, \"NA\"].")
            elif isinstance(c, str):
                texts.add(c.strip())
                x = _number(c)
                if x is not None:
                    nums.append(x)
            elif np.isnan(c):
                raise ConfigError("missing= holds NaN: blank cells are missing anyway; remove it.")
            else:
                nums.append(float(c))
                texts.add(show(c))
        return cls(tuple(dict.fromkeys(nums)), frozenset(texts))

    def hit(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x), bool)
        for c in self.numbers:
            out |= x == c
        return out


def _isna(vals: np.ndarray) -> np.ndarray:
    """Blank cells of an object array (also with ``Decimal('sNaN')``, which cannot even be compared)."""
    try:
        return pd.isna(vals)
    except (ArithmeticError, TypeError, ValueError):
        return np.fromiter((v.is_nan() if isinstance(v, _decimal.Decimal) else
                            bool(pd.isna(v)) if np.ndim(v) == 0 else False for v in vals), bool, len(vals))


def _number(text: str):
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def _kind(s: pd.Series) -> str | None:
    """What a column holds when it cannot hold ratings (booleans, dates ...), else ``None``."""
    t = s.dtype
    if pd.api.types.is_bool_dtype(t):
        return "true/false values"
    if pd.api.types.is_datetime64_any_dtype(t) or isinstance(t, pd.PeriodDtype):
        return "dates"
    if pd.api.types.is_timedelta64_dtype(t):
        return "durations"
    if pd.api.types.is_complex_dtype(t):
        return "complex numbers"
    return None


def _refuse_kind(s, kind, col, name, line_offset):
    pos = np.flatnonzero(s.notna().to_numpy())
    r = int(pos[0]) if len(pos) else 0
    raise DataError(f"{where(file=name, column=col, row=r + 1 + line_offset, value=s.iloc[r] if len(s) else None)}: "
                    f"the column holds {kind}, not ratings; check that columns= maps the right column "
                    "(or convert the values to numbers first).")


def _cell(v):
    """``(number, why)`` of a non-text, non-blank cell of an object column (``why``: why it is not a rating)."""
    if isinstance(v, (bool, np.bool_)):
        return np.nan, "a true/false value"
    if isinstance(v, _decimal.Decimal):
        return (float(v) if v.is_finite() else np.inf if v.is_infinite() else np.nan), None
    if isinstance(v, _numbers.Real):
        return float(v), None
    return np.nan, f"a {type(v).__name__} value"


def numbers(s: pd.Series, col: str, name: str, codes: Codes, line_offset: int = 0, *, decimal: str = ".",
            scale=None, labels=None, codes_apply: bool = True) -> tuple[np.ndarray, dict]:
    """Floats of column ``s`` (NaN = missing) and the counts of `ISSUES` (see the module docstring)."""
    kind = _kind(s)
    if kind:
        _refuse_kind(s, kind, col, name, line_offset)
    counts = dict.fromkeys(ISSUES, 0)
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        hit = codes.hit(x)
        counts["missing_code"] = int(np.count_nonzero(hit))
        counts["missing"] = int(np.count_nonzero(np.isnan(x)))
        if counts["missing_code"]:
            x = x.copy() if not x.flags.writeable else x
            x[hit] = np.nan
        return x, counts
    vals = s.astype(object).to_numpy()
    x = np.full(len(vals), np.nan)
    blank = _isna(vals)
    if isinstance(s.dtype, pd.StringDtype):
        is_text = ~blank
    else:
        is_text = np.fromiter((isinstance(v, str) for v in vals), bool, len(vals))
    other = np.flatnonzero(~blank & ~is_text)
    bad = np.zeros(len(vals), bool)
    blank = blank.copy()
    for i in other:
        x[i], why = _cell(vals[i])
        if why is not None:
            raise DataError(f"{where(file=name, column=col, row=i + 1 + line_offset, value=vals[i])}: {why}, "
                            "not a rating; check that columns= maps the right column (or convert the values).")
        blank[i] = np.isnan(x[i])              # a Decimal NaN is no value
    txt = pd.Series(vals[is_text], dtype=object).str.strip()
    tx = np.full(len(txt), np.nan)
    t_blank = (txt == "").to_numpy()
    t_code = txt.isin(codes.texts).to_numpy()
    t_na = txt.str.casefold().isin(NA_TEXT).to_numpy() & ~t_code & ~t_blank
    rest = ~(t_blank | t_code | t_na)
    if rest.any():
        cells = np.flatnonzero(is_text)[np.flatnonzero(rest)]

        def place(j, row=True):
            r = int(cells[j])
            return where(file=name, column=col, row=r + 1 + line_offset if row else None, value=vals[r])

        tx[rest] = _text_ratings(txt[rest], decimal, scale, counts, place)
    t_bad = rest & np.isnan(tx)
    pos = np.flatnonzero(is_text)
    x[pos] = tx
    bad[pos[t_bad]] = True
    if bad.any():
        rows = np.flatnonzero(bad)
        r = int(rows[0])
        raise DataError(f"{where(file=name, column=col, row=r + 1 + line_offset, value=vals[r])}: not a number "
                        f"({len(rows)} such cell{'s' if len(rows) > 1 else ''} in this column). "
                        f"{_fix(vals[r], decimal, scale, labels, codes_apply)}")
    hit = codes.hit(x)
    hit[pos[t_code]] = True
    counts["missing_code"] = int(np.count_nonzero(hit))
    counts["missing_text"] += int(np.count_nonzero(t_na))
    counts["missing"] = int(np.count_nonzero(blank)) + int(np.count_nonzero(t_blank))
    x[hit] = np.nan
    return x, counts


def _text_ratings(txt: pd.Series, decimal: str, scale, counts: dict, place) -> np.ndarray:
    """Numbers of text cells (NaN where none): plain numbers, full-width digits (``５``, counted) and, on a
    known ``scale``, a rating with its unit or label around it (counted; `_in_text`)."""
    out = np.array(_parse(txt, decimal))           # writeable (pandas may hand out a read-only view)
    undone = np.isnan(out)
    if undone.any():                          # full-width digits (５, ４．５) are digits
        got = _parse(txt[undone].map(lambda v: unicodedata.normalize("NFKC", v)), decimal)
        out[undone] = got
        counts["full_width_digits"] += int(np.count_nonzero(~np.isnan(got)))
    undone = np.isnan(out)
    if scale is not None and undone.any():     # a rating with its unit or label around it
        idx = np.flatnonzero(undone)
        got = _in_text(txt[undone], scale, lambda j, row=True: place(idx[j], row))
        out[undone] = got
        counts["number_in_text"] += int(np.count_nonzero(~np.isnan(got)))
    return out


def _in_text(txt: pd.Series, scale, place) -> np.ndarray:
    """The number of each text that is one number with a unit or an answer label around it (`IN_TEXT`), else
    NaN. A built-in label that names another rating than its number (``7 - Strongly disagree`` on 1-7) is a
    `DataError` (``place(j)``: where the ``j``-th text is), naming the scale when the labels are those of
    another size (``5 - Strongly agree`` read on 1-7)."""
    m = txt.map(lambda v: unicodedata.normalize("NFKC", v).strip()).str.extract(IN_TEXT)
    got = pd.to_numeric(m["a"].fillna(m["b"]).fillna(m["c"]), errors="coerce").to_numpy(dtype=np.float64)
    lab = m["lab1"].fillna(m["lab2"])
    lo, hi = scale
    k = hi - lo + 1
    if not lab.notna().any() or not float(k).is_integer():
        return got
    said = _label_ratings(lab, int(k)) + (lo - 1)
    clash = ~np.isnan(said) & (got != said)
    if not clash.any():
        return got
    for size in sorted({s.size for s in label_sets().values()} - {int(k)}):   # 5 - Strongly agree on 1-5
        other = _label_ratings(lab, size) + (lo - 1)
        if np.array_equal(np.isnan(other), np.isnan(said)) and np.array_equal(other[~np.isnan(other)],
                                                                              got[~np.isnan(other)]):
            top = show(lo + size - 1)
            raise DataError(f"{place(0, row=False)}: the numbers and labels are those of a {size}-point scale, but "
                            f"the instrument's scale is {show(lo)}-{show(hi)}: read them with the instrument on that "
                            f"scale (Instrument.with_scale({show(lo)}, {top}), or scale: [{show(lo)}, {top}] in a "
                            "configuration).")
    j, n_bad = int(np.argmax(clash)), int(clash.sum())
    raise DataError(f"{place(j)}: its number is {show(got[j])} but its label is rating {show(said[j])} of the "
                    f"{show(lo)}-{show(hi)} scale ({n_bad} such cell{'s' if n_bad > 1 else ''} in this column). "
                    "Check how the survey coded the answers (e.g. Qualtrics' Recode values); if the numbers run "
                    "the other way, reverse them before reading (or export the labels alone, which servgap reads "
                    "with scale_labels).")


def _label_ratings(lab: pd.Series, k: int) -> np.ndarray:
    points = label_points(k)
    return lab.map(lambda v: points.get(squash(v)) if isinstance(v, str) else None).to_numpy(dtype=float)


def _parse(txt: pd.Series, decimal: str) -> np.ndarray:
    if decimal == ",":
        txt = txt.str.replace(",", ".", regex=False)
    return pd.to_numeric(txt, errors="coerce").to_numpy(dtype=np.float64)


def _fix(v, decimal: str, scale, labels, codes_apply: bool = True) -> str:
    """The right fix for a text cell that is not a number (never "declare it missing" for a real answer)."""
    text = str(v).strip()
    other = "." if decimal == "," else ","
    alt = _number(text.replace(other, ".")) if other in text else None
    if alt is not None:
        on = scale is not None and scale[0] <= alt <= scale[1]
        return (f"It is the number {show(alt)}{' (on the scale)' if on else ''} written with a decimal "
                f"{'comma' if other == ',' else 'point'}: pass decimal={other!r}.")
    if labels:
        code = next((k for k, lab in labels.items() if str(lab).strip() == text), None)
        if code is not None:
            return (f"It is the value label of code {show(code)}: the file holds labels where numbers are "
                    "expected; export the codes (values) instead of the labels.")
    if isinstance(v, str) and (len(text) > 40 or "\n" in text):
        return "It is free text: check that columns= maps this column to the right question."
    if any(ch.isdigit() for ch in text) and (len(text) > 6 or any(ch.isspace() or ord(ch) >= 0x2E80 for ch in text)):
        return ("It holds a number inside other text: write the rating alone (one number per cell), "
                "or map its answer labels with scale_labels=.")
    code = re.fullmatch(r"([A-Za-z]{1,3})(\d{1,3})", text)
    if code and scale is not None and scale[0] <= int(code[2]) <= scale[1]:
        lo, hi = (f"{code[1]}{int(k):0{len(code[2])}d}" for k in scale)
        return (f"It looks like an answer code (LimeSurvey writes option {int(code[2])} of an array as {text}): "
                f"map the codes with scale_labels={{{lo!r}: {scale[0]:g}, …, {hi!r}: {scale[1]:g}}} once you have "
                "checked their order in the survey's definition, or export the answers as numbers.")
    if not codes_apply:
        return "Clean the data (missing-value codes do not apply to this column)."
    return f"Clean the data, or declare the code as missing, e.g. missing=[{short(repr(text), 40)}]."
