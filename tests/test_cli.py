"""The ``servgap`` command and survey configuration files."""

import json
import warnings
from pathlib import Path

import jsonschema
import openpyxl
import pandas as pd
import pytest
from factories import survey_frame

import servgap as sg
from servgap.cli import main
from servgap.config import TEMPLATE, load_config, parse_config
from servgap.errors import ConfigError
from servgap.report import jsonout

CONFIG = """\
columns: {expected: "E{item}", perceived: "P{item}"}
id: resp_id
segments: [branch]
missing: [0]
analysis: {by: branch, test: t, correction: holm}
"""


@pytest.fixture
def batch(tmp_path):
    (tmp_path / "survey.yaml").write_text(CONFIG, encoding="utf-8")
    survey_frame(segments=["A", "B"]).to_csv(tmp_path / "good.csv", index=False)
    bad = survey_frame(segments=["A", "B"], seed=3)
    bad.loc[3, "E5"] = 8                                  # out of the 1-7 scale
    bad.to_csv(tmp_path / "bad.csv", index=False)
    return tmp_path


def test_demo_en(tmp_path, capsys):
    out = tmp_path / "demo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["demo", "--out", str(out)]) == 0
    for name in ("report.html", "results.xlsx", "results.json", "plots/model.png", "plots/gaps.png"):
        assert (out / name).stat().st_size > 1000, name
    text = capsys.readouterr().out
    # the summary names the planted worst gap (responsiveness in branch B03) and where the files are
    first = next(line for line in text.splitlines() if line.strip().startswith("\u2212"))
    assert "Responsiveness" in first and "B03" in first
    # each line gives its n; the staff line (8 per branch) is marked small and the mark explained
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(list(sg.load_example(tolerance=True)) + [sg.load_example_constructs()], by="branch")
    worst = res.gaps[(res.gaps["mean_gap"] < 0) & (res.gaps["p_adj"] < 0.05)].nsmallest(5, "mean_gap")
    lines = [line for line in text.splitlines() if line.strip().startswith("\u2212")]
    for line, n in zip(lines, worst["n"]):
        assert line.endswith(f"n = {n:,}{'†' if n < 30 else ''})")
    assert (worst["n"] < 30).any() and "† fewer than 30 respondents: read with care." in text
    assert str(out.resolve()) in text
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["measured_gaps"] == [1, 2, 3, 4, 5] and data["by"] == ["branch"]
    jsonschema.validate(data, jsonout.schema())       # with every optional table the demo has
    sheets = openpyxl.load_workbook(out / "results.xlsx", read_only=True).sheetnames
    assert {("gaps" if t == "dimensions" else t) for t in data["tables"]} <= set(sheets)


def test_demo_zh(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("model",))    # one figure keeps this test fast
    out = tmp_path / "demo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["demo", "--out", str(out), "--lang", "zh"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "服务质量差距报告" in html and "响应性" in html
    assert (out / "plots" / "model.png").exists()
    assert "响应性" in capsys.readouterr().out


