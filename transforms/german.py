"""German demonyms, derived from CLDR's German country names and checked against a lemma
dictionary.

German writes "die chinesischen Behörden", "zwei Franzosen", "Österreichs Regierung": adjectives
and nouns formed from the country's name with productive suffixes, each declined. No maintained
source lists them, so they are derived: every suffix rule is applied to every German country
name (CLDR, through babel), and each candidate form, declined, is kept only if simplemma's
German dictionary knows it as a word form. A form derived from two countries (the two Congos'
"kongolesisch") is dropped. The few forms no rule derives ("französisch", "polnisch") are in
data/demonyms_de.csv.
"""

from __future__ import annotations

import pycountry
import simplemma
from babel import Locale

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


# A town's adjective, which German does not decline: Wien → "die Wiener Polizei", Graz →
# Grazer, München → Münchner, Bremen → Bremer, Basel → Basler.
_CITY_ADJECTIVE_RULES = (("", "er"), ("en", "ner"), ("en", "er"), ("el", "ler"))


def _german_names() -> dict[str, str]:
    """ISO code → German country name (CLDR)."""
    return {code: name for code, name in Locale.parse("de").territories.items()
            if len(code) == 2 and code.isalpha()
            and (pycountry.countries.get(alpha_2=code) is not None or code == "XK")}


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


def german_demonyms(irregular: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(form, ISO code) of every declined German demonym form, and the genitive of each
    country name ("Österreichs"). ``irregular``: (code, adjective, noun) rows that no rule
    derives."""
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

    for code, name in _german_names().items():
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
        if not name.endswith(("s", "z", "x")):
            found.setdefault(name + "s", set()).add(code)
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
