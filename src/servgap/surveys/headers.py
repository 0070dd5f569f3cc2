"""Header text: what a column's header says about the question it holds.

A survey export names its columns in many ways (``8、您对理想银行的期望—银行拥有现代化的设备``,
``Q5_3`` over ``How well … - Modern equipment``, ``EXP[SQ003]``, ``E3``). `parse_header` splits
one header into a question key, the question wording (*stem*) and the matrix sub-question
(*sub*) with the shapes listed in ``servgap/data/platforms.yaml``; `viewpoint_markers` finds the
words that say which viewpoint a column rates; `item_similarity` scores a sub-question's
wording against an instrument item (en and zh); `expand_pattern` turns a regular expression
or a ``{item}`` template with ``*`` wildcards into an ``item -> column`` mapping.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from ..errors import ConfigError
from ..yamlio import read_yaml, resource_path


@lru_cache(maxsize=1)
def spec() -> dict:
    """The parsed ``platforms.yaml`` (header shapes, platforms, markers)."""
    return read_yaml(resource_path("platforms.yaml"), "platform file")


def norm(text) -> str:
    """Comparable form of a label: NFKC, case-folded, trimmed, inner spaces collapsed.

    >>> norm("  Ｓtrongly   Agree ")
    'strongly agree'
    """
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def squash(text) -> str:
    """`norm` without spaces and punctuation (for fuzzy wording comparisons).

    >>> squash("银行拥有现代化的设备（自助机具、叫号机）。")
    '银行拥有现代化的设备自助机具叫号机'
    """
    return _PUNCT.sub("", norm(text))


@dataclass(frozen=True)
class Header:
    """One column's header, split into its parts.

    Attributes
    ----------
    column : str
        The column name in the table.
    code : str
        The short code (Qualtrics ``Q5_3``, LimeSurvey ``EXP[SQ003]``, SPSS variable name).
    text : str
        The full header text: question wording and sub-question (equals ``code`` when the
        export has one header line).
    question : str
        Question number or code (``"8"``, ``"Q5"``, ``"EXP"``), ``""`` if none.
    stem : str
        The question wording without the sub-question.
    sub : str
        The matrix sub-question (row) wording, ``""`` if none.
    subcode : str
        The sub-question code from the column code (``"3"`` of ``Q5_3``, ``"SQ003"``).
    role : str or None
        Metadata role (``id``, ``duration``, ``ip`` ...) or ``"metadata"``; ``None`` for a question.
    """

    column: str
    code: str
    text: str
    question: str = ""
    stem: str = ""
    sub: str = ""
    subcode: str = ""
    role: str | None = None

    @property
    def is_question(self) -> bool:
        return self.role is None


def _shapes(names: Sequence[str]) -> list[re.Pattern]:
    lib = spec()["header_shapes"]
    return [re.compile(lib[n]) for n in names]


def _split(text: str, shapes: list[re.Pattern]) -> dict:
    for rx in shapes:
        m = rx.match(text.strip())
        if m:
            return {k: (v or "").strip() for k, v in m.groupdict().items()}
    return {}


def parse_header(column: str, code: str, text: str, shape_names: Sequence[str], role=None) -> Header:
    """Split a header with the named shapes (the code first, then the wording).

    >>> h = parse_header("c", "8、您对理想银行的期望—银行拥有现代化的设备", "8、您对理想银行的期望—银行拥有现代化的设备",
    ...                  ["zh_dash", "zh_question"])
    >>> h.question, h.stem, h.sub
    ('8', '您对理想银行的期望', '银行拥有现代化的设备')
    >>> h = parse_header("Q5_3", "Q5_3", "How well does the bank do? - Modern equipment", ["q_code", "en_dash"])
    >>> h.question, h.stem, h.sub, h.subcode
    ('Q5', 'How well does the bank do?', 'Modern equipment', '3')
    """
    shapes = _shapes(shape_names)
    c = _split(code, shapes)
    t = c if text == code else (_split(text, shapes) or {"stem": text.strip()})
    return Header(column=column, code=code, text=text, question=c.get("q") or t.get("q") or "",
                  stem=t.get("stem", ""), sub=t.get("sub", ""), subcode=c.get("sub", "") if text != code else "",
                  role=role)


# -- viewpoint markers ------------------------------------------------------------------
def _marker_words() -> dict[str, list[str]]:
    return {vp: [norm(w) for w in words] for vp, words in spec()["viewpoint_markers"].items()}


def _is_ascii_word(w: str) -> bool:
    return w.isascii()


def find_markers(text: str, ignore: str = "") -> set[str]:
    """Viewpoints whose marker words occur in ``text`` (words also in ``ignore`` do not count).

    English words must stand alone (``actual`` in ``actually`` does not count). A marker inside a
    longer marker's match does not count: ``实际提供的服务`` is the delivered service, not ``实际``
    (perceived), and ``管理层对顾客期望的认知`` is management's view, not ``期望``.

    >>> sorted(find_markers("您对理想银行的期望"))
    ['expected']
    >>> sorted(find_markers("Perceptions - Modern equipment"))
    ['perceived']
    >>> sorted(find_markers("银行承诺按时完成（实际感受）", ignore="银行承诺按时完成"))
    ['perceived']
    >>> sorted(find_markers("管理层对顾客期望的认知—网点环境"))
    ['management']
    """
    t, ign = norm(text), norm(ignore)
    spans = []                                          # (start, end, viewpoint) of every occurrence
    for vp, words in _marker_words().items():
        for w in words:
            if w in ign:
                continue
            pat = rf"(?<![a-z]){re.escape(w)}(?![a-z])" if _is_ascii_word(w) else re.escape(w)
            spans += [(m.start(), m.end(), vp) for m in re.finditer(pat, t)]
    return {vp for a, b, vp in spans
            if not any(a2 <= a and b <= b2 and b2 - a2 > b - a and vp2 != vp for a2, b2, vp2 in spans)}


def code_marker(code: str) -> tuple[str, str] | None:
    """``(viewpoint, item number)`` of a code like ``E12``, ``P_3``, ``q7_e``, ``exp5``, ``期望12``,
    ``Q12感知``, ``对外宣传(3)``; else ``None``.

    >>> code_marker("E12"), code_marker("q7_P"), code_marker("Q7"), code_marker("expected_3")
    (('expected', '12'), ('perceived', '7'), None, ('expected', '3'))
    >>> code_marker("Q12感知"), code_marker("对外宣传(3)"), code_marker("满意度1"), code_marker("Ｅ１２")
    (('perceived', '12'), ('communicated', '3'), None, ('expected', '12'))
    """
    letters = _code_words()
    code = unicodedata.normalize("NFKC", code).strip()       # full-width Ｅ１２ from Chinese input methods
    for pat in spec()["code_markers"]["patterns"]:
        m = re.match(pat, code)
        if m and m.group("vp").casefold() in letters:
            return letters[m.group("vp").casefold()], str(int(m.group("num")))
    return None


@lru_cache(maxsize=1)
def _code_words() -> dict:
    """The viewpoint of each code prefix: the marker letters (``E``, ``exp`` …), then every one-word
    viewpoint marker (``期望``, ``对外宣传``, ``actual`` …)."""
    out = {k.casefold(): v for k, v in spec()["code_markers"]["letters"].items()}
    for vp, words in spec()["viewpoint_markers"].items():
        for w in words:
            if " " not in w:
                out.setdefault(norm(w), vp)
    return out


def letter_marker(code: str) -> set[str]:
    """The viewpoint of a question code made of marker letters only (LimeSurvey ``E[SQ001]``, ``PER_SQ001``).

    >>> letter_marker("E"), letter_marker("PER"), letter_marker("Q5")
    ({'expected'}, {'perceived'}, set())
    """
    letters = {k.casefold(): v for k, v in spec()["code_markers"]["letters"].items()}
    vp = letters.get(code.strip().casefold()) if code and code.strip().isalpha() else None
    return {vp} if vp else set()


# -- item wording -----------------------------------------------------------------------
class WordingMatcher:
    """Fuzzy comparison of header wording with known wordings (items or dimensions, en and zh).

    A score is 1.0 when one squashed text contains the other (both at least 4 characters),
    else difflib's ratio (Ratcliff/Obershelp), the best over a key's wordings.
    """

    def __init__(self, texts: Mapping[str, Sequence[str]]):
        self._texts = {k: [s for s in map(squash, v) if s] for k, v in texts.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Score of ``text`` against every key (0 for keys that cannot be near)."""
        a = squash(text)
        out = dict.fromkeys(self._texts, 0.0)
        if len(a) < 2:
            return out
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(a)
        for k, texts in self._texts.items():
            for b in texts:
                if len(a) >= 4 and len(b) >= 4 and (a in b or b in a):
                    out[k] = 1.0
                    break
                sm.set_seq1(b)
                if sm.real_quick_ratio() > out[k] and sm.quick_ratio() > max(out[k], 0.4):
                    out[k] = max(out[k], sm.ratio())
        return out


