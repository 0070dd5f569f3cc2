"""Dask back-end: surveys larger than memory, analysed partition by partition.

``sg.read_survey(source, ..., engine="dask")`` with a `dask.dataframe.DataFrame`,
a pandas DataFrame (cut into partitions), a Parquet file, a Parquet dataset directory or
a glob (``"/data/wave*/part-*.parquet"``) returns a `DaskSurvey`. It keeps the
Dask frame (or, for Parquet, the files cut into pieces: `servgap.surveys.pieces`; their
footers give the number of rows) and the column mapping; nothing is read until
`servgap.analyze` runs. ``engine="auto"`` (the default) picks Dask for a Dask DataFrame,
a glob, or Parquet data larger than `DASK_THRESHOLD_BYTES` on disk.

``analyze()`` then maps the *same* code as the in-memory path over the partitions: each
partition is validated by the in-memory reader (`servgap.surveys.eager`: scale, missing
codes, non-numeric cells) — integer rating columns straight to one-byte codes, without
float matrices (`servgap.surveys.integers`), with the same checks and ledger — and handed
to a function of the engine (`DaskSurvey.map_reduce`), which reduces it to mergeable
partial statistics; the partials are merged in a tree and finished by the shared code,
so the tables equal the in-memory ones (to rounding, ~1e-15 relative). Dask's own
scheduler runs the graph: the local threaded scheduler by default, or a
`distributed.Client` when one is active.

Differences from the in-memory path (documented in docs/performance.md):

- errors are raised when ``analyze()`` (or ``.quality``/``.n``) computes, not when
  reading; a bad cell is reported as ``row r of partition k (index label x)`` — with a
  Dask frame made by ``from_pandas`` the index label is the original row label — or, for
  Parquet, ``row r of partition k (file f, row R of the file)``;
- duplicate respondent ids are detected within a partition only;
- only the wide layout and a single source are supported.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError, ServgapError, short
from . import ledger as lg
from .eager import read_eager, segment_labels
from .options import ReadOptions
from .pieces import ParquetPieces, check_parquet_files, is_pattern, parquet_files
from .provenance import add_files
from .survey import BLOCK_ROWS, Survey
from .validation import require_column, resolve_columns

#: ``engine="auto"`` uses Dask for Parquet data above this many bytes on disk (1 GiB).
DASK_THRESHOLD_BYTES = 1 << 30
ENGINES = ("auto", "pandas", "dask")


def is_dask_frame(obj) -> bool:
    """True for a ``dask.dataframe.DataFrame`` (without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(obj, "npartitions")


def _has_dask() -> bool:
    """Whether dask's DataFrame package is installed (found, not imported: importing it takes half a second)."""
    from importlib.util import find_spec

    try:
        return find_spec("dask") is not None and find_spec("dask.dataframe") is not None
    except (ImportError, ValueError):
        return False


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
    if is_pattern(source):
        return _has_dask()
    files = parquet_files(source)
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
        import dask  # noqa: F401 - a Parquet dataset needs dask itself, not dask.dataframe
    except ImportError:
        raise ImportError("engine=\"dask\" needs dask; install it with pip install 'servgap[dask]'") from None
    if opts.layout != "wide":
        raise ConfigError("engine=\"dask\" reads the wide layout only; pivot the long table first "
                          "or use engine=\"pandas\".")
    name = opts.name
    if isinstance(source, pd.DataFrame):           # engine="dask" on a pandas frame: cut it into partitions
        import dask.dataframe as dd

        name = name or source.attrs.get("name", "<DataFrame>")
        source = dd.from_pandas(source, npartitions=max(1, -(-len(source) // BLOCK_ROWS)), sort=False)
    if is_dask_frame(source):
        name = name or "<dask DataFrame>"
        frame = source[_needed_columns(source.columns, inst, opts, name)]
        pieces = None
    else:
        files = parquet_files(source)
        name = name or Path(str(source)).name
        if not files:
            raise DataError(f"file {str(source)!r}: no Parquet files found; check the path or glob.")
        footers = check_parquet_files(files)
        need = _needed_columns(footers[0].schema.to_arrow_schema().names, inst, opts, name)
        pieces = ParquetPieces.of(files, footers, need, opts.segments, _rating_columns(opts, inst, need))
        frame = None                                 # a Dask DataFrame only if something asks for one
    out = DaskSurvey(frame, inst, replace(opts, name=name), name, pieces)
    if not is_dask_frame(source):
        add_files(out.metadata, files)
    return out


def _rating_columns(opts: ReadOptions, inst, need: list) -> list[str]:
    cols = set()
    for spec in opts.columns.values():
        cols |= set(resolve_columns(spec, inst.item_ids, "item", need, "", ""))
    return [c for c in need if c in cols]


def _relocate(msg: str, index: pd.Index, part: int, locate=None, files=()) -> str:
    """Turn ``row r`` of a partition-local error into ``row r of partition k (index label x)``, or for a
    piece of Parquet files (``locate(r) = (file name, row in the file)``), ``row r of partition k
    (file f, row R of the file)``."""
    m = re.search(r"\brow (\d+)", msg)
    if not m:
        names = f"; file{'s' if len(files) > 1 else ''} {', '.join(repr(short(f)) for f in files)}" if files else ""
        return f"{msg} (partition {part}{names})"
    r = int(m.group(1)) - 1
    if locate is not None:
        name, row = locate(r)
        label = f" (file {short(name)!r}, row {row + 1} of the file)"
    else:
        label = f" (index label {index[r]!r})" if 0 <= r < len(index) else ""
    return msg.replace(m.group(0), f"row {r + 1} of partition {part}{label}", 1)


def _plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Dask reads text as ``string[pyarrow]`` with ``pd.NA``; use pandas' default ``str`` like the in-memory path."""
    conv = {c: "str" for c, t in df.dtypes.items() if isinstance(t, pd.StringDtype) and t.na_value is pd.NA}
    return df.astype(conv) if conv else df


def _partition_survey(pdf: pd.DataFrame, inst, opts: ReadOptions, part: int, locate=None,
                      files=()) -> Survey | None:
    """One partition read and validated in memory (``None`` when it is empty).

    Integer rating columns are read straight to one-byte codes (`servgap.surveys.integers`),
    other columns the float way: the checks and the ledger are the same.
    """
    if len(pdf) == 0:
        return None
    try:
        return read_eager([_plain_strings(pdf)], inst, opts, coded=True)
    except DataError as exc:
        raise type(exc)(_relocate(str(exc), pdf.index, part, locate, files)) from None


def _shared(*objs):
    """One graph node holding what every task needs (instrument, options, plan ...): Dask neither walks
    nor hashes it per task, and a distributed worker receives it once."""
    import dask

    return dask.delayed(objs, traverse=False)


def _apply(pdf, shared, part):
    inst, opts, fn, args = shared
    sv = _partition_survey(pdf, inst, opts, part)
    return None if sv is None else fn(sv, *args)


def _apply_piece(shared, k: int):
    pieces, inst, opts, fn, args = shared
    sv = _partition_survey(pieces.read(k), inst, opts, k, partial(pieces.locate, k), pieces.names(k))
    return None if sv is None else fn(sv, *args)


def _piece_segments(shared, k: int) -> pd.DataFrame:
    """The distinct ``by`` rows of piece ``k`` as the partition's reader will see them (`_as_read`)."""
    pieces, by = shared
    return _as_read(pieces.distinct(k, by), by)


def _as_read(d: pd.DataFrame, by: list) -> pd.DataFrame:
    """Distinct segment rows as plain values (categoricals as their categories' type), normalised as the
    reader normalises them (text stripped, "no value" text missing: `servgap.surveys.eager`), so that
    the table of segments holds the values the partitions are coded with. A value the reader refuses
    is kept: the partition's reader reports it with its row."""
    d = _plain_strings(d.astype({c: d[c].cat.categories.dtype for c in by
                                 if isinstance(d[c].dtype, pd.CategoricalDtype)}).reset_index(drop=True))
    for c in by:
        try:
            d[c] = segment_labels(d[c], c, "", [], 0)
        except DataError:
            pass
    return d.drop_duplicates(ignore_index=True)       # 'A' and 'A ' are one segment once normalised


def _concat_distinct(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([a, b], ignore_index=True).drop_duplicates()


def _partition_ledger(sv: Survey) -> dict:
    return {("ledger", "read"): lg.tally(sv.ledger + sv.scoring_ledger())}   # zero counts too: they fix the order


def _merge_ledgers(a: dict, b: dict) -> dict:
    return {k: lg.merge(a[k], b[k]) for k in a}


def _merge_either(a, b, merge):
    return b if a is None else a if b is None else merge(a, b)


def _scheduler() -> dict:
    """Dask's default scheduler without importing ``distributed`` to look for a client: none can be
    active while it is not imported (its import alone costs a sixth of a second)."""
    import dask

    if dask.config.get("scheduler", None) is None and "distributed" not in sys.modules:
        import dask.threaded

        return {"scheduler": dask.threaded.get}      # a function: dask looks for no client
    return {}


def _tree(tasks: list, merge):
    """Pairwise (tree) reduction of delayed partials with ``merge``, computed with the active scheduler."""
    import dask

    if not tasks:
        return None
    both = dask.delayed(_merge_either, pure=False)
    while len(tasks) > 1:
        tasks = [both(tasks[i], tasks[i + 1], merge) if i + 1 < len(tasks) else tasks[i]
                 for i in range(0, len(tasks), 2)]
    try:
        (out,) = dask.compute(tasks[0], **_scheduler())
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

    def __init__(self, frame, instrument, opts: ReadOptions, source: str, pieces: ParquetPieces | None = None):
        self._frame, self.pieces, self.instrument, self.options, self.source = frame, pieces, instrument, opts, source
        self.min_items = opts.min_items
        self.has_ids = opts.id is not None
        self.segment_columns = list(opts.segments)
        self.ledger: list = []
        self.metadata: dict = {}
        self._n: int | None = None
        self._memory: Survey | None = None

    @property
    def frame(self):
        """The Dask DataFrame of the used columns (of a Parquet dataset: made when first asked for)."""
        if self._frame is None:
            import dask.dataframe as dd

            self._frame = dd.read_parquet(list(self.pieces.files), columns=list(self.pieces.columns))
        return self._frame

    @property
    def viewpoints(self) -> list[str]:
        return list(self.options.columns)

    @property
    def npartitions(self) -> int:
        return len(self.pieces) if self.pieces is not None else self.frame.npartitions

    @property
    def n(self) -> int:
        if self._n is None:
            self._n = self.pieces.rows if self.pieces is not None else int(len(self.frame))
        return self._n

    def unique_segments(self, by: list[str]) -> pd.DataFrame:
        """Distinct combinations of the ``by`` columns over all partitions."""
        if self.pieces is None:
            return _as_read(self.frame[list(by)].drop_duplicates().compute(), list(by)).drop_duplicates()
        import dask

        f, shared = dask.delayed(_piece_segments, pure=False), _shared(self.pieces, list(by))
        out = _tree([f(shared, k) for k in range(len(self.pieces))], _concat_distinct)
        return (out if out is not None else pd.DataFrame(columns=list(by))).reset_index(drop=True)

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

        if self.pieces is not None:
            f, shared = dask.delayed(_apply_piece, pure=False), _shared(self.pieces, self.instrument, self.options, fn,
                                                                         args)
            return _tree([f(shared, k) for k in range(len(self.pieces))], merge)
        f, shared = dask.delayed(_apply, pure=False), _shared(self.instrument, self.options, fn, args)
        return _tree([f(p, shared, i) for i, p in enumerate(self.frame.to_delayed())], merge)

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
