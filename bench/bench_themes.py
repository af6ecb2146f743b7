"""Theme tagging accuracy and speed.

- the labelled sets (gold-countries: 59 articles, and batch2's BBC, Reuters and German
  articles), per source and per language: micro and macro P/R/F1 against their hand-labelled
  ``themes``, on all articles and on each half (tune / check by the article id; settings are
  chosen on tune), with the micro-F1's 95% bootstrap interval; P/R per theme on each half of
  all of them;
- Reuters-21578: the same over the seven themes Reuters TOPICS map to (REUTERS_TOPIC_THEMES),
  on every story with at least one topic, per half (the theme model trains on tune-half
  stories: the check half is the held-out figure);
- articles/s of tagging: the Reuters stories as one batch, best of a few runs (one run swings
  with what else the machine does).

    python -m bench.bench_themes
"""

from __future__ import annotations

import sys

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from bench.bench_countries import DATA, GOLD, load_gold
from bench.bench_extract import TIMING_RUNS, best_seconds
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
SOURCES = {
    "gold-59": lambda: load_gold(),
    "batch2-bbc": lambda: load_gold(GOLD / "batch2", "bbc"),
    "batch2-reuters": lambda: load_gold(GOLD / "batch2", "reuters"),
    "batch2-german": lambda: load_gold(GOLD / "batch2", "gnad"),
}
# ... and by language (the first 59 are English).
LANGUAGES = {"English": ("gold-59", "batch2-bbc", "batch2-reuters"),
             "German": ("batch2-german",)}


def _together(names: tuple[str, ...]):
    def load():
        articles, gold = [], {}
        for name in names:
            more, more_gold = SOURCES[name]()
            articles, gold = articles + more, gold | more_gold
        return articles, gold
    return load


THEME_SETS = SOURCES | {name: _together(names) for name, names in LANGUAGES.items()} | {
    "all labelled": _together(tuple(SOURCES))}


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


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (0 where undefined, as scikit-learn counts them)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _scores(truth: dict[str, set], predicted: dict[str, set], themes: list[str]) -> dict:
    """Micro and macro P/R/F1; per theme (those the truth has): P, R, F1 and its support.
    Macro figures average the themes the truth has."""
    per_theme = {}
    tp_all = fp_all = fn_all = 0
    for theme in themes:
        tp = sum(theme in truth[d] and theme in predicted[d] for d in truth)
        fp = sum(theme not in truth[d] and theme in predicted[d] for d in truth)
        fn = sum(theme in truth[d] and theme not in predicted[d] for d in truth)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        if tp + fn:
            per_theme[theme] = (*precision_recall_f1(tp, fp, fn), tp + fn)
    precision, recall, micro = precision_recall_f1(tp_all, fp_all, fn_all)
    macro = [sum(scores[k] for scores in per_theme.values()) / len(per_theme) for k in range(3)]
    return {"micro_f1": micro, "precision": precision, "recall": recall,
            "macro_precision": macro[0], "macro_recall": macro[1], "macro_f1": macro[2],
            "per_theme": per_theme, "micro_f1_ci": _micro_f1_interval(truth, predicted, themes)}


# Resamples of the articles for the interval of a micro-F1 (a fixed seed: the same interval on
# every run).
BOOTSTRAP_RESAMPLES = 2000


def _micro_f1_interval(truth: dict[str, set], predicted: dict[str, set],
                       themes: list[str]) -> tuple[float, float]:
    """The 95% bootstrap interval of the micro-F1, articles resampled: how far one half's
    figure may sit from the same tagger's on other articles like them (a half of 30 articles
    moves it by several points)."""
    scored = set(themes)
    counts = np.array([(len(truth[d] & predicted[d] & scored),
                        len((predicted[d] - truth[d]) & scored),
                        len((truth[d] - predicted[d]) & scored)) for d in truth], dtype=float)
    picks = np.random.default_rng(0).integers(0, len(counts), (BOOTSTRAP_RESAMPLES, len(counts)))
    tp, fp, fn = counts[picks].sum(axis=1).T
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=tp > 0)
    low, high = np.percentile(f1, [2.5, 97.5])
    return float(low), float(high)


def gold_scores(set_name: str = "gold-59", half: str = "all") -> dict:
    """Scores on one half ("all", "tune", "check": bench.data.half_of) of a labelled set."""
    articles, gold = THEME_SETS[set_name]()
    truth = {doc_id: set(g["themes"]) for doc_id, g in gold.items()
             if half in ("all", half_of(doc_id))}
    # The labels are the 22 top-level codes; subthemes are not scored here.
    top = set(top_level_codes())
    predicted = {d: ts & top for d, ts in _predicted(articles).items() if d in truth}
    return _scores(truth, predicted, sorted(top)) | {"n": len(truth)}


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


COLUMNS = ("micro P", "micro R", "micro F1", "its 95% CI", "macro P", "macro R", "macro F1")


def _figures(scores: dict) -> list[str]:
    low, high = scores["micro_f1_ci"]
    return [f"{scores[key]:.3f}" for key in ("precision", "recall", "micro_f1")] + [
        f"{low:.2f}-{high:.2f}"] + [f"{scores[key]:.3f}" for key in (
            "macro_precision", "macro_recall", "macro_f1")]


def _per_theme_table(title: str, by_half: dict[str, dict]) -> Table:
    """P/R per theme on each half (n: the theme's labelled articles in the half)."""
    table = Table(title=title)
    table.add_column("theme")
    for half in by_half:
        for figure in ("n", "P", "R"):
            table.add_column(f"{half} {figure}", justify="right")
    for theme in sorted({theme for scores in by_half.values() for theme in scores["per_theme"]}):
        row = [theme]
        for scores in by_half.values():
            if theme in scores["per_theme"]:
                precision, recall, _, n = scores["per_theme"][theme]
                row += [str(n), f"{precision:.2f}", f"{recall:.2f}"]
            else:
                row += ["—"] * 3
        table.add_row(*row)
    return table


def main() -> int:
    if not (DATA / "gold-countries" / "gold.jsonl").exists():
        print(f"no labelled data under {DATA}; nothing to measure")
        return 0
    console = Console()
    table = Table(title="Theme tagging (labelled sets: tune and check halves by article id)")
    for col in ("data", "half", "n", *COLUMNS):
        table.add_column(col, justify="left" if col in ("data", "half") else "right")
    labelled: dict[str, dict] = {}
    for name in THEME_SETS:
        for half in HALVES:
            scores = gold_scores(name, half)
            table.add_row(name, half, str(scores["n"]), *_figures(scores))
            if name == "all labelled" and half != "all":
                labelled[half] = scores
        table.add_section()
    reuters: dict[str, dict] = {}
    if (DATA / "reuters21578").exists():
        for half in HALVES:
            scores = reuters_scores(half)
            table.add_row("Reuters-21578 TOPICS (7 themes)", half, f"{scores['stories']:,}",
                          *_figures(scores))
            if half != "all":
                reuters[half] = scores
    console.print(table)
    console.print(_per_theme_table("P / R per theme, all labelled articles", labelled))
    if reuters:
        console.print(_per_theme_table("P / R per theme, Reuters-21578 TOPICS", reuters))
    if reuters:
        from bench.reuters import articles

        stories = [a for a in articles() if a["text"]]
        docs = _docs(stories)
        seconds = best_seconds(lambda: tag_themes(docs))
        console.print(f"tagging: {len(stories) / seconds:,.0f} articles/s ({len(stories):,} "
                      f"Reuters stories as one batch, best of {TIMING_RUNS} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
