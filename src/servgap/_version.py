"""The servgap version (one place; read by the package face, the reports and the CLI)."""

__version__ = "0.1.0"
