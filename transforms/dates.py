"""Dates: parse record date fields, find dated bylines in text, and ISO weeks.

Every datetime returned is timezone-aware UTC. Nothing here ever falls back to "now".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# Byline dates as news sites print them: "Nov 19, 2019, 10:31 pm", "14 December 2022",
# "2022-12-14", "Dec. 14, 2022".
BYLINE_DATE_PATTERN = (
    rf"\b(?:{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?"
    rf"|\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}(?:,?\s+\d{{1,2}}:\d{{2}})?"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)\b"
)
_BYLINE_DATE = re.compile(BYLINE_DATE_PATTERN, re.IGNORECASE)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: object) -> datetime | None:
    """A record's date field as UTC, or None when it does not parse.

    Accepts datetimes, epoch seconds/milliseconds, ISO 8601, RFC 2822 and the loose forms news
    exports carry (e.g. Reuters' ``26-FEB-1987 15:01:01.79``).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return _as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        # Reuters-style fractional seconds after the time ("15:01:01.79") are fine for dateutil;
        # trailing junk is not, so keep the leading date-time part.
        head = re.match(r"[\w\s,:./+\-]+", text)
        return _as_utc(dateutil_parser.parse(head.group(0) if head else text, fuzzy=False))
    except (ValueError, OverflowError, dateutil_parser.ParserError):
        return None


def find_date_hint(text: str) -> datetime | None:
    """The first date printed in a line of text (a byline), or None."""
    match = _BYLINE_DATE.search(text)
    if not match:
        return None
    found = match.group(0).replace(" at ", " ")
    try:
        return _as_utc(dateutil_parser.parse(found, fuzzy=True))
    except (ValueError, OverflowError, dateutil_parser.ParserError):
        return None


def is_plausible(value: datetime, now: datetime | None = None) -> bool:
    """Between 1900 and one day after now (time zones), i.e. a date a news article can have."""
    now = now or datetime.now(UTC)
    return EARLIEST <= value <= now + timedelta(days=1)


def week_start(value: date) -> date:
    """The Monday of the ISO week holding ``value``."""
    return value - timedelta(days=value.weekday())


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
