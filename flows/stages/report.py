"""Report: the weekly HTML report and its data-quality page from the published tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.warehouse import Warehouse


def report(wh: Warehouse, out: Path, week: date | None) -> Path | None:
    from reports.render import render_report

    return render_report(wh, out, week)
