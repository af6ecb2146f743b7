"""Country mentions with typed evidence, their roll-up per article, and each article's focus.

One Aho-Corasick pass per batch finds every gazetteer surface (transforms.matching); the context
rules of data/ambiguous.csv are then applied as Polars expressions over all candidate mentions.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from transforms.extract import STOPWORDS
from transforms.gazetteer import ambiguity_rules, gazetteer
from transforms.matching import Automaton, build_automaton, match_batch

# A capitalised word after a place name that makes it part of an organisation's name.
ORG_WORDS = {
    "Times", "Post", "Journal", "Herald", "Tribune", "Telegraph", "Bank", "University",
    "Airlines", "Airways", "Institute", "Group", "Corp", "Corporation", "Company", "Co",
    "Council", "Museum", "FC", "Daily", "Today", "Mobile", "Telecom", "Motors", "Inc", "Ltd",
    "Petroleum", "Railways", "Symphony", "Orchestra", "Zoo", "Stock", "Exchange",
}
# Words before a language-demonym that make it a language ("speaks French", "in Spanish").
LANGUAGE_CUES = {
    "speak", "speaks", "speaking", "spoke", "spoken", "fluent", "translated", "translate",
    "learn", "learning", "learned", "in", "into", "from", "native", "teach", "teaches",
}
_STOP_CAPITALISED = {w.capitalize() for w in STOPWORDS} | {"President", "Minister", "Prime"}
_EU_CONTEXT = r"\bEU\b|\bE\.U\.|European (?:Union|Commission|Parliament|Council)"
COUNTED_KINDS_DEFAULT = ("name", "demonym", "capital", "city", "region")
CONTEXT = 40
FOCUS_MIN_SCORE = 2.0
FOCUS_MIN_SHARE = 0.4

MENTION_SCHEMA = {
    "doc_id": pl.Utf8, "country": pl.Utf8, "kind": pl.Utf8, "surface": pl.Utf8,
    "start": pl.Int64, "end": pl.Int64, "field": pl.Utf8,
}


@cache
def _matcher() -> tuple[Automaton, pl.DataFrame]:
    entries = gazetteer().with_row_index("payload").with_columns(pl.col("payload").cast(pl.Int64))
    rules = ambiguity_rules()
    entries = entries.with_columns(
        rules=pl.col("surface").replace_strict(
            {k: sorted(v) for k, v in rules.items()}, default=[], return_dtype=pl.List(pl.Utf8)
        )
    )
    automaton = build_automaton(zip(entries["surface"], entries["payload"], strict=True))
    return automaton, entries


@cache
def _not_blocking_words() -> pl.Series:
    """Capitalised words that may stand next to a place: function words and places."""
    return pl.Series(sorted(_STOP_CAPITALISED | set(gazetteer()["surface"].to_list())))


def _candidates(docs: pl.DataFrame, field: str) -> pl.DataFrame:
    automaton, entries = _matcher()
    texts = docs[field].fill_null("").to_list()
    found = match_batch(texts, automaton)
    spans = zip(found["doc"].to_list(), found["start"].to_list(), found["end"].to_list(),
                strict=True)
    # The rules look only at the words next to a mention: keep CONTEXT characters either side
    # rather than a copy of the whole text per candidate.
    before, after = [], []
    for doc, start, end in spans:
        before.append(texts[doc][max(start - CONTEXT, 0):start])
        after.append(texts[doc][end:end + CONTEXT])
    return (
        found.with_columns(before=pl.Series(before, dtype=pl.Utf8),
                           after=pl.Series(after, dtype=pl.Utf8))
        .join(entries, on="payload", how="inner")
        .rename({"surface": "surface_text", "surface_right": "pattern"})
        .with_columns(
            doc_id=pl.col("doc").replace_strict(
                list(range(docs.height)), docs["doc_id"].to_list(), return_dtype=pl.Utf8
            ),
            field=pl.lit(field),
        )
    )


def _neighbour_words(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        prev_word=pl.col("before").str.extract(r"([\p{L}'’-]+)[ \t]*$"),
        prev_gap=pl.col("before").str.extract(r"(\S?)[ \t]*$"),
        next_word=pl.col("after").str.extract(r"^[ \t]*([\p{L}'’-]+)"),
        next_char=pl.col("after").str.extract(r"^[ \t]*(\S)"),
    )


def _apply_rules(frame: pl.DataFrame) -> pl.DataFrame:
    """Case, person, organisation and language rules; all on neighbouring words."""
    capitalised = r"^\p{Lu}"

    def blocking(word: pl.Expr) -> pl.Expr:
        # A capitalised neighbour that is neither a function word nor a place itself.
        return (
            word.str.contains(capitalised).fill_null(False)
            & ~word.is_in(_not_blocking_words()).fill_null(False)
        )

    case_ok = pl.when(pl.col("exact_case")).then(
        pl.col("surface_text") == pl.col("pattern")
    ).when(pl.col("any_case")).then(True).otherwise(
        pl.col("surface_text").str.contains(capitalised)
    )
    person_like = pl.col("rules").list.contains("person") | (
        pl.col("kind").is_in(["city", "region"]) & (pl.col("field") == "body")
    )
    person = person_like & (blocking(pl.col("prev_word")) | blocking(pl.col("next_word")))
    into_org = pl.col("kind").is_in(["name", "capital", "city", "region"]) & pl.col(
        "next_word"
    ).is_in(list(ORG_WORDS)).fill_null(False)
    language = (
        pl.col("rules").list.contains("language")
        & pl.col("prev_word").str.to_lowercase().is_in(list(LANGUAGE_CUES)).fill_null(False)
        # ...and no noun follows: "French and", "Spanish." — but not "French army".
        & (
            ~pl.col("next_word").str.contains(r"^\p{Ll}").fill_null(False)
            | pl.col("next_word").is_in(STOPWORDS).fill_null(False)
        )
    )
    # Dateline abbreviations ("SANTA CRUZ, Calif.") only count right after a comma.
    stray_abbreviation = pl.col("rules").list.contains("after_comma") & (
        pl.col("prev_gap") != ","
    ).fill_null(True)
    return (
        frame.filter(case_ok & ~(person & ~into_org) & ~language & ~stray_abbreviation)
        .with_columns(kind=pl.when(into_org).then(pl.lit("org")).otherwise(pl.col("kind")))
    )


def _apply_document_rules(frame: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """Rules that need the whole article: US states named like countries, Brussels as the EU."""
    us_context = (
        (pl.col("code") == "US") & pl.col("kind").is_in(["region", "city"])
    ).any().over("doc_id")
    as_us_state = pl.col("rules").list.contains("us_state") & us_context
    eu_docs = docs.filter(
        pl.col("body").fill_null("").str.contains(_EU_CONTEXT)
        | pl.col("title").fill_null("").str.contains(_EU_CONTEXT)
    )["doc_id"]
    other_belgian = ((pl.col("code") == "BE") & ~pl.col("rules").list.contains("eu_seat")).any()
    eu_seat = (
        pl.col("rules").list.contains("eu_seat")
        & pl.col("doc_id").is_in(eu_docs.implode())
        & ~other_belgian.over("doc_id")
    )
    return frame.with_columns(
        code=pl.when(as_us_state).then(pl.lit("US")).otherwise(pl.col("code")),
        kind=pl.when(as_us_state).then(pl.lit("region")).otherwise(pl.col("kind")),
    ).filter(~eu_seat)


def _place_then_region(frame: pl.DataFrame) -> pl.DataFrame:
    """"Santa Cruz, Calif.", "Paris, Texas": a place right before ", <region>" is in the
    region's country."""
    ordered = frame.sort("doc_id", "field", "start")
    following = [pl.col(c).shift(-1).over("doc_id", "field") for c in ("start", "kind", "code")]
    qualified = (
        pl.col("kind").is_in(["city", "capital", "region"])
        & (following[0] == pl.col("end") + 2)
        & (following[1] == "region")
        & pl.col("after").str.starts_with(", ")
    ).fill_null(False)
    return ordered.with_columns(
        code=pl.when(qualified).then(following[2]).otherwise(pl.col("code")),
        kind=pl.when(qualified).then(pl.lit("city")).otherwise(pl.col("kind")),
    )


