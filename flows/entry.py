"""The ``comention`` command: flows.cli's app, where Ctrl-C is one line at any moment.

A command handles Ctrl-C itself once it runs (``comention sql`` stops the query, ``comention
run`` publishes nothing); before that, while the CLI's modules import, Python printed a
traceback, and Typer turned it into a silent exit 130 from the moment the app started. This
module imports nothing of comention's before it is ready to catch it.
"""

from __future__ import annotations

import sys

# Typer's exit code for a Ctrl-C no command handled (typer.core: Exit(130)).
_TYPER_INTERRUPTED = 130


def _interrupted() -> SystemExit:
    print("error: interrupted", file=sys.stderr)
    return SystemExit(1)


def main() -> None:
    try:
        from flows.cli import app

        app()
    except KeyboardInterrupt:
        raise _interrupted() from None
    except SystemExit as done:
        if done.code == _TYPER_INTERRUPTED:
            raise _interrupted() from None
        raise


if __name__ == "__main__":
    main()
