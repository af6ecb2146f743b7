"""Derive transforms/data/non_places_wordnet.csv: the names of kinds of things named after a
place ("German shepherd", "Brussels sprouts", "Brazil nut", "Marburg virus"), which are no
mention of the place, from Princeton WordNet 3.0.

A noun of several words is such a name when one of its words (or two together) is a form the
gazetteer counts in every language, it is no form of the gazetteer itself, and WordNet files
every sense of it under a lexicographer file of kinds, not of places, groups, people, events or
made things: animals, plants, foods, substances, states (diseases) and phenomena. Made things
are left out (the "American flag" stands for the US, the "Panama hat" does not: WordNet does
not tell them apart), and so are acts (the "American Revolution"), times (a country's day:
"Canada Day") and quantities: currencies are the currency rule's (transforms.countries), which
knows that "a South Korean won gold" is Korea. The gazetteer reads the file as phrases that
shadow the place words in them.

Needs WordNet's data files (Debian: ``apt-get install wordnet-base``); run by hand when the
gazetteer's forms change, not at run time:

    python -m bench.derive_non_places [--wordnet /usr/share/wordnet]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

import polars as pl

from transforms.gazetteer import DATA_DIR, gazetteer

OUT = DATA_DIR / "non_places_wordnet.csv"
# WordNet's lexicographer files of nouns by number (lexnames(5WN)).
LEXICOGRAPHER_FILES = {
    3: "Tops", 4: "act", 5: "animal", 6: "artifact", 7: "attribute", 8: "body", 9: "cognition",
    10: "communication", 11: "event", 12: "feeling", 13: "food", 14: "group", 15: "location",
    16: "motive", 17: "object", 18: "person", 19: "phenomenon", 20: "plant", 21: "possession",
    22: "process", 23: "quantity", 24: "relation", 25: "shape", 26: "state", 27: "substance",
    28: "time",
}
KINDS_OF_THINGS = {"animal", "plant", "food", "substance", "state", "phenomenon"}


def noun_senses(wordnet: Path) -> dict[str, set[str]]:
    """Each noun lemma of WordNet's data.noun (words joined with spaces) → the lexicographer
    files of its senses."""
    senses: dict[str, set[str]] = defaultdict(set)
    for line in (wordnet / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence
            continue
        fields = line.split()
        lexicographer_file, words = LEXICOGRAPHER_FILES[int(fields[1])], int(fields[3], 16)
        for k in range(words):
            lemma = re.sub(r"\(\w+\)$", "", fields[4 + 2 * k])  # "Dane(a)": a marker
            senses[lemma.replace("_", " ")].add(lexicographer_file)
    return senses


def non_places(senses: dict[str, set[str]], forms: set[str]) -> list[str]:
    """The lemmas of several words that start with a gazetteer form (in capitals or not:
    WordNet writes "brazil nut", "china clay") and name kinds of things, each with its plural
    ("German shepherds")."""
    found = set()
    for lemma, files in senses.items():
        words = lemma.split(" ")
        if len(words) < 2 or "," in lemma or lemma in forms or not files <= KINDS_OF_THINGS:
            continue
        # Written with the place's word capitalised, as the place matches ("Brazil nut"; the
        # gazetteer matches "brazil" in no case).
        capitalised = [w[:1].upper() + w[1:] for w in words]
        places = {i for i, w in enumerate(capitalised) if w in forms} | {
            j for i in range(len(words) - 1) if f"{capitalised[i]} {capitalised[i + 1]}" in forms
            for j in (i, i + 1)}
        # A phrase the place's word starts ("German shepherd", not "chicken Kiev"): where the
        # place's word is no mention, it is most often so.
        if 0 in places:
            phrase = " ".join(capitalised[i] if i in places else w for i, w in enumerate(words))
            found |= {phrase, plural(phrase)}
    return sorted(found)


def plural(phrase: str) -> str:
    """The phrase with its last word in the plural, as English regularly forms it (a word
    ending in a single s is taken to be one already: "Brussels sprouts")."""
    head, _, last = phrase.rpartition(" ")
    if re.search(r"[^s]s$", last):
        return phrase
    if re.search(r"(?:s|x|z|ch|sh)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    table = gazetteer()
    forms = set(table.filter((pl.col("languages").list.len() == 0) & (pl.col("code") != ""))
                ["surface"].to_list())
    phrases = non_places(noun_senses(args.wordnet), forms)
    header = (
        "# Names of kinds of things named after a place (breeds, species, foods, diseases): no\n"
        "# mention of the place. Derived from Princeton WordNet 3.0 by\n"
        "# bench/derive_non_places.py (its docstring says how); do not edit by hand.\n"
        "# phrase\n")
    OUT.write_text(header + "".join(f"{phrase}\n" for phrase in phrases), encoding="utf-8")
    print(f"{len(phrases)} phrases written to {OUT}")


if __name__ == "__main__":
    main()
