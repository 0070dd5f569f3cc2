"""Out of core: a partitioned Parquet dataset analysed by segment with the Dask back-end.

Writes ``n`` respondents × 22 items × 2 viewpoints (int8 ratings, 0 = missing code,
500 segments) in chunks to a Parquet dataset under the system temp directory (never the
repository), then, each in a fresh subprocess so peak memory is its own:

1. ``scan``: one plain ``pyarrow.dataset`` scan of the same columns (the physical floor);
2. ``analyze``: ``read_survey(dir, engine="dask")`` + ``analyze(by="seg")`` (t tests),
   the local threaded scheduler.

Reports wall time, rows/s, peak RSS (``resource.getrusage``) and the ratio to the scan.

Run: ``python benchmarks/bench_out_of_core.py [n_rows] [--keep]``
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _data import ITEMS, make_chunk  # noqa: E402

CHUNK = 250_000
SEGMENTS = 500
COLUMNS = ["resp_id", "seg"] + [f"{vp}{i}" for vp in "EP" for i in ITEMS]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB


def write_dataset(path: Path, n: int) -> float:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for k, start in enumerate(range(0, n, CHUNK)):
        chunk = make_chunk(start, min(CHUNK, n - start), SEGMENTS, seed=k)
        pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), path / f"part-{k:05d}.parquet")
    return time.perf_counter() - t0


def child_scan(path: str) -> dict:
    import pyarrow.dataset as ds

    t0 = time.perf_counter()
    rows = sum(b.num_rows for b in ds.dataset(path, format="parquet").to_batches(columns=COLUMNS))
    return dict(seconds=time.perf_counter() - t0, rows=rows, peak_rss_mb=peak_rss_mb())


def child_analyze(path: str, test: str) -> dict:
    import warnings

    import servgap as sg

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    sv = sg.read_survey(path, engine="dask", columns={"expected": "E{item}", "perceived": "P{item}"},
                        id="resp_id", segments="seg", missing=[0])
    res = sg.analyze(sv, by="seg", test=test)
    dt = time.perf_counter() - t0
    return dict(seconds=dt, partitions=sv.npartitions, rows=sv.n,
                item_rows=len(res.items), peak_rss_mb=peak_rss_mb())


def run_child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n: int = 10_000_000, keep: bool = False, test: str = "t") -> dict:
    path = Path(tempfile.gettempdir()) / f"servgap_bench_{n}"
    if not path.exists():
        print(f"writing {n:,} rows to {path.name} ...", flush=True)
        print(f"  written in {write_dataset(path, n):.1f} s", flush=True)
    size = sum(f.stat().st_size for f in path.glob("*.parquet")) / 2 ** 20
    scan = run_child("scan", str(path))
    ana = run_child("analyze", str(path), test)
    res = dict(rows=n, dataset_mb=round(size, 1), scan_s=scan["seconds"], scan_rss_mb=scan["peak_rss_mb"],
               analyze_s=ana["seconds"], analyze_rss_mb=ana["peak_rss_mb"], partitions=ana["partitions"],
               rows_per_s=n / ana["seconds"], ratio_to_scan=ana["seconds"] / scan["seconds"], test=test,
               cpus=os.cpu_count())
    print(f"{n:,} rows ({size:.0f} MB Parquet, {ana['partitions']} partitions, {os.cpu_count()} CPUs):\n"
          f"  pyarrow scan   {scan['seconds']:7.2f} s   peak RSS {scan['peak_rss_mb']:6.0f} MB\n"
          f"  servgap/Dask   {ana['seconds']:7.2f} s   peak RSS {ana['peak_rss_mb']:6.0f} MB   "
          f"{n / ana['seconds']:,.0f} rows/s   {ana['seconds'] / scan['seconds']:.1f}x the scan")
    if not keep:
        for f in path.glob("*.parquet"):
            f.unlink()
        path.rmdir()
    return res


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        kind, path = sys.argv[2], sys.argv[3]
        print(json.dumps(child_scan(path) if kind == "scan" else child_analyze(path, sys.argv[4])))
    else:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        main(int(args[0]) if args else 10_000_000, keep="--keep" in sys.argv)
