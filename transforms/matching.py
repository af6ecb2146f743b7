"""Whole-word multi-pattern matching over a batch of texts with one Aho-Corasick pass.

Countries and themes both need "find every phrase of a dictionary in every document, whole
words only, longest match wins". Each phrase is compiled in the ways running text writes it
(``case_variants``: as given, lower case, capitalised, title case, upper case), so the texts are
scanned as they are, without lower-casing them first: the texts of a batch are joined with NUL
separators, encoded as UTF-8 and scanned by ahocorasick-rs (the Rust aho-corasick crate), in
chunks on a thread each because the scan releases the GIL. Forms that start with a capital and
the others are two automata, each scanned over the texts: running text is mostly lower case,
where the first rarely leaves its root state. The candidates are then filtered for
word boundaries with NumPy and reduced to the leftmost-longest non-overlapping set. Offsets are
returned in characters of the texts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import chain

import ahocorasick_rs
import numpy as np

_SEPARATOR = "\x00"
# Line breaks and tabs match as spaces so that a name split across lines is still found, replaced
# in the UTF-8 bytes (multi-byte sequences never contain ASCII bytes). bytes.replace skips to
# each one at memchr's speed: 0.6 ms on TR-News' batch of 4 MB, where translating every byte
# took 4.5.
_SPACES = (b"\n", b"\r", b"\t")
# Which bytes are ASCII letters or digits; bytes >= 0x80 belong to other characters, looked up
# one by one.
_ASCII_ALNUM = np.array([chr(b).isalnum() for b in range(128)] + [False] * 128, dtype=bool)
# str.isalnum of code points met so far (_alnum): 0 or 1, _UNKNOWN before it is asked.
_UNKNOWN = 255
_ALNUM = np.full(0x110000, _UNKNOWN, dtype=np.uint8)
# Below this many bytes a batch is scanned on the calling thread: a thread costs more than it
# saves.
_MIN_CHUNK_BYTES = 1 << 18
_CHUNKS_PER_CORE = 4


@dataclass(frozen=True)
class Automaton:
    """Surface forms compiled once; ``payloads[i]`` is the payload of form ``i``, ``forms[i]``
    the form (an object array of str). ``parts``: the searchers that find them, each with the
    form index of each of its patterns."""

    parts: tuple[tuple[ahocorasick_rs.BytesAhoCorasick, np.ndarray], ...]
    payloads: np.ndarray
    forms: np.ndarray


@dataclass(frozen=True)
class Spans:
    """Matches in a batch as parallel arrays: text index, character start and end (exclusive)
    in that text, the pattern's payload, and the form matched (the text as written there but
    where the form has a space: a line break or tab there matches it too)."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    payload: np.ndarray
    form: np.ndarray


# Words title case leaves in lower case ("Secretary of State", "Bosnia and Herzegovina").
_MINOR_WORDS = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to",
                "da", "de", "del", "des", "do", "du", "el", "la", "le", "y"}


def _title_case(phrase: str, keep_minor: bool) -> str:
    words = phrase.split(" ")
    return " ".join(
        word if keep_minor and i and word in _MINOR_WORDS
        else "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
        for i, word in enumerate(words)
    )


def case_variants(phrase: str) -> set[str]:
    """How running text writes a phrase: as given, in lower case, capitalised, in title case
    with or without its minor words ("Republic Of Korea" in a headline, "Secretary of State")
    and in upper case."""
    forms = set()
    for base in (phrase, phrase.lower()):
        forms |= {base, base.upper(), base[:1].upper() + base[1:],
                  _title_case(base, keep_minor=False), _title_case(base, keep_minor=True)}
    return forms


