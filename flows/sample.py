"""The bundled sample corpus: page dumps from fictitious news sites, generated deterministically.

Each page looks like a browser's saved text of a news page (navigation headlines with relative
times, teasers printed twice, an author box with a dated byline, title, bullet summary, article,
"more reads", a comment prompt, a stock ticker). Signals are planted with known answers:

- ``SURGE_PAIR`` is co-mentioned in many articles in week ``SURGE_WEEK`` and rarely otherwise;
- ``RISING_THEME`` takes a steadily growing share of articles week by week;
- every 40th story is republished verbatim on a second site (an exact duplicate after
  extraction), and every 25th is rewritten lightly on another (a near-duplicate);
- a few bad records: an empty file, a binary file, a malformed JSON line, an article too short.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
WEEKS = 18
SURGE_PAIR = ("IN", "PK")
SURGE_WEEK = 12  # 0-based index: the week starting START + 12 weeks
RISING_THEME = "CLIMATE_ENVIRONMENT"
SITES = ("dailyglobe.example", "worldwire.example", "marketpost.example", "frontier-news.example")

# code: (name, demonym, capital or metonym, region)
COUNTRIES = {
    "US": ("the United States", "American", "Washington", "Texas"),
    "CN": ("China", "Chinese", "Beijing", "Guangdong"),
    "RU": ("Russia", "Russian", "the Kremlin", "Siberia"),
    "DE": ("Germany", "German", "Berlin", "Bavaria"),
    "FR": ("France", "French", "Paris", "Brittany"),
    "GB": ("Britain", "British", "Downing Street", "Scotland"),
    "IN": ("India", "Indian", "New Delhi", "Kerala"),
    "PK": ("Pakistan", "Pakistani", "Islamabad", "Balochistan"),
    "JP": ("Japan", "Japanese", "Tokyo", "Hokkaido"),
    "BR": ("Brazil", "Brazilian", "Brasilia", "Amazonas"),
    "TR": ("Turkey", "Turkish", "Ankara", "Anatolia"),
    "KZ": ("Kazakhstan", "Kazakh", "Astana", "Almaty"),
    "NG": ("Nigeria", "Nigerian", "Abuja", "Lagos"),
    "EG": ("Egypt", "Egyptian", "Cairo", "Sinai"),
    "MX": ("Mexico", "Mexican", "Mexico City", "Jalisco"),
    "AU": ("Australia", "Australian", "Canberra", "Queensland"),
}
# Countries that appear only in the site chrome (navigation, teasers): never in an article.
CHROME_COUNTRIES = ("Norway", "Chile", "Portugal", "Vietnam")

THEME_SENTENCES = {
    "ENERGY": [
        "Crude oil exports from {name} rose as the refinery in {region} resumed work after repairs.",
        "{demonym} officials said natural gas prices and electricity tariffs would stay high through the winter.",
        "The pipeline deal gives {capital} more say over fuel supplies, energy analysts said.",
    ],
    "MILITARY": [
        "{demonym} troops began military exercises near the border, the defence ministry said.",
        "{capital} announced new missile deployments and an increase in the army's budget.",
        "The navy said its warships would patrol waters off {region} for the coming weeks.",
    ],
    "TRADE": [
        "Exports from {name} fell while imports of machinery rose, widening the trade deficit.",
        "{capital} said it would raise tariffs on steel and cars in response to the new quotas.",
        "{demonym} exporters urged the government to sign the free trade deal before summer.",
    ],
    "DIPLOMACY": [
        "The foreign minister of {name} arrived for a summit on regional security and trade ties.",
        "{capital} and its neighbours agreed on a diplomatic roadmap after two days of talks.",
        "{demonym} diplomats said the bilateral treaty would be signed at a state visit in spring.",
    ],
    "CLIMATE_ENVIRONMENT": [
        "Record heat and drought in {region} have intensified the debate over climate change in {name}.",
        "{demonym} scientists warned that carbon emissions must fall faster to limit global warming.",
        "{capital} unveiled a plan to cut greenhouse gas emissions and curb air pollution.",
    ],
    "MARKETS_FINANCE": [
        "Shares in {demonym} banks rose as investors bet on higher interest rates.",
        "The currency of {name} weakened against the dollar and bond yields climbed.",
        "Stock market analysts in {capital} expect quarterly earnings to beat forecasts.",
    ],
    "HEALTH": [
        "Hospitals in {region} reported a rise in patients as the virus outbreak spread.",
        "{demonym} health officials started a vaccine campaign to contain the disease.",
        "Doctors in {name} warned that the pandemic had strained the health system.",
    ],
}
# Headlines as desks write them: several per theme, naming the story's first country in one of
# its forms (a capital in one, a demonym in another), so no two weeks read alike.
HEADLINES = {
    "ENERGY": [
        "{name_title} Restarts {region} Refinery as Fuel Prices Bite",
        "{demonym} Gas Bills to Stay High Through Winter, Regulator Says",
        "{capital} Wins Bigger Say Over Pipeline Supplies",
        "Oil Exports From {name_title} Climb After Months of Repairs",
    ],
    "MILITARY": [
        "{demonym} Troops Begin Exercises Near Border",
        "{capital} Raises Army Budget, Orders New Missiles",
        "Warships to Patrol Waters Off {region} for Weeks",
        "Defence Ministry in {capital} Defends Deployment Plan",
    ],
    "TRADE": [
        "{name_title}'s Trade Deficit Widens as Machinery Imports Jump",
        "{capital} Answers New Quotas With Steel and Car Tariffs",
        "{demonym} Exporters Press for Free Trade Deal Before Summer",
        "Ports in {region} Brace for Slower Export Season",
    ],
    "DIPLOMACY": [
        "Foreign Minister Heads to Summit as {capital} Seeks Security Pact",
        "{name_title} and Neighbours Agree Roadmap After Two Days of Talks",
        "{demonym} Diplomats Expect Treaty Signing at Spring State Visit",
        "Envoys Gather in {capital} for Regional Talks",
    ],
    "CLIMATE_ENVIRONMENT": [
        "Drought in {region} Reignites {demonym} Climate Debate",
        "{capital} Unveils Plan to Cut Emissions and Clean Up Air",
        "{demonym} Scientists Warn Emissions Must Fall Faster",
        "Record Heat Scorches {region} as Farmers Count Losses",
        "{name_title} Sets Tougher Carbon Targets After Wildfire Summer",
    ],
    "MARKETS_FINANCE": [
        "{demonym} Bank Shares Rally on Rate Bets",
        "{name_title}'s Currency Slides as Bond Yields Climb",
        "Analysts in {capital} See Earnings Beating Forecasts",
        "Investors Pile Into {demonym} Stocks Before Central Bank Meeting",
    ],
    "HEALTH": [
        "Hospitals in {region} Fill Up as Outbreak Spreads",
        "{demonym} Health Officials Launch Vaccine Drive",
        "Doctors Say Pandemic Has Stretched {name_title}'s Hospitals",
        "{capital} Orders Extra Beds as Virus Cases Rise",
    ],
}
SURGE_HEADLINES = [
    "India and Pakistan Trade Accusations as Border Tensions Flare",
    "New Delhi Summons Envoy After Clash on Pakistan Border",
    "Islamabad Accuses India of Ceasefire Breach",
    "Indian and Pakistani Negotiators Meet as Crisis Deepens",
    "Markets Wobble as India-Pakistan Standoff Drags On",
]
PAIR_SENTENCES = [
    "Officials from {a_name} and {b_name} traded accusations after the incident along the border.",
    "{a_demonym} and {b_demonym} negotiators met in {a_capital} to discuss the crisis.",
    "Analysts said relations between {a_capital} and {b_capital} had not been this tense in years.",
]
FILLER = [
    "The announcement came after weeks of speculation about the government's plans.",
    "Critics said the measures did not go far enough and called for a broader debate.",
    "Independent observers said the coming months would show whether the plan can work.",
    "The ministry did not respond to a request for comment on Tuesday.",
    "Opposition lawmakers said they would seek a vote on the proposal next month.",
    "Business groups welcomed the decision but asked for more detail on the timetable.",
    "Local newspapers reported that the plan had been drafted in a hurry.",
]
OFFICIAL_ROLES = ("a senior official", "the deputy minister", "an adviser to the president",
                  "a spokeswoman for the ministry", "the head of the regional council",
                  "a senior diplomat", "the chief economist of a local bank")
DETAILS = ("{figure} million people", "{figure} projects", "about {figure} percent of the budget",
           "{figure} new contracts", "nearly {figure} kilometres of road",
           "{figure} billion in spending")
VERBS = ("approved", "delayed", "reviewed", "announced", "questioned", "expanded")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_NAMES = ("Anna", "Omar", "Mei", "Lucas", "Priya", "Tomas", "Sara", "Kwame")
LAST_NAMES = ("Keller", "Haddad", "Lin", "Moreau", "Rao", "Novak", "Berg", "Mensah")


def _slots(code: str, prefix: str = "") -> dict:
    name, demonym, capital, region = COUNTRIES[code]
    return {f"{prefix}name": name, f"{prefix}demonym": demonym,
            f"{prefix}capital": capital, f"{prefix}region": region}


def _cap(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _article(rng: random.Random, week: int, index: int, weeks: int = WEEKS) -> dict:
    """One article: title, summary bullets, paragraphs, date, theme and countries."""
    rising_share = 0.05 + 0.5 * week / (weeks - 1)
    theme = RISING_THEME if rng.random() < rising_share else rng.choice(
        [t for t in THEME_SENTENCES if t != RISING_THEME]
    )
    surge = week == SURGE_WEEK and rng.random() < 0.6
    codes = list(SURGE_PAIR) if surge else rng.sample(
        [c for c in COUNTRIES if c not in SURGE_PAIR] + ([SURGE_PAIR[0]] if index % 9 else []),
        k=rng.choice((1, 2, 2, 3)),
    )
    paragraphs = []
    for _ in range(rng.randint(5, 8)):
        code = rng.choice(codes)
        sentences = [_cap(rng.choice(THEME_SENTENCES[theme]).format(**_slots(code)))]
        if len(codes) >= 2 and rng.random() < 0.5:
            pair = _slots(codes[0], "a_") | _slots(codes[1], "b_")
            sentences.append(_cap(rng.choice(PAIR_SENTENCES).format(**pair)))
        # A sentence of its own with names and figures, as real reporting has.
        detail = rng.choice(DETAILS).format(figure=rng.randint(2, 950))
        sentences.append(
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, {rng.choice(OFFICIAL_ROLES)}, "
            f"said on {rng.choice(DAYS)} that {detail} had been {rng.choice(VERBS)} "
            f"since {rng.choice(('January', 'March', 'June', 'last year', 'the election'))}."
        )
        sentences.append(rng.choice(FILLER))
        paragraphs.append(" ".join(sentences))
    lead = _slots(codes[0])
    lead["name_title"] = lead["name"].removeprefix("the ")
    title = _cap(rng.choice(SURGE_HEADLINES) if surge
                 else rng.choice(HEADLINES[theme]).format(**lead))
    published = START + timedelta(weeks=week, days=rng.randint(0, 6), hours=rng.randint(6, 20),
                                  minutes=rng.randint(0, 59))
    bullets = [_cap(s.format(**_slots(codes[0])))
               for s in rng.sample(THEME_SENTENCES[theme], 2)]
    return {"title": title, "bullets": bullets, "paragraphs": paragraphs,
            "published": published, "theme": theme, "countries": codes,
            "author": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"}


def _page(rng: random.Random, site: str, article: dict) -> str:
    """The saved text of a page on ``site`` holding ``article``."""
    nav = [
        f"  • {rng.randint(1, 50)} minutes Markets wobble as {rng.choice(CHROME_COUNTRIES)} "
        "weighs new rules",
        f"  • {rng.randint(1, 23)} hours What {rng.choice(CHROME_COUNTRIES)} tells us about "
        "the next decade",
        f"  • {rng.randint(1, 6)} days Five charts on the economy of "
        f"{rng.choice(CHROME_COUNTRIES)}",
    ]
    teaser_title = f"Why {rng.choice(CHROME_COUNTRIES)} Is Betting On Its Ports"
    teaser = [teaser_title, "", teaser_title, "", "Shipping lines are redrawing their maps…", ""]
    when = article["published"]
    byline = f"By {article['author']} - {when:%b} {when.day}, {when:%Y}, {when:%H:%M} UTC"
    lines = [
        *nav, *teaser,
        article["author"], "", article["author"], "",
        f"{article['author']} covers politics and business for {site}.", "",
        "Premium Content", "",
        article["title"], "",
        *(f"  • {b}" for b in article["bullets"]),
        byline, "",
    ]
    for paragraph in article["paragraphs"]:
        lines += [paragraph, ""]
    lines += [
        f"More Top Reads From {site}:", "",
        "Download The Free App Today", "",
        "Leave a comment", "", "Leave a comment", "",
        f"ACME Corp {rng.uniform(-2, 2):+.2f}",
        f"Open{rng.uniform(20, 90):.2f} Trading Vol.{rng.uniform(1, 9):.2f}M",
        f"{site} - independent news since 1999",
    ]
    return "\n".join(lines)


def write_sample(out: Path, articles: int = 480, seed: int = 7, weeks: int = WEEKS) -> int:
    """Write the corpus of ``articles`` over ``weeks`` weeks into ``out``; returns the number
    of files written."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    per_week = max(1, articles // weeks)
    jsonl_rows = []
    for i in range(articles):
        week = min(i // per_week, weeks - 1)
        article = _article(rng, week, i, weeks)
        site = SITES[i % len(SITES)]
        if i % 10 == 9:
            # Every tenth article arrives through a JSON Lines export instead of a page dump.
            jsonl_rows.append({"id": f"wire-{i}", "headline": article["title"],
                               "url": f"https://{site}/{article['published']:%Y/%m/%d}/story-{i}",
                               "published": article["published"].isoformat(),
                               "text": "\n\n".join(article["paragraphs"])})
            continue
        written += _write_page(out / site / f"{site}_story-{i:05d}.txt", _page(rng, site, article),
                               article["published"])
        if i % 25 == 12:
            # A light rewrite on another site: one paragraph dropped, one sentence added.
            other = SITES[(i + 2) % len(SITES)]
            edited = dict(article, paragraphs=article["paragraphs"][1:] + [rng.choice(FILLER)])
            written += _write_page(out / other / f"{other}_rewrite-{i:05d}.txt",
                                   _page(rng, other, edited), article["published"])
        if i % 40 == 0:
            # Syndicated: the same story on another site, in that site's page template.
            other = SITES[(i + 1) % len(SITES)]
            written += _write_page(out / other / f"{other}_syndicated-{i:05d}.txt",
                                   _page(rng, other, article), article["published"])
    bad = out / "exports"
    bad.mkdir(exist_ok=True)
    jsonl_rows.insert(3, "{this is not json")
    jsonl_rows.append({"id": "short-1", "headline": "Brief", "text": "Too short to be news.",
                       "published": START.isoformat()})
    with (bad / "wire-export.jsonl").open("w", encoding="utf-8") as handle:
        for row in jsonl_rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "corrupt.txt").write_bytes(bytes(range(256)) * 4)
    return written + 3


def _write_page(path: Path, text: str, published: datetime) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    # The file time is the crawl time: a day after publication (the byline is what counts).
    crawl = (published + timedelta(days=1)).timestamp()
    os.utime(path, (crawl, crawl))
    return 1
