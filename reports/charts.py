"""Altair chart builders for the weekly report. Data in, chart out; every mark has a tooltip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

import altair as alt
import polars as pl

WIDTH = 560


def _ranked_bars(frame: pl.DataFrame, title: str, x: alt.X, label: str, tooltip: list,
                 color: str | None = None) -> alt.Chart:
    """Horizontal bars, longest first, one row per line of ``frame``."""
    return (
        alt.Chart(frame.to_pandas(), title=title)
        .mark_bar(**({"color": color} if color else {}))
        .encode(x=x, y=alt.Y(label, sort="-x", title=None), tooltip=tooltip)
        .properties(width=WIDTH, height=max(120, 18 * frame.height))
    )


def top_countries(frame: pl.DataFrame) -> alt.Chart:
    """Bars of the week's articles per country, coloured by the change in the country's share
    of the week's articles (percentage points) on a scale symmetric around no change; grey
    when the week before has no articles."""
    tooltip = [
        alt.Tooltip("name:N", title="country"), alt.Tooltip("articles:Q"),
        alt.Tooltip("previous_articles:Q", title="articles last week"),
        alt.Tooltip("share:Q", format=".1%", title="share of the week's articles"),
        alt.Tooltip("change_share:Q", format="+.1%", title="change in share (points)"),
    ]
    chart = _ranked_bars(frame, "Countries by attention this week",
                         alt.X("articles:Q", title="articles mentioning the country"), "name:N",
                         tooltip=tooltip, color="#9aa5b1")
    changes = frame["change_share"].drop_nulls()
    if changes.is_empty():
        return chart.properties(title=alt.Title(
            "Countries by attention this week", subtitle="no articles the week before"))
    reach = max(float(changes.abs().max()), 0.001)
    return chart.encode(color=alt.Color(
        "change_share:Q", title=["change in share", "vs last week (points)"],
        scale=alt.Scale(scheme="redblue", reverse=True, domain=[-reach, reach], domainMid=0),
        legend=alt.Legend(format="+.1%")))


def top_pairs(frame: pl.DataFrame) -> alt.Chart:
    """Bar chart of the week's top co-mention pairs by articles, with PMI in the tooltip."""
    return _ranked_bars(
        frame, "Top co-mention pairs this week",
        alt.X("articles:Q", title="articles mentioning both"), "pair:N",
        tooltip=[
            alt.Tooltip("pair:N"), alt.Tooltip("articles:Q"),
            alt.Tooltip("pmi:Q", format=".2f", title="PMI"),
            alt.Tooltip("change:Q", title="vs last week"),
        ],
        color="#5b7aa6",
    )


