"""Dask back-end: surveys larger than memory, analysed partition by partition.

``sg.read_survey(source, ..., engine="dask")`` with a `dask.dataframe.DataFrame`,
a pandas DataFrame (cut into partitions), a Parquet file, a Parquet dataset directory or
a glob (``"/data/wave*/part-*.parquet"``) returns a `DaskSurvey`. It keeps the
Dask frame and the column mapping; nothing is read until `servgap.analyze` runs.
``engine="auto"`` (the default) picks Dask for a Dask DataFrame, a glob, or Parquet data
larger than `DASK_THRESHOLD_BYTES` on disk.

``analyze()`` then maps the *same* code as the in-memory path over the partitions: each
partition is validated by `servgap.read_survey` (scale, missing codes, non-numeric
cells) and reduced to mergeable partial statistics (`servgap.kernel`); the partials
are merged in a tree and finished by the shared code, so the tables equal the in-memory
ones (to rounding, ~1e-15 relative). Dask's own scheduler runs the graph: the local
threaded scheduler by default, or a `distributed.Client` when one is active.

Differences from the in-memory path (documented in docs/performance.md):

- errors are raised when ``analyze()`` (or ``.quality``/``.n``) computes, not when
  reading; a bad cell is reported as ``row r of partition k (index label x)`` — with a
  Dask frame made by ``from_pandas`` the index label is the original row label;
- duplicate respondent ids are detected within a partition only;
- only the wide layout and a single source are supported.
"""

from __future__ import annotations

import glob as _glob
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError, DataError
from .kernel import BLOCK_ROWS, blocked_partial, merge_partials, segment_codes
from .survey import Survey, quality_frame
from .validation import require_column, resolve_columns

#: ``engine="auto"`` uses Dask for Parquet data above this many bytes on disk (1 GiB).
DASK_THRESHOLD_BYTES = 1 << 30
ENGINES = ("auto", "pandas", "dask")


