"""Every overall row keeps exact ties, with or without an importance allocation (issue 17, defect 1).

Oracle: each respondent's overall score as a `fractions.Fraction` (`factories.exact_overall`),
rounded once to a double, then scipy's signed-rank test; R's ``V`` from ``rankdata``.
"""

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from factories import exact_overall, signed_rank_oracle
from servgap.surveys.survey import Survey


def _instrument(sizes=(4, 5, 4, 4, 5), lo=1, hi=7):
    dims = [{"id": f"d{k}", "items": [f"i{k}_{j}" for j in range(m)]} for k, m in enumerate(sizes)]
    return sg.Instrument.from_dict({"id": "ties", "dimensions": dims, "scale": {"min": lo, "max": hi}})


def _frame(inst, n=300, seed=5, equal=True, missing=0.1):
    rng = np.random.default_rng(seed)
    cols = {}
    for vp in ("E", "P", "A", "D"):
        for i in inst.item_ids:
            x = rng.integers(1, 8, n).astype(float)
            x[rng.random(n) < missing] = np.nan
            cols[f"{vp}{i}"] = x
    nd = len(inst.dimensions)
    alloc = np.full((n, nd), 100 // nd) if equal else rng.multinomial(20, np.ones(nd) / nd, n) * 5
    cols.update({f"W_{d}": alloc[:, k] for k, d in enumerate(inst.dimension_ids)})
    return pd.DataFrame(cols)


def _read(df, inst, importance=True):
    return sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}", "adequate": "A{item}",
                                             "desired": "D{item}"},
                          importance="W_{dimension}" if importance else None)


def _check_overall(row, scores):
    v, p = signed_rank_oracle(scores)
    assert row["n"] == sum(s is not None for s in scores)
    assert row["statistic"] == v
    np.testing.assert_allclose(row["p"], p, rtol=1e-12)


@pytest.mark.parametrize("equal", [True, False])
@pytest.mark.parametrize("path", ["coded", "float"])
def test_overall_rows_tie_exactly_with_importance(monkeypatch, equal, path):
    inst = _instrument()
    df = _frame(inst, equal=equal)
    sv = _read(df, inst)
    if path == "float":
        monkeypatch.setattr(Survey, "codes", lambda self, vp: None)
    else:
        assert sv.codes("expected") is not None
    res = sg.analyze(sv, test="wilcoxon")
    ov = res.overall.set_index("measure")
    unw, wtd = exact_overall(df, inst, "P", "E", importance="W_{dimension}")
    _check_overall(ov.loc["unweighted"], unw)
    _check_overall(ov.loc["importance_weighted"], wtd)
    if equal:               # equal shares: the weighted score is the unweighted one
        assert ov.loc["importance_weighted", "statistic"] == ov.loc["unweighted", "statistic"]
    for key, bench in (("msa", "A"), ("mss", "D")):       # zone-of-tolerance overall rows
        t = res.tolerance_tests["overall"].query("measure_key == @key").set_index("measure")
        unw, wtd = exact_overall(df, inst, "P", bench, importance="W_{dimension}")
        _check_overall(t.loc["unweighted"], unw)
        _check_overall(t.loc["importance_weighted"], wtd)


def test_importance_does_not_change_the_unweighted_row():
    inst = _instrument()
    df = _frame(inst, equal=False)
    a = sg.analyze(_read(df, inst, importance=False), test="wilcoxon").overall
    b = sg.analyze(_read(df, inst), test="wilcoxon").overall
    pd.testing.assert_frame_equal(a, b.query("measure == 'unweighted'"), check_exact=True)


def test_decimal_allocations_tie_exactly():
    """Allocations given as shares with two decimals (0.25, 0.2 ...) are exact decimal fractions."""
    inst = _instrument((2, 2, 2))
    df = _frame(inst, n=240, equal=False)
    for d in inst.dimension_ids:
        df[f"W_{d}"] = df[f"W_{d}"] / 100          # 0.05, 0.1, ...: not exact doubles
    res = sg.analyze(_read(df, inst), test="wilcoxon")
    _, wtd = exact_overall(df, inst, "P", "E", importance="W_{dimension}")
    _check_overall(res.overall.set_index("measure").loc["importance_weighted"], wtd)


