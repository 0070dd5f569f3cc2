"""Where a survey came from: the files it was read from, for the provenance block of
the reports (name, absolute path, size, modification time and, on demand, SHA-256).

`read_survey` records one `file_record` per file in ``Survey.metadata["files"]``;
nothing is hashed while reading. `sha256` hashes a recorded file when a report asks
for it (once; the digest is kept in the record), and gives ``None`` when the file
changed or vanished since it was read, so a digest always belongs to the data analysed.

Examples
--------
>>> import servgap as sg
>>> cust = sg.read_survey(sg.example_path("customers"), columns={"expected": "E{item}",
...                       "perceived": "P{item}"}, id="resp_id", missing=[0])
>>> rec = cust.metadata["files"][0]
>>> rec["name"], len(sha256(rec))
('customers.csv', 64)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CHUNK = 1 << 20


def file_record(source) -> dict | None:
    """``{"name", "path", "bytes", "mtime_ns"}`` of a file source, ``None`` for anything else."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return {"name": path.name, "path": str(path.resolve()), "bytes": int(st.st_size), "mtime_ns": int(st.st_mtime_ns)}


def sha256(record: dict) -> str | None:
    """SHA-256 (hex) of a recorded file, or ``None`` when it changed or is gone since it was read."""
    if record.get("sha256"):
        return record["sha256"]
    path = Path(record["path"])
    try:
        st = path.stat()
        if st.st_size != record["bytes"] or st.st_mtime_ns != record["mtime_ns"]:
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                h.update(block)
    except OSError:
        return None
    record["sha256"] = h.hexdigest()
    return record["sha256"]


def add_files(metadata: dict, sources) -> dict:
    """Append the `file_record` of each file among ``sources`` to ``metadata["files"]``."""
    files = metadata.setdefault("files", [])
    files += [r for r in map(file_record, sources) if r is not None]
    return metadata
