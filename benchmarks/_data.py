"""Synthetic SERVQUAL data for the benchmarks (integers 1-7, a few missing answers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

ITEMS = [str(i) for i in range(1, 23)]

#: The survey configuration of the bundled customers file (and files shaped like it), for CLI benchmarks.
CUSTOMERS_CONFIG = """\
columns: {expected: "E{item}", perceived: "P{item}"}
id: resp_id
segments: [branch]
missing: [0]
analysis: {by: branch}
"""


def make_frame(n: int, segments: int = 500, seed: int = 1, missing: float = 0.01) -> pd.DataFrame:
    """``n`` respondents × 22 items × (expected, perceived) plus a segment column ``seg``."""
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, segments, n)
    level = rng.normal(0, 0.6, segments)[seg]
    cols = {"seg": pd.Series(np.char.add("S", np.char.zfill(seg.astype(str), 4)), dtype="str")}
    for vp, shift in (("E", 5.6), ("P", 5.0)):
        base = shift + level[:, None] + rng.normal(0, 1.1, (n, 22))
        x = np.clip(np.rint(base), 1, 7)
        x[rng.random((n, 22)) < missing] = np.nan
        for j, it in enumerate(ITEMS):
            cols[f"{vp}{it}"] = x[:, j].astype(np.float32)
    return pd.DataFrame(cols)


def make_chunk(start: int, n: int, segments: int, seed: int) -> pd.DataFrame:
    """One chunk of a large data set, with int8 ratings (0 = missing code) and an id column."""
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, segments, n)
    level = (seg % 7 - 3) * 0.2                 # segment effect, the same in every chunk
    out = {"resp_id": np.arange(start, start + n, dtype=np.int64),
           "seg": pd.Series(np.char.add("S", np.char.zfill(seg.astype(str), 4)), dtype="str")}
    for vp, shift in (("E", 5.6), ("P", 5.0)):
        x = np.clip(np.rint(shift + level[:, None] + rng.normal(0, 1.1, (n, 22))), 1, 7).astype(np.int8)
        x[rng.random((n, 22)) < 0.01] = 0
        for j, it in enumerate(ITEMS):
            out[f"{vp}{it}"] = x[:, j]
    return pd.DataFrame(out)
