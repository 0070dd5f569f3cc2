"""Shared by the test suite and the doctests of src/: a non-interactive matplotlib backend
and, for docstring examples, ``sg``, ``np`` and ``pd`` in the namespace."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import servgap as sg

    doctest_namespace.update(sg=sg, np=np, pd=pd)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
