"""The machinery of ``servgap analyze`` batches: safe output folders, all-or-nothing outputs per
file, a summary written as the batch goes, and hints in the configuration file's spelling.

- `out_dirs`: one folder per input file under ``--out``, named after the file's stem made
  safe (no ``..``, separators or control characters: a file named ``...csv`` cannot write
  outside ``--out``), unique, and never a reserved name (``combined``).
- `write_outputs`: a file's report, workbook, JSON and PNGs are written into a hidden
  staging folder and moved into place only when all of them are complete, so a file that
  fails at the JSON step leaves no workbook behind; every single file is written
  atomically (`servgap.atomic`).
- `Summary`: ``summary.csv`` and ``summary.json`` rewritten atomically after each file
  (at most once a second, and at the end), so an interrupted batch leaves a summary of
  the files done so far (``"complete": false``). Text cells of the CSV are guarded
  against formula injection (`servgap.report.excel.neutralise`) and every text field
  is quoted.
- `yaml_hint`: a fix written for Python (``missing=[9]``) in YAML spelling
  (``missing: [9]``) when the setting came from a configuration file.
- `run_files`: every file analysed and written by `run_file`, in this process or in a pool
  of processes (``--jobs``); results come back in the order of the files, so the summary
  and the outputs are the same whatever the number of processes.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_text
from .errors import ConfigError, ServgapError

FORMATS = ("html", "xlsx", "json")
OUTPUT_NAMES = {"html": "report.html", "xlsx": "results.xlsx", "json": "results.json"}
RESERVED = ("combined",)
_WINDOWS = {"con", "prn", "aux", "nul", *(f"com{k}" for k in range(1, 10)), *(f"lpt{k}" for k in range(1, 10))}


def safe_name(stem: str) -> str:
    """A folder name made from a file stem: letters, digits, ``-``, ``_``, ``.`` and spaces only,
    no leading dots (``..`` is not a name), at most 100 characters.

    >>> safe_name("wave 1"), safe_name(".."), safe_name("../../etc"), safe_name("问卷-一")
    ('wave 1', 'data', 'etc', '问卷-一')
    """
    text = unicodedata.normalize("NFC", str(stem))
    text = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in text)
    text = re.sub(r"_+", "_", text).strip(" ._")[:100].strip(" ._")
    if not text:
        return "data"
    return text + "_" if text.lower() in _WINDOWS else text


def out_dirs(files, out: Path, reserved=RESERVED) -> dict:
    """``file -> folder under out`` (see `safe_name`); names are unique and never ``reserved``."""
    dirs, used = {}, {r.lower() for r in reserved}
    for f in files:
        stem = safe_name(Path(f).stem)
        name, k = stem, 2
        while name.lower() in used:
            name, k = f"{stem}_{k}", k + 1
        used.add(name.lower())
        dirs[f] = out / name
    return dirs


def _draw_plots(res, folder: Path, lang: str, figures=True) -> None:
    """The plots of ``res`` (every kind, or the kinds ``figures`` lists) as ``<kind>.png`` in ``folder``:
    the report's figures, without the report."""
    from .report.common import chosen_kinds
    from .report.figures import report_figures

    report_figures(res, lang, chosen_kinds(res, figures), image_format="png", plots_dir=folder)


