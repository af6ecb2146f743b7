import math
from datetime import UTC, datetime

import polars as pl

from transforms.comention import (
    article_weeks,
    counted_countries,
    country_pairs_weekly,
    country_weekly,
)
from transforms.trends import theme_weekly


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


def test_org_only_mentions_do_not_count():
    rows = pl.DataFrame({"doc_id": ["a", "a"], "country": ["JP", "US"],
                         "kinds": [["org"], ["name", "org"]]})
    assert counted_countries(rows)["country"].to_list() == ["US"]


def test_theme_weeks_without_articles_are_explicit_zeros():
    themes = pl.DataFrame({"doc_id": ["a", "d"], "theme": ["ENERGY", "ENERGY"]})
    tw = theme_weekly(weeks(), themes, ["ENERGY", "TRADE"])
    assert tw.height == 3 * 2  # weeks of Jan 1, 8 (empty) and 15, for both themes
    empty = tw.filter(pl.col("week").cast(pl.Utf8) == "2024-01-08")
    assert empty["articles"].to_list() == [0, 0] and empty["share"].to_list() == [0.0, 0.0]


def test_pairs_below_minimum_support_get_no_association_score():
    pairs = country_pairs_weekly(weeks(), COUNTRIES, min_support=2)
    rows = {(r["country_a"], r["country_b"]): r for r in pairs.iter_rows(named=True)}
    assert rows[("CN", "US")]["pmi"] is not None  # two articles
    assert rows[("CN", "RU")]["pmi"] is None and rows[("CN", "RU")]["articles"] == 1


def test_theme_trend_is_rising_when_the_share_jumps_significantly():
    from datetime import date, timedelta

    days = [date(2024, 1, 1) + timedelta(weeks=w) for w in range(8)]
    docs = [(f"d{w}-{i}", day) for w, day in enumerate(days) for i in range(50)]
    weeks_frame = pl.DataFrame({"doc_id": [d for d, _ in docs], "week": [w for _, w in docs]})
    # Theme in 2 of 50 articles a week for 4 weeks, then in 20 of 50.
    tagged = [d for d, _ in docs if int(d.split("-")[1]) < (2 if d < "d4" else 20)]
    themes = pl.DataFrame({"doc_id": tagged, "theme": ["ENERGY"] * len(tagged)})
    last = theme_weekly(weeks_frame, themes, ["ENERGY"]).sort("week").row(-1, named=True)
    assert last["trend"] == "rising" and last["z_4w"] > 1.96
    assert abs(last["share_4w"] - 0.4) < 1e-9 and abs(last["change_4w"] - 0.36) < 1e-9


def test_emerging_terms_burst_against_their_own_baseline():
    from datetime import date, timedelta

    from transforms.trends import all_weeks, emerging_terms

    weeks_range = all_weeks(pl.DataFrame({"week": [date(2024, 1, 1) + timedelta(weeks=9)] +
                                          [date(2024, 1, 1)]}))
    counts = pl.DataFrame({
        "week": [date(2024, 1, 1) + timedelta(weeks=w) for w in range(10)] * 2,
        "term": ["steady"] * 10 + ["chernobyl"] * 10,
        "articles": [20] * 10 + [0] * 9 + [12],
    })
    found = emerging_terms(counts, weeks_range, known_terms=set())
    assert found["term"].to_list() == ["chernobyl"]
    assert emerging_terms(counts, weeks_range, known_terms={"chernobyl"}).is_empty()
