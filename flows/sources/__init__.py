"""Dump readers: one module per format, all yielding the same raw records.

A raw record is a dict with the keys of ``RAW_FIELDS``. Readers take a binary stream and a name
(the file, or the archive member path), so compressed files and archives are read the same way,
recursively, as streams in bounded memory. A reader never raises for bad input: a record it
cannot read comes out with ``error`` (the reason) and ``error_code`` (its
transforms.reasons.ReasonCode) set, and goes to quarantine; a file or archive member whose
reading fails comes out as its records read until then and one such record saying why
(``_until_failure``, the one place that turns an exception into a record), and the archive and
the run read on.

Readers yield records one by one (dicts), and those that read columns (CSV, Parquet) yield
batches of articles (Polars frames) too; ``read_records`` gives every record as a dict,
``read_record_batches`` as frames of RAW_SCHEMA, the same records in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl

# Text (title and text) in one frame of records read one by one, at most (flows.batches).
from flows.batches import BATCH_BYTES as BATCH_BYTES
from flows.settings import Settings
from flows.sources import archives, delimited, jsonl, pages, parquet, warc
from flows.sources.finder import InputNotFound as InputNotFound
from flows.sources.finder import Inputs as Inputs
from flows.sources.finder import Refused
from flows.sources.finder import discover as discover
from flows.sources.finder import find_inputs as find_inputs
from flows.sources.raw import RAW_FIELDS, ArticleBatch, records_frame
from flows.sources.raw import RAW_SCHEMA as RAW_SCHEMA  # the frames' schema, for their users
from transforms.reasons import ReasonCode

READERS = {
    "text": pages.read_text,
    "html": pages.read_html,
    "jsonl": jsonl.read_jsonl,
    "json": jsonl.read_json,
    "csv": delimited.read_csv,
    "parquet": parquet.read_parquet,
    "warc": warc.read_warc,
}
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "csv", ".tab": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".warc": "warc", ".wet": "warc", ".arc": "warc",
}


@dataclass(frozen=True)
class ReadOptions:
    """How to read structured exports, and the limits that keep a bad archive harmless."""

    fields: dict[str, str] = field(default_factory=dict)
    clean_exports: bool = False
    # The limits' defaults are the settings' defaults (Settings.read_options gives a run's
    # own).
    max_expanded_bytes: int = Settings.max_expanded_bytes
    max_archive_depth: int = 4
    # Quarantined records of one input file listed one by one, at most: the rest are counted
    # in the run and in one row (a few KB of xz can expand into tens of millions of bad lines).
    max_quarantined_per_file: int = Settings.max_quarantined_per_file
    # Read CSV and Parquet as columns where that gives the same records; False: row by row.
    columnar: bool = True
    # Follow symbolic links out of the folders given (flows.sources.finder).
    follow_links: bool = False




def member_error(key: str, code: ReasonCode, reason: str) -> dict:
    """The record standing for a file or archive member that cannot be read."""
    return {"record_key": key, "kind": "file", "error": reason, "error_code": code}


def file_error(path: Path, code: ReasonCode, reason: str, key: str | None = None) -> dict:
    return {**dict.fromkeys(RAW_FIELDS), "source": source_of(path),
            **member_error(key or archives.utf8(path.name), code, reason)}


def refused_records(refused: list[Refused]) -> pl.DataFrame:
    """The entries the finder did not read (links out of the folders given, FIFOs, devices,
    folders that cannot be listed), one record each saying why, as a frame of RAW_SCHEMA."""
    return records_frame([file_error(r.path, r.code, r.reason) for r in refused])


def sniff_format(name: str, head: bytes) -> str | None:
    """The reader for a (decompressed) stream: by extension, else by its first bytes."""
    suffix = os.path.splitext(name.lower())[1]
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    start = head.lstrip()[:512].lower()
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"PAR1"):
        return "parquet"
    if start.startswith((b"<!doctype html", b"<html")) or b"<body" in start:
        return "html"
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith(b"["):
        return "json"
    if head and b"\x00" not in head[:4096]:
        return "text"
    return None


def read_stream(stream: BinaryIO, name: str, options: ReadOptions, budget: archives.Budget,
                depth: int = 0, fmt_name: str | None = None) -> Iterator[dict | pl.DataFrame]:
    """Records of one stream: decompress, open archives, or hand over to a format reader.

    ``name`` is the record-key path (file, archive members); ``fmt_name`` the name the format
    is read from (``name`` without the compression suffixes already undone).
    """
    head = archives.peek(stream)
    fmt_name = fmt_name or name
    compression = archives.compression_of(fmt_name, head)
    if compression and archives.is_warc(fmt_name) and stream.seekable():
        # FastWARC reads gzipped WARC itself, record by record, faster than a gzip stream.
        yield from warc.read_warc(stream, name, options)
        return
    if compression:
        inner = archives.decompress(stream, compression, budget, name)
        yield from read_stream(inner, name, options, budget, depth,
                               archives.strip_suffix(fmt_name, compression))
        return
    archive = archives.archive_of(fmt_name, head)
    if archive:
        if depth >= options.max_archive_depth:
            yield member_error(name, ReasonCode.ARCHIVE_REFUSED,
                               f"archive nested deeper than {options.max_archive_depth} levels")
            return
        for key, member_name, member in archives.members(stream, archive, name, budget):
            if isinstance(member, archives.Refused):
                yield member_error(key, member.code, member.reason)
                continue
            yield from _until_failure(
                read_stream(member, key, options, budget, depth + 1, member_name), key)
        return
    fmt = sniff_format(fmt_name, head)
    if fmt is None:
        yield member_error(name, ReasonCode.UNSUPPORTED_FILE,
                           f"unsupported file type {os.path.splitext(fmt_name)[1] or '(none)'}"
                           " (binary content)")
        return
    yield from READERS[fmt](stream, name, options)


def _until_failure(records: Iterator, key: str, whole_file: bool = False) -> Iterator:
    """The records of the file or archive member ``key``, and where reading it fails, one
    record saying why: those read before stay, and the archive or the run reads on.

    In a member, a failure of a stream the member is read from (the archive's own) and a file
    past its expansion budget go on up: the reading above it stops too.
    """
    try:
        yield from records
    except archives.UnreadableArchive as exc:
        outside = exc.key != key and not exc.key.startswith(f"{key}!")
        if not whole_file and (outside or isinstance(exc, archives.ExpansionRefused)):
            raise
        yield member_error(exc.key, exc.code, str(exc))
    except Exception as exc:  # noqa: BLE001 (whatever a reader met: its record says what)
        yield member_error(key, ReasonCode.UNREADABLE_FILE,
                           f"unreadable: {type(exc).__name__}: {exc}"[:500])


def source_of(path: Path) -> str:
    """The file as records and the warehouse name it (``source``); undecodable bytes of its
    name escaped."""
    return archives.utf8(str(path))


def read_records(path: Path, options: ReadOptions | None = None) -> Iterator[dict]:
    """Every raw record of one dump file (and of the archives and compressed files inside)."""
    for item in _read(path, options or ReadOptions()):
        if isinstance(item, ArticleBatch):
            yield from item.records()
        else:
            yield item


def read_record_batches(path: Path, options: ReadOptions | None = None,
                        batch_rows: int = 500, batch_bytes: int = BATCH_BYTES
                        ) -> Iterator[pl.DataFrame]:
    """``read_records`` as frames of RAW_SCHEMA: records read one by one come ``batch_rows``
    at a time, or fewer where their text reaches ``batch_bytes``; batches read as columns as
    they are."""
    pending: list[dict] = []
    size = 0
    for item in _read(path, options or ReadOptions()):
        if isinstance(item, ArticleBatch):
            if pending:
                yield records_frame(pending)
                pending, size = [], 0
            yield item.raw_frame()
            continue
        pending.append(item)
        size += len(item["text"] or "") + len(item["title"] or "")
        if len(pending) >= batch_rows or size >= batch_bytes:
            yield records_frame(pending)
            pending, size = [], 0
    if pending:
        yield records_frame(pending)


def _read(path: Path, options: ReadOptions) -> Iterator[dict | ArticleBatch]:
    """The file's records, each a whole raw record, or articles read as columns."""
    source, name = source_of(path), archives.utf8(path.name)
    try:
        stat = path.stat()
        handle = path.open("rb")
    except OSError as exc:
        yield file_error(path, ReasonCode.UNREADABLE_FILE,
                         f"unreadable file: {exc.strerror or exc}")
        return
    mtime = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    if stat.st_size == 0:
        handle.close()
        yield file_error(path, ReasonCode.EMPTY_FILE, "empty file")
        return
    budget = archives.Budget(options.max_expanded_bytes)
    blank = {**dict.fromkeys(RAW_FIELDS), "source": source, "file_mtime": mtime}
    with handle:
        for item in _until_failure(read_stream(handle, name, options, budget), name,
                                   whole_file=True):
            if isinstance(item, pl.DataFrame):
                yield ArticleBatch(item, source, mtime)
            else:
                yield {**blank, **item}
