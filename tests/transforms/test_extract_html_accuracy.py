"""Accuracy gate of the HTML path on the check half of real news pages (bench.bench_html)."""

from tests.conftest import DATA, needs

HTML_MIN_F1 = 0.95  # title + body; raise it as the extractor improves, never lower it


@needs(DATA / "aeb-html" / "ground-truth.json")
def test_html_check_half_beats_trafilaturas_defaults():
    from bench.bench_html import load, score

    check = score(*load())["check"]
    ours = check["comention (title + body)"][2]
    theirs = check["trafilatura defaults (title + body)"][2]
    assert ours >= HTML_MIN_F1, f"HTML title + body F1 {ours:.3f}"
    assert ours >= theirs, f"{ours:.3f} < trafilatura's defaults {theirs:.3f}"
    assert check["comention (body)"][2] >= check["trafilatura defaults (body)"][2]
