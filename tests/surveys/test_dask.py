"""The Dask back-end gives the in-memory numbers: example split into many partitions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.surveys.lazy import DaskSurvey
from servgap.errors import ColumnError, ConfigError, DataError

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

KW = dict(columns={"expected": "E{item}", "perceived": "P{item}", "desired": "D_{item}", "adequate": "A_{item}"},
          id="resp_id", segments=["branch", "segment", "wave"], weight="weight", importance="W_{dimension}",
          missing=[0], keep=["overall_sat"], name="customers")


@pytest.fixture(scope="module")
def frame():
    df = pd.read_csv(sg.example_path("customers"))
    # sorted by branch: most branches then live in one or two partitions only
    return df.sort_values(["branch", "resp_id"], kind="stable").reset_index(drop=True)


def _split(df: pd.DataFrame, sizes: list[int]):
    """A Dask frame with partitions of the given sizes (0 = an empty partition)."""
    edges = np.cumsum([0, *sizes])
    assert edges[-1] == len(df)
    parts = [dask.delayed(df.iloc[a:b].copy)() for a, b in zip(edges[:-1], edges[1:])]
    return dd.from_delayed(parts, meta=df.iloc[:0], verify_meta=False)


@pytest.fixture(scope="module")
def surveys(frame):
    sizes = [0, 150, 1, 0, 249, 200, 0, 333, 267, 0]          # 10 partitions, 4 empty, one of 1 row
    lazy = sg.read_survey(_split(frame, sizes), engine="dask", **KW)
    mem = sg.read_survey(frame, **KW)
    _, staff = sg.load_example()
    return mem, lazy, staff


def _same(a, b):
    for name in ("items", "dimensions", "overall", "quality", "missing_gaps"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-10, atol=0)
    assert a.tolerance_tests.keys() == b.tolerance_tests.keys()
    for k in a.tolerance_tests:
        pd.testing.assert_frame_equal(a.tolerance_tests[k], b.tolerance_tests[k], check_exact=False, rtol=1e-10)


def test_lazy_survey_is_lazy_and_complete(surveys, frame):
    mem, lazy, _ = surveys
    assert isinstance(lazy, DaskSurvey) and lazy.npartitions == 10
    assert lazy.viewpoints == mem.viewpoints
    assert lazy.n == len(frame) == mem.n
    assert "lazy" in repr(lazy)
    pd.testing.assert_frame_equal(lazy.quality, mem.quality)          # merged across partitions
    assert lazy.quality["count"].sum() > 0


@pytest.mark.parametrize("test,weighted,correction,by", [
    ("t", True, "holm", "branch"),
    ("wilcoxon", True, "fdr_bh", "branch"),
    ("t", False, "bonferroni", ["branch", "segment"]),
    ("wilcoxon", False, "holm", None),
])
def test_same_numbers_as_in_memory(surveys, test, weighted, correction, by):
    mem, lazy, staff = surveys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = sg.analyze([mem, staff], by=by, test=test, weighted=weighted, correction=correction)
        b = sg.analyze([lazy, staff], by=by, test=test, weighted=weighted, correction=correction)
    _same(a, b)
    # every kind of row is covered: paired and Welch/Mann-Whitney, importance-weighted overall
    kinds = {"t", "welch_t"} if test == "t" else {"wilcoxon", "mann_whitney"}
    if isinstance(by, list):                      # the staff survey has no "segment": gap 1 is not split
        kinds -= {"welch_t", "mann_whitney"}
    assert set(b.items["test"]) == kinds
    assert "importance_weighted" in set(b.overall["measure"])
    assert b.items["p"].notna().sum() > 100


def test_parquet_dataset_directory_and_glob(frame, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    for k, a in enumerate(range(0, len(frame), 300)):
        frame.iloc[a:a + 300].to_parquet(d / f"part-{k}.parquet", index=False)
    mem = sg.read_survey(frame, **KW)
    by_dir = sg.read_survey(str(d), engine="dask", **KW)
    by_glob = sg.read_survey(str(d / "part-*.parquet"), **KW)        # a glob picks Dask automatically
    assert isinstance(by_dir, DaskSurvey) and isinstance(by_glob, DaskSurvey)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sg.analyze(mem, by="branch", test="wilcoxon")
        _same(ref, sg.analyze(by_dir, by="branch", test="wilcoxon"))
        _same(ref, sg.analyze(by_glob, by="branch", test="wilcoxon"))
    # a small Parquet file stays in memory under engine="auto"
    assert not isinstance(sg.read_survey(str(d / "part-0.parquet"), **KW), DaskSurvey)


def test_bad_cell_names_column_partition_row_and_value(frame):
    bad = frame.copy()
    bad.loc[700, "P3"] = 12
    lazy = sg.read_survey(_split(bad, [400, 0, 400, 400]), engine="dask", **KW)
    with pytest.raises(DataError) as exc:
        sg.analyze(lazy)
    msg = str(exc.value)
    assert "'P3'" in msg and "partition 2" in msg and "index label 700" in msg and "value 12" in msg
    assert "outside the scale" in msg and "row 301" in msg


def test_mapping_is_checked_when_reading(frame):
    ddf = dd.from_pandas(frame, npartitions=3)
    with pytest.raises(ColumnError, match="matches no column"):
        sg.read_survey(ddf, columns={"expected": "X{item}", "perceived": "P{item}"})
    with pytest.raises(ColumnError, match="segment column"):
        sg.read_survey(ddf, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="region")
    with pytest.raises(ConfigError, match="engine"):
        sg.read_survey(ddf, columns={"expected": "E{item}", "perceived": "P{item}"}, engine="spark")
    with pytest.raises(ConfigError, match="wide layout"):
        sg.read_survey(ddf, columns={"expected": "E", "perceived": "P"}, layout="long", engine="dask")


def test_distributed_local_cluster(surveys):
    distributed = pytest.importorskip("distributed")
    mem, lazy, staff = surveys
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1", protocol="tcp",
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = sg.analyze([lazy, staff], by="branch", test="wilcoxon")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(sg.analyze([mem, staff], by="branch", test="wilcoxon"), b)


def test_distributed_worker_processes(surveys):
    distributed = pytest.importorskip("distributed")
    mem, lazy, staff = surveys
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = sg.analyze([lazy, staff], by=["branch", "segment"], test="t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(sg.analyze([mem, staff], by=["branch", "segment"], test="t"), b)


def test_in_memory_row_blocks_give_the_same_tables(surveys, monkeypatch):
    """The in-memory map step cuts large surveys into row blocks; blocks merge exactly."""
    from servgap.engine import kernel

    mem, _, staff = surveys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sg.analyze([mem, staff], by="branch", test="wilcoxon")
        monkeypatch.setattr(kernel, "BLOCK_ROWS", 97)
        _same(ref, sg.analyze([mem, staff], by="branch", test="wilcoxon"))


def test_engine_dask_on_a_pandas_frame(frame):
    kw = {**KW, "segments": ["branch"]}
    lazy = sg.read_survey(frame, engine="dask", **kw)
    assert isinstance(lazy, DaskSurvey)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(sg.analyze(sg.read_survey(frame, **kw), by="branch"), sg.analyze(lazy, by="branch"))


def test_perception_table_of_a_dask_survey(surveys):
    mem, lazy, _ = surveys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = sg.analyze(mem, by="branch").perception
        b = sg.analyze(lazy, by="branch").perception
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10)


def test_segments_equal_once_stripped_are_one_segment_on_dask(tmp_path):
    """'A' and 'A ' are one segment after normalising: the Dask path gives the in-memory tables (it stopped
    with "a file is damaged" on a non-unique segment index)."""
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame({"rid": [f"r{i}" for i in range(n)], "br": rng.choice(["A", "A ", "B"], n),
                       **{f"{v}{j}": rng.integers(1, 8, n) for v in "EP" for j in range(1, 23)}})
    df.to_parquet(tmp_path / "a.parquet", index=False)
    kw = dict(columns={"expected": "E{item}", "perceived": "P{item}"}, id="rid", segments=["br"])
    ref = sg.analyze(sg.read_survey(tmp_path / "a.parquet", engine="pandas", **kw), by="br").gaps
    got = sg.analyze(sg.read_survey(tmp_path / "a.parquet", engine="dask", **kw), by="br").gaps
    assert sorted(got["br"].unique()) == ["A", "B"]
    pd.testing.assert_frame_equal(ref.reset_index(drop=True), got.reset_index(drop=True))
