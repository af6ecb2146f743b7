import math
import random
from datetime import date, timedelta

import polars as pl
from polars.testing import assert_frame_equal

from transforms.trends import (
    LEAD_CHARS,
    LEAD_WORDS,
    all_weeks,
    article_terms,
    docs_term_weekly,
    emerging_terms,
    theme_counts,
    theme_statistics,
    theme_weekly,
    week_marts,
)

MONDAY = date(2024, 1, 1)


def week_frame(articles_per_week: dict[int, int]) -> pl.DataFrame:
    """doc_id, week: ``n`` articles in week ``w`` (0-based from MONDAY), doc ids ``w-i``."""
    return pl.DataFrame(
        {"doc_id": [f"{w}-{i}" for w, n in articles_per_week.items() for i in range(n)],
         "week": [MONDAY + timedelta(weeks=w) for w, n in articles_per_week.items()
                  for _ in range(n)]}
    )


def tagged(*doc_ids: str, theme: str = "ENERGY") -> pl.DataFrame:
    return pl.DataFrame({"doc_id": list(doc_ids), "theme": [theme] * len(doc_ids)})


def by_week(frame: pl.DataFrame, theme: str = "ENERGY") -> dict[int, dict]:
    rows = frame.filter(pl.col("theme") == theme).iter_rows(named=True)
    return {(r["week"] - MONDAY).days // 7: r for r in rows}


def test_every_theme_has_a_row_in_every_week_with_articles_and_none_in_empty_weeks():
    tw = theme_weekly(week_frame({0: 3, 2: 1}), tagged("0-0", "2-0"), ["ENERGY", "TRADE"])
    assert tw.height == 2 * 2  # weeks 0 and 2, both themes; week 1 is empty
    assert set(tw["week"]) == {MONDAY, MONDAY + timedelta(weeks=2)}
    trade = by_week(tw, "TRADE")
    assert [trade[w]["articles"] for w in (0, 2)] == [0, 0]  # zeros explicit where articles are
    assert [trade[w]["share"] for w in (0, 2)] == [0.0, 0.0]
    assert dict(tw.select("week", "week_articles").unique().sort("week").iter_rows()) == {
        MONDAY: 3, MONDAY + timedelta(weeks=2): 1}


def test_change_is_against_the_calendar_week_before_and_null_after_an_empty_week():
    weeks = week_frame({0: 2, 1: 1, 3: 1})
    energy = by_week(theme_weekly(weeks, tagged("0-0", "1-0"), ["ENERGY"]))
    assert energy[0]["change"] is None  # first week
    assert math.isclose(energy[1]["change"], 1.0 - 0.5)
    assert energy[3]["change"] is None  # week 2 had no articles: no share to compare with


def test_a_stray_date_years_away_adds_no_rows_of_zeros():
    recent = week_frame({0: 2, 1: 2})
    stray = pl.DataFrame({"doc_id": ["old"], "week": [date(2006, 3, 6)]})
    tw = theme_weekly(pl.concat([stray, recent]), tagged("0-0", "old"), ["ENERGY", "TRADE"])
    assert tw.height == 3 * 2  # 3 weeks with articles, not the ~930 calendar weeks between
    assert tw.filter(pl.col("week") == MONDAY)["change"].null_count() == 2


def test_four_week_statistics_count_calendar_weeks():
    weeks = week_frame({0: 10, 1: 10, 2: 10, 4: 10})  # week 3 has no articles
    themes = tagged("0-0", "1-0", "1-1", "2-0", "2-1", "2-2", *(f"4-{i}" for i in range(5)))
    energy = by_week(theme_weekly(weeks, themes, ["ENERGY"]))
    # Weeks 1-4 of the calendar: 2 + 3 + 0 + 5 tagged of 10 + 10 + 0 + 10 articles (week 0
    # is out of the window, though it is the fourth row before week 4).
    assert math.isclose(energy[4]["share_4w"], 10 / 30)
    assert energy[2]["share_4w"] is None  # not 4 calendar weeks of history yet
    assert energy[4]["z_4w"] is None and energy[4]["trend"] is None  # not 8 weeks yet


def test_theme_trend_is_rising_when_the_share_jumps_significantly():
    days = [MONDAY + timedelta(weeks=w) for w in range(8)]
    docs = [(f"d{w}-{i}", day) for w, day in enumerate(days) for i in range(50)]
    weeks_frame = pl.DataFrame({"doc_id": [d for d, _ in docs], "week": [w for _, w in docs]})
    # Theme in 2 of 50 articles a week for 4 weeks, then in 20 of 50.
    tags = [d for d, _ in docs if int(d.split("-")[1]) < (2 if d < "d4" else 20)]
    last = theme_weekly(weeks_frame, tagged(*tags), ["ENERGY"]).sort("week").row(-1, named=True)
    assert last["trend"] == "rising" and last["z_4w"] > 1.96
    assert abs(last["share_4w"] - 0.4) < 1e-9 and abs(last["change_4w"] - 0.36) < 1e-9


def test_emerging_terms_burst_against_their_own_baseline():
    weeks_range = all_weeks(pl.DataFrame({"week": [MONDAY + timedelta(weeks=9), MONDAY]}))
    counts = pl.DataFrame({
        "week": [MONDAY + timedelta(weeks=w) for w in range(10)] * 2,
        "term": ["steady"] * 10 + ["chernobyl"] * 10,
        "articles": [20] * 10 + [0] * 9 + [12],
    })
    found = emerging_terms(counts, weeks_range, known_terms=set())
    assert found["term"].to_list() == ["chernobyl"]
    assert emerging_terms(counts, weeks_range, known_terms={"chernobyl"}).is_empty()


def test_theme_statistics_of_counts_made_week_by_week_equal_theme_weekly():
    weeks = week_frame({0: 4, 1: 3, 2: 5, 4: 2, 5: 6, 6: 1, 7: 4, 8: 3, 9: 5})
    themes = pl.concat([tagged(*weeks["doc_id"].gather_every(2)),
                        tagged(*weeks["doc_id"].gather_every(3), theme="TRADE")])
    codes = ["ENERGY", "TRADE", "MILITARY"]
    # Each week counted on its own, as the marts recount the weeks a run touched.
    counts = pl.concat([theme_counts(part, themes, codes)
                        for part in weeks.partition_by("week")])
    assert_frame_equal(theme_statistics(counts), theme_weekly(weeks, themes, codes))
    assert counts.filter(pl.col("theme") == "MILITARY")["articles"].sum() == 0


def test_emerging_terms_of_a_window_equal_those_of_all_weeks():
    """A week's result needs its own counts and the 8 weeks before: computed on the grid
    from 8 weeks before the first week wanted, it is the result of the whole grid."""
    weeks = [MONDAY + timedelta(weeks=w) for w in range(30)]
    rng = random.Random(3)
    counts = pl.DataFrame({
        "week": [w for w in weeks for _ in range(6)],
        "term": [f"t{i}" for _ in weeks for i in range(6)],
        "articles": [rng.choice((0, 0, 0, 1, 2, 7, 15)) for _ in range(30 * 6)],
    }).filter(pl.col("articles") > 0)
    full = emerging_terms(counts, all_weeks(pl.DataFrame({"week": weeks})), known_terms=set())
    assert full.height > 10 and full["week"].min() < weeks[8]  # short baselines too
    for first, last in ((3, 5), (8, 14), (20, 29)):
        start = weeks[max(0, first - 8)]
        window = counts.filter(pl.col("week").is_between(start, weeks[last]))
        grid = pl.DataFrame({"week": pl.date_range(start, weeks[last], "1w", eager=True)})
        part = emerging_terms(window, grid, known_terms=set())
        assert_frame_equal(part.filter(pl.col("week") >= weeks[first]),
                           full.filter(pl.col("week").is_between(weeks[first], weeks[last])))


def test_emerging_ties_are_broken_by_term():
    weeks = [MONDAY + timedelta(weeks=w) for w in range(3)]
    counts = pl.DataFrame({"week": [weeks[2]] * 20, "term": [f"t{i:02d}" for i in range(20)],
                           "articles": [9] * 20})
    found = emerging_terms(counts.sample(fraction=1.0, shuffle=True, seed=1),
                           all_weeks(pl.DataFrame({"week": weeks})), known_terms=set())
    assert found["term"].to_list() == [f"t{i:02d}" for i in range(15)]


def test_week_marts_count_stories_once_and_every_copy_in_articles_raw():
    docs = pl.DataFrame({"doc_id": ["a", "a2", "b"], "week": [MONDAY] * 3,
                         "dup_of": [None, "a", None]})
    countries = pl.DataFrame({"doc_id": ["a", "a2", "b", "b"], "country": ["US", "US", "US", "CN"]})
    themes = tagged("a", "a2", "b")
    built = week_marts(docs, countries, themes, ["ENERGY", "TRADE"], min_pair_support=1)
    us = built["country_weekly"].filter(pl.col("country") == "US").row(0, named=True)
    assert (us["articles"], us["articles_raw"], us["week_articles"]) == (2, 3, 2)
    energy = built["theme_counts"].filter(pl.col("theme") == "ENERGY").row(0, named=True)
    assert (energy["articles"], energy["articles_raw"], energy["week_articles"]) == (2, 3, 2)
    assert built["theme_counts"].height == 2  # every theme, zeros explicit
    assert built["country_pairs_weekly"].select("country_a", "country_b", "articles_raw").rows() \
        == [("CN", "US", 1)]
    assert built["theme_country_weekly"]["articles_raw"].to_list() == [1, 3]


def test_term_counts_read_the_first_lead_words_of_title_and_body():
    def terms(title: str, body: str) -> set[str]:
        docs = pl.DataFrame({"doc_id": ["d"], "title": [title], "body": [body],
                             "week": [MONDAY]})
        counted = docs_term_weekly(docs)
        assert counted["articles"].to_list() == [1] * counted.height
        return set(counted["term"])

    words = [f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(2 * LEAD_WORDS)]
    lead = terms("Pipeline talks", " ".join(words))
    # The title's two words come first: the body gives LEAD_WORDS - 2.
    last = LEAD_WORDS - 3
    assert {"pipeline", "talks", "pipeline talks", "talks wordaa", words[last],
            f"{words[last - 1]} {words[last]}"} <= lead
    assert words[last + 1] not in lead and f"{words[last]} {words[last + 1]}" not in lead
    # Numbers are no words: a long run of them does not cut the lead short.
    padded = terms("", "2024 " * LEAD_CHARS + "Gas pipeline")
    assert padded == {"gas", "pipeline", "gas pipeline"}


def test_terms_leave_out_function_words_of_the_articles_language_and_possessives():
    docs = pl.DataFrame({
        "doc_id": ["en", "de"], "week": [MONDAY] * 2, "lang": ["en", "de"],
        "title": ["People's keep mid-march war", "Der Krieg war lang"], "body": ["", ""]})
    terms = article_terms(docs)
    english = set(terms.filter(pl.col("doc_id") == "en")["term"])
    german = set(terms.filter(pl.col("doc_id") == "de")["term"])
    assert english == {"war"}  # "people's" is "people"; "keep" and "mid-march" say nothing
    assert "war" not in german and "krieg" in german  # German "war" is "was"


def test_a_bursting_story_is_named_once_by_its_longest_phrase():
    weeks = [MONDAY + timedelta(weeks=w) for w in range(3)]
    counts = pl.DataFrame({"week": [weeks[2]] * 5,
                           "term": ["boca", "raton", "boca raton", "raton fla", "cocoa"],
                           "articles": [21, 21, 21, 18, 8]})
    found = emerging_terms(counts, all_weeks(pl.DataFrame({"week": weeks})), known_terms=set())
    assert sorted(found["term"]) == ["boca raton", "cocoa"]
