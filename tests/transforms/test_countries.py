import polars as pl
import pytest

from tests.conftest import DATA, needs
from transforms.countries import article_countries, find_mentions


def mentions_of(body: str, title: str = "") -> pl.DataFrame:
    return find_mentions(pl.DataFrame({"doc_id": ["d"], "title": [title], "body": [body]}))


def codes(body: str, title: str = "") -> set[str]:
    return set(mentions_of(body, title)["country"].to_list())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Kremlin said Moscow would respond.", {("RU", "capital")}),
        ("Tajik and Kazakh officials met.", {("TJ", "demonym"), ("KZ", "demonym")}),
        ("Floods hit Xinjiang and Texas.", {("CN", "region"), ("US", "region")}),
        ("Prices rose in Shanghai and Houston.", {("CN", "city"), ("US", "city")}),
        ("The Bank of Japan held rates.", {("JP", "org")}),
        ("Talks with the U.S. and the UK resumed.", {("US", "name"), ("GB", "name")}),
        ("The Soviet Union and Yugoslavia signed.", {("SU", "name"), ("YU", "name")}),
    ],
)
def test_kinds(text, expected):
    found = set(mentions_of(text).select("country", "kind").iter_rows())
    assert found == expected


def test_us_is_not_us():
    assert codes("Let us see what the US does.") == {"US"}


def test_common_nouns_and_people_are_not_countries():
    assert codes("We ate turkey on fine china. Michael Jordan scored.") == set()


def test_georgia_is_the_us_state_when_the_article_is_about_the_us():
    assert codes("Voters in Georgia and Atlanta went to the polls.") == {"US"}
    assert codes("Georgia and Armenia signed a pact.") == {"GE", "AM"}


def test_language_names_are_not_demonyms():
    assert codes("She speaks French and translated it from Spanish.") == set()
    assert codes("The French army moved.") == {"FR"}


def test_brussels_meaning_the_eu_is_not_belgium():
    assert codes("Brussels said the EU would act.") == set()
    assert codes("Brussels and Antwerp were flooded.") == {"BE"}


def test_name_split_by_a_line_break_and_offsets():
    body = "Trade with the United\nStates grew."
    row = mentions_of(body).row(0, named=True)
    assert row["country"] == "US" and body[row["start"]:row["end"]] == "United\nStates"


def test_niger_and_nigeria_and_the_guineas():
    assert codes("Niger, Nigeria, Guinea-Bissau and Papua New Guinea.") == {"NE", "NG", "GW", "PG"}


def test_focus_weighs_title_and_lead():
    docs = pl.DataFrame({
        "doc_id": ["d"], "title": ["Tajikistan holds drills"],
        "body": ["Tajikistan and China agreed. " + "Filler sentence here. " * 40 + "France too."],
    })
    rolled = article_countries(find_mentions(docs), docs)
    focus = set(rolled.filter("is_focus")["country"].to_list())
    assert "TJ" in focus and "FR" not in focus


def test_focus_ties_go_to_the_countries_named_first():
    body = "Chile, Peru, Brazil and Mexico signed. " + "Filler sentence here. " * 30
    docs = pl.DataFrame({"doc_id": ["d"], "title": ["Four nations sign"], "body": [body]})
    named = ["CL", "PE", "BR", "MX"]
    chosen = set()
    for _ in range(5):  # group order varies from run to run; the focus must not
        rolled = article_countries(find_mentions(docs), docs)
        chosen.add(tuple(sorted(rolled.filter("is_focus")["country"].to_list(), key=named.index)))
    (focus,) = chosen
    assert focus and focus == tuple(named[:len(focus)])


def test_case_forms_and_a_lower_case_article_does_not_hide_a_name():
    # The gazetteer lists "The Netherlands"; "the Netherlands" must still find "Netherlands".
    found = mentions_of("Trade with the Netherlands, RUSSIA and Russia, not russia, grew.")
    assert found["surface"].to_list() == ["Netherlands", "RUSSIA", "Russia"]


