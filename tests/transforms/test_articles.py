from datetime import UTC, datetime

import polars as pl

from flows.sources import RAW_SCHEMA
from transforms.articles import (
    QUARANTINE_SCHEMA,
    ReasonCode,
    build_articles,
    doc_id_of,
    template_group,
)
from transforms.language import language_of

NOW = datetime(2026, 11, 28, tzinfo=UTC)
BODY = "The finance ministry said on Monday that exports rose sharply in the third quarter. " * 3
PAGE = "\n\n".join([
    "Exports Rise Sharply In The Third Quarter",
    "The finance ministry said on Monday that exports rose sharply this year, and officials "
    "expect the trend to continue into the next quarter as well.",
    "Car makers and chemical companies sold more abroad than at any time since the records "
    "began, according to the figures published by the statistics office.",
    "Economists warned that the strong currency could slow the growth of exports next year, "
    "while the ministry said it saw no sign of that in the orders so far.",
])


def raw(**overrides) -> dict:
    return {name: None for name in RAW_SCHEMA} | {
        "source": "/dumps/site/a.jsonl", "record_key": "a.jsonl:1", "kind": "article",
        "text": BODY, "file_mtime": datetime(2024, 1, 2, tzinfo=UTC),
    } | overrides


def build(*records):
    return build_articles(pl.DataFrame(list(records), schema=RAW_SCHEMA), NOW)


def test_doc_id_ignores_case_and_whitespace():
    assert doc_id_of("Hello  World\n") == doc_id_of("hello world")


def test_record_date_wins_over_file_time():
    articles, quarantined = build(raw(date_raw="2023-05-01T10:00:00Z"))
    row = articles.row(0, named=True)
    assert row["date_source"] == "record" and row["published_at"].year == 2023
    assert row["lang"] == "en" and row["n_words"] > 20 and quarantined.is_empty()


def test_url_date_then_file_time():
    articles, _ = build(raw(url="https://news.example/2021/03/04/story"), raw(record_key="k2"))
    assert articles["date_source"].to_list() == ["url", "file_mtime"]
    # The folder an export was saved in ("site") is not a site.
    assert articles["site"].to_list() == ["news.example", None]


def test_site_from_the_record_the_url_the_page_or_a_file_named_after_it():
    html = ("<html><head><meta property='og:site_name' content='The Daily Example'></head>"
            f"<body><article><h1>Exports rise</h1><p>{BODY}</p><p>{BODY}</p></article>"
            "</body></html>")
    printed = (PAGE + "\n\nShare: https://www.dailyglobe.example/2024/01/"
               "exports-rise-sharply-in-the-third-quarter\n")
    articles, _ = build(
        raw(record_key="r1", site="https://www.Reuters.com/markets", url="https://other.example/a"),
        raw(record_key="r2", site="BBC News"),
        raw(record_key="r3", url="https://www.news.example/2021/03/04/story"),
        raw(source="/in/p.html", record_key="p.html", kind="html", text=html),
        raw(source="/in/textdumps/x.txt", record_key="x.txt", kind="page", text=printed),
        raw(source="/in/www.bbc.co.uk_2024-01-02_article.txt",
            record_key="www.bbc.co.uk_2024-01-02_article.txt", kind="page",
            text=PAGE.replace("Monday", "Friday")),
        raw(source="/in/dump.zip", record_key="dump.zip!pages/reuters.com-1234.jsonl:3#a1",
            text=BODY.replace("Monday", "Tuesday")),
        raw(source="/in/textdumps/notes.md", record_key="notes.md", kind="page",
            text=PAGE.replace("Monday", "Sunday")),
    )
    assert dict(zip(articles["record_key"], articles["site"], strict=True)) == {
        "r1": "reuters.com", "r2": "BBC News", "r3": "news.example", "p.html": "The Daily Example",
        "x.txt": "dailyglobe.example", "www.bbc.co.uk_2024-01-02_article.txt": "bbc.co.uk",
        "dump.zip!pages/reuters.com-1234.jsonl:3#a1": "reuters.com", "notes.md": None,
    }


