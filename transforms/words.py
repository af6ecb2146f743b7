"""How many words a text has, in any script.

Whitespace splits words in most scripts; Chinese, Japanese and Thai (and Lao, Khmer, Burmese)
are written without spaces between words, so there every two characters count as one word (a
Chinese word is about 1.5 characters on average, a Japanese one about 2). Korean separates
words but its syllable blocks count the same way, which is within a word or two of its spaced
count. Every length rule in comention (the article minimum, the line scorer) counts this way.
"""

from __future__ import annotations

import polars as pl

UNSPACED = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"


def unspaced_characters(text: pl.Expr) -> pl.Expr:
    return text.str.count_matches(UNSPACED)


def spaced_tokens(text: pl.Expr) -> pl.Expr:
    return text.str.count_matches(r"\S+")


def word_count(text: pl.Expr, n_unspaced: pl.Expr | None = None,
               n_tokens: pl.Expr | None = None) -> pl.Expr:
    """Words of each text: its spaced tokens, with runs of unspaced script taken out, plus one
    word per two characters of those runs. ``n_unspaced`` and ``n_tokens`` are
    unspaced_characters(text) and spaced_tokens(text) where the caller has them already."""
    n_unspaced = unspaced_characters(text) if n_unspaced is None else n_unspaced
    n_tokens = spaced_tokens(text) if n_tokens is None else n_tokens
    # The replacement reads only the texts that have unspaced script (most have none).
    unspaced = pl.when(n_unspaced > 0).then(text).otherwise(pl.lit(""))
    tokens = (pl.when(n_unspaced > 0)
              .then(spaced_tokens(unspaced.str.replace_all(UNSPACED, " ")))
              .otherwise(n_tokens))
    return (tokens + n_unspaced // 2).cast(pl.Int64)


def word_counts(texts: list[str]) -> list[int]:
    """word_count of each text."""
    if not texts:
        return []
    return pl.select(word_count(pl.lit(pl.Series(texts, dtype=pl.Utf8)))).to_series().to_list()
