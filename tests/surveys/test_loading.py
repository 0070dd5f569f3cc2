"""Loading and validation: formats, layouts, joins, missing codes and clear errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servgap as sg
from servgap.errors import ColumnError, ConfigError, DataError, DataQualityWarning, PairingError
from factories import make_customers

COLS = {"expected": "E{item}", "perceived": "P{item}"}


def _same(a, b, cols=("mean_gap", "p", "ci_low", "statistic")):
    for c in cols:
        np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, equal_nan=True)


@pytest.fixture
def cust_df():
    return make_customers(n=80, seed=3)


def test_formats_give_identical_results(tmp_path, cust_df):
    ref = sg.analyze(sg.read_survey(cust_df, columns=COLS, id="id", segments="branch"), by="branch").items
    cust_df.to_csv(tmp_path / "c.csv", index=False)
    cust_df.to_excel(tmp_path / "c.xlsx", index=False)
    cust_df.to_parquet(tmp_path / "c.parquet")
    import pyreadstat

    pyreadstat.write_sav(cust_df, str(tmp_path / "c.sav"), variable_value_labels={"E1": {1.0: "very low"}})
    for f in ["c.csv", "c.xlsx", "c.parquet", "c.sav"]:
        s = sg.read_survey(tmp_path / f, columns=COLS, id="id", segments="branch")
        assert s.source == f
        _same(sg.analyze(s, by="branch").items, ref)
    s = sg.read_survey(tmp_path / "c.sav", columns=COLS, id="id", segments="branch")
    assert s.metadata["value_labels"]["E1"] == {1.0: "very low"}


def test_chinese_headers_and_gbk(tmp_path):
    df = make_customers(n=30, seed=1)
    zh = df.rename(columns=lambda c: c.replace("E", "期望").replace("P", "感知")).rename(
        columns={"branch": "网点", "id": "编号"})
    zh["网点"] = zh["网点"].map({"A": "北京分行", "B": "上海分行", "C": "深圳分行"})
    path = tmp_path / "客户.csv"
    zh.to_csv(path, index=False, encoding="gbk")
    with pytest.warns(DataQualityWarning, match=r"not UTF-8 but Chinese Windows text: read as GB18030"):
        auto = sg.read_survey(path, columns={"expected": "期望{item}", "perceived": "感知{item}"}, id="编号",
                              segments="网点")
    s = sg.read_survey(path, columns={"expected": "期望{item}", "perceived": "感知{item}"}, id="编号",
                       segments="网点", encoding="gbk")
    assert auto.metadata["encoding"] == "gb18030"
    np.testing.assert_array_equal(auto.data["expected"], s.data["expected"])
    assert auto.segments["网点"].tolist() == s.segments["网点"].tolist()
    res = sg.analyze(s, by="网点")
    assert set(res.dimensions["网点"]) == {"北京分行", "上海分行", "深圳分行"}
    ref = sg.analyze(sg.read_survey(df, columns=COLS), by=None)
    _same(sg.analyze(s).dimensions, ref.dimensions)



def test_western_windows_text_is_not_taken_for_gbk(tmp_path):
    """cp1252 'Zürich' decodes as GB18030 too (ü + r is the rare GBK character 黵): such a file is refused
    with cp1252 as the fix, never read with its labels garbled."""
    from servgap.errors import DataError

    df = make_customers(n=30, seed=1)
    df["branch"] = df["branch"].map({"A": "Zürich", "B": "Genève", "C": "Köln"})
    path = tmp_path / "west.csv"
    df.to_csv(path, index=False, encoding="cp1252")
    with pytest.raises(DataError, match=r"line 2: .*Western Windows export: as cp1252 the line reads .*"
                                        r"try encoding='cp1252'") as err:
        sg.read_survey(path, columns=COLS, id="id", segments="branch")
    assert "gbk" not in str(err.value)
    s = sg.read_survey(path, columns=COLS, id="id", segments="branch", encoding="cp1252")
    assert sorted(s.segments["branch"].unique()) == ["Genève", "Köln", "Zürich"]

def test_long_layout_equals_wide(cust_df):
    wide = sg.read_survey(cust_df, columns=COLS, id="id", segments="branch")
    long = cust_df.melt(id_vars=["id", "branch"], var_name="col", value_name="score")
    long["type"] = long["col"].str[0]
    long["q"] = long["col"].str[1:].astype(int)
    long = long.drop(columns="col").sample(frac=1, random_state=0)
    s = sg.read_survey(long, layout="long", columns={"expected": "E", "perceived": "P"}, id="id", segments="branch",
                       long_columns={"item": "q", "viewpoint": "type", "value": "score"})
    a = sg.analyze(s, by="branch").items
    b = sg.analyze(wide, by="branch").items
    _same(a, b)


def test_two_files_joined_by_id(cust_df):
    e = cust_df[["id", "branch"] + [f"E{i}" for i in sg.SERVQUAL22.item_ids]]
    p = cust_df[["id"] + [f"P{i}" for i in sg.SERVQUAL22.item_ids]].iloc[5:]       # 5 ids lack perceptions
    extra = make_customers(n=3, seed=9).assign(id=[901, 902, 903])[p.columns]       # 3 ids lack expectations
    p = pd.concat([p, extra])
    s = sg.read_survey([e.assign(**{}).rename_axis(None), p], columns=COLS, id="id", segments="branch")
    q = s.quality.set_index(["source", "column", "issue"])["count"]
    assert q[("<DataFrame>", "id", "unmatched_id")] == 8
    assert s.n == 83
    res = sg.analyze(s)
    assert res.items["n"].max() == 75          # only the matched respondents form pairs
    with pytest.raises(ConfigError, match="id"):
        sg.read_survey([e, p], columns=COLS)




def test_long_layout_strips_ids_and_segments_like_the_wide_one(cust_df):
    """' 1' and '1' are one respondent, 'B ' and 'B' one segment, in a long table too (they were a phantom
    respondent and a "several values" refusal); each rewrite is counted."""
    long = cust_df.melt(id_vars=["id", "branch"], var_name="col", value_name="score")
    long["type"], long["q"] = long["col"].str[0], long["col"].str[1:].astype(int)
    long = long.drop(columns="col").astype({"id": str})
    first = long["id"] == long["id"].iloc[0]
    long.loc[first & (long["q"] == 3), "id"] = " " + long["id"].iloc[0]
    long.loc[first & (long["q"] == 5), "branch"] = long["branch"].iloc[0] + " "
    kw = dict(layout="long", columns={"expected": "E", "perceived": "P"}, id="id", segments="branch",
              long_columns={"item": "q", "viewpoint": "type", "value": "score"})
    s = sg.read_survey(long, **kw)
    ref = sg.read_survey(long.assign(id=long["id"].str.strip(), branch=long["branch"].str.strip()), **kw)
    assert s.n == ref.n == len(cust_df)
    np.testing.assert_array_equal(s.data["expected"], ref.data["expected"])
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("id", "id_normalised")] == 1 and q[("branch", "segment_normalised")] == 1

def test_a_column_in_both_joined_files_must_agree(cust_df):
    """The join keeps one value per column: a column both files hold with other values for one respondent is
    refused (it was the first file's value, silently); equal values (a segment in both) are fine."""
    from servgap.errors import DataError

    e = cust_df[["id", "branch"] + [f"E{i}" for i in sg.SERVQUAL22.item_ids]]
    p = cust_df[["id", "branch", "E1"] + [f"P{i}" for i in sg.SERVQUAL22.item_ids]].astype({"E1": float})
    s = sg.read_survey([e, p], columns=COLS, id="id", segments="branch")             # same branch, E1 5 vs 5.0
    assert s.n == len(cust_df)
    p.loc[p.index[2], "E1"] = (p["E1"].iloc[2] % 7) + 1
    with pytest.raises(DataError, match=r"column 'E1': respondent .* has .* here but .* \(1 such ids\); servgap "
                                        r"cannot tell which holds the answer"):
        sg.read_survey([e, p], columns=COLS, id="id", segments="branch")

def test_missing_codes_and_out_of_range(cust_df):
    df = cust_df.copy()
    df.loc[[0, 1], "E1"] = 0
    df.loc[2, "E1"] = -99
    df.loc[3, "P2"] = np.nan
    df.loc[4, "P3"] = 9
    s = sg.read_survey(df, columns=COLS, missing=[0, -99, 9])
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("E1", "missing_code")] == 3 and q[("P3", "missing_code")] == 1 and q[("P2", "missing")] == 1
    df.loc[7, "P5"] = 8
    with pytest.raises(DataError) as err:
        sg.read_survey(df, columns=COLS, missing=[0, -99, 9], name="survey.csv")
    msg = str(err.value)
    for key in ("survey.csv", "P5", "row 8", "8", "1-7", "out_of_range"):
        assert key in msg
    s = sg.read_survey(df, columns=COLS, missing=[0, -99, 9], out_of_range="missing")
    assert s.quality.set_index(["column", "issue"])["count"][("P5", "out_of_range")] == 1


