"""``python -m servgap``: the ``servgap`` command (`servgap.cli.main`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
