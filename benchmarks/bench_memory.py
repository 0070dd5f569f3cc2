"""Peak memory of the in-memory path: 1,000,000 respondents × 22 items × 2 viewpoints.

Each size runs in a fresh subprocess; the peak resident set size (``ru_maxrss`` of
``resource.getrusage``) covers building the input DataFrame (int8 ratings as a Parquet or
SPSS reader would give, 0 = missing code, 500 segments), ``read_survey`` and
``analyze(by="seg")``. The target of the core issue is < 2 GB at 1M respondents.

Run: ``python benchmarks/bench_memory.py [n_rows ...]`` (default 1,000,000)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def child(n: int, test: str) -> dict:
    import warnings

    from _data import make_chunk

    import servgap as sg

    warnings.simplefilter("ignore")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    df = make_chunk(0, n, 500, seed=3)
    t0 = time.perf_counter()
    sv = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id",
                        segments="seg", missing=[0])
    t1 = time.perf_counter()
    sg.analyze(sv, by="seg", test=test)
    t2 = time.perf_counter()
    return dict(rows=n, test=test, read_s=t1 - t0, analyze_s=t2 - t1, import_rss_mb=base,
                input_mb=df.memory_usage(deep=True).sum() / 2 ** 20,
                peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(n: int, test: str = "t") -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), test], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes=(1_000_000,)) -> list[dict]:
    rows = []
    for n in sizes:
        for test in ("t", "wilcoxon"):
            r = measure(n, test)
            rows.append(r)
            print(f"{n:>11,} rows  {test:9s} read_survey {r['read_s']:6.2f} s  analyze {r['analyze_s']:6.2f} s  "
                  f"peak RSS {r['peak_rss_mb']:6.0f} MB (input frame {r['input_mb']:.0f} MB, "
                  f"after imports {r['import_rss_mb']:.0f} MB)", flush=True)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]), sys.argv[3])))
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or (1_000_000,))
