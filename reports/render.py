"""Render the weekly HTML report (one self-contained file per week) and the index page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
import pycountry
import vl_convert
from jinja2 import Environment, FileSystemLoader, select_autoescape

from flows.warehouse import ARTICLE_WEEK
from reports import charts
from reports.layout import force_layout
from transforms.dates import iso_week_label
from transforms.refcache import cached_text, fingerprint

TEMPLATES = Path(__file__).parent / "templates"
TOP_COUNTRIES = 20
TOP_PAIRS = 15
HEATMAP_COUNTRIES = 20
TREND_WEEKS = 12
NETWORK_COUNTRIES = 15
NETWORK_MIN_ARTICLES = 2  # edges of a single article clutter the picture


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script, embedded once per page (works offline);
    kept in the disk cache, since vl-convert takes 1.5-2.5 s to bundle it."""
    return cached_text("vega-bundle.js", fingerprint(packages=["vl-convert-python"]),
                       vl_convert.javascript_bundle)


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )


class NoArticlesInWeek(ValueError):
    """A report asked for a week the data has no article in."""


def check_week_has_articles(wh, week: date) -> None:
    """Raise NoArticlesInWeek, with the weeks the data spans, if ``week`` has no article: a
    report of blank charts would look like a week in which nothing happened."""
    first, last, in_week = wh.con.execute(
        "SELECT min(published_at), max(published_at), "
        "count(*) FILTER (WHERE published_at >= ? AND published_at < ?) "
        "FROM articles WHERE dup_of IS NULL",
        [datetime.combine(week, time(), UTC),
         datetime.combine(week + timedelta(days=7), time(), UTC)]).fetchall()[0]
    if in_week:
        return
    if first is None:
        raise NoArticlesInWeek("the warehouse has no articles: nothing to report")
    first_day, last_day = first.astimezone(UTC).date(), last.astimezone(UTC).date()
    raise NoArticlesInWeek(
        f"no articles in {iso_week_label(week)}: the data spans {iso_week_label(first_day)} "
        f"to {iso_week_label(last_day)} ({first_day} … {last_day})")


def weeks_with_articles(wh) -> list[date]:
    """The Monday of every ISO week (UTC) that has an article, oldest first."""
    rows = wh.con.execute(f"SELECT DISTINCT {ARTICLE_WEEK} AS week FROM articles "
                          "WHERE dup_of IS NULL ORDER BY week").fetchall()
    return [week for (week,) in rows]


def default_week(wh) -> date | None:
    """The last complete ISO week in the data (the last week if the data ends mid-week only)."""
    latest = wh.scalar("SELECT max(published_at) FROM articles WHERE dup_of IS NULL")
    if latest is None:
        return None
    latest_day = latest.astimezone(UTC).date()
    last_week = latest_day - timedelta(days=latest_day.weekday())
    if latest_day.weekday() == 6:
        return last_week
    previous = last_week - timedelta(days=7)
    has_previous = wh.scalar("SELECT count(*) FROM country_weekly WHERE week = ?", [previous])
    return previous if has_previous else last_week


