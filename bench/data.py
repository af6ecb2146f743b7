"""Where the labelled research data lives: ../shared/data beside the checkout, or
$COMENTION_SHARED/data for a clone elsewhere (CI clones into a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_folder() -> Path:
    if os.environ.get("COMENTION_SHARED"):
        return Path(os.environ["COMENTION_SHARED"])
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.exists() else Path("/work/shared")


DATA = shared_folder() / "data"