def item_similarity(text: str, item_texts: Sequence[str]) -> float:
    """Similarity in [0, 1] of a header's wording to one item's wordings (see `WordingMatcher`).

    >>> item_similarity("银行拥有现代化的设备（自助机具、叫号机、终端等）", ["银行拥有现代化的设备（自助机具、叫号机、终端等）。"])
    1.0
    >>> round(item_similarity("modern equipment", ["The bank has modern-looking equipment."]), 2) < 0.8
    True
    """
    return WordingMatcher({"x": item_texts}).scores(text)["x"]


def looks_like_text(text: str) -> bool:
    """Wording rather than a code: non-ASCII letters, or at least two words.

    >>> looks_like_text("Q5_3"), looks_like_text("Modern equipment"), looks_like_text("银行设备")
    (False, True, True)
    """
    t = text.strip()
    return bool(t) and (not t.isascii() or len(t.split()) >= 2)


# -- column patterns --------------------------------------------------------------------
def is_template(pattern: str, placeholder: str, keys: Sequence[str], columns) -> bool:
    """True if ``pattern`` is a plain ``{item}`` template naming at least one existing column.

    >>> is_template("E{item}", "item", ["1", "2"], ["E1", "E2"]), is_template("*{item}期望", "item", ["1"], ["E1"])
    (True, False)
    """
    token = "{" + placeholder + "}"
    cols = set(map(str, columns))
    return token in pattern and any(pattern.replace(token, str(k)) in cols for k in keys)


