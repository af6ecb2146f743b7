"""The theme tagger's errors on the TUNE half of a labelled set, article by article: each theme
tagged and not labelled (FP) or labelled and not tagged (FN), with the terms' evidence (score
against the bar the article's length asks for, the terms found) and the theme model's
probability. Settings are chosen on these errors; the check half's are not shown.

    python -m bench.theme_errors [English|German|gold-59|batch2-bbc|...]
"""

from __future__ import annotations

import sys

import polars as pl

from bench.bench_themes import THEME_SETS, _docs
from bench.data import half_of
from transforms import theme_model
from transforms.themes import tag_themes, term_evidence, top_level_codes


def model_scores(docs: pl.DataFrame) -> dict[tuple[str, str], float]:
    """(doc_id, theme) → the model's probability, for the articles in a language with a model
    (one of unknown language is read as English, as tagging reads it)."""
    scores = {}
    for language in theme_model.model_languages():
        part = docs.filter(pl.col("lang").fill_null("en") == language)
        if part.is_empty():
            continue
        texts = theme_model.article_texts(part["title"].to_list(), part["body"].to_list())
        ids = part["doc_id"].to_list()
        for doc, theme, score in (theme_model.read(texts, language).scores
                                  .select("doc", "theme", "model_score").iter_rows()):
            scores[ids[doc], theme] = score
    return scores


def main() -> int:
    set_name = sys.argv[1] if len(sys.argv) > 1 else "English"
    articles, gold = THEME_SETS[set_name]()
    articles = [a for a in articles if half_of(a["id"]) == "tune"]
    docs = _docs(articles)
    top = set(top_level_codes())
    tagged: dict[str, set[str]] = {a["id"]: set() for a in articles}
    for doc_id, theme in tag_themes(docs).select("doc_id", "theme").iter_rows():
        if theme in top:
            tagged[doc_id].add(theme)
    evidence = {(row["doc_id"], row["theme"]): row
                for row in term_evidence(docs).iter_rows(named=True)}
    model = model_scores(docs)
    counts = {"FP": 0, "FN": 0}
    for article in articles:
        doc_id = article["id"]
        truth = set(gold[doc_id]["themes"])
        wrong = sorted(tagged[doc_id] ^ truth)
        if not wrong:
            continue
        print(f"\n{doc_id}  {article['title'][:80]!r}  ({len(article['text'].split())} words)")
        print(f"  labelled {sorted(truth)}  tagged {sorted(tagged[doc_id])}")
        for theme in wrong:
            kind = "FP" if theme in tagged[doc_id] else "FN"
            counts[kind] += 1
            row = evidence.get((doc_id, theme))
            terms = (f"score {row['score']:.1f} / bar {row['bar']:.1f}, "
                     f"terms {row['terms'][:8]}") if row else "no term"
            score = model.get((doc_id, theme))
            probability = "no model" if score is None else f"model {score:.3f}"
            print(f"  {kind} {theme}: {terms}; {probability}")
    print(f"\n{set_name}, tune half: {len(articles)} articles, {counts['FP']} FP, "
          f"{counts['FN']} FN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
