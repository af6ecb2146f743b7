"""Find the article inside a text page dump: title, body, and where the body starts and ends.

A saved page is a column of lines: navigation, teasers (often printed twice), an author box, the
article, "more reads", comment prompts, a ticker. Each line is scored from its own features
(length, sentence punctuation, stop-word density, bullets, relative-time prefixes, call-to-action
phrases, ticker tokens, repetition within the page and across pages of the same site), and the
article is the contiguous run of lines with the highest total score (a maximum-subarray search, as
in Finn's Body Text Extraction), so short headings between paragraphs are kept while the chrome
around the article is cut off.

All line features are computed for a whole batch of pages at once with Polars expressions; only
the per-page segment search walks the (few hundred) line scores.

Speed: Rust's regex engine leaves its fast automata for a slow one when a pattern has a Unicode
word boundary and the line is not ASCII, and more so under (?i). So case-insensitive patterns
are matched against the lower-cased line, alternatives that slow each other are matched one by
one, and the byline-date pattern only reads the few lines that can be a date line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache, partial

import numpy as np
import polars as pl
import regex
import stopwordsiso
from trafilatura.utils import RE_FILTER as SOCIAL_LINK

from transforms.dates import (
    BYLINE_DATE_PATTERN,
    find_date_hint,
    first_publication_date,
    printed_dates,
)
from transforms.language import LANG_SAMPLE_CHARS, languages_of
from transforms.words import UNSPACED, spaced_tokens, unspaced_characters, word_count

# The most frequent function words of the languages news dumps come in most (en, de, fr, es, pt,
# it, nl, id, ru); their density separates prose from menus and headlines in any of them. A page
# in another language also counts its language's stopwords-iso list (50+ languages): not for
# these nine, whose fuller lists hold menu words ("home", "world", "new").
STOPWORD_LANGUAGES = frozenset({"en", "de", "fr", "es", "pt", "it", "nl", "id", "ru"})
STOPWORDS = sorted(set(
    # en
    "a about after all also an and any are as at be because been but by can could did do does "
    "for from had has have he her his how i if in into is it its more most my no not of on one "
    "or our out over she so some such than that the their them then there these they this those "
    "to under up was we were what when where which while who will with would you your "
    # de
    "der die das und ist nicht ein eine zu den mit sich des auf für von dem im auch es an wie "
    "aus bei nach wird sind noch nur oder aber wenn über "
    # fr
    "le la les et est un une des du dans que qui pour pas sur au avec ce il elle sont par plus ne "
    "se mais ou aux cette "
    # es / pt
    "el los las y es en un una que por con para del al se no lo su como pero más o "
    "os as e um uma do da dos das em não na no com para mais ao pela pelo "
    # it
    "il di che è per una non sono della del nel alla gli anche come più ma ci "
    # nl
    "de het een en is van op te dat zijn met voor niet aan er maar ook als bij "
    # id
    "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke karena ada "
    # ru
    "и в не на что с по как это он она они из за от но так для же то"
    .split()
))

_BULLET = r"^\s*[•·▪►‣◦*\-–]\s+"
_REL_TIME = (
    r"^\s*(?:[•·▪►‣◦*\-–]\s*)?\d+\s*(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?"
    r"|d|days?|w|weeks?|months?|years?)\b"
)
_AGO = r"\b\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?)\s+ago\b"
# Patterns matched against the lower-cased line: case-insensitive without (?i).
_CALL_TO_ACTION = (
    r"\b(?:leave a comment|comments?\s*\(\d+\)|sign up|sign in|log in|subscribe|newsletter"
    r"|download (?:the|our)|get the app|read more|more top reads|related (?:articles|stories)"
    r"|share (?:this|on)|follow us|back to (?:top|homepage)|advertisement|cookie"
    r"|all rights reserved|terms of (?:use|service)|privacy policy|click here|you may also like"
    r"|recommended for you|most popular|trending now|skip to)\b"
)
# Matched one by one: as one alternation, the Unicode word boundaries of some slow down all.
# Each needs a digit or "Vol.".
_TICKER = (
    r"(?:^|\s)[+\-−]\d+(?:[.,]\d+)?%?(?:\s|$)",
    r"\b\d+\.\d+[KMB]\b",
    r"\bVol\.",
    r"^[A-Z][A-Z&.\s]{1,24}\s[+\-−]?\d+\.\d+$",
)
_SENTENCE_END = r"[.!?…:;。！？」』]['\"’”)\]]*$"
# Legal and footer lines: chrome however long they are (lower-cased line).
_LEGAL = (
    r"©|\(c\) ?\d{4}|\ball rights reserved\b|\bregistered trademarks?\b|\bcookies?\b.*\b(?:use|"
    r"accept|consent)|\bterms (?:of|and) (?:use|service|conditions)\b|\bprivacy (?:policy|notice)\b"
)
# Where the article ends: a comment thread or a block of other stories. Lines after one of
# these (once the page has had some prose) are probably not the article (lower-cased line).
_SECTION_END_STARTS = (
    r"\d+\s+(?:comments?|responses?|replies|thoughts)\b",
    r"(?:leave|post|add|write) a (?:reply|comment)",
    r"you must be logged in to (?:post a )?(?:comment|reply)",
    r"(?:top[- ]rated |all |view |read all |show all |show )?comments?\b.{0,20}$",
    r"join the (?:discussion|conversation)",
    r"related\b",
    r"more(?: \S+){1,3}$",
    r"you (?:may|might) also (?:like|enjoy)",
    r"recommended(?: for you)?$",
    r"most (?:popular|read)",
    r"trending(?: now)?$",
    r"read (?:more|next)$",
    r"what to read next",
    # The same in the other languages news dumps come in.
    r"você pode gostar", r"leia também", r"veja também", r"artigos relacionados",
    r"notícias relacionadas", r"comentários", r"lesen sie auch", r"mehr zum thema",
    r"kommentare", r"à lire aussi", r"lire aussi", r"sur le même sujet", r"commentaires",
    r"te puede interesar", r"noticias relacionadas", r"ver también", r"comentarios",
    r"leggi anche", r"articoli correlati", r"potrebbe interessarti", r"commenti", r"baca juga",
    r"berita terkait", r"artikel terkait", r"komentar", r"читайте также", r"похожие",
    r"комментарии", r"関連記事", r"コメント", r"相关文章",
)
# A comment's byline: "12. jane says:" (lower-cased line).
_SAYS = r"\bsays:$"
# Matched one by one (as one alternation they are slower).
_SECTION_END = (r"^\W*(?:" + "|".join(_SECTION_END_STARTS) + r")", _SAYS)
# An author line: "By Jane Roe", "by Jane Roe" (7 of 63 tune pages print it so), "Von …", "Par …",
# "Por …".
_BYLINE = r"^(?:[•·*-]\s*)?(?:By|BY|by|Von|Par|Por|Di|Door|Oleh|Автор)\s+\p{Lu}"
# Picture credits and captions (lower-cased line).
_CAPTION = (
    r"^(?:photo|image|picture|pic|credit|foto|bild|source)s?(?: by| credit)?\s*[:：]"
    r"|\((?:photo|image|picture|credit)s?\b[^)]*\)$|^image \d+ of|getty images$"
    r"|^\(?(?:ap|afp|reuters)(?: photo)?\)?$"
    # Wire-photo captions: "In this Nov. 5, 2019, file photo, …", "… (AP Photo/Jane Roe)".
    r"|^in this .{0,80}\bphoto\b|\((?:ap|afp|reuters|getty)?\s?(?:photo|images?)\s?/[^)]*\)\W*$"
)
# A comment's byline or its buttons: "12. jane says:", "Reply", "Report abuse" (lower-cased
# line; matched one by one).
_COMMENT_BYLINE = (_SAYS, r"^(?:reply|report(?: abuse)?|\d+ (?:likes?|replies))$")
# A link's arrow or a breadcrumb trail: "Home › World ›", "» Coluna de …", "Mensagens » Vida »",
# "You are here: HomeNews…" (lower-cased line): navigation, never a headline (tune half: 4
# pages print breadcrumbs just above the article; titles right 58 -> 60 of 63).
_NAV_ARROW = r"(?:^|\s)[›»>](?:\s|$)|^you are here\b"
# A clock time or a counter: "Your video will play in 00:25", "Updated 12:31 GMT", "Image 1 of
# 5", "Photo 3/10": a player's, a gallery's or an update stamp's line, never a headline (tune
# half: none of the 63 reference headlines has one, 66 other lines of 2 to 30 words do). A
# counter ends the line and counts up to its total: "2019/20" (a season) and "24/7" are none.
_CLOCK = r"\b\d{1,2}:\d\d\b"
_COUNTER = r"\b(\d{1,3})\s*(?:of|von|de|di|sur|из|/)\s*(\d{1,3})\s*$"
# A picture's credit closing its caption: "… (Manu Fernandez/AP)", "… (NASA/JPL/Space Science
# Institute)" (tune half: 3 of 63 pages print one within 60 lines above the body, one scoring
# 0.7 of the headline). Not chrome in the body, where "(km/h)" may end a sentence: never a
# headline.
_PHOTO_CREDIT = r"\([^()/]+/[^()]+\)\W*$"
_TEASER_CUT = r"(?:…|\.\.\.|\[(?:…|\.\.\.)\]|\(…\))$"
_HEADING_MAX_WORDS = 30
# Prose words an article has before a section-end marker can close it (menus above an
# article also say "Most popular").
_PROSE_BEFORE_END = 100
# A section-end marker over a bulleted list of up to _LINK_BOX_MAX_LINKS links, with the
# article going on after it, is a box inside the article: left out, and not its end. Tune half
# of the text dumps: body F1 0.935 -> 0.936 (4 pages' "Related" boxes; 3 to 20 the same; any
# lines under the marker, not only bullets, lose a page whose "you may like" list of quotes
# then reads as the article).
_LINK_BOX_MAX_LINKS = 8
_TITLE_LOOKBACK = 10
# The headline is looked for this many lines above the body (captions, bylines, share bars and
# ads come between), by how much of it the first _LEAD_WORDS words of prose repeat: a line
# scores shared² / its content words, at least _HEADLINE_MIN_SCORE; a sentence of
# _STANDFIRST_MIN_WORDS or more counts _STANDFIRST_WEIGHT of that. Chosen on the tune half of
# the text dumps (titles right: 25 of 63 pages before, 52 so; 100 or 400 lead words lose 1 and
# 8 pages). 60 lines: the same tune pages' HTML rendered as text (bench.bench_extract
# .rendered_pages, which keeps more image and link lines) puts the headline 40 to 60 lines above
# the body on 2 of them: titles right there 58 -> 60 of 63 with 30 -> 60 lines, the text
# dumps' 60 the same (20 loses 3; 80 the same, 120 or 200 lose 1 and 2). The heading fallback,
# with no lead to confirm it, stays within _HEADING_LOOKBACK lines (30 or 60 the same).
_HEADLINE_LOOKBACK = 60
_HEADING_LOOKBACK = 30
_LEAD_WORDS = 200
_HEADLINE_MIN_SCORE = 0.5
_STANDFIRST_MIN_WORDS = 12
_STANDFIRST_WEIGHT = 0.5
# Words are compared by their first _WORD_PREFIX letters, a stemmer for any language written
# with spaces (truncation does about as well as stemmers: McNamee et al., SIGIR 2009). Tune
# half: titles right the same (60 of 63; 4 to 8 letters the same), the headline ahead of every
# other line by half again on 53 pages rather than 51.
_WORD_PREFIX = 5
# A line of _LABEL_MAX_WORDS words or fewer is a section label or a place name ("Hong Kong",
# "Michigan State"), whose words the lead repeats in full: it counts _LABEL_WEIGHT of its
# score. No headline on the tune half has so few words, 200 of the 366 other candidates do.
# Tune half: 58 -> 60 of 63 pages (0.5 to 0.1 the same; 4 words the same, 2 loses one).
_LABEL_MAX_WORDS = 3
_LABEL_WEIGHT = 0.25
# The article's header block: its headline stands above its byline or date, a standfirst or
# a kicker at most between. A line that is not a sentence, with a byline or a date line within
# _BYLINE_BELOW_LINES lines below it, scores _ABOVE_BYLINE_WEIGHT times as much (and is
# preferred when no line shares enough with the lead); another story's teaser or a caption
# between the byline and the body does not. Tune half: 45 of 66 headlines have one so close
# below, 58 of 366 other candidates: a likelihood ratio of 4.3, hence 4; titles right 58 -> 60
# of 63 pages (2 to 10 times the same, 1.5 loses two; 2 or 4 lines lose one).
_BYLINE_BELOW_LINES = 3
_ABOVE_BYLINE_WEIGHT = 4.0
# A standfirst repeats more of the lead than its headline, right above it, does: a line of
# _STANDFIRST_MIN_WORDS or more chosen right below a shorter headline-shaped line (of
# _HEADLINE_ABOVE_STANDFIRST_MIN_WORDS or more words, not a sentence: a kicker or section label
# above a long headline is shorter) that shares a word with the lead gives way to it. Tune
# half: 52 -> 54 of 63 pages (4 or 5 words the same, 3 loses one).
_HEADLINE_ABOVE_STANDFIRST_MIN_WORDS = 4
# A list of other stories' headlines: a candidate with _TEASER_LIST_MIN_ITEMS or more
# headline-shaped lines in a row (itself counted) scores _TEASER_LIST_WEIGHT times as much.
# Tune half, text dumps and the pages' HTML rendered as text: 6 of 135 headline lines stand in such
# a run, 182 of 636 other candidates (a likelihood ratio of 0.16); titles right on the HTML
# rendering 57 -> 58 of 63 (3 to 5 items and 0.25 to 0.5 the same; 0.1 loses one), the text
# dumps the same.
_TEASER_LIST_MIN_ITEMS = 4
_TEASER_LIST_WEIGHT = 0.25
# A block of other stories' teasers: _TEASER_MIN_ITEMS or more items in a row, at most
# _TEASER_MAX_ITEM_LINES lines apart, each one prose line under _TEASER_SUMMARY_MAX_WORDS words
# with a headline-shaped line of _TEASER_HEADLINE_MIN_WORDS or more words above and below it
# (see _teaser_summaries). Tune half of the text dumps: body F1 0.928 -> 0.935 (30 or 40
# words the same, 50 loses a page; 5 to 8 lines the same, 10 or no limit loses pages).
_TEASER_SUMMARY_MAX_WORDS = 40
_TEASER_HEADLINE_MIN_WORDS = 3
_TEASER_MIN_ITEMS = 3
_TEASER_MAX_ITEM_LINES = 8
_LETTERS = re.compile(r"[^\W\d_]+")
_UNSPACED = regex.compile(UNSPACED)
_GLUED_WORDS = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")
_STOP_SET = frozenset(STOPWORDS)
# A byline is a short line; a date inside a sentence is not the article's (see _date_hint).
_BYLINE_MAX_WORDS = 20
# Tokens of a line that is just a date, maybe with a name (see date_line).
_DATE_LINE_MAX_TOKENS = 6
# Every printed date has a year of two or more digits (transforms.dates).
_TWO_DIGITS = r"\d\d"


def page_languages(texts: list[str | None]) -> list[str | None]:
    """Each page's language, as its sentences write it (not its menus): identified from its
    lines of ten words or more (of twenty characters or more in scripts written without
    spaces, transforms.words)."""
    return languages_of([
        "\n".join(line for line in (text or "").splitlines()
                  if len(line.split()) >= 10 or len(_UNSPACED.findall(line)) >= 20
                  )[:LANG_SAMPLE_CHARS]
        for text in texts
    ])


def _line_frame(texts: list[str], sites: list[str | None] | None) -> pl.DataFrame:
    """One row per non-empty line of every page, with the page index, its site and language,
    and the line number."""
    pages = pl.DataFrame(
        {
            "page": pl.Series(range(len(texts)), dtype=pl.Int32),
            "site": pl.Series(sites if sites is not None else [None] * len(texts), dtype=pl.Utf8),
            "lang": pl.Series(page_languages(texts), dtype=pl.Utf8),
            "raw": pl.Series(texts, dtype=pl.Utf8).str.replace_all("\r\n?", "\n"),
        }
    )
    return (
        pages.with_columns(pl.col("raw").str.split("\n").alias("line"))
        .drop("raw")
        .explode("line")
        .with_columns(pl.int_range(pl.len()).over("page").alias("line_no"))
        # Zero-width and no-break spaces are whitespace here: a line of them is empty.
        .with_columns(pl.col("line").str.strip_chars(" \t\u00a0\u200b\u200c\u200d\u2060\ufeff")
                      .alias("text"))
        .filter(pl.col("text").str.len_chars() > 0)
    )


def line_features(lines: pl.DataFrame) -> pl.DataFrame:
    """Add per-line features and a content score; vectorised over every page of the batch."""
    text, lower, n_unspaced = pl.col("text"), pl.col("lower"), pl.col("n_unspaced")
    n_pages_of_site = pl.col("page").n_unique().over("site")
    previous_text = text.shift(1).over("page")
    next_text = text.shift(-1).over("page")
    has_digit = pl.col("has_digit")
    may_be_ticker = has_digit | text.str.contains("Vol.", literal=True)
    # (The navigation pattern's Unicode spaces are slow: it reads only the candidate lines.)
    may_be_nav = text.str.contains("[›»>]") | lower.str.starts_with("you are here")
    may_be_date_line = (
        (pl.col("n_tokens") <= _DATE_LINE_MAX_TOKENS) & pl.col("two_digits")
        # (Embedded posts end in "— Name (@handle) date": not a section end.)
        & ~text.str.contains(r"@|^[—–-]")
    )
    return (
        lines.with_columns(lower=text.str.to_lowercase())
        # Read by several features below.
        .with_columns(
            words=lower.str.extract_all(r"[^\W\d_]+"),
            n_tokens=spaced_tokens(text),
            n_unspaced=unspaced_characters(text),
            has_digit=text.str.contains(r"\d"),
            two_digits=text.str.contains(_TWO_DIGITS),
        )
        .with_columns(
            n_words=word_count(text, n_unspaced, pl.col("n_tokens")),
            unspaced_share=n_unspaced / text.str.len_chars(),
            n_stop=_function_word_count(lines),
            n_alpha_words=pl.col("words").list.len(),
            sentence_end=text.str.contains(_SENTENCE_END),
            inner_sentences=text.str.count_matches(r"[.!?;。！？][\"”’)]?\s+\p{Lu}"),
            bullet=pl.col("line").str.contains(_BULLET),
            rel_time=_contains_where(has_digit, _REL_TIME) | _contains_where(has_digit, _AGO),
            call_to_action=lower.str.contains(_CALL_TO_ACTION),
            legal=lower.str.contains(_LEGAL),
            comment_byline=pl.any_horizontal(lower.str.contains(p) for p in _COMMENT_BYLINE),
            section_end=pl.any_horizontal(lower.str.contains(p) for p in _SECTION_END),
            # A line that is just a date (and maybe a name): a byline or a comment's stamp.
            date_line=_contains_where(may_be_date_line, "(?i)" + BYLINE_DATE_PATTERN),
            ticker=pl.any_horizontal(_contains_where(may_be_ticker, p) for p in _TICKER),
            teaser_cut=text.str.contains(_TEASER_CUT),
            nav_arrow=may_be_nav & pl.when(may_be_nav).then(lower).otherwise(pl.lit(""))
            .str.contains(_NAV_ARROW),
            caption=lower.str.contains(_CAPTION),
            symbols_only=~text.str.contains(r"[\p{L}\p{N}]"),
            numbered=text.str.contains(r"^\d{1,3}[.)]\s+\S"),
            byline=text.str.contains(_BYLINE) & (pl.col("n_tokens") <= 12),
            table_row=text.str.count_matches(r"\S(?:\s{2,}|\t)\S") >= 2,
            all_caps=text.str.contains(r"^[^a-z]*[A-Z]{2}[^a-z]*$"),
            # Printed twice in a row: a teaser. Elsewhere on the page: a menu entry if short;
            # a long sentence repeated later is a pull quote, so only later copies go.
            printed_twice=(text == previous_text).fill_null(False)
            | (text == next_text).fill_null(False),
            repeated=(pl.len().over("page", "text") > 1) & (text.str.len_chars() < 60),
            later_copy=~pl.struct("page", "text").is_first_distinct(),
            # A line on most pages of the same site is the site's template.
            template=(
                (n_pages_of_site >= 5)
                & (pl.col("page").n_unique().over("site", "text") >= 0.5 * n_pages_of_site)
            ),
        )
        .with_columns(
            stop_density=pl.col("n_stop") / pl.max_horizontal(pl.col("n_alpha_words"), 1),
        )
        .with_columns(prose=_prose_expr())
        .with_columns(
            # Prose words seen before this line; a section end only counts after some prose.
            prose_before=pl.when(pl.col("prose")).then(pl.col("n_words")).otherwise(0)
            .cum_sum().over("page") - pl.when(pl.col("prose")).then(pl.col("n_words"))
            .otherwise(0),
        )
        .with_columns(
            # A "Related" box inside an article is a few links, then the article goes on with
            # several paragraphs (a list of teasers has one summary per item).
            prose_follows=pl.sum_horizontal(
                pl.col("prose").shift(-k).over("page").fill_null(False).cast(pl.Int32)
                for k in range(1, 6)
            ) >= 3,
            # Runs of lines, each from a prose line or a section end up to the next one.
            run=(pl.col("section_end") | pl.col("prose")).cast(pl.Int32).cum_sum().over("page"),
        )
        .with_columns(
            # The box and its links, when they are a bulleted list the article goes on after.
            link_box=(pl.col("section_end") & ~pl.col("prose")).first().over("page", "run")
            & (pl.len().over("page", "run") <= 1 + _LINK_BOX_MAX_LINKS)
            & (pl.col("bullet") | pl.col("section_end")).all().over("page", "run")
            & pl.col("prose_follows").last().over("page", "run"),
        )
        .with_columns(article_resumes=pl.col("prose_follows") | pl.col("link_box"))
        .with_columns(
            after_end=(
                (pl.col("section_end") & ~pl.col("article_resumes") | pl.col("date_line")
                 | pl.col("legal"))
                & (pl.col("prose_before") >= _PROSE_BEFORE_END)
            )
            .cast(pl.Int32).cum_max().over("page").cast(pl.Boolean),
        )
        .with_columns(chrome=_chrome_expr())
        .with_columns(score=_score_expr())
    )


def _function_word_count(lines: pl.DataFrame) -> pl.Expr:
    """Function words of each line: those of STOPWORDS, and for a page in a language they do not
    cover (``lang``), that language's stopwords-iso list too."""
    words = pl.col("words")
    count = words.list.eval(pl.element().is_in(STOPWORDS)).list.sum()
    for language in lines["lang"].unique().drop_nulls().to_list():
        if language in STOPWORD_LANGUAGES or not stopwordsiso.has_lang(language):
            continue
        extra = sorted(stopwordsiso.stopwords(language) - _STOP_SET)
        count = count + pl.when(pl.col("lang") == language).then(
            words.list.eval(pl.element().is_in(extra)).list.sum()).otherwise(0)
    return count


