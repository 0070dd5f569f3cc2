"""`ReadOptions`: the checked arguments of `servgap.read_survey`, shared by the in-memory
reader (`servgap.surveys.eager`) and the partition-by-partition one (`servgap.surveys.lazy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ConfigError
from ..model.gaps import check_viewpoint
from .cells import Codes
from .encoding import check_encoding

LAYOUTS = ("wide", "long")
DECIMALS = (".", ",")
OUT_OF_RANGE = ("error", "missing")


def _names(value) -> tuple:
    """A column name or a list of them, as a tuple."""
    return (value,) if isinstance(value, str) else tuple(value or ())


def _check_text_options(encoding, sep, decimal, sheet) -> None:
    if encoding is not None and str(encoding).lower() != "auto":
        check_encoding(encoding)
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n"):
        raise ConfigError(f"sep={sep!r}: give one separator character, e.g. sep=\";\" or sep=\"\\t\" "
                          "(or leave it out: it is detected).")
    if decimal is not None and decimal not in DECIMALS:
        raise ConfigError(f"decimal={decimal!r}: use \".\" or \",\" (or leave it out: it is detected).")
    if sep is not None and decimal is not None and sep == decimal:
        raise ConfigError(f"sep={sep!r} and decimal={decimal!r} cannot be the same character.")
    sheets = sheet if isinstance(sheet, (list, tuple)) else [sheet]
    if sheet is not None and any(isinstance(s, bool) or not isinstance(s, (int, str)) for s in sheets):
        raise ConfigError(f"sheet={sheet!r}: give a sheet name, a 0-based position, a list of them, or None "
                          "(every sheet).")


@dataclass(frozen=True)
class ReadOptions:
    """How to read one survey (see `servgap.read_survey` for the meaning of each field).

    Built by `ReadOptions.of`, which checks every value; frozen, so one object can be sent
    to every Dask partition.
    """

    columns: Mapping[str, Any]
    id: str | None = None
    segments: tuple = ()
    weight: str | None = None
    importance: Any = None
    missing: tuple = ()
    out_of_range: str = "error"
    min_items: float = 0.5
    keep: tuple = ()
    layout: str = "wide"
    long_columns: Mapping[str, str] | None = None
    encoding: str | None = None
    sheet: Any = 0
    name: str | None = None
    sep: str | None = None
    decimal: str | None = None

    @classmethod
    def of(cls, *, columns, id=None, segments=None, weight=None, importance=None, missing=None,
           out_of_range="error", min_items=0.5, keep=None, layout="wide", long_columns=None,
           encoding=None, sheet=0, name=None, sep=None, decimal=None) -> "ReadOptions":
        """Check the arguments of ``read_survey`` and normalise them (lists become tuples)."""
        if not columns:
            raise ConfigError("columns= is required: map each viewpoint to a column pattern, e.g. "
                              "columns={\"expected\": \"E{item}\", \"perceived\": \"P{item}\"}.")
        for vp in columns:
            check_viewpoint(vp, "columns=: ")
        if out_of_range not in OUT_OF_RANGE:
            raise ConfigError(f"out_of_range={out_of_range!r}; use \"error\" or \"missing\".")
        if layout not in LAYOUTS:
            raise ConfigError(f"layout={layout!r}; use \"wide\" or \"long\".")
        if isinstance(min_items, bool) or not isinstance(min_items, (int, float)) or not 0 < min_items <= 1:
            raise ConfigError(f"min_items={min_items!r} must be a share in (0, 1], e.g. 0.5.")
        if isinstance(missing, Mapping):
            raise ConfigError(f"missing={missing!r}: give a code or a list of codes, e.g. missing=[0, 9].")
        codes = missing if isinstance(missing, (list, tuple, set, frozenset)) else ([] if missing is None else [missing])
        Codes.of(codes)                                          # checks every code
        _check_text_options(encoding, sep, decimal, sheet)
        for what, value in (("id", id), ("weight", weight)):
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{what}={value!r}: give the column name as text.")
        return cls(columns=dict(columns), id=id, segments=_names(segments), weight=weight, importance=importance,
                   missing=tuple(codes), out_of_range=out_of_range, min_items=min_items, keep=_names(keep),
                   layout=layout, long_columns=long_columns, encoding=encoding, sheet=sheet, name=name, sep=sep,
                   decimal=decimal)

    def used_columns(self, inst) -> list[str]:
        """Every column these options read (without checking that the data has them)."""
        if self.layout == "long":
            lc = {"id": "id", "item": "item", "viewpoint": "viewpoint", "value": "value", **(self.long_columns or {})}
            if self.id is not None:
                lc["id"] = self.id
            rated = list(lc.values())
        else:
            rated = []
            for spec in self.columns.values():
                if isinstance(spec, Mapping):
                    rated += [str(v) for v in spec.values()]
                elif isinstance(spec, str):
                    rated += [spec.replace("{item}", str(i)) for i in inst.item_ids]
        extra = [self.id] if self.id else []
        return list(dict.fromkeys(rated + extra + self.carried_columns(inst.dimension_ids)))

    def importance_columns(self, dimension_ids: list[str]) -> list[str]:
        """The importance columns named by a ``{dimension}`` pattern or a mapping."""
        imp = self.importance
        if isinstance(imp, Mapping):
            return [str(v) for v in imp.values()]
        if isinstance(imp, str):
            return [imp.replace("{dimension}", d) for d in dimension_ids]
        return []

    def carried_columns(self, dimension_ids: list[str]) -> list[str]:
        """Columns carried along besides the ratings: segments, kept columns, weight, importance."""
        return [*self.segments, *self.keep, *([self.weight] if self.weight else []),
                *self.importance_columns(dimension_ids)]
