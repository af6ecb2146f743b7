"""German forms of places: demonyms, derived from the German country names, and the German
names of foreign places (exonyms: "Genf", "Neapel"), each checked against a lemma dictionary.

German writes "die chinesischen Behörden", "zwei Franzosen", "Österreichs Regierung": adjectives
and nouns formed from the country's name with productive suffixes, each declined. No maintained
source lists them, so they are derived: every suffix rule is applied to every German country
name (transforms.gazetteer.country_names), and each candidate form, declined, is kept only if
simplemma's German dictionary knows it as a word form. A form derived from two countries (the
two Congos' "kongolesisch") is dropped. The few forms no rule derives ("französisch",
"polnisch") are in data/demonyms_de.csv.

Exonyms: GeoNames lists a city's names in every language without saying which ("Napoli",
"Neapel", "Napels"...) and iso-codes translates ISO 3166-2 names ("Sicilia" → "Sizilien"). A
German name of a foreign place is taken from them where simplemma's German dictionary knows
it as a proper noun: a capitalised lemma with no forms but itself and its genitive
("Neapel", "Neapels"), which a common noun has ("Derby", "Derbys" is one too, but "Apotheke",
"Apotheken" is not).
"""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import polars as pl
import pycountry
import simplemma

from transforms import lexicon
from transforms.lexicon import dictionary, forms_by_lemma
from transforms.refcache import cached_frame, fingerprint

# (ending the name loses, what the adjective adds): Japan → japanisch, Spanien → spanisch,
# Russland → russisch, Türkei → türkisch, Kenia → kenianisch, China → chinesisch, Ungarn →
# ungarisch...
_ADJECTIVE_RULES = (
    ("", "isch"), ("ien", "isch"), ("en", "isch"), ("land", "isch"), ("enland", "isch"),
    ("land", ""), ("ei", "isch"), ("e", "isch"), ("a", "anisch"), ("", "nisch"),
    ("a", "esisch"), ("", "esisch"), ("istan", "isch"), ("stan", "isch"), ("ien", "ianisch"),
    ("", "erisch"), ("o", "anisch"), ("", "anisch"), ("a", "isch"), ("en", "anisch"),
    ("n", "isch"),
)
# The same for the nouns naming people: Österreich → Österreicher, Spanien → Spanier,
# Russland → Russe, China → Chinese, Tschechien → Tscheche, Ägypten → Ägypter, Ungarn →
# Ungar, Kasachstan → Kasache...
_NOUN_RULES = (
    ("", "er"), ("ien", "ier"), ("ien", "er"), ("land", "e"), ("enland", "e"), ("ei", "e"),
    ("a", "aner"), ("", "ner"), ("a", "ese"), ("", "ese"), ("istan", "e"), ("en", "er"),
    ("en", "e"), ("ien", "e"), ("", "aner"), ("o", "aner"), ("a", "ier"), ("ien", "ianer"),
    ("n", ""), ("stan", "e"),
)
# Derived forms that are words of another meaning: Native Americans, "cubic", a given name;
# from Hamm, Siegen, Essen, Hagen, Moers and Vien (Vienna): "hammer", "winner", "eater",
# surnames, "mortar", "four".
NOT_DEMONYMS = {"indianisch", "Indianer", "kubisch", "George", "Indie", "Hammer", "Sieger",
                "Esser", "Hager", "Eser", "Mörser", "Vier"}
# Shorter forms are abbreviations in German text ("IS", the Islamic State, from "Island").
MIN_FORM_LETTERS = 4
ADJECTIVE_ENDINGS = ("", "e", "en", "er", "es", "em")
NOUN_ENDINGS = ("", "n", "en", "s", "in", "innen")
# The directions German prefixes to a country's name for a part of it.
_DIRECTIONS = ("Nord", "Süd", "Ost", "West", "Nordost", "Nordwest", "Südost", "Südwest",
               "Zentral", "Mittel")
_NOT_DIRECTIONAL = {"Amerika"}
# The adjective of a country's name of several words, and the ending its weak forms replace:
# "Vereinigte(s)", "Dominikanische", "Arabische"; not "Côte" or "Heiliger".
_NAME_ADJECTIVE = re.compile(r"^([A-ZÄÖÜ]\w*(?:isch|igt))es?$")


# A town's adjective, which German does not decline: Wien → "die Wiener Polizei", Graz →
# Grazer, München → Münchner, Bremen → Bremer, Basel → Basler.
_CITY_ADJECTIVE_RULES = (("", "er"), ("en", "ner"), ("en", "er"), ("el", "ler"))


