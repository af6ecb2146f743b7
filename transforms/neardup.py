"""Near-duplicate articles: MinHash signatures over word shingles and LSH banding.

The same wire story on several sites, or lightly edited, shares most of its 5-word shingles.
Each article gets a 64-value MinHash signature by one-permutation hashing (every shingle is
hashed once, by Polars; its top 6 bits pick one of 64 bins and the bin keeps its minimum; empty
bins borrow from the next bin), which estimates the Jaccard similarity J of two shingle sets as
the share of equal values. Signatures are cut into 32 bands of 2 values; two articles sharing a
band are candidates (J = 0.3 is caught 95% of the time). A candidate pair is a near-duplicate
when J reaches ``THRESHOLD``, or when the shorter text is mostly inside the longer one
(containment, from J and the two shingle counts, reaches ``CONTAINMENT``): a copy with site
boilerplate around it and a paragraph cut has a low J but a high containment.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SHINGLE_WORDS = 5
NUM_BINS = 64
BANDS = 32
ROWS_PER_BAND = NUM_BINS // BANDS
THRESHOLD = 0.5
CONTAINMENT = 0.8
_BIN_SHIFT = np.uint64(64 - 6)
_VALUE_MASK = np.uint64((1 << 58) - 1)
_EMPTY = np.uint64(2**64 - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingle_hashes(bodies: pl.Series) -> pl.DataFrame:
    """doc (row index of ``bodies``) and the 64-bit hash of each of its word shingles."""
    tokens = (
        pl.DataFrame({"body": bodies})
        .with_row_index("doc")
        .select("doc", token=pl.col("body").str.to_lowercase().str.extract_all(r"\w+"))
        .explode("token")
        .drop_nulls("token")
    )
    n_tokens = pl.len().over("doc")
    position = pl.int_range(pl.len()).over("doc")
    shingle = pl.concat_str(
        [pl.col("token").shift(-i).over("doc") for i in range(SHINGLE_WORDS)],
        separator=" ", ignore_nulls=True,
    )
    # Texts shorter than one shingle are a single shingle.
    keep = (position <= n_tokens - SHINGLE_WORDS) | ((n_tokens < SHINGLE_WORDS) & (position == 0))
    return tokens.with_columns(shingle=shingle).filter(keep).select(
        "doc", hash=pl.col("shingle").hash(seed=20261128)
    )


def signatures(bodies: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(len(bodies), 64) uint64 MinHash signatures, and each body's number of shingles."""
    hashes = shingle_hashes(bodies)
    sizes = (
        hashes.group_by("doc").agg(pl.col("hash").n_unique())
        .join(pl.DataFrame({"doc": pl.int_range(len(bodies), eager=True, dtype=pl.UInt32)}),
              on="doc", how="right")
        .sort("doc")["hash"].fill_null(0).to_numpy()
    )
    values = hashes["hash"].to_numpy()
    bins = (values >> _BIN_SHIFT).astype(np.int64)
    per_bin = (
        pl.DataFrame({"doc": hashes["doc"], "bin": bins, "value": values & _VALUE_MASK})
        .group_by("doc", "bin")
        .agg(pl.col("value").min())
    )
    matrix = np.full((len(bodies), NUM_BINS), _EMPTY, dtype=np.uint64)
    matrix[per_bin["doc"].to_numpy(), per_bin["bin"].to_numpy()] = per_bin["value"].to_numpy()
    # Densify: an empty bin takes the value of the next non-empty bin (cyclically), rehashed
    # with its own index so that two empty bins do not agree by accident.
    filled = matrix.copy()
    for step in range(1, NUM_BINS):
        empty = filled == _EMPTY
        if not empty.any():
            break
        borrowed = np.roll(matrix, -step, axis=1)
        usable = empty & (borrowed != _EMPTY)
        offsets = np.uint64(step * 0x9E3779B97F4A7C15 % 2**64)
        filled[usable] = _mix(borrowed[usable] ^ offsets) & _VALUE_MASK
    return filled, sizes.astype(np.int64)


def band_key_matrix(sigs: np.ndarray) -> np.ndarray:
    """(len(sigs), BANDS) uint64: one LSH key per band (the hash of the band's values)."""
    bands = sigs.reshape(len(sigs), BANDS, ROWS_PER_BAND)
    key = np.zeros((len(sigs), BANDS), dtype=np.uint64)
    for row in range(ROWS_PER_BAND):
        key = _mix(key ^ bands[:, :, row])
    return _mix(key ^ np.arange(BANDS, dtype=np.uint64))


