"""Main text and metadata of an HTML page, with trafilatura.

trafilatura scores about 0.95 token F1 on real news pages; where it finds no article, the page's
visible text goes to the text-dump extractor instead (transforms.extract).

The page is parsed once: trafilatura reads the text from a copy of the tree and the metadata
from the tree itself, and only the metadata fields comention keeps are looked for.
"""

from __future__ import annotations

import contextlib
import logging

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    Document,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import set_date_params

from transforms.dates import parse_date
from transforms.extract import trim_chrome
from transforms.words import word_counts

# trafilatura logs every page it finds nothing in; a quarantine row says it better.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

# Chosen with bench.bench_html on its tune half. fast: no readability/jusText comparison (over
# half of the text extraction's time, no better on the tune half); no deduplication:
# trafilatura's cache is shared by every page a process reads, so it cut paragraphs a page
# shares with pages read before it (and whole pages read several times), making a page's text
# depend on its batch and worker.
TRAFILATURA_OPTIONS = {
    "fast": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}
# Each page is read twice, favouring recall and favouring precision: the recall reading keeps
# other stories' teasers and link lists on some pages, the precise one cuts most of the article
# on others. Both are trimmed of the lines the text-dump scorer reads as chrome
# (transforms.extract.trim_chrome), and the precise reading is taken unless it keeps less than
# PRECISE_MIN_SHARE of the recall reading's words: then it cut the article, not the chrome, and
# the precise reading with trafilatura's fallback extractors (not fast) is tried the same way
# before the recall reading is taken. (Tune half: 0.952 with the recall reading alone, 0.962
# with the precise one, 0.967 with the fallback, which 2 of its 63 pages needed; shares 0.3 to
# 0.7 score the same.)
READINGS = {"recall": {"favor_recall": True}, "precise": {"favor_precision": True}}
FALLBACK_READING = {**TRAFILATURA_OPTIONS, "fast": False, "favor_precision": True}
PRECISE_MIN_SHARE = 0.5

_NOTHING = {"title": None, "body": None, "author": None, "date": None, "url": None, "site": None}


def extract_html(html: str, url: str | None = None) -> dict:
    """title, body, author, date (UTC or None), url (canonical), site (the name the page gives
    itself: og:site_name, publisher…); all None if trafilatura finds no article."""
    return extract_html_pages([html], [url])[0]


def extract_html_pages(pages: list[str], urls: list[str | None] | None = None,
                       sites: list[str | None] | None = None) -> list[dict]:
    """extract_html of each page; ``sites`` groups the pages that share a template, whose
    lines the chrome trimming learns (transforms.extract)."""
    urls = urls if urls is not None else [None] * len(pages)
    found = [_read(html, url) for html, url in zip(pages, urls, strict=True)]
    read = [i for i, page in enumerate(found) if page["body"] is not None]
    group = [sites[i] for i in read] if sites is not None else None
    recall = trim_chrome([found[i]["body"] for i in read], group)
    n_recall = word_counts(recall)

    def cut_the_article(readings: list[str], of: list[int]) -> list[int]:
        """Which of the readings (of the pages ``of`` index in ``read``) keep less than
        PRECISE_MIN_SHARE of the recall reading's words."""
        return [k for k, n in zip(of, word_counts(readings), strict=True)
                if n < PRECISE_MIN_SHARE * n_recall[k]]

    chosen = trim_chrome([found[i].pop("precise") for i in read], group)
    cut = cut_the_article(chosen, list(range(len(read))))
    # Trimmed as a batch of their own: their site's template lines are learned from fewer
    # pages than the first readings' (a template needs five pages of a site).
    fallback = trim_chrome([trafilatura.extract(pages[read[k]], url=urls[read[k]],
                                                **FALLBACK_READING) or "" for k in cut],
                           [group[k] for k in cut] if group is not None else None)
    failed = set(cut_the_article(fallback, cut))
    for k, text in zip(cut, fallback, strict=True):
        chosen[k] = recall[k] if k in failed else text
    for i, body in zip(read, chosen, strict=True):
        found[i]["body"] = body.strip() or None
    return found


def _read(html: str, url: str | None) -> dict:
    """The page's metadata and both readings of its text (body: the recall one, precise), or
    _NOTHING if trafilatura finds no article."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return dict(_NOTHING)
    texts = {}
    for name, option in READINGS.items():
        document = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS, **option)
        texts[name] = (document.text or "").strip() if document is not None else ""
    if not (texts["recall"] or texts["precise"]):
        return dict(_NOTHING)
    metadata = page_metadata(tree, url)
    return {
        "title": metadata.title,
        "body": texts["recall"] or texts["precise"],
        "precise": texts["precise"],
        "author": metadata.author,
        "date": parse_date(metadata.date) if metadata.date else None,
        "url": metadata.url,
        # The host is the url's; the name is what a page without a url still says.
        "site": metadata.sitename,
    }


def page_metadata(tree: HtmlElement, url: str | None = None) -> Document:
    """title, author, url, date and sitename as trafilatura.extract_metadata finds them (the
    same steps, trafilatura 2.3.1), without the categories, tags, license and hostname it also
    looks for and comention does not keep (about 40% of its time)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # as in extract_metadata: its JSON-LD reading has bugs
        metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or extract_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.date = find_date(tree, **set_date_params(extensive=True), url=metadata.url)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")  # a Twitter handle
        if metadata.sitename and "." not in metadata.sitename \
                and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (host := META_URL.match(metadata.url)):
        metadata.sitename = host[1]
    metadata.clean_and_trim()
    return metadata


_BLOCKS = ("p", "div", "li", "br", "tr", "section", "article", "header", "footer", "nav", "ul",
           "ol", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "title")


def visible_text(html: str) -> str:
    """The page's text, one block per line, for the text-dump extractor (a page dump's shape)."""
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter("script", "style", "noscript", "template")):
        if element.getparent() is not None:
            element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)
