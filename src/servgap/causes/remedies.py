"""The action catalog (``servgap/data/actions.yaml``): every remedy of the cause catalog as
an action with the role that owns it, an ``indicator``, a ``target`` where a source
document gives one, a ``horizon`` (``quick_win`` or ``structural``) and the source
passages it is taken from (or ``basis: editorial`` for servgap's own advice). The action
plan of a result is built in `servgap.causes.actions`."""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping

import pandas as pd

from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path
from .checks import Problems, check_bilingual_text, check_sources
from .sources import cite

__all__ = ["load_actions", "validate_actions", "owners", "action_catalog", "HORIZONS"]

_PACKAGED = "actions.yaml"
HORIZONS = ("quick_win", "structural")
_BASES = ("sourced", "editorial")
_RE_ACTION = re.compile(r"A-[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELDS = {"id", "owner", "horizon", "basis", "text", "indicator", "target", "sources"}
_LANGS = {"en": "en", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh_hans": "zh"}


# --------------------------------------------------------------------------- the catalog
def _check_action(a: Any, index: int, owner_ids: set, p: Problems) -> dict | None:
    label = f"action {a.get('id')!r}" if isinstance(a, Mapping) else f"action #{index + 1}"
    if not isinstance(a, Mapping):
        p.add(label, None, "must be a mapping of fields.")
        return None
    for field in sorted(set(a) - _FIELDS):
        p.add(label, field, f"unknown field; allowed fields are {', '.join(sorted(_FIELDS))}.")
    if not isinstance(a.get("id"), str) or not _RE_ACTION.fullmatch(a["id"]):
        p.add(label, "id", "use 'A-' followed by lower-case words joined by hyphens, e.g. 'A-lobby-321'.")
    if a.get("owner") not in owner_ids:
        p.add(label, "owner", f"{a.get('owner')!r} is not a role of 'owners'; use one of {', '.join(sorted(owner_ids))}.")
    if a.get("horizon") not in HORIZONS:
        p.add(label, "horizon", f"{a.get('horizon')!r}; use 'quick_win' or 'structural'.")
    basis = a.get("basis", "sourced")
    if basis not in _BASES:
        p.add(label, "basis", f"{basis!r}; use 'editorial' (servgap's own advice) or leave it out.")
    for field in ("text", "indicator"):
        check_bilingual_text(a.get(field), label, field, p)
    if a.get("target") is not None:
        check_bilingual_text(a["target"], label, "target", p)
    sources = check_sources(a.get("sources", []), label, p, strict=True, required=False)
    if basis == "sourced" and not sources:
        p.add(label, "sources", "cite the passage(s) the remedy comes from, or mark it 'basis: editorial'.")
    return {"id": a.get("id"), "owner": a.get("owner"), "horizon": a.get("horizon"), "basis": basis,
            "text": dict(a.get("text") or {}), "indicator": dict(a.get("indicator") or {}),
            "target": dict(a["target"]) if a.get("target") else None, "sources": sources}


def validate_actions(data: Any, source: str = "<actions>") -> tuple[dict, dict]:
    """Check an action catalog (``owners`` and ``actions``) and return ``(owners, actions)``.

    Raises
    ------
    servgap.errors.ConfigError
        Listing every problem: unknown fields, ids (``A-lower-case-words``, unique),
        owners (a role of ``owners``), ``horizon`` (``quick_win`` / ``structural``),
        ``basis``, both languages of ``text``, ``indicator`` and ``target``, and sources
        (packaged documents and sections; a ``sourced`` action needs at least one).
    """
    p = Problems(source, "action catalog")
    if not isinstance(data, Mapping) or not isinstance(data.get("actions"), list):
        p.add("catalog", "actions", "must be a list of actions under 'actions:'.")
        p.raise_if_any()
    roles = data.get("owners") or {}
    owner_table = {}
    for rid, role in roles.items():
        role = role if isinstance(role, Mapping) else {}
        check_bilingual_text(role.get("name"), f"owner {rid!r}", "name", p)
        owner_table[rid] = {"name": dict(role.get("name") or {}),
                            "sources": check_sources(role.get("sources", []), f"owner {rid!r}", p, strict=True,
                                                     required=False)}
    actions: dict = {}
    for i, a in enumerate(data["actions"]):
        a = _check_action(a, i, set(owner_table), p)
        if a is not None:
            if a["id"] in actions:
                p.add(f"action {a['id']!r}", "id", "duplicate id; ids must be unique.")
            actions[a["id"]] = a
    p.raise_if_any()
    return owner_table, actions


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict, dict]:
    return validate_actions(read_yaml(resource_path(_PACKAGED)), f"servgap/data/{_PACKAGED}")


def load_actions() -> dict:
    """The packaged actions, validated: ``{id: {"owner", "horizon", "basis", "text",
    "indicator", "target", "sources"}}`` in file order.

    Examples
    --------
    >>> from servgap.causes.remedies import load_actions
    >>> a = load_actions()["A-call-centre-levels"]
    >>> a["owner"], a["horizon"], "85%" in a["target"]["en"]
    ('customer_service_head', 'quick_win', True)
    """
    return _load()[1]


def owners() -> dict:
    """The roles that own actions: ``{id: {"name": {en, zh}, "sources": [...]}}``."""
    return _load()[0]


def action_catalog(lang: str = "en") -> pd.DataFrame:
    """Every packaged action in one language: ``action, remedy, owner, owner_id, indicator,
    target, horizon, basis, sources``.

    Examples
    --------
    >>> from servgap.causes.remedies import action_catalog
    >>> cat = action_catalog("zh").set_index("action")
    >>> cat.loc["A-lobby-321", "owner"]
    '大堂经理'
    """
    key = lang.strip().lower() if isinstance(lang, str) else None
    if key not in _LANGS:
        raise ConfigError(f"lang={lang!r} is not supported; use 'en' (English) or 'zh' (simplified Chinese).")
    lang = _LANGS[key]
    roles = owners()
    rows = [{"action": k, "remedy": a["text"][lang], "owner": roles[a["owner"]]["name"][lang],
             "owner_id": a["owner"], "indicator": a["indicator"][lang],
             "target": a["target"][lang] if a["target"] else None, "horizon": a["horizon"], "basis": a["basis"],
             "sources": cite(a["sources"], lang)} for k, a in load_actions().items()]
    return pd.DataFrame(rows, columns=["action", "remedy", "owner", "owner_id", "indicator", "target", "horizon",
                                       "basis", "sources"])
