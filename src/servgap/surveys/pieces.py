"""A Parquet dataset cut into pieces that are read one by one with pyarrow (the Dask back-end's partitions).

A piece is a run of row groups of one file or of consecutive files with the same column
types, about `PIECE_ROWS` rows (more only when one row group is larger): large enough
that the map step's fixed costs per block and the merges are small beside the rows, small
enough to bound a task's memory. A piece is read with only the columns the survey uses,
as a pandas frame without per-row Python objects:

- string segment columns are read as dictionaries and become pandas categoricals (the
  reader validates and codes each distinct value once);
- integer rating columns with empty cells become nullable integer columns (instead of
  floats), so they can still be read as one-byte codes (`servgap.surveys.integers`);
- everything else is converted as ``pyarrow.Table.to_pandas`` converts it, block by
  column (no consolidation copy).

The row counts come from the files' footers, so the number of respondents is known
without reading any data.
"""

from __future__ import annotations

import glob as _glob
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError, short

#: File suffixes taken for Parquet (a directory's Parquet files, a glob for the Dask back-end).
PARQUET_SUFFIXES = (".parquet", ".pq")

#: Rows of a piece (several row groups or files are read together up to this many).
PIECE_ROWS = 1 << 19


def _types(md, columns) -> tuple:
    schema = md.schema.to_arrow_schema()
    return tuple((c, str(schema.field(c).type)) for c in columns if c in schema.names)


def _text(md, columns) -> tuple:
    import pyarrow as pa

    schema = md.schema.to_arrow_schema()
    return tuple(c for c in columns if c in schema.names and (pa.types.is_string(schema.field(c).type)
                                                              or pa.types.is_large_string(schema.field(c).type)))


@dataclass(frozen=True)
class ParquetPieces:
    """The pieces of Parquet ``files``; a piece is a tuple of parts ``(file index, row groups, first row
    in the file, rows)``.

    ``columns`` are read; ``dictionary[f]`` (the string segment columns of file ``f``) as
    categoricals; integer columns of ``nullable`` with empty cells as nullable integers.
    """

    files: tuple
    pieces: tuple
    columns: tuple
    dictionary: tuple = ()
    nullable: tuple = ()

    @classmethod
    def of(cls, files: list, metadata: list, columns: list, segments=(), ratings=()) -> "ParquetPieces":
        """Cut ``files`` (with their ``pyarrow`` footers ``metadata``) into pieces."""
        pieces, cur, rows, key = [], [], 0, None
        for f, md in enumerate(metadata):
            fkey, first = _types(md, columns), 0
            for i in range(md.num_row_groups):
                r = md.row_group(i).num_rows
                if not r:
                    continue
                if cur and (rows + r > PIECE_ROWS or fkey != key):
                    pieces.append(tuple(cur))
                    cur, rows = [], 0
                key = fkey
                if cur and cur[-1][0] == f:
                    g, groups, start, n = cur[-1]
                    cur[-1] = (g, groups + (i,), start, n + r)
                else:
                    cur.append((f, (i,), first, r))
                rows, first = rows + r, first + r
        if cur:
            pieces.append(tuple(cur))
        return cls(tuple(files), tuple(pieces), tuple(columns), tuple(_text(md, segments) for md in metadata),
                   tuple(ratings))

    @property
    def rows(self) -> int:
        return sum(part[3] for piece in self.pieces for part in piece)

    def __len__(self) -> int:
        return len(self.pieces)

    def names(self, k: int) -> list[str]:
        """The names of the files piece ``k`` reads."""
        return [Path(self.files[part[0]]).name for part in self.pieces[k]]

    def locate(self, k: int, r: int) -> tuple[str, int]:
        """``(file name, row in that file)`` of row ``r`` of piece ``k`` (both counted from 0)."""
        for f, _, first, n in self.pieces[k]:
            if r < n:
                return Path(self.files[f]).name, first + r
            r -= n
        raise IndexError(r)

    def table(self, k: int, columns=None):
        """Piece ``k`` as a ``pyarrow.Table`` (all of `columns`, or the ``columns`` given)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = list(self.columns if columns is None else columns)
        tables = []
        for f, groups, _, _ in self.pieces[k]:
            pf = pq.ParquetFile(self.files[f], read_dictionary=[c for c in self.dictionary[f] if c in cols])
            tables.append(pf.read_row_groups(list(groups), columns=cols, use_threads=True))
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)

    def distinct(self, k: int, columns: list) -> pd.DataFrame:
        """The distinct rows of ``columns`` in piece ``k`` (one column: by ``pyarrow.compute.unique``
        on its dictionary codes; dictionary columns come back as their values)."""
        table = self.table(k, columns)
        if len(columns) > 1:
            return table.to_pandas().drop_duplicates()
        import pyarrow as pa

        col = table.column(0)
        if pa.types.is_dictionary(col.type):
            col = table.unify_dictionaries().column(0)
        u = col.unique()
        if pa.types.is_dictionary(u.type):
            u = u.dictionary_decode()
        return pd.DataFrame({columns[0]: u.to_pandas()})

    def read(self, k: int, columns=None) -> pd.DataFrame:
        """Piece ``k`` as a pandas frame (all of `columns`, or the ``columns`` given)."""
        cols = list(self.columns if columns is None else columns)
        table = self.table(k, cols)
        df = table.to_pandas(split_blocks=True)
        for c in self.nullable:
            col = table.column(c) if c in cols else None
            if col is not None and col.null_count and _integer(col.type):
                df[c] = _nullable(col.type).__from_arrow__(col)      # not floats: still integers
        return df


def is_pattern(source) -> bool:
    """Whether ``source`` is a glob pattern: a path with ``*``, ``?`` or ``[`` that is not an existing file."""
    return isinstance(source, (str, Path)) and any(ch in str(source) for ch in "*?[") and not Path(source).exists()


def parquet_files(source) -> list[str]:
    """The Parquet files of a file, a dataset directory (searched recursively) or a glob, sorted."""
    text = str(source)
    if is_pattern(source):
        return sorted(_glob.glob(text))
    p = Path(text)
    if p.is_dir():
        return sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in PARQUET_SUFFIXES)
    if p.suffix.lower() in PARQUET_SUFFIXES and p.exists():
        return [str(p)]
    return []


def check_parquet_files(files: list[str]) -> list:
    """Read every file's footer, so that a damaged partition is named now, not deep inside ``analyze``."""
    import pyarrow.parquet as pq

    out = []
    for f in files:
        try:
            out.append(pq.read_metadata(f))
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError ...
            raise DataError(f"file {short(Path(f).name)!r}: not a readable Parquet file ({short(exc, 160)}); it is "
                            f"damaged or truncated: write it again (full path: {short(f, 200)}).") from None
    return out


def _integer(t) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(t)


def _nullable(t):
    """pandas' nullable integer dtype of an arrow integer type (``int8`` -> ``Int8`` ...)."""
    return pd.api.types.pandas_dtype(str(t).capitalize().replace("Uint", "UInt"))


__all__ = ["ParquetPieces", "PIECE_ROWS", "PARQUET_SUFFIXES", "is_pattern", "parquet_files", "check_parquet_files"]
