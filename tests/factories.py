"""Small synthetic survey tables shared by the tests (importable: tests/ is on sys.path)."""

import warnings

import numpy as np
import pandas as pd

import servgap as sg


def make_customers(n=60, seed=0, branches=("A", "B", "C"), items=None, scale=(1, 7)):
    """A small random customer table with E/P columns for SERVQUAL22 items."""
    rng = np.random.default_rng(seed)
    items = items or sg.SERVQUAL22.item_ids
    df = pd.DataFrame({"id": np.arange(1, n + 1), "branch": rng.choice(list(branches), n)})
    for i in items:
        df[f"E{i}"] = rng.integers(scale[0], scale[1] + 1, n)
        df[f"P{i}"] = rng.integers(scale[0], scale[1] + 1, n)
    return df


XSS = "<script>alert(1)</script>"
SEGMENTS = ["B01", XSS, "=HYPERLINK(\"http://x\")", "-1+2", "@SUM(A1)", "+cmd"]


def survey_frame(n=120, seed=7, segments=SEGMENTS):
    """Small customer file: planted shortfall of -1 in responsiveness, -0.3 elsewhere."""
    rng = np.random.default_rng(seed)
    inst = sg.SERVQUAL22
    dims = [inst.dimensions[k].id for k in inst.item_dimension]
    df = pd.DataFrame({"resp_id": [f"R{i}" for i in range(n)], "branch": rng.choice(segments, n)})
    for j, iid in enumerate(inst.item_ids):
        e = np.clip(np.rint(6 + rng.normal(0, 0.7, n)), 1, 7)
        shift = -1.0 if dims[j] == "responsiveness" else -0.3
        df[f"E{iid}"] = e.astype(int)
        df[f"P{iid}"] = np.clip(np.rint(e + shift + rng.normal(0, 0.8, n)), 1, 7).astype(int)
    df.loc[rng.random(n) < 0.05, "E3"] = 0       # "not applicable" codes for the quality ledger
    return df


def small_result(segments=SEGMENTS, **kw):
    cust = sg.read_survey(survey_frame(segments=segments), columns={"expected": "E{item}", "perceived": "P{item}"},
                          id="resp_id", segments=["branch"], missing=[0], name="cust<b>.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(cust, by="branch", **kw)


def exact_overall(df, inst, later="P", bench="E", importance=None, min_items=0.5):
    """Every respondent's unweighted and importance-weighted overall gap as `fractions.Fraction`s.

    The definition, one respondent at a time: item gaps ``later − benchmark`` (integer
    ratings), dimension gap = mean of the available item gaps when at least ``min_items``
    of the items are there, overall = mean of the available dimension gaps (at least half
    of them), weighted = ``Σ a_d gap_d / Σ a_d`` over the available dimensions with the
    allocation columns ``importance.format(dimension=...)``. ``None`` where undefined.
    """
    from fractions import Fraction

    unw, wtd = [], []
    for r in df.to_dict("records"):
        dims = {}
        for d in inst.dimensions:
            g = [Fraction(int(r[f"{later}{i.id}"] - r[f"{bench}{i.id}"])) for i in d.items
                 if not (pd.isna(r[f"{later}{i.id}"]) or pd.isna(r[f"{bench}{i.id}"]))]
            if g and len(g) >= min_items * len(d.items) - 1e-9:
                dims[d.id] = sum(g) / len(g)
        if len(dims) < len(inst.dimensions) / 2:
            unw.append(None), wtd.append(None)
            continue
        unw.append(sum(dims.values()) / len(dims))
        if importance is None:
            continue
        a = {d: Fraction(r[importance.format(dimension=d)]).limit_denominator(1000) for d in dims}
        tot = sum(a.values())
        wtd.append(sum(a[d] * v for d, v in dims.items()) / tot if tot else None)
    return unw, (wtd if importance is not None else None)


def signed_rank_oracle(scores):
    """R's V (sum of the ranks of the positive differences) and scipy's p (normal approximation,
    no continuity correction) of exact scores (Fractions, rounded once to doubles)."""
    from scipy import stats

    x = np.array([float(v) for v in scores if v is not None])
    nz = x[x != 0]
    v = stats.rankdata(np.abs(nz))[nz > 0].sum()
    return v, stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx").pvalue