def comention_heatmap(frame: pl.DataFrame) -> alt.Chart:
    """Symmetric heatmap of co-mention counts among the week's top countries."""
    base = alt.Chart(frame.to_pandas(), title="Co-mentions among the top countries")
    return (
        base.mark_rect()
        .encode(
            # Both axes in order of attention, the most named country first.
            x=alt.X("a:N", title=None, sort=alt.EncodingSortField("rank_a", op="min"),
                    axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("b:N", title=None, sort=alt.EncodingSortField("rank_b", op="min")),
            color=alt.Color("articles:Q", scale=alt.Scale(scheme="blues"), title="articles"),
            tooltip=[alt.Tooltip("a:N", title="country"), alt.Tooltip("b:N", title="with"),
                     alt.Tooltip("articles:Q")],
        )
        .properties(width=420, height=420)
    )


def theme_trends(frame: pl.DataFrame, min_articles: int) -> alt.FacetChart:
    """Small multiples: each theme's weekly share with its 95% interval, so that a week of one
    or two articles reads as noise, not as a surge; ticks on the Mondays the weeks start.
    ``frame`` holds the themes with ``min_articles`` in these weeks (said in the subtitle)."""
    weeks = sorted(frame["week"].unique().to_list())
    step = max(1, len(weeks) // 4)
    mondays = [int(datetime.combine(w, time(), UTC).timestamp() * 1000) for w in weeks[::step]]
    x = alt.X("week:T", title=None, scale=alt.Scale(type="utc"),
              axis=alt.Axis(values=mondays, format="%b %d", labelAngle=-45))
    y_title = "share of articles"
    tooltip = [alt.Tooltip("label:N", title="theme"),
               alt.Tooltip("week:N", title="week of"),
               alt.Tooltip("articles:Q"), alt.Tooltip("share:Q", format=".1%"),
               alt.Tooltip("low:Q", format=".1%", title="95% interval from"),
               alt.Tooltip("high:Q", format=".1%", title="to")]
    data = frame.with_columns(pl.col("week").cast(pl.Utf8)).to_pandas()
    base = alt.Chart(data).encode(x=x)
    band = base.mark_area(opacity=0.25, color="#4c78a8").encode(
        y=alt.Y("low:Q", title=y_title, axis=alt.Axis(format="%", tickCount=3)), y2="high:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("share:Q", title=y_title),
                                             tooltip=tooltip)
    return (
        alt.layer(band, line).properties(width=170, height=90)
        .facet(facet=alt.Facet("label:N", title=None, sort=alt.SortField("label")), columns=4)
        # Each panel its own y-scale (printed on it), so a small theme's shape stays visible;
        # its own x-axis, so the last row draws no empty axes.
        .resolve_scale(y="independent").resolve_axis(x="independent")
        .properties(title=alt.Title(
            "Theme trends: share of each week's articles, with its 95% interval",
            subtitle=f"each panel on its own scale; themes with fewer than {min_articles} "
                     "articles in these weeks left out"))
    )


def theme_country_heatmap(frame: pl.DataFrame) -> alt.Chart:
    """What coverage of each country is about: each theme's share of the country's tagged
    articles (columns sum to 100%), countries by attention, last weeks."""
    countries = frame.sort("country_total", descending=True)["country"].unique(
        maintain_order=True).to_list()
    return (
        alt.Chart(frame.to_pandas(),
                  title="What coverage of each country is about (last 12 weeks)")
        .mark_rect()
        .encode(
            x=alt.X("country:N", title=None, sort=countries),
            y=alt.Y("label:N", title=None),
            color=alt.Color("share:Q", scale=alt.Scale(scheme="oranges"),
                            title="share of the country's themes", legend=alt.Legend(format="%")),
            tooltip=[alt.Tooltip("label:N", title="theme"), alt.Tooltip("country:N"),
                     alt.Tooltip("articles:Q"), alt.Tooltip("share:Q", format=".0%")],
        )
        .properties(width=WIDTH, height=max(150, 16 * frame["label"].n_unique()))
    )


@cache
def _world_topology() -> dict:
    return json.loads((Path(__file__).parent / "data" / "countries-110m.json").read_text())


# The outlines are a named dataset added to the spec as they are (with_world_outlines):
# given to Altair as values, they are copied and checked, a quarter of a second per report.
WORLD_OUTLINES = "world-110m"
ANTARCTICA = "010"  # its ISO numeric code, the outline's id


def with_world_outlines(spec: dict) -> dict:
    """The world map's spec with the country outlines it names embedded."""
    spec.setdefault("datasets", {})[WORLD_OUTLINES] = _world_topology()
    return spec


def world_map(frame: pl.DataFrame) -> alt.LayerChart:
    """Attention on a world map (Equal Earth) on a log scale, every country drawn (grey without
    articles); ``frame`` has numeric ISO id, name, articles. Its spec needs
    ``with_world_outlines``."""
    outlines = alt.NamedData(name=WORLD_OUTLINES,
                             format=alt.DataFormat(type="topojson", feature="countries"))
    # Antarctica is left out: nobody's news, a fifth of the picture.
    inhabited = f"datum.id != '{ANTARCTICA}'"
    every_country = alt.Chart(outlines).transform_filter(inhabited).mark_geoshape(
        fill="#e4e7eb", stroke="white", strokeWidth=0.4,
    ).encode(tooltip=[alt.Tooltip("properties.name:N", title="country")])
    with_articles = (
        alt.Chart(outlines)
        .transform_filter(inhabited)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .transform_lookup(
            lookup="id",
            from_=alt.LookupData(frame.to_pandas(), key="id",
                                 fields=["country", "articles", "share"]),
        )
        .transform_filter("isValid(datum.articles)")
        .encode(
            color=alt.Color("articles:Q", scale=alt.Scale(scheme="reds", type="log"),
                            title=["articles", "(log scale)"]),
            tooltip=[alt.Tooltip("country:N"), alt.Tooltip("articles:Q"),
                     alt.Tooltip("share:Q", format=".1%")],
        )
    )
    return (
        alt.layer(every_country, with_articles, title=alt.Title(
            "Where this week's news is", subtitle="grey: no article this week"))
        .project("equalEarth")
        .properties(width=WIDTH + 160, height=340)
    )


def pairs_by_association(frame: pl.DataFrame, min_articles: int) -> alt.LayerChart:
    """The week's most associated pairs (of those in ``min_articles`` articles at least),
    ranked by the 95% lower bound of their PMI, each bar labelled with the articles behind
    it."""
    tooltip = [alt.Tooltip("pair:N"), alt.Tooltip("articles:Q"),
               alt.Tooltip("pmi:Q", format=".2f", title="PMI"),
               alt.Tooltip("pmi_low:Q", format=".2f", title="PMI, 95% lower bound"),
               alt.Tooltip("lift:Q", format=".1f")]
    bars = _ranked_bars(
        frame, "", alt.X("pmi_low:Q", title="PMI, 95% lower bound (log2 of observed / "
                                             "expected co-mentions)"),
        "pair:N", tooltip=tooltip, color="#8a5cb8")
    support = bars.mark_text(align="left", dx=4, fontSize=10, color="#3b4753").encode(
        text=alt.Text("articles:Q", format="d"))
    return alt.layer(bars, support, title=alt.Title(
        "Strongest associations this week",
        subtitle=[f"pairs in {min_articles} articles or more, ranked by how far above chance "
                  "they are at least (PMI's 95% lower bound)",
                  "the number is the articles naming both"]))
