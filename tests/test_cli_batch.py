"""`servgap analyze` batches and the command line's promises: exit codes, safe and atomic outputs,
an incremental summary guarded against formula injection, hints in YAML spelling, --combine,
validate's incomplete pairs, --help examples."""

import csv
import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from factories import CONFIG, survey_frame

import servgap as sg
from servgap import batch
from servgap.cli import main
from servgap.config import load_config

NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "-1+2", "line\rbreak", "B01"]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "survey.yaml").write_text(CONFIG, encoding="utf-8")
    survey_frame(segments=["A", "B"]).to_csv(tmp_path / "a.csv", index=False)
    survey_frame(segments=["A", "B"], seed=11).to_csv(tmp_path / "b.csv", index=False)
    return tmp_path


def _run(folder, *args, out="out"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["analyze", *map(str, args), "--config", str(folder / "survey.yaml"), "--out",
                     str(folder / out), "--format", "json"])


def test_exit_codes(folder, capsys):
    assert _run(folder, folder / "a.csv") == 0
    bad = survey_frame(segments=["A", "B"], seed=3)
    bad.loc[3, "E5"] = 8
    bad.to_csv(folder / "bad.csv", index=False)
    assert _run(folder, folder / "a.csv", folder / "bad.csv") == 1
    (folder / "survey.yaml").write_text(CONFIG.replace("by: branch", "by: region"), encoding="utf-8")
    assert _run(folder, folder / "a.csv") == 2                     # the same for every file: configuration
    err = capsys.readouterr().err
    assert "'region'" in err and "segments" in err and "Traceback" not in err
    (folder / "survey.yaml").write_text(CONFIG.replace("by: branch", "by: branch, alpha: 2"), encoding="utf-8")
    assert _run(folder, folder / "a.csv") == 2


def test_glob_matching_nothing_says_so(folder, capsys):
    assert _run(folder, folder / "nothing*.csv") == 2
    err = capsys.readouterr().err
    assert "no file matches" in err and "nothing*.csv" in err