def find_mentions(docs: pl.DataFrame) -> pl.DataFrame:
    """Every country mention in ``docs`` (doc_id, title, body): one row per mention.

    Offsets are character offsets into the field (title or body) the mention is in.
    """
    if docs.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    candidates = pl.concat([_candidates(docs, "title"), _candidates(docs, "body")])
    if candidates.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    mentions = _place_then_region(
        _apply_document_rules(_apply_rules(_neighbour_words(candidates)), docs)
    )
    return (
        mentions.filter(pl.col("code") != "")
        .select(
            "doc_id", pl.col("code").alias("country"), "kind",
            pl.col("surface_text").alias("surface"), "start", "end", "field",
        )
        .sort("doc_id", "field", "start", descending=[False, True, False])
    )


def article_countries(
    mentions: pl.DataFrame, docs: pl.DataFrame, max_focus: int = 3
) -> pl.DataFrame:
    """Roll mentions up to article × country with counts, kinds and the article's focus.

    Focus weighs where a country is named: a title mention counts 3, a mention in the lead
    (first 400 characters of the body) 2, any other 1; organisation names do not count. The
    focus countries are those with real weight (at least ``FOCUS_MIN_SCORE``: a mention in the
    title or lead, or two further down) and at least ``FOCUS_MIN_SHARE`` of the top country's,
    at most ``max_focus``. An article that names countries only in passing has no focus.
    """
    if mentions.is_empty():
        return pl.DataFrame(
            schema={
                "doc_id": pl.Utf8, "country": pl.Utf8, "mentions": pl.Int64,
                "kinds": pl.List(pl.Utf8), "is_focus": pl.Boolean, "focus_score": pl.Float64,
            }
        )
    weight = (
        pl.when(pl.col("kind") == "org").then(0.0)
        .when(pl.col("field") == "title").then(3.0)
        .when(pl.col("start") < 400).then(2.0)
        .otherwise(1.0)
    )
    rolled = (
        mentions.with_columns(weight=weight)
        .group_by("doc_id", "country")
        .agg(
            mentions=pl.len().cast(pl.Int64),
            kinds=pl.col("kind").unique().sort(),
            focus_score=pl.col("weight").sum(),
        )
    )
    rank = pl.col("focus_score").rank("ordinal", descending=True).over("doc_id")
    top = pl.col("focus_score").max().over("doc_id")
    return (
        rolled.with_columns(
            is_focus=(pl.col("focus_score") >= FOCUS_MIN_SCORE)
            & (pl.col("focus_score") >= FOCUS_MIN_SHARE * top)
            & (rank <= max_focus)
        )
        .select("doc_id", "country", "mentions", "kinds", "is_focus", "focus_score")
        .sort("doc_id", "country")
    )
