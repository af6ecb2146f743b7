"""Plain-text page dumps: one saved page per file (the article is found later, in extract)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flows.sources.decode import NotText, decode_text

MAX_PAGE_BYTES = 20_000_000


def read(path: Path) -> Iterator[dict]:
    size = path.stat().st_size
    if size == 0:
        yield {"record_key": path.name, "kind": "page", "error": "empty file"}
        return
    if size > MAX_PAGE_BYTES:
        yield {"record_key": path.name, "kind": "page",
               "error": f"page dump larger than {MAX_PAGE_BYTES:,} bytes"}
        return
    try:
        text = decode_text(path.read_bytes())
    except NotText as exc:
        yield {"record_key": path.name, "kind": "page", "error": str(exc)}
        return
    yield {"record_key": path.name, "kind": "page", "text": text}