def _text_where(candidate: pl.Expr) -> pl.Expr:
    """The line's text where candidate holds, else the empty string: a slow pattern or
    replacement applied to it reads only the candidate lines."""
    return pl.when(candidate).then(pl.col("text")).otherwise(pl.lit(""))


def _contains_where(candidate: pl.Expr, pattern: str) -> pl.Expr:
    """The line matches pattern and candidate holds; the pattern reads only the candidate
    lines."""
    return candidate & _text_where(candidate).str.contains(pattern)


def _prose_expr() -> pl.Expr:
    """Sentences: long enough, punctuated, and dense in function words (or in CJK script).

    A long paragraph whose last sentence lost its full stop still has sentences inside it.
    """
    return (
        (pl.col("sentence_end") & (pl.col("n_words") >= 8)
         | (pl.col("inner_sentences") >= 2) & (pl.col("n_words") >= 20)
         | (pl.col("n_words") >= 20) & (pl.col("stop_density") >= 0.2))
        & ((pl.col("stop_density") >= 0.12) | (pl.col("unspaced_share") >= 0.3))
    )


def _chrome_expr() -> pl.Expr:
    """Lines that are the site's, not the article's, wherever they stand (short lines repeated
    on the page are menus when outside the article, so they are scored, not dropped)."""
    prose = pl.col("prose")
    return (
        pl.col("printed_twice") & (pl.col("n_words") >= 2)
        | pl.col("rel_time")
        | pl.col("call_to_action") & (pl.col("n_words") < 25)
        | pl.col("legal")
        | pl.col("comment_byline")
        | pl.col("caption")
        | pl.col("section_end") & ~prose
        | pl.col("ticker") & ~prose
        | pl.col("teaser_cut")
        | pl.col("template")
    )


