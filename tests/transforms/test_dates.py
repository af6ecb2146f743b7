from datetime import date

import pytest

from transforms.dates import find_date_hint, iso_week_label, parse_date, parse_iso_week


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01"),
        ("Tue, 14 Nov 2023 10:00:00 +0100", "2023-11-14T09:00:00"),
        ("2022-12-05T08:30:00Z", "2022-12-05T08:30:00"),
        (1700000000, "2023-11-14T22:13:20"),
    ],
)
def test_record_dates_parse_to_utc(raw, expected):
    assert parse_date(raw).replace(microsecond=0, tzinfo=None).isoformat() == expected


def test_unparseable_date_is_none_never_now():
    assert parse_date("not a date at all") is None
    assert parse_date("") is None


def test_byline_date():
    assert find_date_hint("By Chris - Nov 19, 2019, 10:31 pm CST").date() == date(2019, 11, 19)
    assert find_date_hint("no date here") is None


def test_iso_weeks():
    assert parse_iso_week("2022-W49") == date(2022, 12, 5)
    assert iso_week_label(date(2022, 12, 5)) == "2022-W49"
    with pytest.raises(ValueError, match="bad week"):
        parse_iso_week("2022-49")
