import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import servgap as sg  # noqa: E402


@pytest.fixture(scope="session")
def example():
    """The bundled synthetic example as (customers, staff) surveys."""
    return sg.load_example()


@pytest.fixture(scope="session")
def example_frames():
    """The bundled example read independently with plain pandas."""
    return pd.read_csv(sg.example_path("customers")), pd.read_csv(sg.example_path("staff"))


def make_customers(n=60, seed=0, branches=("A", "B", "C"), items=None, scale=(1, 7)):
    """A small random customer table with E/P columns for SERVQUAL22 items."""
    rng = np.random.default_rng(seed)
    items = items or sg.SERVQUAL22.item_ids
    df = pd.DataFrame({"id": np.arange(1, n + 1), "branch": rng.choice(list(branches), n)})
    for i in items:
        df[f"E{i}"] = rng.integers(scale[0], scale[1] + 1, n)
        df[f"P{i}"] = rng.integers(scale[0], scale[1] + 1, n)
    return df
