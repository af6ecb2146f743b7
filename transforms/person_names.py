"""Whether a capitalised word next to a US state's name, or after a town's, can be part of a
person's name, in English articles: "Virginia Woolf", "Dakota Johnson" and "Georgia May" are
people; "the Ohio Supreme Court", "the Kentucky Transportation Cabinet" and "Feltham
Magistrates' Court" are the place's institutions.

A word is a name part when it is a given name or a surname of the US Census name files (1990;
shipped in the ``names`` package: 5,494 given names, 88,799 surnames, each with its share of
the population), or when the English dictionary (simplemma) does not know it as a common word:
it knows no "Woolf" or "Nolan", and knows "Obama" as a proper noun (a capitalised lemma). A
common English word ("Supreme", "Transportation") is no name part unless the Census gives it as
a name often enough.
"""

from __future__ import annotations

import calendar
import re
from functools import cache
from importlib.resources import files

import simplemma

from transforms.lexicon import dictionary

# Census surnames held by at least this share of people (per cent) are name parts though they
# are English words too ("Smith" 1.006, "Young", "Power" 0.005); rarer ones are mostly words
# only ("Council" 0.004, "Police" 0.000). 0.005 keeps the 2,753 commonest. No tune-half article
# changes with it (the states these rules keep are named elsewhere in their articles): a
# judgement on the list, not a fit.
SURNAME_MIN_SHARE = 0.005
_POSSESSIVE = re.compile(r"['’]s?$")


def _census_names(file_name: str, min_share: float = 0.0) -> frozenset[str]:
    """The names of one Census file held by at least ``min_share`` per cent, title-cased."""
    text = files("names").joinpath(file_name).read_text(encoding="ascii")
    return frozenset(name.title() for name, share, *_ in map(str.split, text.splitlines())
                     if float(share) >= min_share)


@cache
def census_names() -> frozenset[str]:
    """The given names and the surnames from SURNAME_MIN_SHARE, title-cased."""
    return _given_names() | _census_names("dist.all.last", SURNAME_MIN_SHARE)


@cache
def is_given_name(word: str) -> bool:
    """Whether a capitalised word is a given name of the Census files that is no English word
    in lower case nor a month's or a weekday's name: "Lewis", "Martha", "John"; not "Will",
    "Mark" or "April", which start sentences about places too."""
    lower = word.lower()
    # simplemma's dictionary, not is_known: that ignores case ("lewis" for "Lewis").
    as_word = dictionary("en").get(lower)
    return (word in _given_names() and lower not in _CALENDAR_WORDS
            and (as_word is None or as_word[:1].isupper()))


@cache
def _given_names() -> frozenset[str]:
    return _census_names("dist.female.first") | _census_names("dist.male.first")


_CALENDAR_WORDS = {name.lower() for name in (*calendar.month_name, *calendar.day_name) if name}


@cache
def is_name_part(word: str) -> bool:
    """Whether a capitalised word may be part of a person's name in English (module doc); a
    possessive is read as its word ("Magistrates'", "Smith's")."""
    word = _POSSESSIVE.sub("", word)
    if word in census_names():
        return True
    lower = word.lower()
    return (not simplemma.is_known(lower, lang="en")
            or simplemma.lemmatize(lower, lang="en")[:1].isupper())
