import polars as pl

from transforms import refcache


def test_entries_are_reused_and_a_corrupt_one_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv("COMENTION_CACHE", str(tmp_path))
    assert refcache.cached_text("x", "k", lambda: "built") == "built"
    assert refcache.cached_text("x", "k", lambda: "not used") == "built"
    (tmp_path / "x.parquet-k").write_bytes(b"PAR1 truncated")  # a crash mid-write, say
    frame = refcache.cached_frame("x", "k", lambda: pl.DataFrame({"a": [1, 2]}))
    assert frame["a"].to_list() == [1, 2]
    again = refcache.cached_frame("x", "k", lambda: pl.DataFrame({"a": [9]}))
    assert again["a"].to_list() == [1, 2]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
