"""`ReadOptions`: the checked arguments of `servgap.read_survey`, shared by the in-memory
reader (`servgap.surveys.eager`) and the partition-by-partition one (`servgap.surveys.lazy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ConfigError
from ..model.gaps import check_viewpoint
from .encoding import check_encoding
from .platforms import PLATFORMS
from .screening import screen_options
from .values import Codes

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

    columns: Mapping[str, Any] | None
    id: str | None = None
    segments: tuple = ()
    weight: str | None = None
    strata: str | None = None
    cluster: str | None = None
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
    platform: str = "auto"
    scale_labels: Any = "auto"
    screen: Mapping[str, Any] | None = None
    sep: str | None = None
    decimal: str | None = None

    @classmethod
    def of(cls, *, columns=None, id=None, segments=None, weight=None, strata=None, cluster=None,
           importance=None, missing=None, out_of_range="error", min_items=0.5, keep=None, layout="wide", long_columns=None,
           encoding=None, sheet=0, name=None, platform="auto", scale_labels="auto", screen=None, sep=None,
           decimal=None) -> "ReadOptions":
        """Check the arguments of ``read_survey`` and normalise them (lists become tuples).

        ``columns=None`` means "use what `servgap.suggest_columns` proposes" (wide layout only).
        """
        if columns is not None and not isinstance(columns, Mapping):
            raise ConfigError(f"columns= must map viewpoints to column patterns or mappings, not {columns!r}; e.g. "
                              "columns={\"expected\": \"E{item}\", \"perceived\": \"P{item}\"}.")
        if columns is not None and not columns:
            raise ConfigError("columns= is empty: map each viewpoint to a column pattern, e.g. "
                              "columns={\"expected\": \"E{item}\", \"perceived\": \"P{item}\"}, or leave it out "
                              "to use what sg.suggest_columns() proposes.")
        if columns is None and layout == "long":
            raise ConfigError("layout=\"long\" needs columns= mapping each viewpoint to its code in the long table.")
        for vp in columns or ():
            check_viewpoint(vp, "columns=: ")
        if platform not in PLATFORMS:
            raise ConfigError(f"platform={platform!r}; use one of {', '.join(PLATFORMS)}.")
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
        for what, col in (("strata", strata), ("cluster", cluster)):
            if col is not None and not isinstance(col, str):
                raise ConfigError(f"{what}={col!r} must be one column name (combine several columns into one first).")
        if strata is not None and strata == cluster:
            raise ConfigError(f"strata and cluster both name column {strata!r}: every stratum would hold a single "
                              "PSU. Give the column of the primary sampling units within the strata as cluster=.")
        return cls(columns=None if columns is None else dict(columns), id=id, segments=_names(segments),
                   weight=weight, strata=strata, cluster=cluster, importance=importance, missing=tuple(codes),
                   out_of_range=out_of_range, min_items=min_items, keep=_names(keep), layout=layout,
                   long_columns=long_columns, encoding=encoding, sheet=sheet, name=name, platform=platform,
                   scale_labels=scale_labels, screen=screen_options(screen), sep=sep, decimal=decimal)

    def used_columns(self, inst) -> list[str]:
        """Every column these options name (without checking that the data has them; a suggested
        mapping, ``columns=None``, names no rating column yet)."""
        if self.layout == "long":
            lc = {"id": "id", "item": "item", "viewpoint": "viewpoint", "value": "value", **(self.long_columns or {})}
            if self.id is not None:
                lc["id"] = self.id
            rated = list(lc.values())
        else:
            rated = []
            for spec in (self.columns or {}).values():
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
        """Columns carried along besides the ratings: segments, kept columns, weight, design, importance."""
        return [*self.segments, *self.keep, *self.design_columns(), *([self.weight] if self.weight else []),
                *self.importance_columns(dimension_ids)]

    def design_columns(self) -> list[str]:
        """The strata and cluster (PSU) columns declared for design-based variances."""
        return [c for c in (self.strata, self.cluster) if c]
