"""Ingest: read every record, find its article, stage, gate, publish the new unique articles
(and, with replace, what the files hold now in place of what earlier runs loaded from them)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from expectations.gate import GateResult, combined, run_gate
from flows.batches import BATCH_BYTES, CHUNK_BYTES, rows_within, spans
from flows.check import gate_params
from flows.dedup import (
    INDEX_TABLES,
    SIGNATURE_COLUMNS,
    attach_index,
    link_near_duplicates,
    with_signatures,
)
from flows.progress import RunProgress
from flows.sources import (
    ReadOptions,
    find_inputs,
    read_record_batches,
    refused_records,
    source_of,
)
from flows.stages.common import (
    ENRICH_BATCH,
    INGEST_BATCH,
    Mapper,
    NothingToRead,
    RunSummary,
    add_term_counts,
    check_chunk,
    local_map,
    quarantine_bad_rows,
    recent_median,
    record_gate,
)
from flows.warehouse import ARTICLE_WEEK, Warehouse, articles_at, with_text_bytes
from transforms import trends
from transforms.articles import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, build_articles
from transforms.reasons import ReasonCode

# Records read, checked and published together: a run of any size is a series of bounded
# chunks, each in its own short transaction on the private working copy (flows.writer).
INGEST_CHUNK = 20_000
# ... or fewer, where their articles' text reaches this size (flows.batches).
INGEST_CHUNK_BYTES = CHUNK_BYTES


def _articles_of(args: tuple[pl.DataFrame, datetime]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A batch's articles, signed for the near-duplicate index (flows.dedup), and its
    quarantined records: the mapper's share of the work."""
    raw, now = args
    articles, quarantined = _built(raw, now)
    return with_signatures(articles), quarantined


def _built(raw: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``build_articles``; where it raises (a date past the datetime range, say), the records
    it raises on are quarantined with the error and the rest of the batch is built without
    them: one bad record never stops a run."""
    try:
        return build_articles(raw, now)
    except Exception:  # noqa: BLE001 (found record by record below)
        pass
    alone, failed = [], []
    for index in range(raw.height):
        record = raw.slice(index, 1)
        try:
            alone.append(build_articles(record, now))
        except Exception as exc:  # noqa: BLE001 (the record's quarantine row says what)
            failed.append(index)
            alone.append((pl.DataFrame(schema=ARTICLE_SCHEMA), _unbuildable(record, exc)))
    unbuildable = [alone[index][1] for index in failed]
    rest = raw.with_row_index("_row").filter(~pl.col("_row").is_in(failed)).drop("_row")
    try:
        # Built together, the others learn from each other as ever (site template lines).
        articles, quarantined = build_articles(rest, now)
    except Exception:  # noqa: BLE001 (then as each was built alone)
        return pl.concat([a for a, _ in alone]), pl.concat([q for _, q in alone])
    return articles, pl.concat([quarantined, *unbuildable])


def _unbuildable(record: pl.DataFrame, exc: Exception) -> pl.DataFrame:
    return pl.DataFrame({
        "source": record["source"], "record_key": record["record_key"],
        "reason": [f"could not be built into an article: {type(exc).__name__}: {exc}"[:500]],
        "reason_code": [ReasonCode.UNBUILDABLE_RECORD],
        "excerpt": record["text"].str.slice(0, 200),
    }, schema=QUARANTINE_SCHEMA)


class _QuarantineCap:
    """Quarantined records of each file listed one by one up to ``limit``; the rest counted
    (by reason code), for one row per file that says how many more there were and why."""

    def __init__(self, limit: int):
        self.limit = limit
        self.read_errors: dict[str, int] = {}  # records the readers could not read, per file
        self.listed: dict[str, int] = {}  # quarantine rows kept, per file
        self.unlisted: dict[str, Counter] = {}

    def read_batch(self, raw: pl.DataFrame) -> pl.DataFrame:
        """``raw`` without its unreadable records past the limit (before they are built)."""
        unreadable = pl.col("error").is_not_null()
        if raw.get_column("error").null_count() == raw.height:
            return raw
        ranked = raw.with_columns(_nth=unreadable.cum_sum().over("source")
                                  + self._before(self.read_errors))
        for source, n in raw.filter(unreadable).group_by("source").len().iter_rows():
            self.read_errors[source] = self.read_errors.get(source, 0) + n
        over = unreadable & (pl.col("_nth") > self.limit)
        self._count(ranked.filter(over), "error_code")
        return ranked.filter(~over).drop("_nth")

    def quarantined(self, rows: pl.DataFrame) -> pl.DataFrame:
        """A chunk's quarantine rows, without those past the limit of their file."""
        ranked = rows.with_columns(_nth=pl.int_range(1, pl.len() + 1).over("source")
                                   + self._before(self.listed))
        over = pl.col("_nth") > self.limit
        kept = ranked.filter(~over).drop("_nth")
        for source, n in kept.group_by("source").len().iter_rows():
            self.listed[source] = self.listed.get(source, 0) + n
        self._count(ranked.filter(over), "reason_code")
        return kept

    @staticmethod
    def _before(counts: dict[str, int]) -> pl.Expr:
        """Per row, the count of its file so far."""
        if not counts:
            return pl.lit(0, pl.Int64)
        return pl.col("source").replace_strict(counts, default=0, return_dtype=pl.Int64)

    def _count(self, dropped: pl.DataFrame, code: str) -> None:
        for source, reason_code, n in dropped.group_by("source", code).len().iter_rows():
            counts = self.unlisted.setdefault(source, Counter())
            counts[reason_code or ReasonCode.UNREADABLE_FILE] += n

    def rows(self) -> pl.DataFrame:
        """One quarantine row per file with records past the limit."""
        rows = [{"source": source, "record_key": f"{Path(source).name} (more quarantined)",
                 "reason": f"{counts.total():,} more records of this file were quarantined "
                           f"({', '.join(f'{c} {n:,}' for c, n in counts.most_common())}); "
                           f"the first {self.limit:,} are listed one by one "
                           "(COMENTION_MAX_QUARANTINED_PER_FILE)",
                 "reason_code": ReasonCode.MORE_QUARANTINED, "excerpt": None}
                for source, counts in self.unlisted.items()]
        return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA)

    @property
    def total(self) -> int:
        return sum(counts.total() for counts in self.unlisted.values())


