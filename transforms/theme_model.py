"""The statistical layer of theme tagging: a linear model per theme over the lemmas an article
uses, which generalises past the taxonomy's listed terms (transforms.themes combines the two).

An article is the set of distinct lemmas of its title and body: each lower-cased word of letters
read through simplemma's dictionary of the language (a word the dictionary does not know is its
own lemma), each present lemma worth 1 / sqrt(the article's number of distinct words), so that a
long article is not more sure of every theme than a short one. A theme's score is the logistic
of its bias plus the weights of the article's lemmas.

The weights are fitted by ``bench.train_themes`` on weak labels (Reuters TOPICS, the BBC corpus'
folders, and the taxonomy's own terms on those stories) and shipped in data/theme_model.json per
language, with what they were fitted on and the probabilities chosen on the labelled tune halves
(``add``: a theme the terms do not support is tagged from this score; ``keep``: a theme they
support is dropped below it). Languages without weights of their own are tagged by terms only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from transforms.lexicon import dictionary
from transforms.refcache import cached_frame, fingerprint

MODEL_PATH = Path(__file__).parent / "data" / "theme_model.json"
# Words of letters only: numbers and amounts say nothing a word beside them does not.
WORD = r"[^\W\d_]+"
# The lemmas that weigh most for a tag are its evidence (article_themes.model_terms).
EVIDENCE_LEMMAS = 5
# Weights are shipped to four decimals.
WEIGHT_SCALE = 10_000


@cache
def shipped() -> dict:
    """The model file: per language its themes' bias and lemma weights, and the thresholds."""
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def model_languages() -> frozenset[str]:
    return frozenset(shipped()["languages"])


@cache
def _lemmas(language: str) -> dict[str, str]:
    """simplemma's dictionary of the language, its lower-case forms: form → lemma."""
    return {form: lemma.lower()
            for form, lemma in dictionary(language).items()
            if form == form.lower()}


def lemma_of(language: str):
    """form → lemma for lower-cased words, the same reading at training and at run time."""
    lemmas = _lemmas(language)
    return lambda word: lemmas.get(word, word)


def article_texts(titles: list[str], bodies: list[str]) -> list[str]:
    """What the model reads of each article: its title and body."""
    return [f"{title}\n{body}" for title, body in zip(titles, bodies, strict=True)]


def words(texts: list[str]) -> pl.DataFrame:
    """doc (the text's index), word: each distinct lower-cased word of each text, and
    n_words: how many distinct words the text has."""
    return (
        pl.DataFrame({"text": texts}, schema={"text": pl.Utf8})
        .with_row_index("doc")
        .select("doc", pl.col("text").fill_null("").str.to_lowercase().str.extract_all(WORD)
                .list.unique().alias("word"))
        .with_columns(n_words=pl.col("word").list.len())
        .explode("word")
        .drop_nulls("word")
    )


def tagged(supported: pl.Expr, model_score: pl.Expr, add: float, keep: float) -> pl.Expr:
    """Whether a theme is tagged: the terms support it and the model does not rule it out, or
    the model alone is sure of it. Without a model score (a language without one): the terms."""
    return ((supported & (model_score.is_null() | (model_score >= keep)))
            | (model_score >= add).fill_null(False))


def thresholds() -> tuple[float, float]:
    """The shipped (add, keep)."""
    chosen = shipped()["thresholds"]
    return chosen["add"], chosen["keep"]


