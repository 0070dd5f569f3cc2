"""`Settings`: the checked options of one analysis, carried by its result.

Every layer that needs an option reads it from here (``res.settings.alpha``), so the
defaults are stated once. For older code and the JSON/Excel exports a `Settings` also
reads like a mapping (``res.settings["alpha"]``, ``dict(res.settings)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from ..errors import ConfigError
from ..stats.multiplicity import METHODS

TESTS = ("t", "wilcoxon")
#: Variance estimators: Kish's effective n, or Taylor linearisation over the sampling design.
VARIANCES = ("kish", "design")
#: Handling of a stratum with a single PSU under ``variance="design"`` (`servgap.engine.design`).
LONELY_PSU = ("adjust", "certainty", "fail")


@dataclass(frozen=True)
class Settings(Mapping):
    """Options of `servgap.analyze` (see its docstring for each).

    ``min_items=None`` means "each survey's own default" (0.5 unless ``read_survey`` set another).

    Examples
    --------
    >>> s = Settings.of(by="branch", test="wilcoxon")
    >>> s.by, s.test, s["alpha"]
    (('branch',), 'wilcoxon', 0.05)
    """

    by: tuple = ()
    test: str = "t"
    correction: str = "holm"
    alpha: float = 0.05
    confidence: float = 0.95
    weighted: bool = True
    min_items: float | None = None
    gaps: tuple | None = None
    wave: str | None = None
    variance: str = "kish"
    lonely_psu: str = "adjust"

    @classmethod
    def of(cls, by=None, test: str = "t", correction: str = "holm", alpha: float = 0.05, confidence: float = 0.95,
           weighted: bool = True, min_items: float | None = None, gaps=None, wave: str | None = None,
           variance: str = "kish", lonely_psu: str = "adjust") -> "Settings":
        """Check the options and normalise them (``by`` a tuple with ``wave`` added)."""
        if test not in TESTS:
            raise ConfigError(f"test={test!r}; use \"t\" or \"wilcoxon\".")
        if variance not in VARIANCES:
            raise ConfigError(f"variance={variance!r}; use \"kish\" (Kish effective n) or \"design\" "
                              "(Taylor linearisation over the strata and clusters declared in read_survey).")
        if lonely_psu not in LONELY_PSU:
            raise ConfigError(f"lonely_psu={lonely_psu!r}; use one of {', '.join(map(repr, LONELY_PSU))}.")
        if correction not in METHODS:
            raise ConfigError(f"correction={correction!r}; use one of {', '.join(METHODS)}.")
        if not (0 < confidence < 1) or not (0 < alpha < 1):
            raise ConfigError("confidence and alpha must lie strictly between 0 and 1, e.g. 0.95 and 0.05.")
        if min_items is not None and not 0 < min_items <= 1:
            raise ConfigError(f"min_items={min_items!r} must be a share in (0, 1], e.g. 0.5.")
        by = [by] if isinstance(by, str) else list(by or [])
        if wave is not None and wave not in by:
            by.append(wave)
        return cls(tuple(by), test, correction, float(alpha), float(confidence), bool(weighted), min_items,
                   None if gaps is None else tuple(int(g) for g in gaps), wave, variance, lonely_psu)

    @classmethod
    def from_mapping(cls, data: Mapping) -> "Settings":
        """Settings saved by `dict(settings)` (e.g. in a results file); unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in dict(data).items() if k in known}
        for k in ("by", "gaps"):
            if kw.get(k) is not None:
                kw[k] = tuple(kw[k])
        return cls(**kw)

    def min_items_for(self, survey) -> float:
        """The min-items share used for ``survey``: this analysis' own, else the survey's."""
        return survey.min_items if self.min_items is None else self.min_items

    # -- read like a mapping -------------------------------------------------------------
    def __getitem__(self, key):
        if key not in self._names():
            raise KeyError(key)
        v = getattr(self, key)
        return list(v) if isinstance(v, tuple) else v

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple:
        return tuple(f.name for f in fields(cls))
