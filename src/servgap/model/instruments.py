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

Two shorthands are accepted: ``scale: [1, 5]`` and dimensions as a mapping of item ids,
``dimensions: {speed: [s1, s2], care: [c1]}`` (or of full dimension entries without
``id``). Anything else outside the schema — an unknown key (``scael:``, ``reversed:``),
``reverse: "false"`` (text, not a boolean), ``items: "12"``, an infinite scale end, a
list where a text belongs — is a `ConfigError` naming the place and the allowed form.
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

TOP_KEYS = ("id", "name", "reference", "scale", "dimensions")
SCALE_KEYS = ("min", "max", "labels")
DIMENSION_KEYS = ("id", "name", "description", "items", "gap")
ITEM_KEYS = ("id", "text", "reverse")
SCHEMA = ("id: my_scale; name: {en: ..., zh: ...}; scale: {min: 1, max: 5} (or [1, 5]); dimensions: a list of "
          "{id, name, description, items: [{id, text: {en, zh}, reverse: true|false}]} (or {dimension_id: [item ids]})")


def _keys(spec: Mapping, allowed, where: str) -> None:
    import difflib

    bad = [k for k in spec if k not in allowed]
    if bad:
        k = bad[0]
        close = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.6)
        raise ConfigError(f"{where}: unknown key {str(k)!r}{f' (did you mean {close[0]!r}?)' if close else ''}; "
                          f"allowed: {', '.join(allowed)}. Schema: {SCHEMA}.")


def _number(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        raise ConfigError(f"{what} must be a finite number, not {v!r}; e.g. scale: {{min: 1, max: 7}}.")
    return v


def parse_scale(scale, where: str) -> tuple:
    """``(min, max)`` from ``{min, max}`` or ``[min, max]`` (default 1-7 only when 'scale' is absent);
    a `servgap.errors.ConfigError` naming ``where`` otherwise."""
    if scale is None:
        return 1, 7
    if isinstance(scale, (list, tuple)):
        if len(scale) != 2:
            raise ConfigError(f"{where}: scale {list(scale)!r} must be [min, max], e.g. scale: [1, 7].")
        scale = {"min": scale[0], "max": scale[1]}
    if not isinstance(scale, Mapping):
        raise ConfigError(f"{where}: scale {scale!r} must be {{min: 1, max: 7}} or [1, 7].")
    _keys(scale, SCALE_KEYS, f"{where}, scale")
    if "min" not in scale or "max" not in scale:
        raise ConfigError(f"{where}: scale needs both 'min' and 'max', e.g. scale: {{min: 1, max: 7}}.")
    lo, hi = _number(scale["min"], f"{where}: scale min"), _number(scale["max"], f"{where}: scale max")
    if not lo < hi:
        raise ConfigError(f"{where}: scale min={lo!r}, max={hi!r} is not a range; give numbers with min < max, "
                          "e.g. scale: {min: 1, max: 7}.")
    return lo, hi


def _id(v, what: str) -> str:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)) or str(v).strip() == "":
        raise ConfigError(f"{what} must be a non-empty name (text or number), not {v!r}.")
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _texts(v, what: str) -> dict:
    """A text per language (``{en: ..., zh: ...}``); plain text serves every language."""
    if v is None:
        return {}
    if isinstance(v, str):
        return {"en": v, "zh": v}
    if isinstance(v, Mapping) and all(isinstance(k, str) and isinstance(t, str) for k, t in v.items()):
        return dict(v)
    raise ConfigError(f"{what} must be text or a mapping of languages to text, e.g. {{en: Speed, zh: 速度}}, "
                      f"not {v!r}.")


def _list(v, what: str) -> list:
    if not isinstance(v, (list, tuple)) or not v:
        raise ConfigError(f"{what} must be a non-empty list, not {v!r}; e.g. items: [{{id: \"1\"}}, {{id: \"2\"}}].")
    return list(v)


