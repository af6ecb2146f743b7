"""Near-duplicate linking of a run's new articles against the published ones and each other.

The MinHash and LSH logic is pure (transforms.neardup); this module moves the signatures and
band keys through DuckDB so that memory stays bounded and earlier runs are compared too.

The signatures and bands of every article are the writer's own index: they live in a database
beside the warehouse the run writes (``<warehouse>.dedup``, attached as ``dedup``), not in the
file analysts open, which they would make a third bigger with nothing to query.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from flows.batches import BATCH_BYTES, spans
from flows.warehouse import Warehouse, articles_at, sql_string, with_text_bytes
from transforms import neardup

# Candidates kept per article, the ones sharing most LSH bands with it.
INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS dedup.article_signatures (
    doc_id VARCHAR NOT NULL, minhash UBIGINT[] NOT NULL, shingles INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dedup.article_bands (
    band SMALLINT NOT NULL, key UBIGINT NOT NULL, doc_id VARCHAR NOT NULL);
"""
INDEX_TABLES = ("article_signatures", "article_bands")


def index_path(warehouse: Path) -> Path:
    """The near-duplicate index of the warehouse file a run writes."""
    return warehouse.with_name(warehouse.name + ".dedup")


def attach_index(wh: Warehouse) -> bool:
    """Attach the index; an earlier version kept it in the warehouse itself: its rows move
    here. Returns whether it had to be created (then it is empty: repair_index fills it)."""
    path = index_path(wh.path)
    created = not path.exists()
    wh.con.execute(f"ATTACH IF NOT EXISTS {sql_string(path)} AS dedup")
    wh.con.execute(INDEX_SCHEMA)
    for table in INDEX_TABLES:
        if wh.has_table(table):
            # DuckDB writes one database per transaction: copied, then dropped (a copy
            # interrupted between the two is repaired, see repair_index).
            wh.con.execute(f"INSERT INTO dedup.{table} SELECT * FROM main.{table} "
                           f"WHERE doc_id NOT IN (SELECT doc_id FROM dedup.{table})")
            wh.con.execute(f"DROP TABLE main.{table}")
    return created


def repair_index(wh: Warehouse, batch_size: int = 2000) -> None:
    """Make the index match the articles after the warehouse was replaced under it (a failed
    run thrown away, a killed run, a file restored by hand): rows of articles that are gone
    leave, articles without a signature get one."""
    if not wh.has_table("articles"):
        for table in INDEX_TABLES:  # a new warehouse: nothing to index
            wh.con.execute(f"DELETE FROM dedup.{table}")
        return
    for table in INDEX_TABLES:
        wh.con.execute(f"DELETE FROM dedup.{table} WHERE doc_id NOT IN "
                       "(SELECT doc_id FROM articles)")
    wh.con.execute("DELETE FROM dedup.article_bands WHERE doc_id NOT IN "
                   "(SELECT doc_id FROM dedup.article_signatures)")
    missing = with_text_bytes(wh, wh.frame(
        "SELECT rowid, doc_id FROM articles WHERE doc_id NOT IN "
        "(SELECT doc_id FROM dedup.article_signatures) ORDER BY rowid"))
    # Batches bounded in bytes too (flows.batches): the bodies are read to be signed.
    for start, length in spans(missing["size"], batch_size, BATCH_BYTES):
        signatures, bands = _signed(articles_at(
            wh, missing["rowid"].slice(start, length).to_list()))
        wh.insert("dedup.article_signatures", signatures)
        wh.insert("dedup.article_bands", bands)


