"""The bundled **synthetic** bank example: customers and staff of six branches.

The data are made up by `make_bank_example` (run ``examples/make_example_data.py``
to regenerate the packaged CSV files). Planted structure, so that analyses have
something to find:

- gap 5: customers expect a lot (≈6 on 7) and perceive less; the largest shortfall is
  in responsiveness, worst in branch ``B03`` (≈ −1.9); reliability next;
- gap 3 (delivered − specification): responsiveness delivery falls short of the
  standards, with low ``technology_job_fit`` construct scores (slow systems);
- gap 4 (delivered − communicated): communications over-promise on reliability, with a
  high propensity to over-promise (low reversed score);
- gap 1: managers underestimate empathy expectations a little;
- missing codes ``0`` (not applicable) sprinkled in the ratings; survey weights;
  a 100-point importance allocation over the five dimensions; two waves; an overall
  satisfaction rating; three-column zone-of-tolerance ratings (desired, adequate) for
  one wave.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from ..model.instruments import SERVQUAL22, gap_constructs
from ..yamlio import read_yaml, resource_path
from .read import read_survey

BRANCHES = ["B01", "B02", "B03", "B04", "B05", "B06"]
DIM_SHORTFALL = {"tangibles": -0.2, "reliability": -0.7, "responsiveness": -1.1, "assurance": -0.35,
                 "empathy": -0.5}


def _likert(x, lo=1, hi=7):
    return np.clip(np.rint(x), lo, hi).astype(int)


def make_bank_example(seed: int = 20240601, n_customers: int = 1200, staff_per_branch: int = 8):
    """Generate the synthetic example. Returns ``(customers, staff)`` DataFrames.

    >>> cust, staff = make_bank_example(n_customers=30, staff_per_branch=2)
    >>> cust.shape, staff.shape
    ((30, 99), (12, 146))
    """
    rng = np.random.default_rng(seed)       # one stream: customers first, then staff
    return _customers(rng, n_customers), _staff(rng, staff_per_branch)


def _customers(rng, n: int) -> pd.DataFrame:
    """Customers: E/P per item with planted shortfalls, importance, weights, waves, zone of tolerance."""
    inst = SERVQUAL22
    dims = [inst.dimensions[k].id for k in inst.item_dimension]
    branch = rng.choice(BRANCHES, size=n, p=[0.2, 0.18, 0.17, 0.16, 0.15, 0.14])
    segment = rng.choice(["retail", "private", "business"], size=n, p=[0.6, 0.15, 0.25])
    wave = rng.choice(["2025Q1", "2025Q2"], size=n)
    person = rng.normal(0, 0.5, size=n)
    # dimension-level latent factors: items of one dimension move together (alpha ~ 0.8)
    f_exp = {d.id: rng.normal(0, 0.45, size=n) for d in inst.dimensions}
    f_per = {d.id: rng.normal(0, 0.7, size=n) for d in inst.dimensions}
    cust = {"resp_id": [f"C{i:05d}" for i in range(1, n + 1)], "branch": branch, "segment": segment, "wave": wave}
    branch_worse = {"B03": 0.8, "B05": 0.3}
    e_cols, p_cols = {}, {}
    for j, iid in enumerate(inst.item_ids):
        d = dims[j]
        e = 6.0 + 0.3 * person + f_exp[d] + rng.normal(0, 0.45, n)
        shift = DIM_SHORTFALL[d] * (1 + (np.array([branch_worse.get(b, 0) for b in branch])
                                         if d == "responsiveness" else 0))
        if d == "responsiveness":
            shift = shift - 0.3 * (wave == "2025Q1")   # the remedy worked a little in Q2
        p = e + shift + 0.4 * person + f_per[d] + rng.normal(0, 0.5, n)
        e_cols[f"E{iid}"], p_cols[f"P{iid}"] = _likert(e), _likert(p)
    cust.update(e_cols)
    cust.update(p_cols)
    df = pd.DataFrame(cust)
    # "not applicable" answers coded 0 (about 2% of ratings)
    for col in list(e_cols) + list(p_cols):
        na = rng.random(n) < 0.02
        df.loc[na, col] = 0
    # 100-point importance allocation over dimensions (responsiveness and reliability matter most)
    alloc = rng.dirichlet([3, 7, 6, 4, 3], size=n) * 100
    alloc = np.rint(alloc).astype(int)
    alloc[:, 1] += 100 - alloc.sum(axis=1)
    for k, d in enumerate(inst.dimension_ids):
        df[f"W_{d}"] = alloc[:, k]
    pmean = df[list(p_cols)].replace(0, np.nan).mean(axis=1)
    df["overall_sat"] = _likert(pmean + rng.normal(0, 0.6, n))
    df["weight"] = np.round(rng.choice([0.8, 1.0, 1.25], size=n, p=[0.3, 0.5, 0.2]), 2)
    # zone of tolerance (three-column format) for the Q2 wave
    q2 = (wave == "2025Q2")
    for j, iid in enumerate(inst.item_ids):
        des = _likert(df[f"E{iid}"].replace(0, 6) + rng.normal(0.3, 0.4, n)).astype(float)
        ade = _likert(des - 1.5 - rng.gamma(2, 0.4, n)).astype(float)
        des[~q2], ade[~q2] = np.nan, np.nan
        df[f"D_{iid}"], df[f"A_{iid}"] = des, ade
    return df


def _staff(rng, staff_per_branch: int) -> pd.DataFrame:
    """Staff: management perception (M), specifications (S), delivery (D), communications (C), constructs."""
    inst = SERVQUAL22
    dims = [inst.dimensions[k].id for k in inst.item_dimension]
    rows = []
    cons = read_yaml(resource_path("gap_constructs.yaml"))
    k = 0
    for b in BRANCHES:
        for _ in range(staff_per_branch):
            k += 1
            r = {"staff_id": f"S{k:03d}", "branch": b, "role": rng.choice(["manager", "front office", "back office"])}
            for j, iid in enumerate(inst.item_ids):
                d = dims[j]
                m = 5.9 - (0.6 if d == "empathy" else 0) + rng.normal(0, 0.6)
                s = m - 0.3 + rng.normal(0, 0.5)
                dl = s - (1.0 if d == "responsiveness" else 0.15) - (0.5 if b == "B03" and d == "responsiveness" else 0) \
                    + rng.normal(0, 0.5)
                c = dl + (1.2 if d == "reliability" else 0.1) + rng.normal(0, 0.5)
                r[f"M{iid}"], r[f"S{iid}"], r[f"D{iid}"], r[f"C{iid}"] = (int(_likert(v)) for v in (m, s, dl, c))
            for con in cons["dimensions"]:
                # favourable level per construct; technology-job fit and over-promising are planted low
                level = {"technology_job_fit": 2.1, "propensity_to_overpromise": 2.2}.get(con["id"], 3.7)
                for it in con["items"]:
                    v = level + rng.normal(0, 0.6)
                    v = (6 - v) if it.get("reverse") else v      # raw answer to a negatively worded item
                    r[it["id"]] = int(_likert(v, 1, 5))
            rows.append(r)
    return pd.DataFrame(rows)


def example_path(name: str = "customers") -> str:
    """Path of a packaged example file: ``"customers"`` or ``"staff"`` (CSV)."""
    return str(resources.files("servgap.data").joinpath(f"example/{name}.csv"))


def load_example(tolerance: bool = False):
    """Read the bundled synthetic example as ``(customers, staff)`` surveys.

    ``customers`` has expected/perceived ratings (``E{item}``, ``P{item}``, code 0 =
    not applicable), importance ``W_{dimension}``, weights and segments ``branch``,
    ``segment``, ``wave``; with ``tolerance=True`` also ``desired``/``adequate``.
    ``staff`` has management/specification/delivered/communicated ratings.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> cust.n, staff.n
    (1200, 48)
    """
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    if tolerance:
        cols.update(desired="D_{item}", adequate="A_{item}")
    cust = read_survey(example_path("customers"), columns=cols, id="resp_id",
                       segments=["branch", "segment", "wave"], weight="weight", importance="W_{dimension}",
                       missing=[0], keep=["overall_sat"])
    staff = read_survey(example_path("staff"), columns={"management": "M{item}", "specification": "S{item}",
                                                        "delivered": "D{item}", "communicated": "C{item}"},
                        id="staff_id", segments=["branch"])
    return cust, staff


def load_example_constructs():
    """Read the staff file's extended-model construct items as a survey on ``GAP_CONSTRUCTS``.

    The bundled staff file also holds the 56 construct items (``MRO1`` ... ``PO3``, 1-5
    scale, negative constructs reverse-scored on reading) under the single viewpoint
    ``"rating"``; ``technology_job_fit`` and ``propensity_to_overpromise`` are planted low.
    Analyse it with the gap surveys to get ``res.constructs``.

    Examples
    --------
    >>> import servgap as sg
    >>> from servgap.surveys.examples import load_example_constructs
    >>> cust, staff = sg.load_example()
    >>> con = load_example_constructs()
    >>> con.n, con.instrument.id
    (48, 'gap_constructs')
    >>> res = sg.analyze([cust, staff, con], by="branch")
    >>> res.constructs.columns[:3].tolist()
    ['construct', 'gap', 'branch']
    """
    return read_survey(example_path("staff"), instrument=gap_constructs(), columns={"rating": "{item}"},
                       id="staff_id", segments=["branch"], name="staff.csv (constructs)")
