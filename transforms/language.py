"""The language of texts: py3langid's ``classify`` for many texts at once, with the same labels
and confidences, and the confidence floor below which comention gives no language.

py3langid walks a byte DFA in a Python loop, one text at a time. Here the texts of a batch walk
it in lockstep (one numpy step per byte position), their feature counts come from sorting each
text's features, and normalisation runs over the whole batch. The naive Bayes product stays one
BLAS call per text, over its features in first-visit order as py3langid makes it: the float32
sum in another order (one matrix product for the batch sums in feature order) moves raw scores
by up to 5e-3 and the confidence of one text in ten by more than 1e-9 (up to 3e-6).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The language is given only when py3langid is at least this sure of it (normalised
# probability over its ISO 639-1 languages). Chosen by bench/bench_lang.py on the tune half of
# 12,250 labelled texts: the lowest floor with at most one wrong label in 1,000. Below it are
# number tables and notices (Reuters earnings: "Shr 34 cts vs 1.19 dlrs"), not prose.
LANG_MIN_CONFIDENCE = 0.16
# 600 characters identify a language reliably and keep this off the hot path.
LANG_SAMPLE_CHARS = 600
# Padded (text × byte position) cells walked at once: bounds the memory of a batch (about 40
# bytes a cell, so some 20 MB) whatever the number of texts.
CELLS_PER_BATCH = 1 << 19


def _model_bytes(text: str) -> bytes:
    """The bytes py3langid reads a text as (LanguageIdentifier._encode)."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