def _score_expr() -> pl.Expr:
    """Positive for prose, negative for chrome; short neutral lines cost a little."""
    n = pl.col("n_words").cast(pl.Float64)
    prose = pl.col("prose")
    score = (
        pl.when(pl.col("chrome") | pl.col("repeated") & (pl.col("n_words") >= 2))
        .then(-(5.0 + n))
        .when(prose)
        .then(n)
        .when(pl.col("table_row"))
        .then(-0.5)
        .when(pl.col("sentence_end") & (pl.col("n_words") >= 4) & (pl.col("stop_density") >= 0.2))
        .then(0.5 * n)
        .when(pl.col("bullet") | pl.col("all_caps"))
        .then(-3.0)
        .otherwise(-1.0 - 0.25 * n)
    )
    # After the article's end marker, prose is probably comments or other stories.
    return pl.when(pl.col("after_end") & (score > 0)).then(0.25 * score).otherwise(score)


def _teaser_summaries(lines: dict[str, list]) -> list[int]:
    """The prose lines of a block of other stories' teasers: items in a row, each a
    headline-shaped line (a kicker, a source or a count may stand beside it) and one short
    summary.

    An article's paragraphs follow each other, with a subhead now and then between them; a
    teaser's summary is a sentence or two, alone between two other stories' headlines.
    """
    prose, n_words, shaped, text = (lines[k] for k in ("prose", "n_words", "title_shape", "text"))
    prose_lines = [i for i, is_prose in enumerate(prose) if is_prose]

    def headline_between(above: int, below: int) -> bool:
        # (An interviewer's question is headline-shaped too, and its answer short.)
        return any(shaped[k] and not prose[k] and n_words[k] >= _TEASER_HEADLINE_MIN_WORDS
                   and not text[k].endswith("?") for k in range(above + 1, below))

    bounds = [-1, *prose_lines, len(prose)]
    teasers, run = [], []
    for j, i in enumerate(prose_lines):
        alone = (n_words[i] < _TEASER_SUMMARY_MAX_WORDS and headline_between(bounds[j], i)
                 and headline_between(i, bounds[j + 2]))
        if alone and run and i - run[-1] <= _TEASER_MAX_ITEM_LINES:
            run.append(i)
            continue
        if len(run) >= _TEASER_MIN_ITEMS:
            teasers.extend(run)
        run = [i] if alone else []
    return teasers + run if len(run) >= _TEASER_MIN_ITEMS else teasers


