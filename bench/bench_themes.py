"""Theme tagging accuracy and speed.

- the labelled sets (gold-countries: 59 articles, and batch2's BBC, Reuters and German
  articles): micro P/R/F1 and macro F1 against their hand-labelled ``themes``, on all
  articles and on each half (tune / check by the article id; settings are chosen on tune);
- Reuters-21578: micro-F1 over the seven themes Reuters TOPICS map to (REUTERS_TOPIC_THEMES),
  on every story with at least one topic;
- articles/s of tagging.

    python -m bench.bench_themes
"""

from __future__ import annotations

import sys
import time

import polars as pl
from rich.console import Console
from rich.table import Table

from bench.bench_countries import DATA, GOLD, load_gold
from bench.data import HALVES, half_of
from transforms.language import languages_of
from transforms.themes import tag_themes, top_level_codes

# Reuters TOPICS → comention themes. Topics not listed (e.g. "acq" is listed, "grain" too;
# "income" or "instal-debt" are macro) are mapped where the taxonomy has a home for them.
REUTERS_TOPIC_THEMES = {
    **dict.fromkeys(
        ("crude", "nat-gas", "gas", "fuel", "heat", "pet-chem", "propane", "jet", "naphtha"),
        "ENERGY"),
    **dict.fromkeys(
        ("grain", "wheat", "corn", "oilseed", "sugar", "coffee", "cocoa", "livestock",
         "veg-oil", "soybean", "carcass", "barley", "cotton", "rice", "meal-feed", "palm-oil",
         "sorghum", "hog", "orange", "rapeseed", "soy-oil", "soy-meal", "sunseed", "oat",
         "potato", "tea", "l-cattle", "groundnut", "copra-cake", "cotton-oil", "sun-oil",
         "rye", "corn-oil", "lin-oil", "rape-oil", "castor-oil", "coconut", "coconut-oil",
         "palmkernel", "sun-meal", "rape-meal", "groundnut-oil", "wool", "f-cattle",
         "cottonseed", "red-bean", "linseed", "sunflower", "rubber"),
        "AGRICULTURE_FOOD"),
    "trade": "TRADE",
    **dict.fromkeys(("money-fx", "interest", "acq", "earn", "dlr", "yen", "stg", "dmk",
                     "nzdlr", "austdlr", "can", "cruzado", "escudo", "lit", "saudriyal",
                     "peseta", "rand", "ringgit", "rupiah", "skr", "dfl", "sfr", "nkr",
                     "hk", "bfr", "ffr", "dkr", "mexpeso"), "MARKETS_FINANCE"),
    **dict.fromkeys(("gnp", "cpi", "jobs", "bop", "ipi", "reserves", "wpi", "money-supply",
                     "retail", "housing", "income", "lei", "instal-debt", "capacity",
                     "inventories", "cpu"), "MACROECONOMY"),
    "ship": "TRANSPORT_SHIPPING",
    **dict.fromkeys(("gold", "copper", "iron-steel", "alum", "zinc", "tin", "silver", "lead",
                     "strategic-metal", "nickel", "platinum", "palladium"), "MINING_METALS"),
}
REUTERS_THEMES = sorted(set(REUTERS_TOPIC_THEMES.values()))


# The labelled sets (gold-countries/PROTOCOL.md themes): the first 59 and batch2 by source.
THEME_SETS = {
    "gold-59": lambda: load_gold(),
    "batch2-bbc": lambda: load_gold(GOLD / "batch2", "bbc"),
    "batch2-reuters": lambda: load_gold(GOLD / "batch2", "reuters"),
    "batch2-german": lambda: load_gold(GOLD / "batch2", "gnad"),
}


def _docs(items: list[dict]) -> pl.DataFrame:
    """Articles as tag_themes reads them, with the language ingest would give each."""
    bodies = [a["text"] for a in items]
    return pl.DataFrame({"doc_id": [a["id"] for a in items],
                         "title": [a["title"] for a in items],
                         "body": bodies,
                         "lang": pl.Series(languages_of(bodies), dtype=pl.Utf8)})


