"""Language identification on texts whose language is known: accuracy, NULL and wrong rates.

Texts (of at least MIN_WORDS words: shorter ones never become articles), from ../shared/data:
the benchmark pages of gold-countries (en, ru, pt: their `lang` in gold.jsonl), the Der Standard
articles of gold-countries/batch2 (de), Reuters-21578 (en, earnings tables included) and BBC
News (en); gold items that are BBC or Reuters stories are counted once, under their corpus.

Each text is in the tune half or the check half by its id (sha1 last hex digit even: tune).
The confidence floor is chosen on the tune half only: the lowest at which at most one label in a
thousand is wrong (a wrong language misleads; NULL only says "not sure").
Both halves are then printed, per source and language, before (today's rule: py3langid's
classify on the first 600 characters, any of its labels) and after (transforms.articles'
language_of: ISO 639-1 labels, normalised probability at least the floor).

Speed, in texts/s, of the rule before, of today's rule one text at a time (py3langid's classify
per text, as identify_language was) and batched (identify_languages, transforms.language); the
batched answers must be the per-text ones (same label, confidence within 1e-9), else exit 1.

    python -m bench.bench_lang [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import py3langid
from rich.console import Console
from rich.table import Table

from bench import reuters
from bench.data import DATA, half_of
from transforms.articles import MIN_WORDS
from transforms.language import (
    LANG_MIN_CONFIDENCE,
    LANG_SAMPLE_CHARS,
    identify_languages,
    py3langid_identifier,
)

FLOORS = [round(0.01 * i, 2) for i in range(100)]
# At most one label in a thousand wrong.
MAX_WRONG_SHARE = 0.001
# Batched confidences count as the per-text ones within this (they are the same float32s).
SAME_CONFIDENCE = 1e-9


@dataclass
class Text:
    id: str
    source: str
    lang: str
    text: str

    @property
    def half(self) -> str:
        return half_of(self.id)


def _gold(folder: Path, source: str) -> list[Text]:
    """Gold-countries items that are not BBC or Reuters stories (those come with their corpus)."""
    langs = {g["id"]: g["lang"] for g in map(json.loads, (folder / "gold.jsonl").open())}
    return [Text(a["id"], source, langs[a["id"]], a["text"])
            for a in map(json.loads, (folder / "articles.jsonl").open())
            if not a["id"].startswith(("bbc-", "reuters-"))]


def labelled_texts(data: Path) -> list[Text]:
    gold = data / "gold-countries"
    texts = _gold(gold, "benchmark pages") + _gold(gold / "batch2", "der standard")
    texts += [Text(a["id"], "reuters21578", "en", a["text"])
              for a in reuters.articles(data / "reuters21578")]
    for path in sorted((data / "bbc").glob("*/*.txt")):
        title, _, body = path.read_bytes().decode("utf-8", "replace").partition("\n")
        texts.append(Text(f"bbc-{path.parent.name}-{path.stem}", "bbc", "en", body.strip()))
    return [t for t in texts if len(t.text.split()) >= MIN_WORDS]


def before(text: str) -> str | None:
    """Today's rule: py3langid's best label of the first characters, however unsure."""
    return py3langid.classify(text[:LANG_SAMPLE_CHARS])[0]


def one_by_one(text: str) -> tuple[str | None, float]:
    """Today's rule as identify_language applied it before batching: py3langid per text."""
    sample = text[:LANG_SAMPLE_CHARS]
    return py3langid_identifier().classify(sample) if sample.strip() else (None, 0.0)


def _labelled(truth: list[str], scored: list[tuple[str | None, float]], floor: float
              ) -> tuple[int, int]:
    """(labels given, wrong labels) at ``floor``."""
    given = [(true, lang) for true, (lang, conf) in zip(truth, scored, strict=True)
             if lang is not None and conf >= floor]
    return len(given), sum(lang != true for true, lang in given)


def choose_floor(truth: list[str], scored: list[tuple[str | None, float]]) -> float:
    """The lowest floor at which at most MAX_WRONG_SHARE of the labels given are wrong: a
    wrong language misleads, a NULL only says "not sure"."""
    for floor in FLOORS:
        given, wrong = _labelled(truth, scored, floor)
        if wrong <= MAX_WRONG_SHARE * given:
            return floor
    return FLOORS[-1]


