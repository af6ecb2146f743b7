"""Render the weekly HTML report (one self-contained file per week) and the index page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
import vl_convert

from expectations.gate import gate_status
from reports import charts, queries
from reports.pages import environment, write_page
from reports.quality import PAGE as QUALITY_PAGE
from reports.quality import STAGES, render_quality_page
from transforms.dates import iso_week_label
from transforms.refcache import cached_text, fingerprint


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script, embedded once per page (works offline);
    kept in the disk cache, since vl-convert takes 1.5-2.5 s to bundle it."""
    return cached_text("vega-bundle.js", fingerprint(packages=["vl-convert-python"]),
                       vl_convert.javascript_bundle)


def _quality(wh) -> tuple[dict, list[dict], list[dict]]:
    """The latest run, its gates (with the one status rule) and the checks that broke."""
    runs = wh.frame("SELECT * FROM runs ORDER BY started_at DESC LIMIT 1")
    if runs.is_empty():
        return {"run_id": "—", "status": "no run recorded", "records_seen": 0,
                "articles_loaded": 0, "duplicates": 0, "quarantined": 0}, [], []
    run = runs.row(0, named=True)
    results = wh.frame("SELECT * FROM quality_results WHERE run_id = ?", [run["run_id"]])
    gates = []
    for stage in STAGES:
        rows = results.filter(pl.col("stage") == stage)
        if rows.is_empty():
            continue
        broken = rows.filter(~pl.col("success"))
        gates.append({"stage": stage, "status": gate_status(broken["severity"]),
                      "total": rows.height,
                      "failed": broken.filter(pl.col("severity") == "fail").height,
                      "warned": broken.filter(pl.col("severity") != "fail").height})
    return run, gates, results.filter(~pl.col("success")).to_dicts()


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
    """Write ``<out>/comention-YYYY-Www.html`` and refresh ``<out>/index.html`` and the
    data-quality page; with ``images``, every chart also as PNG and SVG in
    ``<out>/comention-YYYY-Www/`` (slides)."""
    if week is not None:
        queries.check_week_has_articles(wh, week)
    week = week or queries.default_week(wh)
    if week is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    pairs = queries.pairs(wh, week)
    run, gates, problems = _quality(wh)
    movers, history_weeks = queries.theme_movers(wh, week)
    specs = {
        "chart-map": charts.with_world_outlines(_spec(charts.world_map(queries.world(wh, week)))),
        "chart-countries": _spec(charts.top_countries(queries.countries(wh, week))),
        "chart-pairs": _spec(charts.top_pairs(pairs)),

        "chart-heatmap": _spec(charts.comention_heatmap(queries.heatmap(wh, week))),
        "chart-themes": _spec(charts.theme_trends(queries.themes(wh, week),
                                                  queries.THEME_MIN_ARTICLES)),
        "chart-theme-countries": _spec(charts.theme_country_heatmap(
            queries.theme_countries(wh, week))),
    }
    associated = queries.pairs_by_association(wh, week)
    if associated.height:  # else the page says no pair had the support
        specs["chart-pmi"] = _spec(charts.pairs_by_association(associated,
                                                               queries.PMI_MIN_ARTICLES))
    # JSON inside <script>: "</" must not close the tag, whatever an article title contains.
    specs_json = json.dumps(specs).replace("</", "<\\/")
    label = iso_week_label(week)
    html = environment().get_template("weekly.html.j2").render(
        week_label=label,
        week_start=week.isoformat(),
        week_end=(week + timedelta(days=6)).isoformat(),
        generated_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        cards=queries.cards(wh, week),
        pair_examples=queries.pair_examples(wh, week, pairs),
        movers=movers,
        history_weeks=history_weeks,
        trend_history_weeks=queries.TREND_HISTORY_WEEKS,
        new_pairs=queries.new_pairs(wh, week),
        pmi_min_articles=queries.PMI_MIN_ARTICLES,
        charts=set(specs),
        emerging=queries.emerging(wh, week),
        run=run,
        gates=gates,
        problems=problems,
        vega_bundle=vega_bundle(),
        specs_json=specs_json,
    )
    path = out / f"comention-{label}.html"
    write_page(path, html)
    if images:
        _export_images(specs, out / f"comention-{label}")
    _write_index(wh, out)
    render_quality_page(wh, out, report_link=path.name)
    return path


def _export_images(specs: dict[str, dict], folder: Path) -> None:
    """Each chart as PNG (2× scale) and SVG, rendered offline by vl-convert."""
    folder.mkdir(parents=True, exist_ok=True)
    for chart_id, spec in specs.items():
        name = chart_id.removeprefix("chart-")
        (folder / f"{name}.png").write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        (folder / f"{name}.svg").write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")


def _write_index(wh, out: Path) -> None:
    """index.html: every week with a report in ``out``, newest first, with its articles, top
    pair and the data-quality status of the runs that loaded it."""
    weeks = [date.fromisocalendar(int(name[10:14]), int(name[16:18]), 1)
             for name in (p.name for p in out.glob("comention-????-W??.html"))]
    html = environment().get_template("index.html.j2").render(
        weeks=queries.week_summaries(wh, sorted(weeks)), quality_page=QUALITY_PAGE,
        generated_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    write_page(out / "index.html", html)
