
import polars as pl
import pytest

from tests.conftest import DATA, needs
from transforms.themes import (
    language_terms,
    tag_themes,
    taxonomy,
    term_evidence,
    term_languages,
    themes_reference,
    top_level_codes,
)

# Accuracy gate on the hand-labelled themes: only ever raised.
GOLD_THEMES_MIN_MICRO_F1 = 0.83
# On the check-half stories. 0.90 until central bank policy counted as MACROECONOMY too (as
# the taxonomy and PROTOCOL.md define it): the mapping puts "interest" and "money-fx" stories
# under MARKETS_FINANCE alone, so 88 of them tagged MACROECONOMY count as false (0.907 -> 0.897).
REUTERS_THEMES_MIN_MICRO_F1 = 0.89
THEME_CODES = {
    "ENERGY", "MILITARY", "TERRORISM", "CYBER", "DIPLOMACY", "ELECTIONS_POLITICS", "TRADE",
    "SANCTIONS", "AGRICULTURE_FOOD", "MARKETS_FINANCE", "MACROECONOMY", "HEALTH",
    "DEMOGRAPHY_MIGRATION", "CLIMATE_ENVIRONMENT", "TECHNOLOGY", "HUMAN_RIGHTS_PROTEST",
    "CRIME_JUSTICE", "SPORTS", "CULTURE_ENTERTAINMENT", "TRANSPORT_SHIPPING", "LABOR",
    "MINING_METALS",
}


def tag(title: str, body: str, model: bool = True) -> set[str]:
    docs = pl.DataFrame({"doc_id": ["d"], "title": [title], "body": [body]})
    return set(tag_themes(docs, model=model)["theme"].to_list())


def test_taxonomy_covers_the_22_codes_and_subthemes_have_known_parents():
    reference = themes_reference()
    assert set(reference.filter(pl.col("parent").is_null())["code"]) == THEME_CODES
    assert set(reference["parent"].drop_nulls()) <= THEME_CODES
    assert set(taxonomy()["themes"]) == set(reference["code"])


def test_a_theme_needs_real_support():
    assert "ENERGY" in tag("Oil prices jump", "Crude exports fell and the refinery closed.")
    assert "ENERGY" not in tag("A day out", "We drove past a gas station on the way home.")


def test_term_evidence_shows_the_themes_the_terms_do_not_tag_too():
    docs = pl.DataFrame({"doc_id": ["d"], "title": ["Oil prices jump"],
                         "body": ["Crude exports fell and the refinery closed; a court met."]})
    evidence = term_evidence(docs)
    supported = set(evidence.filter("supported")["theme"])
    assert supported == set(tag_themes(docs, model=False)["theme"]) and "ENERGY" in supported
    court = evidence.filter(pl.col("theme") == "CRIME_JUSTICE").row(0, named=True)
    assert not court["supported"] and court["terms"] == ["court"] and court["bar"] == 5.0


def test_ambiguous_words_deep_in_the_body_are_a_passing_subject():
    lead = "The council met on Tuesday to agree the town's budget for next year. " * 4
    passing = "Later a local show, a stage series, a book and its audience were mentioned."
    assert "CULTURE_ENTERTAINMENT" not in tag("", lead + passing, model=False)
    assert "CULTURE_ENTERTAINMENT" in tag("", passing + " " + lead, model=False)
    # A term of weight 3 ("concert") is enough anywhere.
    assert "CULTURE_ENTERTAINMENT" in tag("", lead + passing + " The concert sold out.",
                                          model=False)


def test_terms_are_recorded_as_evidence():
    docs = pl.DataFrame({"doc_id": ["d"], "title": [""],
                         "body": ["Troops and missiles moved; the army held drills."]})
    row = tag_themes(docs).filter(pl.col("theme") == "MILITARY").row(0, named=True)
    assert {"troops", "army"} <= set(row["terms"])


def test_evidence_lists_the_strongest_terms_first_then_by_name():
    lead = "Reports came in all morning from the border region. " * 5
    docs = pl.DataFrame({"doc_id": ["d"], "title": ["Army drills"],
                         "body": [lead + "Troops and missiles moved; the army held drills."]})
    terms = tag_themes(docs).filter(pl.col("theme") == "MILITARY")["terms"].item().to_list()
    # A title hit counts double: "army" (title and body) outranks the body-only terms (past
    # the lead, where they would count half as much again).
    assert terms[0] == "army" and terms[1:] == sorted(terms[1:])