def _rates(pairs: list[tuple[str, str | None]]) -> tuple[float, float, float]:
    n = len(pairs)
    right = sum(p == t for t, p in pairs)
    null = sum(p is None for _, p in pairs)
    return right / n, null / n, (n - right - null) / n


def table(texts: list[Text], old: list[str | None], new: list[str | None], floor: float) -> Table:
    out = Table(title=f"Language of {len(texts):,} labelled texts: before (any py3langid label) "
                      f"→ after (ISO 639-1, confidence ≥ {floor:.2f})")
    for col in ("half", "source", "lang", "texts", "accuracy", "NULL", "wrong language"):
        out.add_column(col, justify="right" if col in ("texts", "accuracy", "NULL",
                                                       "wrong language") else "left")
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        groups[(t.half, t.source, t.lang)].append(i)
        groups[(t.half, "all", "")].append(i)
    order = sorted(groups, key=lambda k: (k[0] != "tune", k[1] == "all", k[1], k[2]))
    for half, source, lang in order:
        rows = groups[(half, source, lang)]
        was = _rates([(texts[i].lang, old[i]) for i in rows])
        now = _rates([(texts[i].lang, new[i]) for i in rows])
        out.add_row(half, source, lang, f"{len(rows):,}",
                    *(f"{a:.3f} → {b:.3f}" for a, b in zip(was, now, strict=True)),
                    end_section=source == "all")
    return out


def _timed(identify, texts: list[str]) -> tuple[list, float]:
    """identify(texts) and its texts/s, the better of two runs (the machine is shared)."""
    identify(["warm up the model"])
    rates = []
    for _ in range(2):
        started = time.perf_counter()
        answers = identify(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    return answers, max(rates)


def _per_text(rule):
    return lambda texts: [rule(text) for text in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not (args.data / "gold-countries").exists():
        print(f"no data at {args.data}")
        return 0
    texts = labelled_texts(args.data)
    raw = [t.text for t in texts]
    old, old_rate = _timed(_per_text(before), raw)
    per_text, per_text_rate = _timed(_per_text(one_by_one), raw)
    scored, new_rate = _timed(identify_languages, raw)
    same_label = sum(a == b for (a, _), (b, _) in zip(scored, per_text, strict=True))
    confidence_gap = max(abs(a - b) for (_, a), (_, b) in zip(scored, per_text, strict=True))

    tune = [i for i, t in enumerate(texts) if t.half == "tune"]
    floor = choose_floor([texts[i].lang for i in tune], [scored[i] for i in tune])
    new = [lang if conf >= floor else None for lang, conf in scored]
    console = Console(width=150)
    truth = [texts[i].lang for i in tune]
    console.print("tune half, wrong labels / NULL by floor: " + ", ".join(
        f"{f:.2f} {wrong / given:.2%}/{1 - given / len(tune):.1%}"
        for f in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
        for given, wrong in [_labelled(truth, [scored[i] for i in tune], f)]))
    console.print(table(texts, old, new, floor))
    dropped = defaultdict(lambda: {"tune": 0, "check": 0})
    for t, lang in zip(texts, new, strict=True):
        if t.lang in ("de", "en"):
            dropped[f"{t.source} ({t.lang})"][t.half] += lang is None
    console.print("German and English texts NULL after (tune + check): " + ", ".join(
        f"{source} {n['tune']} + {n['check']}" for source, n in sorted(dropped.items())))
    console.print(f"floor chosen on the tune half: {floor:.2f} "
                  f"(transforms.language.LANG_MIN_CONFIDENCE = {LANG_MIN_CONFIDENCE})")
    console.print(f"texts/s: before {old_rate:,.0f}; after, one text at a time "
                  f"{per_text_rate:,.0f}, batched {new_rate:,.0f} "
                  f"({new_rate / per_text_rate:.1f} times)")
    identical = same_label == len(texts) and confidence_gap <= SAME_CONFIDENCE
    console.print(f"batched = one at a time: {same_label:,} of {len(texts):,} labels the same, "
                  f"largest confidence difference {confidence_gap:.1e}"
                  + ("" if identical else " — NOT IDENTICAL"))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
