"""Dump readers: one module per format, all yielding the same raw records.

A raw record is a dict with the keys of ``RAW_FIELDS``. A reader never raises for bad input: a
record it cannot read comes out with ``error`` set (it goes to quarantine with that reason), and
a file it cannot read at all comes out as one such record for the whole file.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flows.sources import jsonl, textdump

RAW_FIELDS = ("source", "record_key", "kind", "url", "title", "text", "date_raw",
              "file_mtime", "error")
READERS = {
    ".txt": textdump.read,
    ".text": textdump.read,
    ".jsonl": jsonl.read,
    ".ndjson": jsonl.read,
}


class InputNotFound(Exception):
    """A path given on the command line matches nothing."""


def discover(paths: list[str]) -> list[Path]:
    """Files under the given paths: files as they are, folders recursively, globs expanded."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True))
            if not matches:
                raise InputNotFound(f"no such file, folder or glob match: {raw}")
            for match in matches:
                found.extend(discover([str(match)]))
    # A file named twice is read once; order stays stable for reproducible runs.
    return list(dict.fromkeys(p.resolve() for p in found if not p.name.startswith(".")))


def file_error(path: Path, reason: str) -> dict:
    return {**dict.fromkeys(RAW_FIELDS), "source": str(path), "record_key": path.name,
            "kind": "file", "error": reason}


def read_records(path: Path) -> Iterator[dict]:
    """Every raw record of one dump file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        yield file_error(path, f"unsupported file type {path.suffix or '(none)'}")
        return
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        for record in reader(path):
            yield {**dict.fromkeys(RAW_FIELDS), "source": str(path), "file_mtime": mtime,
                   **record}
    except OSError as exc:
        yield file_error(path, f"unreadable file: {exc.strerror or exc}")
