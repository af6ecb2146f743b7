"""Batches bounded in records and in bytes of text: the one rule every stage cuts its work by.

A batch (what one worker computes at once) holds at most a number of records, or fewer where
their text reaches ``BATCH_BYTES``; a chunk (what is checked and written in one transaction)
at most a number of records, or fewer where their text reaches ``CHUNK_BYTES``. The record
that crosses the limit is the batch's last: a batch holds one record at least, however large.
"""

from __future__ import annotations

import polars as pl

# Text (title and text, or title and body) in one batch of records, at most: a batch of 500
# lines of 9 MB would hold 4.5 GB.
BATCH_BYTES = 8 * 2**20
# ... and in one chunk written in one transaction (a 256 MB chunk of 9 MB bodies ran DuckDB
# out of its 512 MB).
CHUNK_BYTES = 64 * 2**20

def rows_within(sizes: pl.Series, max_rows: int, max_bytes: int = BATCH_BYTES) -> int:
    """How many of the first rows (of these text sizes, in bytes) make a batch: ``max_rows``,
    or fewer where their text reaches ``max_bytes``; one at least (none of no rows)."""
    sizes = sizes.fill_null(0).head(max_rows)
    return int((sizes.cum_sum() - sizes < max_bytes).sum())


def spans(sizes: pl.Series, max_rows: int, max_bytes: int = BATCH_BYTES
          ) -> list[tuple[int, int]]:
    """The rows of these text sizes cut into consecutive batches by ``rows_within``: each
    batch's (offset, length)."""
    cut: list[tuple[int, int]] = []
    start = 0
    while start < len(sizes):
        length = rows_within(sizes.slice(start, max_rows), max_rows, max_bytes)
        cut.append((start, length))
        start += length
    return cut
