"""Compressed files and archives, read as streams with an expansion budget.

gzip, bz2 and xz come from the standard library, zstd from ``zstandard``; zip and tar
archives are opened member by member. Members with absolute or ``..`` paths are refused, and
a budget on the bytes expanded from one input file stops archive bombs.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import BinaryIO, NamedTuple

import zstandard

from transforms.reasons import ReasonCode

_MAGIC = {
    b"\x1f\x8b": "gz",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zst",
}
_SUFFIXES = {"gz": (".gz", ".gzip", ".tgz"), "bz2": (".bz2",), "xz": (".xz",),
             "zst": (".zst", ".zstd")}


class UnreadableArchive(Exception):
    """A compressed file or archive that cannot be read further; ``key`` says where and
    ``code`` why (corrupt, or refused)."""

    def __init__(self, key: str, reason: str, code: ReasonCode = ReasonCode.UNREADABLE_FILE):
        super().__init__(reason)
        self.key, self.code = key, code


class Refused(NamedTuple):
    """An archive member not read: why, as a reason code and a reason."""

    code: ReasonCode
    reason: str


class Budget:
    """Bytes one input file may expand to, across every level of decompression."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def consume(self, n: int, key: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise UnreadableArchive(
                key, f"expands past {self.limit:,} bytes (the expansion limit; set "
                     "COMENTION_MAX_EXPANDED_BYTES to raise it)", ReasonCode.ARCHIVE_REFUSED)


class _Metered(io.RawIOBase):
    """A decompressing stream that charges the budget and turns decoder errors into ours."""

    def __init__(self, inner: BinaryIO, budget: Budget, key: str):
        self.inner, self.budget, self.key = inner, budget, key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(len(buffer))
        except (EOFError, OSError, zlib.error, lzma.LZMAError, zstandard.ZstdError) as exc:
            raise UnreadableArchive(
                self.key, f"truncated or corrupt compressed data: {exc}"
            ) from None
        n = len(data)
        buffer[:n] = data
        self.budget.consume(n, self.key)
        return n


def peek(stream: BinaryIO, size: int = 8192) -> bytes:
    if hasattr(stream, "peek"):
        return stream.peek(size)[:size]
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head


def is_warc(name: str) -> bool:
    return name.lower().endswith((".warc.gz", ".wet.gz", ".warc", ".wet"))


def compression_of(name: str, head: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def strip_suffix(name: str, compression: str) -> str:
    lower = name.lower()
    for suffix in _SUFFIXES[compression]:
        if lower.endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name


# Each opener returns a decompressing stream that lives as long as the stream we hand out.
_OPENERS = {
    "gz": lambda stream: gzip.GzipFile(fileobj=stream),
    "bz2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
    "zst": lambda stream: zstandard.ZstdDecompressor().stream_reader(stream),
}


def decompress(stream: BinaryIO, compression: str, budget: Budget, name: str) -> BinaryIO:
    inner = _OPENERS[compression](stream)
    return io.BufferedReader(_Metered(inner, budget, name), 1 << 16)


def archive_of(name: str, head: bytes) -> str | None:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if len(head) > 262 and head[257:262] == b"ustar" or name.lower().endswith(".tar"):
        return "tar"
    return None


def unsafe_path(member: str) -> Refused | None:
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return Refused(ReasonCode.ARCHIVE_REFUSED,
                       f"unsafe archive member path (absolute): {member}")
    if ".." in path.parts:
        return Refused(ReasonCode.ARCHIVE_REFUSED, f"unsafe archive member path (..): {member}")
    return None


def members(stream: BinaryIO, kind: str, name: str, budget: Budget
            ) -> Iterator[tuple[str, BinaryIO | Refused]]:
    """(member key, stream) per regular member; (key, Refused) for a member not read."""
    if kind == "zip":
        yield from _zip_members(stream, name, budget)
    else:
        yield from _tar_members(stream, name, budget)


def _zip_members(stream, name, budget):
    if not stream.seekable():
        data = stream.read()
        stream = io.BytesIO(data)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableArchive(name, f"corrupt zip archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            key = f"{name}!{info.filename}"
            if info.is_dir():
                continue
            refused = unsafe_path(info.filename)
            if refused:
                yield key, refused
                continue
            if budget.used + info.file_size > budget.limit:
                budget.consume(info.file_size, key)  # raises with the readable reason
            try:
                member = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                yield key, Refused(ReasonCode.UNREADABLE_FILE, f"unreadable zip member: {exc}")
                continue
            with member:
                yield key, io.BufferedReader(_Metered(member, budget, key), 1 << 16)


def _tar_members(stream, name, budget):
    try:
        archive = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115 (closed below)
    except tarfile.TarError as exc:
        raise UnreadableArchive(name, f"corrupt tar archive: {exc}") from None
    with archive:
        try:
            for info in archive:
                key = f"{name}!{info.name}"
                if not info.isfile():
                    continue
                refused = unsafe_path(info.name)
                if refused:
                    yield key, refused
                    continue
                member = archive.extractfile(info)
                if member is not None:
                    yield key, io.BufferedReader(_Metered(member, budget, key), 1 << 16)
        except tarfile.TarError as exc:
            raise UnreadableArchive(name, f"corrupt tar archive: {exc}") from None
