"""The root-cause catalog: loading, validating and tabulating causes of service gaps.

The packaged catalog ``servgap/data/causes.yaml`` lists

* ``G1-1`` ... ``G4-4``: the causes of gaps 1-4 of the gap model of service quality, as
  listed in seed document 004 (section VI) -- the *root causes* of the cause tree;
* ``G5-1`` ... ``G5-4``: the consequences of gap 5 named there (``kind: consequence``);
* ``B-<name>``: bank-practice causes from seed documents 000-004 -- the *symptoms* a bank
  sees, each naming its root cause(s) under ``parents``.

Every entry names the gap(s) it belongs to, the SERVQUAL dimensions it hurts, the
staff-survey constructs (``servgap/data/gap_constructs.yaml``) that reflect it, its
remedies (actions of ``servgap/data/actions.yaml``), indicators (data that would confirm
it) and the passages of the source documents it is taken from, with their section
(``servgap/data/documents.yaml``). Users may replace the catalog (``path=``) or add and
override entries (``extend=``); both are validated the same way.

YAML is always read with `yaml.safe_load`: Python-specific tags such as
``!!python/object`` are rejected.
"""

from __future__ import annotations

import os
from typing import Any, Mapping


from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path
from .remedies import load_actions
from .schema import CATALOG_COLUMNS, LANG_ALIASES, validate_causes
from .sources import cite

__all__ = ["load_causes", "validate_causes", "cause_catalog", "remedy_texts", "CATALOG_COLUMNS"]

_PACKAGED_CAUSES = "causes.yaml"


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
        The validated, normalised entries in file order (see `validate_causes`).

    Raises
    ------
    servgap.errors.ConfigError
        If the file is missing, is not valid (safe) YAML, or an entry is invalid.

    Examples
    --------
    >>> from servgap.causes.catalog import load_causes
    >>> causes = load_causes()
    >>> [c["id"] for c in causes][:3]
    ['G1-1', 'G1-2', 'G1-3']
    """
    if path is None:
        resource = resource_path(_PACKAGED_CAUSES)
        source = f"servgap/data/{_PACKAGED_CAUSES}"
        data = read_yaml(resource)
    else:
        source = str(path)
        data = read_yaml(path)
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


def resolve_lang(lang: Any) -> str:
    key = lang.strip().lower() if isinstance(lang, str) else None
    if key not in LANG_ALIASES:
        raise ConfigError(f"lang={lang!r} is not supported; use 'en' (English) or 'zh' (simplified Chinese).")
    return LANG_ALIASES[key]


def remedy_texts(entry: Mapping, lang: str) -> list[str]:
    """The remedies of a (validated) catalog entry as texts in ``lang``."""
    acts = load_actions()
    return [acts[r]["text"][lang] if isinstance(r, str) else r[lang] for r in entry["remedies"]]


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
        Columns ``id, kind, level, gap, dimensions, constructs, parents, name,
        description, remedies, actions, indicators, sources``. ``level`` is ``"root"``
        (a 004 gap-model cause, or any entry without parents) or ``"symptom"`` (a
        bank-practice cause, with the ids of its root causes in ``parents``).
        ``remedies`` holds the remedy texts in ``lang`` and ``actions`` their action ids
        (`servgap.causes.actions.action_catalog` has owners, indicators and targets).
        ``gap``, ``dimensions``, ``constructs``, ``parents``, ``remedies``, ``actions`` and
        ``indicators`` hold Python lists; ``sources`` holds a list of ``{"document",
        "section", "citation", "quote"}`` dicts (``citation`` names the document's title
        and section in ``lang``); ``name`` and ``description`` are strings.
        ``DataFrame.attrs`` records ``lang`` and ``source``.

    Raises
    ------
    servgap.errors.ConfigError
        For an unsupported ``lang`` or an invalid catalog or extension.

    Examples
    --------
    >>> from servgap.causes.catalog import cause_catalog
    >>> cat = cause_catalog("en")
    >>> cat.loc[cat["id"] == "G2-4", "name"].item()
    'Top management does not back service-quality planning'
    >>> cause_catalog("zh").set_index("id").loc["B-long-queues", "name"]
    '排队等候时间长'
    >>> extra = [{"id": "B-long-queues", "gap": [3], "dimensions": ["responsiveness"],
    ...           "name": {"en": "Queues", "zh": "排队"},
    ...           "description": {"en": "Long queues.", "zh": "排队时间长。"},
    ...           "parents": ["G3-4"],
    ...           "remedies": {"en": ["Open more counters."], "zh": ["增开窗口。"]},
    ...           "sources": []}]
    >>> cause_catalog(extend=extra).set_index("id").loc["B-long-queues", "name"]
    'Queues'
    """
    import pandas as pd

    lang = resolve_lang(lang)
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
    rows = [{
        "id": e["id"], "kind": e["kind"], "level": e["level"], "gap": list(e["gap"]),
        "dimensions": list(e["dimensions"]), "constructs": list(e["constructs"]), "parents": list(e["parents"]),
        "name": e["name"][lang], "description": e["description"][lang], "remedies": remedy_texts(e, lang),
        "actions": [r for r in e["remedies"] if isinstance(r, str)],
        "indicators": list(e["indicators"].get(lang, [])), "sources": cite(e["sources"], lang),
    } for e in entries]
    table = pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
    table.attrs["lang"] = lang
    table.attrs["source"] = source
    return table
