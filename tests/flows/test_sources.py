import pytest

from flows.sources import RAW_FIELDS, InputNotFound, discover, read_records


def test_discover_files_folders_and_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "two.jsonl").write_text("{}")
    assert len(discover([str(tmp_path)])) == 2
    assert len(discover([str(tmp_path / "*.jsonl")])) == 1
    with pytest.raises(InputNotFound, match="no such file"):
        discover([str(tmp_path / "missing")])


def test_jsonl_fields_and_bad_lines(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"id": 7, "headline": "H", "maintext": "Body", "pubDate": "2024-01-01"}\n'
                    "{broken\n\n[1, 2]\n")
    records = list(read_records(path))
    assert records[0]["title"] == "H" and records[0]["text"] == "Body"
    assert records[0]["date_raw"] == "2024-01-01" and records[0]["record_key"] == "export.jsonl:1#7"
    assert records[1]["error"].startswith("malformed JSON")
    assert records[1]["error_code"] == "malformed_json"
    assert records[2]["error"] == "JSON line is not an object"
    assert records[2]["error_code"] == "not_json_object"
    assert all(set(r) == set(RAW_FIELDS) for r in records)


def test_text_dumps_in_other_encodings_and_binary_files(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffCafé page".encode("utf-8"))
    (tmp_path / "cp1252.txt").write_bytes("Caf\xe9 \x93quoted\x94".encode("latin-1"))
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 10)
    (tmp_path / "data.xyz").write_bytes(b"\x89PNG\x00\x00\x01")
    by_name = {r["record_key"]: r for p in discover([str(tmp_path)]) for r in read_records(p)}
    assert by_name["bom.txt"]["text"] == "Café page"
    assert by_name["cp1252.txt"]["text"] == "Café “quoted”"
    assert "binary" in by_name["bin.txt"]["error"]
    assert by_name["bin.txt"]["error_code"] == "not_text"
    assert by_name["data.xyz"]["error"].startswith("unsupported file type .xyz")
    assert by_name["data.xyz"]["error_code"] == "unsupported_file"


def test_folder_with_a_single_binary_file(tmp_path):
    (tmp_path / "scan").write_bytes(b"\x00\x01\x02\xff" * 64)
    [record] = [r for p in discover([str(tmp_path)]) for r in read_records(p)]
    assert record["error"] == "unsupported file type (none) (binary content)"
    assert record["error_code"] == "unsupported_file"
