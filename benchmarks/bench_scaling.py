"""Scaling table for docs/performance.md: time and peak memory at 0.1M, 1M and 10M rows.

In memory (``read_survey`` of a DataFrame + ``analyze``) at 0.1M and 1M rows, and the
Dask back-end on a partitioned Parquet dataset at 0.1M, 1M and 10M rows; every
measurement in its own subprocess (:mod:`bench_memory`, :mod:`bench_out_of_core`).
Prints a Markdown table.

Run: ``python benchmarks/bench_scaling.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_memory  # noqa: E402
import bench_out_of_core  # noqa: E402


def main(in_memory=(100_000, 1_000_000), out_of_core=(100_000, 1_000_000, 10_000_000)) -> list[str]:
    lines = ["| rows | path | test | time (s) | rows/s | peak RSS (MB) |", "|---:|---|---|---:|---:|---:|"]
    for n in in_memory:
        for test in ("t", "wilcoxon"):
            r = bench_memory.measure(n, test)
            t = r["read_s"] + r["analyze_s"]
            lines.append(f"| {n:,} | in memory | {test} | {t:.2f} | {n / t:,.0f} | {r['peak_rss_mb']:,.0f} |")
            print(lines[-1], flush=True)
    for n in out_of_core:
        r = bench_out_of_core.main(n, keep=False, repeat=1)
        lines.append(f"| {n:,} | Dask, Parquet ({r['partitions']} partitions) | t | {r['analyze_s']:.2f} | "
                     f"{r['rows_per_s']:,.0f} | {r['analyze_rss_mb']:,.0f} |")
        print(lines[-1], flush=True)
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
