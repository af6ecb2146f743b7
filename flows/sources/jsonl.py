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

import io
import json
from collections.abc import Iterator
from typing import BinaryIO

from flows.sources.articles import article, article_kind, bad
from flows.sources.decode import NotText, decode_text
from flows.sources.fields import columns_of
from transforms.reasons import ReasonCode

MAX_LINE_BYTES = 10_000_000
MAX_JSON_BYTES = 500_000_000


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
        return None, f"malformed JSON: {exc.msg} at column {exc.colno}"
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
    """A JSON array of articles, or an object holding one (articles/items/data/…), or one."""
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        yield bad(name, ReasonCode.TOO_LARGE, f"JSON document larger than {MAX_JSON_BYTES:,} bytes")
        return
    if data.lstrip()[:1] not in (b"[", b"{"):
        # Not a JSON document: maybe JSON Lines with a .json name.
        yield from read_jsonl(io.BytesIO(data), name, options)
        return
    try:
        doc, problem = _parsed(decode_text(data))
        code = ReasonCode.MALFORMED_JSON
    except NotText as exc:
        doc, problem, code = None, f"malformed JSON: {exc}", ReasonCode.NOT_TEXT
    if problem:
        if data.count(b"\n") > 1:
            yield from read_jsonl(io.BytesIO(data), name, options)
            return
        yield bad(name, code, problem)
        return
    if isinstance(doc, dict):
        listed = next((doc[k] for k in ("articles", "items", "data", "results", "docs",
                                         "records") if isinstance(doc.get(k), list)), None)
        doc = listed if listed is not None else [doc]
    if not isinstance(doc, list):
        yield bad(name, ReasonCode.NOT_JSON_OBJECT,
                  "JSON document is neither an object nor an array")
        return
    kind = article_kind(options)
    for index, obj in enumerate(doc):
        key = f"{name}[{index}]"
        if isinstance(obj, dict):
            yield article(key, obj, columns_of(obj, options.fields), kind)
        else:
            yield bad(key, ReasonCode.NOT_JSON_OBJECT, "JSON array item is not an object",
                      str(obj)[:200])
