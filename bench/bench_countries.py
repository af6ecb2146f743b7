"""Country detection accuracy and speed on every labelled set under ../shared/data, side by side
with geotext (a bench extra: `pip install geotext`).

Sets: gold-59 (gold-countries, PROTOCOL.md); batch2 (gold-countries/batch2) and its sources
batch2-bbc, batch2-reuters, batch2-german; LGL and TR-News (geoparsing/, README there: country
gold derived from annotated toponyms, without kinds or focus). Each set is scored on all its
articles and on its tune and check halves (bench.data.half_of): choose settings on tune, confirm
on check.

Prints, per set, half and method: (article, country) micro precision/recall/F1; co-mention pair
F1 (pairs of countries named other than only inside an organisation's name; where the gold has
no kinds, pairs of all its countries); focus accuracy (share of articles whose focus set is
exactly the labelled one, and focus micro-F1: comention, on sets with focus); recall per mention
kind (sets with kinds). Then MB/s of each method per set, on its articles repeated into one
batch of the pipeline's size (best of a few rounds); comention twice, with each article's
language known (as ingest gives it in a run) and identifying it itself. With --errors, one
JSON line per article: its false positives and negatives and the mentions behind each
predicted country. With --reuters, also agreement with Reuters-21578 PLACES.

    python -m bench.bench_countries [--sets gold-59,LGL] [--errors PATH] [--reuters]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from functools import cache, partial
from itertools import combinations, cycle
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from bench.data import DATA, HALVES, half_of
from flows.long_lived import freeze_long_lived
from transforms.articles import host_of
from transforms.countries import article_countries, find_mentions
from transforms.language import languages_of

KINDS = ("name", "demonym", "capital", "city", "region", "org")
GOLD = DATA / "gold-countries"
GEOPARSING = DATA / "geoparsing"
# The pipeline enriches 2,000 articles at a time: speed is measured on batches of that size.
BATCH_SIZE = 2_000
SPEED_ROUNDS = 3

# A labelled set: its articles (id, title, text) and their gold by id. Gold is as in
# gold-countries/gold.jsonl: countries (code, kinds: None where the set has none) and focus
# (absent where the set has none).
Labelled = tuple[list[dict], dict[str, dict]]


def _jsonl(path: Path) -> list[dict]:
    # Line by line, not splitlines(): texts hold U+2028 and other breaks JSON keeps unescaped.
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# The sites the labelled articles were published on, by the source their id names (the
# folders' READMEs): their countries count as named (transforms.sites). Reuters' (reuters.com)
# and LGL's and TR-News' (not given) say nothing.
SOURCE_SITES = {"bbc-": "news.bbc.co.uk", "gnad-": "derstandard.at"}


@cache
def _benchmark_page_sites() -> dict[str, str]:
    """aeb-<first 12 of the page id> → the benchmark page's host (aeb-html's ground truth)."""
    path = DATA / "aeb-html" / "ground-truth.json"
    if not path.exists():  # the pages' sites are then unknown, as in a run without URLs
        return {}
    truth = json.loads(path.read_text(encoding="utf-8"))
    return {f"aeb-{page_id[:12]}": host_of(page["url"]) for page_id, page in truth.items()}


def site_of(article_id: str) -> str | None:
    """The site a gold-countries article was published on, where its source says."""
    if article_id.startswith("aeb-"):
        return _benchmark_page_sites().get(article_id)
    return next((site for prefix, site in SOURCE_SITES.items()
                 if article_id.startswith(prefix)), None)


def load_gold(folder: Path = GOLD, prefix: str = "") -> Labelled:
    """A gold-countries folder's articles (with the site each was published on) and gold,
    those whose id starts with ``prefix``."""
    articles = [a | {"site": site_of(a["id"])} for a in _jsonl(folder / "articles.jsonl")
                if a["id"].startswith(prefix)]
    gold = {g["id"]: g for g in _jsonl(folder / "gold.jsonl") if g["id"].startswith(prefix)}
    return articles, gold


def load_geoparsing(corpus: str, folder: Path = GEOPARSING) -> Labelled:
    """A geoparsing corpus ("lgl", "trnews"), its articles identified by url."""
    articles = [{"id": a["url"], "title": a["title"], "text": a["text"]}
                for a in _jsonl(folder / f"{corpus}_articles.jsonl")]
    refs = json.loads((folder / f"{corpus}_gold.json").read_text(encoding="utf-8"))
    gold = {url: {"countries": [{"code": code, "kinds": None} for code in g["refs"]]}
            for url, g in refs.items()}
    return articles, gold


SETS: dict[str, Callable[[], Labelled]] = {
    "gold-59": load_gold,
    "batch2": partial(load_gold, GOLD / "batch2"),
    "batch2-bbc": partial(load_gold, GOLD / "batch2", "bbc-"),
    "batch2-reuters": partial(load_gold, GOLD / "batch2", "reuters-"),
    "batch2-german": partial(load_gold, GOLD / "batch2", "gnad-"),
    "LGL": partial(load_geoparsing, "lgl"),
    "TR-News": partial(load_geoparsing, "trnews"),
}


def gold_of_half(gold: dict[str, dict], half: str) -> dict[str, dict]:
    """The gold of one half ("all": every article)."""
    return {doc_id: g for doc_id, g in gold.items() if half in ("all", half_of(doc_id))}


def _docs(articles: list[dict]) -> pl.DataFrame:
    docs = pl.DataFrame({"doc_id": [a["id"] for a in articles],
                         "title": [a["title"] for a in articles],
                         "body": [a["text"] for a in articles]})
    # A run knows each article's language from ingest; without it find_mentions identifies it.
    if articles and "lang" in articles[0]:
        docs = docs.with_columns(lang=pl.Series([a["lang"] for a in articles], dtype=pl.Utf8))
    if articles and "site" in articles[0]:
        docs = docs.with_columns(site=pl.Series([a["site"] for a in articles], dtype=pl.Utf8))
    return docs


def with_languages(articles: list[dict]) -> list[dict]:
    """The articles with the language ingest would give them."""
    found = languages_of([a["text"] for a in articles])  # from the body, as ingest does
    return [a | {"lang": lang} for a, lang in zip(articles, found, strict=True)]


def comention_predict(articles: list[dict]) -> dict[str, dict]:
    """Per article: countries with their kinds, and focus, as comention finds them."""
    docs = _docs(articles)
    rolled = article_countries(find_mentions(docs), docs)
    out = {a["id"]: {"countries": {}, "focus": set()} for a in articles}
    # Column by column: iter_rows(named=True) cost a tenth of comention's time in the speed rows.
    columns = (rolled[name].to_list() for name in ("doc_id", "country", "kinds", "is_focus"))
    for doc_id, country, kinds, is_focus in zip(*columns, strict=True):
        out[doc_id]["countries"][country] = set(kinds)
        if is_focus:
            out[doc_id]["focus"].add(country)
    return out


def geotext_predict(articles: list[dict]) -> dict[str, dict]:
    """Per article: the countries geotext finds (kinds unknown: an empty set; no focus)."""
    from geotext import GeoText

    out = {}
    for a in articles:
        found = GeoText(f"{a['title']}\n{a['text']}").country_mentions
        out[a["id"]] = {"countries": {code: set() for code in found}, "focus": None}
    return out


def available_methods() -> dict[str, Callable[[list[dict]], dict[str, dict]]]:
    methods = {"comention": comention_predict}
    try:
        import geotext  # noqa: F401

        methods["geotext"] = geotext_predict
    except ImportError:
        print("geotext not installed (pip install geotext): comparing comention alone")
    return methods


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(predicted: dict[str, dict], gold: dict[str, dict]) -> dict:
    """Scores of ``predicted`` on the articles of ``gold``: n, country and pair (P, R, F1),
    kind_recall (None for a kind the gold never has), focus_exact and focus (P, R, F1) (None
    where the gold or the method has no focus)."""
    tp = fp = fn = 0
    pair_tp = pair_fp = pair_fn = 0
    kind_hit = dict.fromkeys(KINDS, 0)
    kind_all = dict.fromkeys(KINDS, 0)
    with_focus = focus_exact = focus_tp = focus_fp = focus_fn = 0
    for doc_id, g in gold.items():
        truth = {c["code"]: None if c["kinds"] is None else set(c["kinds"])
                 for c in g["countries"]}
        pred = predicted[doc_id]["countries"]
        tp += len(truth.keys() & pred.keys())
        fp += len(pred.keys() - truth.keys())
        fn += len(truth.keys() - pred.keys())
        # Gold without kinds cannot tell organisation-only countries: all of them count.
        counted_t = sorted(c for c, k in truth.items() if k is None or k - {"org"})
        counted_p = sorted(c for c, k in pred.items() if not k or k - {"org"})
        pairs_t, pairs_p = set(combinations(counted_t, 2)), set(combinations(counted_p, 2))
        pair_tp += len(pairs_t & pairs_p)
        pair_fp += len(pairs_p - pairs_t)
        pair_fn += len(pairs_t - pairs_p)
        for code, kinds in truth.items():
            for kind in kinds or ():
                kind_all[kind] += 1
                kind_hit[kind] += code in pred and (kind in pred[code] or not pred[code])
        focus_p = predicted[doc_id]["focus"]
        if "focus" in g and focus_p is not None:
            focus_t = set(g["focus"])
            with_focus += 1
            focus_exact += focus_t == focus_p
            focus_tp += len(focus_t & focus_p)
            focus_fp += len(focus_p - focus_t)
            focus_fn += len(focus_t - focus_p)
    return {
        "n": len(gold),
        "country": _f1(tp, fp, fn),
        "pair": _f1(pair_tp, pair_fp, pair_fn),
        "kind_recall": {k: kind_hit[k] / kind_all[k] if kind_all[k] else None for k in KINDS},
        "focus_exact": focus_exact / with_focus if with_focus else None,
        "focus": _f1(focus_tp, focus_fp, focus_fn) if with_focus else None,
    }


def score(set_name: str, half: str = "check", predict=comention_predict) -> dict:
    """``evaluate`` of comention (or ``predict``) on one half of a labelled set (a name in
    SETS; half "all", "tune" or "check"): what accuracy gates check."""
    articles, gold = SETS[set_name]()
    return evaluate(predict(articles), gold_of_half(gold, half))


def mentions_behind(articles: list[dict]) -> dict[str, dict[str, list[dict]]]:
    """Per article and country comention predicts, the mentions find_mentions found for it."""
    out = {a["id"]: {} for a in articles}
    for m in find_mentions(_docs(articles)).iter_rows(named=True):
        out[m["doc_id"]].setdefault(m["country"], []).append(
            {k: m[k] for k in ("surface", "kind", "field", "start", "resolved_by")})
    return out


def article_errors(set_name: str, articles: list[dict], gold: dict[str, dict],
                   predicted: dict[str, dict]) -> Iterator[dict]:
    """One record per article of a set, for error analysis: its half, gold, false positives and
    negatives, focus, and the mentions behind each predicted country."""
    behind = mentions_behind(articles)
    for doc_id, g in gold.items():
        truth = {c["code"]: c["kinds"] for c in g["countries"]}
        pred = predicted[doc_id]
        record = {"set": set_name, "id": doc_id, "half": half_of(doc_id), "gold": truth,
                  "false_positives": sorted(pred["countries"].keys() - truth.keys()),
                  "false_negatives": sorted(truth.keys() - pred["countries"].keys())}
        if "focus" in g:
            record |= {"gold_focus": sorted(g["focus"]), "focus": sorted(pred["focus"])}
        yield record | {"mentions": behind[doc_id]}


def batch_of(articles: list[dict], size: int = BATCH_SIZE) -> list[dict]:
    """``articles`` repeated into one batch of ``size``, ids kept distinct as in the pipeline."""
    return [{**a, "id": f"{a['id']}#{i}"} for i, a in zip(range(size), cycle(articles))]


def megabytes(articles: list[dict]) -> float:
    return sum(len((a["title"] + a["text"]).encode()) for a in articles) / 1e6


def mb_per_s(predict, articles: list[dict], rounds: int = SPEED_ROUNDS) -> float:
    """MB/s of ``predict`` over ``articles`` as one batch (best of ``rounds``; the matcher is
    built before timing, and what it cached frozen out of garbage collections, as a run does
    after its first batch)."""
    predict(articles[:1])
    freeze_long_lived()
    size = megabytes(articles)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        predict(articles)
        best = min(best, time.perf_counter() - started)
    return size / best


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _accuracy_cells(result: dict) -> list[str]:
    focus_f1 = result["focus"][2] if result["focus"] else None
    return [str(result["n"]), *map(_fmt, result["country"]), _fmt(result["pair"][2]),
            _fmt(result["focus_exact"]), _fmt(focus_f1),
            *(_fmt(v, 2) for v in result["kind_recall"].values())]


def _set_names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if unknown := [name for name in names if name not in SETS]:
        raise argparse.ArgumentTypeError(f"unknown set(s) {', '.join(unknown)}; "
                                         f"known: {', '.join(SETS)}")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=_set_names, default=list(SETS), metavar="NAME,...",
                        help=f"the sets to measure (default: all of {', '.join(SETS)})")
    parser.add_argument("--errors", type=Path, metavar="PATH",
                        help="write each article's errors and mentions as JSON lines")
    parser.add_argument("--reuters", action="store_true", help="also score against Reuters PLACES")
    args = parser.parse_args()
    labelled = {}
    for name in args.sets:
        try:
            labelled[name] = SETS[name]()
        except FileNotFoundError:
            print(f"{name}: no labelled data under {DATA}; skipped")
    if not labelled:
        return 0
    methods = available_methods()
    console = Console()
    accuracy = Table(title="Country detection per labelled set and half")
    for col in ("set", "half", "method", "n", "country P", "country R", "country F1", "pair F1",
                "focus exact", "focus F1", *(f"R {k}" for k in KINDS)):
        accuracy.add_column(col, justify="left" if col in ("set", "half", "method") else "right")
    speed = Table(title=f"MB/s per set, its articles repeated into batches of {BATCH_SIZE:,} "
                        f"(best of {SPEED_ROUNDS})")
    speed_columns = ("comention, language known (as in a run)", "comention, identifying it",
                     *(m for m in methods if m != "comention"))
    for col in ("set", "MB per batch", *speed_columns):
        speed.add_column(col, justify="left" if col == "set" else "right")
    errors = []
    for name, (articles, gold) in labelled.items():
        predicted = {method: predict(articles) for method, predict in methods.items()}
        for half in HALVES:
            for method in methods:
                result = evaluate(predicted[method], gold_of_half(gold, half))
                accuracy.add_row(name, half, method, *_accuracy_cells(result))
        accuracy.add_section()
        if args.errors:
            errors.extend(article_errors(name, articles, gold, predicted["comention"]))
        batch = batch_of(articles)
        known = with_languages(batch)
        speed.add_row(name, f"{megabytes(batch):.1f}",
                      f"{mb_per_s(comention_predict, known):.1f}",
                      *(f"{mb_per_s(predict, batch):.1f}" for predict in methods.values()))
    console.print(accuracy)
    console.print(speed)
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in errors)
        console.print(f"{len(errors)} articles' errors written to {args.errors}")
    if args.reuters:
        from bench.reuters import places_agreement

        console.print(places_agreement())
    return 0


if __name__ == "__main__":
    sys.exit(main())