def write_outputs(res, out: Path, formats=FORMATS, lang: str = "en", plots: bool = True,
                  figures=True) -> list[Path]:
    """Write the chosen outputs of one analysis into ``out``, all or none; returns the paths written.

    ``plots``: also the figures as PNG files; ``figures``: which figures the report (and the
    PNG files) show — ``True`` every one, ``False`` none (a tables-only report), or a list
    of plot kinds (`servgap.plots.KINDS`).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        plots_dir = stage / "plots" if plots and figures is not False else None
        if "html" in formats:
            res.to_html(stage / OUTPUT_NAMES["html"], lang=lang, plots_dir=plots_dir, plots=figures)
        elif plots_dir is not None:
            _draw_plots(res, plots_dir, lang, figures)
        if "xlsx" in formats:
            res.to_excel(stage / OUTPUT_NAMES["xlsx"], lang=lang)
        if "json" in formats:
            res.to_json(stage / OUTPUT_NAMES["json"])
        staged = sorted(p for p in stage.rglob("*") if p.is_file())
        written = []
        for p in staged:                 # every output is complete: move each into place (atomic renames)
            target = out / p.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, target)
            written.append(target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    order = {OUTPUT_NAMES[f]: k for k, f in enumerate(FORMATS)}
    return sorted(written, key=lambda p: (order.get(p.name, len(order)), str(p)))


@dataclass(frozen=True)
class FileJob:
    """What every file of a batch is analysed and written with (picklable: sent to worker processes)."""

    cfg: object                 # a servgap.config.SurveyConfig
    by: list | None
    formats: tuple
    lang: str
    plots: bool
    figures: object = True      # True, False or a tuple of plot kinds (`write_outputs`)


#: Added to a data error when no configuration was given: where the fix the message names goes.
NO_CONFIG_HINT = ("no --config was given, so the file was read with the defaults: write a configuration with "
                  "`servgap init --from FILE`, make the fix there and run again with --config.")


def message(exc: Exception, config: bool = True, detected: bool = False) -> str:
    """One line on a failure: the servgap message (fixes in YAML spelling), or the exception's type and text.

    ``detected`` (no configuration file): a fix that is a setting (one `yaml_hint` respells) gets
    `NO_CONFIG_HINT`, which says where to write it.
    """
    raw = str(exc) if isinstance(exc, ServgapError) else f"{type(exc).__name__}: {exc}"
    yaml = yaml_hint(raw)
    msg = yaml if config else raw
    return f"{msg} ({NO_CONFIG_HINT})" if detected and yaml != raw and "init --from" not in msg else msg


def run_file(job: FileJob, file: str, folder: Path) -> dict:
    """Analyse one file and write its outputs; never raises (a bad file must not stop the batch).

    Returns ``{file, ok, outputs, gaps, error, config_error, warnings}``: the warnings the
    analysis raised are returned as text, to be shown in file order.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            res = job.cfg.analyze([file], by=job.by)
            written = write_outputs(res, folder, job.formats, job.lang, plots=job.plots, figures=job.figures)
            gaps = res.gaps
        except Exception as exc:  # noqa: BLE001
            return dict(file=file, ok=False, outputs=[], gaps=None, error=message(exc, detected=job.cfg.detected),
                        config_error=isinstance(exc, ConfigError), warnings=[str(w.message) for w in caught])
    gaps.insert(0, "file", file)
    return dict(file=file, ok=True, outputs=[str(p) for p in written], gaps=gaps, error=None, config_error=False,
                warnings=[str(w.message) for w in caught])


def _run_pair(args):
    return run_file(*args)


def workers(jobs: int) -> int:
    """``--jobs``: ``0`` = every core this process may use, else the number given (at least 1)."""
    if jobs == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, int(jobs))


