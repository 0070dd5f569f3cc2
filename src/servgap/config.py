"""Survey configuration files (YAML): what `servgap.read_survey` and
`servgap.analyze` take, written down so that batch runs are reproducible.

A configuration has the keys of ``read_survey`` at the top level (``columns``, ``id``,
``segments``, ``weight``, ``strata``, ``cluster``, ``importance``, ``missing``, ``out_of_range``,
``min_items``, ``keep``, ``layout``, ``long_columns``, ``encoding``, ``sep``, ``decimal``, ``sheet``
(``sheet: null`` reads every sheet), ``platform``, ``scale_labels``, ``screen``), optionally ``files:``
(source files; the command line may give them instead) and ``instrument:``
(``servqual22``, ``gap_constructs`` or the path of an instrument YAML), an
``analysis:`` block with the keywords of ``analyze`` (``by``, ``test``, ``correction``,
``alpha``, ``confidence``, ``weighted``, ``min_items``, ``gaps``, ``wave``, ``variance``,
``lonely_psu``) and an
optional ``staff:`` block describing a second survey (managers/staff: management,
specification, delivered, communicated) with the same keys and its own ``files:``.
Relative paths are relative to the configuration file. ``servgap init`` writes
`TEMPLATE`; ``servgap init --from FILE`` writes `config_from_file`'s proposal for one export.

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
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model.instruments import SERVQUAL22, Instrument, as_instrument, gap_constructs, parse_scale
from .surveys.read import read_survey
from .surveys.suggest import MIN_CONFIDENCE
from .yamlio import read_yaml

SURVEY_KEYS = ("columns", "id", "segments", "weight", "strata", "cluster", "importance", "missing", "out_of_range",
               "min_items", "keep", "layout", "long_columns", "encoding", "sheet", "name", "platform", "scale_labels",
               "screen", "sep", "decimal")
ANALYSIS_KEYS = ("by", "test", "correction", "alpha", "confidence", "weighted", "min_items", "gaps", "wave",
                 "variance", "lonely_psu")
TOP_KEYS = ("files", "instrument", "scale", *SURVEY_KEYS, "analysis", "staff")
STAFF_KEYS = ("files", "instrument", "scale", *SURVEY_KEYS)
BUILTIN_INSTRUMENTS = ("servqual22", "gap_constructs")

TEMPLATE = """\
# servgap survey configuration (YAML). Keys mirror servgap.read_survey() and servgap.analyze().
# Run:  servgap validate data.csv --config survey.yaml
#       servgap analyze data/*.csv --config survey.yaml --out results/
# Relative paths are relative to this file.

# files: [customers.csv]          # optional: the files to read (the command line may give them instead)
instrument: servqual22            # "servqual22" (22 items, 7-point), or the path of an instrument YAML
# scale: [1, 5]                   # the instrument's items rated on another scale

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
# encoding: utf-8                 # CSV encoding, e.g. gbk for files from Chinese Excel ("auto" detects it)
# sep: ";"                        # CSV separator and decimal mark (detected when not given)
# decimal: ","
# sheet: [expectations, perceptions]   # workbook sheet(s), joined on the id; null = every sheet

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


def _q(value) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def _columns_block(sugg) -> list[str]:
    """``columns:`` lines, one per item, each with its confidence and reason as a comment."""
    lines = ["columns:"]
    table = sugg.table
    for vp in dict.fromkeys([*sugg.columns, *table["viewpoint"].dropna()]):
        if vp == "importance":
            continue
        lines.append(f"  {vp}:")
        rows = table[table["viewpoint"] == vp]
        mapped = sugg.columns.get(vp, {})
        for iid in [i for i in sugg.item_ids if i in set(rows["item"].dropna()) or i in mapped]:
            r = rows[rows["item"] == iid].sort_values("confidence", ascending=False).iloc[0]
            flag = "CHECK " if r["confidence"] < MIN_CONFIDENCE else ""
            if iid in mapped:
                lines.append(f"    {_q(iid)}: {_q(mapped[iid])}   # {flag}{r['confidence']:.2f} {r['reason']}")
            else:
                lines.append(f"    # {_q(iid)}: ?   # {flag}{r['reason']}")
    return lines