def test_weighted_survey_importance_ties(monkeypatch):
    """Survey weights and importance together: the rank tests use the unweighted exact scores."""
    inst = _instrument((3, 3, 3))
    df = _frame(inst, n=200, equal=False)
    df["w"] = np.random.default_rng(1).gamma(2.0, 0.5, len(df))
    sv = sg.read_survey(df, inst, columns={"expected": "E{item}", "perceived": "P{item}"},
                        importance="W_{dimension}", weight="w")
    with pytest.warns(sg.errors.MethodWarning, match="ignore survey weights"):
        res = sg.analyze(sv, test="wilcoxon")
    unw, wtd = exact_overall(df, inst, "P", "E", importance="W_{dimension}")
    ov = res.overall.set_index("measure")
    _check_overall(ov.loc["unweighted"], unw)
    _check_overall(ov.loc["importance_weighted"], wtd)
    w = df["w"].to_numpy()
    x = np.array([float(v) if v is not None else np.nan for v in wtd])
    ok = ~np.isnan(x)
    np.testing.assert_allclose(ov.loc["importance_weighted", "mean_gap"], np.average(x[ok], weights=w[ok]),
                               rtol=1e-13)


def test_ledger_names_one_scheme():
    """Issue 17, defect 9: ``<comparison>:<unit>`` for every engine count (gap5, msa, mss)."""
    inst = _instrument((2, 2, 2))
    df = _frame(inst, n=80, equal=False, missing=0.3)
    q = sg.analyze(_read(df, inst)).quality
    cols = set(q["column"])
    assert {"gap5:i0_0", "msa:i0_0", "mss:i0_0"} <= cols                # incomplete_pair
    assert {"gap5:d0", "msa:d0", "mss:d0"} <= cols                      # too_few_items
    assert not any(c.startswith(("gapmsa", "gapmss")) for c in cols)
    issues = q.set_index(["column", "issue"])["count"]
    assert issues[("msa:i0_0", "incomplete_pair")] > 0 and issues[("msa:d0", "too_few_items")] > 0


def test_fraction_keys_are_exact_for_close_fractions():
    """Keys of correctly rounded fractions: equal exactly for equal fractions, ordered as the fractions
    (oracle: `fractions.Fraction`), including the closest distinct pairs a denominator bound allows."""
    from fractions import Fraction

    from servgap.engine.coded import fraction_keys

    rng = np.random.default_rng(3)
    den = rng.integers(1, 42_000, 4_000)
    num = rng.integers(-6, 7, den.size) * den // 7 + rng.integers(-3, 4, den.size)
    q = 41_999                                        # neighbours in the Farey sequence: 1/q² apart
    num = np.concatenate([num, [1, 1, 2 * q - 1, 1], 3 * num[:50]])
    den = np.concatenate([den, [q, q - 1, 2 * q, 2], 3 * den[:50]])   # equal fractions written twice
    keys = fraction_keys(num / den, den)
    exact = [Fraction(int(a), int(b)) for a, b in zip(num, den)]
    order = np.argsort(keys, kind="stable")
    for i, j in zip(order[:-1], order[1:]):
        assert (keys[i] == keys[j]) == (exact[i] == exact[j]) and exact[i] <= exact[j]
    assert fraction_keys(np.array([np.nan]), np.array([0])) is None


@pytest.mark.parametrize("importance", [False, True])
def test_a_half_point_rating_elsewhere_keeps_a_segments_overall_ties_exact(importance):
    """Exactness is per respondent: one 3.5 in segment zz (the float path) leaves segment a's overall
    signed-rank rows equal to the exact-fraction oracle and to the all-integer analysis."""
    inst = _instrument()
    df = _frame(inst, n=400, seed=9, equal=False).assign(seg="a")
    odd = df.iloc[[0]].assign(seg="zz")
    odd[f"E{inst.item_ids[0]}"] = 3.5
    both = pd.concat([df, odd], ignore_index=True)
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    kw = dict(columns=cols, segments=["seg"], importance="W_{dimension}" if importance else None)
    got = sg.analyze(sg.read_survey(both, inst, **kw), by="seg", test="wilcoxon").overall
    ref = sg.analyze(sg.read_survey(df, inst, **kw), by="seg", test="wilcoxon").overall
    unw, wtd = exact_overall(df, inst, "P", "E", importance="W_{dimension}" if importance else None)
    a = got.query("seg == 'a'").set_index("measure")
    _check_overall(a.loc["unweighted"], unw)
    if importance:
        _check_overall(a.loc["importance_weighted"], wtd)
    pd.testing.assert_frame_equal(a.reset_index()[ref.columns], ref.reset_index(drop=True)[ref.columns])
