"""Derive transforms/data/demonyms_i18n.csv: the nationality adjectives (and nouns) of French,
Spanish, Italian, Dutch and Portuguese news ("le gouvernement français", "las autoridades
alemanas", "il governo italiano", "het Nederlandse kabinet"), one base form a country and
language; the gazetteer inflects them (transforms.lexicon).

Two sources, each checked against the language's own data:
- i18n-nationality 1.4.0 (npm, MIT: fr, es, it, nl): its entry for a country, unless it is a
  phrase or a gloss ("Îles Cook", "Congolais (République du Congo)"), a word of a country's
  name in the language ("Andorra", "Suisse": the name already counts), or neither a word
  simplemma's dictionary of the language knows nor one that begins as the country's name there
  does (the first four letters, accents aside): the entries left in English ("Belizean",
  "Swazi") or misspelt fail both.
- CLDR's names of languages in each locale (through babel): a language's name is the adjective
  of the country it is most likely spoken in (CLDR's likely subtags: "alemão", Germany) when
  it begins as that country's name in the locale does ("arabe" is not Egypt's, "anglais" not
  the United States').

Portuguese, which the package lacks, has CLDR's and a short hand-curated list (PORTUGUESE).

Needs the package's language files (``npm pack i18n-nationality@1.4.0`` and unpack it); run by
hand, not at run time:

    python -m bench.derive_demonyms --i18n package/langs
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import pycountry
import simplemma
from babel import Locale
from babel.core import get_global

from transforms.gazetteer import DATA_DIR, ascii_fold, read_data_csv

OUT = DATA_DIR / "demonyms_i18n.csv"
LANGUAGES = ("fr", "es", "it", "nl", "pt")
# Dutch capitalises nationality adjectives ("de Franse president"); the others write them in
# lower case ("le président français").
CAPITALISED = {"nl"}
STEM = 4
HEADER = """\
# Nationality adjectives (and nouns) of French, Spanish, Italian, Dutch and Portuguese news, one
# base form per country and language; the gazetteer adds every form simplemma's dictionary of
# the language has of it (transforms.lexicon). Derived by bench/derive_demonyms.py from
# i18n-nationality 1.4.0 (npm, MIT), CLDR's language names (babel) and, for Portuguese, a short
# hand-curated list; see there. Version 1.
# language,code,demonym
"""


# Portuguese, which i18n-nationality lacks: the adjectives of the countries Portuguese news
# names most that CLDR's language names do not give (hand-curated).
PORTUGUESE = {
    "US": "americano", "BR": "brasileiro", "GB": "britânico", "PT": "português",
    "AR": "argentino", "MX": "mexicano", "CA": "canadense", "JP": "japonês", "AO": "angolano",
    "MZ": "moçambicano", "CV": "cabo-verdiano", "VE": "venezuelano", "CO": "colombiano",
    "CL": "chileno", "PE": "peruano", "CU": "cubano", "IL": "israelense", "IR": "iraniano",
    "IQ": "iraquiano", "SY": "sírio", "EG": "egípcio", "IN": "indiano", "PK": "paquistanês",
    "AU": "australiano", "ZA": "sul-africano", "BE": "belga", "CH": "suíço", "AT": "austríaco",
    "NL": "holandês", "TR": "turco", "SA": "saudita", "NG": "nigeriano", "UY": "uruguaio",
    "PY": "paraguaio", "BO": "boliviano", "EC": "equatoriano", "KR": "sul-coreano",
    "KP": "norte-coreano", "AF": "afegão", "LB": "libanês", "GR": "grego",
}
# Where the source is wrong and no check above catches it: a word of another sense.
WRONG = {("es", "GD"): "granadino: of Granada, Spain", ("it", "AE"): "emiro: an emir",
         ("it", "XK"): "kosov: cut short", ("nl", "SC"): "Seychellencreools: the language"}


def folded(word: str) -> str:
    return ascii_fold(word).lower()


def _words(name: str) -> list[str]:
    return [folded(w) for w in re.split(r"[\s-]+", name) if w]


class _Checks:
    """What one language's candidates are checked against."""

    def __init__(self, language: str, english: set[str]):
        self.language = language
        self.short = {code: name for code, name in Locale.parse(language).territories.items()
                      if len(code) == 2 and code.isalpha()}
        # The names the locale and English give countries, and each country's words of them
        # (not official names, which hold adjectives: "République française").
        english_names = {c.alpha_2: c.name for c in pycountry.countries}
        self.names = {folded(name) for name in [*self.short.values(), *english_names.values()]}
        self.name_words = {code: {w for name in (self.short.get(code, ""), english_names[code])
                                  for w in _words(name)} for code in english_names}
        self.english = english
        likely = get_global("likely_subtags")
        locale = Locale.parse(language)
        # Each language name in the locale → the country it is most likely spoken in.
        # (Two-letter codes first: French's name is France's, not Franco-Provençal's.)
        self.language_of: dict[str, str] = {}
        for spoken, name in sorted(locale.languages.items(), key=lambda item: len(item[0])):
            if "_" not in spoken:
                self.language_of.setdefault(_written(name, language),
                                            likely.get(spoken, "").rpartition("_")[2])

    def begins_as_name(self, word: str, code: str) -> bool:
        return any(w[:STEM] == folded(word)[:STEM] for w in _words(self.short.get(code, "")))

    def is_english(self, word: str) -> bool:
        """An English demonym or word: an entry the source left untranslated."""
        return folded(word) in self.english or simplemma.is_known(word.capitalize(), lang="en")

    def is_name(self, word: str, code: str) -> bool:
        """A country's name ("Andorra"), or words of this country's ("Bosnia-Herzegovina")."""
        return folded(word) in self.names or all(
            part in self.name_words.get(code, ()) for part in _words(word))

    def another_countrys_language(self, word: str, code: str) -> bool:
        return self.language_of.get(word, code) not in ("", code)