def test_text_codes_and_non_numeric(cust_df):
    df = cust_df.astype({"E4": object})
    df.loc[10, "E4"] = "NA"
    s = sg.read_survey(df, columns=COLS, missing=["NA"])
    assert s.quality.set_index(["column", "issue"])["count"][("E4", "missing_code")] == 1
    df.loc[11, "E4"] = "five"
    with pytest.raises(DataError) as err:
        sg.read_survey(df, columns=COLS, missing=["NA"])
    assert "E4" in str(err.value) and "row 12" in str(err.value) and "'five'" in str(err.value)
    assert "not a number" in str(err.value)


def test_duplicate_ids_unknown_columns_and_patterns(cust_df):
    df = cust_df.copy()
    df.loc[5, "id"] = 1
    with pytest.raises(DataError, match=r"duplicate respondent id.*rows 1, 6"):
        sg.read_survey(df, columns=COLS, id="id")
    with pytest.raises(ColumnError, match="Did you mean 'branch'"):
        sg.read_survey(cust_df, columns=COLS, segments="brnch")
    with pytest.raises(ColumnError, match="matches no column"):
        sg.read_survey(cust_df, columns={"expected": "X{item}", "perceived": "P{item}"})
    with pytest.raises(ColumnError, match="missing"):
        sg.read_survey(cust_df.drop(columns=["P7"]), columns=COLS)
    mapping = {i: f"E{i}" for i in sg.SERVQUAL22.item_ids} | {"23": "E23"}
    with pytest.raises(ColumnError, match="does not have: '23'"):
        sg.read_survey(cust_df, columns={"expected": mapping, "perceived": "P{item}"})
    with pytest.raises(ConfigError, match="placeholder"):
        sg.read_survey(cust_df, columns={"expected": "E", "perceived": "P{item}"})
    with pytest.raises(ConfigError, match="unknown viewpoint"):
        sg.read_survey(cust_df, columns={"expectation": "E{item}"})
    with pytest.raises(DataError, match="no such file"):
        sg.read_survey("does_not_exist.csv", columns=COLS)
    assert issubclass(DataError, ValueError) and issubclass(PairingError, ValueError)