def band_keys(doc_ids: list[str], sigs: np.ndarray) -> pl.DataFrame:
    """doc_id, band, key: one row per band of each document."""
    if len(doc_ids) == 0:
        return pl.DataFrame(schema={"doc_id": pl.Utf8, "band": pl.Int16, "key": pl.UInt64})
    return pl.DataFrame(
        {
            "doc_id": np.repeat(np.array(doc_ids, dtype=object), BANDS),
            "band": np.tile(np.arange(BANDS, dtype=np.int16), len(doc_ids)),
            "key": band_key_matrix(sigs).ravel(),
        },
        schema={"doc_id": pl.Utf8, "band": pl.Int16, "key": pl.UInt64},
    )


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of paired signatures (rows of ``a`` and ``b``)."""
    return (a == b).mean(axis=1)


def is_near_duplicate(a: np.ndarray, b: np.ndarray, size_a: np.ndarray,
                      size_b: np.ndarray) -> np.ndarray:
    """Per pair: similar enough (Jaccard), or the shorter mostly inside the longer."""
    jaccard = similarity(a, b)
    shared = jaccard * (size_a + size_b) / (1 + jaccard)
    containment = shared / np.maximum(np.minimum(size_a, size_b), 1)
    return (jaccard >= THRESHOLD) | (containment >= CONTAINMENT)


def resolve_first_copies(pairs: pl.DataFrame) -> pl.DataFrame:
    """doc_id → dup_of, from verified pairs (doc_id, other, other_rank) where a lower rank is
    the earlier copy; chains (c ~ b ~ a) all point to the first copy a."""
    if pairs.is_empty():
        return pl.DataFrame(schema={"doc_id": pl.Utf8, "dup_of": pl.Utf8})
    # Ties (several published copies: all rank -1) go to the lowest doc_id, so that the links
    # never depend on the order DuckDB returned the pairs in.
    first = (
        pairs.sort(["other_rank", "other"], maintain_order=True)
        .group_by("doc_id", maintain_order=True)
        .agg(pl.col("other").first().alias("dup_of"))
    )
    mapping = dict(zip(first["doc_id"], first["dup_of"], strict=True))
    resolved = {}
    for doc, target in mapping.items():
        seen = {doc}
        while target in mapping and target not in seen:
            seen.add(target)
            target = mapping[target]
        resolved[doc] = target
    return pl.DataFrame({"doc_id": list(resolved), "dup_of": list(resolved.values())},
                        schema={"doc_id": pl.Utf8, "dup_of": pl.Utf8})


# Candidate first copies: the earliest members of each band bucket only, so that one popular
# bucket (a boilerplate paragraph) cannot explode into all its pairs; then the articles
# sharing most bands with each article.
BUCKET_FIRSTS = 3
MAX_CANDIDATES = 10


def candidate_pairs(keys: pl.DataFrame) -> pl.DataFrame:
    """doc_id, other, other_rank: the articles each article is compared with, from ``keys``
    (band, key, doc_id, rank: a lower rank is earlier; published articles rank -1). Only an
    article of rank 0 or more gets candidates, and only earlier ones: in each bucket its
    BUCKET_FIRSTS earliest members, then the MAX_CANDIDATES sharing most bands with it."""
    firsts = (
        keys.sort("rank", "doc_id")
        .group_by("band", "key", maintain_order=True).head(BUCKET_FIRSTS)
        .select("band", "key", other="doc_id", other_rank="rank")
    )
    return (
        keys.filter(pl.col("rank") >= 0).join(firsts, on=["band", "key"])
        .filter(pl.col("other_rank") < pl.col("rank"))
        .group_by("doc_id", "other", "other_rank").agg(shared=pl.len())
        .sort(["doc_id", "shared", "other_rank", "other"], descending=[False, True, False, False])
        .group_by("doc_id", maintain_order=True).head(MAX_CANDIDATES)
        .select("doc_id", "other", "other_rank")
    )


def link_near_duplicates(doc_ids: list[str], sigs: np.ndarray, sizes: np.ndarray
                         ) -> pl.DataFrame:
    """doc_id → dup_of among one ordered set of articles (earlier = first copy), with the
    candidates the pipeline takes (candidate_pairs)."""
    rank = dict(zip(doc_ids, range(len(doc_ids)), strict=True))
    keys = band_keys(doc_ids, sigs).with_columns(
        rank=pl.col("doc_id").replace_strict(rank, return_dtype=pl.Int64))
    pairs = candidate_pairs(keys)
    if pairs.is_empty():
        return resolve_first_copies(pairs)
    a = pairs["doc_id"].replace_strict(rank, return_dtype=pl.Int64).to_numpy()
    b = pairs["other_rank"].to_numpy()
    return resolve_first_copies(
        pairs.filter(is_near_duplicate(sigs[a], sigs[b], sizes[a], sizes[b])))