def best_segment(scores: np.ndarray) -> tuple[int, int]:
    """Indices [start, end] of the contiguous run with the largest sum (Kadane).

    (0, -1) when no run has a positive sum: the page holds no prose at all.
    """
    best_sum, best = -np.inf, (0, -1)
    run_sum, run_start = 0.0, 0
    for i, s in enumerate(scores.tolist()):
        if run_sum <= 0:
            run_sum, run_start = s, i
        else:
            run_sum += s
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i)
    return best if best_sum > 0 else (0, -1)


def _prints_date(lines: dict[str, list], i: int) -> bool:
    """The line prints a date ("Published November 20th, 2019 - 07:14"): a byline's or an
    update stamp's, never a headline. A name glued to the date ("Jane RoeNov 20, 2019": an
    author's and a date's elements printed without a space) is read apart."""
    return lines["two_digits"][i] and find_date_hint(_unglued(lines["text"][i])) is not None


def _unglued(text: str) -> str:
    """The text with a space between a lower-case letter and an upper-case one after it."""
    return _GLUED_WORDS.sub(" ", text)


def _content_words(text: str) -> set[str]:
    """What a headline shares with its article: words of three letters or more that are not
    function words, cut to their first _WORD_PREFIX letters (a headline's "freed", "hostages"
    or "Haushalt" is the lead's "free", "hostage" or "Haushalts"), and character pairs of
    scripts written without spaces."""
    words = {w[:_WORD_PREFIX] for w in _LETTERS.findall(text.lower())
             if len(w) >= 3 and w not in _STOP_SET}
    unspaced = _UNSPACED.findall(text)
    return words | {a + b for a, b in zip(unspaced, unspaced[1:], strict=False)}


