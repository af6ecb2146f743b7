"""The errors a user can fix: a path that matches nothing, a bad flag or setting, a week
with no articles, a warehouse that is locked, damaged or missing, a failed gate.

Each is a ``UserError``: its message says, in one line, what is wrong and what to do, and
the CLI prints it as that one line (exit code 1). Anything else that escapes a command is a
bug, and keeps its traceback. Raise a UserError only for what the user can act on; catch it
only where a command ends (flows.cli).
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; the message says what, in one line."""


class BadOption(UserError, ValueError):
    """A flag or argument given on the command line (or to a flow) cannot be used."""
