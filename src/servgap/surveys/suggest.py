"""Finding the rating columns of an export: `suggest_columns` and `Suggestion`.

From the headers alone (`servgap.surveys.headers`), each question column gets a viewpoint
and an item, with a confidence in [0, 1] and a reason:

- **position**: a block of columns (one matrix question, one question stem) with one
  viewpoint marker and exactly as many columns as the instrument has items is mapped in
  order; the item wording, when present, confirms it (or lowers the confidence when it
  points to another item);
- **codes**: ``E12``, ``P_3``, ``q7_e`` name viewpoint and item;
- **wording**: otherwise the sub-question is matched to the item wording (en and zh,
  fuzzy) and the viewpoint comes from the markers of the column or its question
  (期望/期待/应该, 感知/实际/实际感受, expectation/should, perception/actual/experience,
  기대/인지 …).

Two unmarked blocks of the right size are taken as expectations then perceptions only at
confidence 0.5, which `read_survey` refuses: a wrong guess would flip the sign of every gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from ..display import num
from ..model.instruments import SERVQUAL22, as_instrument
from .headers import Header, WordingMatcher, norm, spec, squash
from .placing import assign, features, importance_columns, item_texts, resolve

#: Lowest confidence `read_survey` accepts for a suggested column.
MIN_CONFIDENCE = 0.6
TABLE_COLUMNS = ["column", "viewpoint", "item", "confidence", "reason"]


@dataclass
class Suggestion:
    """A proposed column mapping (see `suggest_columns`).

    Attributes
    ----------
    columns : dict
        ``{viewpoint: {item_id: column}}`` for the viewpoints found complete; accepted by
        ``read_survey(columns=...)`` as is.
    table : pandas.DataFrame
        One row per question column (and per item no column was found for): ``column``,
        ``viewpoint``, ``item``, ``confidence`` (0–1) and ``reason``.
    unmatched : list of str
        Question columns that were not placed.
    platform : str
        The platform the export was read as.
    id : str or None
        The respondent-id column: the platform's (``序号``, ``ResponseId`` …), else a column
        named like one (``resp_id``, ``客户编号`` …) whose values are unique; ``None`` if none.
    segments : list of str
        Columns that look like segments (branch, region …), for ``segments=``.
    importance : dict or None
        ``{dimension: column}`` when an importance allocation over the dimensions was found.
    missing : dict
        ``{code: cells}``: whole numbers outside the instrument's scale found in the rating
        columns of `columns` (``0``, ``9``, ``99`` … typically "no answer" codes), for
        ``missing=`` once checked; empty when there are none (or no data was read).
    """

    columns: dict
    table: pd.DataFrame
    unmatched: list
    platform: str = "plain"
    id: str | None = None
    segments: list = field(default_factory=list)
    importance: dict | None = None
    source: str = "<table>"
    item_ids: list = field(default_factory=list)
    missing: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def confidence(self) -> float:
        """The lowest confidence of the columns in `columns` (0 when a viewpoint is incomplete or none is found)."""
        used = mapped_columns(self.columns)
        rows = self.table[self.table["column"].isin(used)]
        if not self.columns or len(rows) == 0 or any(len(m) < self.n_items for m in self.columns.values()):
            return 0.0
        return float(rows["confidence"].min())

    @property
    def ok(self) -> bool:
        """Whether `read_survey` may use the mapping without asking (confidence at least `MIN_CONFIDENCE`)."""
        return self.confidence >= MIN_CONFIDENCE

    def describe(self, limit: int = 30) -> str:
        """The suggestion table as text (the first ``limit`` rows that need a look first)."""
        t = self.table.copy()
        t["confidence"] = t["confidence"].map(lambda v: num(v, 2))
        t = t.fillna("")
        low = t.index[self.table["confidence"].fillna(0) < MIN_CONFIDENCE]
        order = list(low) + [i for i in t.index if i not in set(low)]
        shown = t.loc[order[:limit]]
        more = f"\n… {len(t) - limit} more rows in .table" if len(t) > limit else ""
        return shown.to_string(index=False) + more

    def __repr__(self) -> str:
        vps = "; ".join(f"{vp} {len(m)}/{self.n_items}" for vp, m in self.columns.items()) or "no viewpoint found"
        return (f"Suggestion({self.source!r}: {self.platform}; {vps}; lowest confidence "
                f"{num(self.confidence, 2)}; {len(self.unmatched)} question columns unmatched)")

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.table.to_html(index=False, na_rep="")


def mapped_columns(columns: Mapping) -> set:
    """The columns a ``{viewpoint: {item: column}}`` mapping uses."""
    return {c for m in columns.values() for c in m.values()}


def _segments(headers: list[Header], df: pd.DataFrame | None, used: set) -> list[str]:
    words = [norm(w) for w in spec()["segment_words"]]
    out = []
    for h in headers:
        if h.column in used or h.role is not None or not any(w in norm(h.text) for w in words):
            continue
        if df is not None and h.column in df.columns:
            n = df[h.column].nunique(dropna=True)
            if not 1 <= n <= 200:
                continue
        out.append(h.column)
    return out


def _id_column(headers: list[Header], df: pd.DataFrame | None, used: set) -> str | None:
    """The first column named like a respondent id (``id_words``) whose values are all present and unique."""
    words = {squash(w) for w in spec()["id_words"]}
    for h in headers:
        if h.column in used or h.role not in (None, "metadata") or squash(h.text) not in words:
            continue
        if df is None or h.column not in df.columns:
            return h.column
        col = df[h.column]
        if len(col) and col.notna().all() and col.is_unique:
            return h.column
    return None


def _missing_codes(df: pd.DataFrame | None, columns: dict, inst, meta: Mapping) -> dict:
    """``{code: cells}`` of the whole numbers outside ``[scale_min, scale_max]`` in the mapped rating
    columns, leaving out what the reader blanks anyway (the platform's markers, SPSS user-missing values)."""
    if df is None:
        return {}
    markers = {str(m) for m in (meta.get("marker_codes") or {})}
    user = meta.get("missing_values") or {}
    counts: dict = {}
    for col in mapped_columns(columns) & set(df.columns):
        v = pd.to_numeric(df[col], errors="coerce")
        out = v[((v < inst.scale_min) | (v > inst.scale_max)) & ~v.isin(list(user.get(col, ())))]
        for code, k in out[out == out.round()].value_counts().items():
            if str(int(code)) not in markers:
                counts[int(code)] = counts.get(int(code), 0) + int(k)
    return dict(sorted(counts.items()))


def suggest(headers: list[Header], inst, *, df: pd.DataFrame | None = None, exclude=(), platform: str = "plain",
            id: str | None = None, source: str = "<table>") -> Suggestion:
    """Propose ``{viewpoint: {item: column}}`` from parsed headers (see the module docstring)."""
    texts = item_texts(inst)
    matcher = WordingMatcher(texts)
    skip = set(exclude)
    cands = [features(h, inst, matcher, texts) for h in headers if h.is_question and h.column not in skip]
    imp = importance_columns(cands, inst)
    imp_cols = set((imp or {}).values())
    rows = assign([c for c in cands if c.h.column not in imp_cols], inst)
    columns, rows = resolve(rows, inst)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["confidence"] = table["confidence"].astype(float)
    pos = {h.column: k for k, h in enumerate(headers)}
    table["_k"] = table["column"].map(pos).fillna(len(pos)).to_numpy()
    table = table.sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)
    used = mapped_columns(columns) | imp_cols
    unmatched = [c.h.column for c in cands if c.h.column not in used]
    return Suggestion(columns=columns, table=table, unmatched=unmatched, platform=platform, id=id,
                      segments=_segments(headers, df, used | skip), importance=imp, source=source,
                      item_ids=list(inst.item_ids))


