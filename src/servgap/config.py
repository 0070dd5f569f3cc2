"""Survey configuration files (YAML): what `servgap.read_survey` and
`servgap.analyze` take, written down so that batch runs are reproducible.

A configuration has the keys of ``read_survey`` at the top level (``columns``, ``id``,
``segments``, ``weight``, ``strata``, ``cluster``, ``importance``, ``missing``, ``out_of_range``,
``min_items``, ``keep``, ``layout``, ``long_columns``, ``encoding``, ``sheet``), optionally ``files:``
(source files; the command line may give them instead) and ``instrument:``
(``servqual22``, ``gap_constructs`` or the path of an instrument YAML), an
``analysis:`` block with the keywords of ``analyze`` (``by``, ``test``, ``correction``,
``alpha``, ``confidence``, ``weighted``, ``min_items``, ``gaps``, ``wave``, ``variance``,
``lonely_psu``) and an
optional ``staff:`` block describing a second survey (managers/staff: management,
specification, delivered, communicated) with the same keys and its own ``files:``.
Relative paths are relative to the configuration file. ``servgap init`` writes
`TEMPLATE`.

Examples
--------
>>> import tempfile, warnings
>>> from pathlib import Path
>>> from servgap.config import TEMPLATE, load_config
>>> path = Path(tempfile.mkdtemp()) / "survey.yaml"
>>> _ = path.write_text(TEMPLATE, encoding="utf-8")
>>> cfg = load_config(path)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     res = cfg.analyze([sg.example_path("customers")])
>>> res.settings.by
('branch',)
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model.instruments import SERVQUAL22, Instrument, gap_constructs
from .surveys.read import read_survey
from .yamlio import read_yaml

SURVEY_KEYS = ("columns", "id", "segments", "weight", "strata", "cluster", "importance", "missing", "out_of_range",
               "min_items", "keep", "layout", "long_columns", "encoding", "sheet", "name")
ANALYSIS_KEYS = ("by", "test", "correction", "alpha", "confidence", "weighted", "min_items", "gaps", "wave",
                 "variance", "lonely_psu")
TOP_KEYS = ("files", "instrument", *SURVEY_KEYS, "analysis", "staff")
STAFF_KEYS = ("files", "instrument", *SURVEY_KEYS)
BUILTIN_INSTRUMENTS = ("servqual22", "gap_constructs")

TEMPLATE = """\
# servgap survey configuration (YAML). Keys mirror servgap.read_survey() and servgap.analyze().
# Run:  servgap validate data.csv --config survey.yaml
#       servgap analyze data/*.csv --config survey.yaml --out results/
# Relative paths are relative to this file.

# files: [customers.csv]          # optional: the files to read (the command line may give them instead)
instrument: servqual22            # "servqual22" (22 items, 7-point), or the path of an instrument YAML

# viewpoint -> column pattern; {item} is replaced by the item ids 1..22 (E1, P1, ...)
columns:
  expected: "E{item}"
  perceived: "P{item}"
  # desired: "D_{item}"           # zone of tolerance (three-column format)
  # adequate: "A_{item}"

id: resp_id                       # respondent id column (needed to join files or pair surveys)
segments: [branch]                # columns to split the analysis by
# weight: weight                  # survey-weight column
# strata: stratum                 # sampling design, for analysis: variance: design
# cluster: psu                    #   (primary sampling units, identified within strata)
# importance: "W_{dimension}"     # 100-point importance allocation over the five dimensions
missing: [0, 9, -99]              # codes meaning "no answer / not applicable" in the rating columns
out_of_range: error               # "error" (stop with the cell location) or "missing"
min_items: 0.5                    # share of a dimension's items that must be answered
# keep: [overall_sat]             # further columns to carry along
layout: wide                      # "wide" (one row per respondent) or "long"
# encoding: utf-8                 # CSV encoding, e.g. gbk for files from Chinese Excel

analysis:
  by: branch                      # segment column(s) to report separately (or null)
  test: t                         # "t" (paired t / Welch) or "wilcoxon" (signed-rank / Mann-Whitney)
  correction: holm                # holm, bonferroni, fdr_bh or none
  alpha: 0.05
  confidence: 0.95
  weighted: true
  # variance: design              # "kish" (default) or "design" (Taylor linearisation over strata/cluster)
  # lonely_psu: adjust            # a stratum with one PSU: "adjust", "certainty" or "fail"
  # gaps: [5]                     # restrict to some gaps (default: every gap the data can measure)
  # wave: quarter                 # column holding the survey wave

