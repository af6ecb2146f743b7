"""Place names read with their article's context (transforms.places, through find_mentions)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from transforms.countries import find_mentions
from transforms.gazetteer import KINDS
from transforms.places import RESOLUTIONS, qualifier_at, readings, supported_towns


def resolved(*bodies: str) -> list[set[tuple[str, str, str]]]:
    """Per article: (surface, country, resolved_by) of every mention."""
    docs = pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(bodies))],
                         "title": [""] * len(bodies), "body": list(bodies)})
    found = find_mentions(docs)
    return [set(found.filter(pl.col("doc_id") == f"d{i}")
                .select("surface", "country", "resolved_by").iter_rows())
            for i in range(len(bodies))]


def test_readings_hold_every_place_of_a_name_most_populous_first():
    paris = readings()["paris"]
    assert paris[0].code == "FR"
    assert {("US", "KY"), ("US", "TX"), ("CA", "08")} <= {(r.code, r.admin1) for r in paris}
    assert [r.population for r in paris] == sorted((r.population for r in paris), reverse=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("Paris, Ky., officials", ("US", "KY", False, "Ky.", 7)),
    ("London, Ontario police", ("CA", "", False, "Ontario", 8)),
    ("LONDON, ONTARIO (AP)", ("CA", "", False, "ONTARIO", 8)),
    ("Athens, Greece.", ("GR", "", False, "Greece.", 8)),
    ("Paris, TX and", ("US", "TX", False, "TX", 7)),
    ("Paris, Texas, Lyon and Nice", ("US", "TX", True, "Texas", 7)),
    ("Paris, where", None),
])
def test_qualifiers_are_states_provinces_or_countries_after_a_comma(text, expected):
    assert qualifier_at(text, text.index(",")) == expected


def test_a_qualifier_decides_and_holds_for_the_whole_article():
    first, second = resolved("PARIS, Ky. (AP) - The mayor of Paris said roads were closed.",
                             "The mayor of Paris said roads were closed.")
    assert ("Paris", "US", "qualifier") in first
    assert not any(country == "FR" for _, country, _ in first)
    assert second == {("Paris", "FR", "prior")}


def test_a_state_or_county_named_elsewhere_picks_the_town_there():
    kentucky, county, abroad = resolved(
        "Officials in Paris said Kentucky roads were closed.",
        "The London man was arrested by Laurel County deputies.",
        "The Ohio senator flew to Paris for the talks.")
    assert ("Paris", "US", "context") in kentucky
    assert ("London", "US", "context") in county  # London, Ky. is in Laurel County
    # No Paris in Ohio: the capital stands, though the article names a US state.
    assert ("Paris", "FR", "prior") in abroad


def test_a_country_named_elsewhere_moves_a_city_only_outside_the_us():
    england, us, capital = resolved(
        "Police in Newcastle said the driver was hurt in England.",
        "Police in Athens said the driver was hurt. United States",
        "A London-based think tank studies U.S.-Canada trade.")
    assert ("Newcastle", "GB", "context") in england  # the default is Newcastle, Australia
    assert ("Athens", "GR", "prior") in us  # US readings need their state
    assert ("London", "GB", "prior") in capital  # capitals need a qualifier or a state


def test_a_list_of_places_is_not_a_qualifier_unless_the_place_lies_there():
    (found,) = resolved("Flights to Tokyo, Georgia and Armenia resumed.")
    assert ("Tokyo", "JP", "name") in found


def test_a_surname_once_is_a_surname_throughout():
    (found,) = resolved("Capt. Roy A. Nelson said the music was loud. Later, Nelson said.")
    assert not any(surface == "Nelson" for surface, _, _ in found)


def test_local_institutions_keep_their_place_as_an_organisation():
    (found,) = resolved("Both were lodged in the Laurel County Detention Center.")
    assert ("Laurel County", "US", "name") in found


def test_a_place_named_after_a_saint_however_written_and_only_with_support():
    russia, minnesota, church = resolved(
        "The Hermitage in St. Petersburg reopened, Russian officials said.",
        "A man from St. Paul was charged, Minnesota police said.",
        "A bomb hit the church of St. Peter and St. Paul in Cairo.")
    assert ("St. Petersburg", "RU", "prior") in russia  # Saint Petersburg, not Florida's
    assert ("St. Paul", "US", "prior") in minnesota
    assert not any(surface == "St. Paul" for surface, _, _ in church)


def test_a_county_named_as_such_is_no_persons_name():
    (found,) = resolved("She is a deputy clerk in the Harris County Clerk's office.")
    assert ("Harris County", "US", "name") in found


def test_a_state_inside_an_institutions_name_still_places_the_towns():
    (found,) = resolved("Officials in Athens said the Ohio State Highway Patrol closed the road.")
    assert ("Athens", "US", "context") in found


def test_a_saint_is_not_the_place():
    (found,) = resolved("The St. George parish and Saint Paris church.")
    assert not {surface for surface, _, _ in found} & {"George", "Paris"}


def test_a_list_of_countries_is_not_a_place_and_its_country():
    tariffs, summit, strikes, dateline = resolved(
        "Trump threatened tariffs on China, Mexico and Canada.",
        "Leaders of China, Japan and South Korea met. China said talks went well.",
        "Israel struck Lebanon, Syria. Lebanon's government protested.",
        "BERLIN, DE - Siemens said orders rose.")
    assert ("China", "CN", "name") in tariffs
    assert {country for surface, country, _ in summit if surface == "China"} == {"CN"}
    assert {country for surface, country, _ in strikes if surface == "Lebanon"} == {"LB"}
    assert ("BERLIN", "DE", "prior") in dateline


def test_a_sentence_starting_with_a_is_not_an_initial():
    texas, war, aggies = resolved("A Texas man was arrested on Monday. Texas police said.",
                                  "After World War I. Kentucky troops came home.",
                                  "Texas A&M won the game.")
    assert {surface for surface, _, _ in texas} == {"Texas"}
    assert ("Kentucky", "US", "name") in war
    assert ("Texas", "US", "name") in aggies


def test_a_person_named_after_a_state_places_no_town():
    williams, jones = resolved("Tennessee Williams spent his last summers in Paris.",
                               "Indiana Jones first appears in Peru.")
    assert ("Paris", "FR", "prior") in williams
    assert ("Peru", "PE", "name") in jones


def test_english_county_councils_are_not_us_counties():
    (found,) = resolved("Essex County Council said Colchester roads were closed.")
    assert not any(country == "US" for _, country, _ in found)


def test_german_nouns_next_to_a_city_do_not_make_it_a_person():
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""], "lang": ["de"], "body": [
        "Die ukrainische Hauptstadt Kiew wurde angegriffen. In Kiew fiel der Strom aus. "
        "Die Stadt Wien teilte mit, dass die Polizei in Wien ermittelt."]})
    found = find_mentions(docs).filter(pl.col("kind") != "demonym")
    assert found["surface"].to_list() == ["Kiew", "Kiew", "Wien", "Wien"]


def test_a_state_named_elsewhere_does_not_move_a_countrys_name():
    (found,) = resolved("Missouri farmers sell more pork to Mexico.")
    assert ("Mexico", "MX", "name") in found


def test_a_county_of_the_state_moves_a_countrys_name():
    (found,) = resolved("A Palestine man was sentenced, said the district attorney for "
                        "Anderson County.")
    assert ("Palestine", "US", "context") in found


def test_a_state_written_as_a_qualifier_is_the_us_state():
    (found,) = resolved("Police in Athens, Georgia, said the road was closed.")
    assert found == {("Athens", "US", "qualifier"), ("Georgia", "US", "qualifier")}


def test_a_town_below_the_city_cut_counts_only_with_support():
    elsewhere, near, qualified, country_named, alone, word = resolved(
        "Officials in Schaumburg met visitors from Berlin on Tuesday.",
        "Officials in Schaumburg and Northbrook approved the budget.",
        "A man from Schaumburg, Ill., was arrested.",
        "Schaumburg is one of the suburbs in the United States that grew fastest.",
        "Officials in Schaumburg approved the budget on Tuesday.",  # no other place named
        "The March meeting was postponed.",  # March, Cambridgeshire: an English word
    )
    assert elsewhere == {("Berlin", "DE", "prior")} and word == set()
    assert alone == {("Schaumburg", "US", "name")}
    assert near == {("Schaumburg", "US", "context"), ("Northbrook", "US", "context")}
    assert ("Schaumburg", "US", "name") in qualified  # one reading: its state is support
    assert ("Schaumburg", "US", "name") in country_named


def test_a_town_alone_in_its_article_counts_only_where_the_town_cut_knows_the_words():
    town = dict(doc=np.array([0]), key=np.array(["schaumburg"], dtype=object),
                code=np.array(["US"], dtype=object), kind=np.array([KINDS.index("city")]),
                resolved=np.array([RESOLUTIONS.index("name")], dtype=np.int8),
                needs_support=np.array([True]))
    assert supported_towns(**town, words_checked=np.array([True]))[0].tolist() == [True]
    assert supported_towns(**town, words_checked=np.array([False]))[0].tolist() == [False]


def test_a_name_of_several_places_reads_as_the_one_in_its_sites_country():
    body = "Fans queued for hours outside the ground in Newcastle on Saturday before the match."
    docs = pl.DataFrame({"doc_id": ["uk", "au", "com", "none"], "title": [""] * 4,
                         "body": [body] * 4,
                         "site": ["chroniclelive.co.uk", "smh.com.au", "example.com", None]})
    found = find_mentions(docs).select("doc_id", "country", "resolved_by").rows()
    assert found == [("au", "AU", "prior"), ("com", "AU", "prior"), ("none", "AU", "prior"),
                     ("uk", "GB", "context")]


def test_a_sites_country_supports_a_town_only_where_the_town_cut_knows_the_words():
    # Three articles, each naming the town and Berlin: the town is not alone in any of them.
    town_and_berlin = dict(
        doc=np.array([0, 0, 1, 1, 2, 2]),
        key=np.array(["schaumburg", "berlin"] * 3, dtype=object),
        code=np.array(["US", "DE"] * 3, dtype=object),
        kind=np.array([KINDS.index("city"), KINDS.index("capital")] * 3),
        resolved=np.array([RESOLUTIONS.index("name"), RESOLUTIONS.index("prior")] * 3,
                          dtype=np.int8),
        needs_support=np.array([True, False] * 3))
    keep, _, _ = supported_towns(**town_and_berlin, words_checked=np.array([True, True] * 2
                                                                            + [False] * 2),
                                 site_countries=["US", None, "US"])
    # Its country's site, no site, its country's site in a language the town cut does not check.
    assert keep[::2].tolist() == [True, False, False]


def test_a_town_named_after_a_country_hides_no_country_and_a_country_supports_no_town():
    guatemala, armenia = resolved(
        "Tourists visited Antigua Guatemala last year.",
        "Armenia and Azerbaijan signed a deal; Sonsonate is quiet.",  # an Armenia lies near it
    )
    assert guatemala == {("Guatemala", "GT", "name")}
    assert {country for _, country, _ in armenia} == {"AM", "AZ"}


def test_nearest_countries_as_town_by_town():
    """_nearest_countries (all towns in one NumPy pass) finds for each town what comparing its
    readings with the other names' places one town at a time finds."""
    import random

    import numpy as np

    from transforms.places import _nearest_countries

    rng = random.Random(3)
    located = {f"k{i}": (np.array(rng.choices(["US", "CA", "GB", "DE"], k=n), dtype=object),
                         np.radians([(rng.uniform(-60, 60), rng.uniform(-170, 170))
                                     for _ in range(n)]))
               for i, n in enumerate(rng.choices(range(1, 5), k=30))}
    names = {d: set(rng.sample(sorted(located), rng.randint(2, 8))) for d in range(12)}
    towns = [(d, k) for d, held in names.items() for k in sorted(held)[:3]]
    for (d, k), (km, country) in zip(towns, _nearest_countries(towns, names, located),
                                     strict=True):
        codes, here = located[k]
        there = np.concatenate([located[o][1] for o in sorted(names[d] - {k})])
        lat1, lon1, lat2, lon2 = here[:, None, 0], here[:, None, 1], there[:, 0], there[:, 1]
        h = (np.sin((lat2 - lat1) / 2) ** 2
             + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
        distance = 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
        nearest = np.unravel_index(np.argmin(distance), distance.shape)
        assert km == pytest.approx(float(distance[nearest]), rel=1e-12)
        assert country == codes[nearest[0]]


def test_near_each_as_name_by_name():
    """_near_each (all pairs of names in one NumPy pass, by id) finds near the countries that
    comparing each name's places with the other names' places one name at a time finds (a
    name among its article's names is not near itself)."""
    import random

    import numpy as np

    from transforms.place_model import NEAR_KM
    from transforms.places import _flat, _ids_of_countries, _km, _near_each

    rng = random.Random(5)
    # Places within a few hundred km of each other, so some are near and some are not.
    located = {f"k{i}": (np.array(rng.choices(["US", "CA", "GB", "DE"], k=n), dtype=object),
                         np.radians([(rng.uniform(40, 50), rng.uniform(-10, 10))
                                     for _ in range(n)]))
               for i, n in enumerate(rng.choices(range(1, 5), k=30))}
    names = sorted(located)
    asked = [(rng.choice(names + ["unknown"]), set(rng.sample(names, rng.randint(0, 4))))
             for _ in range(40)]
    countries = ["US", "CA", "GB", "DE", "FR"]  # no place is in France
    option_of = np.repeat(np.arange(len(asked)), len(countries))
    flat = _flat(located)
    # Each asked name in an article of its own, which names its other names.
    named = np.unique([a * len(flat.ids) + flat.ids[other]
                       for a, (_, others) in enumerate(asked) for other in others])
    name_ids = np.array([flat.ids.get(name, -1) for name, _ in asked])
    country_ids = _ids_of_countries(countries * len(asked))
    found = _near_each(name_ids, np.arange(len(asked)), named, option_of, country_ids, flat)
    assert found.any() and not found.all()
    for a, (name, names) in enumerate(asked):
        others, expected = names - {name}, set()
        if name in located and others:
            codes, here = located[name]
            there = np.concatenate([located[o][1] for o in sorted(others)])
            nearest = _km(here[:, None], there[None, :]).min(axis=1)
            expected = set(codes[nearest <= NEAR_KM].tolist())
        assert {c for c, near in zip(countries, found[option_of == a], strict=True)
                if near} == expected


def test_a_capital_written_as_a_local_town_is_another_place_of_its_name():
    council, school, age, abroad = resolved(
        "The Athens City Council met on Wednesday. Since 1996, Athens has had few contested"
        " races.",
        "Tuition to Paris High School was more than expected, Paris officials said.",
        "Jessica Kay, 18, of Paris died Saturday in a hospital.",
        "London Mayor Sadiq Khan spoke at the London School of Economics.")
    # The institution and the town are one choice: one reading.
    assert {country for surface, country, _ in council} == {"US"}
    assert {country for surface, country, _ in school} == {"US"}
    assert {country for surface, country, _ in age} == {"US"}
    assert {country for surface, country, _ in abroad if surface == "London"} == {"GB"}


def test_a_town_that_needs_support_places_a_homonym_near_it():
    # Hertford (a town below the city cut) is no evidence of England on its own, but it lies
    # 20 km from London's Edmonton: the two names read each other, and Edmonton is not
    # Alberta's; without it the prior (Alberta, a million people) stands.
    near, alone = resolved(
        "Pupils from an Edmonton school planted flowers by the Hertford Road allotments.",
        "Pupils from an Edmonton school planted flowers by the allotments.",
    )
    assert ("Edmonton", "GB", "context") in near
    assert alone == {("Edmonton", "CA", "prior")}


def test_a_town_too_small_to_be_a_reading_counts_in_a_state_the_article_names():
    # Edmonton, Kentucky (1,600 people) is no reading of its own; beside "Glasgow, Ky." it is
    # the Edmonton meant. A capital does not move so: Dublin, Texas is smaller than Dublin.
    kentucky, texas, abroad = resolved(
        "GLASGOW, Ky. - A driver from Edmonton was not injured.",
        "Texas firms opened offices in Dublin this year.",
        "A driver from Edmonton was not injured.",
    )
    assert ("Edmonton", "US", "context") in kentucky
    assert ("Dublin", "IE", "prior") in texas
    assert ("Edmonton", "CA", "prior") in abroad


def test_a_region_of_another_country_counts_only_with_support():
    # ISO 3166-2's "Northland" and "Red Sea" are also malls and a sea: without their country
    # (or a place near them) they are no mention; a region's name a big city bears is the city.
    mall, region, sea, city = resolved(
        "Shoppers filled the Northland mall in Columbus, Ohio, on Friday.",
        "Farmers in Northland say New Zealand's drought is the worst in decades.",
        "Ships crossing the Red Sea were rerouted, Canada's navy said.",
        "Fans from Canada flew to Rio de Janeiro for the Games.",
    )
    assert {country for _, country, _ in mall} == {"US"}
    assert ("Northland", "NZ", "name") in region
    assert {country for _, country, _ in sea} == {"CA"}
    assert ("Rio de Janeiro", "BR", "name") in city


def test_a_us_state_beside_a_word_that_is_no_name_is_its_institution():
    court, cabinet, actress, writer = resolved(
        "The Ohio Supreme Court ruled on Monday.",
        "Officials at the Kentucky Transportation Cabinet closed the road.",
        "The actress Dakota Johnson spoke.",
        "Virginia Woolf wrote it.",
    )
    assert court == {("Ohio", "US", "name")} and cabinet == {("Kentucky", "US", "name")}
    assert actress == set() and writer == set()
