"""Fit transforms/data/theme_model.json: the linear model per theme over an article's lemmas
(transforms.theme_model) that theme tagging combines with the taxonomy's terms.

Trained on stories no accuracy figure scores, with weak labels:
- the Reuters-21578 stories of the tune half (by story id; the TOPICS agreement of
  bench.bench_themes is quoted on the check half), none of batch2's labelled ones: for the
  seven themes Reuters TOPICS map to (bench.bench_themes.REUTERS_TOPIC_THEMES), the story's
  TOPICS where it has any;
- the BBC corpus, less the labelled articles: the folder's theme (sport, entertainment, tech,
  politics) or what the terms tag;
- every other theme of these stories: what the taxonomy's terms tag (transforms.themes), so
  that the model learns the words that go with them.

Each theme's weights are an L1-penalised logistic regression (scikit-learn's liblinear, its
shuffle seeded: the same weights on every run, most of them zero, so the file stays small). The
penalty and the two probabilities of the combination (theme_model: ``add``, ``keep``) are
chosen on the tune halves of the English labelled sets (gold-59, batch2's BBC and Reuters)
by micro-F1 over every top-level theme; the check halves are only reported.

    python -m bench.train_themes [--dry-run]
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from itertools import product

import numpy as np
import polars as pl
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bench.bench_themes import (
    LANGUAGES,
    REUTERS_THEMES,
    REUTERS_TOPIC_THEMES,
    SOURCES,
    precision_recall_f1,
)
from bench.data import DATA, half_of
from transforms import theme_model
from transforms.themes import tag_themes, top_level_codes

LANGUAGE = "en"
BBC = DATA / "bbc"
BBC_FOLDER_THEMES = {"sport": "SPORTS", "entertainment": "CULTURE_ENTERTAINMENT",
                     "tech": "TECHNOLOGY", "politics": "ELECTIONS_POLITICS"}
# A lemma in fewer training stories than this has no weight: too rare to learn from.
MIN_STORIES = 5
PENALTIES = (1.0, 3.0, 10.0)  # liblinear's C: larger, weaker penalty
ADD = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: the model adds nothing
KEEP = (0.0, 0.02, 0.05, 0.1, 0.2)  # 0.0: the model drops nothing
# The English labelled sets, whose tune halves choose the penalty and the thresholds.
EVALUATION_SETS = {name: SOURCES[name] for name in LANGUAGES["English"]}


def bbc_stories() -> list[dict]:
    """The BBC corpus: id bbc-<folder>-<number>, the first line the title."""
    stories = []
    for path in sorted(BBC.glob("*/*.txt")):
        title, _, text = path.read_text(encoding="latin-1").partition("\n")
        stories.append({"id": f"bbc-{path.parent.name}-{path.stem}", "title": title.strip(),
                        "text": text.strip(), "folder": path.parent.name})
    return stories


def training_stories() -> list[dict]:
    from bench.reuters import articles

    labelled = {a["id"] for name in EVALUATION_SETS for a in EVALUATION_SETS[name]()[0]}
    reuters = [a for a in articles() if a["text"] and half_of(a["id"]) == "tune"]
    return [s for s in reuters + bbc_stories() if s["id"] not in labelled]


def _docs(stories: list[dict]) -> pl.DataFrame:
    """The stories as tag_themes reads them, in English."""
    return pl.DataFrame({"doc_id": [s["id"] for s in stories],
                         "title": [s["title"] for s in stories],
                         "body": [s["text"] for s in stories], "lang": LANGUAGE})


def _texts(stories: list[dict]) -> list[str]:
    return theme_model.article_texts([s["title"] for s in stories], [s["text"] for s in stories])


def weak_labels(stories: list[dict]) -> dict[str, set[str]]:
    """Each story's themes: the terms' tags, with TOPICS and the BBC folder where they speak."""
    labels = {s["id"]: set() for s in stories}
    top = set(top_level_codes())
    for doc_id, theme in (tag_themes(_docs(stories), model=False)
                          .select("doc_id", "theme").iter_rows()):
        if theme in top:
            labels[doc_id].add(theme)
    for story in stories:
        themes = labels[story["id"]]
        if story.get("topics"):
            themes -= set(REUTERS_THEMES)
            themes |= {REUTERS_TOPIC_THEMES[t] for t in story["topics"]
                       if t in REUTERS_TOPIC_THEMES}
        if story.get("folder") in BBC_FOLDER_THEMES:
            themes.add(BBC_FOLDER_THEMES[story["folder"]])
    return labels


def design(stories: list[dict]) -> tuple[csr_matrix, list[str]]:
    """Stories × lemmas (of at least MIN_STORIES stories), each present lemma worth
    1 / sqrt(the story's distinct words): theme_model's reading."""
    reading = theme_model.lemma_of(LANGUAGE)
    found = theme_model.words(_texts(stories))
    lemmas = found.with_columns(
        lemma=pl.col("word").map_elements(reading, return_dtype=pl.Utf8)
    ).unique(["doc", "lemma"])
    vocabulary = (lemmas.group_by("lemma").len().filter(pl.col("len") >= MIN_STORIES)
                  .sort("lemma")["lemma"].to_list())
    column = {lemma: i for i, lemma in enumerate(vocabulary)}
    kept = lemmas.filter(pl.col("lemma").is_in(vocabulary))
    x = csr_matrix(
        ((1 / kept["n_words"].cast(pl.Float64).sqrt()).to_numpy(),
         (kept["doc"].to_numpy(), kept["lemma"].replace_strict(column).to_numpy())),
        shape=(len(stories), len(vocabulary)))
    return x, vocabulary


def fit(x: csr_matrix, vocabulary: list[str], labels: list[set[str]], penalty: float) -> dict:
    themes = {}
    for theme in top_level_codes():
        y = np.array([theme in ts for ts in labels])
        if y.sum() < MIN_STORIES:
            continue
        model = LogisticRegression(l1_ratio=1.0, C=penalty, solver="liblinear", random_state=0)
        model.fit(x, y)
        coefficients = model.coef_[0]
        themes[theme] = {
            "bias": round(float(model.intercept_[0]), 4),
            "weights": {vocabulary[i]: round(float(coefficients[i]), 4)
                        for i in np.flatnonzero(np.round(coefficients, 4))},
        }
    return themes


def evaluation_rows(themes: dict) -> pl.DataFrame:
    """Per labelled English article and top-level theme: half, gold, whether the terms support
    it, and the model's score."""
    rows = []
    top = top_level_codes()
    model = {"languages": {LANGUAGE: {"themes": themes}}}
    for name, load in EVALUATION_SETS.items():
        articles, gold = load()
        supported = set(tag_themes(_docs(articles), model=False)
                        .select("doc_id", "theme").iter_rows())
        scored = theme_model.read(_texts(articles), LANGUAGE, model=model).scores
        score = {(articles[d]["id"], t): s for d, t, s in
                 scored.select("doc", "theme", "model_score").iter_rows()}
        for article in articles:
            doc_id = article["id"]
            for theme in top:
                rows.append((name, half_of(doc_id), doc_id, theme,
                             theme in gold[doc_id]["themes"], (doc_id, theme) in supported,
                             score.get((doc_id, theme))))
    return pl.DataFrame(rows, orient="row", schema={
        "set": pl.Utf8, "half": pl.Utf8, "doc_id": pl.Utf8, "theme": pl.Utf8, "gold": pl.Boolean,
        "supported": pl.Boolean, "model_score": pl.Float64})


def micro(rows: pl.DataFrame, add: float, keep: float) -> tuple[float, float, float]:
    tagged = rows.select(
        pl.col("gold"),
        theme_model.tagged(pl.col("supported"), pl.col("model_score"), add, keep).alias("tag"))
    return precision_recall_f1((tagged["gold"] & tagged["tag"]).sum(),
                               (~tagged["gold"] & tagged["tag"]).sum(),
                               (tagged["gold"] & ~tagged["tag"]).sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = parser.parse_args()
    stories = training_stories()
    labels = weak_labels(stories)
    x, vocabulary = design(stories)
    print(f"{len(stories):,} training stories, {len(vocabulary):,} lemmas")
    best = None
    for penalty in PENALTIES:
        themes = fit(x, vocabulary, [labels[s["id"]] for s in stories], penalty)
        rows = evaluation_rows(themes)
        tune = rows.filter(pl.col("half") == "tune")
        for add, keep in product(ADD, KEEP):
            score = micro(tune, add, keep)[2]
            if best is None or score > best[0] + 1e-9:
                best = (score, penalty, add, keep, themes, rows)
        weights = sum(len(t["weights"]) for t in themes.values())
        print(f"C={penalty}: {weights:,} weights; best tune micro-F1 so far {best[0]:.3f} "
              f"(C={best[1]}, add={best[2]}, keep={best[3]})")
    _, penalty, add, keep, themes, rows = best
    for name in EVALUATION_SETS:
        for half in ("tune", "check"):
            part = rows.filter((pl.col("set") == name) & (pl.col("half") == half))
            terms = micro(part, 1.01, 0.0)
            combined = micro(part, add, keep)
            print(f"{name:15} {half:5}  terms P {terms[0]:.3f} R {terms[1]:.3f} F1 "
                  f"{terms[2]:.3f}   with the model P {combined[0]:.3f} R {combined[1]:.3f} "
                  f"F1 {combined[2]:.3f}")
    if args.dry_run:
        return 0
    theme_model.MODEL_PATH.write_text(json.dumps({
        "version": date.today().isoformat(),
        "fitted_on": {
            "stories": len(stories),
            "sources": "Reuters-21578 tune half (TOPICS), BBC corpus (folders), less the "
                       "labelled articles; other themes: the taxonomy's terms",
            "penalty": "L1", "C": penalty, "min_stories": MIN_STORIES,
            "thresholds_chosen_on": "tune halves of gold-59, batch2-bbc, batch2-reuters",
        },
        "thresholds": {"add": add, "keep": keep},
        "languages": {LANGUAGE: {"themes": themes}},
    }, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {theme_model.MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
