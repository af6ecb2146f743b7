"""JSON Lines exports: one article per line, fields found among the usual names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flows.sources.decode import NotText, decode_text

# The usual field names of news exports, in order of preference.
FIELD_CANDIDATES = {
    "text": ("text", "body", "content", "article", "maintext", "articleBody"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "date_raw": ("date", "published", "published_at", "pubDate", "timestamp", "datePublished"),
    "record_id": ("id", "doc_id", "guid"),
}
MAX_LINE_CHARS = 5_000_000


def pick_fields(obj: dict) -> dict:
    out = {}
    for target, names in FIELD_CANDIDATES.items():
        value = next((obj[n] for n in names if obj.get(n) not in (None, "")), None)
        out[target] = value if value is None or target == "date_raw" else str(value)
    if out["date_raw"] is not None:
        out["date_raw"] = str(out["date_raw"])
    return out


def read(path: Path) -> Iterator[dict]:
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            key = f"{path.name}:{line_no}"
            if not raw.strip():
                continue
            try:
                line = decode_text(raw)
            except NotText as exc:
                yield {"record_key": key, "kind": "article", "error": str(exc)}
                continue
            if len(line) > MAX_LINE_CHARS:
                yield {"record_key": key, "kind": "article",
                       "error": f"line longer than {MAX_LINE_CHARS:,} characters"}
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield {"record_key": key, "kind": "article", "text": line[:200],
                       "error": f"malformed JSON: {exc.msg} at column {exc.colno}"}
                continue
            if not isinstance(obj, dict):
                yield {"record_key": key, "kind": "article", "text": line[:200],
                       "error": "JSON line is not an object"}
                continue
            fields = pick_fields(obj)
            record_id = fields.pop("record_id")
            yield {"record_key": f"{key}" + (f"#{record_id}" if record_id else ""),
                   "kind": "article", **fields}
