"""Fuzzing the CSV and DataFrame paths of `read_survey` (hypothesis): random headers, cells, dtypes,
separators and encodings give a valid `Survey` or a `ServgapError`, nothing else; and every planted
blank, missing code, "no value" text, full-width digit and out-of-range value is in the ledger, with
every valid rating read exactly."""

import decimal
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servgap as sg
from servgap.errors import DataError, ServgapError

INST = sg.Instrument.from_dict({"id": "fuzz", "scale": [1, 5], "dimensions": {"a": ["1", "2"], "b": ["3"]}})
RATED = [f"{vp}{i}" for vp in "EP" for i in INST.item_ids]
MISSING = [9, "NA"]
#: kind of planted cell -> (ledger issue, values)
PLANTS = {
    "valid": (None, [1, 2, 3, 4, 5, 2.5]),
    "blank": ("missing", [None]),
    "code": ("missing_code", [9, "NA"]),
    "na_text": ("missing_text", ["N/A", "NaN", "NULL", "null", "#N/A"]),
    "wide": ("full_width_digits", ["４", "２"]),
    "high": ("out_of_range", [0, 6, 100, -3]),
    "junk": (None, ["five", "abc", "好", "x1", "--"]),
}
CELL = st.sampled_from([k for k in PLANTS for _ in range(4 if k == "valid" else 1)])
HEADER = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw, text_only=False):
    """A frame with planted cells: ``(frame, plants)``, plants[column] = list of kinds per row."""
    n = draw(st.integers(1, 12))
    plants, data = {}, {}
    for c in RATED:
        kinds = draw(st.lists(CELL, min_size=n, max_size=n))
        values = [draw(st.sampled_from(PLANTS[k][1])) for k in kinds]
        plants[c], data[c] = kinds, values
    extra = draw(st.lists(HEADER.filter(lambda h: h.strip() not in RATED and h.strip() != "seg"), max_size=3))
    df = pd.DataFrame(data)
    for k, h in enumerate(extra):
        df.insert(draw(st.integers(0, df.shape[1])), f"{h}", [draw(st.sampled_from(["x", "1", ""]))] * n,
                  allow_duplicates=True)
    df["seg"] = [draw(st.sampled_from(["A", "B", 1, 1.0, "1", None, "N/A"])) for _ in range(n)]
    return df, plants


def _expected(plants, oor: str):
    """Per column: the ledger counts and the values a correct read gives."""
    junk = any(k == "junk" for ks in plants.values() for k in ks)
    high = any(k == "high" for ks in plants.values() for k in ks)
    fails = junk or (high and oor == "error")
    return fails


def _check(s: sg.Survey, df: pd.DataFrame, plants: dict, oor: str, text_file: bool):
    q = s.quality
    for c, kinds in plants.items():
        vp = "expected" if c[0] == "E" else "perceived"
        col = INST.item_ids.index(c[1:])
        x = s.data[vp][:, col]
        for issue in ("missing", "missing_code", "missing_text", "full_width_digits", "out_of_range"):
            planted = sum(PLANTS[k][0] == issue for k in kinds)
            got = int(q[(q["column"] == c) & (q["issue"] == issue)]["count"].sum())
            assert got == planted, (c, issue, got, planted, kinds)
        for r, k in enumerate(kinds):
            v = df[c].iloc[r]
            if k == "valid":
                assert x[r] == float(v), (c, r, x[r], v)
            elif k == "wide":
                assert x[r] == {"４": 4.0, "２": 2.0}[v]
            else:
                assert np.isnan(x[r]), (c, r, k, x[r])
    seg = s.segments["seg"]
    assert seg.isna().sum() == df["seg"].isin([None, "N/A"]).sum() + df["seg"].isna().sum() - df["seg"].isin([None]).sum()
    mixed = not text_file and any(isinstance(v, str) for v in df["seg"]) and \
        any(isinstance(v, (int, float)) and v == v for v in df["seg"])    # a CSV holds text only: "1.0" stays "1.0"
    # a column mixing numbers and text is all text, and 1, 1.0 and "1" are one segment "1"
    assert set(seg.dropna().astype(str)) <= ({"A", "B", "1"} if mixed else {"A", "B", "1", "1.0"})
    if mixed:
        assert {type(v) for v in seg.dropna()} <= {str}


def _read(src, oor, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.read_survey(src, INST, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg",
                              missing=MISSING, out_of_range=oor, **kw)


def _outcome(src, plants, df, oor, **kw):
    text_file = not isinstance(src, pd.DataFrame)
    fails = _expected(plants, oor)
    try:
        s = _read(src, oor, **kw)
    except ServgapError as exc:
        assert fails, f"unexpected refusal: {exc}"
        assert isinstance(exc, DataError) and "column '" in str(exc) and "row " in str(exc), str(exc)
        return
    assert not fails, "a junk cell or an out-of-range value was read without an error"
    assert isinstance(s, sg.Survey) and s.n == len(df)
    _check(s, df, plants, oor, text_file)


@FAST
@given(t=tables(), sep=st.sampled_from([",", ";", "\t", "|"]), enc=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
       oor=st.sampled_from(["error", "missing"]), give_sep=st.booleans())
def test_csv_path(tmp_path_factory, t, sep, enc, oor, give_sep):
    df, plants = t
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(df.to_csv(index=False, sep=sep, lineterminator="\n").encode(enc))
    _outcome(path, plants, df, oor, **({"sep": sep} if give_sep else {}))


def _as_dtype(values, kinds, dtype):
    values = [None if k == "blank" else v for k, v in zip(kinds, values)]
    if dtype == "object":
        return pd.Series(values, dtype=object)
    if dtype == "string":
        return pd.Series([None if v is None else str(v) for v in values], dtype="string")
    if dtype == "category":
        return pd.Series([None if v is None else str(v) for v in values], dtype="category")
    if dtype == "decimal":
        return pd.Series([decimal.Decimal(str(v)) if isinstance(v, (int, float)) else v for v in values], dtype=object)
    numeric = all(k in ("valid", "blank", "high") or (k == "code" and isinstance(v, int))
                  for k, v in zip(kinds, values))
    if not numeric:
        return pd.Series(values, dtype=object)
    s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    return s.astype("Float64") if dtype == "Float64" else s


@FAST
@given(t=tables(), dtypes=st.lists(st.sampled_from(["object", "string", "category", "decimal", "float64", "Float64"]),
                                   min_size=len(RATED), max_size=len(RATED)),
       oor=st.sampled_from(["error", "missing"]))
def test_dataframe_path(t, dtypes, oor):
    df, plants = t
    for c, dt in zip(RATED, dtypes):
        df[c] = _as_dtype(list(df[c]), plants[c], dt)
    _outcome(df, plants, df, oor)


@FAST
@given(n=st.integers(1, 8), dtype=st.sampled_from(["bool", "boolean", "datetime64[ns]", "timedelta64[ns]"]))
def test_dataframe_non_rating_dtypes_refused(n, dtype):
    df = pd.DataFrame({c: pd.Series([1] * n).astype(dtype) for c in RATED}).assign(seg="A")
    with pytest.raises(DataError, match=r"column 'E1', row 1.*not ratings|true/false"):
        _read(df, "error")


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), sep=st.sampled_from([",", ";", "\t"]), oor=st.sampled_from(["error", "missing"]))
def test_csv_path_long(tmp_path_factory, t, sep, oor):
    df, plants = t
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_text(df.to_csv(index=False, sep=sep, lineterminator="\n"), encoding="utf-8")
    _outcome(path, plants, df, oor)
