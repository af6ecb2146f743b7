"""Each chart's Vega-Lite spec says what a reader needs: names, support, scales, Mondays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from reports import charts
from reports.render import _spec

MONDAY = date(2024, 3, 4)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer") or spec["spec"]["layer"]


def test_the_map_draws_every_country_and_colours_those_with_articles_on_a_log_scale():
    frame = pl.DataFrame({"id": ["840", "250"], "country": ["United States", "France"],
                          "articles": [300, 3], "share": [0.9, 0.01]})
    spec = charts.with_world_outlines(_spec(charts.world_map(frame)))
    every_country, with_articles = spec["layer"]
    assert "transform" not in every_country or all("lookup" not in t
                                                   for t in every_country["transform"])
    assert every_country["mark"]["fill"]  # grey, whatever the week holds
    assert with_articles["encoding"]["color"]["scale"]["type"] == "log"
    assert "log scale" in " ".join(with_articles["encoding"]["color"]["title"])
    assert "countries" in spec["datasets"][charts.WORLD_OUTLINES]["objects"]


def test_attention_is_coloured_by_change_in_share_on_a_symmetric_scale():
    frame = pl.DataFrame({"name": ["United States", "France"], "country": ["US", "FR"],
                          "articles": [300, 20], "share": [0.6, 0.04],
                          "previous_articles": [600, 2], "change_share": [-0.05, 0.01]})
    color = _spec(charts.top_countries(frame))["encoding"]["color"]
    assert color["field"] == "change_share"
    low, high = color["scale"]["domain"]
    assert low == -high == -0.05
    tooltip = {t["field"] for t in _spec(charts.top_countries(frame))["encoding"]["tooltip"]}
    assert {"articles", "previous_articles"} <= tooltip


def test_attention_without_a_week_before_has_no_change_colour():
    frame = pl.DataFrame({"name": ["France"], "country": ["FR"], "articles": [2],
                          "share": [1.0], "previous_articles": [0],
                          "change_share": [None]}, schema_overrides={"change_share": pl.Float64})
    spec = _spec(charts.top_countries(frame))
    assert "color" not in spec["encoding"] and "week before" in spec["title"]["subtitle"]


def test_associations_show_the_articles_behind_each_bar():
    frame = pl.DataFrame({"pair": ["Oman – Qatar"], "articles": [4], "pmi": [8.1],
                          "lift": [270.0], "pmi_low": [6.2]})
    spec = _spec(charts.pairs_by_association(frame, min_articles=5))
    bars, support = _layers(spec)
    assert "5 articles or more" in spec["title"]["subtitle"][0]
    assert bars["encoding"]["x"]["field"] == "pmi_low"
    assert support["mark"]["type"] == "text" and support["encoding"]["text"]["field"] == "articles"


def test_theme_panels_tick_on_mondays_and_say_their_scale():
    weeks = [MONDAY + timedelta(weeks=w) for w in range(6)]
    frame = pl.DataFrame({"week": weeks, "theme": ["ENERGY"] * 6, "label": ["Energy"] * 6,
                          "articles": [3] * 6, "share": [0.1] * 6, "week_articles": [30] * 6,
                          "low": [0.03] * 6, "high": [0.26] * 6})
    spec = _spec(charts.theme_trends(frame, min_articles=10))
    x = _layers(spec)[0]["encoding"]["x"]
    assert x["scale"]["type"] == "utc"
    ticks = [datetime.fromtimestamp(ms / 1000, UTC).date() for ms in x["axis"]["values"]]
    assert ticks and all(tick.weekday() == 0 for tick in ticks)
    assert spec["resolve"]["axis"]["x"] == "independent"  # no empty axes under the last row
    assert "own scale" in spec["title"]["subtitle"] and "10 articles" in spec["title"]["subtitle"]
    assert {layer["mark"]["type"] for layer in _layers(spec)} == {"area", "line"}