def _lead_words(lines: dict[str, list], start: int, end: int) -> tuple[set[str], set[str]]:
    """The content words of the body's first _LEAD_WORDS words of prose, with and without its
    first line when that may be the headline (scored against the rest)."""
    lead, n_words = [], 0
    for i in range(start, end + 1):
        if lines["prose"][i]:
            lead.append(lines["text"][i])
            n_words += lines["n_words"][i]
            if n_words >= _LEAD_WORDS:
                break
    whole = _content_words(" ".join(lead))
    if not (lead and lines["prose"][start] and _may_head_body(lines, start)):
        return whole, whole
    return whole, _content_words(" ".join(lead[1:]))


def _may_be_headline(lines: dict[str, list], i: int) -> bool:
    """The line is title-shaped and never-headline furniture (_is_never_headline) it is not."""
    return lines["title_shape"][i] and not _is_never_headline(lines, i)


def _is_never_headline(lines: dict[str, list], i: int) -> bool:
    """A media player's, a gallery's or an update's stamp (_CLOCK, _COUNTER), a picture's
    credit (_PHOTO_CREDIT) or a share bar."""
    return lines["stamp"][i] or lines["credit"][i] or _is_share_bar(lines["text"][i])


def _is_share_bar(text: str) -> bool:
    """A share button or a row of them ("• Twitter", "Facebook Twitter Pinterest Email",
    "Whatsapp Facebook Pint Baixar"): the line is one of the social-media and share names
    trafilatura filters out of text (its utils.RE_FILTER), or two or more of its words, and
    half of them at least, are. Tune half: share bars on 6 of 63 pages, one of them taken for
    the headline."""
    if SOCIAL_LINK.match(text):
        return True
    words = _LETTERS.findall(text)
    social = sum(1 for word in words if SOCIAL_LINK.match(word))
    return social >= 2 and 2 * social >= len(words)


