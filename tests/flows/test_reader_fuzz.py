"""Property-based fuzzing (Hypothesis) of every reader and of building articles: whatever the
bytes or the field values, nothing raises, and every record is accounted for — read, or
quarantined with a reason code.

Derandomised, so CI runs the same examples every time; a failure prints the smallest input
that shows it.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.sources import RAW_SCHEMA, read_records
from tests.flows.test_hostile_input import WORDS, jsonl, story, tar_of, warc_record
from transforms.articles import build_articles
from transforms.reasons import ReasonCode

FUZZ = settings(max_examples=100, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
CODES = {code.value for code in ReasonCode}


def _csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "text", "date"])
    for i in range(n):
        s = story(i)
        writer.writerow([s["id"], s["title"], s["text"], s["date"]])
    return out.getvalue().encode()


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", data)
        archive.writestr("b.jsonl", data)
    return buffer.getvalue()


# A valid file of 8 records per format (name → bytes), to damage.
VALID = {
    "a.jsonl": jsonl(0, 8),
    "a.json": json.dumps([story(i) for i in range(8)]).encode(),
    "a.csv": _csv(8),
    "a.warc": b"".join(warc_record(i) for i in range(8)),
    "a.txt": f"Story 0\n\n{WORDS}.\n\n{WORDS}.\n".encode(),
    "a.html": f"<html><head><title>T</title></head><body><p>{WORDS}.</p></body></html>".encode(),
    "a.jsonl.gz": gzip.compress(jsonl(0, 8)),
    "a.jsonl.bz2": bz2.compress(jsonl(0, 8)),
    "a.jsonl.xz": lzma.compress(jsonl(0, 8)),
    "a.jsonl.zst": zstandard.ZstdCompressor().compress(jsonl(0, 8)),
    "a.zip": _zip(jsonl(0, 4)),
    "a.tar": tar_of([("a.jsonl", jsonl(0, 4)), ("b.warc", warc_record(9))]),
}

# A damage: at a share of the file, flip a byte, cut the file, delete or insert bytes.
damage = st.tuples(st.sampled_from(["flip", "cut", "delete", "insert"]),
                   st.floats(min_value=0, max_value=1), st.binary(min_size=1, max_size=8))


def damaged(data: bytes, damages: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for how, where, noise in damages:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if how == "flip" and out:
            out[at] ^= noise[0] or 1
        elif how == "cut":
            del out[at:]
        elif how == "delete":
            del out[at:at + len(noise)]
        else:
            out[at:at] = noise
    return bytes(out)


def read_all(name: str, data: bytes) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return list(read_records(path))


def assert_accounted(records: list[dict]) -> None:
    for record in records:
        if record["error"]:
            assert record["error_code"] in CODES, record
        else:
            assert record["error_code"] is None, record


@FUZZ
@given(name=st.sampled_from(sorted(VALID)), damages=st.lists(damage, min_size=1, max_size=3))
def test_a_damaged_file_of_any_format_never_raises_and_says_why(name, damages):
    assert_accounted(read_all(name, damaged(VALID[name], damages)))


@FUZZ
@given(st.sampled_from(sorted(VALID)))
def test_every_valid_file_reads_without_quarantine(name):
    records = read_all(name, VALID[name])
    assert records and not [r for r in records if r["error"]]


# Field values as exports carry them: any text, tabs and line separators included; not lone
# surrogates (no UTF-8 file holds one), nor what decoding reads otherwise on purpose: NUL
# bytes (many make a file binary) and mojibake, which it repairs ("Â\xa0" is a no-break space
# read as Latin-1).
values = st.text(st.characters(exclude_categories=["Cs"],
                               exclude_characters=["\x00", *"ÃÂâÐÑÅÄ",
                                                   *map(chr, range(0x80, 0xA0))]),
                 max_size=60)


def test_a_stray_nul_byte_spoils_one_value_not_the_file(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"id,title,text\n1,One,first\n2,Two,has \x00 a NUL\n"
                                     b"3,Three,third\n")
    records = list(read_records(tmp_path / "a.csv"))
    assert [r["title"] for r in records] == ["One", "Two", "Three"]
    assert not [r for r in records if r["error"]]


@FUZZ
@given(st.lists(st.tuples(values, values), min_size=1, max_size=6))
def test_json_lines_and_csv_give_one_record_per_item_with_its_fields_as_written(items):
    as_jsonl = "".join(json.dumps({"id": str(i), "title": t, "text": x}) + "\n"
                       for i, (t, x) in enumerate(items)).encode()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["id", "title", "text"])
    writer.writerows([str(i), t, x] for i, (t, x) in enumerate(items))
    for name, data in (("a.jsonl", as_jsonl), ("a.csv", out.getvalue().encode())):
        records = read_all(name, data)
        assert_accounted(records)
        assert len(records) == len(items), name
        for record, (title, text) in zip(records, items, strict=True):
            if not record["error"]:
                assert (record["title"] or "", record["text"] or "") == (title, text), name


# (A frame holds no lone surrogate: the JSON reader turns one into NUL.)
raw_value = st.one_of(st.none(), st.text(st.characters(exclude_categories=["Cs"]), max_size=80),
                      st.sampled_from(["0001-01-01T00:00+05:00", "9999-12-31T23:00-05:00",
                                       "http://[::1/x", "\x00", "1" * 5000, "2024-02-30"]))


@FUZZ
@given(st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(["article", "page", "html"]),
    "title": raw_value, "text": raw_value, "url": raw_value, "site": raw_value,
    "date_raw": raw_value, "author": raw_value}), min_size=1, max_size=5))
def test_building_articles_never_raises_and_keeps_or_quarantines_every_record(records):
    raw = pl.DataFrame([{field: None for field in RAW_SCHEMA} | record
                        | {"source": "fuzz", "record_key": f"fuzz:{i}"}
                        for i, record in enumerate(records)], schema=RAW_SCHEMA)
    articles, quarantined = build_articles(raw, datetime(2026, 12, 1, tzinfo=UTC))
    kept = set(articles["record_key"].to_list()) | set(quarantined["record_key"].to_list())
    assert kept == set(raw["record_key"].to_list())
    assert set(quarantined["reason_code"].to_list()) <= CODES
