"""Integer rating columns read straight to one-byte codes give exactly the survey, ledger and errors
of the float reader (the oracle: the same table read the float way), alone and on Dask."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import DataError
from servgap.surveys import integers
from servgap.surveys.eager import read_eager
from servgap.surveys.integers import CodedRatings
from servgap.surveys.options import ReadOptions

# a 1-5 scale with a reversed item: codes, reverse scoring and range all matter
INST = sg.Instrument.from_dict({"id": "mini", "scale": [1, 5],
                                "dimensions": {"a": [1, {"id": 2, "reverse": True}, 3], "b": [4, 5]}})
ITEMS = INST.item_ids
COLS = {"expected": "E{item}", "perceived": "P{item}"}


def table(n=60, seed=0, dtype="int8", codes=(0,), rate=0.1, segments=("A", "B", "C")):
    """Ratings 1-5 of ``dtype`` with a share ``rate`` of the cells holding one of ``codes``."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.arange(1, n + 1, dtype=np.int64), "seg": rng.choice(list(segments), n)})
    for vp in "EP":
        for i in ITEMS:
            x = rng.integers(1, 6, n)
            if codes:
                hit = rng.random(n) < rate
                x[hit] = rng.choice(list(codes), int(hit.sum()))
            df[f"{vp}{i}"] = x.astype(dtype)
    return df


def read_both(df, **kw):
    opts = ReadOptions.of(columns=COLS, id="id", segments=["seg"], **kw)
    return read_eager([df.copy()], INST, opts, coded=True), read_eager([df.copy()], INST, opts)


def assert_same(coded, plain):
    assert coded.ledger == plain.ledger                       # every row, count and order
    pd.testing.assert_frame_equal(coded.quality, plain.quality)
    pd.testing.assert_index_equal(coded.ids, plain.ids)
    pd.testing.assert_frame_equal(coded.segments.astype(object), plain.segments.astype(object))
    assert list(coded.data) == list(plain.data)
    for vp in plain.data:
        a, b = coded.codes(vp), plain.codes(vp)
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(coded.data[vp], plain.data[vp])       # NaN where missing, in both


@pytest.fixture
def float_count(monkeypatch):
    """How many float matrices the coded ratings have made."""
    made = []
    real = integers.floats_of

    def counting(codes, lo):
        made.append(codes.shape)
        return real(codes, lo)

    monkeypatch.setattr(integers, "floats_of", counting)
    return made


@pytest.mark.parametrize("dtype, codes, kw", [
    ("int8", (0,), dict(missing=[0])),                               # the code just below the scale
    ("int64", (0, 9), dict(missing=[0, 9])),                         # two codes, a wide integer type
    ("int16", (-99,), dict(missing=[-99])),
    ("uint8", (), {}),                                               # no code: every cell a rating
    ("int32", (3,), dict(missing=[3])),                              # a code inside the scale
    ("int8", (9,), dict(missing=["9"])),                             # a code given as text
    ("int8", (0, 2.5), dict(missing=[0, 2.5])),                      # a code no integer can hold
    ("int8", (0, 6, -1), dict(missing=[0], out_of_range="missing")),  # off the scale, counted
    ("int64", (7,), dict(out_of_range="missing")),
])
def test_integer_columns_read_as_the_float_reader_reads_them(dtype, codes, kw, float_count):
    df = table(dtype=dtype, codes=tuple(c for c in codes if float(c).is_integer()))
    coded, plain = read_both(df, **kw)
    assert isinstance(coded.data, CodedRatings)
    assert not float_count                                          # nothing asked for floats yet
    assert_same(coded, plain)
    assert float_count == [(60, 5), (60, 5)]                         # made when compared, once each
    issues = set(coded.quality["issue"])
    assert "reverse_scored" in issues
    if "out_of_range" in kw:
        assert "out_of_range" in issues


def test_nullable_integers_with_empty_cells(float_count):
    df = table(codes=(0,))
    for c in ("E1", "P2", "P5"):
        s = df[c].astype("Int8")
        s[[3, 10, 11]] = pd.NA
        df[c] = s
    coded, plain = read_both(df, missing=[0])
    assert not float_count
    assert_same(coded, plain)
    assert coded.quality.set_index(["column", "issue"]).loc[("P2", "missing"), "count"] == 3


def test_float_and_text_viewpoints_take_the_float_way_beside_coded_ones(float_count):
    df = table(codes=(0,))
    df["E1"] = df["E1"].astype(float)
    df.loc[4, "E1"] = np.nan
    df.loc[5, "E3"] = 3                                             # ints stay ints
    df["P4"] = df["P4"].astype(float)
    df.loc[7, "P4"] = 2.5                                           # not an integer: no codes for "perceived"
    coded, plain = read_both(df, missing=[0])
    assert plain.codes("perceived") is None and coded.codes("perceived") is None
    assert_same(coded, plain)
    df["P4"] = df["P4"].astype(str).where(df.index != 8, "N/A")    # text with a "no value" spelling
    df.loc[7, "P4"] = "2"
    coded, plain = read_both(df, missing=[0])
    assert_same(coded, plain)
    assert "missing_text" in set(coded.quality["issue"])