def suggest_columns(source, instrument=SERVQUAL22, *, encoding: str | None = None, platform: str = "auto",
                    sheet=0) -> Suggestion:
    """Propose the column mapping of a survey export from its headers.

    Parameters
    ----------
    source : path or DataFrame
        A survey export (CSV, Excel, SPSS …) or a DataFrame.
    instrument : Instrument, dict or YAML path
        Whose items to look for (default `servgap.SERVQUAL22`).
    encoding, sheet : as in `servgap.read_survey`.
    platform : str
        ``"auto"`` (detect) or one of ``wjx``, ``tencent``, ``qualtrics``, ``surveymonkey``,
        ``limesurvey``, ``google_forms``, ``spss``, ``plain``.

    Returns
    -------
    Suggestion
        ``.columns`` (for ``read_survey(columns=...)``), ``.table`` (column, viewpoint, item,
        confidence, reason), ``.unmatched``, ``.id``, ``.segments``.

    Examples
    --------
    >>> import pandas as pd, servgap as sg
    >>> df = pd.DataFrame({f"{v}{i}": [4, 5] for v in "EP" for i in sg.SERVQUAL22.item_ids})
    >>> s = sg.suggest_columns(df)
    >>> s.columns["perceived"]["12"], s.ok
    ('P12', True)
    """
    from .io import read_table
    from .platforms import apply_platform, headers_of

    inst = as_instrument(instrument)
    df, name, meta = read_table(source, encoding=encoding, sheet=sheet)
    df, meta = apply_platform(df, meta, name, platform)
    headers = headers_of(meta, df)
    sugg = suggest(headers, inst, df=df, platform=meta["platform"], id=meta["roles"].get("id"), source=name)
    taken = mapped_columns(sugg.columns) | set(sugg.segments)
    return replace(sugg, id=sugg.id or _id_column(headers, df, taken | set((sugg.importance or {}).values())),
                   missing=_missing_codes(df, sugg.columns, inst, meta))


def refusal(sugg: Suggestion, fname: str) -> str:
    """The message `read_survey` raises when a suggestion is not confident enough."""
    found = ", ".join(f"{vp} ({len(m)} of {sugg.n_items} items)" for vp, m in sugg.columns.items()) or "no viewpoint"
    return (f"file {fname!r}: without columns=, servgap looked for the rating columns in the headers "
            f"(read as {sugg.platform}) and found {found}, with lowest confidence {num(sugg.confidence, 2)} "
            f"(at least {MIN_CONFIDENCE} is needed). Check the proposal below, then pass it as columns= "
            f"(sg.suggest_columns(file).columns, edited), use patterns such as "
            f"columns={{\"expected\": \"3、*\", \"perceived\": \"4、*\"}}, or run `servgap init --from FILE` "
            f"and edit the YAML it writes.\n{sugg.describe()}")


__all__ = ["Suggestion", "suggest", "suggest_columns", "MIN_CONFIDENCE", "refusal"]
