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


def design_frame(n=360, seed=11, strata=("north", "south", "east"), psus_per_stratum=(5, 4, 6), weights=True):
    """A customer table from a stratified cluster sample: strata, PSUs numbered 1.. within each stratum
    (the same labels recur in every stratum), branches that cut across PSUs, unequal weights,
    PSU effects on the perceptions and some "not applicable" (0) answers."""
    rng = np.random.default_rng(seed)
    h = rng.integers(0, len(strata), n)
    psu = np.array([rng.integers(1, psus_per_stratum[k] + 1) for k in h])
    df = pd.DataFrame({"id": np.arange(1, n + 1), "stratum": np.array(strata)[h], "psu": psu,
                       "branch": rng.choice(["B1", "B2", "B3"], n)})
    if weights:
        df["w"] = np.round(rng.lognormal(0, 0.5, n) * (1 + h), 3)
    effect = rng.normal(0, 0.6, (len(strata), max(psus_per_stratum) + 1))[h, psu]
    for i in sg.SERVQUAL22.item_ids:
        e = np.clip(np.rint(rng.normal(5.8, 0.9, n)), 1, 7)
        df[f"E{i}"] = e.astype(int)
        df[f"P{i}"] = np.clip(np.rint(e - 0.6 + effect + rng.normal(0, 1.0, n)), 1, 7).astype(int)
    for c in ("E3", "P7", "P12", "E20"):
        df.loc[rng.random(n) < 0.08, c] = 0
    return df