def _may_head_body(lines: dict[str, list], start: int) -> bool:
    """The body's first line may be its headline: title-shaped, and no sentence of the lead
    (a question, a headline the line scorer read as prose) when it is prose (tune half: titles
    right 59 -> 60 of 63; any prose line the same, the safer rule kept)."""
    return _may_be_headline(lines, start) and not (lines["prose"][start]
                                                and lines["text"][start].endswith("."))


def _headline_scores(lines: dict[str, list], start: int, end: int, dated: Callable[[int], bool]
                     ) -> list[tuple[int, float, int]]:
    """(line, score, content words shared with the lead) of each title-shaped line above the
    body and of the body's first line when it is no sentence of the lead (a question, a
    headline the line scorer read as prose). ``dated``: whether a line prints a date."""
    in_lead, in_rest_of_lead = _lead_words(lines, start, end)
    above = range(max(0, start - _HEADLINE_LOOKBACK), min(start + 1, len(lines["text"])))
    # An author box above the headline names the author the byline names ("By Jane Doe - …"),
    # alone or in a line about them: a name the lead may well repeat, never the headline.
    authors = [" ".join(lines["text"][i].split()[1:3])
               for i in range(above.start, min(end + 1, len(lines["text"]))) if lines["byline"][i]]
    scores = []
    for i in above:
        text = lines["text"][i]
        if not _may_be_headline(lines, i) or i == start and not _may_head_body(lines, i):
            continue
        if any(text.lstrip(" •·*-").startswith(author) for author in authors):
            continue
        if dated(i):
            continue
        words = _content_words(text)
        shared = len(words & (in_rest_of_lead if i == start else in_lead))
        score = shared * shared / len(words) if words else 0.0
        if text.endswith(".") and lines["n_words"][i] >= _STANDFIRST_MIN_WORDS:
            score *= _STANDFIRST_WEIGHT  # a sentence: a standfirst, caption or quote
        if lines["n_words"][i] <= _LABEL_MAX_WORDS:
            score *= _LABEL_WEIGHT
        if score and not lines["prose"][i] and _has_byline_below(lines, i, start, dated):
            score *= _ABOVE_BYLINE_WEIGHT
        if _list_run(lines, i) >= _TEASER_LIST_MIN_ITEMS:
            score *= _TEASER_LIST_WEIGHT
        scores.append((i, score, shared))
    return scores


def _list_run(lines: dict[str, list], i: int) -> int:
    """How many headline-shaped lines of _TEASER_HEADLINE_MIN_WORDS words or more, no prose,
    stand in a row with the line (lines of symbols between them, a list's bullets, skipped)."""
    def is_item(k: int) -> bool:
        return (lines["title_shape"][k] and not lines["prose"][k]
                and lines["n_words"][k] >= _TEASER_HEADLINE_MIN_WORDS)

    n_items = 1
    for step in (-1, 1):
        k = i + step
        while 0 <= k < len(lines["text"]) and (lines["symbols_only"][k] or is_item(k)):
            n_items += not lines["symbols_only"][k]
            k += step
    return n_items


