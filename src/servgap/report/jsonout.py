"""JSON export of a `servgap.GapAnalysis`: a versioned, documented structure.

The structure (``schema_version`` ``"1.2"``, JSON Schema draft 2020-12 shipped as
``servgap/data/result.schema.json``)::

    {
      "schema_version": "1.2",            # major.minor; a major change breaks readers
      "servgap_version": "0.1.0",
      "settings": {"by": [...], "test": "t", "correction": "holm", "alpha": 0.05, ...},
      "by": ["branch"],
      "measured_gaps": [1, 2, 3, 4, 5],
      "instrument": {"id": ..., "name": {...}, "scale": {"min": 1, "max": 7}, "dimensions": [...]},
      "surveys": [{"source": "customers.csv", "n": 1200, "instrument": "servqual22", ...}],
      "tables": {"items": [...], "dimensions": [...], "overall": [...],   # one record per row
                 "tolerance": [...], "constructs": [...], "ipa": [...], "causes": [...]},
      "tables_zh": {"causes": [...], "actions": [...], "cause_tree": [...]},   # their text in Chinese
      "column_types": {"items": {"gap": "int64", "mean_gap": "float64", ...}, ...},
      "unavailable": {"tolerance": "why it is missing", ...},
      "missing_gaps": [{"gap": 1, "name": ..., "benchmark": ..., "later": ..., "reason": ...}],
      "quality": [{"source": ..., "column": ..., "issue": ..., "count": 3}],
      "headline": {"gap": 5, "n": 1200, "mean_gap": -0.69, "ci_low": ..., ...},  # the whole sample
      "provenance": {"servgap_version": ..., "created": "2025-05-01T08:00:00Z",
                     "inputs": [{"name": "customers.csv", "bytes": 81234, "sha256": "..."}],
                     "settings": {...}, "software": {"python": ..., "numpy": ..., "pandas": ...}}
    }

Records keep the column names of the result tables (see `servgap.GapAnalysis`);
numpy types become plain JSON numbers. Floats JSON has no number for are written as
``null`` (NaN, a missing value) and the strings ``"Infinity"`` / ``"-Infinity"`` (±inf,
e.g. the t statistic of a constant non-zero difference); ``column_types`` gives each
table's column types, so `servgap.read_results` restores every table exactly, NaN and
±inf included. The optional tables appear only when the analysis could compute them.
``causes``, ``actions`` and ``cause_tree`` are in English under ``tables`` and in Chinese
under ``tables_zh`` (same rows and numbers), so that a report rendered again from the file
can be in either language.

Examples
--------
>>> import servgap as sg
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> d = res.to_dict()
>>> bool(d["tables"]["dimensions"][0]["mean_gap"] == res.gaps["mean_gap"].iloc[0])
True
>>> d["column_types"]["items"]["mean_gap"], d["provenance"]["inputs"][0]["name"]
('float64', 'customers.csv')
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from .._version import __version__
from ..engine.tables import SCHEMA_VERSION
from ..atomic import write_text
from .common import OPTIONAL_TABLES, column_types, optional_table, plain, provenance, records
from .summary import headline

CORE_TABLES = ("items", "dimensions", "overall")
#: Tables whose text depends on the language: saved in English and in Chinese.
TEXT_TABLES = ("causes", "actions", "cause_tree")


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of `to_dict`'s output."""
    return json.loads(resources.files("servgap.data").joinpath("result.schema.json").read_text(encoding="utf-8"))


def instrument_dict(inst) -> dict:
    """The instrument as a dict in the YAML schema of `servgap.Instrument.from_dict`."""
    return {"id": inst.id, "name": dict(inst.name), "reference": inst.reference,
            "scale": {"min": plain(inst.scale_min), "max": plain(inst.scale_max)},
            "dimensions": [{"id": d.id, "name": dict(d.name), "description": dict(d.description),
                            **{k: plain(v) for k, v in d.extra.items()},
                            "items": [{"id": i.id, "text": dict(i.text), "reverse": bool(i.reverse)}
                                      for i in d.items]}
                           for d in inst.dimensions]}


def to_dict(res) -> dict:
    """The result as a JSON-ready dict (see the module docstring for the structure).

    Parameters
    ----------
    res : GapAnalysis

    Returns
    -------
    dict
        Plain Python values only (``float``, ``int``, ``str``, ``bool``, ``None``,
        lists and dicts), valid against `schema`.

    Examples
    --------
    >>> import servgap as sg
    >>> sg.analyze(list(sg.load_example())).to_dict()["schema_version"]
    '1.2'
    """
    frames = {"items": res.items, "dimensions": res.gaps, "overall": res.overall}
    unavailable = {}
    for name in OPTIONAL_TABLES:
        df, why = optional_table(res, name, "en")
        if df is not None:
            frames[name] = df if isinstance(df, pd.DataFrame) else pd.DataFrame(df)
        else:
            unavailable[name] = why
    zh = {}
    for name in TEXT_TABLES:
        df, _ = optional_table(res, name, "zh") if name in frames else (None, None)
        if df is not None:
            zh[name] = df if isinstance(df, pd.DataFrame) else pd.DataFrame(df)
    frames_all = {**frames, "missing_gaps": res.missing_gaps, "quality": res.quality}
    return {
        "schema_version": SCHEMA_VERSION,
        "servgap_version": __version__,
        "settings": plain(dict(res.settings)),
        "by": [str(b) for b in res.by],
        "measured_gaps": [int(g) for g in res.measured_gaps],
        "instrument": instrument_dict(res.instrument),
        "surveys": res.survey_info,
        "tables": {k: records(v) for k, v in frames.items()},
        "tables_zh": {k: records(v) for k, v in zh.items()},
        "column_types": {k: column_types(v) for k, v in frames_all.items()},
        "unavailable": unavailable,
        "missing_gaps": records(res.missing_gaps),
        "quality": records(res.quality),
        "headline": plain(headline(res)),
        "provenance": provenance(res),
    }


def to_json(res, path=None, indent: int | None = 1) -> str:
    """JSON text of `to_dict`; written as UTF-8 to ``path`` when given.

    ``path`` is a file path (written atomically) or an open text or binary file object.

    Strict JSON: ``NaN`` is written as ``null`` and ±inf as ``"Infinity"`` /
    ``"-Infinity"``, never as the non-standard ``NaN`` / ``Infinity`` literals.

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(sg.load_example()[0], gaps=[5])
    >>> path = os.path.join(tempfile.mkdtemp(), "results.json")
    >>> text = res.to_json(path)
    >>> sg.read_results(path).items.equals(res.items)
    True
    """
    text = json.dumps(to_dict(res), ensure_ascii=False, indent=indent, allow_nan=False)
    if path is not None:
        write_text(path, text)
    return text