# Accuracy gates on the check half of every labelled set (bench.bench_countries; the rules
# were chosen on the tune halves): floors just under what the check halves score, raised as they
# rise. set → (country F1, pair F1).
CHECK_HALF_FLOORS = {
    "gold-59": (0.97, 0.98),
    "batch2-bbc": (0.95, 0.93),
    # Lowered once, 0.96 → 0.95 (2026-12-02): a town that is the only place an English
    # article names counts (chosen on the tune halves: 4 LGL tune articles right, none wrong)
    # costs one Reuters check article and gains LGL check 0.845 → 0.865.
    "batch2-reuters": (0.96, 0.87),
    # Raised 2026-12-04 with the German names German news writes (check 0.900 -> 0.927).
    "batch2-german": (0.92, 0.87),
    "LGL": (0.865, 0.79),
    "TR-News": (0.92, 0.87),
}
# Focus F1 on the check halves of the sets labelled with focus (transforms.focus). Reuters
# lowered once, 0.94 → 0.93 (2026-12-02): on the mentions of the place changes above,
# bench.train_focus's cross-validation on the tune halves picks l2 1.0 over 0.3 (0.894 against
# 0.893), which scores Reuters check 0.935.
# German raised 0.80 → 0.84 (2026-12-06): 0.850 with Der Standard's site read as Austria's.
FOCUS_CHECK_HALF_FLOORS = {"gold-59": 0.78, "batch2-bbc": 0.87, "batch2-reuters": 0.93,
                           "batch2-german": 0.84}


@needs(DATA / "geoparsing" / "lgl_gold.json")
@pytest.mark.parametrize("set_name", sorted(CHECK_HALF_FLOORS))
def test_accuracy_gate_on_the_check_half(set_name):
    from bench.bench_countries import score

    result = score(set_name, "check")
    country_floor, pair_floor = CHECK_HALF_FLOORS[set_name]
    assert result["country"][2] >= country_floor, f"country F1 {result['country'][2]:.3f}"
    assert result["pair"][2] >= pair_floor, f"pair F1 {result['pair'][2]:.3f}"
    if set_name in FOCUS_CHECK_HALF_FLOORS:
        focus_f1 = result["focus"][2]
        assert focus_f1 >= FOCUS_CHECK_HALF_FLOORS[set_name], f"focus F1 {focus_f1:.3f}"


def test_dateline_state_abbreviations_and_place_comma_region():
    found = mentions_of("SANTA CRUZ, Calif., Feb 26 - Miss. Lane met in Paris, Texas.")
    rows = set(found.select("country", "kind", "surface", "resolved_by").iter_rows())
    assert rows == {("US", "city", "SANTA CRUZ", "qualifier"), ("US", "region", "Calif.", "name"),
                    ("US", "city", "Paris", "qualifier"), ("US", "region", "Texas", "name")}


def test_names_in_other_languages_and_russian_cases():
    assert codes("Die Regierung in Russland und China.") == {"RU", "CN"}
    assert codes("Визит в России и во Вьетнаме; китайские компании.") == {"RU", "VN", "CN"}


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "Le gouvernement français et les autorités allemandes ont reçu les Américains.",
         {"FR", "DE", "US"}),
        ("fr", "Le film sort en français. La presse ivoirienne salue la victoire sénégalaise.",
         {"CI", "SN"}),
        ("es", "Las autoridades alemanas y el presidente estadounidense; ella habla español.",
         {"DE", "US"}),
        ("it", "Il governo italiano e le autorità francesi incontrano il premier giapponese.",
         {"IT", "FR", "JP"}),
        ("nl", "Het Nederlandse kabinet sprak met de Franse president. Hij spreekt Duits.",
         {"NL", "FR"}),
        ("pt", "O governo alemão e as autoridades francesas reuniram-se com os americanos.",
         {"DE", "FR", "US"}),
    ],
)
def test_nationality_adjectives_in_other_languages(language, text, expected):
    # Inflected (allemandes, francesi, Franse), and not the language after its cue ("en
    # français", "habla español", "spreekt Duits").
    found = find_mentions(pl.DataFrame({"doc_id": ["d"], "title": [""], "body": [text],
                                        "lang": [language]}))
    assert set(found["country"].to_list()) == expected
    assert set(found["kind"].to_list()) == {"demonym"}


def test_a_dutch_given_name_that_is_a_demonym_is_a_person_beside_a_name():
    found = find_mentions(pl.DataFrame({
        "doc_id": ["d"], "title": [""], "lang": ["nl"],
        "body": ["Frans Timmermans sprak in Brussel met de Franse president."]}))
    assert set(found.select("surface", "country").iter_rows()) == {
        ("Brussel", "BE"), ("Franse", "FR")}


def test_another_languages_adjective_is_no_english_word():
    # The Spanish "china" and the French "afghan" count in their languages, in lower case; in
    # English "china" is porcelain and "afghan" a blanket.
    assert codes("The china shop sold an afghan and Afghan rugs.") == {"AF"}


