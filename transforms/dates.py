"""Dates: parse record date fields, find dated bylines in text, and ISO weeks.

Every datetime returned is timezone-aware UTC. Nothing here ever falls back to "now".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import polars as pl
from dateutil import parser as dateutil_parser

# Month names as news pages print them, in the languages their dumps come in (en, de, fr, es,
# pt, it, nl, id, ru — Russian in the genitive of dates and the nominative), with the usual
# abbreviations.
MONTH_NAMES = {
    1: "january jan januar jänner janvier janv enero ene janeiro gennaio gen januari января "
       "январь янв",
    2: "february feb februar février févr fevrier febrero fevereiro fev febbraio februari "
       "февраля февраль фев",
    3: "march mar märz mär mrz mars marzo março marco maart mrt maret марта март",
    4: "april apr avril abril abr aprile апреля апрель",
    5: "may mai mayo maio maggio mag mei мая май",
    6: "june jun juni juin junio junho giugno giu июня июнь июн",
    7: "july jul juli juillet juil julio julho luglio lug июля июль июл",
    8: "august aug août aout agosto ago augustus agustus agu agt августа август авг",
    9: "september sep sept septembre septiembre setiembre setembro set settembre сентября "
       "сентябрь сен сент",
    10: "october oct oktober okt octobre octubre outubro out ottobre ott октября октябрь окт",
    11: "november nov novembre noviembre novembro ноября ноябрь ноя нояб",
    12: "december dec dezember dez décembre decembre diciembre dic dezembro dicembre desember "
        "des декабря декабрь дек",
}
_MONTH_NUMBER = {name: month for month, names in MONTH_NAMES.items() for name in names.split()}
_MONTH = "(?:" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:19|20)\d{2}"
# Printed dates, each form with its own groups: "Nov. 20th, 2019", "Maret 30, 2015";
# "20 November 2019", "30. Juli 2018", "20 de noviembre de 2019", "24 сентября 2018";
# "2019-11-20", "2019/11/20", "2019-11-18T20:51:19Z"; "20.11.2019", "11/19/2019", "11/19/19".
# Numeric day and month are told apart by the value (a 13th month is a day) and the separator
# (dots: day first); slashed dates that read both ways are left out. Polars (Rust regex)
# reads this pattern too.
BYLINE_DATE_PATTERN = (
    rf"\b(?:(?P<a_month>{_MONTH})\s+(?P<a_day>{_DAY})(?:st|nd|rd|th)?,?\s+(?P<a_year>{_YEAR})"
    rf"|(?P<b_day>{_DAY})(?:\.|st|nd|rd|th|er)?\s+(?:de\s+)?(?P<b_month>{_MONTH}),?\s+"
    rf"(?:de\s+|del\s+)?(?P<b_year>{_YEAR})"
    rf"|(?P<c_year>{_YEAR})(?P<c_sep>[-/.])(?P<c_month>0?[1-9]|1[0-2])[-/.](?P<c_day>{_DAY})"
    r"(?P<c_iso_time>T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rf"|(?P<d_first>\d{{1,2}})(?P<d_sep>[/.])(?P<d_second>\d{{1,2}})[/.]"
    rf"(?P<d_year>{_YEAR}|\d{{2}}))\b"
)
_BYLINE_DATE = re.compile(BYLINE_DATE_PATTERN, re.IGNORECASE)
# The time printed right after a date ("…, 10:31 pm", "| 4:10pm", "at 8:40 AM") or right
# before it ("3:04 PM EST, Wed November 20, 2019"). Its zone is not applied: the hint is the
# day and time the page prints (labelled UTC), so its day is the page's own.
_CLOCK = r"(?P<hour>[01]?\d|2[0-3])[:h](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
_AM_PM = r"(?:\s*(?P<half>[ap])\.?\s?m\b\.?)?"
_TIME_AFTER = re.compile(
    r"\s*(?:,|\||•|·|-{1,2}|–|—|at|um|à|às|a las|alle|om|pukul|в)?\s*" + _CLOCK + _AM_PM,
    re.IGNORECASE,
)
_TIME_BEFORE = re.compile(
    r"(?<![\d:])" + _CLOCK + _AM_PM + r"\s*(?:[A-Z]{1,4}T?\b)?\s*[,|•]?\s*"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?$",
    re.IGNORECASE,
)
# A date said to be of an update: taken only when the line has no other.
_UPDATED = re.compile(r"(?i)(?:updated?|modified|aktualisiert|mis à jour|actualizado|atualizado"
                      r"|aggiornato|bijgewerkt|обновлено)\W{0,3}(?:on\s+|am\s+|le\s+|em\s+|el\s+)?"
                      r"(?:\S+\s+){0,4}$")
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")
# Epoch seconds or milliseconds, as CSV exports write them.
_EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$|^\d{12,13}$")

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# dateutil fills what a text lacks from a default: year 1 marks a missing year.
_NO_YEAR, _NO_YEAR_FEBRUARY = datetime(1, 1, 1), datetime(1, 2, 1)


def _as_utc(value: datetime) -> datetime | None:
    """``value`` in UTC (naive: taken as UTC); None where UTC is past the datetime range
    (``0001-01-01T00:00+05:00``, ``9999-12-31T23:00-05:00``)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


