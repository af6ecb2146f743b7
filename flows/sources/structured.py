"""Structured exports: JSON Lines, JSON arrays, CSV/TSV and Parquet — one article per record."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from itertools import islice
from typing import BinaryIO

from flows.sources.decode import NotText, decode_text, detect_encoding, repair
from flows.sources.fields import ExportColumns, columns_of, pick_fields, record_id_of
from transforms.reasons import ReasonCode

MAX_LINE_BYTES = 10_000_000
MAX_JSON_BYTES = 500_000_000
csv.field_size_limit(MAX_LINE_BYTES)


def _record(key: str, obj: dict, export: ExportColumns, options) -> dict:
    record_id = record_id_of(obj, export)
    key += f"#{record_id}" if record_id else ""
    if export.problem:
        return _bad(key, *export.problem, _excerpt(obj))
    fields = pick_fields(obj, export)
    del fields["record_id"]
    for name in ("title", "text"):
        if fields[name]:
            fields[name] = repair(fields[name])
    # A structured export's text is the article as given, unless the user asks for cleaning.
    kind = "page" if options.clean_exports else "article"
    return {"record_key": key, "kind": kind, **fields}


def _bad(key: str, code: ReasonCode, reason: str, excerpt: str | None = None) -> dict:
    return {"record_key": key, "kind": "article", "error": reason, "error_code": code,
            "text": excerpt}


def _excerpt(obj: dict) -> str:
    """The start of a record's fields, to recognise it by in the quarantine."""
    first = islice(obj.items(), 8)
    return "; ".join(f"{name}: {str(value)[:60]}" for name, value in first)[:200]


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


def read_jsonl(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    for line_no, raw in _lines(stream):
        key = f"{name}:{line_no}"
        if raw is None:
            yield _bad(key, ReasonCode.TOO_LARGE, f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        if not raw.strip():
            continue
        try:
            line = decode_text(raw)
        except NotText as exc:
            yield _bad(key, ReasonCode.NOT_TEXT, str(exc))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _bad(key, ReasonCode.MALFORMED_JSON,
                       f"malformed JSON: {exc.msg} at column {exc.colno}", line[:200])
            continue
        if not isinstance(obj, dict):
            yield _bad(key, ReasonCode.NOT_JSON_OBJECT, "JSON line is not an object", line[:200])
            continue
        yield _record(key, obj, columns_of(obj, options.fields), options)


def read_json(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    """A JSON array of articles, or an object holding one (articles/items/data/…), or one."""
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        yield _bad(name, ReasonCode.TOO_LARGE,
                   f"JSON document larger than {MAX_JSON_BYTES:,} bytes")
        return
    if data.lstrip()[:1] not in (b"[", b"{"):
        # Not a JSON document: maybe JSON Lines with a .json name.
        yield from read_jsonl(io.BytesIO(data), name, options)
        return
    try:
        doc = json.loads(decode_text(data))
    except (json.JSONDecodeError, NotText) as exc:
        if data.count(b"\n") > 1:
            yield from read_jsonl(io.BytesIO(data), name, options)
            return
        code = ReasonCode.NOT_TEXT if isinstance(exc, NotText) else ReasonCode.MALFORMED_JSON
        yield _bad(name, code, f"malformed JSON: {exc}")
        return
    if isinstance(doc, dict):
        listed = next((doc[k] for k in ("articles", "items", "data", "results", "docs",
                                         "records") if isinstance(doc.get(k), list)), None)
        doc = listed if listed is not None else [doc]
    if not isinstance(doc, list):
        yield _bad(name, ReasonCode.NOT_JSON_OBJECT,
                   "JSON document is neither an object nor an array")
        return
    for index, obj in enumerate(doc):
        key = f"{name}[{index}]"
        if isinstance(obj, dict):
            yield _record(key, obj, columns_of(obj, options.fields), options)
        else:
            yield _bad(key, ReasonCode.NOT_JSON_OBJECT, "JSON array item is not an object",
                       str(obj)[:200])


def read_csv(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    head = stream.peek(65536) if hasattr(stream, "peek") else b""
    try:
        encoding = detect_encoding(head) if head else "utf-8"
    except NotText as exc:
        yield _bad(name, ReasonCode.NOT_TEXT, str(exc))
        return
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    delimiter = "\t" if name.lower().rsplit(".", 1)[-1] in ("tsv", "tab") else ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        yield _bad(name, ReasonCode.MALFORMED_CSV, "CSV file without a header row")
        return
    export = columns_of(header, options.fields)
    row_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_no += 1
            yield _bad(f"{name}:row {row_no}", ReasonCode.MALFORMED_CSV,
                       f"unreadable CSV row: {exc}")
            continue
        row_no += 1
        key = f"{name}:row {row_no}"
        if not row:
            continue
        if len(row) != len(header):
            yield _bad(key, ReasonCode.MALFORMED_CSV,
                       f"ragged CSV row: {len(row)} fields, header has {len(header)}",
                       delimiter.join(row)[:200])
            continue
        yield _record(key, dict(zip(header, row, strict=True)), export, options)


def read_parquet(stream: BinaryIO, name: str, options) -> Iterator[dict]:
    try:
        import pyarrow.parquet as pq  # here: it costs start-up time to every other format

        parquet = pq.ParquetFile(stream)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        yield _bad(name, ReasonCode.UNREADABLE_FILE, f"unreadable Parquet file: {exc}")
        return
    export = columns_of(parquet.schema_arrow.names, options.fields)
    index = 0
    for batch in parquet.iter_batches(batch_size=1000):
        for obj in batch.to_pylist():
            yield _record(f"{name}[{index}]", obj, export, options)
            index += 1
