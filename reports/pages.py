"""The report's pages: the Jinja environment they are rendered with (templates/, escaped)
and how they are written."""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )


def write_page(path: Path, html: str) -> None:
    """Write ``html`` to ``path`` whole or not at all: a full disk leaves the last good page,
    never a truncated one."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