def test_summary_csv_is_neutralised_and_quoted(folder):
    survey_frame(segments=NASTY).to_parquet(folder / "n.parquet")       # keeps the bare CR of a segment name
    assert _run(folder, folder / "n.parquet") == 0
    with open(folder / "out" / "summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    seen = {r[header.index("branch")] for r in body}
    assert seen == {"'" + NASTY[0], "'" + NASTY[1], "'-1+2", "line\rbreak", "B01"}    # CR kept inside quotes
    ref = sg.read_results(folder / "out" / "n" / "results.json").gaps
    assert len(body) == len(ref)
    assert [float(r[header.index("mean_gap")]) for r in body] == pytest.approx(ref["mean_gap"].tolist(), rel=1e-12)
    raw = (folder / "out" / "summary.csv").read_text(encoding="utf-8")
    assert '"=HYPERLINK' not in raw and '"=cmd' not in raw


def test_output_folder_names_cannot_escape(folder):
    (folder / "sub").mkdir()
    survey_frame(segments=["A"]).to_csv(folder / "sub" / "...csv", index=False)
    assert _run(folder, folder / "sub" / "...csv", out="sub/out") == 0
    assert (folder / "sub" / "out" / "data" / "results.json").exists()
    assert sorted(p.name for p in (folder / "sub").iterdir()) == ["...csv", "out"]
    assert batch.safe_name("../../x") == "x" and batch.safe_name("NUL") == "NUL_"
    dirs = batch.out_dirs(["a/x.csv", "b/x.csv", "combined.csv"], folder)
    assert [d.name for d in dirs.values()] == ["x", "x_2", "combined_2"]


def test_every_output_is_written_atomically(folder, monkeypatch):
    renamed = []
    real = os.replace

    def spy(src, dst):
        renamed.append(os.path.abspath(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("gaps",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(folder / "a.csv"), "--config", str(folder / "survey.yaml"), "--out",
                     str(folder / "out"), "--plots"]) == 0
    files = [os.path.abspath(p) for p in (folder / "out").rglob("*") if p.is_file()]
    assert {os.path.basename(f) for f in files} >= {"report.html", "results.xlsx", "results.json", "gaps.png",
                                                    "summary.csv", "summary.json"}
    assert set(files) <= set(renamed), set(files) - set(renamed)     # each arrived by a rename of a finished file
    assert not [p for p in (folder / "out").rglob("*.part")]


def test_a_file_failing_late_leaves_no_outputs(folder, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sg.GapAnalysis, "to_json", boom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["analyze", str(folder / "a.csv"), "--config", str(folder / "survey.yaml"), "--out",
                     str(folder / "out"), "--format", "xlsx,json"])
    assert code == 1
    assert not (folder / "out" / "a").exists() or not any((folder / "out" / "a").iterdir())
    assert [p.name for p in (folder / "out").iterdir()] and not list((folder / "out").glob(".*part"))
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["files"][0]["status"] == "failed" and summary["files"][0]["outputs"] == []
    assert "disk full" in summary["files"][0]["error"]


def test_an_interrupted_batch_leaves_a_summary(folder, monkeypatch):
    real = load_config(folder / "survey.yaml").__class__.analyze
    calls = []

    def analyze(self, files=None, **kw):
        calls.append(files)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, files, **kw)

    monkeypatch.setattr("servgap.config.SurveyConfig.analyze", analyze)
    with pytest.raises(KeyboardInterrupt):
        _run(folder, folder / "a.csv", folder / "b.csv")
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["complete"] is False and [f["status"] for f in summary["files"]] == ["ok"]
    assert len(pd.read_csv(folder / "out" / "summary.csv")) == len(summary["dimension_gaps"]) > 0


def test_failed_lines_go_through_tqdm_write(folder, monkeypatch):
    tqdm = pytest.importorskip("tqdm")
    said = []
    monkeypatch.setattr(tqdm.tqdm, "write", classmethod(lambda cls, s, file=None, **k: said.append(s)))
    bad = survey_frame(segments=["A"])
    bad["E4"] = bad["E4"].astype(object)
    bad.loc[2, "E4"] = "five"
    bad.to_csv(folder / "bad.csv", index=False)
    assert _run(folder, folder / "bad.csv") == 1
    line = next(s for s in said if s.startswith("FAILED"))
    # the fix is spelled as in the configuration file, not as Python
    assert "bad.csv" in line and "missing: [five]" in line and "missing=[" not in line


def test_validate_lists_incomplete_pairs(folder, capsys):
    df = survey_frame(segments=["A", "B"])
    df.loc[[1, 2, 3], "E2"] = np.nan                # perceived given, expected blank: 3 incomplete pairs
    df.loc[[4], "P7"] = np.nan
    df.to_csv(folder / "p.csv", index=False)
    assert main(["validate", str(folder / "p.csv"), "--config", str(folder / "survey.yaml")]) == 0
    out = capsys.readouterr().out
    e = df[[f"E{i}" for i in sg.SERVQUAL22.item_ids]].replace(0, np.nan).to_numpy(float)
    p = df[[f"P{i}" for i in sg.SERVQUAL22.item_ids]].to_numpy(float)
    expected = int((np.isnan(e) ^ np.isnan(p)).sum())          # independent count over the raw cells
    assert "incomplete pairs" in out and f"gap5: {expected}" in out
    assert "gap5:2" in out and "gap5:7" in out


def test_combine_analyses_all_files_as_one_survey(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(folder / "a.csv"), str(folder / "b.csv"), "--config", str(folder / "survey.yaml"),
                     "--out", str(folder / "out"), "--format", "json", "--combine"]) == 0
        per_file = load_config(folder / "survey.yaml").analyze([str(folder / "b.csv")]).gaps
    res = sg.read_results(folder / "out" / "combined" / "results.json")
    assert res.by == ["file", "branch"] and set(res.gaps["file"]) == {"a.csv", "b.csv"}
    mine = res.gaps[res.gaps["file"] == "b.csv"].reset_index(drop=True)
    for c in ("n", "mean_gap", "p", "p_adj"):
        np.testing.assert_allclose(mine[c].to_numpy(float), per_file[c].to_numpy(float), rtol=1e-12)
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["combined"]["status"] == "ok" and len(summary["files"]) == 2


