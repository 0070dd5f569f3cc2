"""``analyze(by=...)`` against the leanest honest loop and against the floor of any exact method.

100,000 respondents × 22 items × 500 segments (synthetic 7-point ratings, 1 % missing),
measured side by side in one run:

- **lean loop** — what a user who knows numpy writes: per segment, per item,
  ``(grp[P_i] - grp[E_i]).to_numpy(float)``, drop the blanks, one
  ``scipy.stats.ttest_1samp`` / ``scipy.stats.wilcoxon`` call (11,000 calls per test).
  Its n, means, statistics (t) and p-values are asserted equal to ``analyze()``'s
  (rtol 1e-10);
- **floor** — counting every answer pair once in its (item, segment, pair) cell, which
  any exact method must at least do (the item rows alone need it). Two ways are timed:
  *per item* — 22 ``np.bincount`` calls, one per item over 500 × 64 bins that stay in the
  CPU cache (the faster one, so **the floor**); *one pass* — one ``np.bincount`` over the
  pair codes of all 22 items × 500 segments at once (a 2.2-million-entry key and a
  5.6 MB table: slower, bound by memory traffic). Both include forming the one-byte pair
  codes from the two ratings;
- **servgap** — ``analyze(by="seg")`` from a `Survey`, which also computes the dimension
  and overall rows, CIs, effects and their intervals, Holm corrections and the tables.

``--importance`` declares a 100-point importance allocation (the overall level then also
has an importance-weighted row). ``--load`` repeats the measurement with one CPU-bound
process running beside it (on 2 cores: the machine half busy), to show how stable the
ratios are. servgap and the floors are the best of ``repeats`` (7) runs, the loop is run
once per test.

Run: ``python benchmarks/bench_kernel.py [n] [segments] [--importance] [--load]``
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
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

#: Goals of issue 18: at least 100x the lean loop, at most 2.5x the floor.
GOALS = {"lean": 100.0, "floor": 2.5}


def lean(df: pd.DataFrame, test: str) -> pd.DataFrame:
    """One scipy call per item × segment on the respondent differences."""
    rows = []
    for seg, grp in df.groupby("seg", sort=True):
        for it in ITEMS:
            d = (grp[f"P{it}"] - grp[f"E{it}"]).to_numpy(float)
            d = d[~np.isnan(d)]
            if test == "t":
                r = stats.ttest_1samp(d, 0.0)
            else:
                r = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
            rows.append((seg, it, d.size, d.mean(), r.statistic if test == "t" else np.nan, r.pvalue))
    return pd.DataFrame(rows, columns=["seg", "item", "n", "mean_gap", "statistic", "p"])


def check(res, ref: pd.DataFrame, test: str) -> float:
    """Largest relative difference of n, mean, t and p against the lean loop; raises above 1e-10."""
    it = res.items[res.items["gap"] == 5]
    m = ref.merge(it[["seg", "item", "n", "mean_gap", "statistic", "p"]], on=["seg", "item"],
                  suffixes=("_lean", "_sg"))
    assert len(m) == len(ref) == len(it), "analyze() and the lean loop cover different rows"
    worst = 0.0
    for c in ("n", "mean_gap", "p") + (("statistic",) if test == "t" else ()):
        a, b = m[f"{c}_lean"].to_numpy(float), m[f"{c}_sg"].to_numpy(float)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-300, err_msg=c)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    return worst


def floor_per_item(E: np.ndarray, P: np.ndarray, seg: np.ndarray, G: int, C: int) -> np.ndarray:
    """One bincount per item over ``segment × C² + pair code``: every pair counted once, bins in cache."""
    out = np.empty((E.shape[1], G * C * C), np.intp)
    base = seg * (C * C)
    for j in range(E.shape[1]):
        out[j] = np.bincount(base + (E[:, j] * np.uint8(C) + P[:, j]), minlength=G * C * C)
    return out


def floor_one_pass(E: np.ndarray, P: np.ndarray, seg: np.ndarray, G: int, C: int) -> np.ndarray:
    """One bincount over the pair codes of all items at once (key ``(item × G + segment) × C² + pair``)."""
    key = (np.arange(E.shape[1], dtype=np.intp) * G)[None, :] + seg[:, None]
    key *= C * C
    key += E * np.uint8(C) + P
    return np.bincount(key.ravel(order="F"), minlength=E.shape[1] * G * C * C)


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


def measure(df, sv, repeats: int) -> dict:
    seg = pd.factorize(df["seg"], sort=True)[0].astype(np.intp)
    G, C = int(seg.max()) + 1, 8                             # 7-point scale: codes 0 (missing) .. 7
    E, P = sv.codes("expected"), sv.codes("perceived")
    t_item, a = best_of(lambda: floor_per_item(E, P, seg, G, C), repeats)
    t_pass, b = best_of(lambda: floor_one_pass(E, P, seg, G, C), repeats)
    assert np.array_equal(a.ravel(), b), "the two floors count different cells"
    out = {"floor_s": t_item, "one_pass_s": t_pass, "load_average": os.getloadavg()[0]}
    for test in ("t", "wilcoxon"):
        t_sg, res = best_of(lambda: sg.analyze(sv, by="seg", test=test), repeats)
        t_lean, ref = best_of(lambda: lean(df, test), 1)
        out[test] = dict(servgap_s=t_sg, lean_s=t_lean, lean_ratio=t_lean / t_sg, floor_ratio=t_sg / t_item,
                         one_pass_ratio=t_sg / t_pass, max_rel_diff=check(res, ref, test), scipy_calls=len(ref))
    return out


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(label: str, r: dict) -> None:
    print(f"{label} (load average {r['load_average']:.2f}): floor (22 per-item bincounts) "
          f"{r['floor_s'] * 1e3:.1f} ms, one bincount pass over all items {r['one_pass_s'] * 1e3:.1f} ms")
    for test in ("t", "wilcoxon"):
        x = r[test]
        print(f"  {test:9s} servgap {x['servgap_s'] * 1e3:6.1f} ms   lean loop {x['lean_s']:5.2f} s "
              f"({x['scipy_calls']:,} scipy calls, max rel. diff {x['max_rel_diff']:.1e})")
        print(f"  {'':9s} {x['lean_ratio']:6.1f}x the lean loop      (goal >= {GOALS['lean']:.0f}x: "
              f"{_verdict(x['lean_ratio'] >= GOALS['lean'])})")
        print(f"  {'':9s} {x['floor_ratio']:6.2f}x the floor          (goal <= {GOALS['floor']}x: "
              f"{_verdict(x['floor_ratio'] <= GOALS['floor'])})")
        print(f"  {'':9s} {x['one_pass_ratio']:6.2f}x the one-pass count (goal <= {GOALS['floor']}x: "
              f"{_verdict(x['one_pass_ratio'] <= GOALS['floor'])})")


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, numpy {np.__version__}, "
            f"pandas {pd.__version__}, scipy {sys.modules['scipy'].__version__}")


def main(n: int = 100_000, segments: int = 500, importance: bool = False, load: bool = False,
         repeats: int = 7, quiet: bool = False) -> dict:
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
    out = {"idle": measure(df, sv, repeats)}
    if not quiet:
        report("idle", out["idle"])
    if load:
        stop = mp.Event()
        p = mp.Process(target=_spin, args=(stop,), daemon=True)
        p.start()
        try:
            time.sleep(0.5)
            out["loaded"] = measure(df, sv, repeats)
        finally:
            stop.set()
            p.join()
        if not quiet:
            report("with one CPU-bound process beside it", out["loaded"])
            for test in ("t", "wilcoxon"):
                a, b = out["idle"][test], out["loaded"][test]
                print(f"  {test:9s} lean-loop ratio idle -> loaded: {a['lean_ratio']:.1f}x -> {b['lean_ratio']:.1f}x "
                      f"({b['lean_ratio'] / a['lean_ratio'] - 1:+.0%}); servgap {a['servgap_s'] * 1e3:.1f} -> "
                      f"{b['servgap_s'] * 1e3:.1f} ms, loop {a['lean_s']:.2f} -> {b['lean_s']:.2f} s")
    return out


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    n = args[0] if args else 100_000
    segs = args[1] if len(args) > 1 else 500
    print(f"{n:,} respondents x 22 items x {segs} segments{' (importance declared)' if '--importance' in flags else ''}")
    print(machine())
    main(n, segs, importance="--importance" in flags, load="--load" in flags)