def build_automaton(forms: Iterable[tuple[str, int]]) -> Automaton:
    """An automaton over (surface form, payload) pairs, matched case-sensitively; a form given
    twice keeps its last payload."""
    by_form = {form: payload for form, payload in forms if form}
    forms = np.empty(len(by_form), dtype=object)
    forms[:] = list(by_form)
    capitalised = np.fromiter((form[:1].isupper() for form in by_form), bool, len(by_form))
    # Two automata scan faster than one (CPU time on a batch of 2,000 articles: the
    # gazetteer's 125k forms over LGL in 25 + 7 ms against 45, German's 193k over German news
    # in 29 + 15 against 69, the themes' 43k over LGL in 12 + 34 against 58). The capitalised
    # forms as a contiguous NFA: as a DFA they took 124 MB of memory against 8 MB and scanned
    # slower (31 ms against 25). The others, fewer (the gazetteer's 134, German's 5,848), as
    # a DFA: 4 to 7 MB, and three times as fast as an NFA.
    parts = []
    for members, implementation in ((capitalised, ahocorasick_rs.Implementation.ContiguousNFA),
                                    (~capitalised, ahocorasick_rs.Implementation.DFA)):
        if members.any():
            searcher = ahocorasick_rs.BytesAhoCorasick(
                [form.encode() for form in forms[members]], implementation=implementation)
            parts.append((searcher, np.flatnonzero(members)))
    return Automaton(tuple(parts),
                     np.fromiter(by_form.values(), dtype=np.int64, count=len(by_form)), forms)


def _cores() -> int:
    """The cores this process may run on (not the host's, in a container)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@cache
def _scan_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_cores(), thread_name_prefix="scan")


def _scan(automaton: Automaton, haystack: bytes) -> np.ndarray:
    """Every (overlapping) match as rows of (form index, start byte, end byte), in no
    particular order; large haystacks are cut at text separators into chunks of at least
    _MIN_CHUNK_BYTES, scanned in parallel."""
    # Four chunks a core: where another process slows one core, the other takes more of
    # them (two halves waited for the slower; four a core scanned TR-News' batch in 27 ms,
    # not 32, on a busy machine).
    n_chunks = min(_CHUNKS_PER_CORE * _cores(), len(haystack) // _MIN_CHUNK_BYTES)
    cuts = [0]
    for i in range(1, n_chunks):
        cut = haystack.find(_SEPARATOR.encode(), len(haystack) * i // n_chunks)
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(len(haystack))
    view = memoryview(haystack)

    def scan_chunk(first: int, last: int) -> np.ndarray:
        rows = [np.zeros((0, 3), dtype=np.int64)]
        for searcher, form_of in automaton.parts:
            found = searcher.find_matches_as_indexes(view[first:last], overlapping=True)
            # Flattened, the tuples convert several times faster than as rows.
            flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
            part = flat.reshape(-1, 3) + [0, first, first]
            part[:, 0] = form_of[part[:, 0]]
            rows.append(part)
        return np.concatenate(rows)

    if len(cuts) == 2:
        return scan_chunk(0, len(haystack))
    return np.concatenate(list(_scan_pool().map(scan_chunk, cuts[:-1], cuts[1:])))


def _alnum(code_points: np.ndarray) -> np.ndarray:
    """str.isalnum of each code point, asked of Python once per code point a batch brings."""
    found = _ALNUM[code_points]
    unknown = found == _UNKNOWN
    if unknown.any():
        for code in np.unique(code_points[unknown]).tolist():
            _ALNUM[code] = chr(code).isalnum()
        found = _ALNUM[code_points]
    return found == 1


def _is_alnum_at(haystack: bytes, positions: np.ndarray, backwards: bool) -> np.ndarray:
    """Whether the character starting at (or, ``backwards``, ending before) each byte position
    is a letter or digit; positions outside the haystack count as not. ``haystack`` is valid
    UTF-8 and the positions are at character boundaries (or, ``backwards``, the last byte of a
    character)."""
    inside = (positions >= 0) & (positions < len(haystack))
    data = np.frombuffer(haystack, dtype=np.uint8)
    codes = data[np.where(inside, positions, 0)]
    result = _ASCII_ALNUM[codes] & inside
    wide = np.flatnonzero(inside & (codes >= 0x80))
    if wide.size:
        # The character's first byte: back over continuation bytes (10xxxxxx), at most three.
        first = positions[wide].copy()
        if backwards:
            for _ in range(3):
                first -= (data[first] & 0xC0) == 0x80
        lead = data[first].astype(np.int64)
        length = 2 + (lead >= 0xE0) + (lead >= 0xF0)
        code_point = lead & (0x7F >> length)
        for k in range(1, 4):
            following = data[np.minimum(first + k, len(data) - 1)] & 0x3F
            code_point = np.where(k < length, code_point << 6 | following, code_point)
        result[wide] = _alnum(code_point)
    return result


def _leftmost_longest(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Indices of the leftmost-longest non-overlapping subset: by start, longest first, then a
    sweep.

    A candidate that starts after every earlier one has ended is chosen whatever the sweep
    chose before it, so the sweep in Python visits only the candidates that overlap an earlier
    one, starting again from the end of the last such free candidate."""
    order = np.lexsort((starts - ends, starts))
    starts, ends = starts[order], ends[order]
    earlier_end = np.empty_like(ends)
    earlier_end[:1] = -1
    earlier_end[1:] = np.maximum.accumulate(ends[:-1])
    chosen = starts >= earlier_end
    last_free = np.maximum.accumulate(np.where(chosen, np.arange(len(starts)), 0))
    free, last_end = -1, -1
    for i in np.flatnonzero(~chosen).tolist():
        if last_free[i] != free:
            free = int(last_free[i])
            last_end = int(ends[free])
        if starts[i] >= last_end:
            chosen[i] = True
            last_end = int(ends[i])
    return order[chosen]


