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
    KINDS,
    ambiguity_rules,
    currency_words,
    gazetteer,
    read_data_csv,
)
from transforms.german import proper_nouns
from transforms.language import languages_of
from transforms.matching import Automaton, build_automaton, case_variants, find_spans_by_group
from transforms.person_names import is_given_name, is_name_part
from transforms.sites import site_country

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
    # Football clubs named after their town ("Leeds United", "Wigan Athletic").
    "United", "Athletic", "Rovers", "Wanderers", "Albion",
}
# Words that make the place name after them part of a company's or a club's name ("Air
# Canada"; "Real Madrid", "Dynamo Kiev", "Red Bull Salzburg").
ORG_PREFIXES = ("Air ", "Radio ", "Agence ", "Real ", "Atletico ", "Atlético ", "Inter ", "AC ",
                "Dynamo ", "Dinamo ", "Sporting ", "Olympique ", "Red Bull ", "Rapid ",
                "Borussia ", "Lokomotiv ", "Spartak ", "CSKA ", "Racing ", "Deportivo ")
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
# Words that make the place name before them a street's, named after the place and lying
# elsewhere ("Richmond Street" in London, Ontario; "Oxford Road"; "die Frankfurter Allee" in
# Berlin): no mention of the place.
STREET_WORDS = {"Street", "Road", "Avenue", "Boulevard", "Drive", "Lane", "Rd", "Ave", "Blvd",
                "Straße", "Strasse", "Allee", "Gasse", "Platz", "Weg", "Damm"}
# Words before a language-demonym that make it a language ("speaks French", "in Spanish"; "en
# français", "habla español", "in italiano", "em português", "in het Nederlands").
LANGUAGE_CUES = {
    "speak", "speaks", "speaking", "spoke", "spoken", "fluent", "translated", "translate",
    "learn", "learning", "learned", "in", "into", "from", "native", "teach", "teaches",
    "en", "parle", "parlent", "parler", "traduit", "habla", "hablan", "hablar", "traducido",
    "parla", "parlano", "parlare", "tradotto", "em", "fala", "falam", "falar", "traduzido",
    "het", "spreekt", "spreken", "vertaald",
}
_STOPWORD_SET = frozenset(STOPWORDS)
# Titles after a place name ("Texas Senator John Cornyn", "Ohio Gov. Mike DeWine") leave it a
# place: they do not make it a person's name.
TITLE_WORDS = {"President", "Minister", "Prime", "Senator", "Sen", "Governor", "Gov", "Mayor",
               "Rep", "Representative", "Congressman", "Congresswoman", "Attorney", "Secretary"}
# A party's member after a place name is its politician's, not a person's name: "a Manhattan
# Democrat", "the Texas Republican".
PARTY_MEMBERS = {"Democrat", "Democrats", "Republican", "Republicans"}
_STOP_CAPITALISED = {w.capitalize() for w in STOPWORDS} | TITLE_WORDS
# Languages that capitalise every noun, so that a capitalised neighbour is no sign of a name.
NOUN_CAPITALISING = frozenset({"de", "lb"})
# Titles before a place name make it a person's ("President Bush", "Capt. Nelson").
PERSON_TITLES = TITLE_WORDS | {"Mr", "Mrs", "Ms", "Dr", "Capt", "Sgt", "Lt", "Officer", "Judge",
                               "Chief", "Coach", "Detective", "Det", "Deputy", "Sir", "Lady"}