def _from_epoch(value: float) -> datetime | None:
    seconds = value / 1000 if value > 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _dateutil_parse(text: str) -> datetime | None:
    """dateutil's reading, or None when the text lacks a year or a month: dateutil would fill
    them in from today (a time alone, "Monday", "Feb 26" would become dates near now). A
    missing day is the first of the month."""
    try:
        parsed = dateutil_parser.parse(text, default=_NO_YEAR, fuzzy=False)
        # A January date may have its month from the default: a second reading tells.
        if parsed.month == 1 and dateutil_parser.parse(text, default=_NO_YEAR_FEBRUARY,
                                                       fuzzy=False).month != 1:
            return None
    except (ValueError, OverflowError, dateutil_parser.ParserError):
        return None
    return None if parsed.year == _NO_YEAR.year else _as_utc(parsed)


def parse_date(value: object) -> datetime | None:
    """A record's date field as UTC, or None when it does not parse.

    Accepts datetimes, epoch seconds/milliseconds, ISO 8601, RFC 2822 and the loose forms news
    exports carry (e.g. Reuters' ``26-FEB-1987 15:01:01.79``). A value without a year and a
    month is not a date (never filled in from today).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_epoch(value)
    text = str(value).strip()
    if not text:
        return None
    if _EPOCH.match(text):
        return _from_epoch(float(text))
    try:
        return _as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    # Reuters-style fractional seconds after the time ("15:01:01.79") are fine for dateutil;
    # trailing junk is not, so keep the leading date-time part.
    head = re.match(r"[\w\s,:./+\-]+", text)
    return _dateutil_parse(head.group(0) if head else text)


def _printed_date(match: re.Match) -> date | None:
    """The calendar date of one match of BYLINE_DATE_PATTERN, or None if it is not one."""
    g = match.groupdict()
    if g["a_month"]:
        year, month, day = int(g["a_year"]), _month_of(g["a_month"]), int(g["a_day"])
    elif g["b_month"]:
        year, month, day = int(g["b_year"]), _month_of(g["b_month"]), int(g["b_day"])
    elif g["c_year"]:
        if match.group(0).count(g["c_sep"]) != 2:
            return None  # mixed separators: "2019-11/20" is not a date
        year, month, day = int(g["c_year"]), int(g["c_month"]), int(g["c_day"])
    else:
        sep, first, second, year = g["d_sep"], int(g["d_first"]), int(g["d_second"]), g["d_year"]
        if match.group(0).count(sep) != 2 or (len(year) == 2 and sep != "/"):
            return None
        year = int(year) if len(year) == 4 else 2000 + int(year) if int(year) < 70 else \
            1900 + int(year)
        readings = {(m, d) for m, d in ((second, first), (first, second))
                    if 1 <= m <= 12 and 1 <= d <= 31}
        if sep == "." and (second, first) in readings:
            readings = {(second, first)}  # dotted dates put the day first
        if len(readings) != 1:
            return None  # not a date, or one that reads both ways (05/10/2018)
        (month, day), = readings
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_of(name: str) -> int:
    return _MONTH_NUMBER[name.lower().rstrip(".")]


def _printed_time(text: str, match: re.Match) -> tuple[int, int, int]:
    """(hour, minute, second) printed right after the date, else right before it; midnight
    when neither."""
    clock = (_TIME_AFTER.match(text, match.end())
             or _TIME_BEFORE.search(text, max(0, match.start() - 30), match.start()))
    if clock is None:
        return 0, 0, 0
    hour, minute = int(clock["hour"]), int(clock["minute"])
    half = (clock["half"] or "").lower()
    if half and not 1 <= hour <= 12:
        return 0, 0, 0  # "14:00 pm" is not a time
    if half == "p" and hour != 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    return hour, minute, int(clock["second"] or 0)


def printed_dates(text: str, now: datetime | None = None) -> list[tuple[datetime, bool]]:
    """The plausible dates (and times) printed in a line of text, in order, each with whether
    the line says it is the date of an update ("Updated Nov. 19, 2019 8:21 am")."""
    found = []
    for match in _BYLINE_DATE.finditer(text):
        if match["c_iso_time"]:  # ISO 8601 with a time: its zone is given, so applied
            hint = parse_date(match.group(0))
        else:
            day = _printed_date(match)
            hint = day and datetime(day.year, day.month, day.day, *_printed_time(text, match),
                                    tzinfo=UTC)
        if hint is not None and is_plausible(hint, now):
            updated = _UPDATED.search(text, max(0, match.start() - 40), match.start())
            found.append((hint, updated is not None))
    return found


def find_date_hint(text: str, now: datetime | None = None) -> datetime | None:
    """The date printed in a line of text, such as a byline, or None: the first plausible
    one, passing over an update's when there is another
    ("Updated Nov. 19, 2019 8:21 am / Original Nov. 19, 2019 8:02 am" → the original)."""
    return first_publication_date([printed_dates(text, now)])


def first_publication_date(lines: Iterable[list[tuple[datetime, bool]]]) -> datetime | None:
    """The first date of ``printed_dates`` over lines that is not an update's, else the first
    update's."""
    first_update = None
    for dates in lines:
        for value, updated in dates:
            if not updated:
                return value
            first_update = first_update or value
    return first_update


