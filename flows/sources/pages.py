"""Saved pages: plain-text page dumps and HTML pages, one page per file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from flows.sources.decode import NotText, decode_text
from transforms.reasons import ReasonCode

MAX_PAGE_BYTES = 20_000_000


def _read_page(stream: BinaryIO, name: str, kind: str) -> Iterator[dict]:
    data = stream.read(MAX_PAGE_BYTES + 1)
    page = {"record_key": name, "kind": kind}
    if not data.strip():
        yield page | {"error": "empty file", "error_code": ReasonCode.EMPTY_FILE}
        return
    if len(data) > MAX_PAGE_BYTES:
        yield page | {"error": f"page larger than {MAX_PAGE_BYTES:,} bytes",
                      "error_code": ReasonCode.TOO_LARGE}
        return
    try:
        text = decode_text(data)
    except NotText as exc:
        yield page | {"error": str(exc), "error_code": ReasonCode.NOT_TEXT}
        return
    yield page | {"text": text}


def read_text(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    yield from _read_page(stream, name, "page")


def read_html(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    yield from _read_page(stream, name, "html")
