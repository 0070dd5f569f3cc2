"""Text answers: answer labels (``非常同意``, ``Strongly agree``) turned into scale points.

``read_survey(scale_labels=...)`` takes ``"auto"`` (default: the built-in set of
``servgap/data/scale_labels.yaml`` with as many points as the instrument's scale that covers
every label found), the id of a built-in set (``"zh_agree_7"``), or a dict
``{"非常不同意": 1, …, "非常同意": 7}``. Labels are compared trimmed, case-insensitive, NFKC,
with spaces and punctuation ignored. A label that no set knows is an error listing the labels
seen and the set that almost matched; each converted cell is counted in the ledger as
``scale_label``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, where
from ..yamlio import read_yaml, resource_path
from .headers import squash


@dataclass(frozen=True)
class LabelSet:
    """A built-in answer scale: ``points[k]`` are the labels of point ``k + 1``."""

    id: str
    name: str
    points: tuple[tuple[str, ...], ...]

    @property
    def size(self) -> int:
        return len(self.points)

    def lookup(self) -> dict[str, int]:
        """Squashed label -> point (1-based)."""
        return {squash(lab): k + 1 for k, labs in enumerate(self.points) for lab in labs}

    def describe(self) -> str:
        return f"{self.id} ({' / '.join(p[0] for p in self.points)})"


@lru_cache(maxsize=1)
def _label_file() -> dict:
    return read_yaml(resource_path("scale_labels.yaml"), "label file")


@lru_cache(maxsize=1)
def label_sets() -> dict[str, LabelSet]:
    """The built-in label sets by id.

    >>> label_sets()["zh_agree_5"].describe()
    'zh_agree_5 (非常不同意 / 不同意 / 一般 / 同意 / 非常同意)'
    """
    raw = _label_file()["sets"]
    return {k: LabelSet(k, v["name"], tuple(tuple(map(str, p)) for p in v["points"])) for k, v in raw.items()}


@lru_cache(maxsize=1)
def no_rating_words() -> frozenset[str]:
    """Squashed answers meaning "no rating" (``不适用``, ``Don't know``): missing codes, never labels."""
    return frozenset(squash(w) for w in _label_file()["no_rating"])


@lru_cache(maxsize=16)
def label_points(k: int) -> dict[str, int]:
    """Squashed label -> point (1-based) for the labels that every built-in ``k``-point set holding them
    puts at the same point (``strongly disagree`` -> 1 on 7 points).

    >>> label_points(7)["stronglydisagree"], label_points(5)["非常同意"]
    (1, 5)
    """
    seen: dict[str, set] = {}
    for s in label_sets().values():
        if s.size == k:
            for lab, p in s.lookup().items():
                seen.setdefault(lab, set()).add(p)
    return {lab: next(iter(ps)) for lab, ps in seen.items() if len(ps) == 1}


def _is_number(v) -> bool:
    if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
        return True
    try:
        float(str(v).strip())
    except ValueError:
        return False
    return True


_NUM = r"\d+(?:\.\d+)?"
#: One number with a unit or its label around it (after NFKC: full-width brackets are ASCII): a rating
#: in another form (`servgap.surveys.values`), never an answer label by itself.
IN_TEXT = re.compile(rf"^(?:\(\s*)?(?P<a>{_NUM})\s*(?:\)\s*)?(?:分|points?|pts?\.?|stars?|星|颗星)?$"
                     rf"|^(?P<b>{_NUM})\s*(?:[-–—:.、)]\s*|\s+)(?P<lab1>[^\d()]+)$"
                     rf"|^(?P<lab2>[^\d()]+?)\s*\(\s*(?P<c>{_NUM})\s*\)$", re.IGNORECASE)


#: Texts that read as "not available" (pandas' NA strings): never answer labels, left to the numeric check.
NA_TEXTS = frozenset(s.casefold() for s in ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                                            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                                            "nan", "null"))


def text_labels(df: pd.DataFrame, cols: list[str], missing) -> dict[str, tuple[str, int, object]]:
    """Distinct text answers of ``cols`` that are neither numbers, declared missing codes nor NA texts:
    squashed label -> (column, first row, value as written)."""
    codes = {str(c).strip() for c in (missing or ())}
    seen: dict = {}
    for c in cols:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        for r, v in enumerate(s.to_numpy()):
            if not isinstance(v, str):        # only text can be a label (and Decimal('sNaN') cannot even be compared)
                continue
            t = v.strip()
            if not t or t in codes or t.casefold() in NA_TEXTS or _is_number(t) or \
                    IN_TEXT.match(unicodedata.normalize("NFKC", t)):
                continue
            key = squash(t)
            if key not in seen:
                seen[key] = (c, int(r), v)
    return seen


def _closest(seen: set[str]) -> tuple[LabelSet, set[str]]:
    """The built-in set covering most of ``seen``, and the labels it lacks."""
    best = max(label_sets().values(), key=lambda s: (len(seen & set(s.lookup())), -s.size))
    return best, seen - set(best.lookup())


