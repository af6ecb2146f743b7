"""Country mentions with typed evidence, their roll-up per article, and each article's focus.

One Aho-Corasick pass per batch finds every gazetteer surface (transforms.matching). The context
rules (data/ambiguous.csv, organisation words, language cues, currency words) then run over all
candidates of the batch at once, as NumPy arrays indexed by gazetteer entry, reading only the
words next to each candidate; a batch's candidates are too few for Polars' per-query overhead to
pay off. The roll-up per article is Polars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import polars as pl
import simplemma

from transforms import focus, places
from transforms.extract import STOPWORDS
from transforms.gazetteer import (
    COUNTY_SUFFIXES,
    KINDS,
    ambiguity_rules,
    currency_words,
    gazetteer,
)
from transforms.language import languages_of
from transforms.matching import Automaton, build_automaton, case_variants, find_spans_by_group

# Capitalised words that make a place name before them, or a run of capitalised words ending in
# them, part of the name of an organisation or event ("Air France Group", "Chinese Communist
# Party", "Los Angeles Auto Show"); before "of" they do the same ("Reserve Bank of India").
ORG_WORDS = {
    "Times", "Post", "Journal", "Herald", "Tribune", "Telegraph", "Bank", "University",
    "Airlines", "Airways", "Institute", "Group", "Corp", "Corporation", "Company", "Co",
    "Council", "Museum", "FC", "Daily", "Today", "Mobile", "Telecom", "Motors", "Inc", "Ltd",
    "Petroleum", "Railways", "Symphony", "Orchestra", "Zoo", "Stock", "Exchange",
    "Party", "Association", "Federation", "League", "Club", "Society", "Foundation", "Press",
    "Presse", "Reporter", "Securities", "Holdings", "Awards", "Show", "Festival", "Open",
    "Marathon",
    # Local institutions named after their town, county or state ("Laurel County Sheriff's
    # Office", "Kentucky State Police", "Paris High School").
    "State", "Sheriff", "Detention", "Circuit", "Superior", "District", "Department", "Office",
    "Board", "Commission", "School", "Schools", "High", "College", "Library", "Jail", "Fire",
    "Municipal", "Community", "Regional", "Memorial", "Public", "Health", "Medical",
    "Correctional", "Chamber", "City", "Bureau", "Highway", "National", "International",
    "Arts",
}
# Words that make the place name after them part of a company's name ("Air Canada").
ORG_PREFIXES = ("Air ", "Radio ", "Agence ")
_ORG_LEADS = (" of ", *ORG_PREFIXES)
# Kinds of place named after the city or region they are in ("Edinburgh Airport"), and the
# directions before a region ("Northeast Texas").
PLACE_NOUNS = {
    "North", "South", "East", "West", "Northeast", "Northwest", "Southeast", "Southwest",
    "Northern", "Southern", "Eastern", "Western", "Central", "Upper", "Lower", "Greater",
    "Airport", "Station", "Street", "Road", "Avenue", "Square", "Bridge", "Castle", "Cathedral",
    "Park", "Hospital", "Prison", "Port", "Harbour", "Harbor", "Bay", "Valley", "River", "Lake",
    "Centre", "Center", "Hall", "Palace", "Tower", "Stadium", "Arena", "Metro", "Area",
    "County", "Province", "Region", "Suburbs", "Downtown", "Court", "Police",
}
# Words before a language-demonym that make it a language ("speaks French", "in Spanish").
LANGUAGE_CUES = {
    "speak", "speaks", "speaking", "spoke", "spoken", "fluent", "translated", "translate",
    "learn", "learning", "learned", "in", "into", "from", "native", "teach", "teaches",
}
_STOPWORD_SET = frozenset(STOPWORDS)
# Titles after a place name ("Texas Senator John Cornyn", "Ohio Gov. Mike DeWine") leave it a
# place: they do not make it a person's name.
TITLE_WORDS = {"President", "Minister", "Prime", "Senator", "Sen", "Governor", "Gov", "Mayor",
               "Rep", "Representative", "Congressman", "Congresswoman", "Attorney", "Secretary"}
_STOP_CAPITALISED = {w.capitalize() for w in STOPWORDS} | TITLE_WORDS
# Languages that capitalise every noun, so that a capitalised neighbour is no sign of a name.
NOUN_CAPITALISING = frozenset({"de", "lb"})
# Titles before a place name make it a person's ("President Bush", "Capt. Nelson").
PERSON_TITLES = TITLE_WORDS | {"Mr", "Mrs", "Ms", "Dr", "Capt", "Sgt", "Lt", "Officer", "Judge",
                               "Chief", "Coach", "Detective", "Det", "Deputy", "Sir", "Lady"}
_EU_CONTEXT = re.compile(r"\bEU\b|\bE\.U\.|European (?:Union|Commission|Parliament|Council)")
# A word (letters, apostrophes, hyphens) after spaces and tabs; matched in the reversed text it
# is the word before a position. _WORDS reads up to three.
_W = r"((?:[^\W\d_]|['’-])+)"
_WORD = re.compile(r"[ \t]*" + _W)
_WORDS = re.compile(rf"[ \t]*{_W}(?:[ \t]+{_W})?(?:[ \t]+{_W})?")
_NO_WORDS = (None, None, None)
_SAINTS = ("St. ", "St ", "Saint ", "Ste. ", "Sainte ")
# A first name and initials right before a candidate ("Roy A. Nelson", "George H. W. Bush"):
# it is a surname. Not "World War I." before a sentence.
_INITIAL_BEFORE = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+[A-HJ-Z]\.)+[ \t]+$")
# An initial right after a candidate, then a capitalised name ("George W Bush", "George W.
# Bush"), not "Texas A&M".
_INITIAL_AFTER = re.compile(r"[ \t]+[A-HJ-Z]\.?[ \t]+[A-Z][a-z]")
_CHARACTER = re.compile(r"[ \t]*(\S?)")
COUNTED_KINDS_DEFAULT = ("name", "demonym", "capital", "city", "region")
CONTEXT = 40
# The smallest city whose name, next to a candidate, is a place and not a person's name.
NOT_BLOCKING_MIN_POPULATION = 250_000

MENTION_SCHEMA = {
    "doc_id": pl.Utf8, "country": pl.Utf8, "kind": pl.Utf8, "surface": pl.Utf8,
    "start": pl.Int64, "end": pl.Int64, "field": pl.Utf8, "resolved_by": pl.Utf8,
}


@dataclass(frozen=True)
class _Entries:
    """The gazetteer as arrays indexed by payload, so that rules are array operations."""

    code: np.ndarray  # ISO code, "" for phrases that only shadow a country word
    kind: np.ndarray  # index into KINDS
    rule: dict[str, np.ndarray]  # rule name (data/ambiguous.csv) → which entries it applies to
    key: np.ndarray  # places.name_key of the surface: how place readings are looked up
    needs_support: np.ndarray  # a town below the city cut (places.supported_towns)


def _written_forms(surface: str, exact_case: bool, any_case: bool) -> set[str]:
    """The case forms a gazetteer surface matches: exactly as listed ("US", not "us"), in any
    case (Russian demonyms are lower case), or, by default, capitalised ("turkey" is a bird)."""
    if exact_case:
        return {surface}
    forms = case_variants(surface)
    return forms if any_case else {form for form in forms if form[:1].isupper()}


@cache
def _matcher() -> tuple[Automaton, _Entries]:
    """The automaton of the forms that count in every language, and the entries."""
    table = gazetteer()
    rules = ambiguity_rules()
    surfaces = table["surface"].to_list()
    entries = _Entries(
        code=table["code"].to_numpy().astype(object),
        kind=np.array([KINDS.index(k) for k in table["kind"]], dtype=np.int8),
        rule={
            name: np.array([name in rules.get(surface, ()) for surface in surfaces])
            for name in ("person", "language", "after_comma", "us_state", "eu_seat")
        },
        key=np.array([places.name_key(surface) for surface in surfaces], dtype=object),
        needs_support=table["needs_support"].to_numpy(),
    )
    return build_automaton(_forms(table, "")), entries


@cache
def _language_automaton(language: str) -> Automaton:
    """The automaton of an article language: every language's forms and that language's
    ("Frankreich", "chinesischen", "Wien" in German). Built the first time an article of the
    language comes, so English batches scan the smaller one alone."""
    return build_automaton(_forms(gazetteer(), language))


def _forms(table: pl.DataFrame, language: str) -> Iterator[tuple[str, int]]:
    """(written form, payload) of the entries that count in ``language`` ("": in every one)."""
    for payload, (surface, exact_case, any_case, languages) in enumerate(
            table.select("surface", "exact_case", "any_case", "languages").rows()):
        if not languages or language in languages:
            for form in _written_forms(surface, exact_case, any_case):
                yield form, payload


@cache
def _languages_with_forms() -> frozenset[str]:
    return frozenset(gazetteer()["languages"].explode().drop_nulls().unique().to_list())


@cache
def _not_blocking_words() -> frozenset[str]:
    """Capitalised words that may stand next to a place: function words, kinds of place
    inside one ("Edinburgh Airport") and places, but not towns small enough to be a person's
    name too ("George Bush": George, South Africa; Bush, Egypt)."""
    table = gazetteer()
    places = table.filter((table["kind"] != "city")
                          | (table["population"] >= NOT_BLOCKING_MIN_POPULATION))
    return frozenset(_STOP_CAPITALISED | PLACE_NOUNS | set(places["surface"].to_list()))


def _kind_is(kinds: np.ndarray, *names: str) -> np.ndarray:
    return np.array([kind in names for kind in KINDS])[kinds]


@dataclass
class _Candidates:
    """Candidate mentions of one batch as parallel arrays. ``text`` indexes the batch's titles
    followed by its bodies; offsets are characters into that text."""

    text: np.ndarray
    start: np.ndarray
    end: np.ndarray
    payload: np.ndarray
    code: np.ndarray
    kind: np.ndarray
    resolved: np.ndarray  # index into places.RESOLUTIONS

    def __getitem__(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(*(getattr(self, f.name)[keep] for f in fields(self)))


class _Neighbours:
    """The words next to candidate mentions, read straight from the texts: each a list with
    one entry per candidate, None where no word follows (or precedes) or the candidate does not
    want one."""

    def __init__(self, texts: list[str], spans: list[tuple[int, int, int]]):
        self.texts = texts
        self.spans = spans

    def next_words(self, wanted: np.ndarray) -> list[str | None]:
        match, texts = _WORD.match, self.texts
        return [
            (found.group(1) if (found := match(texts[t], e, e + CONTEXT)) else None) if want
            else None
            for (t, _, e), want in zip(self.spans, wanted.tolist(), strict=True)
        ]

    def _before(self, text: int, start: int) -> str:
        """The CONTEXT characters before ``start``, reversed: matching forwards in them reads
        backwards from ``start``."""
        return self.texts[text][max(0, start - CONTEXT):start][::-1]

    def previous_words(self, wanted: np.ndarray) -> list[str | None]:
        match, before = _WORD.match, self._before
        return [
            (found.group(1)[::-1] if (found := match(before(t, s))) else None) if want else None
            for (t, s, _), want in zip(self.spans, wanted.tolist(), strict=True)
        ]

    def following(self, i: int) -> tuple[str | None, str | None, str | None]:
        """Up to three words after candidate ``i``."""
        text, _, end = self.spans[i]
        found = _WORDS.match(self.texts[text], end, end + CONTEXT)
        return found.groups() if found else _NO_WORDS

    def word_before(self, text: int, start: int) -> str | None:
        found = _WORD.match(self._before(text, start))
        return found.group(1)[::-1] if found else None

    def previous_character(self, i: int) -> str:
        """The character before candidate ``i`` past spaces and tabs ("" at a line start)."""
        found = _CHARACTER.match(self._before(*self.spans[i][:2]))
        return found.group(1) if found else ""


def _candidates(texts: list[str], languages: list[str | None]) -> _Candidates:
    """Every gazetteer form in the texts, each text scanned with its article's language's
    automaton (``languages``, one per article: text i and n + i are article i's)."""
    automaton, entries = _matcher()
    n = len(languages)
    with_forms = _languages_with_forms()
    groups = [language if (language := languages[i % n]) in with_forms else ""
              for i in range(len(texts))]
    parts = [(spans.doc, spans.start, spans.end, spans.payload)
             for _, spans in find_spans_by_group(
                 texts, groups, lambda language: _language_automaton(language) if language
                 else automaton)]
    text, start, end, payload = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((start, text))
    text, start, end, payload = text[order], start[order], end[order], payload[order]
    return _Candidates(text, start, end, payload, entries.code[payload], entries.kind[payload],
                       np.zeros(len(text), dtype=np.int8))


def _narrow(mask: np.ndarray, holds: Callable[[int], bool]) -> np.ndarray:
    """``mask`` where ``holds(i)`` is true too: the per-candidate test in Python runs only
    where the array test passed."""
    narrowed = np.zeros_like(mask)
    where = np.flatnonzero(mask)
    narrowed[where] = [holds(i) for i in where.tolist()]
    return narrowed


def _flags(values: Iterator[bool], n: int) -> np.ndarray:
    return np.fromiter(values, bool, n)


def _continues_into_org_word(words: tuple[str | None, ...]) -> bool:
    """Whether capitalised words that are not titles lead to an organisation word."""
    for word in words:
        if word in ORG_WORDS:
            return True
        if word is None or not word[0].isupper() or word in _STOP_CAPITALISED:
            return False
    return False


def _in_organisation_names(
    texts: list[str], spans: list[tuple[int, int, int]], next_words: list[str | None],
    candidates: np.ndarray, neighbours: _Neighbours,
) -> np.ndarray:
    """Which candidates are part of the name of an organisation or event: an organisation word
    next ("Air France Group"), or after capitalised words that are not titles ("Chinese
    Communist Party", not "French President Macron's Party"); or a name that ends in the place
    ("Air Canada", "Reserve Bank of India")."""
    n = len(spans)
    inside = candidates & _flags((w in ORG_WORDS for w in next_words), n)
    capitalised_next = candidates & ~inside & _flags(
        (w is not None and w[0].isupper() and w not in _STOP_CAPITALISED for w in next_words), n)
    inside |= _narrow(capitalised_next,
                      lambda i: _continues_into_org_word(neighbours.following(i)[1:]))
    led = candidates & ~inside & _flags(
        (texts[text].endswith(_ORG_LEADS, 0, start) for text, start, _ in spans), n)

    def org_name_ends_here(i: int) -> bool:
        text, start, _ = spans[i]
        return not texts[text].endswith(" of ", 0, start) or (
            neighbours.word_before(text, start - 3) in ORG_WORDS
        )

    return inside | _narrow(led, org_name_ends_here)


def _is_initial(word: str | None) -> bool:
    """A name's initial written without its full stop ("George W Bush"); not "A" or "I",
    which are words ("A Texas man")."""
    return word is not None and len(word) == 1 and word.isupper() and word not in "AIO"


def _same_name_everywhere(marked: np.ndarray, found: _Candidates, texts: list[str],
                          n_titles: int, eligible: np.ndarray) -> np.ndarray:
    """One sense per article: a name read as a person once ("Capt. Roy A. Nelson") is that
    person wherever the article repeats it ("Nelson said")."""
    if not marked.any():
        return marked
    doc = found.text % n_titles
    # Only the articles that have a person are read again.
    again = eligible & np.isin(doc, doc[marked])
    surface = {i: texts[t][s:e] for i, t, s, e in zip(
        np.flatnonzero(again).tolist(), found.text[again].tolist(), found.start[again].tolist(),
        found.end[again].tolist(), strict=True)}
    people = {(int(doc[i]), surface[i]) for i in np.flatnonzero(marked & again).tolist()}
    return marked | _narrow(again, lambda i: (int(doc[i]), surface[i]) in people)


def _apply_rules(found: _Candidates, texts: list[str], n_titles: int,
                 languages: list[str | None]) -> _Candidates:
    """Person, organisation, language and currency rules; all on neighbouring words, read
    only for the candidates a rule applies to. In languages that capitalise every noun
    (German: "die Stadt Wien"), only a capitalised neighbour that is not a word of the language
    makes a person's name."""
    _, entries = _matcher()
    rule = {name: entries.rule[name][found.payload]
            for name in ("person", "language", "after_comma")}
    # (text, start, end) of each candidate.
    spans = list(zip(found.text.tolist(), found.start.tolist(), found.end.tolist(), strict=True))
    n = len(spans)
    neighbours = _Neighbours(texts, spans)
    org_able = _kind_is(found.kind, "name", "demonym", "capital", "city", "region")
    currency_able = _kind_is(found.kind, "name", "demonym")
    in_body = found.text >= n_titles
    # A name that says itself what kind of place it is ("Harris County", "Rapides Parish") is
    # no person's name: a capitalised word after it names an institution ("Harris County
    # Clerk's office").
    divisions = _flags((texts[t].endswith(COUNTY_SUFFIXES, s, e) for t, s, e in spans), n)
    person_like = ~divisions & (rule["person"]
                                | (_kind_is(found.kind, "city", "region") & in_body))
    language_like = rule["language"]
    next_words = neighbours.next_words(org_able | person_like | language_like)
    previous_words = neighbours.previous_words(person_like | language_like)
    not_blocking = _not_blocking_words()

    def blocking(word: str | None) -> bool:
        # A capitalised neighbour that could be a name: not an acronym ("BBC Scotland", "the
        # Edinburgh MSP"), a function word or a place.
        return (word is not None and word[0].isupper() and not word.isupper()
                and word not in not_blocking)

    into_org = _in_organisation_names(texts, spans, next_words, org_able, neighbours)
    into_org |= divisions & _flags(map(blocking, next_words), n)
    # "Swiss franc", "U.S. dollars", "US$": currency wording, not a mention of the country (the
    # unit in lower or upper case, so "German Mark Weber" is still German).
    currencies = currency_words()

    def names_currency(i: int) -> bool:
        text, _, end = spans[i]
        if texts[text].startswith("$", end):  # "US$5 million", "HK$"
            return True
        word = next_words[i]
        if word is not None and word.isupper():
            word = word.lower()
        return found.code[i] in currencies.get(word, ())

    def language_name(i: int) -> bool:
        previous, following = previous_words[i], next_words[i]
        return (
            previous is not None and previous.lower() in LANGUAGE_CUES
            # ...and no noun follows: "French and", "Spanish." — but not "French army".
            and not (following and following[0].islower() and following not in _STOPWORD_SET)
        )

    currency = _narrow(currency_able, names_currency)

    def titled_or_initialled(i: int) -> bool:
        text, start, end = spans[i]
        # "George W Bush": the next word is an initial (an initial is all _INITIAL_AFTER reads).
        following, previous = next_words[i], previous_words[i]
        if (following is not None and len(following) == 1
                and _INITIAL_AFTER.match(texts[text], end)):
            return True
        if previous is None:  # "Roy A. Nelson": the word before is an initial, with its stop
            return bool(_INITIAL_BEFORE.search(texts[text], max(0, start - 24), start))
        return previous in PERSON_TITLES or _is_initial(previous)

    # A capitalised neighbour. In a language that capitalises every noun, only one the
    # language's dictionary does not know is a name ("Alexandra Böckelmann", not "die Stadt
    # Wien").
    named_neighbour = person_like & (_flags(map(blocking, next_words), n)
                                     | _flags(map(blocking, previous_words), n))
    noun_capitalising = _flags((language in NOUN_CAPITALISING for language in languages),
                               len(languages))[found.text % n_titles]

    def unknown_to_the_language(i: int) -> bool:
        language = languages[spans[i][0] % n_titles]
        return any(blocking(word) and not simplemma.is_known(word, lang=language)
                   for word in (next_words[i], previous_words[i]))

    named_neighbour &= ~noun_capitalising | _narrow(named_neighbour & noun_capitalising,
                                                    unknown_to_the_language)
    person = named_neighbour | _narrow(person_like & ~named_neighbour, titled_or_initialled)
    person = _same_name_everywhere(person & ~into_org, found, texts, n_titles, person_like)
    language = _narrow(language_like, language_name)
    # "St. George", "Saint Paris": a saint, or a place named after one, not that place.
    saint = _narrow(_kind_is(found.kind, "capital", "city", "region"),
                    lambda i: texts[spans[i][0]].endswith(_SAINTS, 0, spans[i][1]))
    # Dateline abbreviations ("SANTA CRUZ, Calif.") only count right after a comma.
    stray_abbreviation = _narrow(rule["after_comma"],
                                 lambda i: neighbours.previous_character(i) != ",")
    found.kind = np.where(into_org, KINDS.index("org"), found.kind).astype(np.int8)
    return found[~(person & ~into_org) & ~language & ~stray_abbreviation & ~currency & ~saint]


def _apply_document_rules(found: _Candidates, texts: list[str], n_titles: int) -> _Candidates:
    """Rules that need the whole article: US states named like countries, Brussels as the EU."""
    _, entries = _matcher()
    doc = found.text % n_titles
    about_us = np.zeros(n_titles, dtype=bool)
    about_us[doc[(found.code == "US") & _kind_is(found.kind, "region", "city")]] = True
    as_us_state = entries.rule["us_state"][found.payload] & about_us[doc]
    found.code = np.where(as_us_state, "US", found.code).astype(object)
    found.kind = np.where(
        as_us_state & (found.kind != KINDS.index("org")), KINDS.index("region"), found.kind
    ).astype(np.int8)
    eu_seat = entries.rule["eu_seat"][found.payload]
    belgian_docs = set(doc[(found.code == "BE") & ~eu_seat].tolist())

    @cache  # per article: searching its whole text once per "Brussels" was quadratic
    def about_the_eu(d: int) -> bool:
        return d not in belgian_docs and any(
            _EU_CONTEXT.search(texts[t]) for t in (d, d + n_titles)
        )

    def means_the_eu(i: int) -> bool:
        return about_the_eu(int(doc[i]))

    return found[~_narrow(eu_seat, means_the_eu)]


def _resolve_places(found: _Candidates, texts: list[str], n_titles: int,
                    counties: _Candidates, decisions: list | None) -> _Candidates:
    """Names of several places read with the article's context, and towns below the city cut
    kept only where the article supports them (transforms.places)."""
    _, entries = _matcher()
    key, needs_support = entries.key[found.payload], entries.needs_support[found.payload]
    found.code, found.kind, found.resolved = places.resolve(
        texts, found.text, found.start, found.end, found.code, found.kind, key, n_titles,
        (counties.text, entries.key[counties.payload]), needs_support, decisions)
    keep, found.code, found.resolved = places.supported_towns(
        found.text % n_titles, key, found.code, found.kind, found.resolved, needs_support)
    return found[keep]


def find_mentions(docs: pl.DataFrame, decisions: list | None = None) -> pl.DataFrame:
    """Every country mention in ``docs`` (doc_id, title, body, and lang if known: else it is
    identified here): one row per mention. Forms of one language ("Frankreich", "chinesischen")
    count only in articles of that language.

    Offsets are character offsets into the field (title or body) the mention is in. The
    choices between places of one name are appended to ``decisions`` when given
    (places.resolve), the article being its row in ``docs``.
    """
    if docs.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    # Titles and bodies are scanned as one batch: text i < n is title i, text n + i body i.
    n = docs.height
    texts = [t or "" for t in docs["title"].to_list() + docs["body"].to_list()]
    # Identified from the body, as ingest does, where the articles do not say.
    languages = docs["lang"].to_list() if "lang" in docs.columns else languages_of(texts[n:])
    candidates = _candidates(texts, languages)
    # US counties as written, before a rule reads one as part of a longer name ("Edgar County
    # Special Education"): no person is called that, and they still place the article's towns.
    _, entries = _matcher()
    county_keys = places.county_keys()
    counties = candidates[np.fromiter((k in county_keys for k in entries.key[candidates.payload]),
                                      bool, len(candidates.payload))]
    found = _apply_rules(candidates, texts, n, languages)
    found = _resolve_places(_apply_document_rules(found, texts, n), texts, n, counties,
                            decisions)
    found = found[found.code != ""]
    # By doc_id, then title before body, then offset (a sort in NumPy: cheaper than in Polars
    # for the small frames of a batch).
    doc_ids = docs["doc_id"].to_numpy()
    doc_rank = np.argsort(np.argsort(doc_ids, kind="stable"), kind="stable")
    found = found[np.lexsort((found.start, found.text >= n, doc_rank[found.text % n]))]
    spans = zip(found.text.tolist(), found.start.tolist(), found.end.tolist(), strict=True)
    return pl.DataFrame(
        {
            "doc_id": doc_ids[found.text % n].tolist(),
            "country": found.code.tolist(),
            "kind": [KINDS[k] for k in found.kind.tolist()],
            "surface": [texts[t][s:e] for t, s, e in spans],
            "start": found.start,
            "end": found.end,
            "field": np.where(found.text < n, "title", "body").tolist(),
            "resolved_by": [places.RESOLUTIONS[r] for r in found.resolved.tolist()],
        },
        schema=MENTION_SCHEMA,
    )


def article_countries(
    mentions: pl.DataFrame, docs: pl.DataFrame, max_focus: int = focus.MAX_FOCUS
) -> pl.DataFrame:
    """Roll mentions up to article × country with counts, kinds and the article's focus: the
    at most ``max_focus`` countries it is about (transforms.focus). An article that names
    countries only in passing has no focus."""
    if mentions.is_empty():
        return pl.DataFrame(
            schema={
                "doc_id": pl.Utf8, "country": pl.Utf8, "mentions": pl.Int64,
                "kinds": pl.List(pl.Utf8), "is_focus": pl.Boolean, "focus_score": pl.Float64,
            }
        )
    rolled = focus.rolled_up(mentions)
    return rolled.with_columns(focus.is_focus(rolled, max_focus)).select(
        "doc_id", "country", "mentions", "kinds", "is_focus", "focus_score"
    ).sort("doc_id", "country")
