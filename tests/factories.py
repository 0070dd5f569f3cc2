"""Small synthetic survey tables shared by the tests (importable: tests/ is on sys.path)."""

import numpy as np
import pandas as pd

import servgap as sg


def make_customers(n=60, seed=0, branches=("A", "B", "C"), items=None, scale=(1, 7)):
    """A small random customer table with E/P columns for SERVQUAL22 items."""
    rng = np.random.default_rng(seed)
    items = items or sg.SERVQUAL22.item_ids
    df = pd.DataFrame({"id": np.arange(1, n + 1), "branch": rng.choice(list(branches), n)})
    for i in items:
        df[f"E{i}"] = rng.integers(scale[0], scale[1] + 1, n)
        df[f"P{i}"] = rng.integers(scale[0], scale[1] + 1, n)
    return df