def _cards(wh, week: date) -> list[dict]:
    """Headline numbers of the week, each with its change against the week before.

    Copies are the near-duplicates published that week (exact duplicates are never stored, so
    they have no week); quarantined records have no trustworthy date and come from the
    latest run.
    """
    stats = wh.frame(
        """
        SELECT date_trunc('week', published_at AT TIME ZONE 'UTC')::DATE AS week,
               count(*) FILTER (WHERE dup_of IS NULL) AS articles,
               count(DISTINCT site) FILTER (WHERE dup_of IS NULL) AS sites,
               count(DISTINCT lang) FILTER (WHERE dup_of IS NULL) AS langs,
               count(*) FILTER (WHERE dup_of IS NOT NULL) AS copies
        FROM articles WHERE published_at >= ? AND published_at < ? GROUP BY 1
        """,
        [_week_start(week - timedelta(days=7)), _week_start(week + timedelta(days=7))],
    )

    def pick(w: date) -> dict:
        row = stats.filter(pl.col("week") == w)
        return row.row(0, named=True) if row.height else dict.fromkeys(stats.columns, 0)

    now, prev = pick(week), pick(week - timedelta(days=7))
    last_run = wh.frame("SELECT quarantined, duplicates FROM runs ORDER BY started_at DESC "
                        "LIMIT 1")
    cards = [
        {"label": label, "value": now[key], "change": now[key] - prev[key]}
        for key, label in (("articles", "articles"), ("sites", "sites"),
                           ("langs", "languages"), ("copies", "near-duplicate copies set aside"))
    ]
    if last_run.height:
        cards += [
            {"label": "exact duplicates skipped (last run)",
             "value": last_run["duplicates"][0], "change": None},
            {"label": "records quarantined (last run)",
             "value": last_run["quarantined"][0], "change": None},
        ]
    return cards


def _countries(wh, week: date) -> pl.DataFrame:
    return wh.frame(
        f"""
        SELECT coalesce(c.name, w.country) AS name, w.country, w.articles, w.share,
               w.articles - coalesce(p.articles, 0) AS change
        FROM country_weekly w
        LEFT JOIN country_weekly p ON p.country = w.country AND p.week = w.week - INTERVAL 7 DAY
        LEFT JOIN countries c ON c.code = w.country
        WHERE w.week = ? ORDER BY w.articles DESC, w.country LIMIT {TOP_COUNTRIES}
        """,
        [week],
    )


def _pairs(wh, week: date) -> pl.DataFrame:
    return wh.frame(
        f"""
        SELECT w.country_a, w.country_b, w.country_a || '–' || w.country_b AS pair,
               w.articles, w.pmi, w.articles - coalesce(p.articles, 0) AS change
        FROM country_pairs_weekly w
        LEFT JOIN country_pairs_weekly p ON p.country_a = w.country_a
             AND p.country_b = w.country_b AND p.week = w.week - INTERVAL 7 DAY
        WHERE w.week = ? ORDER BY w.articles DESC, w.pmi DESC LIMIT {TOP_PAIRS}
        """,
        [week],
    )


@cache
def _numeric_ids() -> dict[str, str]:
    """ISO alpha-2 → the zero-padded numeric code the world topology uses as feature id."""
    return {c.alpha_2: c.numeric for c in pycountry.countries}


def _world(wh, week: date) -> pl.DataFrame:
    frame = wh.frame(
        "SELECT w.country AS code, coalesce(c.name, w.country) AS country, w.articles, w.share "
        "FROM country_weekly w LEFT JOIN countries c ON c.code = w.country WHERE w.week = ?",
        [week],
    )
    ids = _numeric_ids()
    return frame.with_columns(
        id=pl.col("code").replace_strict(ids, default=None, return_dtype=pl.Utf8)
    ).drop_nulls("id")


def _pairs_by_pmi(wh, week: date) -> pl.DataFrame:
    return wh.frame(
        f"""
        SELECT country_a || '–' || country_b AS pair, articles, pmi, lift
        FROM country_pairs_weekly WHERE week = ? AND pmi IS NOT NULL
        ORDER BY pmi DESC, articles DESC LIMIT {TOP_PAIRS}
        """,
        [week],
    )


def _new_pairs(wh, week: date) -> list[dict]:
    """Pairs co-mentioned this week and in none of the four weeks before."""
    return wh.frame(
        """
        SELECT w.country_a || '–' || w.country_b AS pair, w.articles FROM country_pairs_weekly w
        WHERE w.week = ? AND NOT EXISTS (
            SELECT 1 FROM country_pairs_weekly p WHERE p.country_a = w.country_a
            AND p.country_b = w.country_b AND p.week < w.week
            AND p.week >= w.week - INTERVAL 28 DAY)
        ORDER BY w.articles DESC, pair LIMIT 10
        """,
        [week],
    ).to_dicts()


