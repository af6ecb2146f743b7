"""Records of structured exports: one article per record, or the reason it cannot be one.

A record becomes an article one at a time (``article``, from a dict) or a table of them at once
(``articles``, from the columns ``fields.pick_columns`` picked), with the same record key: the
record's place in the export (line, row or index) and, when it has one, ``#`` and its id.
"""

from __future__ import annotations

from itertools import islice

import polars as pl

from flows.sources.decode import repair, repair_column
from flows.sources.fields import ExportColumns, pick_fields, record_id_of
from transforms.reasons import ReasonCode


def article_kind(options) -> str:
    # A structured export's text is the article as given, unless the user asks for cleaning.
    return "page" if options.clean_exports else "article"


def keyed(key: str, record_id: str | None) -> str:
    return f"{key}#{record_id}" if record_id else key


def numbered_keys(prefix: str, first: int, count: int, suffix: str = "") -> pl.Series:
    """The places ``f"{prefix}{n}{suffix}"`` of ``count`` records numbered from ``first``."""
    numbers = pl.int_range(first, first + count, eager=True).cast(pl.String)
    return pl.select(pl.concat_str([pl.lit(prefix), pl.lit(numbers), pl.lit(suffix)])
                     ).to_series()


def article(key: str, obj: dict, export: ExportColumns, kind: str) -> dict:
    if export.problem:
        return bad(keyed(key, record_id_of(obj, export)), *export.problem, excerpt(obj))
    fields = pick_fields(obj, export)
    record_key = keyed(key, fields.pop("record_id"))
    for name in ("title", "text"):
        if fields[name]:
            fields[name] = repair(fields[name])
    return {"record_key": record_key, "kind": kind, **fields}


def articles(keys: pl.Series, picked: pl.DataFrame, kind: str) -> pl.DataFrame:
    """``article`` for every row of ``picked`` (``pick_columns`` of an export without a
    problem) whose places are ``keys``: the raw-record columns an article fills."""
    record_id = picked.get_column("record_id")
    return picked.select(
        record_key=pl.when(record_id.is_null()).then(pl.lit(keys))  # as keyed() has it
        .otherwise(pl.concat_str([pl.lit(keys), pl.lit("#"), record_id])),
        kind=pl.lit(kind),
        url="url", site="site",
        title=pl.lit(repair_column(picked.get_column("title"))),
        author="author",
        text=pl.lit(repair_column(picked.get_column("text"))),
        date_raw="date_raw",
    )


def bad(key: str, code: ReasonCode, reason: str, excerpt: str | None = None) -> dict:
    return {"record_key": key, "kind": "article", "error": reason, "error_code": code,
            "text": excerpt}


def excerpt(obj: dict) -> str:
    """The start of a record's fields, to recognise it by in the quarantine."""
    first = islice(obj.items(), 8)
    return "; ".join(f"{name}: {str(value)[:60]}" for name, value in first)[:200]