@pytest.mark.parametrize("command", ["demo", "analyze", "validate", "init", "report"])
def test_help_has_examples(command, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"servgap {command}" in text.split("examples:")[1]


def test_tampered_results_and_bugs_give_one_line(folder, capsys, monkeypatch):
    assert _run(folder, folder / "a.csv") == 0
    path = folder / "out" / "a" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for row in data["tables"]["dimensions"]:
        row.pop("mean_gap")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["report", str(path), "--out", str(folder / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "mean_gap" in err and "edited" in err and "Traceback" not in err
    monkeypatch.setitem(__import__("servgap.cli").cli.COMMANDS, "init", lambda args: [][1])
    assert main(["init", str(folder / "x.yaml")]) == 1
    err = capsys.readouterr().err
    assert "IndexError" in err and "bug" in err and "Traceback" not in err


def test_plots_without_the_report_are_the_reports_figures(folder, monkeypatch):
    """``--plots`` without html draws each figure once, as the report would: the same PNG bytes."""
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("gaps", "snake"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fmt, out in (("html", "with"), ("xlsx", "without")):
            assert main(["analyze", str(folder / "a.csv"), "--config", str(folder / "survey.yaml"), "--out",
                         str(folder / out), "--format", fmt, "--plots"]) == 0
    for kind in ("gaps", "snake"):
        png = (folder / "without" / "a" / "plots" / f"{kind}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert png == (folder / "with" / "a" / "plots" / f"{kind}.png").read_bytes()
    assert not (folder / "without" / "a" / "report.html").exists()


def _figures_run(folder, out, *extra, fmt="html,json"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["analyze", str(folder / "a.csv"), "--config", str(folder / "survey.yaml"), "--out",
                     str(folder / out), "--format", fmt, *extra])


def _images(html_path):
    from html.parser import HTMLParser

    found = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "img" and a.get("src", "").startswith("data:image/"):
                found.append(a.get("alt"))

    Images().feed(html_path.read_text(encoding="utf-8"))
    return found


def test_figures_none_writes_a_tables_only_report_with_the_same_numbers(folder):
    assert _figures_run(folder, "all") == 0 and _figures_run(folder, "none", "--figures", "none") == 0
    full, tables = folder / "all" / "a" / "report.html", folder / "none" / "a" / "report.html"
    assert len(_images(full)) >= 5 and _images(tables) == []
    a = json.loads((folder / "all" / "a" / "results.json").read_text(encoding="utf-8"))
    b = json.loads((folder / "none" / "a" / "results.json").read_text(encoding="utf-8"))
    assert a["tables"] == b["tables"] and set(a["tables"]) >= {"items", "dimensions", "overall", "causes"}
    assert 'data-table="overall"' in tables.read_text(encoding="utf-8")


def test_figures_list_draws_only_those_in_the_report_and_as_png(folder):
    assert _figures_run(folder, "two", "--figures", "gaps, heatmap", "--plots") == 0
    from servgap.report.strings import STRINGS

    titles = STRINGS["en"]["fig"]
    assert sorted(_images(folder / "two" / "a" / "report.html")) == sorted([titles["gaps"], titles["heatmap"]])
    assert sorted(p.name for p in (folder / "two" / "a" / "plots").iterdir()) == ["gaps.png", "heatmap.png"]
    assert _figures_run(folder, "png", "--figures", "snake", "--plots", fmt="json") == 0      # PNGs without a report
    assert [p.name for p in (folder / "png" / "a" / "plots").iterdir()] == ["snake.png"]


@pytest.mark.parametrize("value, words", [("gapz", ["'gapz' is no plot kind", "gaps", "heatmap", "none"]),
                                          ("", ["use all, none"])])
def test_figures_unknown_kind_is_a_usage_error(folder, capsys, value, words):
    assert _figures_run(folder, "bad", "--figures", value) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err
    assert not (folder / "bad" / "a").exists()


def test_figures_none_with_plots_is_a_usage_error(folder, capsys):
    assert _figures_run(folder, "bad", "--figures", "none", "--plots") == 2
    assert "--plots" in capsys.readouterr().err


def test_report_command_takes_figures(folder, capsys):
    assert _figures_run(folder, "res", fmt="json") == 0
    out = folder / "r.html"
    assert main(["report", str(folder / "res" / "a" / "results.json"), "--out", str(out), "--figures", "none"]) == 0
    assert _images(out) == []


def test_to_html_refuses_an_unknown_plot_kind():
    res = sg.analyze(sg.load_example()[0], by="branch")
    from servgap.errors import ConfigError

    with pytest.raises(ConfigError, match="'gapz' is no plot kind.*heatmap"):
        res.to_html(plots=["gaps", "gapz"])
    assert res.to_html(plots="gaps").count('<img src="data:image/') == 1          # one kind as a string
