"""Every dump format and every kind of bad input, with small files written by the tests."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import tarfile
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from flows.sources import ReadOptions, read_records
from flows.sources.fields import parse_field_overrides

BODY = "Officials in Berlin said on Monday that exports to France rose sharply this year."
ARTICLE = {"id": "a1", "title": "Exports rise", "text": BODY, "published": "2024-03-04"}
HTML = (
    "<html><head><title>Exports rise</title><link rel='canonical' "
    "href='https://news.example/2024/03/04/exports'></head><body><nav>Home News</nav>"
    f"<article><h1>Exports rise</h1><p>{BODY}</p><p>{BODY}</p></article></body></html>"
)


def records(path, **options):
    return list(read_records(path, ReadOptions(**options)))


def warc_record(uri: str, payload: bytes, rtype: str = "response",
                content_type: str = "text/html") -> bytes:
    if rtype == "response":
        payload = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
                   f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
        warc_type = b"application/http; msgtype=response"
    else:
        warc_type = b"text/plain"
    head = (f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Target-URI: {uri}\r\n"
            "WARC-Date: 2024-03-05T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n").encode()
    head += b"Content-Type: " + warc_type + f"\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
    return head + payload + b"\r\n\r\n"


def test_json_array_and_object_exports(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([ARTICLE, ARTICLE | {"id": "a2"}]))
    (tmp_path / "b.json").write_text(json.dumps({"articles": [ARTICLE]}))
    a, b = records(tmp_path / "a.json"), records(tmp_path / "b.json")
    assert [r["record_key"] for r in a] == ["a.json[0]#a1", "a.json[1]#a2"]
    assert b[0]["text"] == BODY and b[0]["date_raw"] == "2024-03-04"


def test_csv_tsv_and_ragged_rows(tmp_path):
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["headline", "maintext", "pubDate"])
        writer.writerow(["Exports rise", BODY, "2024-03-04"])
        writer.writerow(["only", "two"])
    (tmp_path / "export.tsv").write_text(f"title\tbody\nExports rise\t{BODY}\n")
    rows = records(path)
    assert rows[0]["title"] == "Exports rise" and rows[0]["text"] == BODY
    assert rows[1]["error"] == "ragged CSV row: 2 fields, header has 3"
    assert rows[1]["error_code"] == "malformed_csv"
    assert records(tmp_path / "export.tsv")[0]["text"] == BODY


def test_parquet_export_and_field_overrides(tmp_path):
    table = pa.table({"story": [BODY], "hed": ["Exports rise"], "ts": ["2024-03-04"]})
    pq.write_table(table, tmp_path / "e.parquet")
    overrides = parse_field_overrides(["body=story", "title=hed", "date=ts"])
    row = records(tmp_path / "e.parquet", fields=overrides)[0]
    assert (row["text"], row["title"], row["date_raw"]) == (BODY, "Exports rise", "2024-03-04")
    with pytest.raises(ValueError, match="bad --field"):
        parse_field_overrides(["color=blue"])


def test_exports_are_articles_unless_cleaning_is_asked_for(tmp_path):
    (tmp_path / "e.jsonl").write_text(json.dumps(ARTICLE) + "\n")
    assert records(tmp_path / "e.jsonl")[0]["kind"] == "article"
    assert records(tmp_path / "e.jsonl", clean_exports=True)[0]["kind"] == "page"


def test_html_page(tmp_path):
    (tmp_path / "p.html").write_text(HTML)
    row = records(tmp_path / "p.html")[0]
    assert row["kind"] == "html" and "<article>" in row["text"]


def test_warc_and_wet(tmp_path):
    data = (warc_record("https://news.example/a", HTML.encode())
            + warc_record("https://news.example/logo.png", b"\x89PNG", content_type="image/png")
            + warc_record("https://news.example/b", BODY.encode(), rtype="conversion"))
    (tmp_path / "crawl.warc.gz").write_bytes(gzip.compress(data))
    rows = records(tmp_path / "crawl.warc.gz")
    assert [r["kind"] for r in rows] == ["html", "page"]
    assert rows[0]["url"] == "https://news.example/a"
    assert rows[0]["crawl_date"] == "2024-03-05T10:00:00Z"
    assert rows[0]["record_key"] == "crawl.warc.gz@0"


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress),
     (".zst", zstandard.ZstdCompressor().compress)],
)
def test_compressed_exports(tmp_path, suffix, compress):
    path = tmp_path / f"e.jsonl{suffix}"
    path.write_bytes(compress((json.dumps(ARTICLE) + "\n").encode()))
    assert records(path)[0]["text"] == BODY


def test_zip_and_tar_archives_recursively(tmp_path):
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        data = (json.dumps(ARTICLE) + "\n").encode()
        info = tarfile.TarInfo("nested/e.jsonl")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(tmp_path / "dump.zip", "w") as archive:
        archive.writestr("pages/p.html", HTML)
        archive.writestr("inner.tar.gz", inner.getvalue())
    rows = records(tmp_path / "dump.zip")
    keys = sorted(r["record_key"] for r in rows)
    assert keys == ["dump.zip!inner.tar.gz!nested/e.jsonl:1#a1", "dump.zip!pages/p.html"]


def test_archive_members_with_unsafe_paths_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("../escape.txt", BODY)
        archive.writestr("/etc/passwd.txt", BODY)
        archive.writestr("fine.txt", BODY)
    rows = records(tmp_path / "evil.zip")
    errors = sorted((r["error"], r["error_code"]) for r in rows if r["error"])
    assert errors == [("unsafe archive member path (..): ../escape.txt", "archive_refused"),
                      ("unsafe archive member path (absolute): /etc/passwd.txt",
                       "archive_refused")]
    assert [r["text"] for r in rows if not r["error"]] == [BODY]


def test_archive_bomb_stops_at_the_expansion_limit(tmp_path):
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"A" * 5_000_000))
    rows = records(tmp_path / "bomb.txt.gz", max_expanded_bytes=1_000_000)
    assert len(rows) == 1 and "expands past 1,000,000 bytes" in rows[0]["error"]
    assert rows[0]["error_code"] == "archive_refused"
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", b"A" * 5_000_000)
    rows = records(tmp_path / "bomb.zip", max_expanded_bytes=1_000_000)
    assert len(rows) == 1 and "expands past" in rows[0]["error"]


def test_truncated_gzip_is_one_quarantine_row(tmp_path):
    whole = gzip.compress(("\n".join(json.dumps(ARTICLE) for _ in range(2000))).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    rows = records(tmp_path / "cut.jsonl.gz")
    errors = [r for r in rows if r["error"]]
    assert len(errors) == 1 and "truncated or corrupt compressed data" in errors[0]["error"]
    assert errors[0]["error_code"] == "unreadable_file"


def test_huge_single_line_nul_bytes_and_empty_files(tmp_path):
    (tmp_path / "huge.jsonl").write_bytes(b'{"text": "' + b"x" * 12_000_000 + b'"}\n'
                                          + (json.dumps(ARTICLE) + "\n").encode())
    rows = records(tmp_path / "huge.jsonl")
    assert rows[0]["error"].startswith("line longer than")
    assert rows[0]["error_code"] == "too_large"
    assert rows[1]["text"] == BODY
    # A stray NUL is a bad value of one record (raw control characters are not JSON); NUL
    # bytes throughout are binary data.
    (tmp_path / "nul.jsonl").write_bytes(b'{"text": "a\x00b"}\n'
                                         + (json.dumps(ARTICLE) + "\n").encode())
    nul, after = records(tmp_path / "nul.jsonl")
    assert nul["error"] == "malformed JSON: Invalid control character at column 12"
    assert nul["error_code"] == "malformed_json" and after["text"] == BODY
    (tmp_path / "binary.jsonl").write_bytes(b"\x00\x01\x02\x00" * 50)
    binary = records(tmp_path / "binary.jsonl")[0]
    assert "NUL" in binary["error"] and binary["error_code"] == "not_text"
    (tmp_path / "empty.jsonl").write_bytes(b"")
    empty = records(tmp_path / "empty.jsonl")[0]
    assert (empty["error"], empty["error_code"]) == ("empty file", "empty_file")


def test_mojibake_is_repaired(tmp_path):
    (tmp_path / "m.txt").write_text("The CafÃ© in SÃ£o Paulo reopened on Monday.")
    assert records(tmp_path / "m.txt")[0]["text"] == "The Café in São Paulo reopened on Monday."


def test_mojibake_inside_json_escapes_is_repaired(tmp_path):
    (tmp_path / "m.jsonl").write_text(json.dumps({"text": "SÃ£o Paulo â€“ the cafÃ© reopened."}))
    assert records(tmp_path / "m.jsonl")[0]["text"] == "São Paulo – the café reopened."


def test_author_field_is_picked_up(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(ARTICLE | {"byline": "Jane Roe"}) + "\n")
    assert records(tmp_path / "a.jsonl")[0]["author"] == "Jane Roe"


def write_csv(path, header, *rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_export_without_a_text_column_says_which_flag_to_use(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["id", "headline", "story_text", "when"],
                     ["a1", "Exports rise", BODY, "2024-03-04"],
                     ["a2", "Imports fall", BODY, "2024-03-05"])
    rows = records(path)
    # One quarantine record per row, each with its key: every record is accounted for.
    assert [r["record_key"] for r in rows] == ["e.csv:row 2#a1", "e.csv:row 3#a2"]
    assert {r["error_code"] for r in rows} == {"no_text_field"}
    assert rows[0]["error"] == ("no text field among the columns id, headline, story_text, "
                                "when: name it with --field body=COLUMN")
    fixed = records(path, fields=parse_field_overrides(["body=story_text"]))
    assert fixed[0]["text"] == BODY and fixed[0]["error"] is None
    many = [f"col{i}" for i in range(15)]
    (tmp_path / "wide.jsonl").write_text(json.dumps(dict.fromkeys(many, "x")) + "\n")
    assert records(tmp_path / "wide.jsonl")[0]["error"] == (
        f"no text field among the columns {', '.join(many[:12])}, …: name it with "
        "--field body=COLUMN")


def test_field_override_naming_a_missing_column(tmp_path):
    csv_path = write_csv(tmp_path / "e.csv", ["id", "headline", "text"], ["a1", "H", BODY])
    pq.write_table(pa.table({"id": ["a1"], "text": [BODY]}), tmp_path / "e.parquet")
    (tmp_path / "e.jsonl").write_text(json.dumps(ARTICLE) + "\n")
    body = parse_field_overrides(["body=nosuchcol"])
    row = records(csv_path, fields=body)[0]
    assert row["error_code"] == "field_not_found"
    assert row["error"] == ("--field body=nosuchcol: no column 'nosuchcol' "
                            "(columns: id, headline, text)")
    assert records(tmp_path / "e.parquet", fields=body)[0]["error"] == (
        "--field body=nosuchcol: no column 'nosuchcol' (columns: id, text)")
    date = records(tmp_path / "e.jsonl", fields=parse_field_overrides(["date=ts"]))[0]
    assert date["error_code"] == "field_not_found" and date["error"].startswith("--field date=ts")


@pytest.mark.parametrize(
    ("header", "value"),
    [("when", "2024-03-04"), ("Date", "2024-03-04"), ("PUBLISHED", "2024-03-04"),
     ("publishedAt", "2024-03-04T10:00:00Z"), ("pub_date", "Mon, 04 Mar 2024 10:00:00 GMT"),
     ("created_at", "1709546400"), ("release date", "4 March 2024")],
)
def test_date_columns_by_their_usual_names_in_any_case(tmp_path, header, value):
    path = write_csv(tmp_path / "e.csv", ["Title", "Text", "URL", header],
                     ["Exports rise", BODY, "https://news.example/a", value])
    row = records(path)[0]
    assert row["date_raw"] == value
    assert (row["title"], row["text"], row["url"]) == ("Exports rise", BODY,
                                                      "https://news.example/a")


def test_date_like_columns_count_only_with_a_date_and_updates_last(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["text", "dateline", "updated", "runtime"],
                     [BODY, "NEW YORK, Feb 26 -", "2024-03-05", "120"],
                     [BODY, "March 3, 2024", "2024-03-05", "120"])
    first, second = records(path)
    assert first["date_raw"] == "2024-03-05"  # the update's date, for want of another
    assert second["date_raw"] == "March 3, 2024"


def test_site_column_and_override(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["text", "Publisher", "outlet_code"],
                     [BODY, "Reuters", "RTRS"])
    assert records(path)[0]["site"] == "Reuters"
    overridden = records(path, fields=parse_field_overrides(["site=outlet_code"]))
    assert overridden[0]["site"] == "RTRS"


def test_every_read_error_names_its_reason_code(tmp_path):
    from transforms.reasons import ReasonCode

    (tmp_path / "bad.jsonl").write_text("{broken\n[1]\n")
    (tmp_path / "bad.json").write_text("[1]")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    write_csv(tmp_path / "bad.csv", ["a", "b"], ["1"])
    (tmp_path / "empty.html").write_text("   ")
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\x00\x00")
    errors = [r for p in sorted(tmp_path.iterdir()) for r in records(p) if r["error"]]
    assert len(errors) == 7
    assert all(r["error_code"] in set(ReasonCode) for r in errors)
