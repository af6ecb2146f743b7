import polars as pl
import pytest

from flows.warehouse import Warehouse, WarehouseError
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference

NAMED_VIEWS = ("country_weekly_named", "country_pairs_weekly_named", "theme_weekly_named",
               "theme_country_weekly_named")
PUBLIC = ("articles", "country_mentions", "article_countries", "article_themes",
          "country_weekly", "country_pairs_weekly", "theme_weekly", "theme_country_weekly",
          "countries", "themes", "runs", "quality_results", "quarantine", "country_pairs",
          *NAMED_VIEWS)
COUNT_COLUMNS = ("articles", "articles_raw", "week_articles")


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


def test_stories_are_the_articles_without_near_duplicate_copies(warehouse):
    articles = pl.DataFrame({"doc_id": ["a", "b"], "source": "x.jsonl", "record_key": ["1", "2"],
                             "body": "text", "n_words": 1, "dup_of": [None, "a"], "run_id": "r"})
    warehouse.insert("articles", articles)
    assert warehouse.frame("SELECT doc_id FROM stories")["doc_id"].to_list() == ["a"]
    assert warehouse.frame("SELECT * FROM stories").columns == articles_columns(warehouse)
    assert warehouse.scalar("SELECT comment FROM duckdb_views() WHERE view_name = 'stories'")


def test_articles_comments_say_what_the_rows_hold(warehouse):
    comments = dict(warehouse.frame(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'articles'"
    ).iter_rows())
    # Every date_source transforms/articles.py writes.
    for source in ("record", "html", "url", "byline", "crawl", "file_mtime"):
        assert source in comments["date_source"], source
    table = warehouse.scalar("SELECT comment FROM duckdb_tables() WHERE table_name = 'articles'")
    assert "dup_of IS NULL" in table and "unique" not in table


def articles_columns(warehouse) -> list[str]:
    return warehouse.frame("SELECT * FROM articles LIMIT 0").columns


def week(n: int):
    from datetime import date, timedelta

    return date(2024, 1, 1) + timedelta(weeks=n)


@pytest.fixture
def marts(warehouse):
    """Two weeks of tiny marts: CN and US co-mentioned in 3 articles, 2 of them in week 0."""
    warehouse.insert("country_weekly", pl.DataFrame({
        "week": [week(0), week(0), week(1), week(1)], "country": ["CN", "US"] * 2,
        "articles": [2, 3, 1, 1], "share": [0.5, 0.75, 0.5, 0.5], "articles_raw": [2, 3, 1, 1],
        "week_articles": [4, 4, 2, 2]}))
    warehouse.insert("country_pairs_weekly", pl.DataFrame({
        "week": [week(0), week(1)], "country_a": "CN", "country_b": "US", "articles": [2, 1],
        "week_articles": [4, 2], "articles_raw": [2, 1]}))
    warehouse.insert("theme_weekly", pl.DataFrame({
        "week": [week(0)], "theme": "ENERGY", "articles": [1], "share": [0.25],
        "articles_raw": [1], "week_articles": [4]}))
    warehouse.insert("theme_country_weekly", pl.DataFrame({
        "week": [week(0)], "theme": "ENERGY", "country": "CN", "articles": [1],
        "articles_raw": [1]}))
    return warehouse


def test_every_count_of_every_view_is_a_bigint(marts):
    counts = marts.frame(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE table_name IN "
        "(SELECT view_name FROM duckdb_views() WHERE NOT internal) "
        "AND column_name IN (SELECT unnest(?::VARCHAR[]))", [list(COUNT_COLUMNS)])
    assert set(counts["table_name"]) >= {"country_pairs", *NAMED_VIEWS}
    assert set(counts["data_type"]) == {"BIGINT"}, counts
    pairs = marts.frame("SELECT articles, articles_raw FROM country_pairs")
    assert pairs.schema == {"articles": pl.Int64, "articles_raw": pl.Int64}
    assert pairs.row(0) == (3, 3)


def test_top_pairs_come_with_names_and_no_join(marts):
    top = marts.frame("SELECT name_a, name_b, articles FROM country_pairs ORDER BY articles DESC")
    assert top.row(0) == ("China", "United States", 3)
    weekly = marts.frame("SELECT week, name_a, name_b, articles FROM country_pairs_weekly_named "
                         "ORDER BY week")
    assert weekly.rows() == [(week(0), "China", "United States", 2),
                             (week(1), "China", "United States", 1)]


def test_named_views_keep_every_row_and_add_the_names(marts):
    for view in NAMED_VIEWS:
        table = view.removesuffix("_named")
        assert marts.scalar(f"SELECT count(*) FROM {view}") == marts.scalar(
            f"SELECT count(*) FROM {table}"), view
    assert marts.frame("SELECT country, name, week_articles FROM country_weekly_named "
                       "WHERE week = ? ORDER BY country", [week(0)]).rows() == [
        ("CN", "China", 4), ("US", "United States", 4)]
    label = marts.scalar("SELECT label FROM themes WHERE code = 'ENERGY'")
    assert marts.scalar("SELECT label FROM theme_weekly_named") == label
    assert marts.frame("SELECT label, name FROM theme_country_weekly_named").row(0) == (
        label, "China")


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


def test_old_weekly_tables_gain_week_articles(tmp_path):
    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        for table in ("country_weekly", "theme_weekly"):
            wh.con.execute(f"ALTER TABLE {table} DROP COLUMN week_articles")
        wh.con.execute("INSERT INTO country_weekly VALUES ('2024-01-01', 'US', 1, 0.5, 1)")
    with Warehouse(path) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        for table in ("country_weekly", "theme_weekly"):
            assert "week_articles" in wh.frame(f"SELECT * FROM {table} LIMIT 0").columns
        assert wh.frame("SELECT country, week_articles FROM country_weekly").rows() == [
            ("US", None)]  # NULL until the next run rebuilds the marts


def test_per_article_tables_of_an_earlier_version_lose_their_key_and_keep_their_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        wh.con.execute("CREATE TABLE term_weekly (week DATE NOT NULL, term VARCHAR NOT NULL, "
                       "articles INTEGER NOT NULL, PRIMARY KEY (week, term))")
        wh.con.execute("INSERT INTO term_weekly VALUES ('2024-01-01', 'talks', 3)")
        wh.ensure_schema(countries_reference(), themes_reference())
        keys = wh.frame("SELECT table_name FROM duckdb_constraints() "
                        "WHERE constraint_type = 'PRIMARY KEY'")["table_name"].to_list()
        assert "term_weekly" not in keys and "articles" in keys
        assert wh.frame("SELECT term, articles FROM term_weekly").rows() == [("talks", 3)]
        assert "term_weekly__keyed" not in wh.frame("SHOW TABLES")["name"].to_list()


def test_unopenable_database_is_a_readable_error(tmp_path):
    (tmp_path / "bad.duckdb").write_bytes(b"not a database at all" * 100)
    with pytest.raises(WarehouseError, match=r"bad.duckdb is damaged \(truncated or "
                                             "corrupted: .*not a valid DuckDB database file"):
        Warehouse(tmp_path / "bad.duckdb")
    with pytest.raises(WarehouseError, match="no database at"):
        Warehouse(tmp_path / "missing.duckdb", read_only=True)


def test_staging_appends(warehouse):
    warehouse.append_staged("x", pl.DataFrame({"a": [1]}))
    warehouse.append_staged("x", pl.DataFrame({"a": [2]}))
    assert warehouse.scalar("SELECT sum(a) FROM staging.x") == 3