@dataclass
class _Tally:
    """What the chunks of a run add up to, for the summary and the run-level checks."""

    records: int = 0
    staged: int = 0
    loaded: int = 0
    near: int = 0
    quarantined: int = 0
    dated_by_file_time: int = 0
    first_date: date | None = None
    last_date: date | None = None
    # reason code → [reason, records, an example source]
    reasons: dict[str, list] = field(default_factory=dict)
    # New articles the row-level checks sent to quarantine (counted there, not as duplicates).
    rejected: int = 0
    gates: list[GateResult] = field(default_factory=list)
    cap: _QuarantineCap = field(default_factory=lambda: _QuarantineCap(
        ReadOptions().max_quarantined_per_file))


def ingest(
    wh: Warehouse, run_id: str, paths: list[str], summary: RunSummary,
    options: ReadOptions | None = None, mapper: Mapper = local_map, replace: bool = False,
    progress: RunProgress | None = None,
) -> None:
    """Read every record, find its article, and write the new unique ones, chunk by chunk.

    Records are read here; finding the articles in them (the heavy part) runs through
    ``mapper`` a few batches at a time, so a Dask cluster can share it out. Each chunk is
    deduplicated against everything written before it, checked (row-level checks) and
    written in its own transaction; the run-level checks (every record accounted for, the
    quarantine rate) come at the end. The chunks go to the run's private working copy: a failed
    check throws the whole run away (flows.writer), so the published warehouse never sees it.
    With ``replace``, what earlier runs loaded from these files is removed first and replaced
    by what they hold now (corrected dates, fields).
    """
    progress = progress or RunProgress()
    options = options or ReadOptions()
    # A warehouse kept in the dump folder: its own files (copies, .wal, lock) are not input.
    inputs = find_inputs(paths, follow_links=options.follow_links, warehouse=summary.db)
    files = inputs.files
    summary.hidden = [str(path) for path in inputs.hidden]
    summary.own_files = [str(path) for path in inputs.own]
    attach_index(wh)
    # What the finder refused (links out of the folders given, FIFOs, unreadable folders) is
    # a record of the run too: one quarantine row each, replaced when it is met again.
    refused = refused_records(inputs.refused)
    wh.stage("run_sources", pl.DataFrame({"source": [source_of(f) for f in files]
                                          + refused["source"].to_list()}))
    wh.con.execute(
        "CREATE OR REPLACE TABLE staging.replaced AS SELECT doc_id, source, record_key "
        "FROM articles WHERE ? AND source IN (SELECT source FROM staging.run_sources)",
        [replace])
    if replace:
        summary.replaced = _remove_replaced(wh)
    clear_file_quarantine(wh, replace)
    params = gate_params(wh)
    tally = _Tally(cap=_QuarantineCap((options or ReadOptions()).max_quarantined_per_file))
    now = datetime.now(UTC)

    def raw_batches(advance) -> Iterator[tuple[pl.DataFrame, datetime]]:
        # Batches of INGEST_BATCH records across files: pages saved one per file are
        # extracted together, so the text-dump extractor learns each site's template lines.
        readers = (read_record_batches(path, options, batch_rows=INGEST_BATCH)
                   for path in files)
        for batch in _rebatched(itertools.chain([[refused]] if refused.height else [],
                                                readers)):
            tally.records += batch.height
            advance(batch.height)
            batch = tally.cap.read_batch(batch)
            if batch.height:
                yield batch, now

    with progress.counter("reading", unit="records") as advance:
        # The mapper reads ahead while the chunk before is written here.
        built: list[tuple[pl.DataFrame, pl.DataFrame]] = []
        rows = size = 0
        for articles, quarantined in mapper(_articles_of, raw_batches(advance)):
            built.append((articles, quarantined))
            rows += articles.height + quarantined.height
            size += _text_bytes(articles, "body")
            if rows >= INGEST_CHUNK or size >= INGEST_CHUNK_BYTES:
                _load_chunk(wh, run_id, built, tally, params, summary)
                built, rows, size = [], 0, 0
        if built:
            _load_chunk(wh, run_id, built, tally, params, summary)
    _record_unlisted(wh, run_id, tally)
    if tally.records == 0:
        hidden = (f" ({hidden_note(summary.hidden)})" if summary.hidden else "")
        raise NothingToRead(f"no records found in {', '.join(paths)}{hidden}")
    if replace:
        _relink_copies(wh, run_id)

    summary.records_seen = tally.records
    summary.articles_loaded = tally.loaded
    summary.quarantined = tally.quarantined
    summary.duplicates = tally.staged - tally.loaded - tally.rejected
    summary.dated_by_file_time = tally.dated_by_file_time
    summary.first_date, summary.last_date = tally.first_date, tally.last_date
    summary.quarantine_reasons = [
        tuple(row) for row in sorted(tally.reasons.values(), key=lambda r: -r[1])[:3]]
    run_stats = pl.DataFrame({
        "records_seen": [tally.records],
        "records_accounted": [summary.articles_loaded + summary.duplicates
                              + summary.quarantined],
        "quarantine_rate": [summary.quarantined / tally.records],
        "duplicate_rate_rise": [_duplicate_rate_rise(wh, run_id, tally)],
    })
    tally.gates.append(run_gate("ingest", {"run": run_stats.to_pandas()}, params, partial=True))
    record_gate(wh, run_id, combined("ingest", tally.gates), summary)
    summary.near_duplicates = tally.near
    # staging.run_sources stays for the run: a failed run clears its files' quarantine rows.
    wh.drop_staged("replaced", "successors")