def _text_encoding(path: Path) -> str | None:
    """``"gbk"`` for a CSV that is not UTF-8 but decodes as GBK (问卷星 writes GBK), else ``None`` (the default)."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv") or not path.is_file():
        return None
    raw = path.read_bytes()
    for enc in ("utf-8", "gbk"):
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return None if enc == "utf-8" else enc
    return None


def _missing_line(sugg, inst) -> str:
    """``missing:`` proposed from the whole numbers outside the scale found in the rating columns (marked CHECK)."""
    if not sugg.missing:
        return "# missing: [0, 9]             # codes meaning 'no answer' in the rating columns"
    cells = ", ".join(f"{k:,} cells of {c}" for c, k in sugg.missing.items())
    return (f"missing: [{', '.join(map(str, sugg.missing))}]   # CHECK: {cells}, outside the "
            f"{inst.scale_min:g}-{inst.scale_max:g} scale: 'no answer' codes? If they are ratings, "
            "the instrument's scale is another one")


def config_from_file(path, instrument=SERVQUAL22, *, encoding: str | None = None, platform: str = "auto",
                     config_dir=".") -> str:
    """A commented survey YAML proposing how to read the export ``path`` (what ``servgap init --from`` writes).

    The column mapping is `servgap.suggest_columns`' proposal, one line per item with its
    confidence and reason; low-confidence lines are marked ``CHECK``; columns it could not place
    are listed; segments, the respondent id and a screening block are proposed.

    Examples
    --------
    >>> import tempfile, yaml, pandas as pd, servgap as sg
    >>> with tempfile.TemporaryDirectory() as d:
    ...     csv = Path(d) / "survey.csv"
    ...     pd.DataFrame({f"{v}{i}": [5, 6] for v in "EP" for i in sg.SERVQUAL22.item_ids}).to_csv(csv, index=False)
    ...     text = config_from_file(csv, config_dir=d)
    ...     cfg = parse_config(yaml.safe_load(text), base=d)
    >>> cfg.survey["columns"]["expected"]["22"]
    'E22'
    """
    from .surveys.suggest import suggest_columns

    path = Path(path)
    encoding = encoding or _text_encoding(path)
    sugg = suggest_columns(path, instrument, encoding=encoding, platform=platform)
    rel = os.path.relpath(path.resolve(), Path(config_dir).resolve())
    lines = [f"# servgap survey configuration proposed by `servgap init --from {path.name}`.",
             f"# Read as a {sugg.platform} export. Each column line says how sure servgap is (0-1) and why;",
             "# check the lines marked CHECK and the columns listed as not placed, then run:",
             f"#   servgap validate {path.name} --config <this file>",
             f"#   servgap analyze {path.name} --config <this file> --out results/",
             "", f"files: [{_q(Path(rel).as_posix())}]", "instrument: servqual22" if instrument is SERVQUAL22
             else "instrument: <path of your instrument YAML>", f"platform: {sugg.platform}"]
    lines.append(f"encoding: {encoding}" if encoding else "# encoding: gbk              # for a GBK (Chinese Windows) CSV")
    lines.append(f"id: {_q(sugg.id)}" if sugg.id else "# id: <respondent id column>")
    seg = sugg.segments
    lines.append(f"segments: [{', '.join(map(_q, seg))}]   # proposed: columns that look like segments"
                 if seg else "# segments: [<branch column>]")
    lines.append(_missing_line(sugg, as_instrument(instrument)))
    lines += [
              "# scale_labels: auto          # text answers: built-in zh/en 5- and 7-point label sets"]
    lines += _columns_block(sugg)
    if sugg.importance:
        lines += ["importance:"] + [f"  {_q(d)}: {_q(c)}" for d, c in sugg.importance.items()]
    not_placed = [r for r in sugg.table.itertuples() if r.column in set(sugg.unmatched) - set(seg)]
    if not_placed:
        lines.append("# Columns not placed (left out of the analysis):")
        lines += [f"#   {_q(r.column)}: {r.reason}" for r in not_placed]
    lines += ["# screen:                       # respondent screening: flagged in Survey.screened",
              "#   speeders: {fraction: 0.333}  # faster than a third of the median completion time",
              "#   straightliners: true",
              "#   duplicates: true           # same IP and identical answers; repeated ids",
              "#   exclude: false             # true: leave flagged respondents out",
              "analysis:", f"  by: {_q(seg[0]) if seg else 'null'}", "  test: t", "  correction: holm"]
    return "\n".join(lines) + "\n"


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
    spec = {k: block[k] for k in SURVEY_KEYS if k in block and (block[k] is not None or k == "sheet")}
    if "columns" not in spec or not isinstance(spec["columns"], Mapping) or not spec["columns"]:
        raise ConfigError(f"{where}: 'columns' is required: map each viewpoint to a column pattern, "
                          "e.g. columns: {expected: \"E{item}\", perceived: \"P{item}\"}.")
    inst = _instrument(block.get("instrument"), base, where)
    if block.get("scale") is not None:            # the instrument's items on another scale: scale: [1, 5]
        inst = (inst or SERVQUAL22).with_scale(*parse_scale(block["scale"], where))
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
    detected : bool
        No configuration file (`from_headers`): the columns are found from the headers.
    """

    survey: dict
    files: list = field(default_factory=list)
    analysis: dict = field(default_factory=dict)
    staff: dict | None = None
    staff_files: list = field(default_factory=list)
    path: str = "<config>"
    detected: bool = False

    @classmethod
    def from_headers(cls, segments=None) -> "SurveyConfig":
        """No configuration file: the rating columns are found from each file's headers, as
        `servgap.read_survey` finds them without ``columns=`` (platform exports, codes, wording),
        and refused with the proposal when unsure. ``segments``: the ``--by`` columns."""
        survey = {"segments": list(segments)} if segments else {}
        return cls(survey=survey, path="(none: columns found from the headers)", detected=True)

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


__all__ = ["TEMPLATE", "SurveyConfig", "load_config", "parse_config", "config_from_file"]
