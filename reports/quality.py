"""The data-quality page: every gate of the latest run, every expectation with its threshold
and observed value, and the history of the last runs. Self-contained (styles inline), unlike
GX's Data Docs, which load CSS and JS from CDNs and look broken offline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from expectations.gate import gate_status
from reports.pages import environment, write_page

STAGES = ("ingest", "enrich", "marts")
HISTORY_RUNS = 10
PAGE = "data-quality.html"


def _status(rows: list[dict]) -> str:
    return gate_status(r["severity"] for r in rows if not r["success"])


def render_quality_page(wh, out: Path, report_link: str | None = None) -> Path:
    """Write ``<out>/data-quality.html`` from ``runs`` and ``quality_results``."""
    runs = wh.frame(
        f"SELECT * FROM runs ORDER BY started_at DESC LIMIT {HISTORY_RUNS}"
    ).to_dicts()
    results = wh.frame(
        "SELECT * FROM quality_results WHERE run_id IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY stage, suite, expectation", [[r["run_id"] for r in runs]]
    ).to_dicts()
    by_run: dict[str, list[dict]] = {}
    for row in results:
        by_run.setdefault(row["run_id"], []).append(row)
    for run in runs:
        rows = by_run.get(run["run_id"], [])
        run["gates"] = {s: _status([r for r in rows if r["stage"] == s])
                        for s in STAGES if any(r["stage"] == s for r in rows)}
    latest = runs[0] if runs else {"run_id": "—", "status": "no run recorded"}
    latest_rows = by_run.get(latest["run_id"], [])
    stages = [{"name": s, "status": _status([r for r in latest_rows if r["stage"] == s]),
               "results": [r for r in latest_rows if r["stage"] == s]}
              for s in STAGES if any(r["stage"] == s for r in latest_rows)]
    html = environment().get_template("quality.html.j2").render(
        run=latest, stages=stages, history=runs, stage_names=STAGES, report_link=report_link,
        generated_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / PAGE
    write_page(path, html)
    return path