def _signed(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The signature rows and the band rows of documents (doc_id, body)."""
    signed = with_signatures(docs)
    bands = signed.select(
        band=pl.int_ranges(0, neardup.BANDS, dtype=pl.Int16), key="band_keys", doc_id="doc_id",
    ).explode("band", "key")
    return signed.select("doc_id", "minhash", "shingles"), bands


# What with_signatures adds to a batch of articles.
SIGNATURE_COLUMNS = ("minhash", "shingles", "band_keys")


def with_signatures(articles: pl.DataFrame) -> pl.DataFrame:
    """``articles`` (with a body) and their signature and LSH band keys, computed where the
    batch is (a worker process): link_near_duplicates then only moves them in DuckDB."""
    sigs, sizes = neardup.signatures(articles["body"])
    return articles.with_columns(
        minhash=pl.Series(sigs.tolist(), dtype=pl.List(pl.UInt64)),
        shingles=pl.Series(sizes, dtype=pl.Int32),
        band_keys=pl.Series(neardup.band_key_matrix(sigs).tolist(), dtype=pl.List(pl.UInt64)),
    )


def link_near_duplicates(wh: Warehouse, batch_size: int = 2000,
                         replaced: str = "staging.replaced") -> None:
    """Set staging.new_articles.dup_of to the first copy of each near-duplicate story (its
    articles carry their signatures: with_signatures).

    Candidates share an LSH band with a published article or with an earlier article of this
    run; they are kept when their MinHash similarity reaches neardup.THRESHOLD. Published
    articles are earlier than anything in this run. The articles in the table ``replaced``
    (doc_id) are being replaced by this run: they, and copies pointing at them, are nobody's
    first copy (their copies follow the replacing article when it is published).
    """
    total = wh.scalar("SELECT count(*) FROM staging.new_articles")
    wh.con.execute("CREATE OR REPLACE TABLE staging.new_sigs AS SELECT doc_id, minhash, "
                   "shingles FROM staging.new_articles")
    # DuckDB unnests the two lists side by side: band i, the article's key of band i.
    wh.con.execute(f"CREATE OR REPLACE TABLE staging.new_bands AS SELECT "
                   f"unnest(range({neardup.BANDS}))::SMALLINT AS band, unnest(band_keys) AS key, "
                   f"doc_id FROM staging.new_articles")
    if total == 0:
        return
    # The published articles sharing a band key with this run: one scan of the index, on the
    # key alone (it hashes the band in); the small result is then matched on (band, key).
    wh.con.execute(
        "CREATE OR REPLACE TABLE staging.band_hits AS SELECT band, key, doc_id "
        "FROM dedup.article_bands WHERE key IN (SELECT key FROM staging.new_bands)")
    # The candidates, chosen by the rule the bench measures (neardup.candidate_pairs), from
    # the run's band keys and the published ones they hit (published articles come first).
    keys = wh.frame(
        f"""
        SELECT band, key, doc_id, -1::BIGINT AS rank FROM staging.band_hits
        WHERE (band, key) IN (SELECT (band, key) FROM staging.new_bands)
          AND doc_id NOT IN (SELECT doc_id FROM {replaced})
        UNION ALL
        SELECT b.band, b.key, b.doc_id, a.seq::BIGINT FROM staging.new_bands b
        JOIN staging.new_articles a USING (doc_id)
        """
    )
    wh.stage("dup_candidates", neardup.candidate_pairs(keys))
    # The published candidates' signatures and first copies, read once for the whole chunk;
    # the candidates are then verified in batches from staging alone: memory stays bounded.
    wh.con.execute(
        """
        CREATE OR REPLACE TABLE staging.published_candidates AS
        SELECT o.doc_id, o.minhash, o.shingles, a.dup_of
        FROM dedup.article_signatures o LEFT JOIN articles a USING (doc_id)
        WHERE o.doc_id IN (SELECT other FROM staging.dup_candidates WHERE other_rank = -1)
        """
    )
    verified = []
    for offset in range(0, total, batch_size):
        candidates = wh.frame(
            f"""
            SELECT c.doc_id, coalesce(p.dup_of, c.other) AS other, c.other_rank,
                   s.minhash AS a, coalesce(t.minhash, p.minhash) AS b,
                   s.shingles AS size_a, coalesce(t.shingles, p.shingles) AS size_b
            FROM staging.dup_candidates c
            JOIN (SELECT doc_id FROM staging.new_articles ORDER BY seq LIMIT ? OFFSET ?) n
                 USING (doc_id)
            JOIN staging.new_sigs s ON s.doc_id = c.doc_id
            LEFT JOIN staging.new_sigs t ON t.doc_id = c.other
            -- a published candidate stands for its own first copy (an article of this run
            -- may share its doc_id with the published article it replaces: not that one)
            LEFT JOIN staging.published_candidates p
                 ON p.doc_id = c.other AND c.other_rank = -1
            WHERE coalesce(p.dup_of, c.other) <> c.doc_id
              -- a published copy of a story being replaced is nobody's first copy
              AND (c.other_rank >= 0
                   OR coalesce(p.dup_of, c.other) NOT IN (SELECT doc_id FROM {replaced}))
            """,
            [batch_size, offset],
        )
        if candidates.is_empty():
            continue
        similar = neardup.is_near_duplicate(
            _matrix(candidates["a"]), _matrix(candidates["b"]),
            candidates["size_a"].to_numpy(), candidates["size_b"].to_numpy(),
        )
        verified.append(candidates.filter(similar).select("doc_id", "other", "other_rank"))
    wh.drop_staged("band_hits", "dup_candidates", "published_candidates")
    if not verified:
        return
    links = neardup.resolve_first_copies(pl.concat(verified))
    wh.stage("dup_links", links)
    wh.con.execute(
        "UPDATE staging.new_articles SET dup_of = l.dup_of FROM staging.dup_links l "
        "WHERE staging.new_articles.doc_id = l.doc_id"
    )
    wh.drop_staged("dup_links")


def _matrix(signatures: pl.Series) -> np.ndarray:
    """(n, NUM_BINS) uint64 from a column of MinHash lists."""
    return signatures.list.to_array(neardup.NUM_BINS).to_numpy()