def _network(wh, week: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    nodes = wh.frame(
        f"SELECT w.country, coalesce(c.name, w.country) AS name, w.articles FROM country_weekly w "
        f"LEFT JOIN countries c ON c.code = w.country WHERE w.week = ? "
        f"ORDER BY w.articles DESC, w.country LIMIT {NETWORK_COUNTRIES}", [week])
    index = {code: i for i, code in enumerate(nodes["country"].to_list())}
    pairs = wh.frame(
        "SELECT country_a, country_b, articles FROM country_pairs_weekly WHERE week = ?", [week]
    ).filter(pl.col("country_a").is_in(list(index)) & pl.col("country_b").is_in(list(index))
             & (pl.col("articles") >= NETWORK_MIN_ARTICLES))
    positions = force_layout(
        len(index), [(index[a], index[b], float(n)) for a, b, n in pairs.iter_rows()])
    nodes = nodes.with_columns(x=pl.Series(positions[:, 0] if len(index) else []),
                               y=pl.Series(positions[:, 1] if len(index) else []))
    xy = {code: positions[i] for code, i in index.items()}
    edges = pairs.with_columns(
        pair=pl.col("country_a") + "–" + pl.col("country_b"),
        x=pl.col("country_a").replace_strict({c: float(p[0]) for c, p in xy.items()},
                                             return_dtype=pl.Float64),
        y=pl.col("country_a").replace_strict({c: float(p[1]) for c, p in xy.items()},
                                             return_dtype=pl.Float64),
        x2=pl.col("country_b").replace_strict({c: float(p[0]) for c, p in xy.items()},
                                              return_dtype=pl.Float64),
        y2=pl.col("country_b").replace_strict({c: float(p[1]) for c, p in xy.items()},
                                              return_dtype=pl.Float64),
    )
    return nodes, edges


def _pair_examples(wh, week: date, pairs: pl.DataFrame) -> list[dict]:
    """The top five pairs, each with up to three headlines of the week that name both."""
    top = pairs.head(5)
    if top.is_empty():
        return []
    with wh.incoming(top.select("country_a", "country_b")):
        headlines = wh.frame(
            """
            WITH week AS (SELECT doc_id, title, site FROM articles
                          WHERE published_at >= ? AND published_at < ? AND title IS NOT NULL),
                 named AS (SELECT doc_id, country, mentions FROM article_countries
                           WHERE doc_id IN (SELECT doc_id FROM week))
            SELECT p.country_a, p.country_b, w.title, w.site FROM _incoming p
            JOIN named x ON x.country = p.country_a
            JOIN named y ON y.country = p.country_b AND y.doc_id = x.doc_id
            JOIN week w ON w.doc_id = x.doc_id
            QUALIFY row_number() OVER (PARTITION BY p.country_a, p.country_b
                                       ORDER BY x.mentions + y.mentions DESC, w.doc_id) <= 3
            ORDER BY x.mentions + y.mentions DESC, w.doc_id
            """,
            [_week_start(week), _week_start(week + timedelta(days=7))],
        )
    return [
        {**pair, "headlines": headlines.filter(
            (pl.col("country_a") == pair["country_a"]) & (pl.col("country_b") == pair["country_b"])
        ).select("title", "site").to_dicts()}
        for pair in top.iter_rows(named=True)
    ]


def _week_start(week: date) -> datetime:
    """Midnight UTC opening ``week``: articles filtered on published_at itself, so DuckDB
    skips the row groups outside it (a feed is stored roughly in time order)."""
    return datetime.combine(week, time(), UTC)


def _heatmap(wh, week: date) -> pl.DataFrame:
    pairs = wh.frame(
        f"""
        WITH top AS (SELECT country FROM country_weekly WHERE week = ?
                     ORDER BY articles DESC, country LIMIT {HEATMAP_COUNTRIES})
        SELECT country_a AS a, country_b AS b, articles FROM country_pairs_weekly
        WHERE week = ? AND country_a IN (SELECT * FROM top) AND country_b IN (SELECT * FROM top)
        """,
        [week, week],
    )
    mirrored = pairs.select(pl.col("b").alias("a"), pl.col("a").alias("b"), "articles")
    return pl.concat([pairs, mirrored])


def _themes(wh, week: date) -> pl.DataFrame:
    """Top-level themes week by week over the last weeks (from the first week of data). A week
    without articles has no row in theme_weekly: here it is a NULL share, so the line breaks
    there instead of bridging the week."""
    return wh.frame(
        """
        WITH weeks AS (
            SELECT unnest(generate_series(
                greatest(?::DATE - INTERVAL (7 * (? - 1)) DAY,
                         (SELECT min(week) FROM theme_weekly)::TIMESTAMP),
                ?::DATE::TIMESTAMP, INTERVAL 7 DAY))::DATE AS week
        )
        SELECT w.week, h.code AS theme, h.label, t.articles, t.share
        FROM weeks w CROSS JOIN themes h
        LEFT JOIN theme_weekly t ON t.week = w.week AND t.theme = h.code
        WHERE h.parent IS NULL
        QUALIFY count(t.share) OVER (PARTITION BY h.code) > 0
        ORDER BY theme, w.week
        """,
        [week, TREND_WEEKS, week],
    )


def _theme_movers(wh, week: date) -> list[dict]:
    """Themes whose 4-week share moved significantly (two-proportion z) as of ``week``."""
    return wh.frame(
        """
        SELECT h.label, t.theme, t.trend, t.share_4w, t.change_4w, t.z_4w, t.articles
        FROM theme_weekly t JOIN themes h ON h.code = t.theme
        WHERE t.week = ? AND t.trend IS NOT NULL
        ORDER BY abs(t.z_4w) DESC
        """,
        [week],
    ).to_dicts()


def _theme_countries(wh, week: date) -> pl.DataFrame:
    """Articles per top-level theme and top country over the last 12 weeks."""
    return wh.frame(
        f"""
        WITH recent AS (
            SELECT * FROM theme_country_weekly
            WHERE week > ?::DATE - INTERVAL (7 * {TREND_WEEKS}) DAY AND week <= ?
        ),
        top AS (SELECT country, sum(articles) AS total FROM recent GROUP BY country
                ORDER BY total DESC LIMIT {HEATMAP_COUNTRIES}),
        cells AS (
            SELECT h.label, r.country, sum(r.articles) AS articles
            FROM recent r JOIN themes h ON h.code = r.theme AND h.parent IS NULL
            WHERE r.country IN (SELECT country FROM top)
            GROUP BY ALL
        )
        SELECT cells.label, coalesce(c.name, cells.country) AS country, cells.articles,
               cells.articles / sum(cells.articles) OVER (PARTITION BY cells.country) AS share,
               top.total AS country_total
        FROM cells JOIN top USING (country) LEFT JOIN countries c ON c.code = cells.country
        ORDER BY top.total DESC
        """,
        [week, week],
    )


def _emerging(wh, week: date) -> list[dict]:
    return wh.frame(
        "SELECT term, articles, baseline, z FROM emerging_terms WHERE week = ? "
        "ORDER BY z DESC LIMIT 15", [week]
    ).to_dicts()


def _quality(wh) -> tuple[dict, list[dict], list[dict]]:
    runs = wh.frame("SELECT * FROM runs ORDER BY started_at DESC LIMIT 1")
    if runs.is_empty():
        return {"run_id": "—", "status": "no run recorded", "records_seen": 0,
                "articles_loaded": 0, "duplicates": 0, "quarantined": 0}, [], []
    run = runs.row(0, named=True)
    results = wh.frame("SELECT * FROM quality_results WHERE run_id = ?", [run["run_id"]])
    gates = []
    for stage in ("ingest", "enrich", "marts"):
        rows = results.filter(pl.col("stage") == stage)
        if rows.is_empty():
            continue
        broken = rows.filter(~pl.col("success"))
        failed = broken.filter(pl.col("severity") == "fail").height
        warned = broken.filter(pl.col("severity").is_in(["warn", "quarantine"])).height
        status = "fail" if failed else "warn" if warned else "pass"
        gates.append({"stage": stage, "status": status, "total": rows.height,
                      "failed": failed, "warned": warned})
    problems = results.filter(~pl.col("success")).to_dicts()
    return run, gates, problems


def _plain(value):
    """JSON for what DuckDB hands back: DECIMAL sums as numbers, dates as ISO strings."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _spec(chart) -> dict:
    """The chart's Vega-Lite spec as plain JSON data (what vl-convert and the page accept)."""
    return json.loads(json.dumps(chart.to_dict(), default=_plain))


def render_report(
    wh, out: Path, week: date | None = None, images: bool = False
) -> Path | None:
    """Write ``<out>/comention-YYYY-Www.html`` and refresh ``<out>/index.html``; with
    ``images``, every chart also as PNG and SVG in ``<out>/comention-YYYY-Www/`` (slides)."""
    if week is not None:
        check_week_has_articles(wh, week)
    week = week or default_week(wh)
    if week is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    pairs = _pairs(wh, week)
    run, gates, problems = _quality(wh)
    nodes, edges = _network(wh, week)
    specs = {
        "chart-map": charts.with_world_outlines(_spec(charts.world_map(_world(wh, week)))),
        "chart-countries": _spec(charts.top_countries(_countries(wh, week))),
        "chart-pairs": _spec(charts.top_pairs(pairs)),
        "chart-pmi": _spec(charts.pairs_by_association(_pairs_by_pmi(wh, week))),
        "chart-network": _spec(charts.network(nodes, edges)),
        "chart-heatmap": _spec(charts.comention_heatmap(_heatmap(wh, week))),
        "chart-themes": _spec(charts.theme_trends(_themes(wh, week))),
        "chart-theme-countries": _spec(charts.theme_country_heatmap(_theme_countries(wh, week))),
    }
    # JSON inside <script>: "</" must not close the tag, whatever an article title contains.
    specs_json = json.dumps(specs).replace("</", "<\\/")
    label = iso_week_label(week)
    html = environment().get_template("weekly.html.j2").render(
        week_label=label,
        week_start=week.isoformat(),
        week_end=(week + timedelta(days=6)).isoformat(),
        generated_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        cards=_cards(wh, week),
        pair_examples=_pair_examples(wh, week, pairs),
        movers=_theme_movers(wh, week),
        new_pairs=_new_pairs(wh, week),
        emerging=_emerging(wh, week),
        run=run,
        gates=gates,
        problems=problems,
        vega_bundle=vega_bundle(),
        specs_json=specs_json,
    )
    path = out / f"comention-{label}.html"
    path.write_text(html, encoding="utf-8")
    if images:
        _export_images(specs, out / f"comention-{label}")
    _write_index(out)
    from reports.quality import render_quality_page

    render_quality_page(wh, out, report_link=path.name)
    return path


def _export_images(specs: dict[str, dict], folder: Path) -> None:
    """Each chart as PNG (2× scale) and SVG, rendered offline by vl-convert."""
    folder.mkdir(parents=True, exist_ok=True)
    for chart_id, spec in specs.items():
        name = chart_id.removeprefix("chart-")
        (folder / f"{name}.png").write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        (folder / f"{name}.svg").write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")


def _write_index(out: Path) -> None:
    pages = sorted(out.glob("comention-*.html"), reverse=True)
    html = environment().from_string(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>comention reports"
        "</title></head><body style='font-family:system-ui,sans-serif;margin:2rem'>"
        "<h1>comention weekly reports</h1><ul>{% for p in pages %}<li><a href='{{ p }}'>"
        "{{ p[10:-5] }}</a></li>{% endfor %}</ul></body></html>"
    ).render(pages=[p.name for p in pages])
    (out / "index.html").write_text(html, encoding="utf-8")
