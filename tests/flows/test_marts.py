"""Incremental marts: whatever the runs added, the marts equal a full rebuild over all articles,
and a run recomputes only the weeks it touched."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations.gate import GateFailed
from flows.pipeline import run_pipeline
from flows.sample import FILLER, START, _article
from flows.settings import MartSettings, Settings
from flows.stages.common import RunSummary
from flows.stages.marts import MART_TABLES, marts, week_groups
from flows.warehouse import Warehouse
from transforms import comention, trends
from transforms.dates import ARTICLE_WEEK
from transforms.themes import taxonomy_terms

WEEKS = 18
PER_WEEK = 12
KEYS = {"country_weekly": ["week", "country"],
        "country_pairs_weekly": ["week", "country_a", "country_b"],
        "theme_weekly": ["week", "theme"],
        "theme_country_weekly": ["week", "theme", "country"],
        "emerging_terms": ["week", "term"]}


def _records(weeks: range, part: int, rewrites: bool = False) -> list[dict]:
    """Half ``part`` (0 or 1) of the generated articles of ``weeks``, as JSON Lines records;
    with ``rewrites``, a light rewrite (a near-duplicate) of every fifth article of the other
    half too, so copies land in weeks other runs loaded."""
    records = []
    for week in weeks:
        rng = random.Random(week)  # the same articles whichever run writes them
        for i in range(PER_WEEK):
            article = _article(rng, week, week * PER_WEEK + i, WEEKS)
            text = "\n\n".join(article["paragraphs"])
            if i % 2 == part:
                records.append({"id": f"{week}-{i}", "headline": article["title"],
                                "published": article["published"].isoformat(), "text": text})
            elif rewrites and i % 5 == 0:
                edited = article["paragraphs"][1:] + [FILLER[i % len(FILLER)]]
                records.append({"id": f"{week}-{i}-copy", "headline": article["title"],
                                "published": article["published"].isoformat(),
                                "text": "\n\n".join(edited)})
    return records


def _feed(path: Path, records: list[dict]) -> list[str]:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return [str(path)]


class Recorder:
    """as_task for run_pipeline: runs each stage as is and keeps what it returned."""

    def __init__(self):
        self.returned: dict[str, object] = {}

    def __call__(self, function):
        def run(*args, **kwargs):
            self.returned[function.__name__] = result = function(*args, **kwargs)
            return result
        return run


def _run(paths: list[str], db: Path, settings: Settings | None = None
         ) -> tuple[RunSummary, dict[str, int] | None]:
    recorder = Recorder()
    summary = run_pipeline(paths, db, None, as_task=recorder, settings=settings)
    return summary, recorder.returned.get("marts")


def _marts(db: Path) -> dict[str, pl.DataFrame]:
    with Warehouse(db, read_only=True) as wh:
        return {name: wh.frame(f"SELECT * FROM {name}").sort(keys)
                for name, keys in KEYS.items()}


def _reference(db: Path, settings: MartSettings | None = None) -> dict[str, pl.DataFrame]:
    """Every mart from all published articles at once, by the pure transforms (as the marts
    were built before they were incremental)."""
    settings = settings or MartSettings()
    with Warehouse(db, read_only=True) as wh:
        docs = wh.frame(f"SELECT doc_id, {ARTICLE_WEEK} AS week, dup_of FROM articles")
        countries = comention.counted_countries(
            wh.frame("SELECT doc_id, country, kinds FROM article_countries"),
            settings.counted_kinds)
        themes = wh.frame("SELECT doc_id, theme FROM article_themes")
        codes = wh.frame("SELECT code FROM themes ORDER BY code")["code"].to_list()
        terms = wh.frame("SELECT week, term, articles FROM term_weekly")
    built = trends.week_marts(docs, countries, themes, codes, settings.min_pair_support)
    counts = built.pop("theme_counts")
    stories = docs.filter(pl.col("dup_of").is_null()).select("doc_id", "week")
    built["theme_weekly"] = trends.theme_weekly(stories, themes, codes).join(
        counts.select("week", "theme", "articles_raw"), on=["week", "theme"])
    built["emerging_terms"] = trends.emerging_terms(
        terms, trends.all_weeks(docs.select("week").unique()), known_terms=taxonomy_terms())
    return {name: built[name].sort(keys) for name, keys in KEYS.items()}


def _assert_same(got: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    for name, frame in got.items():
        want = expected[name].select(frame.columns).cast(dict(frame.schema))
        assert_frame_equal(frame, want, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


def _full_rebuild(db: Path, copy: Path) -> dict[str, int]:
    shutil.copyfile(db, copy)
    with Warehouse(copy) as wh:
        return marts(wh, "full", RunSummary(run_id="full", db=copy), full=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs into one warehouse, each adding articles: weeks 0-7, then weeks 4-12 (copies of
    stories of the first run among them), then nothing new, then week 16 alone."""
    folder = tmp_path_factory.mktemp("marts")
    db = folder / "w.duckdb"
    first = _run(_feed(folder / "a.jsonl", _records(range(0, 8), 0)), db)
    second = _run(_feed(folder / "b.jsonl", _records(range(4, 8), 1, rewrites=True)
                        + _records(range(8, 13), 0)), db)
    before_far = _marts(db)
    third = _run([str(folder / "b.jsonl")], db)
    far = _run(_feed(folder / "c.jsonl", _records(range(16, 17), 0)), db)
    return {"db": db, "folder": folder, "before_far": before_far,
            "written": [first[1], second[1], third[1], far[1]],
            "summaries": [first[0], second[0], third[0], far[0]]}


