"""Field names of structured exports (JSON, CSV, Parquet): the usual ones, or the user's."""

from __future__ import annotations

# The usual field names of news exports, in order of preference.
FIELD_CANDIDATES = {
    "text": ("text", "body", "content", "article", "maintext", "articleBody", "full_text"),
    "title": ("title", "headline"),
    "author": ("author", "authors", "byline", "creator"),
    "url": ("url", "link", "canonical_url"),
    "date_raw": ("date", "published", "published_at", "pubDate", "timestamp", "datePublished",
                 "date_publish", "publish_date"),
    "record_id": ("id", "doc_id", "guid", "uuid"),
}
# What users may name on the command line (`--field body=maintext`).
FIELD_ALIASES = {"body": "text", "text": "text", "title": "title", "url": "url", "author": "author",
                 "date": "date_raw", "id": "record_id"}


def parse_field_overrides(pairs: list[str]) -> dict[str, str]:
    """``["body=maintext", "date=ts"]`` → ``{"text": "maintext", "date_raw": "ts"}``."""
    overrides = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        if not sep or not column or target.strip() not in FIELD_ALIASES:
            raise ValueError(
                f"bad --field {pair!r}: use TARGET=COLUMN with TARGET one of "
                f"{', '.join(sorted(FIELD_ALIASES))}"
            )
        overrides[FIELD_ALIASES[target.strip()]] = column.strip()
    return overrides


def pick_fields(obj: dict, overrides: dict[str, str] | None = None) -> dict:
    """The record's text, title, url, date and id, by override or by the usual names."""
    out = {}
    for target, names in FIELD_CANDIDATES.items():
        if overrides and target in overrides:
            names = (overrides[target],)
        value = next((obj[n] for n in names if obj.get(n) not in (None, "")), None)
        out[target] = None if value is None else str(value)
    return out
