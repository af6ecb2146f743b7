"""Inflected forms of words, from simplemma's dictionaries (form → lemma, 50+ languages) read
the other way round, and from the regular endings of a language where the dictionary lacks a
word."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

# A form of a lemma begins with the same letters: the cases and numbers of a word, not another
# word the dictionary gives the same lemma (Italian "sono" and "era" of "essere"). Adjectives
# may change the last of their first four ("turc", "turque").
INFLECTION_PREFIX = 4
ADJECTIVE_PREFIX = 3
# Regular endings of nationality adjectives where the dictionary lacks the word: (the base's
# ending, what replaces it in each other form). The first that fits applies.
_REGULAR_ENDINGS = {
    "fr": (("ien", ("ienne", "iens", "iennes")), ("éen", ("éenne", "éens", "éennes")),
           ("s", ("se", "ses")), ("e", ("es",)), ("", ("e", "s", "es"))),
    "es": (("és", ("esa", "eses", "esas")), ("o", ("a", "os", "as")), ("í", ("íes", "ís")),
           ("e", ("es",)), ("a", ("as",))),
    "pt": (("ês", ("esa", "eses", "esas")), ("o", ("a", "os", "as")), ("e", ("es",))),
    "it": (("o", ("a", "i", "e")), ("e", ("i",)), ("a", ("e", "i"))),
    "nl": (("s", ("se",)), ("", ("e", "en", "s"))),
}


@cache
def dictionary(language: str) -> Mapping[str, str]:
    """simplemma's dictionary of a language (form → lemma, case kept: "Kiev" → "Kiev"), loaded
    once."""
    return DefaultDictionaryFactory().get_dictionary(language)


@cache
def forms_by_lemma(language: str) -> dict[str, tuple[str, ...]]:
    """Each lemma of the language's dictionary → the forms that have it as their lemma."""
    by_lemma: dict[str, list[str]] = {}
    for form, lemma in dictionary(language).items():
        by_lemma.setdefault(lemma, []).append(form)
    return {lemma: tuple(forms) for lemma, forms in by_lemma.items()}


def dictionary_forms(word: str, language: str, prefix: int = INFLECTION_PREFIX) -> set[str]:
    """The forms simplemma's dictionary of ``language`` gives ``word``, or the word's lemma, as
    their lemma, that begin as the word does (its first ``prefix`` letters); the word itself
    among them."""
    by_lemma = forms_by_lemma(language)
    heads = {word, simplemma.lemmatize(word, lang=language)}
    return {word} | {form for head in heads for form in by_lemma.get(head, ())
                     if form[:prefix] == word[:prefix]}


def regular_forms(word: str, language: str) -> set[str]:
    """The word and its forms by the language's regular endings (_REGULAR_ENDINGS)."""
    for ending, others in _REGULAR_ENDINGS.get(language, ()):
        if word.endswith(ending):
            stem = word[:len(word) - len(ending)]
            return {word} | {stem + other for other in others}
    return {word}


def inflected_forms(adjective: str, language: str) -> set[str]:
    """Every form of a nationality adjective: the dictionary's and the regular ones (the
    dictionary lacks many, and gives some the lemma of another word: Dutch "Franse" is
    "Fransman"'s)."""
    return (dictionary_forms(adjective, language, ADJECTIVE_PREFIX)
            | regular_forms(adjective, language))