def test_pages_learn_templates_by_site_else_by_folder():
    pages = [raw(source=f"/in/{folder}/{name}", record_key=name, kind="page", url=url)
             for folder, name, url in (("a", "1.txt", None), ("a", "2.txt", None),
                                       ("b", "3.txt", None), ("a", "4.txt", "https://x.example/4"))]
    groups = [template_group(p) for p in pages]
    assert groups[0] == groups[1] != groups[2]
    assert groups[3] == "x.example"


def test_bad_records_are_quarantined_with_reasons_and_stable_codes():
    articles, quarantined = build(
        raw(text="too short"),
        raw(record_key="k1", text="a little longer but still too short"),
        raw(record_key="k2", date_raw="2999-01-01"),
        raw(record_key="k3", date_raw="yesterday-ish"),
        raw(record_key="k4", error="malformed JSON: oops", error_code="malformed_json"),
        raw(record_key="k5", text=""),
        raw(record_key="k6", file_mtime=None),
    )
    assert articles.is_empty()
    assert quarantined.schema == pl.Schema(QUARANTINE_SCHEMA)
    by_key = dict(zip(quarantined["record_key"], quarantined["reason_code"], strict=True))
    assert by_key == {"a.jsonl:1": "too_short", "k1": "too_short", "k2": "implausible_date",
                      "k3": "unparseable_date", "k4": "malformed_json", "k5": "no_article_text",
                      "k6": "no_date"}
    reasons = dict(zip(quarantined["record_key"], quarantined["reason"], strict=True))
    assert reasons["k4"] == "malformed JSON: oops"
    # The human text keeps its numbers; the code does not split on them.
    assert reasons["a.jsonl:1"] != reasons["k1"] and "too short" in reasons["k1"]
    assert "implausible date" in reasons["k2"] and "unparseable date" in reasons["k3"]
    assert set(by_key.values()) <= set(ReasonCode)


def test_language_is_iso_639_1_or_null():
    earnings = ("NEW YORK, March 2 - Shr 34 cts vs 1.19 dlrs Net 3,123,000 vs 2,987,000 "
                "Revs 40.1 mln vs 38.2 mln Avg shrs 9,200,000 vs 2,500,000 Year Shr 1.71 "
                "dlrs vs 3.12 dlrs Net 15.7 mln vs 7,800,000 Revs 161.2 mln vs 150.1 mln Reuter")
    german = ("Die Bundesregierung will die Förderung für Elektroautos im kommenden Jahr "
              "deutlich ausweiten. Das hat der Wirtschaftsminister am Montag in Berlin "
              "angekündigt, nachdem sich die Koalition auf die Eckpunkte geeinigt hatte.")
    assert language_of(earnings) in (None, "en")
    assert language_of(german) == "de"
    assert language_of("") is None and language_of("12 34 56") is None


def test_length_counts_words_in_scripts_written_without_spaces():
    chinese = "财政部周一表示，第三季度出口大幅增长，官员预计这一趋势将持续到下一季度。" * 2
    japanese = "財務省は月曜日、第3四半期の輸出が大幅に増加したと発表した。"
    articles, quarantined = build(raw(record_key="zh", text=chinese),
                                  raw(record_key="ja", text=japanese[:12]))
    assert articles["record_key"].to_list() == ["zh"]
    assert articles["n_words"][0] >= 30  # two characters a word, not 2 "words" between commas
    assert quarantined["reason_code"].to_list() == ["too_short"]


def test_a_short_chinese_page_is_an_article_through_either_extractor():
    # Two paragraphs, 67 characters: as long as an English article of about 35 words.
    paragraphs = ["财政部周一表示，第三季度出口大幅增长，官员预计这一趋势将持续到下一季度。",
                  "分析人士说，出口增长主要得益于电子产品和汽车零部件的需求回升。"]
    dump = "\n".join(["首页", "新闻", "财经", "出口大幅增长", *paragraphs, "相关文章", "版权所有"])
    html = ("<html><body><nav><a>首页</a><a>新闻</a></nav><article><h1>出口大幅增长</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>")
    articles, quarantined = build(raw(record_key="dump", kind="page", text=dump),
                                  raw(record_key="html", kind="html", text=html))
    assert quarantined.is_empty()
    assert sorted(articles["record_key"].to_list()) == ["dump", "html"]
    assert articles["n_words"].min() >= 30