def resolve(scale_labels, seen: dict, inst, fname: str, what: str, line_offset: int = 0) -> tuple[dict[str, float], str]:
    """``(squashed label -> rating, set name)`` for the labels ``seen`` in one viewpoint's columns
    (``({}, None)`` in ``"auto"`` mode when no built-in set knows any of them: they are not answer labels)."""
    lo, hi = inst.scale_min, inst.scale_max
    k_points = int(hi - lo + 1) if float(hi - lo).is_integer() else 0
    keys = set(seen)
    if isinstance(scale_labels, Mapping):
        mapping = {squash(k): float(v) for k, v in scale_labels.items()}
        _check_known(keys, mapping, seen, fname, what, "your scale_labels", line_offset)
        return mapping, "custom"
    sets = label_sets()
    if isinstance(scale_labels, str) and scale_labels != "auto":
        if scale_labels not in sets:
            raise ConfigError(f"scale_labels={scale_labels!r} is not a built-in label set; use \"auto\", a dict "
                              f"{{label: rating}}, or one of {', '.join(sets)}.")
        chosen = sets[scale_labels]
        if chosen.size != k_points:
            raise ConfigError(f"scale_labels={scale_labels!r} has {chosen.size} points, but the instrument's scale is "
                              f"{lo:g}-{hi:g}; choose a {k_points}-point set or give a dict {{label: rating}}.")
        mapping = {lab: lo + p - 1 for lab, p in chosen.lookup().items()}
        _check_known(keys, mapping, seen, fname, what, f"the set {chosen.describe()}", line_offset)
        return mapping, chosen.id
    if scale_labels not in (None, "auto"):
        raise ConfigError(f"scale_labels={scale_labels!r}; give \"auto\", a built-in set id or a dict {{label: rating}}.")
    if not any(keys & set(s.lookup()) for s in sets.values()):
        return {}, None                # no answer labels at all: the numeric check reports the cell
    covering = [s for s in sets.values() if keys <= set(s.lookup())]
    fitting = [s for s in covering if s.size == k_points]
    # another size fits only one to one: seven distinct labels are no 5-point question, even if the
    # 5-point set lists two of them as synonyms (比较同意 and 同意)
    full_other = [s for s in covering if s.size != k_points and len(keys) == s.size
                  and {s.lookup()[k] for k in keys} == set(range(1, s.size + 1))]
    if fitting and full_other:
        s, f = full_other[0], fitting[0]
        as_k = ", ".join(f"{str(v[2]).strip()}={lo + f.lookup()[k] - 1:g}" for k, v in seen.items())
        raise DataError(f"{where(file=fname)}: the answer labels of {what} are every point of the {s.size}-point set "
                        f"{s.describe()}; read on the instrument's {lo:g}-{hi:g} scale they would be {as_k}. If the "
                        f"question had {s.size} points, use an instrument on a 1-{s.size} scale "
                        f"({inst.scale_hint(1, s.size)}); if it had "
                        f"{k_points}, pass scale_labels=\"{f.id}\".")
    if fitting:
        first = fitting[0].lookup()
        clash = [s for s in fitting[1:] if any(s.lookup()[k] != first[k] for k in keys)]
        if clash:
            raise DataError(f"{where(file=fname)}: the answer labels of {what} ({_list(seen)}) fit several built-in "
                            f"sets that rank them differently: {', '.join(s.describe() for s in [fitting[0], *clash])}; "
                            f"choose one with scale_labels=\"{fitting[0].id}\" or give a dict {{label: rating}}.")
        return {lab: lo + p - 1 for lab, p in first.items()}, fitting[0].id
    if covering:
        s = covering[0]
        raise DataError(f"{where(file=fname)}: the answer labels of {what} ({_list(seen)}) are the {s.size}-point set "
                        f"{s.describe()}, but the instrument's scale is {lo:g}-{hi:g}; read them with an instrument "
                        f"on a 1-{s.size} scale, or map them yourself with scale_labels={{label: rating}}.")
    _check_known(keys, {}, seen, fname, what, None, line_offset)
    raise AssertionError("unreachable")   # pragma: no cover


def _list(seen: dict, limit: int = 12) -> str:
    vals = [str(v[2]).strip() for v in seen.values()]
    return ", ".join(vals[:limit]) + (" …" if len(vals) > limit else "")


def _check_known(keys: set, mapping: Mapping, seen: dict, fname: str, what: str, source: str | None,
                 line_offset: int) -> None:
    near, lacks = _closest(keys)
    known = mapping if source else near.lookup()
    unknown = [k for k in seen if k not in known]          # in file order
    if not unknown:
        return
    col, row, value = seen[unknown[0]]
    nothing = [k for k in unknown if k in no_rating_words()]
    if nothing:
        col, row, value = seen[nothing[0]]
        raise DataError(f"{where(file=fname, column=col, row=row + 1 + line_offset, value=value)}: an answer that "
                        f"gives no rating. Declare such answers missing: "
                        f"missing={[str(seen[k][2]).strip() for k in nothing]!r} (they are counted as missing_code).")
    lacking = ", ".join(repr(str(seen[k][2]).strip()) for k in seen if k in lacks)
    head = f" {source} has no label {value!r}." if source else " not a number, nor a known answer label."
    raise DataError(f"{where(file=fname, column=col, row=row + 1 + line_offset, value=value)}:{head} Labels seen in "
                    f"{what}: {_list(seen)}. The closest built-in set is {near.describe()}, which lacks {lacking}. "
                    "Map every label with scale_labels={label: rating, ...}, or clean the data.")


def apply_labels(df: pd.DataFrame, cols: list[str], mapping: Mapping[str, float], fname: str, ledger: list) -> None:
    """Replace the label cells of ``cols`` (in place) by their ratings; count them as ``scale_label``."""
    for c in cols:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s):
            ledger.append(dict(source=fname, column=c, issue="scale_label", count=0))
            continue
        keys = s.map(lambda v: squash(v) if isinstance(v, str) and v.strip().casefold() not in NA_TEXTS
                     and not _is_number(v) else None)
        hit = keys.isin(list(mapping)).to_numpy()
        df[c] = s.where(~hit, keys.map(mapping))
        ledger.append(dict(source=fname, column=c, issue="scale_label", count=int(hit.sum())))


__all__ = ["LabelSet", "label_sets", "label_points", "text_labels", "resolve", "apply_labels"]