def test_incremental_marts_equal_a_full_rebuild(runs):
    db = runs["db"]
    incremental = _marts(db)
    assert incremental["emerging_terms"].height > 0  # the surge week's terms
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles WHERE dup_of IS NOT NULL") > 0
        assert wh.scalar("SELECT count(DISTINCT run_id) FROM articles") == 3
    _assert_same(incremental, _reference(db))
    _full_rebuild(db, runs["folder"] / "full.duckdb")
    _assert_same(incremental, _marts(runs["folder"] / "full.duckdb"))


def test_a_run_with_nothing_new_reads_and_writes_nothing(runs):
    assert runs["summaries"][2].gates["marts"] == "skipped (nothing new)"
    assert set(runs["written"][2].values()) == {0}
    assert all(s.gates["marts"] == "pass" for i, s in enumerate(runs["summaries"]) if i != 2)


def test_a_run_adding_one_week_recomputes_only_that_week(runs):
    far = START.date() + timedelta(weeks=16)
    after, before = _marts(runs["db"]), runs["before_far"]
    written = runs["written"][3]
    for name in MART_TABLES:
        # Every row of the other weeks is as it was; the new week's rows are all written.
        assert_frame_equal(after[name].filter(pl.col("week") != far), before[name])
        assert written[name] == after[name].filter(pl.col("week") == far).height, name
    assert written["country_weekly"] > 0
    # A full rebuild writes every row, but those of theme_weekly that it finds unchanged.
    full = _full_rebuild(runs["db"], runs["folder"] / "full2.duckdb")
    assert full == {name: after[name].height for name in MART_TABLES} | {"theme_weekly": 0}


def test_deleted_weeks_lose_their_rows_and_the_baselines_move_with_the_first_week(runs, tmp_path):
    """What ingest does when it deletes articles (--replace): their rows and term counts go,
    their weeks are listed in staging.touched_weeks; here the first week and week 5 go."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(runs["db"], db)
    gone = [START.date(), START.date() + timedelta(weeks=5)]
    with Warehouse(db) as wh:
        wh.stage("doomed", wh.frame(
            f"SELECT doc_id FROM articles WHERE {ARTICLE_WEEK} IN (SELECT unnest(?::DATE[])) "
            "OR dup_of IN (SELECT doc_id FROM articles WHERE "
            f"{ARTICLE_WEEK} IN (SELECT unnest(?::DATE[])))", [gone, gone]))
        for table in ("country_mentions", "article_countries", "article_themes",
                      "enriched_articles", "articles"):
            wh.con.execute(f"DELETE FROM {table} WHERE doc_id IN "
                           "(SELECT doc_id FROM staging.doomed)")
        wh.con.execute("DELETE FROM term_weekly WHERE week IN (SELECT unnest(?::DATE[]))", [gone])
        wh.stage("touched_weeks", pl.DataFrame({"week": gone}))
        written = marts(wh, "deleting", RunSummary(run_id="deleting", db=db))
        wh.drop_staged("doomed", "touched_weeks")
    after = _marts(db)
    for name in ("country_weekly", "theme_weekly", "theme_country_weekly"):
        assert not after[name].filter(pl.col("week").is_in(gone)).height, name
    assert written["country_weekly"] == 0  # the weeks are gone; nothing else was recomputed
    _assert_same(after, _reference(db))


def test_replacing_a_file_recomputes_the_weeks_its_articles_left(runs, tmp_path):
    """--replace: ingest deletes the file's earlier articles (weeks 0-7) and lists their
    weeks in staging.touched_weeks; the new version of the file has articles of weeks 2-4."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(runs["db"], db)
    source = runs["folder"] / "a.jsonl"  # replaced by its path, as loaded by the first run
    summary = run_pipeline(_feed(source, _records(range(2, 5), 1)), db, None, replace=True)
    assert summary.replaced > 0 and summary.gates["marts"] == "pass"
    after = _marts(db)
    assert after["country_weekly"]["week"].min() == START.date() + timedelta(weeks=2)
    _assert_same(after, _reference(db))


