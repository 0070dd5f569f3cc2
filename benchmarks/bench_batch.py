"""``servgap analyze FILE... --jobs N``: a batch of survey files with HTML, Excel and JSON outputs.

Writes ``n_files`` (20) customer files of 1,200 respondents each (the bundled example's
shape: 22 items × E/P, six branches, 0 = not applicable), then times, in fresh
processes, side by side:

- the CLI batch with ``--jobs 1`` and ``--jobs 2`` (html, xlsx, json per file), and with
  ``--jobs 1 --figures none`` (tables-only reports: what the figures cost);
- the same analyses and ``causes()`` in one Python loop, without outputs (the floor a
  batch of reports is compared with).

Goal (issue: the whole path at the speed of the kernel): on 2 cores ``--jobs 2`` takes at
most 0.6× the time of ``--jobs 1``.

Run: ``python benchmarks/bench_batch.py [n_files] [--formats html,xlsx,json]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _data import CUSTOMERS_CONFIG  # noqa: E402

GOAL = 0.6


def make_files(folder: Path, n_files: int, rows: int = 1200) -> list[Path]:
    """``n_files`` customer files: the bundled example's customers resampled with another seed each."""
    import servgap as sg

    base = pd.read_csv(sg.example_path("customers"))
    cols = ["resp_id", "branch", *[c for c in base.columns if c[:1] in "EP" and c[1:].isdigit()]]
    files = []
    for k in range(n_files):
        rng = np.random.default_rng(k)
        df = base[cols].sample(rows, replace=True, random_state=rng).reset_index(drop=True)
        df["resp_id"] = [f"C{k:02d}{i:05d}" for i in range(rows)]
        f = folder / f"wave{k:02d}.csv"
        df.to_csv(f, index=False)
        files.append(f)
    (folder / "survey.yaml").write_text(CUSTOMERS_CONFIG, encoding="utf-8")
    return files


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return dt


LOOP = textwrap.dedent("""\
    import sys, warnings
    warnings.simplefilter("ignore")
    from servgap.config import load_config
    cfg = load_config("survey.yaml")
    for f in sys.argv[1:]:
        res = cfg.analyze([f])
        res.causes()
    """)


def main(n_files: int = 20, formats: str = "html,xlsx,json") -> dict:
    with tempfile.TemporaryDirectory(prefix="servgap_batch_") as d:
        folder = Path(d)
        files = [str(f) for f in make_files(folder, n_files)]
        cli = [sys.executable, "-m", "servgap.cli", "analyze", *files, "--config", "survey.yaml", "--format", formats]
        out = {"loop_s": timed([sys.executable, "-c", LOOP, *files], folder)}
        for jobs in (1, 2):
            out[f"jobs{jobs}_s"] = timed([*cli, "--out", f"out{jobs}", "--jobs", str(jobs)], folder)
        out["tables_s"] = timed([*cli, "--out", "out_tables", "--jobs", "1", "--figures", "none"], folder)
    out["ratio"] = out["jobs2_s"] / out["jobs1_s"]
    print(f"{n_files} files x 1,200 respondents, outputs {formats} (load average {os.getloadavg()[0]:.2f}):")
    print(f"  analyses + causes in one Python loop  {out['loop_s']:6.1f} s")
    print(f"  servgap analyze --jobs 1              {out['jobs1_s']:6.1f} s   ({out['jobs1_s'] / out['loop_s']:.1f}x the loop)")
    print(f"  servgap analyze --jobs 2              {out['jobs2_s']:6.1f} s   ({out['ratio']:.2f}x --jobs 1; goal <= {GOAL}x)")
    print(f"  servgap analyze --jobs 1 --figures none {out['tables_s']:4.1f} s   "
          f"({out['tables_s'] / out['jobs1_s']:.2f}x --jobs 1 with every figure: tables-only reports)")
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fmt = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--formats=")), "html,xlsx,json")
    main(int(args[0]) if args else 20, fmt)
