"""`read_survey`: check the arguments, then read in memory (`servgap.surveys.eager`) or
lazily, partition by partition (`servgap.surveys.lazy`)."""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import ConfigError, DataError, short
from ..model.instruments import SERVQUAL22, as_instrument
from .eager import id_like_text, read_eager
from .lazy import read_dask_survey, wants_dask
from .options import ReadOptions
from .pieces import PARQUET_SUFFIXES, is_pattern
from .survey import Survey, stack


def read_survey(source, instrument=SERVQUAL22, *, columns: Mapping[str, Any] | None = None,
                id: str | None = None, segments: str | Sequence[str] | None = None,
                weight: str | None = None, strata: str | None = None, cluster: str | None = None,
                importance=None, missing=None,
                out_of_range: str = "error", min_items: float = 0.5, keep: Sequence[str] | None = None,
                layout: str = "wide", long_columns: Mapping[str, str] | None = None,
                encoding: str | None = None, sheet=0, name: str | None = None, engine: str = "auto",
                platform: str = "auto", scale_labels="auto", screen=None, sep: str | None = None,
                decimal: str | None = None) -> Survey:
    """Read and validate survey data.

    Parameters
    ----------
    source : path, glob, DataFrame, or list of them
        CSV/Excel/Parquet/SPSS file or DataFrame. Several sources (e.g. expectations and
        perceptions in two files) are joined on ``id``; ids found in only some of them
        are counted as ``unmatched_id``. A glob (``"waves/*.csv"``) stacks the rows of
        every file it matches into one survey with a segment ``file`` (each file's path
        below their common folder; ids become ``"file:id"``, each file its own source in
        the ledger); a glob of Parquet files goes to the Dask back-end (``engine``).
    instrument : Instrument, dict or YAML path
        Default `servgap.SERVQUAL22`.
    columns : dict, optional
        ``viewpoint -> pattern`` with ``{item}`` (``{"expected": "E{item}"}``) or
        ``viewpoint -> {item_id: column}``. A pattern may also be a regular expression with an
        ``(?P<item>…)`` group, or a template with ``*`` wildcards, matched against the full
        header text (``r"(?P<item>\\d+)、.*—期望"``; ``"3、*"`` takes the columns of question 3
        by position or wording). Left out: the mapping `servgap.suggest_columns` proposes
        from the headers, refused (with its table) when not confident; the mapping used is
        in ``Survey.metadata["columns"]``. With ``layout="long"``: ``viewpoint -> code``
        used in the long table's viewpoint column.
    id, weight : str
        Respondent-id and survey-weight columns.
    segments : str or list of str
        Columns to split the analysis by (branch, customer segment, wave ...).
    strata, cluster : str
        The sampling design, for design-based variances (``analyze(variance="design")``):
        the stratum column and the cluster (primary sampling unit) column. PSUs are
        identified within strata. Without ``cluster`` every respondent is its own PSU;
        without ``strata`` the design has one stratum. Every respondent needs both labels.
    importance : str or dict
        Importance allocation per dimension: pattern with ``{dimension}`` or mapping.
    missing : value or list
        Codes meaning "no answer" (e.g. ``[0, 9, -99, "NA"]``), in rating columns only.
    out_of_range : {"error", "missing"}
        Values outside the scale raise `DataError` (default) or become missing.
    min_items : float
        Default share of a dimension's items that must be answered (0.5).
    keep : list of str
        Further columns to carry along (e.g. an overall satisfaction rating).
    layout : {"wide", "long"}
        ``long``: one row per (respondent, item, viewpoint); name the columns with
        ``long_columns={"id": ..., "item": ..., "viewpoint": ..., "value": ...}``.
    encoding : str, optional
        Text-file encoding (e.g. ``"gbk"``); default: the byte-order mark's, else UTF-8.
        ``"auto"`` detects it (charset-normalizer) and says which it chose. See
        docs/data.md for what is recognised (gzip, BOMs, binary files under a text name).
    sheet : str, int, list or None
        Workbook sheet(s): a name or 0-based position (default the first), a list of them,
        or ``None`` for every sheet; several sheets are joined on ``id`` like several files.
    sep, decimal : str, optional
        Field separator and decimal mark of a text file; detected when not given (``;``
        with ``5,5`` decimal commas is recognised). ``decimal=","`` also reads text cells
        such as ``"5,5"`` of a DataFrame or workbook.
    name : str
        The source name used in messages and the quality ledger (default: the file name).
    platform : str
        The export format: ``"auto"`` (default: detected from the header; the name goes in
        ``Survey.metadata["platform"]``), ``"wjx"`` (问卷星), ``"tencent"`` (腾讯问卷),
        ``"qualtrics"``, ``"surveymonkey"``, ``"limesurvey"``, ``"google_forms"``, ``"spss"``
        or ``"plain"``. See docs/platforms.md.
    scale_labels : "auto", str or dict
        Text answers: ``"auto"`` (a built-in zh/en 5- or 7-point label set matching the
        instrument's scale), a built-in set id (``"zh_agree_7"``) or ``{label: rating}``.
    screen : dict or bool, optional
        Respondent screening, flag only unless ``exclude=True``: ``{"speeders": True}``
        (or ``{"fraction": 1/3, "column": ...}``), ``"straightliners"``, ``"duplicates"``
        (``{"ip": ..., "id": ...}``), ``"attention": {"column": "trap", "pass": 4}``,
        ``"exclude": False``. Flags go to `Survey.screened`, counts to `Survey.quality`.
        See `servgap.surveys.screening`.
    engine : {"auto", "pandas", "dask"}
        ``"dask"`` (extra ``dask``): a lazy `servgap.surveys.lazy.DaskSurvey` over a
        ``dask.dataframe.DataFrame`` (or a pandas one), a Parquet dataset directory or a
        glob of Parquet files, validated and analysed partition by partition. ``"auto"``
        picks Dask for a Dask DataFrame, a glob of Parquet files, or Parquet data above
        ``servgap.surveys.lazy.DASK_THRESHOLD_BYTES`` (1 GiB) on disk; ``"pandas"`` reads
        everything in memory.

    Returns
    -------
    Survey

    Examples
    --------
    >>> import servgap as sg
    >>> cust = sg.read_survey(sg.example_path("customers"),
    ...                       columns={"expected": "E{item}", "perceived": "P{item}"},
    ...                       id="resp_id", segments="branch", importance="W_{dimension}", missing=[0])
    >>> cust.n, cust.viewpoints
    (1200, ['expected', 'perceived'])
    """
    inst = as_instrument(instrument)
    opts = ReadOptions.of(columns=columns, id=id, segments=segments, weight=weight, strata=strata, cluster=cluster,
                          importance=importance, missing=missing, out_of_range=out_of_range, min_items=min_items,
                          keep=keep, layout=layout, long_columns=long_columns, encoding=encoding, sheet=sheet,
                          name=name, platform=platform, scale_labels=scale_labels, screen=screen, sep=sep,
                          decimal=decimal)
    if isinstance(source, (list, tuple)):
        if engine not in ("auto", "pandas"):
            raise ConfigError(f"engine={engine!r} reads one source; join several files first or use engine=\"pandas\".")
        return read_eager(list(source), inst, opts)
    files = glob_matches(source)
    if files is not None and not (files and all(Path(f).suffix.lower() in PARQUET_SUFFIXES for f in files)
                                  and wants_dask(source, engine)):
        return _read_stacked(source, files, inst, opts, engine)
    if wants_dask(source, engine):
        if opts.columns is None or opts.screen or opts.platform not in ("auto", "plain"):
            raise ConfigError("engine=\"dask\" reads plain tables with columns= given and no screen=; find the "
                              "columns with sg.suggest_columns() on one partition and screen in memory.")
        return read_dask_survey(source, inst, replace(opts, platform="plain"))
    return read_eager([source], inst, opts)


