"""What a run tells the person watching it: a line per stage with its time and counts (as dbt
does), a live count of the records read, and warnings that need the user's attention.

Silent unless given a console: scheduled runs and tests use ``RunProgress()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@dataclass
class StageLine:
    detail: str = ""


class RunProgress:
    def __init__(self, console: Console | None = None, live: Console | None = None):
        self.console = console
        # Live counters go to the terminal only (stderr), and vanish when done.
        self.live = live

    def say(self, message: str) -> None:
        if self.console is not None:
            self.console.print(message, highlight=False, soft_wrap=True)

    def warn(self, message: str) -> None:
        self.say(f"  [yellow]warning:[/] {message}")

    @contextmanager
    def stage(self, name: str) -> Iterator[StageLine]:
        """Time a stage; print its line (name, what it did, seconds) when it ends well."""
        line = StageLine()
        started = time.perf_counter()
        yield line
        self.say(f"[bold]{name:<7}[/] {line.detail}  [dim]{time.perf_counter() - started:.1f} s[/]")

    @contextmanager
    def counter(self, description: str, total: int | None = None,
                unit: str = "") -> Iterator[Callable[[int], None]]:
        """A live count (``advance(n)``) while a stage works, on the terminal only."""
        if self.live is None or not self.live.is_terminal:
            yield lambda n: None
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        columns = [TextColumn(f"{description} {{task.completed:,.0f}}"
                              + ("/{task.total:,.0f}" if total else "") + f" {unit}")]
        if total:
            columns.append(BarColumn())
        with Progress(*columns, TimeElapsedColumn(), console=self.live,
                      transient=True) as progress:
            task = progress.add_task(description, total=total)
            yield lambda n: progress.advance(task, n)
