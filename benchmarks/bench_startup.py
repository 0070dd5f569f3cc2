"""Start-up: ``servgap validate FILE`` in a fresh process against ``python -c "import pandas"``.

The bundled customers file (1,200 rows) with a configuration that declares its columns,
its id, its branch segment and its 0 code; each command run ``repeats`` times (default 9),
alternating, the best of each kept (start-up is a floor: the best run is the least
disturbed). Goal: at most 1.5× ``import pandas``. Also checks what ``import servgap`` loads
(no scipy, matplotlib, jinja2, semopy, dask or distributed) and prints the largest
cumulative entries of ``python -X importtime -c "import servgap"``.

servgap's bytecode is compiled first (`compileall`), as pip compiles an installed wheel
and as Python caches it after the first import: pandas is timed from its compiled
bytecode, and an editable install in an environment with ``PYTHONDONTWRITEBYTECODE=1``
would otherwise recompile every servgap module in every run (about 0.1 s on the 2-core
VMs), which is not what users start.

Run: ``python benchmarks/bench_startup.py [repeats]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _data import CUSTOMERS_CONFIG  # noqa: E402

GOAL = 1.5
HEAVY = ("scipy", "matplotlib", "jinja2", "semopy", "dask", "distributed", "statsmodels")


def _run(cmd: list[str], cwd: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def loaded_by_import() -> list[str]:
    """The heavy packages that ``import servgap`` loads (should be none)."""
    code = "import sys, servgap; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return [m for m in HEAVY if m in out]


def importtime(top: int = 10) -> list[str]:
    """The ``top`` largest cumulative entries of ``python -X importtime -c "import servgap"``."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import servgap"], check=True,
                         capture_output=True, text=True).stderr.splitlines()
    rows = [ln for ln in err if ln.startswith("import time:") and "|" in ln and "cumulative" not in ln]
    return sorted(rows, key=lambda ln: int(ln.split("|")[1]))[-top:]


def compile_bytecode() -> bool:
    """Compile servgap's modules to ``__pycache__`` (as ``pip install`` does); whether all compiled."""
    import compileall

    import servgap

    return bool(compileall.compile_dir(str(Path(servgap.__file__).parent), quiet=1))


def main(repeats: int = 9) -> dict:
    import servgap as sg

    compiled = compile_bytecode()

    with tempfile.TemporaryDirectory(prefix="servgap_startup_") as d:
        (Path(d) / "survey.yaml").write_text(CUSTOMERS_CONFIG, encoding="utf-8")
        data = str(sg.example_path("customers"))
        pandas_cmd = [sys.executable, "-c", "import pandas"]
        validate = {"console script": [str(Path(sys.executable).parent / "servgap"), "validate", data,
                                       "--config", "survey.yaml"],
                    "python -m servgap": [sys.executable, "-m", "servgap", "validate", data, "--config", "survey.yaml"]}
        validate = {k: v for k, v in validate.items() if Path(v[0]).exists() or k != "console script"}
        times: dict[str, list[float]] = {"import pandas": []} | {k: [] for k in validate}
        for _ in range(repeats):
            times["import pandas"].append(_run(pandas_cmd, d))
            for k, cmd in validate.items():
                times[k].append(_run(cmd, d))
    best = {k: min(v) for k, v in times.items()}
    base = best["import pandas"]
    out = {"seconds": best, "ratios": {k: best[k] / base for k in validate}, "heavy": loaded_by_import(),
           "load_average": os.getloadavg()[0]}
    print(f"start-up, the best of {repeats} fresh processes each ({os.cpu_count()} CPUs, load average "
          f"{out['load_average']:.2f}; servgap's bytecode {'compiled' if compiled else 'NOT compiled'} first):")
    print(f"  {'import pandas':38s} {base:6.3f} s")
    for k, r in out["ratios"].items():
        print(f"  {'servgap validate (' + k + ')':38s} {best[k]:6.3f} s   {r:.2f}x   (goal <= {GOAL:g}x: "
              f"{'met' if r <= GOAL else 'not met'})")
    print(f"  import servgap loads {', '.join(out['heavy']) or 'none of ' + ', '.join(HEAVY)}")
    print("  largest cumulative entries of python -X importtime -c 'import servgap' (us):")
    for ln in importtime():
        print("   ", ln)
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
