"""The public API stays what it was: every ``sg.*`` name and the CLI subcommands, against a
checked-in list (tests/data/public_api.json); importing servgap stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import servgap as sg
from servgap.cli import build_parser

API = json.loads((Path(__file__).parent / "data" / "public_api.json").read_text())


def test_package_names_are_the_checked_in_list():
    assert sorted(sg.__all__) == API["names"]
    for name in API["names"]:
        assert getattr(sg, name) is not None, name


def test_lazy_names_show_in_tab_completion():
    listed = dir(sg)
    assert {"read_results", "GAP_CONSTRUCTS", "cfa", "plotting"} <= set(listed)


def test_cli_subcommands_are_the_checked_in_list():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sorted(sub.choices) == API["cli"]


def _loaded(statement: str, modules) -> list[str]:
    code = f"import sys; {statement}; print(','.join(m for m in {tuple(modules)!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [m for m in out.strip().split(",") if m]


def test_import_stays_free_of_heavy_optional_parts():
    assert _loaded("import servgap", ("matplotlib", "jinja2", "semopy", "dask", "scipy", "statsmodels")) == []


def test_the_engine_loads_with_the_first_analysis():
    assert _loaded("import servgap as sg; sg.analyze", ("scipy", "matplotlib")) == ["scipy"]


def test_causes_and_reports_without_constructs_need_no_scipy_stats():
    """scipy.stats takes about a second to import: only what uses it loads it (here: nothing; the kernel and
    the causes use scipy.special), so a batch worker's first file and a notebook's first causes() are fast."""
    statement = ("import warnings; warnings.simplefilter('ignore'); import servgap as sg; "
                 "res = sg.analyze(sg.load_example()[0], by='branch'); res.causes(); res.actions(); res.to_json()")
    assert _loaded(statement, ("scipy.special", "scipy.stats", "statsmodels")) == ["scipy.special"]


def test_validate_needs_no_engine():
    assert _loaded("import servgap.cli, servgap.config", ("scipy", "matplotlib", "statsmodels")) == []


def test_atomic_writes_keep_ordinary_permissions(tmp_path):
    import os
    import stat

    from servgap.atomic import write_text

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    written = tmp_path / "report.html"
    write_text(written, "<html></html>")
    assert written.read_text() == "<html></html>"
    assert stat.S_IMODE(os.stat(written).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    os.chmod(written, 0o640)
    write_text(written, "again")                 # an existing file keeps its own permissions
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
