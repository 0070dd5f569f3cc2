"""A result read back from JSON: `read_results` and `SavedAnalysis`.

A results file written by `servgap.GapAnalysis.to_json` (or ``servgap analyze``) holds the
tables, settings, instrument and quality ledger, but not the raw surveys. `read_results`
rebuilds a result from it, to re-render a report or read its tables again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.settings import Settings
from ..engine.tables import MISSING_GAP_COLUMNS, SCHEMA_VERSION
from ..errors import ConfigError, short
from ..model.instruments import Instrument
from ..surveys.ledger import QUALITY_COLUMNS
from .results import GapAnalysis


@dataclass
class SavedAnalysis(GapAnalysis):
    """A `servgap.GapAnalysis` read back from JSON (see `from_dict`).

    It has the tables but not the raw surveys: the optional tables (tolerance,
    constructs, IPA, causes) are the saved ones; causes, actions and the cause tree in
    English or Chinese (``lang``), both saved since schema 1.2.
    """

    saved: dict = field(default_factory=dict, repr=False)

    @cached_property
    def instrument(self):
        return Instrument.from_dict(self.saved["instrument"], source="results file")

    @property
    def survey_info(self) -> list[dict]:
        return self.saved["surveys"]

    def _table(self, name, lang: str = "en"):
        rows = self.saved["tables"].get(name)
        if lang == "zh" and rows:
            rows = self.saved.get("tables_zh", {}).get(name)
            if not rows:
                raise ConfigError(f"this results file holds the {name!r} table in English only (saved by an older "
                                  "servgap); run the analysis again, or ask for lang=\"en\"")
        if not rows:
            # the reason saved with the results, verbatim, so that a re-export round-trips
            raise ConfigError(self.saved.get("unavailable", {}).get(name) or f"no {name!r} table was saved")
        return _frame(rows, types=self.saved.get("column_types", {}).get(name))

    tolerance = property(lambda self: self._table("tolerance"))
    constructs = property(lambda self: self._table("constructs"))
    ipa = property(lambda self: self._table("ipa"))

    def causes(self, top=10, lang="en", by=None, **kwargs):
        df = self._table("causes", lang)
        if top is None:
            return df
        return df[df["rank"] <= top] if "rank" in df.columns else df.head(top)

    def cause_tree(self, lang="en", by=None, top=10, **kwargs):
        return self._table("cause_tree", lang)

    def actions(self, lang="en", by=None, top=10, **kwargs):
        return self._table("actions", lang)


#: The strings JSON carries ±inf as (see `servgap.report.jsonout`); null is NaN.
NON_FINITE = {"Infinity": np.inf, "-Infinity": -np.inf, "NaN": np.nan}


def _float_column(values: pd.Series) -> pd.Series:
    """Numbers, ``None`` (NaN) and the `NON_FINITE` strings as float64."""
    return pd.to_numeric(values.map(lambda v: NON_FINITE.get(v, v) if isinstance(v, str) else v),
                         errors="coerce").astype("float64")


def _typed(df: pd.DataFrame, types: dict, rows=()) -> pd.DataFrame:
    """Restore the column types saved in ``column_types`` (files of schema 1.0 have none)."""
    for c, t in types.items():
        if c not in df.columns:
            continue
        if t == "object" and rows:          # as saved: None stays None, lists stay lists
            df[c] = pd.Series([r.get(c) for r in rows], index=df.index, dtype=object)
        elif t.startswith("float"):
            df[c] = _float_column(df[c]).astype(t)
        elif t.startswith(("int", "uint", "Int", "UInt", "bool", "boolean")):
            df[c] = df[c].astype(t)
        elif t in ("str", "string"):
            df[c] = df[c].astype(t) if df[c].notna().any() else df[c].astype("object").astype(t)
    return df


def _frame(rows, columns=None, types: dict | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        cols = list(types) if types else list(columns or [])
        return _typed(pd.DataFrame({c: pd.Series(dtype="object") for c in cols}), types or {})
    if types:
        return _typed(df[[c for c in types if c in df.columns] + [c for c in df.columns if c not in types]], types,
                      rows)
    for c in df.columns:    # schema 1.0: a column that is null throughout (e.g. df of rank tests) is numeric NaN
        if df[c].isna().all():
            df[c] = df[c].astype("float64")
        elif df[c].map(lambda v: isinstance(v, str) and v in NON_FINITE).any():
            df[c] = _float_column(df[c])
    return df


def _check_structure(data: dict) -> None:
    """Refuse a results file that was edited into something else (JSON Schema when jsonschema is installed)."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema comes with the report extra
        jsonschema = None
    if jsonschema is not None:
        from ..report.jsonout import schema

        err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(data))
        if err is not None:
            place = "/".join(map(str, err.absolute_path)) or "the top level"
            raise ConfigError(f"this results file does not follow the servgap results schema at {place}: "
                              f"{short(err.message, 200)}. Was it edited? Write it again with res.to_json(path) "
                              "or `servgap analyze`.")
    rows = data["tables"].get("dimensions") or []
    missing = [b for b in data.get("by", []) if rows and b not in rows[0]]
    if missing:
        raise ConfigError(f"this results file is split by {', '.join(map(repr, missing))} but its tables have no such "
                          "column. Was it edited? Write it again with res.to_json(path).")


