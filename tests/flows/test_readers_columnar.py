"""Reading CSV/TSV and Parquet as columns gives the very records of reading them row by row.

Every test reads the same file both ways (ReadOptions.columnar) and compares the records:
same dicts, same order, same keys, same quarantine reasons. CSV blocks are made small, so
that rows, quoted line ends and the hand-over to the csv module fall across block boundaries.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import gzip
import io
import json
import random
import zipfile

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.sources import RAW_SCHEMA, ReadOptions, delimited, read_record_batches, read_records
from flows.sources.fields import parse_field_overrides

WORDS = ["Berlin", "exports", "rose", "CafÃ©", "SÃ£o", "â€“", "naïve", '"quoted"', "a,b", "x\ny",
         "x\r\ny", "", " ", "tab\there", "😀", "#5", "\ufeff", "2024-03-04", "March 3, 2024",
         "1709546400", "Mon, 04 Mar 2024 10:00:00 GMT", "NEW YORK, Feb 26 -"]
HEADERS = [["id", "title", "text", "published"], ["headline", "maintext", "pubDate", "byline"],
           ["Title", "Text", "URL", "dateline", "updated"], ["text", "text", "title", ""],
           ["ID", "Body", "release date", "modified", "Site_Name"]]


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(delimited, "BLOCK_BYTES", 300)
    monkeypatch.setattr(delimited, "_READ_SIZE", 100)


def both_ways(path, **options) -> list[dict]:
    """The records of ``path`` read as columns, once checked against reading row by row."""
    columnar = list(read_records(path, ReadOptions(**options)))
    by_row = list(read_records(path, ReadOptions(**options, columnar=False)))
    assert columnar == by_row
    assert [list(record) for record in columnar] == [list(record) for record in by_row]
    return columnar


def words(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 5)))


def csv_bytes(header, rows, delimiter=",", line_end="\n", quoting=csv.QUOTE_MINIMAL) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def generated_rows(rng: random.Random, header: list[str], n: int) -> list[list[str]]:
    return [[words(rng) if rng.random() < .85 else str(i) for _ in header] for i in range(n)]


@pytest.mark.parametrize("seed", range(12))
def test_generated_csv_and_tsv_exports(tmp_path, seed):
    rng = random.Random(seed)
    header = HEADERS[seed % len(HEADERS)]
    delimiter = "\t" if seed % 3 == 0 else ","
    data = csv_bytes(header, generated_rows(rng, header, 80), delimiter,
                     line_end=rng.choice(["\n", "\r\n"]),
                     quoting=csv.QUOTE_ALL if seed == 5 else csv.QUOTE_MINIMAL)
    if seed % 4 == 1:
        data = b"\xef\xbb\xbf" + data.rstrip(b"\r\n")
    path = tmp_path / ("e.tsv" if delimiter == "\t" else "e.csv")
    path.write_bytes(data)
    for fields in ({}, parse_field_overrides(["body=Body", "date=modified"])):
        both_ways(path, fields=fields)
    both_ways(path, clean_exports=True)


@pytest.mark.parametrize(("damage", "handed_over"), [
    (b"only,two\n", True), (b"a,b,c,d,e,f\n", True), (b"\n", True), (b'x,"y\n', True),
    (b'x "y" z,1,2,3\n', True), (b"caf\xe9,\xff\n", True), (b"lone\rcr,x,y,z\n", True),
    (b"nul\x00,x,y,z\n", False),  # read alike by Polars and the csv module
])
def test_a_damaged_row_mid_file_hands_over_to_the_csv_module(tmp_path, monkeypatch, damage,
                                                             handed_over):
    rng = random.Random(7)
    rows = [[f"a{i}", *row[1:]] for i, row in enumerate(generated_rows(rng, HEADERS[0], 200))]
    data = csv_bytes(HEADERS[0], rows[:120]) + damage + csv_bytes(HEADERS[0], rows[120:]
                                                                  ).split(b"\n", 1)[1]
    (tmp_path / "e.csv").write_bytes(data)
    after_rows = []
    read_rows = delimited._read_rows

    def spy(text, name, delimiter, options, header=None, export=None, row_no=1):
        after_rows.append(row_no)
        return read_rows(text, name, delimiter, options, header, export, row_no)

    monkeypatch.setattr(delimited, "_read_rows", spy)
    records = both_ways(tmp_path / "e.csv")
    assert records[0]["record_key"] == "e.csv:row 2#a0"
    if handed_over:
        assert len(after_rows) == 2 and after_rows[0] > 10  # blocks before the damage: columns
    else:
        assert after_rows == [1]  # only the row-by-row reading both_ways asks for


def test_clean_export_is_read_in_blocks_with_every_field(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "_read_rows", None)  # a hand-over would fail
    rows = [[f"a{i}", f"Exports rise {i}", f"SÃ£o Paulo said, \"yes\"\n{i}", "2024-03-04",
             "Jane Roe", f"https://news.example/{i}"] for i in range(50)]
    (tmp_path / "e.csv").write_bytes(
        csv_bytes(["id", "headline", "body", "date", "author", "link"], rows))
    records = list(read_records(tmp_path / "e.csv"))
    assert len(records) == 50
    assert records[7] == {
        "source": str(tmp_path / "e.csv"), "record_key": "e.csv:row 9#a7", "kind": "article",
        "url": "https://news.example/7", "site": None, "title": "Exports rise 7",
        "author": "Jane Roe", "text": 'São Paulo said, "yes"\n7', "date_raw": "2024-03-04",
        "crawl_date": None, "file_mtime": records[7]["file_mtime"], "error": None,
        "error_code": None}


def test_one_column_exports_and_exports_without_a_text_column(tmp_path):
    (tmp_path / "one.csv").write_bytes(b"text\nfirst\n\nsecond\n\"\"\n")
    assert [r["text"] for r in both_ways(tmp_path / "one.csv")] == ["first", "second", None]
    (tmp_path / "none.csv").write_bytes(csv_bytes(["id", "story"], [["a1", "x"], ["a2", "y"]]))
    assert {r["error_code"] for r in both_ways(tmp_path / "none.csv")} == {"no_text_field"}


def test_legacy_encodings_are_read_row_by_row(tmp_path):
    data = csv_bytes(["title", "text"], [["Café", "Crème brûlée “quoted”"]] * 40)
    (tmp_path / "e.csv").write_bytes(data.decode().encode("cp1252"))
    assert both_ways(tmp_path / "e.csv")[0]["text"] == "Crème brûlée “quoted”"


def test_rows_longer_than_a_block_and_than_the_field_limit(tmp_path, monkeypatch):
    long = csv_bytes(["title", "text"], [["a", "x" * 2000 + "\n" + "y" * 2000], ["b", "short"]])
    (tmp_path / "long.csv").write_bytes(long)
    assert [len(r["text"]) for r in both_ways(tmp_path / "long.csv")] == [4001, 5]
    monkeypatch.setattr(delimited, "MAX_FIELD_BYTES", 3000)  # no whole row within the limit
    assert [len(r["text"]) for r in both_ways(tmp_path / "long.csv")] == [4001, 5]


def test_a_field_over_the_csv_modules_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "BLOCK_BYTES", 2_000_000)
    (tmp_path / "huge.csv").write_bytes(b'title,text\na,"' + b"x" * 10_500_000 + b'"\nb,fine\n')
    errors = [r["error"] for r in both_ways(tmp_path / "huge.csv")]
    assert errors[0].startswith("unreadable CSV row: field larger than field limit")


def test_a_field_over_the_limit_with_rows_after_it(tmp_path, monkeypatch):
    # A block grown past the long row ends after it: still the csv module's to read.
    monkeypatch.setattr(delimited, "BLOCK_BYTES", 2_000_000)
    rows = csv_bytes(["title", "text"], [["t", "Body " * 100]] * 8000).split(b"\n", 1)[1]
    (tmp_path / "huge.csv").write_bytes(b'title,text\na,"' + b"x" * 10_500_000 + b'"\n' + rows)
    records = both_ways(tmp_path / "huge.csv")
    assert records[0]["error"].startswith("unreadable CSV row: field larger than field limit")
    assert records[-1]["text"] == ("Body " * 100)


def test_truncated_compressed_csv_gives_the_same_rows_before_the_error(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "_READ_SIZE", 8192)  # as TextIOWrapper reads: the point here
    rng = random.Random(3)
    data = csv_bytes(HEADERS[0], generated_rows(rng, HEADERS[0], 3000))
    whole = gzip.compress(data)
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) * 2 // 3])
    records = both_ways(tmp_path / "cut.csv.gz")
    assert records[-1]["error_code"] == "unreadable_file" and len(records) > 1000


def test_parquet_columns_of_every_type(tmp_path):
    n = 2500  # three batches
    table = pa.table({
        "id": pa.array([i if i % 7 else None for i in range(n)], pa.int64()),
        "title": pa.array([["Exports rise", "CafÃ©", "", None][i % 4] for i in range(n)]),
        "text": pa.array([f"Body {i} SÃ£o" if i % 5 else "" for i in range(n)], pa.large_string()),
        "author": pa.array([["Jane", "Bob"] if i % 2 else [] for i in range(n)]),
        "site": pa.array(["x", "", "y"] * (n // 3) + ["x"]).dictionary_encode(),
        "url": pa.array([i % 3 == 0 for i in range(n)]),
        "dateline": pa.array(["NEW YORK, Feb 26 -", "March 3, 2024"] * (n // 2)),
        "updated": pa.array([datetime.datetime(2024, 3, 5, 10, i % 60) for i in range(n)],
                            pa.timestamp("ms", tz="Europe/Paris")),
        "score": pa.array([decimal.Decimal("1.50")] * n),
    })
    pq.write_table(table, tmp_path / "e.parquet")
    records = both_ways(tmp_path / "e.parquet")
    assert [r["record_key"] for r in records[:2]] == ["e.parquet[0]", "e.parquet[1]#1"]
    assert records[1]["title"] == "Café" and records[1]["author"] == "['Jane', 'Bob']"
    assert records[3]["url"] == "True" and records[2]["url"] == "False"
    both_ways(tmp_path / "e.parquet", fields=parse_field_overrides(["date=updated", "id=score"]))
    both_ways(tmp_path / "e.parquet", fields=parse_field_overrides(["body=nosuch"]))


def test_corrupt_parquet_gives_the_same_rows_before_the_error(tmp_path):
    table = pa.table({"id": range(30_000), "text": [f"Body {i}" * 5 for i in range(30_000)]})
    whole = io.BytesIO()
    pq.write_table(table, whole, row_group_size=1000)
    data = bytearray(whole.getvalue())
    page = pq.ParquetFile(io.BytesIO(whole.getvalue())).metadata.row_group(25).column(1)
    data[page.data_page_offset + 40:page.data_page_offset + 240] = b"\xff" * 200
    (tmp_path / "cut.parquet").write_bytes(bytes(data))
    records = both_ways(tmp_path / "cut.parquet")
    assert len(records) == 25_001 and records[-1]["error_code"] == "unreadable_file"


def test_parquet_with_a_repeated_column_name(tmp_path):
    table = pa.Table.from_arrays([pa.array(["a", "b"]), pa.array(["c", "d"])], names=["text"] * 2)
    pq.write_table(table, tmp_path / "e.parquet")
    assert len(both_ways(tmp_path / "e.parquet")) == 2


def test_record_batches_hold_the_same_records(tmp_path):
    rng = random.Random(11)
    rows = generated_rows(rng, HEADERS[2], 70)
    (tmp_path / "e.csv").write_bytes(csv_bytes(HEADERS[2], rows[:40]) + b"bad\n"
                                     + csv_bytes(HEADERS[2], rows[40:]).split(b"\n", 1)[1])
    pl.DataFrame(rows, schema=HEADERS[2], orient="row").write_parquet(tmp_path / "e.parquet")
    lines = [json.dumps(dict(zip(HEADERS[2], row, strict=True))) for row in rows]
    lines[5], lines[9] = "{broken", "[1, 2]"
    (tmp_path / "e.jsonl").write_text("\n".join(lines))
    with zipfile.ZipFile(tmp_path / "dump.zip", "w") as archive:
        archive.write(tmp_path / "e.csv", "inner/e.csv")
        archive.write(tmp_path / "e.jsonl", "e.jsonl")
    for path in sorted(tmp_path.iterdir()):
        records = list(read_records(path))
        frames = list(read_record_batches(path, batch_rows=16))
        assert all(frame.schema == pl.Schema(RAW_SCHEMA) for frame in frames)
        assert pl.concat(frames).to_dicts() == pl.DataFrame(records, schema=RAW_SCHEMA).to_dicts()


def test_parquet_rows_of_a_megabyte_come_in_frames_bounded_in_bytes(tmp_path):
    from flows.batches import BATCH_BYTES

    # One row group of 40 distinct texts of 1 MB: read 1,000 rows at a time, one 40 MB frame.
    texts = [f"row {i} " + f"word{i} " * 150_000 for i in range(40)]
    pq.write_table(pa.table({"id": [str(i) for i in range(40)], "title": ["t"] * 40,
                             "text": texts}), tmp_path / "big.parquet", row_group_size=40)
    frames = list(read_record_batches(tmp_path / "big.parquet"))
    assert sum(f.height for f in frames) == 40
    assert max(f["text"].str.len_bytes().sum() for f in frames) <= 2 * BATCH_BYTES