def test_analyze_batch_with_a_bad_file(batch, capsys):
    out = batch / "out"
    code = main(["analyze", str(batch / "*.csv"), "--config", str(batch / "survey.yaml"), "--out", str(out),
                 "--format", "xlsx,json"])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and "outside the scale" in err and "'E5'" in err
    assert (out / "good" / "results.json").exists() and (out / "good" / "results.xlsx").exists()
    assert not (out / "bad").exists() or not (out / "bad" / "results.json").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    status = {f["file"].rsplit("/", 1)[-1]: f["status"] for f in summary["files"]}
    assert status == {"bad.csv": "failed", "good.csv": "ok"}
    # the combined summary holds the good file's dimension gaps, identical to a direct analysis
    cfg = load_config(batch / "survey.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = cfg.analyze([str(batch / "good.csv")]).gaps
    rows = summary["dimension_gaps"]
    assert len(rows) == len(direct)
    assert [r["mean_gap"] for r in rows] == pytest.approx(direct["mean_gap"].tolist(), rel=1e-12)
    assert (out / "summary.csv").read_text(encoding="utf-8").splitlines()[0].startswith('"file","gap","gap_name"')
    wb = openpyxl.load_workbook(out / "good" / "results.xlsx")
    assert "gaps" in wb.sheetnames


def test_analyze_all_good(batch):
    (batch / "bad.csv").unlink()
    assert main(["analyze", str(batch / "good.csv"), "--config", str(batch / "survey.yaml"),
                 "--out", str(batch / "o"), "--format", "json"]) == 0


def test_analyze_says_its_summary_in_the_report_language(batch, capsys):
    (batch / "bad.csv").unlink()
    for lang, said in (("en", "1 of 1 file(s) analysed; outputs in"), ("zh", "已分析 1 个文件中的 1 个；输出在")):
        assert main(["analyze", str(batch / "good.csv"), "--config", str(batch / "survey.yaml"),
                     "--out", str(batch / lang), "--format", "json", "--lang", lang]) == 0
        assert said in capsys.readouterr().out


def test_validate(batch, capsys):
    assert main(["validate", str(batch / "good.csv"), "--config", str(batch / "survey.yaml")]) == 0
    out = capsys.readouterr().out
    assert "missing_code" in out and "good.csv" in out
    assert main(["validate", str(batch / "bad.csv"), "--config", str(batch / "survey.yaml")]) == 1
    err = capsys.readouterr().err
    assert "outside the scale" in err and "no --config was given" not in err    # the fix goes in that config


def test_report_from_saved_json(batch, monkeypatch):
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("gaps",))
    out = batch / "o"
    assert main(["analyze", str(batch / "good.csv"), "--config", str(batch / "survey.yaml"),
                 "--out", str(out), "--format", "json"]) == 0
    assert main(["report", str(out / "good" / "results.json"), "--out", str(batch / "r.html"), "--lang", "zh"]) == 0
    html = (batch / "r.html").read_text(encoding="utf-8")
    assert "服务质量差距报告" in html and "响应性" in html


