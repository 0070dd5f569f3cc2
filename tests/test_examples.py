"""The example scripts run on the bundled data, and their numbers match an independent
pandas/scipy computation from the raw CSV (not a re-run of servgap)."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import servgap as sg

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(script: str, *args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def oracle_dimension_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Per respondent gap-5 dimension scores straight from the CSV (0 = missing, half the items)."""
    inst = sg.SERVQUAL22
    out = {}
    for dim in inst.dimensions:
        ids = [it.id for it in dim.items]
        e = df[[f"E{i}" for i in ids]].replace(0, np.nan).to_numpy(float)
        p = df[[f"P{i}" for i in ids]].replace(0, np.nan).to_numpy(float)
        d = p - e
        k = (~np.isnan(d)).sum(axis=1)
        mean = np.nansum(d, axis=1) / np.maximum(k, 1)
        out[dim.id] = np.where(k >= 0.5 * len(ids), mean, np.nan)
    return pd.DataFrame(out, index=df.index)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(sg.example_path("customers"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    proc = run("batch_analysis.py", "--demo", "--out", out, cwd=out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_batch_weighted_means_match_oracle(batch, customers):
    out, proc = batch
    table = pd.read_csv(out / "per_file_dimensions.csv")
    assert len(table) == 6 * 2 * 5 and set(table["gap"]) == {5}
    assert "12 of 12 files analysed" in proc.stdout
    dims = oracle_dimension_gaps(customers)
    for (branch, wave), part in customers.groupby(["branch", "wave"]):
        g = dims.loc[part.index]
        for dim in g.columns:
            x = g[dim].to_numpy()
            ok = ~np.isnan(x)
            w = part["weight"].to_numpy()[ok]
            row = table[(table.branch == branch) & (table.wave == wave) & (table.dimension == dim)].iloc[0]
            assert row["n"] == ok.sum()
            assert row["mean_gap"] == pytest.approx(np.average(x[ok], weights=w), abs=1e-12)
            assert row["n_eff"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-12)
    # the pooled analysis by branch and wave gives the same segment estimates
    pooled = pd.read_csv(out / "pooled_dimensions.csv")
    merged = table.merge(pooled, on=["branch", "wave", "dimension"], suffixes=("", "_pooled"))
    assert len(merged) == len(table)
    np.testing.assert_allclose(merged["mean_gap"], merged["mean_gap_pooled"], atol=1e-12)
    np.testing.assert_allclose(merged["p_adj"], merged["p_adj_pooled"], rtol=1e-9)
    overall = pd.read_csv(out / "per_file_overall.csv")
    assert set(overall["measure"]) == {"unweighted", "importance_weighted"}


def test_batch_unweighted_tests_match_scipy(tmp_path, customers):
    proc = run("batch_analysis.py", "--demo", "--unweighted", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "per_file_dimensions.csv")
    part = customers[(customers.branch == "B03") & (customers.wave == "2025Q1")]
    g = oracle_dimension_gaps(part)
    for dim in g.columns:
        x = g[dim].dropna().to_numpy()
        ref = stats.ttest_1samp(x, 0.0)
        lo, hi = ref.confidence_interval(0.95)
        row = table[(table.file == "B03_2025Q1.csv") & (table.dimension == dim)].iloc[0]
        assert row["p"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
        assert row["effect"] == pytest.approx(x.mean() / x.std(ddof=1), rel=1e-9)


def test_batch_reports_bad_file_and_continues(tmp_path, customers):
    good = tmp_path / "B01_2025Q1.csv"
    customers[(customers.branch == "B01") & (customers.wave == "2025Q1")].to_csv(good, index=False)
    bad = tmp_path / "broken.csv"
    broken = customers.head(5).copy()
    broken.loc[2, "P4"] = 12                         # outside the 1-7 scale
    broken.to_csv(bad, index=False)
    proc = run("batch_analysis.py", tmp_path / "*.csv", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 1
    fails = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert fails["file"].tolist() == ["broken.csv"] and fails["error"].tolist() == ["DataError"]
    assert "P4" in fails["reason"].iloc[0] and "outside the scale" in fails["reason"].iloc[0]
    table = pd.read_csv(tmp_path / "out" / "per_file_dimensions.csv")
    assert table["file"].unique().tolist() == ["B01_2025Q1.csv"]
    assert "broken.csv: FAILED" in proc.stderr


def test_batch_reads_settings_from_a_config_file(tmp_path, customers):
    # a servgap survey configuration without weights: means are plain means
    cfg = tmp_path / "survey.yaml"
    cfg.write_text('columns: {expected: "E{item}", perceived: "P{item}"}\n'
                   "id: resp_id\nsegments: [wave]\nmissing: [0]\n", encoding="utf-8")
    data = tmp_path / "all.csv"
    customers.to_csv(data, index=False)
    proc = run("batch_analysis.py", data, "--config", cfg, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "out" / "per_file_dimensions.csv")
    assert table["wave"].unique().tolist() == ["mixed"] and "branch" not in table.columns
    pooled = pd.read_csv(tmp_path / "out" / "pooled_dimensions.csv")
    dims = oracle_dimension_gaps(customers)
    for wave, part in customers.groupby("wave"):
        for dim in dims.columns:
            x = dims.loc[part.index, dim].dropna()
            row = pooled[(pooled.wave == wave) & (pooled.dimension == dim)].iloc[0]
            assert row["n"] == len(x) and row["mean_gap"] == pytest.approx(x.mean(), abs=1e-12)
            assert row["p"] == pytest.approx(stats.ttest_1samp(x, 0.0).pvalue, rel=1e-9, abs=1e-300)


def test_api_client_alerts_match_oracle(tmp_path, customers):
    pytest.importorskip("servgap.report.jsonout")
    proc = run("api_client.py", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "schema check: valid" in proc.stdout or "skipped" in proc.stdout
    doc = json.loads((tmp_path / "analysis.json").read_text(encoding="utf-8"))
    assert doc["schema_version"].startswith("1.")
    result = json.loads((tmp_path / "alerts.json").read_text(encoding="utf-8"))
    assert result["measured_gaps"] == [1, 2, 3, 4, 5] and result["not_measured"] == []
    dims = oracle_dimension_gaps(customers)
    with open(tmp_path / "branch_summary.csv", encoding="utf-8") as fh:
        summary = {r["segment"]: r for r in csv.DictReader(fh)}
    assert sorted(summary) == sorted(customers["branch"].unique())
    for branch, part in customers.groupby("branch"):
        g = dims.loc[part.index]
        means = {d: np.average(g[d].dropna(), weights=part.loc[g[d].notna(), "weight"]) for d in g.columns}
        worst = min(means, key=means.get)
        assert summary[branch]["worst_dimension"] == worst
        assert float(summary[branch]["worst_gap"]) == pytest.approx(means[worst], abs=1e-12)
    gaps = [a["gap"] for a in result["alerts"]]
    assert gaps == sorted(gaps) and all(g < 0 for g in gaps)
    assert all(a["p_adj"] < doc["settings"]["alpha"] for a in result["alerts"])


def _load_client():
    spec = importlib.util.spec_from_file_location("api_client", EXAMPLES / "api_client.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_api_client_rejects_errors_and_unknown_versions():
    client = _load_client()
    err = json.dumps({"error": {"type": "DataError", "message": "file 'x.csv', column 'P1': outside the scale"}})
    with pytest.raises(RuntimeError, match="refused the input: DataError"):
        client.consume(err)
    future = {"schema_version": "2.0", "settings": {"alpha": 0.05}, "by": [], "tables": {}}
    with pytest.raises(RuntimeError, match="schema_version 2.0 is not supported"):
        client.consume(json.dumps(future))