def find_spans(texts: list[str], automaton: Automaton, joined: str | None = None,
               encoded: bytes | None = None) -> Spans:
    """Whole-word, leftmost-longest, non-overlapping matches of the automaton in each text
    (``joined``: the texts joined with NUL, where the caller has them already; ``encoded``:
    ``joined`` in UTF-8, where the caller has that too)."""
    empty = np.zeros(0, dtype=np.int64)
    if joined is None:
        joined = _SEPARATOR.join(texts)
    haystack = joined.encode() if encoded is None else encoded
    for space in _SPACES:
        haystack = haystack.replace(space, b" ")
    matches = _scan(automaton, haystack)
    if not len(matches):
        return Spans(empty, empty, empty, empty, np.zeros(0, dtype=object))
    starts, ends = matches[:, 1], matches[:, 2]
    # The word-boundary filter sees every overlapping match: a longer match that is not a
    # whole word must not hide a shorter one that is.
    keep = ~_is_alnum_at(haystack, starts - 1, backwards=True) & ~_is_alnum_at(
        haystack, ends, backwards=False
    )
    starts, ends, forms = starts[keep], ends[keep], matches[keep, 0]
    chosen = _leftmost_longest(starts, ends)
    starts, ends, forms = starts[chosen], ends[chosen], forms[chosen]
    if len(haystack) != len(joined):
        # Byte offsets to character offsets: subtract the continuation bytes before each.
        # Continuation bytes (0x80 to 0xBF) are those below -64 as signed bytes: one pass.
        continuation = np.flatnonzero(np.frombuffer(haystack, dtype=np.int8) < -64)
        starts = starts - np.searchsorted(continuation, starts)
        ends = ends - np.searchsorted(continuation, ends)
    text_ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)
    docs = np.searchsorted(text_ends, starts, side="right")
    offsets = np.concatenate([[0], text_ends[:-1]])[docs]
    return Spans(docs, starts - offsets, ends - offsets, automaton.payloads[forms],
                 automaton.forms[forms])


def find_spans_by_group(texts: list[str], groups: list[str],
                        automaton_of: Callable[[str], Automaton], joined: str | None = None,
                        encoded: bytes | None = None
                        ) -> Iterator[tuple[str, Spans]]:
    """find_spans of each group's texts (``groups``: one per text) with that group's automaton
    (a language's terms); each group's Spans index ``texts`` (``joined``: the texts joined
    with NUL, and ``encoded``, those in UTF-8, where the caller has them already)."""
    labels = np.empty(len(groups), dtype=object)
    labels[:] = groups
    for group in dict.fromkeys(groups):  # in the order they first come
        indices = np.flatnonzero(labels == group)
        whole = len(indices) == len(texts)
        spans = find_spans(texts if whole else [texts[i] for i in indices.tolist()],
                           automaton_of(group), joined if whole else None,
                           encoded if whole else None)
        yield group, Spans(indices[spans.doc], spans.start, spans.end, spans.payload,
                           spans.form)