def glob_matches(source) -> list[str] | None:
    """The files a glob pattern matches (sorted), or ``None`` when ``source`` is no pattern (or an existing path)."""
    if not is_pattern(source):
        return None
    return sorted(f for f in _glob.glob(str(source), recursive=True) if Path(f).is_file())


def _segments_as_text(parts: list, col: str) -> None:
    """A segment column that is numbers in some files and text in others becomes text in all of them, as
    within one file (``1`` and ``"1"`` are one segment ``"1"``), each rewritten cell counted as
    ``segment_normalised`` in its file's ledger."""
    numeric = [pd.api.types.is_numeric_dtype(p.segments[col]) and not pd.api.types.is_bool_dtype(p.segments[col])
               for p in parts]
    if all(numeric) or not any(numeric):
        return
    for p, num in zip(parts, numeric):
        if num:
            s = p.segments[col]
            p.segments[col] = s.astype(object).map(lambda v: v if pd.isna(v) else id_like_text(v))
            p.ledger.append(dict(source=str(p.source), column=col, issue="segment_normalised",
                                 count=int(s.notna().sum())))


def _read_stacked(pattern, files: list[str], inst, opts: ReadOptions, engine: str) -> Survey:
    """Every file of a glob read in memory as one survey of stacked rows, with a segment ``file`` (the
    path below the files' common folder); Dask takes only Parquet files."""
    if not files:
        raise DataError(f"no file matches {short(str(pattern), 200)!r}; check the folder and the pattern "
                        "(e.g. \"waves/*.csv\").")
    if engine == "dask":
        other = next(f for f in files if Path(f).suffix.lower() not in PARQUET_SUFFIXES)
        raise ConfigError(f"engine=\"dask\" reads Parquet files, and {short(Path(other).name)!r} is not one: "
                          "use engine=\"pandas\" (each file read in memory, rows stacked), or write the files "
                          "as Parquet (df.to_parquet) for out-of-core analysis.")
    top = os.path.commonpath([str(Path(f).resolve().parent) for f in files])
    labels = [Path(os.path.relpath(Path(f).resolve(), top)).as_posix() for f in files]
    parts = [read_eager([f], inst, replace(opts, name=None)) for f in files]   # the ledger names each file
    for c in opts.segments:
        _segments_as_text(parts, c)
    out = stack(parts, labels, column="file")
    if opts.name:
        out.source = opts.name
    return out
