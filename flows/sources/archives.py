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
import shutil
import tarfile
import tempfile
import zipfile
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
# A zip read from a stream (a zip inside a compressed file) is copied here first, since its
# directory is at its end: in memory up to this size, then on disk (the expansion budget
# bounds both).
ZIP_SPOOL_MEMORY = 32 * 2**20
_SUFFIXES = {"gz": (".gz", ".gzip", ".tgz"), "bz2": (".bz2",), "xz": (".xz",),
             "zst": (".zst", ".zstd")}


class UnreadableArchive(Exception):
    """A compressed file or archive that cannot be read further; ``key`` says where and
    ``code`` why (corrupt, or refused)."""

    def __init__(self, key: str, reason: str, code: ReasonCode = ReasonCode.UNREADABLE_FILE):
        super().__init__(reason)
        self.key, self.code = key, code


class ExpansionRefused(UnreadableArchive):
    """The input file expands past its budget: nothing more of it is read, at any level."""


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
            raise ExpansionRefused(
                key, f"expands past {self.limit:,} bytes (the expansion limit; set "
                     "COMENTION_MAX_EXPANDED_BYTES to raise it)", ReasonCode.ARCHIVE_REFUSED)


class _Metered(io.RawIOBase):
    """A decompressing stream (or archive member) that charges the budget and turns any
    error of its decoder into ours, with its key: the reader of its records stops there."""

    def __init__(self, inner: BinaryIO, budget: Budget, key: str):
        self.inner, self.budget, self.key = inner, budget, key
        # read1 returns what one step decoded: read(n) would drop it when a later step fails,
        # and the records before a truncation with it.
        self.read_some = getattr(inner, "read1", inner.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.read_some(len(buffer))
        except UnreadableArchive:
            raise  # a stream this one reads from failed: that one says where
        except Exception as exc:  # noqa: BLE001 (zlib, lzma, zstd, zip and tar each have theirs)
            raise UnreadableArchive(
                self.key, f"truncated or corrupt compressed data: {type(exc).__name__}: {exc}"
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


class _ZstdFrames(io.RawIOBase):
    """A zstd stream as read, its frame and block headers followed (their contents skipped) to
    tell whether it ended inside a frame: zstandard's readers end a truncated stream as if it
    were whole, where gzip, bz2 and xz raise EOFError."""

    _MAGIC = b"\x28\xb5\x2f\xfd"

    def __init__(self, inner: BinaryIO):
        self.inner = inner
        self.skip, self.header, self.want, self.step = 0, b"", 4, self._frame_start
        self.checksum = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        self._follow(data)
        buffer[:len(data)] = data
        return len(data)

    @property
    def inside_frame(self) -> bool:
        return self.step is not None and bool(
            self.skip or self.header or self.step != self._frame_start)

    def _follow(self, data: bytes) -> None:
        i = 0
        while i < len(data) and self.step is not None:
            if self.skip:
                n = min(self.skip, len(data) - i)
                self.skip -= n
            else:
                n = min(self.want - len(self.header), len(data) - i)
                self.header += data[i:i + n]
                if len(self.header) == self.want:
                    header, self.header = self.header, b""
                    self.step(header)
            i += n

    def _frame_start(self, magic: bytes) -> None:
        if magic == self._MAGIC:
            self.want, self.step = 1, self._frame_header
        elif magic[1:] == b"\x2a\x4d\x18" and magic[0] & 0xF0 == 0x50:  # a skippable frame
            self.want, self.step = 4, self._skippable
        else:
            self.step = None  # not zstd: the decoder says what is wrong

    def _skippable(self, size: bytes) -> None:
        self.skip, self.want, self.step = int.from_bytes(size, "little"), 4, self._frame_start

    def _frame_header(self, descriptor: bytes) -> None:
        flags = descriptor[0]
        single_segment = flags >> 5 & 1
        content_size = (single_segment, 2, 4, 8)[flags >> 6]
        self.checksum = bool(flags >> 2 & 1)
        self.skip = (1 - single_segment) + (0, 1, 2, 4)[flags & 3] + content_size
        self.want, self.step = 3, self._block

    def _block(self, header: bytes) -> None:
        value = int.from_bytes(header, "little")
        self.skip = 1 if value >> 1 & 3 == 1 else value >> 3  # an RLE block holds one byte
        if value & 1:  # the last block, then the checksum
            self.skip += 4 * self.checksum
            self.want, self.step = 4, self._frame_start


class _ZstdReader(io.RawIOBase):
    """zstandard's reader of every frame, raising EOFError where the stream ends inside one."""

    def __init__(self, stream: BinaryIO):
        self.frames = _ZstdFrames(stream)
        self.inner = zstandard.ZstdDecompressor().stream_reader(self.frames,
                                                                read_across_frames=True)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read1(len(buffer))
        if not data and len(buffer) and self.frames.inside_frame:
            raise EOFError("compressed file ended before the end of a zstd frame")
        buffer[:len(data)] = data
        return len(data)


# Each opener returns a decompressing stream that lives as long as the stream we hand out.
_OPENERS = {
    "gz": lambda stream: gzip.GzipFile(fileobj=stream),
    "bz2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
    "zst": _ZstdReader,
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
            ) -> Iterator[tuple[str, str, BinaryIO | Refused]]:
    """(member key, member name, stream) per regular member; (key, name, Refused) for a
    member not read.

    Keys are unique: a name the archive holds again is keyed with its copy number,
    ``a.zip!page.html (2)``, so that each member has a quarantine row of its own.
    """
    read = _zip_members if kind == "zip" else _tar_members
    copies: dict[str, int] = {}
    for member_name, member in read(stream, name, budget):
        copies[member_name] = copy = copies.get(member_name, 0) + 1
        key = f"{name}!{utf8(member_name)}" + (f" ({copy})" if copy > 1 else "")
        if isinstance(member, Refused):
            yield key, member_name, member
        else:
            yield key, member_name, io.BufferedReader(_Metered(member, budget, key), 1 << 16)


def utf8(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate (a file name's undecodable byte, a
    JSON ``"\\ud800"``) as its escape, so that distinct names stay distinct."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _zip_members(stream, name, budget):
    if stream.seekable():
        yield from _zip_archive_members(stream, name, budget)
        return
    with tempfile.SpooledTemporaryFile(ZIP_SPOOL_MEMORY, prefix="comention-zip-") as spool:
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
        yield from _zip_archive_members(spool, name, budget)


def _zip_archive_members(stream, name, budget):
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableArchive(name, f"corrupt zip archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            refused = unsafe_path(info.filename)
            if refused:
                yield info.filename, refused
                continue
            if budget.used + info.file_size > budget.limit:
                budget.consume(info.file_size, f"{name}!{info.filename}")  # raises, and says why
            try:
                member = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                yield info.filename, Refused(ReasonCode.UNREADABLE_FILE,
                                             f"unreadable zip member: {exc}")
                continue
            with member:
                yield info.filename, member


class _TarInfo(tarfile.TarInfo):
    """Tells its archive of a header it could not read: tarfile ends the members there
    without a word (a truncated or corrupt archive would read as a shorter one)."""

    @classmethod
    def fromtarfile(cls, archive):
        try:
            return super().fromtarfile(archive)
        except (tarfile.TruncatedHeaderError, tarfile.InvalidHeaderError) as exc:
            archive.bad_header = f"{exc} at byte {archive.offset:,}"
            raise


def _tar_members(stream, name, budget):
    try:
        archive = tarfile.open(fileobj=stream, mode="r|*", tarinfo=_TarInfo)  # noqa: SIM115
    except tarfile.TarError as exc:
        raise UnreadableArchive(name, f"corrupt tar archive: {exc}") from None
    archive.bad_header = None
    with archive:
        try:
            for info in archive:
                if not info.isfile():
                    continue
                refused = unsafe_path(info.name)
                if refused:
                    yield info.name, refused
                    continue
                member = archive.extractfile(info)
                if member is not None:
                    yield info.name, member
        except tarfile.TarError as exc:
            raise UnreadableArchive(name, f"corrupt tar archive: {exc}") from None
        if archive.bad_header:
            raise UnreadableArchive(name, "truncated or corrupt tar archive, nothing read after "
                                          f"a bad header: {archive.bad_header}")
