"""Survey-platform exports (问卷星, 腾讯问卷, Qualtrics, SurveyMonkey, LimeSurvey, Google Forms, SPSS).

Every platform is a small spec in ``servgap/data/platforms.yaml`` (header lines, metadata
columns, roles such as the duration or IP column, "no answer" markers, header shapes); one
generic reader applies it to the raw table that `servgap.surveys.io.read_table` read:

1. detect the layout by its header signature (``platform="auto"``), or take the named one;
2. join the header lines into one text per column (Qualtrics' wording line, SurveyMonkey's
   question line carried over its sub-columns and joined with the row labels), drop them from
   the data and re-read numbers;
3. note the platform's marker cells (问卷星 ``(跳过)``, ``-3`` …), which the reader blanks and
   counts in the rating and segment columns (`blank_markers`);
4. describe each header (`servgap.surveys.headers.Header`) for `servgap.suggest_columns`.

What it learnt goes into the metadata: ``platform``, ``platform_layout``, ``header_table``
(one row per column: code, text, question, stem, sub, subcode, role), ``roles``
(role -> column), ``marker_codes`` (the platform's "no answer" cell texts -> ledger issue;
the reader blanks them in the columns it uses), ``missing_values`` (SPSS user-missing values
present, column -> values) and ``header_lines``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, where
from .headers import Header, norm, parse_header, spec

PLATFORMS = ("auto", "wjx", "tencent", "qualtrics", "surveymonkey", "limesurvey", "google_forms", "spss", "plain")
HEADER_COLUMNS = ["column", "code", "text", "question", "stem", "sub", "subcode", "role"]
_UNNAMED = re.compile(r"^Unnamed: \d+$")


@dataclass(frozen=True)
class Layout:
    """One export layout of a platform (see ``platforms.yaml`` for the meaning of each field)."""

    platform: str
    id: str
    detect: Mapping = field(default_factory=dict)
    header_rows: int = 1
    text_line: int | None = None
    sub_line: int | None = None
    fill_forward: bool = False
    no_sub: tuple = ()
    metadata: tuple = ()
    roles: Mapping = field(default_factory=dict)
    duration_unit: str = "s"
    markers: Mapping = field(default_factory=dict)
    headers: tuple = ()


@lru_cache(maxsize=1)
def layouts() -> tuple[Layout, ...]:
    """Every layout of every platform, in detection order (``plain`` last)."""
    out = []
    for name, p in spec()["platforms"].items():
        for lay in p["layouts"]:
            kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in lay.items()}
            kw["roles"] = {r: tuple(v) for r, v in (lay.get("roles") or {}).items()}
            kw["markers"] = {str(k): v for k, v in (lay.get("markers") or {}).items()}
            out.append(Layout(platform=name, **kw))
    return tuple(out)


def platform_names(lang: str = "en") -> dict[str, str]:
    """Platform id -> display name."""
    return {k: v["name"][lang] for k, v in spec()["platforms"].items()}


# -- detection ----------------------------------------------------------------------------
def _cell_text(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def _header_line(df: pd.DataFrame, k: int) -> list[str]:
    if k == 0:
        return ["" if _UNNAMED.match(str(c)) else str(c) for c in df.columns]
    return [_cell_text(v) for v in df.iloc[k - 1].tolist()] if len(df) >= k else []


def _matches(lay: Layout, df: pd.DataFrame, meta: Mapping) -> bool:
    d = lay.detect
    if not d:
        return True
    if d.get("file") == "sav" and "column_labels" not in meta:
        return False
    names = {norm(c) for c in _header_line(df, 0)}
    if not all(norm(n) in names for n in d.get("names_all", ())):
        return False
    if d.get("names_any") and not any(norm(n) in names for n in d["names_any"]):
        return False
    if d.get("first_name") and (len(df.columns) == 0 or norm(df.columns[0]) not in {norm(n) for n in d["first_name"]}):
        return False
    if not all(any(re.search(rx, n) for n in names) for rx in d.get("names_regex", ())):
        return False
    for k, rule in (d.get("line") or {}).items():
        cells = _header_line(df, int(k))
        want = {norm(a) for a in rule.get("any", ())}
        rx = re.compile(rule["regex"]) if rule.get("regex") else None
        if not any((want and norm(c) in want) or (rx and rx.search(c)) for c in cells):
            return False
    return True


def choose_layout(df: pd.DataFrame, meta: Mapping, platform: str = "auto", name: str = "<table>") -> Layout:
    """The layout named by ``platform`` (``"auto"``: the first whose signature matches)."""
    if platform not in PLATFORMS:
        raise ConfigError(f"platform={platform!r}; use one of {', '.join(PLATFORMS)}.")
    cands = [lay for lay in layouts() if platform == "auto" or lay.platform == platform]
    for lay in cands:
        if _matches(lay, df, meta):
            return lay
    if platform == "auto":          # pragma: no cover - plain always matches
        return layouts()[-1]
    lay = cands[0]
    if lay.header_rows > len(df):
        raise DataError(f"{where(file=name)}: a {platform} export has {lay.header_rows} header lines, "
                        f"but the table has {len(df) + 1} lines in all; check the file or use platform=\"auto\".")
    return lay


# -- header lines -------------------------------------------------------------------------
def _base_name(col: str, names: set) -> str:
    """The header as written: pandas renames a repeated header ``X`` to ``X.1``, ``X.2`` …"""
    m = re.match(r"^(.*)\.(\d+)$", col)
    return m.group(1) if m and m.group(1) in names else col


def _texts(df: pd.DataFrame, lay: Layout, meta: Mapping) -> tuple[list[str], list[str]]:
    """``(codes, texts)`` per column from the header lines (and SPSS variable labels)."""
    names = set(map(str, df.columns))
    codes = [_base_name(str(c), names) for c in df.columns]
    codes = ["" if _UNNAMED.match(c) else c for c in codes]
    if lay.fill_forward:
        last = ""
        for j, c in enumerate(codes):
            last = c or last
            codes[j] = last if not c else c
    texts = list(codes)
    if lay.text_line:
        texts = [t or c for t, c in zip(_header_line(df, lay.text_line), codes)]
    if lay.sub_line:
        subs = _header_line(df, lay.sub_line)
        keep = {norm(s) for s in lay.no_sub}
        texts = [t if not s or norm(s) in keep else f"{t} - {s}" for t, s in zip(texts, subs)]
    labels = meta.get("column_labels") or {}
    texts = [str(labels.get(c) or t) for c, t in zip(df.columns, texts)]
    return codes, texts


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}.{k}")
    return out


def _reinfer(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers again after the header lines are dropped (they made every column text)."""
    out = {}
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            txt = s.map(lambda v: v.strip() if isinstance(v, str) else v)
            blank = txt.isna() | (txt == "")
            num = pd.to_numeric(txt.where(~blank, None), errors="coerce")
            s = num if int(num.notna().sum()) == int((~blank).sum()) else txt.where(~blank, None)
        out[c] = s
    return pd.DataFrame(out, index=df.index)


