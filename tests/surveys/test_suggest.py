"""suggest_columns: viewpoints and items from header text (codes, markers, wording, position), patterns,
and read_survey's use of the suggestion (recorded, or refused with the table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import ColumnError, ConfigError
from servgap.surveys.headers import code_marker, expand_pattern, find_markers, parse_header

INST = sg.SERVQUAL22
IDS = INST.item_ids
ZH = [i.text["zh"] for i in INST.items]
EN = [i.text["en"] for i in INST.items]


def _frame(cols: list[str], seed=0, n=8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.integers(1, 8, n) for c in cols})


def test_codes_E_P_and_suffixes():
    for e, p in [("E{}", "P{}"), ("q{}_E", "q{}_P"), ("exp{}", "perc{}"), ("E_{}", "P_{}")]:
        cols = [e.format(i) for i in IDS] + [p.format(i) for i in IDS]
        s = sg.suggest_columns(_frame(cols))
        assert s.columns["expected"] == {i: e.format(i) for i in IDS}
        assert s.columns["perceived"] == {i: p.format(i) for i in IDS}
        assert s.confidence == pytest.approx(0.98) and s.ok and s.unmatched == []


def test_wording_places_shuffled_single_questions():
    order = np.random.default_rng(3).permutation(22)
    cols = [f"{k + 1}、{ZH[j]}（期望）" for k, j in enumerate(order)] + \
           [f"{k + 23}、{EN[j]} (actual experience)" for k, j in enumerate(order)]
    s = sg.suggest_columns(_frame(cols))
    for k, j in enumerate(order):
        assert s.columns["expected"][IDS[j]] == cols[k]
        assert s.columns["perceived"][IDS[j]] == cols[22 + k]
    assert s.ok and (s.table["reason"].str.contains("wording matches item")).all()


def test_matrix_blocks_by_position_with_korean_markers():
    cols = [f"기대 [항목 {k}]" for k in range(1, 23)] + [f"인지 [항목 {k}]" for k in range(1, 23)]
    s = sg.suggest_columns(_frame(cols))
    assert s.columns["expected"]["7"] == "기대 [항목 7]" and s.columns["perceived"]["22"] == "인지 [항목 22]"
    assert s.table["reason"].str.startswith("position").all()
    assert s.table["confidence"].eq(0.85).all()             # position only: the wording cannot confirm


def test_position_contradicted_by_wording_lowers_confidence():
    swapped = ZH.copy()
    swapped[0], swapped[1] = swapped[1], swapped[0]
    cols = [f"2、期望—{t}" for t in swapped] + [f"3、感知—{t}" for t in ZH]
    s = sg.suggest_columns(_frame(cols))
    row = s.table.set_index("column").loc[cols[0]]
    assert row["confidence"] == 0.3 and "matches item 2" in row["reason"]
    assert not s.ok
    with pytest.raises(ColumnError, match="lowest confidence 0.30"):
        sg.read_survey(_frame(cols))


def test_unmarked_blocks_are_refused_not_guessed():
    cols = [f"第2题({t})" for t in ZH] + [f"第3题({t})" for t in ZH]
    s = sg.suggest_columns(_frame(cols))
    assert s.confidence == 0.5 and not s.ok
    assert s.table["reason"].str.contains("taken as expected by order").sum() == 22
    with pytest.raises(ColumnError) as err:
        sg.read_survey(_frame(cols))
    assert "at least 0.6 is needed" in str(err.value) and "columns=" in str(err.value)


def test_incomplete_viewpoint_lists_missing_items():
    cols = [f"E{i}" for i in IDS[:-1]] + [f"P{i}" for i in IDS]
    s = sg.suggest_columns(_frame(cols))
    assert s.confidence == 0.0
    miss = s.table[s.table["column"].isna()]
    assert miss[["viewpoint", "item"]].values.tolist() == [["expected", "22"]]
    with pytest.raises(ColumnError, match=r"expected \(21 of 22 items\)"):
        sg.read_survey(_frame(cols))


def test_read_survey_uses_and_records_the_suggestion():
    df = sg.surveys.examples.load_example  # noqa: B018  (the example file is tidy E1/P1)
    s = sg.read_survey(sg.example_path("customers"), missing=[0], segments="branch")
    want = sg.read_survey(sg.example_path("customers"), columns={"expected": "E{item}", "perceived": "P{item}"},
                          missing=[0], segments="branch")
    np.testing.assert_array_equal(s.data["expected"], want.data["expected"])
    assert s.metadata["columns"]["perceived"]["9"] == "P9"
    assert list(s.metadata["suggestion"].columns) == ["column", "viewpoint", "item", "confidence", "reason"]
    assert "W_tangibles" in set(s.metadata["suggestion"]["column"])        # listed, not placed
    sugg = sg.suggest_columns(sg.example_path("customers"))
    again = sg.read_survey(sg.example_path("customers"), columns=sugg.columns, missing=[0])   # accepted as is
    np.testing.assert_array_equal(again.data["perceived"], want.data["perceived"])
    assert "branch" in sugg.segments and df is not None


def test_regex_and_wildcard_patterns_against_full_header_text():
    cols = [f"{k}、服务—期望" for k in IDS] + [f"{k}、服务—感知" for k in IDS]
    df = _frame(cols)
    s = sg.read_survey(df, columns={"expected": r"(?P<item>\d+)、.*—期望", "perceived": "{item}、*—感知"})
    assert s.metadata["columns"]["expected"]["12"] == "12、服务—期望"
    assert s.metadata["columns"]["perceived"]["3"] == "3、服务—感知"
    np.testing.assert_array_equal(s.data["perceived"][:, 2], df["3、服务—感知"].to_numpy(float))
    with pytest.raises(ConfigError, match="matches two columns"):
        sg.read_survey(df, columns={"expected": r"(?P<item>\d)", "perceived": "{item}、*—感知"})
    with pytest.raises(ColumnError, match="matches no column"):             # a template matching nothing
        sg.read_survey(df, columns={"expected": "X{item}", "perceived": "{item}、*—感知"})
    # a block pattern (no item group) of the wrong size is placed by wording, or refused
    with pytest.raises(ColumnError, match="matches 44 columns"):
        sg.read_survey(df, columns={"expected": "*、服务*", "perceived": "{item}、*—感知"})


def test_importance_pattern_with_dimension_labels():
    cols = [f"E{i}" for i in IDS] + [f"P{i}" for i in IDS]
    df = _frame(cols)
    names = {"tangibles": "有形性", "reliability": "可靠性", "responsiveness": "响应性", "assurance": "保证性",
             "empathy": "移情性"}
    for d, zh in names.items():
        df[f"重要性—{zh}"] = 20
    s = sg.read_survey(df, importance="重要性—{dimension}")
    assert s.importance.shape == (8, 5) and (s.importance == 20).all()
    sugg = sg.suggest_columns(df)
    assert sugg.importance == {d: f"重要性—{zh}" for d, zh in names.items()}
    assert not set(sugg.importance.values()) & set(sugg.unmatched)


def test_header_parts_and_markers():
    h = parse_header("c", "第8题(银行拥有现代化的设备)", "第8题(银行拥有现代化的设备)", ["zh_dash", "zh_paren", "zh_code"])
    assert (h.question, h.sub) == ("8", "银行拥有现代化的设备")
    h = parse_header("c", "8、(员工总是乐于帮助我)", "8、(员工总是乐于帮助我)", ["zh_dash", "zh_paren"])
    assert (h.question, h.sub) == ("8", "员工总是乐于帮助我")
    h = parse_header("x", "EXP_SQ003", "EXP_SQ003", ["lime_bracket", "lime_under"])
    assert (h.question, h.sub) == ("EXP", "SQ003")
    h = parse_header("x", "6.您的建议_填空1", "6.您的建议_填空1", ["zh_dash", "zh_under"])
    assert (h.question, h.stem, h.sub) == ("6", "您的建议", "填空1")
    assert find_markers("What should an excellent bank do?") == {"expected"}
    assert find_markers("Actually, how was it?") == set()                  # "actual" must stand alone
    assert find_markers("기대") == {"expected"} and find_markers("인지") == {"perceived"}
    assert find_markers("重要性") == {"importance"}
    assert code_marker("P_07") == ("perceived", "7") and code_marker("Q7") is None


def test_expand_pattern_zero_padded_and_labels():
    hdr = {"a": "item 01 (E)", "b": "item 02 (E)"}
    assert expand_pattern(r"item (?P<item>\d+) \(E\)", "item", ["1", "2"], hdr) == {"1": "a", "2": "b"}
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        expand_pattern("(?P<item>[", "item", ["1"], hdr)


def test_dask_engine_needs_columns():
    df = _frame([f"E{i}" for i in IDS] + [f"P{i}" for i in IDS])
    with pytest.raises(ConfigError, match="engine=\"dask\" reads plain tables with columns= given"):
        sg.read_survey(df, engine="dask")


def test_single_viewpoint_surveys_and_unmarked_twins():
    gc = sg.GAP_CONSTRUCTS
    df = _frame(list(gc.item_ids), n=6)
    df = df.clip(1, 5)
    s = sg.read_survey(df, gc)                                            # a staff survey named by item ids
    assert s.viewpoints == ["rating"] and s.metadata["columns"]["rating"]["MRO1"] == "MRO1"
    twice = [f"{k + 1}、{t}" for k, t in enumerate(ZH)] + [f"{k + 23}、{t}" for k, t in enumerate(ZH)]
    sugg = sg.suggest_columns(_frame(twice))
    assert sugg.columns == {} and sugg.table["reason"].str.contains("which is which").all()
    once = sg.suggest_columns(_frame(twice[:22]))
    assert list(once.columns) == ["rating"] and once.ok


def test_id_and_missing_codes_proposed_from_the_values():
    cols = [f"E{i}" for i in IDS] + [f"P{i}" for i in IDS]
    df = _frame(cols, n=12).astype(float)
    df.insert(0, "id", [1, 2, 3] * 4)                       # named like an id, but repeated: not proposed
    df.insert(1, "Respondent ID", [f"R{k}" for k in range(12)])
    df.loc[[0, 3], "E4"] = 0
    df.loc[5, "P9"] = 0
    df.loc[7, "P1"] = 99
    df.loc[8, "E2"] = 7.5                                   # off the scale but no whole number: not a code
    s = sg.suggest_columns(df)
    assert s.id == "Respondent ID"
    assert s.missing == {0: 3, 99: 1}
    clean = sg.suggest_columns(_frame(cols))
    assert clean.missing == {} and clean.id is None


@pytest.mark.parametrize("e, p", [("期望{}", "感知{}"), ("期望值{}", "感知值{}"), ("Q{}期望", "Q{}感知"), ("期望_{}", "感知_{}"),
                                  ("{}期望", "{}感知"), ("期望({})", "感知({})"), ("第{}题期望", "第{}题感知")])
def test_chinese_viewpoint_words_with_item_numbers(e, p):
    """Hand-made Chinese headers: the viewpoint word and the item number, in either order."""
    cols = [e.format(i) for i in IDS] + [p.format(i) for i in IDS]
    s = sg.suggest_columns(_frame(cols))
    assert s.ok
    assert s.columns["expected"] == {i: e.format(i) for i in IDS}
    assert s.columns["perceived"] == {i: p.format(i) for i in IDS}


def test_the_staff_survey_is_found_without_columns():
    """The bundled staff file (M, S, D, C per item): the four staff viewpoints of gaps 1-4, read as with columns=."""
    import warnings

    path = sg.example_path("staff")
    s = sg.suggest_columns(path)
    assert s.ok and set(s.columns) == {"management", "specification", "delivered", "communicated"}
    assert s.columns["delivered"] == {i: f"D{i}" for i in IDS} and s.id == "staff_id"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = sg.read_survey(path, id="staff_id", segments="branch")
    given = sg.load_example()[1]
    for vp in given.viewpoints:
        np.testing.assert_array_equal(auto.data[vp], given.data[vp])
    zh = [f"{w}{i}" for w in ("管理层认知", "服务标准", "实际提供的服务", "对外宣传") for i in IDS]
    z = sg.suggest_columns(_frame(zh))
    assert z.ok and z.columns["communicated"]["7"] == "对外宣传7"


def test_staff_markers_that_contain_customer_markers_win():
    """实际提供的服务 holds 实际 (perceived) and 管理层对顾客期望的认知 holds 期望 (expected): the longer marker
    names the viewpoint, so a staff survey headed marker—wording keeps all four viewpoints."""
    assert find_markers("实际提供的服务—银行员工总是愿意帮助顾客") == {"delivered"}
    assert find_markers("管理层对顾客期望的认知—网点环境") == {"management"}
    assert find_markers("期望—实际提供的服务") == {"expected", "delivered"}       # separate words both count
    words = {"management": "管理层对顾客期望的认知", "specification": "服务标准",
             "delivered": "实际提供的服务", "communicated": "对外宣传"}
    rng = np.random.default_rng(8)
    truth = {vp: rng.integers(1, 8, (20, 22)) for vp in words}
    df = pd.DataFrame({f"{w}—{ZH[j]}": truth[vp][:, j] for vp, w in words.items() for j in range(22)})
    s = sg.read_survey(df)
    assert sorted(s.data) == sorted(words)
    for vp in words:
        np.testing.assert_array_equal(s.data[vp], truth[vp])


def test_a_whole_block_left_unplaced_is_warned():
    from servgap.errors import DataQualityWarning

    df = _frame([f"E{i}" for i in IDS] + [f"P{i}" for i in IDS] + [f"某题—{t}" for t in ZH])
    with pytest.warns(DataQualityWarning, match=r"22 question columns name an item or a viewpoint but were not placed \(e.g. '某题—"):
        s = sg.read_survey(df)
    assert sorted(s.data) == ["expected", "perceived"]


def test_full_width_codes_are_codes():
    """Ｅ１２ typed with a Chinese input method is E12."""
    fw = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "EP0123456789"})
    df = _frame([f"{v}{i}".translate(fw) for v in "EP" for i in IDS])
    s = sg.read_survey(df)
    assert s.metadata["columns"]["expected"]["12"] == "Ｅ１２"
    np.testing.assert_array_equal(s.data["perceived"][:, 0], df["Ｐ１"].to_numpy())
