"""Where the labelled research data lives: $COMENTION_SHARED/data, else ../shared/data beside
the checkout. Nothing else is guessed: a clone elsewhere names the folder (.ci/run does)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flows.settings import Settings


def shared_folder() -> Path:
    """$COMENTION_SHARED, else ../shared beside the checkout (flows.settings: Settings.shared)."""
    return Settings.from_env().shared


DATA = shared_folder() / "data"

HALVES = ("all", "tune", "check")


def half_of(item_id: str) -> str:
    """The tune or the check half of a labelled item, by its id: settings are chosen on the
    tune half and confirmed on the check half. Every bench splits with this one rule."""
    return "tune" if int(hashlib.sha1(item_id.encode()).hexdigest()[-1], 16) % 2 == 0 else "check"