def run_files(job: FileJob, files: list, dirs: dict, jobs: int = 1):
    """`run_file` for every file, in file order: here (``jobs=1``) or in a pool of ``jobs`` processes.

    The pool uses the ``forkserver`` start method where there is one (``spawn`` elsewhere):
    its workers start from a clean process with servgap imported, not from a copy of this
    one with its threads. Each worker's BLAS/OpenMP thread pool is capped at its share of
    the cores (`worker_environment`), so ``n`` workers never run ``n`` × cores threads.
    """
    n = min(workers(jobs), len(files))
    if n <= 1:
        yield from (run_file(job, f, dirs[f]) for f in files)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["servgap.batch", "servgap.analysis.core", "servgap.report.html"])
    added = worker_environment(n, os.environ)
    os.environ.update(added)                             # inherited by the workers as they start
    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            yield from pool.map(_run_pair, [(job, f, dirs[f]) for f in files])
    finally:
        for k in added:
            os.environ.pop(k, None)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_environment(n: int, environ) -> dict:
    """The variables a pool of ``n`` workers starts with: no display, BLAS threads ``cores // n``.

    Only variables the user has not set: an explicit ``OMP_NUM_THREADS`` is kept (as in
    joblib's loky backend, which caps inner threads the same way).

    Examples
    --------
    >>> env = worker_environment(2, {"MKL_NUM_THREADS": "4"})
    >>> env["MPLBACKEND"], "MKL_NUM_THREADS" in env, int(env["OMP_NUM_THREADS"]) >= 1
    ('Agg', False, True)
    """
    share = str(max(1, workers(0) // n))
    wanted = {"MPLBACKEND": "Agg", **dict.fromkeys(THREAD_VARIABLES, share)}
    return {k: v for k, v in wanted.items() if k not in environ}


def csv_text(frame) -> str:
    """CSV text of a table: text fields quoted and guarded against formula injection, numbers as numbers."""
    from .report.common import plain
    from .report.excel import neutralise

    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for v in row:
            v = plain(v)
            if isinstance(v, bool):
                v = str(v)
            cells.append("" if v is None else neutralise(v) if isinstance(v, str) else v)
        w.writerow(cells)
    return buf.getvalue()


class Summary:
    """The combined summary of a batch, rewritten atomically as files finish (see the module docstring)."""

    def __init__(self, out: Path, every: float = 1.0):
        self.out, self.every = Path(out), every
        self.files: list[dict] = []
        self.frames: list = []
        self.combined: dict | None = None
        self._last = 0.0

    @property
    def paths(self) -> tuple[Path, Path]:
        return self.out / "summary.csv", self.out / "summary.json"

    def add(self, record: dict, gaps=None) -> None:
        self.files.append(record)
        if gaps is not None:
            self.frames.append(gaps)
        if time.monotonic() - self._last >= self.every:
            self.write(complete=False)

    def write(self, complete: bool = True) -> None:
        import pandas as pd

        from .report.common import records

        self.out.mkdir(parents=True, exist_ok=True)
        table = pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame(columns=["file"])
        csv_path, json_path = self.paths
        write_text(csv_path, csv_text(table))
        data = {"complete": complete, "files": self.files, "dimension_gaps": records(table)}
        if self.combined is not None:
            data["combined"] = self.combined
        write_text(json_path, json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False))
        self._last = time.monotonic()


def summary_lines(res, lang: str = "en", top: int = 5) -> list[str]:
    """Readable lines on the largest significant shortfalls of an analysis."""
    from .display import SMALL_SAMPLE, num, pvalue
    from .model.gaps import gap as gap_def
    from .report.strings import STRINGS

    t = STRINGS[lang]
    d = res.gaps
    alpha = res.settings.alpha
    sig = d[(d["mean_gap"] < 0) & (d["p_adj"] < alpha)].sort_values("mean_gap", kind="stable")
    labels = res.instrument.labels(lang)
    lines = [f"{res!r}".splitlines()[0]]
    if sig.empty:
        lines.append(t["lead_none"].format(alpha=alpha, correction=res.settings.correction))
        return lines
    lines.append(t["cli_worst"])
    for _, r in sig.head(top).iterrows():
        seg = " / ".join(str(r[b]) for b in res.by)
        lines.append(f"  {num(r['mean_gap'], signed=True):>6}  {gap_def(int(r['gap'])).label(lang)} · "
                     f"{labels.get(r['dimension'], r['dimension'])}{' · ' + seg if seg else ''}  "
                     f"(p_adj {pvalue(r['p_adj'])}, n = {int(r['n']):,}{'†' if r['n'] < SMALL_SAMPLE else ''})")
    if (sig.head(top)["n"] < SMALL_SAMPLE).any():
        lines.append("  " + t["small_n"].format(k=SMALL_SAMPLE))
    return lines


def check_analysis(cfg, by) -> None:
    """Settings and ``by`` columns that are wrong for every file: a configuration error (exit 2), found before the batch."""
    from .engine.settings import Settings
    from .errors import ConfigError

    kw = {**cfg.analysis, **({"by": by} if by else {})}
    Settings.of(**kw)
    by_cols = kw.get("by") or []
    by_cols = [by_cols] if isinstance(by_cols, str) else list(by_cols)
    wave = kw.get("wave")
    segs = set(_names(cfg.survey.get("segments"))) | set(_names((cfg.staff or {}).get("segments")))
    unknown = [b for b in [*by_cols, *([wave] if wave else [])] if b not in segs]
    if unknown:
        raise ConfigError(f"analysis by {unknown[0]!r}: not a segment column of the configuration (segments: "
                          f"{', '.join(sorted(segs)) or 'none'}); add it under 'segments:' or fix the name.")


def _names(v):
    return [v] if isinstance(v, str) else list(v or [])


def pair_lines(cfg, surveys) -> list[str]:
    """Lines on the incomplete pairs of every paired gap (one of its two ratings missing), as docs/cli.md promises."""
    import pandas as pd

    from .surveys.ledger import quality_frame

    pairs = quality_frame([r for s in surveys for r in s.incomplete_pairs()])
    if pairs.empty:
        return ["incomplete pairs: none (every paired gap has both ratings wherever one is given)"]
    total = pairs.assign(gap=pairs["column"].str.split(":").str[0]).groupby("gap", sort=False)["count"].sum()
    with pd.option_context("display.max_rows", 60, "display.width", 160):
        table = pairs.to_string(index=False)
    return ["incomplete pairs (one of the two ratings missing; left out of that item's paired gap):",
            "  " + ", ".join(f"{g}: {int(n)}" for g, n in total.items()), table]


def combine_files(cfg, files, by):
    """``servgap analyze --combine``: the files read as configured, stacked into one survey with a
    ``file`` segment (`servgap.surveys.survey.stack`) and analysed once, by ``file`` and ``by``."""
    from .analysis.core import analyze
    from .errors import ConfigError
    from .surveys.survey import stack

    if not files:
        raise ConfigError("no file could be read, so there is nothing to combine.")
    parts = [cfg.read([f]) for f in files]
    main = stack([p[0] for p in parts], [Path(f).name for f in files], column="file")
    kw = {**cfg.analysis, **({"by": by} if by else {})}
    kw["by"] = ["file", *_names(kw.get("by"))]
    return analyze([main, *parts[0][1:]], **kw)


def _hint_pattern():
    from .config import ANALYSIS_KEYS, SURVEY_KEYS

    keys = "|".join(sorted(set(SURVEY_KEYS) | set(ANALYSIS_KEYS), key=len, reverse=True))
    return re.compile(r"\b(" + keys + r")=(\[[^\]]*\]|\{[^}]*\}|'[^']*'|\"[^\"]*\"|[\w.+-]+)")


def yaml_hint(message: str, from_config: bool = True) -> str:
    """``message`` with Python-style settings (``missing=[9]``, ``encoding="gbk"``) in YAML spelling.

    >>> yaml_hint('declare the code as missing, e.g. missing=[\\'9\\'], or pass out_of_range="missing".')
    "declare the code as missing, e.g. missing: ['9'], or pass out_of_range: missing."
    >>> yaml_hint('try encoding="gbk" or sep=";"')
    'try encoding: gbk or sep: ;'
    """
    if not from_config:
        return message

    def repl(m):
        try:
            value = ast.literal_eval(m.group(2))
        except (ValueError, SyntaxError):
            return m.group(0)
        return f"{m.group(1)}: {_flow(value)}"

    return _hint_pattern().sub(repl, message)


def _flow(value) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()