@cache
def _weights(language: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """_split of the shipped model's weights of ``language`` (cached on disk: reading the
    dictionary takes a second)."""
    key = fingerprint([MODEL_PATH, Path(__file__)], ["simplemma"])
    table = cached_frame(f"theme-model-{language}", key,
                         lambda: _build_weights(shipped(), language))
    return _split(table)


def _split(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """The weights as scoring joins them: (word, lemma_id); (lemma_id, theme, weight, rank);
    and the lemma of each rank. A rank orders a theme's lemmas by weight, strongest first,
    ties by name, so that an article's strongest evidence is its smallest ranks."""
    ranked = (table.select("lemma", "theme", "weight").unique()
              .sort(["theme", "weight", "lemma"], descending=[False, True, False])
              .with_row_index("rank"))
    lemma_ids = table.select("lemma").unique().sort("lemma").with_row_index("lemma_id")
    forms = table.select("word", "lemma").unique().join(lemma_ids, on="lemma").drop("lemma")
    weights = ranked.join(lemma_ids, on="lemma").select("lemma_id", "theme", "weight", "rank")
    return forms, weights, ranked["lemma"]


def _build_weights(model: dict, language: str) -> pl.DataFrame:
    """word, lemma, theme, weight: every form the language's lemmas with weight take."""
    themes = model["languages"][language]["themes"]
    weights = pl.DataFrame(
        [(lemma, theme, float(w)) for theme, spec in themes.items()
         for lemma, w in spec["weights"].items()],
        schema=["lemma", "theme", "weight"], orient="row")
    lemmas, dictionary = set(weights["lemma"]), _lemmas(language)
    pairs = {(form, lemma) for form, lemma in dictionary.items() if lemma in lemmas}
    # A lemma the dictionary does not know as a form is read as itself.
    pairs |= {(lemma, lemma) for lemma in lemmas if lemma not in dictionary}
    table = pl.DataFrame(sorted(pairs), schema=["word", "lemma"], orient="row")
    return table.join(weights, on="lemma").sort("word", "theme")


@dataclass(frozen=True)
class Reading:
    """A batch of articles read by a language's model: ``scores`` (doc, theme, model_score:
    the probability, for every article and theme of the model) and, through ``evidence``, the
    lemmas behind a score."""

    scores: pl.DataFrame
    present: pl.DataFrame  # doc, theme, rank, weight, n_words: each weighed lemma of an article
    lemma_of_rank: pl.Series

    def evidence(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """doc, theme, model_terms: the lemmas that raise the score most, strongest first, for
        the (doc, theme) ``pairs`` only (naming them for every pair would cost more than the
        scores do)."""
        return (
            self.present.filter(pl.col("weight") > 0)
            .join(pairs.select("doc", pl.col("theme").cast(pl.Utf8)), on=["doc", "theme"],
                  how="semi")
            .sort("doc", "theme", "rank")
            .group_by("doc", "theme", maintain_order=True)
            .agg(pl.col("rank").head(EVIDENCE_LEMMAS))
            .with_columns(model_terms=pl.col("rank").list.eval(
                pl.element().replace_strict(pl.int_range(len(self.lemma_of_rank), eager=True),
                                            self.lemma_of_rank)))
            .drop("rank")
        )


def read(texts: list[str], language: str, docs: list[int] | None = None,
         model: dict | None = None) -> Reading:
    """The Reading of ``texts`` by ``language``'s model (the shipped one, or ``model`` in the
    same form: bench.train_themes); ``docs``: the texts' numbers (default 0, 1, ...)."""
    spec = (model or shipped())["languages"][language]["themes"]
    forms, weights, lemma_of_rank = (_weights(language) if model is None
                                     else _split(_build_weights(model, language)))
    numbers = pl.Series("doc", range(len(texts)) if docs is None else docs, dtype=pl.UInt32)
    present = (
        words(texts).with_columns(pl.lit(numbers).gather("doc").alias("doc"))
        .join(forms, on="word")
        .unique(["doc", "lemma_id"])
        .join(weights, on="lemma_id")
        .select("doc", "theme", "rank", "weight", "n_words")
    )
    # Summed as whole ten-thousandths (the file's precision): the same total in any order,
    # so that an article scores the same in any batch.
    totals = present.group_by("doc", "theme").agg(
        total=(pl.col("weight") * WEIGHT_SCALE).round().cast(pl.Int64).sum() / WEIGHT_SCALE
        / pl.col("n_words").first().cast(pl.Float64).sqrt())
    bias = pl.DataFrame({"theme": list(spec), "bias": [s["bias"] for s in spec.values()]})
    scores = (
        pl.DataFrame({"doc": numbers}).join(bias, how="cross")
        .join(totals, on=["doc", "theme"], how="left")
        .select("doc", "theme", model_score=1 / (
            1 + (-(pl.col("bias") + pl.col("total").fill_null(0.0))).exp()))
    )
    return Reading(scores, present, lemma_of_rank)