_EU_CONTEXT = re.compile(r"\bEU\b|\bE\.U\.|European (?:Union|Commission|Parliament|Council)")
# A word (letters, apostrophes, hyphens) after spaces and tabs; matched in the reversed text it
# is the word before a position. _WORDS reads up to three. _Neighbours reads them so for every
# candidate at once; the regexes say what it reads (and tests hold it to them).
_W = r"((?:[^\W\d_]|['’-])+)"
_WORD = re.compile(r"[ \t]*" + _W)
_WORDS = re.compile(rf"[ \t]*{_W}(?:[ \t]+{_W})?(?:[ \t]+{_W})?")
_SAINTS = ("St. ", "St ", "Saint ", "Ste. ", "Sainte ")
# A first name and initials right before a candidate ("Roy A. Nelson", "George H. W. Bush"):
# it is a surname. Not "World War I." before a sentence.
_INITIAL_BEFORE = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+[A-HJ-Z]\.)+[ \t]+$")
# An initial right after a candidate, then a capitalised name ("George W Bush", "George W.
# Bush"), not "Texas A&M".
_INITIAL_AFTER = re.compile(r"[ \t]+[A-HJ-Z]\.?[ \t]+[A-Z][a-z]")
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
    is_county: np.ndarray  # key is a US county's (places.county_keys)
    spaced: np.ndarray  # the surface has a space, as all its written forms do


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
            **{name: np.array([name in rules.get(surface, ()) for surface in surfaces])
               for name in ("person", "language", "after_comma", "us_state", "eu_seat")},
            "attributive": table["attributive"].to_numpy(),
        },
        key=np.array([places.name_key(surface) for surface in surfaces], dtype=object),
        needs_support=table["needs_support"].to_numpy(),
        is_county=np.array([places.name_key(surface) in places.county_keys()
                            for surface in surfaces]),
        spaced=np.array([" " in surface for surface in surfaces]),
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
    name too ("George Bush": George, South Africa; Bush, Egypt), nor the provinces of ISO
    3166-2 outside the US and regions.csv ("Miranda Richardson": Miranda, Venezuela)."""
    table = gazetteer()
    curated = {region for _, region in read_data_csv("regions.csv")}
    places = table.filter(((table["kind"] != "city")
                           | (table["population"] >= NOT_BLOCKING_MIN_POPULATION))
                          & ~((table["kind"] == "region") & (table["code"] != "US")
                              & ~table["surface"].is_in(list(curated))))
    return frozenset(_STOP_CAPITALISED | PLACE_NOUNS | PARTY_MEMBERS
                     | set(places["surface"].to_list()))


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
    form: np.ndarray  # the form matched (matching.Spans.form)
    # Names a street (STREET_WORDS): context for resolving the article's other names (an
    # English road is often named after the town it leads to: "Hertford Road, Edmonton"),
    # never a mention.
    street: np.ndarray

    def __getitem__(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(*(getattr(self, f.name)[keep] for f in fields(self)))


# Character classes as _W reads them (a letter, apostrophe or hyphen) and as [ \t] does, one
# byte per code point, filled in the first time a batch brings a character (255: not yet),
# by Python's own regex so that the arrays read exactly what _WORD would.
_WORD_CHAR, _BLANK, _UPPER, _UNCLASSIFIED = 1, 2, 4, 255
_W_CHAR = re.compile(r"[^\W\d_]|['’-]")
_CHAR_CLASS = np.full(0x110000, _UNCLASSIFIED, dtype=np.uint8)
# Room around the joined texts, so that reads CONTEXT characters away stay inside the array.
_PAD = "\x00" * (CONTEXT + 1)


@cache
def _signatures(words: frozenset[str]) -> np.ndarray:
    """Each word's length, first and last code point as one sorted integer (_one_of)."""
    return np.unique(np.array([len(w) << 42 | ord(w[0]) << 21 | ord(w[-1]) for w in words],
                              dtype=np.int64))


def _code_points(joined: str) -> np.ndarray:
    """The code points of ``joined`` with _PAD NULs before and after: one byte each for ASCII,
    two where no character needs a surrogate pair, else four."""
    # The padding encoded with the text: one pass, no copy of the array after it.
    padded = _PAD + joined + _PAD
    if padded.isascii():
        return np.frombuffer(padded.encode("ascii"), dtype=np.uint8)
    encoded = padded.encode("utf-16-le", "surrogatepass")
    if len(encoded) == 2 * len(padded):
        return np.frombuffer(encoded, dtype=np.uint16)
    return np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _classes(codes: np.ndarray) -> np.ndarray:
    found = _CHAR_CLASS[codes]
    unknown = found == _UNCLASSIFIED
    if unknown.any():
        for code in np.unique(codes[unknown]).tolist():
            char = chr(code)
            _CHAR_CLASS[code] = ((_WORD_CHAR if _W_CHAR.fullmatch(char) else 0)
                                 | (_BLANK if char in " \t" else 0)
                                 | (_UPPER if char.isupper() else 0))
        found = _CHAR_CLASS[codes]
    return found


