"""The scaling plot of docs/performance.md: time and peak memory from 10⁴ to 10⁷ respondents.

Three ways to get the gap-5 item tests of 22 items × 500 segments (synthetic 7-point
ratings, 1 % missing), each measured in its own subprocess:

- **servgap** — ``analyze(survey, by="seg")`` (t tests; also the dimension and overall rows,
  CIs, effects, Holm), and ``read_survey`` + ``analyze`` from the DataFrame;
- **lean loop** — per segment and item ``(grp[P_i] - grp[E_i]).to_numpy(float)`` and one
  ``scipy.stats.ttest_1samp`` (`bench_kernel.lean`); above ``--lean-max`` rows (default:
  every size) its time is extrapolated linearly from the two largest measured sizes and
  drawn as such;
- **one numpy pass** — the floor of `bench_kernel`: one ``np.bincount`` per item over
  ``segment × pair code`` (every answer pair counted once).

Time is the best of three runs (one for the loop); memory is the peak resident set of the
method above what the process held before it started (the input DataFrame and the
imports), read from ``VmHWM`` after resetting it (``/proc/self/clear_refs``). Writes
``docs/img/scaling.png`` and prints the table of measurements.

Run: ``python benchmarks/bench_scaling_plot.py [--sizes 10000,100000,...] [--lean-max N] [--out PATH]``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000)
METHODS = ("servgap", "servgap_read", "lean", "floor")
LABELS = {"servgap": "servgap analyze()", "servgap_read": "servgap read_survey() + analyze()",
          "lean": "lean loop (11,000 scipy.stats.ttest_1samp calls)", "floor": "one numpy pass (bincount per item)"}


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")      # resets VmHWM (Linux >= 4.0)
    except OSError:
        pass


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(method: str, n: int, segments: int = 500) -> dict:
    """Time and peak memory of one method at ``n`` rows (run in a fresh process)."""
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(HERE))
    import pandas as pd
    from _data import make_frame
    from bench_kernel import floor_per_item, lean

    import servgap as sg

    df = make_frame(n, segments)
    cols = {"expected": "E{item}", "perceived": "P{item}"}
    if method == "servgap":
        sg.analyze(sg.read_survey(df.iloc[:5_000], columns=cols, segments="seg"), by="seg")   # warm-up
        sv = sg.read_survey(df, columns=cols, segments="seg")
        run = lambda: sg.analyze(sv, by="seg")  # noqa: E731
    elif method == "servgap_read":
        sg.analyze(sg.read_survey(df.iloc[:5_000], columns=cols, segments="seg"), by="seg")   # warm-up
        run = lambda: sg.analyze(sg.read_survey(df, columns=cols, segments="seg"), by="seg")  # noqa: E731
    elif method == "lean":
        run = lambda: lean(df, "t")  # noqa: E731
    else:
        sv = sg.read_survey(df, columns=cols, segments="seg")
        E, P = sv.codes("expected"), sv.codes("perceived")
        seg = pd.factorize(df["seg"], sort=True)[0].astype(np.intp)
        G = int(seg.max()) + 1
        run = lambda: floor_per_item(E, P, seg, G, 8)  # noqa: E731
    base = _rss_mb("VmRSS")
    _reset_peak()
    best = float("inf")
    for _ in range(1 if method == "lean" else 3):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return dict(method=method, n=n, time_s=best, peak_mb=max(_rss_mb("VmHWM") - base, 0.0), base_mb=base)


def measure(method: str, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", method, str(n)], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def extrapolate(points: list, sizes) -> dict:
    """``{n: time}`` for the sizes beyond the measured ones: the line through the two largest measurements."""
    (n1, t1), (n2, t2) = sorted(points)[-2:]
    slope = (t2 - t1) / (n2 - n1)
    return {n: t2 + slope * (n - n2) for n in sizes if n > n2}


def plot(rows: list, extra: dict, out: Path, machine: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.4))
    style = {"servgap": ("C0", "o", "-"), "servgap_read": ("C0", "s", ":"), "lean": ("C3", "^", "-"),
             "floor": ("C2", "D", "-")}
    for m in METHODS:
        pts = sorted((r["n"], r["time_s"], r["peak_mb"]) for r in rows if r["method"] == m)
        if not pts:
            continue
        c, mk, ls = style[m]
        n, t, mem = map(np.array, zip(*pts))
        ax_t.plot(n, t, color=c, marker=mk, ls=ls, label=LABELS[m])
        ax_m.plot(n, mem, color=c, marker=mk, ls=ls, label=LABELS[m])
        if m == "lean" and extra:
            xn = [n[-1], *extra]
            ax_t.plot(xn, [t[-1], *extra.values()], color=c, ls="--", marker="^", mfc="white")
            for k, v in extra.items():
                ax_t.annotate(f"extrapolated\n{v:,.0f} s", (k, v), textcoords="offset points", xytext=(-70, 4),
                              fontsize=8, color=c)
    for ax, title, unit in ((ax_t, "time", "seconds (best of 3; loop: one run)"),
                            (ax_m, "peak memory above the input", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("respondents (22 items, 500 segments)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    from matplotlib.ticker import FuncFormatter

    ax_m.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    handles, labels = ax_t.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"gap-5 tests of 22 items × 500 segments (t test) — {machine}", fontsize=9)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main(sizes=SIZES, lean_max: int = 10_000_000, out: Path = HERE.parent / "docs" / "img" / "scaling.png") -> list:
    sys.path.insert(0, str(HERE))
    from bench_kernel import machine

    rows = []
    for n in sizes:
        for m in METHODS:
            if m == "lean" and n > lean_max:
                continue
            r = measure(m, n)
            rows.append(r)
            print(f"{n:>12,}  {m:13s} {r['time_s']:9.3f} s  peak {r['peak_mb']:8.1f} MB  "
                  f"(process before: {r['base_mb']:,.0f} MB)", flush=True)
    lean_pts = [(r["n"], r["time_s"]) for r in rows if r["method"] == "lean"]
    extra = extrapolate(lean_pts, sizes) if len(lean_pts) >= 2 else {}
    for n, t in extra.items():
        print(f"{n:>12,}  lean (extrapolated) {t:9.1f} s")
    label = f"{machine()}, load average {os.getloadavg()[0]:.1f}"
    plot(rows, extra, Path(out), label)
    print(f"wrote {out}")
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]))))
        sys.exit()
    args = sys.argv[1:]
    opt = {a.split("=")[0]: a.split("=")[1] for a in args if "=" in a}
    kw = {}
    if "--sizes" in opt:
        kw["sizes"] = tuple(int(float(x)) for x in opt["--sizes"].split(","))
    if "--lean-max" in opt:
        kw["lean_max"] = int(float(opt["--lean-max"]))
    if "--out" in opt:
        kw["out"] = Path(opt["--out"])
    main(**kw)
