"""``analyze(by=...)`` against the leanest honest loop and against the one-pass floor.

100,000 respondents × 22 items × 500 segments (synthetic 7-point ratings, 1 % missing),
gap 5 item rows, measured side by side in one run:

- **lean loop** — what a user who knows numpy writes: per segment, per item,
  ``(grp[P_i] - grp[E_i]).to_numpy(float)``, drop the blanks, one
  ``scipy.stats.ttest_1samp`` / ``scipy.stats.wilcoxon`` call (11,000 calls per test);
  its n, means and p-values are asserted equal to ``analyze()``'s (rtol 1e-10);
- **floor** — one ``np.bincount`` pass over the one-byte pair codes of all 22 items ×
  500 segments (what any exact method must at least read);
- **servgap** — ``analyze(by="seg")``, which also computes the dimension and overall
  rows, CIs, effects and Holm corrections.

``--importance`` declares a 100-point importance allocation (the overall level then also
has an importance-weighted row). ``--load`` repeats the measurement with one CPU-bound
process running beside it (on 2 cores: the machine half busy), to show how stable the
ratios are.

Run: ``python benchmarks/bench_kernel.py [n] [segments] [--importance] [--load]``
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from _data import ITEMS, make_frame  # noqa: E402

import servgap as sg  # noqa: E402

GOALS = {"lean": 100.0, "floor": 2.5}


def lean(df: pd.DataFrame, test: str) -> pd.DataFrame:
    """One scipy call per item × segment on the respondent differences."""
    rows = []
    for seg, grp in df.groupby("seg", sort=True):
        for it in ITEMS:
            d = (grp[f"P{it}"] - grp[f"E{it}"]).to_numpy(float)
            d = d[~np.isnan(d)]
            if test == "t":
                p = stats.ttest_1samp(d, 0.0).pvalue
            else:
                p = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx").pvalue
            rows.append((seg, it, d.size, d.mean(), p))
    return pd.DataFrame(rows, columns=["seg", "item", "n", "mean_gap", "p"])


def check(res, ref: pd.DataFrame) -> float:
    """Largest relative difference of n, mean and p against the lean loop; raises above 1e-10."""
    it = res.items[res.items["gap"] == 5]
    m = ref.merge(it[["seg", "item", "n", "mean_gap", "p"]], on=["seg", "item"], suffixes=("_lean", "_sg"))
    assert len(m) == len(ref), "analyze() and the lean loop cover different rows"
    worst = 0.0
    for c in ("n", "mean_gap", "p"):
        a, b = m[f"{c}_lean"].to_numpy(float), m[f"{c}_sg"].to_numpy(float)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-300)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    return worst


def floor_pass(sv, segment_code: np.ndarray, G: int) -> np.ndarray:
    """One bincount over (segment, item, pair code) of every answer pair: the least an exact method reads."""
    E, P = sv.codes("expected"), sv.codes("perceived")
    C2 = 64                                                  # (K + 1)² for a 7-point scale
    out = np.zeros(22 * G * C2, np.intp)
    base = segment_code * C2
    for j in range(E.shape[1]):
        out[j * G * C2:(j + 1) * G * C2] = np.bincount(base + (E[:, j] * 8 + P[:, j]), minlength=G * C2)
    return out


def best_of(fn, repeats: int):
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _spin(stop):              # a CPU-bound neighbour
    x = 0
    while not stop.is_set():
        x += 1


def measure(df, sv, importance: bool, repeats: int) -> dict:
    seg_code = pd.factorize(df["seg"], sort=True)[0]
    G = int(seg_code.max()) + 1
    t_floor, _ = best_of(lambda: floor_pass(sv, seg_code, G), repeats)
    out = {"floor_s": t_floor}
    for test in ("t", "wilcoxon"):
        t_sg, res = best_of(lambda: sg.analyze(sv, by="seg", test=test), repeats)
        t_lean, ref = best_of(lambda: lean(df, test), 1)
        out[test] = dict(servgap_s=t_sg, lean_s=t_lean, lean_ratio=t_lean / t_sg, floor_ratio=t_sg / t_floor,
                         max_rel_diff=check(res, ref), scipy_calls=len(ref))
    return out


def report(label: str, r: dict) -> None:
    print(f"{label}: floor (one bincount pass) {r['floor_s'] * 1e3:.1f} ms")
    for test in ("t", "wilcoxon"):
        x = r[test]
        print(f"  {test:9s} servgap {x['servgap_s'] * 1e3:7.1f} ms   lean loop {x['lean_s']:6.2f} s "
              f"({x['scipy_calls']:,} scipy calls)   {x['lean_ratio']:6.1f}x the lean loop (goal >= "
              f"{GOALS['lean']:.0f}x)   {x['floor_ratio']:4.2f}x the floor (goal <= {GOALS['floor']}x)   "
              f"max rel. diff {x['max_rel_diff']:.1e}")


def main(n: int = 100_000, segments: int = 500, importance: bool = False, load: bool = False,
         repeats: int = 7) -> dict:
    warnings.simplefilter("ignore")
    df = make_frame(n, segments)
    kw = {}
    if importance:
        rng = np.random.default_rng(7)
        alloc = np.rint(rng.dirichlet([3, 7, 6, 4, 3], size=n) * 100).astype(int)
        alloc[:, 1] += 100 - alloc.sum(axis=1)
        for k, d in enumerate(sg.SERVQUAL22.dimension_ids):
            df[f"W_{d}"] = alloc[:, k]
        kw["importance"] = "W_{dimension}"
    sv = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, segments="seg", **kw)
    sg.analyze(sv, by="seg")                         # warm-up (imports, first-call costs)
    out = {"idle": measure(df, sv, importance, repeats)}
    report(f"idle (load average {os.getloadavg()[0]:.2f})", out["idle"])
    if load:
        stop = mp.Event()
        p = mp.Process(target=_spin, args=(stop,), daemon=True)
        p.start()
        try:
            time.sleep(0.5)
            out["loaded"] = measure(df, sv, importance, repeats)
        finally:
            stop.set()
            p.join()
        report("with one CPU-bound process beside it", out["loaded"])
    return out


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    n = args[0] if args else 100_000
    segs = args[1] if len(args) > 1 else 500
    print(f"{n:,} respondents x 22 items x {segs} segments{' (importance declared)' if '--importance' in flags else ''}")
    main(n, segs, importance="--importance" in flags, load="--load" in flags)
