import pandas as pd
import pytest

import servgap as sg


@pytest.fixture(scope="session")
def example():
    """The bundled synthetic example as (customers, staff) surveys."""
    return sg.load_example()


@pytest.fixture(scope="session")
def example_frames():
    """The bundled example read independently with plain pandas."""
    return pd.read_csv(sg.example_path("customers")), pd.read_csv(sg.example_path("staff"))