def _pick_title(lines: dict[str, list], start: int, end: int) -> int | None:
    """The headline: of the title-shaped lines above the body (not a byline, date, caption,
    counter, player's stamp, share bar, menu entry, breadcrumb or call to action), the one
    whose words the article's lead repeats most (a headline's words come back in its first
    paragraphs, another story's teaser's and a section name's do not, and a list of other
    stories counts less), above the byline, the nearest on ties, and the headline right
    above it when that is its standfirst; else the heading above the body."""
    # Each line is asked at most once whether it prints a date (the slowest question).
    dated = cache(partial(_prints_date, lines))
    scores = _headline_scores(lines, start, end, dated)
    best, best_score = None, _HEADLINE_MIN_SCORE
    for i, score, _ in scores:
        if score >= best_score:
            best, best_score = i, score
    if best is None:
        return _pick_heading(lines, start, dated)
    sharing = {i for i, _, shared in scores if shared}
    headline = _headline_of_standfirst(lines, best, sharing)
    return best if headline is None else headline


def _has_byline_below(lines: dict[str, list], i: int, start: int,
                      dated: Callable[[int], bool]) -> bool:
    """A byline or a dated line within _BYLINE_BELOW_LINES lines below the line (insets
    between them not counted: _is_inset), and not below the body's first line: the line heads
    the article's header block."""
    n_lines = 0
    for k in range(i + 1, start + 1):
        if lines["byline"][k] or lines["date_line"][k] or dated(k):
            return True
        if not _is_inset(lines, k):
            n_lines += 1
            if n_lines == _BYLINE_BELOW_LINES:
                return False
    return False


def _is_inset(lines: dict[str, list], k: int) -> bool:
    """A line set between a headline and its byline or standfirst on some pages and not on
    others: a caption, a gallery's or a player's stamp, a share bar or button, an ad label, a
    line of symbols. (Tune half, text dumps: "Image 1 of 5" and a credited caption, a share bar
    or "Updated 12:31 GMT" put below each right headline moved 4, 3 and 3 of 60 titles to the
    standfirst or another line while counted as lines; none once skipped.) Menus, breadcrumbs,
    bylines and dates are no insets: they end a header block."""
    return (lines["caption"][k] or lines["call_to_action"][k] or lines["symbols_only"][k]
            or _is_never_headline(lines, k))


def _headline_of_standfirst(lines: dict[str, list], chosen: int, sharing: set[int]
                            ) -> int | None:
    """The headline the chosen line is the standfirst of: the line above it (insets between
    skipped: _is_inset), shorter, headline-shaped, of a few words, sharing a word with the
    lead, when the chosen line is long."""
    above = chosen - 1
    while above >= 0 and _is_inset(lines, above):
        above -= 1
    if (lines["n_words"][chosen] >= _STANDFIRST_MIN_WORDS and above in sharing
            and _HEADLINE_ABOVE_STANDFIRST_MIN_WORDS <= lines["n_words"][above]
            < lines["n_words"][chosen] and not lines["text"][above].endswith(".")):
        return above
    return None


def _pick_heading(lines: dict[str, list], start: int, dated: Callable[[int], bool]) -> int | None:
    """The heading above the body: one of four or more words before a shorter one, then one
    above a byline, then the nearest. (A headline printed twice, in the page's title bar and
    above the article, is a heading too: tune half 59 -> 60 of 63 pages; looking 30 lines up
    rather than 10: 59 -> 60.)"""
    above = range(max(0, start - _HEADING_LOOKBACK), start)
    headings = [i for i in above
                if lines["heading_shape"][i] and not _is_never_headline(lines, i) and not dated(i)]
    if not headings:
        return None
    return max(headings, key=lambda i: (lines["n_words"][i] >= 4,
                                        _has_byline_below(lines, i, start, dated), i))


def _after_byline(lines: dict[str, list], start: int, end: int) -> int:
    """Where the article starts: after a byline (author, date) early in the segment.

    Teasers of other stories right above an article look like prose too; the article's own
    byline separates them from it. Moved only when most of the segment's prose follows it.
    """
    n_words, prose = lines["n_words"], lines["prose"]
    total = sum(n_words[i] for i in range(start, end + 1) if prose[i])
    before = 0
    for i in range(start, end + 1):
        if before > 0.3 * total:
            break
        if i > start and (lines["date_line"][i] or lines["byline"][i]):
            return i + 1
        before += n_words[i] if prose[i] else 0
    return start


def _through_numbered_list(lines: dict[str, list], end: int) -> int:
    """Extend the article over a numbered list right after it (a listicle's items), each item
    with up to two lines of its own (a link, a note), stopping at chrome."""
    numbered = lines["numbered"]

    def usable(index: int) -> bool:
        return (index < len(numbered) and not lines["chrome"][index]
                and not lines["after_end"][index])

    last, index = end, end + 1
    while usable(index) and numbered[index]:
        last, index = index, index + 1
        for _ in range(2):
            if not usable(index) or numbered[index]:
                break
            last, index = index, index + 1
    return last


def _through_announced_list(lines: dict[str, list], end: int) -> int:
    """Extend the article over the list its last line announces ("The tour dates:"), up to
    the first chrome line or section end."""
    if not lines["text"][end].endswith(":"):
        return end
    last = end
    for index in range(end + 1, len(lines["text"])):
        if (lines["chrome"][index] or lines["section_end"][index] or lines["after_end"][index]
                or lines["n_words"][index] > 40):
            break
        last = index
    return last


# Lines that are page furniture, never a title: times, calls to action, tickers, legal lines,
# captions and photo credits, comment buttons, the site's template, bylines, menu bullets,
# symbols, teasers cut short, section ends.
_FURNITURE = ("rel_time", "call_to_action", "ticker", "legal", "caption", "comment_byline",
              "template", "byline", "bullet", "symbols_only", "teaser_cut", "section_end",
              "nav_arrow")


