import json
from itertools import combinations
from pathlib import Path

import pytest

import transforms.language
from flows.sample import write_sample
from transforms.language import (
    LANG_MIN_CONFIDENCE,
    LANG_SAMPLE_CHARS,
    BatchLanguageIdentifier,
    identify_language,
    identify_languages,
    language_of,
    languages_of,
    py3langid_identifier,
)

SENTENCES = {
    "de": ["Die Regierung hat am Dienstag neue Regeln für den Wohnungsbau beschlossen.",
           "Nach Angaben der Polizei wurden bei dem Unfall auf der Autobahn drei Menschen "
           "verletzt.",
           "Der Stadtrat will die Straßenbahn bis zum nächsten Sommer in die Vororte verlängern.",
           "Viele Bauern klagen über die Trockenheit und fürchten eine schlechte Ernte."],
    "fr": ["Le gouvernement a présenté mercredi un projet de loi sur les retraites.",
           "Selon la préfecture, la manifestation a réuni plusieurs milliers de personnes à Lyon.",
           "Les prix de l'énergie ont encore augmenté au cours du dernier trimestre.",
           "La ministre s'est rendue à l'hôpital pour rencontrer le personnel soignant."],
    "es": ["El presidente anunció el lunes un nuevo plan para reducir el desempleo juvenil.",
           "Las lluvias torrenciales obligaron a evacuar a cientos de familias en el sur del "
           "país.",
           "El banco central decidió mantener los tipos de interés sin cambios este mes.",
           "Los sindicatos convocaron una huelga general para la próxima semana."],
    "ru": ["Правительство утвердило новый бюджет на следующий год.",
           "По словам министра, цены на продукты питания стабилизировались.",
           "В Москве прошла встреча представителей двух стран.",
           "Сильный снегопад парализовал движение на дорогах области."],
    "zh": ["政府周二宣布了一项新的经济刺激计划。",
           "据当地媒体报道，暴雨导致数千人被迫撤离家园。",
           "中央银行决定维持基准利率不变。",
           "两国领导人在北京举行了会谈，讨论贸易问题。"],
    "ar": ["أعلنت الحكومة يوم الثلاثاء عن خطة جديدة لدعم الاقتصاد.",
           "قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل.",
           "ارتفعت أسعار النفط في الأسواق العالمية بشكل ملحوظ.",
           "شارك آلاف الأشخاص في المظاهرة وسط العاصمة."],
    "en": ["The central bank raised interest rates for the third time this year.",
           "Officials said the storm had damaged hundreds of homes along the coast.",
           "The company reported higher profits despite falling sales in Europe.",
           "Talks between the two sides are expected to resume next week."],
}
# Edge cases of the bytes py3langid reads: nothing, blanks, digits only, all capitals
# (lowered), characters NFC composes, a lone surrogate, replacement and control characters.
ODD_TEXTS = ["", " ", "\n\t", "12 34 56", "A", "DIE BUNDESREGIERUNG WILL MEHR GELD",
             "Cafe\u0301 au lait", "\ud800 stray", "\ufffd\x00\x01\x7f", "☺" * 50, "x" * 3000]


def _multilingual_texts() -> list[str]:
    texts = [*ODD_TEXTS]
    for sentences in SENTENCES.values():
        texts += sentences
        texts += [" ".join(pair) for pair in combinations(sentences, 2)]
        texts += [" ".join(sentences).upper(), " ".join(sentences)[:40]]
    for (_, one), (_, other) in combinations(SENTENCES.items(), 2):
        texts.append(f"{one[0]} {other[1]}")
    return texts


def _sample_corpus_texts(folder: Path) -> list[str]:
    """The generated sample's page dumps and export rows whole, and their paragraphs."""
    write_sample(folder, articles=60)
    texts = [path.read_bytes().decode("utf-8", "replace")
             for path in sorted(folder.glob("*/*.txt"))]
    texts += [json.loads(line)["text"]
              for line in (folder / "exports" / "wire-export.jsonl").read_text().splitlines()
              if line.startswith("{\"")]  # not the malformed line
    return texts + [paragraph for text in texts[:20] for paragraph in text.split("\n\n")]


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    found = _multilingual_texts() + _sample_corpus_texts(tmp_path_factory.mktemp("sample"))
    assert len(found) > 500
    return found


def _assert_same(got: list[tuple], expected: list[tuple]) -> None:
    assert [lang for lang, _ in got] == [lang for lang, _ in expected]
    assert max(abs(a - b) for (_, a), (_, b) in zip(got, expected, strict=True)) <= 1e-9


# A small batch size walks long texts alone and short ones in many batches.
@pytest.mark.parametrize("cells", [transforms.language.CELLS_PER_BATCH, 2000])
def test_batch_classify_is_py3langid_classify(texts, cells, monkeypatch):
    monkeypatch.setattr(transforms.language, "CELLS_PER_BATCH", cells)
    reference = py3langid_identifier()
    batched = BatchLanguageIdentifier(reference).classify(texts)
    _assert_same(batched, [reference.classify(text) for text in texts])
    assert {lang for lang, _ in batched} >= set(SENTENCES)


def test_identify_languages_is_the_per_text_rule(texts):
    def per_text(text: str) -> tuple[str | None, float]:
        sample = text[:LANG_SAMPLE_CHARS]
        return py3langid_identifier().classify(sample) if sample.strip() else (None, 0.0)

    identified = identify_languages(texts)
    _assert_same(identified, [per_text(text) for text in texts])
    assert identified[:3] == [(None, 0.0)] * 3  # ODD_TEXTS: empty and blank
    assert languages_of(texts) == [lang if confidence >= LANG_MIN_CONFIDENCE else None
                                   for lang, confidence in identified]
    assert [language_of(text) for text in texts[:60]] == languages_of(texts[:60])
    assert identify_language(texts[20]) == identified[20]
    assert identify_languages([]) == [] and languages_of([None]) == [None]