def _predicted(items: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {a["id"]: set() for a in items}
    for doc_id, theme in tag_themes(_docs(items)).select("doc_id", "theme").iter_rows():
        out[doc_id].add(theme)
    return out


def _scores(truth: dict[str, set], predicted: dict[str, set], themes: list[str]) -> dict:
    per_theme = {}
    tp_all = fp_all = fn_all = 0
    for theme in themes:
        tp = sum(theme in truth[d] and theme in predicted[d] for d in truth)
        fp = sum(theme not in truth[d] and theme in predicted[d] for d in truth)
        fn = sum(theme in truth[d] and theme not in predicted[d] for d in truth)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        if tp + fn:
            per_theme[theme] = 2 * tp / (2 * tp + fp + fn)
    micro = 2 * tp_all / (2 * tp_all + fp_all + fn_all) if tp_all else 0.0
    precision = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    recall = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    return {"micro_f1": micro, "macro_f1": sum(per_theme.values()) / len(per_theme),
            "precision": precision, "recall": recall, "per_theme": per_theme}


def gold_scores(set_name: str = "gold-59", half: str = "all") -> dict:
    """Scores on one half ("all", "tune", "check": bench.data.half_of) of a labelled set."""
    articles, gold = THEME_SETS[set_name]()
    truth = {doc_id: set(g["themes"]) for doc_id, g in gold.items()
             if half in ("all", half_of(doc_id))}
    themes = sorted({t for ts in truth.values() for t in ts})
    # The labels are the 22 top-level codes; subthemes are not scored here.
    top = set(top_level_codes())
    predicted = {d: ts & top for d, ts in _predicted(articles).items() if d in truth}
    return _scores(truth, predicted, themes) | {"n": len(truth)}


def reuters_scores(half: str = "all") -> dict:
    """Agreement with Reuters TOPICS mapped to themes, on one half of the stories by id (the
    tagger is fitted on no Reuters story: the check half is as unseen as the tune half)."""
    from bench.reuters import articles

    stories = [a for a in articles() if a["topics"] and a["text"]
               and half in ("all", half_of(a["id"]))]
    truth = {a["id"]: {REUTERS_TOPIC_THEMES[t] for t in a["topics"]
                       if t in REUTERS_TOPIC_THEMES} for a in stories}
    predicted = {d: ts & set(REUTERS_THEMES) for d, ts in _predicted(stories).items()}
    return _scores(truth, predicted, REUTERS_THEMES) | {"stories": len(stories)}


def main() -> int:
    if not (DATA / "gold-countries" / "gold.jsonl").exists():
        print(f"no labelled data under {DATA}; nothing to measure")
        return 0
    console = Console()
    table = Table(title="Theme tagging (labelled sets: tune and check halves by article id)")
    for col in ("data", "half", "n", "micro P", "micro R", "micro F1", "macro F1"):
        table.add_column(col, justify="left" if col in ("data", "half") else "right")
    for name in THEME_SETS:
        for half in HALVES:
            scores = gold_scores(name, half)
            table.add_row(name, half, str(scores["n"]), f"{scores['precision']:.3f}",
                          f"{scores['recall']:.3f}", f"{scores['micro_f1']:.3f}",
                          f"{scores['macro_f1']:.3f}")
        table.add_section()
    gold = gold_scores()
    reuters = None
    if (DATA / "reuters21578").exists():
        for half in HALVES:
            scores = reuters_scores(half)
            table.add_row("Reuters-21578 TOPICS (7 themes)", half, f"{scores['stories']:,}",
                          f"{scores['precision']:.3f}", f"{scores['recall']:.3f}",
                          f"{scores['micro_f1']:.3f}", f"{scores['macro_f1']:.3f}")
            reuters = scores if half == "all" else reuters
    console.print(table)
    per = Table(title="F1 per theme")
    per.add_column("theme")
    per.add_column("gold-countries", justify="right")
    per.add_column("Reuters", justify="right")
    for theme in sorted(set(gold["per_theme"]) | set(reuters["per_theme"] if reuters else {})):
        g = gold["per_theme"].get(theme)
        r = reuters["per_theme"].get(theme) if reuters else None
        per.add_row(theme, f"{g:.2f}" if g is not None else "—",
                    f"{r:.2f}" if r is not None else "—")
    console.print(per)
    if reuters:
        from bench.reuters import articles

        stories = [a for a in articles() if a["text"]]
        docs = _docs(stories)
        tag_themes(docs.head(10))
        started = time.perf_counter()
        tag_themes(docs)
        console.print(f"tagging: {len(stories) / (time.perf_counter() - started):,.0f} "
                      "articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