def _dimension_entries(dims, where: str):
    """``(id, mapping)`` of each dimension, from the list form or the ``{id: items or entry}`` shorthand."""
    if isinstance(dims, Mapping) and dims:
        out = []
        for did, d in dims.items():
            d = {"items": d} if isinstance(d, (list, tuple)) else d
            if not isinstance(d, Mapping):
                raise ConfigError(f"{where}, dimension {did!r}: give its item ids ([1, 2, 3]) or a mapping with 'items'.")
            if "id" in d and str(d["id"]) != str(did):
                raise ConfigError(f"{where}: dimension {did!r} says id {d['id']!r}; give the id once.")
            out.append({**d, "id": did})
        dims = out
    if not isinstance(dims, (list, tuple)) or not dims:
        raise ConfigError(f"{where}: 'dimensions' is missing or empty; list dimensions, each with 'id' and 'items'. "
                          f"Schema: {SCHEMA}.")
    for d in dims:
        if not isinstance(d, Mapping) or "id" not in d or "items" not in d:
            raise ConfigError(f"{where}: dimension {d!r} needs an 'id' and 'items'.")
        _keys(d, DIMENSION_KEYS, f"{where}, dimension {d['id']!r}")
        yield _id(d["id"], f"{where}: a dimension id"), d


def _item(it, did: str, where: str) -> "Item":
    if not isinstance(it, Mapping):
        return Item(_id(it, f"{where}: an item id"), did)
    _keys(it, ITEM_KEYS, f"{where}, item {it.get('id', '?')!r}")
    if "id" not in it:
        raise ConfigError(f"{where}: an item has no 'id'.")
    iid = _id(it["id"], f"{where}: an item id")
    rev = it.get("reverse", False)
    if not isinstance(rev, bool):
        raise ConfigError(f"{where}, item {iid!r}: reverse must be true or false (without quotes), not {rev!r}.")
    return Item(iid, did, _texts(it.get("text"), f"{where}, item {iid!r}: 'text'"), rev)

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
        """Build an instrument from a dict of the YAML schema (see module docstring).

        >>> Instrument.from_dict({"id": "x", "scale": [1, 5], "dimensions": {"speed": [1, 2], "care": [3]}})
        Instrument('x': 3 items in 2 dimensions, scale 1-5)
        """
        where = f"instrument {source}"
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{where}: expected a mapping with 'id' and 'dimensions'.")
        _keys(spec, TOP_KEYS, where)
        lo, hi = parse_scale(spec.get("scale"), where)
        dims, seen = [], set()
        for did, d in _dimension_entries(spec.get("dimensions"), where):
            items = []
            for it in _list(d.get("items"), f"{where}, dimension {did!r}: 'items'"):
                item = _item(it, did, f"{where}, dimension {did!r}")
                if item.id in seen:
                    raise ConfigError(f"{where}: item id {item.id!r} appears twice; item ids must be unique.")
                seen.add(item.id)
                items.append(item)
            extra = {k: v for k, v in d.items() if k not in ("id", "items", "name", "description")}
            dims.append(Dimension(did, tuple(items), _texts(d.get("name"), f"{where}, dimension {did!r}: 'name'"),
                                  _texts(d.get("description"), f"{where}, dimension {did!r}: 'description'"), extra))
        ids = [d.id for d in dims]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"{where}: dimension ids must be unique, got {ids}.")
        ref = spec.get("reference", "")
        if not isinstance(ref, (str, type(None))):
            raise ConfigError(f"{where}: 'reference' must be text.")
        return cls(_id(spec.get("id", "custom"), f"{where}: 'id'"), tuple(dims), lo, hi,
                   _texts(spec.get("name"), f"{where}: 'name'"), str(ref or ""))

    @classmethod
    def from_yaml(cls, path) -> "Instrument":
        """Read an instrument from a YAML file (safe loader)."""
        return cls.from_dict(read_yaml(path, "instrument file"), source=repr(str(path)))

    def with_scale(self, lo: float, hi: float) -> "Instrument":
        """The same items and dimensions rated on ``lo..hi`` (e.g. SERVQUAL on a 5-point scale).

        >>> sg.SERVQUAL22.with_scale(1, 5).scale_max, len(sg.SERVQUAL22.with_scale(1, 5).items)
        (5, 22)
        """
        from dataclasses import replace

        lo, hi = parse_scale([lo, hi], f"instrument {self.id!r}")
        return replace(self, scale_min=lo, scale_max=hi)

    def scale_hint(self, lo: float, hi: float) -> str:
        """How a user reads data on ``lo..hi`` with this instrument (the fix messages quote it).

        >>> sg.SERVQUAL22.scale_hint(1, 5)
        'instrument=sg.SERVQUAL22.with_scale(1, 5), or scale: [1, 5] in a configuration'
        """
        name = "sg.SERVQUAL22" if self.id == "servqual22" else "your_instrument"
        return f"instrument={name}.with_scale({lo:g}, {hi:g}), or scale: [{lo:g}, {hi:g}] in a configuration"

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
