import numpy as np
import pytest

from transforms import matching
from transforms.matching import build_automaton, case_variants, find_spans

PHRASES = ["New York", "York", "China", "Netherlands", "the Netherlands", "Россия"]


@pytest.fixture(scope="module")
def automaton():
    return build_automaton(
        (form, payload) for payload, phrase in enumerate(PHRASES) for form in case_variants(phrase)
    )


def found(texts, automaton):
    spans = find_spans(texts, automaton)
    return list(zip(spans.doc.tolist(), spans.start.tolist(), spans.end.tolist(),
                    [PHRASES[p] for p in spans.payload.tolist()], strict=True))


def test_case_variants():
    assert case_variants("secretary of state") >= {
        "secretary of state", "Secretary of state", "Secretary Of State", "Secretary of State",
        "SECRETARY OF STATE",
    }
    assert "Guinea-Bissau" in case_variants("guinea-bissau")
    assert "MPs" in case_variants("MPs") and "mps" in case_variants("MPs")


def test_whole_words_longest_first_and_offsets_in_characters(automaton):
    texts = ["“China’s” trade with New York", "Chinatown, Chinaé, york", "Россия и CHINA"]
    assert found(texts, automaton) == [
        (0, 1, 6, "China"), (0, 21, 29, "New York"), (1, 19, 23, "York"),
        (2, 0, 6, "Россия"), (2, 9, 14, "China"),
    ]


def test_a_longer_form_in_another_case_does_not_hide_a_shorter_one(automaton):
    # "the Netherlands" is listed, but only "The Netherlands"/"the Netherlands" match it.
    assert found(["in THE Netherlands"], automaton) == [(0, 7, 18, "Netherlands")]


def test_the_longest_match_wins_across_the_two_automata(automaton):
    # "the Netherlands" is in the automaton of forms that do not start with a capital,
    # "Netherlands" in the other: the longest of them still wins.
    assert len(automaton.parts) == 2
    assert found(["in the Netherlands"], automaton) == [(0, 3, 18, "the Netherlands")]


def test_a_name_split_across_lines_and_empty_texts(automaton):
    assert found(["", "flew to New\nYork", ""], automaton) == [(1, 8, 16, "New York")]
    assert found([], automaton) == []


def test_chunked_parallel_scan_matches_text_by_text(automaton, monkeypatch):
    texts = [f"Doc {i}: China and New York, Россия’s {'x' * i}" for i in range(300)]
    expected = [(i, s, e, p) for i, t in enumerate(texts)
                for _, s, e, p in found([t], automaton)]
    monkeypatch.setattr(matching, "_MIN_CHUNK_BYTES", 1000)
    monkeypatch.setattr(matching, "_cores", lambda: 4)
    assert found(texts, automaton) == expected


def test_leftmost_longest_equals_a_sweep_over_every_candidate():
    def swept(starts, ends):
        chosen, last_end = [], -1
        for i in np.lexsort((starts - ends, starts)).tolist():
            if starts[i] >= last_end:
                chosen.append(i)
                last_end = ends[i]
        return chosen

    rng = np.random.default_rng(7)
    for _ in range(500):
        starts = rng.integers(0, 60, rng.integers(0, 30))
        ends = starts + rng.integers(1, 12, len(starts))
        assert matching._leftmost_longest(starts, ends).tolist() == swept(starts, ends)


def test_is_alnum_at_reads_characters_of_every_width():
    """_is_alnum_at decodes the character next to each position in NumPy: as str.isalnum
    of the decoded character, for one- to four-byte characters, at the ends and outside."""
    import random

    from transforms.matching import _is_alnum_at

    rng = random.Random(1)
    for _ in range(200):
        text = "".join(rng.choices("aZ0 \x00.,'’éЖж٣²\u0301中😀ß\t", k=rng.randint(1, 50)))
        haystack = text.encode()
        bounds = np.cumsum([0] + [len(c.encode()) for c in text])
        positions = np.concatenate([bounds, [-1, len(haystack) + 2]])
        after = _is_alnum_at(haystack, positions, backwards=False)
        before = _is_alnum_at(haystack, positions - 1, backwards=True)
        chars = dict(zip(bounds.tolist(), text, strict=False))
        ends = dict(zip(bounds[1:].tolist(), text, strict=True))
        for j, at in enumerate(positions.tolist()):
            assert after[j] == chars.get(at, "").isalnum()
            assert before[j] == ends.get(at, "").isalnum()