def is_plausible(value: datetime, now: datetime | None = None) -> bool:
    """Between 1900 and one day after now (time zones), i.e. a date a news article can have."""
    now = now or datetime.now(UTC)
    return EARLIEST <= value <= now + timedelta(days=1)


# The week an article counts in: the Monday of its ISO week, in UTC. Defined here once for the
# three engines that compute it: Python (week_start), Polars (week_of) and DuckDB
# (ARTICLE_WEEK, on the articles table).
ARTICLE_WEEK = "date_trunc('week', published_at AT TIME ZONE 'UTC')::DATE"


def week_start(value: date) -> date:
    """The Monday of the ISO week holding ``value`` (a date: already a UTC day)."""
    return value - timedelta(days=value.weekday())


def week_of(published_at: pl.Expr) -> pl.Expr:
    """The Monday (a Date) of the ISO week, in UTC, of a time-zone-aware datetime column."""
    return published_at.dt.convert_time_zone("UTC").dt.truncate("1w").dt.date()


def parse_iso_week(text: str) -> date:
    """``2022-W49`` → the Monday of that ISO week; ValueError with a readable message otherwise."""
    match = _ISO_WEEK.match(text.strip())
    if not match:
        raise ValueError(f"bad week {text!r}: expected YYYY-Www, e.g. 2022-W49")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"bad week {text!r}: {exc}") from None


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