def test_names_that_count_in_every_language_match_capitalised_only():
    # GeoNames writes some with a lower-case article ("el Raval", "la Salut", "l'Escala", "the
    # State of Palestine"); in lower case they are words.
    assert codes("He toasted la salut on l'escala in el raval.") == set()
    assert codes("Night falls on El Raval.") == {"ES"}
    assert codes("Envoys of the State of Palestine met.") == {"PS"}


def test_shared_place_names_resolve_the_same_way_every_time():
    # Two capitals named Kingston (Jamaica, Norfolk Island): the more populous country's.
    # Belgrade is Serbia's, not "CS" (GeoNames' Serbia and Montenegro; ISO: Czechoslovakia).
    assert codes("Talks in Kingston and Belgrade.") == {"JM", "RS"}


def test_currency_wording_is_not_a_mention_of_the_country():
    assert codes("The Swiss franc rose against the U.S. dollar and Australian dollars.") == set()
    assert codes("Swiss banks held U.S. DOLLARS; the Soviet rouble fell.") == {"CH"}
    assert codes("A US$5 million loan and HK$3 billion in bonds.") == set()
    assert codes("The bonds raised US $5 million, C $3 million and HK $2 billion.") == set()
    assert codes("German Mark Weber spoke of a South Korean won gold.") == {"DE", "KR"}


def test_places_inside_names_of_organisations_and_events_are_org():
    found = mentions_of(
        "The Chinese Communist Party met. Air New Zealand flew to the Los Angeles Auto Show. "
        "The Reserve Bank of India and French President Macron's party spoke."
    )
    assert set(found.select("country", "kind").iter_rows()) == {
        ("CN", "org"), ("NZ", "org"), ("US", "org"), ("IN", "org"), ("FR", "demonym"),
    }


def test_football_clubs_named_after_their_town_are_org():
    found = mentions_of("Real Madrid beat Dynamo Kiev; Leeds United drew with Red Bull Salzburg.")
    assert set(found.select("country", "kind").iter_rows()) == {
        ("ES", "org"), ("UA", "org"), ("GB", "org"), ("AT", "org")}


def test_acronyms_and_kinds_of_place_are_not_names_of_people():
    assert codes("The Edinburgh MSP flew from Edinburgh Airport.") == {"GB"}
    assert codes("", title="CHINA FACES DILEMMA OVER SUGAR") == {"CN"}
    assert codes("Michael Jordan and Paris Hilton came.") == set()
    # A province abroad is a given name too: it does not keep the surname a place.
    assert codes("The film starred Miranda Richardson.") == set()


def test_a_person_named_in_the_body_is_that_person_in_the_title():
    assert codes("Mr Bush said the deficit would halve.",
                 title="Bush budget seeks cutbacks") == set()  # Bush, Egypt
    # A capitalised word of an institution is no such evidence: the title keeps its town.
    assert codes("Joe Roe of the Downtown Cleveland Alliance spoke.",
                 title="Developer wants to remake downtown Cleveland") == {"US"}


def test_douglas_is_a_person_beside_a_name_and_the_isle_of_mans_capital_alone():
    assert codes("Finance Minister Roger Douglas and Michael Douglas spoke.") == set()
    assert codes("The ferry reached Douglas harbour at dawn.") == {"IM"}


def test_companies_and_talks_named_like_places_are_not_the_places():
    # Seen on Reuters' tune-half stories, none filed under the Falklands, Uruguay or Man.
    assert codes("Morgan Stanley and McDonnell Douglas Corp gained.") == set()
    assert codes("Talks in the Uruguay round of GATT resume; the Uruguay Round began in 1986.") \
        == set()
    assert codes("The Uruguay government and Stanley, Falkland Islands, agreed.") == {"UY", "FK"}


def test_a_town_before_an_institution_is_the_town_before_a_name_part_a_person():
    # "Feltham Magistrates' Court" had been a person called Feltham: Hounslow, near it, then
    # lacked the support a town of its size needs (transforms.places.supported_towns).
    found = mentions_of("Both from Hounslow, they appeared at Feltham Magistrates' Court.")
    assert set(found.select("country", "surface", "kind").iter_rows()) == {
        ("GB", "Hounslow", "city"), ("GB", "Feltham", "org")}
    assert codes("Chelsea Clinton spoke.") == set()
    # One sense per article: "the Bush Presidency" beside "President Bush" is that person's.
    assert codes("President Bush spoke. The Bush Presidency's budget was cut.") == set()


