"""Atomic writes: every file servgap writes goes to a temporary name in the same folder
and is renamed over the final name only when complete, so an interrupted run never
leaves a truncated report, workbook or results file under the final name."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from .errors import ConfigError


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = Path(tmp).write_text("done")
    >>> Path(target).read_text()
    'done'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _mode_for(path))        # mkstemp's 0600 would hide a report from the user's group
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    """The permissions a plain ``open(path, "w")`` would give: the existing file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_text(path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, or into an open file object (text or binary).

    >>> import io
    >>> buf = io.BytesIO(); write_text(buf, "差距"); buf.getvalue().decode("utf-8")
    '差距'
    """
    if is_file_object(path):
        path.write(text.encode(encoding) if _is_binary(path) else text)
        return
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding=encoding)


def write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, or into an open binary file object."""
    if is_file_object(path, binary=True):
        path.write(data)
        return
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)


def is_file_object(target, binary: bool = False) -> bool:
    """Whether ``target`` is an open file object (has ``write``) rather than a path; other types are
    refused, and so is a text stream where bytes are written (``binary=True``)."""
    if isinstance(target, (str, os.PathLike)):
        return False
    if callable(getattr(target, "write", None)):
        if binary and not _is_binary(target):
            raise ConfigError(f"{type(target).__name__} is a text stream; this file is binary: "
                              "open it in binary mode ('wb') or use io.BytesIO.")
        return True
    raise ConfigError(f"Cannot write to {target!r} ({type(target).__name__}): "
                      "give a file path (str or pathlib.Path) or an open file object.")


def _is_binary(f) -> bool:
    return isinstance(f, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(getattr(f, "mode", ""))