# A second survey of managers/staff measures gaps 1-4 (same items, other viewpoints).
# staff:
#   files: [staff.csv]
#   columns: {management: "M{item}", specification: "S{item}", delivered: "D{item}", communicated: "C{item}"}
#   id: staff_id
#   segments: [branch]
"""


def _unknown(keys, allowed, where: str):
    bad = [k for k in keys if k not in allowed]
    if bad:
        hints = []
        for k in bad:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(f"{where}: unknown key(s) {', '.join(hints)}; allowed keys are {', '.join(allowed)}.")


def _files(value, base: Path, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, Path)) for v in value):
        raise ConfigError(f"{where}: 'files' must be a file name or a list of file names.")
    return [str(base / v) if not Path(v).is_absolute() else str(v) for v in value]


def _instrument(value, base: Path, where: str):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: 'instrument' must be 'servqual22', 'gap_constructs' or a YAML path.")
    if value.lower() in BUILTIN_INSTRUMENTS:
        return SERVQUAL22 if value.lower() == "servqual22" else gap_constructs()
    path = Path(value) if Path(value).is_absolute() else base / value
    if not path.exists():
        raise ConfigError(f"{where}: instrument file {value!r} does not exist (looked in {str(path.parent)!r}); "
                          f"use one of {', '.join(BUILTIN_INSTRUMENTS)} or the path of an instrument YAML.")
    return Instrument.from_yaml(path)


def _survey_spec(block: Mapping, base: Path, where: str, allowed) -> dict:
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: expected a mapping of keys, got {type(block).__name__}.")
    _unknown(list(block), allowed, where)
    spec = {k: block[k] for k in SURVEY_KEYS if k in block and block[k] is not None}
    if "columns" not in spec or not isinstance(spec["columns"], Mapping) or not spec["columns"]:
        raise ConfigError(f"{where}: 'columns' is required: map each viewpoint to a column pattern, "
                          "e.g. columns: {expected: \"E{item}\", perceived: \"P{item}\"}.")
    inst = _instrument(block.get("instrument"), base, where)
    if inst is not None:
        spec["instrument"] = inst
    return spec


@dataclass
class SurveyConfig:
    """A loaded survey configuration (see the module docstring).

    Attributes
    ----------
    survey : dict
        Keyword arguments of `servgap.read_survey` for the main (customer) survey.
    files : list of str
        Source files named in the configuration (may be empty).
    analysis : dict
        Keyword arguments of `servgap.analyze`.
    staff : dict or None
        ``read_survey`` keywords of the second survey; ``staff_files`` its files.
    """

    survey: dict
    files: list = field(default_factory=list)
    analysis: dict = field(default_factory=dict)
    staff: dict | None = None
    staff_files: list = field(default_factory=list)
    path: str = "<config>"

    def read(self, files=None):
        """Read the survey(s): a list ``[customers]`` or ``[customers, staff]`` of Survey objects."""
        src = list(files) if files else self.files
        if not src:
            raise ConfigError(f"config {self.path!r}: no data files; give them on the command line or "
                              "under 'files:' in the configuration.")
        out = [read_survey(src if len(src) > 1 else src[0], **self.survey)]
        if self.staff is not None:
            if not self.staff_files:
                raise ConfigError(f"config {self.path!r}: the 'staff' block needs 'files:'.")
            sf = self.staff_files
            out.append(read_survey(sf if len(sf) > 1 else sf[0], **self.staff))
        return out

    def analyze(self, files=None, **overrides):
        """Read the survey(s) and run `servgap.analyze` with the configured settings."""
        from .analysis.core import analyze   # CLI start-up: `servgap validate` never loads the engine

        kw = {**self.analysis, **{k: v for k, v in overrides.items() if v is not None}}
        return analyze(self.read(files), **kw)


def parse_config(data: Any, base=".", source: str = "<config>") -> SurveyConfig:
    """Build a `SurveyConfig` from an already-parsed YAML mapping."""
    base = Path(base)
    where = f"config {source}"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a YAML mapping (key: value lines); see `servgap init`.")
    _unknown(list(data), TOP_KEYS, where)
    survey = _survey_spec({k: v for k, v in data.items() if k not in ("analysis", "staff", "files")}, base, where,
                          TOP_KEYS)
    analysis = data.get("analysis") or {}
    if not isinstance(analysis, Mapping):
        raise ConfigError(f"{where}: 'analysis' must be a mapping, e.g. analysis: {{by: branch, test: t}}.")
    _unknown(list(analysis), ANALYSIS_KEYS, f"{where}, analysis")
    staff, staff_files = None, []
    if data.get("staff") is not None:
        block = data["staff"]
        staff = _survey_spec(block, base, f"{where}, staff", STAFF_KEYS)
        if "instrument" not in staff and "instrument" in survey:
            staff["instrument"] = survey["instrument"]
        staff_files = _files(block.get("files"), base, f"{where}, staff")
    return SurveyConfig(survey=survey, files=_files(data.get("files"), base, where),
                        analysis={k: v for k, v in analysis.items() if v is not None}, staff=staff,
                        staff_files=staff_files, path=source)


def load_config(path) -> SurveyConfig:
    """Read a survey configuration YAML file (safe loader).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    SurveyConfig

    Raises
    ------
    ConfigError
        Missing file, invalid YAML, unknown keys (named, with the closest allowed key),
        a missing ``columns`` mapping or an instrument that does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from servgap.config import TEMPLATE
    >>> path = Path(tempfile.mkdtemp()) / "survey.yaml"
    >>> _ = path.write_text(TEMPLATE, encoding="utf-8")
    >>> surveys = load_config(path).read([sg.example_path("customers")])
    >>> surveys[0].n
    1200
    """
    path = Path(path)
    data = read_yaml(path, "config file")
    return parse_config(data, base=path.resolve().parent, source=repr(str(path)))


__all__ = ["TEMPLATE", "SurveyConfig", "load_config", "parse_config"]
