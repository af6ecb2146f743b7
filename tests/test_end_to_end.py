"""The real flow on the generated sample corpus, through Prefect, into DuckDB and the report."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.sample import RISING_THEME, START, SURGE_HEADLINES, SURGE_PAIR, SURGE_WEEK
from flows.warehouse import ANALYTIC_TABLES, Warehouse
from tests.conftest import SEED_PAGE, needs

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def warehouse(prefect_harness, sample_corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    db, out = folder / "w.duckdb", folder / "reports"
    result = runner.invoke(app, ["run", str(sample_corpus), "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return db, out


def test_every_record_is_accounted_for(warehouse):
    db, _ = warehouse
    with Warehouse(db, read_only=True) as wh:
        run = wh.frame("SELECT * FROM runs").row(0, named=True)
        assert run["status"] == "success"
        assert run["records_seen"] == (
            run["articles_loaded"] + run["duplicates"] + run["quarantined"]
        )
        assert run["duplicates"] >= 10  # the syndicated copies
        assert wh.scalar("SELECT count(*) FROM quarantine") == run["quarantined"] == 4
        assert wh.scalar("SELECT count(*) FROM articles") == run["articles_loaded"]
        failed = wh.scalar("SELECT count(*) FROM quality_results WHERE NOT success "
                           "AND severity = 'fail'")
        assert failed == 0


def test_near_duplicate_rewrites_are_linked_and_counted_once(warehouse):
    db, _ = warehouse
    with Warehouse(db, read_only=True) as wh:
        pairs = wh.frame(
            "SELECT a.source AS copy, b.source AS first FROM articles a "
            "JOIN articles b ON b.doc_id = a.dup_of")
        raw, unique = wh.frame("SELECT sum(articles_raw), sum(articles) FROM country_weekly").row(0)
    # Each planted rewrite is linked to its story (whichever was read first), and nothing else.
    planted = {f"{i:05d}" for i in range(480) if i % 25 == 12 and i % 10 != 9}
    linked = {re.search(r"(\d{5})\.txt$", p).group(1) for p in pairs["copy"]}
    assert linked == planted
    for copy, first in pairs.iter_rows():
        assert {"rewrite", "story"} == {re.search(r"(rewrite|story)-", p).group(1)
                                        for p in (copy, first)}
        assert copy[-9:] == first[-9:]
    assert raw > unique


def test_planted_pair_surge_appears_in_its_week(warehouse):
    db, _ = warehouse
    surge_week = (START + timedelta(weeks=SURGE_WEEK)).date()
    with Warehouse(db, read_only=True) as wh:
        pairs = wh.frame(
            "SELECT week, articles FROM country_pairs_weekly WHERE country_a = ? AND "
            "country_b = ? ORDER BY articles DESC", list(SURGE_PAIR))
        top_pair = wh.frame(
            "SELECT country_a, country_b FROM country_pairs_weekly WHERE week = ? "
            "ORDER BY articles DESC LIMIT 1", [surge_week])
    assert pairs["week"][0] == surge_week
    assert pairs["articles"][0] >= 5 * max(pairs["articles"][1:].to_list() or [1])
    assert tuple(top_pair.row(0)) == SURGE_PAIR
    with Warehouse(db, read_only=True) as wh:
        all_time = wh.frame("SELECT * FROM country_pairs WHERE country_a = ? AND country_b = ?",
                            list(SURGE_PAIR)).row(0, named=True)
    assert all_time["articles"] == sum(pairs["articles"]) and all_time["pmi"] > 0


def test_planted_theme_rises(warehouse):
    db, _ = warehouse
    with Warehouse(db, read_only=True) as wh:
        shares = wh.frame("SELECT share FROM theme_weekly WHERE theme = ? ORDER BY week",
                          [RISING_THEME])["share"].to_list()
    first, last = sum(shares[:4]) / 4, sum(shares[-4:]) / 4
    assert last > first + 0.2


def test_rising_theme_is_flagged_and_the_surge_headline_emerges(warehouse):
    db, _ = warehouse
    surge_week = (START + timedelta(weeks=SURGE_WEEK)).date()
    with Warehouse(db, read_only=True) as wh:
        trends = wh.frame("SELECT trend FROM theme_weekly WHERE theme = ? AND trend IS NOT NULL",
                          [RISING_THEME])["trend"].to_list()
        emerging = set(wh.frame("SELECT term FROM emerging_terms WHERE week = ?",
                                [surge_week])["term"].to_list())
    assert "rising" in trends and "falling" not in trends
    surge_words = {w.lower() for headline in SURGE_HEADLINES for w in headline.split()}
    story_terms = {t for t in emerging if set(t.split()) <= surge_words} - {"india", "pakistan"}
    assert len(story_terms) >= 2, emerging


def test_chrome_countries_are_not_counted(warehouse):
    db, _ = warehouse
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM article_countries WHERE country IN "
                         "('NO', 'CL', 'PT', 'VN')") == 0


def test_report_has_every_chart_and_the_quality_status(warehouse):
    _, out = warehouse
    pages = sorted(out.glob("comention-*.html"))
    assert pages and (out / "index.html").exists()
    html = pages[-1].read_text()
    for chart_id in ("chart-map", "chart-countries", "chart-pairs", "chart-heatmap",
                     "chart-themes", "chart-theme-countries"):
        assert f'id="{chart_id}"' in html and f'"{chart_id}": {{' in html
    # Associations are drawn when a pair has the support, else the page says there is none.
    assert ('"chart-pmi": {' in html) != ("no pair of countries is named together" in html)
    assert "Data quality" in html and 'class="pass"' in html
    assert 'href="data-quality.html"' in html
    quality = (out / "data-quality.html").read_text()
    for stage in ("ingest", "enrich", "marts"):
        assert f"<h2>{stage} — " in quality
    assert "max_value=0.5" in quality and "<script" not in quality  # thresholds; no CDN JS
    assert "cdn.jsdelivr" not in html and html.count("window.vegaEmbed=") == 1


def test_rerun_changes_no_published_table(warehouse, sample_corpus, tmp_path):
    db, _ = warehouse
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    with Warehouse(copy, read_only=True) as wh:
        before = {t: wh.checksum(t) for t in ANALYTIC_TABLES}
    result = runner.invoke(app, ["ingest", str(sample_corpus), "--db", str(copy)])
    assert result.exit_code == 0, result.output
    with Warehouse(copy, read_only=True) as wh:
        assert {t: wh.checksum(t) for t in ANALYTIC_TABLES} == before
        assert wh.scalar("SELECT articles_loaded FROM runs ORDER BY started_at DESC LIMIT 1") == 0


def test_all_bad_input_fails_and_changes_nothing(warehouse, tmp_path):
    db, _ = warehouse
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    with Warehouse(copy, read_only=True) as wh:
        before = {t: wh.checksum(t) for t in ANALYTIC_TABLES}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.jsonl").write_text("{oops\n{also broken\n")
    result = runner.invoke(app, ["ingest", str(bad), "--db", str(copy)])
    assert result.exit_code == 1
    assert "ingest gate failed" in result.output and "quarantine_rate" in result.output
    with Warehouse(copy, read_only=True) as wh:
        assert {t: wh.checksum(t) for t in ANALYTIC_TABLES} == before


@needs(SEED_PAGE)
def test_seed_page_countries(prefect_harness, tmp_path):
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["run", str(SEED_PAGE), "--db", str(db), "--out",
                                 str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") == 1
        body = wh.scalar("SELECT body FROM articles")
        found = set(wh.frame("SELECT country FROM article_countries")["country"].to_list())
    assert "minutes e-car sales" not in body and "Grain Trade" not in body
    assert {"TJ", "CN", "RU", "KZ", "UZ", "AF"} <= found
    assert not found & {"HU", "SK", "SE", "NL", "BY", "IE"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "/no/such/path"], "no such file, folder or glob match: /no/such/path"),
        (["report", "--week", "2022-49", "--db", "x.duckdb"], "bad week"),
        (["sql", "SELECT 1", "--db", "/no/such.duckdb"], "no database at"),
    ],
)
def test_user_errors_are_one_line(prefect_harness, args, message, tmp_path):
    result = runner.invoke(app, [*args] + (["--db", str(tmp_path / "n.duckdb")]
                                           if args[0] == "run" else []))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len([ln for ln in result.output.splitlines() if ln.strip()]) <= 2


def test_sql_is_read_only(warehouse):
    db, _ = warehouse
    result = runner.invoke(app, ["sql", "DELETE FROM articles", "--db", str(db)])
    assert result.exit_code == 1 and re.search(r"read.only", result.output, re.I)


def test_check_runs_every_suite_on_the_published_tables(warehouse):
    db, _ = warehouse
    result = runner.invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 0, result.output
    for stage in ("ingest", "enrich", "marts"):
        assert f"{stage}: " in result.output


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed (make chromium)")
def test_report_renders_in_a_real_browser(warehouse):
    from playwright.sync_api import sync_playwright

    _, out = warehouse
    page_path = sorted(out.glob("comention-*.html"))[-1]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(page_path.as_uri())
        page.wait_for_function("document.querySelectorAll('.chart svg').length >= "
                               "document.querySelectorAll('.chart').length")
        # Every chart drew marks: Vega renders each mark as an element of a g.mark-* group.
        marks = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('.chart')].map(d => "
            "[d.id, d.querySelectorAll('svg g[class*=\"mark-\"] > *').length]))")
        page.screenshot(path=str(ARTIFACTS / "weekly-report.png"), full_page=True)
        browser.close()
    assert not problems, problems
    assert set(marks) - {"chart-pmi"} == {"chart-map", "chart-countries", "chart-pairs",
                                          "chart-heatmap", "chart-themes",
                                          "chart-theme-countries"}
    assert all(count > 0 for count in marks.values()), marks


def test_report_exports_every_chart_as_png_and_svg(warehouse, tmp_path):
    db, _ = warehouse
    out = tmp_path / "slides"
    result = runner.invoke(app, ["report", "--db", str(db), "--out", str(out), "--png"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in out.iterdir() if p.is_dir())
    pngs, svgs = sorted(folder.glob("*.png")), sorted(folder.glob("*.svg"))
    assert len(pngs) == len(svgs) >= 6
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(s.read_text().lstrip().startswith("<svg") for s in svgs)


def test_a_report_for_a_week_without_data_is_refused(warehouse, tmp_path):
    db, _ = warehouse
    result = runner.invoke(app, ["report", "--week", "2031-W05", "--db", str(db),
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no articles in 2031-W05: the data spans" in result.output
    assert not (tmp_path / "r").exists()


def test_all_weeks_writes_a_report_for_every_week_with_articles(warehouse, tmp_path):
    from flows.warehouse import Warehouse
    from reports.queries import weeks_with_articles

    db, _ = warehouse
    with Warehouse(db, read_only=True) as wh:
        weeks = weeks_with_articles(wh)
    out = tmp_path / "weeks"
    result = runner.invoke(app, ["report", "--all-weeks", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(weeks) > 1 and len(list(out.glob("comention-*.html"))) == len(weeks)