def is_pattern(spec: str, placeholder: str) -> bool:
    """A wildcard template or regular expression (not a plain name, which stays an error).

    >>> is_pattern("E", "item"), is_pattern("3、*", "item"), is_pattern(r"^第3题", "item"), is_pattern("E{item}", "item")
    (False, True, True, True)
    """
    return ("{" + placeholder + "}" in spec or f"(?P<{placeholder}>" in spec or "*" in spec
            or any(ch in spec for ch in "^$[]()+?\\|"))


def _to_regex(pattern: str, placeholder: str, keys: Sequence[str], labels: Mapping[str, Sequence[str]]) -> re.Pattern:
    """A ``{item}`` template with ``*`` wildcards, or a regular expression, as a compiled regex."""
    token = "{" + placeholder + "}"
    if f"(?P<{placeholder}>" in pattern:
        body = pattern
    elif token in pattern or "*" in pattern:
        words = sorted({str(k) for k in keys} | {w for ws in labels.values() for w in ws}, key=len, reverse=True)
        alt = "|".join(re.escape(w) for w in words)
        pieces = [re.escape(p).replace(r"\*", ".*") for p in pattern.split(token)]
        body = f"(?P<{placeholder}>{alt})".join(pieces)
        body = f"^{body}$"
    else:
        body = pattern
    try:
        return re.compile(body)
    except re.error as exc:
        raise ConfigError(f"column pattern {pattern!r} is not a valid regular expression ({exc}).") from None


def _key_of(value: str, keys: Sequence[str], labels: Mapping[str, Sequence[str]]) -> str | None:
    """The key (item or dimension id) a captured text names: the id itself, a zero-padded number, or a label."""
    v = value.strip()
    if v in keys:
        return v
    if v.isdigit() and str(int(v)) in keys:
        return str(int(v))
    nv = norm(v)
    for k, ws in labels.items():
        if nv in {norm(w) for w in ws}:
            return k
    return None


def expand_pattern(pattern: str, placeholder: str, keys: Sequence[str], headers: Mapping[str, str],
                   labels: Mapping[str, Sequence[str]] | None = None, what: str = "columns") -> dict[str, str] | list[str]:
    """Match a column pattern against every header's column name and full text.

    With an ``(?P<item>…)`` group or an ``{item}`` placeholder, returns ``{key: column}``;
    without one, the list of matching columns in file order (a block mapped by position or
    wording by the caller). ``labels`` maps keys to alternative names (dimension labels).

    >>> hdr = {"c1": "1、服务—期望", "c2": "2、服务—期望", "c3": "1、服务—感知"}
    >>> expand_pattern(r"(?P<item>\\d+)、.*—期望", "item", ["1", "2"], hdr)
    {'1': 'c1', '2': 'c2'}
    >>> expand_pattern("*—感知", "item", ["1", "2"], hdr)
    ['c3']
    """
    labels = labels or {}
    rx = _to_regex(pattern, placeholder, keys, labels)
    grouped = placeholder in rx.groupindex
    out: dict[str, str] = {}
    block: list[str] = []
    for col, text in headers.items():
        m = next((m for t in dict.fromkeys((col, text)) if (m := rx.search(t))), None)
        if m is None:
            continue
        if not grouped:
            block.append(col)
            continue
        key = _key_of(m.group(placeholder), keys, labels)
        if key is None:
            continue
        if key in out and out[key] != col:
            raise ConfigError(f"{what}: pattern {pattern!r} matches two columns for {placeholder} {key!r} "
                              f"({out[key]!r} and {col!r}); make the pattern more specific.")
        out[key] = col
    return out if grouped else block


__all__ = ["Header", "parse_header", "find_markers", "code_marker", "item_similarity", "WordingMatcher",
           "looks_like_text", "letter_marker", "expand_pattern", "is_pattern",
           "is_template", "norm", "squash", "spec"]
