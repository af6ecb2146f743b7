"""What a publishing site says about its articles' places: the country of its country-code
top-level domain (bbc.co.uk: GB, derstandard.at: AT), where its readers mostly live. A name
of several places reads more likely as the one in that country (transforms.places), as when the
article names the country itself."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Country codes that sites everywhere take for their letters, not their country: the ones
# Google Search treats as generic top-level domains (Search Central, "Managing multi-regional
# and multilingual sites", 2026: .ai, .io, .tv, .me...).
GENERIC_COUNTRY_CODES = frozenset(
    "ad ai as bz cc cd co dj fm io la me ms nu sc sr su tk tv ws".split())
# The one top-level domain that is not its country's ISO 3166-1 code.
_ISO_CODE_OF_DOMAIN = {"uk": "GB"}


@lru_cache(maxsize=4096)  # a feed's articles come from few sites
def site_country(site: str | None) -> str | None:
    """The ISO 3166-1 code of the country of a site's host (as articles.site_of gives it), or
    None: no host ("BBC News"), a generic domain (.com, .eu, .io)."""
    if not site or " " in site or "." not in site:
        return None
    domain = site.rsplit(".", 1)[1].lower()
    if len(domain) != 2 or domain in GENERIC_COUNTRY_CODES:
        return None
    code = _ISO_CODE_OF_DOMAIN.get(domain, domain.upper())
    return code if pycountry.countries.get(alpha_2=code) else None
