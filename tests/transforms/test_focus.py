"""Which countries an article is about (transforms.focus)."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms import focus
from transforms.countries import find_mentions


def _docs(*bodies: str, title: str = "") -> pl.DataFrame:
    return pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(bodies))],
                         "title": [title] * len(bodies), "body": list(bodies)})


def _dateline_words(body: str) -> str | None:
    found = focus.datelines(_docs(body))
    return body[found["dateline_start"][0]:found["dateline_end"][0]] if found.height else None


def test_datelines_of_agencies_and_of_a_standfirst_then_place():
    assert _dateline_words("KIEV, March 3 (Reuters) - Ukraine said on Monday ...") == "KIEV"
    assert _dateline_words("LONDON — Britain's economy grew.") == "LONDON"
    assert _dateline_words("WASHINGTON (AP) — The Senate voted.") == "WASHINGTON"
    assert _dateline_words("Tatverdächtiger festgenommen. Wien – Ein Raub endete.") == "Wien"
    assert _dateline_words("Kritik aus Politik. Wien/Moskau – Die Gespräche.") == "Wien/Moskau"
    assert _dateline_words("Der Lauf endet nicht. Salt Lake City (Utah) – Die Warriors.") == \
        "Salt Lake City"
    # Two hyphens, and a line break after them (what the dash pre-check must let through).
    assert _dateline_words("BEIRUT, Lebanon (AP) --\nA car bomb exploded.") == "BEIRUT"


def test_no_dateline_in_a_sentence_or_after_the_opening():
    assert _dateline_words("Ministers met in Paris - and agreed nothing.") is None
    assert _dateline_words("Analysts said the carmaking sector - in Detroit - slowed.") is None
    assert _dateline_words("Filler words here. " * 30 + "Paris – late text.") is None


def test_a_country_of_the_dateline_is_in_the_headline():
    docs = _docs("Kritik aus Politik. Sydney – Im Pazifik-Inselstaat Nauru ist ein Flüchtling "
                 "verurteilt worden.", "Sydney is a city. Nauru – the island.")
    rolled = focus.rolled_up(find_mentions(docs), docs)
    headline = {(d, c) for d, c, h in rolled.select("doc_id", "country", "in_headline")
                .iter_rows() if h}
    assert headline == {("d0", "AU"), ("d1", "NR")}


def test_a_short_item_is_not_denser_than_a_thousand_characters():
    short, longer = "Norway voted.", "Norway voted. " + "x" * (focus.MIN_DENSITY_CHARACTERS - 14)
    docs = _docs(short, longer)
    density = focus.rolled_up(find_mentions(docs), docs).sort("doc_id")["mention_density"]
    assert density[0] == density[1] == np.log1p(1000 / focus.MIN_DENSITY_CHARACTERS)


def test_the_most_likely_country_needs_the_top_probability_the_others_theirs():
    rolled = pl.DataFrame({"doc_id": ["a"] * 4 + ["b"], "first_seen": [0, 1, 2, 3, 0]})
    likely = np.array([0.53, 0.55, 0.52, 0.51, 0.35])
    # a: the 0.55 passes "top"; the other three pass "other", but only three may be focus.
    assert focus.chosen(rolled, likely, top=0.4, other=0.5).to_list() == \
        [True, True, True, False, False]
    # The most likely is not held to the others' threshold, nor they to its.
    assert focus.chosen(rolled, likely, top=0.3, other=0.53).to_list() == \
        [False, True, False, False, True]


def test_ties_go_to_the_country_named_first():
    rolled = pl.DataFrame({"doc_id": ["a", "a"], "first_seen": [5, 2]})
    assert focus.chosen(rolled, np.array([0.6, 0.6]), top=0.5, other=0.9).to_list() == \
        [False, True]
