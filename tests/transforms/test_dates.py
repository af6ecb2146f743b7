import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tests.conftest import DATA, needs
from transforms.dates import find_date_hint, iso_week_label, parse_date, parse_iso_week


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01"),
        ("Tue, 14 Nov 2023 10:00:00 +0100", "2023-11-14T09:00:00"),
        ("2022-12-05T08:30:00Z", "2022-12-05T08:30:00"),
        ("20240102T101500Z", "2024-01-02T10:15:00"),
        (1700000000, "2023-11-14T22:13:20"),
        ("1700000000", "2023-11-14T22:13:20"),  # epoch seconds as a CSV writes them
        ("1700000000000", "2023-11-14T22:13:20"),
        ("Nov 2019", "2019-11-01T00:00:00"),  # no day: the first, never today's
    ],
)
def test_record_dates_parse_to_utc(raw, expected):
    assert parse_date(raw).replace(microsecond=0, tzinfo=None).isoformat() == expected


@pytest.mark.parametrize("raw", ["not a date at all", "", "10:31", "Monday", "Feb 26", "2019",
                                 "12", "3 days ago"])
def test_unparseable_date_is_none_never_now(raw):
    # A time, a weekday or a day and month alone would be filled in from today.
    assert parse_date(raw) is None


@pytest.mark.parametrize("raw", [
    "0001-01-01T00:00+05:00", "9999-12-31T23:00-05:00", "Fri, 31 Dec 9999 23:00:00 -0500",
    "31 Dec 9999 23:00 -0500 junk", datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))])
def test_a_date_whose_utc_is_past_the_datetime_range_is_none(raw):
    # Before: OverflowError ("date value out of range").
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Chris - Nov 19, 2019, 10:31 pm CST", "2019-11-19T22:31"),
        ("Published November 20th, 2019 - 07:29 GMT", "2019-11-20T07:29"),
        ("Nov. 20, 2019", "2019-11-20T00:00"),
        ("• Nov. 18th 2019 8:54 am PT", "2019-11-18T08:54"),
        ("20.11.2019", "2019-11-20T00:00"),
        ("2019/11/20", "2019-11-20T00:00"),
        ("By Mike Wall 2019-11-18T20:51:19Z Science & Astronomy", "2019-11-18T20:51"),
        ("November 20, 2019 at 10:31 a.m. ET", "2019-11-20T10:31"),
        ("Updated 3:04 PM EST, Wed November 20, 2019", "2019-11-20T15:04"),
        ("5:45 AM PST 11/19/2019 by Patrick Shanley", "2019-11-19T05:45"),
        ("November 18, 2019 | 4:10pm", "2019-11-18T16:10"),
        ("19 November 2019 • 1:16pm", "2019-11-19T13:16"),
        ("By Kashmira Gander On 11/13/19 at 4:00 PM EST", "2019-11-13T16:00"),
        ("21/06/2014 Tony Carter All , Books , Kit Reviews", "2014-06-21T00:00"),
        ("11.14.2019 09:00 AM", "2019-11-14T09:00"),  # no 14th month: month first
        # Other languages: de, ru, id, es, pt, fr.
        ("Von Moritz Bachmann publiziert am 30. Juli 2018", "2018-07-30T00:00"),
        ("Текст: Лида Буслаева · 11 октября 2018", "2018-10-11T00:00"),
        ("Posted on Maret 30, 2015 by Admin", "2015-03-30T00:00"),
        ("Publicado el 20 de noviembre de 2019", "2019-11-20T00:00"),
        ("Atualizado em 5 de março de 2019 às 10:31", "2019-03-05T10:31"),
        ("Publié le 20 novembre 2019 à 10:31", "2019-11-20T10:31"),
        # The publication date, not the update's.
        ("Updated Nov. 19, 2019 8:21 am ET / Original Nov. 19, 2019 8:02 am ET",
         "2019-11-19T08:02"),
    ],
)
def test_printed_dates_become_hints(line, expected):
    assert find_date_hint(line).strftime("%Y-%m-%dT%H:%M") == expected


@pytest.mark.parametrize("line", [
    "no date here", "Nov 18", "Updated Nov 19, 9:41 AM", "In 2019 things changed",
    "05/10/2018 - Publicado por: Clarissa Borba",  # 5 October or May 10: not guessed
    "Opening Bell 11.18.19", "2019-11/20", "February 30, 2019",
])
def test_no_hint_where_no_date_is_sure(line):
    assert find_date_hint(line) is None


def test_a_hint_is_plausible():
    now = datetime(2026, 11, 28, tzinfo=UTC)
    assert find_date_hint("December 24, 2031", now) is None
    assert find_date_hint("Posted 1 January 1850, reprinted March 3, 1999", now).year == 1999


@needs(DATA / "textdumps" / "ground-truth.json")
def test_date_hints_on_real_text_dumps():
    """Most of the 120 benchmark dumps print their date by the byline; where the page's URL
    carries a date too, the hint agrees with it (a gate: raise it, never lower it)."""
    from transforms.articles import url_date
    from transforms.extract import extract_pages

    folder = DATA / "textdumps"
    truth = json.loads((folder / "ground-truth.json").read_text())
    paths = sorted((folder / "dumps").glob("*.txt"))
    hints = extract_pages([p.read_text(encoding="utf-8") for p in paths])["date_hint"]
    assert hints.is_not_null().sum() >= 95  # 60 with the byline forms of before
    pairs = [(hint, url_date(truth[p.stem]["url"])) for p, hint in zip(paths, hints, strict=True)]
    dated = [(hint, in_url) for hint, in_url in pairs if hint is not None and in_url is not None]
    agree = sum(abs((hint - in_url).total_seconds()) <= 1.5 * 86400 for hint, in_url in dated)
    assert agree >= 0.95 * len(dated)


def test_iso_weeks():
    assert parse_iso_week("2022-W49") == date(2022, 12, 5)
    assert iso_week_label(date(2022, 12, 5)) == "2022-W49"
    with pytest.raises(ValueError, match="bad week"):
        parse_iso_week("2022-49")


def test_the_week_of_an_article_is_the_same_in_python_polars_and_duckdb():
    import duckdb
    import polars as pl

    from transforms.dates import ARTICLE_WEEK, week_of, week_start

    times = [datetime(2024, 3, 10, 23, 59, tzinfo=UTC), datetime(2024, 3, 11, 0, 0, tzinfo=UTC),
             datetime(2024, 3, 11, 3, 0, tzinfo=timezone(timedelta(hours=5))),  # Sunday UTC
             datetime(2024, 12, 30, 12, tzinfo=UTC)]  # ISO week 1 of 2025
    python = [week_start(t.astimezone(UTC).date()) for t in times]
    frame = pl.DataFrame({"published_at": times})
    polars = frame.select(week=week_of(pl.col("published_at")))["week"].to_list()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")  # the session's zone must not matter
    con.execute("CREATE TABLE articles (published_at TIMESTAMPTZ)")
    con.executemany("INSERT INTO articles VALUES (?)", [[t] for t in times])
    sql = [w for (w,) in con.execute(f"SELECT {ARTICLE_WEEK} FROM articles").fetchall()]
    assert python == polars == sql == [date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 4),
                                       date(2024, 12, 30)]
