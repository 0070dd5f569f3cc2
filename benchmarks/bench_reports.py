"""Reports vs analysis: html + xlsx + json of one result against its analyze() + causes().

    python benchmarks/bench_reports.py [repeats]

Two inputs, each analysed by branch the way ``servgap analyze`` / ``servgap demo`` do:
``customers`` (the bundled customers file alone: gap 5, importance, IPA) and ``demo``
(customers with desired/adequate ratings, staff ratings and staff constructs: all five
gaps, tolerance, constructs). For each, in one process after one warm-up pass (imports,
font cache), the median over ``repeats`` (default 5) fresh results of

- ``analyze(by="branch")`` + ``res.causes()`` — the denominator;
- ``res.to_html()`` (every figure), ``res.to_excel()``, ``res.to_json()``;

and the ratio (html + xlsx + json) / (analyze + causes) next to its goal (≤ 3×), also
for a tables-only report (``to_html(plots=False)``), and what one figure costs (the
difference of the two HTML times over the number of figures). The first (cold) pass is printed
too: it includes importing matplotlib, jinja2 and scipy.stats. Finally the size of the
demo report (goal ≤ 1 MB) and the load average, since the machine may be shared.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

GOAL_RATIO = 3.0
GOAL_BYTES = 1_000_000


def _surveys(name):
    import servgap as sg

    if name == "customers":
        return [sg.load_example()[0]]
    cust, staff = sg.load_example(tolerance=True)
    return [cust, staff, sg.load_example_constructs()]


def one_pass(surveys, out: Path, plots=True) -> dict:
    import servgap as sg

    t = {}
    t0 = time.perf_counter()
    res = sg.analyze(surveys, by="branch")
    res.causes()
    t["analysis"] = time.perf_counter() - t0
    for fmt, write in (("html", lambda: res.to_html(out / "report.html", plots=plots)),
                       ("xlsx", lambda: res.to_excel(out / "results.xlsx")),
                       ("json", lambda: res.to_json(out / "results.json"))):
        t0 = time.perf_counter()
        write()
        t[fmt] = time.perf_counter() - t0
    t["reports"] = t["html"] + t["xlsx"] + t["json"]
    t["bytes"] = (out / "report.html").stat().st_size
    t["figures"] = (out / "report.html").read_text(encoding="utf-8").count('<img src="data:')
    return t


def main(repeats: int = 5) -> dict:
    """Print the table and return ``{"ratios": {(input, "figures"|"tables"): ratio}, "bytes": demo report size,
    "cold": cold ratio, "figures": {input: seconds per figure}}``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    warnings.simplefilter("ignore")
    load0 = os.getloadavg()
    out = Path(tempfile.mkdtemp())
    cold, result = None, {"ratios": {}}
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs)")
    for name in ("customers", "demo"):
        surveys = _surveys(name)
        first = one_pass(surveys, out)
        cold = cold or first
        for plots in (True, False):
            runs = [one_pass(surveys, out, plots) for _ in range(repeats)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            ratio = med["reports"] / med["analysis"]
            result["ratios"][(name, "figures" if plots else "tables")] = ratio
            what = "with figures" if plots else "tables only "
            print(f"{name:9s} {what}  analyze+causes {med['analysis']:.3f} s   html {med['html']:.3f} s   "
                  f"xlsx {med['xlsx']:.3f} s   json {med['json']:.3f} s   ratio {ratio:5.1f}x  "
                  f"(goal <= {GOAL_RATIO:g}x: {'met' if ratio <= GOAL_RATIO else 'not met'})")
            if plots:
                result.setdefault("figures", {})[name] = med["html"], med["figures"]
            else:
                html_figs, n_figs = result["figures"][name]
                per = (html_figs - med["html"]) / max(n_figs, 1)
                result["figures"][name] = per
                print(f"{name:9s} figures: {n_figs:.0f} in the report, {1e3 * per:.0f} ms each "
                      f"(html with figures - tables only; matplotlib's layout and drawing)")
            if name == "demo" and plots:
                size = result["bytes"] = med["bytes"]
                print(f"demo report {size / 1e6:.2f} MB (goal <= {GOAL_BYTES / 1e6:g} MB: "
                      f"{'met' if size <= GOAL_BYTES else 'not met'})")
    print(f"cold first pass (customers, with imports): analyze+causes {cold['analysis']:.2f} s, "
          f"reports {cold['reports']:.2f} s, ratio {cold['reports'] / cold['analysis']:.1f}x")
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    result["cold"] = cold["reports"] / cold["analysis"]
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
