"""The source documents of the cause catalog: titles, sections, citations and the
business-case figures (``servgap/data/documents.yaml``).

Every catalog quote names its document (file name) and section; outputs cite it as
``《银行客户服务流程的精细化管理》下篇 §二`` (``lang="zh"``) or
``“Fine-grained management of bank customer-service processes”, part 2, §2`` (``lang="en"``),
with the file name kept as a detail. A document the packaged list does not know (a user's
own catalog) is cited by its file name.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path

__all__ = ["documents", "document_title", "section_label", "citation", "cite", "business_case"]

_PACKAGED = "documents.yaml"


def _check(data: Any) -> dict:
    if not isinstance(data, Mapping) or not isinstance(data.get("documents"), list):
        raise ConfigError(f"packaged file {_PACKAGED!r} must hold a 'documents' list.")  # pragma: no cover
    out = {}
    for d in data["documents"]:
        ids = [s["id"] for s in d["sections"]]
        if len(set(ids)) != len(ids) or not all({"en", "zh"} <= set(s["label"]) for s in d["sections"]):
            raise ConfigError(f"{_PACKAGED}: document {d['file']!r} has duplicate or unlabelled sections.")  # pragma: no cover
        out[d["file"]] = {"title": dict(d["title"]), "own_title": bool(d.get("own_title", True)),
                          "sections": {s["id"]: dict(s) for s in d["sections"]}}
    return out


@functools.lru_cache(maxsize=1)
def _data() -> tuple[dict, tuple]:
    data = read_yaml(resource_path(_PACKAGED))
    return _check(data), tuple(data.get("figures", ()))


def documents() -> dict:
    """The packaged source documents: ``{file: {"title", "own_title", "sections"}}``.

    Examples
    --------
    >>> from servgap.causes.sources import documents
    >>> documents()["001_92abd65dc395cfa3.txt"]["title"]["zh"]
    '银行客户服务流程的精细化管理'
    """
    return _data()[0]


def document_title(document: str, lang: str = "en") -> str | None:
    """The title of a packaged source document in ``lang``, or ``None`` for an unknown file."""
    doc = documents().get(document)
    return None if doc is None else doc["title"][lang]


def section_label(document: str, section: str | None, lang: str = "en") -> str | None:
    """The label of ``section`` of ``document`` (``"§Ⅵ"``, ``"篇4"``), or ``None``."""
    doc = documents().get(document)
    if doc is None or section is None or section not in doc["sections"]:
        return None
    return doc["sections"][section]["label"][lang]


def citation(document: str, section: str | None = None, lang: str = "en") -> str:
    """How outputs cite a passage: title and section, or the file name for an unknown document.

    Examples
    --------
    >>> from servgap.causes.sources import citation
    >>> citation("001_92abd65dc395cfa3.txt", "b2", "zh")
    '《银行客户服务流程的精细化管理》下篇 §二'
    >>> citation("004_832ca6964e0dc0b9.txt", "s6", "en")
    '“Questions and answers on financial service quality and customer-service management”, §VI'
    >>> citation("my_notes.txt")
    'my_notes.txt'
    """
    title = document_title(document, lang)
    if title is None:
        return document
    label = section_label(document, section, lang)
    if lang == "zh":
        return f"《{title}》" + (label or "")
    return f"“{title}”" + (f", {label}" if label else "")


def cite(sources, lang: str = "en") -> list[dict]:
    """Catalog sources as output records: ``document``, ``section``, ``citation``, ``quote``."""
    return [{"document": s["document"], "section": s.get("section"),
             "citation": citation(s["document"], s.get("section"), lang), "quote": s["quote"]}
            for s in sources]


def business_case(lang: str = "en"):
    """The business-case figures of the source documents, each with its passage.

    Returns
    -------
    pandas.DataFrame
        Columns ``figure`` (id), ``text`` (in ``lang``), ``citation``, ``document``, ``quote``.

    Examples
    --------
    >>> from servgap.causes.sources import business_case
    >>> business_case("en")["figure"].tolist()
    ['attitude', 'retention', 'acquisition']
    """
    import pandas as pd

    rows = [{"figure": f["id"], "text": f["text"][lang],
             "citation": citation(f["source"]["document"], f["source"].get("section"), lang),
             "document": f["source"]["document"], "quote": f["source"]["quote"]} for f in _data()[1]]
    return pd.DataFrame(rows, columns=["figure", "text", "citation", "document", "quote"])