def from_dict(data: dict) -> SavedAnalysis:
    """Rebuild a result from `to_dict`'s output (e.g. to re-render a report).

    Raises
    ------
    ConfigError
        When ``data`` is not a servgap result or has an unsupported major schema version.
    """
    if not isinstance(data, dict) or "schema_version" not in data or not isinstance(data.get("tables"), dict):
        raise ConfigError("this is not a servgap results file: it has no 'schema_version' and 'tables'; "
                          "write one with res.to_json(path) or `servgap analyze`.")
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise ConfigError(f"results file schema_version {data['schema_version']!r} is not supported by this "
                          f"servgap (reads {SCHEMA_VERSION}); re-run the analysis with this version.")
    _check_structure(data)
    t, types = data["tables"], data.get("column_types", {})
    dims = _frame(t.get("dimensions", []), types=types.get("dimensions"))
    if "gap_name" in dims.columns:
        dims = dims.drop(columns="gap_name")
    res = SavedAnalysis(items=_frame(t.get("items", []), types=types.get("items")), dimensions=dims,
                        overall=_frame(t.get("overall", []), types=types.get("overall")),
                        quality=_frame(data.get("quality", []), QUALITY_COLUMNS, types.get("quality")),
                        missing_gaps=_frame(data.get("missing_gaps", []), MISSING_GAP_COLUMNS,
                                            types.get("missing_gaps")),
                        by=list(data.get("by", [])), settings=Settings.from_mapping(data.get("settings", {})),
                        saved=data)
    res.instrument      # noqa: B018  (checks the saved instrument now, not on first use)
    return res


def read_results(path) -> SavedAnalysis:
    """Read a results file written by `servgap.GapAnalysis.to_json` (see `from_dict`).

    ``path`` is a file path or an open text or binary file object (as `to_json` writes into).

    Examples
    --------
    >>> import servgap as sg, tempfile, os
    >>> res = sg.analyze(list(sg.load_example()), by="branch")
    >>> path = os.path.join(tempfile.mkdtemp(), "results.json")
    >>> _ = res.to_json(path)
    >>> sg.read_results(path).dimensions.shape == res.dimensions.shape
    True
    """
    try:
        if hasattr(path, "read"):
            text = path.read()
            data = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
        elif isinstance(path, (str, Path)) or hasattr(path, "__fspath__"):
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        else:
            raise ConfigError(f"Cannot read results from {short(repr(path), 60)} ({type(path).__name__}): give a "
                              "file path or an open file object.")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"file {str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    except UnicodeDecodeError:
        raise ConfigError(f"file {str(path)!r} is not a servgap results file (not UTF-8 JSON text).") from None
    except OSError as exc:
        raise ConfigError(f"file {str(path)!r} cannot be read ({exc.strerror or exc}); check the path.") from None
    return from_dict(data)