def hidden_note(hidden: list[str]) -> str:
    """What a run left out as hidden, in words for its summary."""
    names = ", ".join(Path(path).name for path in hidden[:3]) + (", …" if len(hidden) > 3 else "")
    things = "hidden file or folder" if len(hidden) == 1 else "hidden files or folders"
    return f"left out {len(hidden):,} {things} ({names}): name a hidden file to read it"


def own_files_note(own: list[str]) -> str:
    """What a run left out as the warehouse's own files, in words for its summary."""
    names = ", ".join(Path(path).name for path in own[:3]) + (", …" if len(own) > 3 else "")
    return (f"left out {len(own):,} {'entry' if len(own) == 1 else 'entries'} of the "
            f"warehouse itself ({names}): a warehouse is never read as input")


def _rebatched(files: Iterator[Iterator[pl.DataFrame]]) -> Iterator[pl.DataFrame]:
    """The record frames of every file, in order, cut and joined into frames of INGEST_BATCH
    rows, or fewer where their text reaches BATCH_BYTES (the last may be shorter)."""
    pending: list[pl.DataFrame] = []
    rows = size = 0
    for frames in files:
        for frame in frames:
            pending.append(frame)
            rows += frame.height
            size += _text_bytes(frame)
            while rows >= INGEST_BATCH or size >= BATCH_BYTES:
                joined = pl.concat(pending)
                cut = _rows_within(joined)
                yield joined.slice(0, cut)
                rest = joined.slice(cut)
                pending, rows, size = [rest], rest.height, _text_bytes(rest)
    if rows:
        yield pl.concat(pending)


