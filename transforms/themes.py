"""Theme tagging against the versioned taxonomy in data/themes.toml.

One Aho-Corasick pass per batch and language over titles and bodies finds every taxonomy term; a
theme is tagged when its weighted evidence is real support (several distinct terms, or a title
term backed by the body; in English, an unambiguous term among them or one in the title or the
lead), not one passing word. Articles in a language with a term file of its
own (data/themes_<language>.toml: German) are read with its terms, each lemma with every
inflected form simplemma's dictionary of the language knows; other articles with the English
terms.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import polars as pl

from transforms import lexicon, theme_model
from transforms.lexicon import dictionary_forms
from transforms.matching import Automaton, build_automaton, case_variants, find_spans_by_group
from transforms.refcache import cached_frame, fingerprint
from transforms.words import word_count

TAXONOMY_PATH = Path(__file__).parent / "data" / "themes.toml"
# Repeating a word does not make an article more about a theme beyond a point.
MAX_HITS_PER_TERM = 3
TITLE_WEIGHT = 2.0
# The lead (the body's first characters: its first sentence) says what the article is about:
# a term it uses counts half as much again (chosen on the tune halves and Reuters TOPICS).
LEAD_CHARS = 200
LEAD_WEIGHT = 1.5

# A theme no unambiguous term (weight 3) supports must be named in the title or the lead: words
# that are ambiguous on their own ("show", "users", "exports"), all of them deep in the body, are
# a passing subject. English terms only: on the German tune half it dropped only a true theme.
UNAMBIGUOUS_WEIGHT = 3
THEME_SCHEMA = {"doc_id": pl.Utf8, "theme": pl.Utf8, "score": pl.Float64, "terms": pl.List(pl.Utf8),
                "model_score": pl.Float64, "model_terms": pl.List(pl.Utf8)}


@cache
def taxonomy() -> dict:
    with TAXONOMY_PATH.open("rb") as handle:
        return tomllib.load(handle)


def _language_file(language: str) -> Path:
    return TAXONOMY_PATH.with_name(f"themes_{language}.toml")


@cache
def term_languages() -> frozenset[str]:
    """The languages with terms of their own."""
    return frozenset(path.stem.removeprefix("themes_")
                     for path in TAXONOMY_PATH.parent.glob("themes_*.toml"))


@cache
def language_terms(language: str) -> dict[str, dict[str, float]]:
    """Theme code → {term lemma: weight} of one language's term file."""
    with _language_file(language).open("rb") as handle:
        return {code: spec["terms"] for code, spec in tomllib.load(handle)["themes"].items()}


def inflections(language: str) -> dict[str, list[str]]:
    """Each term of a language's file → the forms it matches in: itself and the forms
    simplemma's dictionary of the language gives the term's (last) word, or that word's lemma,
    as their lemma, that begin as it does (the cases and numbers of a noun, not the verb a
    noun's lemma may be: "Stimme", not "stimmt"). Built once per version of the file, this
    module and simplemma (transforms.refcache)."""
    key = fingerprint([_language_file(language), Path(__file__), Path(lexicon.__file__)],
                      ["simplemma"])
    table = cached_frame(f"theme-forms-{language}", key, lambda: _build_inflections(language))
    forms: dict[str, list[str]] = {}
    for term, form in table.iter_rows():
        forms.setdefault(term, []).append(form)
    return forms


