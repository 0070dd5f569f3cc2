"""Survey-platform exports: every file of tests/data/exports/ (made by make_exports.py) read with
platform="auto" and no columns=, compared number by number with the tidy answers it was made
from, then analysed; the ledger counts the planted markers and missing codes."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import ColumnError, ConfigError
from servgap.surveys.platforms import apply_platform, choose_layout, durations, ip_addresses, parse_duration

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
SEGMENT = {  # the branch question of each export, named by hand from the file
    "wjx_text_gbk.csv": "1、您平时主要在哪个网点办理业务？", "wjx_score_bom.csv": "1、您常去的网点",
    "wjx_numbers.xlsx": "1、网点", "wjx_spss.sav": "Q1", "tencent.csv": "1.您常去的网点",
    "qualtrics.csv": "Q1", "qualtrics_legacy.csv": "Q1", "surveymonkey.csv": "Which branch do you usually visit?",
    "limesurvey.csv": "BRANCH", "google_forms.csv": "이용 지점", "spss_labels.sav": "branch",
}


def _kwargs(name: str) -> dict:
    exp = EXPECTED[name]
    kw = {"segments": SEGMENT[name]}
    if exp.get("encoding"):
        kw["encoding"] = exp["encoding"]
    if exp.get("instrument"):
        kw["instrument"] = EXPORTS / exp["instrument"]
    return kw


def _truth(name: str) -> pd.DataFrame:
    return pd.read_csv(EXPORTS / f"{Path(name).stem}.truth.csv", keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("name", sorted(SEGMENT))
def test_export_reads_like_its_tidy_answers(name):
    s = sg.read_survey(EXPORTS / name, **_kwargs(name))
    truth = _truth(name)
    assert s.metadata["platform"] == EXPECTED[name]["platform"]
    if "layout" in EXPECTED[name]:
        assert s.metadata["platform_layout"] == EXPECTED[name]["layout"]
    got = s.to_frame().reset_index(drop=True)
    rating_cols = [c for c in truth.columns if ":" in c]
    assert s.n == len(truth)
    np.testing.assert_array_equal(got[rating_cols].to_numpy(float), truth[rating_cols].to_numpy(float))
    seg = got[SEGMENT[name]].astype(object).where(got[SEGMENT[name]].notna(), None).tolist()
    want = truth["branch"].astype(object).where(truth["branch"].notna(), None).tolist()
    assert [str(v) if v is not None else None for v in seg] == [str(v) if v is not None else None for v in want]
    # the mapping used is recorded, every item of both viewpoints
    assert set(s.metadata["columns"]) == {"expected", "perceived"}
    assert all(len(m) == len(s.instrument.item_ids) for m in s.metadata["columns"].values())


@pytest.mark.parametrize("name", sorted(SEGMENT))
def test_export_goes_to_analyze(name):
    s = sg.read_survey(EXPORTS / name, **_kwargs(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(s)
    truth = _truth(name)
    items = res.items[res.items["gap"] == 5].set_index("item")
    for iid in s.instrument.item_ids:
        d = (truth[f"perceived:{iid}"] - truth[f"expected:{iid}"]).dropna()     # complete pairs
        assert items.loc[iid, "n"] == len(d)
        assert items.loc[iid, "mean_gap"] == pytest.approx(d.mean(), abs=1e-12)


def _counts(s) -> pd.Series:
    return s.quality.groupby("issue")["count"].sum()


def test_wjx_markers_are_counted_under_their_own_issues():
    s = sg.read_survey(EXPORTS / "wjx_text_gbk.csv", encoding="gbk")
    exp, q = EXPECTED["wjx_text_gbk.csv"], _counts(s)
    assert q["not_shown"] == exp["not_shown"] and q["skipped"] == exp["skipped"]
    assert q["scale_label"] == exp["scale_label"]
    assert q.get("missing", 0) == 0                      # marker cells are not double-counted as blanks
    assert s.metadata["scale_labels"] == {"expected": "zh_agree_7", "perceived": "zh_agree_7"}
    s = sg.read_survey(EXPORTS / "wjx_score_bom.csv")
    q = _counts(s)
    assert q["not_shown"] == 2 and q["skipped"] == 1       # −3 and −2 codes


def test_wjx_duplicate_headers_and_durations():
    s = sg.suggest_columns(EXPORTS / "wjx_text_gbk.csv", encoding="gbk")
    assert "4、您的建议" in s.unmatched and "4、您的建议.1" in s.unmatched        # pandas' .1 suffix
    df, name, meta = sg.surveys.io.read_table(EXPORTS / "wjx_text_gbk.csv", encoding="gbk")
    df, meta = apply_platform(df, meta, name)
    ht = meta["header_table"].set_index("column")
    assert ht.loc["4、您的建议.1", "text"] == "4、您的建议"
    secs, col = durations(df, meta)
    assert col == "所用时间"
    want = [int(v.rstrip("秒")) for v in pd.read_csv(EXPORTS / "wjx_text_gbk.csv", encoding="gbk")["所用时间"]]
    assert secs.tolist() == want
    assert meta["roles"] == {"id": "序号", "end": "提交答卷时间", "duration": "所用时间", "ip": "来自IP"}


def test_spss_value_labels_user_missing_and_numeric_ratings():
    s = sg.read_survey(EXPORTS / "spss_labels.sav", segments="branch", id="resp_id")
    assert set(s.segments["branch"].dropna()) <= {"城东支行", "城西支行", "高新区支行"}     # names, not codes
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("E5", "missing_code")] == 1 and q[("E13", "missing_code")] == 1     # user-missing 9
    assert q[("branch", "missing_code")] == 1                                       # user-missing 99 (拒答)
    assert ("E5", "missing") not in q.index
    assert np.nanmax(s.data["expected"]) <= 7 and s.data["expected"].dtype == np.float64


def test_tencent_metadata_and_trailing_empty_column():
    df, name, meta = sg.surveys.io.read_table(EXPORTS / "tencent.csv")
    assert any(c.startswith("Unnamed") for c in df.columns)
    df, meta = apply_platform(df, meta, name)
    assert not any(c.startswith("Unnamed") for c in df.columns)
    roles = meta["header_table"].set_index("column")["role"]
    assert roles["清洗数据结果"] == "metadata" and roles["智能清洗数据无效概率"] == "metadata"
    assert roles["答题时长"] == "duration" and pd.isna(roles["4.其他建议_填空1"])
    s = sg.suggest_columns(EXPORTS / "tencent.csv")
    assert "4.其他建议_填空1" in s.unmatched and "清洗数据结果" not in s.unmatched


def test_qualtrics_header_lines_and_row_numbers():
    s = sg.read_survey(EXPORTS / "qualtrics.csv", id="ResponseId")
    assert s.ids[0] == "R_000abcXYZ0" and s.metadata["header_lines"] == 2
    ht = s.metadata["header_table"].set_index("column")
    assert ht.loc["Q2_1", "question"] == "Q2" and ht.loc["Q2_1", "sub"].startswith("The bank has modern")
    bad = pd.read_csv(EXPORTS / "qualtrics.csv", header=None, dtype=str, keep_default_na=False)
    col = bad.iloc[0].tolist().index("Q3_4")
    bad.iloc[5, col] = "8"                                # third respondent, line 6 of the file
    path = Path(__file__).parent / "_tmp_qualtrics_bad.csv"
    try:
        bad.to_csv(path, header=False, index=False)
        with pytest.raises(sg.errors.DataError, match=r"column 'Q3_4', row 5, value 8"):   # row = line - 1
            sg.read_survey(path)
    finally:
        path.unlink(missing_ok=True)


def test_explicit_platform_and_layouts():
    raw = pd.read_csv(EXPORTS / "qualtrics_legacy.csv", low_memory=False)
    assert choose_layout(raw, {}, "qualtrics").id == "legacy"
    assert choose_layout(raw, {}).platform == "qualtrics"
    s = sg.read_survey(EXPORTS / "qualtrics_legacy.csv", platform="qualtrics")
    assert s.metadata["platform_layout"] == "legacy"
    with pytest.raises(ConfigError, match="platform='excel'; use one of auto, wjx"):
        sg.read_survey(EXPORTS / "limesurvey.csv", platform="excel")
    plain = sg.read_survey(sg.example_path("customers"), columns={"expected": "E{item}", "perceived": "P{item}"},
                           missing=[0])
    assert plain.metadata["platform"] == "plain"


def test_code_export_without_viewpoint_words_is_refused_then_read_by_patterns():
    with pytest.raises(ColumnError) as err:
        sg.read_survey(EXPORTS / "wjx_code_numbered.csv")
    msg = str(err.value)
    assert "lowest confidence 0.50" in msg and "no viewpoint marker" in msg and "servgap init --from" in msg
    assert "第2题(银行拥有现代化的设备" in msg                        # the suggestion table is shown
    s = sg.read_survey(EXPORTS / "wjx_code_numbered.csv", columns={"expected": "第2题*", "perceived": "第3题*"})
    truth = _truth("wjx_code_numbered.csv")
    cols = [c for c in truth.columns if ":" in c]
    np.testing.assert_array_equal(s.to_frame()[cols].to_numpy(float), truth[cols].to_numpy(float))



def test_a_reordered_matrix_block_is_placed_by_wording_or_refused(tmp_path):
    """Questionnaires reorder a matrix's rows: a pattern without an item group places the block by wording
    (with a warning) when the wording names every item once, and refuses when a column's wording clearly
    names another item than its position; it never puts a rating on the wrong item silently."""
    from servgap.errors import DataQualityWarning

    zh = [it.text["zh"] for it in sg.SERVQUAL22.items]
    rng = np.random.default_rng(18)
    e, p = rng.integers(1, 8, (30, 22)), rng.integers(1, 8, (30, 22))
    order = rng.permutation(22)
    cols = {f"第2题({zh[j]})": e[:, j] for j in range(22)} | {f"第3题({zh[j]})": p[:, j] for j in order}
    path = tmp_path / "reordered.csv"
    pd.DataFrame(cols).to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.warns(DataQualityWarning, match="'perceived' columns are not in the instrument's item order"):
        s = sg.read_survey(path, columns={"expected": "第2题*", "perceived": "第3题*"})
    np.testing.assert_array_equal(s.data["perceived"], p)
    np.testing.assert_array_equal(s.data["expected"], e)
    cols = {f"第3题({zh[j]})" if j != order[0] else "第3题(其他)": p[:, j] for j in order}   # one unplaced: refuse
    pd.DataFrame(cols).to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(ColumnError, match=r"'perceived' pattern takes its 22 columns by position, but column "
                                          r"'第3题\(.*reads as item"):
        sg.read_survey(path, columns={"perceived": "第3题*"})

def test_parse_duration_and_ip():
    v = pd.Series(["125秒", "2分5秒", "1小时2分", "00:02:05", "2:05", "90 s", None, "很快"])
    np.testing.assert_array_equal(parse_duration(v), [125, 125, 3720, 125, 125, 90, np.nan, np.nan])
    np.testing.assert_array_equal(parse_duration(pd.Series([3.5, np.nan])), [3.5, np.nan])
    got = ip_addresses(pd.Series(["117.136.1.2(浙江-杭州)", "2001:db8::1", None])).tolist()
    assert got[:2] == ["117.136.1.2", "2001:db8::1"] and pd.isna(got[2])


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_hand_made_table_with_a_group_row_over_the_items(tmp_path, suffix):
    """期望 | | … | 感知 | | … above 1 2 … 22 (merged cells saved as blanks): read as two header rows, without
    columns=, each rating equal to its cell; a long table with 期望 and 感知 columns is not taken for one."""
    from servgap.surveys.platforms import choose_layout

    rng = np.random.default_rng(11)
    ids = sg.SERVQUAL22.item_ids
    top = ["编号", "网点", "期望"] + [""] * 21 + ["感知"] + [""] * 21
    sub = ["", ""] + list(ids) * 2
    ratings = rng.integers(1, 8, (25, 44))
    body = [[k + 1, "AB"[k % 2], *r] for k, r in enumerate(ratings.tolist())]
    table = pd.DataFrame([top, sub, *body])
    path = tmp_path / f"hand.{suffix}"
    if suffix == "csv":
        table.to_csv(path, index=False, header=False)
    else:
        table.to_excel(path, index=False, header=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sg.read_survey(path, id="编号", segments="网点")
    assert s.metadata["platform_layout"] == "two_row" and s.n == 25
    np.testing.assert_array_equal(s.data["expected"], ratings[:, :22].astype(float))
    np.testing.assert_array_equal(s.data["perceived"], ratings[:, 22:].astype(float))
    long = pd.DataFrame({"id": np.repeat([1, 2], 22), "item": ids * 2, "期望": 5, "感知": 4})
    assert choose_layout(long, {}).id == "table"
