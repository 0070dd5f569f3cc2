"""Checks shared by the cause catalog (`servgap.causes.schema`) and the action catalog
(`servgap.causes.remedies`): the problem collector, bilingual texts and source passages."""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import ConfigError
from .sources import documents

__all__ = ["Problems", "entry_label", "check_bilingual_text", "check_bilingual_list", "check_sources",
           "normalise_list", "LANGS", "QUOTE_MIN", "QUOTE_MAX"]

LANGS = ("en", "zh")
#: A quote is the shortest passage that states the point: at least 4 characters, at most 120.
QUOTE_MIN, QUOTE_MAX = 4, 120
_MAX_SOURCES = 3


# --------------------------------------------------------------------------- problems
class Problems:
    """Collects validation problems so that one error reports all of them."""

    def __init__(self, source: str, what: str = "cause catalog"):
        self.source = source
        self.what = what
        self.items: list[str] = []

    def add(self, entry: str, field: str | None, message: str) -> None:
        where = f"{entry}, field {field!r}" if field else entry
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        n = len(self.items)
        more = f"\n  ... and {n - 25} more" if n > 25 else ""
        raise ConfigError(f"invalid {self.what} {self.source!r}: {n} problem{'s' if n > 1 else ''}:\n  "
                          + "\n  ".join(self.items[:25]) + more)


def entry_label(entry: Any, index: int) -> str:
    if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) and entry.get("id"):
        return f"entry {entry['id']!r}"
    return f"entry #{index + 1} (no valid id)"


# --------------------------------------------------------------------------- shared checks
def check_bilingual_text(value: Any, label: str, field: str, p: Problems) -> None:
    if not isinstance(value, Mapping):
        p.add(label, field, f"must be a mapping {{en: ..., zh: ...}}, got {type(value).__name__}.")
        return
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            p.add(label, field, f"the {lang!r} text is missing or empty; give both 'en' and 'zh' (simplified Chinese).")


def check_bilingual_list(value: Any, label: str, field: str, p: Problems, *, min_len: int) -> bool:
    """True when ``value`` is ``{en: [...], zh: [...]}`` of non-empty strings (problems added otherwise)."""
    if not isinstance(value, Mapping):
        p.add(label, field, f"must be a mapping {{en: [...], zh: [...]}}, got {type(value).__name__}.")
        return False
    ok = True
    for lang in LANGS:
        items = value.get(lang)
        if not isinstance(items, list) or any(not isinstance(x, str) or not x.strip() for x in items):
            p.add(label, field, f"the {lang!r} part must be a list of non-empty strings; give both 'en' and 'zh'.")
            ok = False
        elif len(items) < min_len:
            p.add(label, field, f"the {lang!r} list is empty; give at least {min_len}.")
            ok = False
    return ok


def check_sources(sources: Any, label: str, p: Problems, *, strict: bool, required: bool = True) -> list:
    """Check a list of ``{document, section, quote}``; returns the normalised copies.

    With ``strict`` the document must be one of the packaged source documents and the
    section one of its sections (``documents.yaml``), and ``required`` asks for 1-3 sources.
    """
    if not isinstance(sources, list):
        p.add(label, "sources", "must be a list of {document: ..., section: ..., quote: ...}.")
        return []
    if strict and required and not 1 <= len(sources) <= _MAX_SOURCES:
        p.add(label, "sources", f"has {len(sources)} sources; every entry of this catalog needs "
                                f"1 to {_MAX_SOURCES} quoted passages of its source documents.")
    for k, src in enumerate(sources):
        if not isinstance(src, Mapping):
            p.add(label, "sources", f"source #{k + 1} must be a mapping {{document: ..., section: ..., quote: ...}}.")
            continue
        _check_one_source(src, k, label, p, strict)
    return [dict(s) if isinstance(s, Mapping) else s for s in sources]


def _check_one_source(src: Mapping, k: int, label: str, p: Problems, strict: bool) -> None:
    doc, quote = src.get("document"), src.get("quote")
    if not isinstance(doc, str) or not doc.strip():
        p.add(label, "sources", f"source #{k + 1} has no 'document'; name the file the quote is from.")
    if not isinstance(quote, str):
        p.add(label, "sources", f"source #{k + 1} has no 'quote' string; copy the passage verbatim.")
    elif not QUOTE_MIN <= len(quote) <= QUOTE_MAX:
        p.add(label, "sources", f"quote #{k + 1} has {len(quote)} characters; quote the shortest passage that "
                                f"states the point, {QUOTE_MIN}-{QUOTE_MAX} characters copied verbatim.")
    extra = sorted(set(src) - {"document", "section", "quote"}, key=str)
    if extra:
        p.add(label, "sources", f"source #{k + 1} has unknown keys {extra!r}; use 'document', 'section' and 'quote'.")
    if strict and isinstance(doc, str):
        known = documents()
        if doc not in known:
            p.add(label, "sources", f"source #{k + 1}: {doc!r} is not a packaged source document; "
                                    f"use one of {', '.join(sorted(known))}.")
        elif src.get("section") not in known[doc]["sections"]:
            p.add(label, "sources", f"source #{k + 1}: section {src.get('section')!r} is not a section of {doc}; "
                                    f"use one of {', '.join(known[doc]['sections'])} (documents.yaml).")


def normalise_list(value: Any) -> Any:
    """Accept a scalar where a list is expected (``gap: 3`` -> ``[3]``)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return value if value is None else [value]