def _per_page_columns(features: pl.DataFrame) -> pl.DataFrame:
    """The columns the per-page steps read, with the per-line decisions they take made once
    for the whole batch."""
    text = pl.col("text")
    few_words = pl.col("n_words").is_between(2, _HEADING_MAX_WORDS)
    return features.select(
        "page", "score", "text", "line_no", "n_words", "two_digits", "prose", "chrome",
        "symbols_only", "caption", "call_to_action",
        "after_end", "section_end", "date_line", "byline", "numbered",
        # A headline's shape, wherever it stands: a few words, not page furniture.
        title_shape=few_words & ~pl.any_horizontal(*_FURNITURE, "date_line"),
        # What a headline never is, wherever it stands (see _may_be_headline).
        stamp=text.str.contains(_CLOCK) | (
            text.str.extract(_COUNTER, 1).cast(pl.Int32) <= text.str.extract(_COUNTER, 2)
            .cast(pl.Int32)).fill_null(False),
        credit=text.str.contains(_PHOTO_CREDIT),
        # Shaped like a title, for the heading above the body when no headline is found: not a
        # sentence (whether it prints a date is asked per line: _pick_title).
        heading_shape=few_words & ~pl.any_horizontal(*_FURNITURE)
        & ~pl.any_horizontal(text.str.ends_with(mark) for mark in (".", ",", ":", ";")),
        # Chrome inside the article (ads, share bars, captions, boxes of links to other stories)
        # is left out; headings stay, and so do short lines the article itself repeats (recipe
        # steps, refrains).
        in_body=~pl.any_horizontal("chrome", "symbols_only")
        & ~(pl.col("later_copy") & ~pl.col("repeated")) & ~pl.col("link_box"),
        body_text=pl.when(pl.col("bullet")).then(text.str.strip_chars_start("•·▪►‣◦*-– \t"))
        .otherwise(text),
    )


def extract_pages(texts: list[str], sites: list[str | None] | None = None) -> pl.DataFrame:
    """Title, body, body line span and byline date hint for each page text, in input order."""
    schema = {
        "title": pl.Utf8,
        "body": pl.Utf8,
        "body_start": pl.Int32,
        "body_end": pl.Int32,
        "date_hint": pl.Datetime("us", "UTC"),
    }
    if not texts:
        return pl.DataFrame(schema=schema)
    columns = _per_page_columns(line_features(_line_frame(texts, sites)))
    if columns.is_empty():  # no page has a line
        return pl.DataFrame({k: [None] * len(texts) for k in schema}, schema=schema)
    # Pages are runs of consecutive lines; each is walked in Python lists, converted once.
    scores = columns["score"].to_numpy()
    pages = columns["page"].to_numpy()
    values = {name: columns[name].to_list() for name in columns.columns
              if name not in ("page", "score")}
    page_starts = np.flatnonzero(np.diff(pages, prepend=-1))
    page_stops = np.append(page_starts[1:], len(pages))
    out = {k: [None] * len(texts) for k in schema}
    for page, first, stop in zip(pages[page_starts].tolist(), page_starts.tolist(),
                                 page_stops.tolist(), strict=True):
        lines = {name: column[first:stop] for name, column in values.items()}
        # Other stories' teasers are chrome, however much they read like prose.
        page_scores = scores[first:stop].copy()
        for i in _teaser_summaries(lines):
            page_scores[i] = -(5.0 + lines["n_words"][i])
        start, end = best_segment(page_scores)
        if end < start:
            continue
        start = _after_byline(lines, start, end)
        end = _through_announced_list(lines, _through_numbered_list(lines, end))
        title = _pick_title(lines, start, end)
        out["title"][page] = lines["text"][title] if title is not None else None
        out["body"][page] = "\n\n".join(
            text for text, kept in zip(lines["body_text"][start : end + 1],
                                       lines["in_body"][start : end + 1], strict=True) if kept
        )
        out["body_start"][page] = lines["line_no"][start]
        out["body_end"][page] = lines["line_no"][end]
        out["date_hint"][page] = _date_hint(lines, start, title)
    return pl.DataFrame(out, schema=schema)


def _date_hint(lines: dict[str, list], start: int, title: int | None) -> datetime | None:
    """The date of the article's byline: printed between the title and the body or in the
    body's first lines, else in the lines just above the title (a dateline above the
    headline, or a headline the title search passed over), the nearest first; a publication
    date before an update's. Only short lines count: a date in a sentence or a caption is
    what the story is about."""
    window_from = title if title is not None else max(0, start - _TITLE_LOOKBACK)
    below = range(window_from, min(len(lines["text"]), start + 3))
    above = range(window_from - 1, max(0, window_from - _TITLE_LOOKBACK) - 1, -1)
    return first_publication_date(
        printed_dates(lines["text"][i]) for i in (*below, *above)
        if lines["n_words"][i] <= _BYLINE_MAX_WORDS and lines["two_digits"][i]
    )


def trim_chrome(texts: list[str], sites: list[str | None] | None = None) -> list[str]:
    """Each text without the lines the line scorer reads as the site's (calls to action, legal
    and comment lines, captions, tickers, the site's template, a box of links inside the
    article) or as coming after the article's end (a comment thread, a block of other stories):
    for text an HTML extractor has already cut from its page. A line that ends in an ellipsis
    stays: in a page's own markup it is the writer's, not a teaser's cut."""
    if not texts:
        return []
    lines = line_features(_line_frame(texts, sites))
    kept = (lines.filter(~(pl.col("chrome") & ~pl.col("teaser_cut")) & ~pl.col("after_end")
                         & ~pl.col("link_box"))
            .group_by("page").agg(pl.col("text").sort_by("line_no").str.join("\n")))
    by_page = dict(kept.iter_rows())
    return [by_page.get(page, "") for page in range(len(texts))]


def extract_page(text: str, site: str | None = None) -> dict:
    """Convenience for one page: the same result as extract_pages, as a dict."""
    return extract_pages([text], [site]).row(0, named=True)
