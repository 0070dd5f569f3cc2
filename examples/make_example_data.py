"""Regenerate the bundled synthetic bank example (customers.csv, staff.csv).

    python examples/make_example_data.py

The generator and the structure it plants are documented in ``servgap.surveys.examples``.
"""

from pathlib import Path

from servgap.surveys.examples import make_bank_example

out = Path(__file__).resolve().parents[1] / "src" / "servgap" / "data" / "example"
out.mkdir(parents=True, exist_ok=True)
customers, staff = make_bank_example()
customers.to_csv(out / "customers.csv", index=False)
staff.to_csv(out / "staff.csv", index=False)
print(f"wrote {len(customers)} customers and {len(staff)} staff to {out}")
