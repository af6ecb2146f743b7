"""comention's imperative shell: Prefect flows, dump readers, the warehouse, the CLI."""

import os

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
