"""The report's queries: what they pick for the week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from flows.warehouse import Warehouse
from reports.queries import cards, pair_examples

WEEK = date(2024, 3, 4)  # a Monday


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / "r.duckdb") as wh:
        wh.con.execute("CREATE TABLE articles (doc_id VARCHAR, title VARCHAR, site VARCHAR, "
                       "lang VARCHAR, published_at TIMESTAMPTZ, dup_of VARCHAR)")
        wh.con.execute("CREATE TABLE article_countries (doc_id VARCHAR, country VARCHAR, "
                       "mentions INTEGER)")
        wh.con.execute("CREATE TABLE runs (quarantined INTEGER, duplicates INTEGER, "
                       "started_at TIMESTAMPTZ)")
        yield wh


def _article(wh, doc_id: str, published: datetime, countries: dict[str, int],
             dup_of: str | None = None) -> None:
    wh.con.execute("INSERT INTO articles VALUES (?, ?, 'site', 'en', ?, ?)",
                   [doc_id, f"title {doc_id}", published, dup_of])
    for country, mentions in countries.items():
        wh.con.execute("INSERT INTO article_countries VALUES (?, ?, ?)",
                       [doc_id, country, mentions])


def test_pair_examples_are_the_weeks_headlines_naming_both_most_mentioned_first(wh):
    monday, sunday = datetime(2024, 3, 4, 0, 0, tzinfo=UTC), datetime(2024, 3, 10, 23, tzinfo=UTC)
    _article(wh, "a", monday, {"FR": 1, "DE": 1})
    _article(wh, "b", sunday, {"FR": 5, "DE": 2})
    _article(wh, "c", monday, {"FR": 3, "DE": 3, "IT": 1})
    _article(wh, "d", monday, {"FR": 9, "DE": 9})
    _article(wh, "e", monday, {"FR": 1})  # names one of the two
    _article(wh, "before", datetime(2024, 3, 3, 23, 59, tzinfo=UTC), {"FR": 9, "DE": 9})
    _article(wh, "after", datetime(2024, 3, 11, 0, 0, tzinfo=UTC), {"FR": 9, "DE": 9})
    pairs = pl.DataFrame({"country_a": ["DE", "DE", "ES"], "country_b": ["FR", "IT", "PT"],
                          "articles": [4, 1, 0]})
    examples = pair_examples(wh, WEEK, pairs)
    assert [(e["country_a"], e["country_b"]) for e in examples] == [
        ("DE", "FR"), ("DE", "IT"), ("ES", "PT")]
    titles = [[h["title"] for h in e["headlines"]] for e in examples]
    assert titles == [["title d", "title b", "title c"], ["title c"], []]


def test_cards_count_the_week_against_the_one_before(wh):
    _article(wh, "a", datetime(2024, 3, 5, tzinfo=UTC), {})
    _article(wh, "b", datetime(2024, 3, 6, tzinfo=UTC), {})
    _article(wh, "copy", datetime(2024, 3, 6, tzinfo=UTC), {}, dup_of="b")
    _article(wh, "earlier", datetime(2024, 2, 27, tzinfo=UTC), {})
    _article(wh, "later", datetime(2024, 3, 12, tzinfo=UTC), {})
    shown = {card["label"]: card for card in cards(wh, WEEK)}
    assert shown["articles"]["value"] == 2 and shown["articles"]["change"] == 1
    assert shown["near-duplicate copies set aside"]["value"] == 1


def test_a_week_without_articles_is_refused_with_the_weeks_of_the_data(wh):
    from reports.queries import NoArticlesInWeek, check_week_has_articles

    with pytest.raises(NoArticlesInWeek, match="the warehouse has no articles"):
        check_week_has_articles(wh, WEEK)
    _article(wh, "a", datetime(2024, 1, 2, tzinfo=UTC), {})
    _article(wh, "b", datetime(2024, 3, 5, tzinfo=UTC), {})
    check_week_has_articles(wh, WEEK)  # 2024-W10 has one
    with pytest.raises(NoArticlesInWeek) as refused:
        check_week_has_articles(wh, date(2031, 1, 27))
    assert str(refused.value) == ("no articles in 2031-W05: the data spans 2024-W01 to 2024-W10 "
                                  "(2024-01-02 … 2024-03-05)")


def _pairs_tables(wh, week_articles: int, countries: dict[str, int],
                  pairs: dict[tuple[str, str], int]) -> None:
    wh.con.execute("CREATE TABLE countries (code VARCHAR, name VARCHAR)")
    wh.con.execute("INSERT INTO countries VALUES ('OM', 'Oman'), ('QA', 'Qatar'), "
                   "('US', 'United States'), ('JP', 'Japan'), ('KW', 'Kuwait')")
    wh.con.execute("CREATE TABLE country_weekly (week DATE, country VARCHAR, articles INTEGER, "
                   "share DOUBLE, week_articles INTEGER)")
    for code, n in countries.items():
        wh.con.execute("INSERT INTO country_weekly VALUES (?, ?, ?, ?, ?)",
                       [WEEK, code, n, n / week_articles, week_articles])
    wh.con.execute("CREATE TABLE country_pairs_weekly (week DATE, country_a VARCHAR, "
                   "country_b VARCHAR, articles INTEGER, pmi DOUBLE, lift DOUBLE, "
                   "week_articles INTEGER)")
    for (a, b), n in pairs.items():
        lift = n * week_articles / (countries[a] * countries[b])
        wh.con.execute("INSERT INTO country_pairs_weekly VALUES (?, ?, ?, ?, log2(?), ?, ?)",
                       [WEEK, a, b, n, lift, lift, week_articles])


def test_associations_rank_by_the_lower_bound_so_more_articles_win_at_equal_pmi(wh):
    from reports.queries import PMI_MIN_ARTICLES, pairs_by_association

    _pairs_tables(wh, 10000, {"OM": 10, "QA": 10, "JP": 20, "US": 30, "KW": 3},
                  {("OM", "QA"): 5, ("JP", "US"): 30, ("KW", "OM"): PMI_MIN_ARTICLES - 1})
    ranked = pairs_by_association(wh, WEEK)  # too few articles name Kuwait with Oman
    assert ranked["pair"].to_list() == ["Japan – United States", "Oman – Qatar"]
    assert ranked["pmi"][0] == ranked["pmi"][1]
    assert (ranked["pmi_low"] < ranked["pmi"]).all()
