"""The five-gap model as data: viewpoints, gap definitions, zone-of-tolerance measures.

Every comparison is *later − benchmark*, so a negative value is a shortfall
(Parasuraman, Zeithaml & Berry 1985; Zeithaml, Berry & Parasuraman 1988; zone of
tolerance: Parasuraman, Zeithaml & Berry 1994). The definitions live in
``servgap/data/model.yaml``; adding a comparison needs no new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..display import text_in
from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path

_SPEC = read_yaml(resource_path("model.yaml"))


@dataclass(frozen=True)
class Comparison:
    """One gap: ``later − benchmark``, paired (same respondents) or not."""

    key: str
    gap: int | None
    benchmark: str
    later: str
    paired: bool
    name: Mapping[str, str]
    table: str

    def label(self, lang: str = "en") -> str:
        return text_in(self.name, lang)

    @property
    def tag(self) -> str:
        """The name of this comparison in ledger columns: ``gap5`` for a gap, else its key (``msa``)."""
        return f"gap{self.gap}" if self.gap else self.key


VIEWPOINTS: dict[str, Mapping[str, str]] = {k: v["name"] for k, v in _SPEC["viewpoints"].items()}
"""Known viewpoints with their labels (``en``/``zh``)."""

COMPARISONS: tuple[Comparison, ...] = tuple(
    Comparison(key=str(c["key"]), gap=c.get("gap"), benchmark=c["benchmark"], later=c["later"],
               paired=bool(c["paired"]), name=c["name"], table=c.get("table", "gaps"))
    for c in _SPEC["comparisons"]
)
GAPS: tuple[Comparison, ...] = tuple(c for c in COMPARISONS if c.table == "gaps")
"""The five gaps of the gap model, in order."""


def gap(number: int) -> Comparison:
    """The `Comparison` of gap ``number`` (1-5)."""
    for c in GAPS:
        if c.gap == number:
            return c
    raise ConfigError(f"gap {number!r} does not exist; gaps are numbered 1 to 5.")


def viewpoint_label(name: str, lang: str = "en") -> str:
    return text_in(VIEWPOINTS.get(name, {"en": name}), lang)


def check_viewpoint(name: str, where: str = "") -> str:
    if name not in VIEWPOINTS:
        raise ConfigError(f"{where}unknown viewpoint {name!r}; use one of {', '.join(VIEWPOINTS)}.")
    return name
