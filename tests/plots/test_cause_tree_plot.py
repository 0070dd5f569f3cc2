"""res.plot.cause_tree(): what is drawn, in both languages, from a result or its table."""

from __future__ import annotations

import numpy as np
import pytest

from factories import gap_customers, gap_staff, gap_surveys, quiet_analyze
from servgap import plots as plotting
from servgap.errors import ConfigError


@pytest.fixture(scope="module")
def res():
    rng = np.random.default_rng(51)
    cust = gap_customers(rng, g5={"responsiveness": -1.2})
    staff = gap_staff(rng, g3={"responsiveness": -1.0}, constructs={"technology_job_fit": 2.0})
    return quiet_analyze(gap_surveys(cust, staff), by="branch")


def _texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def test_tree_draws_gaps_roots_symptoms_and_evidence(res):
    ax = res.plot.cause_tree(top=3)
    tree = res.cause_tree()
    roots = tree.assign(r=tree["root_rank"].fillna(np.inf)).groupby("root")["r"].min().sort_values().index[:3]
    names = set(tree.loc[tree["root"].isin(roots), "root_name"])
    drawn = " ".join(_texts(ax, "node-root")).replace("\n", " ")
    for n in names:
        assert n.split()[0] in drawn
    assert any(t.startswith("1 ") for t in _texts(ax, "node-root"))           # the rank, "1" or "1="
    assert "Gap 3" in " ".join(_texts(ax, "node-gap"))
    assert any("−" in t for t in _texts(ax, "evidence"))
    assert "plotting" not in _texts(ax, "header") and _texts(ax, "header")[0] == "Gap"
    assert {"cause_tree"} <= set(plotting.KINDS) and "cause_tree" in dir(res.plot)
    ax.figure.canvas.draw()
    w, h = ax.figure.get_size_inches()
    assert w <= 11.7 and h <= 8.3 + 1                     # fits an A4 page in landscape


def test_tree_in_chinese_and_from_a_table(res):
    ax = plotting.cause_tree(res.cause_tree(lang="zh"), lang="zh", top=2)
    assert _texts(ax, "header")[0] == "差距" and all("差距" in t for t in _texts(ax, "node-gap"))
    assert ax.get_title(loc="left") == "原因树"


def test_tree_per_segment_needs_a_segment(res):
    t = res.cause_tree(by="branch")
    with pytest.raises(ConfigError, match="segment"):
        plotting.cause_tree(t)
    ax = plotting.cause_tree(t, segment="A")
    assert "A" in " ".join(x.get_text() for x in ax.texts)


def test_empty_tree_says_so():
    rng = np.random.default_rng(52)
    r = quiet_analyze(gap_surveys(gap_customers(rng, n=60)))
    ax = r.plot.cause_tree()
    assert any("no tree" in t.get_text() for t in ax.texts)
    with pytest.raises(ConfigError, match="cause_tree"):
        plotting.cause_tree(r.causes())


def test_causes_bar_plot_takes_the_new_causes_table(res):
    """The columns added to res.causes() (tied, parent, n_min, via) are not taken for segments."""
    table = res.causes(top=5)
    ax = plotting.causes(table)
    assert len(ax.get_yticklabels()) == len(table)