def is_dask_frame(obj) -> bool:
    """True for a ``dask.dataframe.DataFrame`` (without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(obj, "npartitions")


def _parquet_files(source) -> list[str]:
    text = str(source)
    if any(ch in text for ch in "*?["):
        return sorted(_glob.glob(text))
    p = Path(text)
    if p.is_dir():
        return sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in (".parquet", ".pq"))
    if p.suffix.lower() in (".parquet", ".pq") and p.exists():
        return [str(p)]
    return []


def _has_dask() -> bool:
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        return False
    return True


def wants_dask(source, engine: str) -> bool:
    """Whether ``read_survey`` should build a lazy `DaskSurvey` for ``source``."""
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r}; use \"auto\", \"pandas\" or \"dask\".")
    if is_dask_frame(source):
        return engine != "pandas"
    if isinstance(source, pd.DataFrame):
        return engine == "dask"
    if engine == "pandas" or not isinstance(source, (str, Path)):
        return False
    if engine == "dask":
        return True
    if any(ch in str(source) for ch in "*?["):
        return _has_dask()
    files = _parquet_files(source)
    return bool(files) and sum(Path(f).stat().st_size for f in files) > DASK_THRESHOLD_BYTES and _has_dask()


def _needed_columns(columns_of, inst, kw: dict, name: str) -> list[str]:
    """Validate the mapping against the schema (no data read) and list the columns used."""
    meta = pd.DataFrame(columns=list(columns_of))
    need: list[str] = []
    for col, what in [(kw.get("id"), "id"), (kw.get("weight"), "weight")]:
        if col is not None:
            require_column(meta, col, name, what)
            need.append(col)
    for what, cols in (("segment", kw["segments"]), ("keep", kw["keep"])):
        for c in cols:
            require_column(meta, c, name, what)
            need.append(c)
    for vp, spec in kw["columns"].items():
        need += resolve_columns(spec, inst.item_ids, "item", meta.columns, name, f"{vp!r}")
    if kw.get("importance") is not None:
        need += resolve_columns(kw["importance"], inst.dimension_ids, "dimension", meta.columns, name, "importance")
    return list(dict.fromkeys(need))


def read_dask_survey(source, inst, kw: dict[str, Any]) -> DaskSurvey:
    """Build a lazy survey over a Dask DataFrame or a Parquet dataset (see module docs)."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ImportError("engine=\"dask\" needs dask; install it with pip install 'servgap[dask]'") from None
    if kw.get("layout", "wide") != "wide":
        raise ConfigError("engine=\"dask\" reads the wide layout only; pivot the long table first "
                          "or use engine=\"pandas\".")
    segs = kw.get("segments")
    kw = dict(kw, segments=[segs] if isinstance(segs, str) else list(segs or []), keep=list(kw.get("keep") or []))
    if isinstance(source, pd.DataFrame):           # engine="dask" on a pandas frame: cut it into partitions
        source = dd.from_pandas(source, npartitions=max(1, -(-len(source) // BLOCK_ROWS)), sort=False)
        kw["name"] = kw.get("name") or source.attrs.get("name", "<DataFrame>")
    if is_dask_frame(source):
        frame, name = source, kw.get("name") or "<dask DataFrame>"
        frame = frame[_needed_columns(frame.columns, inst, kw, name)]
    else:
        files = _parquet_files(source)
        name = kw.get("name") or Path(str(source)).name
        if not files:
            raise DataError(f"file {str(source)!r}: no Parquet files found; check the path or glob.")
        schema = dd.read_parquet(files[0] if len(files) == 1 else files).columns
        frame = dd.read_parquet(files, columns=_needed_columns(schema, inst, kw, name))
    return DaskSurvey(frame, inst, kw, name)


def _relocate(msg: str, index: pd.Index, part: int) -> str:
    """Turn ``row r`` of a partition-local error into ``row r of partition k (index label x)``."""
    m = re.search(r"\brow (\d+)", msg)
    if not m:
        return f"{msg} (partition {part})"
    r = int(m.group(1)) - 1
    label = f" (index label {index[r]!r})" if 0 <= r < len(index) else ""
    return msg.replace(m.group(0), f"row {r + 1} of partition {part}{label}", 1)


def _plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Dask reads text as ``string[pyarrow]`` with ``pd.NA``; use pandas' default ``str`` like the in-memory path."""
    conv = {c: "str" for c, t in df.dtypes.items() if isinstance(t, pd.StringDtype) and t.na_value is pd.NA}
    return df.astype(conv) if conv else df


def _partition_survey(pdf: pd.DataFrame, inst, kw: dict, name: str, part: int) -> Survey | None:
    from .survey import read_survey

    if len(pdf) == 0:
        return None
    try:
        return read_survey(_plain_strings(pdf), inst, engine="pandas", **{**kw, "name": name})
    except DataError as exc:
        raise type(exc)(_relocate(str(exc), pdf.index, part)) from None


def _partition_partial(pdf, inst, kw, name, part, by, lookup, plan):
    sv = _partition_survey(pdf, inst, kw, name, part)
    if sv is None:
        return None
    return blocked_partial(sv, segment_codes(sv.segments, by, lookup), plan, read_ledger=sv.ledger)


def _partition_quality(pdf, inst, kw, name, part):
    sv = _partition_survey(pdf, inst, kw, name, part)
    if sv is None:
        return None
    led: dict = {}
    for r in sv.ledger + sv._too_few_rows():           # zero counts too: they fix the row order
        key = (r["source"], r["column"], r["issue"])
        led[key] = led.get(key, 0) + int(r["count"])
    return {("ledger", "read"): led}


def _merge2(a, b):
    return b if a is None else a if b is None else merge_partials(a, b)


def _tree(tasks: list):
    """Pairwise (tree) reduction of delayed partials, computed with the active scheduler."""
    import dask

    if not tasks:
        return None
    merge = dask.delayed(_merge2, pure=True)
    while len(tasks) > 1:
        tasks = [merge(tasks[i], tasks[i + 1]) if i + 1 < len(tasks) else tasks[i] for i in range(0, len(tasks), 2)]
    (out,) = dask.compute(tasks[0])
    return out


class DaskSurvey(Survey):
    """A survey over a Dask DataFrame, read and validated partition by partition.

    Behaves like `Survey` in `servgap.analyze` and `servgap.combine`.
    ``n``, ``quality`` and `unique_segments` compute over the partitions;
    ``data``, ``ids``, ``segments``, ``weights``, ``importance`` and ``extra`` load the
    whole survey into memory (`to_survey`), for small data only.

    Examples
    --------
    >>> import dask.dataframe as dd, servgap as sg                       # doctest: +SKIP
    >>> big = sg.read_survey("responses/", engine="dask", columns={"expected": "E{item}",
    ...                      "perceived": "P{item}"}, segments="branch")  # doctest: +SKIP
    >>> sg.analyze(big, by="branch").dimensions                          # doctest: +SKIP
    """

    def __init__(self, frame, instrument, kw: dict, source: str):
        self.frame, self.instrument, self.read_kwargs, self.source = frame, instrument, kw, source
        self.min_items = kw.get("min_items", 0.5)
        self.has_ids = kw.get("id") is not None
        self.segment_columns = list(kw["segments"])
        self.ledger: list = []
        self.metadata: dict = {}
        self._n: int | None = None
        self._memory: Survey | None = None

    @property
    def viewpoints(self) -> list[str]:
        return list(self.read_kwargs["columns"])

    @property
    def npartitions(self) -> int:
        return self.frame.npartitions

    @property
    def n(self) -> int:
        if self._n is None:
            self._n = int(len(self.frame))
        return self._n

    def _tasks(self, fn, *args):
        import dask

        f = dask.delayed(fn, pure=True)
        return [f(p, self.instrument, self.read_kwargs, self.source, i, *args)
                for i, p in enumerate(self.frame.to_delayed())]

    def unique_segments(self, by: list[str]) -> pd.DataFrame:
        """Distinct combinations of the ``by`` columns over all partitions."""
        return _plain_strings(self.frame[list(by)].drop_duplicates().compute().reset_index(drop=True))

    def dask_partial(self, seg, plan) -> dict:
        """Partial statistics of every partition, merged (called by `servgap.analyze`)."""
        return _tree(self._tasks(_partition_partial, seg.by, seg.lookup, plan)) or {}

    @property
    def quality(self) -> pd.DataFrame:
        merged = _tree(self._tasks(_partition_quality)) or {}
        return quality_frame(dict(source=s, column=c, issue=i, count=n)
                             for (s, c, i), n in merged.get(("ledger", "read"), {}).items())

    def to_survey(self) -> Survey:
        """Compute the frame and read it in memory (the in-memory `Survey`)."""
        if self._memory is None:
            from .survey import read_survey

            pdf = _plain_strings(self.frame.compute())
            self._memory = read_survey(pdf, self.instrument, engine="pandas", **{**self.read_kwargs,
                                                                                  "name": self.source})
        return self._memory

    data = property(lambda self: self.to_survey().data)
    ids = property(lambda self: self.to_survey().ids)
    segments = property(lambda self: self.to_survey().segments)
    weights = property(lambda self: self.to_survey().weights)
    importance = property(lambda self: self.to_survey().importance)
    extra = property(lambda self: self.to_survey().extra)

    def __repr__(self) -> str:
        seg = f"; segments {', '.join(self.segment_columns)}" if self.segment_columns else ""
        return (f"DaskSurvey({self.source!r}: {self.npartitions} partitions; {self.instrument.id}; "
                f"viewpoints {', '.join(self.viewpoints)}{seg}; lazy)")


__all__ = ["DaskSurvey", "read_dask_survey", "wants_dask", "is_dask_frame", "DASK_THRESHOLD_BYTES"]
