"""CSV and TSV exports: one article per row after the header.

UTF-8 exports are read by Polars in blocks of whole rows. A block is taken as Polars read it
only when writing those rows back out (minimal quoting, the file's line ends) gives the block's
bytes again: then it has no stray quote, blank line or ragged row that the csv module would
read otherwise. From the first block that does not, and for other encodings, the rest of the
export is read row by row by the csv module, the reading the quarantine reasons are written in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from flows.sources.articles import article, article_kind, articles, bad, numbered_keys
from flows.sources.decode import NotText, detect_encoding
from flows.sources.fields import ExportColumns, columns_of, pick_columns
from transforms.reasons import ReasonCode

MAX_FIELD_BYTES = 10_000_000
csv.field_size_limit(MAX_FIELD_BYTES)
# Polars pays per call: large blocks, yet under the field limit (a block is never longer).
BLOCK_BYTES = 8_000_000
# What TextIOWrapper asks of its stream at a time: reading as it does, a decompressing stream
# that fails (truncated, corrupt) fails after the same bytes, so the same rows come before the
# error. A file on disk fails only with its disk, and is read a block at a time.
_READ_SIZE = 8192


def read_csv(stream: BinaryIO, name: str, options) -> Iterator[dict | pl.DataFrame]:
    head = stream.peek(65536) if hasattr(stream, "peek") else b""
    try:
        encoding = detect_encoding(head) if head else "utf-8"
    except NotText as exc:
        yield bad(name, ReasonCode.NOT_TEXT, str(exc))
        return
    delimiter = "\t" if name.lower().rsplit(".", 1)[-1] in ("tsv", "tab") else ","
    if options.columnar and encoding in ("utf-8", "utf-8-sig"):
        yield from _read_blocks(stream, name, encoding, delimiter, options)
    else:
        yield from _read_rows(_text(stream, encoding), name, delimiter, options)


def _text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def _read_rows(text: io.TextIOWrapper, name: str, delimiter: str, options,
               header: list[str] | None = None, export: ExportColumns | None = None,
               row_no: int = 1) -> Iterator[dict]:
    """Rows by the csv module, from the header on, or after ``row_no`` when the header (and
    its ``export``) were read already."""
    reader = csv.reader(text, delimiter=delimiter)
    if header is None:
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            yield bad(name, ReasonCode.MALFORMED_CSV, "CSV file without a header row")
            return
        export = columns_of(header, options.fields)
    kind = article_kind(options)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_no += 1
            yield bad(f"{name}:row {row_no}", ReasonCode.MALFORMED_CSV,
                      f"unreadable CSV row: {exc}")
            continue
        row_no += 1
        key = f"{name}:row {row_no}"
        if not row:
            continue
        if len(row) != len(header):
            yield bad(key, ReasonCode.MALFORMED_CSV,
                      f"ragged CSV row: {len(row)} fields, header has {len(header)}",
                      delimiter.join(row)[:200])
            continue
        yield article(key, dict(zip(header, row, strict=True)), export, kind)


def _read_blocks(stream: BinaryIO, name: str, encoding: str, delimiter: str, options
                 ) -> Iterator[dict | pl.DataFrame]:
    blocks = _Blocks(stream)
    kind = article_kind(options)
    header: list[str] | None = None
    export: ExportColumns | None = None
    row_no, line_end = 1, "\n"
    for block in blocks:
        # A block ends at the end of a row, but the last row of a file may have no line end.
        line_end = "\r\n" if block.endswith(b"\r\n") else "\n" if block.endswith(b"\n") \
            else line_end
        names = header
        rows = _rows_as_written(block[3:] if names is None and encoding == "utf-8-sig" else block,
                                delimiter, line_end)
        if names is None and rows is not None and rows.height:
            names = ["" if cell is None else cell for cell in rows.row(0)]
            export, rows = columns_of(names, options.fields), rows.slice(1)
        # Quarantined rows need the csv module's reading; a one-column export too, whose blank
        # lines Polars reads as empty rows, not as no row.
        if (rows is None or names is None or rows.width != len(names) or len(names) < 2
                or export.problem):
            break
        header = names
        if rows.height:
            yield articles(numbered_keys(f"{name}:row ", row_no + 1, rows.height),
                           pick_columns(_table(rows, header), export), kind)
            row_no += rows.height
    else:
        if blocks.error is None and blocks.whole:
            return
        block = b""  # the csv module reads on from where the blocks stopped
    replay = blocks.replay(block)
    if header is None:
        yield from _read_rows(_text(replay, encoding), name, delimiter, options)
    else:
        # Mid-file, a byte-order mark is a character of the text, not one to drop.
        yield from _read_rows(_text(replay, "utf-8"), name, delimiter, options, header, export,
                              row_no)


def _rows_as_written(block: bytes, delimiter: str, line_end: str) -> pl.DataFrame | None:
    """The block's rows as Polars reads them (strings, null for empty), or None where writing
    them back does not give the block: the csv module could read it otherwise."""
    try:
        rows = pl.read_csv(block, has_header=False, infer_schema=False, separator=delimiter,
                           quote_char='"', raise_if_empty=False)
    except Exception:  # noqa: BLE001 (Polars raises several types for text it cannot read)
        return None
    written = io.BytesIO()
    rows.write_csv(written, include_header=False, separator=delimiter, quote_style="necessary",
                   line_terminator=line_end, null_value="")
    expected = block if block.endswith(b"\n") else block + line_end.encode()
    return rows if written.getvalue() == expected else None


def _table(rows: pl.DataFrame, header: list[str]):
    # A name the header repeats holds its last column's value, as dict(zip(header, row)) has it.
    # Arrow names cannot hold NUL (Polars panics): a header's stray NUL is dropped.
    last = {column.replace("\x00", ""): index for index, column in enumerate(header)}
    return pl.DataFrame([rows.to_series(index).alias(column) for column, index in last.items()]
                        ).to_arrow(compat_level=pl.CompatLevel.newest())  # no copy


class _Blocks:
    """A byte stream cut into blocks of whole CSV rows: up to a line end after an even number
    of quotes (a line end inside a quoted field comes after an odd number)."""

    def __init__(self, stream: BinaryIO):
        self.read_chunk = getattr(stream, "read1", stream.read)
        self.on_disk = isinstance(getattr(stream, "raw", None), io.FileIO)
        self.pending = b""  # read, not yet in a block
        self.error: Exception | None = None  # what stopped the reading, if anything did
        self.whole = True  # False once a row does not fit in MAX_FIELD_BYTES

    def __iter__(self) -> Iterator[bytes]:
        while block := self._next():
            yield block

    def _next(self) -> bytes:
        """The next block; empty at the end, or where reading failed or a row is too long."""
        parts, size, wanted = [self.pending], len(self.pending), BLOCK_BYTES
        while True:
            try:
                chunk = self.read_chunk(max(wanted - size, 1) if self.on_disk else _READ_SIZE)
            except Exception as exc:  # noqa: BLE001 (the replay raises it again)
                self.error, self.pending = exc, b"".join(parts)
                return b""
            parts.append(chunk)
            size += len(chunk)
            if chunk and size < wanted:
                continue
            data = b"".join(parts)
            # At the end of the stream, the last row needs no line end.
            end = _rows_end(data) if chunk else len(data)
            if (end or size) > MAX_FIELD_BYTES:  # rows that may hold a field over the limit
                self.whole, self.pending = False, data
                return b""
            if end or not chunk:
                self.pending = data[end:]
                return data[:end]
            parts, wanted = [data], size + BLOCK_BYTES  # no whole row yet: read a block more

    def replay(self, block: bytes) -> BinaryIO:
        """The stream from ``block`` on as it was: that block, the bytes read after it, then
        the rest of the stream, or the error that stopped reading it."""
        return io.BufferedReader(_Replay(block + self.pending, self.read_chunk, self.error))


def _rows_end(data: bytes) -> int:
    """The end of the last whole row in ``data`` (0 if none)."""
    quotes = data.count(b'"')
    end = len(data)
    while (line_end := data.rfind(b"\n", 0, end)) >= 0:
        quotes -= data.count(b'"', line_end, end)
        if quotes % 2 == 0:
            return line_end + 1
        end = line_end
    return 0


class _Replay(io.RawIOBase):
    """Bytes already read from a stream, then the rest of the stream (or its error)."""

    def __init__(self, head: bytes, read_chunk, error: Exception | None):
        self.head, self.offset = memoryview(head), 0
        self.read_chunk, self.error = read_chunk, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.offset < len(self.head):
            n = min(len(buffer), len(self.head) - self.offset)
            buffer[:n] = self.head[self.offset:self.offset + n]
            self.offset += n
            return n
        if self.error is not None:
            raise self.error
        data = self.read_chunk(len(buffer))
        buffer[:len(data)] = data
        return len(data)