def test_segments_as_categories_are_validated_like_text():
    df = table(segments=("A", " A", "B ", "N/A", "C"))
    df.loc[[2, 9], "seg"] = np.nan
    df["seg"] = df["seg"].astype("category")
    coded, plain = read_both(df, missing=[0])
    assert_same(coded, plain)
    assert {"missing", "missing_text", "segment_normalised"} <= set(coded.quality["issue"])
    assert set(coded.segments["seg"].dropna()) == {"A", "B", "C"}


@pytest.mark.parametrize("change, words", [
    (lambda df: df.__setitem__("P3", df["P3"].where(df.index != 17, 8)), ["'P3'", "row 18", "value 8", "outside"]),
    (lambda df: df.__setitem__("E2", df["E2"] > 2), ["'E2'", "true/false"]),
    (lambda df: df.__setitem__("id", np.r_[np.arange(1, 31), np.arange(1, 31)]), ["duplicate respondent id"]),
    (lambda df: df.__setitem__("id", np.arange(60, 0, -1)), None),             # decreasing ids: fine
])
def test_errors_are_the_float_readers_errors(change, words):
    df = table(codes=(0,))
    change(df)
    opts = ReadOptions.of(columns=COLS, id="id", segments=["seg"], missing=[0])
    if words is None:
        assert_same(*read_both(df, missing=[0]))
        return
    with pytest.raises(DataError) as coded:
        read_eager([df.copy()], INST, opts, coded=True)
    with pytest.raises(DataError) as plain:
        read_eager([df.copy()], INST, opts)
    assert str(coded.value) == str(plain.value)
    assert all(w in str(coded.value) for w in words)


def test_rows_of_a_coded_survey_are_the_rows_of_the_float_one(float_count):
    coded, plain = read_both(table(codes=(0,)), missing=[0])
    keep = np.arange(60) % 3 != 0
    for sl in (slice(5, 40), keep):
        a, b = coded.take(sl), plain.take(sl)
        for vp in plain.data:
            np.testing.assert_array_equal(a.codes(vp), b.codes(vp))
    assert not float_count


# -- on Dask: Parquet pieces of every kind, against the same rows in memory ---------------------
dd = pytest.importorskip("dask.dataframe")


def _parts():
    a = table(n=80, seed=1, codes=(0,))
    b = table(n=70, seed=2, codes=(0,)).astype({f"E{i}": float for i in ITEMS})         # a float partition
    b.loc[3, "E2"] = np.nan
    c = table(n=90, seed=3, codes=(0,))
    c["P1"] = c["P1"].astype("Int8").mask(c.index % 7 == 0)                           # empty cells in integers
    e = table(n=50, seed=4, codes=(0, 6), dtype="int64")                              # off the scale
    d = table(n=40, seed=5, codes=(0,), segments=(" A", "B", "D")).iloc[:0]           # an empty file
    f = table(n=60, seed=6, codes=(0,), segments=(" A", "B", "D"))                    # text to normalise
    f.loc[[1, 2], "seg"] = None
    parts = [a, b, c, d, e, f]
    start = 0
    for p in parts:
        p["id"] = np.arange(start, start + len(p))
        p["wave"] = p["id"] % 2 + 1
        start += len(p)
    return parts


def _write(parts, path, row_group_size=None):
    path.mkdir()
    for k, p in enumerate(parts):
        p.to_parquet(path / f"part-{k}.parquet", index=False, row_group_size=row_group_size)


def _quality(q):
    return q.sort_values(["source", "column", "issue"]).reset_index(drop=True)


@pytest.mark.parametrize("test, by", [("t", "seg"), ("wilcoxon", ["seg", "wave"])])
def test_dask_pieces_of_every_kind_equal_in_memory(tmp_path, test, by):
    parts = _parts()
    _write(parts, tmp_path / "ds")
    kw = dict(columns=COLS, id="id", segments=["seg", "wave"], missing=[0], out_of_range="missing", name="cust")
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", **kw)
    mem = sg.read_survey(pd.concat(parts, ignore_index=True), INST, **kw)
    assert lazy.npartitions == 5 and lazy.n == mem.n == 350          # the empty file has no piece
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = sg.analyze(mem, by=by, test=test), sg.analyze(lazy, by=by, test=test)
    assert len(a.dimensions) == 2 * (4 if by == "seg" else 8)      # 2 dimensions x A-D (x 2 waves), none extra
    for name in ("items", "dimensions", "overall"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-10, atol=0)
    pd.testing.assert_frame_equal(_quality(a.quality), _quality(b.quality))
    pd.testing.assert_frame_equal(_quality(lazy.quality), _quality(mem.quality))
    assert {"out_of_range", "segment_normalised", "missing_segment", "missing"} <= set(b.quality["issue"])


