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


def test_candidates_are_a_buckets_earliest_members_and_the_most_shared_per_article():
    from transforms.neardup import BUCKET_FIRSTS, MAX_CANDIDATES, candidate_pairs

    # One popular bucket: 20 articles share band 0's key; only its earliest are candidates.
    crowd = pl.DataFrame({"band": [0] * 20, "key": [7] * 20,
                          "doc_id": [f"d{i:02d}" for i in range(20)], "rank": list(range(-1, 19))})
    pairs = candidate_pairs(crowd)
    assert set(pairs["other"]) == {f"d{i:02d}" for i in range(BUCKET_FIRSTS)}
    assert pairs.filter(pl.col("doc_id") == "d00").is_empty()  # published: nobody's copy here
    # An article sharing buckets with many earlier ones keeps those sharing most bands.
    # (e_j shares j + 1 buckets of its own with it).
    shared = [(band, 100 * j + band, j) for j in range(15) for band in range(j + 1)]
    keys = [(band, key, f"e{j:02d}", j) for band, key, j in shared]
    keys += [(band, key, "last", 99) for band, key, _ in shared]
    many = pl.DataFrame(keys, schema=["band", "key", "doc_id", "rank"], orient="row")
    last = candidate_pairs(many).filter(pl.col("doc_id") == "last")
    assert last.height == MAX_CANDIDATES
    assert set(last["other"]) == {f"e{j:02d}" for j in range(15 - MAX_CANDIDATES, 15)}
