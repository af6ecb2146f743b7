"""WARC and WET files (Common Crawl, CC-NEWS) through FastWARC.

WARC: HTTP responses with an HTML body become HTML pages; WET: text conversions become text
page dumps. Each keeps the record's target URI and date; other records are not articles. A
record too large to read, and a stretch FastWARC cannot read, are quarantined: the records
after them are read.
"""

from __future__ import annotations

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
    quarantine row for the stretch, and reading goes on at the next record after it."""
    position = stream.tell()
    marker = _GZIP_MAGIC if stream.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC else b"WARC/"
    failing = False  # in a stretch already reported
    while position is not None:
        stream.seek(position)
        last = None  # where the last record read began
        try:
            for record in ArchiveIterator(
                    stream, record_types=WarcRecordType.response | WarcRecordType.conversion,
                    parse_http=True):
                last, failing = record.stream_pos, False
                yield from _record(record, name)
            return
        except OSError as exc:
            after = (position if last is None else last) + 1
            resume = _next_record(stream, after, marker)
            if not failing:
                where = f"from byte {resume:,}" if resume is not None else "none after it"
                yield {"record_key": f"{name}@{after}", "kind": "html",
                       "error": f"unreadable WARC record after byte {after - 1:,}: {exc} "
                                f"(read on at the next record: {where})",
                       "error_code": ReasonCode.UNREADABLE_FILE}
            failing, position = True, resume


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
