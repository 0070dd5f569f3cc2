"""The ``servgap`` command line: demo, batch analysis, validation, reports.

::

    servgap demo [--out DIR] [--lang en|zh]
    servgap analyze FILE... --config survey.yaml [--by COL] [--out DIR] [--format html,xlsx,json] [--jobs N]
                    [--combine] [--lang]
    servgap validate FILE... --config survey.yaml
    servgap init [PATH] [--from FILE]
    servgap report RESULTS.json|FILE... [--config survey.yaml] [--out report.html] [--lang]

Exit codes: 0 success, 1 a file failed (data error), 2 usage or configuration error.
Unlike the library, the command prints: results to stdout, progress and problems to stderr.
"""

from __future__ import annotations

import glob
import math
import os
import sys
import warnings
from pathlib import Path

from ..batch import FORMATS, OUTPUT_NAMES, summary_lines, write_outputs
from ..errors import ConfigError, ServgapError
from .parser import build_parser

NEEDS = {"html": ("jinja2", "report"), "xlsx": ("xlsxwriter", "excel")}   # format -> (package, extra)


class _UsageError(Exception):
    pass


def _agg_backend():
    """Figures are written to files: the Agg backend, set without importing matplotlib (start-up)."""
    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _say(f"warning: {message}")


def _say(text: str) -> None:
    """A line on standard error that does not break a running progress bar."""
    try:
        from tqdm import tqdm
    except ModuleNotFoundError:
        print(text, file=sys.stderr)
    else:
        tqdm.write(text, file=sys.stderr)


def _formats(text: str) -> list[str]:
    out = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise _UsageError(f"--format {text!r}: use a comma-separated list of {', '.join(FORMATS)}.")
    return out


def _figures(text: str | None, plots: bool = False):
    """``--figures``: ``True`` (``all``, the default), ``False`` (``none``: tables-only reports) or the kinds listed."""
    word = ("all" if text is None else text).strip().lower()
    if word in ("all", "none"):
        if word == "none" and plots:
            raise _UsageError("--plots saves the report's figures as PNG files and --figures none asks for no "
                              "figures: drop one of the two.")
        return word == "all"
    kinds = tuple(dict.fromkeys(k.strip() for k in word.split(",") if k.strip()))
    try:
        from ..plots import KINDS
    except ModuleNotFoundError:
        raise _UsageError("--figures draws with matplotlib, which is not installed: pip install matplotlib.") from None
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise _UsageError(f"--figures {text!r}: {', '.join(map(repr, bad)) + ' is no plot kind; ' if bad else ''}"
                          f"use all, none or a comma-separated list of {', '.join(KINDS)}.")
    return kinds


def _missing_package(fmt: str) -> str | None:
    """Install hint when the optional package an output format needs is not installed."""
    import importlib.util

    if fmt in NEEDS and importlib.util.find_spec(NEEDS[fmt][0]) is None:
        pkg, extra = NEEDS[fmt]
        return f"{fmt} output needs {pkg}: pip install 'servgap[{extra}]'"
    return None


def _by(values):
    if not values:
        return None
    out = [b.strip() for v in values for b in v.split(",") if b.strip()]
    return out or None


def _expand(patterns) -> list[str]:
    """Files named or matched by the patterns; a glob that matches nothing is said so (and skipped)."""
    files = []
    for p in patterns:
        if glob.has_magic(p):
            matches = sorted(glob.glob(p))
            if not matches:
                _say(f"servgap: no file matches {p!r}")
            files += matches
        else:
            files.append(p)        # a missing file is reported as a failing file, with its name
    return list(dict.fromkeys(files))


def _progress(items, total: int | None = None):
    try:
        from tqdm import tqdm
    except ModuleNotFoundError:
        return items
    return tqdm(items, total=total, file=sys.stderr, disable=not sys.stderr.isatty(), unit="file")


def _message(exc: Exception, config: bool, cfg=None) -> str:
    from ..batch import message

    return message(exc, config, detected=getattr(cfg, "detected", False))


