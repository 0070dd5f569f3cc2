"""A Parquet dataset cut into pieces that are read one by one with pyarrow (the Dask back-end's partitions).

Each piece is a run of row groups of one file, at most `PIECE_ROWS` rows unless one row
group is larger (so a file of one row group is one piece). A piece is read with only
the columns the survey uses, as a pandas frame without per-row Python objects:

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

#: Largest piece (rows) made of several row groups.
PIECE_ROWS = 1 << 20


@dataclass(frozen=True)
class ParquetPieces:
    """The pieces of Parquet ``files``: ``(file index, row groups, first row in the file, rows)`` each.

    ``columns`` are read; ``dictionary`` (string segment columns) as categoricals; integer
    columns of ``nullable`` with empty cells as nullable integers.
    """

    files: tuple
    pieces: tuple
    columns: tuple
    dictionary: tuple = ()
    nullable: tuple = ()

    @classmethod
    def of(cls, files: list, metadata: list, columns: list, segments=(), ratings=()) -> "ParquetPieces":
        """Cut ``files`` (with their ``pyarrow`` footers ``metadata``) into pieces."""
        import pyarrow as pa

        pieces = []
        for k, md in enumerate(metadata):
            groups, first, rows = [], 0, 0
            for i in range(md.num_row_groups):
                r = md.row_group(i).num_rows
                if groups and rows + r > PIECE_ROWS:
                    pieces.append((k, tuple(groups), first, rows))
                    groups, first, rows = [], first + rows, 0
                groups.append(i)
                rows += r
            if groups and rows:
                pieces.append((k, tuple(groups), first, rows))
        schema = metadata[0].schema.to_arrow_schema() if metadata else pa.schema([])
        types = {f.name: f.type for f in schema}
        text = [c for c in segments if c in types and (pa.types.is_string(types[c]) or pa.types.is_large_string(types[c]))]
        return cls(tuple(files), tuple(pieces), tuple(columns), tuple(text), tuple(c for c in ratings if c in types))

    @property
    def rows(self) -> int:
        return sum(p[3] for p in self.pieces)

    def __len__(self) -> int:
        return len(self.pieces)

    def label(self, k: int) -> tuple[str, int]:
        """``(file name, first row of piece k in that file)``."""
        f, _, first, _ = self.pieces[k]
        return Path(self.files[f]).name, first

    def table(self, k: int, columns=None):
        """Piece ``k`` as a ``pyarrow.Table`` (all of `columns`, or the ``columns`` given)."""
        import pyarrow.parquet as pq

        f, groups, _, _ = self.pieces[k]
        cols = list(self.columns if columns is None else columns)
        pf = pq.ParquetFile(self.files[f], read_dictionary=[c for c in self.dictionary if c in cols])
        return pf.read_row_groups(list(groups), columns=cols, use_threads=False)

    def distinct(self, k: int, columns: list) -> pd.DataFrame:
        """The distinct rows of ``columns`` in piece ``k`` (one column: by ``pyarrow.compute.unique``
        on its dictionary codes; dictionary columns come back as their values)."""
        table = self.table(k, columns)
        if len(columns) > 1:
            return table.to_pandas().drop_duplicates()
        import pyarrow as pa

        u = table.column(0).unique()
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


def parquet_files(source) -> list[str]:
    """The Parquet files of a file, a dataset directory (searched recursively) or a glob, sorted."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        return sorted(_glob.glob(text))
    p = Path(text)
    if p.is_dir():
        return sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in (".parquet", ".pq"))
    if p.suffix.lower() in (".parquet", ".pq") and p.exists():
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


__all__ = ["ParquetPieces", "PIECE_ROWS", "parquet_files", "check_parquet_files"]
