"""Batch analysis for a research team: many survey files -> one combined table.

Each input file holds the customer survey of one branch in one wave (the usual shape of
a survey programme: ``<branch>_<wave>.csv`` delivered by the fieldwork agency). The
script reads every file with the same reproducible settings, analyses it, and stacks the
gap-5 results of all files into one tidy table. A file that cannot be read is reported
with its reason and the others continue; the exit code is 1 if any file failed.

It also pools all files into one survey and analyses it by branch and wave, so that
branches are compared with one consistent multiplicity correction.

Usage::

    python examples/batch_analysis.py data/*.csv --out results/
    python examples/batch_analysis.py data/*.csv --config survey.yaml --out results/
    python examples/batch_analysis.py --demo --out results/     # split the bundled example first

``--config`` takes the survey configuration YAML of the ``servgap`` command line (write
a template with ``servgap init``); without it the settings in ``SPEC`` below are used.

Outputs in ``--out``: ``per_file_dimensions.csv``, ``per_file_overall.csv``,
``pooled_dimensions.csv``, ``failures.csv`` (and ``combined.xlsx`` when openpyxl is
installed).
"""

from __future__ import annotations

import argparse
import glob
import sys
import warnings
from pathlib import Path

import pandas as pd

import servgap as sg
from servgap.errors import ServgapError, ServgapWarning

# Everything read_survey needs, in one place: the same settings for every file keep the
# batch reproducible (the `servgap` CLI reads the same keys from a YAML config).
SPEC = dict(
    columns={"expected": "E{item}", "perceived": "P{item}"},
    id="resp_id",
    segments=["branch", "wave"],
    weight="weight",
    importance="W_{dimension}",
    missing=[0],
)
KEEP = ["gap", "dimension", "n", "n_eff", "mean_expected", "mean_perceived", "mean_gap",
        "ci_low", "ci_high", "p", "p_adj", "effect"]


def split_example(folder: Path) -> list[Path]:
    """Write the bundled customer data as one CSV per branch and wave (12 files)."""
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(sg.example_path("customers"))
    paths = []
    for (branch, wave), part in df.groupby(["branch", "wave"], sort=True):
        path = folder / f"{branch}_{wave}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    return paths


def _read_raw(path: Path, spec: dict) -> pd.DataFrame:
    """The file as a table (any format servgap reads), before validation."""
    from servgap.surveys.io import read_table

    df, _, _ = read_table(path, encoding=spec.get("encoding"), sheet=spec.get("sheet", 0))
    return df


def segment_columns(spec: dict) -> list[str]:
    seg = spec.get("segments") or []
    return [seg] if isinstance(seg, str) else list(seg)


def analyse_file(path: Path, spec: dict, test: str, weighted: bool):
    """Gap-5 dimension and overall rows of one file, labelled with the file and its segments."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ServgapWarning)
        survey = sg.read_survey(path, **spec)
        res = sg.analyze(survey, gaps=[5], test=test, weighted=weighted)
    labels = {"file": path.name}
    for col in segment_columns(spec):              # e.g. the branch and wave of this file
        values = survey.segments[col].dropna().unique()
        labels[col] = values[0] if len(values) == 1 else "mixed"
    dims = res.dimensions[KEEP].assign(**labels)
    overall = res.overall[["gap", "measure", *KEEP[2:]]].assign(**labels)
    notes = [str(w.message) for w in caught if issubclass(w.category, ServgapWarning)]
    return dims, overall, notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", help="survey files or glob patterns")
    ap.add_argument("--out", default="batch-results", help="output folder")
    ap.add_argument("--config", help="survey configuration YAML (see `servgap init`)")
    ap.add_argument("--demo", action="store_true", help="split the bundled example into files first")
    ap.add_argument("--test", default="t", choices=["t", "wilcoxon"])
    ap.add_argument("--unweighted", action="store_true", help="ignore the survey weights")
    args = ap.parse_args(argv)

    spec = dict(SPEC)
    if args.config:
        from servgap.config import load_config

        spec = load_config(args.config).survey
    segs = segment_columns(spec)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for pattern in args.files for p in (sorted(glob.glob(pattern)) or [pattern])]
    if args.demo:
        paths += split_example(out / "input")
    if not paths:
        ap.error("give survey files (or --demo)")

    dims, overall, failures = [], [], []
    for k, path in enumerate(paths, 1):
        try:
            d, o, notes = analyse_file(path, spec, args.test, not args.unweighted)
        except (ServgapError, OSError) as exc:       # report the bad file and go on
            failures.append({"file": path.name, "error": type(exc).__name__, "reason": str(exc)})
            print(f"[{k}/{len(paths)}] {path.name}: FAILED - {exc}", file=sys.stderr)
            continue
        dims.append(d)
        overall.append(o)
        for note in notes:
            print(f"[{k}/{len(paths)}] {path.name}: warning - {note}", file=sys.stderr)
        print(f"[{k}/{len(paths)}] {path.name}: n = {int(d['n'].max())}")

    front = ["file", *segs]
    if dims:
        table = pd.concat(dims, ignore_index=True)
        table = table[front + [c for c in table.columns if c not in front]]
        table.to_csv(out / "per_file_dimensions.csv", index=False)
        ov = pd.concat(overall, ignore_index=True)
        ov = ov[front + [c for c in ov.columns if c not in front]]
        ov.to_csv(out / "per_file_overall.csv", index=False)

        # pooled: all good files in one survey, analysed by their segments (branch and wave)
        good = [p for p in paths if p.name in set(table["file"])]
        # the raw tables are stacked and read once, so respondent ids must be unique across files
        raw = pd.concat([_read_raw(p, spec) for p in good], ignore_index=True)
        pooled = sg.read_survey(raw, name="pooled", **{k: v for k, v in spec.items() if k != "name"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ServgapWarning)
            res = sg.analyze(pooled, by=segs, gaps=[5], test=args.test, weighted=not args.unweighted)
        res.dimensions[[*segs, *KEEP]].to_csv(out / "pooled_dimensions.csv", index=False)
        try:
            with pd.ExcelWriter(out / "combined.xlsx") as xl:
                table.to_excel(xl, sheet_name="per file", index=False)
                ov.to_excel(xl, sheet_name="overall", index=False)
                res.dimensions.to_excel(xl, sheet_name="pooled", index=False)
        except ImportError:
            pass
        worst = table.loc[table.groupby("file")["mean_gap"].idxmin(), ["file", "dimension", "mean_gap"]]
        print("\nLargest shortfall per file:")
        print(worst.to_string(index=False, float_format=lambda v: f"{v:+.2f}"))
    pd.DataFrame(failures, columns=["file", "error", "reason"]).to_csv(out / "failures.csv", index=False)
    print(f"\n{len(paths) - len(failures)} of {len(paths)} files analysed; results in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
