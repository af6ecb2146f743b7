"""Raw dump records → articles: main text, title, stable id, date with its source, language.

Pure: a DataFrame of raw records in (see flows.sources.RAW_FIELDS), two DataFrames out — the
articles and the quarantined records with their reasons.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePath
from urllib.parse import urlsplit

import polars as pl
import py3langid

from transforms.dates import is_plausible, parse_date
from transforms.extract import extract_pages
from transforms.extract_html import extract_html, visible_text

MIN_WORDS = 20
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[^\d])"
)

ARTICLE_SCHEMA = {
    "source": pl.Utf8, "record_key": pl.Utf8, "url": pl.Utf8, "site": pl.Utf8,
    "title": pl.Utf8, "author": pl.Utf8, "body": pl.Utf8,
    "published_at": pl.Datetime("us", "UTC"),
    "date_source": pl.Utf8, "lang": pl.Utf8, "n_words": pl.Int32, "doc_id": pl.Utf8,
}
QUARANTINE_SCHEMA = {"source": pl.Utf8, "record_key": pl.Utf8, "reason": pl.Utf8,
                     "excerpt": pl.Utf8}


def doc_id_of(body: str) -> str:
    """Stable id from the normalised main text: case and whitespace do not change it."""
    normalised = " ".join(body.lower().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def site_of(url: str | None, source: str) -> str:
    if url:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
        if host:
            return host.removeprefix("www.")
    # Page dumps without a URL: the folder they were saved in stands for the site.
    return PurePath(source).parent.name or "unknown"


def url_date(url: str | None) -> datetime | None:
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    return parse_date("-".join(match.groups()))


def language_of(text: str) -> str | None:
    if not text:
        return None
    # 600 characters identify a language reliably and keep this off the hot path.
    lang, _ = py3langid.classify(text[:600])
    return lang


def _date_and_source(record: dict, now: datetime) -> tuple[datetime | None, str | None, str | None]:
    """(published_at, date_source, quarantine reason).

    Sources in order: record field → HTML metadata → URL → byline in the text → crawl date
    (WARC) → file modification time.
    """
    raw = record.get("date_raw")
    if raw not in (None, ""):
        parsed = parse_date(raw)
        if parsed is None:
            return None, None, f"unparseable date {str(raw)[:40]!r}"
        if not is_plausible(parsed, now):
            return None, None, f"implausible date {parsed.isoformat()} (before 1900 or future)"
        return parsed, "record", None
    for value, source in (
        (record.get("html_date"), "html"),
        (url_date(record.get("url")), "url"),
        (record.get("date_hint"), "byline"),
        (parse_date(record.get("crawl_date")), "crawl"),
        (record.get("file_mtime"), "file_mtime"),
    ):
        if value is not None and is_plausible(value, now):
            return value, source, None
    return None, None, "no publication date found"


def build_articles(raw: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Articles and quarantined records from a batch of raw records."""
    quarantined: list[dict] = []
    articles: list[dict] = []
    records = raw.to_dicts()
    good = []
    for rec in records:
        if rec.get("error"):
            quarantined.append(_quarantine_row(rec, rec["error"]))
        else:
            good.append(rec)
    for rec in good:
        if rec["kind"] == "html":
            _take_html(rec)
    # Page dumps (and HTML pages trafilatura found no article in) go through the text-dump
    # extractor together, so it can learn each site's template lines across the batch.
    pages = [r for r in good if r["kind"] == "page"]
    if pages:
        extracted = extract_pages(
            [r["text"] for r in pages], [site_of(r.get("url"), r["source"]) for r in pages]
        )
        for rec, ext in zip(pages, extracted.iter_rows(named=True), strict=True):
            rec["body"], rec["date_hint"] = ext["body"], ext["date_hint"]
            rec["title"] = rec.get("title") or ext["title"]
    for rec in good:
        if rec["kind"] == "article":
            rec["body"] = (rec.get("text") or "").strip()
        body = rec.get("body") or ""
        n_words = len(body.split())
        if n_words == 0:
            quarantined.append(_quarantine_row(rec, "no article text found"))
            continue
        if n_words < MIN_WORDS:
            quarantined.append(
                _quarantine_row(rec, f"article text too short ({n_words} words < {MIN_WORDS})")
            )
            continue
        published_at, date_source, problem = _date_and_source(rec, now)
        if problem:
            quarantined.append(_quarantine_row(rec, problem))
            continue
        articles.append(
            {
                "source": rec["source"],
                "record_key": rec["record_key"],
                "url": rec.get("url"),
                "site": site_of(rec.get("url"), rec["source"]),
                "title": (rec.get("title") or "").strip() or None,
                "author": (rec.get("author") or "").strip()[:200] or None,
                "body": body,
                "published_at": published_at,
                "date_source": date_source,
                "lang": language_of(body),
                "n_words": n_words,
                "doc_id": doc_id_of(body),
            }
        )
    return (
        pl.DataFrame(articles, schema=ARTICLE_SCHEMA),
        pl.DataFrame(quarantined, schema=QUARANTINE_SCHEMA),
    )


def _take_html(rec: dict) -> None:
    """Fill body, title, url and date from the HTML, or turn the record into a text page."""
    found = extract_html(rec["text"], rec.get("url"))
    if found["body"]:
        rec["body"] = found["body"]
        rec["title"] = rec.get("title") or found["title"]
        rec["author"] = rec.get("author") or found["author"]
        rec["url"] = rec.get("url") or found["url"]
        rec["html_date"] = found["date"]
    else:
        rec["kind"], rec["text"] = "page", visible_text(rec["text"])


def _quarantine_row(rec: dict, reason: str) -> dict:
    excerpt = rec.get("text") or ""
    return {
        "source": rec["source"],
        "record_key": rec["record_key"],
        "reason": reason,
        "excerpt": excerpt[:200] or None,
    }
