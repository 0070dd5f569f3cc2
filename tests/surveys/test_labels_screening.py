"""Text answers (scale_labels) and respondent screening (speeders, straight-liners, duplicates, attention)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import ConfigError, DataError

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
IDS = sg.SERVQUAL22.item_ids
FIVE = sg.Instrument.from_dict({"id": "five", "scale": {"min": 1, "max": 5}, "dimensions": [
    {"id": "a", "items": [{"id": "1"}, {"id": "2"}]}, {"id": "b", "items": [{"id": "3"}, {"id": "4", "reverse": True}]}]})
ZH5 = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
EN5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def _labelled(labels, n=10, seed=1):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, (n, 8))
    df = pd.DataFrame({f"{v}{i}": [labels[k] for k in codes[:, j]]
                       for j, (v, i) in enumerate((v, i) for v in "EP" for i in "1234")})
    return df, codes + 1.0


# -- scale labels -------------------------------------------------------------------------
def test_builtin_sets_zh_and_en():
    for labels in (ZH5, EN5, [f"  {w.upper()} " for w in EN5]):
        df, want = _labelled(labels)
        s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"})
        got = np.column_stack([s.data["expected"], s.data["perceived"]])
        want[:, [3, 7]] = 6 - want[:, [3, 7]]                                # item 4 is reverse-scored
        np.testing.assert_array_equal(got, want)
        q = s.quality.set_index(["column", "issue"])["count"]
        assert q[("E1", "scale_label")] == 10
    assert s.metadata["scale_labels"]["expected"] == "en_agree_5"


@pytest.mark.parametrize("labels, name", [
    (["非常不满意", "不太满意", "一般", "较满意", "非常满意"], "zh_satisfied_5"),
    (["非常不同意", "不太同意", "一般", "比较同意", "非常同意"], "zh_agree_5"),
    (["非常不重要", "不太重要", "一般", "较重要", "非常重要"], "zh_important_5"),
])
def test_common_chinese_variants_of_the_5_point_labels(labels, name):
    """不太 / 较 (a little less / rather) are the usual wordings of points 2 and 4 in Chinese surveys."""
    df, want = _labelled(labels)
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"})
    got = np.column_stack([s.data["expected"], s.data["perceived"]])
    want[:, [3, 7]] = 6 - want[:, [3, 7]]
    np.testing.assert_array_equal(got, want)
    assert s.metadata["scale_labels"]["expected"] == name


def test_na_texts_are_left_to_the_numeric_check():
    df, want = _labelled(ZH5)
    df.loc[2, "E3"] = "N/A"
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"}, missing=["N/A"])
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("E3", "missing_code")] == 1 and q[("E3", "scale_label")] == 9
    assert np.isnan(s.data["expected"][2, 2]) and s.data["expected"][3, 2] == want[3, 2]


def test_custom_labels_and_named_set():
    df, want = _labelled(["差", "较差", "中", "较好", "好"])
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"},
                       scale_labels={"差": 1, "较差": 2, "中": 3, "较好": 4, "好": 5})
    np.testing.assert_array_equal(s.data["expected"][:, :3], want[:, :3])
    df, want = _labelled(ZH5)
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"}, scale_labels="zh_agree_5")
    np.testing.assert_array_equal(s.data["perceived"][:, :3], want[:, 4:7])
    with pytest.raises(ConfigError, match="not a built-in label set"):
        sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"}, scale_labels="likert")


def test_unknown_label_names_cell_labels_seen_and_closest_set():
    df, _ = _labelled(ZH5)
    df.loc[3, "P2"] = "还行"
    with pytest.raises(DataError) as err:
        sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"})
    msg = str(err.value)
    assert "column 'P2', row 4, value '还行'" in msg and "Labels seen in the 'perceived' columns" in msg
    assert "closest built-in set is zh_agree_5" in msg and "lacks '还行'" in msg
    assert "missing=" not in msg                          # never "declare a valid answer as missing"


def test_label_set_of_another_size_and_ambiguous_sets():
    five = pd.DataFrame({f"E{i}": ZH5 for i in IDS})
    with pytest.raises(DataError, match=r"every point of the 5-point set zh_agree_5.*不同意=2, 一般=4, 同意=6"):
        sg.read_survey(five, columns={"expected": "E{item}"})
    with pytest.raises(DataError, match=r"instrument=sg.SERVQUAL22.with_scale\(1, 5\), or scale: \[1, 5\]"):
        sg.read_survey(five, columns={"expected": "E{item}"})
    s = sg.read_survey(five, columns={"expected": "E{item}"}, scale_labels="zh_agree_7")       # the user decides
    assert s.data["expected"][:, 0].tolist() == [1, 2, 4, 6, 7]
    s5 = sg.read_survey(five, sg.SERVQUAL22.with_scale(1, 5), columns={"expected": "E{item}"})   # or a 5-point scale
    assert s5.data["expected"][:, 0].tolist() == [1, 2, 3, 4, 5]
    two = pd.DataFrame({f"E{i}": ZH5[:2] for i in IDS})                  # two labels of a 7-point scale: fine
    assert sg.read_survey(two, columns={"expected": "E{item}"}).data["expected"][:, 0].tolist() == [1, 2]
    imp = pd.DataFrame({f"E{i}": ["Very important", "Extremely important"] for i in IDS})
    with pytest.raises(DataError, match=r"are the 5-point set en_important_5 .* scale is 1-7"):
        sg.read_survey(imp, columns={"expected": "E{item}"})
    with pytest.raises(ConfigError, match="'en_agree_5' has 5 points, but the instrument's scale is 1-7"):
        sg.read_survey(two, columns={"expected": "E{item}"}, scale_labels="en_agree_5")



@pytest.mark.parametrize("labels, set_id", [
    (["非常不同意", "不同意", "比较不同意", "一般", "比较同意", "同意", "非常同意"], "zh_agree_7"),
    (["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"], "zh_satisfied_7")])
def test_seven_distinct_labels_are_a_seven_point_question(labels, set_id):
    # the 5-point set lists 比较同意 and 同意 as one point; seven distinct labels still cannot be 5 points
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 7, (30, 22))
    codes[:7, 0] = np.arange(7)                                            # every label appears
    df = pd.DataFrame({f"E{i}": [labels[k] for k in codes[:, j]] for j, i in enumerate(IDS)})
    s = sg.read_survey(df, columns={"expected": "E{item}"})
    np.testing.assert_array_equal(s.data["expected"], codes + 1.0)
    assert s.metadata["scale_labels"] == {"expected": set_id}
    assert s.quality.query("issue == 'scale_label'")["count"].sum() == codes.size

# -- screening ----------------------------------------------------------------------------
def test_planted_speeder_straightliner_duplicate_in_a_wjx_export():
    path = EXPORTS / "wjx_text_gbk.csv"
    raw = pd.read_csv(path, encoding="gbk")
    secs = raw["所用时间"].str.rstrip("秒").astype(float).to_numpy()
    oracle_fast = raw["序号"][secs < np.median(secs) / 3].tolist()                 # independent of the reader
    s = sg.read_survey(path, encoding="gbk", id="序号",
                       screen={"speeders": True, "straightliners": True, "duplicates": True})
    flagged = s.screened.groupby("rule")["id"].apply(list).to_dict()
    assert flagged == {"speeder": oracle_fast, "straightliner": [8], "duplicate_answers": [12]} and oracle_fast == [5]
    assert s.n == 12                                                   # flag only by default
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("所用时间", "speeder")] == 1 and q[("perceived", "straightliner")] == 1
    assert q[("来自IP", "duplicate_answers")] == 1
    row = s.screened.set_index("rule").loc["speeder"]
    assert row["value"] == 40 and row["column"] == "所用时间"
    out = sg.read_survey(path, encoding="gbk", id="序号",
                         screen={"speeders": True, "straightliners": True, "duplicates": True, "exclude": True})
    assert out.n == 9 and set(out.ids) == set(range(1, 13)) - {5, 8, 12}
    assert out.quality.set_index(["column", "issue"])["count"][("*", "screened_out")] == 3
    kept = s.to_frame().loc[list(out.ids)]
    np.testing.assert_array_equal(out.to_frame().filter(like=":").to_numpy(), kept.filter(like=":").to_numpy())
    assert out.metadata["screen"]["exclude"] is True


def test_speeder_fraction_and_end_minus_start():
    s = sg.read_survey(EXPORTS / "surveymonkey.csv", screen={"speeders": {"fraction": 0.9}})
    raw = pd.read_csv(EXPORTS / "surveymonkey.csv", skiprows=[1])
    fmt = "%m/%d/%Y %I:%M:%S %p"
    secs = (pd.to_datetime(raw["End Date"], format=fmt) - pd.to_datetime(raw["Start Date"], format=fmt)).dt.total_seconds()
    want = (np.flatnonzero(secs < 0.9 * secs.median()) + 1).tolist()
    assert s.screened["id"].tolist() == want and set(s.screened["column"]) == {"End Date - Start Date"}
    with pytest.raises(ConfigError, match="no completion-time column"):
        sg.read_survey(sg.example_path("customers"), missing=[0], screen={"speeders": True})
    assert len(sg.read_survey(sg.example_path("customers"), missing=[0], screen=True).screened) >= 0   # optional rules


def test_straightliners_use_answers_as_given_and_need_half_answered():
    df = pd.DataFrame({"E1": [4, 4, 2, 4], "E2": [4, 4, 2, np.nan], "E3": [4, 4, 2, np.nan], "E4": [2, 4, 2, np.nan],
                       **{f"P{i}": [1, 2, 3, 4] for i in "1234"}})
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"},
                       screen={"straightliners": {"viewpoints": ["expected"]}})
    # row 1 (4,4,4,2 as given) varies; rows 2-3 are flat as given (item 4 reversed internally); row 4 has 1 of 4 answered
    assert s.screened["id"].tolist() == [2, 3] and s.screened["value"].tolist() == [4.0, 2.0]
    with pytest.raises(ConfigError, match="no viewpoint 'desired'"):
        sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"},
                       screen={"straightliners": {"viewpoints": ["desired"]}})


def test_duplicate_ids_flagged_or_excluded_and_attention_checks():
    df = pd.DataFrame({"rid": ["a", "b", "a", "c", "d"], "trap": [4, 4, 3, None, "4"],
                       **{f"E{i}": [5, 6, 5, 4, 3] for i in IDS}, **{f"P{i}": [4, 5, 6, 3, 2] for i in IDS}})
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    with pytest.raises(DataError, match="duplicate respondent id"):       # flag only cannot keep two ids 'a'
        sg.read_survey(df, columns=cols, id="rid", screen={"duplicates": True})
    s = sg.read_survey(df, columns=cols, id="rid", screen={"duplicates": True, "exclude": True,
                                                           "attention": {"column": "trap", "pass": 4}})
    assert list(s.ids) == ["a", "b", "d"]                 # the second 'a' (also trap 3) and c (blank trap) out
    got = s.quality.set_index(["column", "issue"])["count"]
    assert got[("rid", "duplicate_id")] == 1 and got[("trap", "attention_failed")] == 2
    assert got[("*", "screened_out")] == 2
    flags = sg.read_survey(df.assign(rid=list("abcde")), columns=cols, id="rid",
                           screen={"attention": [{"column": "trap", "pass": [4]}]}).screened
    assert flags["id"].tolist() == ["c", "d"] and flags["rule"].eq("attention_failed").all()


def test_screen_options_are_checked():
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    df = pd.DataFrame({f"{v}{i}": [5, 6] for v in "EP" for i in IDS})
    with pytest.raises(ConfigError, match="unknown rule 'speeder' \\(did you mean 'speeders'\\?\\)"):
        sg.read_survey(df, columns=cols, screen={"speeder": True})
    with pytest.raises(ConfigError, match="fraction"):
        sg.read_survey(df, columns=cols, screen={"speeders": {"fraction": 3}})
    with pytest.raises(ConfigError, match="attention"):
        sg.read_survey(df, columns=cols, screen={"attention": {"column": "x"}})
    with pytest.raises(ConfigError, match="screen attention column 'trap' is not in the data"):
        sg.read_survey(df, columns=cols, screen={"attention": {"column": "trap", "pass": 1}})


def test_an_answer_that_gives_no_rating_gets_missing_as_the_fix():
    """不适用 / Don't know beside the labels is no scale point: declaring it missing is the right fix here."""
    df, want = _labelled(ZH5)
    df.loc[3, "P2"] = "不适用"
    with pytest.raises(DataError) as err:
        sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"})
    msg = str(err.value)
    assert "column 'P2', row 4, value '不适用'" in msg and "missing=['不适用']" in msg
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"}, missing=["不适用"])
    assert np.isnan(s.data["perceived"][3, 1])
    assert s.quality.set_index(["column", "issue"])["count"][("P2", "missing_code")] == 1


def test_labels_and_ratings_with_units_in_one_column():
    """'5分' and '非常同意' side by side: the label is converted and the rating with its unit read, each counted
    (the '5分' was refused as an unknown answer label)."""
    df, want = _labelled(ZH5)
    df.loc[2, "E1"], want[2, 0] = "4分", 4
    s = sg.read_survey(df, FIVE, columns={"expected": "E{item}", "perceived": "P{item}"})
    np.testing.assert_array_equal(s.data["expected"][:, :3], want[:, :3])         # item 4 is reverse-scored
    q = s.quality.set_index(["column", "issue"])["count"]
    assert q[("E1", "number_in_text")] == 1 and q[("E1", "scale_label")] == 9
