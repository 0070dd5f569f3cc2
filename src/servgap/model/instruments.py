"""Instruments as data: `Instrument`, `Dimension`, `Item`.

An instrument is a set of Likert items grouped into dimensions, rated on one scale.
servgap ships the 22-item SERVQUAL scale (`SERVQUAL22`, Parasuraman, Zeithaml &
Berry 1988/1991) and the staff-survey constructs of the extended gap model
(`GAP_CONSTRUCTS`, Zeithaml, Berry & Parasuraman 1988). Custom instruments come
from a dict or a YAML file with the same schema as ``servgap/data/servqual22.yaml``::

    id: my_scale
    name: {en: My scale, zh: 我的量表}
    scale: {min: 1, max: 5}
    dimensions:
      - id: speed
        name: {en: Speed, zh: 速度}
        items:
          - {id: "1", text: {en: "Service is fast", zh: "服务快"}}
          - {id: "2", text: {en: "I wait long", zh: "我等很久"}, reverse: true}

Reverse-scored items are recoded ``min + max - x`` when a survey is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..display import text_in
from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path

@dataclass(frozen=True)
class Item:
    """One rated statement of an instrument."""

    id: str
    dimension: str
    text: Mapping[str, str] = field(default_factory=dict, compare=False)
    reverse: bool = False

    def label(self, lang: str = "en") -> str:
        return text_in(self.text, lang) or self.id


@dataclass(frozen=True)
class Dimension:
    """A group of items measuring one facet (a SERVQUAL dimension or a construct)."""

    id: str
    items: tuple[Item, ...]
    name: Mapping[str, str] = field(default_factory=dict, compare=False)
    description: Mapping[str, str] = field(default_factory=dict, compare=False)
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def label(self, lang: str = "en") -> str:
        return text_in(self.name, lang) or self.id

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]


@dataclass(frozen=True)
class Instrument:
    """A multi-item rating scale: dimensions of items on a ``scale_min..scale_max`` scale.

    Examples
    --------
    >>> import servgap as sg
    >>> sg.SERVQUAL22.dimension_ids
    ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy']
    >>> len(sg.SERVQUAL22.items)
    22
    """

    id: str
    dimensions: tuple[Dimension, ...]
    scale_min: float = 1
    scale_max: float = 7
    name: Mapping[str, str] = field(default_factory=dict, compare=False)
    reference: str = field(default="", compare=False)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], source: str = "<dict>") -> "Instrument":
        """Build an instrument from a dict of the YAML schema (see module docstring)."""
        if not isinstance(spec, Mapping):
            raise ConfigError(f"instrument {source}: expected a mapping with 'id' and 'dimensions'.")
        dims_spec = spec.get("dimensions")
        if not dims_spec:
            raise ConfigError(f"instrument {source}: 'dimensions' is missing or empty; "
                              "list dimensions, each with 'id' and 'items'.")
        scale = spec.get("scale", {}) or {}
        lo, hi = scale.get("min", 1), scale.get("max", 7)
        if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo < hi):
            raise ConfigError(f"instrument {source}: scale min={lo!r}, max={hi!r} is not a range; "
                              "give numbers with min < max, e.g. scale: {min: 1, max: 7}.")
        dims, seen = [], set()
        for d in dims_spec:
            did = str(d.get("id", "")) if isinstance(d, Mapping) else ""
            if not did or not d.get("items"):
                raise ConfigError(f"instrument {source}: dimension {did or d!r} needs an 'id' and 'items'.")
            items = []
            for it in d["items"]:
                iid = str(it.get("id", "")) if isinstance(it, Mapping) else str(it)
                if not iid:
                    raise ConfigError(f"instrument {source}: an item of dimension {did!r} has no 'id'.")
                if iid in seen:
                    raise ConfigError(f"instrument {source}: item id {iid!r} appears twice; item ids must be unique.")
                seen.add(iid)
                it = it if isinstance(it, Mapping) else {}
                items.append(Item(iid, did, dict(it.get("text", {}) or {}), bool(it.get("reverse", False))))
            extra = {k: v for k, v in d.items() if k not in ("id", "items", "name", "description")}
            dims.append(Dimension(did, tuple(items), dict(d.get("name", {}) or {}),
                                  dict(d.get("description", {}) or {}), extra))
        ids = [d.id for d in dims]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"instrument {source}: dimension ids must be unique, got {ids}.")
        name = spec.get("name", {}) or {}
        return cls(str(spec.get("id", "custom")), tuple(dims), lo, hi,
                   name if isinstance(name, Mapping) else {"en": str(name)}, str(spec.get("reference", "")))

    @classmethod
    def from_yaml(cls, path) -> "Instrument":
        """Read an instrument from a YAML file (safe loader)."""
        return cls.from_dict(read_yaml(path, "instrument file"), source=repr(str(path)))

    # -- lookups ------------------------------------------------------------------------
    @cached_property
    def items(self) -> list[Item]:
        return [i for d in self.dimensions for i in d.items]

    @cached_property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @cached_property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @cached_property
    def item_dimension(self) -> np.ndarray:
        """Dimension index (into `dimensions`) of each item, in item order."""
        return np.array([k for k, d in enumerate(self.dimensions) for _ in d.items], dtype=np.intp)

    @cached_property
    def reverse_mask(self) -> np.ndarray:
        return np.array([i.reverse for i in self.items], dtype=bool)

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise ConfigError(f"instrument {self.id!r} has no dimension {dim_id!r}; "
                          f"known: {', '.join(self.dimension_ids)}.")

    def label(self, lang: str = "en") -> str:
        return text_in(self.name, lang) or self.id

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Map dimension and item ids to their labels in ``lang``."""
        out = {d.id: d.label(lang) for d in self.dimensions}
        out.update({i.id: i.label(lang) for i in self.items})
        return out

    def __repr__(self) -> str:
        return (f"Instrument({self.id!r}: {len(self.items)} items in {len(self.dimensions)} "
                f"dimensions, scale {self.scale_min:g}-{self.scale_max:g})")


def as_instrument(obj) -> Instrument:
    """Accept an `Instrument`, a dict spec or a YAML path."""
    if isinstance(obj, Instrument):
        return obj
    if isinstance(obj, Mapping):
        return Instrument.from_dict(obj)
    if isinstance(obj, (str, Path)):
        return Instrument.from_yaml(obj)
    raise ConfigError(f"instrument={obj!r} is not an Instrument, a dict or a YAML path; "
                      "use sg.SERVQUAL22 or sg.Instrument.from_yaml('scale.yaml').")


SERVQUAL22 = Instrument.from_dict(read_yaml(resource_path("servqual22.yaml")), source="servqual22.yaml")
"""The 22-item SERVQUAL scale (7-point), bank wording in English and Chinese."""


@lru_cache(maxsize=1)
def gap_constructs() -> Instrument:
    """The staff-survey constructs of the extended gap model (``GAP_CONSTRUCTS``), read on first use."""
    return Instrument.from_dict(read_yaml(resource_path("gap_constructs.yaml")), source="gap_constructs.yaml")


def __getattr__(name):  # GAP_CONSTRUCTS is loaded lazily: its data file is read on first use
    if name == "GAP_CONSTRUCTS":
        return gap_constructs()
    raise AttributeError(name)
