"""Every goal of the speed work in one run: each benchmark in a fresh interpreter, then one table.

Runs, one after the other and each in its own process (so imports and caches of one do not
flatter the next): `bench_kernel` (idle and with a CPU-bound process beside it; again with
an importance allocation), `bench_startup`, `bench_batch` (12 files), `bench_reports`,
`bench_out_of_core` (10,000,000 rows; ``--scaling`` adds the 1 → 2 worker table). Each
prints its own lines; at the end every ratio is listed next to its goal with a verdict.

Run: ``python benchmarks/bench_goals.py [--quick] [--scaling]`` (``--quick``: 1,000,000 rows
out of core and fewer repeats; the goals are defined at the full sizes).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _call(module: str, fn: str, kwargs: dict):
    sys.path.insert(0, str(Path(__file__).parent))
    mod = __import__(module)
    return getattr(mod, fn)(**kwargs)


def fresh(module: str, fn: str = "main", **kwargs):
    """``module.fn(**kwargs)`` in a new interpreter (spawned), its result returned."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_call, module, fn, kwargs).result()


def rows_of(r: dict) -> list[tuple[str, float, str, bool]]:
    """``(what, value, goal text, met)`` for every goal."""
    out = []
    for label, key in (("idle", "idle"), ("beside a CPU-bound process", "loaded")):
        for test in ("t", "wilcoxon"):
            v = r["kernel"][key][test]["lean_ratio"][0]
            out.append((f"kernel vs the lean loop, {test}, {label}", v, ">= 100x", v >= 100))
    for test in ("t", "wilcoxon"):
        v = r["importance"]["idle"][test]["lean_ratio"][0]
        out.append((f"kernel vs the lean loop, {test}, importance declared", v, ">= 100x", v >= 100))
    for test in ("t", "wilcoxon"):
        v = r["kernel"]["idle"][test]["one_pass_ratio"][0]
        out.append((f"kernel vs the one-pass floor, {test}", v, "<= 2.5x", v <= 2.5))
    for test in ("t", "wilcoxon"):
        v = r["kernel"]["idle"][test]["floor_ratio"][0]
        out.append((f"kernel vs 22 per-item bincounts, {test}", v, "<= 2.5x", v <= 2.5))
    for k, v in r["startup"]["ratios"].items():
        out.append((f"servgap validate ({k}) vs import pandas", v, "<= 1.5x", v <= 1.5))
    out.append(("import servgap loads none of the heavy packages", float(len(r["startup"]["heavy"])), "0",
                not r["startup"]["heavy"]))
    out.append(("servgap analyze --jobs 2 vs --jobs 1", r["batch"]["ratio"], "<= 0.6x", r["batch"]["ratio"] <= 0.6))
    for (name, kind), v in r["reports"]["ratios"].items():
        out.append((f"reports vs analyze + causes, {name}, {kind}", v, "<= 3x", v <= 3))
    out.append(("demo report size (MB)", r["reports"]["bytes"] / 1e6, "<= 1 MB", r["reports"]["bytes"] <= 1e6))
    v = r["out_of_core"]["ratio_to_scan"]
    out.append((f"Dask, {r['out_of_core']['rows']:,} rows, vs one pyarrow scan", v, "<= 5x", v <= 5))
    if "scaling" in r:
        steady = {row[0] + " " + row[1]: row[3] for row in r["scaling"]["rows"]}
        for kind in ("processes", "threads"):
            one, two = steady[f"LocalCluster, {kind} 1 x 1"], steady[f"LocalCluster, {kind} 2 x 1"]
            out.append((f"LocalCluster ({kind}): 2 workers / 1 worker", two / one, "< 1", two < one))
    return out


def main(quick: bool = False, scaling: bool = False) -> list:
    n = 1_000_000 if quick else 10_000_000
    reps = 3 if quick else 7
    print(fresh("bench_kernel", "machine"), flush=True)
    r = {"kernel": fresh("bench_kernel", load=True, repeats=reps, quiet=True),
         "importance": fresh("bench_kernel", importance=True, repeats=reps, quiet=True),
         "startup": fresh("bench_startup", repeats=5 if quick else 9),
         "batch": fresh("bench_batch", n_files=6 if quick else 12),
         "reports": fresh("bench_reports", repeats=3 if quick else 5),
         "out_of_core": fresh("bench_out_of_core", n=n, keep=scaling)}
    if scaling:
        r["scaling"] = fresh("bench_out_of_core", "scaling", n=n)
    rows = rows_of(r)
    print(f"\nGoals ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end):")
    width = max(len(w) for w, *_ in rows)
    for what, value, goal, met in rows:
        print(f"  {what:{width}s}  {value:8.2f}  goal {goal:8s}  {'met' if met else 'NOT met'}")
    per = ", ".join(f"{name} {1e3 * v:.0f} ms" for name, v in r["reports"]["figures"].items())
    print(f"  (one report figure costs {per}: matplotlib's layout and drawing, the reports' floor)")
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, scaling="--scaling" in sys.argv)