def _role_of(code: str, text: str, lay: Layout) -> str | None:
    keys = {norm(code), norm(text)}
    for role, names in lay.roles.items():
        if keys & {norm(n) for n in names}:
            return role
    for m in lay.metadata:
        if m.startswith("re:"):
            if re.search(m[3:], code, re.IGNORECASE) or re.search(m[3:], text, re.IGNORECASE):
                return "metadata"
        elif norm(m) in keys:
            return "metadata"
    return None


# -- markers and SPSS missing values ------------------------------------------------------
def blank_markers(df: pd.DataFrame, cols: list[str], markers: Mapping[str, str]) -> dict:
    """Blank the marker cells of ``cols`` in place; returns ``{column: {issue: count}}``.

    >>> f = pd.DataFrame({"a": ["(跳过)", "5", "-3"]})
    >>> blank_markers(f, ["a"], {"(跳过)": "not_shown", "-3": "not_shown"}), f["a"].tolist()
    ({'a': {'not_shown': 2}}, [nan, '5', nan])
    """
    if not markers:
        return {}
    by_issue: dict[str, list[str]] = {}
    for text, issue in markers.items():
        by_issue.setdefault(issue, []).append(text)
    counts: dict = {}
    for c in cols:
        s = df[c]
        hits_all = np.zeros(len(s), bool)
        for issue, texts in by_issue.items():
            nums = [float(t) for t in texts if re.fullmatch(r"-?\d+(\.\d+)?", t)]
            if pd.api.types.is_numeric_dtype(s):
                hit = s.isin(nums).to_numpy() if nums else np.zeros(len(s), bool)
            else:
                st = s.map(lambda v: v.strip() if isinstance(v, str) else v)
                hit = (st.isin(texts) | (pd.to_numeric(st, errors="coerce").isin(nums) if nums else False)).to_numpy()
            hit = np.asarray(hit, bool) & ~hits_all
            if hit.any():
                counts.setdefault(c, {})[issue] = int(hit.sum())
                hits_all |= hit
        if hits_all.any():
            df[c] = s.mask(hits_all)
    return counts


