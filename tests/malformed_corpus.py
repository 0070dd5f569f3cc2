"""A corpus of malformed survey files, generated into a folder: each case is a correct read or a
clear servgap error (tests/surveys/test_malformed.py runs them through read_survey and the CLI).

A case writes its file(s) with ``make(folder)`` and gives the ``read_survey`` keywords; it
expects either ``ok`` (optionally checked by ``check(survey)``) or an error of class
``error`` whose message holds every word of ``words`` (file, column, row, value, fix).
"""

from __future__ import annotations

import datetime
import decimal
import gzip
import io
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

import servgap as sg
from servgap.errors import ColumnError, ConfigError, DataError

ITEMS = sg.SERVQUAL22.item_ids
COLS = {"expected": "E{item}", "perceived": "P{item}"}


def base(n: int = 12, seed: int = 0) -> pd.DataFrame:
    """A tidy customer table: id, branch, E1..E22, P1..P22 (integers 1-7)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.arange(1, n + 1), "branch": rng.choice(["A", "B"], n)})
    for i in ITEMS:
        df[f"E{i}"] = rng.integers(1, 8, n)
        df[f"P{i}"] = rng.integers(1, 8, n)
    return df


def csv_text(df: pd.DataFrame, sep: str = ",", **kw) -> str:
    return df.to_csv(index=False, sep=sep, lineterminator="\n", **kw)


def q(survey, issue, column=None) -> int:
    """The ledger count of ``issue`` (in ``column``) of a survey."""
    t = survey.quality
    t = t[t["issue"] == issue]
    if column is not None:
        t = t[t["column"] == column]
    return int(t["count"].sum())


@dataclass
class Case:
    name: str
    make: Callable                       # folder -> path (str) or list of paths, or a DataFrame
    kwargs: dict = field(default_factory=dict)
    error: type | None = None            # expected exception class (None: a correct read)
    words: tuple = ()                    # words the message must hold
    absent: tuple = ()                   # words it must not hold (a wrong fix)
    check: Callable | None = None        # survey -> None (asserts)
    cli: bool = True                     # also run through `servgap validate`
    warns: bool = False                  # a DataQualityWarning is expected

    @property
    def read_kwargs(self) -> dict:
        return {"columns": COLS, "id": "id", "segments": "branch", **self.kwargs}


def _write(name: str, data, mode="w", encoding="utf-8"):
    def make(folder):
        path = folder / name
        if mode == "wb":
            path.write_bytes(data(folder) if callable(data) else data)
        else:
            path.write_text(data(folder) if callable(data) else data, encoding=encoding, newline="")
        return str(path)
    return make


def _frame(fn):
    return lambda folder: fn()


def _with(df: pd.DataFrame, **cells) -> pd.DataFrame:
    """``df`` with ``(row, column) -> value`` cells set (object columns where needed)."""
    df = df.copy()
    for key, value in cells.items():
        col, row = key.rsplit("_", 1)
        df[col] = df[col].astype(object)
        df.loc[int(row), col] = value
    return df


def _gbk_bytes() -> bytes:
    df = base().rename(columns={"branch": "网点"})
    df["网点"] = df["网点"].map({"A": "北京分行", "B": "上海分行"})
    return csv_text(df).encode("gbk")


def _mixed(first: str, second: str) -> bytes:
    df = base().rename(columns={"branch": "网点"})
    df["网点"] = df["网点"].map({"A": "北京分行", "B": "上海分行"})
    lines = csv_text(df).splitlines(keepends=True)
    return "".join(lines[:6]).encode(first) + "".join(lines[6:]).encode(second)


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


def _xlsx(folder, sheets: dict, name="book.xlsx", formula_at=None) -> str:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, df in sheets.items():
        ws = wb.create_sheet(title)
        if df is None:
            continue
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([v.item() if hasattr(v, "item") else v for v in row])
    if formula_at:
        wb[formula_at[0]][formula_at[1]] = "=1+1"
    path = folder / name
    wb.save(path)
    return str(path)


def _parquet(df, name="d.parquet"):
    def make(folder):
        path = folder / name
        df.to_parquet(path)
        return str(path)
    return make


def _sav(df, name="d.sav", **kw):
    def make(folder):
        import pyreadstat

        path = folder / name
        pyreadstat.write_sav(df, str(path), **kw)
        return str(path)
    return make


def _parquet_dir(folder):
    d = folder / "waves"
    d.mkdir()
    base().iloc[:6].to_parquet(d / "part-0.parquet")
    (d / "part-1.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    return str(d)


def _bomb(folder):
    df = base()
    path = _xlsx(folder, {"Sheet1": df})
    return path


def _long_frame(items):
    rows = [{"id": r, "item": it, "kind": k, "score": 4} for r in (1, 2) for it in items for k in ("E", "P")]
    return pd.DataFrame(rows)


def _mixed_segments():
    df = base()
    df["branch"] = pd.Series([1, 1.0, "1", "A", None, "A ", 2, 2.0, "B", "B", "A", 1], dtype=object)
    return df


def _check_value(col, row, value):
    def check(s):
        vp = "expected" if col.startswith("E") else "perceived"
        got = s.data[vp][row, ITEMS.index(col[1:])]
        assert got == value, (col, row, got, value)
    return check


def _all(*checks):
    def check(s):
        for c in checks:
            c(s)
    return check


def _ledger(issue, count, column=None):
    def check(s):
        assert q(s, issue, column) == count, (issue, column, q(s, issue, column), count, s.quality)
    return check


def _n(n):
    def check(s):
        assert s.n == n, (s.n, n)
    return check


def _segments(values, column="branch"):
    def check(s):
        got = sorted(map(str, s.segments[column].dropna().unique()))
        assert got == sorted(values), got
    return check


def _cases() -> list[Case]:
    b = base()
    text = csv_text(b)
    cases = [
        # -- encodings -------------------------------------------------------------------------
        Case("utf8_bom", _write("bom.csv", text.encode("utf-8-sig"), "wb"), check=_n(12)),
        Case("gbk_without_encoding", _write("gbk.csv", _gbk_bytes(), "wb"), {"segments": "网点"},
             check=_segments(["上海分行", "北京分行"], "网点"), warns=True),
        Case("gbk_with_encoding", _write("gbk.csv", _gbk_bytes(), "wb"), {"encoding": "gbk", "segments": "网点"},
             check=_segments(["上海分行", "北京分行"], "网点")),
        Case("unknown_encoding", _write("a.csv", text), {"encoding": "utf-9"}, error=ConfigError,
             words=("utf-9", "'utf-8'")),
        Case("utf16_tab_export", _write("unicode.txt", csv_text(b, sep="\t").encode("utf-16"), "wb"), check=_n(12)),
        Case("utf16_no_bom_declared", _write("u16.csv", text.encode("utf-16-le"), "wb"), {"encoding": "utf-16"},
             check=_n(12)),
        Case("utf16_no_bom_undeclared", _write("u16.csv", text.encode("utf-16-le"), "wb"), error=DataError,
             words=("u16.csv", "UTF-16", "utf-16-le")),
        Case("gzip_named_csv", _write("packed.csv", gzip.compress(text.encode()), "wb"), check=_n(12)),
        Case("zip_named_csv", _write("z.csv", _zip({"inner.csv": text}), "wb"), error=DataError,
             words=("z.csv", "zip archive", "inner.csv", "extract")),
        Case("xlsx_named_csv", lambda f: _rename(_xlsx(f, {"Sheet1": b}), "book.csv"), error=DataError,
             words=("book.csv", "Excel workbook", "rename it to .xlsx")),
        Case("mixed_utf8_gbk_read_as_gbk", _write("mixed.csv", _mixed("gbk", "utf-8"), "wb"),
             {"encoding": "gbk", "segments": "网点"}, error=DataError,
             words=("mixed.csv", "line 7", "mixes encodings"), absent=("try encoding='gbk'",)),
        Case("mixed_utf8_gbk_default", _write("mixed.csv", _mixed("utf-8", "gbk"), "wb"), {"segments": "网点"},
             error=DataError, words=("mixed.csv", "line 7", "mixes encodings")),
        Case("auto_encoding", _write("gbk.csv", _gbk_bytes(), "wb"), {"encoding": "auto", "segments": "网点"},
             check=_segments(["上海分行", "北京分行"], "网点"), warns=True),
        Case("bom_contradicts_encoding", _write("bom.csv", text.encode("utf-8-sig"), "wb"), {"encoding": "gbk"},
             error=DataError, words=("bom.csv", "byte-order mark", "encoding='gbk'")),
        # -- delimiters and decimal marks -----------------------------------------------------------
        Case("semicolon", _write("eu.csv", csv_text(b, sep=";")), check=_n(12)),
        Case("tab_in_csv", _write("tab.csv", csv_text(b, sep="\t")), check=_n(12)),
        Case("pipe", _write("pipe.csv", csv_text(b, sep="|")), check=_n(12)),
        Case("semicolon_decimal_comma", _write("eu.csv", csv_text(_with(b, E1_0=5.5), sep=";", decimal=",")),
             check=_check_value("E1", 0, 5.5)),
        Case("quoted_decimal_comma", _write("dc.csv", csv_text(_with(b, E1_2="5,5"))), error=DataError,
             words=("dc.csv", "'E1'", "row 3", "'5,5'", "decimal=','"), absent=("missing=",)),
        Case("frame_decimal_comma", _frame(lambda: _with(b, E1_2="5,5")), {"decimal": ","},
             check=_check_value("E1", 2, 5.5), cli=False),
        Case("bad_sep_option", _write("a.csv", text), {"sep": "::"}, error=ConfigError, words=("sep='::'",)),
        # -- header rows --------------------------------------------------------------------------------
        Case("duplicated_rating_header", _write("dup.csv", text.replace("P5,", "E5,", 1)), error=ColumnError,
             words=("dup.csv", "'E5'", "positions")),
        Case("duplicated_unused_header", _write("dup.csv", _join_cols(text, "note,note", "x,y")), check=_n(12)),
        Case("blank_unused_header", _write("blank.csv", _join_cols(text, "", "x")), check=_n(12)),
        Case("blank_id_header", _write("noid.csv", "," + text.split(",", 1)[1]), error=ColumnError,
             words=("noid.csv", "'id'", "not in the data")),
        Case("frame_duplicated_rating", _frame(lambda: pd.concat([b, b[["E3"]]], axis=1)), error=ColumnError,
             words=("'E3'", "positions"), cli=False),
        Case("frame_duplicated_segment", _frame(lambda: pd.concat([b, b[["branch"]]], axis=1)), error=ColumnError,
             words=("'branch'",), cli=False),
        Case("header_only", _write("head.csv", text.splitlines()[0] + "\n"), error=DataError,
             words=("head.csv", "no rows")),
        Case("empty_file", _write("empty.csv", ""), error=DataError, words=("empty.csv", "empty")),
        Case("extra_field_first_row_no_id", _write("extra.csv", _extra_field(text, 1)), {"id": None},
             error=DataError, words=("extra.csv", "line 2", "more fields")),
        Case("extra_field_later_row_with_id", _write("extra.csv", _extra_field(text, 4)), error=DataError,
             words=("extra.csv", "line 5", "fields"), absent=("duplicate",)),
        Case("second_header_row", _write("two.csv", _second_header(text)), error=DataError,
             words=("two.csv", "row 1", "not a number")),
        # -- ids --------------------------------------------------------------------------------------------
        Case("duplicate_ids", _write("d.csv", csv_text(_with(b, id_5=1))), error=DataError,
             words=("d.csv", "'id'", "duplicate respondent id", "rows 1, 6")),
        Case("case_differing_ids", _frame(lambda: b.assign(id=[f"r{i}" if i % 2 else f"R{i}" for i in range(12)])),
             check=_n(12), cli=False),
        Case("empty_id", _write("e.csv", csv_text(_with(b, id_3=None))), error=DataError,
             words=("e.csv", "'id'", "row 4", "empty")),
        Case("ids_with_spaces_across_files", _two_files(lambda e: e.assign(id=[f" R{i} " for i in e["id"]]),
                                                        lambda p: p.assign(id=[f"R{i}" for i in p["id"]])),
             check=_all(_ledger("unmatched_id", 0), _ledger("id_normalised", 12), _n(12)), warns=True),
        Case("int_vs_text_ids_across_files", _two_files(lambda e: e, lambda p: p.assign(id=p["id"].astype(str)),
                                                        "p.parquet"),
             check=_all(_ledger("unmatched_id", 0), _ledger("id_normalised", 12), _n(12)), warns=True),
        Case("no_common_ids_across_files", _two_files(lambda e: e, lambda p: p.assign(id=p["id"].map("{:03d}".format)),
                                                      "p.parquet"),
             error=DataError, words=("p.parquet", "'id'", "'001'", "e.csv")),
        Case("int_vs_float_ids_across_files", _two_files(lambda e: e, lambda p: p.assign(id=p["id"] + 0.0), "p.parquet"),
             check=_all(_ledger("unmatched_id", 0), _n(12))),
        # -- cells ------------------------------------------------------------------------------------------
        Case("full_width_digits", _write("fw.csv", csv_text(_with(b, E2_1="５", P3_4="６"))),
             check=_all(_ledger("full_width_digits", 2), _check_value("E2", 1, 5))),
        Case("text_in_rating", _write("t.csv", csv_text(_with(b, E4_10="five"))), error=DataError,
             words=("t.csv", "'E4'", "row 11", "'five'", "missing=['five']")),
        Case("out_of_scale", _write("o.csv", csv_text(_with(b, P5_7=8))), error=DataError,
             words=("o.csv", "'P5'", "row 8", "value 8", "1-7", "out_of_range")),
        Case("huge_number", _write("h.csv", csv_text(_with(b, P6_2=1e308))), error=DataError,
             words=("h.csv", "'P6'", "row 3", "1e+308"), absent=("1000000000000000000000",)),
        Case("typed_na_text", _write("na.csv", csv_text(_with(b, E1_0="N/A", E1_1="NaN", P2_3="NULL"))),
             check=_all(_ledger("missing_text", 2, "E1"), _ledger("missing_text", 1, "P2"), _ledger("missing_code", 0))),
        Case("declared_na_code", _write("na.csv", csv_text(_with(b, E1_0="NA", E1_1="null"))),
             {"missing": ["NA", "null"]}, check=_all(_ledger("missing_code", 2, "E1"), _ledger("missing_text", 0))),
        Case("scalar_missing", _write("m.csv", csv_text(_with(b, E1_0=9))), {"missing": 9},
             check=_ledger("missing_code", 1, "E1")),
        Case("text_code_for_number", _write("m.csv", csv_text(_with(b, E1_0=9))), {"missing": ["9"]},
             check=_ledger("missing_code", 1, "E1")),
        Case("bool_missing_code", _write("a.csv", text), {"missing": [True]}, error=ConfigError, words=("True",)),
        Case("booleans_in_rating", _frame(lambda: b.assign(E1=b["E1"] > 3)), {"missing": [0, 9]}, error=DataError,
             words=("'E1'", "row 1", "true/false"), cli=False),
        Case("python_true_in_rating", _frame(lambda: _with(b, E2_3=True)), error=DataError,
             words=("'E2'", "row 4", "true/false"), cli=False),
        Case("dates_in_rating", _frame(lambda: b.assign(E3=pd.Timestamp("2024-01-01"))), error=DataError,
             words=("'E3'", "dates", "2024-01-01"), absent=("1704067200",), cli=False),
        Case("durations_in_rating", _frame(lambda: b.assign(E3=pd.to_timedelta(b["E3"], unit="s"))), error=DataError,
             words=("'E3'", "durations"), cli=False),
        Case("lists_in_rating", _frame(lambda: _with(b, E4_2=[6])), error=DataError,
             words=("'E4'", "row 3", "[6]"), absent=("array(",), cli=False),
        Case("decimal_objects", _frame(lambda: _with(b, E5_0=decimal.Decimal("sNaN"), E5_1=decimal.Decimal("5"))),
             check=_all(_ledger("missing", 1, "E5"), _check_value("E5", 1, 5.0)), cli=False),
        Case("huge_text_cell", _write("big.csv", csv_text(_with(b, E6_0="x" * 1_000_000))), error=DataError,
             words=("big.csv", "'E6'", "row 1", "1,000,000 characters")),
        Case("truncated_last_line", _write("cut.csv", text[: text.rindex("\n", 0, len(text) - 1) + 30]),
             error=DataError, words=("cut.csv", "truncated")),
        Case("quoted_newlines", _write("nl.csv", csv_text(b.assign(comment="line one\nline two"))),
             check=_n(12)),
        Case("ten_thousand_columns", _write("wide.csv", csv_text(pd.concat(
            [b, pd.DataFrame(np.zeros((12, 10_000), np.int8), columns=[f"x{k}" for k in range(10_000)])], axis=1))),
             check=_n(12)),
        # -- segments ----------------------------------------------------------------------------------------
        Case("segments_mixed_types_and_nan", _frame(_mixed_segments),
             check=_all(_segments(["1", "2", "A", "B"]), _ledger("missing", 1, "branch"),
                        _ledger("segment_normalised", 6, "branch")), cli=False),
        Case("segment_na_text", _write("s.csv", csv_text(_with(b, branch_0="N/A"))),
             check=_all(_ledger("missing_text", 1, "branch"), _segments(["A", "B"]))),
        Case("huge_segment_value", _frame(lambda: _with(b, branch_0="y" * 100_000)), error=DataError,
             words=("'branch'", "row 1", "100,000 characters"), cli=False),
        Case("list_segment_value", _frame(lambda: _with(b, branch_0=["A"])), error=DataError,
             words=("'branch'", "row 1", "labels"), cli=False),
        # -- weights and importance ----------------------------------------------------------------------------
        Case("some_zero_weights", _write("w.csv", csv_text(b.assign(w=[0, 1] * 6))), {"weight": "w"}, check=_n(12)),
        Case("all_zero_weights", _write("w.csv", csv_text(b.assign(w=0))), {"weight": "w"}, error=DataError,
             words=("w.csv", "'w'", "every weight is 0")),
        Case("negative_weight", _write("w.csv", csv_text(b.assign(w=[1, -1] * 6))), {"weight": "w"}, error=DataError,
             words=("w.csv", "'w'", "row 2", "-1", "non-negative")),
        Case("nan_weight", _write("w.csv", csv_text(_with(b.assign(w=1.0), w_4=None))), {"weight": "w"},
             error=DataError, words=("w.csv", "'w'", "row 5")),
        Case("inf_weight", _write("w.csv", csv_text(b.assign(w=[1.0, np.inf] * 6))), {"weight": "w"},
             error=DataError, words=("w.csv", "'w'", "row 2", "inf")),
        Case("overflowing_weights", _write("w.csv", csv_text(b.assign(w=1e308))), {"weight": "w"}, error=DataError,
             words=("w.csv", "'w'", "1e+308", "overflow")),
        Case("inf_importance", _write("i.csv", csv_text(_importance(b, inf_at=3))), {"importance": "W_{dimension}"},
             error=DataError, words=("i.csv", "'W_tangibles'", "row 4", "finite")),
        # -- workbooks ---------------------------------------------------------------------------------------------
        Case("truncated_xlsx", lambda f: _truncate(_xlsx(f, {"Sheet1": b}), 0.6), error=DataError,
             words=("book.xlsx", "damaged or truncated")),
        Case("zip_without_workbook", _write("nowb.xlsx", _zip({"readme.txt": "hello"}), "wb"), error=DataError,
             words=("nowb.xlsx", "without an Excel workbook")),
        Case("data_on_second_sheet", lambda f: _xlsx(f, {"Sheet1": None, "Data": b}), error=DataError,
             words=("book.xlsx", "sheet 'Sheet1'", "empty", "sheet='Data'")),
        Case("sheets_joined_by_id", lambda f: _xlsx(f, {"E": b[["id", "branch"] + [f"E{i}" for i in ITEMS]],
                                                      "P": b[["id"] + [f"P{i}" for i in ITEMS]].iloc[2:]}),
             {"sheet": ["E", "P"]}, check=_all(_n(12), _ledger("unmatched_id", 2))),
        Case("every_sheet", lambda f: _xlsx(f, {"E": b[["id", "branch"] + [f"E{i}" for i in ITEMS]],
                                              "P": b[["id"] + [f"P{i}" for i in ITEMS]]}),
             {"sheet": None}, check=_all(_n(12), _ledger("unmatched_id", 0))),
        Case("unknown_sheet", lambda f: _xlsx(f, {"Answers": b}), {"sheet": "Answer"}, error=DataError,
             words=("book.xlsx", "'Answer'", "did you mean 'Answers'")),
        Case("formula_without_value", lambda f: _xlsx(f, {"Sheet1": b}, formula_at=("Sheet1", "C2")), error=DataError,
             words=("book.xlsx", "'E1'", "row 1", "C2", "formula")),
        Case("xls_workbook", lambda f: _xls(f, b), check=_n(12)),
        Case("damaged_xls", lambda f: _shifted(_xls(f, b), 5294, b"\xfa\xca\x38\x75" * 8), error=DataError,
             words=("old.xls", "damaged")),          # python-calamine would abort the process on this one
        # -- SPSS ---------------------------------------------------------------------------------------------------
        Case("sav_string_ratings", _sav(b.astype({"E1": str, "P1": str})), check=_check_value("E1", 0, b["E1"][0])),
        Case("sav_text_in_rating", _sav(_with(b, E1_0="x").astype({"E1": str})), error=DataError,
             words=("d.sav", "'E1'", "row 1", "'x'")),
        Case("corrupt_sav", _write("bad.sav", b"$FL2" + b"\x00garbage" * 50, "wb"), error=DataError,
             words=("bad.sav", "SPSS")),
        Case("sav_user_missing", _sav(_with(b, E1_0=9).astype({"E1": float}), missing_ranges={"E1": [9]}),
             check=_ledger("missing_code", 1, "E1")),
        # -- Parquet ------------------------------------------------------------------------------------------------
        Case("parquet_text_ratings", _parquet(b.astype({"E1": str})), check=_check_value("E1", 0, b["E1"][0])),
        Case("parquet_duration_rating", _parquet(b.assign(E2=pd.to_timedelta(b["E2"], unit="s"))), error=DataError,
             words=("d.parquet", "'E2'", "durations")),
        Case("parquet_date_segment", _parquet(b.assign(branch=datetime.date(2024, 1, 1))), check=_n(12)),
        Case("corrupt_parquet", _write("bad.parquet", b"PAR1 not really PAR1", "wb"), error=DataError,
             words=("bad.parquet", "Parquet")),
        Case("parquet_folder_with_corrupt_part", _parquet_dir, error=DataError, words=("part-1.parquet",)),
        Case("directory_named_csv", lambda f: _mkdir(f / "data.csv"), error=DataError, words=("data.csv", "folder")),
        # -- long layout --------------------------------------------------------------------------------------------
        Case("long_unknown_item", _frame(lambda: _long_frame(ITEMS + ["23"])), _LONG, error=DataError,
             words=("'item'", "'23'", "not an item"), cli=False),
        Case("long_zero_padded_items", _frame(lambda: _long_frame([f"{int(i):02d}" for i in ITEMS])), _LONG,
             check=_all(_n(2), _ledger("missing", 0)), cli=False),
    ]
    return cases


_LONG = {"layout": "long", "columns": {"expected": "E", "perceived": "P"}, "segments": None,
         "long_columns": {"item": "item", "viewpoint": "kind", "value": "score"}}


def _rename(path, new):
    from pathlib import Path

    p = Path(path)
    target = p.with_name(new)
    p.rename(target)
    return str(target)


def _truncate(path, share):
    from pathlib import Path

    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * share)])
    return path


def _mkdir(path):
    path.mkdir()
    return str(path)


def _xls(folder, df):
    """An Excel 97-2003 workbook: ``base()`` written once with xlwt (tests/data/malformed/old.xls)."""
    import shutil
    from pathlib import Path

    path = folder / "old.xls"
    shutil.copy(Path(__file__).parent / "data" / "malformed" / "old.xls", path)
    return str(path)


def _shifted(path, at, junk):
    """The file with ``junk`` inserted at byte ``at`` (every later sector moves)."""
    from pathlib import Path

    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:at] + junk + data[at:])
    return path


def _join_cols(text, header_extra, value_extra):
    lines = text.splitlines()
    out = [lines[0] + "," + header_extra] + [ln + "," + value_extra for ln in lines[1:]]
    return "\n".join(out) + "\n"


def _extra_field(text, line_no):
    lines = text.splitlines()
    lines[line_no] = lines[line_no] + ",99"
    return "\n".join(lines) + "\n"


def _second_header(text):
    lines = text.splitlines()
    labels = ",".join("label" if k > 1 else "x" for k in range(len(lines[0].split(","))))
    return "\n".join([lines[0], labels] + lines[1:]) + "\n"


def _two_files(edit_e, edit_p, second="p.csv"):
    """Expectations in e.csv, perceptions in ``second`` (a Parquet file keeps text ids text)."""
    def make(folder):
        b = base()
        e = edit_e(b[["id", "branch"] + [f"E{i}" for i in ITEMS]].copy())
        p = edit_p(b[["id"] + [f"P{i}" for i in ITEMS]].copy())
        e.to_csv(folder / "e.csv", index=False)
        p.to_parquet(folder / second) if second.endswith(".parquet") else p.to_csv(folder / second, index=False)
        return [str(folder / "e.csv"), str(folder / second)]
    return make


def _importance(df, inf_at):
    df = df.copy()
    for d in sg.SERVQUAL22.dimension_ids:
        df[f"W_{d}"] = 20.0
    df.loc[inf_at, "W_tangibles"] = np.inf
    return df


CASES = _cases()