@needs(DATA / "gold-countries" / "gold.jsonl")
def test_accuracy_gate_on_gold_themes():
    from bench.bench_themes import gold_scores

    f1 = gold_scores()["micro_f1"]
    assert f1 >= GOLD_THEMES_MIN_MICRO_F1, f"theme micro-F1 {f1:.3f}"


# Check halves of every labelled set (bench.bench_themes): today's figures, never lowered.
THEMES_CHECK_HALF_FLOORS = {"gold-59": 0.84, "batch2-bbc": 0.84, "batch2-reuters": 0.81,
                            "batch2-german": 0.75, "English": 0.83}


@needs(DATA / "gold-countries" / "batch2" / "gold.jsonl")
@pytest.mark.parametrize("set_name", sorted(THEMES_CHECK_HALF_FLOORS))
def test_accuracy_gate_on_the_check_halves(set_name):
    from bench.bench_themes import gold_scores

    f1 = gold_scores(set_name, "check")["micro_f1"]
    assert f1 >= THEMES_CHECK_HALF_FLOORS[set_name], f"{set_name} theme micro-F1 {f1:.3f}"


def test_german_articles_are_read_with_german_terms_in_every_inflection():
    docs = pl.DataFrame({
        "doc_id": ["de", "en"], "lang": ["de", "en"], "title": ["", ""],
        "body": ["Nach der Nationalratswahl verhandeln die Parteien über eine Koalition; "
                 "die Regierung will mit den Flüchtlingen und den Asylwerbern reden.",
                 "Nach der Nationalratswahl verhandeln die Parteien über eine Koalition."],
    })
    found = tag_themes(docs)
    german = set(found.filter(pl.col("doc_id") == "de")["theme"])
    assert {"ELECTIONS_POLITICS", "DEMOGRAPHY_MIGRATION"} <= german
    assert found.filter(pl.col("doc_id") == "en").is_empty()  # English terms only


@needs(DATA / "reuters21578" / "reut2-000.sgm")
def test_accuracy_gate_on_reuters_topics():
    from bench.bench_themes import reuters_scores

    f1 = reuters_scores("check")["micro_f1"]
    assert f1 >= REUTERS_THEMES_MIN_MICRO_F1, f"Reuters theme micro-F1 {f1:.3f}"


@needs(DATA / "gdelt" / "LOOKUP-GKGTHEMES.txt")
def test_gdelt_crosswalk_names_real_gkg_themes():
    known = {line.split("\t")[0] for line in (DATA / "gdelt" / "LOOKUP-GKGTHEMES.txt").open()}
    used = {code for codes in themes_reference()["gdelt_themes"] for code in codes}
    assert used and used <= known, used - known


@pytest.mark.parametrize("language", sorted(term_languages()))
def test_every_language_file_tags_each_theme_from_its_strongest_terms(language):
    # Same codes as the taxonomy's top level; three of a theme's strongest terms tag it.
    terms = language_terms(language)
    assert set(terms) == set(top_level_codes())
    docs = pl.DataFrame({
        "doc_id": list(terms), "lang": [language] * len(terms), "title": [""] * len(terms),
        "body": [". ".join(sorted(weights, key=lambda t: (-weights[t], t))[:3]) + "."
                 for weights in terms.values()],
    })
    found = set(tag_themes(docs).select("doc_id", "theme").iter_rows())
    missed = [code for code in terms if (code, code) not in found]
    assert not missed, missed


def test_a_term_inside_a_company_name_is_no_evidence():
    # Reuters earnings stories of "Norris Oil Co" are not about oil; "an oil company" is.
    # (The terms' rule: the theme model reads words, not names.)
    assert "ENERGY" not in tag("NORRIS OIL CO <NOIL> YEAR LOSS",
                               "Norris Oil Co said its loss widened; Norris Oil Co shares fell.",
                               model=False)
    assert "ENERGY" in tag("Oil company cuts output", "The oil company cut crude output.",
                           model=False)


def test_short_merger_announcements_are_markets():
    assert "MARKETS_FINANCE" in tag("PHH BUYS TWO DESIGN FIRMS",
                                    "PHH Group Inc said it acquired two design firms for "
                                    "undisclosed terms.")


def test_terms_in_the_lead_count_more():
    news, filler = "Troops and the army moved. ", "Nothing else happened that day. " * 10
    docs = pl.DataFrame({"doc_id": ["lead", "later"], "title": ["", ""],
                         "body": [news + filler, filler + news]})
    scores = dict(tag_themes(docs).filter(pl.col("theme") == "MILITARY")
                  .select("doc_id", "score").iter_rows())
    assert scores["lead"] == 1.5 * scores["later"]