def german_name_forms(name: str) -> set[str]:
    """A German country name as its cases write it: the adjectives of a name of several words
    weak after an article ("in den Vereinigten Staaten", "der Dominikanischen Republik", "im
    Vereinigten Königreich"), its last noun in the genitive ("Österreichs", "des Vereinigten
    Königreichs") and, where it ends in -e, in the dative plural ("in den Niederlanden", "den
    Vereinigten Arabischen Emiraten"). Forms no text writes ("Ukraines") match nothing."""
    *before, last = name.split(" ")
    weak = [_NAME_ADJECTIVE.sub(r"\1en", word) for word in before]
    nouns = {last, *([last + "n"] if last.endswith("e") else []),
             *([] if last.endswith(("s", "z", "x")) else [last + "s"])}
    return {" ".join([*words, noun]) for words in (before, weak) for noun in nouns}


def german_directional_forms(name: str) -> set[str]:
    """A part of a country named by its direction, as German compounds it: "Nordsyrien",
    "Ostukraine", "Süditalien", "Nord-Syrien"; of a one-word name only, and not of those a
    direction makes a continent ("Südamerika")."""
    if " " in name or "-" in name or name in _NOT_DIRECTIONAL:
        return set()
    return {form for direction in _DIRECTIONS
            for form in (direction + name[0].lower() + name[1:], f"{direction}-{name}")}


def _derived(name: str, rules: tuple[tuple[str, str], ...]) -> set[str]:
    return {name[:len(name) - len(cut)] + suffix for cut, suffix in rules
            if name.endswith(cut) and len(name) > len(cut)}


def _known(form: str) -> bool:
    return simplemma.is_known(form, lang="de")


def _lower_case_word(form: str) -> bool:
    """A form of a word German writes in lower case ("Leider", "Wieder" at the start of a
    sentence): its lemma is."""
    return simplemma.lemmatize(form, lang="de").islower()