def test_dask_analysis_makes_no_float_ratings(tmp_path, float_count):
    _write([table(n=80, seed=k, codes=(0,)) for k in range(3)], tmp_path / "ds")
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", columns=COLS, segments="seg", missing=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(lazy, by="seg")
    assert res.items["n"].sum() > 0 and not float_count


def test_pieces_of_a_file_and_rows_in_errors(tmp_path, monkeypatch):
    from servgap.surveys import pieces

    parts = [p for k, p in enumerate(_parts()) if k != 4]          # no value off the scale but one:
    parts[2].loc[44, "E4"] = 12
    _write(parts, tmp_path / "ds", row_group_size=20)
    kw = dict(columns=COLS, id="id", segments="seg", missing=[0])
    monkeypatch.setattr(pieces, "PIECE_ROWS", 20)                    # row groups of 20: one per piece
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", **kw)
    assert lazy.npartitions == sum(-(-len(p) // 20) for p in parts)
    with pytest.raises(DataError) as exc:
        sg.analyze(lazy)
    msg = str(exc.value)
    # row 45 of the file is row 5 of its third piece of 20 rows
    assert "'E4'" in msg and "row 5 of partition" in msg and "file 'part-2.parquet', row 45 of the file" in msg
    assert "value 12" in msg and "outside the scale" in msg
    parts[2].loc[44, "E4"] = 4
    (tmp_path / "ds2").mkdir()
    for k, p in enumerate(parts):
        p.to_parquet(tmp_path / "ds2" / f"part-{k}.parquet", index=False, row_group_size=20)
    lazy = sg.read_survey(str(tmp_path / "ds2"), INST, engine="dask", **kw)
    mem = sg.read_survey(pd.concat(parts, ignore_index=True), INST, **kw)
    # the distinct segments are the values the reader keeps (" A" is "A"), as in memory
    assert set(lazy.unique_segments(["seg"])["seg"].dropna()) == set(mem.segments["seg"].dropna()) == set("ABCD")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = sg.analyze(mem, by="seg"), sg.analyze(lazy, by="seg")
    pd.testing.assert_frame_equal(a.dimensions, b.dimensions, check_exact=False, rtol=1e-10, atol=0)


def test_pieces_on_two_worker_processes(tmp_path):
    distributed = pytest.importorskip("distributed")
    parts = _parts()
    _write(parts, tmp_path / "ds")
    kw = dict(columns=COLS, id="id", segments="seg", missing=[0], out_of_range="missing", name="cust")
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sg.analyze(sg.read_survey(pd.concat(parts, ignore_index=True), INST, **kw), by="seg", test="wilcoxon")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None) as cluster, distributed.Client(cluster):
            got = sg.analyze(lazy, by="seg", test="wilcoxon")
    pd.testing.assert_frame_equal(ref.items, got.items, check_exact=False, rtol=1e-10, atol=0)


def test_small_files_are_read_together_and_errors_name_the_file(tmp_path):
    parts = [table(n=30, seed=k, codes=(0,)) for k in range(4)]
    for k, p in enumerate(parts):
        p["id"] += 30 * k
    parts[2].loc[7, "P1"] = 9                                        # no missing code 9: off the 1-5 scale
    _write(parts, tmp_path / "ds")
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", columns=COLS, id="id", segments="seg",
                          missing=[0])
    assert lazy.npartitions == 1 and lazy.n == 120                   # four files of the same types, one piece
    with pytest.raises(DataError) as exc:
        sg.analyze(lazy)
    assert "'P1', row 68 of partition 0 (file 'part-2.parquet', row 8 of the file), value 9" in str(exc.value)


def test_scheduler_threads_unless_configured_or_distributed(monkeypatch):
    import sys

    import dask
    import dask.threaded

    from servgap.surveys.lazy import _scheduler

    monkeypatch.delitem(sys.modules, "distributed", raising=False)
    assert _scheduler() == {"scheduler": dask.threaded.get}          # no client can exist: no lookup
    with dask.config.set(scheduler="sync"):
        assert _scheduler() == {}                                   # the user's choice is Dask's to apply
    monkeypatch.setitem(sys.modules, "distributed", object())
    assert _scheduler() == {}                                       # a client may be active: Dask looks


def test_an_active_client_runs_the_partitions(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import dask.threaded

    _write([table(n=80, seed=k, codes=(0,)) for k in range(2)], tmp_path / "ds")
    lazy = sg.read_survey(str(tmp_path / "ds"), INST, engine="dask", columns=COLS, segments="seg", missing=[0])

    def refuse(*a, **k):
        raise AssertionError("the local threads ran a task")

    monkeypatch.setattr(dask.threaded, "get", refuse)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=None) as cluster, distributed.Client(cluster):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert sg.analyze(lazy, by="seg").items["n"].sum() > 0