def _user_missing(df: pd.DataFrame, meta: Mapping) -> dict:
    """SPSS user-missing values found in the data: ``{column: [values]}`` (ranges and discrete values)."""
    out: dict = {}
    for col, ranges in (meta.get("missing_ranges") or {}).items():
        if col not in df.columns:
            continue
        s = pd.to_numeric(df[col], errors="coerce")
        vals = set()
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, str) or isinstance(hi, str):
                vals |= {v for v in df[col].dropna().unique() if lo <= str(v) <= hi}
            else:
                vals |= set(s[(s >= lo) & (s <= hi)].dropna().unique().tolist())
        if vals:
            out[col] = sorted(vals, key=str)
    return out


# -- the reader ---------------------------------------------------------------------------
def apply_platform(df: pd.DataFrame, meta: dict, name: str, platform: str = "auto") -> tuple[pd.DataFrame, dict]:
    """Apply a platform spec to a raw table; returns the data frame and the metadata (see module docs).

    Examples
    --------
    >>> raw = pd.DataFrame({"序号": [1, 2], "提交答卷时间": ["2024/5/1 9:00:00"] * 2, "所用时间": ["125秒", "80秒"],
    ...                     "3、期望—设备": ["(跳过)", 6]})
    >>> df, meta = apply_platform(raw, {}, "wjx.csv")
    >>> meta["platform"], meta["roles"]["duration"], meta["marker_codes"]["(跳过)"]
    ('wjx', '所用时间', 'not_shown')
    """
    lay = choose_layout(df, meta, platform, name)
    codes, texts = _texts(df, lay, meta)
    data = _reinfer(df.iloc[lay.header_rows - 1:]).reset_index(drop=True) if lay.header_rows > 1 else df
    roles_of = [_role_of(c, t, lay) for c, t in zip(codes, texts)]
    new_names = [str(col) if not (lay.sub_line and r is None) else t for col, t, r in zip(df.columns, texts, roles_of)]
    names = _unique(new_names)
    if names != list(data.columns):
        data = data.set_axis(names, axis=1)
    keep = [j for j in range(len(names))
            if codes[j] or texts[j] or data.iloc[:, j].map(_cell_text).ne("").any()]   # drop trailing empty columns
    if len(keep) < len(names):
        data = data.iloc[:, keep].copy()
    headers = [parse_header(data.columns[k], codes[j] or texts[j], texts[j], lay.headers, roles_of[j])
               for k, j in enumerate(keep)]
    roles: dict = {}
    for h in headers:
        if h.role not in (None, "metadata"):
            roles.setdefault(h.role, h.column)
    out = dict(meta)
    out.update(platform=lay.platform, platform_layout=lay.id, header_lines=lay.header_rows - 1, roles=roles,
               header_table=pd.DataFrame([[getattr(h, f) for f in HEADER_COLUMNS] for h in headers],
                                         columns=HEADER_COLUMNS),
               marker_codes=dict(lay.markers), missing_values=_user_missing(data, meta),
               duration_unit=lay.duration_unit)
    return data, out


