"""read_survey of a glob pattern: every matching file read in memory and their rows stacked into one
survey with a ``file`` segment (Parquet files go to the Dask back-end unless engine="pandas")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import ConfigError, DataError

KW = dict(columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id", segments=["branch"], missing=[0])


@pytest.fixture(scope="module")
def customers():
    return pd.read_csv(sg.example_path("customers"))


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def test_a_csv_glob_stacks_the_files(tmp_path, customers):
    cuts = [0, 350, 800, len(customers)]
    for k in range(3):
        customers.iloc[cuts[k]:cuts[k + 1]].to_csv(tmp_path / f"wave{k}.csv", index=False)
    sv = sg.read_survey(str(tmp_path / "wave*.csv"), **KW)
    assert isinstance(sv, sg.Survey) and sv.n == len(customers)
    assert list(sv.segments.columns) == ["file", "branch"]
    assert sv.segments["file"].value_counts().sort_index().tolist() == [350, 450, 400]
    # every file is its own source in the ledger; the 0 codes counted by hand
    q = sv.quality
    ratings = [c for c in customers.columns if c[0] in "EP" and c[1:].isdigit()]
    for k in range(3):
        part = customers.iloc[cuts[k]:cuts[k + 1]]
        got = q[(q["source"] == f"wave{k}.csv") & (q["issue"] == "missing_code")]["count"].sum()
        assert got == int((part[ratings] == 0).sum().sum())
    # the same numbers as the one table read at once
    one = sg.read_survey(customers, **KW)
    a, b = _quiet(sg.analyze, one, by="branch").gaps, _quiet(sg.analyze, sv, by="branch").gaps
    np.testing.assert_allclose(b["mean_gap"], a["mean_gap"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b["p_adj"], a["p_adj"], rtol=1e-10, atol=0)
    by_file = _quiet(sg.analyze, sv, by="file").gaps
    first = _quiet(sg.analyze, sg.read_survey(str(tmp_path / "wave0.csv"), **KW)).gaps
    row = by_file[by_file["file"] == "wave0.csv"].set_index("dimension")["mean_gap"]
    np.testing.assert_allclose(row.loc[first["dimension"]].to_numpy(), first["mean_gap"].to_numpy(), atol=1e-12)


def test_files_of_the_same_name_in_two_folders_stay_apart(tmp_path, customers):
    for wave, part in (("2025Q1", customers.iloc[:600]), ("2025Q2", customers.iloc[600:])):
        (tmp_path / wave).mkdir()
        part.assign(resp_id=[f"C{i:05d}" for i in range(1, len(part) + 1)]).to_csv(tmp_path / wave / "branch.csv",
                                                                                  index=False)
    sv = sg.read_survey(str(tmp_path / "*" / "branch.csv"), **KW)
    assert sorted(sv.segments["file"].unique()) == ["2025Q1/branch.csv", "2025Q2/branch.csv"]
    assert sv.n == len(customers) and sv.ids.is_unique          # equal ids of two files are two respondents


def test_parquet_globs_go_to_dask_unless_pandas_is_asked(tmp_path, customers):
    pytest.importorskip("dask.dataframe")
    for k, part in enumerate((customers.iloc[:500], customers.iloc[500:])):
        part.to_parquet(tmp_path / f"p{k}.parquet", index=False)
    pattern = str(tmp_path / "p*.parquet")
    assert type(sg.read_survey(pattern, **KW)).__name__ == "DaskSurvey"
    mem = sg.read_survey(pattern, engine="pandas", **KW)
    assert isinstance(mem, sg.Survey) and mem.n == len(customers) and "file" in mem.segments.columns


def test_glob_errors_name_the_pattern_and_the_fix(tmp_path, customers):
    customers.iloc[:10].to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(DataError, match=r"no file matches .*nothing\*\.csv.*check the folder and the pattern"):
        sg.read_survey(str(tmp_path / "nothing*.csv"), **KW)
    with pytest.raises(ConfigError, match=r"engine=\"dask\" reads Parquet files, and 'a.csv' is not one: use "
                                          r"engine=\"pandas\""):
        sg.read_survey(str(tmp_path / "*.csv"), engine="dask", **KW)
    customers.iloc[:10].drop(columns=["branch"]).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(sg.errors.ColumnError, match="b.csv"):                # the file at fault is named
        sg.read_survey(str(tmp_path / "*.csv"), **KW)


def test_a_file_name_with_brackets_is_a_file_not_a_pattern(tmp_path, customers):
    path = tmp_path / "wave[1].csv"
    customers.iloc[:20].to_csv(path, index=False)
    sv = sg.read_survey(str(path), **KW)
    assert sv.n == 20 and "file" not in sv.segments.columns


def test_a_named_glob_survey_keeps_its_name(tmp_path, customers):
    for k in range(2):
        customers.iloc[600 * k:600 * (k + 1)].to_csv(tmp_path / f"w{k}.csv", index=False)
    sv = sg.read_survey(str(tmp_path / "w*.csv"), name="all waves", **KW)
    assert sv.source == "all waves" and set(sv.quality["source"]) >= {"w0.csv", "w1.csv"}


def test_a_segment_that_is_numbers_in_one_file_and_text_in_another_is_one_segment(tmp_path):
    """Branch 1 in a.csv (numbers) and "1" in b.csv (text, beside "x"): one segment "1", counted in a.csv."""
    rng = np.random.default_rng(0)

    def frame(br):
        return pd.DataFrame({"rid": [1, 2, 3, 4], "br": br,
                             **{f"{v}{j}": rng.integers(1, 8, 4) for v in "EP" for j in range(1, 23)}})

    frame([1, 1, 2, 2]).to_csv(tmp_path / "a.csv", index=False)
    frame(["1", "1", "x", "x"]).to_csv(tmp_path / "b.csv", index=False)
    s = sg.read_survey(str(tmp_path / "*.csv"), columns={"expected": "E{item}", "perceived": "P{item}"}, id="rid",
                       segments=["br"])
    assert s.segments["br"].tolist() == ["1", "1", "2", "2", "1", "1", "x", "x"]
    q = s.quality.set_index(["source", "column", "issue"])["count"]
    assert q[("a.csv", "br", "segment_normalised")] == 4
    assert sorted(sg.analyze(s, by="br").gaps["br"].unique()) == ["1", "2", "x"]
