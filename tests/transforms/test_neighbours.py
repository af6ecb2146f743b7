"""transforms.countries._Neighbours reads, for every candidate at once, what the regexes
_WORD and _WORDS (and str.endswith, str.startswith) read one candidate at a time."""

import random
import re

import numpy as np

from transforms.countries import (
    _INITIAL_BEFORE,
    _WORD,
    _WORDS,
    CONTEXT,
    _Candidates,
    _Neighbours,
)

# Letters (ASCII, accented, Cyrillic, a combining mark), apostrophes and hyphens, digits
# (Arabic-Indic too), superscripts, blanks, line breaks, punctuation, NUL, and the leads
# the rules look for.
PIECES = [*"abcXYZ", "Word", "word", "ab", "Жж", "é", "ß", "\u0301", *"  \t\n\r.,$-'’_0", "٣", "²",
          "\u00a0", "\x00", " of ", "Air ", "St. ", "St ", "Saint ", "A. ", "  ",
          "Roy", "George", "H. ", "W.", " \n"]
_CHARACTER = re.compile(r"[ \t]*(\S?)")


def capitalised(word: str | None) -> bool:
    return word is not None and word[0].isupper()


def random_texts(seed: int, n: int = 60) -> list[str]:
    """Texts of one width of code point a batch: ASCII, two bytes, or four (an emoji)."""
    rng = random.Random(seed)
    pieces = [[p for p in PIECES if p.isascii()], PIECES, [*PIECES, "😀"]][seed % 3]
    return ["".join(rng.choices(pieces, k=rng.randint(0, 60))) for _ in range(n)]


def candidates_in(texts: list[str], seed: int) -> _Candidates:
    rng = random.Random(seed)
    rows = []
    for t, text in enumerate(texts):
        for _ in range(8):
            start = rng.randint(0, len(text))
            rows.append((t, start, rng.randint(start, len(text))))
    text, start, end = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    zeros = np.zeros(len(text), dtype=np.int64)
    return _Candidates(text, start, end, zeros, zeros.astype(object), zeros.astype(np.int8),
                       zeros.astype(np.int8), zeros.astype(object), zeros.astype(bool))


def test_words_as_the_regexes_read_them():
    seen = {"next": 0, "previous": 0, "second": 0, "third": 0, "lead": 0, "comma": 0,
            "initial": 0, "lower": 0}
    for seed in range(40):
        texts = random_texts(seed)
        found = candidates_in(texts, seed)
        neighbours = _Neighbours(texts, "\x00".join(texts), found)
        every = np.ones(len(found.text), dtype=bool)
        nexts = neighbours.next_words(every, any_case=every)
        previous = neighbours.previous_words(every, any_case=every)
        has_previous = neighbours.has_previous.copy()
        # Without any_case: capitalised words and those that may be in lower_case only.
        capitalised_next = _Neighbours(texts, "\x00".join(texts), found).next_words(
            every, lower_case=frozenset({"word", "ab"}))
        spans = list(zip(found.text.tolist(), found.start.tolist(), found.end.tolist(),
                         strict=True))
        with_next = np.flatnonzero([w is not None for w in nexts])
        second, third = neighbours.second_and_third_words(with_next)
        before_of = neighbours.word_before(np.arange(len(spans)), np.full(len(spans), -3))
        leads = ("St. ", "St ", "Saint ", " of ", "Air ")
        ends = neighbours.ends_before(np.arange(len(spans)), leads)
        dollar = neighbours.character_after(np.arange(len(spans)), "$")
        comma = neighbours.previous_character_is(np.arange(len(spans)), ",")
        may_be_initialled = neighbours.may_follow_an_initial(np.arange(len(spans)))
        for i, (t, s, e) in enumerate(spans):
            text = texts[t]
            if previous[i] is None and _INITIAL_BEFORE.search(text, max(0, s - 24), s):
                assert may_be_initialled[i]
                seen["initial"] += 1
            after = _WORD.match(text, e, e + CONTEXT)
            assert nexts[i] == (after.group(1) if after else None)
            back = _WORD.match(text[max(0, s - CONTEXT):s][::-1])
            assert previous[i] == (back.group(1)[::-1] if back else None)
            assert has_previous[i] == (back is not None)
            assert capitalised_next[i] in (None, nexts[i])
            if capitalised(nexts[i]) or nexts[i] in ("word", "ab"):
                assert capitalised_next[i] == nexts[i]
            back = _WORD.match(text[max(0, s - 3 - CONTEXT):max(0, s - 3)][::-1]) if s >= 3 \
                else None
            if s >= 3:
                word = back.group(1)[::-1] if back else None
                assert before_of[i] == (word if capitalised(word) else None)
            assert ends[i] == text.endswith(leads, 0, s)
            assert dollar[i] == text.startswith(("$", " $"), e)
            assert comma[i] == (_CHARACTER.match(text[max(0, s - CONTEXT):s][::-1]).group(1)
                                == ",")
        seen["next"] += sum(w is not None for w in nexts)
        seen["previous"] += sum(w is not None for w in previous)
        seen["second"] += sum(w is not None for w in second)
        seen["lower"] += sum(w in ("word", "ab") for w in capitalised_next)
        seen["third"] += sum(w is not None for w in third)
        seen["lead"] += int(ends.sum())
        seen["comma"] += int(comma.sum())
        for j, i in enumerate(with_next.tolist()):
            t, _, e = spans[i]
            words = _WORDS.match(texts[t], e, e + CONTEXT)
            assert (second[j], third[j]) == tuple(w if capitalised(w) else None
                                                  for w in words.groups()[1:])
    assert min(seen.values()) > 20, seen  # every reading was put to the test
