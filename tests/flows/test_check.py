"""flows/check.py: the dataset-level measures the gates hold."""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.check import country_share_drift


def test_country_share_drift_only_with_the_volume_to_mean_it():
    weekly = pl.DataFrame({
        "week": [date(2024, 1, 1)] * 2 + [date(2024, 1, 8)] * 2,
        "country": ["US", "CN"] * 2,
        "articles": [50, 50, 90, 10],
        "share": [0.5, 0.5, 0.9, 0.1],
    })
    assert abs(country_share_drift(weekly, min_articles=50) - 0.4) < 1e-9
    assert country_share_drift(weekly, min_articles=500) == 0.0