def test_a_partys_member_after_a_place_leaves_it_a_place():
    assert codes("Rep. Tom Hawk, a Manhattan Democrat, backs the budget.") == {"US"}


def test_a_street_named_after_a_place_is_no_mention_of_it_but_still_context():
    # Seen on the tune halves of LGL, TR-News and the BBC corpus: Dartmouth Street, Oxford
    # Road, Richmond Street, Lansdowne Road (Dublin's stadium, read as South Africa's town).
    assert codes("He lived on Dartmouth Street in Laconia, N.H.") == {"US"}
    assert codes("Ireland play at Lansdowne Road on Saturday.") == {"IE"}
    assert codes("Protests on the Frankfurter Allee in Berlin.") == {"DE"}
    # "Hertford Road, Edmonton": the road still places Edmonton in England.
    found = mentions_of("Pupils at a school in Hertford Road, Edmonton, planted flowers.")
    assert set(found.select("country", "surface").iter_rows()) == {("GB", "Edmonton")}


def test_focus_is_the_country_the_title_and_lead_are_about_not_one_named_in_passing():
    docs = pl.DataFrame({
        "doc_id": ["a"], "title": ["Kenya votes in a tight election"],
        "body": ["Kenyans queued for hours on Tuesday as Kenya chose a president. Observers "
                 "from Kenya's neighbours watched the count in Nairobi. " * 2
                 + "A delegate from Norway said the vote was calm."]})
    rolled = article_countries(find_mentions(docs), docs)
    assert dict(rolled.select("country", "is_focus").iter_rows()) == {"KE": True, "NO": False}


@pytest.mark.timeout(30)  # linear: 0.2 s here; searching the article per "Brussels" took minutes
def test_a_long_article_of_many_mentions_is_read_in_one_pass():
    sentence = "Ministers from France and Germany met in Brussels to discuss the budget. "
    docs = pl.DataFrame({"doc_id": ["a"], "title": [""], "body": [sentence * 14_000]})
    found = find_mentions(docs)
    assert found.height == 3 * 14_000
    assert set(found["country"]) == {"FR", "DE", "BE"}


def test_surface_is_the_text_as_written():
    """The surface is the text of the mention, line break or tab included (the form matched
    stands for it only where it has no space)."""
    body = "Flights to New\tYork and Hong\nKong, and PARIS."
    found = mentions_of(body, title="In New\nYork")
    assert found["surface"].to_list() == ["New\nYork", "New\tYork", "Hong\nKong", "PARIS"]
    for row in found.filter(pl.col("field") == "body").iter_rows(named=True):
        assert body[row["start"]:row["end"]] == row["surface"]


def test_the_names_english_news_gives_cities_geonames_names_otherwise():
    # GeoNames' own names are Beijing, Kyiv, Mumbai, Sevilla, Łódź: the older or English ones
    # are among its alternate names, and simplemma's English dictionary knows them.
    text = "Talks in Peking and Kiev; floods in Bombay; a fair in Seville; strikes in Lodz."
    assert codes(text) == {"CN", "UA", "IN", "ES", "PL"}
    # No other town's own name: Canton is also a city in Ohio, not only Guangzhou.
    assert codes("Canton police said.") == set()


def test_the_smaller_states_have_demonyms_and_their_short_names():
    text = "Fijian, Bhutanese and Togolese envoys met officials from Bosnia and East Timor."
    assert codes(text) == {"FJ", "BT", "TG", "BA", "TL"}


def test_kinds_of_things_named_after_a_place_are_no_mention_of_it():
    # From WordNet (bench/derive_non_places.py): breeds, foods, species, diseases.
    text = "A German shepherd ate Brussels sprouts, Brazil nuts and Danish pastries."
    assert codes(text) == set()
    assert codes("German officials and Danish ministers met in Brussels.") == {"DE", "DK", "BE"}


def test_a_capital_after_a_given_name_is_a_surname():
    assert codes("Lewis Hamilton won; Martha Washington and John Kingston spoke.") == set()
    # Not after a word that is also a common word or a month, nor in a title.
    assert codes("Will London cope?") == {"GB"}
    assert codes("In April Washington imposed tariffs.") == {"US"}
    assert codes("Officials said.", title="Lewis Hamilton in Hamilton") == {"BM"}
