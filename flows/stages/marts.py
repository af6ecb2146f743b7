"""Marts: the weekly tables from the published articles, gated, swapped in atomically."""

from __future__ import annotations

import polars as pl

from expectations.gate import run_gate
from flows.check import country_share_drift, gate_params, missing_weeks
from flows.settings import MartSettings
from flows.stages.common import RunSummary, record_gate
from flows.warehouse import Warehouse
from transforms import comention, trends
from transforms.themes import taxonomy_terms


def build_marts(wh: Warehouse, settings: MartSettings | None = None) -> dict[str, pl.DataFrame]:
    """All weekly marts from the published articles: each story once (near-duplicate copies
    left out), with the raw count (copies included) beside it as ``articles_raw``."""
    settings = settings or MartSettings()
    all_weeks = comention.article_weeks(
        wh.frame("SELECT doc_id, published_at, dup_of FROM articles")
    )
    countries = comention.counted_countries(
        wh.frame("SELECT doc_id, country, kinds FROM article_countries"), settings.counted_kinds
    )
    themes = wh.frame("SELECT doc_id, theme FROM article_themes")
    theme_codes = wh.frame("SELECT code FROM themes ORDER BY code")["code"].to_list()

    def marts_of(weeks: pl.DataFrame) -> dict[str, pl.DataFrame]:
        counted = countries.join(weeks.select("doc_id"), on="doc_id")
        tagged = themes.join(weeks.select("doc_id"), on="doc_id")
        return {
            "country_weekly": comention.country_weekly(weeks, counted),
            "country_pairs_weekly": comention.country_pairs_weekly(
                weeks, counted, settings.min_pair_support
            ),
            "theme_weekly": trends.theme_weekly(weeks, tagged, theme_codes),
            "theme_country_weekly": trends.theme_country_weekly(weeks, tagged, counted),
        }

    unique = marts_of(all_weeks.filter(pl.col("dup_of").is_null()).drop("dup_of"))
    raw = marts_of(all_weeks.drop("dup_of"))
    keys = {"country_weekly": ["week", "country"],
            "country_pairs_weekly": ["week", "country_a", "country_b"],
            "theme_weekly": ["week", "theme"],
            "theme_country_weekly": ["week", "theme", "country"]}
    built = {
        name: unique[name].join(
            raw[name].select(*keys[name], pl.col("articles").alias("articles_raw")),
            on=keys[name], how="left",
        ).with_columns(pl.col("articles_raw").fill_null(pl.col("articles")))
        for name in unique
    }
    built["emerging_terms"] = trends.emerging_terms(
        wh.frame("SELECT week, term, articles FROM term_weekly"),
        trends.all_weeks(all_weeks.select("week").unique()),
        known_terms=taxonomy_terms(),
    )
    return built


def marts(wh: Warehouse, run_id: str, summary: RunSummary) -> dict[str, int]:
    """Rebuild the weekly marts, gate them, and swap them in atomically; returns their rows."""
    built = build_marts(wh)
    week_check = pl.DataFrame(
        {"missing_weeks": [missing_weeks(wh, built["theme_weekly"])]}
    ).to_pandas()
    drift = pl.DataFrame(
        {"max_country_share_drift": [country_share_drift(built["country_weekly"])]}
    ).to_pandas()
    gate = run_gate(
        "marts",
        {name: frame.to_pandas() for name, frame in built.items()}
        | {"weeks": week_check, "drift": drift},
        params=gate_params(wh),
    )
    record_gate(wh, run_id, gate, summary)
    with wh.transaction():
        for name, frame in built.items():
            wh.replace(name, frame)
    return {name: frame.height for name, frame in built.items()}
