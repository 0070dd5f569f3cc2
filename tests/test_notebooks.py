"""Every notebook in ``notebooks/`` runs top to bottom on the bundled data.

Each notebook is executed with nbclient (kernel ``python3``, 300 s per cell) in a
temporary working directory, so the files it writes (reports, exports) land there. The
notebooks are executed concurrently, one kernel each, to keep the suite fast.
"""

from __future__ import annotations

import importlib.util
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLOT_CALL = re.compile(r"\.plot(\.\w+)?\(|plt\.(subplots|figure)\(")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("nbclient", "nbformat", "ipykernel")),
    reason="nbclient, nbformat and ipykernel are needed to execute the notebooks (pip install 'servgap[test]')",
)


def _execute(path: Path, workdir: Path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    workdir.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except Exception as exc:                     # CellExecutionError names the cell and the traceback
        return path.name, nb, exc
    return path.name, nb, None


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    base = tmp_path_factory.mktemp("notebooks")
    with pytest.MonkeyPatch.context() as mp, ThreadPoolExecutor(max_workers=max(1, len(NOTEBOOKS))) as pool:
        # the kernels start as in Jupyter, with the inline backend (the suite's MPLBACKEND=Agg shows nothing)
        mp.delenv("MPLBACKEND", raising=False)
        runs = list(pool.map(lambda p: _execute(p, base / p.stem), NOTEBOOKS))
    return {name: (nb, exc, base / Path(name).stem) for name, nb, exc in runs}


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    assert "01_guided_tour.ipynb" in names and "02_bank_case_study_zh.ipynb" in names


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_stored_without_outputs(name):
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear the outputs"


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(executed, name):
    nb, exc, workdir = executed[name]
    assert exc is None, f"{name} failed:\n{exc}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    # Chinese labels render: no missing-glyph warnings from matplotlib in any cell
    stderr = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "Glyph" not in stderr, f"{name}: missing glyphs\n{stderr[:2000]}"
    # every plotting cell shows its figure (a zh plot once switched Jupyter's inline display off)
    blank = [c.source.splitlines()[0] for c in code if PLOT_CALL.search(c.source) and not any(
        {"image/png", "image/svg+xml"} & set(o.get("data", {})) for o in c.outputs
        if o.output_type in ("display_data", "execute_result"))]
    assert not blank, f"{name}: plotting cells without an image: {blank}"
    # the report cells wrote their files into the working directory
    written = {p.suffix for p in workdir.iterdir()}
    assert ".html" in written, f"{name} wrote no HTML report (files: {sorted(written)})"
