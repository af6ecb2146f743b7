"""JSON exports: JSON Lines, and JSON documents (an array of articles, or an object holding one).

Records are parsed one by one by the standard library's parser, whose reading (and messages)
the quarantine reasons are written in. Native block parsers read some lines otherwise: Polars
turns ``true`` into "true" and a lone surrogate into NUL, keeps the first of two equal keys and
cannot tell a missing key from a null one; pyarrow reads two objects on a line as two rows and
a ``null`` line as a row, and crashes on deep nesting. Checking every line for those costs what
parsing natively saves: on bench_readers' corpus, reading and parsing lines takes the same CPU
time by pyarrow with those checks as by ``json.loads``.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from flows.sources.articles import article, article_kind, bad
from flows.sources.decode import NotText, decode_text, detect_encoding
from flows.sources.fields import columns_of
from transforms.reasons import ReasonCode

MAX_LINE_BYTES = 10_000_000


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; bytes is None for a line over MAX_LINE_BYTES (skipped)."""
    line_no = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield line_no, None
            continue
        yield line_no, raw


def _parsed(text: str):
    """``json.loads(text)``, or why it is not JSON we read: malformed, nested past Python's
    recursion limit, or an integer of more digits than Python converts."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        # (Python ends some messages with "at": "Invalid control character at".)
        return None, f"malformed JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
    except RecursionError:
        return None, "malformed JSON: nested too deeply to read"
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        return None, f"malformed JSON: {exc}"


def read_jsonl(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    kind = article_kind(options)
    for line_no, raw in _lines(stream):
        key = f"{name}:{line_no}"
        if raw is None:
            yield bad(key, ReasonCode.TOO_LARGE, f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        if raw.isspace():
            continue
        try:
            line = decode_text(raw)
        except NotText as exc:
            yield bad(key, ReasonCode.NOT_TEXT, str(exc))
            continue
        obj, problem = _parsed(line)
        if problem:
            yield bad(key, ReasonCode.MALFORMED_JSON, problem, line[:200])
            continue
        if not isinstance(obj, dict):
            yield bad(key, ReasonCode.NOT_JSON_OBJECT, "JSON line is not an object", line[:200])
            continue
        yield article(key, obj, columns_of(obj, options.fields), kind)


def read_json(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    """A JSON array of articles, or an object holding one (articles/items/data/…), or one.

    Read as a stream, value by value: the array's items are parsed one at a time, each up to
    MAX_LINE_BYTES, so memory does not grow with the document (the expansion budget bounds
    its size). A document that turns out not to be one before any record of it is read (JSON
    Lines with a .json name, say) is read as JSON Lines.
    """
    head = stream.peek(_CHUNK_BYTES)[:_CHUNK_BYTES] if hasattr(stream, "peek") else b""
    if head.lstrip()[:1] not in (b"[", b"{"):
        # Not a JSON document: maybe JSON Lines with a .json name.
        yield from read_jsonl(stream, name, options)
        return
    try:
        encoding = detect_encoding(head)
    except NotText as exc:
        yield bad(name, ReasonCode.NOT_TEXT, f"malformed JSON: {exc}")
        return
    text = _JsonText(stream, encoding)
    read_some = False
    try:
        for record in _document(text, name, options):
            text.replay, read_some = None, True
            yield record
    except _Unread as exc:
        if not read_some and text.replay is not None and b"\n" in b"".join(text.replay).strip():
            yield from read_jsonl(text.replayed(), name, options)
            return
        yield bad(exc.key, exc.code, f"{exc}" + ("; nothing read after it" if read_some else ""))


# The keys under which an object holds its array of articles.
LIST_KEYS = ("articles", "items", "data", "results", "docs", "records")
_CHUNK_BYTES = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Unread(Exception):
    """Where a JSON document stops being one we read (``key``), and why."""

    def __init__(self, key: str, reason: str, code: ReasonCode = ReasonCode.MALFORMED_JSON):
        super().__init__(reason)
        self.key, self.code = key, code


class _JsonText:
    """The text of a JSON document read from a stream a piece at a time, parsed value by
    value with the standard library's parser. Until ``replay`` is set to None, the bytes read
    are kept (up to about MAX_LINE_BYTES) to be read again otherwise."""

    def __init__(self, stream: BinaryIO, encoding: str):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.text, self.pos, self.before, self.eof = "", 0, 0, False
        self.replay: list[bytes] | None = []

    @property
    def offset(self) -> int:
        """Characters of the document read up to the parse position."""
        return self.before + self.pos

    def _more(self) -> None:
        data = self.stream.read(_CHUNK_BYTES)
        self.eof = not data
        if self.replay is not None:
            self.replay.append(data)
            if sum(map(len, self.replay)) > MAX_LINE_BYTES:
                self.replay = None
        self.before += self.pos
        self.text = self.text[self.pos:] + self.decoder.decode(data, final=self.eof)
        self.pos = 0

    def replayed(self) -> BinaryIO:
        """The stream as it was before it was read here."""
        return io.BufferedReader(_Chained(io.BytesIO(b"".join(self.replay or [])), self.stream))

    def peek(self) -> str:
        """The next character past whitespace; "" at the end of the document."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.eof:
                return ""
            self._more()

    def take(self, expected: str, key: str, what: str) -> None:
        if (found := self.peek()) != expected:
            if not found:
                raise _Unread(key, f"malformed JSON: the document ends at character "
                                   f"{self.offset:,}, before its end (truncated?)")
            raise _Unread(key, f"malformed JSON: expecting {what} at character {self.offset:,}")
        self.pos += 1

    def value(self, key: str):
        """The next JSON value, parsed (_Unread where there is none we read)."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # An error near the end of what is read may be the end of what is read.
                if self.eof or (exc.pos < len(self.text) - 32
                                and not exc.msg.startswith("Unterminated string")):
                    message = exc.msg.removesuffix(" at")
                    raise _Unread(key, f"malformed JSON: {message} at character "
                                       f"{self.before + exc.pos:,}") from None
            except RecursionError:
                raise _Unread(key, "malformed JSON: nested too deeply to read") from None
            except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string…"
                raise _Unread(key, f"malformed JSON: {exc}") from None
            else:
                if end < len(self.text) or self.eof:  # a number may go on in what comes next
                    self.pos = end
                    return obj
            self._grow(key)

    def _grow(self, key: str) -> None:
        """Twice as much text past the parse position (a value longer than what is read)."""
        span = len(self.text) - self.pos
        if span > MAX_LINE_BYTES:
            raise _Unread(key, f"JSON value larger than {MAX_LINE_BYTES:,} bytes",
                          ReasonCode.TOO_LARGE)
        while not self.eof and len(self.text) - self.pos < 2 * span + 1:
            self._more()


class _Chained(io.RawIOBase):
    """Two binary streams read one after the other."""

    def __init__(self, first: BinaryIO, second: BinaryIO):
        self.streams = [first, second]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.streams:
            data = self.streams[0].read(len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)
            self.streams.pop(0)
        return 0


def _document(text: _JsonText, name: str, options) -> Iterator[dict]:
    """The records of a JSON document: its array's items, the items of the first array an
    object holds under one of LIST_KEYS (what follows that array is not read), or the object."""
    kind = article_kind(options)
    if text.peek() == "[":
        text.take("[", name, "[")
        yield from _items(text, name, kind, options)
        if text.peek():
            raise _Unread(name, f"malformed JSON: extra data at character {text.offset:,}")
        return
    start, fields = text.offset, {}
    text.take("{", name, "{")
    while text.peek() != "}":
        if fields:
            text.take(",", name, "',' delimiter")
        if text.peek() != '"':
            raise _Unread(name, "malformed JSON: expecting property name enclosed in double "
                                f"quotes at character {text.offset:,}")
        field_name = text.value(name)
        text.take(":", name, "':' delimiter")
        if field_name in LIST_KEYS and text.peek() == "[":
            text.take("[", name, "[")
            yield from _items(text, name, kind, options)
            return
        fields[field_name] = text.value(name)
        if text.offset - start > MAX_LINE_BYTES:
            raise _Unread(name, f"JSON object larger than {MAX_LINE_BYTES:,} bytes",
                          ReasonCode.TOO_LARGE)
    text.take("}", name, "}")
    if text.peek():
        raise _Unread(name, f"malformed JSON: extra data at character {text.offset:,}")
    yield article(f"{name}[0]", fields, columns_of(fields, options.fields), kind)


def _items(text: _JsonText, name: str, kind: str, options) -> Iterator[dict]:
    """The records of an array's items, its "[" read, up to and with its "]"."""
    index = 0
    while text.peek() != "]":
        key = f"{name}[{index}]"
        if index:
            text.take(",", key, "',' delimiter")
        obj = text.value(key)
        if isinstance(obj, dict):
            yield article(key, obj, columns_of(obj, options.fields), kind)
        else:
            yield bad(key, ReasonCode.NOT_JSON_OBJECT, "JSON array item is not an object",
                      str(obj)[:200])
        index += 1
    text.take("]", name, "]")