def _build_inflections(language: str) -> pl.DataFrame:
    terms = {term for weights in language_terms(language).values() for term in weights}
    # Of a phrase, its last word is inflected ("seltene Erde": seltenen Erden is left to the
    # listed forms), with the forms of its own lemma (a verb's, for Italian "vaccino":
    # "vaccinare").
    rows = {(term, term) for term in terms}
    for term in terms:
        start, _, last = term.rpartition(" ")
        rows |= {(term, start + " " + form if start else form)
                 for form in dictionary_forms(last, language)}
    return pl.DataFrame(sorted(rows), schema=["term", "form"], orient="row")


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
def _matcher(language: str = "") -> tuple[Automaton, pl.DataFrame]:
    """The automaton over every term and shadow phrase (of ``language``'s file; "": the
    English ones), and the scoring rows: payload, term, theme, parent, weight. Terms and themes
    are Enums in alphabetical order, so that they are grouped and sorted as integers and sort as
    their names do."""
    rows = []
    if language:
        for code, weights in language_terms(language).items():
            rows += [(term, code, float(w)) for term, w in weights.items()]
    for code, spec in taxonomy()["themes"].items() if not language else ():
        # A subtheme's evidence is its parent's too; shadow phrases weigh nothing and only
        # stop the term inside them from matching ("tear gas" is not about gas).
        owners = [code] + ([spec["parent"]] if "parent" in spec else [])
        for owner in owners:
            rows += [(term, owner, float(w)) for term, w in spec["terms"].items()]
            rows += [(phrase, owner, 0.0) for phrase in spec.get("shadow", [])]
    term_themes = pl.DataFrame(rows, schema=["term", "theme", "weight"], orient="row")
    terms = term_themes.select("term").unique(maintain_order=True).with_row_index("payload")
    term_themes = term_themes.join(terms, on="term").with_columns(pl.col("payload").cast(pl.Int64))
    forms = inflections(language) if language else {}
    # A term before a company word is part of a company's name ("Norris Oil Co", "KANEB
    # ENERGY PARTNERS"): those names are matched as one payload that scores nothing. Listed
    # first, so that a term of the same form ("Oil Company") keeps its own payload.
    company_names = [] if language else [
        (name, len(terms))
        for term in terms["term"]
        for name in company_name_forms(term)
    ]
    automaton = build_automaton([
        *company_names,
        *((variant, payload)
          for term, payload in zip(terms["term"], terms["payload"], strict=True)
          for form in forms.get(term, [term])
          for variant in case_variants(form)),
    ])
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


# Words that end an English company's name (Reuters writes "Co", "Corp", "Inc" and "Ltd").
COMPANY_WORDS = ("Co", "Cos", "Corp", "Corporation", "Company", "Inc", "Ltd", "Plc", "PLC",
                 "Group", "Partners", "LP", "AG")


def company_name_forms(term: str) -> list[str]:
    """How a company's name ending in ``term`` is written: in title case and in capitals
    (a headline), never in lower case ("an oil company" is about oil)."""
    title = " ".join(word[:1].upper() + word[1:] for word in term.split(" "))
    return [form for word in COMPANY_WORDS
            for form in (f"{title} {word}", f"{term.upper()} {word.upper()}")]


def _model_readings(titles: list[str], bodies: list[str], languages: list
                    ) -> list[theme_model.Reading]:
    """The theme models' readings of the articles in a language with a model (an article of
    unknown language is read as English, as its terms are)."""
    readings = []
    for language in sorted(theme_model.model_languages()):
        docs = [i for i, lang in enumerate(languages) if (lang or "en") == language]
        if docs:
            texts = theme_model.article_texts([titles[i] for i in docs],
                                              [bodies[i] for i in docs])
            readings.append(theme_model.read(texts, language, docs))
    return readings


def term_evidence(docs: pl.DataFrame) -> pl.DataFrame:
    """The terms' evidence of every theme an article has a term of, tagged or not (what
    bench.theme_errors shows): doc_id, theme, score, bar (the score the article's length asks
    for), terms (strongest first) and supported (whether the terms alone tag it)."""
    if docs.is_empty():
        return pl.DataFrame(schema={"doc_id": pl.Utf8, "theme": pl.Utf8, "score": pl.Float64,
                                    "bar": pl.Float64, "terms": pl.List(pl.Utf8),
                                    "supported": pl.Boolean})
    titles, bodies = docs["title"].fill_null("").to_list(), docs["body"].fill_null("").to_list()
    languages = docs["lang"].to_list() if "lang" in docs.columns else [None] * docs.height
    return _term_evidence(docs, titles, bodies, languages).select(
        pl.lit(docs["doc_id"]).gather("doc").alias("doc_id"), pl.col("theme").cast(pl.Utf8),
        "score", "bar", pl.col("terms").cast(pl.List(pl.Utf8)), "supported")


