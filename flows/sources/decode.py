"""Bytes to text for dump files: BOMs, UTF-8, then a detected charset; mojibake repaired.

Detection is charset-normalizer's and repair is ftfy's: neither is done by hand here.
"""

from __future__ import annotations

import codecs
import re

import ftfy
import polars as pl
from charset_normalizer import from_bytes
from ftfy.badness import is_bad

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# UTF-8 read as cp1252/latin-1 leaves these lead characters behind ("CafÃ©", "â€™", "Ð¿");
# text without them has no mojibake for ftfy to fix, and skipping it keeps ftfy off hot paths.
_MOJIBAKE_HINT = re.compile("[ÃÂâÐÑÅÄ][\u0080-\u02ff\u2010-\u203a\u20ac\u2122]")


class NotText(ValueError):
    """The bytes are not text in any encoding we read."""


def detect_encoding(data: bytes) -> str:
    """The encoding of ``data`` (a sample is enough): BOM, UTF-8, else charset-normalizer."""
    return _sniff(data)[1]


def _sniff(data: bytes) -> tuple[str | None, str]:
    """The encoding of ``data``, and its text when that is UTF-8 already decoded whole."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return None, encoding
    # Binary data is full of NUL bytes; a text export with a stray one in a field is not (a
    # file is not thrown out for one bad value: the record that holds it is read).
    sample = data[:4096]
    if sample.count(b"\x00") > max(1, len(sample) // 100):
        raise NotText("binary content (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A sample may end inside a multi-byte character: that is still UTF-8.
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return None, "utf-8"
    return None, _legacy_encoding(data[:65536])


def _legacy_encoding(data: bytes) -> str:
    """charset-normalizer's pick, leaning to cp1252 (Western news) where it fits as well."""
    results = from_bytes(data)
    best = results.best()
    if best is None:
        return "cp1252"
    near_best = [m.encoding for m in results if m.chaos <= best.chaos + 0.05]
    if "cp1252" in near_best:
        return "cp1252"
    # On short samples every single-byte code page scores the same (coherence 0): take cp1252
    # when its reading gives Latin letters and punctuation only.
    if best.coherence == 0 and _reads_as_latin(data, "cp1252"):
        return "cp1252"
    return best.encoding


def _reads_as_latin(data: bytes, encoding: str) -> bool:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return all(
        ord(c) < 128 or 0xC0 <= ord(c) <= 0x24F or 0x2010 <= ord(c) <= 0x20AC or c in "£©®°·«»¿¡"
        for c in text
    )


def decode_text(data: bytes) -> str:
    """Decoded text with mojibake ("CafÃ©") repaired; NotText for binary data."""
    text, encoding = _sniff(data)
    if text is None:
        try:
            text = data.decode(encoding, errors="replace")
        except LookupError:
            text = data.decode("cp1252", errors="replace")
    return repair(text)


def repair(text: str) -> str:
    """``text`` with mojibake repaired by ftfy, where there are signs of it."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    return ftfy.fix_text(text) if is_bad(text) else text


def repair_column(values: pl.Series) -> pl.Series:
    """``repair`` over a column of text: only the values with signs of mojibake go to ftfy."""
    suspects = values.str.contains(_MOJIBAKE_HINT.pattern).fill_null(False)
    if not suspects.any():
        return values
    rows = suspects.arg_true()
    return values.scatter(rows, [repair(text) for text in values.gather(rows).to_list()])
