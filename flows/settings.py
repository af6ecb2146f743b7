"""comention's settings, in one typed object: each with a default that works with no
configuration, and each overridden by an environment variable (and, for the paths, by a flag).

``Settings.from_env()`` reads the environment once, where a command or a flow starts (flows.cli,
flows.orchestration, flows.deployments, the benches); the settings are then passed down, as the
object or as the fields a function needs. Nothing else reads these variables, and nothing reads
them at import time. A bad value is a SettingError naming the variable, in one line.

Thresholds of the expectation suites are not settings: they live in expectations/thresholds.toml.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from flows.errors import UserError

if TYPE_CHECKING:
    from flows.sources import ReadOptions


class SettingError(UserError, ValueError):
    """An environment variable holds a value comention cannot use."""


def _counted_kinds_default() -> tuple[str, ...]:
    # Imported when needed: transforms.countries takes a quarter of a second to import, and
    # every command reads its settings (`comention sql` needs none of it).
    from transforms.countries import COUNTED_KINDS_DEFAULT

    return COUNTED_KINDS_DEFAULT


def _known_kinds() -> tuple[str, ...]:
    from transforms.gazetteer import KINDS

    return KINDS


@dataclass(frozen=True)
class MartSettings:
    """How the marts count: which mention kinds make an article count for a country
    (default: all but ``org``), and the fewest articles a pair needs before its PMI is given
    (so that rare pairs do not top association rankings)."""

    counted_kinds: tuple[str, ...] = field(default_factory=_counted_kinds_default)
    min_pair_support: int = 3


def _setting(default, env: str, doc: str):
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Every setting of a run, typed; ``Settings()`` holds the defaults."""

    db: Path = _setting(Path("comention.duckdb"), "COMENTION_DB",
                        "the DuckDB warehouse file (--db)")
    reports: Path = _setting(Path("reports/out"), "COMENTION_REPORTS",
                             "the folder of the HTML reports (--out)")
    inbox: Path = _setting(Path("inbox"), "COMENTION_INBOX",
                           "the folder the hourly ingest deployment reads (--inbox)")
    duckdb_memory: str = _setting("512MB", "COMENTION_DUCKDB_MEMORY",
                                  "DuckDB's memory cap, e.g. 512MB, 2GiB or 50%: beyond it, "
                                  "it spills to disk")
    max_expanded_bytes: int = _setting(4 * 2**30, "COMENTION_MAX_EXPANDED_BYTES",
                                       "bytes at most expanded from one compressed file or "
                                       "archive (4 GiB)")
    max_quarantined_per_file: int = _setting(
        100_000, "COMENTION_MAX_QUARANTINED_PER_FILE",
        "quarantined records of one file listed one by one; the rest are counted in one row")
    # None: transforms.countries.COUNTED_KINDS_DEFAULT (see MartSettings), not imported here.
    counted_kinds: tuple[str, ...] | None = _setting(
        None, "COMENTION_COUNTED_KINDS",
        "the mention kinds that make an article count for a country, comma-separated, of "
        "name, demonym, capital, city, region and org (default: all but org)")
    min_pair_support: int = _setting(MartSettings.min_pair_support, "COMENTION_MIN_PAIR_SUPPORT",
                                     "the fewest articles a country pair needs in a week "
                                     "for its PMI to be given")
    shared: Path = _setting(Path(__file__).resolve().parents[2] / "shared", "COMENTION_SHARED",
                            "the folder holding the labelled data/ of the benches and tests "
                            "(../shared beside the checkout)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The defaults, overridden by the variables set (and not empty) in ``environ``;
        raises SettingError for a value that cannot be used."""
        values = {}
        for setting in fields(cls):
            raw = environ.get(setting.metadata["env"])
            if raw:  # unset or empty: the default
                values[setting.name] = _PARSERS[setting.name](raw, setting.metadata["env"])
        return cls(**values)

    def overridden(self, **changes) -> Settings:
        """These settings with some changed by flags; a None (a flag not given) changes
        nothing."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def marts(self) -> MartSettings:
        kinds = {} if self.counted_kinds is None else {"counted_kinds": self.counted_kinds}
        return MartSettings(min_pair_support=self.min_pair_support, **kinds)

    def read_options(self, **options) -> ReadOptions:
        """ReadOptions with this run's limits (``options``: fields, clean_exports…)."""
        from flows.sources import ReadOptions

        return ReadOptions(max_expanded_bytes=self.max_expanded_bytes,
                           max_quarantined_per_file=self.max_quarantined_per_file, **options)


def variables() -> dict[str, tuple[object, str]]:
    """Each environment variable: (its default, what it sets), in the order of Settings."""
    defaults = Settings()
    return {s.metadata["env"]: (getattr(defaults, s.name), s.metadata["doc"])
            for s in fields(Settings)}


def _bad(env: str, raw: str, expected: str) -> SettingError:
    return SettingError(f"bad {env}={raw!r}: {expected}")


def _path(raw: str, env: str) -> Path:
    return Path(raw)


def _integer(minimum: int):
    def parse(raw: str, env: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _bad(env, raw, f"expected a whole number, {minimum} or more") from None
        if value < minimum:
            raise _bad(env, raw, f"expected a whole number, {minimum} or more")
        return value
    return parse


# What DuckDB accepts for memory_limit: a size with a unit (1000^i: KB, MB…; 1024^i: KiB,
# MiB…), a percentage of the machine's memory, or no limit (none, -1).
_MEMORY = re.compile(r"(?i)\s*((\d+\.?\d*|\.\d+)\s*(b|bytes?|[kmgt]b?|[kmgt]ib)"
                     r"|(100|\d{1,2})(\.\d*)?\s*%|none|-1)\s*")


def _memory(raw: str, env: str) -> str:
    if not _MEMORY.fullmatch(raw):
        raise _bad(env, raw, "expected a size with its unit, such as 512MB, 2GB or 4GiB, "
                             "or a share of the machine's memory, such as 50%")
    return raw


def _kinds(raw: str, env: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    known = _known_kinds()
    if not kinds or any(k not in known for k in kinds):
        raise _bad(env, raw, f"expected mention kinds separated by commas, of "
                             f"{', '.join(known)}")
    return kinds


_PARSERS = {
    "db": _path, "reports": _path, "inbox": _path, "shared": _path,
    "duckdb_memory": _memory,
    "max_expanded_bytes": _integer(0),
    "max_quarantined_per_file": _integer(0),
    "counted_kinds": _kinds,
    "min_pair_support": _integer(0),
}
