"""`Survey.incomplete_pairs` (what `servgap validate` lists) counts what the analysis leaves out."""

import warnings

import numpy as np
import pandas as pd

import servgap as sg


def test_hand_counted_table():
    df = pd.DataFrame({f"{v}{i}": [5] * 4 for v in "EP" for i in sg.SERVQUAL22.item_ids})
    df.loc[0, "E1"] = np.nan          # E missing, P given: incomplete
    df.loc[1, "P1"] = np.nan          # P missing, E given: incomplete
    df.loc[2, ["E1", "P1"]] = np.nan  # both missing: not a pair at all
    df.loc[3, "P2"] = np.nan
    sv = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"})
    counts = {r["column"]: r["count"] for r in sv.incomplete_pairs()}
    assert counts["gap5:1"] == 2 and counts["gap5:2"] == 1 and counts["gap5:3"] == 0
    assert len(counts) == 22


def test_equal_to_the_analysis_ledger(example):
    cust, staff = sg.load_example(tolerance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze([cust, staff])
    q = res.quality
    engine = {(r.source, r.column): r.count for r in q[q["issue"] == "incomplete_pair"].itertuples()}
    survey = {(r["source"], r["column"]): r["count"] for s in (cust, staff) for r in s.incomplete_pairs()
              if r["count"]}
    assert survey == engine and len(engine) > 20
