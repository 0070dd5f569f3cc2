"""Exports of a `servgap.GapAnalysis`: HTML report, Excel workbook, JSON.

- `to_html` — one self-contained HTML file (jinja2 template, inline images).
- `to_excel` — one sheet per table, typed numbers, frozen headers.
- `to_dict` / `to_json` — a versioned structure with a JSON Schema
  (``servgap/data/result.schema.json``).

What they share lives in `servgap.report.common` and the UI strings in
`servgap.report.strings`. Each exporter takes a result duck-typed and reads its tables.

Examples
--------
>>> import servgap as sg, tempfile, os
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> text = res.to_html(os.path.join(tempfile.mkdtemp(), "report.html"), lang="zh", plots=False)
>>> "服务质量差距报告" in text
True
"""

from .excel import to_excel
from .html import to_html
from .jsonout import schema, to_dict, to_json

__all__ = ["schema", "to_dict", "to_excel", "to_html", "to_json"]