def test_bad_parameters(example):
    cust, _ = example
    with pytest.raises(ConfigError, match="correction"):
        sg.analyze(cust, correction="sidak")
    with pytest.raises(ConfigError, match="test"):
        sg.analyze(cust, test="anova")
    with pytest.raises(ConfigError, match="segment"):
        sg.analyze(cust, by="region")


def test_reverse_scored_items():
    inst = sg.Instrument.from_dict({"id": "rev", "scale": {"min": 1, "max": 5}, "dimensions": [
        {"id": "d", "items": [{"id": "1"}, {"id": "2", "reverse": True}]}]})
    df = pd.DataFrame({"E1": [5, 4], "E2": [1, 2], "P1": [3, 3], "P2": [4, 5]})
    s = sg.read_survey(df, inst, columns=COLS)
    np.testing.assert_array_equal(s.data["expected"][:, 1], [5, 4])
    np.testing.assert_array_equal(s.data["perceived"][:, 1], [2, 1])
    assert s.quality.set_index(["column", "issue"])["count"][("E2", "reverse_scored")] == 2


def test_custom_instrument_yaml(tmp_path):
    (tmp_path / "scale.yaml").write_text(
        "id: bank5\nscale: {min: 1, max: 5}\ndimensions:\n"
        "  - id: speed\n    name: {en: Speed, zh: 速度}\n    items: [{id: s1}, {id: s2}]\n"
        "  - id: care\n    items: [{id: c1}]\n", encoding="utf-8")
    inst = sg.Instrument.from_yaml(tmp_path / "scale.yaml")
    assert inst.dimension_ids == ["speed", "care"] and inst.dimension("speed").label("zh") == "速度"
    (tmp_path / "bad.yaml").write_text("id: x\ndimensions: []\n")
    with pytest.raises(ConfigError, match="dimensions"):
        sg.Instrument.from_yaml(tmp_path / "bad.yaml")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_shuffled_rows_and_columns_give_identical_results(seed):
    df = make_customers(n=40, seed=7)
    df.loc[df.index[::7], "E3"] = 0
    rng = np.random.default_rng(seed)
    shuffled = df.iloc[rng.permutation(len(df)), rng.permutation(df.shape[1])]
    kw = dict(columns=COLS, id="id", segments="branch", missing=[0])
    a = sg.analyze(sg.read_survey(df, **kw), by="branch", test="wilcoxon")
    b = sg.analyze(sg.read_survey(shuffled, **kw), by="branch", test="wilcoxon")
    for t in ("items", "dimensions", "overall"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.quality, b.quality)
