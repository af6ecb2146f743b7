"""Whole-word multi-pattern matching over a batch of texts with one Aho-Corasick pass.

Countries and themes both need "find every phrase of a dictionary in every document, whole
words only, longest match wins". The texts of a batch are joined with NUL separators and scanned
once by pyahocorasick (C); the candidates are then filtered for word boundaries and case and
reduced to the leftmost-longest non-overlapping set.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick
import numpy as np
import polars as pl

_SEPARATOR = "\x00"


def build_automaton(patterns: Iterable[tuple[str, int]]) -> ahocorasick.Automaton:
    """An automaton over lower-cased patterns; each value is (pattern length, payload index)."""
    automaton = ahocorasick.Automaton()
    for pattern, index in patterns:
        key = pattern.lower()
        if len(key) == len(pattern) and key:
            automaton.add_word(key, (len(key), index))
    automaton.make_automaton()
    return automaton


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. "İ") lower to two; keep offsets aligned by leaving them as they are.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def match_batch(texts: list[str], automaton: ahocorasick.Automaton) -> pl.DataFrame:
    """Whole-word, leftmost-longest, non-overlapping matches of the automaton in each text.

    Returns doc (index into ``texts``), start, end (exclusive, character offsets into the text),
    surface (as written in the text) and payload (the pattern's index).
    """
    schema = {
        "doc": pl.Int64, "start": pl.Int64, "end": pl.Int64,
        "surface": pl.Utf8, "payload": pl.Int64,
    }
    if not texts:
        return pl.DataFrame(schema=schema)
    original = _SEPARATOR.join(t or "" for t in texts)
    # Line breaks and tabs match as spaces so a name split across lines is still found
    # (str.replace runs in C; str.translate with a table would walk the text in Python).
    haystack = (
        _lower_same_length(original).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    )
    found = list(automaton.iter(haystack))
    if not found:
        return pl.DataFrame(schema=schema)
    ends = np.fromiter((e for e, _ in found), dtype=np.int64, count=len(found)) + 1
    lengths = np.fromiter((v[0] for _, v in found), dtype=np.int64, count=len(found))
    payloads = np.fromiter((v[1] for _, v in found), dtype=np.int64, count=len(found))
    starts = ends - lengths
    n = len(haystack)
    before_ok = np.fromiter(
        (s == 0 or not haystack[s - 1].isalnum() for s in starts.tolist()), bool, len(starts)
    )
    after_ok = np.fromiter(
        (e >= n or not haystack[e].isalnum() for e in ends.tolist()), bool, len(ends)
    )
    keep = before_ok & after_ok
    starts, ends, payloads = starts[keep], ends[keep], payloads[keep]
    # Leftmost-longest, non-overlapping: sort by start then longest first, then sweep.
    order = np.lexsort((-(ends - starts), starts))
    chosen, last_end = [], -1
    for i in order.tolist():
        if starts[i] >= last_end:
            chosen.append(i)
            last_end = ends[i]
    starts, ends, payloads = starts[chosen], ends[chosen], payloads[chosen]
    doc_bounds = np.cumsum([len(t or "") + 1 for t in texts])
    docs = np.searchsorted(doc_bounds, starts, side="right")
    doc_offsets = np.concatenate([[0], doc_bounds[:-1]])[docs]
    return pl.DataFrame(
        {
            "doc": docs,
            "start": starts - doc_offsets,
            "end": ends - doc_offsets,
            "surface": [original[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)],
            "payload": payloads,
        },
        schema=schema,
    )
