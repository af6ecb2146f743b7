"""Theme tagging against the versioned taxonomy in data/themes.toml.

One Aho-Corasick pass per batch over titles and bodies finds every taxonomy term; a theme is
tagged when its weighted evidence is real support (several distinct terms, or a title term backed
by the body), not one passing word.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import polars as pl

from transforms.matching import Automaton, build_automaton, case_variants, find_spans
from transforms.words import word_count

TAXONOMY_PATH = Path(__file__).parent / "data" / "themes.toml"
# Repeating a word does not make an article more about a theme beyond a point.
MAX_HITS_PER_TERM = 3
TITLE_WEIGHT = 2.0

THEME_SCHEMA = {"doc_id": pl.Utf8, "theme": pl.Utf8, "score": pl.Float64, "terms": pl.List(pl.Utf8)}


@cache
def taxonomy() -> dict:
    with TAXONOMY_PATH.open("rb") as handle:
        return tomllib.load(handle)


def themes_reference() -> pl.DataFrame:
    """The ``themes`` reference table: code, parent, label, description, version, gdelt_themes."""
    tax = taxonomy()
    return pl.DataFrame(
        [
            (code, spec.get("parent"), spec["label"], spec["description"], tax["version"],
             spec.get("gdelt", []))
            for code, spec in tax["themes"].items()
        ],
        schema={
            "code": pl.Utf8, "parent": pl.Utf8, "label": pl.Utf8,
            "description": pl.Utf8, "version": pl.Utf8, "gdelt_themes": pl.List(pl.Utf8),
        },
        orient="row",
    )


@cache
def _parents() -> dict[str, str]:
    return {code: spec["parent"] for code, spec in taxonomy()["themes"].items()
            if "parent" in spec}


def taxonomy_terms() -> set[str]:
    """Every term and shadow phrase the taxonomy names (emerging terms leave these out)."""
    return {
        phrase.lower()
        for spec in taxonomy()["themes"].values()
        for phrase in [*spec["terms"], *spec.get("shadow", [])]
    }


def top_level_codes() -> list[str]:
    return [code for code, spec in taxonomy()["themes"].items() if "parent" not in spec]


@cache
def _matcher() -> tuple[Automaton, pl.DataFrame]:
    """The automaton over every term and shadow phrase, and the scoring rows: payload, term,
    theme, parent, weight. Terms and themes are Enums in alphabetical order, so that they are
    grouped and sorted as integers and sort as their names do."""
    rows = []
    for code, spec in taxonomy()["themes"].items():
        # A subtheme's evidence is its parent's too; shadow phrases weigh nothing and only
        # stop the term inside them from matching ("tear gas" is not about gas).
        owners = [code] + ([spec["parent"]] if "parent" in spec else [])
        for owner in owners:
            rows += [(term, owner, float(w)) for term, w in spec["terms"].items()]
            rows += [(phrase, owner, 0.0) for phrase in spec.get("shadow", [])]
    term_themes = pl.DataFrame(rows, schema=["term", "theme", "weight"], orient="row")
    terms = term_themes.select("term").unique(maintain_order=True).with_row_index("payload")
    term_themes = term_themes.join(terms, on="term").with_columns(pl.col("payload").cast(pl.Int64))
    automaton = build_automaton(
        (form, payload)
        for term, payload in zip(terms["term"], terms["payload"], strict=True)
        for form in case_variants(term)
    )
    theme_enum = pl.Enum(sorted(taxonomy()["themes"]))
    scoring = term_themes.filter(pl.col("weight") > 0).select(
        "payload",
        pl.col("term").cast(pl.Enum(sorted(terms["term"]))),
        pl.col("theme").cast(theme_enum),
        pl.col("theme").replace_strict(_parents(), default=None).cast(theme_enum).alias("parent"),
        "weight",
    )
    # Shadow phrases are matched, so that they hide the terms inside them, but score nothing.
    return automaton, scoring


def tag_themes(docs: pl.DataFrame) -> pl.DataFrame:
    """Themes of each article in ``docs`` (doc_id, title, body): doc_id, theme, score, terms."""
    if docs.is_empty():
        return pl.DataFrame(schema=THEME_SCHEMA)
    automaton, scoring = _matcher()
    # Titles and bodies are scanned as one batch: text i < n is title i, text n + i body i.
    n = docs.height
    spans = find_spans(
        docs["title"].fill_null("").to_list() + docs["body"].fill_null("").to_list(), automaton
    )
    rules = taxonomy()
    # Hits are counted per term before the join: a term counts for each theme it is in. The
    # parent goes along with its theme, for the comparison with siblings below.
    per_term = (
        pl.DataFrame({"doc": spans.doc % n, "payload": spans.payload, "in_title": spans.doc < n})
        .group_by("doc", "payload", "in_title")
        .agg(hits=pl.len())
        .join(scoring, on="payload")
        .group_by("doc", "theme", "parent", "term", "in_title")
        .agg(hits=pl.col("hits").sum(), weight=pl.col("weight").first())
        .with_columns(
            points=pl.col("weight") * pl.when("in_title").then(TITLE_WEIGHT).otherwise(1.0)
            * pl.min_horizontal("hits", MAX_HITS_PER_TERM)
        )
    )
    per_theme = (
        per_term.group_by("doc", "theme", "parent", "term")
        .agg(points=pl.col("points").sum(), best=pl.col("points").max(),
             title_hit=pl.col("in_title").any(), body_hit=(~pl.col("in_title")).any())
        # Strongest first, ties by name: the same list whatever order the groups came in.
        .sort(["best", "term"], descending=[True, False])
        .group_by("doc", "theme", "parent", maintain_order=True)
        .agg(score=pl.col("points").sum(), n_terms=pl.len(), title_hit=pl.col("title_hit").any(),
             body_hit=pl.col("body_hit").any(), terms="term")
    )
    # Long articles touch many subjects in passing: the bar rises with the square root of the
    # length, and a theme must carry a fair share of the article's strongest theme.
    n_words = docs.select(word_count(pl.col("body").fill_null(""))).to_series()
    bar = rules["min_score"] * (
        pl.max_horizontal(pl.lit(n_words).gather("doc") / rules["words_per_min_score"], 1.0)
        .sqrt()
    )
    # Top-level themes are compared with each other, subthemes with their siblings.
    strongest = pl.col("score").max().over("doc", "parent")
    supported = (
        (pl.col("score") >= bar)
        & (pl.col("score") >= rules["min_share_of_top"] * strongest)
        & ((pl.col("n_terms") >= rules["min_terms"]) | (pl.col("title_hit") & pl.col("body_hit")))
    )
    return (
        per_theme.filter(supported)
        .select(
            pl.lit(docs["doc_id"]).gather("doc").alias("doc_id"),
            pl.col("theme").cast(pl.Utf8),
            "score",
            pl.col("terms").cast(pl.List(pl.Utf8)),
        )
        .sort("doc_id", "theme")
    )