def _text_bytes(frame: pl.DataFrame, *columns: str) -> int:
    """The bytes of text in a frame's ``columns`` (a raw record frame's title and text)."""
    return sum(frame.get_column(c).str.len_bytes().sum() or 0
               for c in columns or ("title", "text"))


def _rows_within(frame: pl.DataFrame) -> int:
    """How many of the frame's first rows make a batch: INGEST_BATCH, or fewer where their
    text reaches BATCH_BYTES; one at least (flows.batches)."""
    sizes = (frame.get_column("title").str.len_bytes().fill_null(0)
             + frame.get_column("text").str.len_bytes().fill_null(0))
    return rows_within(sizes, INGEST_BATCH, BATCH_BYTES)


def _record_unlisted(wh: Warehouse, run_id: str, tally: _Tally) -> None:
    """The quarantined records not listed one by one: counted, and one row per file."""
    if not tally.cap.unlisted:
        return
    for counts in tally.cap.unlisted.values():
        for code, n in counts.items():
            seen = tally.reasons.setdefault(code, [f"quarantined: {code}", 0, None])
            seen[1] += n
    tally.quarantined += tally.cap.total
    wh.stage("unlisted", tally.cap.rows())
    wh.con.execute(
        "INSERT INTO quarantine BY NAME SELECT ? AS run_id, 'ingest' AS stage, * "
        "FROM staging.unlisted ON CONFLICT DO NOTHING", [run_id])
    wh.drop_staged("unlisted")


