"""``servgap analyze --jobs N``: files analysed in a pool of processes give the same outputs,
in the same order, as one process (apart from the time stamps of the provenance)."""

import json
import re
import warnings

import pytest
from factories import CONFIG, survey_frame

from servgap.cli import main

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")   # ISO time stamps


def _batch(tmp_path, n_files: int, bad: bool = True):
    (tmp_path / "survey.yaml").write_text(CONFIG, encoding="utf-8")
    files = []
    for k in range(n_files):
        f = tmp_path / f"branch{k:02d}.csv"
        survey_frame(segments=["A", "B"], seed=k).to_csv(f, index=False)
        files.append(f)
    if bad:
        b = survey_frame(segments=["A", "B"], seed=99)
        b.loc[2, "P4"] = 9                                  # out of the 1-7 scale: this file fails
        files.insert(1, tmp_path / "bad.csv")
        b.to_csv(files[1], index=False)
    return files


def _run(tmp_path, files, jobs: int, run: str, fmt: str, monkeypatch):
    """The batch run from folder ``run`` into its ``out`` (the summary records the same relative paths)."""
    (tmp_path / run).mkdir()
    monkeypatch.chdir(tmp_path / run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["analyze", *map(str, files), "--config", str(tmp_path / "survey.yaml"), "--out", "out",
                     "--format", fmt, "--jobs", str(jobs)])


def _tree(folder):
    """Every output file's bytes, the time stamps blanked."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.suffix in (".json", ".html", ".csv"):
                data = TIME.sub("<time>", data.decode("utf-8")).encode("utf-8")
            out[str(p.relative_to(folder))] = data
    return out


def test_jobs_give_the_outputs_of_one_process(tmp_path, capsys, monkeypatch):
    files = _batch(tmp_path, 4)
    assert _run(tmp_path, files, 1, "serial", "json", monkeypatch) == 1     # one bad file: exit 1 either way
    serial_err = capsys.readouterr().err
    assert _run(tmp_path, files, 2, "pool", "json", monkeypatch) == 1
    pool_err = capsys.readouterr().err
    a, b = _tree(tmp_path / "serial" / "out"), _tree(tmp_path / "pool" / "out")
    assert sorted(a) == sorted(b) and a == b
    summary = json.loads((tmp_path / "pool" / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in summary["files"]] == [str(f) for f in files]        # file order kept
    assert [f["status"] for f in summary["files"]] == ["ok", "failed", "ok", "ok", "ok"]
    assert serial_err.count("FAILED") == pool_err.count("FAILED") == 1 and "bad.csv" in pool_err


def test_jobs_zero_means_every_core():
    import os

    from servgap.batch import workers

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert workers(0) == cores and workers(3) == 3 and workers(-2) == 1


def test_workers_share_the_cores_and_keep_the_users_settings(monkeypatch):
    from servgap import batch

    monkeypatch.setattr(batch, "workers", lambda jobs: 8 if jobs == 0 else jobs)    # an 8-core machine
    env = batch.worker_environment(2, {"OPENBLAS_NUM_THREADS": "3"})
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "4"                   # 8 cores / 2 workers
    assert "OPENBLAS_NUM_THREADS" not in env and env["MPLBACKEND"] == "Agg"          # the user's own value stays
    assert batch.worker_environment(16, {})["OMP_NUM_THREADS"] == "1"                  # never below one thread


def test_a_pool_leaves_this_process_environment_as_it_was(tmp_path, capsys, monkeypatch):
    import os

    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND"):
        monkeypatch.delenv(k, raising=False)
    before = dict(os.environ)
    assert _run(tmp_path, _batch(tmp_path, 2, bad=False), 2, "pool", "json", monkeypatch) == 0
    assert dict(os.environ) == before


@pytest.mark.slow
def test_jobs_two_equal_jobs_one_with_every_output(tmp_path, monkeypatch):
    files = _batch(tmp_path, 6, bad=False)
    assert _run(tmp_path, files, 1, "serial", "html,xlsx,json", monkeypatch) == 0
    assert _run(tmp_path, files, 2, "pool", "html,xlsx,json", monkeypatch) == 0
    a, b = _tree(tmp_path / "serial" / "out"), _tree(tmp_path / "pool" / "out")
    assert sorted(a) == sorted(b)
    for name in a:
        if name.endswith((".json", ".csv", ".html", ".png")):    # byte for byte, apart from the time stamps
            assert a[name] == b[name], name
    import pandas as pd

    for f in files:                                # the workbooks hold the same tables
        x = pd.read_excel(tmp_path / "serial" / "out" / f.stem / "results.xlsx", sheet_name=None)
        y = pd.read_excel(tmp_path / "pool" / "out" / f.stem / "results.xlsx", sheet_name=None)
        assert x.keys() == y.keys()
        for k in x:
            if k not in ("settings", "provenance"):
                pd.testing.assert_frame_equal(x[k], y[k])