def headers_of(meta: Mapping, df: pd.DataFrame) -> list[Header]:
    """`Header` objects of a table read by `apply_platform` (plain headers for other frames)."""
    table = meta.get("header_table")
    if table is None or not len(table):
        return [parse_header(str(c), str(c), str(c), layouts()[-1].headers) for c in df.columns]
    return [Header(**{k: (None if k == "role" and pd.isna(v) else v) for k, v in row.items()})
            for row in table.to_dict("records") if row["column"] in df.columns]


def merge_metadata(into: dict, meta: Mapping) -> None:
    """Add one source's metadata to the survey's (header tables, markers and missing values merged)."""
    for key in ("marker_codes", "missing_values", "roles"):
        meta_part = meta.get(key) or {}
        into[key] = {**(into.get(key) or {}), **meta_part}
    table = meta.get("header_table")
    old = into.get("header_table")
    rest = {k: v for k, v in meta.items() if k not in ("marker_codes", "missing_values", "roles", "header_table")}
    into.update(rest)
    if table is not None:
        into["header_table"] = table if old is None else pd.concat([old, table[~table["column"].isin(old["column"])]],
                                                                   ignore_index=True)


# -- durations and IP addresses -----------------------------------------------------------
_DUR = re.compile(r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|时|h|hr|hours?)\s*)?"
                  r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分|m|min|minutes?)\s*)?"
                  r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒钟|秒|s|sec|seconds?)?\s*)?$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)\s*$")


def parse_duration(values: pd.Series) -> np.ndarray:
    """Seconds from numbers or texts like ``125秒``, ``2分5秒``, ``1小时2分``, ``00:02:05`` (NaN if unreadable).

    >>> parse_duration(pd.Series(["125秒", "2分5秒", "00:02:05", 125, "", "soon"])).tolist()
    [125.0, 125.0, 125.0, 125.0, nan, nan]
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)

    def one(v) -> float:
        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            return float(v)
        t = _cell_text(v)
        m = _CLOCK.match(t) or _DUR.match(t)
        if not t or not m or not any(m.groupdict().values()):
            return np.nan
        g = {k: float(x) if x else 0.0 for k, x in m.groupdict().items()}
        return g["h"] * 3600 + g["m"] * 60 + g["s"]

    return np.array([one(v) for v in values], dtype=np.float64)


def durations(df: pd.DataFrame, meta: Mapping) -> tuple[np.ndarray | None, str | None]:
    """Completion time in seconds per respondent and where it came from (the duration column,
    or end − start), or ``(None, None)`` when the table has neither."""
    roles = meta.get("roles") or {}
    col = roles.get("duration")
    if col in df.columns:
        return parse_duration(df[col]), col
    start, end = roles.get("start"), roles.get("end")
    if start in df.columns and end in df.columns:
        t0 = pd.to_datetime(df[start], errors="coerce", format="mixed")
        t1 = pd.to_datetime(df[end], errors="coerce", format="mixed")
        return (t1 - t0).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan), f"{end} - {start}"
    return None, None


_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:]+")


def ip_addresses(values: pd.Series) -> pd.Series:
    """The address part of IP cells (问卷星 writes ``112.10.1.2(浙江-杭州)``); blank -> None."""
    def one(v):
        t = _cell_text(v)
        m = _IP.search(t)
        return m.group(0) if m else (t or None)

    return values.map(one)


__all__ = ["PLATFORMS", "Layout", "layouts", "choose_layout", "apply_platform", "headers_of", "merge_metadata",
           "blank_markers",
           "parse_duration", "durations", "ip_addresses", "platform_names"]
