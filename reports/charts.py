"""Altair chart builders for the weekly report. Data in, chart out; every mark has a tooltip."""

from __future__ import annotations

import altair as alt
import polars as pl

WIDTH = 560


def top_countries(frame: pl.DataFrame) -> alt.Chart:
    """Bar chart: country, articles, share, change (this week vs the previous)."""
    return (
        alt.Chart(frame.to_pandas(), title="Countries by attention this week")
        .mark_bar()
        .encode(
            x=alt.X("articles:Q", title="articles mentioning the country"),
            y=alt.Y("name:N", sort="-x", title=None),
            color=alt.Color("change:Q", title="vs last week", scale=alt.Scale(scheme="redblue",
                            domainMid=0, reverse=True)),
            tooltip=[
                alt.Tooltip("name:N", title="country"), alt.Tooltip("articles:Q"),
                alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("change:Q", title="change"),
            ],
        )
        .properties(width=WIDTH, height=max(120, 18 * frame.height))
    )


def top_pairs(frame: pl.DataFrame) -> alt.Chart:
    """Bar chart of the week's top co-mention pairs by articles, with PMI in the tooltip."""
    return (
        alt.Chart(frame.to_pandas(), title="Top co-mention pairs this week")
        .mark_bar(color="#5b7aa6")
        .encode(
            x=alt.X("articles:Q", title="articles mentioning both"),
            y=alt.Y("pair:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("pair:N"), alt.Tooltip("articles:Q"),
                alt.Tooltip("pmi:Q", format=".2f", title="PMI"),
                alt.Tooltip("change:Q", title="vs last week"),
            ],
        )
        .properties(width=WIDTH, height=max(120, 18 * frame.height))
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
