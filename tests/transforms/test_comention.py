import math
from datetime import UTC, datetime

import polars as pl

from transforms.comention import (
    article_weeks,
    counted_countries,
    country_pairs_weekly,
    country_weekly,
)


def weeks():
    return article_weeks(pl.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "published_at": [datetime(2024, 1, d, 12, tzinfo=UTC) for d in (1, 2, 3, 17)],
    }))


COUNTRIES = pl.DataFrame({"doc_id": ["a", "a", "b", "b", "b", "c"],
                          "country": ["US", "CN", "CN", "US", "RU", "RU"]})


def test_weeks_are_iso_mondays():
    assert weeks()["week"].cast(pl.Utf8).to_list() == ["2024-01-01"] * 3 + ["2024-01-15"]


def test_each_article_counts_once_per_unordered_pair():
    pairs = country_pairs_weekly(weeks(), COUNTRIES)
    us_cn = pairs.filter((pl.col("country_a") == "CN") & (pl.col("country_b") == "US")).row(
        0, named=True)
    assert us_cn["articles"] == 2 and us_cn["week_articles"] == 3
    assert math.isclose(us_cn["lift"], 2 * 3 / (2 * 2))
    assert (pairs["country_a"] < pairs["country_b"]).all()


def test_country_share():
    cw = country_weekly(weeks(), COUNTRIES)
    ru = cw.filter(pl.col("country") == "RU").row(0, named=True)
    assert ru["articles"] == 2 and math.isclose(ru["share"], 2 / 3)


def test_country_weekly_carries_the_week_total():
    more = pl.concat([COUNTRIES, pl.DataFrame({"doc_id": ["d"], "country": ["US"]})])
    cw = country_weekly(weeks(), more)
    totals = dict(cw.select(pl.col("week").cast(pl.Utf8), "week_articles").unique().iter_rows())
    assert totals == {"2024-01-01": 3, "2024-01-15": 1}  # a, b, c; d
    assert (cw["share"] == cw["articles"] / cw["week_articles"]).all()


def test_org_only_mentions_do_not_count():
    rows = pl.DataFrame({"doc_id": ["a", "a"], "country": ["JP", "US"],
                         "kinds": [["org"], ["name", "org"]]})
    assert counted_countries(rows)["country"].to_list() == ["US"]


def test_pairs_below_minimum_support_get_no_association_score():
    pairs = country_pairs_weekly(weeks(), COUNTRIES, min_support=2)
    rows = {(r["country_a"], r["country_b"]): r for r in pairs.iter_rows(named=True)}
    assert rows[("CN", "US")]["pmi"] is not None  # two articles
    assert rows[("CN", "RU")]["pmi"] is None and rows[("CN", "RU")]["articles"] == 1
