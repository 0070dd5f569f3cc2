"""The ``servgap`` command's arguments: `build_parser`, with each command's help and examples."""

from __future__ import annotations

import argparse

FIGURES_HELP = ("the report's figures: all (default), none (a tables-only report, written in a fraction of the "
                "time) or a comma-separated list of plot kinds such as gaps,heatmap")


EXAMPLES = {
    "demo": """examples:
  servgap demo                       # report of the bundled bank example in ./servgap-demo
  servgap demo --lang zh --out demo  # in Chinese, into ./demo""",
    "analyze": """examples:
  servgap analyze "waves/*.csv" --config survey.yaml --out results
  servgap analyze a.csv b.csv --config survey.yaml --by branch --format html,json --plots
  servgap analyze "waves/*.csv" --config survey.yaml --combine   # also all files as one survey (segment 'file')
  servgap analyze "branches/*.csv" --config survey.yaml --jobs 0  # every core: several files at a time

exit codes: 0 all files analysed; 1 a file failed (the batch goes on; see summary.json);
2 a usage or configuration error (nothing analysed)""",
    "validate": """examples:
  servgap validate customers.csv --config survey.yaml
  servgap validate "waves/*.csv" --config survey.yaml     # several files joined on the id

prints each survey's data-quality ledger and the incomplete pairs of its paired gaps;
exit code 1 when a file cannot be read (the message names file, column, row and value)""",
    "init": """examples:
  servgap init                  # writes ./survey.yaml
  servgap init config/wave.yaml --force
  servgap init wave1.yaml --from wjx_export.csv   # proposes the columns of a survey export""",
    "report": """examples:
  servgap report results/wave1/results.json --lang zh --out wave1-zh.html
  servgap report customers.csv --config survey.yaml --out report.html""",
}


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__

    p = argparse.ArgumentParser(prog="servgap", description="SERVQUAL five-gap analysis: reports, batch runs, "
                                "validation. Start with `servgap demo`.",
                                epilog="run `servgap COMMAND --help` for the options and examples of a command.")
    p.add_argument("--version", action="version", version=f"servgap {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text):
        return sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                              epilog=EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)

    def lang(sp):
        sp.add_argument("--lang", choices=["en", "zh"], default="en", help="report language (default en)")

    d = command("demo", "analyse the bundled bank example and write a report")
    d.add_argument("--out", default="servgap-demo", help="output folder (default ./servgap-demo)")
    lang(d)
    a = command("analyze", "batch-analyse survey files (globs allowed), one output folder per file")
    a.add_argument("files", nargs="*", metavar="FILE")
    a.add_argument("--config", help="survey configuration YAML (see `servgap init`); without it the rating "
                   "columns are found from each file's headers")
    a.add_argument("--by", action="append", help="segment column(s), overrides the configuration")
    a.add_argument("--out", default="servgap-results", help="output folder (default ./servgap-results)")
    a.add_argument("--format", default="html,xlsx,json", help="comma-separated: html,xlsx,json")
    a.add_argument("--plots", action="store_true", help="also save the figures as PNG files")
    a.add_argument("--figures", default="all", metavar="KINDS",
                   help=FIGURES_HELP)
    a.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="analyse N files at a time in separate processes (0 = all cores; default 1)")
    a.add_argument("--combine", action="store_true",
                   help="also analyse all files as one survey with a 'file' segment (into OUT/combined)")
    lang(a)
    v = command("validate", "print the data-quality report of survey files")
    v.add_argument("files", nargs="*", metavar="FILE")
    v.add_argument("--config", help="survey configuration YAML; without it the rating columns are found from "
                   "each file's headers")
    i = command("init", "write a commented survey configuration template")
    i.add_argument("path", nargs="?", default="survey.yaml")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.add_argument("--from", dest="source", metavar="FILE", help="propose the configuration from this survey export")
    r = command("report", "render the HTML report from saved results JSON or from data + config")
    r.add_argument("source", nargs="+", metavar="RESULTS_OR_FILE")
    r.add_argument("--config", help="survey configuration YAML (when the sources are data files)")
    r.add_argument("--by", action="append", help="segment column(s), overrides the configuration")
    r.add_argument("--out", default="report.html", help="the HTML file to write (default report.html)")
    r.add_argument("--figures", default="all", metavar="KINDS", help=FIGURES_HELP)
    lang(r)
    return p


__all__ = ["build_parser", "FIGURES_HELP"]
