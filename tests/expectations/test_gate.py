from datetime import UTC, datetime

import pandas as pd

from expectations.gate import ExpectationResult, GateResult, combined, load_suite, run_gate


def test_every_suite_is_declarative_with_severities():
    for stage in ("ingest", "enrich", "marts"):
        suite = load_suite(stage)
        specs = [s for batch in suite["batches"].values() for s in batch]
        assert specs and {s["severity"] for s in specs} <= {"fail", "warn", "quarantine"}


def test_gate_fails_on_bad_rows_and_names_the_expectation():
    bad = {
        "country_weekly": pd.DataFrame({"week": ["2024-01-01"] * 2, "country": ["US", "ZZ"],
                                        "share": [0.5, 1.5]}),
        "country_pairs_weekly": pd.DataFrame({"week": ["2024-01-01"], "country_a": ["US"],
                                              "country_b": ["CN"], "articles": [1],
                                              "week_articles": [3]}),
        "theme_weekly": pd.DataFrame({"week": ["2024-01-01"], "theme": ["ENERGY"],
                                      "share": [0.2], "articles": [1]}),
        "emerging_terms": pd.DataFrame({"week": ["2024-01-01"], "term": ["chernobyl"],
                                        "articles": [7]}),
        "weeks": pd.DataFrame({"missing_weeks": [0]}),
        "drift": pd.DataFrame({"max_country_share_drift": [0.05]}),
    }
    gate = run_gate("marts", bad, {"country_codes": ["US", "CN"], "theme_codes": ["ENERGY"]})
    failed = {r.expectation for r in gate.failed}
    assert not gate.passed
    assert "expect_column_values_to_be_between(share)" in failed
    assert "expect_column_values_to_be_in_set(country)" in failed
    assert "expect_column_pair_values_a_to_be_greater_than_b(country_b,country_a)" in failed


def _result(success, severity="fail", checked=10, unexpected=0, mostly=None, threshold=None):
    return ExpectationResult(stage="ingest", suite="ingest.articles",
                             expectation="expect_column_values_to_not_be_null(lang)",
                             success=success, severity=severity, observed=None,
                             checked_at=datetime.now(UTC), threshold=threshold,
                             checked=checked, unexpected=unexpected, mostly=mostly)


def test_chunks_combine_into_one_result_judged_over_all_rows():
    # 1 of 10 and 0 of 10 rows without a language: 95% over both chunks holds, though the
    # first chunk alone (90%) did not.
    parts = [GateResult("ingest", (_result(False, "warn", unexpected=1, mostly=0.95),)),
             GateResult("ingest", (_result(True, "warn", unexpected=0, mostly=0.95),))]
    (merged,) = combined("ingest", parts).results
    assert merged.success and (merged.checked, merged.unexpected) == (20, 1)
    # Without a share, one failing chunk fails the run whatever the counts.
    parts = [GateResult("ingest", (_result(False, unexpected=0),)),
             GateResult("ingest", (_result(True),))]
    assert not combined("ingest", parts).passed
    # A fail and a warn check of the same column and bounds stay two results.
    parts = [GateResult("ingest", (_result(False, "fail", unexpected=3, threshold="max=1"),
                                   _result(False, "warn", unexpected=3, threshold="max=1")))]
    merged = combined("ingest", parts)
    assert len(merged.results) == 2 and not merged.passed
