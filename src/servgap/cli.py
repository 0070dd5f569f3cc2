"""The ``servgap`` command line: demo, batch analysis, validation, reports.

::

    servgap demo [--out DIR] [--lang en|zh]
    servgap analyze FILE... --config survey.yaml [--by COL] [--out DIR] [--format html,xlsx,json] [--lang]
    servgap validate FILE... --config survey.yaml
    servgap init [PATH] [--from FILE]
    servgap report RESULTS.json|FILE... [--config survey.yaml] [--out report.html] [--lang]

Exit codes: 0 success, 1 a file failed (data error), 2 usage or configuration error.
Unlike the library, the command prints: results to stdout, progress and problems to stderr.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import warnings
from pathlib import Path

from .errors import ConfigError, ServgapError

FORMATS = ("html", "xlsx", "json")
NEEDS = {"html": ("jinja2", "report"), "xlsx": ("xlsxwriter", "excel")}   # format -> (package, extra)
OUTPUT_NAMES = {"html": "report.html", "xlsx": "results.xlsx", "json": "results.json"}


class _UsageError(Exception):
    pass


def _agg_backend():
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def _formats(text: str) -> list[str]:
    out = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise _UsageError(f"--format {text!r}: use a comma-separated list of {', '.join(FORMATS)}.")
    return out


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


def write_outputs(res, out: Path, formats=FORMATS, lang: str = "en", plots: bool = True) -> list[Path]:
    """Write the chosen outputs of one analysis into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    plots_dir = out / "plots" if plots else None
    if "html" in formats:
        res.to_html(out / OUTPUT_NAMES["html"], lang=lang, plots_dir=plots_dir)
        written.append(out / OUTPUT_NAMES["html"])
    elif plots_dir is not None:
        from .report.common import make_figure, plot_kinds

        plots_dir.mkdir(parents=True, exist_ok=True)
        for kind in plot_kinds(res):
            f = make_figure(res, kind, lang)
            if f.figure is not None:
                f.figure.savefig(plots_dir / f"{kind}.png", dpi=144, bbox_inches="tight")
                import matplotlib.pyplot as plt

                plt.close(f.figure)
    if "xlsx" in formats:
        written.append(Path(res.to_excel(out / OUTPUT_NAMES["xlsx"])))
    if "json" in formats:
        res.to_json(out / OUTPUT_NAMES["json"])
        written.append(out / OUTPUT_NAMES["json"])
    if plots_dir is not None and plots_dir.exists():
        written += sorted(plots_dir.glob("*.png"))
    return written


def summary_lines(res, lang: str = "en", top: int = 5) -> list[str]:
    """Readable lines on the largest significant shortfalls of an analysis."""
    from .display import num, pvalue
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
                     f"(p_adj {pvalue(r['p_adj'])})")
    return lines


def _expand(patterns) -> list[str]:
    files = []
    for p in patterns:
        matches = sorted(glob.glob(p)) if glob.has_magic(p) else [p]
        files += matches if matches else [p]   # an unmatched glob is reported as a failing file
    return list(dict.fromkeys(files))


def _out_dirs(files, out: Path) -> dict:
    dirs, used = {}, set()
    for f in files:
        stem = Path(f).stem or "data"
        name, k = stem, 2
        while name in used:
            name, k = f"{stem}_{k}", k + 1
        used.add(name)
        dirs[f] = out / name
    return dirs


def _progress(items):
    try:
        from tqdm import tqdm
    except ModuleNotFoundError:
        return items
    return tqdm(items, file=sys.stderr, disable=not sys.stderr.isatty(), unit="file")


# -- commands ---------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from .analysis.core import analyze
    from .surveys.examples import load_example, load_example_constructs

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


