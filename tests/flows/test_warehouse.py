import polars as pl
import pytest

from flows.warehouse import Warehouse, WarehouseError
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference

PUBLIC = ("articles", "country_mentions", "article_countries", "article_themes",
          "country_weekly", "country_pairs_weekly", "theme_weekly", "theme_country_weekly",
          "countries", "themes", "runs", "quality_results", "quarantine", "country_pairs")


@pytest.fixture
def warehouse(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        yield wh


def test_every_public_table_and_column_is_documented(warehouse):
    tables = warehouse.frame(
        "SELECT table_name AS name, comment FROM duckdb_tables() UNION ALL "
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"
    )
    documented = dict(tables.iter_rows())
    for name in PUBLIC:
        assert documented.get(name), f"{name} has no COMMENT"
    undocumented = warehouse.frame(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL "
        "AND table_name IN (SELECT unnest(?::VARCHAR[]))", [list(PUBLIC)]
    )
    assert undocumented.is_empty(), undocumented


def test_reference_tables_are_loaded(warehouse):
    assert warehouse.scalar("SELECT count(*) FROM themes WHERE parent IS NULL") == 22
    assert warehouse.scalar("SELECT name FROM countries WHERE code = 'CS'") == "Czechoslovakia"


def test_a_failed_transaction_leaves_tables_as_they_were(warehouse):
    before = warehouse.checksum("countries")
    with pytest.raises(RuntimeError), warehouse.transaction():
        warehouse.replace("countries", countries_reference().head(3))
        raise RuntimeError("boom")
    assert warehouse.checksum("countries") == before


def test_a_warehouse_from_an_earlier_version_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        wh.con.execute("ALTER TABLE quality_results DROP COLUMN threshold")
        wh.con.execute("INSERT INTO runs (run_id, started_at, status) "
                       "VALUES ('r1', now(), 'success')")
    with Warehouse(path) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        assert wh.scalar("SELECT count(threshold) FROM quality_results") == 0
        assert wh.scalar("SELECT run_id FROM runs") == "r1"


def test_unopenable_database_is_a_readable_error(tmp_path):
    (tmp_path / "bad.duckdb").write_bytes(b"not a database at all" * 100)
    with pytest.raises(WarehouseError, match="cannot open database"):
        Warehouse(tmp_path / "bad.duckdb")
    with pytest.raises(WarehouseError, match="no database at"):
        Warehouse(tmp_path / "missing.duckdb", read_only=True)


def test_staging_appends(warehouse):
    warehouse.append_staged("x", pl.DataFrame({"a": [1]}))
    warehouse.append_staged("x", pl.DataFrame({"a": [2]}))
    assert warehouse.scalar("SELECT sum(a) FROM staging.x") == 3


def test_country_share_drift_only_with_the_volume_to_mean_it():
    from datetime import date

    from flows.check import country_share_drift

    weekly = pl.DataFrame({
        "week": [date(2024, 1, 1)] * 2 + [date(2024, 1, 8)] * 2,
        "country": ["US", "CN"] * 2,
        "articles": [50, 50, 90, 10],
        "share": [0.5, 0.5, 0.9, 0.1],
    })
    assert abs(country_share_drift(weekly, min_articles=50) - 0.4) < 1e-9
    assert country_share_drift(weekly, min_articles=500) == 0.0