def _load_chunk(wh: Warehouse, run_id: str, built: list[tuple[pl.DataFrame, pl.DataFrame]],
                tally: _Tally, params: dict, summary: RunSummary) -> None:
    """Deduplicate, check and write one chunk of built articles and quarantined records."""
    raw = pl.concat([a for a, _ in built]).with_columns(
        seq=pl.int_range(tally.staged, tally.staged + pl.len()))
    quarantined = pl.concat([q for _, q in built])
    tally.quarantined += quarantined.height
    quarantined = tally.cap.quarantined(quarantined)
    wh.stage("raw_articles", raw)
    wh.stage("quarantine", quarantined)
    # First copy of each text wins; texts published before (by earlier runs or chunks) are
    # duplicates, not reloaded.
    wh.con.execute(
        """
        CREATE OR REPLACE TABLE staging.new_articles AS
        SELECT *, NULL::VARCHAR AS dup_of FROM staging.raw_articles
        WHERE doc_id NOT IN (SELECT doc_id FROM articles)
        QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY seq) = 1
        """
    )
    link_near_duplicates(wh, batch_size=ENRICH_BATCH)
    tally.staged += raw.height
    for code, reason, count, source in wh.con.execute(
            "SELECT coalesce(reason_code, reason), any_value(reason), count(*), "
            "any_value(source) FROM staging.quarantine GROUP BY 1").fetchall():
        seen = tally.reasons.setdefault(code, [reason, 0, source])
        seen[1] += count
    # Rejected records are kept whatever the checks say: nothing read is ever lost.
    wh.con.execute(
        "INSERT INTO quarantine BY NAME SELECT ? AS run_id, 'ingest' AS stage, source, "
        "record_key, reason, any_value(reason_code) AS reason_code, any_value(excerpt) "
        "AS excerpt FROM staging.quarantine GROUP BY source, record_key, reason "
        "ON CONFLICT DO NOTHING", [run_id])
    articles_batch = wh.frame(f"SELECT * EXCLUDE (seq, body, {', '.join(SIGNATURE_COLUMNS)}), "
                              "length(body) AS body_chars FROM staging.new_articles").to_pandas()
    # Bodies stay in DuckDB: the checks see their length, not their text.
    gate = run_gate("ingest", {"articles": articles_batch}, params, partial=True)
    check_chunk(wh, run_id, gate, tally.gates, summary)
    rejected = quarantine_bad_rows(wh, run_id, gate, {"articles": articles_batch})
    if rejected:  # nor do they stay in the near-duplicate index
        for staged in ("new_sigs", "new_bands"):
            wh.con.execute(f"DELETE FROM staging.{staged} WHERE doc_id NOT IN "
                           "(SELECT doc_id FROM staging.new_articles)")
    tally.quarantined += rejected
    tally.rejected += rejected
    loaded, near, by_file_time, first, last = wh.con.execute(
        "SELECT count(*), count(dup_of), count(*) FILTER (date_source = 'file_mtime'), "
        "min(published_at AT TIME ZONE 'UTC')::DATE, max(published_at AT TIME ZONE 'UTC')::DATE "
        "FROM staging.new_articles").fetchall()[0]
    tally.loaded += loaded
    tally.near += near
    tally.dated_by_file_time += by_file_time
    if first is not None:
        tally.first_date = min(filter(None, (tally.first_date, first)))
        tally.last_date = max(filter(None, (tally.last_date, last)))
    # The index first (DuckDB writes one database per transaction): should the articles'
    # transaction fail, the run is thrown away and the index repaired (flows.writer).
    with wh.transaction() as con:
        con.execute("INSERT INTO dedup.article_signatures SELECT doc_id, minhash, shingles "
                    "FROM staging.new_sigs")
        con.execute("INSERT INTO dedup.article_bands SELECT band, key, doc_id "
                    "FROM staging.new_bands")
    with wh.transaction() as con:
        con.execute(
            """
            INSERT INTO articles (doc_id, source, record_key, url, site, title, author, body,
                                  published_at, date_source, lang, n_words, dup_of, run_id)
            SELECT doc_id, source, record_key, url, site, title, author, body, published_at,
                   date_source, lang, n_words, dup_of, ? FROM staging.new_articles
            """,
            [run_id],
        )
    # A replaced article whose text came back (the same doc_id) is an article again: later
    # chunks may link their copies to it.
    wh.con.execute("DELETE FROM staging.replaced WHERE doc_id IN "
                   "(SELECT doc_id FROM staging.new_articles)")
    wh.drop_staged("raw_articles", "quarantine", "new_articles", "new_sigs", "new_bands")


def clear_file_quarantine(wh: Warehouse, replace: bool) -> None:
    """The quarantine describes the files as they are now: the rows of earlier reads of the
    files in staging.run_sources go (their enrich rows too, with replace: those articles go)."""
    wh.con.execute(
        "DELETE FROM quarantine WHERE source IN (SELECT source FROM staging.run_sources) "
        # Rows written before quarantine.stage existed say their stage in the reason.
        "AND coalesce(stage, CASE WHEN reason LIKE 'enrich:%' THEN 'enrich' ELSE 'ingest' "
        "END) IN ('ingest', CASE WHEN ? THEN 'enrich' END)", [replace])


# Tables holding rows derived from an article (keyed by doc_id), cleared when it is replaced.
DERIVED_TABLES = ("country_mentions", "article_countries", "article_themes",
                  "enriched_articles")