def cmd_analyze(args) -> int:
    import pandas as pd

    from .config import load_config
    from .report.common import records

    cfg = load_config(args.config)
    formats = _formats(args.format)
    missing = [m for m in map(_missing_package, formats) if m]
    if missing:
        raise _UsageError("; ".join(missing))
    files = _expand(args.files) or cfg.files
    if not files:
        raise _UsageError("no data files: give FILE arguments or 'files:' in the configuration.")
    out = Path(args.out)
    dirs = _out_dirs(files, out)
    frames, report = [], []
    for f in _progress(files):
        try:
            res = cfg.analyze([f], by=_by(args.by))
            written = write_outputs(res, dirs[f], formats, args.lang, plots=args.plots)
        except Exception as exc:  # noqa: BLE001 - a bad file must not stop the batch
            msg = str(exc) if isinstance(exc, ServgapError) else f"{type(exc).__name__}: {exc}"
            print(f"FAILED {f}: {msg}", file=sys.stderr)
            report.append({"file": f, "status": "failed", "error": msg, "outputs": []})
            continue
        g = res.gaps
        g.insert(0, "file", f)
        frames.append(g)
        report.append({"file": f, "status": "ok", "error": None, "outputs": [str(p) for p in written]})
    out.mkdir(parents=True, exist_ok=True)
    summary = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["file"])
    summary.to_csv(out / "summary.csv", index=False, encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({"files": report, "dimension_gaps": records(summary)},
                                                 ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
    failed = [r for r in report if r["status"] == "failed"]
    print(f"{len(files) - len(failed)} of {len(files)} file(s) analysed; outputs in {out}; "
          f"summary: {out / 'summary.csv'}, {out / 'summary.json'}")
    for r in failed:
        print(f"  failed: {r['file']}: {r['error']}")
    return 1 if failed else 0


def cmd_validate(args) -> int:
    import pandas as pd

    from .config import load_config

    cfg = load_config(args.config)
    files = _expand(args.files) or cfg.files
    try:
        surveys = cfg.read(files)
    except ConfigError:
        raise
    except (ServgapError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with pd.option_context("display.max_rows", 500, "display.width", 160):
        for s in surveys:
            print(repr(s))
            q = s.quality
            print(q.to_string(index=False) if len(q) else "  nothing recoded or excluded")
            print()
    return 0


def cmd_init(args) -> int:
    from .config import TEMPLATE, config_from_file

    path = Path(args.path)
    if path.exists() and not args.force:
        raise _UsageError(f"{path} exists; use --force to overwrite it.")
    text = config_from_file(args.source, config_dir=path.parent) if args.source else TEMPLATE
    path.write_text(text, encoding="utf-8")
    what = "check the lines marked CHECK" if args.source else "edit the column patterns"
    print(f"wrote {path}; {what}, then run: servgap validate {args.source or 'DATA'} --config {path}")
    return 0


def cmd_report(args) -> int:
    src = args.source
    if len(src) == 1 and src[0].lower().endswith(".json") and not args.config:
        from .analysis.saved import read_results

        res = read_results(src[0])
    else:
        if not args.config:
            raise _UsageError("report from data files needs --config survey.yaml (or give a results .json file).")
        from .config import load_config

        try:
            res = load_config(args.config).analyze(_expand(src), by=_by(args.by))
        except ConfigError:
            raise
        except (ServgapError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    res.to_html(args.out, lang=args.lang)
    print(f"wrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = argparse.ArgumentParser(prog="servgap", description="SERVQUAL five-gap analysis: reports, batch runs, "
                                "validation. Start with `servgap demo`.")
    p.add_argument("--version", action="version", version=f"servgap {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def lang(sp):
        sp.add_argument("--lang", choices=["en", "zh"], default="en", help="report language (default en)")

    d = sub.add_parser("demo", help="analyse the bundled bank example and write a report")
    d.add_argument("--out", default="servgap-demo", help="output folder (default ./servgap-demo)")
    lang(d)
    a = sub.add_parser("analyze", help="batch-analyse survey files (globs allowed)")
    a.add_argument("files", nargs="*", metavar="FILE")
    a.add_argument("--config", required=True, help="survey configuration YAML (see `servgap init`)")
    a.add_argument("--by", action="append", help="segment column(s), overrides the configuration")
    a.add_argument("--out", default="servgap-results", help="output folder (default ./servgap-results)")
    a.add_argument("--format", default="html,xlsx,json", help="comma-separated: html,xlsx,json")
    a.add_argument("--plots", action="store_true", help="also save the figures as PNG files")
    lang(a)
    v = sub.add_parser("validate", help="print the data-quality report of survey files")
    v.add_argument("files", nargs="*", metavar="FILE")
    v.add_argument("--config", required=True)
    i = sub.add_parser("init", help="write a commented survey configuration template")
    i.add_argument("path", nargs="?", default="survey.yaml")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.add_argument("--from", dest="source", metavar="FILE", help="propose the configuration from this survey export")
    r = sub.add_parser("report", help="render the HTML report from saved results JSON or from data + config")
    r.add_argument("source", nargs="+", metavar="RESULTS_OR_FILE")
    r.add_argument("--config")
    r.add_argument("--by", action="append")
    r.add_argument("--out", default="report.html")
    lang(r)
    return p


COMMANDS = {"demo": cmd_demo, "analyze": cmd_analyze, "validate": cmd_validate, "init": cmd_init,
            "report": cmd_report}


def main(argv=None) -> int:
    """Run the ``servgap`` command; returns the exit code (0 ok, 1 failed file, 2 usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # argparse: --help / --version (0) or a usage error (2)
        return int(exc.code or 0)
    _agg_backend()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return COMMANDS[args.command](args)
        except _UsageError as exc:
            print(f"servgap {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except ConfigError as exc:
            print(f"servgap {args.command}: configuration error: {exc}", file=sys.stderr)
            return 2
        except ServgapError as exc:
            print(f"servgap {args.command}: error: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