# -- commands ---------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from ..analysis.core import analyze
    from ..surveys.examples import load_example, load_example_constructs

    cust, staff = load_example(tolerance=True)
    surveys = [cust, staff]
    try:
        surveys.append(load_example_constructs())
    except ServgapError:   # the construct instrument is optional package data
        pass
    res = analyze(surveys, by="branch")
    out = Path(args.out)
    formats = [f for f in FORMATS if not _missing_package(f)]
    for f in FORMATS:
        if _missing_package(f):
            print(f"note: skipped {OUTPUT_NAMES[f]}: {_missing_package(f)}", file=sys.stderr)
    written = write_outputs(res, out, formats, args.lang, plots=True)
    print("\n".join(summary_lines(res, args.lang)))
    print()
    print(f"{'已写出的文件' if args.lang == 'zh' else 'Files written'} ({out.resolve()}):")
    for p in written:
        print(f"  {p}")
    return 0


def _config(args):
    """The ``--config`` file, or without one the columns found from each file's headers (`SurveyConfig.from_headers`)."""
    from ..config import SurveyConfig, load_config

    return load_config(args.config) if args.config else SurveyConfig.from_headers(_by(getattr(args, "by", None)))


def cmd_analyze(args) -> int:
    from ..batch import FileJob, Summary, check_analysis, out_dirs, run_files

    cfg = _config(args)
    formats = _formats(args.format)
    missing = [m for m in map(_missing_package, formats) if m]
    if missing:
        raise _UsageError("; ".join(missing))
    files = _expand(args.files) if args.files else cfg.files
    if not files:
        raise _UsageError("no data files: give FILE arguments (a glob that matches files) or 'files:' in the "
                          "configuration.")
    by = _by(args.by)
    check_analysis(cfg, by)
    out = Path(args.out)
    dirs = out_dirs(files, out)
    summary = Summary(out)
    failures = []
    job = FileJob(cfg, by, tuple(formats), args.lang, args.plots, _figures(args.figures, args.plots))
    for r in _progress(run_files(job, files, dirs, args.jobs), total=len(files)):
        for w in r["warnings"]:
            _say(f"warning: {w}")
        if not r["ok"]:
            _say(f"FAILED {r['file']}: {r['error']}")
            failures.append((r["file"], r["error"], r["config_error"]))
            summary.add({"file": r["file"], "status": "failed", "error": r["error"], "outputs": []})
            continue
        summary.add({"file": r["file"], "status": "ok", "error": None, "outputs": r["outputs"]}, r["gaps"])
    if args.combine:
        summary.combined = _combined(cfg, files, failures, out, by, formats, args)
    summary.write(complete=True)
    csv_path, json_path = summary.paths
    from ..report.strings import STRINGS

    print(STRINGS[args.lang]["cli_done"].format(ok=len(files) - len(failures), n=len(files), out=out, csv=csv_path,
                                                json=json_path))
    for f, msg, _ in failures:
        print(f"  failed: {f}: {msg}")
    if failures and all(config_error for _, _, config_error in failures):
        return 2              # the same configuration problem for every file
    return 1 if failures or (summary.combined or {}).get("status") == "failed" else 0


def _combined(cfg, files, failures, out: Path, by, formats, args) -> dict:
    """``--combine``: every readable file as one survey with a ``file`` segment, analysed once."""
    from ..batch import combine_files

    good = [f for f in files if f not in {x for x, _, _ in failures}]
    try:
        res = combine_files(cfg, good, by)
        written = write_outputs(res, out / "combined", formats, args.lang, plots=args.plots,
                                figures=_figures(args.figures, args.plots))
    except Exception as exc:  # noqa: BLE001
        msg = _message(exc, config=True, cfg=cfg)
        _say(f"FAILED --combine: {msg}")
        return {"status": "failed", "error": msg, "files": good, "outputs": []}
    print("\n".join(summary_lines(res, args.lang)))
    return {"status": "ok", "error": None, "files": good, "outputs": [str(p) for p in written]}


def cmd_validate(args) -> int:
    import pandas as pd

    from ..batch import pair_lines

    cfg = _config(args)
    files = _expand(args.files) if args.files else cfg.files
    if args.files and not files:
        raise _UsageError("no data files: no FILE argument names an existing file.")
    try:
        surveys = cfg.read(files)
    except ConfigError:
        raise
    except (ServgapError, OSError) as exc:
        print(f"error: {_message(exc, config=True, cfg=cfg)}", file=sys.stderr)
        return 1
    with pd.option_context("display.max_rows", 500, "display.width", 160):
        for s in surveys:
            print(repr(s))
            chosen = {k: v for k, v in s.metadata.items() if k in ("encoding", "sep", "decimal", "compression", "sheet")}
            if chosen:
                print("  read with " + ", ".join(f"{k} {v!r}" for k, v in chosen.items()))
            if cfg.detected:
                for line in _found_columns(s.metadata):
                    print(line)
            q = s.quality
            print(q.to_string(index=False) if len(q) else "  nothing recoded or excluded")
            print()
        print("\n".join(pair_lines(cfg, surveys)))
    return 0


