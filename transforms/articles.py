"""Raw dump records → articles: main text, title, stable id, site, date with its source, language.

Pure: a DataFrame of raw records in (see flows.sources.RAW_FIELDS), two DataFrames out — the
articles and the quarantined records with their reasons.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import polars as pl

from transforms.dates import is_plausible, parse_date
from transforms.extract import extract_pages
from transforms.extract_html import extract_html_pages, visible_text
from transforms.language import languages_of
from transforms.reasons import ReasonCode
from transforms.words import word_counts

# Fewer words than this is no article (words in any script: transforms.words).
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
                     "reason_code": pl.Utf8, "excerpt": pl.Utf8}


_LABELS = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
# Any host a URL may have (the URL says it is one).
_URL_HOST = re.compile(rf"{_LABELS}(?:[a-z]{{2,63}}|xn--[a-z0-9-]+)")
# A name that is probably a host: labels, then a top-level domain of a known shape — a generic
# one of this list or two letters (a country's); "example" is reserved for examples (RFC 2606).
_GENERIC_TLDS = ("com|org|net|info|biz|news|media|press|online|site|blog|live|today|world"
                 "|gov|edu|int|mil|eu|asia|io|ai|tv|fm|app|dev|example")
_LIKELY_HOST = rf"{_LABELS}(?:{_GENERIC_TLDS}|[a-z]{{2}})"
_HOST_NAME = re.compile(rf"(?:www\d?\.)?{_LIKELY_HOST}", re.IGNORECASE)
# A file named after its site: "www.bbc.co.uk_2024-01-02_article.html", "reuters.com-1234.txt".
_HOST_FILE_NAME = re.compile(rf"(?:www\d?\.)?({_LIKELY_HOST})[_\s-]", re.IGNORECASE)
_PRINTED_URL = re.compile(r"https?://[^\s\"'<>()\[\]]+")
_WORD = re.compile(r"[^\W\d_]{2,}")


def doc_id_of(body: str) -> str:
    """Stable id from the normalised main text: case and whitespace do not change it."""
    normalised = " ".join(body.lower().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def host_of(url: str | None) -> str | None:
    """The host of a URL (``www.`` dropped), or None when it has none."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:  # e.g. an unbalanced "[" in a junk URL field
        return None
    if not host or not _URL_HOST.fullmatch(host):
        return None
    return host.removeprefix("www.")


def site_named(name: str | None) -> str | None:
    """A site as a record or a page names it: a URL or host becomes the host, a name
    ("Reuters") stays as written; None for nothing, or for a copyright line or a menu."""
    name = " ".join((name or "").split())
    if not name:
        return None
    if "//" in name or _HOST_NAME.fullmatch(name):
        return host_of(name)
    if len(name) > 60 or "|" in name or re.match(r"(?i)copyright|©|\(c\)", name):
        return None
    return name


def printed_url(text: str) -> str | None:
    """A URL of the page's own site printed in a text dump (a share link, the page address):
    one whose last path segment is a slug of three or more words that a line of the page
    (its headline) mostly repeats — links to other sites rarely do."""
    lines = None
    for match in _PRINTED_URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?”’")
        segments = [s for s in urlsplit(url).path.split("/") if s]
        if not segments:
            continue
        slug = re.sub(r"\.\w{2,5}$", "", segments[-1]).lower().replace("_", "-")
        words = set(_WORD.findall(slug.replace("-", " ")))
        if len(words) < 3:
            continue
        if lines is None:
            lines = [set(_WORD.findall(line.lower())) for line in text.splitlines()
                     if "://" not in line]
        if any(len(words & line) >= 0.75 * len(words) for line in lines):
            return url
    return None


def _member_path(rec: dict) -> PurePosixPath:
    """The record's file: the dump file, or the archive member it was read from."""
    _, *members = (rec["record_key"] or "").split("!")
    if not members:
        return PurePosixPath(rec["source"] or "")
    # Keys of records inside a file end in ":line", "[index]", "@offset" or "#id".
    members[-1] = re.split(r":\d|\[\d|@\d|#", members[-1], maxsplit=1)[0]
    return PurePosixPath(rec["source"] or "", *members)


def host_in_file_name(rec: dict) -> str | None:
    """The site a file is named after ("reuters.com-1234.txt"), or None."""
    match = _HOST_FILE_NAME.match(_member_path(rec).name)
    return match.group(1).lower() if match else None


def site_of(rec: dict) -> str | None:
    """The publishing site: the record's own site field, else its URL's host, else what the
    page says (its site name, a URL of its own site printed in a text dump), else a file
    named after its site; None rather than a guess (a folder is not a site)."""
    return (
        site_named(rec.get("site"))
        or host_of(rec.get("url"))
        or site_named(rec.get("page_site"))
        or (host_of(printed_url(rec.get("text") or "")) if rec["kind"] == "page" else None)
        or host_in_file_name(rec)
    )


def template_group(rec: dict) -> str:
    """Pages that share a site template, for the text-dump extractor to learn its lines: the
    site when the record or its file name says it, else the folder the pages were saved in."""
    known = site_named(rec.get("site")) or host_of(rec.get("url")) or host_in_file_name(rec)
    return known or f"folder:{_member_path(rec).parent}"


def url_date(url: str | None) -> datetime | None:
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    return parse_date("-".join(match.groups()))


def _date_and_source(
    record: dict, now: datetime
) -> tuple[datetime | None, str | None, tuple[ReasonCode, str] | None]:
    """(published_at, date_source, (reason code, quarantine reason) when there is none).

    Sources in order: record field → HTML metadata → URL → byline in the text → crawl date
    (WARC) → file modification time.
    """
    raw = record.get("date_raw")
    if raw not in (None, ""):
        parsed = parse_date(raw)
        if parsed is None:
            return None, None, (ReasonCode.UNPARSEABLE_DATE,
                                f"unparseable date {str(raw)[:40]!r}")
        if not is_plausible(parsed, now):
            return None, None, (ReasonCode.IMPLAUSIBLE_DATE,
                                f"implausible date {parsed.isoformat()} (before 1900 or future)")
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
    return None, None, (ReasonCode.NO_DATE, "no publication date found")


def build_articles(raw: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Articles and quarantined records from a batch of raw records."""
    quarantined: list[dict] = []
    articles: list[dict] = []
    records = raw.to_dicts()
    good = []
    for rec in records:
        if rec.get("error"):
            quarantined.append(_quarantine_row(rec, rec.get("error_code"), rec["error"]))
        else:
            good.append(rec | {"text": rec.get("text") or ""})  # no text: quarantined as empty
    html = [rec for rec in good if rec["kind"] == "html"]
    found = extract_html_pages([rec["text"] for rec in html], [rec.get("url") for rec in html],
                               [template_group(rec) for rec in html])
    for rec, page in zip(html, found, strict=True):
        _take_html(rec, page)
    # Page dumps (and HTML pages trafilatura found no article in) go through the text-dump
    # extractor together, so it can learn each site's template lines across the batch.
    pages = [r for r in good if r["kind"] == "page"]
    if pages:
        extracted = extract_pages([r["text"] for r in pages], [template_group(r) for r in pages])
        for rec, ext in zip(pages, extracted.iter_rows(named=True), strict=True):
            rec["body"], rec["date_hint"] = ext["body"], ext["date_hint"]
            rec["title"] = rec.get("title") or ext["title"]
    for rec in good:
        if rec["kind"] == "article":
            rec["body"] = (rec.get("text") or "").strip()
    lengths = word_counts([rec.get("body") or "" for rec in good])
    for rec, n_words in zip(good, lengths, strict=True):
        body = rec.get("body") or ""
        if n_words == 0:
            quarantined.append(
                _quarantine_row(rec, ReasonCode.NO_ARTICLE_TEXT, "no article text found"))
            continue
        if n_words < MIN_WORDS:
            quarantined.append(_quarantine_row(
                rec, ReasonCode.TOO_SHORT,
                f"article text too short ({n_words} words < {MIN_WORDS})"))
            continue
        published_at, date_source, problem = _date_and_source(rec, now)
        if problem:
            quarantined.append(_quarantine_row(rec, *problem))
            continue
        articles.append(
            {
                "source": rec["source"],
                "record_key": rec["record_key"],
                "url": rec.get("url"),
                "site": site_of(rec),
                "title": (rec.get("title") or "").strip() or None,
                "author": (rec.get("author") or "").strip()[:200] or None,
                "body": body,
                "published_at": published_at,
                "date_source": date_source,
                "n_words": n_words,
                "doc_id": doc_id_of(body),
            }
        )
    # One batch for all the articles: identifying them one by one was most of ingest's time.
    for article, lang in zip(articles, languages_of([a["body"] for a in articles]),
                             strict=True):
        article["lang"] = lang
    return (
        pl.DataFrame(articles, schema=ARTICLE_SCHEMA),
        pl.DataFrame(quarantined, schema=QUARANTINE_SCHEMA),
    )


def _take_html(rec: dict, found: dict) -> None:
    """Fill body, title, url, site and date from what extract_html found in the HTML, or turn
    the record into a text page (keeping the page's site name)."""
    rec["page_site"] = found["site"]
    if found["body"]:
        rec["body"] = found["body"]
        rec["title"] = rec.get("title") or found["title"]
        rec["author"] = rec.get("author") or found["author"]
        rec["url"] = rec.get("url") or found["url"]
        rec["html_date"] = found["date"]
    else:
        rec["kind"], rec["text"] = "page", visible_text(rec["text"])


def _quarantine_row(rec: dict, code: str | None, reason: str) -> dict:
    excerpt = rec.get("text") or ""
    return {
        "source": rec["source"],
        "record_key": rec["record_key"],
        "reason": reason,
        "reason_code": code,
        "excerpt": excerpt[:200] or None,
    }
