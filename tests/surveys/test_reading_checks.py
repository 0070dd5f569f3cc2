"""Reading checks that need more than one file of the corpus: workbook size limits, what the reader
detected (encoding, separator, decimal mark) in the metadata, missing optional readers, damaged Dask
partitions, and sheets joined like files."""

import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from malformed_corpus import COLS, ITEMS, _xlsx, base, csv_text

import servgap as sg
from servgap.errors import DataError, DataQualityWarning
from servgap.surveys import workbooks


def _read(src, **kw):
    return sg.read_survey(src, columns=COLS, id="id", segments="branch", **kw)


def test_zip_bomb_refused_before_parsing(tmp_path, monkeypatch):
    path = _xlsx(tmp_path, {"Sheet1": base()})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:     # 40 MB of one byte: ratio ~1000
        z.writestr("xl/worksheets/sheet9.xml", b"<x/>" + b" " * 40_000_000)
    called = []
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: called.append(1))
    with pytest.raises(DataError, match=r"book.xlsx.*sheet9.xml inflates from .* to 40,000,004 bytes.*zip bomb"):
        _read(path)
    assert not called                                   # refused before any parsing


def test_inflated_size_limit(tmp_path, monkeypatch):
    path = _xlsx(tmp_path, {"Sheet1": base()})
    monkeypatch.setattr(workbooks, "MAX_INFLATED_BYTES", 1000)
    with pytest.raises(DataError, match=r"inflates to [\d,]+ bytes, above the limit of 1,000.*CSV or Parquet"):
        _read(path)


def test_detected_format_is_in_the_metadata(tmp_path):
    df = base()
    df["E1"] = df["E1"] + 0.5 * (df["E1"] < 7)
    (tmp_path / "eu.csv").write_text(csv_text(df, sep=";", decimal=","), encoding="utf-8")
    s = _read(tmp_path / "eu.csv")
    assert s.metadata["sep"] == ";" and s.metadata["decimal"] == ","
    np.testing.assert_array_equal(s.data["expected"][:, 0], df["E1"].to_numpy(float))    # 5,5 read as 5.5
    zh = base().assign(branch=lambda d: d["branch"].map({"A": "北京分行", "B": "上海分行"}))
    (tmp_path / "gbk.csv").write_bytes(csv_text(zh).encode("gbk"))
    with pytest.warns(DataQualityWarning, match=r"encoding=\"auto\" read it as (gb18030|gbk|gb2312)"):
        s = _read(tmp_path / "gbk.csv", encoding="auto")
    assert s.metadata["encoding"] in ("gb18030", "gbk", "gb2312")
    assert set(s.segments["branch"]) == {"北京分行", "上海分行"}


