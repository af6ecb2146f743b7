import polars as pl

from transforms import theme_model
from transforms.themes import tag_themes

MACRO = ("Industrial production rose 0.5 pct in January after a fall in December, and "
         "unemployment eased, the statistics office said; the deficit narrowed.")


def docs(*bodies: str, lang: str | None = "en") -> pl.DataFrame:
    return pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(bodies))],
                         "title": [""] * len(bodies), "body": list(bodies),
                         "lang": [lang] * len(bodies)})


def test_inflected_forms_read_as_their_lemma():
    reading = theme_model.lemma_of("en")
    assert reading("talks") == "talk" and reading("comention") == "comention"


def test_every_theme_of_an_article_gets_a_probability():
    scores = theme_model.read([MACRO, ""], "en").scores
    themes = set(theme_model.shipped()["languages"]["en"]["themes"])
    assert scores.height == 2 * len(themes)
    assert scores["model_score"].is_between(0, 1).all()
    by_doc = dict(scores.filter(pl.col("theme") == "MACROECONOMY")
                  .select("doc", "model_score").iter_rows())
    assert by_doc[0] > by_doc[1]  # words of the economy raise it above the bias alone


def test_a_tag_carries_the_models_score_and_its_strongest_lemmas():
    row = (tag_themes(docs(MACRO)).filter(pl.col("theme") == "MACROECONOMY")
           .row(0, named=True))
    assert row["model_score"] >= 0.5
    weights = theme_model.shipped()["languages"]["en"]["themes"]["MACROECONOMY"]["weights"]
    evidence = row["model_terms"]
    assert evidence and all(weights[lemma] > 0 for lemma in evidence)
    assert [weights[lemma] for lemma in evidence] == sorted(
        (weights[lemma] for lemma in evidence), reverse=True)


def test_the_model_alone_can_tag_a_theme_it_is_sure_of():
    # Too few taxonomy terms for the terms alone, but the words of economic indicator stories.
    figures = docs("Retail sales rose 3.1 pct in January after a fall of 0.4 pct in December, "
                   "figures showed.")
    assert tag_themes(figures, model=False).is_empty()
    row = tag_themes(figures).row(0, named=True)
    assert row["theme"] == "MACROECONOMY"
    assert row["model_score"] >= theme_model.thresholds()[0] and "rose" in row["model_terms"]


def test_an_article_scores_the_same_in_any_batch():
    filler = ["Troops and the army moved across the border.", "Oil prices fell sharply.",
              "The central bank held interest rates."]
    alone = tag_themes(docs(MACRO))
    batch = tag_themes(docs(*filler, MACRO)).filter(pl.col("doc_id") == "d3")
    assert alone.drop("doc_id").equals(batch.drop("doc_id"))


def test_a_language_without_a_model_is_tagged_by_its_terms_alone():
    german = tag_themes(docs("Die Inflation stieg, die Arbeitslosigkeit sank, das Wachstum "
                             "der Wirtschaft blieb schwach.", lang="de"))
    assert german.height > 0
    assert german["model_score"].is_null().all() and german["model_terms"].is_null().all()
