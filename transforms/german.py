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
# Russland → russisch, Türkei → türkisch, Kenia → kenianisch, China → chinesisch...
_ADJECTIVE_RULES = (
    ("", "isch"), ("ien", "isch"), ("en", "isch"), ("land", "isch"), ("enland", "isch"),
    ("land", ""), ("ei", "isch"), ("e", "isch"), ("a", "anisch"), ("", "nisch"),
    ("a", "esisch"), ("", "esisch"), ("istan", "isch"), ("stan", "isch"), ("ien", "ianisch"),
    ("", "erisch"), ("o", "anisch"), ("", "anisch"), ("a", "isch"), ("en", "anisch"),
)
# The same for the nouns naming people: Österreich → Österreicher, Spanien → Spanier,
# Russland → Russe, China → Chinese, Tschechien → Tscheche, Ägypten → Ägypter...
_NOUN_RULES = (
    ("", "er"), ("ien", "ier"), ("ien", "er"), ("land", "e"), ("enland", "e"), ("ei", "e"),
    ("a", "aner"), ("", "ner"), ("a", "ese"), ("", "ese"), ("istan", "e"), ("en", "er"),
    ("en", "e"), ("ien", "e"), ("", "aner"), ("o", "aner"), ("a", "ier"), ("ien", "ianer"),
)
# Derived forms that are words of another meaning: Native Americans, "cubic", a given name.
NOT_DEMONYMS = {"indianisch", "Indianer", "kubisch", "George", "Indie"}
# Shorter forms are abbreviations in German text ("IS", the Islamic State, from "Island").
MIN_FORM_LETTERS = 4
ADJECTIVE_ENDINGS = ("", "e", "en", "er", "es", "em")
NOUN_ENDINGS = ("", "n", "en", "s", "in", "innen")


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


def german_demonyms(irregular: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(form, ISO code) of every declined German demonym form, and the genitive of each
    country name ("Österreichs"). ``irregular``: (code, adjective, noun) rows that no rule
    derives."""
    found: dict[str, set[str]] = {}
    for code, name in _german_names().items():
        if " " in name:
            continue  # "Vereinigte Staaten": the irregular rows
        adjectives = {a for a in _derived(name.lower(), _ADJECTIVE_RULES)
                      if _known(a) and a not in NOT_DEMONYMS}
        nouns = {n for n in _derived(name, _NOUN_RULES)
                 if _known(n) and n != name and n not in NOT_DEMONYMS}
        for adjective in adjectives:
            for ending in ADJECTIVE_ENDINGS:
                found.setdefault(adjective + ending, set()).add(code)
        for noun in nouns:
            for ending in NOUN_ENDINGS:
                found.setdefault(noun + ending, set()).add(code)
        if not name.endswith(("s", "z", "x")):
            found.setdefault(name + "s", set()).add(code)
    for code, adjective, noun in irregular:
        for ending in ADJECTIVE_ENDINGS:
            found.setdefault(adjective + ending, set()).add(code)
        for ending in NOUN_ENDINGS if noun else ():
            found.setdefault(noun + ending, set()).add(code)
    # Declined forms must be words (simplemma knows "chinesischen", not "chinesischin"); the
    # bare stems were checked above.
    return sorted((form, next(iter(codes))) for form, codes in found.items()
                  if len(codes) == 1 and len(form) >= MIN_FORM_LETTERS and _known(form))
