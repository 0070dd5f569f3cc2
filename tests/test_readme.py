"""The README's quick start runs as written (in a temporary working directory)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quick_start() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Quick start"):]
    return re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)


def test_readme_quick_start_runs(tmp_path, monkeypatch):
    pytest.importorskip("jinja2")
    pytest.importorskip("xlsxwriter")
    monkeypatch.chdir(tmp_path)
    code = quick_start()
    assert "sg.example_path(" in code and "customers.csv" not in code
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), ns)       # noqa: S102 - the README's own code
    res = ns["res"]
    assert res.measured_gaps == [1, 2, 3, 4, 5] and res.by == ["branch"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Summary" in html and "<img" in html
    assert (tmp_path / "results.xlsx").stat().st_size > 0


def test_readme_installs_from_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text[text.index("## Set-up"):text.index("## Quick start")]
    assert 'pip install -e ".[all,test]"' in setup and "pip install servgap" not in setup
