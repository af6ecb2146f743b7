"""Altair chart builders for the weekly report. Data in, chart out; every mark has a tooltip."""

from __future__ import annotations

import json
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
    """Bar chart: country, articles, share, change (this week vs the previous)."""
    return _ranked_bars(
        frame, "Countries by attention this week",
        alt.X("articles:Q", title="articles mentioning the country"), "name:N",
        tooltip=[
            alt.Tooltip("name:N", title="country"), alt.Tooltip("articles:Q"),
            alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("change:Q", title="change"),
        ],
    ).encode(
        color=alt.Color("change:Q", title="vs last week", scale=alt.Scale(scheme="redblue",
                        domainMid=0, reverse=True)),
    )


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
            x=alt.X("a:N", title=None, sort=alt.SortField("a")),
            y=alt.Y("b:N", title=None, sort=alt.SortField("b")),
            color=alt.Color("articles:Q", scale=alt.Scale(scheme="blues"), title="articles"),
            tooltip=[alt.Tooltip("a:N", title="country"), alt.Tooltip("b:N", title="with"),
                     alt.Tooltip("articles:Q")],
        )
        .properties(width=420, height=420)
    )


def theme_trends(frame: pl.DataFrame) -> alt.Chart:
    """Small multiples: each theme's weekly share over the last weeks."""
    return (
        alt.Chart(frame.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=-45)),
            y=alt.Y("share:Q", title="share of articles", axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("theme:N"), alt.Tooltip("week:T", format="%Y-%m-%d"),
                     alt.Tooltip("articles:Q"), alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=170, height=90)
        .facet(facet=alt.Facet("label:N", title=None), columns=4)
        # Each theme on its own scale: the shape of a small theme's trend stays visible.
        .resolve_scale(y="independent")
        .properties(title="Theme trends (share of each week's articles; each on its own scale)")
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


def with_world_outlines(spec: dict) -> dict:
    """The world map's spec with the country outlines it names embedded."""
    spec.setdefault("datasets", {})[WORLD_OUTLINES] = _world_topology()
    return spec


def world_map(frame: pl.DataFrame) -> alt.Chart:
    """Attention on a world map (Equal Earth); ``frame`` has numeric ISO id, name, articles.
    Its spec needs ``with_world_outlines``."""
    outlines = alt.NamedData(name=WORLD_OUTLINES,
                             format=alt.DataFormat(type="topojson", feature="countries"))
    return (
        alt.Chart(outlines, title="Where this week's news is")
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .transform_lookup(
            lookup="id",
            from_=alt.LookupData(frame.to_pandas(), key="id",
                                 fields=["country", "articles", "share"]),
        )
        .encode(
            color=alt.Color("articles:Q", scale=alt.Scale(scheme="reds", type="sqrt"),
                            title="articles"),
            tooltip=[alt.Tooltip("country:N"), alt.Tooltip("articles:Q"),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .project("equalEarth")
        .properties(width=WIDTH + 160, height=340)
    )


def pairs_by_association(frame: pl.DataFrame) -> alt.Chart:
    """The week's pairs with the strongest association (PMI), among those with support."""
    return _ranked_bars(
        frame, "Strongest associations this week (PMI)",
        alt.X("pmi:Q", title="PMI (log2 of observed / expected co-mentions)"), "pair:N",
        tooltip=[alt.Tooltip("pair:N"), alt.Tooltip("articles:Q"),
                 alt.Tooltip("pmi:Q", format=".2f", title="PMI"),
                 alt.Tooltip("lift:Q", format=".1f")],
        color="#8a5cb8",
    )


def network(nodes: pl.DataFrame, edges: pl.DataFrame) -> alt.LayerChart:
    """Co-mention network: nodes (x, y, name, articles) sized by attention, edges (x, y, x2,
    y2, articles) by the number of articles naming both ends; laid out in Python."""
    axis = {"axis": None, "scale": alt.Scale(domain=[-0.08, 1.08])}
    lines = (
        alt.Chart(edges.to_pandas())
        .mark_rule(color="#7b8794")
        .encode(
            x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q",
            strokeWidth=alt.StrokeWidth("articles:Q", scale=alt.Scale(range=[0.5, 6]),
                                        title="articles naming both"),
            opacity=alt.value(0.55),
            tooltip=[alt.Tooltip("pair:N"), alt.Tooltip("articles:Q")],
        )
    )
    points = alt.Chart(nodes.to_pandas()).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis),
        tooltip=[alt.Tooltip("name:N", title="country"), alt.Tooltip("articles:Q")],
    )
    circles = points.mark_circle(color="#c0392b", opacity=0.85).encode(
        size=alt.Size("articles:Q", scale=alt.Scale(range=[60, 1400]), title="articles"))
    labels = points.mark_text(dy=-14, fontSize=11).encode(text="name:N")
    return (lines + circles + labels).properties(
        width=WIDTH, height=420, title="Co-mention network of the week's top countries"
    )
