"""Field names of structured exports (JSON, CSV, Parquet): the usual ones, or the user's.

A name matches whatever its case and punctuation (``Published_At``, ``publishedAt`` and
``published at`` are one name). The columns holding each field are resolved once per header
(CSV, Parquet) or key set (JSON records); an export that cannot give articles — no text column,
or a ``--field`` naming a column it lacks — is told once, and every record carries the reason.

Fields are picked from one record (``pick_fields``, a dict) or from a table of them at once
(``pick_columns``, a CSV block or a Parquet batch), by the same rules: the first column with a
value other than None or "", as a string; for the date, else the first date-like column whose
value is a plausible date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
import pyarrow as pa

from flows.errors import BadOption
from transforms.dates import is_plausible, parse_date
from transforms.reasons import ReasonCode

# The usual field names of news exports, in order of preference.
FIELD_CANDIDATES = {
    "text": ("text", "body", "content", "article", "maintext", "articleBody", "full_text",
             "article_text"),
    "title": ("title", "headline"),
    "author": ("author", "authors", "byline", "creator"),
    "url": ("url", "link", "canonical_url"),
    "site": ("site", "site_name", "domain", "source_domain", "publisher", "outlet",
             "source_name"),
    "date_raw": ("date", "published", "published_at", "pub_date", "timestamp",
                 "date_published", "date_publish", "publish_date", "published_date",
                 "publication_date", "firstpubdate", "datetime", "seendate", "created",
                 "created_at", "when", "time"),
    "record_id": ("id", "doc_id", "guid", "uuid"),
}
# Dates of a change, not of publication: read only when no other date column has one.
LAST_RESORT_DATES = ("updated", "updated_at", "modified", "modified_at", "last_modified",
                     "date_modified", "lastmod")
# Other columns whose name says date or time are read when their value is a plausible date
# ("dateline", "release_date"), unless the name says it is a date of a copy or a change.
_DATE_LIKE_NAME = re.compile(r"date|time|publ")
_NOT_PUBLICATION = re.compile(r"updat|modif|crawl|scrap|fetch|download|retriev|ingest|insert"
                              r"|expir")
# What users may name on the command line (`--field body=maintext`).
FIELD_ALIASES = {"body": "text", "text": "text", "title": "title", "url": "url", "author": "author",
                 "site": "site", "date": "date_raw", "id": "record_id"}
# The name to show for a target in a message: its first alias.
_ALIAS_OF = {target: alias for alias, target in reversed(FIELD_ALIASES.items())}
_COLUMNS_SHOWN = 12


def parse_field_overrides(pairs: list[str]) -> dict[str, str]:
    """``["body=maintext", "date=ts"]`` → ``{"text": "maintext", "date_raw": "ts"}``."""
    overrides = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        if not sep or not column or target.strip() not in FIELD_ALIASES:
            raise BadOption(
                f"bad --field {pair!r}: use TARGET=COLUMN with TARGET one of "
                f"{', '.join(sorted(FIELD_ALIASES))}"
            )
        overrides[FIELD_ALIASES[target.strip()]] = column.strip()
    return overrides


def _normalised(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


def _listed(columns: tuple[str, ...]) -> str:
    shown = ", ".join(columns[:_COLUMNS_SHOWN])
    return shown + (", …" if len(columns) > _COLUMNS_SHOWN else "")


@dataclass(frozen=True)
class ExportColumns:
    """Where each field is among one export's columns."""

    targets: dict[str, tuple[str, ...]]  # field → the columns holding it, best first
    guessed_dates: tuple[str, ...]  # date-like columns read when their value is a date
    problem: tuple[ReasonCode, str] | None  # why no record of the export can be an article


def columns_of(columns: Iterable[str], overrides: dict[str, str] | None = None) -> ExportColumns:
    """The columns holding each field, by the user's overrides or by the usual names."""
    return _resolve(tuple(columns), tuple(sorted(overrides.items())) if overrides else ())


