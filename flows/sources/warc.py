"""WARC and WET files (Common Crawl, CC-NEWS) through FastWARC.

WARC: HTTP responses with an HTML body become HTML pages; WET: text conversions become text
page dumps. Each keeps the record's target URI and date; other records are not articles.
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
    records = ArchiveIterator(
        stream,
        record_types=WarcRecordType.response | WarcRecordType.conversion,
        parse_http=True,
        max_content_length=MAX_RECORD_BYTES,
    )
    for record in records:
        is_response = record.record_type == WarcRecordType.response
        if is_response:
            content_type = (record.http_content_type or "").lower()
            if not content_type.startswith(_HTML_TYPES):
                continue
        key = f"{name}@{record.stream_pos}"
        url = record.headers.get("WARC-Target-URI")
        base = {"record_key": key, "url": url, "crawl_date": record.headers.get("WARC-Date"),
                "kind": "html" if is_response else "page"}
        try:
            text = decode_text(record.reader.read())
        except NotText as exc:
            yield {**base, "error": str(exc), "error_code": ReasonCode.NOT_TEXT}
            continue
        if not text.strip():
            yield {**base, "error": "empty WARC record", "error_code": ReasonCode.EMPTY_FILE}
            continue
        yield {**base, "text": text}
