"""WARC and WET files (Common Crawl, CC-NEWS) through FastWARC.

WARC: HTTP responses with an HTML body become HTML pages; WET: text conversions become text
page dumps. Each keeps the record's target URI and date; other records are not articles. A
record too large to read, and a stretch FastWARC cannot read, are quarantined: the records
after them are read.
"""

from __future__ import annotations

import bisect
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from flows.sources.decode import NotText, decode_text
from transforms.reasons import ReasonCode

MAX_RECORD_BYTES = 20_000_000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b\x08"
_RECORD_START = b"\r\n\r\nWARC/1."
# Records that are articles: HTTP responses (HTML pages) and WET text conversions; every record
# is read, so that where each one ends is known.
_ARTICLE_TYPES = (WarcRecordType.response, WarcRecordType.conversion)


def read_warc(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    if stream.seekable():
        yield from _records(stream, name)
        return
    # FastWARC seeks over record bodies: spool a stream from inside an archive to disk first.
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
        yield from _records(spool, name)


def _records(stream: BinaryIO, name: str) -> Iterator[dict]:
    """The records; where FastWARC cannot read on (a bad header, corrupt compression), one
    quarantine row for the stretch, and reading goes on at the next record after it. In an
    uncompressed WARC, where records start is known beforehand (_record_starts), so a record
    whose Content-Length runs over the records after it, and a record cut in its header, are
    quarantined too, and the records after them read."""
    position = stream.tell()
    marker = _GZIP_MAGIC if stream.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC else b"WARC/"
    starts = _record_starts(stream) if marker == b"WARC/" else []
    failing = False  # in a stretch already reported
    while position is not None:
        stream.seek(position)
        last = None  # where the last record read began
        held: list[dict] = []  # its rows, yielded once the next record shows it ended right
        resume = None
        try:
            for record in ArchiveIterator(stream, parse_http=True):
                skipped = _first_between(starts, last, record.stream_pos)
                if skipped is not None:  # the last record's Content-Length ran over a record
                    held, resume = [_overrun(name, last, skipped)], skipped
                    break
                yield from held
                last, failing = record.stream_pos, False
                if record.headers.get("Content-Length") is None:  # required: a cut header
                    held = [_cut(name, last)]
                elif record.record_type in _ARTICLE_TYPES:
                    held = list(_record(record, name))
                else:
                    held = []
            else:
                unread = _first_between(starts, position - 1 if last is None else last, None)
                if unread is not None and last is not None and _readable_at(stream, unread):
                    held, resume = [_overrun(name, last, unread)], unread
                elif unread is not None:  # a record there FastWARC cannot read: cut
                    held.append(_cut(name, unread))
                    resume = _first_between(starts, unread, None)
        except OSError as exc:
            after = (position if last is None else last) + 1
            resume = _next_record(stream, after, marker)
            if not failing:
                where = f"from byte {resume:,}" if resume is not None else "none after it"
                held.append(_unreadable(f"{name}@{after}",
                                        f"unreadable WARC record after byte {after - 1:,}: "
                                        f"{exc} (read on at the next record: {where})"))
            failing = True
        yield from held
        position = resume


def _record_starts(stream: BinaryIO) -> list[int]:
    """Where the records of an uncompressed WARC start: "WARC/1." opening the file or right
    after the blank line that ends a record."""
    starts, base, tail = [], 0, b""
    stream.seek(0)
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        offset = base - len(tail)
        if offset == 0 and data.startswith(b"WARC/1."):
            starts.append(0)
        found = data.find(_RECORD_START)
        while found >= 0:
            starts.append(offset + found + 4)
            found = data.find(_RECORD_START, found + 1)
        base += len(chunk)
        tail = data[-(len(_RECORD_START) - 1):]
    return sorted(set(starts))


def _first_between(starts: list[int], after: int | None, before: int | None) -> int | None:
    """The first record start after ``after`` and before ``before`` (None: no bound)."""
    if after is None:
        return None
    at = bisect.bisect_right(starts, after)
    if at < len(starts) and (before is None or starts[at] < before):
        return starts[at]
    return None


def _readable_at(stream: BinaryIO, offset: int) -> bool:
    stream.seek(offset)
    try:
        return next(iter(ArchiveIterator(stream, parse_http=False)), None) is not None
    except OSError:
        return False


def _unreadable(key: str, reason: str) -> dict:
    return {"record_key": key, "kind": "html", "error": reason,
            "error_code": ReasonCode.UNREADABLE_FILE}


def _overrun(name: str, start: int, next_start: int) -> dict:
    return _unreadable(f"{name}@{start}",
                       f"WARC record at byte {start:,}: its Content-Length runs over the next "
                       f"record, at byte {next_start:,} (read on from there)")


def _cut(name: str, start: int) -> dict:
    return _unreadable(f"{name}@{start}",
                       f"WARC record at byte {start:,} cut or damaged in its header")


def _next_record(stream: BinaryIO, offset: int, marker: bytes) -> int | None:
    """Where the next record may begin at or after ``offset``: a line starting "WARC/", or in
    a gzipped WARC (a gzip member per record) the next gzip header."""
    overlap = len(marker)
    stream.seek(max(offset - 1, 0))
    base, tail = stream.tell(), b""
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        found = data.find(marker)
        while found >= 0:
            at = base - len(tail) + found
            line_start = marker == _GZIP_MAGIC or at == 0 or data[found - 1:found] == b"\n"
            if at >= offset and line_start:
                return at
            found = data.find(marker, found + 1)
        base += len(chunk)
        tail = data[-overlap:]
    return None


def _record(record, name: str) -> Iterator[dict]:
    is_response = record.record_type == WarcRecordType.response
    if is_response:
        content_type = (record.http_content_type or "").lower()
        if not content_type.startswith(_HTML_TYPES):
            return
    key = f"{name}@{record.stream_pos}"
    url = record.headers.get("WARC-Target-URI")
    base = {"record_key": key, "url": url, "crawl_date": record.headers.get("WARC-Date"),
            "kind": "html" if is_response else "page"}
    if record.content_length > MAX_RECORD_BYTES:  # not read: FastWARC skips its body
        yield {**base, "error": f"WARC record larger than {MAX_RECORD_BYTES:,} bytes",
               "error_code": ReasonCode.TOO_LARGE}
        return
    try:
        text = decode_text(record.reader.read())
    except NotText as exc:
        yield {**base, "error": str(exc), "error_code": ReasonCode.NOT_TEXT}
        return
    if not text.strip():
        yield {**base, "error": "empty WARC record", "error_code": ReasonCode.EMPTY_FILE}
        return
    yield {**base, "text": text}
