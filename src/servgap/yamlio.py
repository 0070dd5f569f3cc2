"""Safe YAML reading for every data file servgap loads (instruments, model, causes).

Files are read with `yaml.safe_load` only: Python-specific tags such as
``!!python/object`` are rejected. Every failure is a `ConfigError` naming the file.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

#: The safe loader, in C (libyaml) when PyYAML was built with it: the same documents, ~10x faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def resource_path(name: str):
    """Return a traversable for the packaged data file ``name`` (``servgap/data/<name>``)."""
    try:
        return resources.files("servgap").joinpath("data", name)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual installs
        return Path(__file__).resolve().parent / "data" / name


def read_yaml(path_or_resource, what: str = "file") -> Any:
    """Read one YAML file with ``yaml.safe_load``; turn every failure into ConfigError.

    ``path_or_resource`` is a filesystem path (``str`` or ``os.PathLike``) or an
    ``importlib.resources`` traversable. Missing files, unreadable files, YAML syntax
    errors and unsafe tags raise `ConfigError` naming the file (``what`` says which
    kind of file it is: "instrument file", "config file" ...).
    """
    label = str(path_or_resource)
    try:
        if isinstance(path_or_resource, (str, os.PathLike)):
            with open(path_or_resource, encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = path_or_resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{what} {label!r} does not exist. Check the path (relative paths are taken from "
            f"the current directory {os.getcwd()!r})."
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {label!r} is a directory; give the path of a YAML file.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {label!r} is not UTF-8 text ({exc}); save it as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{what} {label!r} cannot be read: {exc}") from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)      # noqa: S506  (a safe loader)
    except yaml.constructor.ConstructorError as exc:
        raise ConfigError(
            f"{what} {label!r}: {_yaml_problem(exc)}. servgap reads YAML with yaml.safe_load, "
            "so Python-specific tags such as !!python/object are not allowed; remove the tag "
            "and write plain mappings, lists and strings."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{what} {label!r} is not valid YAML: {_yaml_problem(exc)}. Fix the syntax at that "
            "place (indentation, quoting of strings containing ':' or '#')."
        ) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)