def _written(word: str, language: str) -> str:
    return word if language in CAPITALISED else word.lower()


def from_i18n(entries: dict[str, str], checks: _Checks, codes: set[str]) -> dict[str, str]:
    language = checks.language
    out = {}
    for code, entry in entries.items():
        if code not in codes or re.search(r"[\s(),']", entry) or (language, code) in WRONG:
            continue
        word = _written(entry, language)
        if checks.is_name(word, code) or checks.another_countrys_language(word, code):
            continue
        if simplemma.is_known(word, lang=language) or (
                checks.begins_as_name(word, code) and not checks.is_english(word)):
            out[code] = word
    return out


def from_cldr_languages(checks: _Checks, codes: set[str]) -> dict[str, str]:
    out = {}
    for word, territory in checks.language_of.items():  # two-letter codes' first
        name = checks.short.get(territory, "")
        if (territory in codes and " " not in word and " " not in name and "-" not in name
                and not checks.is_name(word, territory)
                and checks.begins_as_name(word, territory)):
            out.setdefault(territory, word)
    return out


def _one_country_each(found: dict[str, str], checks: _Checks) -> dict[str, str]:
    """A word given for several countries is the one's whose name is shortest ("Soedanees":
    Sudan, not South Sudan)."""
    by_word: dict[str, list[str]] = {}
    for code, word in found.items():
        by_word.setdefault(word, []).append(code)
    return {min(held, key=lambda c: len(checks.short.get(c, c))): word
            for word, held in by_word.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--i18n", type=Path, required=True,
                        help="i18n-nationality's langs directory")
    args = parser.parse_args()
    # The countries (and territories) comention has English demonyms of.
    english_demonyms = read_data_csv("demonyms.csv")
    codes = {code for code, _ in english_demonyms}
    english = {folded(w) for _, held in english_demonyms for w in held.split("|")}
    rows = []
    for language in LANGUAGES:
        checks = _Checks(language, english)
        found = from_cldr_languages(checks, codes)
        path = args.i18n / f"{language}.json"
        if path.exists():
            entries = json.loads(path.read_text(encoding="utf-8"))["nationalities"]
            found |= from_i18n(entries, checks, codes)
        if language == "pt":
            found |= PORTUGUESE
        found = _one_country_each(found, checks)
        rows += [(language, code, word) for code, word in sorted(found.items())]
        print(language, len(found))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        csv.writer(handle, lineterminator="\n").writerows(rows)
    print(f"{len(rows)} rows -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
