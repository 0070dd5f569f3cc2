"""The root-cause catalog: loading, validating and tabulating causes of service gaps.

The packaged catalog ``servgap/data/causes.yaml`` lists

* ``G1-1`` ... ``G4-4``: the causes of gaps 1-4 of the gap model of service quality, as
  listed in seed document 004 (section VI);
* ``G5-1`` ... ``G5-4``: the consequences of gap 5 named there (``kind: consequence``);
* ``B-<name>``: bank-practice causes from seed documents 000-004.

Every entry names the gap(s) it belongs to, the SERVQUAL dimensions it hurts, the
staff-survey constructs (``servgap/data/gap_constructs.yaml``) that reflect it, remedies,
indicators (data that would confirm it) and the passages of the source documents it is
taken from. Users may replace the catalog (``path=``) or add and override entries
(``extend=``); both are validated the same way.

YAML is always read with :func:`yaml.safe_load`: Python-specific tags such as
``!!python/object`` are rejected.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from servgap.errors import ConfigError

__all__ = ["load_causes", "validate_causes", "cause_catalog", "CATALOG_COLUMNS"]

#: Columns of the table returned by :func:`cause_catalog`, in order.
CATALOG_COLUMNS = (
    "id", "kind", "gap", "dimensions", "constructs",
    "name", "description", "remedies", "indicators", "sources",
)

_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
_LANGS = ("en", "zh")
_LANG_ALIASES = {"en": "en", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh_hans": "zh"}
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

_PACKAGED_CAUSES = "causes.yaml"
_PACKAGED_CONSTRUCTS = "gap_constructs.yaml"


# --------------------------------------------------------------------------- file access
def _resource_path(name: str):
    """Return a traversable for the packaged data file ``name``."""
    try:
        return resources.files("servgap").joinpath("data", name)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual installs
        return Path(__file__).resolve().parent / "data" / name


def _read_yaml(path_or_resource) -> Any:
    """Read one YAML file with ``yaml.safe_load``; turn every failure into ConfigError.

    ``path_or_resource`` is a filesystem path (``str`` or ``os.PathLike``) or an
    ``importlib.resources`` traversable. Missing files, unreadable files, YAML syntax
    errors and unsafe tags raise :class:`ConfigError` naming the file.
    """
    label = str(path_or_resource)
    try:
        if isinstance(path_or_resource, (str, os.PathLike)):
            with open(path_or_resource, encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = path_or_resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"file {label!r} not found. Check the path (relative paths are taken from "
            f"the current directory {os.getcwd()!r})."
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"file {label!r} is a directory; give the path of a YAML file.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"file {label!r} is not UTF-8 text ({exc}); save it as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"file {label!r} cannot be read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        raise ConfigError(
            f"file {label!r}: {_yaml_problem(exc)}. servgap reads YAML with yaml.safe_load, "
            "so Python-specific tags such as !!python/object are not allowed; remove the tag "
            "and write plain mappings, lists and strings."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"file {label!r} is not valid YAML: {_yaml_problem(exc)}. Fix the syntax at that "
            "place (indentation, quoting of strings containing ':' or '#')."
        ) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)


@functools.lru_cache(maxsize=1)
def _known_constructs() -> frozenset:
    """Construct ids of the packaged staff-survey instrument ``gap_constructs.yaml``."""
    data = _read_yaml(_resource_path(_PACKAGED_CONSTRUCTS))
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
    >>> from servgap.catalog import validate_causes
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
            p.add(label, field, "is required but missing; add it (see the catalog format in servgap.catalog).")
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


# --------------------------------------------------------------------------- loading
def _entries_from_document(data: Any, source: str) -> list:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        version = data.get("version", 1)
        if version != 1:
            raise ConfigError(f"cause catalog {source!r}: version {version!r} is not supported; use 'version: 1'.")
        if "causes" not in data:
            raise ConfigError(f"cause catalog {source!r} has no 'causes' list; put the entries under 'causes:'.")
        causes = data["causes"]
        if not isinstance(causes, list):
            raise ConfigError(f"cause catalog {source!r}: 'causes' must be a list of entries.")
        return causes
    raise ConfigError(
        f"cause catalog {source!r} is {'empty' if data is None else 'not a mapping'}; "
        "write 'version: 1' and a 'causes:' list."
    )


def load_causes(path: str | os.PathLike | None = None) -> list[dict]:
    """Load and validate a cause catalog.

    Parameters
    ----------
    path : str or path-like, optional
        A catalog YAML file (a mapping with ``version: 1`` and a ``causes`` list, or a
        bare list of entries). ``None`` loads the catalog packaged with servgap.

    Returns
    -------
    list of dict
        The validated, normalised entries in file order (see :func:`validate_causes`).

    Raises
    ------
    servgap.errors.ConfigError
        If the file is missing, is not valid (safe) YAML, or an entry is invalid.

    Examples
    --------
    >>> from servgap.catalog import load_causes
    >>> causes = load_causes()
    >>> [c["id"] for c in causes][:3]
    ['G1-1', 'G1-2', 'G1-3']
    """
    if path is None:
        resource = _resource_path(_PACKAGED_CAUSES)
        source = f"servgap/data/{_PACKAGED_CAUSES}"
        data = _read_yaml(resource)
    else:
        source = str(path)
        data = _read_yaml(path)
    return validate_causes(_entries_from_document(data, source), source=source, strict=path is None)


def _load_extension(extend: Any) -> list[dict]:
    if isinstance(extend, (str, os.PathLike)):
        return load_causes(extend)
    if isinstance(extend, Mapping):
        if "causes" in extend:
            return validate_causes(_entries_from_document(extend, "<extend>"), source="<extend>")
        return validate_causes([extend], source="<extend>")
    if isinstance(extend, (list, tuple)):
        return validate_causes(list(extend), source="<extend>")
    raise ConfigError(
        f"extend must be a path to a catalog YAML file or a list of cause entries (dicts), "
        f"got {type(extend).__name__}."
    )


def _resolve_lang(lang: Any) -> str:
    key = lang.strip().lower() if isinstance(lang, str) else None
    if key not in _LANG_ALIASES:
        raise ConfigError(f"lang={lang!r} is not supported; use 'en' (English) or 'zh' (simplified Chinese).")
    return _LANG_ALIASES[key]


def cause_catalog(lang: str = "en", path: str | os.PathLike | None = None, extend=None):
    """The cause catalog as a table, one row per cause, in one language.

    Parameters
    ----------
    lang : {"en", "zh"}, default "en"
        Language of ``name``, ``description``, ``remedies`` and ``indicators``
        (``"zh"`` = simplified Chinese; ``"zh-Hans"`` and ``"zh-CN"`` are accepted too).
    path : str or path-like, optional
        A catalog YAML file that *replaces* the packaged catalog.
    extend : str, path-like, list of dict or dict, optional
        Extra entries (a catalog file, a list of entries or one entry). An entry whose id
        is already in the catalog replaces that entry as a whole (in place); new ids are
        appended. Extensions are validated like the catalog itself.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, kind, gap, dimensions, constructs, name, description, remedies,
        indicators, sources``. ``gap``, ``dimensions``, ``constructs``, ``remedies`` and
        ``indicators`` hold Python lists; ``sources`` holds a list of
        ``{"document", "quote"}`` dicts; ``name`` and ``description`` are strings.
        ``DataFrame.attrs`` records ``lang`` and ``source``.

    Raises
    ------
    servgap.errors.ConfigError
        For an unsupported ``lang`` or an invalid catalog or extension.

    Examples
    --------
    >>> from servgap.catalog import cause_catalog
    >>> cat = cause_catalog("en")
    >>> cat.loc[cat["id"] == "G2-4", "name"].item()
    'Top management does not back service-quality planning'
    >>> cause_catalog("zh").set_index("id").loc["B-long-queues", "name"]
    '排队等候时间长'
    >>> extra = [{"id": "B-long-queues", "gap": [3], "dimensions": ["responsiveness"],
    ...           "name": {"en": "Queues", "zh": "排队"},
    ...           "description": {"en": "Long queues.", "zh": "排队时间长。"},
    ...           "remedies": {"en": ["Open more counters."], "zh": ["增开窗口。"]},
    ...           "sources": []}]
    >>> cause_catalog(extend=extra).set_index("id").loc["B-long-queues", "name"]
    'Queues'
    """
    import pandas as pd

    lang = _resolve_lang(lang)
    entries = load_causes(path)
    source = "servgap/data/causes.yaml" if path is None else str(path)
    if extend is not None:
        extra = _load_extension(extend)
        position = {e["id"]: i for i, e in enumerate(entries)}
        for e in extra:
            if e["id"] in position:
                entries[position[e["id"]]] = e
            else:
                position[e["id"]] = len(entries)
                entries.append(e)
        source += " + extend"
    rows = []
    for e in entries:
        rows.append({
            "id": e["id"],
            "kind": e["kind"],
            "gap": list(e["gap"]),
            "dimensions": list(e["dimensions"]),
            "constructs": list(e["constructs"]),
            "name": e["name"][lang],
            "description": e["description"][lang],
            "remedies": list(e["remedies"][lang]),
            "indicators": list(e["indicators"].get(lang, [])),
            "sources": [{"document": s["document"], "quote": s["quote"]} for s in e["sources"]],
        })
    table = pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
    table.attrs["lang"] = lang
    table.attrs["source"] = source
    return table
