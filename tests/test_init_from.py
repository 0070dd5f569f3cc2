"""`servgap init --from FILE`: the proposed survey YAML, then `servgap analyze FILE --config` on it,
checked against an analysis of the tidy answers the export was made from."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

import servgap as sg
from servgap.cli import main

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"


@pytest.mark.parametrize("name", ["wjx_score_bom.csv", "qualtrics.csv", "qualtrics_legacy.csv", "surveymonkey.csv",
                                  "tencent.csv", "limesurvey.csv", "spss_labels.sav", "wjx_numbers.xlsx"])
def test_init_from_then_analyze(tmp_path, name, capsys):
    shutil.copy(EXPORTS / name, tmp_path / name)
    cfg = tmp_path / "survey.yaml"
    assert main(["init", str(cfg), "--from", str(tmp_path / name)]) == 0
    text = cfg.read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    assert spec["platform"] in name.replace("_numbers", "").replace("_score_bom", "") or spec["platform"] == "spss"
    assert "# CHECK" not in text and len(spec["columns"]["expected"]) == 22
    seg = spec["analysis"]["by"]
    assert seg is not None and spec["segments"] == [seg]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(tmp_path / name), "--config", str(cfg), "--out", str(tmp_path / "out"),
                     "--format", "json"]) == 0
        got = sg.read_results(tmp_path / "out" / Path(name).stem / "results.json").gaps
        truth = pd.read_csv(EXPORTS / f"{Path(name).stem}.truth.csv")
        tidy = sg.read_survey(truth.rename(columns={"branch": seg}),
                              columns={"expected": "expected:{item}", "perceived": "perceived:{item}"}, segments=seg)
        want = sg.analyze(tidy, by=seg).gaps
    cols = ["dimension", seg, "n", "mean_gap", "p_adj"]
    got = got[cols].astype({seg: str}).sort_values(["dimension", seg]).reset_index(drop=True)
    want = want[cols].astype({seg: str}).sort_values(["dimension", seg]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-12)


def test_init_from_a_gbk_export(tmp_path):
    cfg = tmp_path / "survey.yaml"
    assert main(["init", str(cfg), "--from", str(EXPORTS / "wjx_text_gbk.csv")]) == 0
    spec = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    assert spec["encoding"] == "gbk" and spec["platform"] == "wjx" and spec["id"] == "序号"
    (s,) = sg.config.parse_config(spec, base=tmp_path).read()
    assert s.n == 12 and s.metadata["scale_labels"]["expected"] == "zh_agree_7"


def test_init_from_marks_what_needs_checking(tmp_path):
    cfg = tmp_path / "survey.yaml"
    assert main(["init", str(cfg), "--from", str(EXPORTS / "wjx_code_numbered.csv")]) == 0
    text = cfg.read_text(encoding="utf-8")
    assert text.count("# CHECK") == 44 and "taken as expected by order" in text
    assert '"第2题(银行拥有现代化的设备（自助机具、叫号机、终端等）。)"' in text
    assert "# Columns not placed" in text and '"第1题"' in text
    spec = yaml.safe_load(text)
    assert (tmp_path / spec["files"][0]).resolve() == (EXPORTS / "wjx_code_numbered.csv").resolve()
    assert main(["init", str(cfg), "--from", str(EXPORTS / "wjx_code_numbered.csv")]) == 2      # no overwrite


def test_config_platform_labels_and_screen_keys(tmp_path):
    from servgap.config import parse_config

    text = """\
files: [wjx_text_gbk.csv]
platform: wjx
encoding: gbk
id: 序号
segments: ["1、您平时主要在哪个网点办理业务？"]
scale_labels: zh_agree_7
columns: {expected: "2、*", perceived: "3、*"}
screen: {speeders: {fraction: 0.3333333}, straightliners: true, duplicates: true, exclude: true}
analysis: {by: "1、您平时主要在哪个网点办理业务？"}
"""
    cfg = parse_config(yaml.safe_load(text), base=EXPORTS)
    (s,) = cfg.read()
    assert s.n == 9 and s.metadata["platform"] == "wjx" and s.metadata["scale_labels"]["perceived"] == "zh_agree_7"
    assert sorted(s.screened["id"]) == [5, 8, 12]
    with pytest.raises(sg.errors.ConfigError, match="unknown rule 'speedrs'"):
        parse_config(yaml.safe_load(text.replace("speeders:", "speedrs:")), base=EXPORTS).read()


def test_init_from_proposes_the_missing_code_and_the_id(tmp_path):
    """The bundled customers file codes 'no answer' as 0: init proposes missing: [0] (marked CHECK, with
    the count of such cells) and the id column, and analyze with that file equals the hand-declared read."""
    src = Path(sg.__file__).parent / "data" / "example" / "customers.csv"
    cfg = tmp_path / "survey.yaml"
    assert main(["init", str(cfg), "--from", str(src)]) == 0
    text = cfg.read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    raw = pd.read_csv(src)
    ratings = [c for c in raw.columns if c[0] in "EP" and c[1:].isdigit()]
    zeros = int((raw[ratings] == 0).sum().sum())
    assert spec["missing"] == [0] and spec["id"] == "resp_id"
    line = next(ln for ln in text.splitlines() if ln.startswith("missing:"))
    assert "# CHECK" in line and f"{zeros:,} cells of 0" in line and "1-7 scale" in line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(src), "--config", str(cfg), "--out", str(tmp_path / "out"),
                     "--format", "json"]) == 0
        got = sg.read_results(tmp_path / "out" / "customers" / "results.json").gaps
        want = sg.analyze(sg.read_survey(raw, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id",
                                         segments=["branch", "segment"], missing=[0]), by="branch").gaps
    cols = ["dimension", "branch", "n", "mean_gap", "p_adj"]
    got = got[cols].astype({"branch": str}).sort_values(["dimension", "branch"]).reset_index(drop=True)
    want = want[cols].astype({"branch": str}).sort_values(["dimension", "branch"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-12)