def test_a_new_minimum_pair_support_rebuilds_every_week(runs, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(runs["db"], db)
    settings = Settings.from_env({"COMENTION_MIN_PAIR_SUPPORT": "1"})
    summary, written = _run([], db, settings)  # no input: only the definition changed
    after = _marts(db)
    assert summary.gates["marts"] == "pass"
    assert written["country_pairs_weekly"] == after["country_pairs_weekly"].height
    assert written["country_weekly"] == after["country_weekly"].height
    assert after["country_pairs_weekly"]["pmi"].null_count() == 0  # every pair has support 1
    _assert_same(after, _reference(db, settings.marts))
    # The next run with nothing new is incremental again.
    assert set(_run([], db, settings)[1].values()) == {0}


def test_small_groups_give_the_same_marts_and_a_failing_group_stops_the_writing(
    runs, tmp_path, monkeypatch
):
    from flows.stages import marts as stage

    monkeypatch.setattr(stage, "MART_CHUNK_ARTICLES", 15)
    monkeypatch.setattr(stage, "EMERGING_CHUNK_WEEKS", 3)
    gates = []
    checked = stage.run_gate

    def counting(name, batches, **kwargs):
        gates.append(len(batches.get("country_weekly", ())))
        return checked(name, batches, **kwargs)

    monkeypatch.setattr(stage, "run_gate", counting)
    db = tmp_path / "w.duckdb"
    _full_rebuild(runs["db"], db)
    assert len(gates) > 5  # one gate per group of weeks, and the run-level one
    _assert_same(_marts(db), _reference(db))

    # The third group fails: the first two are written, the failure is recorded, it raises.
    def failing(name, batches, **kwargs):
        result = checked(name, batches, **kwargs)
        gates.append(result)
        if len(gates) == 3:
            first = result.results[0]  # a row-level check: one row broke it
            bad = replace(first, success=False, severity="fail", unexpected=1,
                          observed="unexpected_count=1")
            result = replace(result, results=(bad, *result.results[1:]))
        return result

    gates.clear()
    monkeypatch.setattr(stage, "run_gate", failing)
    with Warehouse(db) as wh:
        wh.con.execute("DELETE FROM country_weekly")
        summary = RunSummary(run_id="failing", db=db)
        with pytest.raises(GateFailed):
            marts(wh, "failing", summary, full=True)
        assert summary.gates["marts"] == "fail"
        groups = week_groups(wh.frame(f"SELECT {ARTICLE_WEEK} AS week, count(*) FROM articles "
                                      "GROUP BY week ORDER BY week").rows(), 15)
        written = wh.frame("SELECT DISTINCT week FROM country_weekly ORDER BY week")
        assert written["week"].to_list() == groups[0] + groups[1]
        assert wh.scalar("SELECT count(*) FROM quality_results WHERE run_id = 'failing' "
                         "AND NOT success") == 1


def test_weeks_are_grouped_up_to_the_article_limit():
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(5)]
    sizes = list(zip(weeks, [40, 50, 200, 0, 10], strict=True))
    assert week_groups(sizes, limit=100) == [weeks[:2], weeks[2:3], weeks[3:]]


def _add_articles(wh: Warehouse, run_id: str, weeks: list[date]) -> None:
    wh.insert("articles", pl.DataFrame({
        "doc_id": [f"{run_id}-{i}" for i in range(len(weeks))],
        "source": "test", "record_key": [str(i) for i in range(len(weeks))],
        "body": "text", "n_words": 1, "run_id": run_id,
        "published_at": [datetime(w.year, w.month, w.day, 12, tzinfo=UTC) for w in weeks],
    }))


def test_emerging_baselines_follow_an_earlier_first_week(tmp_path):
    """The first weeks' baselines are shorter; an article far before them (more than the
    baseline's 8 weeks) lengthens them: those weeks are recomputed though no run touched them."""
    from transforms.gazetteer import countries_reference
    from transforms.themes import themes_reference

    db = tmp_path / "w.duckdb"
    monday = date(2024, 1, 1)
    weeks = [monday + timedelta(weeks=w) for w in range(6)]
    with Warehouse(db) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        _add_articles(wh, "r1", weeks)
        # "flood" in 2, 2, then 9 articles: a burst against the 2-week baseline (2), and a
        # stronger one once the baseline spans 8 weeks, 6 of them without articles (0.5).
        wh.insert("term_weekly", pl.DataFrame({
            "week": weeks[:3], "term": "flood", "articles": [2, 2, 9]}))
        marts(wh, "r1", RunSummary(run_id="r1", db=db))
        short = wh.frame("SELECT week, baseline FROM emerging_terms").rows()
        _add_articles(wh, "r2", [monday - timedelta(weeks=30)])
        written = marts(wh, "r2", RunSummary(run_id="r2", db=db))
        long = wh.frame("SELECT week, baseline FROM emerging_terms").rows()
        expected = trends.emerging_terms(
            wh.frame("SELECT week, term, articles FROM term_weekly"),
            trends.all_weeks(wh.frame(f"SELECT {ARTICLE_WEEK} AS week FROM articles")),
            known_terms=taxonomy_terms())
    assert short == [(weeks[2], 2.0)]
    assert long == [(weeks[2], 0.5)] == expected.select("week", "baseline").rows()
    assert written["country_weekly"] == 0 and written["emerging_terms"] == 1
