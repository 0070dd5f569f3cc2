"""The cause tree (res.cause_tree) and the action plan (res.actions): structure, merging,
owners, targets, sources, languages and exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from factories import gap_customers, gap_staff, gap_surveys, quiet_analyze
from servgap.causes.actions import ACTION_COLUMNS
from servgap.causes.remedies import load_actions
from servgap.causes.tree import TREE_COLUMNS


@pytest.fixture(scope="module")
def res():
    rng = np.random.default_rng(41)
    cust = gap_customers(rng, g5={"responsiveness": -1.2, "reliability": -0.8})
    staff = gap_staff(rng, g3={"responsiveness": -1.0}, g4={"reliability": -1.0},
                      constructs={"technology_job_fit": 2.0, "propensity_to_overpromise": 2.0})
    return quiet_analyze(gap_surveys(cust, staff))


def test_tree_links_gap_root_symptom_evidence(res):
    causes = res.causes(top=10)
    tree = res.cause_tree(top=10)
    assert list(tree.columns) == TREE_COLUMNS
    cat = sg.cause_catalog().set_index("id")
    for r in causes.itertuples(index=False):
        if r.level == "symptom":       # a symptom hangs under every one of its root causes
            assert set(tree.loc[tree["symptom"] == r.cause, "root"]) == set(cat.loc[r.cause, "parents"])
        else:
            own = tree[(tree["root"] == r.cause) & tree["symptom"].isna()]
            assert len(own) and (own["gap"] == r.gap[0]).all() and (own["root_rank"] == r.rank).all()
    assert (tree["gap"] == tree["root"].str[1].astype(int)).all()
    ranked = causes.set_index("cause")
    for r in tree.dropna(subset=["symptom"]).itertuples(index=False):
        assert r.symptom_rank == ranked.loc[r.symptom, "rank"] and r.symptom_basis == ranked.loc[r.symptom, "basis"]
        if r.root in ranked.index:
            assert r.root_score == ranked.loc[r.root, "score"]
        else:
            assert np.isnan(r.root_rank) and r.root_basis is None
    assert set(tree["direction"]) <= {"shortfall", "no shortfall", "unfavourable", "favourable"}
    zh = res.cause_tree(top=10, lang="zh")
    assert zh["gap_name"].str.startswith("差距").all() and zh["item_label"].str.contains(r"[\u4e00-\u9fff]").all()


def test_action_plan_merges_causes_and_carries_owners_targets_sources(res):
    causes = res.causes(top=10)
    plan = res.actions(top=10)
    assert list(plan.columns) == ACTION_COLUMNS
    assert plan["action"].is_unique and plan["priority"].tolist() == list(range(1, len(plan) + 1))
    acts = load_actions()
    cat = sg.cause_catalog().set_index("id")
    expected = {}
    for r in causes.itertuples(index=False):
        for a in cat.loc[r.cause, "actions"]:
            expected.setdefault(a, []).append(r.cause)
    assert {a: sorted(c) for a, c in expected.items()} == {a: sorted(c) for a, c in zip(plan["action"], plan["causes"])}
    ranks = causes.set_index("cause")["rank"]
    assert (plan["best_rank"] == [min(ranks[c] for c in cs) for cs in plan["causes"]]).all()
    assert (np.diff(plan["best_rank"].to_numpy()) >= 0).all()           # first actions answer first causes
    for r in plan.itertuples(index=False):
        a = acts[r.action]
        assert r.remedy == a["text"]["en"] and r.horizon == a["horizon"] and r.owner_id == a["owner"]
        assert (r.target is None) == (a["target"] is None)
        assert r.sources or r.basis == "editorial"
        assert all(s["citation"] and s["quote"] for s in r.sources)
    figures = plan.attrs["business_case"]
    assert [f["figure"] for f in figures] == ["attitude", "retention", "acquisition"]
    assert all(f["citation"] == "“Service-awareness training for bank staff”, chapter " + f["citation"][-1]
               for f in figures)


def test_action_plan_in_chinese(res):
    plan = res.actions(lang="zh", top=5)
    assert plan["remedy"].str.contains(r"[\u4e00-\u9fff]").all()
    assert set(plan["owner"]) <= {o["name"]["zh"] for o in sg.causes.remedies.owners().values()} | {"（待指定）"}
    assert all(s["citation"].startswith("《") for ss in plan["sources"] for s in ss)
    assert plan.attrs["business_case"][0]["text"].startswith("68%")


def test_exports_carry_actions_and_tree(res, tmp_path):
    data = res.to_dict()
    assert data["schema_version"] == "1.2"
    for name in ("causes", "actions", "cause_tree"):
        assert data["tables"][name], name
    assert data["tables"]["actions"][0]["action"] == res.actions()["action"].iloc[0]
    path = tmp_path / "r.json"
    res.to_json(path)
    back = sg.read_results(path)
    pd.testing.assert_series_equal(back.actions()["action"], res.actions()["action"], check_names=False)
    assert len(back.cause_tree()) == len(res.cause_tree())
    assert back.causes(top=3)["rank"].max() <= 3
    pytest.importorskip("openpyxl")
    res.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert {"causes", "actions", "cause_tree"} <= set(sheets)
    assert sheets["actions"]["action"].iloc[0] == res.actions()["action"].iloc[0]
    json.dumps(data, allow_nan=False)


def test_by_segment_actions_and_tree_columns():
    rng = np.random.default_rng(42)
    cust = gap_customers(rng, n=300, g5={("A", "responsiveness"): -1.5})
    r = quiet_analyze(gap_surveys(cust), by="branch")
    plan, tree = r.actions(by="branch"), r.cause_tree(by="branch")
    assert plan.columns[0] == "branch" and set(plan["branch"]) == {"A"}
    assert tree.columns[0] == "branch" and set(tree["branch"]) == {"A"}
    assert r.actions().columns[0] == "priority"


def test_one_ranking_per_result_and_arguments(res, monkeypatch):
    """causes(), actions() and cause_tree() of one result share one evaluation per set of arguments;
    each caller gets its own copy; a catalog given by the caller is evaluated afresh and agrees."""
    import servgap.causes.ranking as rk

    fresh = res
    fresh.__dict__.pop("_cause_rankings", None)
    runs = []
    real = rk._evaluate
    monkeypatch.setattr(rk, "_evaluate", lambda *a, **k: runs.append(k) or real(*a, **k))
    a = fresh.causes(top=10)
    fresh.actions(top=10)
    fresh.cause_tree(top=10)
    assert len(runs) == 1                                    # one evaluation for the three tables
    a["score"] = -1.0                                        # a caller's edits stay its own
    b = fresh.causes(top=10)
    assert (b["score"] > 0).all() and len(runs) == 1
    fresh.causes(top=3)
    fresh.causes(top=10, lang="zh")
    assert len(runs) == 3                                    # other arguments: other rankings
    packaged = Path(sg.__file__).parent / "data" / "causes.yaml"
    own = fresh.causes(top=10, catalog=str(packaged))        # the packaged catalog, named: not cached
    assert len(runs) == 4
    pd.testing.assert_frame_equal(own, b)