def _found_columns(meta) -> list[str]:
    """Lines naming the rating columns found from the headers (no ``--config``), one per viewpoint."""
    sugg = meta.get("suggestion")
    lines = []
    for vp, cols in (meta.get("columns") or {}).items():
        names = list(cols.values()) if isinstance(cols, dict) else list(cols)
        low = None if sugg is None else sugg.loc[sugg["column"].isin(names), "confidence"].min()
        conf = f", lowest confidence {low:.2f}" if low is not None and not math.isnan(low) else ""
        lines.append(f"  {vp}: {len(names)} columns found from the headers ({names[0]} ... {names[-1]}{conf})")
    if lines:
        lines.append("  (no --config: to change them, `servgap init --from FILE` writes a configuration to edit)")
    return lines


def cmd_init(args) -> int:
    from ..atomic import write_text
    from ..config import TEMPLATE, config_from_file

    path = Path(args.path)
    if path.exists() and not args.force:
        raise _UsageError(f"{path} exists; use --force to overwrite it.")
    text = config_from_file(args.source, config_dir=path.parent) if args.source else TEMPLATE
    write_text(path, text)
    what = "check the lines marked CHECK" if args.source else "edit the column patterns"
    print(f"wrote {path}; {what}, then run: servgap validate {args.source or 'DATA'} --config {path}")
    return 0


def cmd_report(args) -> int:
    src = args.source
    figures = _figures(args.figures)
    if len(src) == 1 and src[0].lower().endswith(".json") and not args.config:
        from ..analysis.saved import read_results

        res = read_results(src[0])
        try:
            res.to_html(args.out, lang=args.lang, plots=figures)
        except ServgapError:
            raise
        except Exception as exc:  # noqa: BLE001 - an edited results file that still passed the schema
            raise ConfigError(f"the results file {src[0]!r} cannot be rendered ({type(exc).__name__}: {exc}); "
                              "was it edited? Write it again with res.to_json(path) or `servgap analyze`.") from None
    else:
        files = _expand(src)
        if not files:
            raise _UsageError("no data files: no FILE argument names an existing file.")
        cfg = _config(args)
        try:
            res = cfg.analyze(files, by=_by(args.by))
        except ConfigError:
            raise
        except (ServgapError, OSError) as exc:
            print(f"error: {_message(exc, config=True, cfg=cfg)}", file=sys.stderr)
            return 1
        res.to_html(args.out, lang=args.lang, plots=figures)
    print(f"wrote {args.out}")
    return 0


COMMANDS = {"demo": cmd_demo, "analyze": cmd_analyze, "validate": cmd_validate, "init": cmd_init,
            "report": cmd_report}


def main(argv=None) -> int:
    """Run the ``servgap`` command; returns the exit code (0 ok, 1 failed file, 2 usage error).

    An unexpected error (a bug) prints one line and exits with 1; set ``SERVGAP_TRACEBACK=1``
    to see the traceback.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # argparse: --help / --version (0) or a usage error (2)
        return int(exc.code or 0)
    _agg_backend()
    config = bool(getattr(args, "config", None))
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return COMMANDS[args.command](args)
        except _UsageError as exc:
            print(f"servgap {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except ConfigError as exc:
            print(f"servgap {args.command}: configuration error: {_message(exc, config)}", file=sys.stderr)
            return 2
        except ServgapError as exc:
            print(f"servgap {args.command}: error: {_message(exc, config)}", file=sys.stderr)
            return 1
        except ImportError as exc:            # an optional package that is not installed
            print(f"servgap {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - a bug: one clear line, the traceback on request
            if os.environ.get("SERVGAP_TRACEBACK"):
                raise
            print(f"servgap {args.command}: unexpected error ({type(exc).__name__}: {exc}); this is a bug in "
                  "servgap: please report it (SERVGAP_TRACEBACK=1 shows the traceback).", file=sys.stderr)
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
