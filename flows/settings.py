"""Run settings with working defaults; each can be overridden by an environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from transforms.countries import COUNTED_KINDS_DEFAULT


def _kinds_from_env() -> tuple[str, ...]:
    raw = os.environ.get("COMENTION_COUNTED_KINDS")
    return tuple(k.strip() for k in raw.split(",") if k.strip()) if raw else COUNTED_KINDS_DEFAULT


@dataclass(frozen=True)
class MartSettings:
    """How the marts count: which mention kinds make an article count for a country
    (default: all but ``org``), and the fewest articles a pair needs before its PMI is given
    (so that rare pairs do not top association rankings)."""

    counted_kinds: tuple[str, ...] = field(default_factory=_kinds_from_env)
    min_pair_support: int = field(
        default_factory=lambda: int(os.environ.get("COMENTION_MIN_PAIR_SUPPORT", "3"))
    )