def _remove_replaced(wh: Warehouse) -> int:
    """Before a replacing run reads its files: the articles earlier runs loaded from them
    (staging.replaced) go,
    with everything derived from them and the term counts they added (their mentions and
    themes come back in enrich). The weeks they were in are recomputed by the marts. Returns
    how many went."""
    wh.con.execute(
        f"INSERT INTO staging.touched_weeks SELECT DISTINCT {ARTICLE_WEEK} FROM articles "
        "WHERE doc_id IN (SELECT doc_id FROM staging.replaced) "
        "OR dup_of IN (SELECT doc_id FROM staging.replaced)")
    terms = _term_counts(wh, "dup_of IS NULL AND doc_id IN (SELECT doc_id FROM enriched_articles) "
                             "AND doc_id IN (SELECT doc_id FROM staging.replaced)")
    with wh.transaction() as con:
        for table in INDEX_TABLES:
            con.execute(f"DELETE FROM dedup.{table} WHERE doc_id IN "
                        "(SELECT doc_id FROM staging.replaced)")
    with wh.transaction() as con, wh.incoming(terms):
        for table in DERIVED_TABLES:
            con.execute(
                f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM staging.replaced)")
        con.execute("DELETE FROM articles WHERE doc_id IN (SELECT doc_id FROM staging.replaced)")
        con.execute("UPDATE term_weekly SET articles = term_weekly.articles - r.articles "
                    "FROM _incoming r WHERE term_weekly.week = r.week "
                    "AND term_weekly.term = r.term")
        if wh.scalar("SELECT count(*) FROM term_weekly WHERE articles < 0"):
            raise RuntimeError("term_weekly would count below zero: the replaced articles' "
                               "terms were not all counted (nothing was changed)")
        con.execute("DELETE FROM term_weekly WHERE articles = 0")
    return wh.scalar("SELECT count(*) FROM staging.replaced")


def _term_counts(wh: Warehouse, where: str) -> pl.DataFrame:
    """week, term, articles of the published articles matching ``where``, in batches bounded
    in records and bytes (flows.batches)."""
    rows = with_text_bytes(wh, wh.frame(f"SELECT rowid, doc_id FROM articles WHERE {where} "
                                        "ORDER BY rowid"))
    parts = [pl.DataFrame(schema={"week": pl.Date, "term": pl.Utf8, "articles": pl.Int64})]
    for start, length in spans(rows["size"], ENRICH_BATCH, BATCH_BYTES):
        parts.append(trends.docs_term_weekly(
            articles_at(wh, rows["rowid"].slice(start, length).to_list())))
    return pl.concat(parts).group_by("week", "term").agg(pl.col("articles").sum())


def _relink_copies(wh: Warehouse, run_id: str) -> None:
    """After a replacing run: copies of a replaced story follow the article that replaces it
    (the same record of the same file); copies of a story no article replaces stand on their
    own, and their terms count from now on."""
    wh.con.execute(
        "CREATE OR REPLACE TABLE staging.successors AS SELECT r.doc_id AS old, n.doc_id AS new "
        "FROM staging.replaced r JOIN articles n USING (source, record_key) "
        "WHERE n.run_id = ? AND n.dup_of IS NULL", [run_id])
    orphans = _term_counts(
        wh, "doc_id IN (SELECT doc_id FROM enriched_articles) "
        "AND dup_of IN (SELECT doc_id FROM staging.replaced) "
        "AND dup_of NOT IN (SELECT old FROM staging.successors)")
    with wh.transaction() as con, wh.incoming(orphans):
        con.execute("UPDATE articles SET dup_of = s.new FROM staging.successors s "
                    "WHERE articles.dup_of = s.old AND s.old <> s.new")
        con.execute("UPDATE articles SET dup_of = NULL WHERE dup_of IN "
                    "(SELECT doc_id FROM staging.replaced) AND dup_of NOT IN "
                    "(SELECT doc_id FROM articles)")
        add_term_counts(wh, "SELECT * FROM _incoming")


def _duplicate_rate_rise(wh: Warehouse, run_id: str, tally: _Tally) -> float:
    """This run's share of duplicate records (exact and near) minus the recent runs' median."""
    rate = (tally.staged - tally.loaded - tally.rejected + tally.near) / max(tally.records, 1)
    usual = recent_median(
        wh, "SELECT (r.duplicates + count(a.dup_of)) / r.records_seen AS v FROM runs r "
        "LEFT JOIN articles a ON a.run_id = r.run_id WHERE r.status = 'success' "
        "AND r.records_seen > 0 GROUP BY r.run_id, r.duplicates, r.records_seen, r.started_at "
        "ORDER BY r.started_at DESC LIMIT ?",
    )
    return 0.0 if usual is None else rate - usual
