"""A report of very many segments lists the worst ones and says so; every segment stays in the data outputs."""

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.report import html as html_mod


def _many_segments(G=40, seed=5):
    rng = np.random.default_rng(seed)
    n = G * 6
    df = pd.DataFrame({"seg": [f"S{k:03d}" for k in rng.permutation(np.repeat(np.arange(G), 6))]})
    for i in sg.SERVQUAL22.item_ids:
        df[f"E{i}"] = rng.integers(3, 8, n)
        df[f"P{i}"] = rng.integers(1, 8, n)
    s = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(s, by="seg")


def test_report_lists_the_worst_segments_and_says_so(monkeypatch, tmp_path):
    res = _many_segments()
    monkeypatch.setattr(html_mod, "MAX_REPORT_SEGMENTS", 7)
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("gaps", "heatmap", "radar"))
    text = res.to_html(tmp_path / "r.html")
    assert "This report lists 7 of the 40 segments" in text
    # the segments shown: the 7 with the lowest dimension gap of any gap (independent ranking of res.gaps)
    low = res.gaps.groupby("seg")["mean_gap"].min().sort_values(kind="stable")
    expected = set(low.index[:7])
    matrix = re.search(r'<table class="matrix"[^>]*>.*?</thead>', text, re.S).group(0)
    heads = set(re.findall(r'<th class="num">([^<]*)</th>', matrix))
    assert heads == expected
    details = re.search(r'<section id="gaps">.*?</section>\s*<section id="overall">.*?</section>', text, re.S).group(0)
    assert {s for s in res.gaps["seg"] if f">{s}<" in details} == expected     # the gap details: those 7 only
    # per-segment pictures are left out with a note; the others are drawn
    assert text.count("40 segments are too many for one picture") == 2
    assert text.count("data:image/svg+xml;base64,") == 1
    # the data outputs keep every segment
    data = json.loads(res.to_json())
    assert {r["seg"] for r in data["tables"]["dimensions"]} == set(res.gaps["seg"])


def test_few_segments_are_all_listed(tmp_path, monkeypatch):
    res = _many_segments(G=4)
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ())
    text = res.to_html(tmp_path / "r.html")
    assert "This report lists" not in text
    for s in set(res.gaps["seg"]):
        assert f">{s}<" in text


def test_tables_longer_than_a_sheet_continue_on_more_sheets(monkeypatch, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from servgap.report import excel

    res = _many_segments(G=6)
    monkeypatch.setattr(excel, "MAX_SHEET_ROWS", 100)
    res.to_excel(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    parts = [n for n in wb.sheetnames if n == "items" or n.startswith("items (")]
    assert len(parts) == -(-len(res.items) // 100) > 1
    rows = [r for n in parts for r in list(wb[n].values)[1:]]
    assert len(rows) == len(res.items)                       # no row lost past the sheet limit
    header = list(next(wb["items"].values))
    got = np.array([np.nan if r[header.index("mean_gap")] is None else r[header.index("mean_gap")] for r in rows])
    np.testing.assert_allclose(got, res.items["mean_gap"].to_numpy(float), rtol=1e-12, equal_nan=True)
