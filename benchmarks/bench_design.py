"""What ``variance="design"`` costs, and that the default (Kish) path pays nothing for it.

100,000 respondents × 22 items × 500 segments (synthetic 7-point ratings, 1 % missing),
unequal weights, 20 strata and 1,000 PSUs (50 per stratum) that cut across the segments.
Best of 5 runs of ``analyze(by="seg")``:

- **kish, plain** — a survey without design columns (the baseline);
- **kish, design declared** — the same survey read with ``strata=`` and ``cluster=``:
  with ``variance="kish"`` nothing of the design is computed, so this must equal the baseline;
- **design, clusters** / **design, strata only** — Taylor-linearisation variances with
  PSU sums (clusters) or single-respondent PSUs within strata.

Run: ``python benchmarks/bench_design.py [n] [segments]``
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _data import make_frame  # noqa: E402

import servgap as sg  # noqa: E402


def best_of(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(n: int = 100_000, segments: int = 500) -> dict:
    warnings.simplefilter("ignore")
    df = make_frame(n, segments)
    rng = np.random.default_rng(5)
    df["stratum"] = rng.integers(0, 20, n)
    df["psu"] = rng.integers(0, 50, n)
    df["w"] = rng.lognormal(0, 0.4, n)
    kw = dict(columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg", weight="w")
    plain = sg.read_survey(df, **kw)
    clustered = sg.read_survey(df, strata="stratum", cluster="psu", **kw)
    stratified = sg.read_survey(df, strata="stratum", **kw)
    sg.analyze(plain, by="seg")                          # warm-up
    out = {"kish, plain": best_of(lambda: sg.analyze(plain, by="seg")),
           "kish, design declared": best_of(lambda: sg.analyze(clustered, by="seg")),
           "design, clusters": best_of(lambda: sg.analyze(clustered, by="seg", variance="design")),
           "design, strata only": best_of(lambda: sg.analyze(stratified, by="seg", variance="design"))}
    base = out["kish, plain"]
    for k, t in out.items():
        print(f"  {k:22s} {t * 1e3:8.1f} ms   {t / base:5.2f}x kish, plain")
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    n = args[0] if args else 100_000
    segs = args[1] if len(args) > 1 else 500
    print(f"{n:,} respondents x 22 items x {segs} segments")
    main(n, segs)
