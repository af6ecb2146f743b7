"""Why a record was quarantined: stable codes for ``quarantine.reason_code``.

Kept apart from the transforms that use them, so that the readers and the command line can
name a reason without loading Polars or trafilatura.
"""

from enum import StrEnum


class ReasonCode(StrEnum):
    """Why a record was quarantined, as a stable code (``quarantine.reason_code``): group by
    it. The reason beside it is the human text, with the numbers and names of the case."""

    EMPTY_FILE = "empty_file"  # a file, member or WARC record with no content
    UNSUPPORTED_FILE = "unsupported_file"  # binary content of a type no reader reads
    NOT_TEXT = "not_text"  # a text format whose bytes are not text (NUL bytes)
    UNREADABLE_FILE = "unreadable_file"  # I/O error; corrupt archive, compression or Parquet
    ARCHIVE_REFUSED = "archive_refused"  # unsafe member path, nested too deep, expands too far
    TOO_LARGE = "too_large"  # a line, page or JSON document over its size limit
    MALFORMED_JSON = "malformed_json"
    NOT_JSON_OBJECT = "not_json_object"  # a JSON line or array item that is not an object
    MALFORMED_CSV = "malformed_csv"  # no header row, an unreadable or a ragged row
    NO_TEXT_FIELD = "no_text_field"  # an export without any of the usual text columns
    FIELD_NOT_FOUND = "field_not_found"  # a --field names a column the export lacks
    NO_ARTICLE_TEXT = "no_article_text"  # nothing in the record is article text
    TOO_SHORT = "too_short"  # fewer than MIN_WORDS words
    UNPARSEABLE_DATE = "unparseable_date"
    IMPLAUSIBLE_DATE = "implausible_date"  # before 1900 or in the future
    NO_DATE = "no_date"  # no date from any source
    LINK_NOT_FOLLOWED = "link_not_followed"  # a symbolic link out of the folders given
    UNBUILDABLE_RECORD = "unbuildable_record"  # the article builder raised on the record
    # The one row standing for a file's quarantined records past
    # COMENTION_MAX_QUARANTINED_PER_FILE (they are counted in the run, not listed).
    MORE_QUARANTINED = "more_quarantined"
