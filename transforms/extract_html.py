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

# trafilatura logs every page it finds nothing in; a quarantine row says it better.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

# Chosen with bench.bench_html on its tune half. fast: no readability/jusText comparison (over
# half of the text extraction's time, no better on the tune half); favor_recall: better on the
# tune half, no page loses its article (favor_precision scored about as well but cut most of one
# article), and no second pass for short texts; no deduplication: trafilatura's cache is shared
# by every page a process reads, so it cut paragraphs a page shares with pages read before it
# (and whole pages read several times), making a page's text depend on its batch and worker.
TRAFILATURA_OPTIONS = {
    "fast": True,
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}

_NOTHING = {"title": None, "body": None, "author": None, "date": None, "url": None, "site": None}


def extract_html(html: str, url: str | None = None) -> dict:
    """title, body, author, date (UTC or None), url (canonical), site (the name the page gives
    itself: og:site_name, publisher…); all None if trafilatura finds no article."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return dict(_NOTHING)
    document = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)
    if document is None:
        return dict(_NOTHING)
    metadata = page_metadata(tree, url)
    return {
        "title": metadata.title,
        "body": (document.text or "").strip() or None,
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
