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


def where(file=None, column=None, row=None, value=None) -> str:
    """Format a location as ``file 'x', column 'y', row 3, value 'z'``.

    ``row`` is the 1-based data row (the header line is not counted).
    """
    parts = []
    if file is not None:
        parts.append(f"file {str(file)!r}")
    if column is not None:
        parts.append(f"column {str(column)!r}")
    if row is not None:
        parts.append(f"row {row}")
    if value is not None:
        if hasattr(value, "item"):          # numpy scalar -> Python scalar
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        parts.append(f"value {value!r}")
    return ", ".join(parts)