class _Neighbours:
    """The words next to candidate mentions: each a list with one entry per candidate, None
    where no word follows (or precedes) or the candidate does not want one.

    The batch's texts are one array of code points, and every candidate's neighbours are read
    at once, a character a step (NumPy over the candidates still reading), as _WORD and
    _WORDS would read them in the CONTEXT characters next to it: a regex call per candidate
    cost more than the rest of the rules together."""

    def __init__(self, texts: list[str], joined: str, found: _Candidates):
        """``joined``: the texts joined with NUL, which is neither a word character nor a
        blank: no read crosses into the next text."""
        self.texts, self.joined = texts, joined
        self.text, self.text_start, self.text_end = found.text, found.start, found.end
        self.codes = _code_points(joined)
        # Positions in self.codes, which has _PAD NULs before and after the texts.
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        text_at = np.cumsum(np.r_[len(_PAD), lengths + 1])[found.text]
        self.start, self.end = text_at + found.start, text_at + found.end
        n = len(found.text)
        # Where next_words' word ended and where reading back over spaces and tabs stopped
        # (previous_words), for the candidates they read.
        self.next_word_end = np.zeros(n, dtype=np.int64)
        self.past_blanks = np.zeros(n, dtype=np.int64)
        self.has_previous = np.zeros(n, dtype=bool)

    def span(self, i: int) -> tuple[int, int, int]:
        """(text, start, end) of candidate ``i``."""
        return int(self.text[i]), int(self.text_start[i]), int(self.text_end[i])

    def _skip(self, at: np.ndarray, stop: np.ndarray, char_class: int, step: int) -> np.ndarray:
        """From each position ``at``, in direction ``step``, the first whose character is not
        of ``char_class``, or ``stop``."""
        at = at.copy()
        reading = np.flatnonzero(at != stop)
        while reading.size:
            reading = reading[(_classes(self.codes[at[reading]]) & char_class) != 0]
            at[reading] += step
            reading = reading[at[reading] != stop[reading]]
        return at

    def _strings(self, first: np.ndarray, last: np.ndarray,
                 at: np.ndarray | None = None, size: int | None = None) -> _Made:
        """The text from each ``first`` to ``last``, None where they are equal; placed at
        ``at`` in a list of ``size`` (None elsewhere) where given. Most are None: only the
        others are sliced."""
        joined, pad = self.joined, len(_PAD)
        made = np.flatnonzero(last > first)
        strings = [joined[a - pad:b - pad]
                   for a, b in zip(first[made].tolist(), last[made].tolist(), strict=True)]
        words = np.full(len(first) if size is None else size, None, dtype=object)
        where = made if at is None else at[made]
        words[where] = strings
        return _Made(words.tolist(), where, strings)

    def _spread(self, wanted: np.ndarray, first: np.ndarray, last: np.ndarray) -> _Made:
        """_strings of the candidates ``wanted`` (a mask), None for the others."""
        return self._strings(first, last, np.flatnonzero(wanted), len(self.start))

    def _word_from(self, at: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the word after spaces and tabs from ``at`` starts and ends (equal: none)."""
        first = self._skip(at, stop, _BLANK, 1)
        return first, self._skip(first, stop, _WORD_CHAR, 1)

    def _word_back_from(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The word before ``at`` past spaces and tabs in the CONTEXT characters before it:
        where it starts and ends (equal: none), and where the spaces and tabs stopped."""
        stop = at - CONTEXT - 1
        last = self._skip(at - 1, stop, _BLANK, -1)
        return self._skip(last, stop, _WORD_CHAR, -1) + 1, last + 1

    def _capitalised(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        return (last > first) & (_classes(self.codes[first]) & _UPPER != 0)

    def _one_of(self, first: np.ndarray, last: np.ndarray, words: frozenset[str]
                ) -> np.ndarray:
        """Whether each word may be one of ``words``: same length, first and last letter."""
        known = _signatures(words)
        if not len(known):
            return np.zeros(len(first), dtype=bool)
        signature = ((last - first).astype(np.int64) << 42
                     | self.codes[first].astype(np.int64) << 21 | self.codes[last - 1])
        # Looked up in the few sorted signatures, not sorted with them (np.isin).
        at = np.minimum(np.searchsorted(known, signature), len(known) - 1)
        return (last > first) & (known[at] == signature)

    # Making a string of every neighbouring word cost more than reading them all: only those
    # a rule may test are made, the others are None (has_previous says which are there).
    def next_words(self, wanted: np.ndarray, any_case: np.ndarray | None = None,
                   lower_case: frozenset[str] = frozenset()) -> _Made:
        """The word after each candidate ``wanted`` picks: made a string if it is capitalised,
        where ``any_case`` picks the candidate, or if it may be one of ``lower_case``."""
        end = self.end[wanted]
        first, last = self._word_from(end, end + CONTEXT)
        self.next_word_end[wanted] = last
        made = self._capitalised(first, last) | self._one_of(first, last, lower_case)
        if any_case is not None:
            made |= any_case[wanted]
        return self._spread(wanted, first, np.where(made, last, first))

    def previous_words(self, wanted: np.ndarray, any_case: np.ndarray | None = None
                       ) -> _Made:
        """The word before each candidate ``wanted`` picks: made a string if it is capitalised
        or where ``any_case`` picks the candidate."""
        first, last = self._word_back_from(self.start[wanted])
        self.past_blanks[wanted] = last - 1
        self.has_previous[wanted] = last > first
        made = self._capitalised(first, last)
        if any_case is not None:
            made |= any_case[wanted]
        return self._spread(wanted, first, np.where(made, last, first))

    def second_and_third_words(self, which: np.ndarray) -> tuple[_Made, ...]:
        """The two words after the next one (as _WORDS reads them) of the candidates
        ``which`` indexes, next_words having read theirs: each after at least a space or tab;
        made strings where they are capitalised (else None)."""
        stop = self.end[which] + CONTEXT
        words = []
        at = self.next_word_end[which]
        for _ in range(2):
            first, last = self._word_from(at, stop)
            last = np.where(first > at, last, first)  # no space or tab before it: none
            words.append(self._strings(first, np.where(self._capitalised(first, last), last,
                                                       first)))
            at = np.where(last > first, last, stop)  # after none, none either
        return tuple(words)

    def word_before(self, which: np.ndarray, at: np.ndarray) -> _Made:
        """The word before each position ``at`` (one per candidate ``which`` indexes) past
        spaces and tabs, in the CONTEXT characters before it, if it is capitalised (else
        None)."""
        first, last = self._word_back_from(self.start[which] + at)
        return self._strings(first, np.where(self._capitalised(first, last), last, first))

    def ends_before(self, which: np.ndarray, leads: tuple[str, ...]) -> np.ndarray:
        """Whether the text before each candidate ``which`` indexes ends with one of
        ``leads`` (shorter than CONTEXT, of two characters or more)."""
        start = self.start[which]
        # Most candidates end no lead: their last two characters are compared first.
        last_two = self.codes[start - 1].astype(np.int64) << 21 | self.codes[start - 2]
        ends = np.zeros(len(start), dtype=bool)
        for lead in leads:
            maybe = np.flatnonzero(last_two == (ord(lead[-1]) << 21 | ord(lead[-2])))
            matches = np.ones(len(maybe), dtype=bool)
            for k, char in enumerate(lead[:-2]):
                matches &= self.codes[start[maybe] - len(lead) + k] == ord(char)
            ends[maybe[matches]] = True
        return ends

    def character_after(self, which: np.ndarray, char: str) -> np.ndarray:
        """Whether ``char`` follows each candidate ``which`` indexes, right after it or past
        one space ("US$5", "US $5")."""
        end = self.end[which]
        return (self.codes[end] == ord(char)) | ((self.codes[end] == ord(" "))
                                                 & (self.codes[end + 1] == ord(char)))

    def previous_character_is(self, which: np.ndarray, char: str) -> np.ndarray:
        """Whether the character before each candidate ``which`` indexes, past spaces and
        tabs, is ``char``."""
        start = self.start[which]
        stop = start - CONTEXT - 1
        at = self._skip(start - 1, stop, _BLANK, -1)
        return (at != stop) & (self.codes[at] == ord(char))

    def may_follow_an_initial(self, which: np.ndarray) -> np.ndarray:
        """False where _INITIAL_BEFORE cannot match before a candidate that previous_words
        read: it needs an initial's full stop, then spaces or tabs (or a line break) up to
        the candidate."""
        start, past = self.start[which], self.past_blanks[which]
        return ((self.codes[start - 1] == ord("\n"))
                | ((past < start - 1) & (self.codes[past] == ord("."))))


def _candidates(texts: list[str], languages: list[str | None], joined: str, encoded: bytes
                ) -> _Candidates:
    """Every gazetteer form in the texts, each text scanned with its article's language's
    automaton (``languages``, one per article: text i and n + i are article i's; ``joined``:
    the texts joined with NUL, ``encoded`` the same in UTF-8)."""
    automaton, entries = _matcher()
    with_forms = _languages_with_forms()
    # An article's title and body are scanned with its language's automaton.
    groups = [language if language in with_forms else "" for language in languages] * 2
    parts = [(spans.doc, spans.start, spans.end, spans.payload, spans.form)
             for _, spans in find_spans_by_group(
                 texts, groups, lambda language: _language_automaton(language) if language
                 else automaton, joined, encoded)]
    text, start, end, payload, form = (np.concatenate(column)
                                       for column in zip(*parts, strict=True))
    if len(parts) > 1:  # one group's spans are in order already
        order = np.lexsort((start, text))
        text, start, end, payload, form = (
            text[order], start[order], end[order], payload[order], form[order])
    return _Candidates(text, start, end, payload, entries.code[payload], entries.kind[payload],
                       np.zeros(len(text), dtype=np.int8), form, np.zeros(len(text), dtype=bool))


def _narrow(mask: np.ndarray, holds: Callable[[int], bool]) -> np.ndarray:
    """``mask`` where ``holds(i)`` is true too: the per-candidate test in Python runs only
    where the array test passed."""
    narrowed = np.zeros_like(mask)
    where = np.flatnonzero(mask)
    narrowed[where] = [holds(i) for i in where.tolist()]
    return narrowed


def _narrow_at(mask: np.ndarray, holds_at: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``mask`` where the array test ``holds_at`` (given the indices where ``mask`` holds)
    is true too."""
    narrowed = np.zeros_like(mask)
    where = np.flatnonzero(mask)
    narrowed[where] = holds_at(where)
    return narrowed


def _flags(values: Iterator[bool], n: int) -> np.ndarray:
    return np.fromiter(values, bool, n)


def _capitalised_non_title(word: str | None) -> bool:
    return word is not None and word[0].isupper() and word not in _STOP_CAPITALISED


class _Made(list):
    """Words of candidates (None where there is none), and where the words are (``at``, in
    order) with the words there (``strings``): most are None."""

    def __init__(self, words: list[str | None], at: np.ndarray, strings: list[str]):
        super().__init__(words)
        self.at, self.strings = at, strings


class _Words:
    """Candidates' words, for tests run once per distinct word: the neighbours of a batch's
    candidates are mostly the same few hundred words."""

    def __init__(self, words: _Made):
        # Each word's id is the position it was first seen at (a C loop over the words, not
        # the Nones, which are all the first None's).
        nones = np.ones(len(words), dtype=bool)
        nones[words.at] = False
        first_seen: dict[str | None, int] = {}
        if nones.any():
            first_seen[None] = int(np.argmax(nones))
        self.ids = np.full(len(words), first_seen.get(None, 0), dtype=np.intp)
        self.ids[words.at] = np.fromiter(map(first_seen.setdefault, words.strings,
                                             words.at.tolist()), np.intp, len(words.at))
        self.words, self.distinct = words, first_seen

    def test(self, *tests: Callable[[str | None], bool]) -> list[np.ndarray]:
        """Each test's result for each candidate."""
        at = np.fromiter(self.distinct.values(), np.intp, len(self.distinct))
        results = []
        for test in tests:
            result = np.zeros(len(self.words), dtype=bool)
            result[at] = np.fromiter(map(test, self.distinct), bool, len(self.distinct))
            results.append(result[self.ids])
        return results


def _word_tests(words: _Made, *tests: Callable[[str | None], bool]) -> list[np.ndarray]:
    return _Words(words).test(*tests)


def _in_organisation_names(next_words: _Words, candidates: np.ndarray,
                           neighbours: _Neighbours) -> np.ndarray:
    """Which candidates are part of the name of an organisation or event: an organisation word
    next ("Air France Group"), or after capitalised words that are not titles ("Chinese
    Communist Party", not "French President Macron's Party"); or a name that ends in the place
    ("Air Canada", "Reserve Bank of India")."""
    org_word, capitalised = next_words.test(ORG_WORDS.__contains__, _capitalised_non_title)
    inside = candidates & org_word
    # A capitalised word that is not a title next: the organisation word may come one or two
    # words later.
    capitalised_next = np.flatnonzero(candidates & ~inside & capitalised)
    second, third = neighbours.second_and_third_words(capitalised_next)
    org_second, capitalised_second = _word_tests(second, ORG_WORDS.__contains__,
                                                 _capitalised_non_title)
    (org_third,) = _word_tests(third, ORG_WORDS.__contains__)
    inside[capitalised_next] = org_second | (capitalised_second & org_third)
    led = _narrow_at(candidates & ~inside, lambda at: neighbours.ends_before(at, _ORG_LEADS))
    # After "of", only an organisation's word before it makes it a name ("Bank of India",
    # not "the people of India").
    after_of = np.flatnonzero(_narrow_at(led, lambda at: neighbours.ends_before(at, (" of ",))))
    led[after_of] = _word_tests(neighbours.word_before(after_of, -3), ORG_WORDS.__contains__)[0]
    return inside | led


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
    # Only the entries an article has as a person are read again there: one name is one form,
    # and one form one entry (all the candidates of those articles: 3.3 ms a LGL batch, not
    # 2.4).
    doc_entry = doc * (int(found.payload.max()) + 1) + found.payload
    at = np.flatnonzero(eligible)  # fewer than all: the entries are looked up among them
    at = at[np.isin(doc_entry[at], doc_entry[marked])]
    names = list(zip(doc[at].tolist(), _surfaces(found[at], texts), strict=True))
    people = {name for name, person in zip(names, marked[at].tolist(), strict=True) if person}
    marked = marked.copy()
    marked[at] |= np.fromiter(map(people.__contains__, names), bool, len(names))
    return marked


def _surfaces(found: _Candidates, texts: list[str]) -> list[str]:
    """The candidates as written: the form matched, but where it has a space a line break or
    tab may stand in the text (slicing every text cost more than the rules that read them)."""
    surface = found.form.tolist()
    # Which forms have a space, by their entry (1.35 ms a LGL batch, 1.9 testing every form).
    spaced = np.flatnonzero(_matcher()[1].spaced[found.payload])
    for i, text, start, end in zip(spaced.tolist(), found.text[spaced].tolist(),
                                   found.start[spaced].tolist(), found.end[spaced].tolist(),
                                   strict=True):
        surface[i] = texts[text][start:end]
    return surface


def _apply_rules(found: _Candidates, texts: list[str], n_titles: int,
                 languages: list[str | None], joined: str) -> _Candidates:
    """Person, organisation, language and currency rules; all on neighbouring words, read
    only for the candidates a rule applies to. In languages that capitalise every noun
    (German: "die Stadt Wien"), only a capitalised neighbour that is not a word of the language
    makes a person's name."""
    _, entries = _matcher()
    rule = {name: entries.rule[name][found.payload]
            for name in ("person", "language", "after_comma", "attributive")}
    neighbours = _Neighbours(texts, joined, found)
    span = neighbours.span  # (text, start, end) of a candidate
    org_able = _kind_is(found.kind, "name", "demonym", "capital", "city", "region")
    currency_able = _kind_is(found.kind, "name", "demonym")
    in_body = found.text >= n_titles
    # A name that says itself what kind of place it is ("Harris County", "Rapides Parish") is
    # no person's name: a capitalised word after it names an institution ("Harris County
    # Clerk's office").
    divisions = entries.is_county[found.payload]
    # A town's German adjective ("die Wiener Polizei") is nobody's name.
    towns_or_regions = _kind_is(found.kind, "city", "region")
    person_like = ~divisions & ~rule["attributive"] & (
        rule["person"] | (towns_or_regions & in_body))
    # A capital after a given name in an English body is a surname ("Lewis Hamilton", "Martha
    # Washington", "John Kingston").
    english = _flags((language == "en" for language in languages),
                     len(languages))[found.text % n_titles]
    capital_in_body = _kind_is(found.kind, "capital") & in_body & english & ~person_like
    language_like = rule["language"]
    # The rules test capitalised neighbours, but lower-case ones too next to languages
    # ("in French", "French and") and currency units ("Swiss franc").
    currencies = currency_words()
    next_words = neighbours.next_words(org_able | person_like | language_like,
                                       any_case=language_like, lower_case=frozenset(currencies))
    previous_words = neighbours.previous_words(person_like | language_like | capital_in_body,
                                               any_case=language_like)
    not_blocking = _not_blocking_words()

    def blocking(word: str | None) -> bool:
        # A capitalised neighbour that could be a name: not an acronym ("BBC Scotland", "the
        # Edinburgh MSP"), a function word or a place.
        return (word is not None and word[0].isupper() and not word.isupper()
                and word not in not_blocking)

    next_distinct = _Words(next_words)
    into_org = _in_organisation_names(next_distinct, org_able, neighbours)
    # "Swiss franc", "U.S. dollars", "US$": currency wording, not a mention of the country (the
    # unit in lower or upper case, so "German Mark Weber" is still German).

    def unit(word: str | None) -> str | None:
        return word.lower() if word is not None and word.isupper() else word

    def blocking_name_part(word: str | None) -> bool:
        return blocking(word) and is_name_part(word)

    (blocking_next, unit_next, one_letter_next, noun_next, capitalised_next,
     street_next, name_part_next) = next_distinct.test(
        blocking, lambda w: unit(w) in currencies,
        lambda w: w is not None and len(w) == 1,
        # A noun follows: "French army", not "French and", "Spanish.".
        lambda w: bool(w and w[0].islower() and w not in _STOPWORD_SET),
        lambda w: bool(w and w[0].isupper()), STREET_WORDS.__contains__, blocking_name_part)
    found.street = street_next & _kind_is(found.kind, "name", "capital", "city", "region")
    into_org |= divisions & blocking_next
    (blocking_previous, cue_previous, title_previous, given_name_previous,
     name_part_previous) = _word_tests(
        previous_words, blocking, lambda w: w is not None and w.lower() in LANGUAGE_CUES,
        lambda w: w in PERSON_TITLES or _is_initial(w),
        lambda w: blocking(w) and is_given_name(w), blocking_name_part)
    no_previous = ~neighbours.has_previous
    currency = _narrow_at(currency_able, lambda at: neighbours.character_after(at, "$"))
    currency |= _narrow(currency_able & ~currency & unit_next,  # "US$5 million", "HK$"
                        lambda i: found.code[i] in currencies[unit(next_words[i])])
    # "speaks French", "in Spanish": the language.
    language = language_like & cue_previous & ~noun_next

    # A capitalised neighbour. In a language that capitalises every noun, only one the
    # language's dictionary does not know, or knows as a name, is a name ("Alexandra
    # Böckelmann", "Paulo Miranda", not "die Stadt Wien").
    named_neighbour = person_like & (blocking_next | blocking_previous)
    noun_capitalising = _flags((language in NOUN_CAPITALISING for language in languages),
                               len(languages))[found.text % n_titles]

    @cache
    def known(word: str, language: str) -> bool:
        return simplemma.is_known(word, lang=language)

    def a_blocking_neighbour(i: int, holds: Callable[[str], bool]) -> bool:
        """Whether a capitalised neighbour of candidate ``i`` that blocks is one ``holds``."""
        return any(blocking(word) and holds(word)
                   for word in (next_words[i], previous_words[i]))

    def unknown_to_the_language(i: int) -> bool:
        language = languages[span(i)[0] % n_titles]
        # A name German knows is a proper noun of its dictionary ("Paulo Miranda").
        return a_blocking_neighbour(i, lambda word: not known(word, language)
                                    or (language == "de" and word in proper_nouns()))

    named_neighbour &= ~noun_capitalising | _narrow(named_neighbour & noun_capitalising,
                                                    unknown_to_the_language)
    # A US state beside a capitalised word in English is a person's name only where that word
    # can be one ("Virginia Woolf", "Georgia May"); else an institution of the state follows
    # ("the Ohio Supreme Court", "the Kentucky Transportation Cabinet").
    us_state = _kind_is(found.kind, "region") & (found.code == "US") & english
    # So is a town followed by one: its institutions follow it ("Feltham Magistrates' Court",
    # "Paris Policemen"), a person's name part follows a name ("Chelsea Clinton").
    town = towns_or_regions & in_body & ~rule["person"] & english & ~us_state

    # (A test of each distinct word: a batch's neighbours are mostly the same few hundred.)
    beside_names = named_neighbour & (name_part_next | name_part_previous)
    followed = named_neighbour & town & blocking_next & ~blocking_previous
    before_names = followed & name_part_next
    institution_next = (named_neighbour & us_state & ~beside_names) | (followed & ~before_names)
    named_neighbour &= ~institution_next
    # Unless one sense per article makes it a person (below: "the Bush Presidency" beside
    # "President Bush").
    institution = institution_next & blocking_next
    # A title or an initial: "President Bush", "Capt. Nelson"; "George W Bush" (an initial
    # next, which is all _INITIAL_AFTER reads), "Roy A. Nelson" (no word before but an
    # initial with its stop).
    unnamed = person_like & ~named_neighbour

    def initial_after(i: int) -> bool:
        text, _, end = span(i)
        return bool(_INITIAL_AFTER.match(texts[text], end))

    def initial_before(i: int) -> bool:
        text, start, _ = span(i)
        return bool(_INITIAL_BEFORE.search(texts[text], max(0, start - 24), start))

    initialled = _narrow(unnamed & one_letter_next, initial_after)
    may_be_initialled = _narrow_at(unnamed & ~initialled & no_previous,
                                   neighbours.may_follow_an_initial)
    initialled |= _narrow(may_be_initialled, initial_before)
    titled = unnamed & ~initialled & ~no_previous & title_previous
    person = named_neighbour | initialled | titled | (capital_in_body & given_name_previous)
    person_everywhere = _same_name_everywhere(person & ~into_org, found, texts, n_titles,
                                              person_like)
    # A person in the body is that person in the title too, where capitals start every word
    # ("Bush budget seeks deep cutbacks" over "President Bush said": Bush, Egypt), when a title,
    # an initial or a name part beside it says so; not a capitalised word of a place's
    # institution ("Downtown Cleveland Alliance").
    surely_a_person = titled | initialled | beside_names
    person = person_everywhere | _same_name_everywhere(
        surely_a_person & ~into_org, found, texts, n_titles,
        surely_a_person | (towns_or_regions & ~in_body))
    into_org |= institution & ~person
    # "St. George", "Saint Paris": a saint, or a place named after one, not that place.
    saint = _narrow_at(_kind_is(found.kind, "capital", "city", "region"),
                       lambda at: neighbours.ends_before(at, _SAINTS))
    # Dateline abbreviations ("SANTA CRUZ, Calif.") only count right after a comma.
    stray_abbreviation = _narrow_at(rule["after_comma"],
                                    lambda at: ~neighbours.previous_character_is(at, ","))
    # A town's German adjective counts before the noun it describes ("die Wiener Polizei"),
    # which German capitalises; "Wiener" alone is also a sausage.
    not_attributive = rule["attributive"] & ~capitalised_next
    found.kind = np.where(into_org, KINDS.index("org"), found.kind).astype(np.int8)
    return found[~(person & ~into_org) & ~language & ~stray_abbreviation & ~currency & ~saint
                 & ~not_attributive]


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
                    counties: _Candidates, decisions: list | None,
                    languages: list[str | None], site_countries: list[str | None] | None
                    ) -> _Candidates:
    """Names of several places read with the article's context, and towns below the city cut
    kept only where the article supports them (transforms.places)."""
    _, entries = _matcher()
    key, needs_support = entries.key[found.payload], entries.needs_support[found.payload]
    found.code, found.kind, found.resolved = places.resolve(
        texts, found.text, found.start, found.end, found.code, found.kind, key, n_titles,
        (counties.text, entries.key[counties.payload]), needs_support, decisions,
        site_countries)
    english = np.array([language == "en" for language in languages], dtype=bool)
    keep, found.code, found.resolved = places.supported_towns(
        found.text % n_titles, key, found.code, found.kind, found.resolved, needs_support,
        english[found.text % n_titles], site_countries)
    return found[keep]


def find_mentions(docs: pl.DataFrame, decisions: list | None = None) -> pl.DataFrame:
    """Every country mention in ``docs`` (doc_id, title, body; lang if known, else it is
    identified here; site if known, whose country counts as named: transforms.sites): one row
    per mention. Forms of one language ("Frankreich", "chinesischen")
    count only in articles of that language.

    Offsets are character offsets into the field (title or body) the mention is in. The
    choices between places of one name are appended to ``decisions`` when given
    (places.resolve), the article being its row in ``docs``.
    """
    if docs.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    # Titles and bodies are scanned as one batch: text i < n is title i, text n + i body i.
    n = docs.height
    batch_texts = pl.concat([docs[name].cast(pl.Utf8).fill_null("").alias("text")
                             for name in ("title", "body")])
    texts = batch_texts.to_list()
    # Identified from the body, as ingest does, where the articles do not say.
    languages = docs["lang"].to_list() if "lang" in docs.columns else languages_of(texts[n:])
    site_countries = (list(map(site_country, docs["site"].to_list())) if "site" in docs.columns
                      else None)
    joined = "\x00".join(texts)  # scanned, and read for the words next to mentions
    # Joined by Polars, which holds them in UTF-8 already: encoding ``joined`` cost 4 ms a
    # LGL batch.
    encoded = batch_texts.str.join("\x00").cast(pl.Binary).item()
    candidates = _candidates(texts, languages, joined, encoded)
    # US counties as written, before a rule reads one as part of a longer name ("Edgar County
    # Special Education"): no person is called that, and they still place the article's towns.
    _, entries = _matcher()
    counties = candidates[entries.is_county[candidates.payload]]
    found = _apply_rules(candidates, texts, n, languages, joined)
    found = _resolve_places(_apply_document_rules(found, texts, n), texts, n, counties,
                            decisions, languages, site_countries)
    found = found[(found.code != "") & ~found.street]
    # By doc_id, then title before body, then offset (a sort in NumPy: cheaper than in Polars
    # for the small frames of a batch).
    doc_ids = docs["doc_id"].to_numpy()
    doc_rank = np.argsort(np.argsort(doc_ids, kind="stable"), kind="stable")
    found = found[np.lexsort((found.start, found.text >= n, doc_rank[found.text % n]))]
    surface = _surfaces(found, texts)
    # Columns of few values are gathered from them in Polars, not built string by string.
    return pl.DataFrame(
        {
            "doc_id": docs["doc_id"].gather(found.text % n),
            "country": found.code.tolist(),
            "kind": pl.Series(KINDS).gather(found.kind.astype(np.int64)),
            "surface": surface,
            "start": found.start,
            "end": found.end,
            "field": pl.Series(["title", "body"]).gather((found.text >= n).astype(np.int64)),
            "resolved_by": pl.Series(places.RESOLUTIONS).gather(found.resolved.astype(np.int64)),
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
    rolled = focus.rolled_up(mentions, docs)
    return rolled.with_columns(focus.is_focus(rolled, max_focus)).select(
        "doc_id", "country", "mentions", "kinds", "is_focus", "focus_score"
    ).sort("doc_id", "country")
