"""Calling servgap from another tool and consuming its JSON output.

A dashboard, a BI pipeline or a web service usually wants plain data, not pandas
objects. This script shows both sides of that contract:

1. the *producer* (:func:`produce`) runs the analysis through the Python API and returns
   ``GapAnalysis.to_json()`` text; input problems come back as a structured error
   (every servgap error is a ``ValueError`` subclass with a message that says what,
   where and how to fix it);
2. the *consumer* (:func:`consume`) uses nothing but the standard library: it checks the
   ``schema_version`` it was written for, optionally validates the document against the
   JSON Schema shipped with servgap, and turns the records into alerts ("significant
   shortfalls of gap 5 per branch") and a compact per-branch summary.

Usage::

    python examples/api_client.py --out client-output/
    python examples/api_client.py --json results.json --out client-output/   # consume a saved file

Outputs in ``--out``: ``analysis.json`` (what the producer sent), ``alerts.json`` and
``branch_summary.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

SUPPORTED_MAJOR = 1        # the consumer was written for schema_version 1.x


# --------------------------------------------------------------------------- producer
def produce(by: str = "branch") -> str:
    """Run servgap on the bundled example; return JSON text (or a JSON error document)."""
    import servgap as sg

    try:
        cust, staff = sg.load_example()
        res = sg.analyze([cust, staff], by=by)
        return res.to_json()
    except sg.ServgapError as exc:                     # bad input: tell the caller why
        return json.dumps({"error": {"type": type(exc).__name__, "message": str(exc)}})


def validate(doc: dict) -> str:
    """Validate against the shipped JSON Schema when jsonschema is installed."""
    try:
        import jsonschema
        from servgap.report.jsonout import schema
    except ImportError:
        return "skipped (jsonschema or servgap not installed)"
    jsonschema.validate(doc, schema())
    return "valid"


# --------------------------------------------------------------------------- consumer
def consume(text: str, alpha: float | None = None) -> dict:
    """Turn servgap JSON into alerts and a per-segment summary (standard library only)."""
    doc = json.loads(text)
    if "error" in doc:
        raise RuntimeError(f"servgap refused the input: {doc['error']['type']}: {doc['error']['message']}")
    major = int(str(doc["schema_version"]).split(".")[0])
    if major != SUPPORTED_MAJOR:
        raise RuntimeError(f"schema_version {doc['schema_version']} is not supported (need {SUPPORTED_MAJOR}.x)")
    alpha = doc["settings"]["alpha"] if alpha is None else alpha
    by = doc["by"]
    names = {d["id"]: d["name"].get("en", d["id"]) for d in doc["instrument"]["dimensions"]}

    alerts = []
    summary: dict = defaultdict(lambda: {"dimensions": 0, "significant_shortfalls": 0,
                                         "worst_dimension": None, "worst_gap": None})
    for row in doc["tables"]["dimensions"]:
        if row["gap"] != 5:
            continue
        segment = " / ".join(str(row[c]) for c in by) or "all"
        s = summary[segment]
        s["dimensions"] += 1
        gap = row["mean_gap"]
        if gap is not None and (s["worst_gap"] is None or gap < s["worst_gap"]):
            s["worst_gap"], s["worst_dimension"] = gap, row["dimension"]
        p_adj = row["p_adj"]
        if gap is not None and p_adj is not None and gap < 0 and p_adj < alpha:
            s["significant_shortfalls"] += 1
            alerts.append({"segment": segment, "dimension": row["dimension"],
                           "dimension_name": names.get(row["dimension"], row["dimension"]),
                           "gap": round(gap, 3), "ci": [round(row["ci_low"], 3), round(row["ci_high"], 3)],
                           "p_adj": p_adj, "n": row["n"]})
    alerts.sort(key=lambda a: a["gap"])
    return {"measured_gaps": doc["measured_gaps"], "not_measured": [m["gap"] for m in doc["missing_gaps"]],
            "alerts": alerts, "summary": dict(summary),
            "quality_issues": sum(q["count"] for q in doc["quality"])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="consume this saved servgap JSON file instead of running the analysis")
    ap.add_argument("--out", default="client-output")
    ap.add_argument("--by", default="branch")
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = Path(args.json).read_text(encoding="utf-8") if args.json else produce(args.by)
    (out / "analysis.json").write_text(text, encoding="utf-8")
    result = consume(text)
    print(f"schema check: {validate(json.loads(text))}")

    (out / "alerts.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    with open(out / "branch_summary.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["segment", "dimensions", "significant_shortfalls", "worst_dimension", "worst_gap"])
        for seg, s in sorted(result["summary"].items()):
            w.writerow([seg, s["dimensions"], s["significant_shortfalls"], s["worst_dimension"], s["worst_gap"]])
    print(f"gaps measured: {result['measured_gaps']}; {len(result['alerts'])} significant gap-5 shortfalls")
    for a in result["alerts"][:5]:
        print(f"  {a['segment']:>8}  {a['dimension_name']:<15} {a['gap']:+.2f}  (p_adj {a['p_adj']:.2g})")
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
