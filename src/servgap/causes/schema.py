"""The schema of the root-cause catalog and its validation.

`validate_causes` checks entries of ``causes.yaml`` (or a user catalog) field by
field and reports every problem at once in one `ConfigError` that names the file,
the entry id and the field, with the fix.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Iterable, Mapping

from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path

__all__ = ["validate_causes", "CATALOG_COLUMNS", "LANG_ALIASES"]

#: Columns of the table returned by `cause_catalog`, in order.
CATALOG_COLUMNS = (
    "id", "kind", "gap", "dimensions", "constructs",
    "name", "description", "remedies", "indicators", "sources",
)

_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
_LANGS = ("en", "zh")
LANG_ALIASES = {"en": "en", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh_hans": "zh"}
_KINDS = ("cause", "consequence")
_REQUIRED = ("id", "gap", "dimensions", "name", "description", "remedies", "sources")
_OPTIONAL_DEFAULTS = {"kind": "cause", "constructs": [], "indicators": {"en": [], "zh": []}}
_KNOWN_FIELDS = set(CATALOG_COLUMNS)
_QUOTE_MIN, _QUOTE_MAX = 10, 120
_MAX_SOURCES = 3

_RE_G = re.compile(r"G[1-4]-\d+")
_RE_G5 = re.compile(r"G5-\d+")
_RE_B = re.compile(r"B-[a-z0-9]+(?:-[a-z0-9]+)*")
_RE_USER = re.compile(r"[A-Za-z][\w-]*")

_PACKAGED_CONSTRUCTS = "gap_constructs.yaml"


@functools.lru_cache(maxsize=1)
def _known_constructs() -> frozenset:
    """Construct ids of the packaged staff-survey instrument ``gap_constructs.yaml``."""
    data = read_yaml(resource_path(_PACKAGED_CONSTRUCTS))
    try:
        return frozenset(d["id"] for d in data["dimensions"])
    except (TypeError, KeyError) as exc:  # pragma: no cover - packaging error
        raise ConfigError(
            f"packaged file {_PACKAGED_CONSTRUCTS!r} has no list of 'dimensions' with ids ({exc})."
        ) from None


# --------------------------------------------------------------------------- validation
class _Problems:
    """Collects validation problems so that one error reports all of them."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[str] = []

    def add(self, entry: str, field: str | None, message: str) -> None:
        where = f"{entry}, field {field!r}" if field else entry
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        n = len(self.items)
        shown = self.items[:25]
        more = f"\n  ... and {n - 25} more" if n > 25 else ""
        raise ConfigError(
            f"invalid cause catalog {self.source!r}: {n} problem{'s' if n > 1 else ''}:\n  "
            + "\n  ".join(shown) + more
        )


def _entry_label(entry: Any, index: int) -> str:
    if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) and entry.get("id"):
        return f"entry {entry['id']!r}"
    return f"entry #{index + 1} (no valid id)"


def _check_id(cid: Any, label: str, p: _Problems) -> None:
    if not isinstance(cid, str) or not cid:
        p.add(label, "id", f"must be a non-empty string, got {cid!r}. Give the cause an id such as 'B-my-cause'.")
        return
    if re.match(r"G\d", cid):
        if not (_RE_G.fullmatch(cid) or _RE_G5.fullmatch(cid)):
            p.add(label, "id", f"{cid!r} is not a valid gap-model id; use G<gap 1-5>-<number>, e.g. 'G3-2'.")
    elif cid.startswith("B-"):
        if not _RE_B.fullmatch(cid):
            p.add(label, "id", f"{cid!r} is not a valid bank-practice id; use 'B-' followed by "
                               "lower-case words joined by hyphens, e.g. 'B-long-queues'.")
    elif not _RE_USER.fullmatch(cid):
        p.add(label, "id", f"{cid!r} is not a valid id; start with a letter and use only letters, "
                           "digits, '_' and '-'.")


def _check_bilingual_text(value: Any, label: str, field: str, p: _Problems) -> None:
    if not isinstance(value, Mapping):
        p.add(label, field, f"must be a mapping {{en: ..., zh: ...}}, got {type(value).__name__}.")
        return
    for lang in _LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            p.add(label, field, f"the {lang!r} text is missing or empty; give both 'en' and 'zh' (simplified Chinese).")


