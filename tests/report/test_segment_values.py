"""Segment values of any type a file can hold (Parquet date32 waves, Decimal, bytes, Period,
Timedelta) are written by every exporter as readable text and read back."""

import datetime
import decimal
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from malformed_corpus import base

import servgap as sg
from servgap.batch import csv_text

VALUES = {
    "date": [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1)],
    "decimal": [decimal.Decimal("1.5"), decimal.Decimal("2")],
    "bytes": [b"A", b"B"],
    "period": [pd.Period("2024Q1"), pd.Period("2024Q2")],
    "timedelta": [pd.Timedelta("1D"), pd.Timedelta("2D")],
}
TEXT = {"date": ["2024-01-01", "2024-04-01"], "decimal": [1.5, 2.0], "bytes": ["A", "B"],
        "period": ["2024Q1", "2024Q2"], "timedelta": ["1 days 00:00:00", "2 days 00:00:00"]}


@pytest.mark.parametrize("kind", list(VALUES))
def test_exporters_write_every_segment_type(kind, tmp_path):
    df = base(40)
    df["wave"] = [VALUES[kind][i % 2] for i in range(40)]
    s = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="id", segments="wave")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(s, by="wave")
    data = json.loads(res.to_json(tmp_path / "r.json"))
    assert sorted({r["wave"] for r in data["tables"]["dimensions"]}) == TEXT[kind]
    back = sg.read_results(tmp_path / "r.json")
    np.testing.assert_allclose(back.gaps["mean_gap"].to_numpy(float), res.gaps["mean_gap"].to_numpy(float), rtol=1e-12)
    res.to_excel(tmp_path / "r.xlsx")
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)["gaps"]
    rows = list(ws.values)
    col = rows[0].index("wave")
    cell = lambda v: str(float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)  # noqa: E731
    assert sorted({cell(r[col]) for r in rows[1:]}) == [str(v) for v in TEXT[kind]]   # numbers or their text
    assert str(TEXT[kind][0]) in csv_text(res.gaps)