def _of_one_country(found: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(form, ISO code), sorted, of the forms derived from one country's names only (not
    the two Congos' "kongolesisch")."""
    return sorted((form, next(iter(codes))) for form, codes in found.items() if len(codes) == 1)


def german_demonyms(names: Iterable[tuple[str, str]], irregular: list[tuple[str, str, str]]
                    ) -> list[tuple[str, str]]:
    """(form, ISO code) of every declined German demonym form derived from the German country
    ``names`` ((code, name): "Weißrussland", weißrussisch). ``irregular``: (code, adjective,
    noun) rows that no rule derives."""
    found: dict[str, set[str]] = {}
    # Every ending declines an adjective ("taiwanischer", which simplemma does not know);
    # not every ending fits a noun ("Chinesein"): its forms must be words simplemma knows.
    adjective_forms: set[str] = set()

    def add(code: str, adjective: str | None, noun: str | None) -> None:
        for ending in ADJECTIVE_ENDINGS if adjective else ():
            found.setdefault(adjective + ending, set()).add(code)
            adjective_forms.add(adjective + ending)
        for ending in NOUN_ENDINGS if noun else ():
            found.setdefault(noun + ending, set()).add(code)

    for code, name in names:
        if " " in name:
            continue  # "Vereinigte Staaten": the irregular rows
        adjectives = _derived(name.lower(), _ADJECTIVE_RULES) - NOT_DEMONYMS
        known = {adjective for adjective in adjectives if _known(adjective)}
        # simplemma knows the adjectives of about half the countries ("kenianisch",
        # "sudanesisch" it does not): for the others every "-isch" the rules derive is kept;
        # those that are not words never match, and none is a word of another meaning, which
        # simplemma would know.
        for adjective in known or {a for a in adjectives if a.endswith("isch")}:
            add(code, adjective, None)
        for noun in _derived(name, _NOUN_RULES):
            if _known(noun) and noun != name and noun not in NOT_DEMONYMS:
                add(code, None, noun)
    for code, adjective, noun in irregular:
        add(code, adjective, noun)
    return [(form, code) for form, code in _of_one_country(found)
            if len(form) >= MIN_FORM_LETTERS and (form in adjective_forms or _known(form))]


def german_city_adjectives(cities: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(form, ISO code) of the adjectives of ``cities`` ((German name, code) rows) that
    simplemma's German dictionary knows as words: "Wiener", "Grazer", "Pariser"; not those
    of a word German writes in lower case ("Wieder" at the start of a sentence). A form two
    countries' towns give is dropped."""
    found: dict[str, set[str]] = {}
    for name, code in cities:
        for form in _derived(name, _CITY_ADJECTIVE_RULES):
            if (" " not in form and form not in NOT_DEMONYMS and _known(form)
                    and not _lower_case_word(form)):
                found.setdefault(form, set()).add(code)
    return _of_one_country(found)


# A German name of a foreign city must be this much like the city's own (difflib's ratio of
# the two, folded): "Neapel" and "Naples" 0.67, "Straßburg" and "Strasbourg" 0.84; GeoNames
# also lists old and other names that German texts use as words ("Stalin" for Donetsk, "Raab"
# for Győr: 0.15, 0.25).
EXONYM_MIN_LIKENESS = 0.5
# Names GeoNames gives a city that German texts use for something else: the river Mosel
# (Mosul is "Mossul"), the Roma people, Hamas (not Hamm).
NOT_EXONYMS = {"Mosel", "Roma", "Hamas"}
# The prefixes of iso-codes' German names that the news leaves out ("Republik
# Tschetschenien": Tschetschenien).
_SUBDIVISION_PREFIX = re.compile(r"^(?:Autonome Republik|Autonome Region|Republik|Provinz|"
                                 r"Region|Bezirk|Gouvernement|Kanton) ")


@cache
def proper_nouns() -> frozenset[str]:
    """The forms simplemma's German dictionary knows as proper nouns: capitalised lemmas with
    no forms but their genitive ("Neapel", "Neapels"; "Paulo"), which a common noun has
    ("Apotheke", "Apotheken"), and not words German writes in lower case too ("Klar" at the
    start of a sentence: "klar"). Derived once per simplemma version (3 s) and kept in the
    disk cache."""
    key = fingerprint([Path(__file__), Path(lexicon.__file__)], ["simplemma"])
    frame = cached_frame("german-proper-nouns", key, lambda: pl.DataFrame(
        {"form": sorted(_derive_proper_nouns())}, schema={"form": pl.Utf8}))
    return frozenset(frame["form"].to_list())


def _derive_proper_nouns() -> set[str]:
    german = dictionary("de")
    return {lemma for lemma, found in forms_by_lemma("de").items()
            if lemma[:1].isupper() and set(found) <= {lemma, lemma + "s"}
            and lemma.lower() not in german and german.get(lemma, lemma) == lemma}


def is_proper_noun(form: str) -> bool:
    """Whether the German dictionary knows ``form`` as a proper noun (proper_nouns)."""
    return form in proper_nouns()


def _folded(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c)).lower()


def german_city_exonyms(cities: list[dict], other_names: dict[str, set[int]]
                        ) -> list[tuple[str, int]]:
    """(German name, geonameid) of foreign ``cities`` (GeoNames rows) under the names of
    theirs that German knows as proper nouns and that are like their own name
    (EXONYM_MIN_LIKENESS); not English words ("Lion" for Lyon), NOT_EXONYMS, nor the names of
    other towns (``other_names``: name → geonameids). A name two
    countries' cities give is dropped; of one country's, the most populous city keeps it."""
    found: dict[str, list[dict]] = {}
    for city in cities:
        own = _folded(city["name"])
        for name in set(city["alternatenames"]):
            if (len(name) >= MIN_FORM_LETTERS and _folded(name) != own
                    and name not in NOT_EXONYMS
                    and not other_names.get(name, set()) - {city["geonameid"]}
                    and is_proper_noun(name)
                    and not simplemma.is_known(name.lower(), lang="en")
                    and difflib.SequenceMatcher(None, _folded(name), own).ratio()
                    >= EXONYM_MIN_LIKENESS):
                found.setdefault(name, []).append(city)
    return sorted((name, max(held, key=lambda city: city["population"])["geonameid"])
                  for name, held in found.items()
                  if len({city["countrycode"] for city in held}) == 1)


def german_subdivision_names(local_names: set[str], country_names: set[str]
                             ) -> list[tuple[str, str]]:
    """(German name, ISO code) of the ISO 3166-2 subdivisions iso-codes names otherwise in
    German ("Sizilien", "Katalonien", "Tschetschenien"), without their "Republik" or
    "Provinz"; not ``country_names``, the German names of countries ("Georgien", also the US
    state), common nouns ("Freistaat", "Süd") or ``local_names``. A name two countries give is
    dropped."""
    german = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"])
    found: dict[str, set[str]] = {}
    for subdivision in pycountry.subdivisions:
        name = german.gettext(subdivision.name)
        if name == subdivision.name or "," in name or "[" in name:
            continue
        name = _SUBDIVISION_PREFIX.sub("", name)
        words_known = all(_known(word) for word in re.split(r"[\s-]+", name))
        if (len(name) >= 5 and name not in country_names and name not in local_names
                and (is_proper_noun(name) or not words_known)):
            found.setdefault(name, set()).add(subdivision.country_code)
    return _of_one_country(found)
