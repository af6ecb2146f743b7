"""A disk cache for reference data that is slow to build from the packages it comes from (the
gazetteer from pycountry, CLDR and GeoNames: about 0.8 s; the Vega bundle: 1.5-2.5 s), so that
a one-page run does not pay for it every time.

Entries are keyed by a hash of everything they are built from (the building module's source,
its data files, the package versions), so an edit or an upgrade builds a fresh entry. Written
atomically; when the cache folder cannot be used, the value is simply built. The folder is
$COMENTION_CACHE, else $XDG_CACHE_HOME/comention, else ~/.cache/comention.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl


def cache_dir() -> Path:
    explicit = os.environ.get("COMENTION_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "comention"


def fingerprint(files: Iterable[Path] = (), packages: Iterable[str] = ()) -> str:
    """A short hash of the files' bytes and the packages' versions."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in sorted(packages):
        try:
            digest.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()[:16]


def _cached_bytes(name: str, key: str, build: Callable[[], bytes],
                  decode: Callable[[bytes], object]):
    """``decode`` of the cached bytes; a missing or unreadable entry is built and stored."""
    path = cache_dir() / f"{name}-{key}"
    try:
        return decode(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, truncated or corrupt: build it again
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}-",
                                         delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        with contextlib.suppress(OSError, NameError):
            os.unlink(handle.name)
        # A read-only home: built every time, as before.
    return decode(data)


def cached_text(name: str, key: str, build: Callable[[], str]) -> str:
    return _cached_bytes(name, key, lambda: build().encode("utf-8"),
                         lambda data: data.decode("utf-8"))


def cached_frame(name: str, key: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    def as_parquet() -> bytes:
        buffer = io.BytesIO()
        build().write_parquet(buffer)
        return buffer.getvalue()

    return _cached_bytes(f"{name}.parquet", key, as_parquet,
                         lambda data: pl.read_parquet(io.BytesIO(data)))
