"""Raw records, the readers' output, one by one (dicts) or in batches (Polars frames).

A batch of articles read as columns (``ArticleBatch``) becomes either form; so do records read
one by one (``records_frame``), so the two forms hold the same records in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat

import polars as pl

from flows.sources.archives import utf8

RAW_FIELDS = ("source", "record_key", "kind", "url", "site", "title", "author", "text",
              "date_raw", "crawl_date", "file_mtime", "error", "error_code")
RAW_SCHEMA = {name: pl.String for name in RAW_FIELDS} | {"file_mtime": pl.Datetime("us", "UTC")}


@dataclass(frozen=True)
class ArticleBatch:
    """Articles of one file read as columns (some of RAW_FIELDS); the rest are the file's
    (source, file_mtime) or None."""

    frame: pl.DataFrame
    source: str
    file_mtime: datetime | None

    def records(self) -> Iterator[dict]:
        constants = {"source": self.source, "file_mtime": self.file_mtime}
        columns = [self.frame.get_column(name).to_list() if name in self.frame.columns
                   else repeat(constants.get(name)) for name in RAW_FIELDS]
        # The file's constants repeat for as long as the frame's columns last.
        return map(dict, map(zip, repeat(RAW_FIELDS), zip(*columns, strict=False)))

    def raw_frame(self) -> pl.DataFrame:
        constants = {"source": self.source, "file_mtime": self.file_mtime}
        return self.frame.select(
            pl.col(name) if name in self.frame.columns
            else pl.lit(constants.get(name), RAW_SCHEMA[name]).alias(name)
            for name in RAW_FIELDS
        ).cast(RAW_SCHEMA)


def records_frame(records: list[dict]) -> pl.DataFrame:
    # Column by column: Polars takes lists far faster than it takes dicts.
    columns = {name: [record[name] for record in records] for name in RAW_FIELDS}
    try:
        return pl.DataFrame(columns, schema=RAW_SCHEMA)
    except UnicodeEncodeError:
        # A lone surrogate (JSON may write "\ud800" in any string) is no UTF-8: escaped, in
        # the one place text must become it, and only in the rare batch that has one.
        return pl.DataFrame({name: [utf8(v) if isinstance(v, str) else v for v in values]
                             for name, values in columns.items()}, schema=RAW_SCHEMA)