class BatchLanguageIdentifier:
    """``identifier.classify`` over a list of texts; ``identifier`` must have norm_probs=True
    and no min_confidence (the caller applies its own floor)."""

    def __init__(self, identifier: LanguageIdentifier):
        if not identifier._norm_probs or identifier.min_confidence is not None:
            raise ValueError("needs a py3langid identifier with norm_probs and no min_confidence")
        self.identifier = identifier
        self._next_state = np.asarray(identifier.tk_nextmove)  # a view: py3langid's 40 MB
        # States as intp: numpy converts other index types on every gather.
        self._row_start = np.asarray(identifier.tk_row, dtype=np.intp) << 8
        output = np.asarray(identifier.tk_output, dtype=np.int32)
        self._n_features = int(output.max()) + 1
        # Each state's feature, or F (the number of features) for none; one more state, with
        # none, fills the cells past a text's end.
        self._feature_of_state = np.append(np.where(output >= 0, output, self._n_features),
                                           self._n_features).astype(np.int32)
        self._padding_state = len(output)
        # float32 rows are the values py3langid's matmul casts its float16 rows to, gathered
        # without that cast (it is most of py3langid's scoring time).
        self._log_likelihood = np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32)
        self._log_prior = identifier.nb_pc
        self._labels = list(identifier.nb_classes)
        # A label with two columns (script aliases, srl -> sr): py3langid adds the second
        # column's probability to the first and zeroes the second.
        first: dict[str, int] = {}
        self._alias_pairs = [(first[label], column) for column, label in enumerate(self._labels)
                             if first.setdefault(label, column) != column]

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, normalised probability) of each text, as ``identifier.classify`` gives it."""
        encoded = [_model_bytes(text) for text in texts]
        lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        # Longest first: at each byte position the texts still walking are a prefix.
        order = np.argsort(-lengths, kind="stable")
        results: list[tuple[str, float]] = [("", 0.0)] * len(texts)
        start = 0
        while start < len(order):
            size = max(1, CELLS_PER_BATCH // max(1, int(lengths[order[start]])))
            batch = order[start:start + size]
            found = self._classify_batch([encoded[i] for i in batch], lengths[batch])
            for i, result in zip(batch, found, strict=True):
                results[i] = result
            start += size
        return results

    def _classify_batch(self, encoded: list[bytes], lengths: np.ndarray
                        ) -> list[tuple[str, float]]:
        """classify of texts sorted longest first, as their bytes and byte lengths."""
        scores = self._raw_scores(encoded, lengths)
        # py3langid's norm_probs, in float32 as there: a softmax of the scores over the square
        # root of the byte length; its Python-float factor is taken as float32.
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for kept, folded in self._alias_pairs:
            scores[:, kept] += scores[:, folded]
            scores[:, folded] = 0.0
        best = scores.argmax(axis=1)
        confidences = scores[np.arange(len(encoded)), best]
        return [(self._labels[b], float(c)) for b, c in zip(best, confidences, strict=True)]

    def _raw_scores(self, encoded: list[bytes], lengths: np.ndarray) -> np.ndarray:
        """Naive Bayes log-posteriors (texts × labels); 0.0 for a text with no features,
        as py3langid gives under norm_probs."""
        features, weights, bounds = self._feature_counts(encoded, lengths)
        scores = np.zeros((len(encoded), len(self._labels)), dtype=np.float32)
        rows = np.empty((int(np.diff(bounds).max()), len(self._labels)), dtype=np.float32)
        for text, (start, end) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                                strict=True)):
            if end > start:
                # Into a reused buffer: a fresh one per text costs more than the product.
                # The indices are in range; "clip" only spares take a buffered copy.
                self._log_likelihood.take(features[start:end], axis=0, out=rows[:end - start],
                                          mode="clip")
                np.matmul(weights[start:end], rows[:end - start], out=scores[text])
        scores[bounds[1:] > bounds[:-1]] += self._log_prior
        return scores

    def _feature_counts(self, encoded: list[bytes], lengths: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(features, log1p(counts) as float32, bounds): text i's features are
        features[bounds[i]:bounds[i + 1]], in the order the DFA walk first meets them."""
        n_texts, width = len(encoded), int(lengths[0])
        feature = self._feature_of_state[self._walk(encoded, lengths)]
        # Each text's keys (feature, position) sorted: a feature's run starts at its first
        # position and is as long as its count. Cells without a feature (F) sort last.
        no_feature = self._n_features
        key_type = np.int32 if (no_feature + 1) * width < 2**31 else np.int64
        keys = feature.astype(key_type) * width
        keys += np.arange(width, dtype=key_type)
        keys.sort(axis=1)
        run_feature = keys // width
        starts = np.ones((n_texts, width), dtype=bool)
        np.not_equal(run_feature[:, 1:], run_feature[:, :-1], out=starts[:, 1:])
        start_cells = np.flatnonzero(starts)
        run_length = np.diff(start_cells, append=n_texts * width)
        real = run_feature.ravel()[start_cells] < no_feature
        start_cells, run_length = start_cells[real], run_length[real]
        first_cells = start_cells - start_cells % width + keys.ravel()[start_cells] % width
        # Back on the unsorted grid, text-major order is first-visit order.
        count_at_first = np.zeros(n_texts * width, dtype=np.int32)
        count_at_first[first_cells] = run_length
        visited = np.flatnonzero(count_at_first)
        bounds = np.searchsorted(visited // width, np.arange(n_texts + 1))
        return (feature.ravel()[visited], np.log1p(count_at_first[visited].astype(np.float32)),
                bounds)

    def _walk(self, encoded: list[bytes], lengths: np.ndarray) -> np.ndarray:
        """The DFA state after each byte (texts × positions); the padding state past a
        text's end."""
        n_texts, width = len(encoded), int(lengths[0])
        padded = np.zeros((n_texts, width), dtype=np.uint8)
        padded[np.arange(width) < lengths[:, None]] = np.frombuffer(b"".join(encoded),
                                                                    dtype=np.uint8)
        by_position = np.ascontiguousarray(padded.T)
        walking = np.searchsorted(-lengths, -np.arange(width), side="left")
        states = np.full((width, n_texts), self._padding_state, dtype=np.intp)
        state = np.zeros(n_texts, dtype=np.intp)
        for position, n_walking in enumerate(walking.tolist()):
            now = state[:n_walking]
            now[:] = self._next_state[self._row_start[now] + by_position[position, :n_walking]]
            states[position, :n_walking] = now
        return np.ascontiguousarray(states.T)


@cache
def py3langid_identifier() -> LanguageIdentifier:
    """py3langid with normalised probabilities over its ISO 639-1 languages only: its two-letter
    labels (the others, ISO 639-3 codes such as pcm and bcl, and zxx, are where number tables
    and lists of names fall). Its per-text classify is what the batched one reproduces."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in identifier.labels if len(code) == 2])
    # set_languages keeps a strided view of the model's columns: scoring over a contiguous
    # copy is about 1.6 times faster.
    identifier.nb_ptc = np.ascontiguousarray(identifier.nb_ptc)
    return identifier


@cache
def _batch_identifier() -> BatchLanguageIdentifier:
    return BatchLanguageIdentifier(py3langid_identifier())


def identify_languages(texts: list[str | None]) -> list[tuple[str | None, float]]:
    """(ISO 639-1 code, confidence 0–1) of each text's language, whatever the confidence;
    (None, 0.0) for one whose sample is empty or blank."""
    samples = [(text or "")[:LANG_SAMPLE_CHARS] for text in texts]
    worded = [i for i, sample in enumerate(samples) if sample.strip()]
    identified: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
    for i, found in zip(worded, _batch_identifier().classify([samples[i] for i in worded]),
                        strict=True):
        identified[i] = found
    return identified


def identify_language(text: str | None) -> tuple[str | None, float]:
    """identify_languages of one text."""
    return identify_languages([text])[0]


def languages_of(texts: list[str | None], min_confidence: float = LANG_MIN_CONFIDENCE
                 ) -> list[str | None]:
    """The ISO 639-1 language of each text, or None when it is not clear enough."""
    return [lang if confidence >= min_confidence else None
            for lang, confidence in identify_languages(texts)]


def language_of(text: str | None, min_confidence: float = LANG_MIN_CONFIDENCE) -> str | None:
    """languages_of one text."""
    return languages_of([text], min_confidence)[0]
