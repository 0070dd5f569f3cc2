"""Exceptions and warnings raised by servgap.

Every error is a `ServgapError`, itself a `ValueError`, so callers can
catch all servgap input problems with ``except ValueError``. Messages say what is wrong,
where (file, column, row, value) and how to fix it.
"""

from __future__ import annotations


class ServgapError(ValueError):
    """Base class of every servgap error (a ``ValueError``)."""


class DataError(ServgapError):
    """The survey data cannot be used as given (bad values, duplicate ids, ...)."""


class ColumnError(DataError):
    """A column pattern or mapping does not match the data."""


class ConfigError(ServgapError):
    """A parameter, instrument, configuration or catalog file is invalid."""


class PairingError(ServgapError):
    """A paired test was asked for respondents that cannot be paired."""


class ServgapWarning(UserWarning):
    """Base class of every servgap warning."""


class DataQualityWarning(ServgapWarning):
    """Data were recoded or excluded, or a segment has too few answers."""


class MethodWarning(ServgapWarning):
    """A method was applied with a caveat (weights ignored, too few groups, ...)."""


class FontWarning(ServgapWarning):
    """No CJK font is installed, so Chinese labels cannot render."""


#: Text longer than this is shortened in messages (a 50 MB cell must not give a 50 MB message).
MAX_SHOWN_CHARS = 80


def short(text, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was.

    >>> short("x" * 1000, 10)
    'xxxxxxxxxx… (1,000 characters)'
    """
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def show(value) -> str:
    """A cell value as people read it, for messages: short, exact, never a 309-digit integer.

    Whole floats below 10¹⁵ print as integers (``5.0`` → ``5``), other floats as Python
    writes them (``1e+308``); dates and times in ISO form; lists and arrays as lists;
    long text cut (`short`).

    >>> show(5.0), show(1e308), show("NA"), show(pd.Timestamp("2024-01-01"))
    ('5', '1e+308', "'NA'", '2024-01-01T00:00:00')
    >>> show(np.array([6])), show(np.int64(3)), show(pd.Timedelta("125s"))
    ('[6]', '3', '0 days 00:02:05')
    """
    import datetime
    import decimal

    kind = type(value).__name__
    if kind in ("Timedelta", "Period", "NaTType", "timedelta64"):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):       # also pandas.Timestamp
        return value.isoformat()
    if kind == "datetime64":
        return str(value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):   # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (int, float)):
        return short(repr(value), 40)
    if isinstance(value, decimal.Decimal):
        return short(str(value), 40)
    if isinstance(value, (list, tuple)):
        return short("[" + ", ".join(show(v) for v in value[:10]) + (", …" if len(value) > 10 else "") + "]")
    if isinstance(value, (bytes, bytearray)):
        return short(repr(bytes(value[:MAX_SHOWN_CHARS])))
    if isinstance(value, str):
        return repr(short(value))
    return short(repr(value))


def where(file=None, column=None, row=None, value=None) -> str:
    """Format a location as ``file 'x', column 'y', row 3, value 'z'``.

    ``row`` is the 1-based data row (the header line is not counted). The value is shown
    with `show` (long text shortened).
    """
    parts = []
    if file is not None:
        parts.append(f"file {short(file)!r}")
    if column is not None:
        parts.append(f"column {short(column)!r}")
    if row is not None:
        parts.append(f"row {row}")
    if value is not None:
        parts.append(f"value {show(value)}")
    return ", ".join(parts)