@lru_cache(maxsize=256)  # JSON records of one export share their key set
def _resolve(columns: tuple[str, ...], overrides: tuple[tuple[str, str], ...]) -> ExportColumns:
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(_normalised(column), column)
    targets = {
        target: tuple(dict.fromkeys(by_name[n] for n in map(_normalised, names) if n in by_name))
        for target, names in FIELD_CANDIDATES.items()
    }
    named = set().union(*targets.values())
    last_resort = tuple(by_name[n] for n in map(_normalised, LAST_RESORT_DATES) if n in by_name)
    guessed = tuple(
        c for c in columns if c not in named and c not in last_resort
        and _DATE_LIKE_NAME.search(_normalised(c)) and not _NOT_PUBLICATION.search(_normalised(c))
    ) + last_resort
    problem = None
    for target, wanted in overrides:
        column = wanted if wanted in columns else by_name.get(_normalised(wanted))
        if column is None and problem is None:
            problem = (ReasonCode.FIELD_NOT_FOUND,
                       f"--field {_ALIAS_OF.get(target, target)}={wanted}: no column {wanted!r} "
                       f"(columns: {_listed(columns)})")
        targets[target] = (column,) if column else ()
        if target == "date_raw":
            guessed = ()  # the user's date column, or none
    if problem is None and not targets["text"]:
        problem = (ReasonCode.NO_TEXT_FIELD,
                   f"no text field among the columns {_listed(columns)}: name it with "
                   f"--field body=COLUMN")
    return ExportColumns(targets, guessed, problem)


def _first(obj: dict, columns: tuple[str, ...]):
    """The value of the first of the columns the record fills, or None."""
    for column in columns:
        value = obj.get(column)
        if value not in (None, ""):
            return value
    return None


def _guessed_date(obj: dict, columns: tuple[str, ...]):
    """The value of the first of the date-like columns whose value is a plausible date."""
    for column in columns:
        parsed = parse_date(obj.get(column) or None)
        if parsed is not None and is_plausible(parsed):
            return obj[column]
    return None


def pick_fields(obj: dict, export: ExportColumns) -> dict:
    """The record's text, title, author, url, site, date and id (strings, or None).

    The date is the value of the first usual date column the record fills, as it is (a bad one
    is reported, not passed over); else that of the first other date-like column whose value is
    a plausible date.
    """
    out = {}
    for target, columns in export.targets.items():
        value = _first(obj, columns) if columns else None
        if value is None and target == "date_raw" and export.guessed_dates:
            value = _guessed_date(obj, export.guessed_dates)
        out[target] = None if value is None else str(value)
    return out


def record_id_of(obj: dict, export: ExportColumns) -> str | None:
    value = _first(obj, export.targets["record_id"])
    return None if value is None else str(value)


def pick_columns(table: pa.Table | pa.RecordBatch, export: ExportColumns) -> pl.DataFrame:
    """``pick_fields`` for every row of ``table``: one column per field, null for None."""
    # Named by position: a header may hold any name, one Polars would read as a pattern too.
    used = {column: f"c{i}" for i, column in enumerate(
        dict.fromkeys(c for columns in export.targets.values() for c in columns))}
    filled = pl.DataFrame([_filled_text(table.column(column)).alias(alias)
                           for column, alias in used.items()])
    picked = filled.select(**{
        target: pl.coalesce([used[c] for c in columns]) if columns else pl.lit(None, pl.String)
        for target, columns in export.targets.items()
    })
    undated = picked.get_column("date_raw").is_null()
    if export.guessed_dates and undated.any():
        # Rows without a usual date: value by value, as pick_fields reads them.
        values = {column: python_values(table.column(column))
                  for column in export.guessed_dates}
        rows = undated.arg_true()
        dates = [_guessed_date({column: values[column][row] for column in values},
                               export.guessed_dates) for row in rows]
        picked = picked.with_columns(picked.get_column("date_raw").scatter(
            rows, [None if value is None else str(value) for value in dates]))
    return picked


def python_values(values: pa.Array | pa.ChunkedArray) -> list:
    """A column's values as Python objects; a timestamp or date Python cannot hold (a year
    past 9999) as the text pyarrow writes for it, for the date checks to turn down."""
    try:
        return values.to_pylist()
    except (OverflowError, ValueError):
        return [_python_value(value) for value in values]


def _python_value(value: pa.Scalar):
    try:
        return value.as_py()
    except (OverflowError, ValueError):
        return value.cast(pa.string()).as_py()


def _filled_text(values: pa.Array | pa.ChunkedArray) -> pl.Series:
    """A column's values as ``_first`` and ``str`` read them: null where None or ""."""
    kind = values.type
    if pa.types.is_null(kind) or pa.types.is_integer(kind):
        # Integers print as str() prints them; nothing else converts the way Python does.
        return pl.from_arrow(values).cast(pl.String)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        text = pl.from_arrow(values)
        return text.set(text == "", None)
    return pl.Series([None if value in (None, "") else str(value)
                      for value in python_values(values)], dtype=pl.String)