def test_init_and_template(tmp_path, capsys):
    path = tmp_path / "survey.yaml"
    assert main(["init", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == TEMPLATE
    cfg = load_config(path)
    assert cfg.survey["columns"] == {"expected": "E{item}", "perceived": "P{item}"}
    assert cfg.survey["instrument"] is sg.SERVQUAL22 and cfg.analysis["correction"] == "holm"
    assert main(["init", str(path)]) == 2                   # no silent overwrite
    assert "--force" in capsys.readouterr().err
    assert main(["init", str(path), "--force"]) == 0


def test_usage_errors(tmp_path, capsys):
    assert main([]) == 2
    assert main(["analyze", "x.csv", "--out", str(tmp_path / "o")]) == 1        # no such file (the batch goes on)
    out = capsys.readouterr().out
    assert "no such file; check the path." in out and "init --from" not in out     # no setting to write down
    assert main(["demo", "--lang", "fr"]) == 2
    assert main(["analyze", "x.csv", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "c.yaml").write_text(CONFIG)
    assert main(["analyze", "x.csv", "--config", str(tmp_path / "c.yaml"), "--format", "pdf"]) == 2
    assert main(["--version"]) == 0


def test_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key\(s\) 'segmnets' \(did you mean 'segments'\?\)"):
        parse_config({"columns": {"expected": "E{item}"}, "segmnets": ["branch"]})
    with pytest.raises(ConfigError, match="analysis: unknown key.*'tests'"):
        parse_config({"columns": {"expected": "E{item}"}, "analysis": {"tests": "t"}})
    with pytest.raises(ConfigError, match="'columns' is required"):
        parse_config({"id": "resp_id"})
    with pytest.raises(ConfigError, match="instrument file 'my.yaml' does not exist"):
        parse_config({"columns": {"expected": "E{item}"}, "instrument": "my.yaml"}, base=tmp_path)
    (tmp_path / "bad.yaml").write_text("columns: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_config_staff_block_and_relative_files(tmp_path):
    cust, staff = sg.example_path("customers"), sg.example_path("staff")
    cfg = parse_config({"files": [cust], "columns": {"expected": "E{item}", "perceived": "P{item}"},
                        "id": "resp_id", "segments": ["branch"], "missing": [0], "weight": "weight",
                        "staff": {"files": staff, "id": "staff_id", "segments": ["branch"],
                                  "columns": {"management": "M{item}", "specification": "S{item}",
                                              "delivered": "D{item}", "communicated": "C{item}"}},
                        "analysis": {"gaps": [1, 5]}}, base=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cfg.analyze()
        ref = sg.analyze(list(sg.load_example()), gaps=[1, 5])
    assert res.measured_gaps == [1, 5]
    assert res.dimensions["mean_gap"].tolist() == pytest.approx(ref.dimensions["mean_gap"].tolist(), rel=1e-12)
    rel = parse_config({"files": ["d/x.csv"], "columns": {"expected": "E{item}"}}, base=tmp_path)
    assert rel.files == [str(tmp_path / "d" / "x.csv")]


def test_missing_optional_package_is_a_usage_error(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlsxwriter" else real(name, *a))
    (tmp_path / "c.yaml").write_text(CONFIG)
    assert main(["analyze", "x.csv", "--config", str(tmp_path / "c.yaml"), "--format", "xlsx"]) == 2
    assert "pip install 'servgap[excel]'" in capsys.readouterr().err


def test_python_dash_m_servgap_is_the_command(batch):
    """``python -m servgap`` runs the same command as the console script (exit codes and output)."""
    import subprocess
    import sys

    run = [sys.executable, "-m", "servgap", "validate", "--config", str(batch / "survey.yaml")]
    good = subprocess.run([*run, str(batch / "good.csv")], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "good.csv" in good.stdout
    bad = subprocess.run([*run, str(batch / "bad.csv")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "outside the scale" in bad.stderr
    version = subprocess.run([sys.executable, "-m", "servgap", "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and sg.__version__ in version.stdout


EXPORTS = Path(__file__).parent / "data" / "exports"


def test_validate_without_a_config_names_the_columns_it_found(capsys):
    assert main(["validate", str(EXPORTS / "qualtrics.csv")]) == 0
    out = capsys.readouterr().out
    assert "expected: 22 columns found from the headers (Q2_1 ... Q2_22" in out
    assert "perceived: 22 columns found from the headers (Q3_1 ... Q3_22" in out
    assert "servgap init --from FILE" in out


def test_analyze_without_a_config_reads_an_export_as_read_survey_does(tmp_path):
    """No --config: columns from the headers; gap 5 per item and branch equals the export's own answers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(EXPORTS / "qualtrics.csv"), "--by", "Q1", "--format", "json",
                     "--out", str(tmp_path)]) == 0
    res = sg.read_results(tmp_path / "qualtrics" / "results.json")
    truth = pd.read_csv(EXPORTS / "qualtrics.truth.csv")
    got = res.items[res.items["gap"] == 5].set_index(["Q1", "item"])["mean_gap"]
    for (branch, item), value in got.items():
        rows = truth[truth["branch"] == branch]
        d = (rows[f"perceived:{item}"] - rows[f"expected:{item}"]).dropna()
        assert value == pytest.approx(d.mean(), abs=1e-12)
    assert len(got) == 22 * truth["branch"].nunique()


def test_without_a_config_a_data_error_says_where_the_fix_goes(tmp_path, capsys):
    code = main(["analyze", sg.example_path("customers"), "--format", "json", "--out", str(tmp_path)])
    assert code == 1
    out = capsys.readouterr().out
    assert "missing: [0]" in out and "servgap init --from FILE" in out and "--config" in out
    assert main(["validate", sg.example_path("customers")]) == 1
    err = capsys.readouterr().err
    assert "outside the scale 1-7" in err and "servgap init --from FILE" in err


@pytest.mark.parametrize("scale, words", [([1], "must be [min, max]"), ("x", "must be {min: 1, max: 7} or [1, 7]"),
                                          ([5, 1], "is not a range")])
def test_config_scale_errors_name_the_configuration(scale, words):
    with pytest.raises(ConfigError, match="config <config>") as exc:
        parse_config({"columns": {"expected": "E{item}"}, "scale": scale})
    assert words in str(exc.value)


def test_config_scale_takes_both_instrument_forms():
    for scale in ([0, 6], {"min": 0, "max": 6}):
        inst = parse_config({"columns": {"expected": "E{item}"}, "scale": scale}).survey["instrument"]
        assert (inst.scale_min, inst.scale_max, len(inst.items)) == (0, 6, 22)
