"""German demonyms derived from CLDR names (transforms.german), and forms of one language
counting only in articles of that language (find_mentions)."""

from __future__ import annotations

import polars as pl

from transforms.countries import find_mentions
from transforms.gazetteer import country_names, read_data_csv
from transforms.german import german_demonyms, german_name_forms, proper_nouns


def test_declined_adjectives_and_nouns_are_derived():
    forms = dict(german_demonyms(country_names("de"),
                                 [tuple(row) for row in read_data_csv("demonyms_de.csv")]))
    assert {forms[f] for f in ("chinesischen", "tschechischen", "österreichische")} == {
        "CN", "CZ", "AT"}
    assert forms["Franzosen"] == forms["französischen"] == "FR"  # the irregular rows
    assert forms["Spanier"] == "ES" and forms["Russen"] == "RU"
    # From the names German news uses beside CLDR's ("Mazedonien", CLDR "Nordmazedonien").
    assert forms["mazedonischen"] == "MK" and forms["weißrussische"] == "BY"
    # Words of another meaning, abbreviations and forms of two countries are left out.
    assert not {"kubisch", "Indianer", "IS", "kongolesisch"} & forms.keys()


def test_country_names_are_declined_as_their_cases_write_them():
    assert {"Vereinigten Staaten", "Vereinigte Staaten"} <= german_name_forms("Vereinigte Staaten")
    assert {"Vereinigten Königreich", "Vereinigten Königreichs"} <= german_name_forms(
        "Vereinigtes Königreich")
    assert "Vereinigten Arabischen Emiraten" in german_name_forms("Vereinigte Arabische Emirate")
    assert german_name_forms("Niederlande") >= {"Niederlande", "Niederlanden"}
    assert german_name_forms("Österreich") == {"Österreich", "Österreichs"}
    # Only adjectives decline: "Côte" is none.
    assert not any(form.startswith("Côten") for form in german_name_forms("Côte d'Ivoire"))


def test_the_names_german_news_uses_beside_cldrs_are_found_in_every_case():
    text = ("Großbritannien, die Vereinigten Staaten und Weißrussland; in den Niederlanden, "
            "der Dominikanischen Republik und der Tschechischen Republik; Bosnien-Herzegowina "
            "und die Elfenbeinküste.")
    assert countries(text, "de") == {"GB", "US", "BY", "NL", "DO", "CZ", "BA", "CI"}
    assert countries("Großbritannien and Weißrussland.", "en") == set()


def countries(body: str, lang: str | None) -> set[str]:
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""], "body": [body], "lang": [lang]})
    return set(find_mentions(docs)["country"].to_list())


def test_forms_of_one_language_count_only_in_its_articles():
    german = "Die chinesischen Behörden und zwei Franzosen trafen sich in Wien."
    assert countries(german, "de") == {"CN", "FR", "AT"}
    assert countries(german, "en") == set()
    # "Island" is Iceland in German, not in "Long Island".
    assert countries("Ferries to Long Island resumed.", "en") == set()
    assert countries("Fähren nach Island fahren wieder.", "de") == {"IS"}


def test_an_article_without_a_language_has_it_identified():
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""],
                         "body": ["Die Regierung in Wien beriet mit den französischen Ministern "
                                  "über die Lage in Frankreich und Russland."]})
    assert set(find_mentions(docs)["country"].to_list()) == {"AT", "FR", "RU"}


def test_adjectives_simplemma_does_not_know_are_declined_and_matched_in_every_case():
    # "deutschen" (the adjective) and "Deutschen" (the people) are one entry; simplemma knows
    # neither "taiwanischer" nor "kenianisch", and "ungarisch" needs the rule Ungarn → ungar-.
    text = ("Die deutschen Behörden, ein Taiwanischer Hersteller, kenianische Läufer und "
            "ungarische Truppen.")
    assert countries(text, "de") == {"DE", "TW", "KE", "HU"}


def test_a_towns_adjective_counts_before_the_noun_it_describes():
    assert countries("Die Wiener Polizei und der Münchner Stadtrat berieten.", "de") == {
        "AT", "DE"}
    # Alone it is a sausage, a person or a word at the start of a sentence.
    assert countries("Er aß einen Wiener. Wieder kam er.", "de") == set()
    assert countries("The Wiener Polizei.", "en") == set()


def test_names_of_several_words_count_hyphenated_in_german_compounds():
    assert countries("Die Abu-Dhabi-Staatsholding und die Sri-Lanka-Krise.", "de") == {
        "AE", "LK"}


def test_german_metonyms():
    assert countries("Im Weißen Haus hieß es, der Kreml habe reagiert.", "de") == {"US", "RU"}


def test_cldr_cities_of_three_letters_count_in_their_language():
    assert countries("Der Papst empfing sie in Rom.", "de") == {"IT"}
    assert countries("The Rom community.", "en") == set()


def test_german_names_of_foreign_places_count_in_german_articles():
    german = "Die Gespräche in Genf und Neapel; Straßburg und Sizilien warten."
    assert countries(german, "de") == {"CH", "IT", "FR"}
    assert countries("Neapel and Genf are not words here.", "en") == set()
    # German cities GeoNames names in English ("Munich") under their own names.
    assert countries("Der Zug von München nach Nürnberg.", "de") == {"DE"}


def test_the_dictionary_tells_proper_nouns_from_common_nouns():
    assert {"Neapel", "Paulo"} <= proper_nouns()
    assert not {"Apotheke", "Klar"} & proper_nouns()
    # A place beside a proper noun of the dictionary is part of a person's name.
    assert countries("Der Trainer Paulo Miranda lobte das Team.", "de") == set()


def test_regions_german_names_otherwise_and_a_countrys_parts_by_direction_are_regions():
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""], "lang": ["de"],
                         "body": ["Kämpfe in Nordsyrien und der Ostukraine, Wahlen in Katalonien, "
                                  "Siedlungen im Westjordanland."]})
    found = find_mentions(docs)
    assert set(found.select("country", "kind").iter_rows()) == {
        ("SY", "region"), ("UA", "region"), ("ES", "region"), ("PS", "region")}
    # A direction's place with a name of its own stays that place; continents are none.
    assert countries("Nordirland, Südsudan und Südamerika.", "de") == {"GB", "SS"}