def test_missing_xls_reader_says_what_to_install(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_calamine(name, *a, **k):
        if name == "python_calamine":
            raise ImportError("no module")
        return real(name, *a, **k)

    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    monkeypatch.setattr(builtins, "__import__", no_calamine)
    with pytest.raises(ImportError, match=r"python-calamine.*pip install 'servgap\[excel\]'"):
        _read(tmp_path / "old.xls")


def test_damaged_dask_partition_is_named(tmp_path):
    pytest.importorskip("dask.dataframe")
    d = tmp_path / "parts"
    d.mkdir()
    base().iloc[:6].to_parquet(d / "part-0.parquet")
    base(seed=2).iloc[6:].to_parquet(d / "part-1.parquet")
    data = (d / "part-1.parquet").read_bytes()
    (d / "part-1.parquet").write_bytes(data[: len(data) // 2])           # truncated
    with pytest.raises(DataError, match=r"part-1\.parquet.*not a readable Parquet file"):
        _read(d, engine="dask")


def test_sheets_give_the_same_numbers_as_one_table(tmp_path):
    b = base(n=30, seed=4)
    e = b[["id", "branch"] + [f"E{i}" for i in ITEMS]]
    p = b[["id"] + [f"P{i}" for i in ITEMS]].sample(frac=1, random_state=1)        # another row order
    path = _xlsx(tmp_path, {"E": e, "P": p, "notes": pd.DataFrame({"x": ["readme"]})})
    joined = _read(path, sheet=["E", "P"])
    ref = _read(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, r = sg.analyze(joined).dimensions, sg.analyze(ref).dimensions
    np.testing.assert_allclose(a["mean_gap"].to_numpy(float), r["mean_gap"].to_numpy(float), rtol=1e-12)
    assert joined.source == "book.xlsx[E] + book.xlsx[P]"
    with pytest.raises(DataError, match=r"book.xlsx\[notes\].*'id'.*not in the data"):
        _read(path, sheet=None)



def test_a_cover_sheet_with_a_title_points_to_the_sheet_with_the_data(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "2024年客户满意度调查"
    ws = wb.create_sheet("Sheet1")
    b = base(n=12, seed=2)
    ws.append(list(b.columns))
    for row in b.itertuples(index=False):
        ws.append(list(row))
    wb.save(tmp_path / "cover.xlsx")
    with pytest.raises(DataError, match=r"sheet '封面': the sheet has no rows below its first line "
                                        r"\('2024年客户满意度调查'\).*pass sheet='Sheet1'"):
        _read(tmp_path / "cover.xlsx")
    assert _read(tmp_path / "cover.xlsx", sheet="Sheet1").n == 12

@pytest.mark.parametrize("cell, words, absent", [
    ("Strongly agree", ("value label of code 7", "export the codes"), ("missing=",)),
    ("5,5", ("number 5.5 (on the scale)", "decimal=','"), ("missing=",)),
    ("55,5", ("number 55.5 written with a decimal comma",), ("on the scale", "missing=")),
    ("The staff were friendly but the queue was very long today", ("free text", "columns="), ("missing=",)),
    ("x9", ("missing=['x9']",), ()),
    ("2 or 3", ("number inside other text", "one number per cell"), ("missing=",)),
    ("约5", ("number inside other text",), ("missing=",)),
])
def test_fixes_are_right_for_the_value(cell, words, absent):
    from servgap.surveys.values import Codes, numbers

    s = pd.Series(["5", cell, "6"], dtype=object)
    with pytest.raises(DataError) as err:
        numbers(s, "E1", "f.sav", Codes(), scale=(1, 7), labels={1.0: "Strongly disagree", 7.0: "Strongly agree"})
    msg = str(err.value)
    assert "file 'f.sav', column 'E1', row 2" in msg
    for w in words:
        assert w in msg, msg
    for w in absent:
        assert w not in msg, msg


@pytest.mark.parametrize("cells, want", [
    (["5分", "6 分", "７分"], [5, 6, 7]),
    (["非常同意(7)", "同意（6）", "一般 (4)"], [7, 6, 4]),
    (["7 非常同意", "6、同意", "4-一般"], [7, 6, 4]),
    (["7 - Strongly agree", "6: Agree", "(4)"], [7, 6, 4]),
    (["7 points", "1 point", "3 pts"], [7, 1, 3]),
])
def test_a_rating_with_its_unit_or_label_around_it_is_read_and_counted(cells, want):
    """A valid rating in another form is read as its number and counted as number_in_text (never refused
    with "declare it missing"); other columns than ratings do not take text numbers."""
    from servgap.surveys.values import Codes, numbers

    s = pd.Series([*cells, "", "5"], dtype=object)
    x, counts = numbers(s, "E1", "f.csv", Codes(), scale=(1, 7))
    np.testing.assert_array_equal(x, [*want, np.nan, 5.0])
    assert counts["number_in_text"] == len(cells) and counts["missing"] == 1
    with pytest.raises(DataError, match="not a number"):
        numbers(pd.Series(["5分"], dtype=object), "weight", "f.csv", Codes(), codes_apply=False)


@pytest.mark.parametrize("lo, hi", [(1, 9), (0, 6), (0, 10), (1, 5)])
def test_ratings_on_another_scale_get_the_scale_as_the_fix(tmp_path, lo, hi):
    """Answers that run on from the scale (1-9, 0-6 against 1-7) are another scale: the message says so and
    names the scale, never "declare them missing"; with_scale and a configuration's scale: read them. A 1-5
    survey fits inside 1-7 and is read as it is; an isolated 99 is still a code."""
    rng = np.random.default_rng(lo + hi)
    df = pd.DataFrame({f"{v}{i}": rng.integers(lo, hi + 1, 80) for v in "EP" for i in sg.SERVQUAL22.item_ids})
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    if (lo, hi) == (1, 5):                     # inside 1-7: read as it is, and the narrower scale pointed out
        from servgap.errors import DataQualityWarning

        with pytest.warns(DataQualityWarning, match=r"answers lie between 1 and 5 on the instrument's 1-7 scale.*"
                                                    r"with_scale\(1, 5\)"):
            assert sg.read_survey(df, columns=cols).n == 80
    else:
        with pytest.raises(DataError) as err:
            sg.read_survey(df, columns=cols)
        msg = str(err.value)
        assert f"the data are on a {lo}-{hi} scale" in msg and f"with_scale({lo}, {hi})" in msg
        assert "missing=" not in msg
    sv = sg.read_survey(df, sg.SERVQUAL22.with_scale(lo, hi), columns=cols)
    assert (sv.instrument.scale_min, sv.instrument.scale_max) == (lo, hi) and sv.n == 80
    df.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "s.yaml").write_text(f'scale: [{lo}, {hi}]\ncolumns: {{expected: "E{{item}}", perceived: '
                                     f'"P{{item}}"}}\n', encoding="utf-8")
    from servgap.config import load_config

    (s,) = load_config(tmp_path / "s.yaml").read([str(tmp_path / "s.csv")])
    assert s.instrument.scale_max == hi and s.n == 80
    one = df.copy()
    one = one.clip(1, 7)
    one.loc[3, "E1"] = 99
    with pytest.raises(DataError, match=r"missing=\[99\]"):
        sg.read_survey(one, columns=cols)



def test_a_totals_row_under_the_answers_is_named_with_delete_as_the_fix(tmp_path):
    """合计 with the column sums: every out-of-scale cell lies in that row; the fix is to delete the row, not to
    declare one of 44 sums a missing code. A means row (平均, in range) is found by its id."""
    rng = np.random.default_rng(7)
    e, p = rng.integers(1, 8, (30, 22)), rng.integers(1, 8, (30, 22))
    df = pd.DataFrame({"resp_id": [f"r{i}" for i in range(30)]} | {f"E{i}": e[:, k] for k, i in enumerate(sg.SERVQUAL22.item_ids)}
                      | {f"P{i}": p[:, k] for k, i in enumerate(sg.SERVQUAL22.item_ids)})
    df.loc[30] = ["合计", *e.sum(0).tolist(), *p.sum(0).tolist()]
    df.to_csv(tmp_path / "totals.csv", index=False)
    with pytest.raises(DataError) as err:
        sg.read_survey(tmp_path / "totals.csv", columns={"expected": "E{item}", "perceived": "P{item}"})
    msg = str(err.value)
    assert "row 31" in msg and "All of them are in row 31" in msg and "Delete that row" in msg
    assert "missing=" not in msg
    df = df.iloc[:30].astype({c: float for c in df.columns[1:]})
    df.loc[30] = ["平均", *e.mean(0).round(2).tolist(), *p.mean(0).round(2).tolist()]    # in range: by its id
    df.to_csv(tmp_path / "means.csv", index=False)
    with pytest.raises(DataError, match=r"column 'resp_id', row 31, value '平均': a summary row .* Delete it"):
        sg.read_survey(tmp_path / "means.csv", columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id")
    for label in ("Total", "合计：", "Total:", "平均值（分）"):
        df.loc[30, "resp_id"] = label
        with pytest.raises(DataError, match=r"value '.*': a summary row"):
            sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id")

def test_column_patterns_match_ignoring_case_with_a_warning():
    """E{item} finds e1 ... e22 (one column each, case and spaces ignored) and says so; a pattern with no such
    match is still refused."""
    from servgap.errors import ColumnError, DataQualityWarning

    rng = np.random.default_rng(3)
    ids = sg.SERVQUAL22.item_ids
    df = pd.DataFrame({f"{v}{i}": rng.integers(1, 8, 12) for v in "ep" for i in ids})
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    with pytest.warns(DataQualityWarning) as seen:
        sv = sg.read_survey(df, columns=cols)
    said = [str(w.message) for w in seen]
    assert any("'expected' columns were matched ignoring case and spaces ('E1' -> 'e1'" in m for m in said)
    assert any("'perceived' columns were matched ignoring case and spaces ('P1' -> 'p1'" in m for m in said)
    np.testing.assert_array_equal(sv.data["expected"][:, 0], df["e1"].to_numpy(float))
    with pytest.raises(ColumnError, match=r"'expected' pattern 'X\{item\}' matches no column"):
        sg.read_survey(df, columns={"expected": "X{item}", "perceived": "P{item}"})


def test_title_lines_above_the_header_are_skipped_and_said(tmp_path):
    """A questionnaire title (and a blank line, or Excel's "sep=" line) above the header: the header is
    found, the lines are skipped with a DataQualityWarning, and error rows still count from the header."""
    from servgap.errors import DataQualityWarning

    rng = np.random.default_rng(5)
    ids = sg.SERVQUAL22.item_ids
    df = pd.DataFrame({f"{v}{i}": rng.integers(1, 8, 15) for v in "EP" for i in ids})
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    (tmp_path / "t.csv").write_text("银行服务质量调查问卷\n\n" + df.to_csv(index=False), encoding="utf-8")
    (tmp_path / "s.csv").write_text("sep=;\n" + df.to_csv(index=False, sep=";"), encoding="utf-8")
    with pd.ExcelWriter(tmp_path / "t.xlsx") as w:
        pd.DataFrame([["银行服务质量调查问卷"], ["2025年第二季度"]]).to_excel(w, index=False, header=False)
        df.to_excel(w, index=False, startrow=3)
    for name, k in (("t.csv", 2), ("s.csv", 1), ("t.xlsx", 3)):
        with pytest.warns(DataQualityWarning, match=rf"{k} title lines? above the header skipped"):
            sv = sg.read_survey(str(tmp_path / name), columns=cols)
        assert sv.n == 15 and sv.metadata["title_rows"] == k, name
        np.testing.assert_array_equal(sv.data["perceived"][:, 21], df["P22"].to_numpy(float))
    bad = df.copy()
    bad.loc[4, "E3"] = 12                                           # data row 5, file line 2 + 1 + 5
    (tmp_path / "b.csv").write_text("银行服务质量调查问卷\n\n" + bad.to_csv(index=False), encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'E3', row 7, value 12"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sg.read_survey(str(tmp_path / "b.csv"), columns=cols)
    df.to_csv(tmp_path / "plain.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        assert "title_rows" not in sg.read_survey(str(tmp_path / "plain.csv"), columns=cols).metadata


def test_answer_codes_get_scale_labels_as_the_fix():
    """LimeSurvey's array answer codes (A1 … A7) are answers, not missing codes: the fix maps them."""
    rng = np.random.default_rng(5)
    codes = rng.integers(1, 8, (25, 22))
    df = pd.DataFrame({f"E{i}": [f"A{v}" for v in codes[:, k]] for k, i in enumerate(sg.SERVQUAL22.item_ids)})
    with pytest.raises(DataError) as err:
        sg.read_survey(df, columns={"expected": "E{item}"})
    msg = str(err.value)
    assert "column 'E1', row 1" in msg and "answer code" in msg and "scale_labels={'A1': 1, …, 'A7': 7}" in msg
    assert "missing=" not in msg
    s = sg.read_survey(df, columns={"expected": "E{item}"}, scale_labels={f"A{k}": k for k in range(1, 8)})
    np.testing.assert_array_equal(s.data["expected"], codes)


def test_item_template_finds_zero_padded_columns():
    """E{item} names E01 … E22 when the file pads the item numbers (an SPSS and Excel habit)."""
    rng = np.random.default_rng(0)
    ids = sg.SERVQUAL22.item_ids
    df = pd.DataFrame({f"{v}{int(i):02d}": rng.integers(1, 8, 30) for v in "EP" for i in ids})
    s = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"})
    np.testing.assert_array_equal(s.data["expected"], df[[f"E{int(i):02d}" for i in ids]].to_numpy())
    assert s.metadata["columns"]["perceived"]["1"] == "P01"


def test_a_number_whose_label_names_another_rating_is_refused():
    """'7 - Strongly disagree': the number and the label contradict each other (reversed coding would flip
    every gap); '5 - Strongly agree' on a 5-point question read with the 1-7 instrument names the 5-point
    scale. Labels that agree with their numbers read as before."""
    en7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
           "Agree", "Strongly agree"]
    ids = sg.SERVQUAL22.item_ids
    df = pd.DataFrame({f"E{i}": [f"{k + 1} - {en7[k]}" for k in range(7)] for i in ids})
    assert sg.read_survey(df, columns={"expected": "E{item}"}).data["expected"][:, 2].tolist() == [1, 2, 3, 4, 5, 6, 7]
    bad = df.copy()
    bad.loc[2, "E3"] = "7 - Strongly disagree"
    with pytest.raises(DataError, match=r"column 'E3', row 3, value '7 - Strongly disagree': its number is 7 but "
                                        r"its label is rating 1 of the 1-7 scale"):
        sg.read_survey(bad, columns={"expected": "E{item}"})
    en5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    five = pd.DataFrame({f"E{i}": [f"{k + 1} - {en5[k]}" for k in range(5)] for i in ids})
    with pytest.raises(DataError, match=r"those of a 5-point scale.*with_scale\(1, 5\)"):
        sg.read_survey(five, columns={"expected": "E{item}"})
    s = sg.read_survey(five, sg.SERVQUAL22.with_scale(1, 5), columns={"expected": "E{item}"})
    assert s.data["expected"][:, 0].tolist() == [1, 2, 3, 4, 5]


def test_full_width_weights_are_counted():
    """A weight typed ２ is read as 2 and counted, as rating cells are."""
    df = base(n=6, seed=3).assign(w=["２", "1", "1", "1.5", "１.５", "1"])
    s = sg.read_survey(df, columns=COLS, weight="w")
    np.testing.assert_array_equal(s.weights, [2, 1, 1, 1.5, 1.5, 1])
    assert s.quality.set_index(["column", "issue"])["count"][("w", "full_width_digits")] == 2
