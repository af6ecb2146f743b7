"""A site's country from its host (transforms.sites)."""

from __future__ import annotations

import pytest

from transforms.sites import site_country


@pytest.mark.parametrize(("site", "country"), [
    ("news.bbc.co.uk", "GB"),  # .uk is the one domain that is not its country's code
    ("derstandard.at", "AT"),
    ("abc.net.au", "AU"),
    ("folha.uol.com.br", "BR"),
    ("reuters.com", None),  # generic
    ("euronews.eu", None),  # a region's, not a country's
    ("startup.io", None),  # a country's domain sites everywhere take for its letters
    ("news.tv", None),
    ("BBC News", None),  # a site's name, not its host
    ("localhost", None),
    (None, None),
])
def test_a_site_has_the_country_of_its_country_code_domain(site, country):
    assert site_country(site) == country