def _term_evidence(docs: pl.DataFrame, titles: list[str], bodies: list[str],
                   languages: list) -> pl.DataFrame:
    """Per article (doc: its row) and theme with a term: the score, its terms, the bar and
    whether the terms support the theme."""
    n = docs.height
    groups = [language if language in term_languages() else "" for language in languages]
    hits = []
    # Titles and bodies are scanned as one batch: text i < n is title i, text n + i body i.
    for language, spans in find_spans_by_group(titles + bodies, groups * 2,
                                               lambda language: _matcher(language)[0]):
        # Hits are counted per term before the join: a term counts for each theme it is in.
        # The parent goes along with its theme, for the comparison with siblings below.
        hits.append(
            pl.DataFrame({"doc": spans.doc % n, "payload": spans.payload,
                          "in_title": spans.doc < n,
                          "in_lead": (spans.doc >= n) & (spans.start < LEAD_CHARS)})
            .group_by("doc", "payload", "in_title")
            .agg(hits=pl.len(), in_lead=pl.col("in_lead").any())
            .join(_matcher(language)[1], on="payload")
            .with_columns(pl.col("term").cast(pl.Utf8))
        )
    rules = taxonomy()
    per_term = (
        pl.concat(hits)
        .group_by("doc", "theme", "parent", "term", "in_title")
        .agg(hits=pl.col("hits").sum(), weight=pl.col("weight").first(),
             in_lead=pl.col("in_lead").any())
        .with_columns(
            points=pl.col("weight")
            * pl.when("in_title").then(TITLE_WEIGHT).when("in_lead").then(LEAD_WEIGHT)
            .otherwise(1.0)
            * pl.min_horizontal("hits", MAX_HITS_PER_TERM),
            lead_or_strong=pl.col("in_title") | pl.col("in_lead")
            | (pl.col("weight") >= UNAMBIGUOUS_WEIGHT),
        )
    )
    per_theme = (
        per_term.group_by("doc", "theme", "parent", "term")
        .agg(points=pl.col("points").sum(), best=pl.col("points").max(),
             lead_or_strong=pl.col("lead_or_strong").any(),
             title_hit=pl.col("in_title").any(), body_hit=(~pl.col("in_title")).any())
        # Strongest first, ties by name: the same list whatever order the groups came in.
        .sort(["best", "term"], descending=[True, False])
        .group_by("doc", "theme", "parent", maintain_order=True)
        .agg(score=pl.col("points").sum(), n_terms=pl.len(), title_hit=pl.col("title_hit").any(),
             body_hit=pl.col("body_hit").any(), terms="term",
             lead_or_strong=pl.col("lead_or_strong").any())
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
    other_terms = [group != "" for group in groups]
    exempt = pl.lit(pl.Series(other_terms)).gather("doc") if any(other_terms) else pl.lit(False)
    supported = (
        (pl.col("score") >= bar)
        & (pl.col("score") >= rules["min_share_of_top"] * strongest)
        & ((pl.col("n_terms") >= rules["min_terms"]) | (pl.col("title_hit") & pl.col("body_hit")))
        & (pl.col("lead_or_strong") | exempt)
    )
    return per_theme.with_columns(supported=supported, bar=bar)


def tag_themes(docs: pl.DataFrame, model: bool = True) -> pl.DataFrame:
    """Themes of each article in ``docs`` (doc_id, title, body, and lang: without it, or for a
    language without a term file, the English terms): doc_id, theme, score, terms, and the
    theme model's model_score and model_terms (transforms.theme_model; null in a language
    without a model, or with ``model`` False: the terms alone, as bench.train_themes needs)."""
    if docs.is_empty():
        return pl.DataFrame(schema=THEME_SCHEMA)
    titles, bodies = docs["title"].fill_null("").to_list(), docs["body"].fill_null("").to_list()
    languages = docs["lang"].to_list() if "lang" in docs.columns else [None] * docs.height
    scored = _term_evidence(docs, titles, bodies, languages)
    readings = _model_readings(titles, bodies, languages) if model else []
    keys = {"doc": scored.schema["doc"], "theme": scored.schema["theme"]}
    if readings:
        # A theme the model is sure of is a row even where no term of it was found.
        scored = scored.join(pl.concat([r.scores for r in readings]).cast(keys),
                             on=["doc", "theme"], how="full", coalesce=True)
    else:
        scored = scored.with_columns(model_score=pl.lit(None, pl.Float64))
    add, keep = theme_model.thresholds() if readings else (1.0, 0.0)
    tagged = scored.filter(theme_model.tagged(pl.col("supported").fill_null(False),
                                              pl.col("model_score"), add, keep))
    if readings:
        evidence = pl.concat([r.evidence(tagged) for r in readings]).cast(keys)
        tagged = tagged.join(evidence, on=["doc", "theme"], how="left")
    else:
        tagged = tagged.with_columns(model_terms=pl.lit(None, pl.List(pl.Utf8)))
    return (
        tagged.select(
            pl.lit(docs["doc_id"]).gather("doc").alias("doc_id"),
            pl.col("theme").cast(pl.Utf8),
            pl.col("score").fill_null(0.0),
            pl.col("terms").cast(pl.List(pl.Utf8)).fill_null([]),
            "model_score",
            # A score without a lemma that raised it: no evidence, but a list all the same.
            pl.when(pl.col("model_score").is_not_null())
            .then(pl.col("model_terms").fill_null([])),
        )
        .sort("doc_id", "theme")
    )
