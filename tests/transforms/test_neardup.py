import numpy as np
import polars as pl

from transforms.neardup import (
    THRESHOLD,
    band_keys,
    link_near_duplicates,
    resolve_first_copies,
    signatures,
    similarity,
)

STORY = " ".join(
    f"Sentence {i} of the wire story says the minister met union leaders in the capital."
    for i in range(30)
)
OTHER = " ".join(f"Line {i}: the football club won its match on Saturday night." for i in range(30))


def test_light_edits_and_boilerplate_stay_similar_and_other_stories_do_not():
    edited = "Share this article. " + STORY.replace("minister", "premier", 2) + " Copyright."
    sigs, sizes = signatures(pl.Series([STORY, edited, OTHER, ""]))
    assert sigs.shape == (4, 64) and sigs.dtype == np.uint64
    assert sizes[0] > 100 and sizes[3] == 0
    close, far = similarity(sigs[[0, 0]], sigs[[1, 2]])
    assert close >= THRESHOLD > far


def test_near_duplicates_share_a_band():
    sigs, _ = signatures(pl.Series([STORY, STORY + " One more sentence at the end."]))
    keys = band_keys(["a", "b"], sigs)
    shared = keys.group_by("band", "key").agg(pl.col("doc_id").n_unique()).filter(
        pl.col("doc_id") == 2)
    assert shared.height >= 1 and keys.height == 2 * 32


def test_chains_point_to_the_first_copy():
    pairs = pl.DataFrame({"doc_id": ["b", "c", "c"], "other": ["a", "b", "a"],
                          "other_rank": [0, 1, 0]})
    links = dict(resolve_first_copies(pairs).iter_rows())
    assert links == {"b": "a", "c": "a"}


def test_a_copy_inside_boilerplate_with_a_paragraph_cut_is_contained():
    paragraphs = [f"Paragraph {i} reports that the council approved {i * 7} new homes "
                  "after a long debate about the budget and the school." for i in range(12)]
    original = "\n".join(paragraphs)
    copy = ("Share this: Facebook Twitter Email. Related: Ten things to do this weekend. "
            "Markets close higher. Storm warning for the coast.\n"
            + "\n".join(paragraphs[:5] + paragraphs[7:]) + "\nCopyright 2005 Metro Post.")
    sigs, sizes = signatures(pl.Series([original, copy]))
    links = dict(link_near_duplicates(["o", "c"], sigs, sizes).iter_rows())
    assert links == {"c": "o"}
