"""Dask back-end: surveys larger than memory, analysed partition by partition.

``sg.read_survey(source, ..., engine="dask")`` with a `dask.dataframe.DataFrame`,
a pandas DataFrame (cut into partitions), a Parquet file, a Parquet dataset directory or
a glob (``"/data/wave*/part-*.parquet"``) returns a `DaskSurvey`. It keeps the
Dask frame and the column mapping; nothing is read until `servgap.analyze` runs.
``engine="auto"`` (the default) picks Dask for a Dask DataFrame, a glob, or Parquet data
larger than `DASK_THRESHOLD_BYTES` on disk.

``analyze()`` then maps the *same* code as the in-memory path over the partitions: each
partition is validated by the in-memory reader (`servgap.surveys.eager`: scale, missing
codes, non-numeric cells) and handed to a function of the engine
(`DaskSurvey.map_reduce`), which reduces it to mergeable partial statistics; the
partials are merged in a tree and finished by the shared code, so the tables equal the
in-memory ones (to rounding, ~1e-15 relative). Dask's own scheduler runs the graph: the
local threaded scheduler by default, or a `distributed.Client` when one is active.

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
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError, ServgapError, short
from . import ledger as lg
from .eager import read_eager
from .options import ReadOptions
from .provenance import add_files
from .survey import BLOCK_ROWS, Survey
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


def _needed_columns(columns_of, inst, opts: ReadOptions, name: str) -> list[str]:
    """Validate the mapping against the schema (no data read) and list the columns used."""
    meta = pd.DataFrame(columns=list(columns_of))
    need: list[str] = []
    for col, what in [(opts.id, "id"), (opts.weight, "weight"), (opts.strata, "strata"), (opts.cluster, "cluster")]:
        if col is not None:
            require_column(meta, col, name, what)
            need.append(col)
    for what, cols in (("segment", opts.segments), ("keep", opts.keep)):
        for c in cols:
            require_column(meta, c, name, what)
            need.append(c)
    for vp, spec in opts.columns.items():
        need += resolve_columns(spec, inst.item_ids, "item", meta.columns, name, f"{vp!r}")
    if opts.importance is not None:
        need += resolve_columns(opts.importance, inst.dimension_ids, "dimension", meta.columns, name, "importance")
    return list(dict.fromkeys(need))


def read_dask_survey(source, inst, opts: ReadOptions) -> DaskSurvey:
    """Build a lazy survey over a Dask DataFrame or a Parquet dataset (see module docs)."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ImportError("engine=\"dask\" needs dask; install it with pip install 'servgap[dask]'") from None
    if opts.layout != "wide":
        raise ConfigError("engine=\"dask\" reads the wide layout only; pivot the long table first "
                          "or use engine=\"pandas\".")
    name = opts.name
    if isinstance(source, pd.DataFrame):           # engine="dask" on a pandas frame: cut it into partitions
        name = name or source.attrs.get("name", "<DataFrame>")
        source = dd.from_pandas(source, npartitions=max(1, -(-len(source) // BLOCK_ROWS)), sort=False)
    if is_dask_frame(source):
        name = name or "<dask DataFrame>"
        frame = source[_needed_columns(source.columns, inst, opts, name)]
    else:
        files = _parquet_files(source)
        name = name or Path(str(source)).name
        if not files:
            raise DataError(f"file {str(source)!r}: no Parquet files found; check the path or glob.")
        _check_parquet_files(files)
        schema = dd.read_parquet(files[0] if len(files) == 1 else files).columns
        frame = dd.read_parquet(files, columns=_needed_columns(schema, inst, opts, name))
    out = DaskSurvey(frame, inst, replace(opts, name=name), name)
    if not is_dask_frame(source):
        add_files(out.metadata, files)
    return out


def _check_parquet_files(files: list[str]) -> None:
    """Read every file's footer, so that a damaged partition is named now, not deep inside ``analyze``."""
    import pyarrow.parquet as pq

    for f in files:
        try:
            pq.read_metadata(f)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError ...
            raise DataError(f"file {short(Path(f).name)!r}: not a readable Parquet file ({short(exc, 160)}); it is "
                            f"damaged or truncated: write it again (full path: {short(f, 200)}).") from None


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


def _partition_survey(pdf: pd.DataFrame, inst, opts: ReadOptions, part: int) -> Survey | None:
    """One partition read and validated in memory (``None`` when it is empty)."""
    if len(pdf) == 0:
        return None
    try:
        return read_eager([_plain_strings(pdf)], inst, opts)
    except DataError as exc:
        raise type(exc)(_relocate(str(exc), pdf.index, part)) from None


def _apply(pdf, inst, opts, part, fn, args):
    sv = _partition_survey(pdf, inst, opts, part)
    return None if sv is None else fn(sv, *args)


def _partition_ledger(sv: Survey) -> dict:
    return {("ledger", "read"): lg.tally(sv.ledger + sv.scoring_ledger())}   # zero counts too: they fix the order


def _merge_ledgers(a: dict, b: dict) -> dict:
    return {k: lg.merge(a[k], b[k]) for k in a}


def _merge_either(a, b, merge):
    return b if a is None else a if b is None else merge(a, b)


def _tree(tasks: list, merge):
    """Pairwise (tree) reduction of delayed partials with ``merge``, computed with the active scheduler."""
    import dask

    if not tasks:
        return None
    both = dask.delayed(_merge_either, pure=True)
    while len(tasks) > 1:
        tasks = [both(tasks[i], tasks[i + 1], merge) if i + 1 < len(tasks) else tasks[i]
                 for i in range(0, len(tasks), 2)]
    try:
        (out,) = dask.compute(tasks[0])
    except (ServgapError, ImportError):
        raise
    except Exception as exc:  # noqa: BLE001 - a partition that cannot be read (damaged data pages ...)
        raise DataError(f"a partition of the Dask data cannot be read ({type(exc).__name__}: {short(exc, 300)}); "
                        "a file is damaged, or the partitions have different columns or types.") from None
    return out


class DaskSurvey(Survey):
    """A survey over a Dask DataFrame, read and validated partition by partition.

    Behaves like `Survey` in `servgap.analyze` and `servgap.combine`.
    ``n``, ``quality`` and `unique_segments` compute over the partitions;
    ``data``, ``ids``, ``segments``, ``weights``, ``importance`` and ``extra`` load the
    whole survey into memory (`to_survey`), for small data only.

    Examples
    --------
    >>> import pytest, warnings
    >>> dd = pytest.importorskip("dask.dataframe")
    >>> frame = dd.from_pandas(pd.read_csv(sg.example_path("customers")), npartitions=3)
    >>> big = sg.read_survey(frame, columns={"expected": "E{item}", "perceived": "P{item}"},
    ...                      segments="branch", missing=[0])
    >>> big.npartitions, big.n
    (3, 1200)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     sg.analyze(big, by="branch").dimensions.shape[0]
    30
    """

    def __init__(self, frame, instrument, opts: ReadOptions, source: str):
        self.frame, self.instrument, self.options, self.source = frame, instrument, opts, source
        self.min_items = opts.min_items
        self.has_ids = opts.id is not None
        self.segment_columns = list(opts.segments)
        self.ledger: list = []
        self.metadata: dict = {}
        self._n: int | None = None
        self._memory: Survey | None = None

    @property
    def viewpoints(self) -> list[str]:
        return list(self.options.columns)

    @property
    def npartitions(self) -> int:
        return self.frame.npartitions

    @property
    def n(self) -> int:
        if self._n is None:
            self._n = int(len(self.frame))
        return self._n

    def unique_segments(self, by: list[str]) -> pd.DataFrame:
        """Distinct combinations of the ``by`` columns over all partitions."""
        return _plain_strings(self.frame[list(by)].drop_duplicates().compute().reset_index(drop=True))

    def count_rows(self, cols: list[str]) -> pd.DataFrame:
        """Distinct combinations of ``cols`` over all partitions with their number of rows (``count``).

        Rows with an empty value are left out (reading the partition reports them).
        """
        counts = self.frame[list(cols)].dropna().groupby(list(cols), observed=True).size().compute()
        return _plain_strings(counts.rename("count").reset_index())

    def map_reduce(self, fn, merge, *args):
        """``fn(survey, *args)`` on every validated partition, merged pairwise with ``merge``.

        Returns ``None`` when every partition is empty. The engine reduces a lazy survey
        this way (`servgap.engine.partitions`); the partitions run on Dask's scheduler.
        """
        import dask

        f = dask.delayed(_apply, pure=True)
        return _tree([f(p, self.instrument, self.options, i, fn, args) for i, p in enumerate(self.frame.to_delayed())],
                     merge)

    @property
    def quality(self) -> pd.DataFrame:
        merged = self.map_reduce(_partition_ledger, _merge_ledgers) or {}
        return lg.quality_frame(merged.get(("ledger", "read"), {}))

    def to_survey(self) -> Survey:
        """Compute the frame and read it in memory (the in-memory `Survey`)."""
        if self._memory is None:
            self._memory = read_eager([_plain_strings(self.frame.compute())], self.instrument, self.options)
        return self._memory

    data = property(lambda self: self.to_survey().data)
    ids = property(lambda self: self.to_survey().ids)
    segments = property(lambda self: self.to_survey().segments)
    weights = property(lambda self: self.to_survey().weights)
    importance = property(lambda self: self.to_survey().importance)
    strata = property(lambda self: self.to_survey().strata)
    cluster = property(lambda self: self.to_survey().cluster)
    extra = property(lambda self: self.to_survey().extra)

    def __repr__(self) -> str:
        seg = f"; segments {', '.join(self.segment_columns)}" if self.segment_columns else ""
        return (f"DaskSurvey({self.source!r}: {self.npartitions} partitions; {self.instrument.id}; "
                f"viewpoints {', '.join(self.viewpoints)}{seg}; lazy)")


__all__ = ["DaskSurvey", "read_dask_survey", "wants_dask", "is_dask_frame", "DASK_THRESHOLD_BYTES"]
