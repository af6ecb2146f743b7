"""Snapshots of country detection's output on every labelled set, to prove a speed change
changes nothing: find_mentions (all columns, sorted) with each article's language identified
and with it known, their roll-up (article_countries, with focus), identify_languages' labels
and confidences, and tag_themes (it shares the matcher, transforms.matching).

    python -m bench.mentions_snapshot save DIR      # before the change
    python -m bench.mentions_snapshot compare DIR   # after it: exits 1 on any difference
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from bench.bench_countries import SETS, _docs, with_languages
from transforms.countries import article_countries, find_mentions
from transforms.language import identify_languages
from transforms.themes import tag_themes

# The labelled sets: batch2's sources are inside batch2.
SNAPSHOT_SETS = ("gold-59", "batch2", "LGL", "TR-News")


def snapshots() -> dict[str, pl.DataFrame]:
    """Per set and variant, the frame to compare."""
    out = {}
    for name in SNAPSHOT_SETS:
        articles, _ = SETS[name]()
        for variant, docs in (("identified", _docs(articles)),
                              ("known", _docs(with_languages(articles)))):
            mentions = find_mentions(docs)
            out[f"{name}.{variant}"] = mentions.sort(mentions.columns)
            rolled = article_countries(mentions, docs)
            out[f"{name}.{variant}.countries"] = rolled.sort("doc_id", "country")
        themes = tag_themes(_docs(with_languages(articles)))
        out[f"{name}.themes"] = themes.sort(themes.columns)
        found = identify_languages([a["text"] for a in articles])
        out[f"{name}.languages"] = pl.DataFrame(
            {"id": [a["id"] for a in articles], "lang": [lang for lang, _ in found],
             "confidence": [confidence for _, confidence in found]})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    different = 0
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, frame in snapshots().items():
        path = args.folder / f"{name}.parquet"
        if args.action == "save":
            frame.write_parquet(path)
            print(f"{name}: {frame.height} rows saved")
            continue
        same = frame.equals(pl.read_parquet(path))
        different += not same
        print(f"{name}: {frame.height} rows, {'identical' if same else 'DIFFERENT'}")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
