"""The script a user would write instead of comention: weekly country pairs with pandas + geotext.

No dedup, no quality checks, no report: each article's countries (GeoText), its week (Monday,
UTC) and one count per pair of countries (a < b) per article. bench.bench_scale times it.

    python bench/diy_pairs.py articles.jsonl pairs.csv
"""

import sys
from collections import Counter
from itertools import combinations

import pandas as pd
from geotext import GeoText


def weekly_pairs(path: str) -> Counter:
    pairs: Counter = Counter()
    # In chunks, so memory does not grow with the file (as comention's reader does).
    for chunk in pd.read_json(path, lines=True, chunksize=50_000, dtype=False):
        published = pd.to_datetime(chunk["published"], utc=True, format="ISO8601")
        weeks = (published.dt.normalize()
                 - pd.to_timedelta(published.dt.day_of_week, unit="D")).dt.date
        texts = chunk["title"].fillna("") + "\n" + chunk["text"].fillna("")
        for week, text in zip(weeks, texts, strict=True):
            countries = sorted(set(GeoText(text).country_mentions))
            pairs.update((week, a, b) for a, b in combinations(countries, 2))
    return pairs


if __name__ == "__main__":
    source, out = sys.argv[1:3]
    rows = [(week, a, b, n) for (week, a, b), n in weekly_pairs(source).items()]
    frame = pd.DataFrame(rows, columns=["week", "country_a", "country_b", "articles"])
    frame.sort_values(["week", "articles"], ascending=[True, False]).to_csv(out, index=False)
    print(f"{len(frame):,} pair-weeks -> {out}")
