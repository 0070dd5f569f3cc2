"""The layer contract of docs/architecture.md: imports point down the layers only, and
there is no import cycle at all (imports inside functions included)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp")
pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "servgap"


CYCLES = """
import json, sys
import grimp

g = grimp.build_graph("servgap", exclude_type_checking_imports=True, cache_dir=None)
index, low, stack, on, found = {}, {}, [], set(), []
sys.setrecursionlimit(10000)

def visit(v):                                   # Tarjan's strongly connected components
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in g.find_modules_directly_imported_by(v):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            found.append(sorted(comp))

for m in sorted(g.modules):
    if m not in index:
        visit(m)
print(json.dumps(found))
"""


def _env(pythonpath: Path | None) -> dict | None:
    return None if pythonpath is None else {**os.environ, "PYTHONPATH": str(pythonpath)}


def cycles(pythonpath: Path | None = None) -> list[list[str]]:
    """Strongly connected components of more than one module in servgap's import graph
    (grimp reads every import statement, those inside functions too), in a fresh
    interpreter so that ``pythonpath`` decides which copy of the package is read."""
    proc = subprocess.run([sys.executable, "-c", CYCLES], capture_output=True, text=True, timeout=300,
                          env=_env(pythonpath))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = _env(pythonpath)
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "importlinter.cli"]
    return subprocess.run([*cmd, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_layer_contract_is_kept():
    proc = lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


def test_no_import_cycles():
    assert cycles() == []


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    """A copy of the package and its contract, to plant bad imports in."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(SRC, root / "src" / "servgap", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_contract_fails_on_an_upward_import_inside_a_function(package_copy):
    bad = package_copy / "src" / "servgap" / "stats" / "upward.py"
    bad.write_text(textwrap.dedent("""\
        def f():
            from ..analysis.core import analyze   # a statistics module reaching up to the analysis
            return analyze
        """))
    try:
        proc = lint(package_copy, pythonpath=package_copy / "src")
    finally:
        bad.unlink()
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "servgap.stats.upward -> servgap.analysis.core" in proc.stdout


def test_cycle_check_finds_a_planted_cycle(package_copy):
    a = package_copy / "src" / "servgap" / "engine" / "planted_a.py"
    b = package_copy / "src" / "servgap" / "engine" / "planted_b.py"
    a.write_text("def f():\n    from . import planted_b\n    return planted_b\n")
    b.write_text("from . import planted_a\n")
    try:
        found = cycles(package_copy / "src")
    finally:
        a.unlink()
        b.unlink()
    assert ["servgap.engine.planted_a", "servgap.engine.planted_b"] in found
