"""Bytes to text for dump files: BOMs, UTF-8, then cp1252; binary files refused."""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class NotText(ValueError):
    """The bytes are not text in any encoding we read."""


def decode_text(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:4096]:
        raise NotText("binary file (NUL bytes), not a text dump")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 decodes every byte except five; latin-1 takes those.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
