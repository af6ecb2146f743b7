"""Reuters-21578 (../shared/data/reuters21578) for benchmarks: a lenient SGML reader, PLACES
mapped to ISO codes, and agreement of comention's countries with PLACES.

The files are not valid XML: records are cut out with regular expressions, entities such as
``&#3;`` and ``&lt;`` are unescaped, and bytes are read as latin-1 (README of the data).

    python -m bench.reuters --jsonl /tmp/reuters.jsonl   # an export comention can ingest
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pycountry
from rich.table import Table

from bench.data import DATA as SHARED_DATA
from bench.data import HALVES, half_of

DATA = SHARED_DATA / "reuters21578"
_RECORD = re.compile(r"<REUTERS(.*?)</REUTERS>", re.S)
_FIELD = {name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
          for name in ("DATE", "TITLE", "DATELINE", "BODY", "PLACES", "TOPICS")}
_ITEM = re.compile(r"<D>(.*?)</D>")
_NEWID = re.compile(r'NEWID="(\d+)"')
# PLACES names pycountry does not resolve by themselves.
PLACE_CODES = {
    "usa": "US", "uk": "GB", "ussr": "SU", "west-germany": "DE", "east-germany": "DD",
    "south-korea": "KR", "north-korea": "KP", "taiwan": "TW", "hong-kong": "HK",
    "ivory-coast": "CI", "yugoslavia": "YU", "czechoslovakia": "CS", "burma": "MM",
    "zaire": "CD", "kampuchea": "KH", "vietnam": "VN", "iran": "IR", "syria": "SY",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "russia": "RU", "laos": "LA",
    "south-africa": "ZA", "new-zealand": "NZ", "saudi-arabia": "SA", "uae": "AE",
    "netherlands-antilles": "AN", "brunei": "BN", "cape-verde": "CV", "macau": "MO",
    "vatican": "VA", "bahamas": "BS", "gambia": "GM", "congo": "CG", "ecuador": "EC",
    "moldova": "MD", "micronesia": "FM", "st-lucia": "LC", "st-vincent": "VC",
    "st-kitts-nevis": "KN", "british-virgin-islands": "VG", "us-virgin-islands": "VI",
    "north-yemen": "YE", "south-yemen": "YE", "lebanon": "LB", "libya": "LY",
}


def place_code(name: str) -> str | None:
    if name in PLACE_CODES:
        return PLACE_CODES[name]
    try:
        return pycountry.countries.lookup(name.replace("-", " ")).alpha_2
    except LookupError:
        return None


def _clean(text: str) -> str:
    return html.unescape(re.sub(r"&#\d+;", " ", text)).strip()


def articles(data: Path = DATA) -> Iterator[dict]:
    """id, title, text, date (raw), places (ISO codes), topics of every Reuters story."""
    for path in sorted(data.glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for match in _RECORD.finditer(raw):
            record = match.group(1)
            fields = {k: (m.group(1) if (m := rx.search(record)) else "") for k, rx in
                      _FIELD.items()}
            places = [place_code(p) for p in _ITEM.findall(fields["PLACES"])]
            yield {
                "id": f"reuters-{_NEWID.search(record).group(1)}",
                "title": _clean(fields["TITLE"]),
                # The dateline ("NEW YORK, Feb 26 -") opens the story as printed.
                "text": " ".join(filter(None, (_clean(fields["DATELINE"]),
                                               _clean(fields["BODY"])))),
                "date": fields["DATE"].strip(),
                "places": sorted({p for p in places if p}),
                "topics": _ITEM.findall(fields["TOPICS"]),
            }


def places_agreement(data: Path = DATA) -> Table:
    """Precision/recall of comention's focus countries and of all its countries vs PLACES."""
    from transforms.countries import article_countries, find_mentions

    stories = [a for a in articles(data) if a["places"] and len(a["text"]) > 40]
    docs = pl.DataFrame({"doc_id": [a["id"] for a in stories],
                         "title": [a["title"].title() for a in stories],
                         "body": [a["text"] for a in stories]})
    rolled = article_countries(find_mentions(docs), docs)
    found: dict[str, set] = {}
    focus: dict[str, set] = {}
    for row in rolled.iter_rows(named=True):
        if set(row["kinds"]) - {"org"}:
            found.setdefault(row["doc_id"], set()).add(row["country"])
        if row["is_focus"]:
            focus.setdefault(row["doc_id"], set()).add(row["country"])
    # PLACES lists the countries a story is filed under, not every one it names ("listed in
    # Luxembourg"): a weak label, read for differences between versions, per half.
    table = Table(title=f"Agreement with Reuters PLACES ({len(stories):,} stories with PLACES)")
    for col in ("comention", "half", "stories", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col in ("comention", "half") else "right")
    for name, predicted in (("focus countries", focus), ("all countries", found)):
        for half in HALVES:
            held = [a for a in stories if half in ("all", half_of(a["id"]))]
            tp = sum(len(predicted.get(a["id"], set()) & set(a["places"])) for a in held)
            fp = sum(len(predicted.get(a["id"], set()) - set(a["places"])) for a in held)
            fn = sum(len(set(a["places"]) - predicted.get(a["id"], set())) for a in held)
            p, r = tp / (tp + fp), tp / (tp + fn)
            table.add_row(name, half, f"{len(held):,}", f"{p:.3f}", f"{r:.3f}",
                          f"{2 * p * r / (p + r):.3f}")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=Path, help="write the stories as JSON Lines here")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"error: no Reuters-21578 data at {DATA} (set COMENTION_SHARED to the folder "
              "holding data/)", file=sys.stderr)
        return 1
    if args.jsonl:
        with args.jsonl.open("w", encoding="utf-8") as handle:
            for story in articles():
                handle.write(json.dumps(story) + "\n")
        print(f"wrote {args.jsonl}")
        return 0
    from rich.console import Console

    Console().print(places_agreement())
    return 0


if __name__ == "__main__":
    sys.exit(main())
