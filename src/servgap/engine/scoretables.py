"""Lookup tables of the one-byte kernel (`servgap.engine.coded`): pair codes, the score tables
of the dimension level, packed sums and exact integer keys of fractions.

- `pair_tables`, `differences`: a benchmark/later pair is one byte ``b·(K + 1) + l``; the
  histogram of ``l − b`` is the sum of the diagonals of each ``b × l`` block of a pair tally.
- `score_tables`: for every packed sum of a dimension's item fields (count of answers,
  benchmark and difference sums) the rank of the dimension score among all possible ones,
  the score itself and its numerator over a common denominator (`ScoreTables`).
- `pack_columns` / `unpack_columns`: several integer tables side by side in one int64, so
  that one lookup per dimension sums all of them.
- `fraction_keys`: exact integer keys of fractions with bounded denominators from their
  correctly rounded doubles (one integer sort instead of a float sort).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..model.scoring import available_mask


def fraction_keys(x: np.ndarray, den: np.ndarray) -> np.ndarray | None:
    """Exact integer keys of fractions ``n / den`` from their correctly rounded doubles ``x``.

    Two different fractions with denominators at most ``q`` differ by at least ``1/q²``.
    On the grid ``2⁻ᵏ`` with ``2ᵏ >= 4q²`` they are at least four steps apart, while a double
    is within far less than a step of its fraction, so ``rint(x · 2ᵏ)`` is equal exactly for
    equal fractions and ordered as the fractions are. ``None`` when the keys would not be
    exact integers in a double (or there is nothing to key); rows with ``den == 0`` get 0.

    >>> fraction_keys(np.array([1 / 3, 2 / 6, 0.5]), np.array([3, 6, 2])).tolist()   # 2⁸ >= 4·6²
    [85, 85, 128]
    """
    ok = den > 0
    if not ok.any():
        return None
    q = int(den[ok].max())
    k = (4 * q * q - 1).bit_length()
    scaled = np.where(ok, x, 0.0) * float(2 ** k)                 # a power of two: exact
    if not np.abs(scaled).max() < 2 ** 52:
        return None
    return np.rint(scaled).astype(np.int64)


def differences(table: np.ndarray, K: int) -> np.ndarray:
    """Per row of a pair-code table (``(rows, (K + 1)²)``, column ``b·(K + 1) + l``) the table of
    ``l − b`` over complete pairs (``(rows, 2K − 1)``, column ``l − b + K − 1``).

    The diagonals of each ``b × l`` block, added benchmark code by benchmark code (in the
    order of the pair codes): integer counts stay exact integers.

    >>> differences(np.arange(9).reshape(1, 9), 2).tolist()      # K = 2: (1,1)=4 (1,2)=5 (2,1)=7 (2,2)=8
    [[7, 12, 5]]
    """
    C = K + 1
    t = table.reshape(-1, C, C)
    out = np.zeros((t.shape[0], 2 * K - 1), table.dtype)
    for b in range(1, C):
        out[:, K - b:2 * K - b] += t[:, b, 1:]
    return out


def pair_tables(K: int):
    """Per pair code ``b·(K + 1) + l``: benchmark code, later code and whether both are present."""
    b, l = np.divmod(np.arange((K + 1) ** 2), K + 1)
    return b, l, (b > 0) & (l > 0)


@dataclass(frozen=True)
class ScoreTables:
    """Lookup tables of the dimension scores of one scale, instrument and min-items rule.

    ``lut`` maps a code to its packed fields (count of answers, benchmark code, difference
    code + K − 1; for one viewpoint: count, code). Summed over a dimension's items, the
    packed value ``p`` identifies the respondent's ``(k, Σ)``. Row ``d`` of each table
    gives, for dimension ``d`` and every ``p``: ``rank``, the rank of the score among
    ``values`` (``len(values)`` when the min-items rule drops it); ``kept`` (0/1);
    ``score`` and ``bench``, the score and benchmark mean (NaN when dropped); ``bench0``
    the same with 0; ``lnum``, ``lben``, score and benchmark mean times ``L`` (the lcm of
    the item counts a kept score can rest on), exact integers.
    """

    lut: np.ndarray
    rank: np.ndarray
    values: np.ndarray
    kept: np.ndarray
    score: np.ndarray
    bench: np.ndarray | None
    bench0: np.ndarray | None
    L: int
    lnum: np.ndarray
    lben: np.ndarray | None
    packed: np.ndarray | None = None      # kept, lnum (and lben) side by side in one int64: `pack_columns`
    layout: tuple = ()

    @property
    def totals_of(self) -> list:
        """The tables whose sums over the dimensions the overall level needs: kept, lnum (and lben)."""
        return [self.kept, self.lnum] + ([] if self.lben is None else [self.lben])


def pack_columns(columns: list, terms: int):
    """Integer tables side by side in one int64 per entry, so that one sum of ``terms`` entries sums
    every table at once; ``(packed, layout)``, or ``(None, ())`` when the sums need more than 62 bits.

    Each table is shifted to be non-negative (``+ offset``) and given the bits its sum of
    ``terms`` entries needs; `unpack_columns` takes a sum apart.

    >>> packed, layout = pack_columns([np.array([0, 1]), np.array([-5, 7])], terms=3)
    >>> [a.tolist() for a in unpack_columns(packed[[0, 1, 1]].sum(keepdims=True), layout, 3)]
    [[2], [9]]
    """
    offsets = [max(0, -int(c.min())) for c in columns]
    widths = [int((int(c.max()) + o) * terms).bit_length() for c, o in zip(columns, offsets)]
    if sum(widths) > 62:
        return None, ()
    shifts = np.cumsum([0, *widths[:-1]]).tolist()
    packed = sum((c.astype(np.int64) + o) << s for c, o, s in zip(columns, offsets, shifts))
    return packed, (offsets, shifts, widths)


def unpack_columns(total: np.ndarray, layout: tuple, terms: int) -> list:
    """The sums of the tables packed by `pack_columns` from a sum of ``terms`` packed entries."""
    return [((total >> s) & ((1 << w) - 1)) - o * terms for o, s, w in zip(*layout)]


#: Largest packed dimension sum (bits) for which score tables are built.
MAX_PACKED_BITS = 20


@lru_cache(maxsize=64)
def score_tables(kind: str, K: int, lo: int, sizes: tuple, min_items: float) -> ScoreTables | None:
    """The `ScoreTables` of ``kind`` ``"pair"`` or ``"single"``, or ``None`` if they would be too large."""
    if kind == "pair":
        b, l, valid = pair_tables(K)
        fields = [valid.astype(np.int64), b * valid, (l - b + K - 1) * valid]
    else:
        x = np.arange(K + 1)
        fields = [(x > 0).astype(np.int64), x]
    m = max(sizes)
    widths = [int(int(f.max()) * m).bit_length() for f in fields]
    shifts = np.cumsum([0, *widths[:-1]])
    if sum(widths) > MAX_PACKED_BITS:
        return None
    lut = sum(f * (1 << int(s)) for f, s in zip(fields, shifts)).astype(np.uint32)    # sums stay below 2**20
    p = np.arange(1 << sum(widths))
    cnt, *sums = [(p >> int(s)) & ((1 << wd) - 1) for s, wd in zip(shifts, widths)]
    keep = available_mask(cnt[None, :], np.asarray(sizes)[:, None], min_items) & (cnt > 0)
    num = sums[1] - (K - 1) * cnt if kind == "pair" else sums[0] + (lo - 1) * cnt
    L = math.lcm(*np.unique(np.broadcast_to(cnt, keep.shape)[keep]).tolist())
    per = L // np.maximum(cnt, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(keep, num / cnt, np.nan)             # correctly rounded: equal ratios, equal doubles
        bnum = sums[0] + (lo - 1) * cnt if kind == "pair" else None
        bench = None if bnum is None else np.where(keep, bnum / cnt, np.nan)
    values, inv = np.unique(score[keep], return_inverse=True)
    rank = np.full(keep.shape, values.size, np.min_scalar_type(values.size))   # small: the lookups stay in cache
    rank[keep] = inv.ravel()
    tab = ScoreTables(lut, rank, values, keep.astype(np.int8), score, bench,
                      None if bench is None else np.nan_to_num(bench, nan=0.0), L,
                      np.where(keep, num * per, 0), None if bnum is None else np.where(keep, bnum * per, 0))
    return replace(tab, **dict(zip(("packed", "layout"), pack_columns(tab.totals_of, len(sizes)))))
