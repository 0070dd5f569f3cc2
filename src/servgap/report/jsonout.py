"""JSON export of a `servgap.GapAnalysis`: a versioned, documented structure.

The structure (``schema_version`` ``"1.0"``, JSON Schema draft 2020-12 shipped as
``servgap/data/result.schema.json``)::

    {
      "schema_version": "1.0",            # major.minor; a major change breaks readers
      "servgap_version": "0.1.0",
      "settings": {"by": [...], "test": "t", "correction": "holm", "alpha": 0.05, ...},
      "by": ["branch"],
      "measured_gaps": [1, 2, 3, 4, 5],
      "instrument": {"id": ..., "name": {...}, "scale": {"min": 1, "max": 7}, "dimensions": [...]},
      "surveys": [{"source": "customers.csv", "n": 1200, "instrument": "servqual22", ...}],
      "tables": {"items": [...], "dimensions": [...], "overall": [...],   # one record per row
                 "tolerance": [...], "constructs": [...], "ipa": [...], "causes": [...]},
      "unavailable": {"tolerance": "why it is missing", ...},
      "missing_gaps": [{"gap": 1, "name": ..., "benchmark": ..., "later": ..., "reason": ...}],
      "quality": [{"source": ..., "column": ..., "issue": ..., "count": 3}]
    }

Records keep the column names of the result tables (see `servgap.GapAnalysis`);
``NaN`` becomes ``null`` and numpy types become plain JSON numbers. The optional tables
appear only when the analysis could compute them. ``causes`` is in English.

Examples
--------
>>> import servgap as sg
>>> res = sg.analyze(list(sg.load_example()), by="branch")      # doctest: +SKIP
>>> d = res.to_dict(); d["tables"]["dimensions"][0]["mean_gap"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..results import MISSING_GAP_COLUMNS, GapAnalysis
from ..survey import QUALITY_COLUMNS
from . import OPTIONAL_TABLES, optional_table, plain, records

SCHEMA_VERSION = "1.0"
CORE_TABLES = ("items", "dimensions", "overall")


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


def _survey_info(s) -> dict:
    return {"source": str(s.source), "n": int(s.n), "instrument": s.instrument.id,
            "viewpoints": list(s.viewpoints), "segments": [str(c) for c in s.segments.columns],
            "weighted": s.weights is not None}


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
    >>> d = sg.analyze(list(sg.load_example())).to_dict()   # doctest: +SKIP
    >>> d["schema_version"]                                  # doctest: +SKIP
    '1.0'
    """
    from .. import __version__

    saved = getattr(res, "_saved", None)
    tables = {"items": records(res.items), "dimensions": records(res.gaps), "overall": records(res.overall)}
    unavailable = {}
    for name in OPTIONAL_TABLES:
        df, why = optional_table(res, name, "en")
        if df is not None:
            tables[name] = records(df)
        else:
            unavailable[name] = why
    return {
        "schema_version": SCHEMA_VERSION,
        "servgap_version": __version__,
        "settings": plain(dict(res.settings)),
        "by": [str(b) for b in res.by],
        "measured_gaps": [int(g) for g in res.measured_gaps],
        "instrument": instrument_dict(res.instrument),
        "surveys": saved["surveys"] if saved else [_survey_info(s) for s in res.surveys],
        "tables": tables,
        "unavailable": unavailable,
        "missing_gaps": records(res.missing_gaps),
        "quality": records(res.quality),
    }


def to_json(res, path=None, indent: int | None = 1) -> str:
    """JSON text of `to_dict`; written as UTF-8 to ``path`` when given.

    Strict JSON: ``NaN`` is written as ``null``, never as the non-standard ``NaN``.

    Examples
    --------
    >>> text = res.to_json("results.json")   # doctest: +SKIP
    """
    text = json.dumps(to_dict(res), ensure_ascii=False, indent=indent, allow_nan=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


class SavedAnalysis(GapAnalysis):
    """A `servgap.GapAnalysis` read back from JSON (see `from_dict`).

    It has the tables but not the raw surveys: the optional tables (tolerance,
    constructs, IPA, causes) are the saved ones, in the language they were saved in.
    """

    _saved: dict

    @property
    def instrument(self):
        return self._saved_instrument

    def _table(self, name):
        rows = self._saved["tables"].get(name)
        if not rows:
            # the reason saved with the results, verbatim, so that a re-export round-trips
            raise ConfigError(self._saved.get("unavailable", {}).get(name) or f"no {name!r} table was saved")
        return pd.DataFrame(rows)

    tolerance = property(lambda self: self._table("tolerance"))
    constructs = property(lambda self: self._table("constructs"))
    ipa = property(lambda self: self._table("ipa"))

    def causes(self, top=10, lang="en", by=None, **kwargs):
        df = self._table("causes")
        return df if top is None else df.head(top)


def _frame(rows, columns=None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty and columns is not None:
        return pd.DataFrame(columns=list(columns))
    for c in df.columns:    # a column that is null throughout (e.g. df of rank tests) is numeric NaN
        if df[c].isna().all():
            df[c] = df[c].astype("float64")
    return df


def from_dict(data: dict) -> SavedAnalysis:
    """Rebuild a result from `to_dict`'s output (e.g. to re-render a report).

    Raises
    ------
    ConfigError
        When ``data`` is not a servgap result or has an unsupported major schema version.
    """
    from ..instruments import Instrument

    if not isinstance(data, dict) or "schema_version" not in data or "tables" not in data:
        raise ConfigError("this is not a servgap results file: it has no 'schema_version' and 'tables'; "
                          "write one with res.to_json(path) or `servgap analyze`.")
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise ConfigError(f"results file schema_version {data['schema_version']!r} is not supported by this "
                          f"servgap (reads {SCHEMA_VERSION}); re-run the analysis with this version.")
    t = data["tables"]
    dims = _frame(t.get("dimensions", []))
    if "gap_name" in dims.columns:
        dims = dims.drop(columns="gap_name")
    res = SavedAnalysis(items=_frame(t.get("items", [])), dimensions=dims, overall=_frame(t.get("overall", [])),
                        quality=_frame(data.get("quality", []), QUALITY_COLUMNS),
                        missing_gaps=_frame(data.get("missing_gaps", []), MISSING_GAP_COLUMNS),
                        by=list(data.get("by", [])), settings=dict(data.get("settings", {})))
    res._saved = data
    res._saved_instrument = Instrument.from_dict(data["instrument"], source="results file")
    return res


def read_json(path) -> SavedAnalysis:
    """Read a results file written by `to_json` (see `from_dict`)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"file {str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return from_dict(data)
