"""comention's imperative shell: Prefect flows, dump readers, the warehouse, the CLI."""

import contextlib
import os
import tomllib
from pathlib import Path

# Prefect must be quiet and offline wherever comention runs (../shared/DEPENDENCIES.md); these
# are defaults, so a user's own settings win. They must be set before prefect is imported.
for _key, _value in {
    "PREFECT_HOME": os.path.join(os.path.expanduser("~"), ".comention", "prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    "DASK_LOGGING__DISTRIBUTED": "warning",
}.items():
    os.environ.setdefault(_key, _value)

PREFECT_HOME = Path(os.path.expanduser(os.environ["PREFECT_HOME"]))
# Prefect creates only the last level of its home: on a fresh account (no ~/.comention) its
# temporary API would never start. Creating a folder is cheap; do it before anyone imports it.
with contextlib.suppress(OSError):  # Prefect then says itself why it cannot use the folder
    PREFECT_HOME.mkdir(parents=True, exist_ok=True)


def prefect_api_url() -> str | None:
    """The Prefect API comention would talk to: PREFECT_API_URL in the environment or in the
    active profile of PREFECT_HOME (read without importing Prefect, which takes a second)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        with (PREFECT_HOME / "profiles.toml").open("rb") as handle:
            config = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or config.get("active", "")
    return config.get("profiles", {}).get(active, {}).get("PREFECT_API_URL") or None
