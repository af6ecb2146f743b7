import json

import polars as pl

from tests.conftest import DATA, needs
from transforms.themes import tag_themes, taxonomy, themes_reference

# Accuracy gate on the hand-labelled themes: only ever raised.
GOLD_THEMES_MIN_MICRO_F1 = 0.65
THEME_CODES = {
    "ENERGY", "MILITARY", "TERRORISM", "CYBER", "DIPLOMACY", "ELECTIONS_POLITICS", "TRADE",
    "SANCTIONS", "AGRICULTURE_FOOD", "MARKETS_FINANCE", "MACROECONOMY", "HEALTH",
    "DEMOGRAPHY_MIGRATION", "CLIMATE_ENVIRONMENT", "TECHNOLOGY", "HUMAN_RIGHTS_PROTEST",
    "CRIME_JUSTICE", "SPORTS", "CULTURE_ENTERTAINMENT", "TRANSPORT_SHIPPING", "LABOR",
    "MINING_METALS",
}


def tag(title: str, body: str) -> set[str]:
    docs = pl.DataFrame({"doc_id": ["d"], "title": [title], "body": [body]})
    return set(tag_themes(docs)["theme"].to_list())


def test_taxonomy_covers_the_22_codes():
    assert set(taxonomy()["themes"]) == THEME_CODES
    assert themes_reference().height == 22


def test_a_theme_needs_real_support():
    assert "ENERGY" in tag("Oil prices jump", "Crude exports fell and the refinery closed.")
    assert "ENERGY" not in tag("A day out", "We drove past a gas station on the way home.")


def test_terms_are_recorded_as_evidence():
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""],
                         "body": ["Troops and missiles moved; the army held drills."]})
    row = tag_themes(docs).filter(pl.col("theme") == "MILITARY").row(0, named=True)
    assert {"troops", "army"} <= set(row["terms"])


@needs(DATA / "gold-countries" / "gold.jsonl")
def test_accuracy_gate_on_gold_themes():
    folder = DATA / "gold-countries"
    articles = [json.loads(line) for line in (folder / "articles.jsonl").open()]
    gold = {g["id"]: set(g["themes"]) for g in map(json.loads, (folder / "gold.jsonl").open())}
    docs = pl.DataFrame({"doc_id": [a["id"] for a in articles],
                         "title": [a["title"] for a in articles],
                         "body": [a["text"] for a in articles]})
    predicted: dict[str, set[str]] = {}
    for doc_id, theme in tag_themes(docs).select("doc_id", "theme").iter_rows():
        predicted.setdefault(doc_id, set()).add(theme)
    tp = sum(len(predicted.get(k, set()) & v) for k, v in gold.items())
    fp = sum(len(predicted.get(k, set()) - v) for k, v in gold.items())
    fn = sum(len(v - predicted.get(k, set())) for k, v in gold.items())
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= GOLD_THEMES_MIN_MICRO_F1, f"theme micro-F1 {f1:.3f}"
