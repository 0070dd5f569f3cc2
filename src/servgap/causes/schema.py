"""The schema of the root-cause catalog and its validation.

`validate_causes` checks entries of ``causes.yaml`` (or a user catalog) field by field,
one named step per concern, and reports every problem at once in one `ConfigError` that
names the file, the entry id and the field, with the fix. The source and bilingual-text
checks are shared with the action catalog (`servgap.causes.actions`).
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Iterable, Mapping

from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path
from .checks import (Problems, check_bilingual_list, check_bilingual_text, check_sources, entry_label,
                     normalise_list)
from .remedies import load_actions

__all__ = ["validate_causes", "construct_gaps", "CATALOG_COLUMNS", "LANG_ALIASES", "DIMENSIONS"]

#: Columns of the table returned by `cause_catalog`, in order.
CATALOG_COLUMNS = (
    "id", "kind", "level", "gap", "dimensions", "constructs", "parents",
    "name", "description", "remedies", "actions", "indicators", "sources",
)

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
LANG_ALIASES = {"en": "en", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh_hans": "zh"}
_KINDS = ("cause", "consequence")
_REQUIRED = ("id", "gap", "dimensions", "name", "description", "remedies", "sources")
_OPTIONAL_DEFAULTS = {"kind": "cause", "constructs": [], "parents": [], "indicators": {"en": [], "zh": []}}
_FIELDS = ("id", "kind", "gap", "dimensions", "constructs", "parents", "name", "description", "remedies",
           "indicators", "sources")

_RE_G = re.compile(r"G[1-4]-\d+")
_RE_G5 = re.compile(r"G5-\d+")
_RE_B = re.compile(r"B-[a-z0-9]+(?:-[a-z0-9]+)*")
_RE_USER = re.compile(r"[A-Za-z][\w-]*")
_RE_ACTION = re.compile(r"A-[a-z0-9]+(?:-[a-z0-9]+)*")

_PACKAGED_CONSTRUCTS = "gap_constructs.yaml"


@functools.lru_cache(maxsize=1)
def construct_gaps() -> dict:
    """``{construct id: gap}`` of the packaged staff-survey instrument ``gap_constructs.yaml``."""
    data = read_yaml(resource_path(_PACKAGED_CONSTRUCTS))
    try:
        return {d["id"]: int(d["gap"]) for d in data["dimensions"]}
    except (TypeError, KeyError) as exc:  # pragma: no cover - packaging error
        raise ConfigError(
            f"packaged file {_PACKAGED_CONSTRUCTS!r} has no list of 'dimensions' with ids and gaps ({exc})."
        ) from None


# --------------------------------------------------------------------------- steps of one entry
def _check_fields(entry: Mapping, label: str, p: Problems) -> dict:
    """Required and unknown fields; returns the entry with optional fields defaulted."""
    for field in (f for f in _REQUIRED if f not in entry):
        p.add(label, field, "is required but missing; add it (see the catalog format in servgap.causes.catalog).")
    for field in sorted(set(entry) - set(_FIELDS), key=str):
        p.add(label, str(field), f"unknown field; allowed fields are {', '.join(_FIELDS)}.")
    e = {k: entry[k] for k in _FIELDS if k in entry}
    for k, default in _OPTIONAL_DEFAULTS.items():
        if e.get(k) is None:
            e[k] = copy.deepcopy(default)
    return e


def _check_id(cid: Any, label: str, p: Problems) -> None:
    if not isinstance(cid, str) or not cid:
        p.add(label, "id", f"must be a non-empty string, got {cid!r}. Give the cause an id such as 'B-my-cause'.")
    elif re.match(r"G\d", cid):
        if not (_RE_G.fullmatch(cid) or _RE_G5.fullmatch(cid)):
            p.add(label, "id", f"{cid!r} is not a valid gap-model id; use G<gap 1-5>-<number>, e.g. 'G3-2'.")
    elif cid.startswith("B-"):
        if not _RE_B.fullmatch(cid):
            p.add(label, "id", f"{cid!r} is not a valid bank-practice id; use 'B-' followed by "
                               "lower-case words joined by hyphens, e.g. 'B-long-queues'.")
    elif not _RE_USER.fullmatch(cid):
        p.add(label, "id", f"{cid!r} is not a valid id; start with a letter and use only letters, "
                           "digits, '_' and '-'.")


def _check_gap(e: dict, label: str, p: Problems) -> None:
    kind, cid = e["kind"], e.get("id")
    if kind not in _KINDS:
        p.add(label, "kind", f"{kind!r} is not a kind; use 'cause' or 'consequence'.")
    if "gap" not in e:
        return
    gaps = e["gap"] = normalise_list(e["gap"])
    if not gaps:
        p.add(label, "gap", "is empty; list the gap(s) 1-5 the cause belongs to, e.g. [3].")
        return
    if any(isinstance(g, bool) or not isinstance(g, int) or not 1 <= g <= 5 for g in gaps):
        p.add(label, "gap", f"{gaps!r} not in 1..5; gaps are integers 1 to 5, e.g. [2, 3].")
    elif len(set(gaps)) != len(gaps):
        p.add(label, "gap", f"{gaps!r} repeats a gap; list each gap once.")
    if isinstance(cid, str) and re.fullmatch(r"G[1-5]-\d+", cid) and int(cid[1]) not in gaps:
        p.add(label, "gap", f"{gaps!r} does not include gap {cid[1]} named by the id {cid!r}.")
    if kind == "consequence" and gaps != [5]:
        p.add(label, "kind", f"'consequence' entries describe gap 5 only, but gap is {gaps!r}; use kind 'cause' or gap [5].")


def _check_dimensions_and_constructs(e: dict, label: str, p: Problems, strict: bool) -> None:
    if "dimensions" in e:
        dims = e["dimensions"] = normalise_list(e["dimensions"])
        if not dims:
            p.add(label, "dimensions", "is empty; list the SERVQUAL dimensions it hurts, e.g. [responsiveness].")
        for d in dims or []:
            if d not in DIMENSIONS:
                p.add(label, "dimensions", f"unknown dimension {d!r}; use one of {', '.join(DIMENSIONS)}.")
    known = construct_gaps()
    cons = e["constructs"] = normalise_list(e["constructs"])
    gaps = e.get("gap") if isinstance(e.get("gap"), list) else []
    for c in cons:
        if c not in known:
            p.add(label, "constructs", f"unknown construct {c!r}; use ids of gap_constructs.yaml: "
                                       f"{', '.join(sorted(known))}.")
        elif strict and known[c] not in gaps:
            p.add(label, "constructs", f"{c!r} explains gap {known[c]}, not a gap of this cause ({gaps!r}); "
                                       "list only constructs of the cause's own gaps.")


def _check_parents(e: dict, label: str, p: Problems, strict: bool) -> None:
    parents = e["parents"] = normalise_list(e["parents"])
    cid = e.get("id")
    if any(not isinstance(x, str) or not _RE_G.fullmatch(x) for x in parents):
        p.add(label, "parents", f"{parents!r}: parents are gap-model root causes G1-1 ... G4-n, e.g. [G3-6].")
    if isinstance(cid, str) and re.match(r"G\d", cid) and parents:
        p.add(label, "parents", "gap-model causes are the roots of the cause tree and have no parents.")
    if strict and isinstance(cid, str) and cid.startswith("B-") and not parents:
        p.add(label, "parents", "is empty; every bank-practice cause names the 004 cause(s) it is an instance of.")
    e["level"] = "symptom" if parents else "root"


def _check_remedies(e: dict, label: str, p: Problems, strict: bool) -> None:
    """Remedies: action ids of actions.yaml, or (user catalogs) ``{en: [...], zh: [...]}`` texts."""
    value = e.get("remedies")
    if value is None:
        return
    if isinstance(value, Mapping) and not strict:
        if check_bilingual_list(value, label, "remedies", p, min_len=1):
            if len(value["en"]) != len(value["zh"]):
                p.add(label, "remedies", "give the same number of remedies in 'en' and 'zh' (one per action).")
            e["remedies"] = [{"en": a, "zh": b} for a, b in zip(value["en"], value["zh"])]
        return
    known = load_actions()
    if not isinstance(value, list) or not value:
        p.add(label, "remedies", "must be a non-empty list of action ids of actions.yaml (e.g. [A-it-investment])"
                                 + ("" if strict else " or a mapping {en: [...], zh: [...]} of remedy texts") + ".")
        return
    for a in value:
        if not isinstance(a, str) or not _RE_ACTION.fullmatch(a) or a not in known:
            p.add(label, "remedies", f"{a!r} is not an action of actions.yaml; use one of its ids, "
                                     f"e.g. {', '.join(list(known)[:3])}.")
    e["remedies"] = list(value)


def _check_texts(e: dict, label: str, p: Problems) -> None:
    for field in ("name", "description"):
        if field in e:
            check_bilingual_text(e[field], label, field, p)
    check_bilingual_list(e["indicators"], label, "indicators", p, min_len=0)


def _check_entry(entry: Any, index: int, p: Problems, strict: bool) -> dict | None:
    label = entry_label(entry, index)
    if not isinstance(entry, Mapping):
        p.add(label, None, f"must be a mapping of fields, got {type(entry).__name__}.")
        return None
    e = _check_fields(entry, label, p)
    if "id" in entry:
        _check_id(e["id"], label, p)
    _check_gap(e, label, p)
    _check_dimensions_and_constructs(e, label, p, strict)
    _check_parents(e, label, p, strict)
    _check_texts(e, label, p)
    _check_remedies(e, label, p, strict)
    if "sources" in entry:
        e["sources"] = check_sources(entry["sources"], label, p, strict=strict)
    return e


# --------------------------------------------------------------------------- the catalog
def _check_ids_and_tree(out: list[dict], p: Problems, strict: bool) -> None:
    """Duplicate ids; with ``strict`` every parent must be a root cause of the same catalog."""
    seen: dict[str, int] = {}
    for i, e in enumerate(out):
        cid = e.get("id")
        if isinstance(cid, str) and cid:
            if cid in seen:
                p.add(f"entry {cid!r}", "id", f"duplicate id {cid!r} (also entry #{seen[cid] + 1}); ids must be unique.")
            else:
                seen[cid] = i
    if not strict:
        return
    roots = {e["id"] for e in out if isinstance(e.get("id"), str) and not e["parents"] and e["kind"] == "cause"}
    for e in out:
        for parent in e["parents"]:
            if parent not in roots:
                p.add(f"entry {e['id']!r}", "parents", f"{parent!r} is not a root cause of this catalog.")
            elif isinstance(e.get("gap"), list) and int(parent[1]) not in e["gap"]:
                p.add(f"entry {e['id']!r}", "parents", f"{parent!r} is a cause of gap {parent[1]}, which is not "
                                                       f"a gap of this cause ({e['gap']!r}).")


def validate_causes(entries: Iterable[Mapping], source: str = "<catalog>", *, strict: bool = False) -> list[dict]:
    """Check cause-catalog entries and return normalised copies.

    Parameters
    ----------
    entries : iterable of mapping
        The catalog entries (the ``causes`` list of a catalog file).
    source : str, default ``"<catalog>"``
        Name of the file (or other origin) the entries come from, used in error messages.
    strict : bool, default False
        The rules of the packaged catalog: every entry cites 1-3 passages of the packaged
        source documents with their section, every bank-practice cause names its parent
        root causes (of its own gaps), constructs belong to the cause's gaps, and remedies
        are action ids. User catalogs and extensions may leave ``sources`` and ``parents``
        empty and give remedies as texts ``{en: [...], zh: [...]}``.

    Returns
    -------
    list of dict
        One dict per entry, with all fields present: optional fields get their defaults
        (``kind="cause"``, ``constructs=[]``, ``parents=[]``, empty ``indicators``), a
        scalar ``gap`` becomes a one-element list, ``level`` is ``"symptom"`` when the
        entry has parents and ``"root"`` otherwise, and ``remedies`` is a list of action
        ids or of ``{"en", "zh"}`` texts.

    Raises
    ------
    servgap.errors.ConfigError
        Listing every problem found, each naming the file, the entry id and the field,
        and saying how to fix it. Checked: required fields (``id``, ``gap``,
        ``dimensions``, ``name``, ``description``, ``remedies``, ``sources``), unknown
        fields, id pattern (``G1-1``..``G4-n``, ``G5-n``, ``B-lower-case-words`` or a
        user id starting with a letter), duplicate ids, ``kind`` (``cause`` or
        ``consequence``, the latter only for gap 5), gaps in 1..5 (a ``G<k>-`` id must
        include gap k), SERVQUAL dimension ids, construct ids of ``gap_constructs.yaml``,
        parents (root ids ``G1-1``..``G4-n``), both languages (``en``, ``zh``) in name,
        description, remedies and indicators, and sources (each with a ``document``, an
        optional ``section`` and a ``quote`` of 4-120 characters).

    Examples
    --------
    >>> from servgap.causes.catalog import validate_causes
    >>> entry = {
    ...     "id": "X-slow-app", "gap": 3, "dimensions": ["responsiveness"], "parents": ["G3-6"],
    ...     "name": {"en": "Slow mobile app", "zh": "手机银行运行缓慢"},
    ...     "description": {"en": "The app is slow.", "zh": "手机银行运行缓慢。"},
    ...     "remedies": ["A-it-investment"], "sources": [],
    ... }
    >>> out = validate_causes([entry])[0]
    >>> out["gap"], out["level"]
    ([3], 'symptom')
    """
    if isinstance(entries, Mapping) or isinstance(entries, (str, bytes)):
        raise ConfigError(
            f"invalid cause catalog {source!r}: expected a list of cause entries, got "
            f"{type(entries).__name__}. Put the entries under 'causes:' as a YAML list."
        )
    p = Problems(source)
    out = [e for e in (_check_entry(entry, i, p, strict) for i, entry in enumerate(entries)) if e is not None]
    _check_ids_and_tree(out, p, strict)
    p.raise_if_any()
    return out
