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


# --------------------------------------------------------------------------- planted gap stories
# Builders for surveys with a planted truth: customers (E, P), staff (M, S, D, C) and the
# staff's construct ratings (sg.GAP_CONSTRUCTS). Used by the root-cause tests.
ITEM_DIM = {i.id: i.dimension for i in sg.SERVQUAL22.items}


def _likert(x, lo=1, hi=7):
    return np.clip(np.rint(x), lo, hi).astype(int)


def gap_customers(rng, n=240, g5=None, branches=("A", "B"), e_level=5.0):
    """Customers: E around ``e_level``, P = E + planted shortfall per dimension (``g5``) + noise.

    ``g5`` maps a dimension (or ``(branch, dimension)``) to the planted mean of P − E.
    """
    g5 = g5 or {}
    branch = np.resize(list(branches), n)
    df = {"cid": [f"C{i}" for i in range(n)], "branch": branch}
    person = rng.normal(0, 0.3, n)
    for iid in sg.SERVQUAL22.item_ids:
        d = ITEM_DIM[iid]
        e = _likert(e_level + person + rng.normal(0, 0.5, n), 3, 6)
        shift = np.array([g5.get((b, d), g5.get(d, 0.0)) for b in branch])
        df[f"E{iid}"] = e
        df[f"P{iid}"] = _likert(e + shift + rng.normal(0, 0.7, n))
    return pd.DataFrame(df)


def gap_staff(rng, n=60, g1=None, g3=None, g4=None, constructs=None, branches=("A", "B"), m_level=5.0):
    """Staff: M (management), S ≈ M (no gap 2), D = S + gap-3 shift, C = D − gap-4 shift, and
    construct ratings on sg.GAP_CONSTRUCTS (1-5).

    ``g3``/``g4`` map a dimension (or ``(branch, dimension)``) to the planted gap; ``g1``
    shifts M per dimension (gap 1 = M − E). ``constructs`` maps a construct (or
    ``(branch, construct)``) to its planted level in the *favourable* direction (default
    4.0, favourable; 3.0 is the midpoint); reverse-keyed items are written reversed.
    """
    g1, g3, g4, constructs = g1 or {}, g3 or {}, g4 or {}, constructs or {}
    branch = np.resize(list(branches), n)
    df = {"sid": [f"S{i}" for i in range(n)], "branch": branch}

    def planted(table, b, key, default=0.0):
        return table.get((b, key), table.get(key, default))

    for iid in sg.SERVQUAL22.item_ids:
        d = ITEM_DIM[iid]
        shift3 = np.array([planted(g3, b, d) for b in branch])
        shift4 = np.array([planted(g4, b, d) for b in branch])
        m = m_level + g1.get(d, 0.0) + rng.normal(0, 0.5, n)
        s = m + rng.normal(0, 0.4, n)
        dl = s + shift3 + rng.normal(0, 0.4, n)
        c = dl - shift4 + rng.normal(0, 0.4, n)
        for vp, v in zip("MSDC", (m, s, dl, c)):
            df[f"{vp}{iid}"] = _likert(v)
    for dim in sg.GAP_CONSTRUCTS.dimensions:
        level = np.array([planted(constructs, b, dim.id, 4.0) for b in branch])
        for it in dim.items:
            v = level + rng.normal(0, 0.5, n)
            df[it.id] = _likert(6 - v if it.reverse else v, 1, 5)
    return pd.DataFrame(df)


def gap_surveys(cust=None, staff=None, gaps=True, constructs=True):
    """The surveys of a planted story, read with servgap: customers, staff gaps, staff constructs."""
    out = []
    if cust is not None:
        out.append(sg.read_survey(cust, columns={"expected": "E{item}", "perceived": "P{item}"}, id="cid",
                                  segments="branch"))
    if staff is not None and gaps:
        out.append(sg.read_survey(staff, columns={"management": "M{item}", "specification": "S{item}",
                                                  "delivered": "D{item}", "communicated": "C{item}"},
                                  id="sid", segments="branch"))
    if staff is not None and constructs:
        out.append(sg.read_survey(staff, instrument=sg.GAP_CONSTRUCTS, columns={"rating": "{item}"}, id="sid",
                                  segments="branch"))
    return out


def quiet_analyze(surveys, **kw):
    """`sg.analyze` with servgap's data-quality warnings silenced (small planted samples)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.errors.ServgapWarning)
        return sg.analyze(surveys, **kw)


#: A survey configuration for the customer files of `survey_frame` (CLI batch tests).
CONFIG = """\
columns: {expected: "E{item}", perceived: "P{item}"}
id: resp_id
segments: [branch]
missing: [0]
analysis: {by: branch}
"""
