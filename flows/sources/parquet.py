"""Parquet exports: one article per row, read in record batches by pyarrow.

The batches become articles as columns; only an export whose rows are all quarantined (no text
column, a ``--field`` naming none) or whose column names repeat is read row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import polars as pl
import pyarrow as pa

from flows.batches import BATCH_BYTES
from flows.sources.articles import article, article_kind, articles, bad, numbered_keys
from flows.sources.fields import columns_of, pick_columns, python_values
from transforms.reasons import ReasonCode

# Read 1000 rows at a time, as ever (a corrupt file fails after the same records), fewer where
# rows are large: a batch holds about BATCH_BYTES by the file's own sizes. Polars pays per
# call, so the batches are picked FRAME_ROWS (or BATCH_BYTES) at a time.
BATCH_ROWS = 1000
FRAME_ROWS = 20_000


def read_parquet(stream: BinaryIO, name: str, options) -> Iterator[dict | pl.DataFrame]:
    try:
        import pyarrow.parquet as pq  # here: it costs start-up time to every other format

        parquet = pq.ParquetFile(stream)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        yield bad(name, ReasonCode.UNREADABLE_FILE, f"unreadable Parquet file: {exc}")
        return
    names = parquet.schema_arrow.names
    export = columns_of(names, options.fields)
    kind = article_kind(options)
    batches = parquet.iter_batches(batch_size=batch_rows(parquet.metadata))
    index = 0
    if options.columnar and not export.problem and len(set(names)) == len(names):
        for group in _groups(batches):
            table = pa.Table.from_batches(group)
            keys = numbered_keys(f"{name}[", index, table.num_rows, "]")
            yield articles(keys, pick_columns(table, export), kind)
            index += table.num_rows
        return
    for batch in batches:
        for obj in _rows(batch):
            yield article(f"{name}[{index}]", obj, export, kind)
            index += 1


def batch_rows(metadata) -> int:
    """Rows per batch: BATCH_ROWS, or as many as hold BATCH_BYTES at the file's mean
    (uncompressed) row size; one at least."""
    row_groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    rows = sum(group.num_rows for group in row_groups)
    size = sum(group.total_byte_size for group in row_groups)
    if not rows or not size:
        return BATCH_ROWS
    return max(1, min(BATCH_ROWS, int(BATCH_BYTES * rows / size)))


def _rows(batch: pa.RecordBatch) -> list[dict]:
    try:
        return batch.to_pylist()
    except (OverflowError, ValueError):  # a value Python cannot hold: column by column
        columns = [python_values(column) for column in batch.columns]
        names = batch.schema.names
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _groups(batches: Iterator[pa.RecordBatch]) -> Iterator[list[pa.RecordBatch]]:
    """The batches, FRAME_ROWS rows or BATCH_BYTES at a time; those read before an error
    come before it."""
    group: list[pa.RecordBatch] = []
    rows = size = 0
    try:
        for batch in batches:
            group.append(batch)
            rows, size = rows + batch.num_rows, size + batch.nbytes
            if rows >= FRAME_ROWS or size >= BATCH_BYTES:
                yield group
                group, rows, size = [], 0, 0
    except Exception:
        if group:
            yield group
        raise
    if group:
        yield group