def _check_bilingual_list(value: Any, label: str, field: str, p: _Problems, *, min_len: int) -> None:
    if not isinstance(value, Mapping):
        p.add(label, field, f"must be a mapping {{en: [...], zh: [...]}}, got {type(value).__name__}.")
        return
    for lang in _LANGS:
        items = value.get(lang)
        if not isinstance(items, list) or any(not isinstance(x, str) or not x.strip() for x in items):
            p.add(label, field, f"the {lang!r} part must be a list of non-empty strings; give both 'en' and 'zh'.")
        elif len(items) < min_len:
            p.add(label, field, f"the {lang!r} list is empty; give at least {min_len}.")


def _normalise_list(value: Any) -> Any:
    """Accept a scalar where a list is expected (``gap: 3`` -> ``[3]``)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        return value
    return [value]


def _listed(entry: Mapping, e: dict, field: str, label: str, p: _Problems, hint: str) -> list:
    """Store ``entry[field]`` as a list in ``e`` and return it (``[]`` when empty, which is a problem)."""
    values = _normalise_list(entry[field])
    e[field] = values
    if not values:
        p.add(label, field, f"is empty; {hint}")
        return []
    return values


def validate_causes(entries: Iterable[Mapping], source: str = "<catalog>", *, strict: bool = False) -> list[dict]:
    """Check cause-catalog entries and return normalised copies.

    Parameters
    ----------
    entries : iterable of mapping
        The catalog entries (the ``causes`` list of a catalog file).
    source : str, default ``"<catalog>"``
        Name of the file (or other origin) the entries come from, used in error messages.
    strict : bool, default False
        Also require every entry to cite 1-3 source passages. The packaged catalog is
        always checked with ``strict=True``; user catalogs and extensions may leave
        ``sources`` empty (``[]``).

    Returns
    -------
    list of dict
        One dict per entry, with all fields present: optional fields get their defaults
        (``kind="cause"``, ``constructs=[]``, empty ``indicators``) and a scalar ``gap``
        becomes a one-element list.

    Raises
    ------
    servgap.errors.ConfigError
        Listing every problem found, each naming the file, the entry id and the field,
        and saying how to fix it. Checked: required fields (``id``, ``gap``,
        ``dimensions``, ``name``, ``description``, ``remedies``, ``sources``), unknown
        fields, id pattern (``G1-1``..``G4-n``, ``G5-n``, ``B-lower-case-words`` or a
        user id starting with a letter), duplicate ids, ``kind`` (``cause`` or
        ``consequence``, the latter only for gap 5), gaps in 1..5 (a ``G<k>-`` id must
        include gap k), SERVQUAL dimension ids, construct ids of
        ``gap_constructs.yaml``, both languages (``en``, ``zh``) in name, description,
        remedies and indicators, and sources (each with a ``document`` and a ``quote``
        of 10-120 characters; 1-3 of them per entry with ``strict=True``).

    Examples
    --------
    >>> from servgap.causes.catalog import validate_causes
    >>> entry = {
    ...     "id": "X-slow-app", "gap": 3, "dimensions": ["responsiveness"],
    ...     "name": {"en": "Slow mobile app", "zh": "手机银行运行缓慢"},
    ...     "description": {"en": "The app is slow.", "zh": "手机银行运行缓慢。"},
    ...     "remedies": {"en": ["Profile the app."], "zh": ["分析应用性能。"]},
    ...     "sources": [],
    ... }
    >>> validate_causes([entry])[0]["gap"]
    [3]
    """
    if isinstance(entries, Mapping) or isinstance(entries, (str, bytes)):
        raise ConfigError(
            f"invalid cause catalog {source!r}: expected a list of cause entries, got "
            f"{type(entries).__name__}. Put the entries under 'causes:' as a YAML list."
        )
    p = _Problems(source)
    known_constructs = _known_constructs()
    seen: dict[str, int] = {}
    out: list[dict] = []
    for index, entry in enumerate(entries):
        label = _entry_label(entry, index)
        if not isinstance(entry, Mapping):
            p.add(label, None, f"must be a mapping of fields, got {type(entry).__name__}.")
            continue
        missing = [f for f in _REQUIRED if f not in entry]
        for field in missing:
            p.add(label, field, "is required but missing; add it (see the catalog format in servgap.causes.catalog).")
        unknown = sorted(set(entry) - _KNOWN_FIELDS, key=str)
        for field in unknown:
            p.add(label, str(field), f"unknown field; allowed fields are {', '.join(CATALOG_COLUMNS)}.")

        e = {k: entry[k] for k in CATALOG_COLUMNS if k in entry}
        for k, default in _OPTIONAL_DEFAULTS.items():
            if e.get(k) is None:
                e[k] = copy.deepcopy(default)
        cid = e.get("id")
        if "id" in entry:
            _check_id(cid, label, p)
            if isinstance(cid, str) and cid:
                if cid in seen:
                    p.add(label, "id", f"duplicate id {cid!r} (also entry #{seen[cid] + 1}); ids must be unique.")
                else:
                    seen[cid] = index

        # kind
        kind = e["kind"]
        if kind not in _KINDS:
            p.add(label, "kind", f"{kind!r} is not a kind; use 'cause' or 'consequence'.")

        # gap
        if "gap" in entry:
            gaps = _listed(entry, e, "gap", label, p, "list the gap(s) 1-5 the cause belongs to, e.g. [3].")
            if gaps:
                bad = [g for g in gaps if isinstance(g, bool) or not isinstance(g, int) or not 1 <= g <= 5]
                if bad:
                    p.add(label, "gap", f"{bad!r} not in 1..5; gaps are integers 1 to 5, e.g. [2, 3].")
                elif len(set(gaps)) != len(gaps):
                    p.add(label, "gap", f"{gaps!r} repeats a gap; list each gap once.")
                if isinstance(cid, str) and re.fullmatch(r"G[1-5]-\d+", cid) and int(cid[1]) not in gaps:
                    p.add(label, "gap", f"{gaps!r} does not include gap {cid[1]} named by the id {cid!r}.")
                if kind == "consequence" and gaps != [5]:
                    p.add(label, "kind", f"'consequence' entries describe gap 5 only, but gap is {gaps!r}; "
                                         "use kind 'cause' or gap [5].")

        # dimensions
        if "dimensions" in entry:
            dims = _listed(entry, e, "dimensions", label, p,
                           "list the SERVQUAL dimensions it hurts, e.g. [responsiveness].")
            for d in dims:
                if d not in _DIMENSIONS:
                    p.add(label, "dimensions", f"unknown dimension {d!r}; use one of {', '.join(_DIMENSIONS)}.")

        # constructs
        cons = _normalise_list(e["constructs"])
        e["constructs"] = cons
        for c in cons:
            if c not in known_constructs:
                p.add(label, "constructs", f"unknown construct {c!r}; use ids of gap_constructs.yaml: "
                                           f"{', '.join(sorted(known_constructs))}.")

        # texts
        if "name" in entry:
            _check_bilingual_text(entry["name"], label, "name", p)
        if "description" in entry:
            _check_bilingual_text(entry["description"], label, "description", p)
        if "remedies" in entry:
            _check_bilingual_list(entry["remedies"], label, "remedies", p, min_len=1)
        _check_bilingual_list(e["indicators"], label, "indicators", p, min_len=0)

        # sources
        if "sources" in entry:
            sources = entry["sources"]
            if not isinstance(sources, list):
                p.add(label, "sources", "must be a list of {document: ..., quote: ...}.")
            else:
                if strict and not 1 <= len(sources) <= _MAX_SOURCES:
                    p.add(label, "sources", f"has {len(sources)} sources; every entry of this catalog needs "
                                            f"1 to {_MAX_SOURCES} quoted passages of its source documents.")
                for k, src in enumerate(sources):
                    if not isinstance(src, Mapping):
                        p.add(label, "sources", f"source #{k + 1} must be a mapping {{document: ..., quote: ...}}.")
                        continue
                    doc, quote = src.get("document"), src.get("quote")
                    if not isinstance(doc, str) or not doc.strip():
                        p.add(label, "sources", f"source #{k + 1} has no 'document'; name the file the quote is from.")
                    if not isinstance(quote, str):
                        p.add(label, "sources", f"source #{k + 1} has no 'quote' string; copy the passage verbatim.")
                    elif not _QUOTE_MIN <= len(quote) <= _QUOTE_MAX:
                        p.add(label, "sources", f"quote #{k + 1} has {len(quote)} characters; quotes must be "
                                                f"{_QUOTE_MIN}-{_QUOTE_MAX} characters copied verbatim.")
                    extra = sorted(set(src) - {"document", "quote"}, key=str)
                    if extra:
                        p.add(label, "sources", f"source #{k + 1} has unknown keys {extra!r}; use 'document' and 'quote'.")
                e["sources"] = [dict(s) if isinstance(s, Mapping) else s for s in sources]
        out.append(e)
    p.raise_if_any()
    return out
