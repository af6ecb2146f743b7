"""Whole-word multi-pattern matching over a batch of texts with one Aho-Corasick pass.

Countries and themes both need "find every phrase of a dictionary in every document, whole
words only, longest match wins". The texts of a batch are joined with NUL separators and scanned
once by ahocorasick-rs (the Rust aho-corasick crate; twice pyahocorasick's speed here); the
candidates are then filtered for word boundaries and case and reduced to the leftmost-longest
non-overlapping set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np
import polars as pl

_SEPARATOR = "\x00"


@dataclass(frozen=True)
class Automaton:
    """Lower-cased patterns compiled once; ``payloads[i]`` is the payload of pattern ``i``."""

    searcher: ahocorasick_rs.AhoCorasick
    payloads: np.ndarray


def build_automaton(patterns: Iterable[tuple[str, int]]) -> Automaton:
    """An automaton over lower-cased patterns; a pattern given twice keeps its last payload."""
    by_key: dict[str, int] = {}
    for pattern, index in patterns:
        key = pattern.lower()
        if len(key) == len(pattern) and key:
            by_key[key] = index
    searcher = ahocorasick_rs.AhoCorasick(
        list(by_key), implementation=ahocorasick_rs.Implementation.DFA
    )
    return Automaton(searcher, np.fromiter(by_key.values(), dtype=np.int64, count=len(by_key)))


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. "İ") lower to two; keep offsets aligned by leaving them as they are.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def match_batch(texts: list[str], automaton: Automaton) -> pl.DataFrame:
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
    # Every (overlapping) match, as character offsets: the word-boundary filter below must see
    # the shorter matches a longer non-word match would hide.
    found = automaton.searcher.find_matches_as_indexes(haystack, overlapping=True)
    if not found:
        return pl.DataFrame(schema=schema)
    matches = np.array(found, dtype=np.int64).reshape(-1, 3)
    payloads = automaton.payloads[matches[:, 0]]
    starts, ends = matches[:, 1], matches[:, 2]
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
